//! Sampling designs other than plain random sampling. Each random input of a
//! path (a parameter, a series' innovation in a year, the regime's uniform in a
//! year, a programme's delivery) gets one uniform number per dimension, turned
//! into its draw by the inverse of its distribution function, so that the
//! design's structure reaches the outputs:
//!
//! - `antithetic`: paths come in pairs (2j, 2j+1); the odd path uses 1 - u
//!   wherever the even one uses u.
//! - `lhs`: Latin hypercube within each block of 4,096 paths: for every input
//!   and dimension, each of the 4,096 strata [i/4096, (i+1)/4096) holds exactly
//!   one path, assigned by a keyed pseudo-random permutation.
//! - `sobol`: each block of 4,096 paths is the first 4,096 points of an
//!   Owen-scrambled Sobol sequence (sobol_burley), scrambled independently per
//!   block and per input; independent scrambles make the blocks independent
//!   estimates, which gives honest error bars (batch means over blocks).
//!
//! Every uniform is a function of (seed, input name, dimension, path), so the
//! designs keep results identical on any thread count and keep common random
//! numbers between scenarios input by input, like plain random sampling.

use crate::rng::{splitmix64, InputKey};

/// Paths per block: the unit of a design (a Latin hypercube's strata, a
/// Sobol block's points), of the engine's work and of its floating-point
/// summation order. The engine re-exports it as `engine::BLOCK_PATHS`.
pub const BLOCK_PATHS: u64 = 4096;

/// Paths per design block.
pub(crate) const DESIGN_BLOCK: u64 = BLOCK_PATHS;

// `permute` is a Feistel network on two 6-bit halves: a bijection of 0..4096.
const _: () = assert!(DESIGN_BLOCK == 1 << 12);

pub use crate::scenario::Sampling;

/// A uniform in (0, 1) from 64 hashed bits.
#[inline]
fn unit(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A hash of (seed, input, dimension, index).
#[inline]
fn hash(seed: u64, key: InputKey, dimension: u64, index: u64) -> u64 {
    splitmix64(splitmix64(seed ^ key.0).wrapping_add(splitmix64(
        dimension.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index,
    )))
}

/// A keyed pseudo-random permutation of 0..4096: four Feistel rounds on two
/// 6-bit halves.
#[inline]
fn permute(value: u64, key: u64) -> u64 {
    let (mut left, mut right) = (value >> 6, value & 63);
    for round in 0..4u64 {
        let f = splitmix64(key ^ (round << 8) ^ right) & 63;
        let next = left ^ f;
        left = right;
        right = next;
    }
    (left << 6) | right
}

/// The design's uniform for `key`'s `dimension` in path `path`.
#[inline]
pub(crate) fn uniform(
    sampling: Sampling,
    seed: u64,
    key: InputKey,
    dimension: u64,
    path: u64,
) -> f64 {
    match sampling {
        Sampling::Random => unit(hash(seed, key, dimension, path)),
        Sampling::Antithetic => {
            let u = unit(hash(seed, key, dimension, path / 2));
            if path % 2 == 1 {
                1.0 - u
            } else {
                u
            }
        }
        Sampling::Lhs => {
            let (block, row) = (path / DESIGN_BLOCK, path % DESIGN_BLOCK);
            let stratum = permute(row, hash(seed, key, dimension, block));
            let jitter = unit(hash(seed ^ 0x4c48_5300, key, dimension, path));
            (stratum as f64 + jitter) / DESIGN_BLOCK as f64
        }
        Sampling::Sobol => {
            let (block, row) = (path / DESIGN_BLOCK, path % DESIGN_BLOCK);
            let scramble = hash(seed, key, 0x5_0b01, block) as u32;
            let dim = (dimension % u64::from(sobol_burley::NUM_DIMENSIONS)) as u32;
            let point = f64::from(sobol_burley::sample(row as u32, dim, scramble));
            // sobol_burley gives 24 bits; fill the rest so no two paths share a value.
            let jitter = unit(hash(seed ^ 0x50b0_1000, key, dimension, path));
            (point + jitter * (1.0 / (1u64 << 24) as f64)).min(1.0 - f64::EPSILON)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permutation_is_a_bijection() {
        let mut seen = vec![false; 4096];
        for v in 0..4096 {
            let p = permute(v, 12345) as usize;
            assert!(!seen[p]);
            seen[p] = true;
        }
    }

    #[test]
    fn lhs_fills_every_stratum_once_per_block() {
        let key = InputKey::new("x");
        let mut strata = vec![0u32; 4096];
        for path in 4096..8192 {
            let u = uniform(Sampling::Lhs, 7, key, 3, path);
            strata[(u * 4096.0) as usize] += 1;
        }
        assert!(strata.iter().all(|&c| c == 1));
    }

    #[test]
    fn antithetic_pairs_mirror() {
        let key = InputKey::new("x");
        let (a, b) = (
            uniform(Sampling::Antithetic, 1, key, 0, 10),
            uniform(Sampling::Antithetic, 1, key, 0, 11),
        );
        assert!((a + b - 1.0).abs() < 1e-15);
    }

    #[test]
    fn sobol_blocks_are_balanced() {
        let key = InputKey::new("x");
        let mut halves = [0u32; 16];
        for path in 0..4096 {
            halves[(uniform(Sampling::Sobol, 1, key, 2, path) * 16.0) as usize] += 1;
        }
        assert!(halves.iter().all(|&c| c == 256), "{halves:?}");
    }
}
