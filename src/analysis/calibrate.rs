//! `calibrate`: fits a series' growth process to observed growth rates. The
//! AR(1) of the model, `g_t = mu + phi (g_{t-1} - mu) + sigma e_t`, is the
//! regression `g_t = c + phi g_{t-1} + e_t` with `mu = c / (1 - phi)`,
//! estimated by ordinary least squares (nalgebra). Standard errors: from
//! `s² (XᵀX)⁻¹` for `c` and `phi`, the delta method for `mu`, and
//! `s / sqrt(2 (m - 2))` for `sigma = s`. The TOML snippet turns each estimate
//! and its standard error into a distribution, so the fit's uncertainty
//! becomes parameter uncertainty in the scenario.

use super::Error;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// An estimate and its standard error.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub se: f64,
}

/// The fit.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    pub series: String,
    /// Observed growth rates used.
    pub observations: usize,
    pub mean_growth: Estimate,
    pub persistence: Estimate,
    pub volatility: Estimate,
    /// R² of the regression.
    pub r_squared: f64,
    /// TOML that sets the three parameters, with their uncertainty.
    pub snippet: String,
    /// What the snippet changed from the fit (a persistence clamped into the
    /// model's range), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Largest persistence the snippet writes (the model needs it below 1).
const TOP_PERSISTENCE: f64 = 0.99;

/// Refuses a `--series` name a scenario would refuse as `[series.NAME]`.
pub fn check_series(series: &str) -> Result<(), Error> {
    match crate::scenario::decode::name_problem(series, crate::scenario::decode::NameKind::Series) {
        Some(problem) => Err(Error::Input(format!("--series {series}: {problem}"))),
        None => Ok(()),
    }
}

/// "value 12 looks like a percentage; write growth as a ratio (0.12)" when
/// `g` cannot be a yearly growth ratio written as such (|g| > 1).
fn percent_problem(g: f64) -> Option<String> {
    (g.is_finite() && g.abs() > 1.0).then(|| {
        format!(
            "value {} looks like a percentage; write growth as a ratio ({})",
            crate::scenario::plain_number(g),
            crate::scenario::plain_number(g / 100.0)
        )
    })
}

/// Sample standard deviation (0 for fewer than 2 values).
fn spread(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// Below this standard deviation a history (or residual) counts as not varying.
const NO_SPREAD: f64 = 1e-9;

/// Fits `history` (growth rates, oldest first) for series `series`.
pub fn calibrate(series: &str, history: &[f64]) -> Result<Calibration, Error> {
    check_series(series)?;
    if let Some(problem) = history.iter().find_map(|g| percent_problem(*g)) {
        return Err(Error::Input(format!("--history {problem}")));
    }
    if history.len() < 5 {
        return Err(Error::Input(format!(
            "calibrate needs at least 5 observed growth rates, not {}; give a longer history",
            history.len()
        )));
    }
    if let Some(bad) = history.iter().find(|g| !g.is_finite() || **g <= -1.0) {
        return Err(Error::Input(format!(
            "the history holds {bad}, which is not a growth rate above -100 %"
        )));
    }
    if spread(history) < NO_SPREAD {
        return Err(Error::Input(format!(
            "the history does not vary (all {} values are {}), so persistence and volatility cannot be estimated; give observed growth rates that differ from year to year",
            history.len(),
            crate::scenario::plain_number(history[0])
        )));
    }
    let m = history.len() - 1;
    if spread(&history[..m]) < NO_SPREAD || spread(&history[1..]) < NO_SPREAD {
        let which = if spread(&history[..m]) < NO_SPREAD {
            "last"
        } else {
            "first"
        };
        return Err(Error::Input(format!(
            "the history varies only in its {which} value, so persistence cannot be estimated; give more years in which the growth rate changes"
        )));
    }
    let x = DMatrix::from_fn(m, 2, |i, j| if j == 0 { 1.0 } else { history[i] });
    let y = DVector::from_fn(m, |i, _| history[i + 1]);
    let xtx = x.transpose() * &x;
    let inverse = xtx.try_inverse().ok_or_else(|| {
        Error::Input("the history does not vary, so persistence cannot be estimated; give observed rates that differ".into())
    })?;
    let beta = &inverse * x.transpose() * &y;
    let residuals = &y - &x * &beta;
    let rss = residuals.norm_squared();
    let dof = (m - 2) as f64;
    let s2 = rss / dof;
    let cov = &inverse * s2;
    let (c, phi) = (beta[0], beta[1]);
    if phi >= 0.999 {
        return Err(Error::Input(format!(
            "the fitted persistence is {phi:.3}: the history looks like it has no stable mean (a unit root), so an AR(1) around a mean does not fit it"
        )));
    }
    if s2.sqrt() < NO_SPREAD {
        return Err(Error::Input(format!(
            "the history follows an AR(1) exactly (no year deviates from the fitted line, residual spread {:.1e}), so its volatility and standard errors are 0 and no distribution can be fitted; give observed growth rates, not a smooth series",
            s2.max(0.0).sqrt()
        )));
    }
    let mu = c / (1.0 - phi);
    let gradient = [1.0 / (1.0 - phi), c / (1.0 - phi).powi(2)];
    let mu_var = gradient[0] * gradient[0] * cov[(0, 0)]
        + 2.0 * gradient[0] * gradient[1] * cov[(0, 1)]
        + gradient[1] * gradient[1] * cov[(1, 1)];
    let mean_y = y.mean();
    let tss = y.iter().map(|v| (v - mean_y).powi(2)).sum::<f64>();
    let sigma = s2.sqrt();
    let fit = Calibration {
        series: series.to_string(),
        observations: history.len(),
        mean_growth: Estimate {
            value: mu,
            se: mu_var.max(0.0).sqrt(),
        },
        persistence: Estimate {
            value: phi,
            se: cov[(1, 1)].max(0.0).sqrt(),
        },
        volatility: Estimate {
            value: sigma,
            se: sigma / (2.0 * dof).sqrt(),
        },
        r_squared: if tss > 0.0 { 1.0 - rss / tss } else { 0.0 },
        snippet: String::new(),
        notes: Vec::new(),
    };
    let notes = clamp_notes(&fit);
    Ok(Calibration {
        snippet: snippet(&fit),
        notes,
        ..fit
    })
}

/// What the snippet changes from the fit: a persistence below 0 or above
/// [`TOP_PERSISTENCE`] is clamped into the model's range.
fn clamp_notes(fit: &Calibration) -> Vec<String> {
    let phi = fit.persistence.value;
    if phi < 0.0 {
        vec![format!(
            "the fitted persistence {phi:.3} is below 0 (growth alternates around its mean), which the model does not allow; clamped to 0 in the snippet"
        )]
    } else if phi > TOP_PERSISTENCE {
        vec![format!(
            "the fitted persistence {phi:.3} is above {TOP_PERSISTENCE}; clamped to {TOP_PERSISTENCE} in the snippet"
        )]
    } else {
        Vec::new()
    }
}

/// Largest beta parameter the snippet writes: beyond it the spread is
/// negligible and a fixed value says the same more plainly.
const MAX_BETA_PARAMETER: f64 = 1e6;

/// TOML that sets the fitted parameters: mean growth normal, persistence a
/// beta on [0, 0.99] with the estimate's mean and standard error (moments),
/// volatility lognormal; or fixed values when a standard error is 0.
pub(crate) fn snippet(fit: &Calibration) -> String {
    let source = format!(
        "assumption: calibrated by xuhui-sim calibrate to {} observed growth rates (AR(1) least squares); spread = standard error",
        fit.observations
    );
    let mean = if fit.mean_growth.se > 0.0 {
        format!(
            "{{ dist = \"normal\", mean = {:?}, sd = {:?}, source = \"{source}\" }}",
            fit.mean_growth.value, fit.mean_growth.se
        )
    } else {
        format!(
            "{{ value = {:?}, source = \"{source}\" }}",
            fit.mean_growth.value
        )
    };
    let top = TOP_PERSISTENCE;
    let phi = fit.persistence.value.clamp(0.0, top);
    let unit_mean = (phi / top).clamp(0.01, 0.99);
    let unit_var = (fit.persistence.se / top).powi(2);
    let common = if unit_var > 0.0 && unit_var < unit_mean * (1.0 - unit_mean) {
        unit_mean * (1.0 - unit_mean) / unit_var - 1.0
    } else {
        f64::NAN
    };
    let persistence = if common.is_finite()
        && common * unit_mean.max(1.0 - unit_mean) <= MAX_BETA_PARAMETER
    {
        format!(
            "{{ dist = \"beta\", alpha = {:?}, beta = {:?}, min = 0.0, max = {top}, source = \"{source}\" }}",
            unit_mean * common,
            (1.0 - unit_mean) * common
        )
    } else {
        format!("{{ value = {phi:?}, source = \"{source}\" }}")
    };
    let volatility = if fit.volatility.se > 0.0 && fit.volatility.value > 0.0 {
        format!(
            "{{ dist = \"lognormal\", mean = {:?}, sd = {:?}, source = \"{source}\" }}",
            fit.volatility.value, fit.volatility.se
        )
    } else {
        format!(
            "{{ value = {:?}, source = \"{source}\" }}",
            fit.volatility.value.max(0.0)
        )
    };
    let note: String = clamp_notes(fit)
        .iter()
        .map(|n| format!("# Note: {n}.\n"))
        .collect();
    format!(
        "# Fitted by `xuhui-sim calibrate` to {} observed growth rates; paste into a scenario\n{note}[series.{}]\nmean_growth = {mean}\npersistence = {persistence}\nvolatility = {volatility}\n",
        fit.observations, fit.series
    )
}

/// Reads growth rates from CSV text: the column named `column`, or the last
/// column; a header row is skipped when it is not numeric; blank cells skipped.
pub fn history_from_csv(text: &str, column: Option<&str>, file: &str) -> Result<Vec<f64>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let first = match rows.next() {
        Some(Ok(r)) => r,
        _ => {
            return Err(Error::Input(format!(
                "{file} has no rows; give a CSV with one growth rate per row"
            )))
        }
    };
    let header_row = first
        .iter()
        .any(|cell| !cell.trim().is_empty() && cell.trim().parse::<f64>().is_err());
    let index = match (column, header_row) {
        (Some(name), true) => first.iter().position(|c| c.trim() == name).ok_or_else(|| {
            Error::Input(format!(
                "{file} has no column `{name}`; its columns are {}",
                first.iter().collect::<Vec<_>>().join(", ")
            ))
        })?,
        (Some(name), false) => {
            return Err(Error::Input(format!(
                "{file} has no header row, so --column {name} cannot be found"
            )))
        }
        (None, _) => first.len().saturating_sub(1),
    };
    let mut values = Vec::new();
    let mut push = |record: &csv::StringRecord, line: usize| -> Result<(), Error> {
        match record.get(index).map(str::trim) {
            None | Some("") => Ok(()),
            Some(cell) => {
                let v = cell.parse::<f64>().map_err(|_| {
                    Error::Input(format!("{file}:{line}: `{cell}` is not a number"))
                })?;
                if let Some(problem) = percent_problem(v) {
                    return Err(Error::Input(format!("{file}:{line}: {problem}")));
                }
                values.push(v);
                Ok(())
            }
        }
    };
    if !header_row {
        push(&first, 1)?;
    }
    for (i, record) in rows.enumerate() {
        let record = record.map_err(|e| Error::Input(format!("{file}: {e}")))?;
        push(&record, i + 2)?;
    }
    Ok(values)
}

/// The fit as a table.
pub fn table(fit: &Calibration) -> String {
    let notes: String = fit.notes.iter().map(|n| format!("Note: {n}.\n")).collect();
    let notes = if notes.is_empty() {
        notes
    } else {
        notes + "\n"
    };
    format!(
        "AR(1) fit of {} to {} observed growth rates (R² {:.3})\n\n\
         parameter    estimate   standard error\n\
         mean_growth  {:<9.5}  {:.5}\n\
         persistence  {:<9.4}  {:.4}\n\
         volatility   {:<9.5}  {:.5}\n\n{notes}{}",
        fit.series,
        fit.observations,
        fit.r_squared,
        fit.mean_growth.value,
        fit.mean_growth.se,
        fit.persistence.value,
        fit.persistence.se,
        fit.volatility.value,
        fit.volatility.se,
        fit.snippet
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, InputKey};
    use rand_distr::{Distribution, StandardNormal};

    /// Data simulated from known parameters are recovered within 3 standard errors.
    #[test]
    fn recovers_known_parameters() {
        let (mu, phi, sigma) = (0.06, 0.5, 0.02);
        let mut rng = stream(5, InputKey::new("calibrate"), 0);
        let mut g = mu;
        let history: Vec<f64> = (0..2_000)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                g = mu + phi * (g - mu) + sigma * e;
                g
            })
            .collect();
        let fit = calibrate("x", &history).unwrap();
        for (name, est, truth) in [
            ("mu", fit.mean_growth, mu),
            ("phi", fit.persistence, phi),
            ("sigma", fit.volatility, sigma),
        ] {
            assert!(
                (est.value - truth).abs() < 3.0 * est.se,
                "{name}: {} ± {} vs {truth}",
                est.value,
                est.se
            );
        }
        assert!(fit.snippet.contains("[series.x]") && fit.snippet.contains("dist = \"beta\""));
    }

    #[test]
    fn reads_csv_columns_and_refuses_short_histories() {
        let text = "year,growth\n2019,0.05\n2020,0.01\n2021,0.08\n";
        assert_eq!(
            history_from_csv(text, Some("growth"), "h.csv").unwrap(),
            vec![0.05, 0.01, 0.08]
        );
        assert_eq!(
            history_from_csv("0.1\n0.2\n", None, "h.csv").unwrap(),
            vec![0.1, 0.2]
        );
        assert!(history_from_csv(text, Some("nope"), "h.csv").is_err());
        assert!(calibrate("x", &[0.1, 0.2]).is_err());
    }

    fn refusal(series: &str, history: &[f64]) -> String {
        match calibrate(series, history) {
            Err(Error::Input(message)) => message,
            Err(other) => panic!("not a refusal: {other}"),
            Ok(fit) => panic!("fitted {fit:?}"),
        }
    }

    #[test]
    fn percentages_are_refused_with_the_ratio_to_write() {
        assert_eq!(
            refusal("x", &[0.1, 12.0, 0.09, 0.11, 0.08]),
            "--history value 12 looks like a percentage; write growth as a ratio (0.12)"
        );
        assert_eq!(
            refusal("x", &[5.5, 3.0]),
            "--history value 5.5 looks like a percentage; write growth as a ratio (0.055)"
        );
        let err = history_from_csv("growth\n0.05\n-3\n", None, "h.csv").unwrap_err();
        assert!(
            matches!(&err, Error::Input(m) if m == "h.csv:3: value -3 looks like a percentage; write growth as a ratio (-0.03)"),
            "{err:?}"
        );
    }

    #[test]
    fn series_names_follow_the_scenario_rule() {
        assert_eq!(
            refusal("Retail Sales", &[0.1, 0.12, 0.09, 0.11, 0.08]),
            "--series Retail Sales: the name `Retail Sales` must start with a lowercase letter and use only a-z, 0-9 and _"
        );
        assert!(refusal("gdp", &[0.1, 0.12, 0.09, 0.11, 0.08]).contains("reserved"));
        assert!(refusal("../x", &[0.1, 0.12, 0.09, 0.11, 0.08]).starts_with("--series ../x: "));
        assert!(check_series("retail_sales").is_ok());
    }

    #[test]
    fn degenerate_histories_are_refused_not_fitted_absurdly() {
        assert!(
            refusal("x", &[0.1; 8]).starts_with("the history does not vary (all 8 values are 0.1)"),
            "{}",
            refusal("x", &[0.1; 8])
        );
        assert!(refusal("x", &[0.1, 0.1, 0.1, 0.1, 0.2]).contains("varies only in its last value"));
        assert!(refusal("x", &[0.2, 0.1, 0.1, 0.1, 0.1]).contains("varies only in its first value"));
        // g_t = 0.05 + 0.5 (g_{t-1} - 0.05) exactly: no noise to fit.
        let mut g = 0.13;
        let exact: Vec<f64> = (0..8)
            .map(|_| {
                g = 0.05 + 0.5 * (g - 0.05);
                g
            })
            .collect();
        assert!(
            refusal("x", &exact).contains("follows an AR(1) exactly"),
            "{}",
            refusal("x", &exact)
        );
    }

    #[test]
    fn a_clamped_persistence_is_said_in_the_table_and_the_snippet() {
        // Growth that alternates around its mean: a negative persistence.
        let history = [0.12, 0.02, 0.11, 0.03, 0.13, 0.01, 0.10, 0.04, 0.12, 0.03];
        let fit = calibrate("x", &history).unwrap();
        assert!(fit.persistence.value < 0.0, "{fit:?}");
        assert_eq!(fit.notes.len(), 1);
        assert!(fit.notes[0].contains("below 0") && fit.notes[0].contains("clamped to 0"));
        let shown = table(&fit);
        assert!(shown.contains("Note: the fitted persistence -"), "{shown}");
        assert!(
            fit.snippet.contains("# Note: the fitted persistence -"),
            "{}",
            fit.snippet
        );
        assert!(
            fit.snippet.contains("persistence = { value = 0.0,"),
            "{}",
            fit.snippet
        );
    }

    #[test]
    fn a_negligible_spread_gives_a_fixed_value_not_an_absurd_beta() {
        let estimate = |value: f64, se: f64| Estimate { value, se };
        let fit = Calibration {
            series: "x".into(),
            observations: 10,
            mean_growth: estimate(0.05, 0.01),
            persistence: estimate(0.5, 1e-12),
            volatility: estimate(0.02, 0.005),
            r_squared: 0.5,
            snippet: String::new(),
            notes: Vec::new(),
        };
        let text = snippet(&fit);
        assert!(text.contains("persistence = { value = 0.5,"), "{text}");
        let fit = Calibration {
            persistence: estimate(0.5, 0.1),
            ..fit
        };
        assert!(snippet(&fit).contains("persistence = { dist = \"beta\""));
    }
}
