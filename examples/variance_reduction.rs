//! Measures how much each sampling method shrinks the Monte Carlo error on the
//! baseline, at equal paths: `cargo run --release --example variance_reduction [PATHS] [SEEDS]`.
//!
//! For each method, the baseline runs with SEEDS different seeds at PATHS paths;
//! the spread (standard deviation) of each estimate across seeds is its true
//! Monte Carlo error. The table gives that error relative to plain random
//! sampling's (below 1 is better) and, to check that each method's reported
//! error bars are honest, the mean reported standard error over the measured one.

use xuhui_sim::engine::RunConfig;
use xuhui_sim::scenario::load_embedded_baseline;
use xuhui_sim::summary::Summary;

fn estimates(summary: &Summary) -> Vec<(String, f64, f64)> {
    let mut out: Vec<(String, f64, f64)> = summary
        .targets
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.probability,
                (t.ci95[1] - t.ci95[0]) / (2.0 * 1.959_963_984_540_054),
            )
        })
        .collect();
    let gdp = summary
        .metrics
        .iter()
        .find(|m| m.metric == "gdp.growth" && m.year == 2024)
        .expect("GDP growth");
    out.push(("gdp.growth 2024 mean".into(), gdp.mean, gdp.mean_se));
    out.push(("gdp.growth 2024 p5".into(), gdp.quantiles.p5, f64::NAN));
    out
}

fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let paths: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(131_072);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let methods = ["random", "antithetic", "lhs", "sobol"];
    let mut spread: Vec<Vec<f64>> = Vec::new();
    let mut reported: Vec<Vec<f64>> = Vec::new();
    let mut names = Vec::new();
    for method in methods {
        let scenario =
            load_embedded_baseline(&[format!("run.sampling={method}")]).expect("baseline");
        let runs: Vec<Vec<(String, f64, f64)>> = (0..seeds)
            .map(|seed| {
                estimates(
                    &xuhui_sim::simulate(
                        &scenario,
                        &RunConfig {
                            paths,
                            seed: 1000 + seed,
                            threads: None,
                        },
                    )
                    .expect("runs"),
                )
            })
            .collect();
        names = runs[0].iter().map(|e| e.0.clone()).collect();
        spread.push(
            (0..names.len())
                .map(|i| sd(&runs.iter().map(|r| r[i].1).collect::<Vec<_>>()))
                .collect(),
        );
        reported.push(
            (0..names.len())
                .map(|i| runs.iter().map(|r| r[i].2).sum::<f64>() / seeds as f64)
                .collect(),
        );
    }
    println!("Error of each estimate relative to random sampling at {paths} paths ({seeds} seeds each); in brackets, reported SE / measured spread\n");
    println!(
        "{:<42} {:>16} {:>16} {:>16} {:>16}",
        "estimate", methods[0], methods[1], methods[2], methods[3]
    );
    for (i, name) in names.iter().enumerate() {
        let base = spread[0][i];
        let cells: Vec<String> = (0..methods.len())
            .map(|m| {
                let ratio = if base > 0.0 {
                    spread[m][i] / base
                } else {
                    f64::NAN
                };
                let honesty = reported[m][i] / spread[m][i];
                if honesty.is_finite() {
                    format!("{ratio:.2} [{honesty:.2}]")
                } else {
                    format!("{ratio:.2}")
                }
            })
            .collect();
        println!(
            "{:<42} {:>16} {:>16} {:>16} {:>16}",
            name, cells[0], cells[1], cells[2], cells[3]
        );
    }
    let geometric = |m: usize| {
        let logs: Vec<f64> = (0..names.len())
            .filter(|&i| spread[0][i] > 0.0 && spread[m][i] > 0.0)
            .map(|i| (spread[m][i] / spread[0][i]).ln())
            .collect();
        (logs.iter().sum::<f64>() / logs.len() as f64).exp()
    };
    println!(
        "\n{:<42} {:>16.2} {:>16.2} {:>16.2} {:>16.2}",
        "geometric mean of the ratios",
        geometric(0),
        geometric(1),
        geometric(2),
        geometric(3)
    );
}
