//! `xuhui-sim goal-seek`: solve for the value of one assumption that meets a target with probability P.

use super::{check_folder, write_study, Error, GoalSeekArgs};
use xuhui_sim::analysis::{goal_seek, parse_range};

/// Paths per trial when --paths is not given, at most.
const GOAL_SEEK_PATHS: u64 = 50_000;

pub fn goal_seek(args: &GoalSeekArgs) -> Result<(), Error> {
    let study = args.study.study(Some(GOAL_SEEK_PATHS))?;
    let dir = args.study.folder(&study, "goal-seek")?;
    check_folder(&dir, args.study.force)?;
    let range = args
        .range
        .as_deref()
        .map(|r| parse_range(r, "--range"))
        .transpose()?;
    let result = goal_seek::goal_seek(&study, &args.vary, &args.target, args.probability, range)?;
    write_study(
        &args.study,
        &dir,
        "goal-seek",
        &result,
        goal_seek::csv(&result)?,
        goal_seek::table(&result),
    )
}
