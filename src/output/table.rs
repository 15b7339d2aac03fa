//! The target table printed after a run: each target's label, threshold,
//! probability with its 95 % interval and whether its figure is from the
//! article (seed) or an assumption, in file order; then, per year, how many
//! targets are met together (all of them, and the article's own). Aligned by
//! display width, so Chinese labels line up.

pub use crate::format::terminal_safe;
use crate::format::{pad, percent};
use crate::summary::{Summary, TargetSummary};
use unicode_width::UnicodeWidthStr;

/// The threshold as a reader writes it: "≥ 5.0 %" for ratios, "≥ 300 万平方米" otherwise.
pub(crate) fn threshold_text(t: &TargetSummary) -> String {
    let (sign, value) = (t.bound.symbol(), t.bound.threshold());
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

/// One year's count of targets met, for all its targets or the article's:
/// "Targets met in 2024, all 24 targets: expected 13.49 of 24 (Monte Carlo ±
/// 0.02); P(at least 22) 1.9 %, P(at least 23) 0.7 %, P(all) 0.1 % (0.1 % –
/// 0.1 %); deliveries tied by [execution]".
pub(crate) fn targets_met_line(met: &crate::summary::TargetsMet) -> String {
    let which = match (met.group.as_str(), met.targets) {
        ("seed", 1) => "the 1 article target".to_string(),
        ("seed", n) => format!("the {n} article targets"),
        (_, 1) => "its 1 target".to_string(),
        (_, n) => format!("all {n} targets"),
    };
    let mut parts = Vec::new();
    for k in met.targets.saturating_sub(2).max(1)..met.targets {
        parts.push(format!("P(at least {k}) {}", percent(met.at_least[k])));
    }
    parts.push(format!(
        "P(all) {} ({} – {})",
        percent(met.all_met),
        percent(met.all_met_ci95[0]),
        percent(met.all_met_ci95[1])
    ));
    let se = if met.expected_se.is_nan() {
        String::new()
    } else {
        format!(" (Monte Carlo ± {:.2})", 1.96 * met.expected_se)
    };
    let deliveries = match met.deliveries.as_str() {
        "execution" => "; deliveries tied by [execution]",
        "partly execution" => "; some deliveries tied by [execution]",
        "none" => "",
        _ => "; deliveries independent",
    };
    format!(
        "Targets met in {}, {which}: expected {:.2} of {}{se}; {}{deliveries}",
        met.year,
        met.expected,
        met.targets,
        parts.join(", ")
    )
}

/// The whole table as text.
pub fn target_table(summary: &Summary) -> String {
    let header = [
        "target",
        "year",
        "threshold",
        "P(met)",
        "Monte Carlo 95 %",
        "source",
    ];
    let rows: Vec<[String; 6]> = summary
        .targets
        .iter()
        .map(|t| {
            [
                terminal_safe(&t.label).into_owned(),
                t.year.to_string(),
                terminal_safe(&threshold_text(t)).into_owned(),
                percent(t.probability),
                format!("{} – {}", percent(t.ci95[0]), percent(t.ci95[1])),
                terminal_safe(t.source_kind.as_str()).into_owned(),
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
        terminal_safe(&summary.scenario.title),
        summary.run.paths,
        summary.run.seed,
        summary.run.threads,
        summary.run.seconds
    );
    if let Some(omitted) = &summary.run.per_path_omitted {
        out.push_str(&format!("({})\n\n", omitted.sentence()));
    }
    out.push_str(&line(&header.map(String::from)));
    out.push('\n');
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    // Result sets of model v1 have no count of targets met: their joint figures.
    if summary.targets_met.is_empty() {
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
    }
    if !summary.targets_met.is_empty() {
        out.push('\n');
    }
    for met in &summary.targets_met {
        out.push_str(&targets_met_line(met));
        out.push('\n');
    }
    if summary.diagnostics.clamped_draws > 0 {
        out.push_str(&format!(
            "Note: {} growth draws fell to -99 % or below (or rose above +1000 %) and were clamped.\n",
            summary.diagnostics.clamped_draws
        ));
    }
    out
}
