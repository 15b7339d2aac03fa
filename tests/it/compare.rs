//! `compare`: paired and independent intervals against closed-form truth,
//! their coverage over many seeds, the refusals, the per-path file, and a
//! snapshot of the terminal table.

use crate::common;

use common::{stderr, stdout, xuhui, xuhui_ok};
use statrs::distribution::{Beta, ContinuousCDF};
use std::fs;
use std::path::Path;
use xuhui_sim::compare::{compare, render, Method, ResultSet};
use xuhui_sim::engine::RunConfig;
use xuhui_sim::output::paths::{read_column, PATHS_FILE};
use xuhui_sim::runner::{run_to_result_set, Keep};
use xuhui_sim::scenario::{load_embedded_baseline, load_str};

/// A scenario whose target probability is known in closed form: a PERT
/// delivery ratio `mode`, target delivered >= planned.
/// Runs shipped scenario files (`scenarios/<file>`) into folders `out` under
/// `dir`, quietly, with the flags `extra`.
fn run_shipped(dir: &Path, runs: &[(&str, &str)], extra: &[&str]) {
    for (file, out) in runs {
        let path = common::root().join("scenarios").join(file);
        let mut args = vec!["run", path.to_str().unwrap(), "--quiet", "--out", out];
        args.extend_from_slice(extra);
        xuhui_ok(dir, &args);
    }
}

fn pert_scenario(mode: f64) -> String {
    format!(
        r#"
[scenario]
name = "pert"
base_year = 2023
end_year = 2024
[series.a]
base = 100
mean_growth = 0.05
volatility = 0.02
[programme.x]
year = 2024
planned = 100
delivery = {{ dist = "pert", min = 0.85, mode = {mode}, max = 1.3 }}
[[target]]
name = "x"
metric = "x.delivered"
year = 2024
at_least = 100
"#
    )
}

/// P(PERT(0.85, mode, 1.3) >= 1).
fn pert_truth(mode: f64) -> f64 {
    let (min, max, lambda) = (0.85, 1.3, 4.0);
    let a = 1.0 + lambda * (mode - min) / (max - min);
    let b = 1.0 + lambda * (max - mode) / (max - min);
    1.0 - Beta::new(a, b).unwrap().cdf((1.0 - min) / (max - min))
}

fn write_set(text: &str, dir: &Path, paths: u64, seed: u64, keep: &Keep) -> ResultSet {
    let scenario = load_str(text, "test.toml", &[]).unwrap();
    let config = RunConfig {
        paths,
        seed,
        threads: Some(1),
    };
    run_to_result_set(&scenario, &config, dir, true, keep).unwrap();
    ResultSet::open(dir).unwrap()
}

#[test]
fn paired_is_narrower_than_independent_and_both_hold_the_difference() {
    let work = tempfile::tempdir().unwrap();
    let truth = pert_truth(1.1) - pert_truth(1.0);
    let base = write_set(
        &pert_scenario(1.0),
        &work.path().join("a"),
        20_000,
        3,
        &Keep::default(),
    );
    let other = write_set(
        &pert_scenario(1.1),
        &work.path().join("b"),
        20_000,
        3,
        &Keep::default(),
    );
    let unpaired_other = write_set(
        &pert_scenario(1.1),
        &work.path().join("c"),
        20_000,
        3,
        &Keep {
            no_paths: true,
            ..Keep::default()
        },
    );
    let paired = &compare(&base, &[other], 0.005).unwrap().others[0];
    let independent = &compare(&base, &[unpaired_other], 0.005).unwrap().others[0];
    assert_eq!(paired.method, Method::Paired);
    assert_eq!(independent.method, Method::Independent);
    let (p, i) = (&paired.targets[0], &independent.targets[0]);
    assert_eq!(
        p.difference, i.difference,
        "same numbers, only the interval differs"
    );
    let width = |ci: [f64; 2]| ci[1] - ci[0];
    assert!(
        width(p.ci95) < width(i.ci95),
        "paired {:?} vs independent {:?}",
        p.ci95,
        i.ci95
    );
    for ci in [p.ci95, i.ci95] {
        assert!(ci[0] <= p.difference && p.difference <= ci[1]);
        assert!(
            ci[0] <= truth && truth <= ci[1],
            "{ci:?} misses the true difference {truth}"
        );
    }
}

/// Over 200 seeds, the 95 % intervals cover the true difference in 92-98 % of them.
#[test]
fn intervals_cover_the_true_difference() {
    let work = tempfile::tempdir().unwrap();
    let truth = pert_truth(1.05) - pert_truth(1.0);
    let (base_text, other_text) = (pert_scenario(1.0), pert_scenario(1.05));
    let seeds = 200;
    let (mut paired_hits, mut independent_hits) = (0, 0);
    for seed in 0..seeds {
        let base = write_set(
            &base_text,
            &work.path().join("a"),
            2_000,
            seed,
            &Keep::default(),
        );
        let other = write_set(
            &other_text,
            &work.path().join("b"),
            2_000,
            seed,
            &Keep::default(),
        );
        let moved = write_set(
            &other_text,
            &work.path().join("c"),
            2_000,
            seed + 10_000,
            &Keep::default(),
        );
        let paired = &compare(&base, &[other], 0.005).unwrap().others[0].targets[0];
        let independent = &compare(&base, &[moved], 0.005).unwrap().others[0].targets[0];
        assert_eq!(paired.method, Method::Paired);
        assert_eq!(independent.method, Method::Independent);
        paired_hits += usize::from(paired.ci95[0] <= truth && truth <= paired.ci95[1]);
        independent_hits +=
            usize::from(independent.ci95[0] <= truth && truth <= independent.ci95[1]);
    }
    for (name, hits) in [("paired", paired_hits), ("independent", independent_hits)] {
        let coverage = hits as f64 / seeds as f64;
        eprintln!("{name} coverage over {seeds} seeds: {coverage}");
        assert!(
            (0.92..=0.98).contains(&coverage),
            "{name} coverage {coverage}"
        );
    }
}

#[test]
fn per_path_file_reads_back_and_agrees_with_the_summary() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("set");
    let scenario = load_embedded_baseline(&[]).unwrap();
    let keep = Keep {
        no_paths: false,
        extra_metrics: vec!["gdp.index".into(), "retail_sales.level@2025".into()],
        ..Keep::default()
    };
    let summary = run_to_result_set(
        &scenario,
        &RunConfig {
            paths: 5_000,
            seed: 9,
            threads: None,
        },
        &dir,
        false,
        &keep,
    )
    .unwrap();
    let per_path = summary.per_path.expect("paths kept");
    assert_eq!(per_path.rows, 5_000);
    assert!(per_path.columns.contains(&"gdp.index@2027".to_string()));
    assert!(per_path
        .columns
        .contains(&"retail_sales.level@2025".to_string()));
    assert!(per_path
        .columns
        .contains(&"rental_housing.delivered@2024".to_string()));
    let values = read_column(&dir.join(PATHS_FILE), "gdp.growth@2024").unwrap();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let reported = summary
        .metrics
        .iter()
        .find(|m| m.metric == "gdp.growth" && m.year == 2024)
        .unwrap();
    assert!(
        (mean - reported.mean).abs() < 1e-12,
        "{mean} vs {}",
        reported.mean
    );
    let met = read_column(&dir.join(PATHS_FILE), "rental_housing.delivered@2024")
        .unwrap()
        .iter()
        .filter(|v| **v >= 1350.0)
        .count();
    let target = summary
        .targets
        .iter()
        .find(|t| t.name == "rental_housing")
        .unwrap();
    assert_eq!(met as u64, target.met_paths);
}

#[test]
fn refusals_say_what_differs() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let small = |name: &str, base_year: i32, unit: &str| {
        format!(
            "[scenario]\nname = \"{name}\"\nbase_year = {base_year}\nend_year = 2026\n[series.a]\nbase = 1\nunit = \"{unit}\"\nmean_growth = 0.05\n"
        )
    };
    fs::write(w.join("a.toml"), small("a", 2023, "亿元")).unwrap();
    fs::write(w.join("year.toml"), small("year", 2022, "亿元")).unwrap();
    fs::write(w.join("unit.toml"), small("unit", 2023, "万元")).unwrap();
    fs::write(
        w.join("disjoint.toml"),
        "[scenario]\nname = \"disjoint\"\nbase_year = 2023\nend_year = 2026\n[series.b]\nbase = 1\nmean_growth = 0.05\n",
    )
    .unwrap();
    for name in ["a", "year", "unit", "disjoint"] {
        xuhui_ok(
            w,
            &["run", &format!("{name}.toml"), "--paths", "200", "--quiet"],
        );
    }
    let refused = |other: &str, expect: &str| {
        let output = xuhui(w, &["compare", "results/a", other]);
        assert_eq!(output.status.code(), Some(2), "{other}");
        assert!(
            stderr(&output).contains(expect),
            "{other}: {}",
            stderr(&output)
        );
    };
    refused(
        "results/year",
        "starts from base year 2023 but results/year from 2022",
    );
    refused(
        "results/unit",
        "metric `a.level` is in 亿元 in results/a but in 万元 in results/unit",
    );
    refused("results/disjoint", "have no target and no metric in common");
    // A format this binary does not know.
    fs::create_dir_all(w.join("future")).unwrap();
    let summary = fs::read_to_string(w.join("results/a/summary.json")).unwrap();
    fs::write(
        w.join("future/summary.json"),
        summary.replace("xuhui-sim.result-set.v1", "xuhui-sim.result-set.v9"),
    )
    .unwrap();
    refused(
        "future",
        "format `xuhui-sim.result-set.v9`, which this binary does not know",
    );
    refused("nowhere", "nowhere is not a folder");
    // Truncated, edited or foreign files are refused by their checksums.
    for (file, expect) in [
        ("targets.csv", "was truncated, edited or replaced"),
        ("scenario.toml", "does not match the checksum"),
    ] {
        let copy = w.join(format!("tampered-{file}"));
        fs::create_dir_all(&copy).unwrap();
        for entry in fs::read_dir(w.join("results/a")).unwrap().flatten() {
            fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
        }
        let original = fs::read_to_string(copy.join(file)).unwrap();
        let edited = if file == "targets.csv" {
            original[..original.len() - 10].to_string()
        } else {
            original.replacen("base_year", "base_yeaR", 1)
        };
        fs::write(copy.join(file), edited).unwrap();
        refused(copy.to_str().unwrap(), expect);
        let report = xuhui(w, &["report", copy.to_str().unwrap()]);
        assert_eq!(report.status.code(), Some(2), "report must refuse it too");
    }
}

#[test]
fn the_terminal_table_matches_its_snapshot() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    run_shipped(
        w,
        &[("baseline.toml", "base"), ("ai-push.toml", "ai")],
        &["--paths", "4000", "--seed", "1"],
    );
    let output = xuhui(w, &["compare", "base", "ai"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    let snapshot = common::root().join("tests/snapshots/compare_table.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !snapshot.exists() {
        fs::write(&snapshot, &table).unwrap();
    }
    assert_eq!(
        table,
        fs::read_to_string(&snapshot).unwrap(),
        "run with UPDATE_SNAPSHOTS=1 to accept a deliberate change"
    );
}

#[test]
fn outputs_fail_on_and_out_folder() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    run_shipped(
        w,
        &[("baseline.toml", "base"), ("downturn.toml", "down")],
        &["--paths", "3000"],
    );
    let json = xuhui(w, &["compare", "base", "down", "--json"]);
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(parsed["others"][0]["method"], "paired");
    assert!(
        stdout(&xuhui(w, &["compare", "base", "down", "--markdown"]))
            .starts_with("# Comparison with baseline")
    );
    assert!(stdout(&xuhui(w, &["compare", "base", "down", "--csv"]))
        .starts_with("other,kind,name,year"));
    let failing = xuhui(
        w,
        &[
            "compare",
            "base",
            "down",
            "--fail-on",
            "worse",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(failing.status.code(), Some(3), "{}", stderr(&failing));
    assert!(stderr(&failing).contains("significantly worse"));
    for file in ["comparison.json", "comparison.md", "comparison.csv"] {
        assert!(w.join("cmp").join(file).is_file(), "{file}");
    }
    let again = xuhui(w, &["compare", "base", "down", "--out", "cmp"]);
    assert_eq!(again.status.code(), Some(2));
    // The same set against itself: nothing changes, nothing fails.
    let same = xuhui(w, &["compare", "base", "base", "--fail-on", "worse"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(stdout(&same).contains("0 better, 0 worse, 29 without significant change"));
    let _ = render::percent(0.5);
}

#[test]
fn explain_splits_the_change_across_the_differing_assumptions() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    run_shipped(
        w,
        &[("baseline.toml", "base"), ("ai-push.toml", "ai")],
        &["--paths", "4000"],
    );
    let output = xuhui(w, &["compare", "base", "ai", "--explain", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let explanation = &parsed["others"][0]["explanation"];
    let assumptions: Vec<&str> = explanation["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        assumptions,
        vec![
            "series.digital_economy.mean_growth",
            "series.digital_economy.volatility",
            "programme.llm_ecosystem_firms.delivery"
        ]
    );
    for target in explanation["targets"].as_array().unwrap() {
        let total = target["total_change"].as_f64().unwrap();
        let sum: f64 = target["shapley"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(
            (total - sum).abs() < 1e-9,
            "{}: {total} vs {sum}",
            target["name"]
        );
        if target["name"] == "llm_ecosystem_firms" {
            // Only the delivery assumption touches this programme.
            let shapley = target["shapley"].as_array().unwrap();
            assert_eq!(shapley[0].as_f64().unwrap(), 0.0);
            assert!((shapley[2].as_f64().unwrap() - total).abs() < 1e-12);
        }
    }
}
