//! `xuhui-sim run`: load a scenario, resolve the run configuration from the
//! scenario's `[run]` and the flags, run it into a result set, print.

use super::{Error, RunArgs};
use std::io::Write;
use std::path::PathBuf;
use xuhui_sim::engine::RunConfig;
use xuhui_sim::output::{self, table::target_table};
use xuhui_sim::runner::{run_to_result_set, Keep};
use xuhui_sim::scenario::{self, Scenario};
use xuhui_sim::summary::Summary;

/// Runs the command. `quick_start` is the bare `xuhui-sim` invocation: the
/// embedded baseline, replacing `results/baseline/` (its numbers are fixed by
/// the binary, so nothing of the user's is lost).
pub fn run(args: RunArgs, quick_start: bool) -> Result<(), Error> {
    let scenario = load(&args)?;
    let precision = precision_goal(&args)?;
    let config = RunConfig {
        paths: match (&precision, args.input.paths) {
            (Some(_), None) => PRECISION_CEILING,
            (_, Some(paths)) => paths,
            (None, None) => scenario.run.paths,
        },
        seed: args.input.seed.unwrap_or(scenario.run.seed),
        threads: args.input.threads.map(usize::from),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    use std::io::IsTerminal;
    let keep = Keep {
        no_paths: args.no_paths,
        keep_paths: args.keep_paths,
        extra_metrics: args.keep_metrics.clone(),
        report: args.report.then(|| {
            let lang = args.lang;
            xuhui_sim::runner::Page {
                file: "report.html",
                render: std::sync::Arc::new(move |summary, scenario, paths_file| {
                    xuhui_sim::report::run::run_report(summary, scenario, paths_file, lang)
                }),
            }
        }),
        progress: !args.quiet
            && config.paths >= xuhui_sim::runner::PROGRESS_PATHS
            && std::io::stderr().is_terminal(),
        precision,
    };
    if let Some(shard) = &args.shard {
        return run_shard(&args, &scenario, &config, shard, &keep);
    }
    let summary = run_to_result_set(&scenario, &config, &out, args.force || quick_start, &keep)?;
    print(&args, &summary)?;
    if let (Some(precision), false) = (&summary.run.precision, args.quiet) {
        eprintln!("{}", precision.sentence());
    }
    if !args.quiet {
        eprintln!("wrote {}/", out.display());
    }
    Ok(())
}

/// The most paths a `--precision` run takes when --paths does not say.
const PRECISION_CEILING: u64 = 100_000_000;

fn precision_goal(args: &RunArgs) -> Result<Option<xuhui_sim::runner::Precision>, Error> {
    if let Some(p) = args.precision {
        if !(p > 0.0 && p < 0.5) {
            return Err(Error::Input(format!(
                "--precision {p} must be a half-width in (0, 0.5), e.g. 0.005"
            )));
        }
    }
    let metric = match &args.precision_metric {
        None => None,
        Some(text) => {
            let bad = || {
                Error::Input(format!("--precision-metric {text}: write METRIC@YEAR=RELATIVE, e.g. gdp.growth@2024=0.001"))
            };
            let (metric, relative) = text.split_once('=').ok_or_else(bad)?;
            let (name, year) = metric.split_once('@').ok_or_else(bad)?;
            let year: i32 = year.parse().map_err(|_| bad())?;
            let relative: f64 = relative.parse().map_err(|_| bad())?;
            if !(relative > 0.0 && relative.is_finite()) {
                return Err(bad());
            }
            Some((name.to_string(), year, relative))
        }
    };
    Ok(
        (args.precision.is_some() || metric.is_some()).then_some(xuhui_sim::runner::Precision {
            probability: args.precision,
            metric,
        }),
    )
}

fn run_shard(
    args: &RunArgs,
    scenario: &Scenario,
    config: &RunConfig,
    shard: &str,
    keep: &Keep,
) -> Result<(), Error> {
    let (k, n) = xuhui_sim::shard::parse_shard(shard).map_err(Error::Input)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("{}-shard-{k}-of-{n}", scenario.name))
    });
    let info = xuhui_sim::shard::run_shard(scenario, config, (k, n), &out, args.force, keep)?;
    if !args.quiet {
        let first = info.first_block * xuhui_sim::engine::BLOCK_PATHS;
        let end =
            ((info.first_block + info.blocks) * xuhui_sim::engine::BLOCK_PATHS).min(info.paths);
        eprintln!(
            "wrote {}/ (shard {k}/{n}: paths {first} to {} of {}); join the shards with `xuhui-sim merge`",
            out.display(),
            end.saturating_sub(1),
            info.paths
        );
    }
    Ok(())
}

/// `xuhui-sim merge`: join shards into one result set.
pub fn merge(args: &super::MergeArgs) -> Result<(), Error> {
    let summary = xuhui_sim::shard::merge(&args.shards, &args.out, args.force)?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(target_table(&summary).as_bytes());
    eprintln!(
        "wrote {}/ ({} shards, {} paths)",
        args.out.display(),
        args.shards.len(),
        summary.run.paths
    );
    Ok(())
}

fn print(args: &RunArgs, summary: &Summary) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    let printed = if args.json {
        stdout.write_all(output::json::summary_json(summary).as_bytes())
    } else if !args.quiet {
        let header = summary
            .run
            .precision
            .as_ref()
            .map(|p| p.sentence() + "\n\n")
            .unwrap_or_default();
        stdout.write_all((header + &target_table(summary)).as_bytes())
    } else {
        Ok(())
    };
    // A closed pipe (`| head`) is not an error.
    match printed.and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Failure(format!("cannot print the result: {e}")))
        }
        _ => Ok(()),
    }
}

fn load(args: &RunArgs) -> Result<Scenario, Error> {
    let mut sets = args.input.sets.clone();
    if let Some(sampling) = &args.sampling {
        // Refused here, so that the message names the flag the user typed.
        scenario::decode::check_sampling(sampling, &scenario::Origin::Default)
            .map_err(|e| Error::Input(format!("--sampling {sampling}: {}", e.message)))?;
        sets.push(format!("run.sampling={sampling}"));
    }
    let options = scenario::LoadOptions {
        repair_correlation: args.repair_correlation,
    };
    let loaded = match &args.input.scenario {
        Some(path) => scenario::load_file_with(path, &sets, options),
        None => scenario::load_embedded_baseline_with(&sets, options),
    };
    let loaded = loaded?;
    if let (Some(repair), false) = (&loaded.correlation_repair, args.quiet) {
        eprintln!(
            "repaired the correlation matrix (Higham's nearest correlation matrix): largest change {:.6}, Frobenius distance {:.6}; recorded in summary.json",
            repair.largest_change, repair.frobenius_distance
        );
    }
    if !args.quiet {
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(loaded)
}
