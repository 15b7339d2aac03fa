//! Writing a result set (spec section 7): one file per format, assembled in a
//! temporary folder beside the destination and renamed into place, so a
//! result set is on disk whole or not at all.

pub mod csv;
pub mod json;
pub mod table;

use crate::summary::Summary;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a result set was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} already exists; pass --force to replace it, or choose another folder with --out")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses early (before a long run) when `dir` exists and `force` is off.
pub fn check_destination(dir: &Path, force: bool) -> Result<(), WriteError> {
    if dir.exists() && !force {
        return Err(WriteError::Exists(dir.to_path_buf()));
    }
    Ok(())
}

/// Writes `summary.json`, `metrics.csv`, `targets.csv` and `scenario.toml`
/// into `dir`, replacing an existing folder only with `force`.
pub fn write_result_set(
    dir: &Path,
    force: bool,
    summary: &Summary,
    scenario_toml: &str,
) -> Result<(), WriteError> {
    check_destination(dir, force)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "result".into());
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result =
        stage(&staging, summary, scenario_toml).and_then(|_| swap_into_place(&staging, dir));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn stage(staging: &Path, summary: &Summary, scenario_toml: &str) -> Result<(), WriteError> {
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(io_at(staging))?;
    }
    fs::create_dir_all(staging).map_err(io_at(staging))?;
    let write = |file: &str, bytes: &[u8]| -> Result<(), WriteError> {
        let path = staging.join(file);
        fs::write(&path, bytes).map_err(io_at(&path))
    };
    write("summary.json", json::summary_json(summary).as_bytes())?;
    write("metrics.csv", &csv::metrics_csv(summary))?;
    write("targets.csv", &csv::targets_csv(summary))?;
    write("scenario.toml", scenario_toml.as_bytes())?;
    Ok(())
}

fn swap_into_place(staging: &Path, dir: &Path) -> Result<(), WriteError> {
    if dir.exists() {
        // Move the old set aside first so that a failure leaves one whole set.
        let old = staging.with_extension("old");
        fs::rename(dir, &old).map_err(io_at(dir))?;
        fs::rename(staging, dir).map_err(io_at(dir))?;
        fs::remove_dir_all(&old).map_err(io_at(&old))?;
    } else {
        fs::rename(staging, dir).map_err(io_at(dir))?;
    }
    Ok(())
}
