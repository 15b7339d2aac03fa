//! `xuhui-sim sweep`: a grid of runs over one or two assumptions.

use super::{check_folder, parse_metrics, write_study, Error, SweepArgs};
use xuhui_sim::analysis::sweep;

pub fn sweep(args: &SweepArgs) -> Result<(), Error> {
    let study = args.study.study(None)?;
    let dir = args.study.folder(&study, "sweep")?;
    check_folder(&dir, args.study.force)?;
    let varies = args
        .vary
        .iter()
        .map(|v| sweep::Vary::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    let metrics = parse_metrics(&args.metrics)?;
    let result = sweep::sweep(&study, &varies, args.steps, &metrics)?;
    write_study(
        &args.study,
        &dir,
        "sweep",
        &result,
        sweep::csv(&result)?,
        sweep::table(&result),
    )
}
