//! `xuhui-sim compare BASE OTHER...`: open the sets, compare, optionally
//! attribute the changes (`--explain`), print one format, write all three.

use super::{CompareArgs, Error, FailOn};
use std::io::Write;
use xuhui_sim::compare::{self, explain, render, ResultSet, Verdict};
use xuhui_sim::output::Staging;

/// Paths per `--explain` re-run, at most.
const EXPLAIN_PATHS: u64 = 50_000;

pub fn compare(args: &CompareArgs) -> Result<(), Error> {
    if !(0.0..1.0).contains(&args.threshold) {
        return Err(Error::Input(format!(
            "--threshold {} must be a probability difference in [0, 1), e.g. 0.005",
            args.threshold
        )));
    }
    let base = ResultSet::open(&args.base)?;
    let others = args
        .others
        .iter()
        .map(|dir| ResultSet::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(out) = &args.out {
        xuhui_sim::output::check_destination(out, args.force)
            .map_err(|e| Error::Input(e.to_string()))?;
    }
    let mut comparison = compare::compare(&base, &others, args.threshold)?;
    if args.explain {
        let paths = args
            .explain_paths
            .unwrap_or(base.summary.run.paths.min(EXPLAIN_PATHS));
        for (set, other) in comparison.others.iter_mut().zip(&others) {
            let threads = args.threads.map(usize::from);
            set.explanation = Some(explain::explain(&base, other, paths, threads)?);
        }
    }

    let text = if args.json {
        render::json(&comparison)
    } else if args.markdown {
        render::markdown::markdown(&comparison)
    } else if args.csv {
        String::from_utf8_lossy(&render::csv::csv(&comparison)?).into_owned()
    } else {
        let mut table = render::table::table(&comparison);
        table.push_str(&render::table::explanations(&comparison));
        table
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::Failure(format!("cannot print the comparison: {e}")));
        }
    }
    if let Some(out) = &args.out {
        let staging = Staging::begin(out, args.force).map_err(|e| Error::Failure(e.to_string()))?;
        let write = |name: &str, bytes: &[u8]| {
            std::fs::write(staging.file(name), bytes)
                .map_err(|e| Error::Failure(format!("cannot write {name}: {e}")))
        };
        write("comparison.json", render::json(&comparison).as_bytes())?;
        write(
            "comparison.md",
            render::markdown::markdown(&comparison).as_bytes(),
        )?;
        write("comparison.csv", &render::csv::csv(&comparison)?)?;
        let page = xuhui_sim::report::comparison::comparison_report(
            &comparison,
            &base,
            &others,
            args.lang,
        );
        write("report.html", page.as_bytes())?;
        staging
            .commit()
            .map_err(|e| Error::Failure(e.to_string()))?;
        eprintln!("wrote {}/", out.display());
    }
    if args.fail_on == Some(FailOn::Worse) {
        let worse: Vec<String> = comparison
            .others
            .iter()
            .flat_map(|set| {
                set.targets
                    .iter()
                    .filter(|t| t.verdict == Verdict::Worse)
                    .map(move |t| format!("{} in {}", t.name, set.set.name))
            })
            .collect();
        if !worse.is_empty() {
            return Err(Error::Verdict(format!(
                "--fail-on worse: {} target(s) significantly worse: {}",
                worse.len(),
                worse.join(", ")
            )));
        }
    }
    Ok(())
}
