//! Runs split across processes and joined back: three shard processes of the
//! binary run at once, `merge` joins them in any order, and the figures equal
//! the unsharded run's bit for bit; missing, repeated, foreign or damaged
//! shards are refused. Also: a precision-controlled run equals a plain run of
//! the path count it settled on.

use crate::common;

use common::{stderr, xuhui, xuhui_ok};
use std::fs;
use std::process::Command;

fn figures(path: &std::path::Path) -> serde_json::Value {
    let mut summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    summary["run"]["seconds"] = 0.into();
    summary["run"]["threads"] = 0.into();
    // File sizes and checksums describe the files, not the figures: a joined
    // paths.parquet holds the same rows in other row groups.
    summary["files"] = serde_json::Value::Null;
    summary
}

#[test]
fn three_shard_processes_merge_to_the_unsharded_run() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    xuhui_ok(
        w,
        &[
            "run", "--paths", "50001", "--seed", "9", "--out", "whole", "--quiet",
        ],
    );
    let children: Vec<_> = (1..=3)
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
                .args([
                    "run",
                    "--paths",
                    "50001",
                    "--seed",
                    "9",
                    "--threads",
                    "1",
                    "--quiet",
                ])
                .args(["--shard", &format!("{k}/3"), "--out", &format!("s{k}")])
                .current_dir(w)
                .spawn()
                .expect("a shard process starts")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    for (order, out) in [(["s3", "s1", "s2"], "m1"), (["s1", "s2", "s3"], "m2")] {
        let mut args = vec!["merge"];
        args.extend(order);
        args.extend(["--out", out]);
        xuhui_ok(w, &args);
        assert_eq!(
            figures(&w.join("whole/summary.json")),
            figures(&w.join(out).join("summary.json")),
            "{order:?}"
        );
        for file in ["metrics.csv", "targets.csv", "scenario.toml"] {
            assert_eq!(
                fs::read(w.join("whole").join(file)).unwrap(),
                fs::read(w.join(out).join(file)).unwrap(),
                "{file}"
            );
        }
    }
    let column = "gdp.growth@2024";
    let whole =
        xuhui_sim::output::paths::read_column(&w.join("whole/paths.parquet"), column).unwrap();
    let merged =
        xuhui_sim::output::paths::read_column(&w.join("m1/paths.parquet"), column).unwrap();
    assert_eq!(whole, merged);
    // Two shards of the same run give the same numbers too.
    for k in 1..=2 {
        xuhui_ok(
            w,
            &[
                "run",
                "--paths",
                "50001",
                "--seed",
                "9",
                "--quiet",
                "--no-paths",
                "--shard",
                &format!("{k}/2"),
                "--out",
                &format!("h{k}"),
            ],
        );
    }
    xuhui_ok(w, &["merge", "h2", "h1", "--out", "m3"]);
    // With every addition of model v2 present (the baseline's, a forced year
    // and a shock link), three shards still make the whole run.
    let v2 = [
        "--set",
        "regime.force.2025=\"downturn\"",
        "--set",
        "series.industrial_output.links.digital_economy=0.3",
    ];
    let mut whole_v2 = vec![
        "run",
        "--paths",
        "20001",
        "--seed",
        "3",
        "--quiet",
        "--no-paths",
    ];
    whole_v2.extend(v2);
    xuhui_ok(w, &[whole_v2.as_slice(), &["--out", "v2"]].concat());
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("v2s{k}");
        xuhui_ok(
            w,
            &[
                whole_v2.as_slice(),
                &["--shard", shard.as_str(), "--out", out.as_str()],
            ]
            .concat(),
        );
    }
    xuhui_ok(w, &["merge", "v2s2", "v2s3", "v2s1", "--out", "v2m"]);
    assert_eq!(
        figures(&w.join("v2/summary.json")),
        figures(&w.join("v2m/summary.json"))
    );
    let mut halves = figures(&w.join("m3/summary.json"));
    let mut reference = figures(&w.join("whole/summary.json"));
    halves["per_path"] = serde_json::Value::Null;
    reference["per_path"] = serde_json::Value::Null;
    assert_eq!(halves, reference);
}

/// A shard is set up as a whole run is: the same refusals (here --keep-metric
/// with --no-paths, and a per-path file of hundreds of gigabytes for this
/// shard alone), exit 2, nothing written.
#[test]
fn a_shard_refuses_what_a_run_refuses() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for (args, expect) in [
        (
            vec!["--no-paths", "--keep-metric", "gdp.growth"],
            "--keep-metric asks for per-path outcomes",
        ),
        (
            vec!["--paths", "4000000000", "--keep-paths"],
            "would write a per-path file of about",
        ),
    ] {
        let mut all = vec!["run", "--shard", "1/2", "--out", "s", "--quiet"];
        all.extend(args);
        let output = xuhui(w, &all);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expect), "{}", stderr(&output));
        assert!(!w.join("s").exists());
    }
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_run() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for k in 1..=3 {
        xuhui_ok(
            w,
            &[
                "run",
                "--paths",
                "20000",
                "--no-paths",
                "--quiet",
                "--shard",
                &format!("{k}/3"),
                "--out",
                &format!("s{k}"),
            ],
        );
    }
    xuhui_ok(
        w,
        &[
            "run",
            "--paths",
            "20000",
            "--seed",
            "5",
            "--no-paths",
            "--quiet",
            "--shard",
            "3/3",
            "--out",
            "other",
        ],
    );
    let refused = |args: &[&str], expect: &str| {
        let output = xuhui(w, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(expect),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!w.join("m").exists());
    };
    refused(&["merge", "s1", "s2", "--out", "m"], "shard 3/3 missing");
    refused(
        &["merge", "s1", "s2", "s2", "s3", "--out", "m"],
        "shard 2/3 is given twice",
    );
    refused(
        &["merge", "s1", "s2", "other", "--out", "m"],
        "their seed differs",
    );
    refused(
        &["merge", "s1", "s2", "nowhere", "--out", "m"],
        "nowhere is not a shard",
    );
    let state = w.join("s2/state.bin");
    let mut bytes = fs::read(&state).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&state, &bytes).unwrap();
    refused(
        &["merge", "s1", "s2", "s3", "--out", "m"],
        "checksum does not match",
    );
    refused(&["run", "--paths", "1000", "--shard", "4/3"], "1 ≤ K ≤ N");
}

#[test]
fn a_precision_run_equals_a_plain_run_of_its_path_count() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    xuhui_ok(
        w,
        &[
            "run",
            "--precision",
            "0.004",
            "--no-paths",
            "--quiet",
            "--out",
            "precise",
        ],
    );
    let precise = figures(&w.join("precise/summary.json"));
    let report = &precise["run"]["precision"];
    assert_eq!(report["reached"], true);
    assert!(report["widest_probability_half_width"].as_f64().unwrap() <= 0.004);
    let paths = precise["run"]["paths"].as_u64().unwrap();
    assert!(paths > 16_384, "{paths}");
    xuhui_ok(
        w,
        &[
            "run",
            "--paths",
            &paths.to_string(),
            "--no-paths",
            "--quiet",
            "--out",
            "plain",
        ],
    );
    let mut plain = figures(&w.join("plain/summary.json"));
    plain["run"]["precision"] = precise["run"]["precision"].clone();
    assert_eq!(precise, plain);
    // Deterministic: the same goal settles on the same paths.
    xuhui_ok(
        w,
        &[
            "run",
            "--precision",
            "0.004",
            "--no-paths",
            "--quiet",
            "--out",
            "again",
        ],
    );
    assert_eq!(figures(&w.join("again/summary.json")), precise);
}
