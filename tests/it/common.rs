//! Helpers shared by the tests that run the built binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root (where `scenarios/` and `tests/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `xuhui-sim` with `args` in `dir`.
pub fn xuhui(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Runs `xuhui-sim` with `args` in `dir`, asserts it succeeded, returns its stdout.
pub fn xuhui_ok(dir: &Path, args: &[&str]) -> String {
    let output = xuhui(dir, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The contract checker from `../shared/tools`, when it is there (it is in CI).
pub fn contract_checker() -> Option<PathBuf> {
    let path = root().join("../shared/tools/check-result-set");
    path.is_file().then_some(path)
}

/// Every entry of `dir`, to show nothing was left behind.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Asserts that `output` is a refusal (exit 2) whose message contains `needle`.
pub fn assert_refused(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert_contains(&stderr(output), needle);
}

/// Asserts that `text` contains `needle`, showing `text` when it does not.
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}
