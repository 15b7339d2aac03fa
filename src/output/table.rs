//! The target table printed after a run: each target's label, threshold,
//! probability with its 95 % interval and whether its figure is from the
//! article (seed) or an assumption, in file order; then each year's joint
//! probability. Aligned by display width, so Chinese labels line up.

use crate::summary::{Summary, TargetSummary};
use unicode_width::UnicodeWidthStr;

/// The threshold as a reader writes it: "≥ 5.0 %" for ratios, "≥ 300 万平方米" otherwise.
pub fn threshold_text(t: &TargetSummary) -> String {
    let (sign, value) = match (t.at_least, t.at_most) {
        (Some(v), _) => ("≥", v),
        (_, Some(v)) => ("≤", v),
        _ => ("?", f64::NAN),
    };
    if t.unit == "ratio" {
        format!("{sign} {} %", trim(value * 100.0))
    } else if t.unit.is_empty() {
        format!("{sign} {}", trim(value))
    } else {
        format!("{sign} {} {}", trim(value), t.unit)
    }
}

fn trim(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn pad(text: &str, width: usize) -> String {
    let shown = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

fn percent(p: f64) -> String {
    format!("{:.1} %", p * 100.0)
}

/// The whole table as text.
pub fn target_table(summary: &Summary) -> String {
    let header = [
        "target",
        "year",
        "threshold",
        "P(met)",
        "95 % interval",
        "source",
    ];
    let rows: Vec<[String; 6]> = summary
        .targets
        .iter()
        .map(|t| {
            [
                t.label.clone(),
                t.year.to_string(),
                threshold_text(t),
                percent(t.probability),
                format!("{} – {}", percent(t.ci95[0]), percent(t.ci95[1])),
                t.source_kind.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let line = |cells: &[String]| -> String {
        let joined: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        joined.join("  ").trim_end().to_string()
    };
    let mut out = format!(
        "{} — {} paths, seed {}, {} threads, {:.2} s\n\n",
        summary.scenario.title,
        summary.run.paths,
        summary.run.seed,
        summary.run.threads,
        summary.run.seconds
    );
    out.push_str(&line(&header.map(String::from)));
    out.push('\n');
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    if !summary.all_targets.is_empty() {
        out.push('\n');
    }
    for joint in &summary.all_targets {
        out.push_str(&format!(
            "All {} targets of {} met together: {} ({} – {})\n",
            joint.targets.len(),
            joint.year,
            percent(joint.probability),
            percent(joint.ci95[0]),
            percent(joint.ci95[1])
        ));
    }
    if summary.diagnostics.clamped_draws > 0 {
        out.push_str(&format!(
            "Note: {} growth draws fell to -99 % or below (or rose above +1000 %) and were clamped.\n",
            summary.diagnostics.clamped_draws
        ));
    }
    out
}
