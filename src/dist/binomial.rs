//! The exact inverse distribution function of a binomial count, for the
//! sampling designs (Latin hypercube, Sobol, antithetic), which turn one
//! uniform into a draw. Plain random sampling draws binomials directly
//! (rand_distr's BTPE); the designs need `F⁻¹(u)`, and a table built from
//! `(1-p)^n` upwards underflows for large `n` (1350 homes at p = 0.95 gives
//! 0.05^1350 = 0), which once returned every planned item on every path.
//!
//! Here the probabilities are built outward from the mode, relative to it:
//! `w(mode) = 1`, `w(k+1) = w(k) (n-k)/(k+1) p/q` upwards and
//! `w(k-1) = w(k) k/(n-k+1) q/p` downwards, until a weight falls below
//! [`TAIL`] (the mass left out is below 10⁻²⁰, far under the smallest uniform
//! a design gives, 2⁻⁵⁴). Normalising by their sum makes the result exact to
//! rounding whatever `n` is. Large supports keep a checkpoint every `stride`
//! counts (at most [`CHECKPOINTS`]); inversion searches the checkpoints and
//! walks the recurrence from the nearest one.

/// Weights below this (relative to the mode's) end the support.
const TAIL: f64 = 1e-20;
/// Most checkpoints kept (16 bytes each: 1 MiB).
const CHECKPOINTS: u64 = 65_536;
/// Largest variance `n p (1-p)` (in items²) inverted exactly; beyond it the
/// support would take seconds to build. A standard deviation of 3.2 million items.
pub(crate) const MAX_VARIANCE: f64 = 1e13;

/// `F⁻¹` of a binomial(n, p).
#[derive(Clone, Debug)]
pub struct BinomialInverse {
    n: u64,
    p: f64,
    /// Smallest count with a weight kept.
    low: u64,
    /// Largest count with a weight kept.
    high: u64,
    /// Counts between checkpoints.
    stride: u64,
    /// At counts `low + i * stride`: (mass of the counts below, weight of this count).
    checkpoints: Vec<(f64, f64)>,
    /// Sum of all kept weights.
    total: f64,
}

/// `w(k+1) / w(k)`.
#[inline]
fn up(n: u64, k: u64, odds: f64) -> f64 {
    (n - k) as f64 / (k + 1) as f64 * odds
}

impl BinomialInverse {
    /// Prepares `F⁻¹` for `n` items each delivered with probability `p`;
    /// an error when `n p (1-p)` exceeds [`MAX_VARIANCE`].
    pub(crate) fn new(n: u64, p: f64) -> Result<Self, String> {
        let variance = n as f64 * p * (1.0 - p);
        if !(0.0..=1.0).contains(&p) || variance > MAX_VARIANCE || n > (1u64 << 53) {
            return Err(format!(
                "a binomial over {n} items with p {p} cannot be inverted exactly (at most \
                 n·p·(1-p) = {MAX_VARIANCE:e} and n = 2^53)"
            ));
        }
        if p == 0.0 || p == 1.0 || n == 0 {
            let k = if p == 1.0 { n } else { 0 };
            return Ok(BinomialInverse {
                n,
                p,
                low: k,
                high: k,
                stride: 1,
                checkpoints: vec![(0.0, 1.0)],
                total: 1.0,
            });
        }
        let odds = p / (1.0 - p);
        let mode = (((n + 1) as f64 * p).floor() as u64).min(n);
        // Downwards from the mode to the lower end of the support.
        let (mut low, mut w_low) = (mode, 1.0f64);
        while low > 0 {
            let next = w_low / up(n, low - 1, odds);
            if next < TAIL {
                break;
            }
            w_low = next;
            low -= 1;
        }
        // About as far again above the mode, with room for skew.
        let span = 2 * (mode - low) + 64;
        let stride = span.div_ceil(CHECKPOINTS).max(1);
        let mut checkpoints = Vec::with_capacity((span / stride + 2) as usize);
        let (mut k, mut w, mut total) = (low, w_low, 0.0f64);
        loop {
            if (k - low) % stride == 0 {
                checkpoints.push((total, w));
            }
            total += w;
            if k == n {
                break;
            }
            let next = w * up(n, k, odds);
            if k >= mode && next < TAIL {
                break;
            }
            w = next;
            k += 1;
        }
        Ok(BinomialInverse {
            n,
            p,
            low,
            high: k,
            stride,
            checkpoints,
            total,
        })
    }

    /// The smallest count `k` with `F(k) ≥ u`, for `u` in (0, 1).
    pub(crate) fn quantile(&self, u: f64) -> u64 {
        let target = u * self.total;
        let i = self
            .checkpoints
            .partition_point(|&(below, _)| below < target)
            .saturating_sub(1);
        let (mut below, mut w) = self.checkpoints[i];
        let mut k = self.low + i as u64 * self.stride;
        let odds = self.p / (1.0 - self.p);
        loop {
            below += w;
            if below >= target || k >= self.high {
                return k;
            }
            w *= up(self.n, k, odds);
            k += 1;
        }
    }
}

/// Largest support a [`BinomialNormalScore`] tabulates: beyond it the
/// copula takes the uniform route (`Φ`, then [`BinomialInverse::quantile`]).
const MOST_SCORED_COUNTS: u64 = 4096;

/// `x ↦ F⁻¹(Φ(x))` of a binomial, for the `[execution]` copula's latent
/// normal `x`: the smallest count `k` with `x ≤ Φ⁻¹(F(k))`, which is the
/// smallest `k` with `F(k) ≥ Φ(x)` without computing `Φ(x)`. The thresholds
/// `Φ⁻¹(F(k))` are computed once from the same normalised weights as
/// [`BinomialInverse`]; the two agree except for an `x` within rounding
/// (about 1e-15) of a threshold.
#[derive(Clone, Debug)]
pub struct BinomialNormalScore {
    low: u64,
    /// `Φ⁻¹(F(low + j))` for each count of the support, the last +∞.
    thresholds: Vec<f64>,
}

impl BinomialNormalScore {
    /// The count latent normal `x` delivers.
    #[inline]
    pub(crate) fn at(&self, x: f64) -> u64 {
        self.low + self.thresholds.partition_point(|&z| z < x) as u64
    }
}

impl BinomialInverse {
    /// The same inverse in normal space; `None` for a support wider than
    /// [`MOST_SCORED_COUNTS`].
    pub(crate) fn normal_score(&self) -> Option<BinomialNormalScore> {
        if self.high - self.low >= MOST_SCORED_COUNTS {
            return None;
        }
        let odds = self.p / (1.0 - self.p);
        let (mut below, mut w) = self.checkpoints[0];
        let mut thresholds = Vec::with_capacity((self.high - self.low + 1) as usize);
        let mut k = self.low;
        while k < self.high {
            below += w;
            let level = below / self.total;
            thresholds.push(if level >= 1.0 {
                f64::INFINITY
            } else {
                super::standard_normal_quantile(level)
            });
            w *= up(self.n, k, odds);
            k += 1;
        }
        thresholds.push(f64::INFINITY);
        Some(BinomialNormalScore {
            low: self.low,
            thresholds,
        })
    }
}

/// The smallest count `k` with `F(k) ≥ u` for a binomial(n, p), computed
/// without allocating (two walks over the support from the mode); for counts
/// whose `n` or `p` changes from path to path (a pipeline's candidates, a
/// drawn downturn effect). Exact to rounding, like [`BinomialInverse`].
pub(crate) fn binomial_quantile(n: u64, p: f64, u: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let odds = p / (1.0 - p);
    let mode = (((n + 1) as f64 * p).floor() as u64).min(n);
    let (mut low, mut w_low, mut below_mode) = (mode, 1.0f64, 0.0f64);
    while low > 0 {
        let next = w_low / up(n, low - 1, odds);
        if next < TAIL {
            break;
        }
        w_low = next;
        below_mode += next;
        low -= 1;
    }
    let (mut k, mut w, mut above_mode) = (mode, 1.0f64, 0.0f64);
    while k < n {
        let next = w * up(n, k, odds);
        if next < TAIL {
            break;
        }
        w = next;
        above_mode += next;
        k += 1;
    }
    let high = k;
    let target = u * (below_mode + 1.0 + above_mode);
    let (mut k, mut w, mut below) = (low, w_low, 0.0f64);
    loop {
        below += w;
        if below >= target || k >= high {
            return k;
        }
        w *= up(n, k, odds);
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Binomial, DiscreteCDF};

    /// F(k) from statrs (the regularised incomplete beta).
    fn cdf(n: u64, p: f64, k: u64) -> f64 {
        Binomial::new(p, n).unwrap().cdf(k)
    }

    #[test]
    fn small_counts_invert_the_exact_distribution_function() {
        for &(n, p) in &[(10u64, 0.3), (40, 0.9), (1, 0.5), (200, 0.02)] {
            let inverse = BinomialInverse::new(n, p).unwrap();
            for i in 1..1000 {
                let u = i as f64 / 1000.0;
                let k = inverse.quantile(u);
                assert!(cdf(n, p, k) >= u - 1e-12, "n {n} p {p} u {u} k {k}");
                if k > 0 {
                    assert!(cdf(n, p, k - 1) < u + 1e-12, "n {n} p {p} u {u} k {k}");
                }
            }
        }
    }

    #[test]
    fn a_count_whose_zero_probability_underflows_is_inverted() {
        // 0.05^1350 underflows to 0; the median is about 1283.
        let inverse = BinomialInverse::new(1350, 0.95).unwrap();
        let median = inverse.quantile(0.5);
        assert!((1281..=1284).contains(&median), "{median}");
        assert!(inverse.quantile(1.0 - 1e-15) < 1350);
        assert!(cdf(1350, 0.95, inverse.quantile(0.9)) >= 0.9 - 1e-12);
    }

    #[test]
    fn a_trillion_items_are_inverted_around_their_mean() {
        // sd 500,000 items: the quartiles lie 0.6745 sd from the mean.
        let inverse = BinomialInverse::new(1_000_000_000_000, 0.5).unwrap();
        assert!(inverse.checkpoints.len() as u64 <= CHECKPOINTS + 2);
        let mean = 5e11;
        let q3 = inverse.quantile(0.75) as f64;
        assert!((q3 - mean - 0.674_49 * 5e5).abs() < 5.0, "{q3}");
        let median = inverse.quantile(0.5) as f64;
        assert!((median - mean).abs() <= 1.0, "{median}");
    }

    #[test]
    fn the_allocation_free_quantile_agrees_with_the_table() {
        for &(n, p) in &[(10u64, 0.3), (500, 0.9), (1350, 0.95), (3, 0.5)] {
            let inverse = BinomialInverse::new(n, p).unwrap();
            for i in 1..500 {
                let u = i as f64 / 500.0;
                assert_eq!(
                    binomial_quantile(n, p, u),
                    inverse.quantile(u),
                    "n {n} p {p} u {u}"
                );
            }
        }
    }

    #[test]
    fn certain_and_impossible_deliveries() {
        assert_eq!(BinomialInverse::new(7, 1.0).unwrap().quantile(0.3), 7);
        let certain = BinomialInverse::new(7, 1.0)
            .unwrap()
            .normal_score()
            .unwrap();
        assert_eq!((certain.at(-9.0), certain.at(9.0)), (7, 7));
        assert_eq!(BinomialInverse::new(7, 0.0).unwrap().quantile(0.9), 0);
    }

    #[test]
    fn an_immense_spread_is_refused() {
        assert!(BinomialInverse::new(1 << 50, 0.5).is_err());
    }

    #[test]
    fn normal_scores_equal_the_quantile_at_phi() {
        use crate::dist::inverse::standard_normal_cdf;
        for (n, p) in [
            (12, 0.85),
            (5, 0.9),
            (13, 0.985),
            (2, 0.93),
            (1350, 0.95),
            (40, 0.3),
        ] {
            let inverse = BinomialInverse::new(n, p).unwrap();
            let score = inverse.normal_score().unwrap();
            for i in 0..=20_000 {
                // Above 7, Φ(x) rounds within 1e-12 of 1 and both sides are rounding.
                let x = -9.0 + 16.0 * i as f64 / 20_000.0 + 3.7e-6;
                assert_eq!(
                    score.at(x),
                    inverse.quantile(standard_normal_cdf(x)),
                    "n {n}, p {p}, x {x}"
                );
            }
        }
    }
}
