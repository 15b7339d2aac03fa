//! Reproducibility (spec section 5): the same scenario, seed and path count
//! give the same figures to the bit on any thread count, and common random
//! numbers leave every other metric's figures unchanged when a scenario gains
//! an input.

use xuhui_sim::engine::RunConfig;
use xuhui_sim::scenario::{load_embedded_baseline, load_str, EMBEDDED_BASELINE};
use xuhui_sim::summary::Summary;

fn baseline(paths: u64, threads: usize, sets: &[String]) -> Summary {
    let scenario = load_embedded_baseline(sets).unwrap();
    xuhui_sim::simulate(
        &scenario,
        &RunConfig {
            paths,
            seed: 7,
            threads: Some(threads),
        },
    )
    .unwrap()
}

/// The summary without the fields allowed to differ (timing, thread count).
fn figures(mut s: Summary) -> String {
    s.run.seconds = 0.0;
    s.run.threads = 0;
    serde_json::to_string(&s).unwrap()
}

#[test]
fn identical_figures_on_1_2_and_8_threads() {
    // Not a multiple of the block size, so the last block is partial.
    let paths = 30_001;
    let one = figures(baseline(paths, 1, &[]));
    assert_eq!(one, figures(baseline(paths, 2, &[])));
    assert_eq!(one, figures(baseline(paths, 8, &[])));
}

/// What the baseline lacks of model v2, added by flags: a forced downturn
/// year and a shock link (it already has growth links, links to prices,
/// `[gdp]`, binomial candidates, a pipeline, `[execution]` with a drawn
/// correlation and a truncated delivery).
fn every_v2_addition() -> Vec<String> {
    vec![
        "regime.force.2025=\"downturn\"".to_string(),
        "series.industrial_output.links.digital_economy=0.3".to_string(),
    ]
}

#[test]
fn every_v2_addition_is_identical_on_1_2_and_8_threads_under_every_sampling_method() {
    let mut sets = every_v2_addition();
    let one = figures(baseline(30_001, 1, &sets));
    assert_eq!(one, figures(baseline(30_001, 2, &sets)));
    assert_eq!(one, figures(baseline(30_001, 8, &sets)));
    sets.push("run.sampling=lhs".to_string());
    let one = figures(baseline(131_072, 1, &sets));
    assert_eq!(one, figures(baseline(131_072, 8, &sets)), "lhs");
}

#[test]
fn identical_figures_on_repeated_runs() {
    assert_eq!(
        figures(baseline(5_000, 2, &[])),
        figures(baseline(5_000, 2, &[]))
    );
}

#[test]
fn a_different_seed_gives_different_figures() {
    let scenario = load_embedded_baseline(&[]).unwrap();
    let a = xuhui_sim::simulate(
        &scenario,
        &RunConfig {
            paths: 5_000,
            seed: 1,
            threads: None,
        },
    )
    .unwrap();
    let b = xuhui_sim::simulate(
        &scenario,
        &RunConfig {
            paths: 5_000,
            seed: 2,
            threads: None,
        },
    )
    .unwrap();
    assert_ne!(a.metrics[0].mean, b.metrics[0].mean);
}

/// Adding a programme (with its own random ratio) and a new series leaves every
/// metric and target the two scenarios share exactly as it was.
#[test]
fn common_random_numbers_survive_added_inputs() {
    let extra = r#"
[programme.new_parks]
label = "New parks"
unit = "个"
year = 2025
planned = 4
delivery = { dist = "pert", min = 0.5, mode = 1.0, max = 1.2 }

[series.tourism]
base = 100
mean_growth = { dist = "uniform", min = 0.02, max = 0.08 }
volatility = 0.05
"#;
    let text = format!("{EMBEDDED_BASELINE}\n{extra}");
    let config = RunConfig {
        paths: 20_000,
        seed: 11,
        threads: None,
    };
    let plain = xuhui_sim::simulate(&load_embedded_baseline(&[]).unwrap(), &config).unwrap();
    let grown = xuhui_sim::simulate(&load_str(&text, "grown.toml", &[]).unwrap(), &config).unwrap();
    assert!(grown.metrics.len() > plain.metrics.len());
    for m in &plain.metrics {
        let same = grown
            .metrics
            .iter()
            .find(|g| g.metric == m.metric && g.year == m.year)
            .unwrap_or_else(|| panic!("{} {} missing", m.metric, m.year));
        assert_eq!(m, same, "{} {} changed", m.metric, m.year);
    }
    assert_eq!(plain.targets, grown.targets);
}

/// Changing one assumption changes only what depends on it: the programmes
/// do not depend on the digital economy's growth.
#[test]
fn an_override_moves_only_what_depends_on_it() {
    let plain = baseline(10_000, 2, &[]);
    let pushed = baseline(
        10_000,
        2,
        &["series.digital_economy.mean_growth=0.14".to_string()],
    );
    let find = |s: &Summary, name: &str, year: i32| {
        s.metrics
            .iter()
            .find(|m| m.metric == name && m.year == year)
            .unwrap()
            .clone()
    };
    assert!(
        find(&pushed, "digital_economy.growth", 2024).mean
            > find(&plain, "digital_economy.growth", 2024).mean
    );
    assert_eq!(
        find(&pushed, "rental_housing.delivered", 2024),
        find(&plain, "rental_housing.delivered", 2024)
    );
    assert_eq!(
        find(&pushed, "life_health.growth", 2024),
        find(&plain, "life_health.growth", 2024)
    );
    assert_ne!(pushed.scenario.sha256, plain.scenario.sha256);
}

/// Every sampling method gives identical figures on 1, 2 and 8 threads and
/// keeps common random numbers when a scenario gains inputs.
#[test]
fn every_sampling_method_is_reproducible_and_keeps_common_random_numbers() {
    for method in ["antithetic", "lhs", "sobol"] {
        let sets = [format!("run.sampling={method}")];
        let one = figures(baseline(131_072, 1, &sets));
        assert_eq!(one, figures(baseline(131_072, 2, &sets)), "{method}");
        assert_eq!(one, figures(baseline(131_072, 8, &sets)), "{method}");

        let extra = "\n[programme.new_parks]\nyear = 2025\nplanned = 4\ndelivery = { dist = \"pert\", min = 0.5, mode = 1.0, max = 1.2 }\n";
        let config = RunConfig {
            paths: 131_072,
            seed: 11,
            threads: None,
        };
        let plain = xuhui_sim::simulate(&load_embedded_baseline(&sets).unwrap(), &config).unwrap();
        let grown_text = format!("{EMBEDDED_BASELINE}{extra}");
        let grown = xuhui_sim::simulate(
            &load_str(&grown_text, "grown.toml", &sets).unwrap(),
            &config,
        )
        .unwrap();
        for m in &plain.metrics {
            let same = grown
                .metrics
                .iter()
                .find(|g| g.metric == m.metric && g.year == m.year)
                .unwrap();
            assert_eq!(m, same, "{method}: {} {} changed", m.metric, m.year);
        }
        assert_eq!(plain.targets, grown.targets, "{method}");
    }
}
