//! Keyed random streams: the basis of reproducibility and common random numbers.
//!
//! Every random input of the model (a parameter drawn per path, a series'
//! innovations, the regime chain, a programme's delivery ratio) has a stable
//! name. The stream for input `name` in path `i` is a SplitMix64 generator
//! seeded from a hash of `(seed, name, i)`, so a path's draws depend neither on
//! which thread runs it, nor on how the paths are split into blocks or shards,
//! nor on which other inputs a scenario has. Two scenarios run with one seed
//! therefore share their draws input by input, path by path (docs/model.md, "Random streams").

use rand::SeedableRng;

/// The generator behind every stream: SplitMix64 (Steele, Lea & Flood 2014,
/// the generator of Java's `SplittableRandom`), from `rand_xoshiro`. Its state
/// is one word, so a stream costs one mix to seed instead of the five that
/// filling Xoshiro256++'s four words takes: a path seeds about 40 streams and
/// draws a few numbers from each, so seeding, not drawing, is what counts.
/// SplitMix64 passes BigCrush; two streams could share draws only if their
/// seeds differed by a small multiple of its increment, a chance of about
/// 10^-18 per pair of streams (draws per stream over 2^64).
pub(crate) type Stream = rand_xoshiro::SplitMix64;

/// A 64-bit identifier of a named random input: FNV-1a of its UTF-8 name,
/// finished with the SplitMix64 mixer. Stable across versions and platforms:
/// changing it changes every published number, which `tests/it/value_stability.rs`
/// would catch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InputKey(pub u64);

impl InputKey {
    /// The key of the input called `name` (e.g. `"innovation:digital_economy"`).
    pub fn new(name: &str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        InputKey(splitmix64(hash))
    }
}

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective mixer
/// of 64-bit words with good avalanche behaviour.
#[inline]
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stream of input `key` in path `path` of a run seeded with `seed`.
#[inline]
pub(crate) fn stream(seed: u64, key: InputKey, path: u64) -> Stream {
    stream_from(input_seed(seed, key), path_hash(path))
}

/// The part of a stream's seed that depends on the run's seed and the input
/// only: computed once per run and input by the engine.
#[inline]
pub(crate) fn input_seed(seed: u64, key: InputKey) -> u64 {
    splitmix64(seed ^ key.0)
}

/// The part of a stream's seed that depends on the path only: computed once
/// per path.
#[inline]
pub(crate) fn path_hash(path: u64) -> u64 {
    splitmix64(path)
}

/// The stream with the given parts of its seed (see [`stream`]).
#[inline]
pub(crate) fn stream_from(input_seed: u64, path_hash: u64) -> Stream {
    Stream::seed_from_u64(splitmix64(input_seed.wrapping_add(path_hash)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_seed_input_and_path() {
        let key = InputKey::new("innovation:gdp");
        let first = stream(1, key, 0).random::<u64>();
        assert_ne!(first, stream(2, key, 0).random::<u64>());
        assert_ne!(first, stream(1, key, 1).random::<u64>());
        assert_ne!(first, stream(1, InputKey::new("regime"), 0).random::<u64>());
        assert_eq!(first, stream(1, key, 0).random::<u64>());
    }

    #[test]
    fn input_keys_are_pinned() {
        // FNV-1a("") is the offset basis; pin the mixed value so that a change is seen.
        assert_eq!(InputKey::new("").0, splitmix64(0xcbf2_9ce4_8422_2325));
        assert_ne!(InputKey::new("a"), InputKey::new("b"));
    }
}
