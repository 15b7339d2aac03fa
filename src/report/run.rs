//! The report of one result set: story, targets, charts, metrics, inputs.

use super::charts::{self, Fan, FanYear, Whisker};
use super::html::{self, escape};
use super::i18n::{labels, Labels, Lang};
use crate::format::{number, percent};
use crate::output::paths::{column_name, read_column};
use crate::output::table::threshold_text;
use crate::scenario::{Scenario, SourceKind};
use crate::summary::{MetricSummary, Summary};
use std::path::Path;

/// Points of an empirical CDF drawn in a chart.
const CDF_POINTS: usize = 200;

/// The report of a run as one self-contained HTML page. `paths_file` (the
/// set's `paths.parquet`), when given, draws exact empirical distributions.
pub fn run_report(
    summary: &Summary,
    scenario: &Scenario,
    paths_file: Option<&Path>,
    lang: Lang,
) -> String {
    let l = labels(lang);
    let mut body = String::new();
    body.push_str(&format!("<h1>{}</h1>\n", escape(&summary.scenario.title)));
    body.push_str(&format!(
        "<p class=\"run\">{}: {} · {} {} · {} {} · {} {} · {:.2} {} · {} {}</p>\n",
        escape(l.report),
        escape(&summary.scenario.name),
        summary.run.paths,
        l.paths,
        l.seed,
        summary.run.seed,
        l.threads,
        summary.run.threads,
        summary.run.seconds,
        l.seconds,
        l.version,
        escape(&summary.run.version)
    ));
    if !scenario.description.trim().is_empty() {
        body.push_str(&format!(
            "<div class=\"story\">{}</div>\n",
            escape(scenario.description.trim())
        ));
    }
    body.push_str(&targets_section(summary, l));
    body.push_str(&fans_section(summary, scenario, l));
    body.push_str(&distributions_section(summary, paths_file, l));
    body.push_str(&metrics_section(summary, l));
    body.push_str(&inputs_section(scenario, l));
    body.push_str(&format!("<footer>{}</footer>\n", escape(l.generated)));
    html::page(
        l,
        &format!("{} — {}", summary.scenario.title, l.report),
        &body,
    )
}

fn targets_section(summary: &Summary, l: &Labels) -> String {
    let mut out = format!("<h2>{}</h2>\n", escape(l.targets));
    let rows: Vec<Vec<String>> = summary
        .targets
        .iter()
        .map(|t| {
            vec![
                escape(&t.label),
                t.year.to_string(),
                escape(&threshold_text(t)),
                percent(t.probability),
                format!("{} – {}", percent(t.ci95[0]), percent(t.ci95[1])),
                t.expected_shortfall
                    .map(|v| number(v, 3))
                    .unwrap_or_else(|| "–".into()),
                format!(
                    "{} <span class=\"note\">{}</span>",
                    html::source_kind(t.source_kind, l),
                    escape(&t.source)
                ),
            ]
        })
        .collect();
    out.push_str(&html::table(
        &[
            l.target,
            l.year,
            l.threshold,
            l.probability,
            l.interval,
            l.shortfall,
            l.source,
        ],
        &rows,
        &[false, true, true, true, true, true, false],
    ));
    for joint in &summary.all_targets {
        out.push_str(&format!(
            "<p>{} ({}, {}): <b>{}</b> ({} – {})</p>\n",
            escape(l.all_met),
            joint.year,
            joint.targets.len(),
            percent(joint.probability),
            percent(joint.ci95[0]),
            percent(joint.ci95[1])
        ));
    }
    out.push_str(&targets_met_section(summary, l));
    if summary.diagnostics.clamped_draws > 0 {
        out.push_str(&format!(
            "<p class=\"note\">{}: {}</p>\n",
            escape(l.clamped),
            summary.diagnostics.clamped_draws
        ));
    }
    let whiskers: Vec<Whisker> = summary
        .targets
        .iter()
        .map(|t| Whisker {
            label: t.label.clone(),
            value: t.probability,
            low: t.ci95[0],
            high: t.ci95[1],
        })
        .collect();
    if !whiskers.is_empty() {
        out.push_str(&html::chart(charts::whiskers(
            l.probability_chart,
            &whiskers,
            0.0,
            1.0,
        )));
    }
    out
}

/// The fan of `metric` from the summary, if it has that metric.
pub(crate) fn fan_of(
    summary: &Summary,
    metric: &str,
    title: &str,
    base: Option<(i32, f64)>,
) -> Option<Fan> {
    let rows: Vec<&MetricSummary> = summary
        .metrics
        .iter()
        .filter(|m| m.metric == metric)
        .collect();
    let first = rows.first()?;
    Some(Fan {
        title: title.to_string(),
        unit: if first.unit == "ratio" {
            String::new()
        } else {
            first.unit.clone()
        },
        years: rows
            .iter()
            .map(|m| {
                let q = &m.quantiles;
                FanYear {
                    year: m.year,
                    q: [q.p5, q.p10, q.p25, q.p50, q.p75, q.p90, q.p95],
                }
            })
            .collect(),
        base,
        targets: summary
            .targets
            .iter()
            .filter(|t| t.metric == metric)
            .map(|t| (t.year, t.bound.threshold()))
            .collect(),
        percent: first.unit == "ratio",
    })
}

fn fans_section(summary: &Summary, scenario: &Scenario, l: &Labels) -> String {
    let mut out = format!(
        "<h2>{}</h2>\n<p class=\"note\">{}</p>\n",
        escape(l.fans),
        escape(l.fan_note)
    );
    let mut fans = Vec::new();
    // The observed base-year growth of `[gdp] growth_base` is the fan's first point.
    let gdp = scenario.gdp.as_ref();
    let gdp_growth_base = gdp
        .and_then(|g| g.growth_base.as_ref())
        .map(|p| (scenario.base_year, p.dist.mean()));
    fans.extend(fan_of(summary, "gdp.growth", l.gdp_growth, gdp_growth_base));
    let gdp_base = gdp
        .and_then(|g| g.base.as_ref())
        .map(|p| (scenario.base_year, p.dist.mean()));
    fans.extend(fan_of(summary, "gdp.level", l.gdp_level, gdp_base));
    for series in &scenario.series {
        let base_year = scenario.base_year;
        let growth_base = series
            .growth_base
            .as_ref()
            .map(|p| (base_year, p.dist.mean()));
        fans.extend(fan_of(
            summary,
            &format!("{}.growth", series.name),
            &format!("{} — {}", series.label, l.growth_of),
            growth_base,
        ));
        fans.extend(fan_of(
            summary,
            &format!("{}.level", series.name),
            &format!("{} — {}", series.label, l.level_of),
            Some((base_year, series.base.dist.mean())),
        ));
    }
    out.push_str("<div class=\"grid\">\n");
    for fan in &fans {
        out.push_str(&html::chart(charts::fan(fan, None, l)));
    }
    out.push_str("</div>\n");
    out
}

/// (x, share ≤ x) points of a metric's distribution: from the per-path values
/// when there are any, else from the summary's quantiles.
pub(crate) fn cdf_points(metric: &MetricSummary, paths_file: Option<&Path>) -> Vec<(f64, f64)> {
    if let Some(mut values) =
        paths_file.and_then(|f| read_column(f, &column_name(&metric.metric, metric.year)).ok())
    {
        if !values.is_empty() {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            let step = (n / CDF_POINTS).max(1);
            let mut points: Vec<(f64, f64)> = (0..n)
                .step_by(step)
                .map(|i| (values[i], (i + 1) as f64 / n as f64))
                .collect();
            points.push((values[n - 1], 1.0));
            return points;
        }
    }
    let q = &metric.quantiles;
    vec![
        (metric.min, 0.0),
        (q.p1, 0.01),
        (q.p5, 0.05),
        (q.p10, 0.10),
        (q.p25, 0.25),
        (q.p50, 0.50),
        (q.p75, 0.75),
        (q.p90, 0.90),
        (q.p95, 0.95),
        (q.p99, 0.99),
        (metric.max, 1.0),
    ]
}

fn distributions_section(summary: &Summary, paths_file: Option<&Path>, l: &Labels) -> String {
    let mut out = format!(
        "<h2>{}</h2>\n<div class=\"grid\">\n",
        escape(l.distributions)
    );
    for t in &summary.targets {
        let Some(metric) = summary
            .metrics
            .iter()
            .find(|m| m.metric == t.metric && m.year == t.year)
        else {
            continue;
        };
        let curve = vec![(t.label.clone(), cdf_points(metric, paths_file))];
        let threshold = t.bound.threshold();
        out.push_str(&html::chart(charts::cdf(
            &t.label,
            &curve,
            threshold,
            metric.unit == "ratio",
            l,
        )));
    }
    out.push_str("</div>\n");
    out
}

/// The count of targets met per year and group: expected number, P(at least
/// k) near the top, P(all) with its Monte Carlo interval, and whether the
/// deliveries behind them are independent or tied by `[execution]`.
fn targets_met_section(summary: &Summary, l: &Labels) -> String {
    if summary.targets_met.is_empty() {
        return String::new();
    }
    let mut out = format!("<h3>{}</h3>\n", escape(l.met_heading));
    let rows: Vec<Vec<String>> = summary
        .targets_met
        .iter()
        .map(|m| {
            let at_least = |k: usize| {
                m.at_least
                    .get(k)
                    .map(|p| format!("≥ {k}: {}", percent(*p)))
                    .unwrap_or_default()
            };
            let near_top: Vec<String> = (m.targets.saturating_sub(2).max(1)..m.targets)
                .map(at_least)
                .collect();
            vec![
                m.year.to_string(),
                escape(if m.group == "seed" {
                    l.met_group_seed
                } else {
                    l.met_group_all
                }),
                m.targets.to_string(),
                format!("{:.1} ± {:.2}", m.expected, 1.96 * m.expected_se),
                near_top.join("<br>"),
                format!(
                    "{} ({} – {})",
                    percent(m.all_met),
                    percent(m.all_met_ci95[0]),
                    percent(m.all_met_ci95[1])
                ),
                escape(match m.deliveries.as_str() {
                    "execution" => l.deliveries_tied,
                    "partly execution" => l.deliveries_partly,
                    "none" => "—",
                    _ => l.deliveries_independent,
                }),
            ]
        })
        .collect();
    out.push_str(&html::table(
        &[
            l.year,
            l.met_group,
            l.met_count,
            l.met_expected,
            l.met_at_least,
            l.met_all,
            l.met_deliveries,
        ],
        &rows,
        &[true, false, true, true, true, true, false],
    ));
    out
}

fn metrics_section(summary: &Summary, l: &Labels) -> String {
    let mut out = format!("<h2>{}</h2>\n", escape(l.metrics));
    let rows: Vec<Vec<String>> = summary
        .metrics
        .iter()
        .map(|m| {
            let q = &m.quantiles;
            vec![
                escape(&m.metric),
                m.year.to_string(),
                escape(&super::i18n::unit_text(&m.unit, l)),
                number(m.mean, 5),
                number(m.sd, 3),
                number(q.p5, 4),
                number(q.p50, 4),
                number(q.p95, 4),
            ]
        })
        .collect();
    out.push_str(&html::table(
        &[l.metric, l.year, l.unit, l.mean, l.sd, "p5", "p50", "p95"],
        &rows,
        &[false, true, false, true, true, true, true, true],
    ));
    out
}

fn inputs_section(scenario: &Scenario, l: &Labels) -> String {
    let mut out = format!(
        "<h2>{}</h2>\n<p class=\"note\">{}</p>\n",
        escape(l.inputs),
        escape(l.inputs_note)
    );
    let params = scenario.all_parameters();
    for (kind, title) in [
        (SourceKind::Seed, l.from_article),
        (SourceKind::Assumption, l.assumptions),
    ] {
        let rows: Vec<Vec<String>> = params
            .iter()
            .filter(|p| p.source_kind() == kind && p.source.as_deref() != Some("default"))
            .map(|p| {
                vec![
                    escape(&p.key),
                    escape(&p.dist.describe()),
                    escape(p.source.as_deref().unwrap_or("—")),
                ]
            })
            .collect();
        out.push_str(&format!("<h3>{} ({})</h3>\n", escape(title), rows.len()));
        out.push_str(&html::table(
            &[l.key, l.value, l.source],
            &rows,
            &[false, false, false],
        ));
    }
    out
}
