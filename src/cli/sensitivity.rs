//! `xuhui-sim sensitivity`: a tornado of the uncertain parameters, or Sobol indices.

use super::{check_folder, parse_metrics, write_study, Error, SensitivityArgs, SensitivityMethod};
use xuhui_sim::analysis::{sobol, tornado};

pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Error> {
    let study = args.study.study(None)?;
    // Tornado and Sobol studies of one scenario get folders of their own
    // (results/<name>-sensitivity and results/<name>-sobol), so one never
    // stands in the way of the other.
    let command = match args.method {
        SensitivityMethod::Tornado => "sensitivity",
        SensitivityMethod::Sobol => "sobol",
    };
    let dir = args.study.folder(&study, command)?;
    check_folder(&dir, args.study.force)?;
    let metrics = parse_metrics(&args.metrics)?;
    match args.method {
        SensitivityMethod::Tornado => {
            let result = tornado::tornado(&study, &metrics)?;
            write_study(
                &args.study,
                &dir,
                "tornado",
                &result,
                tornado::csv(&result)?,
                tornado::table(&result),
            )
        }
        SensitivityMethod::Sobol => {
            if args.tolerance.is_nan()
                || args.tolerance <= 0.0
                || args.samples == 0
                || args.max_samples < args.samples
            {
                return Err(Error::Input(
                    "--samples must be at least 1, --max-samples at least --samples, and --tolerance above 0".into(),
                ));
            }
            let options = sobol::SobolOptions {
                samples: args.samples,
                max_samples: args.max_samples,
                tolerance: args.tolerance,
                metrics,
            };
            let result = sobol::sobol(&study, &options)?;
            write_study(
                &args.study,
                &dir,
                "sobol",
                &result,
                sobol::csv(&result)?,
                sobol::table(&result),
            )
        }
    }
}
