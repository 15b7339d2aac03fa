//! `sweep`: one run per point of a grid over one or two assumptions, all on
//! common random numbers, reporting every target's probability and chosen
//! metrics at each point.

use super::{assignment, check_metrics, default_metrics, parse_range, Error, MetricChoice, Study};
use serde::Serialize;

/// Largest grid accepted (points).
pub(crate) const MAX_POINTS: usize = 2_500;

/// One varied assumption: a dotted key over `[low, high]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vary {
    pub key: String,
    pub low: f64,
    pub high: f64,
}

impl Vary {
    /// Parses `KEY=LO..HI`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (key, range) = text.split_once('=').ok_or_else(|| {
            Error::Input(format!(
                "--vary {text}: write KEY=LO..HI, e.g. --vary series.digital_economy.mean_growth=0.08..0.14"
            ))
        })?;
        let (low, high) = parse_range(range, &format!("--vary {key}="))?;
        Ok(Vary {
            key: key.trim().to_string(),
            low,
            high,
        })
    }

    /// `steps` evenly spaced values from low to high.
    pub(crate) fn values(&self, steps: usize) -> Vec<f64> {
        if steps == 1 {
            return vec![(self.low + self.high) / 2.0];
        }
        (0..steps)
            .map(|i| self.low + (self.high - self.low) * i as f64 / (steps - 1) as f64)
            .collect()
    }
}

/// Everything a sweep found.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub scenario: String,
    pub keys: Vec<String>,
    pub paths: u64,
    pub seed: u64,
    pub points: Vec<Point>,
}

/// One grid point's results.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// The varied assumptions' values, in the order of `keys`.
    pub values: Vec<f64>,
    pub targets: Vec<TargetAt>,
    pub metrics: Vec<MetricAt>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetAt {
    pub name: String,
    pub label: String,
    pub probability: f64,
    pub ci95: [f64; 2],
}

#[derive(Clone, Debug, Serialize)]
pub struct MetricAt {
    pub metric: String,
    pub year: i32,
    pub mean: f64,
    pub mean_se: f64,
    pub p50: f64,
}

/// Runs the grid: `steps` values per varied key (`steps²` points for two keys).
pub fn sweep(
    study: &Study,
    varies: &[Vary],
    steps: usize,
    metrics: &[MetricChoice],
) -> Result<Sweep, Error> {
    if varies.is_empty() || varies.len() > 2 {
        return Err(Error::Input("give one or two --vary KEY=LO..HI".into()));
    }
    if steps == 0 || steps.pow(varies.len() as u32) > MAX_POINTS {
        return Err(Error::Input(format!(
            "--steps {steps} makes {} points; a sweep takes 1 to {MAX_POINTS}",
            steps.pow(varies.len() as u32)
        )));
    }
    let base = study.scenario(&[])?;
    let config = study.config(&base);
    let model = crate::model::Model::compile(&base).map_err(Error::Failure)?;
    let points = steps.pow(varies.len() as u32) as u64;
    let (seconds, _) = crate::runner::expected_cost(&model, config.paths.saturating_mul(points), 0);
    if seconds > crate::runner::MAX_EXPECTED_SECONDS {
        return Err(Error::Input(format!(
            "{points} points of {} paths would take about {:.0} hours on this machine (memory stays near 100 MB per run); use fewer --steps or --paths",
            config.paths,
            seconds / 3600.0
        )));
    }
    let grids: Vec<Vec<f64>> = varies.iter().map(|v| v.values(steps)).collect();
    let combinations: Vec<Vec<f64>> = match grids.as_slice() {
        [one] => one.iter().map(|v| vec![*v]).collect(),
        [first, second] => first
            .iter()
            .flat_map(|a| second.iter().map(move |b| vec![*a, *b]))
            .collect(),
        _ => Vec::new(),
    };
    let mut points = Vec::with_capacity(combinations.len());
    crate::progress::begin(combinations.len() as u64, "runs");
    let mut chosen = metrics.to_vec();
    for values in combinations {
        let sets: Vec<String> = varies
            .iter()
            .zip(&values)
            .map(|(v, x)| assignment(&v.key, *x))
            .collect();
        let summary = study.run(&sets).map_err(|e| match e {
            Error::Input(m) => Error::Input(format!("at {}: {m}", sets.join(", "))),
            other => other,
        })?;
        if points.is_empty() {
            if chosen.is_empty() {
                chosen = default_metrics(&summary);
            }
            check_metrics(&chosen, &summary)?;
        }
        points.push(Point {
            values,
            targets: summary
                .targets
                .iter()
                .map(|t| TargetAt {
                    name: t.name.clone(),
                    label: t.label.clone(),
                    probability: t.probability,
                    ci95: t.ci95,
                })
                .collect(),
            metrics: summary
                .metrics
                .iter()
                .filter(|m| chosen.iter().any(|c| c.matches(&m.metric, m.year)))
                .map(|m| MetricAt {
                    metric: m.metric.clone(),
                    year: m.year,
                    mean: m.mean,
                    mean_se: m.mean_se,
                    p50: m.quantiles.p50,
                })
                .collect(),
        });
    }
    Ok(Sweep {
        scenario: base.name.clone(),
        keys: varies.iter().map(|v| v.key.clone()).collect(),
        paths: config.paths,
        seed: config.seed,
        points,
    })
}

/// Long-format CSV: one row per point and target or metric.
pub fn csv(sweep: &Sweep) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(sweep.keys.iter().cloned());
    header.extend(
        [
            "kind",
            "name",
            "year",
            "value",
            "ci95_low",
            "ci95_high",
            "p50",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for (i, point) in sweep.points.iter().enumerate() {
        let mut lead = vec![i.to_string()];
        lead.extend(point.values.iter().map(|v| v.to_string()));
        for t in &point.targets {
            let mut row = lead.clone();
            row.extend([
                "target".into(),
                t.name.clone(),
                String::new(),
                t.probability.to_string(),
                t.ci95[0].to_string(),
                t.ci95[1].to_string(),
                String::new(),
            ]);
            w.write_record(&row)?;
        }
        for m in &point.metrics {
            let half = crate::stats::wilson::Z95 * m.mean_se;
            let mut row = lead.clone();
            row.extend([
                "metric".into(),
                m.metric.clone(),
                m.year.to_string(),
                m.mean.to_string(),
                (m.mean - half).to_string(),
                (m.mean + half).to_string(),
                m.p50.to_string(),
            ]);
            w.write_record(&row)?;
        }
    }
    crate::output::csv::finish(w)
}

/// The terminal table: a row per target whose probability moves across the
/// grid (and per chosen metric's mean), a column per point.
pub fn table(sweep: &Sweep) -> String {
    let head: Vec<String> = sweep
        .points
        .iter()
        .map(|p| {
            p.values
                .iter()
                .map(|v| crate::format::number(*v, 4))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .collect();
    let mut header = vec![format!("target \\ {}", sweep.keys.join(" / "))];
    header.extend(head);
    let mut rows = Vec::new();
    let mut still = 0;
    let first = &sweep.points[0];
    for (t, target) in first.targets.iter().enumerate() {
        let probabilities: Vec<f64> = sweep
            .points
            .iter()
            .map(|p| p.targets[t].probability)
            .collect();
        let spread = probabilities
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            - probabilities.iter().copied().fold(f64::INFINITY, f64::min);
        if spread < 0.001 {
            still += 1;
            continue;
        }
        let mut row = vec![target.label.clone()];
        row.extend(probabilities.iter().map(|p| crate::format::percent(*p)));
        rows.push(row);
    }
    for (m, metric) in first.metrics.iter().enumerate() {
        let mut row = vec![format!("mean {} {}", metric.metric, metric.year)];
        row.extend(
            sweep
                .points
                .iter()
                .map(|p| crate::format::number(p.metrics[m].mean, 4)),
        );
        rows.push(row);
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = format!(
        "Sweep of {} over {} ({} points, {} paths each, seed {}, common random numbers)\n\n",
        sweep.scenario,
        sweep.keys.join(" and "),
        sweep.points.len(),
        sweep.paths,
        sweep.seed
    );
    out.push_str(&crate::format::aligned(&header_refs, &rows));
    if still > 0 {
        out.push_str(&format!(
            "{still} targets do not move across the grid (by less than 0.1 point).\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_are_evenly_spaced() {
        let vary = Vary::parse("a.b=0..1").unwrap();
        assert_eq!(vary.values(5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert!(Vary::parse("a.b").is_err());
    }
}
