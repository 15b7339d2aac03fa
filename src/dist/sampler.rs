//! Distributions prepared for sampling: built once at load, drawn from in the
//! per-path loop without validation or allocation.
//!
//! Beta and PERT with both shapes at least 1 (every PERT) use the exact
//! strip-envelope rejection of [`super::beta_table`], about 6 ns a draw; other
//! shapes the exact gamma-ratio method `X/(X+Y)` with `X ~ Gamma(alpha)`,
//! `Y ~ Gamma(beta)` (Devroye 1986, IX.4.1), about 25 ns, still twice as fast
//! here as `rand_distr::Beta`.

use super::beta_table::BetaTable;
use super::Dist;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, LogNormal, Normal, StandardNormal, StudentT, Triangular};

/// A distribution ready to draw from. Binomial delivery is not a [`Sampler`]:
/// it needs the programme's planned count (see `model::programme`).
#[derive(Clone, Debug)]
pub enum Sampler {
    Fixed(f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    StudentT {
        t: StudentT<f64>,
        location: f64,
        scale: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular(Triangular<f64>),
    /// `min + width * B` with `B ~ Beta(alpha, beta)` drawn from a table
    /// (both shapes at least 1: every PERT).
    TableBeta {
        table: Box<BetaTable>,
        min: f64,
        width: f64,
    },
    /// `min + width * X/(X+Y)`, covering both PERT and Beta.
    ScaledBeta {
        x: Gamma<f64>,
        y: Gamma<f64>,
        min: f64,
        width: f64,
        mean: f64,
    },
    TwoPieceNormal {
        mode: f64,
        sigma_left: f64,
        sigma_right: f64,
        left_probability: f64,
    },
    /// A truncated distribution: by rejection from the untruncated sampler
    /// when the bounds keep at least half the mass (at most two tries on
    /// average), otherwise by the inverse distribution function between the
    /// bounds' levels. Both are exact.
    Truncated {
        inner: Box<Sampler>,
        dist: Box<Dist>,
        lower: f64,
        upper: f64,
        /// `F(lower)` and `F(upper) - F(lower)` of the untruncated distribution.
        low_level: f64,
        mass: f64,
    },
}

/// Rejection tries before a truncated draw falls back to inversion (the
/// chance of needing them is below 2^-64 when half the mass is kept).
const REJECTION_TRIES: u32 = 64;

impl Sampler {
    /// Prepares a validated distribution; `None` for `binomial`, which needs a count.
    /// Parameters were checked by [`Dist::validate`], so construction cannot fail;
    /// should it anyway, the error says which distribution.
    pub(crate) fn new(dist: &Dist) -> Result<Option<Sampler>, String> {
        let fail = |e: &dyn std::fmt::Display| format!("{} distribution: {e}", dist.name());
        let sampler = match *dist {
            Dist::Fixed { value } => Sampler::Fixed(value),
            Dist::Normal { mean, sd } => {
                Sampler::Normal(Normal::new(mean, sd).map_err(|e| fail(&e))?)
            }
            Dist::LogNormal { mu, sigma } => {
                Sampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| fail(&e))?)
            }
            Dist::StudentT {
                df,
                location,
                scale,
            } => Sampler::StudentT {
                t: StudentT::new(df).map_err(|e| fail(&e))?,
                location,
                scale,
            },
            Dist::Uniform { min, max } => Sampler::Uniform {
                min,
                width: max - min,
            },
            Dist::Triangular { min, mode, max } => {
                Sampler::Triangular(Triangular::new(min, max, mode).map_err(|e| fail(&e))?)
            }
            Dist::Pert { .. } | Dist::Beta { .. } => {
                let (alpha, beta, min, max) =
                    dist.scaled_beta().ok_or_else(|| fail(&"not a Beta"))?;
                Self::scaled_beta(alpha, beta, min, max - min).map_err(|e| fail(&e))?
            }
            Dist::Binomial { .. } => return Ok(None),
            Dist::Truncated {
                ref inner,
                lower,
                upper,
            } => {
                let Some(inner_sampler) = Sampler::new(inner)? else {
                    return Ok(None);
                };
                let low_level = inner.cdf(lower);
                Sampler::Truncated {
                    inner: Box::new(inner_sampler),
                    dist: inner.clone(),
                    lower,
                    upper,
                    low_level,
                    mass: inner.cdf(upper) - low_level,
                }
            }
            Dist::TwoPieceNormal {
                mode,
                sigma_left,
                sigma_right,
            } => Sampler::TwoPieceNormal {
                mode,
                sigma_left,
                sigma_right,
                left_probability: sigma_left / (sigma_left + sigma_right),
            },
        };
        Ok(Some(sampler))
    }

    fn scaled_beta(
        alpha: f64,
        beta: f64,
        min: f64,
        width: f64,
    ) -> Result<Sampler, rand_distr::GammaError> {
        if let Some(table) = BetaTable::new(alpha, beta) {
            return Ok(Sampler::TableBeta {
                table: Box::new(table),
                min,
                width,
            });
        }
        Ok(Sampler::ScaledBeta {
            x: Gamma::new(alpha, 1.0)?,
            y: Gamma::new(beta, 1.0)?,
            min,
            width,
            mean: alpha / (alpha + beta),
        })
    }

    /// One draw.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(value) => *value,
            Sampler::Normal(normal) => normal.sample(rng),
            Sampler::LogNormal(lognormal) => lognormal.sample(rng),
            Sampler::StudentT { t, location, scale } => location + scale * t.sample(rng),
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Triangular(triangular) => triangular.sample(rng),
            Sampler::TableBeta { table, min, width } => min + width * table.sample(rng),
            Sampler::ScaledBeta {
                x,
                y,
                min,
                width,
                mean,
            } => {
                let gx = x.sample(rng);
                let gy = y.sample(rng);
                let total = gx + gy;
                // Both gammas underflow to 0 only for tiny shapes; fall back to the mean.
                let unit = if total > 0.0 { gx / total } else { *mean };
                min + width * unit
            }
            Sampler::TwoPieceNormal {
                mode,
                sigma_left,
                sigma_right,
                left_probability,
            } => {
                let side: f64 = rng.random();
                let z: f64 = StandardNormal.sample(rng);
                if side < *left_probability {
                    mode - sigma_left * z.abs()
                } else {
                    mode + sigma_right * z.abs()
                }
            }
            Sampler::Truncated {
                inner,
                dist,
                lower,
                upper,
                low_level,
                mass,
            } => {
                if *mass >= 0.5 {
                    for _ in 0..REJECTION_TRIES {
                        let x = inner.sample(rng);
                        if x >= *lower && x <= *upper {
                            return x;
                        }
                    }
                }
                let u: f64 = rng.random();
                dist.quantile(low_level + u * mass).clamp(*lower, *upper)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, InputKey};

    fn sample_mean(dist: &Dist, n: u64) -> (f64, f64) {
        let sampler = Sampler::new(dist).unwrap().unwrap();
        let mut rng = stream(7, InputKey::new("test"), 0);
        let draws: Vec<f64> = (0..n).map(|_| sampler.sample(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    /// Each sampler's mean agrees with the closed-form mean within 4 standard errors.
    #[test]
    fn sample_means_match_closed_form() {
        let dists = [
            Dist::Normal { mean: 1.0, sd: 2.0 },
            Dist::LogNormal {
                mu: 0.1,
                sigma: 0.3,
            },
            Dist::StudentT {
                df: 5.0,
                location: 1.0,
                scale: 2.0,
            },
            Dist::Uniform {
                min: -1.0,
                max: 3.0,
            },
            Dist::Triangular {
                min: 0.0,
                mode: 1.0,
                max: 4.0,
            },
            Dist::Pert {
                min: 0.85,
                mode: 1.05,
                max: 1.4,
                lambda: 4.0,
            },
            Dist::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 1.0,
            },
            Dist::TwoPieceNormal {
                mode: 0.02,
                sigma_left: 0.01,
                sigma_right: 0.03,
            },
        ];
        for dist in &dists {
            let (mean, se) = sample_mean(dist, 200_000);
            assert!(
                (mean - dist.mean()).abs() < 4.0 * se,
                "{}: sample mean {mean} vs {} (se {se})",
                dist.name(),
                dist.mean()
            );
        }
    }
}
