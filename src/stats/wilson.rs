//! The Wilson score interval for a binomial proportion (Wilson 1927): unlike
//! the normal approximation it stays inside [0, 1] and behaves at p near 0 or 1.

/// The two-sided 95 % standard normal quantile, Φ⁻¹(0.975).
pub(crate) const Z95: f64 = 1.959_963_984_540_054;

/// Wilson interval for `successes` out of `trials` at normal quantile `z`:
/// `(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)` with `p = successes/trials`.
/// Returns `(0, 1)` when there are no trials.
pub(crate) fn wilson_interval(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // Rounding can put an end a hair beyond p when p is 0 or 1; keep p inside.
    (
        (centre - half).max(0.0).min(p),
        (centre + half).min(1.0).max(p),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_textbook_value() {
        // 8 of 10, z = 1.96: (0.4902, 0.9433) (Newcombe 1998, table I style check).
        let (lo, hi) = wilson_interval(8, 10, 1.96);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn stays_inside_the_unit_interval() {
        let (lo, hi) = wilson_interval(0, 1000, Z95);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.01);
        let (lo, hi) = wilson_interval(1000, 1000, Z95);
        assert_eq!(hi, 1.0);
        assert!(lo > 0.99);
    }
}
