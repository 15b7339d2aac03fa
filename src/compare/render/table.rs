//! The terminal table of a comparison: per other set, the targets (largest
//! change first) with verdicts, then the metrics that moved most.

use super::{method_text, number, percent, points, points_interval, signed, signed_interval};
use crate::compare::Comparison;
pub use crate::format::aligned;
use crate::output::table::terminal_safe;

/// Metrics shown per set in the terminal (all are in the other formats).
pub(crate) const METRICS_SHOWN: usize = 12;

/// The whole comparison as text.
pub fn table(comparison: &Comparison) -> String {
    let mut out = String::new();
    for set in &comparison.others {
        out.push_str(&format!(
            "{} vs {} (base) — {}\n\n",
            terminal_safe(&set.set.name),
            terminal_safe(&comparison.base.name),
            terminal_safe(&method_text(set))
        ));
        if !set.targets.is_empty() {
            let rows: Vec<Vec<String>> = set
                .targets
                .iter()
                .map(|t| {
                    vec![
                        t.label.clone(),
                        percent(t.base_probability),
                        percent(t.other_probability),
                        points(t.difference),
                        points_interval(t.ci95),
                        t.verdict.as_str().to_string(),
                    ]
                })
                .collect();
            out.push_str(&aligned(
                &[
                    "target",
                    "base",
                    "other",
                    "change",
                    "Monte Carlo 95 %",
                    "verdict",
                ],
                &rows,
            ));
            let counts =
                |v: crate::compare::Verdict| set.targets.iter().filter(|t| t.verdict == v).count();
            out.push_str(&format!(
                "{} better, {} worse, {} without significant change (noise threshold ±{:.1} pt)\n",
                counts(crate::compare::Verdict::Better),
                counts(crate::compare::Verdict::Worse),
                counts(crate::compare::Verdict::NoSignificantChange),
                comparison.threshold * 100.0
            ));
            for t in set.targets.iter().filter(|t| t.note.is_some()) {
                out.push_str(&format!(
                    "note: {}\n",
                    terminal_safe(t.note.as_deref().unwrap_or_default())
                ));
            }
            out.push('\n');
        }
        if !set.unshared_targets.is_empty() {
            out.push_str(&format!(
                "Not compared (in one set only): {}\n\n",
                terminal_safe(&set.unshared_targets.join(", "))
            ));
        }
        let moved: Vec<Vec<String>> = set
            .metrics
            .iter()
            .filter(|m| m.shift.mean != 0.0)
            .take(METRICS_SHOWN)
            .map(|m| {
                vec![
                    m.metric.clone(),
                    m.year.to_string(),
                    number(m.base.mean, 4),
                    number(m.other.mean, 4),
                    signed(m.shift.mean, 3),
                    signed_interval(m.mean_shift_ci95, 3),
                    signed(m.shift.p50, 3),
                    m.p_other_greater.map(percent).unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        if moved.is_empty() {
            out.push_str("No metric moved.\n\n");
        } else {
            let shown = moved.len();
            let total = set.metrics.len();
            out.push_str(&format!(
                "Metrics that moved most ({shown} of {total}; all in --json, --csv, --markdown)\n"
            ));
            out.push_str(&aligned(
                &[
                    "metric",
                    "year",
                    "base mean",
                    "other mean",
                    "shift",
                    "Monte Carlo 95 %",
                    "p50 shift",
                    "P(other > base)",
                ],
                &moved,
            ));
            out.push('\n');
        }
    }
    out
}

/// The `--explain` attributions as text: per set, each target whose
/// probability moved, with each assumption's Shapley share.
pub fn explanations(comparison: &Comparison) -> String {
    let mut out = String::new();
    for set in &comparison.others {
        let Some(explanation) = &set.explanation else {
            continue;
        };
        out.push_str(&format!(
            "Why {} differs from {} ({} assumptions, each combination re-run with {} paths, seed {}):\n",
            terminal_safe(&set.set.name),
            terminal_safe(&comparison.base.name),
            explanation.assumptions.len(),
            explanation.paths,
            explanation.seed
        ));
        for (i, a) in explanation.assumptions.iter().enumerate() {
            out.push_str(&format!(
                "  [{}] {}\n",
                i + 1,
                terminal_safe(&a.to_string())
            ));
        }
        out.push('\n');
        let mut header: Vec<String> = vec!["target".into(), "change".into()];
        header
            .extend((1..=explanation.assumptions.len()).map(|i| format!("[{i}] Shapley (alone)")));
        let mut moved: Vec<_> = explanation
            .targets
            .iter()
            .filter(|t| t.total_change.abs() >= comparison.threshold)
            .collect();
        moved.sort_by(|a, b| b.total_change.abs().total_cmp(&a.total_change.abs()));
        let rows: Vec<Vec<String>> = moved
            .iter()
            .map(|t| {
                let mut row = vec![t.label.clone(), points(t.total_change)];
                row.extend(
                    t.shapley
                        .iter()
                        .zip(&t.one_at_a_time)
                        .map(|(s, alone)| format!("{} ({})", points(*s), points(*alone))),
                );
                row
            })
            .collect();
        if rows.is_empty() {
            out.push_str("No target's probability moved by more than the noise threshold.\n\n");
        } else {
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            out.push_str(&aligned(&header_refs, &rows));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_keeps_each_row_on_one_line() {
        let text = aligned(
            &["target", "p"],
            &[
                vec!["two\nlines".to_string(), "1 %".to_string()],
                vec!["\u{1b}[31mred".to_string(), "2 %".to_string()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[2], "two\\nlines     1 %");
        assert_eq!(lines[3], "\\u{1b}[31mred  2 %");
        assert!(!text.contains('\u{1b}'));
    }
}
