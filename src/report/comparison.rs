//! The comparison report: each target's change with its interval, overlaid
//! distributions of the target outcomes and overlaid fans.

use super::charts::{self, Whisker};
use super::html::{self, escape};
use super::i18n::{labels, Lang};
use super::run::{cdf_points, fan_of};
use crate::compare::{Comparison, Method, ResultSet, Verdict};
use crate::format::{percent, points, points_interval};

/// The comparison of `base` with `others` as one self-contained HTML page.
pub fn comparison_report(
    comparison: &Comparison,
    base: &ResultSet,
    others: &[ResultSet],
    lang: Lang,
) -> String {
    let l = labels(lang);
    let mut body = format!(
        "<h1>{}: {}</h1>\n",
        escape(l.comparison_report),
        escape(&comparison.base.title)
    );
    for (set, other) in comparison.others.iter().zip(others) {
        body.push_str(&format!(
            "<h2>{} ↔ {}</h2>\n",
            escape(&set.set.title),
            escape(&comparison.base.title)
        ));
        let method = match set.method {
            Method::Paired => l.paired.to_string(),
            Method::Independent => format!(
                "{} ({})",
                l.independent,
                set.pairing_note.clone().unwrap_or_default()
            ),
        };
        body.push_str(&format!(
            "<p class=\"run\">{method} · {} {} · {} {}</p>\n",
            set.set.paths, l.paths, l.seed, set.set.seed
        ));
        let rows: Vec<Vec<String>> = set
            .targets
            .iter()
            .map(|t| {
                let (class, verdict) = match t.verdict {
                    Verdict::Better => ("better", l.better),
                    Verdict::Worse => ("worse", l.worse),
                    Verdict::NoSignificantChange => ("", l.unchanged),
                };
                vec![
                    escape(&t.label),
                    percent(t.base_probability),
                    percent(t.other_probability),
                    points(t.difference),
                    points_interval(t.ci95),
                    format!("<span class=\"{class}\">{}</span>", escape(verdict)),
                ]
            })
            .collect();
        body.push_str(&html::table(
            &[l.target, l.base, l.other, l.change, l.interval, l.verdict],
            &rows,
            &[false, true, true, true, true, false],
        ));
        let largest = set
            .targets
            .iter()
            .map(|t| t.ci95[0].abs().max(t.ci95[1].abs()))
            .fold(0.01, f64::max);
        let whiskers: Vec<Whisker> = set
            .targets
            .iter()
            .map(|t| Whisker {
                label: t.label.clone(),
                value: t.difference,
                low: t.ci95[0],
                high: t.ci95[1],
            })
            .collect();
        if !whiskers.is_empty() {
            body.push_str(&html::chart(charts::whiskers(
                l.changes_chart,
                &whiskers,
                -largest * 1.1,
                largest * 1.1,
            )));
        }
        body.push_str(&format!(
            "<h3>{}</h3>\n<div class=\"grid\">\n",
            escape(l.distributions)
        ));
        for t in &set.targets {
            let find = |s: &ResultSet| {
                s.summary
                    .metrics
                    .iter()
                    .find(|m| m.metric == t.metric && m.year == t.year)
                    .cloned()
            };
            let (Some(b), Some(o)) = (find(base), find(other)) else {
                continue;
            };
            let curves = vec![
                (
                    comparison.base.name.clone(),
                    cdf_points(&b, base.paths_file().as_deref()),
                ),
                (
                    set.set.name.clone(),
                    cdf_points(&o, other.paths_file().as_deref()),
                ),
            ];
            let threshold = base
                .summary
                .targets
                .iter()
                .find(|x| x.name == t.name)
                .map(|x| x.bound.threshold())
                .unwrap_or(f64::NAN);
            body.push_str(&html::chart(charts::cdf(
                &t.label,
                &curves,
                threshold,
                b.unit == "ratio",
                l,
            )));
        }
        body.push_str(&format!(
            "</div>\n<h3>{}</h3>\n<div class=\"grid\">\n",
            escape(l.fans)
        ));
        let mut metrics: Vec<&str> = base
            .summary
            .metrics
            .iter()
            .map(|m| m.metric.as_str())
            .collect();
        metrics.dedup();
        for metric in metrics
            .into_iter()
            .filter(|m| m.ends_with(".level") || *m == "gdp.growth")
        {
            let (Some(b), Some(mut o)) = (
                fan_of(&base.summary, metric, metric, None),
                fan_of(&other.summary, metric, metric, None),
            ) else {
                continue;
            };
            let moved = b.years.iter().zip(&o.years).any(|(x, y)| x.q != y.q);
            if !moved {
                continue;
            }
            o.title = set.set.name.clone();
            body.push_str(&html::chart(charts::fan(&b, Some(&o), l)));
        }
        body.push_str("</div>\n");
    }
    body.push_str(&format!("<footer>{}</footer>\n", escape(l.generated)));
    html::page(
        l,
        &format!("{} — {}", l.comparison_report, comparison.base.title),
        &body,
    )
}
