//! `discover`: PRIM on planted boxes (closed form: the box the data were
//! made from), on the baseline's result set end to end, and its refusals.

use crate::common::{assert_contains, assert_refused, stderr, xuhui, xuhui_ok};
use rand::{RngExt, SeedableRng};
use std::fmt::Write as _;
use std::path::Path;
use xuhui_sim::discover::{self, prim, Cases, Input, Settings};

/// 20,000 points, x1, x2, x3 uniform on (0, 1); a case with probability 0.9
/// inside the planted box x1 ≤ 0.3, x2 ≥ 0.6 and 0.1 outside it; x3 plays no part.
fn planted() -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let n = 20_000;
    let mut columns = vec![Vec::new(); 3];
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let x: [f64; 3] = [rng.random(), rng.random(), rng.random()];
        let inside = x[0] <= 0.3 && x[1] >= 0.6;
        let p = if inside { 0.9 } else { 0.1 };
        y.push(rng.random::<f64>() < p);
        for (c, v) in columns.iter_mut().zip(x) {
            c.push(v);
        }
    }
    (columns, y)
}

fn cases(columns: Vec<Vec<f64>>, y: Vec<bool>) -> Cases {
    Cases {
        inputs: ["x1", "x2", "x3"]
            .iter()
            .map(|n| Input {
                name: n.to_string(),
                label: n.to_string(),
                source: None,
                percent: false,
                discrete: false,
            })
            .collect(),
        columns,
        y,
        cases_are: "rows with y ≥ 1".into(),
        outcome: "y ≥ 1".into(),
        points_are: "rows".into(),
        origin: "planted".into(),
        skipped: Vec::new(),
    }
}

#[test]
fn a_planted_box_is_recovered_and_an_irrelevant_input_left_free() {
    let (columns, y) = planted();
    let cases = cases(columns, y);
    let found = discover::discover(&cases, &Settings::default()).unwrap();
    let b = &found.boxes[0];
    let limits = &b.significant.limits;
    let x1 = limits.iter().find(|l| l.input == 0).expect("x1 restricted");
    let x2 = limits.iter().find(|l| l.input == 1).expect("x2 restricted");
    assert!(
        limits.iter().all(|l| l.input != 2),
        "x3 must stay free: {limits:?}"
    );
    // The planted edges, to a few per cent of the range.
    let x1_upper = x1.upper.expect("x1 has an upper limit");
    let x2_lower = x2.lower.expect("x2 has a lower limit");
    assert!((x1_upper - 0.3).abs() < 0.03, "x1 ≤ {x1_upper}");
    assert!((x2_lower - 0.6).abs() < 0.03, "x2 ≥ {x2_lower}");
    assert!(x1.lower.is_none() && x2.upper.is_none());
    // Density and coverage against their closed forms for the limits found:
    // the box's area A = x1u (1 − x2l), the planted part of it
    // P = min(x1u, 0.3) (1 − max(x2l, 0.6)); density (0.9 P + 0.1 (A − P)) / A,
    // coverage (0.9 P + 0.1 (A − P)) / (0.9 · 0.12 + 0.1 · 0.88); within
    // 4 binomial standard errors.
    let area = x1_upper * (1.0 - x2_lower);
    let planted_part = x1_upper.min(0.3) * (1.0 - x2_lower.max(0.6));
    let cases_in = 0.9 * planted_part + 0.1 * (area - planted_part);
    let density = cases_in / area;
    let coverage = cases_in / (0.9 * 0.12 + 0.1 * 0.88);
    let got = &b.significant;
    let se_density = (density * (1.0 - density) / got.n as f64).sqrt();
    let se_coverage = (coverage * (1.0 - coverage) / found.cases as f64).sqrt();
    assert!(
        (got.density - density).abs() < 4.0 * se_density,
        "density {} vs {density}",
        got.density
    );
    assert!(
        (got.coverage - coverage).abs() < 4.0 * se_coverage + 0.01,
        "coverage {} vs {coverage}",
        got.coverage
    );
    assert!(got.density > 0.8, "{}", got.density);
    assert!(x1.stability >= 0.9 && x2.stability >= 0.9);
}

#[test]
fn the_same_data_give_the_same_trajectory() {
    let (columns, y) = planted();
    let cases = cases(columns, y);
    let a = discover::render::report(
        &cases,
        &discover::discover(&cases, &Settings::default()).unwrap(),
    );
    let b = discover::render::report(
        &cases,
        &discover::discover(&cases, &Settings::default()).unwrap(),
    );
    assert_eq!(a, b);
    assert!(a.trajectory.len() > 5);
    // Coverage never grows while peeling; density of the last peel beats the start's.
    let peels: Vec<_> = a.trajectory.iter().filter(|t| t.step != "paste").collect();
    assert!(peels.windows(2).all(|w| w[1].coverage <= w[0].coverage));
    assert!(peels.last().unwrap().density > a.base_density);
}

#[test]
fn trajectory_statistics_hold_to_their_definitions() {
    let (columns, y) = planted();
    let data = prim::Data {
        columns: &columns,
        discrete: &[false; 3],
        y: &y,
    };
    let rows: Vec<u32> = (0..y.len() as u32).collect();
    let k_all = y.iter().filter(|c| **c).count();
    let t = prim::find_box(
        &data,
        &rows,
        prim::sort_rows(&data, &rows),
        y.len(),
        k_all,
        &prim::Options::default(),
    );
    for b in &t.boxes {
        // n and k recounted from the limits alone.
        assert_eq!(data.count(&rows, &b.limits), (b.n, b.k));
        assert_eq!(b.coverage, b.k as f64 / k_all as f64);
        assert_eq!(b.density, b.k as f64 / b.n as f64);
        assert_eq!(b.mass, b.n as f64 / y.len() as f64);
        assert!(b.mass >= 0.05);
    }
}

fn write_csv(path: &Path, columns: &[Vec<f64>], y: &[bool]) {
    let mut text = String::from("x1,x2,x3,policy,y\n");
    for i in 0..y.len() {
        writeln!(
            text,
            "{},{},{},{},{}",
            columns[0][i],
            columns[1][i],
            columns[2][i],
            if i % 2 == 0 { "a" } else { "b" },
            u8::from(y[i])
        )
        .unwrap();
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn discover_csv_finds_the_planted_box_and_writes_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (columns, y) = planted();
    write_csv(&dir.path().join("experiments.csv"), &columns, &y);
    let out = xuhui_ok(
        dir.path(),
        &[
            "discover",
            "--csv",
            "experiments.csv",
            "--outcome",
            "y",
            "--json",
            "--out",
            "found",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let selected = json["selected"].as_u64().unwrap() as usize;
    let chosen = &json["trajectory"][selected];
    for key in [
        "n", "k", "coverage", "density", "mass", "res_dim", "limits", "qp",
    ] {
        assert!(!chosen[key].is_null(), "{key} missing");
    }
    // Unrestricted inputs carry their data min and max.
    let x3 = chosen["limits"]["x3"].as_array().unwrap();
    assert!(x3[0].as_f64().unwrap() < 0.001 && x3[1].as_f64().unwrap() > 0.999);
    assert_contains(json["sentence"].as_str().unwrap(), "x1 ≤ 0.3");
    assert_contains(
        &json["skipped"].to_string(),
        "policy (not numeric: line 2 holds `a`)",
    );
    let names = crate::common::entries(&dir.path().join("found"));
    for file in [
        "discover.json",
        "discover.txt",
        "trajectory.csv",
        "box.csv",
        "tradeoff.svg",
        "box.svg",
    ] {
        assert!(names.contains(&file.to_string()), "{file} in {names:?}");
    }
    // `report` renders the folder.
    xuhui_ok(dir.path(), &["report", "found"]);
    let page = std::fs::read_to_string(dir.path().join("found/report.html")).unwrap();
    assert_contains(&page, "Scenario discovery");
    assert_contains(&page, "<svg");
    // A damaged discover.json is refused, not a panic.
    let json_path = dir.path().join("found/discover.json");
    let mut damaged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    damaged["boxes"][0]["selected"] = serde_json::json!(999);
    std::fs::write(&json_path, damaged.to_string()).unwrap();
    assert_refused(&xuhui(dir.path(), &["report", "found"]), "is damaged");
    // Never over a folder the tool did not write.
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep").unwrap();
    let refused = xuhui(
        dir.path(),
        &[
            "discover",
            "--csv",
            "experiments.csv",
            "--outcome",
            "y",
            "--out",
            "mine",
            "--force",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine/notes.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn bad_input_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (columns, y) = planted();
    write_csv(&dir.path().join("e.csv"), &columns, &y);
    let csv = |extra: &[&str]| {
        let mut args = vec!["discover", "--csv", "e.csv"];
        args.extend_from_slice(extra);
        xuhui(dir.path(), &args)
    };
    assert_refused(
        &csv(&["--outcome", "z"]),
        "--outcome z: e.csv has no such column",
    );
    assert_refused(
        &csv(&["--outcome", "y", "--inputs", "x1,x9"]),
        "--inputs x9",
    );
    assert_refused(
        &csv(&["--outcome", "y", "--inputs", "x1,policy"]),
        "column policy holds `a`, not a number",
    );
    assert_refused(&csv(&["--outcome", "x1"]), "--threshold");
    assert_refused(
        &csv(&["--outcome", "x1", "--threshold", "2"]),
        "no row is a case of interest",
    );
    assert_refused(
        &csv(&["--outcome", "y", "--peel-alpha", "1.5"]),
        "--peel-alpha 1.5",
    );
    assert_refused(
        &csv(&["--outcome", "y", "--inputs", "x1,x1"]),
        "--inputs names `x1` twice",
    );
    std::fs::write(dir.path().join("twice.csv"), "a,a,y\n1,2,0\n2,3,1\n3,4,0\n").unwrap();
    assert_refused(
        &xuhui(
            dir.path(),
            &["discover", "--csv", "twice.csv", "--outcome", "y"],
        ),
        "names column `a` twice",
    );
    assert_refused(
        &xuhui(dir.path(), &["discover", "nowhere", "--target", "x"]),
        "nowhere is not a folder",
    );
}

#[test]
fn discover_on_the_baseline_result_set_reads_as_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    xuhui_ok(dir.path(), &["run", "--paths", "40000", "--out", "base"]);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("base/summary.json")).unwrap(),
    )
    .unwrap();
    let inputs: Vec<String> = summary["per_path"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for wanted in [
        "series.other_sectors.mean_growth",
        "programme.rental_housing.delivery",
        "regime.downturn@2024",
        "regime.downturn_years",
    ] {
        assert!(inputs.iter().any(|i| i == wanted), "{wanted} in {inputs:?}");
    }
    let text = xuhui_ok(
        dir.path(),
        &["discover", "base", "--target", "fiscal_revenue_growth_2024"],
    );
    assert_contains(
        &text,
        "In a sentence: P(miss 区级财政收入增长 ≥ 5 % (2024)) is",
    );
    assert_contains(&text, "regime.downturn@2024");
    let json: serde_json::Value = serde_json::from_str(&xuhui_ok(
        dir.path(),
        &[
            "discover",
            "base",
            "--target",
            "fiscal_revenue_growth_2024",
            "--json",
            "--boxes",
            "2",
            "--resamples",
            "4",
        ],
    ))
    .unwrap();
    assert_eq!(json["boxes"].as_array().unwrap().len(), 2);
    let first = &json["boxes"][0]["significant"];
    assert!(first["density"].as_f64().unwrap() > json["base_density"].as_f64().unwrap() + 0.2);
    // Unknown target, no per-path file.
    assert_refused(
        &xuhui(
            dir.path(),
            &["discover", "base", "--target", "fiscal_revenue_growth_2042"],
        ),
        "did you mean `fiscal_revenue_growth_2024`?",
    );
    assert_refused(
        &xuhui(
            dir.path(),
            &[
                "discover",
                "base",
                "--target",
                "fiscal_revenue_growth_2024",
                "--inputs",
                "fiscal_revenue.growth@2024",
            ],
        ),
        "the outcome of --target fiscal_revenue_growth_2024 itself",
    );
    xuhui_ok(
        dir.path(),
        &["run", "--paths", "4096", "--no-paths", "--out", "bare"],
    );
    assert_refused(
        &xuhui(
            dir.path(),
            &["discover", "bare", "--target", "fiscal_revenue_growth_2024"],
        ),
        "rerun it without --no-paths",
    );
}

/// A run that the default left without its per-path file (too big) says so,
/// and commands that need the file say to rerun with --keep-paths. The
/// field is written into a small run's summary here: a real one needs about
/// 2.4 million baseline paths (the decision itself is a unit test in runner).
#[test]
fn a_set_left_without_its_big_per_path_file_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    xuhui_ok(
        dir.path(),
        &["run", "--paths", "4096", "--no-paths", "--out", "big"],
    );
    let file = dir.path().join("big/summary.json");
    let mut summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    summary["run"]["per_path_omitted"] =
        serde_json::json!({"expected_bytes": 41_000_000_000u64, "limit_bytes": 1_000_000_000u64});
    std::fs::write(&file, serde_json::to_string_pretty(&summary).unwrap()).unwrap();
    assert_refused(
        &xuhui(
            dir.path(),
            &["discover", "big", "--target", "fiscal_revenue_growth_2024"],
        ),
        "rerun it with --keep-paths",
    );
    let read: xuhui_sim::summary::Summary =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_contains(
        &xuhui_sim::output::table::target_table(&read),
        "(no paths.parquet: at these paths it would take about 41.0 GB, above the default's 1 GB; add --keep-paths to write it)",
    );
    let compared = xuhui_ok(dir.path(), &["compare", "big", "big", "--json"]);
    assert_contains(&compared, "rerun it with --keep-paths");
    assert_refused(
        &xuhui(
            dir.path(),
            &[
                "run",
                "--paths",
                "4096",
                "--no-paths",
                "--keep-paths",
                "--out",
                "x",
            ],
        ),
        "--keep-paths asks for paths.parquet, which --no-paths turns off",
    );
}

#[test]
fn per_path_inputs_are_the_draws_of_each_path() {
    let dir = tempfile::tempdir().unwrap();
    xuhui_ok(dir.path(), &["run", "--paths", "8192", "--out", "base"]);
    let file = dir.path().join("base/paths.parquet");
    let read = |c: &str| xuhui_sim::output::paths::read_column(&file, c).unwrap();
    // A triangular(0.07, 0.11, 0.15) trend: inside its support, mean 0.11 within 4 standard errors.
    let trend = read("series.digital_economy.mean_growth");
    assert!(trend.iter().all(|v| (0.07..=0.15).contains(v)));
    let mean = trend.iter().sum::<f64>() / trend.len() as f64;
    let sd = ((0.07f64.powi(2) + 0.11f64.powi(2) + 0.15f64.powi(2)
        - 0.07 * 0.11
        - 0.07 * 0.15
        - 0.11 * 0.15)
        / 18.0)
        .sqrt();
    assert!(
        (mean - 0.11).abs() < 4.0 * sd / (trend.len() as f64).sqrt(),
        "{mean}"
    );
    // The count of downturn years is the sum of the years' flags.
    let years: Vec<Vec<f64>> = (2024..=2027)
        .map(|y| read(&format!("regime.downturn@{y}")))
        .collect();
    let count = read("regime.downturn_years");
    for (i, c) in count.iter().enumerate() {
        assert_eq!(*c, years.iter().map(|y| y[i]).sum::<f64>());
    }
    // A delivery is delivered ÷ planned (1350 rental homes planned).
    let delivered = read("rental_housing.delivered@2024");
    let ratio = read("programme.rental_housing.delivery");
    for (d, r) in delivered.iter().zip(&ratio) {
        assert!((d / 1350.0 - r).abs() < 1e-12);
    }
}

/// The inputs of the Workbench's scenario-discovery example (columns 2-10).
const BRYANT_INPUTS: &str = "Cellulosic cost,Total biomass,Feedstock distribution,Cellulosic yield,Oil elasticity,Demand elasticity,Electricity coproduction,oil supply shift,Biomass backstop price";

#[test]
fn the_workbench_example_gives_its_published_boxes() {
    // Bryant & Lempert (2010), as the EMA Workbench's example
    // docs/source/examples/scenario_discovery.ipynb runs it: 882 runs, cases
    // `Greater than 90%` = 1, peel_alpha 0.1, the other settings default.
    // Published there: `box1.inspect(21)` and, after dropping the restriction
    // on Cellulosic cost (quasi-p 0.157), the box's statistics.
    let data = crate::common::root().join("tests/data/bryant_et_al_2010.csv");
    let data = data.to_str().unwrap();
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "discover",
            "--csv",
            data,
            "--outcome",
            "Greater than 90%",
            "--inputs",
            BRYANT_INPUTS,
            "--peel-alpha",
            "0.1",
            "--resamples",
            "0",
            "--json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&xuhui_ok(&std::env::temp_dir(), &args)).unwrap()
    };
    let json = run(&["--box", "21"]);
    let close = |got: &serde_json::Value, want: f64, digits: i32| {
        let got = got.as_f64().unwrap();
        assert!(
            (got - want).abs() < 0.5 * 10f64.powi(-digits),
            "{got} vs {want}"
        );
    };
    assert_eq!(json["points"], 882);
    assert_eq!(json["cases"], 89);
    let trajectory = json["trajectory"].as_array().unwrap();
    assert_eq!(trajectory.len(), 28, "the published log ends at box 27");
    let last = &trajectory[27];
    close(&last["coverage"], 0.5056179775280899, 12);
    close(&last["density"], 1.0, 12);
    close(&last["mass"], 0.05102040816326531, 12);
    assert_eq!(last["res_dim"], 6);
    let b = &trajectory[21];
    close(&b["coverage"], 0.752809, 6);
    close(&b["density"], 0.770115, 6);
    close(&b["mass"], 0.0986395, 7);
    assert_eq!(b["res_dim"], 4);
    // Limits and quasi-p-values as `inspect(21)` prints them (qp to 1e-9 relative).
    for (input, lo, hi, qp_side, qp) in [
        ("Total biomass", 450.0, 755.799988, 1, 4.716968553178765e-06),
        (
            "Demand elasticity",
            -0.422,
            -0.202,
            0,
            1.1849299115762218e-16,
        ),
        (
            "Biomass backstop price",
            150.049995,
            199.600006,
            0,
            3.515112530263049e-11,
        ),
        (
            "Cellulosic cost",
            72.650002,
            133.699997,
            0,
            0.15741333528927348,
        ),
    ] {
        let limits = &b["limits"][input];
        close(&limits[0], lo, 5);
        close(&limits[1], hi, 5);
        let got = b["qp"][input][qp_side].as_f64().unwrap();
        assert!((got - qp).abs() <= 1e-9 * qp, "{input}: qp {got} vs {qp}");
        assert!(b["qp"][input][1 - qp_side].is_null());
    }
    // Our kept limits (quasi-p < 0.05) are the published box after drop_restriction.
    let kept = &json["boxes"][0]["significant"];
    assert_eq!(
        (kept["n"].as_u64(), kept["k"].as_u64()),
        (Some(95), Some(68))
    );
    close(&kept["coverage"], 0.764045, 6);
    close(&kept["density"], 0.715789, 6);
    close(&kept["mass"], 0.10771, 5);
    // The rule (largest F1) chooses box 22, next to the analysts' 21, with
    // the same three inputs kept.
    let chosen = run(&[]);
    assert_eq!(chosen["selected"], 22);
    let inputs: Vec<&str> = chosen["boxes"][0]["significant"]["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["input"].as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [
            "Total biomass",
            "Demand elasticity",
            "Biomass backstop price"
        ]
    );
}
