//! `xuhui-sim discover`: the boxes of assumptions under which a target is
//! missed (PRIM), from a result set's per-path inputs or from any CSV table.

use super::{check_folder, finish_study, print_bytes, DiscoverArgs, Error};
use xuhui_sim::discover::{self, render, Interest, Settings};
use xuhui_sim::report::discover as charts;

pub fn discover(args: &DiscoverArgs) -> Result<(), Error> {
    if let Some(dir) = &args.out {
        check_folder(dir, args.force)?;
    }
    let inputs = args.inputs.as_deref();
    let cases = match (&args.result_set, &args.target, &args.csv, &args.outcome) {
        (Some(dir), Some(target), None, _) => {
            let interest = if args.met {
                Interest::Met
            } else {
                Interest::Missed
            };
            discover::from_result_set(dir, target, interest, inputs)?
        }
        (None, None, Some(file), Some(outcome)) => {
            discover::from_csv(file, outcome, args.threshold, inputs)?
        }
        _ => {
            return Err(Error::Input(
                "discover needs RESULT_SET --target NAME, or --csv FILE --outcome COLUMN".into(),
            ))
        }
    };
    let settings = Settings {
        options: discover::prim::Options {
            peel_alpha: args.peel_alpha,
            paste_alpha: args.paste_alpha,
            mass_min: args.mass_min,
        },
        chosen: args.chosen,
        boxes: args.boxes,
        min_coverage: args.min_coverage,
        resamples: args.resamples,
        seed: args.seed,
    };
    let discovery = discover::discover(&cases, &settings)?;
    let report = render::report(&cases, &discovery);
    let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
    let text = render::text(&cases, &discovery, &report);
    let shown = if args.json {
        json.clone()
    } else {
        text.clone()
    };
    let Some(dir) = &args.out else {
        return print_bytes(shown.as_bytes());
    };
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("discover.json".into(), json.into_bytes()),
        ("discover.txt".into(), text.into_bytes()),
        (
            "trajectory.csv".into(),
            render::trajectory_csv(&report).map_err(Error::Failure)?,
        ),
        (
            "box.csv".into(),
            render::box_csv(&report).map_err(Error::Failure)?,
        ),
    ];
    for b in 0..report.boxes.len() {
        let suffix = if b == 0 {
            String::new()
        } else {
            format!("-{}", b + 1)
        };
        files.push((
            format!("tradeoff{suffix}.svg"),
            charts::tradeoff_svg(&report, b)
                .map_err(Error::Failure)?
                .into_bytes(),
        ));
        files.push((
            format!("box{suffix}.svg"),
            charts::box_svg(&report, b)
                .map_err(Error::Failure)?
                .into_bytes(),
        ));
    }
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    finish_study(dir, args.force, &files, &shown)
}
