//! `xuhui-sim run`: load a scenario, resolve the run configuration from the
//! scenario's `[run]` and the flags, simulate, write the result set, print.

use super::{CliError, RunArgs};
use crate::engine::{self, RunConfig};
use crate::model::Model;
use crate::output::{self, table::target_table, WriteError};
use crate::scenario::{self, Scenario};
use crate::summary;
use std::io::Write;
use std::path::PathBuf;

/// Runs the command. `quick_start` is the bare `xuhui-sim` invocation: the
/// embedded baseline, replacing `results/baseline/` (its numbers are fixed by
/// the binary, so nothing of the user's is lost).
pub fn run(args: RunArgs, quick_start: bool) -> Result<(), CliError> {
    let scenario = load(&args)?;
    let config = RunConfig {
        paths: args.paths.unwrap_or(scenario.run.paths),
        seed: args.seed.unwrap_or(scenario.run.seed),
        threads: args.threads.map(usize::from),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let force = args.force || quick_start;
    output::check_destination(&out, force).map_err(write_error)?;

    let model = Model::compile(&scenario)
        .map_err(|e| CliError::Failure(format!("internal error compiling the model: {e}")))?;
    let totals = engine::run(&model, &config).map_err(|e| CliError::Input(e.to_string()))?;
    let summary = summary::summarize(&scenario, &model, &totals, &scenario.run.sampling);
    output::write_result_set(&out, force, &summary, &scenario.resolved_toml)
        .map_err(write_error)?;

    let mut stdout = std::io::stdout().lock();
    let printed = if args.json {
        stdout.write_all(output::json::summary_json(&summary).as_bytes())
    } else if !args.quiet {
        stdout.write_all(target_table(&summary).as_bytes())
    } else {
        Ok(())
    };
    // A closed pipe (`| head`) is not an error.
    if let Err(e) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::Failure(format!("cannot print the result: {e}")));
        }
    }
    if !args.quiet {
        eprintln!("wrote {}/", out.display());
    }
    Ok(())
}

fn load(args: &RunArgs) -> Result<Scenario, CliError> {
    let loaded = match &args.scenario {
        Some(path) => scenario::load_file(path, &args.sets),
        None => scenario::load_embedded_baseline(&args.sets),
    };
    loaded.map_err(|e| CliError::Input(e.to_string()))
}

fn write_error(e: WriteError) -> CliError {
    match e {
        WriteError::Exists(_) => CliError::Input(e.to_string()),
        WriteError::Io { .. } => CliError::Failure(e.to_string()),
    }
}
