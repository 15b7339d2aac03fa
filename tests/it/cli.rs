//! The command line as a user meets it, through the built binary.

use crate::common;

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
    assert_eq!(summary["targets"].as_array().unwrap().len(), 29);
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
    common::assert_refused(&second, "set already exists; pass --force");
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
        vec![
            "ai-push",
            "ai-setback",
            "baseline",
            "consumption-stimulus",
            "downturn",
            "finance-shock",
            "fiscal-squeeze",
            "property-slump"
        ]
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
            "131072",
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
    common::assert_refused(&bad, "`qmc` is not a sampling method");
}

/// `--force` replaces only what the tool wrote: for every command that
/// writes a folder, a folder of the user's survives it (exit 2, its file
/// named), an earlier folder of the same command is replaced, and the
/// current folder is never replaced.
#[test]
fn force_never_replaces_a_folder_the_tool_did_not_write() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let ok = |args: &[&str]| common::xuhui_ok(dir, args);
    ok(&["run", "--paths", "2000", "--out", "a", "--quiet"]);
    let downturn = common::root().join("scenarios/downturn.toml");
    let downturn = downturn.to_str().unwrap();
    ok(&["run", downturn, "--paths", "2000", "--out", "b", "--quiet"]);
    ok(&[
        "run", "--paths", "8192", "--shard", "1/2", "--out", "s1", "--quiet",
    ]);
    ok(&[
        "run", "--paths", "8192", "--shard", "2/2", "--out", "s2", "--quiet",
    ]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", "--paths", "2000", "--quiet"],
        vec!["merge", "s1", "s2"],
        vec!["compare", "a", "b"],
        vec![
            "sweep",
            "--vary",
            "series.digital_economy.mean_growth=0.10..0.14",
            "--steps",
            "2",
            "--paths",
            "2000",
        ],
        vec!["sensitivity", "--paths", "2000"],
        vec![
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "256",
            "--max-samples",
            "256",
        ],
        vec![
            "goal-seek",
            "--vary",
            "series.digital_economy.mean_growth",
            "--target",
            "digital_economy_growth_2024",
            "--probability",
            "0.5",
            "--paths",
            "2000",
        ],
        vec![
            "calibrate",
            "--series",
            "digital_economy",
            "--history",
            "0.12,0.09,0.10,0.11,0.08,0.13",
        ],
    ];
    for (i, command) in commands.iter().enumerate() {
        let mine = dir.join(format!("mine-{i}"));
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("thesis.docx"), b"years of work").unwrap();
        let out = format!("mine-{i}");
        let mut args = command.clone();
        args.extend(["--out", &out, "--force"]);
        let output = xuhui(dir, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("thesis.docx"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            fs::read(mine.join("thesis.docx")).unwrap(),
            b"years of work"
        );
        // Its own earlier folder is replaced.
        let own = format!("own-{i}");
        let mut args = command.clone();
        args.extend(["--out", &own]);
        ok(&args);
        args.push("--force");
        ok(&args);
        // Never the current folder, even with --force.
        let mut args = command.clone();
        args.extend(["--out", ".", "--force"]);
        let output = xuhui(dir, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        common::assert_contains(&stderr(&output), "the current folder");
    }
    // report --out never overwrites a file of the user's.
    fs::write(dir.join("notes.html"), b"<p>my notes</p>").unwrap();
    let output = xuhui(dir, &["report", "a", "--out", "notes.html"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        fs::read(dir.join("notes.html")).unwrap(),
        b"<p>my notes</p>"
    );
    ok(&["report", "a", "--out", "page.html"]);
    ok(&["report", "a", "--out", "page.html"]);
}

/// A design run too small for batch-means error bars is refused with the
/// smallest path count that works.
#[test]
fn a_design_run_too_small_for_error_bars_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &["run", "--sampling", "lhs", "--paths", "4096", "--out", "x"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("131072"), "{}", stderr(&output));
    assert!(entries(work.path()).is_empty());
    common::xuhui_ok(
        work.path(),
        &[
            "run",
            "--sampling",
            "lhs",
            "--paths",
            "131072",
            "--out",
            "x",
            "--quiet",
        ],
    );
}

/// `--paths` is the ceiling of a precision run, never exceeded, and a goal
/// not reached is said on stderr and in the table's header.
#[test]
fn a_precision_run_says_what_happened() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "run",
            "--precision",
            "0.0001",
            "--paths",
            "50000",
            "--out",
            "p",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.path().join("p/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["run"]["paths"], 50000);
    assert_eq!(summary["run"]["precision"]["reached"], false);
    let needed = summary["run"]["precision"]["paths_needed"]
        .as_u64()
        .unwrap();
    assert!(needed > 50_000_000, "{needed}");
    common::assert_contains(&stderr(&output), "goal not reached");
    common::assert_contains(&stderr(&output), "needs about");
    assert!(stdout(&output).starts_with("precision run: goal not reached"));
    let output = xuhui(work.path(), &["run", "--precision", "0.01", "--out", "q"]);
    assert!(
        stdout(&output).starts_with("precision run: every target"),
        "{}",
        stdout(&output)
    );
}

/// `describe` names every target of the baseline and quotes the article.
#[test]
fn describe_lists_every_target_and_quotes_the_article() {
    let work = tempfile::tempdir().unwrap();
    let text = common::xuhui_ok(work.path(), &["describe"]);
    let baseline = xuhui_sim::scenario::load_embedded_baseline(&[]).unwrap();
    assert!(!baseline.targets.is_empty());
    for target in &baseline.targets {
        assert!(
            text.contains(&target.name),
            "{} missing:\n{text}",
            target.name
        );
    }
    // Seed sources are quoted (a target's and a series' base level).
    assert!(
        text.contains("seed: 力争全年重大工程开工233万平方米"),
        "{text}"
    );
    assert!(text.contains("seed: 完成区级财政收入250.85亿元"), "{text}");
    // Uncertain inputs by their --set key, distribution and reason.
    assert!(
        text.contains("series.digital_economy.mean_growth"),
        "{text}"
    );
    assert!(
        text.contains("triangular(min 0.07, mode 0.11, max 0.15)"),
        "{text}"
    );
    assert!(text.contains("assumption: trend growth 7-15 %"), "{text}");
    assert!(text.contains("major_projects_started.delivered"), "{text}");
    // A file and --set reach the description; a bad --set is an input error.
    let ai = common::root().join("scenarios/ai-push.toml");
    let ai = ai.to_str().unwrap();
    let text = common::xuhui_ok(work.path(), &["describe", ai, "--set", "run.seed=99"]);
    assert!(
        text.contains("ai-push") && text.contains("seed 99"),
        "{text}"
    );
    let bad = xuhui(work.path(), &["describe", "--set", "run.paths=0"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(entries(work.path()).is_empty());
}

/// `describe --json`: one object, with every parameter drawn from a
/// distribution among its inputs, each with key, distribution and source.
#[test]
fn describe_json_lists_every_uncertain_input_with_its_source() {
    let work = tempfile::tempdir().unwrap();
    let out = common::xuhui_ok(work.path(), &["describe", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "name",
        "title",
        "description",
        "base_year",
        "end_year",
        "run",
        "series",
        "programmes",
        "targets",
        "metrics",
        "inputs",
    ] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    assert_eq!(json["name"], "baseline");
    assert_eq!(json["base_year"], 2023);
    assert_eq!(json["end_year"], 2027);
    assert_eq!(json["run"]["paths"], 200000);
    assert_eq!(json["run"]["sampling"], "random");
    let baseline = xuhui_sim::scenario::load_embedded_baseline(&[]).unwrap();
    assert_eq!(
        json["targets"].as_array().unwrap().len(),
        baseline.targets.len()
    );
    assert_eq!(json["series"][0]["name"], "digital_economy");
    assert_eq!(json["series"][0]["mean_growth"]["dist"], "triangular");
    let expected: Vec<String> = baseline
        .all_parameters()
        .into_iter()
        .filter(|p| p.is_random())
        .map(|p| p.key.clone())
        .collect();
    let inputs = json["inputs"].as_array().unwrap();
    let keys: Vec<&str> = inputs.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, expected);
    // Every `dist = …` of the file is one input.
    let text = fs::read_to_string(common::root().join("scenarios/baseline.toml")).unwrap();
    assert_eq!(inputs.len(), text.matches("dist = ").count());
    for input in inputs {
        assert!(
            !input["distribution"].as_str().unwrap().is_empty(),
            "{input}"
        );
        assert!(!input["source"].as_str().unwrap().is_empty(), "{input}");
    }
    let mean_growth = inputs
        .iter()
        .find(|i| i["key"] == "series.digital_economy.mean_growth")
        .unwrap();
    assert_eq!(
        mean_growth["distribution"],
        "triangular(min 0.07, mode 0.11, max 0.15)"
    );
    assert!(mean_growth["source"]
        .as_str()
        .unwrap()
        .starts_with("assumption: trend growth 7-15 %"));
    assert!(json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "gdp.growth" && m["first_year"] == 2024 && m["last_year"] == 2027));
}

/// `describe --toml` prints the embedded baseline as shipped, and a file's
/// resolved form, which loads again.
#[test]
fn describe_toml_prints_the_scenario() {
    let work = tempfile::tempdir().unwrap();
    let out = common::xuhui_ok(work.path(), &["describe", "--toml"]);
    let shipped = fs::read_to_string(common::root().join("scenarios/baseline.toml")).unwrap();
    assert_eq!(out, shipped);
    let ai = common::root().join("scenarios/ai-push.toml");
    let resolved = common::xuhui_ok(work.path(), &["describe", ai.to_str().unwrap(), "--toml"]);
    assert!(resolved.contains("name = \"ai-push\""), "{resolved}");
    fs::write(work.path().join("resolved.toml"), &resolved).unwrap();
    common::xuhui_ok(work.path(), &["validate", "resolved.toml"]);
}

/// `init` writes a scenario extending the embedded baseline that loads and
/// runs wherever it is; each of its examples, uncommented, is valid too.
#[test]
fn init_writes_a_scenario_that_validates_and_runs() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let output = xuhui(dir, &["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("wrote my-scenario.toml; run it with `xuhui-sim run my-scenario.toml`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(entries(dir), vec!["my-scenario.toml"]);
    let text = fs::read_to_string(dir.join("my-scenario.toml")).unwrap();
    assert!(text.starts_with("# Written by xuhui-sim init\n"), "{text}");
    assert!(text.contains("extends = \"builtin:baseline\""), "{text}");
    assert!(text.contains("name = \"my-scenario\""), "{text}");
    common::xuhui_ok(dir, &["validate", "my-scenario.toml"]);
    common::xuhui_ok(
        dir,
        &[
            "run",
            "my-scenario.toml",
            "--paths",
            "2000",
            "--out",
            "out",
            "--quiet",
        ],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["targets"].as_array().unwrap().len(), 29);

    // In another folder, named after the file's stem.
    fs::create_dir(dir.join("plans")).unwrap();
    common::xuhui_ok(dir, &["init", "plans/Rental Push 2.toml"]);
    let text = fs::read_to_string(dir.join("plans/Rental Push 2.toml")).unwrap();
    assert!(text.contains("name = \"rental-push-2\""), "{text}");
    assert_eq!(entries(&dir.join("plans")), vec!["Rental Push 2.toml"]);
    // Every example uncommented at once (a bare `#` comments out code).
    let uncommented: String = text
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if !rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with('#') => {
                rest
            }
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(uncommented.contains("\n[regime]\n"), "{uncommented}");
    assert!(uncommented.contains("\n[[target]]\n"), "{uncommented}");
    fs::write(dir.join("plans/all.toml"), &uncommented).unwrap();
    common::xuhui_ok(dir, &["validate", "plans/all.toml"]);
    common::xuhui_ok(
        dir,
        &[
            "run",
            "plans/all.toml",
            "--paths",
            "2000",
            "--sampling",
            "random",
            "--out",
            "all",
            "--quiet",
        ],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("all/summary.json")).unwrap()).unwrap();
    let gdp = summary["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "gdp_growth_2024")
        .unwrap();
    assert_eq!(gdp["at_least"], 0.055);
    let described = common::xuhui_ok(dir, &["describe", "plans/all.toml", "--json"]);
    let described: serde_json::Value = serde_json::from_str(&described).unwrap();
    assert_eq!(described["run"]["seed"], 7);
    assert_eq!(described["regime"]["downturn_probability"]["value"], 0.2);
}

/// `init` never replaces a file of the user's, even with --force; its own
/// file is kept without --force and replaced with it.
#[test]
fn init_never_overwrites_a_file_of_the_users() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    fs::write(dir.join("mine.toml"), "# my notes\n").unwrap();
    for args in [
        vec!["init", "mine.toml"],
        vec!["init", "mine.toml", "--force"],
    ] {
        let output = xuhui(dir, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(
                "mine.toml exists and was not written by xuhui-sim init; choose another name"
            ),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join("mine.toml")).unwrap(),
        "# my notes\n"
    );

    common::xuhui_ok(dir, &["init", "ours.toml"]);
    let original = fs::read_to_string(dir.join("ours.toml")).unwrap();
    let edited = original.replace("(edit this title)", "(edited)");
    assert_ne!(edited, original);
    fs::write(dir.join("ours.toml"), &edited).unwrap();
    let again = xuhui(dir, &["init", "ours.toml"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(fs::read_to_string(dir.join("ours.toml")).unwrap(), edited);
    common::xuhui_ok(dir, &["init", "ours.toml", "--force"]);
    assert_eq!(fs::read_to_string(dir.join("ours.toml")).unwrap(), original);
    assert_eq!(entries(dir), vec!["mine.toml", "ours.toml"]);
}

#[test]
fn completions_and_manpage_print() {
    let work = tempfile::tempdir().unwrap();
    let script = common::xuhui_ok(work.path(), &["completions", "bash"]);
    assert!(script.contains("xuhui-sim"), "{script}");
    let man = common::xuhui_ok(work.path(), &["manpage"]);
    assert!(
        man.starts_with(".TH") || man.starts_with(".ie"),
        "{}",
        man.chars().take(200).collect::<String>()
    );
    assert!(entries(work.path()).is_empty());
}

/// A small scenario whose title and labels carry a newline, ESC, a C1
/// control and a bidi override, as a hostile or careless file might.
const HOSTILE: &str = r#"
[scenario]
name = "hostile"
title = "Evil\u001b[2J title"
base_year = 2023
end_year = 2024
[run]
paths = 500
seed = 1
[series.a]
base = 100
mean_growth = 0.05
volatility = 0.01
gdp_share = 1.0
[[target]]
name = "two_rows"
label = "first line\nsecond line"
metric = "gdp.growth"
year = 2024
at_least = 0.04
[[target]]
name = "escape"
label = "red\u001b[31m label\u009b\u202e"
metric = "a.growth"
year = 2024
at_least = 0.04
"#;

fn assert_terminal_safe(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{9b}' || c == '\u{202e}'),
        "{text:?}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("second line")),
        "{text}"
    );
}

#[test]
fn control_characters_in_titles_and_labels_cannot_hijack_the_terminal() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("hostile.toml"), HOSTILE).unwrap();
    let run = |out: &str, seed: &str| {
        let output = xuhui(
            work.path(),
            &["run", "hostile.toml", "--out", out, "--seed", seed],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let table = run("a", "1");
    assert_terminal_safe(&table);
    assert!(table.starts_with("Evil\\u{1b}[2J title — "), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("first line\\nsecond line"))
        .unwrap_or_else(|| panic!("no row for the two-line label:\n{table}"));
    assert!(row.contains("2024") && row.contains("≥ 4 %"), "{row}");
    assert!(
        table.contains("red\\u{1b}[31m label\\u{9b}\\u{202e}"),
        "{table}"
    );
    // The result set keeps the text as written; only the terminal sees it escaped.
    let summary = fs::read_to_string(work.path().join("a/summary.json")).unwrap();
    assert!(summary.contains("first line\\nsecond line"), "{summary}");
    // compare's terminal table too.
    run("b", "2");
    let compare = xuhui(work.path(), &["compare", "a", "b"]);
    assert_eq!(compare.status.code(), Some(0), "{}", stderr(&compare));
    let text = stdout(&compare);
    assert_terminal_safe(&text);
    assert!(text.contains("first line\\nsecond line"), "{text}");
}

#[test]
fn a_bad_sampling_flag_names_the_flag() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &["run", "--paths", "100", "--sampling", "quasi", "--out", "q"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --sampling quasi: `quasi` is not a sampling method; the methods are `random`, `antithetic`, `lhs` and `sobol`\n"
    );
    assert!(entries(work.path()).is_empty());
}

#[test]
fn a_growth_target_written_in_percent_is_warned_about() {
    let work = tempfile::tempdir().unwrap();
    let text = HOSTILE.replacen("at_least = 0.04", "at_least = 5", 1);
    fs::write(work.path().join("percent.toml"), text).unwrap();
    let output = xuhui(work.path(), &["run", "percent.toml", "--out", "p"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "warning: target two_rows: at_least = 5 on a ratio means +500 %; did you mean 0.05?\n"
        ),
        "{}",
        stderr(&output)
    );
    let quiet = xuhui(
        work.path(),
        &["run", "percent.toml", "--out", "q", "--quiet"],
    );
    assert_eq!(quiet.status.code(), Some(0));
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

#[test]
fn set_thresholds_keep_labels_true_and_bad_values_name_the_flag() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "500",
            "--out",
            "s",
            "--set",
            "target.gdp_growth_2024.at_least=0.055",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("GDP 实际增长 ≥ 5.5 % (2024)"), "{table}");
    assert!(!table.contains("GDP 实际增长 ≥ 5 % (2024)"), "{table}");
    let stored = fs::read_to_string(work.path().join("s/scenario.toml")).unwrap();
    assert!(stored.contains("GDP 实际增长 ≥ 5.5 % (2024)"), "{stored}");
    // A label set alongside is the user's.
    let labelled = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "500",
            "--out",
            "l",
            "--set",
            "target.gdp_growth_2024.at_least=0.055",
            "--set",
            "target.gdp_growth_2024.label=Stretch goal",
        ],
    );
    assert_eq!(labelled.status.code(), Some(0), "{}", stderr(&labelled));
    assert!(stdout(&labelled).contains("\nStretch goal "));

    let bad = xuhui(
        work.path(),
        &[
            "run",
            "--paths",
            "500",
            "--out",
            "b",
            "--set",
            "target.gdp_growth_2024.at_least=abc",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        stderr(&bad),
        "error: --set target.gdp_growth_2024.at_least=abc: `target.gdp_growth_2024.at_least` must be a number, and `abc` is not one; write a plain number, e.g. --set target.gdp_growth_2024.at_least=0.05\n"
    );
    assert!(!work.path().join("b").exists());
}

#[test]
fn calibrate_refuses_percentages_bad_names_and_degenerate_histories() {
    let work = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (
            vec!["calibrate", "--series", "x", "--history", "0.1,12,0.09,0.11,0.08"],
            "error: --history value 12 looks like a percentage; write growth as a ratio (0.12)\n",
        ),
        (
            vec!["calibrate", "--series", "Retail Sales", "--history", "0.1,0.12,0.09,0.11,0.08"],
            "error: --series Retail Sales: the name `Retail Sales` must start with a lowercase letter and use only a-z, 0-9 and _\n",
        ),
        (
            vec!["calibrate", "--series", "x", "--history", "0.1,0.1,0.1,0.1,0.1,0.1"],
            "error: the history does not vary (all 6 values are 0.1), so persistence and volatility cannot be estimated; give observed growth rates that differ from year to year\n",
        ),
    ] {
        let output = xuhui(work.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), expect, "{args:?}");
    }
    assert!(
        entries(work.path()).is_empty(),
        "{:?}",
        entries(work.path())
    );
    fs::write(
        work.path().join("h.csv"),
        "year,growth\n2022,0.05\n2023,5.2\n",
    )
    .unwrap();
    let csv = xuhui(
        work.path(),
        &["calibrate", "--series", "x", "--csv", "h.csv"],
    );
    assert_eq!(csv.status.code(), Some(2));
    assert_eq!(
        stderr(&csv),
        "error: h.csv:3: value 5.2 looks like a percentage; write growth as a ratio (0.052)\n"
    );
    // A fit clamped into the model's range says so in the table.
    let clamped = xuhui(
        work.path(),
        &[
            "calibrate",
            "--series",
            "x",
            "--history",
            "0.12,0.02,0.11,0.03,0.13,0.01,0.10,0.04,0.12,0.03",
        ],
    );
    assert_eq!(clamped.status.code(), Some(0), "{}", stderr(&clamped));
    common::assert_contains(
        &stdout(&clamped),
        "Note: the fitted persistence -0.931 is below 0",
    );
}

/// One path has no spread: its sd and standard error are null, not 0, and
/// the CSV cells are empty.
#[test]
fn one_path_has_no_standard_deviation() {
    let work = tempfile::tempdir().unwrap();
    common::xuhui_ok(
        work.path(),
        &["run", "--paths", "1", "--out", "one", "--quiet"],
    );
    let text = fs::read_to_string(work.path().join("one/summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &summary["metrics"][0];
    assert!(first["sd"].is_null(), "{first}");
    assert!(first["mean_se"].is_null(), "{first}");
    assert!(first["mean"].is_number(), "{first}");
    let csv = fs::read_to_string(work.path().join("one/metrics.csv")).unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!((row[4], row[5]), ("", ""), "{csv}");
    // compare and report read it back.
    common::xuhui_ok(work.path(), &["report", "one"]);
}

/// goal-seek on an assumption that does not feed the target says so.
#[test]
fn goal_seek_on_an_assumption_that_does_not_move_the_target_says_so() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(
        work.path(),
        &[
            "goal-seek",
            "--vary",
            "series.digital_economy.mean_growth",
            "--target",
            "rental_housing",
            "--probability",
            "0.5",
            "--paths",
            "2000",
            "--out",
            "g",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    common::assert_contains(&stderr(&output), "does not move `rental_housing`");
    assert!(entries(work.path()).is_empty());
}
