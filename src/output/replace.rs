//! Which existing folders `--force` may replace. The tool replaces only what
//! it wrote: an empty folder, or a folder whose every entry it put there,
//! recognised by the marker file [`MARKER`] that every folder it writes
//! carries (listing the entries it wrote), or, for result sets written
//! before the marker existed, by `summary.json` in the tool's format and the
//! files it lists. Never the current folder, one of its parents, the root or
//! the home folder, whatever they hold.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker file in every folder this tool writes: JSON naming the tool,
/// its version and the entries it wrote.
pub(crate) const MARKER: &str = ".xuhui-sim";

/// Files that `report` adds to a result set after it was written.
const ADDED_LATER: [&str; 2] = ["report.html", "report.xlsx"];

/// The marker's content.
#[derive(serde::Serialize, serde::Deserialize)]
struct Marker {
    written_by: String,
    version: String,
    entries: Vec<String>,
}

/// Writes the marker into `folder`, listing every entry it holds now.
pub(crate) fn write_marker(folder: &Path) -> io::Result<()> {
    let mut entries: Vec<String> = fs::read_dir(folder)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != MARKER)
        .collect();
    entries.sort();
    let marker = Marker {
        written_by: "xuhui-sim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        entries,
    };
    let text = serde_json::to_string_pretty(&marker).map_err(io::Error::other)? + "\n";
    fs::write(folder.join(MARKER), text)
}

/// `Ok` when `dir` (which exists) may be replaced by `--force`; otherwise
/// one sentence saying why not and what to do.
pub(crate) fn replaceable(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    let metadata = fs::symlink_metadata(dir)
        .map_err(|e| format!("cannot look at {shown}: {e}; choose another folder with --out"))?;
    if metadata.file_type().is_symlink() {
        return Err(format!(
            "--force will not replace {shown}: it is a symbolic link, which xuhui-sim did not \
             write; choose another folder with --out"
        ));
    }
    if !metadata.is_dir() {
        return Err(format!(
            "--force will not replace {shown}: it is a file, not a folder xuhui-sim wrote; \
             choose another folder with --out"
        ));
    }
    if let Some(why) = protected(dir) {
        return Err(format!(
            "--force will not replace {shown}: it is {why}; choose a new folder with --out, \
             e.g. --out results/mine"
        ));
    }
    let entries: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {shown}: {e}; choose another folder with --out"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    let Some(ours) = written_here(dir) else {
        return Err(format!(
            "--force will not replace {shown}: it is not a folder xuhui-sim wrote (it holds {}); \
             choose another folder with --out",
            listing(&entries)
        ));
    };
    let foreign: Vec<String> = entries
        .into_iter()
        .filter(|name| {
            name != MARKER && !ours.contains(name) && !ADDED_LATER.contains(&name.as_str())
        })
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "--force will not replace {shown}: it holds {}, which xuhui-sim did not write; \
             move {} away or choose another folder with --out",
            listing(&foreign),
            if foreign.len() == 1 { "it" } else { "them" }
        ));
    }
    Ok(())
}

/// `Ok` when the file `path` may be written: it does not exist, or it is a
/// page this tool rendered (its `generator` meta names xuhui-sim), or a
/// workbook beside such a page or inside a folder the tool wrote.
pub fn file_replaceable(path: &Path) -> Result<(), String> {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    let shown = path.display();
    let refuse = || {
        Err(format!(
            "{shown} exists and was not written by xuhui-sim; choose another file with --out"
        ))
    };
    if !metadata.is_file() {
        return refuse();
    }
    let ours = |file: &Path| {
        use std::io::Read;
        let mut head = vec![0u8; 4096];
        let read = fs::File::open(file)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        String::from_utf8_lossy(&head[..read])
            .contains("<meta name=\"generator\" content=\"xuhui-sim")
    };
    let is_xlsx = path.extension().is_some_and(|e| e == "xlsx");
    let in_our_folder = || {
        path.parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .is_some_and(|folder| written_here(folder).is_some())
    };
    let accepted = if is_xlsx {
        ours(&path.with_extension("html")) || in_our_folder()
    } else {
        ours(path)
    };
    if accepted {
        Ok(())
    } else {
        refuse()
    }
}

/// Why `dir` may never be replaced, if it is the root, the home folder, the
/// current folder or one of its parents.
fn protected(dir: &Path) -> Option<&'static str> {
    let dir = fs::canonicalize(dir).ok()?;
    if dir.parent().is_none() {
        return Some("the root folder");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if home.and_then(|h| fs::canonicalize(h).ok()).as_ref() == Some(&dir) {
        return Some("the home folder");
    }
    let current = std::env::current_dir()
        .ok()
        .and_then(|c| fs::canonicalize(c).ok())?;
    if current == dir {
        return Some("the current folder");
    }
    if current.starts_with(&dir) {
        return Some("a parent of the current folder");
    }
    None
}

/// The entries this tool wrote in `dir`: from its marker, or from a result
/// set's `summary.json` in the tool's format; `None` when neither is there.
fn written_here(dir: &Path) -> Option<BTreeSet<String>> {
    if let Ok(text) = fs::read_to_string(dir.join(MARKER)) {
        if let Ok(marker) = serde_json::from_str::<Marker>(&text) {
            if marker.written_by == "xuhui-sim" {
                return Some(marker.entries.into_iter().collect());
            }
        }
    }
    let text = fs::read_to_string(dir.join("summary.json")).ok()?;
    let summary: serde_json::Value = serde_json::from_str(&text).ok()?;
    if summary.get("format")?.as_str()? != crate::summary::FORMAT {
        return None;
    }
    let mut ours: BTreeSet<String> = summary.get("files")?.as_object()?.keys().cloned().collect();
    ours.insert("summary.json".into());
    Some(ours)
}

/// Up to three names, quoted, and how many more.
fn listing(names: &[String]) -> String {
    let mut sorted = names.to_vec();
    sorted.sort();
    let shown: Vec<String> = sorted.iter().take(3).map(|n| format!("`{n}`")).collect();
    match sorted.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_folder_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        assert!(replaceable(dir.path()).is_ok());
    }

    #[test]
    fn a_folder_of_the_users_may_not() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.docx"), b"years of work").unwrap();
        let why = replaceable(dir.path()).unwrap_err();
        assert!(why.contains("`thesis.docx`"), "{why}");
        assert!(why.contains("--out"), "{why}");
    }

    #[test]
    fn a_marked_folder_may_be_replaced_unless_something_was_added() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("sweep.csv"), b"x").unwrap();
        write_marker(dir.path()).unwrap();
        assert!(replaceable(dir.path()).is_ok());
        fs::write(dir.path().join("report.html"), b"x").unwrap();
        assert!(replaceable(dir.path()).is_ok(), "report adds report.html");
        fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let why = replaceable(dir.path()).unwrap_err();
        assert!(why.contains("`notes.txt`"), "{why}");
    }

    #[test]
    fn a_result_set_without_a_marker_is_recognised_by_its_summary() {
        let dir = tempfile::tempdir().unwrap();
        let summary = format!(
            r#"{{"format": "{}", "files": {{"metrics.csv": {{}}}}}}"#,
            crate::summary::FORMAT
        );
        fs::write(dir.path().join("summary.json"), summary).unwrap();
        fs::write(dir.path().join("metrics.csv"), b"x").unwrap();
        assert!(replaceable(dir.path()).is_ok());
        fs::write(dir.path().join("summary.json"), r#"{"format": "other"}"#).unwrap();
        assert!(replaceable(dir.path()).is_err());
    }

    #[test]
    fn a_file_is_not_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plan.txt");
        fs::write(&file, b"x").unwrap();
        assert!(replaceable(&file).unwrap_err().contains("is a file"));
    }

    #[test]
    fn the_root_is_never_replaced() {
        assert!(replaceable(Path::new("/"))
            .unwrap_err()
            .contains("the root folder"));
    }

    #[test]
    fn only_pages_the_tool_rendered_are_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.html");
        assert!(file_replaceable(&page).is_ok());
        fs::write(&page, "<p>my notes</p>").unwrap();
        assert!(file_replaceable(&page).is_err());
        fs::write(
            &page,
            "<html><head><meta name=\"generator\" content=\"xuhui-sim 0.1.0\">",
        )
        .unwrap();
        assert!(file_replaceable(&page).is_ok());
        let book = dir.path().join("page.xlsx");
        fs::write(&book, b"PK").unwrap();
        assert!(file_replaceable(&book).is_ok(), "beside a page of ours");
        let other = dir.path().join("budget.xlsx");
        fs::write(&other, b"PK").unwrap();
        assert!(file_replaceable(&other).is_err());
    }

    #[test]
    fn listing_names_three_and_counts_the_rest() {
        let names: Vec<String> = ["e", "d", "c", "b", "a"].map(String::from).to_vec();
        assert_eq!(listing(&names), "`a`, `b`, `c` and 2 more");
    }
}
