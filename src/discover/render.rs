//! A discovery written out: the sentence a planner reads, the terminal
//! table, `discover.json` (its shape, [`Report`], is what `--json` prints and
//! what `report` reads back) and the CSV files.

use super::{BoxFigures, Cases, Discovery, Found, Input, Limit, SIGNIFICANT};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Identifies `discover.json`.
pub const FORMAT: &str = "xuhui-sim.discover.v1";

/// `discover.json`: the first box's trajectory at the top level (as the
/// issue's contract has it), every box in `boxes`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub format: String,
    /// Where the points came from (a result-set folder or a CSV file).
    pub origin: String,
    /// What a case of interest is.
    pub cases_are: String,
    pub points: usize,
    pub cases: usize,
    /// cases / points: the density of the whole data.
    pub base_density: f64,
    pub settings: SettingsJson,
    pub inputs: Vec<InputJson>,
    /// Columns left out, and why.
    pub skipped: Vec<String>,
    pub trajectory: Vec<BoxJson>,
    pub selected: usize,
    pub sentence: String,
    pub boxes: Vec<FoundJson>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SettingsJson {
    pub peel_alpha: f64,
    pub paste_alpha: f64,
    pub mass_min: f64,
    pub min_coverage: Option<f64>,
    /// Boxes asked for (`boxes` may hold fewer: see the text).
    pub boxes: usize,
    pub resamples: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputJson {
    pub name: String,
    pub label: String,
    pub source: Option<String>,
    pub discrete: bool,
    pub percent: bool,
}

/// One box of a trajectory.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BoxJson {
    pub n: usize,
    pub k: usize,
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    /// Number of restricted inputs.
    pub res_dim: usize,
    /// `start`, `peel` or `paste`.
    pub step: String,
    /// `[lo, hi]` of every input (an unrestricted one: its data min and max).
    pub limits: BTreeMap<String, [f64; 2]>,
    /// Restricted inputs only: quasi-p-values of `[lower, upper]`, null for a free side.
    pub qp: BTreeMap<String, [Option<f64>; 2]>,
}

/// One box found, chosen and judged.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FoundJson {
    pub trajectory: Vec<BoxJson>,
    pub selected: usize,
    pub rule: String,
    /// Points in scope when its search began (all, then those outside earlier boxes).
    pub points_in_scope: usize,
    /// The chosen box with all its limits.
    #[serde(rename = "box")]
    pub chosen: FiguresJson,
    /// The chosen box with its limits of quasi-p < 0.05 only.
    pub significant: FiguresJson,
    pub sentence: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FiguresJson {
    pub n: usize,
    pub k: usize,
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    pub limits: Vec<LimitJson>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LimitJson {
    pub input: String,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Quasi-p-values of the lower and upper limits.
    pub qp: [Option<f64>; 2],
    /// Share of half-sample boxes restricting this input (null without resamples).
    pub stability: Option<f64>,
    /// The limit in words: `series.other_sectors.mean_growth ≤ 3.1 %`.
    pub text: String,
}

/// A value in an input's own units: a percentage, a whole number or a plain number.
pub fn value_text(input: &Input, v: f64) -> String {
    if input.percent {
        format!("{} %", crate::format::number(v * 100.0, 3))
    } else if input.discrete {
        format!("{v:.0}")
    } else {
        crate::format::number(v, 3)
    }
}

/// One limit in words.
pub fn limit_text(input: &Input, limit: &Limit) -> String {
    let name = &input.name;
    match (limit.lower, limit.upper) {
        (Some(lo), Some(hi)) if input.discrete && lo == hi => {
            format!("{name} = {}", value_text(input, lo))
        }
        (Some(lo), Some(hi)) => format!(
            "{} ≤ {name} ≤ {}",
            value_text(input, lo),
            value_text(input, hi)
        ),
        (Some(lo), None) if input.discrete && lo == limit.range[1] => {
            format!("{name} = {}", value_text(input, lo))
        }
        (None, Some(hi)) if input.discrete && hi == limit.range[0] => {
            format!("{name} = {}", value_text(input, hi))
        }
        (Some(lo), None) => format!("{name} ≥ {}", value_text(input, lo)),
        (None, Some(hi)) => format!("{name} ≤ {}", value_text(input, hi)),
        (None, None) => format!("{name} free"),
    }
}

/// The sentence a planner reads for one box.
pub fn sentence(cases: &Cases, discovery: &Discovery, found: &Found) -> String {
    let base = discovery.cases as f64 / discovery.points as f64;
    let pct = |v: f64| format!("{:.0} %", v * 100.0);
    let b = &found.significant;
    let overall = format!("P({}) is {} overall", cases.outcome, pct(base));
    if b.limits.is_empty() {
        return format!(
            "{overall}; no limit of the chosen box passes the quasi-p test (< {SIGNIFICANT}), so no condition on these inputs singles out the cases"
        );
    }
    let conditions: Vec<String> = b
        .limits
        .iter()
        .map(|l| limit_text(&cases.inputs[l.input], l))
        .collect();
    let weaker = found.chosen.limits.len() - b.limits.len();
    let dropped = match weaker {
        0 => String::new(),
        1 => "; 1 weaker limit of the box is left out (see the table)".into(),
        n => format!("; {n} weaker limits of the box are left out (see the table)"),
    };
    let and = if found.points_in_scope < discovery.points {
        format!(
            "; outside the earlier boxes it is {}, and",
            pct(found.trajectory.boxes[0].density)
        )
    } else {
        " and".to_string()
    };
    format!(
        "{overall}{and} {} when {} (covers {} of the cases, {} of all {}){dropped}",
        pct(b.density),
        join_and(&conditions),
        pct(b.coverage),
        pct(b.mass),
        cases.points_are
    )
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// The JSON report of a discovery.
pub fn report(cases: &Cases, discovery: &Discovery) -> Report {
    let names: Vec<&str> = cases.inputs.iter().map(|i| i.name.as_str()).collect();
    let figures = |f: &BoxFigures| FiguresJson {
        n: f.n,
        k: f.k,
        coverage: f.coverage,
        density: f.density,
        mass: f.mass,
        limits: f
            .limits
            .iter()
            .map(|l| LimitJson {
                input: names[l.input].to_string(),
                lower: l.lower,
                upper: l.upper,
                qp: l.qp,
                stability: l.stability.is_finite().then_some(l.stability),
                text: limit_text(&cases.inputs[l.input], l),
            })
            .collect(),
    };
    let boxes: Vec<FoundJson> = discovery
        .boxes
        .iter()
        .map(|found| FoundJson {
            trajectory: found
                .trajectory
                .boxes
                .iter()
                .zip(&found.qp)
                .map(|(b, qp)| BoxJson {
                    n: b.n,
                    k: b.k,
                    coverage: b.coverage,
                    density: b.density,
                    mass: b.mass,
                    res_dim: b.restricted(&found.trajectory.initial).len(),
                    step: format!("{:?}", b.step).to_lowercase(),
                    limits: names
                        .iter()
                        .zip(&b.limits)
                        .map(|(n, l)| (n.to_string(), *l))
                        .collect(),
                    qp: qp
                        .iter()
                        .map(|(j, s)| (names[*j].to_string(), *s))
                        .collect(),
                })
                .collect(),
            selected: found.selected,
            rule: found.rule.clone(),
            points_in_scope: found.points_in_scope,
            chosen: figures(&found.chosen),
            significant: figures(&found.significant),
            sentence: sentence(cases, discovery, found),
        })
        .collect();
    let s = &discovery.settings;
    Report {
        format: FORMAT.into(),
        origin: cases.origin.clone(),
        cases_are: cases.cases_are.clone(),
        points: discovery.points,
        cases: discovery.cases,
        base_density: discovery.cases as f64 / discovery.points as f64,
        settings: SettingsJson {
            peel_alpha: s.options.peel_alpha,
            paste_alpha: s.options.paste_alpha,
            mass_min: s.options.mass_min,
            min_coverage: s.min_coverage,
            boxes: s.boxes,
            resamples: s.resamples,
            seed: s.seed,
        },
        inputs: cases
            .inputs
            .iter()
            .map(|i| InputJson {
                name: i.name.clone(),
                label: i.label.clone(),
                source: i.source.clone(),
                discrete: i.discrete,
                percent: i.percent,
            })
            .collect(),
        skipped: cases.skipped.clone(),
        trajectory: boxes
            .first()
            .map(|b| b.trajectory.clone())
            .unwrap_or_default(),
        selected: boxes.first().map_or(0, |b| b.selected),
        sentence: boxes
            .first()
            .map(|b| b.sentence.clone())
            .unwrap_or_default(),
        boxes,
    }
}

use crate::format::percent;

/// A quasi-p-value as tables show it: `—` for a free side, `< 0.001`, or three decimals.
pub fn qp_text(qp: Option<f64>) -> String {
    match qp {
        None => "—".into(),
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        text.chars().take(chars - 1).collect::<String>() + "…"
    }
}

/// The terminal text: the data, a condensed trajectory, each chosen box
/// with its limits, and the sentence last.
pub fn text(cases: &Cases, discovery: &Discovery, report: &Report) -> String {
    let mut out = String::new();
    let base = discovery.cases as f64 / discovery.points as f64;
    out.push_str(&format!(
        "Scenario discovery (PRIM) on {}: {} {}, {} of them ({}) {}.\n",
        cases.origin,
        discovery.points,
        cases.points_are,
        discovery.cases,
        percent(base),
        cases.cases_are.split_once(' ').map_or("", |(_, rest)| rest)
    ));
    let s = &report.settings;
    out.push_str(&format!(
        "{} inputs; peel {}, paste {}, mass at least {}; stability from {} half samples (seed {}).\n",
        cases.inputs.len(),
        s.peel_alpha,
        s.paste_alpha,
        s.mass_min,
        s.resamples,
        s.seed
    ));
    if !cases.skipped.is_empty() {
        out.push_str(&format!("Left out: {}.\n", cases.skipped.join(", ")));
    }
    if report.boxes.len() < s.boxes {
        out.push_str(&format!(
            "Found {} of the {} boxes asked for: the points outside them hold no case of interest.\n",
            report.boxes.len(),
            s.boxes
        ));
    }
    for (b, found) in report.boxes.iter().enumerate() {
        out.push('\n');
        let boxes = &found.trajectory;
        // Rows where the number of restricted inputs changes, the chosen one and the last.
        let shown: Vec<usize> = (0..boxes.len())
            .filter(|&i| {
                i == 0
                    || i == found.selected
                    || i + 1 == boxes.len()
                    || boxes[i].res_dim != boxes[i - 1].res_dim
                    || boxes[i].step != boxes[i - 1].step
            })
            .collect();
        out.push_str(&format!(
            "Box {}: trajectory of {} boxes (rows where the restricted inputs change; all in --json):\n",
            b + 1,
            boxes.len()
        ));
        let rows: Vec<Vec<String>> = shown
            .iter()
            .map(|&i| {
                let t = &boxes[i];
                vec![
                    format!("{}{i}", if i == found.selected { "▶ " } else { "  " }),
                    t.step.clone(),
                    percent(t.coverage),
                    percent(t.density),
                    percent(t.mass),
                    t.res_dim.to_string(),
                ]
            })
            .collect();
        out.push_str(&crate::format::aligned(
            &["box", "step", "coverage", "density", "mass", "restricted"],
            &rows,
        ));
        let c = &found.chosen;
        out.push_str(&format!(
            "\nBox {} = box {} of the trajectory ({}): density {}, coverage {}, mass {} ({} {}, {} cases)\n",
            b + 1,
            found.selected,
            found.rule,
            percent(c.density),
            percent(c.coverage),
            percent(c.mass),
            c.n,
            cases.points_are,
            c.k
        ));
        let rows: Vec<Vec<String>> = c
            .limits
            .iter()
            .map(|l| {
                let input = cases.inputs.iter().find(|i| i.name == l.input);
                vec![
                    l.text.clone(),
                    format!("{} / {}", qp_text(l.qp[0]), qp_text(l.qp[1])),
                    l.stability
                        .map_or("—".into(), |s| format!("{:.0} %", s * 100.0)),
                    kept_sides(l, &found.significant.limits).into(),
                    shorten(
                        &match input {
                            Some(Input {
                                label,
                                source: Some(source),
                                ..
                            }) => format!("{label} — {source}"),
                            Some(input) => input.label.clone(),
                            None => l.input.clone(),
                        },
                        70,
                    ),
                ]
            })
            .collect();
        out.push_str(&crate::format::aligned(
            &[
                "limit",
                "quasi-p (lower / upper)",
                "stability",
                "kept",
                "what it is",
            ],
            &rows,
        ));
        if found.significant.limits.len() != c.limits.len() {
            let s = &found.significant;
            out.push_str(&format!(
                "With only the kept limits (quasi-p < {SIGNIFICANT}): density {}, coverage {}, mass {}.\n",
                percent(s.density),
                percent(s.coverage),
                percent(s.mass)
            ));
        }
        out.push_str(&format!("\nIn a sentence: {}.\n", found.sentence));
    }
    out
}

/// Which sides of a chosen limit the kept box keeps: `yes`, `no`, `lower
/// only` or `upper only`.
pub fn kept_sides(limit: &LimitJson, kept: &[LimitJson]) -> &'static str {
    let Some(k) = kept.iter().find(|k| k.input == limit.input) else {
        return "no";
    };
    match (
        limit.lower.is_some(),
        limit.upper.is_some(),
        k.lower.is_some(),
        k.upper.is_some(),
    ) {
        (true, true, true, false) => "lower only",
        (true, true, false, true) => "upper only",
        _ => "yes",
    }
}

/// `trajectory.csv`: every box of every trajectory.
pub fn trajectory_csv(report: &Report) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| e.to_string();
    w.write_record([
        "box",
        "index",
        "step",
        "selected",
        "n",
        "k",
        "coverage",
        "density",
        "mass",
        "res_dim",
        "restricted",
    ])
    .map_err(fail)?;
    for (b, found) in report.boxes.iter().enumerate() {
        for (i, t) in found.trajectory.iter().enumerate() {
            let restricted: Vec<&str> = t.qp.keys().map(String::as_str).collect();
            w.write_record([
                (b + 1).to_string(),
                i.to_string(),
                t.step.clone(),
                (i == found.selected).to_string(),
                t.n.to_string(),
                t.k.to_string(),
                t.coverage.to_string(),
                t.density.to_string(),
                t.mass.to_string(),
                t.res_dim.to_string(),
                restricted.join(";"),
            ])
            .map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// `box.csv`: the limits of each chosen box, with labels and sources.
pub fn box_csv(report: &Report) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| e.to_string();
    w.write_record([
        "box",
        "input",
        "lower",
        "upper",
        "qp_lower",
        "qp_upper",
        "stability",
        "kept",
        "label",
        "source",
    ])
    .map_err(fail)?;
    let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (b, found) in report.boxes.iter().enumerate() {
        for l in &found.chosen.limits {
            let input = report.inputs.iter().find(|i| i.name == l.input);
            let kept = kept_sides(l, &found.significant.limits);
            w.write_record([
                (b + 1).to_string(),
                l.input.clone(),
                cell(l.lower),
                cell(l.upper),
                cell(l.qp[0]),
                cell(l.qp[1]),
                cell(l.stability),
                kept.to_string(),
                input.map(|i| i.label.clone()).unwrap_or_default(),
                input.and_then(|i| i.source.clone()).unwrap_or_default(),
            ])
            .map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| e.to_string())
}
