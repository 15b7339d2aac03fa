//! `xuhui-sim report DIR`: a result set (or a tornado study) as report.html,
//! and with --xlsx as report.xlsx.

use super::{Error, ReportArgs};
use std::path::Path;
use xuhui_sim::report::{self, ReportSource};

pub fn report(args: &ReportArgs) -> Result<(), Error> {
    let source = report::open(&args.dir).map_err(Error::Input)?;
    let html_path = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join("report.html"));
    match source {
        ReportSource::Run(set) => {
            let scenario = report::scenario_of(&set).map_err(Error::Input)?;
            let page = report::run::run_report(
                &set.summary,
                &scenario,
                set.paths_file().as_deref(),
                args.lang,
            );
            write_atomically(&html_path, page.as_bytes())?;
            if args.xlsx {
                let bytes = report::xlsx::workbook(&set.summary, &scenario, args.lang)
                    .map_err(Error::Failure)?;
                let xlsx_path = html_path.with_extension("xlsx");
                write_atomically(&xlsx_path, &bytes)?;
                eprintln!("wrote {}", xlsx_path.display());
            }
        }
        ReportSource::Tornado(study) => {
            if args.xlsx {
                return Err(Error::Input(
                    "--xlsx is for result sets of `run`; a tornado study has tornado.csv already"
                        .into(),
                ));
            }
            write_atomically(
                &html_path,
                report::tornado::tornado_report(&study, args.lang).as_bytes(),
            )?;
        }
        ReportSource::Discover(discovery) => {
            if args.xlsx {
                return Err(Error::Input(
                    "--xlsx is for result sets of `run`; a discovery has trajectory.csv and box.csv already"
                        .into(),
                ));
            }
            write_atomically(
                &html_path,
                report::discover::discover_report(&discovery, args.lang).as_bytes(),
            )?;
        }
    }
    eprintln!("wrote {}", html_path.display());
    Ok(())
}

/// Writes beside the destination, then renames: a reader never sees half a file.
/// Never over a file the tool did not write (see `output::replace::file_replaceable`).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    xuhui_sim::output::replace::file_replaceable(path).map_err(Error::Input)?;
    if xuhui_sim::engine::stop_requested() {
        return Err(Error::Interrupted(
            "interrupted: no report was written".into(),
        ));
    }
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, bytes)
        .and_then(|_| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Error::Failure(format!("cannot write {}: {e}", path.display()))
        })
}
