//! Writing a result set (results/README.md): one file per format, assembled in a
//! temporary folder beside the destination and renamed into place, so a
//! result set is on disk whole or not at all. `paths` keeps per-path
//! outcomes in Parquet.

pub mod csv;
pub mod json;
pub mod paths;
pub(crate) mod read;
pub mod replace;
pub mod table;

use crate::summary::{sha256_bytes, FileCheck, Summary};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a result set was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} already exists; pass --force to replace it, or choose another folder with --out")]
    Exists(PathBuf),
    /// `--force` was given, but the folder is not one this tool may replace.
    #[error("{0}")]
    NotReplaceable(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// A table could not be laid out as CSV (an internal error).
    #[error("{0}")]
    Table(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses early (before a long run) when `dir` exists and `force` is off,
/// or when `force` is on but `dir` is not a folder this tool may replace
/// (see [`replace::replaceable`]).
pub fn check_destination(dir: &Path, force: bool) -> Result<(), WriteError> {
    if fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    if !force {
        return Err(WriteError::Exists(dir.to_path_buf()));
    }
    replace::replaceable(dir).map_err(WriteError::NotReplaceable)
}

/// A result set being written: a hidden staging folder beside the
/// destination, renamed into place by [`finish`](Staging::finish). Dropped
/// unfinished (an error, a panic), it removes the staging folder, so a
/// failed run leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    destination: PathBuf,
    staging: PathBuf,
    force: bool,
    finished: bool,
}

impl Staging {
    /// Refuses an existing destination without `force`, then creates the staging folder.
    pub fn begin(destination: &Path, force: bool) -> Result<Staging, WriteError> {
        check_destination(destination, force)?;
        let parent = match destination.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "result".into());
        let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_at(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(io_at(&staging))?;
        Ok(Staging {
            destination: destination.to_path_buf(),
            staging,
            force,
            finished: false,
        })
    }

    /// Where file `name` of the result set is written while staging.
    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Writes `summary.json`, `metrics.csv`, `targets.csv` and `scenario.toml`
    /// beside whatever was staged, and moves the whole set into place.
    /// Returns the summary as written (with its `files` sizes and hashes).
    pub(crate) fn finish(
        self,
        summary: &Summary,
        scenario_toml: &str,
    ) -> Result<Summary, WriteError> {
        let write = |file: &str, bytes: &[u8]| -> Result<(), WriteError> {
            let path = self.staging.join(file);
            fs::write(&path, bytes).map_err(io_at(&path))
        };
        let mut summary = summary.clone();
        let files: [(&str, Vec<u8>); 3] = [
            (
                "metrics.csv",
                csv::metrics_csv(&summary).map_err(|e| WriteError::Table(e.to_string()))?,
            ),
            (
                "targets.csv",
                csv::targets_csv(&summary).map_err(|e| WriteError::Table(e.to_string()))?,
            ),
            ("scenario.toml", scenario_toml.as_bytes().to_vec()),
        ];
        for (name, bytes) in &files {
            write(name, bytes)?;
            let check = FileCheck {
                bytes: bytes.len() as u64,
                sha256: Some(sha256_bytes(bytes)),
            };
            summary.files.insert(name.to_string(), check);
        }
        // Everything else staged (paths.parquet, report.html): its size.
        let staged = fs::read_dir(&self.staging).map_err(io_at(&self.staging))?;
        for entry in staged.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !summary.files.contains_key(&name) && name != "summary.json" {
                let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
                summary.files.insert(
                    name,
                    FileCheck {
                        bytes,
                        sha256: None,
                    },
                );
            }
        }
        write("summary.json", json::summary_json(&summary).as_bytes())?;
        self.commit()?;
        Ok(summary)
    }

    /// Moves what was staged into place, with the marker that lets a later
    /// `--force` recognise the folder as this tool's.
    pub fn commit(mut self) -> Result<(), WriteError> {
        replace::write_marker(&self.staging).map_err(io_at(&self.staging))?;
        check_destination(&self.destination, self.force)?;
        swap_into_place(&self.staging, &self.destination)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes `files` (name, bytes) as a new folder `dir`, whole or not at all.
pub fn write_folder(dir: &Path, force: bool, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    let staging = Staging::begin(dir, force)?;
    for (name, bytes) in files {
        let path = staging.file(name);
        fs::write(&path, bytes).map_err(io_at(&path))?;
    }
    staging.commit()
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
