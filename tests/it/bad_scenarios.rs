//! Every file of `tests/bad-scenarios/` holds one kind of mistake and, in its
//! first line, the heart of the message it must produce (`# expect: …`); the
//! exact message is snapshotted beside it (`NAME.expected`; run with
//! `UPDATE_SNAPSHOTS=1` to accept a deliberate change). Each must exit with
//! code 2, name its file and key in one message, and leave no result folder or
//! temporary file behind.

use crate::common;

use common::{entries, stderr, xuhui};
use std::fs;

fn bad_files() -> Vec<(String, String)> {
    let folder = common::root().join("tests/bad-scenarios");
    let mut files: Vec<(String, String)> = fs::read_dir(&folder)
        .expect("the corpus folder exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml") && !name.starts_with('_'))
        .map(|name| {
            let text = fs::read_to_string(folder.join(&name)).expect("readable");
            let expect = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{name} has no `# expect:` first line"))
                .to_string();
            (name, expect)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_corpus_is_there() {
    assert!(
        bad_files().len() >= 25,
        "only {} bad scenarios",
        bad_files().len()
    );
}

#[test]
fn each_bad_scenario_is_refused_with_its_message_and_nothing_written() {
    let work = tempfile::tempdir().unwrap();
    let corpus = common::root().join("tests/bad-scenarios");
    let mut failures = Vec::new();
    for (name, expect) in bad_files() {
        let out = work.path().join("out");
        // Run from the corpus folder so that messages name the file as a user would.
        let output = xuhui(
            &corpus,
            &[
                "run",
                &name,
                "--paths",
                "100",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let message = stderr(&output);
        let snapshot = corpus.join(name.replace(".toml", ".expected"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !snapshot.exists() {
            fs::write(&snapshot, &message).unwrap();
        }
        if fs::read_to_string(&snapshot).unwrap() != message {
            failures.push(format!(
                "{name}: the message differs from {}:\n  got: {message}",
                snapshot.display()
            ));
        }
        let ok = output.status.code() == Some(2)
            && message.contains(&expect)
            && message.contains(&name)
            && message.lines().count() <= 2
            && !message.contains("panicked")
            && entries(work.path()).is_empty();
        if !ok {
            failures.push(format!(
                "{name}: exit {:?}, left {:?}\n  expected: {expect}\n  got: {message}",
                output.status.code(),
                entries(work.path())
            ));
        }
        let validate = xuhui(&corpus, &["validate", &name]);
        if validate.status.code() != Some(2) || !stderr(&validate).contains(&expect) {
            failures.push(format!(
                "{name}: validate gave exit {:?}: {}",
                validate.status.code(),
                stderr(&validate)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn error_messages_carry_the_line() {
    let work = tempfile::tempdir().unwrap();
    let file = common::root().join("tests/bad-scenarios/unknown-key.toml");
    let output = xuhui(work.path(), &["validate", file.to_str().unwrap()]);
    common::assert_contains(&stderr(&output), "unknown-key.toml:5: ");
}

#[test]
fn a_set_flag_naming_no_key_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "100",
            "--set",
            "series.digital_economy.volatilty=0.1",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("--set series.digital_economy.volatilty=0.1: `series.digital_economy.volatilty` is not a known key; did you mean `volatility`?"),
        "{message}"
    );
    assert!(entries(work.path()).is_empty());
}

#[test]
fn a_set_flag_without_equals_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(work.path(), &["run", "--paths", "100", "--set", "run.seed"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("KEY=VALUE"));
}

#[test]
fn a_missing_scenario_file_is_named() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(work.path(), &["run", "nowhere.toml"]);
    common::assert_refused(&output, "cannot read scenario file nowhere.toml");
}

#[test]
fn absurd_requests_are_refused_up_front_with_an_estimate() {
    let work = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (
            vec!["run", "--paths", "4000000000", "--keep-paths"],
            "would write a per-path file of about",
        ),
        (vec!["run", "--paths", "5000000000"], "--paths"),
        (
            vec![
                "sweep",
                "--vary",
                "regime.downturn_probability=0..0.5",
                "--vary",
                "series.digital_economy.mean_growth=0..0.2",
                "--steps",
                "50",
                "--paths",
                "300000000",
            ],
            "would take about",
        ),
        (
            vec![
                "sweep",
                "--vary",
                "regime.downturn_probability=0..0.5",
                "--steps",
                "5000",
            ],
            "a sweep takes 1 to 2500",
        ),
    ] {
        let output = xuhui(work.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expect),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(
        entries(work.path()).is_empty(),
        "{:?}",
        entries(work.path())
    );
}

#[test]
fn repair_correlation_uses_the_nearest_valid_matrix_and_records_it() {
    let work = tempfile::tempdir().unwrap();
    let corpus = common::root().join("tests/bad-scenarios");
    let out = work.path().join("repaired");
    let output = xuhui(
        &corpus,
        &[
            "run",
            "correlation-not-positive-definite.toml",
            "--repair-correlation",
            "--paths",
            "2000",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    common::assert_contains(&stderr(&output), "repaired the correlation matrix");
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let repair = &summary["diagnostics"]["correlation_repair"];
    assert!(repair["largest_change"].as_f64().unwrap() > 0.1, "{repair}");
    assert!(
        repair["frobenius_distance"].as_f64().unwrap() > 0.1,
        "{repair}"
    );
    // The stored scenario holds the repaired matrix, so it runs as it is.
    let rerun = xuhui(
        work.path(),
        &["validate", out.join("scenario.toml").to_str().unwrap()],
    );
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    // Without the flag the same file is refused, and says how to repair it.
    let refused = xuhui(&corpus, &["validate", "correlation-not-symmetric.toml"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--repair-correlation"));
}
