//! Tuning studies against closed forms: Sobol indices and tornado swings of
//! GDP growth as a share-weighted sum of series with uniform mean growths,
//! goal seeking on a normal series, and the commands as a user runs them.

mod common;

use common::{stderr, xuhui, xuhui_ok};
use statrs::distribution::{ContinuousCDF, Normal};
use std::fs;
use xuhui_sim::analysis::{goal_seek, sobol, tornado, MetricChoice, Source, Study};

/// GDP growth in 2024 = Σ w_k mu_k with mu_k ~ U(lo_k, hi_k) independent
/// (no volatility, no persistence, no inflation): variance shares are
/// S_k = ST_k = w_k² (hi_k - lo_k)² / 12 / Σ_j w_j² (hi_j - lo_j)² / 12.
const SHARES: &str = r#"
[scenario]
name = "shares"
base_year = 2023
end_year = 2024
[run]
paths = 20000
seed = 3
[series.a]
base = 100
mean_growth = { dist = "uniform", min = 0.02, max = 0.10 }
gdp_share = 0.5
[series.b]
base = 100
mean_growth = { dist = "uniform", min = 0.00, max = 0.04 }
gdp_share = 0.3
[series.c]
base = 100
mean_growth = { dist = "uniform", min = 0.01, max = 0.13 }
gdp_share = 0.2
[[target]]
name = "five"
metric = "gdp.growth"
year = 2024
at_least = 0.05
"#;

const WEIGHTS: [(f64, f64, f64); 3] = [(0.5, 0.02, 0.10), (0.3, 0.00, 0.04), (0.2, 0.01, 0.13)];

fn study(dir: &std::path::Path, text: &str) -> Study {
    let file = dir.join("scenario.toml");
    fs::write(&file, text).unwrap();
    Study {
        source: Source::File(file),
        sets: Vec::new(),
        paths: None,
        seed: None,
        threads: None,
    }
}

#[test]
fn sobol_indices_of_a_share_weighted_sum_match_the_closed_form() {
    let work = tempfile::tempdir().unwrap();
    let options = sobol::SobolOptions {
        samples: 8192,
        max_samples: 8192,
        tolerance: 0.05,
        metrics: vec![MetricChoice::parse("gdp.growth@2024").unwrap()],
    };
    let report = sobol::sobol(&study(work.path(), SHARES), &options).unwrap();
    let parts: Vec<f64> = WEIGHTS
        .iter()
        .map(|(w, lo, hi)| w * w * (hi - lo) * (hi - lo) / 12.0)
        .collect();
    let total: f64 = parts.iter().sum();
    let gdp = report.outputs.iter().find(|o| o.kind == "metric").unwrap();
    // Six estimates: each must lie within 4 standard errors of the exact
    // index, taken as twice the half-width of its 95 % bootstrap interval (a
    // check of all six 95 % intervals would fail for one seed in four).
    let within = |index: &sobol::Index, exact: f64| {
        let half_width = (index.ci95[1] - index.ci95[0]) / 2.0;
        (index.value - exact).abs() <= 2.0 * half_width
    };
    for (k, part) in parts.iter().enumerate() {
        let exact = part / total;
        let (s, t) = (&gdp.first_order[k], &gdp.total[k]);
        assert!(within(s, exact), "S{k} {s:?} vs {exact}");
        assert!(within(t, exact), "ST{k} {t:?} vs {exact}");
    }
}

#[test]
fn tornado_swings_of_a_share_weighted_sum_are_exact() {
    let work = tempfile::tempdir().unwrap();
    let result = tornado::tornado(
        &study(work.path(), SHARES),
        &[MetricChoice::parse("gdp.growth@2024").unwrap()],
    )
    .unwrap();
    assert_eq!(result.parameters.len(), 3);
    let gdp = result
        .outcomes
        .iter()
        .find(|o| o.kind == "metric median")
        .unwrap();
    for (k, (w, lo, hi)) in WEIGHTS.iter().enumerate() {
        let key = format!("series.{}.mean_growth", ["a", "b", "c"][k]);
        let bar = gdp.bars.iter().find(|b| b.parameter == key).unwrap();
        // Holding mu_k at p10 and p90 moves every path's GDP growth by w (p90 - p10) = 0.8 w (hi - lo).
        let exact = w * 0.8 * (hi - lo);
        // Exact but for the quantile sketch: each median within 6.2e-5 (relative) of ~0.05.
        assert!(
            (bar.swing - exact).abs() < 2.0 * 6.2e-5 * 0.1,
            "{key}: {} vs {exact}",
            bar.swing
        );
    }
    // Ranked by swing: a (0.032) > c (0.0192) > b (0.0096).
    let order: Vec<&str> = gdp.bars.iter().map(|b| b.parameter.as_str()).collect();
    assert_eq!(
        order,
        [
            "series.a.mean_growth",
            "series.c.mean_growth",
            "series.b.mean_growth"
        ]
    );
}

/// A normal series' growth g ~ N(v, sigma²): P(g >= t) = p at v = t + sigma Φ⁻¹(p).
#[test]
fn goal_seek_finds_the_closed_form_value() {
    let work = tempfile::tempdir().unwrap();
    let text = r#"
[scenario]
name = "seek"
base_year = 2023
end_year = 2024
[run]
paths = 40000
seed = 8
[series.a]
base = 100
mean_growth = 0.05
volatility = 0.02
[[target]]
name = "seven"
metric = "a.growth"
year = 2024
at_least = 0.07
"#;
    let result = goal_seek::goal_seek(
        &study(work.path(), text),
        "series.a.mean_growth",
        "seven",
        0.75,
        Some((0.0, 0.2)),
    )
    .unwrap();
    let exact = 0.07 + 0.02 * Normal::new(0.0, 1.0).unwrap().inverse_cdf(0.75);
    assert!(
        result.interval[0] <= exact && exact <= result.interval[1],
        "{:?} vs {exact}",
        result.interval
    );
    assert!(
        result.interval[1] - result.interval[0] < 0.002,
        "{:?}",
        result.interval
    );
    let unreachable = goal_seek::goal_seek(
        &study(work.path(), text),
        "series.a.mean_growth",
        "seven",
        0.75,
        Some((0.0, 0.05)),
    );
    let message = unreachable.unwrap_err().to_string();
    assert!(
        message.contains("no value of series.a.mean_growth in [0, 0.05]"),
        "{message}"
    );
}

#[test]
fn the_four_commands_write_their_files() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let run = |args: &[&str]| xuhui_ok(w, args);
    let table = run(&[
        "sweep",
        "--vary",
        "series.digital_economy.mean_growth=0.08..0.14",
        "--vary",
        "regime.downturn_probability=0.05..0.3",
        "--steps",
        "3",
        "--paths",
        "2000",
    ]);
    assert!(table.contains("数字经济增长 ≥ 10 % (2024)"), "{table}");
    let sweep: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(w.join("results/baseline-sweep/sweep.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sweep["points"].as_array().unwrap().len(), 9);
    assert!(w.join("results/baseline-sweep/sweep.csv").is_file());

    run(&["sensitivity", "--paths", "2000"]);
    assert!(w.join("results/baseline-sensitivity/tornado.csv").is_file());
    run(&[
        "sensitivity",
        "--method",
        "sobol",
        "--samples",
        "256",
        "--max-samples",
        "256",
        "--out",
        "sobol",
    ]);
    let sobol: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(w.join("sobol/sobol.json")).unwrap()).unwrap();
    assert_eq!(sobol["parameters"].as_array().unwrap().len(), 10);

    let seek = run(&[
        "goal-seek",
        "--vary",
        "series.digital_economy.mean_growth",
        "--target",
        "digital_economy_growth_2024",
        "--probability",
        "0.8",
        "--paths",
        "5000",
    ]);
    assert!(
        seek.contains("series.digital_economy.mean_growth = 0.1"),
        "{seek}"
    );

    fs::write(w.join("history.csv"), "year,growth\n2016,0.08\n2017,0.06\n2018,0.07\n2019,0.03\n2020,-0.03\n2021,0.12\n2022,0.01\n2023,0.145\n").unwrap();
    run(&[
        "calibrate",
        "--series",
        "retail_sales",
        "--csv",
        "history.csv",
        "--column",
        "growth",
    ]);
    let snippet =
        fs::read_to_string(w.join("results/calibrate-retail_sales/calibration.toml")).unwrap();
    // The snippet drops into a scenario that extends the baseline.
    fs::copy(
        common::root().join("scenarios/baseline.toml"),
        w.join("baseline.toml"),
    )
    .unwrap();
    fs::write(
        w.join("calibrated.toml"),
        format!("[scenario]\nextends = \"baseline.toml\"\nname = \"calibrated\"\n\n{snippet}"),
    )
    .unwrap();
    run(&["validate", "calibrated.toml"]);
}

#[test]
fn study_refusals_exit_2() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for (args, expect) in [
        (
            vec!["sweep", "--vary", "series.digital_economy.mean_growth"],
            "write KEY=LO..HI",
        ),
        (
            vec![
                "sweep",
                "--vary",
                "series.nope.mean_growth=0..1",
                "--paths",
                "100",
            ],
            "series.nope",
        ),
        (
            vec![
                "goal-seek",
                "--vary",
                "series.digital_economy.mean_growth",
                "--target",
                "nope",
                "--probability",
                "0.5",
            ],
            "no such target",
        ),
        (
            vec![
                "goal-seek",
                "--vary",
                "series.digital_economy.mean_growth",
                "--target",
                "gdp_growth_2024",
                "--probability",
                "1.5",
            ],
            "strictly between 0 and 1",
        ),
        (
            vec!["calibrate", "--series", "x", "--history", "0.1,0.2"],
            "at least 5 observed growth rates",
        ),
    ] {
        let output = xuhui(w, &args);
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
    assert!(!w.join("results").exists() || common::entries(&w.join("results")).is_empty());
}
