//! The comparison as Markdown, for reports and pull requests: every target
//! and every metric.

use super::{method_text, number, percent, points, points_interval, signed, signed_interval};
use crate::compare::Comparison;

fn row(cells: &[String]) -> String {
    let escaped: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", escaped.join(" | "))
}

fn header(cells: &[&str]) -> String {
    let owned: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    let rule: Vec<String> = cells.iter().map(|_| "---".to_string()).collect();
    format!("{}{}", row(&owned), row(&rule))
}

/// The whole comparison as Markdown.
pub fn markdown(comparison: &Comparison) -> String {
    let mut out = format!(
        "# Comparison with {} ({})\n\n",
        comparison.base.name, comparison.base.title
    );
    for set in &comparison.others {
        out.push_str(&format!(
            "## {} ({})\n\nDifferences computed {}.\n\n",
            set.set.name,
            set.set.title,
            method_text(set)
        ));
        if !set.targets.is_empty() {
            out.push_str(&header(&[
                "target",
                "year",
                "base",
                "other",
                "change",
                "Monte Carlo 95 %",
                "verdict",
                "method",
            ]));
            for t in &set.targets {
                out.push_str(&row(&[
                    t.label.clone(),
                    t.year.to_string(),
                    percent(t.base_probability),
                    percent(t.other_probability),
                    points(t.difference),
                    points_interval(t.ci95),
                    t.verdict.as_str().to_string(),
                    format!("{:?}", t.method).to_lowercase(),
                ]));
            }
            out.push('\n');
        }
        out.push_str(&header(&[
            "metric",
            "year",
            "unit",
            "base mean",
            "other mean",
            "mean shift",
            "Monte Carlo 95 %",
            "p5 shift",
            "p50 shift",
            "p95 shift",
            "P(other > base)",
        ]));
        for m in &set.metrics {
            out.push_str(&row(&[
                m.metric.clone(),
                m.year.to_string(),
                m.unit.clone(),
                number(m.base.mean, 5),
                number(m.other.mean, 5),
                signed(m.shift.mean, 3),
                signed_interval(m.mean_shift_ci95, 3),
                signed(m.shift.p5, 3),
                signed(m.shift.p50, 3),
                signed(m.shift.p95, 3),
                m.p_other_greater.map(percent).unwrap_or_else(|| "-".into()),
            ]));
        }
        out.push('\n');
    }
    out
}
