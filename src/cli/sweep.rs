//! `xuhui-sim sweep`: a grid of runs over one or two assumptions.

use super::{analysis_error, check_folder, finish_study, CliError, SweepArgs};
use crate::analysis::{sweep, MetricChoice};

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
    let metrics = args
        .metrics
        .iter()
        .map(|m| MetricChoice::parse(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(analysis_error)?;
    let result = sweep::sweep(&study, &varies, args.steps, &metrics).map_err(analysis_error)?;
    let json = serde_json::to_string_pretty(&result).unwrap_or_default() + "\n";
    let text = if args.study.json {
        json.clone()
    } else {
        sweep::table(&result)
    };
    finish_study(
        &dir,
        args.study.force,
        &[
            ("sweep.json", json.into_bytes()),
            ("sweep.csv", sweep::csv(&result)),
        ],
        &text,
    )
}
