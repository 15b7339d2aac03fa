//! `xuhui-sim calibrate`: fit a series' AR(1) growth process to observed growth rates.

use super::{check_folder, finish_study, CalibrateArgs, Error};
use std::path::PathBuf;
use xuhui_sim::analysis::calibrate;

pub fn calibrate(args: &CalibrateArgs) -> Result<(), Error> {
    // The name makes the default folder and the snippet's [series.NAME]: check it first.
    calibrate::check_series(&args.series)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("calibrate-{}", args.series)));
    check_folder(&dir, args.force)?;
    let history = match &args.csv {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Error::Input(format!(
                    "cannot read {} ({e}); check the path",
                    file.display()
                ))
            })?;
            calibrate::history_from_csv(&text, args.column.as_deref(), &file.display().to_string())?
        }
        None if args.history.is_empty() => {
            return Err(Error::Input(
                "give the observed growth rates with --history 0.12,0.10,… or --csv FILE".into(),
            ))
        }
        None => args.history.clone(),
    };
    let fit = calibrate::calibrate(&args.series, &history)?;
    let json = serde_json::to_string_pretty(&fit).unwrap_or_default() + "\n";
    let mut table = csv::Writer::from_writer(Vec::new());
    table.write_record(["parameter", "estimate", "standard_error"])?;
    for (name, e) in [
        ("mean_growth", fit.mean_growth),
        ("persistence", fit.persistence),
        ("volatility", fit.volatility),
    ] {
        table.write_record([name.to_string(), e.value.to_string(), e.se.to_string()])?;
    }
    let text = if args.json {
        json.clone()
    } else {
        calibrate::table(&fit)
    };
    let files = [
        ("calibration.json", json.into_bytes()),
        ("calibration.csv", xuhui_sim::output::csv::finish(table)?),
        ("calibration.toml", fit.snippet.clone().into_bytes()),
    ];
    finish_study(&dir, args.force, &files, &text)
}
