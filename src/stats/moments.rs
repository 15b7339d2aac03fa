//! Mean and variance from shifted sums, merged in a fixed order.
//!
//! Each block of paths sums `d = x - shift` and `d²`, where `shift` is one
//! value per metric fixed before the run (the first path's value), which keeps
//! the sums free of catastrophic cancellation. Blocks are merged in block
//! order, never in thread order, so the figures are identical on any thread
//! count (floating-point addition is not associative).

/// Shifted first and second sums of one metric.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl Moments {
    #[cfg(test)]
    /// Adds one shifted value `d = x - shift`.
    #[inline]
    pub(crate) fn add(&mut self, shifted: f64) {
        self.count += 1;
        self.sum += shifted;
        self.sum_squares += shifted * shifted;
    }

    /// Adds the shifted values `x - shift` of a slice. The sums run in four
    /// interleaved lanes (value `i` in lane `i mod 4`, the lanes added at the
    /// end), which keeps them in vector registers; the order is fixed, so the
    /// result depends only on the slice.
    pub(crate) fn add_slice(&mut self, values: &[f64], shift: f64) {
        const LANES: usize = 4;
        let mut sum = [0.0; LANES];
        let mut sum_squares = [0.0; LANES];
        let mut chunks = values.chunks_exact(LANES);
        for chunk in &mut chunks {
            for lane in 0..LANES {
                let shifted = chunk[lane] - shift;
                sum[lane] += shifted;
                sum_squares[lane] += shifted * shifted;
            }
        }
        for (lane, &value) in chunks.remainder().iter().enumerate() {
            let shifted = value - shift;
            sum[lane] += shifted;
            sum_squares[lane] += shifted * shifted;
        }
        self.count += values.len() as u64;
        self.sum += (sum[0] + sum[1]) + (sum[2] + sum[3]);
        self.sum_squares += (sum_squares[0] + sum_squares[1]) + (sum_squares[2] + sum_squares[3]);
    }

    /// Adds another block's sums (call in block order).
    pub(crate) fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
    }

    /// Sample mean `shift + sum/n`.
    pub(crate) fn mean(&self, shift: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        shift + self.sum / self.count as f64
    }

    /// Sample standard deviation with the `n - 1` divisor:
    /// `sqrt((Σd² - (Σd)²/n) / (n - 1))`; 0 for a single path.
    pub(crate) fn sd(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let n = self.count as f64;
        ((self.sum_squares - self.sum * self.sum / n) / (n - 1.0))
            .max(0.0)
            .sqrt()
    }

    /// Standard error of the mean, `sd / sqrt(n)`.
    pub(crate) fn mean_se(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.sd() / (self.count as f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sd_of_a_small_sample() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let shift = 100.0;
        let mut moments = Moments::default();
        for v in values {
            moments.add(v - shift);
        }
        assert!((moments.mean(shift) - 5.0).abs() < 1e-12);
        // Sample variance with n - 1: 32 / 7.
        assert!((moments.sd() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        let mut by_slice = Moments::default();
        by_slice.add_slice(&values, shift);
        assert_eq!(by_slice.count, 8);
        assert!((by_slice.mean(shift) - 5.0).abs() < 1e-12);
        assert!((by_slice.sd() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }
}
