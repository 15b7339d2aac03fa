//! The scenario-discovery report: for each box PRIM found, the sentence,
//! the trade-off of coverage against density along its trajectory, the
//! chosen box's limits as a chart and a table. Made from `discover.json`.

use super::charts::{self, BoxBar, TradeoffPoint};
use super::html::{self, escape};
use super::i18n::{labels, Lang};
use crate::discover::render::{FoundJson, Report};

/// The trade-off chart of box `b` (0-based) as SVG.
pub fn tradeoff_svg(report: &Report, b: usize) -> Result<String, String> {
    let found = found(report, b)?;
    let points: Vec<TradeoffPoint> = found
        .trajectory
        .iter()
        .enumerate()
        .map(|(i, t)| TradeoffPoint {
            coverage: t.coverage,
            density: t.density,
            restricted: t.res_dim,
            selected: i == found.selected,
        })
        .collect();
    charts::tradeoff(
        &format!(
            "Box {}: coverage against density, box {} ringed",
            b + 1,
            found.selected
        ),
        &points,
    )
}

/// The chart of box `b`'s limits (0-based) as SVG.
pub fn box_svg(report: &Report, b: usize) -> Result<String, String> {
    let found = found(report, b)?;
    let (Some(chosen), Some(start)) = (
        found.trajectory.get(found.selected),
        found.trajectory.first(),
    ) else {
        return Err("the discovery's trajectory does not hold its chosen box".into());
    };
    let bars: Vec<BoxBar> = found
        .chosen
        .limits
        .iter()
        .map(|l| {
            let [lo, hi] = start.limits.get(&l.input).copied().unwrap_or([0.0, 1.0]);
            let [box_lo, box_hi] = chosen.limits.get(&l.input).copied().unwrap_or([lo, hi]);
            let share = |v: f64| {
                if hi > lo {
                    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
                } else {
                    0.5
                }
            };
            let input = report.inputs.iter().find(|i| i.name == l.input);
            let show = |v: f64| match input {
                Some(i) if i.percent => format!("{:.1}%", v * 100.0),
                Some(i) if i.discrete => format!("{v:.0}"),
                _ => crate::format::number(v, 3),
            };
            BoxBar {
                label: l.input.clone(),
                lower: share(box_lo),
                upper: share(box_hi),
                lower_text: show(box_lo),
                upper_text: show(box_hi),
                kept: crate::discover::render::kept_sides(l, &found.significant.limits) != "no",
            }
        })
        .collect();
    charts::box_limits(
        &format!(
            "Box {}: the part of each restricted input's range it keeps (grey: quasi-p ≥ 0.05)",
            b + 1
        ),
        &bars,
    )
}

fn found(report: &Report, b: usize) -> Result<&FoundJson, String> {
    report.boxes.get(b).ok_or_else(|| {
        format!(
            "the discovery has {} boxes, not {}",
            report.boxes.len(),
            b + 1
        )
    })
}

use crate::discover::render::qp_text;
use crate::format::percent;

/// A quasi-p-value for HTML.
fn qp(v: Option<f64>) -> String {
    escape(&qp_text(v))
}

/// The whole page.
pub fn discover_report(report: &Report, lang: Lang) -> String {
    let l = labels(lang);
    let mut body = format!(
        "<h1>Scenario discovery (PRIM)</h1>\n<p class=\"run\">{} · {} points, {} cases of interest ({}): {}</p>\n",
        escape(&report.origin),
        report.points,
        report.cases,
        percent(report.base_density),
        escape(&report.cases_are)
    );
    let s = &report.settings;
    body.push_str(&format!(
        "<p class=\"note\">peel {} · paste {} · mass at least {} · stability from {} half samples (seed {})</p>\n",
        s.peel_alpha, s.paste_alpha, s.mass_min, s.resamples, s.seed
    ));
    for (b, found) in report.boxes.iter().enumerate() {
        body.push_str(&format!(
            "<h2>Box {}</h2>\n<p><strong>{}.</strong></p>\n<p class=\"note\">Box {} of the trajectory: {}.</p>\n",
            b + 1,
            escape(&found.sentence),
            found.selected,
            escape(&found.rule)
        ));
        body.push_str("<div class=\"grid\">\n");
        body.push_str(&html::chart(tradeoff_svg(report, b)));
        body.push_str(&html::chart(box_svg(report, b)));
        body.push_str("</div>\n");
        let rows: Vec<Vec<String>> = found
            .chosen
            .limits
            .iter()
            .map(|limit| {
                let input = report.inputs.iter().find(|i| i.name == limit.input);
                let kept = crate::discover::render::kept_sides(limit, &found.significant.limits);
                vec![
                    escape(&limit.text),
                    format!("{} / {}", qp(limit.qp[0]), qp(limit.qp[1])),
                    limit
                        .stability
                        .map_or("—".into(), |s| format!("{:.0} %", s * 100.0)),
                    kept.into(),
                    escape(&input.map(|i| i.label.clone()).unwrap_or_default()),
                    escape(&input.and_then(|i| i.source.clone()).unwrap_or_default()),
                ]
            })
            .collect();
        body.push_str(&html::table(
            &[
                "limit",
                "quasi-p (lower / upper)",
                "stability",
                "kept",
                "input",
                "source",
            ],
            &rows,
            &[false, true, true, false, false, false],
        ));
        let c = &found.chosen;
        body.push_str(&format!(
            "<p class=\"note\">All limits: density {}, coverage {}, mass {} ({} points, {} cases). Only the kept ones: density {}, coverage {}, mass {}.</p>\n",
            percent(c.density),
            percent(c.coverage),
            percent(c.mass),
            c.n,
            c.k,
            percent(found.significant.density),
            percent(found.significant.coverage),
            percent(found.significant.mass)
        ));
    }
    html::page(l, "Scenario discovery", &body)
}
