//! `xuhui-sim calibrate`: fit a series' AR(1) growth process to observed growth rates.

use super::{analysis_error, check_folder, finish_study, CalibrateArgs, CliError};
use crate::analysis::calibrate;
use std::path::PathBuf;

pub fn calibrate(args: &CalibrateArgs) -> Result<(), CliError> {
    // The name makes the default folder and the snippet's [series.NAME]: check it first.
    calibrate::check_series(&args.series).map_err(analysis_error)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("calibrate-{}", args.series)));
    check_folder(&dir, args.force)?;
    let history = match &args.csv {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                CliError::Input(format!(
                    "cannot read {} ({e}); check the path",
                    file.display()
                ))
            })?;
            calibrate::history_from_csv(&text, args.column.as_deref(), &file.display().to_string())
                .map_err(analysis_error)?
        }
        None if args.history.is_empty() => {
            return Err(CliError::Input(
                "give the observed growth rates with --history 0.12,0.10,… or --csv FILE".into(),
            ))
        }
        None => args.history.clone(),
    };
    let fit = calibrate::calibrate(&args.series, &history).map_err(analysis_error)?;
    let json = serde_json::to_string_pretty(&fit).unwrap_or_default() + "\n";
    let mut table = csv::Writer::from_writer(Vec::new());
    let _ = table.write_record(["parameter", "estimate", "standard_error"]);
    for (name, e) in [
        ("mean_growth", fit.mean_growth),
        ("persistence", fit.persistence),
        ("volatility", fit.volatility),
    ] {
        let _ = table.write_record([name.to_string(), e.value.to_string(), e.se.to_string()]);
    }
    let text = if args.json {
        json.clone()
    } else {
        calibrate::table(&fit)
    };
    let files = [
        ("calibration.json", json.into_bytes()),
        ("calibration.csv", table.into_inner().unwrap_or_default()),
        ("calibration.toml", fit.snippet.clone().into_bytes()),
    ];
    finish_study(&dir, args.force, &files, &text)
}
