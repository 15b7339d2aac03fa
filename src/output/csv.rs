//! `metrics.csv` and `targets.csv`: the summary's figures, one row each, for
//! spreadsheets and data frames.

use crate::stats::QUANTILE_LEVELS;
use crate::summary::Summary;
use crate::Error;

/// A number as CSV text; an undefined one (NaN) as an empty cell.
fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

fn optional(v: Option<f64>) -> String {
    v.map(number).unwrap_or_default()
}

/// The bytes of an in-memory CSV writer, flushed; an error if a record was
/// refused (a row of the wrong width) or the flush failed.
pub fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, Error> {
    writer
        .into_inner()
        .map_err(|e| Error::Failure(format!("cannot write a CSV table: {}", e.error())))
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Self {
        Error::Failure(format!("cannot write a CSV table: {e}"))
    }
}

/// One row per metric and year: mean, sd, mean_se, the nine quantiles, min, max.
pub(crate) fn metrics_csv(summary: &Summary) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["metric", "year", "unit", "mean", "sd", "mean_se"];
    header.extend(QUANTILE_LEVELS.iter().map(|(name, _)| *name));
    header.extend(["min", "max"]);
    w.write_record(&header)?;
    for m in &summary.metrics {
        let mut row = vec![
            m.metric.clone(),
            m.year.to_string(),
            m.unit.clone(),
            number(m.mean),
            number(m.sd),
            number(m.mean_se),
        ];
        row.extend(m.quantiles.values().iter().map(|v| number(*v)));
        row.extend([number(m.min), number(m.max)]);
        w.write_record(&row)?;
    }
    finish(w)
}

/// One row per target: threshold, probability with its interval, expected shortfall, source.
pub(crate) fn targets_csv(summary: &Summary) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "name",
        "label",
        "metric",
        "year",
        "unit",
        "at_least",
        "at_most",
        "probability",
        "ci95_low",
        "ci95_high",
        "expected_shortfall",
        "met_paths",
        "source_kind",
        "source",
    ])?;
    for t in &summary.targets {
        w.write_record([
            t.name.clone(),
            t.label.clone(),
            t.metric.clone(),
            t.year.to_string(),
            t.unit.clone(),
            optional(t.bound.at_least()),
            optional(t.bound.at_most()),
            number(t.probability),
            number(t.ci95[0]),
            number(t.ci95[1]),
            optional(t.expected_shortfall),
            t.met_paths.to_string(),
            t.source_kind.as_str().to_string(),
            t.source.clone(),
        ])?;
    }
    finish(w)
}
