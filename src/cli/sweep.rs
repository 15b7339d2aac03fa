//! `xuhui-sim sweep`: a grid of runs over one or two assumptions.

use super::{analysis_error, check_folder, parse_metrics, write_study, CliError, SweepArgs};
use crate::analysis::sweep;

pub fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    let study = args.study.study(None)?;
    let dir = args.study.folder(&study, "sweep")?;
    check_folder(&dir, args.study.force)?;
    let varies = args
        .vary
        .iter()
        .map(|v| sweep::Vary::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(analysis_error)?;
    let metrics = parse_metrics(&args.metrics)?;
    let result = sweep::sweep(&study, &varies, args.steps, &metrics).map_err(analysis_error)?;
    write_study(
        &args.study,
        &dir,
        "sweep",
        &result,
        sweep::csv(&result),
        sweep::table(&result),
    )
}
