//! The command line: clap's view of the flags (this file), one file per
//! command, and the mapping of errors to exit codes (0 success, 2 usage or
//! scenario error, 1 anything else, 3 a `compare --fail-on` verdict). The engine never sees these types.

mod calibrate;
mod compare;
mod describe;
mod discover;
mod goal_seek;
mod init;
mod report;
mod run;
mod sensitivity;
mod serve;
mod sweep;
mod validate;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use xuhui_sim::engine::MAX_PATHS;
pub(crate) use xuhui_sim::Error;

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
    /// One run per point of a grid over one or two assumptions (common random numbers).
    Sweep(SweepArgs),
    /// Which assumptions move which outcomes: tornado (p10/p90) or Sobol indices.
    Sensitivity(SensitivityArgs),
    /// The value of one assumption at which a target is met with a given probability.
    #[command(name = "goal-seek")]
    GoalSeek(GoalSeekArgs),
    /// Fit a series' growth process (mean, persistence, volatility) to observed growth rates.
    Calibrate(CalibrateArgs),
    /// Render a result set (or a tornado study) as report.html, and optionally an Excel workbook.
    Report(ReportArgs),
    /// Join the shards of a run (`run --shard K/N`) into the result set of the whole run.
    Merge(MergeArgs),
    /// What a scenario holds: series, programmes, targets, metrics and every uncertain input with its source.
    Describe(DescribeArgs),
    /// A what-if page on the live engine: move an assumption, see every target's paired change.
    Serve(ServeArgs),
    /// Scenario discovery (PRIM): the ranges of the assumptions under which a target is missed.
    Discover(DiscoverArgs),
    /// Write a new scenario file that extends the shipped baseline, with commented examples.
    Init(InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `xuhui-sim manpage > xuhui-sim.1`.
    Manpage,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Scenario file (TOML). Without it, the embedded baseline.
    pub scenario: Option<PathBuf>,
    /// Override a scenario value by its dotted key before describing it.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print the description as JSON.
    #[arg(long, conflicts_with = "toml")]
    pub json: bool,
    /// Print the scenario's TOML (the embedded baseline's text without a file; a file's resolved form with one).
    #[arg(long)]
    pub toml: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Scenario file (TOML). Without it, the embedded baseline.
    pub scenario: Option<PathBuf>,
    /// Port to listen on (0: any free port, printed on start).
    #[arg(long, default_value_t = 8484)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address exposes the engine and the save folder to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// The only folder "save as scenario" writes into.
    #[arg(long, default_value = "scenarios")]
    pub save_dir: PathBuf,
    /// Most paths one request may ask for.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=MAX_PATHS))]
    pub max_paths: u64,
    /// Replace an invalid correlation matrix by the nearest valid one (as `run --repair-correlation`).
    #[arg(long)]
    pub repair_correlation: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The scenario file to write (default: my-scenario.toml).
    #[arg(default_value = "my-scenario.toml")]
    pub file: PathBuf,
    /// Replace the file if this tool wrote it (`init` files carry a first-line marker).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A result set folder (written by `run` with its per-path file).
    #[arg(required_unless_present = "csv", conflicts_with = "csv")]
    pub result_set: Option<PathBuf>,
    /// The target whose misses (or, with --met, successes) are the cases of interest.
    #[arg(long, required_unless_present = "csv", conflicts_with = "csv")]
    pub target: Option<String>,
    /// Look for the conditions under which the target is met instead.
    #[arg(long, requires = "target")]
    pub met: bool,
    /// Any table of experiments as CSV (one row per experiment, a header line).
    #[arg(long, value_name = "FILE", requires = "outcome")]
    pub csv: Option<PathBuf>,
    /// The CSV column whose values at least --threshold are the cases of interest.
    #[arg(long, value_name = "COLUMN", requires = "csv")]
    pub outcome: Option<String>,
    /// Cases of interest: outcome ≥ this (default 1, for a 0/1 column).
    #[arg(long, requires = "csv")]
    pub threshold: Option<f64>,
    /// The columns to box, comma-separated (default: a result set's kept inputs; a CSV's other numeric columns).
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub inputs: Option<Vec<String>>,
    /// Share of a box's points one peel removes.
    #[arg(long, default_value_t = 0.05)]
    pub peel_alpha: f64,
    /// Share of a box's points one paste adds.
    #[arg(long, default_value_t = 0.05)]
    pub paste_alpha: f64,
    /// The least share of all points a box may keep.
    #[arg(long, default_value_t = 0.05)]
    pub mass_min: f64,
    /// Report this box of the (first) trajectory instead of the rule's choice.
    #[arg(long = "box", value_name = "N")]
    pub chosen: Option<usize>,
    /// Boxes to find, each among the points outside the ones before.
    #[arg(long, default_value_t = 1)]
    pub boxes: usize,
    /// Choose the densest box covering at least this share of the cases (default: the box with the largest F1, the harmonic mean of coverage and density).
    #[arg(long)]
    pub min_coverage: Option<f64>,
    /// Half samples to re-run PRIM on for each restriction's stability (0: none).
    #[arg(long, default_value_t = 20)]
    pub resamples: usize,
    /// Seed of the half samples.
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// Print discover.json instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write discover.json, discover.txt, trajectory.csv, box.csv and the charts (SVG) to this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace DIR if it holds an earlier discovery (never a folder the tool did not write).
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A result set folder (or a `sensitivity` folder with tornado.json, or a `discover --out` folder).
    pub dir: PathBuf,
    /// Language of the labels.
    #[arg(long, value_enum, default_value_t = xuhui_sim::report::Lang::En)]
    pub lang: xuhui_sim::report::Lang,
    /// Also write report.xlsx (targets, metrics, inputs with sources).
    #[arg(long)]
    pub xlsx: bool,
    /// Where to write the HTML (default: DIR/report.html).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `run` and every study share: the scenario, its overrides, and the
/// size, seed and threads of each run.
#[derive(Debug, Args, Default, Clone)]
pub struct ScenarioArgs {
    /// Scenario file (TOML). Without it, the embedded baseline.
    pub scenario: Option<PathBuf>,
    /// Paths per run (default: the scenario's run.paths; goal-seek: at most 50,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_PATHS))]
    pub paths: Option<u64>,
    /// Random seed, shared by every run of a study (default: the scenario's run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Override a scenario value by its dotted key (in every run of a study), e.g. series.digital_economy.mean_growth=0.13.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

/// What every study shares: the scenario and run settings, the output folder.
#[derive(Debug, Args, Default, Clone)]
pub struct StudyArgs {
    #[command(flatten)]
    pub input: ScenarioArgs,
    /// Folder for the study's CSV and JSON (default: results/<scenario>-<command>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing folder.
    #[arg(long)]
    pub force: bool,
    /// Print the JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Print no table and no progress bar (the files are written all the same).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// An assumption and its range, KEY=LO..HI (once or twice).
    #[arg(long, required = true, value_name = "KEY=LO..HI")]
    pub vary: Vec<String>,
    /// Values per varied assumption.
    #[arg(long, default_value_t = 5)]
    pub steps: usize,
    /// Metrics to report at each point (METRIC or METRIC@YEAR; default: GDP growth in the first year).
    #[arg(long = "metric", value_name = "METRIC[@YEAR]")]
    pub metrics: Vec<String>,
}

/// Sensitivity methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SensitivityMethod {
    /// Each uncertain parameter at its p10 and p90, the others as they are.
    Tornado,
    /// First-order and total Sobol indices (Saltelli sampling, Jansen estimators).
    Sobol,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    #[arg(long, value_enum, default_value_t = SensitivityMethod::Tornado)]
    pub method: SensitivityMethod,
    /// Metrics whose median (tornado) or value (Sobol) to analyse besides the targets.
    #[arg(long = "metric", value_name = "METRIC[@YEAR]")]
    pub metrics: Vec<String>,
    /// Sobol: rows of the Saltelli design to start with (model paths = rows × (parameters + 2)).
    #[arg(long, default_value_t = 4096)]
    pub samples: u64,
    /// Sobol: double the rows until every 95 % interval is at most this wide ...
    #[arg(long, default_value_t = 0.1)]
    pub tolerance: f64,
    /// Sobol: ... or until this many rows.
    #[arg(long, default_value_t = 32_768)]
    pub max_samples: u64,
}

#[derive(Debug, Args)]
pub struct GoalSeekArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// The assumption to solve for (a dotted key).
    #[arg(long, value_name = "KEY")]
    pub vary: String,
    /// The target's name.
    #[arg(long)]
    pub target: String,
    /// The probability wanted, in (0, 1).
    #[arg(long)]
    pub probability: f64,
    /// Range to search, LO..HI (default: the parameter's p1..p99, or 0 to twice its value).
    #[arg(long, value_name = "LO..HI")]
    pub range: Option<String>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The series the fit is for (names the TOML snippet's table).
    #[arg(long)]
    pub series: String,
    /// Observed growth rates, oldest first, comma-separated (e.g. 0.12,0.09,0.11).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        conflicts_with = "csv"
    )]
    pub history: Vec<f64>,
    /// A CSV file of observed growth rates, one per row.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// The CSV column holding the rates (default: the last).
    #[arg(long, requires = "csv")]
    pub column: Option<String>,
    /// Folder for calibration.json, calibration.csv and calibration.toml (default: results/calibrate-<series>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing folder.
    #[arg(long)]
    pub force: bool,
    /// Print the JSON instead of the table.
    #[arg(long)]
    pub json: bool,
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
    #[arg(long, default_value_t = xuhui_sim::compare::DEFAULT_THRESHOLD)]
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
    /// Language of the comparison report written with --out.
    #[arg(long, value_enum, default_value_t = xuhui_sim::report::Lang::En)]
    pub lang: xuhui_sim::report::Lang,
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: ScenarioArgs,
    /// Sampling method (default: the scenario's run.sampling): random, antithetic, lhs or sobol.
    #[arg(long, value_name = "METHOD")]
    pub sampling: Option<String>,
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
    /// Write paths.parquet whatever its size (by default it is written only while it is expected under 1 GB, about 2.4 million baseline paths).
    #[arg(long)]
    pub keep_paths: bool,
    /// Also write report.html (charts, tables, inputs with sources) into the result set.
    #[arg(long)]
    pub report: bool,
    /// Language of the report's labels.
    #[arg(long, value_enum, default_value_t = xuhui_sim::report::Lang::En)]
    pub lang: xuhui_sim::report::Lang,
    /// Replace an invalid correlation matrix by the nearest valid one (Higham 2002) instead of refusing it.
    #[arg(long)]
    pub repair_correlation: bool,
    /// Run in rounds until every target probability's 95 % half-width is at most this (then --paths is the ceiling, default 100,000,000).
    #[arg(long, value_name = "HALF_WIDTH", conflicts_with = "shard")]
    pub precision: Option<f64>,
    /// Also (or instead) run until this metric's mean is known to a relative 95 % half-width, e.g. gdp.growth@2024=0.001.
    #[arg(long, value_name = "METRIC@YEAR=RELATIVE", conflicts_with = "shard")]
    pub precision_metric: Option<String>,
    /// Run only shard K of N (a contiguous share of the paths) into a partial result set for `merge`.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["report", "json"])]
    pub shard: Option<String>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard folders (any order).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The result set to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing result set.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Apply these overrides before checking, as `run --set` does.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Report what --repair-correlation would change instead of refusing an invalid matrix.
    #[arg(long)]
    pub repair_correlation: bool,
}

impl StudyArgs {
    /// The study these flags describe; `default_paths` caps the scenario's path count when no --paths is given.
    pub fn study(&self, default_paths: Option<u64>) -> Result<xuhui_sim::analysis::Study, Error> {
        let input = &self.input;
        let source = match &input.scenario {
            Some(path) => xuhui_sim::analysis::Source::File(path.clone()),
            None => xuhui_sim::analysis::Source::Embedded,
        };
        let mut study = xuhui_sim::analysis::Study {
            source,
            sets: input.sets.clone(),
            paths: input.paths,
            seed: input.seed,
            threads: input.threads.map(usize::from),
        };
        if let Some(cap) = default_paths {
            study.cap_paths(cap)?;
        }
        Ok(study)
    }

    /// The output folder: --out, else results/<scenario name>-<command>.
    pub fn folder(
        &self,
        study: &xuhui_sim::analysis::Study,
        command: &str,
    ) -> Result<PathBuf, Error> {
        match &self.out {
            Some(out) => Ok(out.clone()),
            None => {
                let name = study.scenario(&[])?.name;
                Ok(PathBuf::from("results").join(format!("{name}-{command}")))
            }
        }
    }
}

/// Writes a study's files, then prints its table (or JSON).
pub fn finish_study(
    dir: &std::path::Path,
    force: bool,
    files: &[(&str, Vec<u8>)],
    text: &str,
) -> Result<(), Error> {
    xuhui_sim::output::write_folder(dir, force, files)?;
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::Failure(format!("cannot print: {e}")));
        }
    }
    eprintln!("wrote {}/", dir.display());
    Ok(())
}

/// Writes a study's result as `STEM.json` and `STEM.csv` into `dir`, and
/// prints its table (or, with --json, the JSON).
pub fn write_study<T: serde::Serialize>(
    args: &StudyArgs,
    dir: &std::path::Path,
    stem: &str,
    result: &T,
    csv: Vec<u8>,
    table: String,
) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(result).unwrap_or_default() + "\n";
    let text = match (args.json, args.quiet) {
        (true, _) => json.clone(),
        (false, true) => String::new(),
        (false, false) => table,
    };
    let files = [
        (format!("{stem}.json"), json.into_bytes()),
        (format!("{stem}.csv"), csv),
    ];
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.clone()))
        .collect();
    finish_study(dir, args.force, &files, &text)
}

/// Parses `--metric` flags.
pub fn parse_metrics(metrics: &[String]) -> Result<Vec<xuhui_sim::analysis::MetricChoice>, Error> {
    xuhui_sim::analysis::MetricChoice::parse_all(metrics)
}

/// Refuses early when the output folder exists without --force.
pub fn check_folder(dir: &std::path::Path, force: bool) -> Result<(), Error> {
    xuhui_sim::output::check_destination(dir, force).map_err(|e| Error::Input(e.to_string()))
}

/// `xuhui-sim completions SHELL`: the completion script on standard output.
fn completions(args: &CompletionsArgs) -> Result<(), Error> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "xuhui-sim", &mut out);
    print_bytes(&out)
}

/// `xuhui-sim manpage`: the manual page (roff) on standard output.
fn manpage() -> Result<(), Error> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Failure(format!("cannot render the manual page: {e}")))?;
    print_bytes(&out)
}

/// Writes to standard output; a closed pipe is not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Failure(format!("cannot print: {e}")))
        }
        _ => Ok(()),
    }
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
    // Ctrl-C or SIGTERM: runs stop before their next block, their staging folder is
    // removed, and the command says so (exit 130).
    let _ = ctrlc::set_handler(xuhui_sim::engine::request_stop);
    // Studies and --explain draw a bar of runs on a terminal, never into a pipe.
    let quiet = match &cli.command {
        Some(Command::Sweep(a)) => a.study.quiet,
        Some(Command::Sensitivity(a)) => a.study.quiet,
        Some(Command::GoalSeek(a)) => a.study.quiet,
        Some(Command::Compare(a)) => a.json || a.csv || a.markdown,
        _ => true,
    };
    if !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        xuhui_sim::progress::enable();
    }
    let result = match cli.command {
        None => run::run(RunArgs::default(), true),
        Some(Command::Run(args)) => run::run(args, false),
        Some(Command::Validate(args)) => validate::validate(&args),
        Some(Command::Compare(args)) => compare::compare(&args),
        Some(Command::Sweep(args)) => sweep::sweep(&args),
        Some(Command::Sensitivity(args)) => sensitivity::sensitivity(&args),
        Some(Command::GoalSeek(args)) => goal_seek::goal_seek(&args),
        Some(Command::Calibrate(args)) => calibrate::calibrate(&args),
        Some(Command::Report(args)) => report::report(&args),
        Some(Command::Merge(args)) => run::merge(&args),
        Some(Command::Describe(args)) => describe::describe(&args),
        Some(Command::Init(args)) => init::init(&args),
        Some(Command::Serve(args)) => serve::serve(&args),
        Some(Command::Discover(args)) => discover::discover(&args),
        Some(Command::Completions(args)) => completions(&args),
        Some(Command::Manpage) => manpage(),
    };
    xuhui_sim::progress::end();
    // A stop request ends every command the same way, whatever error the
    // interrupted work surfaced as (a study's, a comparison's, a run's):
    // staging folders and temporary files are gone by now (dropped on the way out).
    let interrupted_already = result.as_ref().is_err_and(Error::is_interrupted);
    if result.is_err() && !interrupted_already && xuhui_sim::engine::stop_requested() {
        eprintln!("interrupted: nothing was written and no temporary file is left");
        return 130;
    }
    match result {
        Ok(()) => 0,
        Err(e) => {
            match e {
                // A verdict and an interruption are not errors of the user's input.
                Error::Verdict(_) | Error::Interrupted(_) => eprintln!("{e}"),
                _ => eprintln!("error: {e}"),
            }
            e.exit_code()
        }
    }
}
