//! Each distribution family described once: the name a scenario writes, the
//! parameter keys it accepts and needs, its defaults, whether it may be
//! truncated, and how its keys become a [`Dist`] (the lognormal's `mean`/`sd`
//! conversion included). The scenario decoder reads a `{ dist = "…", … }`
//! table by asking the family; it adds files, lines and keys to the errors.

use super::Dist;

/// One `dist = "…"` family of docs/model.md, "Distributions".
pub(crate) struct Family {
    /// The `dist` name.
    pub name: &'static str,
    /// Every parameter key accepted besides `dist`, `source`, `lower` and `upper`.
    pub params: &'static [&'static str],
    /// The keys it cannot do without, as a message lists them (for a
    /// lognormal: `mean` and `sd`, though `mu` and `sigma` also do).
    pub required: &'static [&'static str],
    /// Keys whose values must be whole numbers (read as integers).
    pub whole: &'static [&'static str],
    /// Whether `lower` and `upper` may bound it (continuous families only).
    pub truncatable: bool,
    build: fn(&Given) -> Result<Dist, FamilyError>,
}

/// The parameter values a scenario gave, looked up by key.
pub(crate) struct Given<'a>(&'a dyn Fn(&'static str) -> Option<f64>);

impl Given<'_> {
    fn get(&self, param: &'static str) -> Option<f64> {
        (self.0)(param)
    }

    fn need(&self, param: &'static str) -> Result<f64, FamilyError> {
        self.get(param).ok_or(FamilyError::Missing { param })
    }
}

/// Why a family's keys do not make a distribution (before
/// [`Dist::validate`] checks the values against the family's rules).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FamilyError {
    /// A required key is absent.
    Missing { param: &'static str },
    /// A lognormal given by `mean` and `sd` needs both above 0.
    LogNormalNotPositive { mean: f64, sd: f64 },
    /// A lognormal needs `mean` and `sd` or `mu` and `sigma`, not a mix.
    LogNormalMix,
    /// A whole-number key outside 0..=10^12.
    CountOutOfRange { param: &'static str, value: f64 },
}

impl Family {
    /// The family called `name`, if there is one.
    pub(crate) fn named(name: &str) -> Option<&'static Family> {
        FAMILIES.iter().find(|f| f.name == name)
    }

    /// Builds the distribution from the given keys; `given(key)` is `None`
    /// for an absent key. Defaults: student_t `location` 0 and `scale` 1,
    /// pert `lambda` 4, beta `min` 0 and `max` 1, binomial `n` the
    /// programme's count (`None`).
    pub(crate) fn build(
        &self,
        given: &dyn Fn(&'static str) -> Option<f64>,
    ) -> Result<Dist, FamilyError> {
        (self.build)(&Given(given))
    }
}

/// The largest candidate count of a binomial.
pub(crate) const MAX_COUNT: f64 = 1e12;

/// Every family, in the order messages list them.
pub(crate) static FAMILIES: &[Family] = &[
    Family {
        name: "fixed",
        params: &["value"],
        required: &["value"],
        whole: &[],
        truncatable: false,
        build: |g| {
            Ok(Dist::Fixed {
                value: g.need("value")?,
            })
        },
    },
    Family {
        name: "normal",
        params: &["mean", "sd"],
        required: &["mean", "sd"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::Normal {
                mean: g.need("mean")?,
                sd: g.need("sd")?,
            })
        },
    },
    Family {
        name: "lognormal",
        params: &["mean", "sd", "mu", "sigma"],
        required: &["mean", "sd"],
        whole: &[],
        truncatable: true,
        build: lognormal,
    },
    Family {
        name: "student_t",
        params: &["df", "location", "scale"],
        required: &["df"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::StudentT {
                df: g.need("df")?,
                location: g.get("location").unwrap_or(0.0),
                scale: g.get("scale").unwrap_or(1.0),
            })
        },
    },
    Family {
        name: "uniform",
        params: &["min", "max"],
        required: &["min", "max"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::Uniform {
                min: g.need("min")?,
                max: g.need("max")?,
            })
        },
    },
    Family {
        name: "triangular",
        params: &["min", "mode", "max"],
        required: &["min", "mode", "max"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::Triangular {
                min: g.need("min")?,
                mode: g.need("mode")?,
                max: g.need("max")?,
            })
        },
    },
    Family {
        name: "pert",
        params: &["min", "mode", "max", "lambda"],
        required: &["min", "mode", "max"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::Pert {
                min: g.need("min")?,
                mode: g.need("mode")?,
                max: g.need("max")?,
                lambda: g.get("lambda").unwrap_or(4.0),
            })
        },
    },
    Family {
        name: "beta",
        params: &["alpha", "beta", "min", "max"],
        required: &["alpha", "beta"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::Beta {
                alpha: g.need("alpha")?,
                beta: g.need("beta")?,
                min: g.get("min").unwrap_or(0.0),
                max: g.get("max").unwrap_or(1.0),
            })
        },
    },
    Family {
        name: "binomial",
        params: &["p", "n"],
        required: &["p"],
        whole: &["n"],
        truncatable: false,
        build: |g| {
            let p = g.need("p")?;
            let n = match g.get("n") {
                None => None,
                Some(n) if (0.0..=MAX_COUNT).contains(&n) => Some(n as u64),
                Some(value) => return Err(FamilyError::CountOutOfRange { param: "n", value }),
            };
            Ok(Dist::Binomial { p, n })
        },
    },
    Family {
        name: "two_piece_normal",
        params: &["mode", "sigma_left", "sigma_right"],
        required: &["mode", "sigma_left", "sigma_right"],
        whole: &[],
        truncatable: true,
        build: |g| {
            Ok(Dist::TwoPieceNormal {
                mode: g.need("mode")?,
                sigma_left: g.need("sigma_left")?,
                sigma_right: g.need("sigma_right")?,
            })
        },
    },
];

/// A lognormal from `mu` and `sigma` of its log, or from `mean` and `sd` of
/// the variable: `sigma² = ln(1 + sd²/mean²)`, `mu = ln(mean) - sigma²/2`.
fn lognormal(g: &Given) -> Result<Dist, FamilyError> {
    match (g.get("mean"), g.get("sd"), g.get("mu"), g.get("sigma")) {
        (Some(mean), Some(sd), None, None) => {
            if !(mean > 0.0 && sd > 0.0) {
                return Err(FamilyError::LogNormalNotPositive { mean, sd });
            }
            let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
            Ok(Dist::LogNormal {
                mu: mean.ln() - sigma2 / 2.0,
                sigma: sigma2.sqrt(),
            })
        }
        (None, None, Some(mu), Some(sigma)) => Ok(Dist::LogNormal { mu, sigma }),
        _ => Err(FamilyError::LogNormalMix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(name: &str, given: &[(&str, f64)]) -> Result<Dist, FamilyError> {
        Family::named(name)
            .unwrap()
            .build(&|k| given.iter().find(|(g, _)| *g == k).map(|(_, v)| *v))
    }

    #[test]
    fn every_dist_name_has_one_family() {
        let mut names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FAMILIES.len());
        for family in FAMILIES {
            for required in family.required {
                assert!(family.params.contains(required), "{}", family.name);
            }
        }
    }

    #[test]
    fn built_distributions_carry_the_family_name_and_defaults() {
        assert_eq!(
            build("pert", &[("min", 0.0), ("mode", 1.0), ("max", 3.0)]),
            Ok(Dist::Pert {
                min: 0.0,
                mode: 1.0,
                max: 3.0,
                lambda: 4.0
            })
        );
        assert_eq!(
            build("student_t", &[("df", 5.0)]),
            Ok(Dist::StudentT {
                df: 5.0,
                location: 0.0,
                scale: 1.0
            })
        );
        assert_eq!(
            build("normal", &[("mean", 1.0)]),
            Err(FamilyError::Missing { param: "sd" })
        );
        assert_eq!(
            build("binomial", &[("p", 0.5), ("n", -1.0)]),
            Err(FamilyError::CountOutOfRange {
                param: "n",
                value: -1.0
            })
        );
        assert_eq!(
            build("lognormal", &[("mean", 1.0), ("mu", 0.0)]),
            Err(FamilyError::LogNormalMix)
        );
    }

    #[test]
    fn lognormal_from_mean_and_sd_has_that_mean_and_sd() {
        let Ok(Dist::LogNormal { mu, sigma }) = build("lognormal", &[("mean", 2.0), ("sd", 0.5)])
        else {
            panic!("a lognormal")
        };
        let mean = (mu + sigma * sigma / 2.0).exp();
        let var = ((sigma * sigma).exp() - 1.0) * (2.0 * mu + sigma * sigma).exp();
        assert!((mean - 2.0).abs() < 1e-12);
        assert!((var.sqrt() - 0.5).abs() < 1e-12);
    }
}
