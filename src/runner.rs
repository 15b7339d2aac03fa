//! Running a scenario into a result set on disk: the engine, the streamed
//! per-path file and the atomic write, as one library call that the `run`
//! command, the tests and the other commands share.

use crate::engine::{self, EngineError, PathSink, RunConfig};
use crate::model::Model;
use crate::output::paths::{self, PathsWriter};
use crate::output::Staging;
use crate::scenario::Scenario;
use crate::summary::{self, PerPath, Summary};
pub(crate) use crate::Error;
use std::path::Path;

/// What a result set holds beyond the contract's four files, and how the run shows itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keep {
    /// Write no `paths.parquet` at all.
    pub no_paths: bool,
    /// Write `paths.parquet` whatever its size (by default a run whose file
    /// would exceed [`DEFAULT_PATHS_FILE_BYTES`] writes none).
    pub keep_paths: bool,
    /// Metrics kept besides the targets' (`metric` or `metric@year`).
    pub extra_metrics: Vec<String>,
    /// A page to render from the finished run into the result set (the
    /// command line's `report.html`); the runner writes it, the caller says
    /// what it is.
    pub report: Option<Page>,
    /// Draw a progress bar on standard error (the caller checks it is a terminal).
    pub progress: bool,
    /// Run in rounds until this precision is reached (then `config.paths` is the ceiling).
    pub precision: Option<Precision>,
}

/// A file the caller renders from a finished run, written into the result
/// set before it is moved into place (so the set is whole or absent).
#[derive(Clone)]
pub struct Page {
    /// File name inside the result set, e.g. `report.html`.
    pub file: &'static str,
    /// Renders the page from the summary, the scenario and the per-path file (if kept).
    #[allow(clippy::type_complexity)]
    pub render: std::sync::Arc<dyn Fn(&Summary, &Scenario, Option<&Path>) -> String + Send + Sync>,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page").field("file", &self.file).finish()
    }
}

impl PartialEq for Page {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file && std::sync::Arc::ptr_eq(&self.render, &other.render)
    }
}

/// When a run is precise enough: every target probability's 95 % half-width
/// at most `probability`, and/or one metric's mean known to a relative
/// 95 % half-width of at most `relative`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Precision {
    pub probability: Option<f64>,
    /// (metric, year, relative half-width).
    pub metric: Option<(String, i32, f64)>,
}

/// Paths of the first round of a precision-controlled run.
pub(crate) const FIRST_ROUND_PATHS: u64 = 16_384;

/// The most a run may be expected to take before it is refused up front.
pub(crate) const MAX_EXPECTED_SECONDS: f64 = 48.0 * 3600.0;
/// The largest per-path file a run may be expected to write.
pub(crate) const MAX_PATHS_FILE_BYTES: f64 = 200e9;

/// The largest per-path file a run writes unless asked (`--keep-paths`,
/// `--keep-metric`, `--precision`): 1 GB, about 2.4 million paths of the
/// baseline's 63 columns. Beyond it the file would cost more than the run
/// (at 10^8 paths, 41 GB and a slower run), and few users read it whole.
pub const DEFAULT_PATHS_FILE_BYTES: f64 = 1e9;

/// What a run is expected to cost, from measured rates on the reference
/// machine: about 28 ns per metric value per path per core with random
/// sampling (3.5 times that for the designs), and about 6.5 bytes per kept
/// value in `paths.parquet`. Memory does not grow with paths (about 100 MB).
pub(crate) fn expected_cost(model: &Model, paths: u64, kept: usize) -> (f64, f64) {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let design = if model.sampling == crate::model::design::Sampling::Random {
        1.0
    } else {
        3.5
    };
    let seconds = paths as f64 * model.value_count.max(1) as f64 * 28e-9 * design / cores;
    (seconds, paths as f64 * kept as f64 * 6.5)
}

/// Refuses, with the estimate, a run this machine cannot reasonably do.
pub(crate) fn check_feasible(model: &Model, paths: u64, kept: usize) -> Result<(), Error> {
    let (seconds, bytes) = expected_cost(model, paths, kept);
    if seconds > MAX_EXPECTED_SECONDS {
        return Err(Error::Input(format!(
            "{paths} paths would take about {:.0} hours on this machine ({} metric values a path; memory stays near 100 MB); use fewer paths, split the run with --shard K/N across machines, or let --precision choose the count",
            seconds / 3600.0,
            model.value_count
        )));
    }
    if bytes > MAX_PATHS_FILE_BYTES {
        return Err(Error::Input(format!(
            "{paths} paths would write a per-path file of about {:.0} GB ({kept} columns); add --no-paths, or keep fewer paths",
            bytes / 1e9
        )));
    }
    Ok(())
}

/// Runs `scenario` and writes its result set to `out` (replacing an existing
/// one only with `force`). Returns the summary written.
pub fn run_to_result_set(
    scenario: &Scenario,
    config: &RunConfig,
    out: &Path,
    force: bool,
    keep: &Keep,
) -> Result<Summary, Error> {
    let Prepared {
        model,
        kept,
        staging,
        mut writer,
        omitted,
    } = prepare(scenario, config, out, force, keep, config.paths)?;
    let indices: Vec<usize> = kept.iter().map(|(index, _)| *index).collect();
    let sink = writer.as_mut().map(|w| w as &mut dyn PathSink);
    let bar = keep.progress.then(|| progress_bar(config.paths));
    let advance = |done: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let progress: Option<engine::Progress<'_>> =
        bar.as_ref().map(|_| &advance as engine::Progress<'_>);
    let totals = match &keep.precision {
        None => engine::run_keeping(&model, config, &indices, sink, progress),
        Some(goal) => run_until_precise(&model, config, goal, &indices, sink, progress),
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let totals = totals.map_err(|e| match e {
        EngineError::Interrupted => Error::Interrupted(crate::error::INTERRUPTED.into()),
        EngineError::Sink(_) => Error::Failure(e.to_string()),
        other => Error::Input(other.to_string()),
    })?;
    let mut summary = summary::summarize(scenario, &model, &totals);
    summary.run.per_path_omitted = omitted;
    if let Some(writer) = writer {
        let rows = writer
            .close()
            .map_err(|e| Error::Failure(format!("cannot finish {}: {e}", paths::PATHS_FILE)))?;
        summary.per_path = Some(PerPath {
            file: paths::PATHS_FILE.into(),
            rows,
            inputs: input_names(&model, kept.iter().map(|(_, name)| name)),
            columns: kept.into_iter().map(|(_, name)| name).collect(),
        });
    }
    if let Some(page) = &keep.report {
        let paths_file = summary
            .per_path
            .as_ref()
            .map(|_| staging.file(paths::PATHS_FILE));
        let text = (page.render)(&summary, scenario, paths_file.as_deref());
        let file = staging.file(page.file);
        std::fs::write(&file, text).map_err(|e| Error::Unwritable {
            path: file.clone(),
            message: e.to_string(),
        })?;
    }
    if let Some(goal) = &keep.precision {
        summary.run.precision = Some(precision_report(&summary, goal, config.paths));
    }
    Ok(staging.finish(&summary, &scenario.resolved_toml)?)
}

/// What every run into a folder sets up first, whole or a shard: the model,
/// the per-path values kept, the staging folder and the per-path writer.
pub(crate) struct Prepared {
    pub model: Model,
    pub kept: Vec<(usize, String)>,
    pub staging: Staging,
    pub writer: Option<PathsWriter>,
    /// Set when the default left the per-path file out for its size.
    pub omitted: Option<summary::PerPathOmitted>,
}

/// Compiles the model, settles what per-path values to keep (refusing
/// `--keep-metric` with `--no-paths`), refuses a run expected to take too
/// long or write too much (`paths_here`: the paths this process runs), and
/// opens the staging folder and the per-path file with its metadata.
pub(crate) fn prepare(
    scenario: &Scenario,
    config: &RunConfig,
    out: &Path,
    force: bool,
    keep: &Keep,
    paths_here: u64,
) -> Result<Prepared, Error> {
    let model = Model::compile(scenario)
        .map_err(|e| Error::Failure(format!("internal error compiling the model: {e}")))?;
    let kept = if keep.no_paths {
        if !keep.extra_metrics.is_empty() {
            return Err(Error::Input(
                "--keep-metric asks for per-path outcomes, which --no-paths turns off; drop one of the two".into(),
            ));
        }
        if keep.keep_paths {
            return Err(Error::Input(
                "--keep-paths asks for paths.parquet, which --no-paths turns off; drop one of the two".into(),
            ));
        }
        Vec::new()
    } else {
        let mut kept =
            paths::kept_values(&model, scenario, &keep.extra_metrics).map_err(Error::Input)?;
        // The path's inputs follow its outcomes; one already kept as an
        // outcome (`--keep-metric regime.downturn`) is not written twice.
        for (index, name) in paths::input_values(&model) {
            if !kept.iter().any(|(_, kept_name)| *kept_name == name) {
                kept.push((index, name));
            }
        }
        kept
    };
    // The default keeps the per-path file while it is small; decided on the
    // whole run's paths, so every shard of a run decides alike.
    let omitted = omitted_by_default(keep, expected_cost(&model, config.paths, kept.len()).1);
    let kept = if omitted.is_some() { Vec::new() } else { kept };
    check_feasible(&model, paths_here, kept.len())?;
    let staging = Staging::begin(out, force)?;
    let writer = match kept.is_empty() {
        true => None,
        false => Some(paths_writer(&staging, &kept, scenario, config)?),
    };
    Ok(Prepared {
        model,
        kept,
        staging,
        writer,
        omitted,
    })
}

/// Whether the default leaves out a per-path file expected to take
/// `expected_bytes`: only above [`DEFAULT_PATHS_FILE_BYTES`], and never when
/// the user asked for per-path values (`--keep-paths`, `--keep-metric`) or
/// runs to a precision (its paths are a ceiling, rarely reached).
fn omitted_by_default(keep: &Keep, expected_bytes: f64) -> Option<summary::PerPathOmitted> {
    let asked = keep.keep_paths || !keep.extra_metrics.is_empty() || keep.precision.is_some();
    (!asked && !keep.no_paths && expected_bytes > DEFAULT_PATHS_FILE_BYTES).then(|| {
        summary::PerPathOmitted {
            expected_bytes: expected_bytes.round() as u64,
            limit_bytes: DEFAULT_PATHS_FILE_BYTES as u64,
        }
    })
}

/// The names among `columns` that are per-path inputs, in file order.
pub(crate) fn input_names<'a>(
    model: &Model,
    columns: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let inputs = paths::input_values(model);
    columns
        .into_iter()
        .filter(|name| inputs.iter().any(|(_, input)| input == *name))
        .cloned()
        .collect()
}

/// Whether a finished run met its precision goal, for `summary.json`.
fn precision_report(summary: &Summary, goal: &Precision, ceiling: u64) -> summary::PrecisionReport {
    let widest = summary
        .targets
        .iter()
        .map(|t| (t.ci95[1] - t.ci95[0]) / 2.0)
        .fold(0.0, f64::max);
    let metric = goal.metric.as_ref().and_then(|(name, year, _)| {
        summary
            .metrics
            .iter()
            .find(|m| m.metric == *name && m.year == *year)
    });
    let metric_relative = metric.map(|m| crate::stats::wilson::Z95 * m.mean_se / m.mean.abs());
    let reached = goal.probability.is_none_or(|p| widest <= p)
        && match (&goal.metric, metric_relative) {
            (Some((_, _, relative)), Some(found)) => found <= *relative,
            (Some(_), None) => false,
            (None, _) => true,
        };
    // The error falls as 1/sqrt(paths): the paths the goal needs, roughly.
    let paths = summary.run.paths as f64;
    let mut needed = paths;
    if let Some(goal) = goal.probability {
        needed = needed.max(paths * (widest / goal).powi(2));
    }
    if let (Some((_, _, relative)), Some(found)) = (&goal.metric, metric_relative) {
        needed = needed.max(paths * (found / relative).powi(2));
    }
    summary::PrecisionReport {
        paths: summary.run.paths,
        ceiling,
        paths_needed: (!reached && needed.is_finite()).then(|| needed.ceil() as u64),
        probability_half_width: goal.probability,
        metric: goal
            .metric
            .as_ref()
            .map(|(name, year, relative)| format!("{name}@{year}={relative}")),
        reached,
        widest_probability_half_width: widest,
        metric_relative_half_width: metric_relative,
    }
}

/// Runs rounds of blocks, each extending the last in block order (so the
/// result is exactly that of one run of the final path count), until `goal`
/// holds or `config.paths` is reached. The path counts depend only on the
/// results, so the run is a deterministic function of scenario, seed and goal.
fn run_until_precise(
    model: &Model,
    config: &RunConfig,
    goal: &Precision,
    kept: &[usize],
    mut sink: Option<&mut dyn PathSink>,
    progress: Option<engine::Progress<'_>>,
) -> Result<engine::RunTotals, engine::EngineError> {
    use crate::stats::wilson::{wilson_interval, Z95};
    let started = std::time::Instant::now();
    // --paths is the ceiling, never exceeded.
    engine::block_count(config.paths)?;
    let ceiling = config.paths;
    let metric_index = match &goal.metric {
        Some((name, year, _)) => Some(
            model
                .metrics
                .iter()
                .find(|m| m.name == *name && m.years.contains(year))
                .map(|m| m.index(*year))
                .ok_or_else(|| {
                    engine::EngineError::Sink(format!(
                        "--precision-metric: no metric {name} in {year}"
                    ))
                })?,
        ),
        None => None,
    };
    let shift = engine::pilot_shift(model, config.seed);
    let mut sums = engine::BlockSums::new(model);
    let mut counts: Option<engine::CountState> = None;
    let mut done = 0u64;
    let mut threads;
    let mut paths = FIRST_ROUND_PATHS
        .max(engine::least_paths(model.sampling))
        .min(ceiling);
    loop {
        let round = RunConfig {
            paths,
            ..config.clone()
        };
        let mut fold = |_block: u64, block_sums: engine::BlockSums| sums.absorb_block(&block_sums);
        let blocks = done / engine::BLOCK_PATHS..paths.div_ceil(engine::BLOCK_PATHS);
        let round_sink = sink.as_mut().map(|s| &mut **s as &mut dyn PathSink);
        let (found, used) = engine::run_blocks(
            model, &round, blocks, &shift, kept, round_sink, progress, None, &mut fold,
        )?;
        threads = used;
        let c: &engine::CountState = match counts.as_mut() {
            Some(c) => {
                c.merge(&found);
                c
            }
            None => counts.insert(found),
        };
        done = paths;
        let mut needed = paths;
        let mut precise = true;
        if let Some(half) = goal.probability {
            for &met in &c.met {
                let (lo, hi) = wilson_interval(met, paths, Z95);
                if (hi - lo) / 2.0 > half {
                    precise = false;
                    let p = (met as f64 / paths as f64).clamp(0.001, 0.999);
                    needed = needed
                        .max((Z95 * Z95 * p * (1.0 - p) / (half * half) * 1.05).ceil() as u64);
                }
            }
        }
        if let (Some(index), Some((_, _, relative))) = (metric_index, &goal.metric) {
            let m = &sums.moments[index];
            let mean = m.mean(shift[index]).abs();
            if Z95 * m.mean_se() > relative * mean {
                precise = false;
                let sd = m.sd();
                needed = needed.max(
                    ((Z95 * sd / (relative * mean.max(f64::MIN_POSITIVE))).powi(2) * 1.05).ceil()
                        as u64,
                );
            }
        }
        if precise || paths >= ceiling {
            break;
        }
        let next = needed.max(paths * 2).min(ceiling);
        paths = next.div_ceil(engine::BLOCK_PATHS) * engine::BLOCK_PATHS;
        paths = paths.min(ceiling);
    }
    let counts =
        counts.unwrap_or_else(|| engine::CountState::new(model, &engine::TargetYears::new(model)));
    Ok(engine::RunTotals::new(
        model,
        config.seed,
        shift,
        done,
        counts,
        sums,
        (threads, started.elapsed().as_secs_f64()),
    ))
}

/// Runs whose path count suggests they take over about a second get a bar.
pub const PROGRESS_PATHS: u64 = 400_000;

fn progress_bar(paths: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(paths);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} paths  {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn paths_writer(
    staging: &Staging,
    kept: &[(usize, String)],
    scenario: &Scenario,
    config: &RunConfig,
) -> Result<PathsWriter, Error> {
    let names: Vec<String> = kept.iter().map(|(_, name)| name.clone()).collect();
    let metadata = [
        ("xuhui-sim.format", summary::FORMAT.to_string()),
        (
            "xuhui-sim.scenario.sha256",
            summary::sha256_hex(&scenario.resolved_toml),
        ),
        ("xuhui-sim.seed", config.seed.to_string()),
        ("xuhui-sim.paths", config.paths.to_string()),
        ("xuhui-sim.sampling", scenario.run.sampling.to_string()),
    ];
    PathsWriter::create(&staging.file(paths::PATHS_FILE), &names, &metadata).map_err(Error::Failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_leaves_out_only_a_big_file_nobody_asked_for() {
        let limit = DEFAULT_PATHS_FILE_BYTES;
        let default = Keep::default();
        assert_eq!(omitted_by_default(&default, limit), None);
        let omitted = omitted_by_default(&default, 1.5 * limit).expect("above the limit");
        assert_eq!(omitted.expected_bytes, 1_500_000_000);
        assert_eq!(omitted.limit_bytes, 1_000_000_000);
        assert!(omitted.sentence().contains("about 1.5 GB"));
        assert!(omitted.sentence().contains("--keep-paths"));
        let asked = [
            Keep {
                keep_paths: true,
                ..Keep::default()
            },
            Keep {
                extra_metrics: vec!["gdp.growth".into()],
                ..Keep::default()
            },
            Keep {
                precision: Some(Precision {
                    probability: Some(0.01),
                    metric: None,
                }),
                ..Keep::default()
            },
            Keep {
                no_paths: true,
                ..Keep::default()
            },
        ];
        for keep in &asked {
            assert_eq!(omitted_by_default(keep, 100.0 * limit), None, "{keep:?}");
        }
    }
}
