//! Confidence intervals for the difference of two proportions, paired (both
//! measured on the same paths, as two scenarios run with one seed are) or
//! independent: Newcombe's hybrid score intervals, built from the two Wilson
//! intervals (Newcombe 1998, Statistics in Medicine 17: independent samples,
//! method 10, pp. 873-890; paired samples, method 10, pp. 2635-2650).

use super::wilson::wilson_interval;

/// Joint outcomes of two yes/no results on the same paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct JointCounts {
    /// Met in both.
    pub both: u64,
    /// Met only in the second (the "other" set).
    pub only_second: u64,
    /// Met only in the first (the base).
    pub only_first: u64,
    /// Met in neither.
    pub neither: u64,
}

impl JointCounts {
    pub(crate) fn paths(&self) -> u64 {
        self.both + self.only_second + self.only_first + self.neither
    }
}

/// 95 % interval of `p_second - p_first` for paired outcomes, with `z` the
/// normal quantile. `φ` is the phi coefficient of the 2×2 table (0 when a
/// margin is empty; adjusted as in Newcombe's method 10 and Altman et al.,
/// Statistics with Confidence, 2000, p. 52), and with Wilson intervals `(l, u)` of each proportion:
/// `D - sqrt((p2-l2)² - 2φ(p2-l2)(u1-p1) + (u1-p1)²)` to
/// `D + sqrt((u2-p2)² - 2φ(u2-p2)(p1-l1) + (p1-l1)²)`.
pub(crate) fn paired_difference_interval(counts: &JointCounts, z: f64) -> (f64, f64) {
    let n = counts.paths();
    if n == 0 {
        return (-1.0, 1.0);
    }
    let first_met = counts.both + counts.only_first;
    let second_met = counts.both + counts.only_second;
    let (a, b, c, d) = (
        counts.both as f64,
        counts.only_second as f64,
        counts.only_first as f64,
        counts.neither as f64,
    );
    // φ of the 2×2 table with Newcombe's adjustment: the numerator ad - bc is
    // reduced by n/2 when positive (and set to 0 when below n/2), kept when negative.
    let denominator = ((a + b) * (c + d) * (a + c) * (b + d)).sqrt();
    let cross = a * d - b * c;
    let half = n as f64 / 2.0;
    let adjusted = if cross > half {
        cross - half
    } else if cross < 0.0 {
        cross
    } else {
        0.0
    };
    let phi = if denominator > 0.0 {
        adjusted / denominator
    } else {
        0.0
    };
    hybrid(first_met, n, second_met, n, phi, z)
}

/// 95 % interval of `p_second - p_first` for independent samples (φ = 0).
pub(crate) fn independent_difference_interval(
    first_met: u64,
    first_n: u64,
    second_met: u64,
    second_n: u64,
    z: f64,
) -> (f64, f64) {
    hybrid(first_met, first_n, second_met, second_n, 0.0, z)
}

fn hybrid(
    first_met: u64,
    first_n: u64,
    second_met: u64,
    second_n: u64,
    phi: f64,
    z: f64,
) -> (f64, f64) {
    if first_n == 0 || second_n == 0 {
        return (-1.0, 1.0);
    }
    let p1 = first_met as f64 / first_n as f64;
    let p2 = second_met as f64 / second_n as f64;
    let (l1, u1) = wilson_interval(first_met, first_n, z);
    let (l2, u2) = wilson_interval(second_met, second_n, z);
    let difference = p2 - p1;
    let below =
        ((p2 - l2).powi(2) - 2.0 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1).powi(2)).max(0.0);
    let above =
        ((u2 - p2).powi(2) - 2.0 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1).powi(2)).max(0.0);
    (
        (difference - below.sqrt()).max(-1.0),
        (difference + above.sqrt()).min(1.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::wilson::Z95;

    #[test]
    fn independent_matches_newcombe_example() {
        // Newcombe (1998) independent-samples example: 56/70 vs 48/80,
        // difference 0.2, method 10 interval 0.0524 to 0.3339.
        let (lo, hi) = independent_difference_interval(48, 80, 56, 70, Z95);
        assert!(
            (lo - 0.0524).abs() < 5e-4 && (hi - 0.3339).abs() < 5e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn paired_reduces_to_the_estimate_when_nothing_differs() {
        let counts = JointCounts {
            both: 600,
            only_first: 0,
            only_second: 0,
            neither: 400,
        };
        let (lo, hi) = paired_difference_interval(&counts, Z95);
        assert!(lo <= 0.0 && hi >= 0.0 && hi - lo < 0.01, "{lo} {hi}");
        let swapped = JointCounts {
            both: 12,
            only_first: 2,
            only_second: 9,
            neither: 21,
        };
        let (lo, hi) = paired_difference_interval(&swapped, Z95);
        let mirror = paired_difference_interval(
            &JointCounts {
                only_first: 9,
                only_second: 2,
                ..swapped
            },
            Z95,
        );
        assert!((lo + mirror.1).abs() < 1e-12 && (hi + mirror.0).abs() < 1e-12);
        assert!(lo < 7.0 / 44.0 && 7.0 / 44.0 < hi);
    }

    #[test]
    fn paired_is_narrower_when_outcomes_agree() {
        let counts = JointCounts {
            both: 4000,
            only_first: 100,
            only_second: 300,
            neither: 5600,
        };
        let (plo, phi) = paired_difference_interval(&counts, Z95);
        let (ilo, ihi) = independent_difference_interval(4100, 10_000, 4300, 10_000, Z95);
        assert!(phi - plo < ihi - ilo);
        assert!(plo < 0.02 && 0.02 < phi);
    }
}
