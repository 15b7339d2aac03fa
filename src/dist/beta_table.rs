//! Exact Beta(α, β) draws for α, β ≥ 1 (so every PERT) at a few nanoseconds
//! a draw, by rejection from a piecewise-constant envelope.
//!
//! For these shapes the density `f(x) ∝ x^(α-1) (1-x)^(β-1)` is bounded and
//! unimodal on [0, 1]. The interval is cut into [`STRIPS`] strips of equal
//! width; on each strip the envelope is the density's maximum `M_i` (at an end
//! of the strip, or at the mode inside it) and the squeeze is its minimum `L_i`
//! (at an end). A draw picks a strip with probability ∝ `M_i` (Walker's alias
//! method, built by Vose's algorithm), a point `x` uniform in
//! it and a height `y` uniform in [0, `M_i`): `y < L_i` accepts at once (about
//! 98 % of draws for PERT shapes), otherwise `y ≤ f(x)` is tested with the
//! density itself, and a rejected pair starts again. This is von Neumann's
//! rejection method, so the draws follow the Beta distribution exactly (up to
//! the floating-point evaluation of `f`; `M_i` is raised and `L_i` lowered by
//! 1e-12 relative so that rounding cannot cut into the density).
//!
//! The alias table is written out rather than taken from
//! `rand_distr::weighted::WeightedAliasIndex` because here one 64-bit word
//! gives both the strip (its top 8 bits) and the alias coin (the other 56),
//! compared as integers: 7 ns a draw in all, against 17 ns with the crate's
//! two bounded uniforms. The ratio of two gamma variates (about 40 ns here)
//! remains the method for shapes below 1 and for very peaked shapes
//! (α + β > [`MAX_SHAPE_SUM`]).

use rand::{Rng, RngExt};

/// Strips of the envelope.
pub(crate) const STRIPS: usize = 256;
/// Bits of the word that picks a strip (`STRIPS` = 2^8).
const STRIP_BITS: u32 = 8;
/// The alias coin: the low 56 bits of the word, against a threshold of 2^56.
const COIN_BITS: u32 = 64 - STRIP_BITS;
/// Above this α + β the density is too peaked for equal strips to make a
/// tight envelope; the gamma-ratio method is used instead.
pub(crate) const MAX_SHAPE_SUM: f64 = 100.0;

/// A prepared exact sampler of Beta(α, β) on [0, 1], α, β ≥ 1.
#[derive(Clone, Debug)]
pub struct BetaTable {
    /// Walker's alias table over the strips: strip `i` is kept when the coin
    /// is below `keep[i]` (in units of 2^-56), otherwise `alias[i]` is taken.
    /// (Arrays of exactly [`STRIPS`] entries, indexed by 8-bit values, so
    /// that look-ups need no bounds check.)
    keep: [u64; STRIPS],
    alias: [u8; STRIPS],
    /// Per strip: the envelope `M_i` (density scaled to a peak of 1).
    upper: [f64; STRIPS],
    /// Per strip: `L_i / M_i`, the heights accepted without evaluating `f`.
    squeeze: [f64; STRIPS],
    alpha_minus_one: f64,
    beta_minus_one: f64,
    /// `ln f` at the mode, subtracted so that the peak is 1.
    log_peak: f64,
}

impl BetaTable {
    /// The table for Beta(`alpha`, `beta`), or `None` when the shapes are
    /// outside 1 ≤ α, β and α + β ≤ [`MAX_SHAPE_SUM`].
    pub(crate) fn new(alpha: f64, beta: f64) -> Option<BetaTable> {
        let usable = alpha >= 1.0 && beta >= 1.0 && alpha + beta <= MAX_SHAPE_SUM;
        if !usable {
            return None;
        }
        let (alpha_minus_one, beta_minus_one) = (alpha - 1.0, beta - 1.0);
        let mode = if alpha_minus_one + beta_minus_one > 0.0 {
            alpha_minus_one / (alpha_minus_one + beta_minus_one)
        } else {
            0.5
        };
        let mut table = BetaTable {
            keep: [0; STRIPS],
            alias: [0; STRIPS],
            upper: [0.0; STRIPS],
            squeeze: [0.0; STRIPS],
            alpha_minus_one,
            beta_minus_one,
            log_peak: 0.0,
        };
        table.log_peak = table.log_density(mode);
        let width = 1.0 / STRIPS as f64;
        for strip in 0..STRIPS {
            let (left, right) = (strip as f64 * width, (strip + 1) as f64 * width);
            let (at_left, at_right) = (table.density(left), table.density(right));
            let peak = if left < mode && mode < right {
                1.0
            } else {
                at_left.max(at_right)
            };
            let upper = peak * (1.0 + 1e-12);
            table.upper[strip] = upper;
            table.squeeze[strip] = at_left.min(at_right) * (1.0 - 1e-12) / upper;
        }
        let (keep, alias) = alias_table(&table.upper);
        table.keep.copy_from_slice(&keep);
        table.alias.copy_from_slice(&alias);
        Some(table)
    }

    /// `ln` of the unnormalized density (without the peak's scaling).
    fn log_density(&self, x: f64) -> f64 {
        let term = |exponent: f64, base: f64| {
            if exponent == 0.0 {
                0.0
            } else {
                exponent * base.ln()
            }
        };
        term(self.alpha_minus_one, x) + term(self.beta_minus_one, 1.0 - x)
    }

    /// The density scaled so that its peak is 1.
    fn density(&self, x: f64) -> f64 {
        (self.log_density(x) - self.log_peak).exp()
    }

    /// One draw on [0, 1].
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let word = rng.next_u64();
            let candidate = usize::from((word >> COIN_BITS) as u8);
            let coin = word & ((1 << COIN_BITS) - 1);
            // Branch-free choice between the strip and its alias (the coin is
            // random, so a branch would be mispredicted half the time).
            let use_alias = usize::from(coin >= self.keep[candidate]);
            let alias = usize::from(self.alias[candidate]);
            let strip = candidate ^ ((candidate ^ alias) & use_alias.wrapping_neg());
            let x = (strip as f64 + rng.random::<f64>()) * (1.0 / STRIPS as f64);
            let height: f64 = rng.random();
            if height < self.squeeze[strip] || height * self.upper[strip] <= self.density(x) {
                return x;
            }
        }
    }
}

/// Walker's alias table for weights over [`STRIPS`] outcomes, by Vose's
/// algorithm (1991): the keep thresholds in units of 2^-56 and the aliases.
fn alias_table(weights: &[f64]) -> (Vec<u64>, Vec<u8>) {
    let n = weights.len();
    let total: f64 = weights.iter().sum();
    // Each outcome's probability times n: 1 means it fills its own column.
    let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
    let mut alias: Vec<u8> = (0..n).map(|i| i as u8).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&less), Some(&more)) = (small.last(), large.last()) {
        small.pop();
        alias[less] = more as u8;
        scaled[more] -= 1.0 - scaled[less];
        if scaled[more] < 1.0 {
            large.pop();
            small.push(more);
        }
    }
    // What is left fills its column (rounding leaves values next to 1).
    for i in small.into_iter().chain(large) {
        scaled[i] = 1.0;
    }
    let unit = (1u64 << COIN_BITS) as f64;
    let keep = scaled
        .iter()
        .map(|&p| {
            if p >= 1.0 {
                1 << COIN_BITS
            } else {
                (p * unit) as u64
            }
        })
        .collect();
    (keep, alias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, InputKey};
    use statrs::distribution::{Beta, ContinuousCDF};

    /// Kolmogorov-Smirnov distance of 1,000,000 draws from the Beta CDF, for
    /// shapes from flat to skewed to peaked, below the 0.1 % critical value
    /// 1.949/√n (fixed seed). The distance is taken at the 4,096 points
    /// `k/4096` (draws counted into bins, no sort), which can only lower it,
    /// so the test is conservative; it still fails for a sampler that skips
    /// the exact density test (a piecewise-constant approximation).
    #[test]
    fn draws_follow_the_beta_distribution() {
        const GRID: usize = 4096;
        let n = 1_000_000;
        let shapes = [
            (1.0, 1.0),
            (1.0, 3.0),
            (3.0, 1.0),
            (1.2, 4.8),
            (2.0, 5.0),
            (3.4, 1.6),
            (5.0, 5.0),
            (40.0, 55.0),
        ];
        for (alpha, beta) in shapes {
            let table = BetaTable::new(alpha, beta).expect("usable shapes");
            let mut rng = stream(
                99,
                InputKey::new("beta table"),
                alpha.to_bits() ^ beta.to_bits(),
            );
            let mut bins = vec![0u64; GRID];
            for _ in 0..n {
                let x = table.sample(&mut rng);
                bins[((x * GRID as f64) as usize).min(GRID - 1)] += 1;
            }
            let cdf = Beta::new(alpha, beta).expect("valid");
            let mut below = 0;
            let mut distance: f64 = 0.0;
            for (k, count) in bins.iter().enumerate() {
                below += count;
                let point = (k + 1) as f64 / GRID as f64;
                distance = distance.max((below as f64 / n as f64 - cdf.cdf(point)).abs());
            }
            let critical = 1.949 / (n as f64).sqrt();
            assert!(
                distance < critical,
                "Beta({alpha}, {beta}): KS distance {distance:.5} above {critical:.5}"
            );
        }
    }

    #[test]
    fn alias_table_gives_each_strip_its_weight() {
        let weights: Vec<f64> = (0..STRIPS).map(|i| 1.0 + (i % 7) as f64).collect();
        let (keep, alias) = alias_table(&weights);
        let total: f64 = weights.iter().sum();
        let mut probability = vec![0.0; STRIPS];
        let unit = (1u64 << COIN_BITS) as f64;
        for i in 0..STRIPS {
            let kept = keep[i] as f64 / unit;
            probability[i] += kept / STRIPS as f64;
            probability[alias[i] as usize] += (1.0 - kept) / STRIPS as f64;
        }
        for (p, w) in probability.iter().zip(&weights) {
            assert!((p - w / total).abs() < 1e-12, "{p} vs {}", w / total);
        }
    }

    #[test]
    fn refuses_shapes_it_cannot_bound() {
        assert!(BetaTable::new(0.5, 2.0).is_none());
        assert!(BetaTable::new(2.0, 0.9).is_none());
        assert!(BetaTable::new(60.0, 60.0).is_none());
    }
}
