//! Tornado sensitivity: for every uncertain parameter (given as a
//! distribution) and every programme's delivery, each target's probability
//! and each chosen metric's median with that input held at its 10th and at
//! its 90th percentile, all others as in the scenario, on common random
//! numbers; ranked by swing. A delivery is held by fixing its ratio (for a
//! count, the p10 or p90 count over the expected plan), so a programme target
//! has a driver of its own.

use super::{assignment, check_metrics, Error, MetricChoice, Study};
use crate::dist::Dist;
use crate::scenario::Scenario;
use crate::summary::Summary;
use serde::{Deserialize, Serialize};

/// The two levels each parameter is held at.
pub(crate) const LOW_LEVEL: f64 = 0.10;
pub(crate) const HIGH_LEVEL: f64 = 0.90;

/// Everything a tornado found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tornado {
    pub scenario: String,
    pub paths: u64,
    pub seed: u64,
    pub parameters: Vec<Parameter>,
    /// Per target, then per chosen metric: the bars, largest swing first.
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
}

/// An uncertain parameter and its two held values.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Parameter {
    pub key: String,
    pub distribution: String,
    pub p10: f64,
    pub p90: f64,
    pub source: String,
}

/// One outcome (a target's probability or a metric's median) and its bars.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    /// `target` or `metric median`.
    pub kind: String,
    pub name: String,
    pub label: String,
    pub year: i32,
    /// With every parameter as in the scenario.
    pub base: f64,
    pub bars: Vec<Bar>,
}

/// One parameter's effect on one outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bar {
    pub parameter: String,
    /// The outcome with the parameter at its p10, and at its p90.
    pub at_p10: f64,
    pub at_p90: f64,
    /// at_p90 - at_p10.
    pub swing: f64,
}

/// Runs the tornado: one base run and two runs per uncertain parameter.
pub fn tornado(study: &Study, metrics: &[MetricChoice]) -> Result<Tornado, Error> {
    let started = std::time::Instant::now();
    let scenario = study.scenario(&[])?;
    let config = study.config(&scenario);
    let mut parameters: Vec<Parameter> = scenario
        .random_parameters()
        .iter()
        .map(|p| Parameter {
            key: p.key.clone(),
            distribution: p.dist.name().into(),
            p10: p.dist.quantile(LOW_LEVEL),
            p90: p.dist.quantile(HIGH_LEVEL),
            source: p.source.clone().unwrap_or_default(),
        })
        .collect();
    // Each programme's delivery is an input too, held at its ratio's p10 and p90.
    for (i, p) in scenario.programmes.iter().enumerate() {
        if !p.delivery.is_random() {
            continue;
        }
        let (p10, p90) = (
            delivery_ratio_quantile(&scenario, i, LOW_LEVEL),
            delivery_ratio_quantile(&scenario, i, HIGH_LEVEL),
        );
        if p10 == p90 {
            continue;
        }
        parameters.push(Parameter {
            key: p.delivery.key.clone(),
            distribution: p.delivery.dist.name().into(),
            p10,
            p90,
            source: p.delivery.source.clone().unwrap_or_default(),
        });
    }
    if parameters.is_empty() {
        return Err(Error::Input(format!(
            "scenario `{}` has no parameter given as a distribution, so there is nothing to vary; give one as e.g. mean_growth = {{ dist = \"triangular\", … }}",
            scenario.name
        )));
    }
    crate::progress::begin(1 + 2 * parameters.len() as u64, "runs");
    let base = study.run(&[])?;
    let chosen: Vec<MetricChoice> = if metrics.is_empty() {
        // Each target's metric in the target's year.
        base.targets
            .iter()
            .map(|t| MetricChoice {
                name: t.metric.clone(),
                year: Some(t.year),
            })
            .collect()
    } else {
        metrics.to_vec()
    };
    check_metrics(&chosen, &base)?;
    let mut runs = Vec::with_capacity(parameters.len());
    for p in &parameters {
        let low = study.run(&[assignment(&p.key, p.p10)])?;
        let high = study.run(&[assignment(&p.key, p.p90)])?;
        runs.push((low, high));
    }
    let outcomes = outcomes(&base, &parameters, &runs, &chosen);
    Ok(Tornado {
        scenario: scenario.name.clone(),
        paths: config.paths,
        seed: config.seed,
        parameters,
        outcomes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The expected plan of programme `i`: its `planned` (mean of a drawn one),
/// or for a pipeline what its source is expected to deliver.
fn expected_plan(scenario: &Scenario, i: usize) -> f64 {
    let p = &scenario.programmes[i];
    match &p.planned_from {
        None => p.planned.dist.mean(),
        Some((from, _)) => {
            let Some(j) = scenario.programmes.iter().position(|q| q.name == *from) else {
                return 0.0;
            };
            if j == i {
                return 0.0;
            }
            let plan = expected_plan(scenario, j);
            let source = &scenario.programmes[j];
            match source.delivery.dist {
                Dist::Binomial { p, n } => n.map_or(plan.round(), |n| n as f64) * p,
                ref ratio => plan * ratio.mean(),
            }
        }
    }
}

/// The `q` quantile of programme `i`'s delivery ratio: of its distribution,
/// or for a count of binomial(n, p) over the expected plan (n: the file's, or
/// the expected plan rounded).
fn delivery_ratio_quantile(scenario: &Scenario, i: usize, q: f64) -> f64 {
    let p = &scenario.programmes[i];
    match p.delivery.dist {
        Dist::Binomial { p: probability, n } => {
            let plan = expected_plan(scenario, i);
            if plan <= 0.0 {
                return 0.0;
            }
            let n = n.unwrap_or(plan.round().max(0.0) as u64);
            crate::dist::binomial_quantile(n, probability, q) as f64 / plan
        }
        ref ratio => ratio.quantile(q),
    }
}

fn outcomes(
    base: &Summary,
    parameters: &[Parameter],
    runs: &[(Summary, Summary)],
    chosen: &[MetricChoice],
) -> Vec<Outcome> {
    let mut all = Vec::new();
    for (t, target) in base.targets.iter().enumerate() {
        let bars = parameters
            .iter()
            .zip(runs)
            .map(|(p, (low, high))| {
                bar(
                    &p.key,
                    low.targets[t].probability,
                    high.targets[t].probability,
                )
            })
            .collect();
        all.push(outcome(
            "target",
            &target.name,
            &target.label,
            target.year,
            target.probability,
            bars,
        ));
    }
    let mut seen = Vec::new();
    for (m, metric) in base.metrics.iter().enumerate() {
        let key = (metric.metric.clone(), metric.year);
        if !chosen
            .iter()
            .any(|c| c.matches(&metric.metric, metric.year))
            || seen.contains(&key)
        {
            continue;
        }
        seen.push(key);
        let bars = parameters
            .iter()
            .zip(runs)
            .map(|(p, (low, high))| {
                bar(
                    &p.key,
                    low.metrics[m].quantiles.p50,
                    high.metrics[m].quantiles.p50,
                )
            })
            .collect();
        all.push(outcome(
            "metric median",
            &metric.metric,
            &format!("{} {}", metric.metric, metric.year),
            metric.year,
            metric.quantiles.p50,
            bars,
        ));
    }
    all
}

fn bar(parameter: &str, at_p10: f64, at_p90: f64) -> Bar {
    Bar {
        parameter: parameter.into(),
        at_p10,
        at_p90,
        swing: at_p90 - at_p10,
    }
}

fn outcome(
    kind: &str,
    name: &str,
    label: &str,
    year: i32,
    base: f64,
    mut bars: Vec<Bar>,
) -> Outcome {
    bars.sort_by(|a, b| b.swing.abs().total_cmp(&a.swing.abs()));
    Outcome {
        kind: kind.into(),
        name: name.into(),
        label: label.into(),
        year,
        base,
        bars,
    }
}

/// Long-format CSV: one row per outcome and parameter.
pub fn csv(tornado: &Tornado) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "name",
        "year",
        "base",
        "rank",
        "parameter",
        "p10_value",
        "p90_value",
        "at_p10",
        "at_p90",
        "swing",
    ])?;
    for o in &tornado.outcomes {
        for (rank, b) in o.bars.iter().enumerate() {
            let p = tornado.parameters.iter().find(|p| p.key == b.parameter);
            w.write_record([
                o.kind.clone(),
                o.name.clone(),
                o.year.to_string(),
                o.base.to_string(),
                (rank + 1).to_string(),
                b.parameter.clone(),
                p.map(|p| p.p10.to_string()).unwrap_or_default(),
                p.map(|p| p.p90.to_string()).unwrap_or_default(),
                b.at_p10.to_string(),
                b.at_p90.to_string(),
                b.swing.to_string(),
            ])?;
        }
    }
    crate::output::csv::finish(w)
}

/// The terminal table: the parameters, then per target its three largest swings.
pub fn table(tornado: &Tornado) -> String {
    use crate::format::{aligned, number, percent, points, signed};
    let mut out = format!(
        "Tornado of {} ({} uncertain parameters held at p10 and p90, {} paths per run, seed {}, common random numbers; {:.1} s)\n\n",
        tornado.scenario,
        tornado.parameters.len(),
        tornado.paths,
        tornado.seed,
        tornado.seconds
    );
    let rows: Vec<Vec<String>> = tornado
        .parameters
        .iter()
        .map(|p| {
            vec![
                p.key.clone(),
                p.distribution.clone(),
                number(p.p10, 4),
                number(p.p90, 4),
            ]
        })
        .collect();
    out.push_str(&aligned(
        &["parameter", "distribution", "p10", "p90"],
        &rows,
    ));
    out.push('\n');
    let describe = |o: &Outcome, b: &Bar| -> String {
        let swing = if o.kind == "target" {
            points(b.swing)
        } else {
            signed(b.swing, 3)
        };
        format!("{} {swing}", short(&b.parameter))
    };
    let rows: Vec<Vec<String>> = tornado
        .outcomes
        .iter()
        .filter(|o| o.bars.first().is_some_and(|b| b.swing.abs() > 1e-12))
        .map(|o| {
            let base = if o.kind == "target" {
                percent(o.base)
            } else {
                format!("p50 {}", number(o.base, 4))
            };
            let mut row = vec![o.label.clone(), base];
            row.extend((0..3).map(|i| {
                o.bars
                    .get(i)
                    .filter(|b| b.swing.abs() > 1e-12)
                    .map(|b| describe(o, b))
                    .unwrap_or_default()
            }));
            row
        })
        .collect();
    out.push_str(&aligned(
        &[
            "outcome",
            "base",
            "largest swing (p10 → p90)",
            "second",
            "third",
        ],
        &rows,
    ));
    let still = tornado.outcomes.len() - rows.len();
    if still > 0 {
        out.push_str(&format!(
            "{still} outcomes depend on none of these parameters.\n"
        ));
    }
    out
}

/// `series.digital_economy.mean_growth` → `digital_economy.mean_growth`.
fn short(key: &str) -> &str {
    key.split_once('.').map(|(_, rest)| rest).unwrap_or(key)
}
