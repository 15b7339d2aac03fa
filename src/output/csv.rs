//! `metrics.csv` and `targets.csv`: the summary's figures, one row each, for
//! spreadsheets and data frames.

use crate::stats::QUANTILE_LEVELS;
use crate::summary::Summary;

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

fn finish(writer: csv::Writer<Vec<u8>>) -> Vec<u8> {
    writer.into_inner().unwrap_or_default()
}

/// One row per metric and year: mean, sd, mean_se, the nine quantiles, min, max.
pub fn metrics_csv(summary: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["metric", "year", "unit", "mean", "sd", "mean_se"];
    header.extend(QUANTILE_LEVELS.iter().map(|(name, _)| *name));
    header.extend(["min", "max"]);
    let _ = w.write_record(&header);
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
        let _ = w.write_record(&row);
    }
    finish(w)
}

/// One row per target: threshold, probability with its interval, expected shortfall, source.
pub fn targets_csv(summary: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
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
    ]);
    for t in &summary.targets {
        let _ = w.write_record([
            t.name.clone(),
            t.label.clone(),
            t.metric.clone(),
            t.year.to_string(),
            t.unit.clone(),
            optional(t.at_least),
            optional(t.at_most),
            number(t.probability),
            number(t.ci95[0]),
            number(t.ci95[1]),
            optional(t.expected_shortfall),
            t.met_paths.to_string(),
            t.source_kind.clone(),
            t.source.clone(),
        ]);
    }
    finish(w)
}
