//! The comparison as one CSV table: a row per other set and shared target or
//! metric, full precision.

use crate::compare::Comparison;

fn number(v: f64) -> String {
    format!("{v}")
}

/// Columns: other, kind (target or metric), name, year, base, other_value,
/// difference, ci95_low, ci95_high, verdict, method, p_other_greater.
/// For a target, values are probabilities; for a metric, means.
pub fn csv(comparison: &Comparison) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "other",
        "kind",
        "name",
        "year",
        "base",
        "other_value",
        "difference",
        "ci95_low",
        "ci95_high",
        "verdict",
        "method",
        "p_other_greater",
    ])?;
    for set in &comparison.others {
        for t in &set.targets {
            w.write_record([
                set.set.name.clone(),
                "target".into(),
                t.name.clone(),
                t.year.to_string(),
                number(t.base_probability),
                number(t.other_probability),
                number(t.difference),
                number(t.ci95[0]),
                number(t.ci95[1]),
                t.verdict.as_str().into(),
                format!("{:?}", t.method).to_lowercase(),
                String::new(),
            ])?;
        }
        for m in &set.metrics {
            w.write_record([
                set.set.name.clone(),
                "metric".into(),
                m.metric.clone(),
                m.year.to_string(),
                number(m.base.mean),
                number(m.other.mean),
                number(m.shift.mean),
                number(m.mean_shift_ci95[0]),
                number(m.mean_shift_ci95[1]),
                String::new(),
                format!("{:?}", m.method).to_lowercase(),
                m.p_other_greater.map(number).unwrap_or_default(),
            ])?;
        }
    }
    crate::output::csv::finish(w)
}
