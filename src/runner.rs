//! Running a scenario into a result set on disk: the engine, the streamed
//! per-path file and the atomic write, as one library call that the `run`
//! command, the tests and the other commands share.

use crate::engine::{self, EngineError, PathSink, RunConfig};
use crate::model::Model;
use crate::output::paths::{self, BackgroundWriter, PathsWriter};
use crate::output::{Staging, WriteError};
use crate::report::Lang;
use crate::scenario::Scenario;
use crate::summary::{self, PerPath, Summary};
use std::path::Path;

/// What a result set holds beyond the contract's four files, and how the run shows itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keep {
    /// Write no `paths.parquet` at all.
    pub no_paths: bool,
    /// Metrics kept besides the targets' (`metric` or `metric@year`).
    pub extra_metrics: Vec<String>,
    /// Also write `report.html` in this language.
    pub report: Option<Lang>,
    /// Draw a progress bar on standard error (the caller checks it is a terminal).
    pub progress: bool,
}

/// Why a run into a result set failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input: a flag, an existing folder, an impossible request.
    #[error("{0}")]
    Input(String),
    /// Anything else (disk, internal).
    #[error("{0}")]
    Failure(String),
}

impl From<WriteError> for RunError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Exists(_) => RunError::Input(e.to_string()),
            WriteError::Io { .. } => RunError::Failure(e.to_string()),
        }
    }
}

/// Runs `scenario` and writes its result set to `out` (replacing an existing
/// one only with `force`). Returns the summary written.
pub fn run_to_result_set(
    scenario: &Scenario,
    config: &RunConfig,
    out: &Path,
    force: bool,
    keep: &Keep,
) -> Result<Summary, RunError> {
    let model = Model::compile(scenario)
        .map_err(|e| RunError::Failure(format!("internal error compiling the model: {e}")))?;
    let kept = if keep.no_paths {
        if !keep.extra_metrics.is_empty() {
            return Err(RunError::Input(
                "--keep-metric asks for per-path outcomes, which --no-paths turns off; drop one of the two".into(),
            ));
        }
        Vec::new()
    } else {
        paths::kept_values(&model, scenario, &keep.extra_metrics).map_err(RunError::Input)?
    };
    let staging = Staging::begin(out, force)?;
    let mut writer = match kept.is_empty() {
        true => None,
        false => Some(BackgroundWriter::spawn(paths_writer(
            &staging, &kept, scenario, config,
        )?)),
    };
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
    let totals = engine::run_keeping(&model, config, &indices, sink, progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let totals = totals.map_err(|e| match e {
        EngineError::Sink(_) => RunError::Failure(e.to_string()),
        other => RunError::Input(other.to_string()),
    })?;
    let mut summary = summary::summarize(scenario, &model, &totals, &scenario.run.sampling);
    if let Some(writer) = writer {
        let rows = writer
            .close()
            .map_err(|e| RunError::Failure(format!("cannot finish {}: {e}", paths::PATHS_FILE)))?;
        summary.per_path = Some(PerPath {
            file: paths::PATHS_FILE.into(),
            rows,
            columns: kept.into_iter().map(|(_, name)| name).collect(),
        });
    }
    if let Some(lang) = keep.report {
        let paths_file = summary
            .per_path
            .as_ref()
            .map(|_| staging.file(paths::PATHS_FILE));
        let page = crate::report::run::run_report(&summary, scenario, paths_file.as_deref(), lang);
        let file = staging.file("report.html");
        std::fs::write(&file, page)
            .map_err(|e| RunError::Failure(format!("cannot write {}: {e}", file.display())))?;
    }
    staging.finish(&summary, &scenario.resolved_toml)?;
    Ok(summary)
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
) -> Result<PathsWriter, RunError> {
    let names: Vec<String> = kept.iter().map(|(_, name)| name.clone()).collect();
    let metadata = [
        ("xuhui-sim.format", summary::FORMAT.to_string()),
        (
            "xuhui-sim.scenario.sha256",
            summary::sha256_hex(&scenario.resolved_toml),
        ),
        ("xuhui-sim.seed", config.seed.to_string()),
        ("xuhui-sim.paths", config.paths.to_string()),
        ("xuhui-sim.sampling", scenario.run.sampling.clone()),
    ];
    PathsWriter::create(&staging.file(paths::PATHS_FILE), &names, &metadata)
        .map_err(RunError::Failure)
}
