//! The command line as a user meets it, through the built binary.

mod common;

use common::{entries, stderr, stdout, xuhui};
use std::fs;
use std::process::Command;

#[test]
fn run_writes_a_result_set_that_holds_to_the_contract() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(work.path(), &["run", "--paths", "3000", "--seed", "5"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dir = work.path().join("results/baseline");
    for file in [
        "summary.json",
        "metrics.csv",
        "targets.csv",
        "scenario.toml",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    // Nothing else was left beside it (no temporary folder).
    assert_eq!(entries(&work.path().join("results")), vec!["baseline"]);
    let table = stdout(&output);
    assert!(table.contains("旧住房修缮完工 ≥ 300 万m²"), "{table}");
    assert!(table.contains("seed") && table.contains("assumption"));
    assert!(stderr(&output).contains("wrote results/baseline/"));
    if let Some(checker) = common::contract_checker() {
        let check = Command::new("python3")
            .arg(checker)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["run"]["paths"], 3000);
    assert_eq!(summary["run"]["seed"], 5);
    assert_eq!(summary["targets"].as_array().unwrap().len(), 28);
    // The stored scenario reloads and is the one that was run.
    let again = xuhui(work.path(), &["validate", "results/baseline/scenario.toml"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn an_existing_result_set_is_kept_without_force() {
    let work = tempfile::tempdir().unwrap();
    let first = xuhui(work.path(), &["run", "--paths", "500", "--out", "set"]);
    assert_eq!(first.status.code(), Some(0));
    let before = fs::read_to_string(work.path().join("set/summary.json")).unwrap();
    let second = xuhui(work.path(), &["run", "--paths", "600", "--out", "set"]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("set already exists; pass --force"),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        before,
        fs::read_to_string(work.path().join("set/summary.json")).unwrap()
    );
    let forced = xuhui(
        work.path(),
        &["run", "--paths", "600", "--out", "set", "--force"],
    );
    assert_eq!(forced.status.code(), Some(0));
    assert!(fs::read_to_string(work.path().join("set/summary.json"))
        .unwrap()
        .contains("\"paths\": 600"));
    assert_eq!(entries(work.path()), vec!["set"]);
}

#[test]
fn json_goes_to_stdout_and_quiet_prints_nothing() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &["run", "--paths", "500", "--json", "--quiet", "--out", "a"],
    );
    assert_eq!(output.status.code(), Some(0));
    let summary: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("stdout is the JSON summary");
    assert_eq!(summary["format"], "xuhui-sim.result-set.v1");
    assert!(stderr(&output).is_empty());
    let quiet = xuhui(
        work.path(),
        &["run", "--paths", "500", "--quiet", "--out", "b"],
    );
    assert!(stdout(&quiet).is_empty() && stderr(&quiet).is_empty());
}

#[test]
fn thread_count_does_not_change_the_files() {
    let work = tempfile::tempdir().unwrap();
    for threads in ["1", "2", "8"] {
        let out = format!("t{threads}");
        let output = xuhui(
            work.path(),
            &[
                "run",
                "--paths",
                "9000",
                "--threads",
                threads,
                "--out",
                &out,
            ],
        );
        assert_eq!(output.status.code(), Some(0));
    }
    for file in ["metrics.csv", "targets.csv", "scenario.toml"] {
        let one = fs::read(work.path().join("t1").join(file)).unwrap();
        assert_eq!(
            one,
            fs::read(work.path().join("t2").join(file)).unwrap(),
            "{file}"
        );
        assert_eq!(
            one,
            fs::read(work.path().join("t8").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn set_overrides_reach_the_result_and_the_stored_scenario() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "2000",
            "--out",
            "s",
            "--set",
            "target.gdp_growth_2024.at_least=0.5",
            "--set",
            "scenario.title=Stress test",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let targets = fs::read_to_string(work.path().join("s/targets.csv")).unwrap();
    let gdp_row = targets
        .lines()
        .find(|l| l.starts_with("gdp_growth_2024,"))
        .unwrap();
    assert!(gdp_row.contains(",0.5,,0,"), "{gdp_row}");
    let stored = fs::read_to_string(work.path().join("s/scenario.toml")).unwrap();
    assert!(stored.contains("title = \"Stress test\""));
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let work = tempfile::tempdir().unwrap();
    let scenarios = common::root().join("scenarios");
    let mut files: Vec<_> = fs::read_dir(&scenarios)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for file in &files {
        let path = file.to_str().unwrap();
        let validate = xuhui(work.path(), &["validate", path]);
        assert_eq!(
            validate.status.code(),
            Some(0),
            "{path}: {}",
            stderr(&validate)
        );
        let run = xuhui(work.path(), &["run", path, "--paths", "2000", "--quiet"]);
        assert_eq!(run.status.code(), Some(0), "{path}: {}", stderr(&run));
    }
    assert_eq!(
        entries(&work.path().join("results")),
        vec!["ai-push", "baseline", "downturn", "property-slump"]
    );
}

#[test]
fn bare_invocation_runs_the_embedded_baseline() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(work.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("基线 Baseline"));
    assert!(work.path().join("results/baseline/summary.json").is_file());
    // The quick start refreshes its own result set.
    assert_eq!(xuhui(work.path(), &[]).status.code(), Some(0));
}

#[test]
fn usage_errors_exit_2() {
    let work = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "--paths", "0"],
        vec!["run", "--threads", "0"],
        vec!["frobnicate"],
        vec!["validate"],
    ] {
        let output = xuhui(work.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    assert!(entries(work.path()).is_empty());
}

#[test]
fn sampling_flag_sets_the_method() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "5000",
            "--sampling",
            "lhs",
            "--json",
            "--quiet",
            "--out",
            "l",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["run"]["sampling"], "lhs");
    let bad = xuhui(
        work.path(),
        &["run", "--paths", "500", "--sampling", "qmc", "--out", "q"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("`qmc` is not a sampling method"),
        "{}",
        stderr(&bad)
    );
}
