//! `xuhui-sim describe [SCENARIO]`: what a scenario holds (its run settings,
//! series, GDP and prices, regime, programmes, targets, the metrics a run
//! reports, and every uncertain input with its `--set` key and its source), as
//! aligned text, as JSON (`--json`) or as the scenario's TOML (`--toml`).
//! Nothing is run.

use super::{print_bytes, DescribeArgs, Error};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;
use xuhui_sim::dist::Dist;
use xuhui_sim::model::metrics::{catalogue, MetricDef, RATIO};
use xuhui_sim::output::table::terminal_safe;
use xuhui_sim::scenario::{self, Bound, Marginal, Param, Scenario, SourceKind};

/// Runs the command.
pub fn describe(args: &DescribeArgs) -> Result<(), Error> {
    let options = scenario::LoadOptions::default();
    let loaded = match &args.scenario {
        Some(path) => scenario::load_file_with(path, &args.sets, options),
        None => scenario::load_embedded_baseline_with(&args.sets, options),
    };
    let s = loaded?;
    if args.toml {
        // The embedded baseline as shipped, comments and all; anything else
        // (a file, or the baseline with --set) in its resolved form.
        let text = if args.scenario.is_none() && args.sets.is_empty() {
            scenario::EMBEDDED_BASELINE.to_string()
        } else if s.resolved_toml.ends_with('\n') {
            s.resolved_toml.clone()
        } else {
            format!("{}\n", s.resolved_toml)
        };
        return print_bytes(text.as_bytes());
    }
    let metrics = catalogue(&s);
    if args.json {
        let json = serde_json::to_string_pretty(&description(&s, &metrics))
            .map_err(|e| Error::Failure(format!("cannot write the description as JSON: {e}")))?;
        return print_bytes(format!("{json}\n").as_bytes());
    }
    print_bytes(render_text(&s, &metrics).as_bytes())
}

// ---- shared wording -----------------------------------------------------------

/// A parameter's source as written, or what its absence means.
fn source_text(source: Option<&str>) -> String {
    match source.map(str::trim) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "assumption (no source given)".to_string(),
    }
}

/// The unit a metric is reported in ("" when the scenario has no such metric).
fn unit_of(metrics: &[MetricDef], metric: &str) -> String {
    metrics
        .iter()
        .find(|m| m.name == metric)
        .map(|m| m.unit.clone())
        .unwrap_or_default()
}

/// A number as the scenario file writes it (`780`, `0.055`), as `Dist::describe` does.
fn number(v: f64) -> String {
    format!("{v}")
}

/// A ratio as a percentage, rounded to hide binary noise (`0.07` → `7`).
fn percent(v: f64) -> String {
    let text = format!("{:.4}", v * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A threshold: `at_least 233 万平方米`, `at_least 0.05 (5 %)`.
fn threshold_text(bound: &Bound, unit: &str) -> String {
    let (side, value) = (bound.key(), bound.threshold());
    if unit == RATIO {
        format!("{side} {} ({} %)", number(value), percent(value))
    } else if unit.is_empty() {
        format!("{side} {}", number(value))
    } else {
        format!("{side} {} {unit}", number(value))
    }
}

/// How a series' yearly shocks are drawn (docs/model.md, "Series"): the marginal applies to
/// every series; the copula only to those listed in `[correlation]`.
fn shocks_text(s: &Scenario, series: &str) -> String {
    match &s.correlation {
        None => "normal, independent".to_string(),
        Some(c) => {
            let marginal = match c.marginal {
                Marginal::Normal => "normal".to_string(),
                Marginal::StudentT { df } => format!("student_t(df {}), unit variance", number(df)),
            };
            if c.series.iter().any(|n| n == series) {
                format!("{marginal}, correlated (see Correlation)")
            } else {
                format!("{marginal}, independent")
            }
        }
    }
}

fn years_text(m: &MetricDef) -> String {
    let (first, last) = (*m.years.start(), *m.years.end());
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

// ---- text -----------------------------------------------------------------------

/// A user's string made safe to print on a terminal.
fn safe(s: &str) -> String {
    terminal_safe(s).into_owned()
}

fn pad(text: &str, width: usize) -> String {
    let shown = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

fn heading(out: &mut String, title: &str) {
    out.push('\n');
    push_line(out, &safe(title));
}

/// `key  value` lines with the values aligned; a value's further lines (after
/// a newline) are indented under its first.
fn fields(out: &mut String, indent: usize, rows: &[(&str, String)]) {
    let width = rows
        .iter()
        .map(|(key, _)| UnicodeWidthStr::width(*key))
        .max()
        .unwrap_or(0);
    let margin = " ".repeat(indent);
    for (key, value) in rows {
        let mut lines = value.split('\n');
        let first = lines.next().unwrap_or("");
        push_line(
            out,
            &format!("{margin}{}  {}", pad(key, width), safe(first)),
        );
        for line in lines {
            push_line(
                out,
                &format!("{margin}{}  {}", " ".repeat(width), safe(line)),
            );
        }
    }
}

/// An aligned table under a header (the compare and study tables' layout,
/// terminal-safe), indented by two spaces.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    for line in xuhui_sim::compare::render::table::aligned(header, rows).lines() {
        push_line(out, &format!("  {line}"));
    }
}

/// `name — label`, or the name alone when the label is the name.
fn named(name: &str, label: &str) -> String {
    if label.is_empty() || label == name {
        name.to_string()
    } else {
        format!("{name} — {label}")
    }
}

/// A parameter with its source: the article's quote in full, otherwise only
/// that it is an assumption (the reasons of the uncertain ones are listed
/// under "Uncertain inputs").
fn param_text(p: &Param, unit: &str) -> String {
    let value = match (&p.dist, unit.is_empty()) {
        (Dist::Fixed { value }, false) => format!("{} {unit}", number(*value)),
        (Dist::Fixed { value }, true) => number(*value),
        (dist, false) => format!("{}, in {unit}", dist.describe()),
        (dist, true) => dist.describe(),
    };
    let note = match (p.source_kind(), p.source.as_deref()) {
        (SourceKind::Seed, source) => source_text(source),
        (SourceKind::Assumption, Some("default")) => "default".to_string(),
        (SourceKind::Assumption, _) if p.is_random() => {
            "assumption; see Uncertain inputs".to_string()
        }
        (SourceKind::Assumption, _) => "assumption".to_string(),
    };
    format!("{value}  ({note})")
}

fn render_text(s: &Scenario, metrics: &[MetricDef]) -> String {
    let mut out = String::new();
    let about = s.description.trim();
    fields(
        &mut out,
        0,
        &[
            ("name", s.name.clone()),
            ("title", s.title.clone()),
            (
                "description",
                if about.is_empty() {
                    "—".to_string()
                } else {
                    about.to_string()
                },
            ),
            ("base year", s.base_year.to_string()),
            ("end year", s.end_year.to_string()),
            (
                "run",
                format!(
                    "{} paths, seed {}, sampling {}",
                    s.run.paths, s.run.seed, s.run.sampling
                ),
            ),
        ],
    );

    heading(&mut out, &format!("Series ({})", s.series.len()));
    for x in &s.series {
        out.push('\n');
        push_line(&mut out, &format!("  {}", safe(&named(&x.name, &x.label))));
        let mut rows: Vec<(&str, String)> = vec![("base level", param_text(&x.base, &x.unit))];
        if let Some(g) = &x.growth_base {
            rows.push(("base-year growth", param_text(g, "")));
        }
        rows.push(("mean growth", param_text(&x.mean_growth, "")));
        rows.push(("persistence", param_text(&x.persistence, "")));
        rows.push(("volatility", param_text(&x.volatility, "")));
        rows.push(("shocks", shocks_text(s, &x.name)));
        if let Some(share) = x.gdp_share {
            rows.push(("gdp share", number(share)));
        }
        if !x.links.is_empty() {
            let links: Vec<String> = x
                .links
                .iter()
                .map(|l| match l.around {
                    Some(around) => format!(
                        "{} {} per point of its growth above {}",
                        l.to,
                        param_text(&l.elasticity, ""),
                        number(around)
                    ),
                    None => format!(
                        "{} {} per point of its surprise",
                        l.to,
                        param_text(&l.elasticity, "")
                    ),
                })
                .collect();
            rows.push(("links", links.join("\n")));
        }
        fields(&mut out, 4, &rows);
    }

    if let Some(c) = &s.correlation {
        heading(
            &mut out,
            "Correlation (of the yearly shocks, Gaussian copula)",
        );
        let width = c
            .matrix
            .iter()
            .flatten()
            .map(|v| number(*v).len())
            .max()
            .unwrap_or(0);
        let matrix: Vec<String> = c
            .matrix
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| format!("{:>width$}", number(*v)))
                    .collect::<Vec<_>>()
                    .join("  ")
            })
            .collect();
        let marginal = match c.marginal {
            Marginal::Normal => "normal".to_string(),
            Marginal::StudentT { df } => format!("student_t(df {})", number(df)),
        };
        fields(
            &mut out,
            2,
            &[
                ("series", c.series.join("\n")),
                ("matrix", matrix.join("\n")),
                ("marginal", marginal),
            ],
        );
    }

    let shares: Vec<(&str, f64)> = s
        .series
        .iter()
        .filter_map(|x| x.gdp_share.map(|share| (x.name.as_str(), share)))
        .collect();
    if !shares.is_empty() || s.inflation.is_some() {
        heading(&mut out, "GDP and prices");
        let mut rows: Vec<(&str, String)> = Vec::new();
        if shares.is_empty() {
            rows.push(("gdp", "none (no series has a gdp_share)".to_string()));
        } else {
            let width = shares
                .iter()
                .map(|(name, _)| UnicodeWidthStr::width(*name))
                .max()
                .unwrap_or(0);
            let lines: Vec<String> = shares
                .iter()
                .map(|(name, share)| format!("{}  {}", pad(name, width), number(*share)))
                .collect();
            rows.push(("gdp shares", lines.join("\n")));
        }
        if let Some(g) = &s.gdp {
            if let Some(base) = &g.base {
                rows.push((
                    "gdp base",
                    format!("{} (gdp.level, current prices)", param_text(base, "")),
                ));
            }
            if let Some(growth) = &g.growth_base {
                rows.push((
                    "gdp growth base",
                    format!(
                        "{} (observed real growth, the fan's first point)",
                        param_text(growth, "")
                    ),
                ));
            }
        }
        match &s.inflation {
            Some(p) => rows.push((
                "inflation",
                format!("{}, drawn each path and year", param_text(p, "")),
            )),
            None => rows.push(("inflation", "0 (no [prices])".to_string())),
        }
        fields(&mut out, 2, &rows);
    }

    heading(&mut out, "Regime");
    match &s.regime {
        None => push_line(
            &mut out,
            "  none (no [regime]: every year is a normal year)",
        ),
        Some(r) => {
            let mut rows: Vec<(&str, String)> = vec![
                (
                    "downturn probability",
                    format!("{} a year", param_text(&r.downturn_probability, "")),
                ),
                (
                    "recovery probability",
                    format!("{} a year", param_text(&r.recovery_probability, "")),
                ),
                (
                    "initial state",
                    (if r.initial_downturn {
                        "downturn"
                    } else {
                        "normal"
                    })
                    .to_string(),
                ),
            ];
            if !r.force.is_empty() {
                let forced: Vec<String> = r
                    .force
                    .iter()
                    .map(|(year, downturn, _)| {
                        format!("{year} {}", if *downturn { "downturn" } else { "normal" })
                    })
                    .collect();
                rows.push(("forced years", forced.join(", ")));
            }
            if !r.shift.is_empty() {
                let width = r
                    .shift
                    .iter()
                    .map(|(name, _)| UnicodeWidthStr::width(name.as_str()))
                    .max()
                    .unwrap_or(0);
                let lines: Vec<String> = r
                    .shift
                    .iter()
                    .map(|(name, p)| format!("{}  {}", pad(name, width), param_text(p, "")))
                    .collect();
                rows.push(("growth shift", lines.join("\n")));
            }
            fields(&mut out, 2, &rows);
        }
    }

    heading(&mut out, &format!("Programmes ({})", s.programmes.len()));
    if s.programmes.is_empty() {
        push_line(&mut out, "  none");
    } else {
        let rows: Vec<Vec<String>> = s
            .programmes
            .iter()
            .map(|p| {
                let planned = match (&p.planned_from, &p.planned.dist, p.unit.is_empty()) {
                    (Some((from, _)), _, _) => format!("what {from} delivered"),
                    (None, Dist::Fixed { value }, false) => {
                        format!("{} {}", number(*value), p.unit)
                    }
                    (None, dist, false) => format!("{}, in {}", dist.describe(), p.unit),
                    (None, dist, true) => dist.describe(),
                };
                vec![
                    p.name.clone(),
                    p.label.clone(),
                    p.year.to_string(),
                    planned,
                    p.delivery.dist.describe(),
                    p.downturn_effect.dist.describe(),
                    source_text(p.planned.source.as_deref()),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "name",
                "label",
                "year",
                "planned",
                "delivery ratio",
                "downturn effect",
                "source of planned",
            ],
            &rows,
        );
    }
    match &s.execution {
        Some(e) => {
            let tied = if e.programmes.is_empty() {
                "every programme".to_string()
            } else {
                e.programmes.join(", ")
            };
            push_line(
                &mut out,
                &format!(
                    "  deliveries tied by [execution]: correlation {} over {tied}",
                    param_text(&e.correlation, "")
                ),
            );
        }
        None if !s.programmes.is_empty() => push_line(
            &mut out,
            "  deliveries drawn independently (no [execution])",
        ),
        None => {}
    }

    heading(&mut out, &format!("Targets ({})", s.targets.len()));
    if s.targets.is_empty() {
        push_line(&mut out, "  none");
    } else {
        let rows: Vec<Vec<String>> = s
            .targets
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.label.clone(),
                    t.metric.clone(),
                    t.year.to_string(),
                    threshold_text(&t.bound, &unit_of(metrics, &t.metric)),
                    source_text(t.source.as_deref()),
                ]
            })
            .collect();
        table(
            &mut out,
            &["name", "label", "metric", "year", "threshold", "source"],
            &rows,
        );
    }

    heading(
        &mut out,
        &format!("Metrics a run reports ({})", metrics.len()),
    );
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|m| vec![m.name.clone(), m.unit.clone(), years_text(m)])
        .collect();
    table(&mut out, &["metric", "unit", "years"], &rows);

    let inputs = uncertain_inputs(s);
    heading(
        &mut out,
        &format!(
            "Uncertain inputs ({}): drawn once per path (inflation: each year); change one with --set KEY=VALUE",
            inputs.len()
        ),
    );
    if inputs.is_empty() {
        push_line(&mut out, "  none: every input is fixed");
    } else {
        let rows: Vec<Vec<String>> = inputs
            .iter()
            .map(|p| {
                vec![
                    p.key.clone(),
                    p.dist.describe(),
                    source_text(p.source.as_deref()),
                ]
            })
            .collect();
        table(&mut out, &["key", "distribution", "source"], &rows);
    }
    out
}

/// Every parameter drawn from a distribution (not fixed), in file order:
/// the growth processes' and the regime's parameters, inflation and each
/// programme's planned quantity, delivery ratio and downturn effect.
fn uncertain_inputs(s: &Scenario) -> Vec<&Param> {
    s.all_parameters()
        .into_iter()
        .filter(|p| p.is_random())
        .collect()
}

// ---- JSON -----------------------------------------------------------------------

#[derive(Serialize)]
struct Description {
    name: String,
    title: String,
    description: String,
    base_year: i32,
    end_year: i32,
    run: RunJson,
    series: Vec<SeriesJson>,
    correlation: Option<CorrelationJson>,
    gdp: Option<GdpJson>,
    prices: Option<PricesJson>,
    regime: Option<RegimeJson>,
    programmes: Vec<ProgrammeJson>,
    /// `[execution]`, when deliveries are tied.
    execution: Option<ExecutionJson>,
    targets: Vec<TargetJson>,
    metrics: Vec<MetricJson>,
    inputs: Vec<InputJson>,
}

#[derive(Serialize)]
struct ExecutionJson {
    correlation: ParamJson,
    /// The tied programmes (every programme when the file lists none).
    programmes: Vec<String>,
}

#[derive(Serialize)]
struct RunJson {
    paths: u64,
    seed: u64,
    sampling: String,
}

/// A parameter: its `--set` key, distribution and source.
#[derive(Serialize)]
struct ParamJson {
    key: String,
    /// The `dist` name (`fixed`, `triangular`, …).
    dist: &'static str,
    /// In words: `250.85`, `triangular(min 0.07, mode 0.11, max 0.15)`.
    distribution: String,
    /// The value when fixed.
    value: Option<f64>,
    /// The distribution's mean (absent when it has none).
    mean: Option<f64>,
    random: bool,
    source: String,
    source_kind: &'static str,
}

#[derive(Serialize)]
struct SeriesJson {
    name: String,
    label: String,
    unit: String,
    base: ParamJson,
    growth_base: Option<ParamJson>,
    mean_growth: ParamJson,
    persistence: ParamJson,
    volatility: ParamJson,
    shocks: String,
    gdp_share: Option<f64>,
    links: Vec<LinkJson>,
}

#[derive(Serialize)]
struct LinkJson {
    to: String,
    elasticity: ParamJson,
    /// A growth link's reference growth; absent for a shock link.
    #[serde(skip_serializing_if = "Option::is_none")]
    around: Option<f64>,
}

#[derive(Serialize)]
struct CorrelationJson {
    series: Vec<String>,
    matrix: Vec<Vec<f64>>,
    marginal: &'static str,
    df: Option<f64>,
}

#[derive(Serialize)]
struct GdpJson {
    shares: Vec<ShareJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<ParamJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    growth_base: Option<ParamJson>,
}

#[derive(Serialize)]
struct ShareJson {
    series: String,
    share: f64,
}

#[derive(Serialize)]
struct PricesJson {
    inflation: ParamJson,
}

#[derive(Serialize)]
struct RegimeJson {
    downturn_probability: ParamJson,
    recovery_probability: ParamJson,
    initial: &'static str,
    shift: Vec<ShiftJson>,
    /// Years forced to a state: `{ "2024": "downturn" }`.
    force: std::collections::BTreeMap<String, &'static str>,
}

#[derive(Serialize)]
struct ShiftJson {
    series: String,
    shift: ParamJson,
}

#[derive(Serialize)]
struct ProgrammeJson {
    name: String,
    label: String,
    unit: String,
    year: i32,
    planned: ParamJson,
    /// A pipeline's source programme.
    #[serde(skip_serializing_if = "Option::is_none")]
    planned_from: Option<String>,
    delivery: ParamJson,
    downturn_effect: ParamJson,
}

#[derive(Serialize)]
struct TargetJson {
    name: String,
    label: String,
    metric: String,
    year: i32,
    at_least: Option<f64>,
    at_most: Option<f64>,
    unit: String,
    source: String,
    source_kind: &'static str,
}

#[derive(Serialize)]
struct MetricJson {
    name: String,
    unit: String,
    first_year: i32,
    last_year: i32,
}

#[derive(Serialize)]
struct InputJson {
    key: String,
    distribution: String,
    dist: &'static str,
    source: String,
    source_kind: &'static str,
}

fn param_json(p: &Param) -> ParamJson {
    ParamJson {
        key: p.key.clone(),
        dist: p.dist.name(),
        distribution: p.dist.describe(),
        value: match p.dist {
            Dist::Fixed { value } => Some(value),
            _ => None,
        },
        mean: Some(p.dist.mean()).filter(|m| m.is_finite()),
        random: p.is_random(),
        source: source_text(p.source.as_deref()),
        source_kind: p.source_kind().as_str(),
    }
}

fn description(s: &Scenario, metrics: &[MetricDef]) -> Description {
    let series = s
        .series
        .iter()
        .map(|x| SeriesJson {
            name: x.name.clone(),
            label: x.label.clone(),
            unit: x.unit.clone(),
            base: param_json(&x.base),
            growth_base: x.growth_base.as_ref().map(param_json),
            mean_growth: param_json(&x.mean_growth),
            persistence: param_json(&x.persistence),
            volatility: param_json(&x.volatility),
            shocks: shocks_text(s, &x.name),
            gdp_share: x.gdp_share,
            links: x
                .links
                .iter()
                .map(|l| LinkJson {
                    to: l.to.clone(),
                    elasticity: param_json(&l.elasticity),
                    around: l.around,
                })
                .collect(),
        })
        .collect();
    let correlation = s.correlation.as_ref().map(|c| CorrelationJson {
        series: c.series.clone(),
        matrix: c.matrix.clone(),
        marginal: match c.marginal {
            Marginal::Normal => "normal",
            Marginal::StudentT { .. } => "student_t",
        },
        df: match c.marginal {
            Marginal::Normal => None,
            Marginal::StudentT { df } => Some(df),
        },
    });
    let shares: Vec<ShareJson> = s
        .series
        .iter()
        .filter_map(|x| {
            x.gdp_share.map(|share| ShareJson {
                series: x.name.clone(),
                share,
            })
        })
        .collect();
    let gdp = (!shares.is_empty()).then(|| GdpJson {
        shares,
        base: s.gdp.as_ref().and_then(|g| g.base.as_ref()).map(param_json),
        growth_base: s
            .gdp
            .as_ref()
            .and_then(|g| g.growth_base.as_ref())
            .map(param_json),
    });
    let regime = s.regime.as_ref().map(|r| RegimeJson {
        downturn_probability: param_json(&r.downturn_probability),
        recovery_probability: param_json(&r.recovery_probability),
        initial: if r.initial_downturn {
            "downturn"
        } else {
            "normal"
        },
        shift: r
            .shift
            .iter()
            .map(|(name, p)| ShiftJson {
                series: name.clone(),
                shift: param_json(p),
            })
            .collect(),
        force: r
            .force
            .iter()
            .map(|(year, downturn, _)| {
                (
                    year.to_string(),
                    if *downturn { "downturn" } else { "normal" },
                )
            })
            .collect(),
    });
    let programmes = s
        .programmes
        .iter()
        .map(|p| ProgrammeJson {
            name: p.name.clone(),
            label: p.label.clone(),
            unit: p.unit.clone(),
            year: p.year,
            planned: param_json(&p.planned),
            planned_from: p.planned_from.as_ref().map(|(from, _)| from.clone()),
            delivery: param_json(&p.delivery),
            downturn_effect: param_json(&p.downturn_effect),
        })
        .collect();
    let targets = s
        .targets
        .iter()
        .map(|t| TargetJson {
            name: t.name.clone(),
            label: t.label.clone(),
            metric: t.metric.clone(),
            year: t.year,
            at_least: t.bound.at_least(),
            at_most: t.bound.at_most(),
            unit: unit_of(metrics, &t.metric),
            source: source_text(t.source.as_deref()),
            source_kind: SourceKind::of(t.source.as_deref()).as_str(),
        })
        .collect();
    let metric_list = metrics
        .iter()
        .map(|m| MetricJson {
            name: m.name.clone(),
            unit: m.unit.clone(),
            first_year: *m.years.start(),
            last_year: *m.years.end(),
        })
        .collect();
    let inputs = uncertain_inputs(s)
        .into_iter()
        .map(|p| InputJson {
            key: p.key.clone(),
            distribution: p.dist.describe(),
            dist: p.dist.name(),
            source: source_text(p.source.as_deref()),
            source_kind: p.source_kind().as_str(),
        })
        .collect();
    Description {
        name: s.name.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        base_year: s.base_year,
        end_year: s.end_year,
        run: RunJson {
            paths: s.run.paths,
            seed: s.run.seed,
            sampling: s.run.sampling.to_string(),
        },
        series,
        correlation,
        gdp,
        prices: s.inflation.as_ref().map(|p| PricesJson {
            inflation: param_json(p),
        }),
        regime,
        programmes,
        execution: s.execution.as_ref().map(|e| ExecutionJson {
            correlation: param_json(&e.correlation),
            programmes: if e.programmes.is_empty() {
                s.programmes.iter().map(|p| p.name.clone()).collect()
            } else {
                e.programmes.clone()
            },
        }),
        targets,
        metrics: metric_list,
        inputs,
    }
}
