//! `xuhui-sim run`: load a scenario, resolve the run configuration from the
//! scenario's `[run]` and the flags, run it into a result set, print.

use super::{CliError, RunArgs};
use crate::engine::RunConfig;
use crate::output::{self, table::target_table};
use crate::runner::{run_to_result_set, Keep, RunError};
use crate::scenario::{self, Scenario};
use crate::summary::Summary;
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
    use std::io::IsTerminal;
    let keep = Keep {
        no_paths: args.no_paths,
        extra_metrics: args.keep_metrics.clone(),
        report: args.report.then_some(args.lang),
        progress: !args.quiet
            && config.paths >= crate::runner::PROGRESS_PATHS
            && std::io::stderr().is_terminal(),
    };
    let summary = run_to_result_set(&scenario, &config, &out, args.force || quick_start, &keep)
        .map_err(|e| match e {
            RunError::Input(message) => CliError::Input(message),
            RunError::Failure(message) => CliError::Failure(message),
        })?;
    print(&args, &summary)?;
    if !args.quiet {
        eprintln!("wrote {}/", out.display());
    }
    Ok(())
}

fn print(args: &RunArgs, summary: &Summary) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    let printed = if args.json {
        stdout.write_all(output::json::summary_json(summary).as_bytes())
    } else if !args.quiet {
        stdout.write_all(target_table(summary).as_bytes())
    } else {
        Ok(())
    };
    // A closed pipe (`| head`) is not an error.
    match printed.and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failure(format!("cannot print the result: {e}")))
        }
        _ => Ok(()),
    }
}

fn load(args: &RunArgs) -> Result<Scenario, CliError> {
    let loaded = match &args.scenario {
        Some(path) => scenario::load_file(path, &args.sets),
        None => scenario::load_embedded_baseline(&args.sets),
    };
    loaded.map_err(|e| CliError::Input(e.to_string()))
}
