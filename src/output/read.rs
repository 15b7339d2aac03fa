//! Reading a result set back: its summary, stored scenario and per-path
//! file, with the refusals of a folder that is not one (an unknown format, a
//! truncated, edited or foreign file). Beside the writer in this module, so
//! the two sides of the contract live together.

use super::paths::PATHS_FILE;
use crate::summary::{Summary, FORMAT};
use crate::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// A result set on disk: its summary, stored scenario and per-path file.
#[derive(Clone, Debug)]
pub struct ResultSet {
    pub dir: PathBuf,
    pub summary: Summary,
    /// `scenario.toml`, when present.
    pub scenario_toml: Option<String>,
}

impl ResultSet {
    /// Reads `dir/summary.json` (and `scenario.toml` if present).
    pub fn open(dir: &Path) -> Result<ResultSet, Error> {
        let shown = dir.display();
        if !dir.is_dir() {
            return Err(Error::Input(format!(
                "{shown} is not a folder; give result-set folders such as results/baseline"
            )));
        }
        let summary_path = dir.join("summary.json");
        let text = fs::read_to_string(&summary_path).map_err(|e| {
            Error::Input(format!(
                "{shown} has no readable summary.json ({e}); is it a result set written by `xuhui-sim run`?"
            ))
        })?;
        let raw: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!(
                "{shown}/summary.json is not valid JSON ({e}); the file is damaged"
            ))
        })?;
        match raw.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(Error::Input(format!(
                    "{shown} is a result set of format `{other}`, which this binary does not know (it reads `{FORMAT}`); use the xuhui-sim version that wrote it"
                )))
            }
            None => {
                return Err(Error::Input(format!(
                    "{shown}/summary.json has no `format`; it was not written by xuhui-sim"
                )))
            }
        }
        let summary: Summary = serde_json::from_value(raw).map_err(|e| {
            Error::Input(format!("{shown}/summary.json does not hold to the result-set format ({e}); the file was edited or damaged"))
        })?;
        verify_files(dir, &summary)?;
        Ok(ResultSet {
            dir: dir.to_path_buf(),
            summary,
            scenario_toml: fs::read_to_string(dir.join("scenario.toml")).ok(),
        })
    }

    /// The per-path file, when the set has one.
    pub fn paths_file(&self) -> Option<PathBuf> {
        let per_path = self.summary.per_path.as_ref()?;
        let file = self.dir.join(&per_path.file);
        (file.is_file() && per_path.file == PATHS_FILE).then_some(file)
    }

    /// Whether the set kept this column of per-path values.
    pub(crate) fn has_column(&self, column: &str) -> bool {
        self.paths_file().is_some()
            && self
                .summary
                .per_path
                .as_ref()
                .is_some_and(|p| p.columns.iter().any(|c| c == column))
    }

    /// Its name for tables: the scenario name and folder.
    pub(crate) fn label(&self) -> String {
        self.summary.scenario.name.clone()
    }
}

/// Checks every file `summary.json` lists: present, of its size, with its checksum.
pub(crate) fn verify_files(dir: &Path, summary: &Summary) -> Result<(), Error> {
    for (name, check) in &summary.files {
        // report.html may be rewritten by `report`; it is derived, not data.
        if name == "report.html" || name == "report.xlsx" {
            continue;
        }
        let path = dir.join(name);
        let bytes = fs::metadata(&path).map(|m| m.len()).map_err(|_| {
            Error::Input(format!(
                "{} is missing; the result set is incomplete",
                path.display()
            ))
        })?;
        if bytes != check.bytes {
            return Err(Error::Input(format!(
                "{} has {bytes} bytes but summary.json says {}: it was truncated, edited or replaced; rerun the scenario",
                path.display(),
                check.bytes
            )));
        }
        if let Some(expected) = &check.sha256 {
            let content = fs::read(&path)
                .map_err(|e| Error::Input(format!("cannot read {} ({e})", path.display())))?;
            if crate::summary::sha256_bytes(&content) != *expected {
                return Err(Error::Input(format!(
                    "{} does not match the checksum in summary.json: it was edited or belongs to another result set; rerun the scenario",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}
