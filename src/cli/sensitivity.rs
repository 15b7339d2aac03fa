//! `xuhui-sim sensitivity`: a tornado of the uncertain parameters, or Sobol indices.

use super::{
    analysis_error, check_folder, finish_study, CliError, SensitivityArgs, SensitivityMethod,
};
use crate::analysis::{sobol, tornado, MetricChoice};

pub fn sensitivity(args: &SensitivityArgs) -> Result<(), CliError> {
    let study = args.study.study(None)?;
    let dir = args.study.folder(&study, "sensitivity")?;
    check_folder(&dir, args.study.force)?;
    let metrics = args
        .metrics
        .iter()
        .map(|m| MetricChoice::parse(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(analysis_error)?;
    match args.method {
        SensitivityMethod::Tornado => {
            let result = tornado::tornado(&study, &metrics).map_err(analysis_error)?;
            let json = serde_json::to_string_pretty(&result).unwrap_or_default() + "\n";
            let text = if args.study.json {
                json.clone()
            } else {
                tornado::table(&result)
            };
            finish_study(
                &dir,
                args.study.force,
                &[
                    ("tornado.json", json.into_bytes()),
                    ("tornado.csv", tornado::csv(&result)),
                ],
                &text,
            )
        }
        SensitivityMethod::Sobol => {
            if args.tolerance.is_nan()
                || args.tolerance <= 0.0
                || args.samples == 0
                || args.max_samples < args.samples
            {
                return Err(CliError::Input(
                    "--samples must be at least 1, --max-samples at least --samples, and --tolerance above 0".into(),
                ));
            }
            let options = sobol::SobolOptions {
                samples: args.samples,
                max_samples: args.max_samples,
                tolerance: args.tolerance,
                metrics,
            };
            let result = sobol::sobol(&study, &options).map_err(analysis_error)?;
            let json = serde_json::to_string_pretty(&result).unwrap_or_default() + "\n";
            let text = if args.study.json {
                json.clone()
            } else {
                sobol::table(&result)
            };
            finish_study(
                &dir,
                args.study.force,
                &[
                    ("sobol.json", json.into_bytes()),
                    ("sobol.csv", sobol::csv(&result)),
                ],
                &text,
            )
        }
    }
}
