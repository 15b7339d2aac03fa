//! Variance-based (Sobol) sensitivity: first-order and total indices of each
//! output with respect to the uncertain parameters, by Saltelli's sampling
//! design and Jansen's estimators (Saltelli et al. 2010, Computer Physics
//! Communications 181, table 2, estimators (b) and (f)):
//!
//! `S_i  = (V - (1/2N) Σ_j (f(B)_j - f(A_B^i)_j)²) / V`,
//! `ST_i = (1/2N) Σ_j (f(A)_j - f(A_B^i)_j)² / V`,
//!
//! with `A`, `B` two independent samples of the parameters, `A_B^i` = `A` with
//! column `i` from `B`, and `V` the variance of `f` over `A` and `B` together.
//! Intervals are bootstrap percentiles over the rows. The model's own
//! randomness (innovations, regime, inflation) is one more input, taken from
//! the `A` side in `A_B^i`: the indices are shares of the whole variance,
//! noise included, so they say how much of an outcome's uncertainty each
//! assumption explains. Each programme's delivery is an input of its own
//! (its own uniform), and so is the `[execution]` factor that ties
//! deliveries together (docs/model.md, "Execution"): a programme target has
//! drivers, and the share of slips that come together is measured.

use super::{check_metrics, default_metrics, Error, MetricChoice, Study};
use crate::model::{Model, PathWorkspace};
use crate::rng::{splitmix64, stream, InputKey};
use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

/// Bootstrap resamples for the intervals.
pub(crate) const BOOTSTRAP: usize = 100;

/// Which sample a row's point comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    A,
    B,
}

/// A model to analyse: `k` inputs, `outputs` outputs.
pub(crate) trait Design: Sync {
    fn inputs(&self) -> usize;
    fn outputs(&self) -> usize;
    /// Row `row`'s input point of sample `side`.
    fn point(&self, row: u64, side: Side) -> Vec<f64>;
    /// Outputs at `inputs`, with the rest of the randomness of row `row` of `side`.
    fn evaluate(&self, inputs: &[f64], row: u64, side: Side) -> Vec<f64>;
    /// [`evaluate`](Self::evaluate) at each of a row's points in turn (a
    /// design may share its scratch space between them).
    fn evaluate_row(&self, points: &[(&[f64], Side)], row: u64) -> Vec<Vec<f64>> {
        points
            .iter()
            .map(|&(inputs, side)| self.evaluate(inputs, row, side))
            .collect()
    }
}

/// Model evaluations of a Saltelli design, stored output by output so that
/// the estimators run over contiguous rows.
#[derive(Clone, Debug, Default)]
pub(crate) struct Evaluations {
    pub inputs: usize,
    pub outputs: usize,
    /// Rows evaluated.
    pub rows: usize,
    /// `a[o][j]` = output `o` of f(A) in row `j`; likewise `b`.
    pub a: Vec<Vec<f64>>,
    pub b: Vec<Vec<f64>>,
    /// `mixed[i][o][j]` = output `o` of f(A_B^i) in row `j`.
    pub mixed: Vec<Vec<Vec<f64>>>,
}

impl Evaluations {
    /// Evaluates rows `first..last` and appends them (in row order, whatever the threads).
    pub(crate) fn extend(&mut self, design: &dyn Design, first: u64, last: u64) {
        let (k, m) = (design.inputs(), design.outputs());
        if self.rows == 0 {
            self.inputs = k;
            self.outputs = m;
            self.a = vec![Vec::new(); m];
            self.b = vec![Vec::new(); m];
            self.mixed = vec![vec![Vec::new(); m]; k];
        }
        let new: Vec<Vec<Vec<f64>>> = (first..last)
            .into_par_iter()
            .map(|row| {
                // Stopped (Ctrl-C, SIGTERM): the rest of the rows cost nothing;
                // the caller sees the stop and discards the evaluations.
                if crate::engine::stop_requested() {
                    return vec![vec![0.0; m]; k + 2];
                }
                crate::progress::advance(1);
                let a = design.point(row, Side::A);
                let b = design.point(row, Side::B);
                let mixed: Vec<Vec<f64>> = (0..a.len())
                    .map(|i| {
                        let mut mixed = a.clone();
                        mixed[i] = b[i];
                        mixed
                    })
                    .collect();
                let points: Vec<(&[f64], Side)> = [(&a[..], Side::A), (&b[..], Side::B)]
                    .into_iter()
                    .chain(mixed.iter().map(|m| (&m[..], Side::A)))
                    .collect();
                design.evaluate_row(&points, row)
            })
            .collect();
        for values in new {
            for (o, (fa, fb)) in self.a.iter_mut().zip(self.b.iter_mut()).enumerate() {
                fa.push(values[0][o]);
                fb.push(values[1][o]);
                for (i, mixed) in self.mixed.iter_mut().enumerate() {
                    mixed[o].push(values[2 + i][o]);
                }
            }
            self.rows += 1;
        }
    }
}

/// First-order and total indices, each `[input][output]`.
pub(crate) type IndexTables = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// First-order and total indices, `[input][output]`, with each row counted
/// `weights[j]` times (all 1 for the estimate, multinomial for a bootstrap
/// resample).
pub(crate) fn jansen(e: &Evaluations, weights: &[f64]) -> IndexTables {
    let n: f64 = weights.iter().sum();
    let mut first = vec![vec![0.0; e.outputs]; e.inputs];
    let mut total = vec![vec![0.0; e.outputs]; e.inputs];
    for o in 0..e.outputs {
        let (fa, fb) = (&e.a[o], &e.b[o]);
        let mean = weights
            .iter()
            .zip(fa.iter().zip(fb))
            .map(|(w, (x, y))| w * (x + y))
            .sum::<f64>()
            / (2.0 * n);
        let variance = weights
            .iter()
            .zip(fa.iter().zip(fb))
            .map(|(w, (x, y))| w * ((x - mean).powi(2) + (y - mean).powi(2)))
            .sum::<f64>()
            / (2.0 * n - 1.0).max(1.0);
        if variance <= 0.0 {
            continue;
        }
        for i in 0..e.inputs {
            let fab = &e.mixed[i][o];
            let (mut from_b, mut from_a) = (0.0, 0.0);
            for j in 0..e.rows {
                let w = weights[j];
                from_b += w * (fb[j] - fab[j]).powi(2);
                from_a += w * (fa[j] - fab[j]).powi(2);
            }
            first[i][o] = (variance - from_b / (2.0 * n)) / variance;
            total[i][o] = from_a / (2.0 * n) / variance;
        }
    }
    (first, total)
}

/// An index with its 95 % bootstrap interval.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Index {
    pub value: f64,
    pub ci95: [f64; 2],
}

/// Indices of every input for every output, `[input][output]`.
#[derive(Clone, Debug)]
pub(crate) struct Indices {
    pub first: Vec<Vec<Index>>,
    pub total: Vec<Vec<Index>>,
}

impl Indices {
    /// The widest interval of all.
    pub(crate) fn widest(&self) -> f64 {
        self.first
            .iter()
            .chain(&self.total)
            .flatten()
            .map(|x| x.ci95[1] - x.ci95[0])
            .fold(0.0, f64::max)
    }
}

/// Indices with bootstrap intervals (resampling rows with a generator seeded by `seed`).
pub(crate) fn indices(e: &Evaluations, seed: u64) -> Indices {
    let (first, total) = jansen(e, &vec![1.0; e.rows]);
    let resamples: Vec<IndexTables> = (0..BOOTSTRAP as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = stream(seed, InputKey::new("sobol:bootstrap"), b);
            let mut weights = vec![0.0; e.rows];
            for _ in 0..e.rows {
                weights[rng.random_range(0..e.rows)] += 1.0;
            }
            jansen(e, &weights)
        })
        .collect();
    let interval = |pick: &dyn Fn(&IndexTables) -> f64| -> [f64; 2] {
        let mut values: Vec<f64> = resamples.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        [at(0.025), at(0.975)]
    };
    let build = |point: &Vec<Vec<f64>>, total_side: bool| -> Vec<Vec<Index>> {
        point
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .map(|(o, &value)| Index {
                        value,
                        ci95: interval(&|r| if total_side { r.1[i][o] } else { r.0[i][o] }),
                    })
                    .collect()
            })
            .collect()
    };
    Indices {
        first: build(&first, false),
        total: build(&total, true),
    }
}

/// Rows doubled from `samples` until the widest interval is at most
/// `tolerance` or `max_samples` is reached. Deterministic: rows are fixed by
/// their number, so a larger sample extends a smaller one.
pub(crate) fn converge(
    design: &dyn Design,
    samples: u64,
    max_samples: u64,
    tolerance: f64,
    seed: u64,
) -> (Evaluations, Indices, bool) {
    let mut evaluations = Evaluations::default();
    let mut rows = samples.max(16);
    evaluations.extend(design, 0, rows);
    loop {
        if crate::engine::stop_requested() {
            let none = Indices {
                first: Vec::new(),
                total: Vec::new(),
            };
            return (evaluations, none, false);
        }
        let found = indices(&evaluations, seed);
        let converged = found.widest() <= tolerance;
        if converged || rows >= max_samples {
            return (evaluations, found, converged);
        }
        let next = (rows * 2).min(max_samples);
        evaluations.extend(design, rows, next);
        rows = next;
    }
}

/// The scenario as a design: inputs are the parameters drawn per path;
/// outputs are each target's attainment (0 or 1), then chosen metrics.
pub(crate) struct ScenarioDesign<'a> {
    pub model: &'a Model,
    pub seed: u64,
    /// Buffer indices of the chosen metric values.
    pub metric_indices: Vec<usize>,
}

impl ScenarioDesign<'_> {
    fn seed_of(&self, side: Side) -> u64 {
        match side {
            Side::A => self.seed,
            Side::B => splitmix64(self.seed ^ 0x5a17_e11b),
        }
    }
}

impl Design for ScenarioDesign<'_> {
    fn inputs(&self) -> usize {
        self.model.params.len() + self.model.delivery_inputs()
    }

    fn outputs(&self) -> usize {
        self.model.targets.len() + self.metric_indices.len()
    }

    fn point(&self, row: u64, side: Side) -> Vec<f64> {
        let k = self.model.params.len();
        let mut point = vec![0.0; k + self.model.delivery_inputs()];
        self.model
            .draw_params(self.seed_of(side), row, &mut point[..k]);
        self.model
            .draw_delivery_inputs(self.seed_of(side), row, &mut point[k..]);
        point
    }

    fn evaluate(&self, inputs: &[f64], row: u64, side: Side) -> Vec<f64> {
        self.evaluate_with(&mut PathWorkspace::new(self.model), inputs, row, side)
    }

    fn evaluate_row(&self, points: &[(&[f64], Side)], row: u64) -> Vec<Vec<f64>> {
        let mut ws = PathWorkspace::new(self.model);
        points
            .iter()
            .map(|&(inputs, side)| self.evaluate_with(&mut ws, inputs, row, side))
            .collect()
    }
}

impl ScenarioDesign<'_> {
    /// [`Design::evaluate`] in the workspace `ws`.
    fn evaluate_with(
        &self,
        ws: &mut PathWorkspace,
        inputs: &[f64],
        row: u64,
        side: Side,
    ) -> Vec<f64> {
        let mut values = vec![0.0; self.model.value_count];
        let (drawn, levels) = inputs.split_at(self.model.params.len());
        self.model.simulate_path_with_deliveries(
            self.seed_of(side),
            row,
            drawn,
            levels,
            ws,
            &mut values,
            1,
        );
        let mut out: Vec<f64> = self
            .model
            .targets
            .iter()
            .map(|t| {
                if t.bound.is_met(values[t.value_index]) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        out.extend(self.metric_indices.iter().map(|&i| values[i]));
        out
    }
}

/// What `sensitivity --method sobol` reports.
#[derive(Clone, Debug, Serialize)]
pub struct SobolReport {
    pub scenario: String,
    pub seed: u64,
    pub parameters: Vec<String>,
    /// Rows of the design (model runs: rows × (parameters + 2)).
    pub samples: usize,
    pub model_runs: usize,
    pub tolerance: f64,
    /// Whether every interval is at most `tolerance` wide.
    pub converged: bool,
    pub outputs: Vec<OutputIndices>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutputIndices {
    /// `target attainment` or `metric`.
    pub kind: String,
    pub name: String,
    pub label: String,
    pub year: i32,
    /// Per parameter, in the order of `parameters`.
    pub first_order: Vec<Index>,
    pub total: Vec<Index>,
}

/// Options of a Sobol study.
#[derive(Clone, Debug)]
pub struct SobolOptions {
    pub samples: u64,
    pub max_samples: u64,
    pub tolerance: f64,
    pub metrics: Vec<MetricChoice>,
}

/// Runs the Sobol study of a scenario.
pub fn sobol(study: &Study, options: &SobolOptions) -> Result<SobolReport, Error> {
    let scenario = study.scenario(&[])?;
    let config = study.config(&scenario);
    let model = Model::compile(&scenario).map_err(Error::Failure)?;
    if model.params.is_empty() && model.delivery_inputs() == 0 {
        return Err(Error::Input(format!(
            "scenario `{}` has no parameter given as a distribution and no programme, so there is no index to compute",
            scenario.name
        )));
    }
    let probe = crate::simulate(
        &scenario,
        &crate::engine::RunConfig {
            paths: 64,
            seed: config.seed,
            threads: Some(1),
        },
    )
    .map_err(|e| Error::Failure(e.to_string()))?;
    let chosen = if options.metrics.is_empty() {
        default_metrics(&probe)
    } else {
        options.metrics.clone()
    };
    check_metrics(&chosen, &probe)?;
    let mut metric_rows = Vec::new();
    for def in &model.metrics {
        for year in def.years.clone() {
            if chosen.iter().any(|c| c.matches(&def.name, year)) {
                metric_rows.push((def.name.clone(), year, def.index(year)));
            }
        }
    }
    let design = ScenarioDesign {
        model: &model,
        seed: config.seed,
        metric_indices: metric_rows.iter().map(|m| m.2).collect(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(study.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Failure(e.to_string()))?;
    // Rows double until the intervals are narrow enough: at most max_samples.
    crate::progress::begin(options.max_samples.max(16), "rows (at most)");
    let (evaluations, found, converged) = pool.install(|| {
        converge(
            &design,
            options.samples,
            options.max_samples,
            options.tolerance,
            config.seed,
        )
    });
    if crate::engine::stop_requested() {
        return Err(Error::Failure("interrupted".into()));
    }
    let column = |o: usize, table: &Vec<Vec<Index>>| {
        table
            .iter()
            .map(|per_input| per_input[o])
            .collect::<Vec<_>>()
    };
    let mut outputs: Vec<OutputIndices> = scenario
        .targets
        .iter()
        .enumerate()
        .map(|(o, t)| OutputIndices {
            kind: "target attainment".into(),
            name: t.name.clone(),
            label: t.label.clone(),
            year: t.year,
            first_order: column(o, &found.first),
            total: column(o, &found.total),
        })
        .collect();
    let offset = scenario.targets.len();
    outputs.extend(
        metric_rows
            .iter()
            .enumerate()
            .map(|(m, (name, year, _))| OutputIndices {
                kind: "metric".into(),
                name: name.clone(),
                label: name.clone(),
                year: *year,
                first_order: column(offset + m, &found.first),
                total: column(offset + m, &found.total),
            }),
    );
    Ok(SobolReport {
        scenario: scenario.name.clone(),
        seed: config.seed,
        parameters: model
            .params
            .iter()
            .map(|p| p.name.clone())
            .chain(model.delivery_input_names())
            .collect(),
        samples: evaluations.rows,
        model_runs: evaluations.rows * (model.params.len() + model.delivery_inputs() + 2),
        tolerance: options.tolerance,
        converged,
        outputs,
    })
}

/// Long-format CSV: one row per output and parameter.
pub fn csv(report: &SobolReport) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "name",
        "year",
        "parameter",
        "first_order",
        "first_low",
        "first_high",
        "total",
        "total_low",
        "total_high",
    ])?;
    for o in &report.outputs {
        for (p, name) in report.parameters.iter().enumerate() {
            let (s, t) = (o.first_order[p], o.total[p]);
            w.write_record([
                o.kind.clone(),
                o.name.clone(),
                o.year.to_string(),
                name.clone(),
                s.value.to_string(),
                s.ci95[0].to_string(),
                s.ci95[1].to_string(),
                t.value.to_string(),
                t.ci95[0].to_string(),
                t.ci95[1].to_string(),
            ])?;
        }
    }
    crate::output::csv::finish(w)
}

/// The terminal table: per output, the three parameters of largest total index.
pub fn table(report: &SobolReport) -> String {
    use crate::format::aligned;
    let mut out = format!(
        "Sobol indices of {} ({} parameters; {} rows, {} model paths; seed {}; 95 % bootstrap intervals {} {})\n\n",
        report.scenario,
        report.parameters.len(),
        report.samples,
        report.model_runs,
        report.seed,
        if report.converged { "all at most" } else { "NOT all within" },
        report.tolerance
    );
    let show = |p: usize, o: &OutputIndices| {
        let name = report.parameters[p]
            .split_once('.')
            .map(|(_, r)| r)
            .unwrap_or(&report.parameters[p]);
        format!(
            "{name} ST {:.2} [{:.2}, {:.2}] S1 {:.2}",
            o.total[p].value, o.total[p].ci95[0], o.total[p].ci95[1], o.first_order[p].value
        )
    };
    let rows: Vec<Vec<String>> = report
        .outputs
        .iter()
        .filter_map(|o| {
            let mut order: Vec<usize> = (0..report.parameters.len()).collect();
            order.sort_by(|a, b| o.total[*b].value.total_cmp(&o.total[*a].value));
            if o.total[order[0]].ci95[1] < 0.01 {
                return None;
            }
            let label = if o.kind == "metric" {
                format!("{} {}", o.label, o.year)
            } else {
                o.label.clone()
            };
            let mut row = vec![label];
            row.extend(order.iter().take(2).map(|&p| show(p, o)));
            Some(row)
        })
        .collect();
    out.push_str(&aligned(
        &["outcome", "largest total index", "second"],
        &rows,
    ));
    let quiet = report.outputs.len() - rows.len();
    if quiet > 0 {
        out.push_str(&format!(
            "{quiet} outcomes owe less than 1 % of their variance to any parameter.\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Ishigami's function with a = 7, b = 0.1 on (-π, π)³.
    struct Ishigami;

    impl Design for Ishigami {
        fn inputs(&self) -> usize {
            3
        }
        fn outputs(&self) -> usize {
            1
        }
        fn point(&self, row: u64, side: Side) -> Vec<f64> {
            let mut rng = stream(
                if side == Side::A { 1 } else { 2 },
                InputKey::new("ishigami"),
                row,
            );
            (0..3)
                .map(|_| -PI + 2.0 * PI * rng.random::<f64>())
                .collect()
        }
        fn evaluate(&self, x: &[f64], _row: u64, _side: Side) -> Vec<f64> {
            vec![x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()]
        }
    }

    #[test]
    fn ishigami_indices_are_recovered_within_their_intervals() {
        let (_, found, _) = converge(&Ishigami, 20_000, 20_000, 1.0, 7);
        let first = [0.3139, 0.4424, 0.0];
        let total = [0.5576, 0.4424, 0.2437];
        for i in 0..3 {
            let (s, t) = (found.first[i][0], found.total[i][0]);
            assert!(
                s.ci95[0] <= first[i] && first[i] <= s.ci95[1],
                "S{} = {:?}, exact {}",
                i + 1,
                s,
                first[i]
            );
            assert!(
                t.ci95[0] <= total[i] && total[i] <= t.ci95[1],
                "ST{} = {:?}, exact {}",
                i + 1,
                t,
                total[i]
            );
            assert!(s.ci95[1] - s.ci95[0] < 0.06 && t.ci95[1] - t.ci95[0] < 0.06);
        }
    }
}
