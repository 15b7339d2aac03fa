//! `xuhui-sim validate`: load and check scenario files without running them.

use super::{Error, ValidateArgs};
use xuhui_sim::scenario;

/// Checks every file, printing one line each; fails (exit 2) if any is invalid.
pub fn validate(args: &ValidateArgs) -> Result<(), Error> {
    let mut failures = Vec::new();
    for file in &args.files {
        let options = scenario::LoadOptions {
            repair_correlation: args.repair_correlation,
        };
        match scenario::load_file_with(file, &args.sets, options) {
            Ok(s) => {
                if let Some(repair) = &s.correlation_repair {
                    println!(
                        "{}: the correlation matrix would be repaired: largest change {:.6}, Frobenius distance {:.6}",
                        file.display(),
                        repair.largest_change,
                        repair.frobenius_distance
                    );
                }
                println!(
                    "{}: ok — `{}`, {}-{}, {} series, {} programmes, {} targets",
                    file.display(),
                    s.name,
                    s.base_year,
                    s.end_year,
                    s.series.len(),
                    s.programmes.len(),
                    s.targets.len()
                )
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    match failures.len() {
        0 => Ok(()),
        1 => Err(Error::Input(failures.remove(0))),
        n => Err(Error::Input(format!(
            "{n} scenario files are invalid:\n  {}",
            failures.join("\n  ")
        ))),
    }
}
