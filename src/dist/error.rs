//! Why a distribution's parameters are refused, one variant per rule (as
//! rand_distr's `beta.rs` keeps them), so a caller can branch on the rule and
//! the message is written once. The scenario decoder adds the file, line and
//! key.

use super::{support, MIN_TRUNCATED_MASS};
use std::fmt;

/// A parameter rule a distribution breaks.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DistError {
    /// A parameter is infinite or NaN.
    NotFinite { param: &'static str },
    /// A scale, shape or count parameter is zero or negative.
    NotPositive { param: &'static str, value: f64 },
    /// `min` is not below `max`.
    Unordered { min: f64, max: f64 },
    /// `mode` lies outside `[min, max]`.
    ModeOutside { mode: f64, min: f64, max: f64 },
    /// A probability outside `[0, 1]`.
    ProbabilityOutside { p: f64 },
    /// A truncation's `lower` is not below its `upper`.
    BoundsUnordered { lower: f64, upper: f64 },
    /// A truncation keeps less than [`MIN_TRUNCATED_MASS`] of the distribution.
    TooLittleMass { lower: f64, upper: f64, mass: f64 },
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DistError::NotFinite { param } => write!(f, "`{param}` must be a finite number"),
            DistError::NotPositive { param, value } => {
                write!(f, "`{param}` must be greater than 0, not {value}")
            }
            DistError::Unordered { min, max } => {
                write!(f, "`min` ({min}) must be below `max` ({max})")
            }
            DistError::ModeOutside { mode, min, max } => write!(
                f,
                "`mode` ({mode}) must lie between `min` ({min}) and `max` ({max})"
            ),
            DistError::ProbabilityOutside { p } => write!(f, "`p` must lie in [0, 1], not {p}"),
            DistError::BoundsUnordered { lower, upper } => {
                write!(f, "`lower` ({lower}) must be below `upper` ({upper})")
            }
            DistError::TooLittleMass { lower, upper, mass } => {
                let mut bounds = Vec::new();
                if lower > f64::NEG_INFINITY {
                    bounds.push(format!("`lower` {}", support::readable(lower)));
                }
                if upper < f64::INFINITY {
                    bounds.push(format!("`upper` {}", support::readable(upper)));
                }
                let kept = if mass > 0.0 {
                    format!("only {mass:.1e}")
                } else {
                    "none".to_string()
                };
                let bounds = if bounds.len() == 1 {
                    format!("the bound {} keeps", bounds[0])
                } else {
                    format!("the bounds {} keep", bounds.join(" and "))
                };
                write!(
                    f,
                    "{bounds} {kept} of the distribution's mass (at least {MIN_TRUNCATED_MASS:e} is needed); \
                     move the bounds where the distribution has values"
                )
            }
        }
    }
}

impl std::error::Error for DistError {}
