//! The command line: clap's view of the flags (this file), one file per
//! command, and the mapping of errors to exit codes (0 success, 2 usage or
//! scenario error, 1 anything else, 3 a `compare --fail-on` verdict). The engine never sees these types.

mod compare;
mod run;
mod validate;

use crate::engine::MAX_PATHS;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "xuhui-sim",
    version,
    about = "Monte Carlo scenarios for the Xuhui District plan: how likely is each target?",
    long_about = "Monte Carlo scenarios for the Xuhui District plan: how likely is each target?\n\nWithout a command, runs the embedded baseline scenario, (re)writes results/baseline/ and prints the target table."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write a result set (default: results/<name>/).
    Run(RunArgs),
    /// Load and check scenario files; run nothing.
    Validate(ValidateArgs),
    /// Compare result sets: each target's change with a 95 % interval and a verdict.
    Compare(CompareArgs),
}

/// What makes `compare` exit with code 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any target significantly worse than in the base.
    Worse,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The base result set (folder).
    pub base: PathBuf,
    /// Result sets to compare with the base.
    #[arg(required = true)]
    pub others: Vec<PathBuf>,
    /// Noise threshold on a probability change: verdicts need the whole 95 % interval beyond it.
    #[arg(long, default_value_t = crate::compare::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Print the comparison as JSON.
    #[arg(long, conflicts_with_all = ["markdown", "csv"])]
    pub json: bool,
    /// Print the comparison as Markdown.
    #[arg(long, conflicts_with = "csv")]
    pub markdown: bool,
    /// Print the comparison as CSV.
    #[arg(long)]
    pub csv: bool,
    /// Also write comparison.json, comparison.md and comparison.csv into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out folder.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 3 when a target got significantly worse.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Split each target's change across the assumptions that differ (Shapley), by re-running them.
    #[arg(long)]
    pub explain: bool,
    /// Paths per re-run for --explain (default: the base's paths, at most 50,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_PATHS))]
    pub explain_paths: Option<u64>,
    /// Worker threads for --explain.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Scenario file (TOML). Without it, the embedded baseline.
    pub scenario: Option<PathBuf>,
    /// Number of simulated paths (default: the scenario's run.paths).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_PATHS))]
    pub paths: Option<u64>,
    /// Random seed (default: the scenario's run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Override a scenario value by its dotted key, e.g. series.digital_economy.mean_growth=0.13.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Result set folder (default: results/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing result set.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (and the JSON with --json).
    #[arg(long)]
    pub quiet: bool,
    /// Print summary.json to standard output instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also keep this metric's per-path values (all years, or NAME@YEAR) in paths.parquet.
    #[arg(long = "keep-metric", value_name = "METRIC[@YEAR]")]
    pub keep_metrics: Vec<String>,
    /// Do not write paths.parquet (per-path outcomes of the target metrics).
    #[arg(long)]
    pub no_paths: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Apply these overrides before checking, as `run --set` does.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

/// A failure with its exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad input (scenario, flag, existing folder): exit 2.
    Input(String),
    /// Anything else: exit 1.
    Failure(String),
    /// The command worked but its verdict fails the caller's condition: exit 3.
    Verdict(String),
}

/// Parses the arguments, runs the command, prints any error; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        None => run::run(RunArgs::default(), true),
        Some(Command::Run(args)) => run::run(args, false),
        Some(Command::Validate(args)) => validate::validate(&args),
        Some(Command::Compare(args)) => compare::compare(&args),
    };
    match result {
        Ok(()) => 0,
        Err(CliError::Input(message)) => {
            eprintln!("error: {message}");
            2
        }
        Err(CliError::Failure(message)) => {
            eprintln!("error: {message}");
            1
        }
        Err(CliError::Verdict(message)) => {
            eprintln!("{message}");
            3
        }
    }
}
