//! "Save as scenario": the what-if page's changes as a scenario file that
//! `extends` the loaded scenario with only the changed inputs, each with
//! `source = "assumption: set in what-if on <date>"`, so that `xuhui-sim run`
//! on it reproduces the page's numbers at the same paths and seed.
//!
//! `extends` replaces a value table (`{ dist = … }`, `{ value = … }`) and a
//! `[[target]]` entry whole, so each changed input is written whole, as
//! resolved after the overrides. Before the file is moved into place it is
//! loaded back and run beside the overridden scenario; a file that would not
//! give the same numbers is refused. Files go only into the save folder, under
//! a plain name, and never over a file the page did not write.

use super::{RunRequest, Session};
use crate::analysis::Source;
use crate::engine::RunConfig;
pub(crate) use crate::Error;
use std::path::{Path, PathBuf};

/// The first line of every file the page saves.
pub const MARKER: &str = "# Written by xuhui-sim serve (what-if page)";

/// Paths of the run that checks a file before it is kept.
const CHECK_PATHS: u64 = 4096;

/// A request to save: a plain file name (without `.toml`) and the page's overrides.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    pub name: String,
    #[serde(default, deserialize_with = "super::ordered_map")]
    pub set: Vec<(String, serde_json::Value)>,
    /// The page's paths and seed, written as `[run]` so that a plain `run` of
    /// the file gives the page's numbers.
    #[serde(default)]
    pub paths: Option<u64>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Replace a file of that name the page wrote before (the page asks first).
    #[serde(default)]
    pub overwrite: bool,
}

/// What was written.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Saved {
    pub path: PathBuf,
    /// The scenario's name (its result set folder under `results/`).
    pub name: String,
    pub keys: usize,
    pub text: String,
}

/// Why a save was refused.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A file of that name exists; the page may ask to overwrite it.
    #[error("{0}")]
    Exists(String),
    #[error(transparent)]
    Failed(#[from] Error),
}

/// Writes `request` as `<dir>/<name>.toml`, on the date `date` (YYYY-MM-DD).
pub fn save(
    session: &Session,
    dir: &Path,
    request: &SaveRequest,
    date: &str,
) -> Result<Saved, SaveError> {
    let name = checked_name(&request.name)?;
    if request.set.is_empty() {
        return Err(Error::Input(
            "nothing to save: no input differs from the loaded scenario".into(),
        )
        .into());
    }
    let run = RunRequest {
        set: request.set.clone(),
        paths: request.paths,
        seed: request.seed,
        channel: None,
    };
    let (changed, config) = session.resolve(&run)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::Unwritable {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let file = dir.join(format!("{name}.toml"));
    if let Ok(meta) = std::fs::symlink_metadata(&file) {
        let ours = meta.file_type().is_file()
            && first_line(&file).is_some_and(|line| line.starts_with(MARKER));
        if !ours {
            return Err(Error::Input(format!(
                "{} exists and was not written by this page; choose another name",
                file.display()
            ))
            .into());
        }
        if !request.overwrite {
            return Err(SaveError::Exists(format!(
                "{} exists (saved from this page before); replace it or choose another name",
                file.display()
            )));
        }
    }
    let extends = extends_text(session.source(), dir);
    let text = scenario_text(
        session,
        &changed,
        &run.assignments()?,
        &name,
        &extends,
        date,
        &config,
    )?;
    let temporary = dir.join(format!(".{name}.toml.{}.tmp", std::process::id()));
    let unwritable = |path: &Path, e: std::io::Error| Error::Unwritable {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::write(&temporary, &text).map_err(|e| unwritable(&temporary, e))?;
    let kept = check_and_place(&temporary, &file, &changed, &config, request.overwrite);
    let _ = std::fs::remove_file(&temporary);
    kept?;
    Ok(Saved {
        path: file,
        name,
        keys: request.set.len(),
        text,
    })
}

/// Loads the file back, runs it beside `changed`, and moves it into place.
fn check_and_place(
    temporary: &Path,
    file: &Path,
    changed: &crate::scenario::Scenario,
    config: &RunConfig,
    overwrite: bool,
) -> Result<(), SaveError> {
    let saved = crate::scenario::load_file(temporary, &[]).map_err(|e| {
        Error::Failure(format!(
            "internal error: the saved scenario does not load ({e}); nothing was written"
        ))
    })?;
    let check = RunConfig {
        paths: crate::model::Model::compile(changed)
            .map(|m| crate::engine::least_paths(m.sampling))
            .unwrap_or(1)
            .max(CHECK_PATHS),
        seed: config.seed,
        threads: None,
    };
    let (a, b) = (
        crate::simulate(changed, &check)?,
        crate::simulate(&saved, &check)?,
    );
    // The figures, not the notes: a changed target's source is the page's now.
    let numbers = |s: &crate::summary::Summary| {
        let mut targets = serde_json::to_value(&s.targets).unwrap_or_default();
        for target in targets.as_array_mut().into_iter().flatten() {
            if let Some(t) = target.as_object_mut() {
                t.remove("source");
                t.remove("source_kind");
            }
        }
        serde_json::to_string(&(targets, &s.metrics, &s.targets_met)).unwrap_or_default()
    };
    if numbers(&a) != numbers(&b) {
        return Err(Error::Input(
            "these changes cannot be written as a scenario file that gives the same numbers (an input set to a plain number where the scenario has a distribution?); nothing was written".into(),
        )
        .into());
    }
    let placed = if overwrite {
        std::fs::rename(temporary, file)
    } else {
        // A hard link fails if the name was taken meanwhile: never over a file.
        std::fs::hard_link(temporary, file)
    };
    placed.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => SaveError::Exists(format!(
            "{} exists; replace it or choose another name",
            file.display()
        )),
        _ => Error::Unwritable {
            path: file.to_path_buf(),
            message: e.to_string(),
        }
        .into(),
    })
}

/// A plain scenario name: ASCII letters, digits, `_` and `-`, starting with a letter.
fn checked_name(name: &str) -> Result<String, Error> {
    let name = name.trim().trim_end_matches(".toml");
    let plain = name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !plain {
        return Err(Error::Input(format!(
            "`{name}` is not a plain file name; use letters, digits, `-` and `_`, starting with a letter (e.g. downturn-20pct)"
        )));
    }
    Ok(name.to_ascii_lowercase())
}

fn first_line(file: &Path) -> Option<String> {
    let text = std::fs::read(file).ok()?;
    let end = text.iter().position(|b| *b == b'\n').unwrap_or(text.len());
    Some(String::from_utf8_lossy(&text[..end]).trim_end().to_string())
}

/// `extends` of a file in `dir` that inherits from `source`.
fn extends_text(source: &Source, dir: &Path) -> String {
    match source {
        Source::Embedded => "builtin:baseline".into(),
        Source::File(path) => {
            let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            let (file, dir) = (absolute(path), absolute(dir));
            relative(&file, &dir).display().to_string()
        }
    }
}

/// `file` as a path relative to the folder `dir` (both absolute).
fn relative(file: &Path, dir: &Path) -> PathBuf {
    let (f, d): (Vec<_>, Vec<_>) = (file.components().collect(), dir.components().collect());
    let common = f.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for part in &f[common..] {
        out.push(part);
    }
    out
}

/// The file's text: `[scenario]` with `extends`, then each changed input whole.
fn scenario_text(
    session: &Session,
    changed: &crate::scenario::Scenario,
    assignments: &[String],
    name: &str,
    extends: &str,
    date: &str,
    config: &RunConfig,
) -> Result<String, Error> {
    let resolved: toml::Table = toml::from_str(&changed.resolved_toml).map_err(|e| {
        Error::Failure(format!("internal error reading the resolved scenario: {e}"))
    })?;
    let source = toml::Value::String(format!("assumption: set in what-if on {date}"));
    let mut root = toml::Table::new();
    let mut targets: Vec<String> = Vec::new();
    let loaded = session.scenario();
    let mut scenario_table = toml::Table::new();
    scenario_table.insert("name".into(), name.into());
    scenario_table.insert(
        "title".into(),
        format!("What-if on {}: {}", loaded.name, loaded.title).into(),
    );
    scenario_table.insert("extends".into(), extends.into());
    scenario_table.insert(
        "description".into(),
        format!(
            "Saved from the what-if page on {date}: {} with {}.",
            loaded.name,
            assignments.join(", ")
        )
        .into(),
    );
    root.insert("scenario".into(), toml::Value::Table(scenario_table));
    let mut run_table = toml::Table::new();
    run_table.insert("paths".into(), toml::Value::Integer(config.paths as i64));
    run_table.insert("seed".into(), toml::Value::Integer(config.seed as i64));
    root.insert("run".into(), toml::Value::Table(run_table));
    for assignment in assignments {
        let key = assignment
            .split_once('=')
            .map_or(assignment.as_str(), |(k, _)| k)
            .trim();
        let segments: Vec<&str> = key.split('.').map(str::trim).collect();
        if segments.first() == Some(&"target") {
            if let Some(target) = segments.get(1) {
                if !targets.iter().any(|t| t == target) {
                    targets.push(target.to_string());
                }
            }
            continue;
        }
        // The node `extends` would replace whole: the first value table or
        // non-table along the key.
        let mut node = resolved.get(segments[0]);
        let mut depth = 1;
        while let Some(toml::Value::Table(table)) = node {
            if table.contains_key("dist") || table.contains_key("value") || depth == segments.len()
            {
                break;
            }
            node = table.get(segments[depth]);
            depth += 1;
        }
        let Some(node) = node else { continue };
        let whole = segments[..depth].join(".");
        let is_param = loaded.parameter(&whole).is_some() || changed.parameter(&whole).is_some();
        let value = match (node, is_param) {
            (toml::Value::Table(t), true) => {
                let mut t = t.clone();
                t.insert("source".into(), source.clone());
                toml::Value::Table(t)
            }
            (other, true) => {
                let mut t = toml::Table::new();
                t.insert("value".into(), other.clone());
                t.insert("source".into(), source.clone());
                toml::Value::Table(t)
            }
            (other, false) => other.clone(),
        };
        insert(&mut root, &segments[..depth], value);
    }
    if !targets.is_empty() {
        let entries = resolved
            .get("target")
            .and_then(|t| t.as_array())
            .cloned()
            .unwrap_or_default();
        let mut written = Vec::new();
        for name in &targets {
            if let Some(toml::Value::Table(entry)) = entries
                .iter()
                .find(|e| e.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
            {
                let mut entry = entry.clone();
                entry.insert("source".into(), source.clone());
                written.push(toml::Value::Table(entry));
            }
        }
        root.insert("target".into(), toml::Value::Array(written));
    }
    let body = toml::to_string(&root)
        .map_err(|e| Error::Failure(format!("internal error writing the scenario: {e}")))?;
    Ok(format!(
        "{MARKER} on {date}.\n# Only the inputs changed on the page; everything else comes from `extends`.\n# Run it with: xuhui-sim run <this file>\n\n{body}"
    ))
}

fn insert(root: &mut toml::Table, path: &[&str], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut table = root;
    for part in parents {
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        table = next;
    }
    table.insert(last.to_string(), value);
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (a label only;
/// nothing random depends on it).
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_save_folder() {
        let p = relative(Path::new("/a/b/scenarios/x.toml"), Path::new("/a/b/saved"));
        assert_eq!(p, PathBuf::from("../scenarios/x.toml"));
        let p = relative(Path::new("/a/s/x.toml"), Path::new("/a/s"));
        assert_eq!(p, PathBuf::from("x.toml"));
    }

    #[test]
    fn names_are_plain() {
        assert_eq!(checked_name("Downturn-20").unwrap(), "downturn-20");
        assert!(checked_name("../etc/passwd").is_err());
        assert!(checked_name("").is_err());
        assert!(checked_name("a b").is_err());
    }

    #[test]
    fn the_date_is_a_civil_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
