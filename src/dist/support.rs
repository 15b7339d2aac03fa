//! Intervals of real numbers: the support of a distribution and the valid
//! range of a parameter, so that "a distribution whose support leaves the
//! parameter's valid range is refused at load" (docs/model.md, "Distributions") is one comparison.

use std::fmt;

/// An interval of the real line; each end open or closed; infinite ends are open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Interval {
    pub low: f64,
    pub low_closed: bool,
    pub high: f64,
    pub high_closed: bool,
}

impl Interval {
    /// The whole real line.
    pub(crate) const REAL: Interval = Interval {
        low: f64::NEG_INFINITY,
        low_closed: false,
        high: f64::INFINITY,
        high_closed: false,
    };

    /// `[low, high]`.
    pub(crate) fn closed(low: f64, high: f64) -> Self {
        Interval {
            low,
            low_closed: low.is_finite(),
            high,
            high_closed: high.is_finite(),
        }
    }

    /// `(low, high)`.
    pub(crate) fn open(low: f64, high: f64) -> Self {
        Interval {
            low,
            low_closed: false,
            high,
            high_closed: false,
        }
    }

    /// `[low, high)`.
    pub(crate) fn closed_open(low: f64, high: f64) -> Self {
        Interval {
            low,
            low_closed: low.is_finite(),
            high,
            high_closed: false,
        }
    }

    /// `(low, high]`.
    pub(crate) fn open_closed(low: f64, high: f64) -> Self {
        Interval {
            low,
            low_closed: false,
            high,
            high_closed: high.is_finite(),
        }
    }

    /// Whether `value` lies in the interval.
    pub(crate) fn contains(&self, value: f64) -> bool {
        let above = value > self.low || (self.low_closed && value == self.low);
        let below = value < self.high || (self.high_closed && value == self.high);
        above && below
    }

    /// Whether every point of `inner` lies in `self`.
    pub(crate) fn includes(&self, inner: &Interval) -> bool {
        let low_ok = inner.low > self.low
            || (inner.low == self.low && (self.low_closed || !inner.low_closed));
        let high_ok = inner.high < self.high
            || (inner.high == self.high && (self.high_closed || !inner.high_closed));
        low_ok && high_ok
    }
}

/// A number as a reader writes it: plain for everyday sizes, `1e12` beyond.
pub(crate) fn readable(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = if self.low_closed { "[" } else { "(" };
        let close = if self.high_closed { "]" } else { ")" };
        let end = |v: f64| {
            if v == f64::INFINITY {
                "inf".to_string()
            } else if v == f64::NEG_INFINITY {
                "-inf".to_string()
            } else {
                readable(v)
            }
        };
        write!(f, "{open}{}, {}{close}", end(self.low), end(self.high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_respects_open_ends() {
        let persistence = Interval::closed_open(0.0, 1.0);
        assert!(persistence.includes(&Interval::closed(0.0, 0.9)));
        assert!(!persistence.includes(&Interval::closed(0.0, 1.0)));
        assert!(!persistence.includes(&Interval::REAL));
        let positive = Interval::open(0.0, f64::INFINITY);
        assert!(positive.includes(&Interval::open(0.0, f64::INFINITY)));
        assert!(!positive.includes(&Interval::closed(0.0, 3.0)));
        assert!(positive.contains(1.0) && !positive.contains(0.0));
        assert_eq!(persistence.to_string(), "[0, 1)");
    }
}
