//! Closed-form checks of the model: each compares a simulated figure with its
//! exact value, with a fixed seed, within 4 standard errors of the simulation
//! (the chance of a false alarm per check is about 6e-5).

use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};
use xuhui_sim::engine::RunConfig;
use xuhui_sim::scenario::load_str;
use xuhui_sim::summary::{MetricSummary, Summary, TargetSummary};

const PATHS: u64 = 400_000;
const SIGMAS: f64 = 4.0;

fn run(text: &str) -> Summary {
    let scenario = load_str(text, "analytic.toml", &[]).unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        paths: PATHS,
        seed: 20240101,
        threads: None,
    };
    xuhui_sim::simulate(&scenario, &config).expect("runs")
}

fn metric<'a>(s: &'a Summary, name: &str, year: i32) -> &'a MetricSummary {
    s.metrics
        .iter()
        .find(|m| m.metric == name && m.year == year)
        .unwrap_or_else(|| panic!("no {name} {year}"))
}

fn target<'a>(s: &'a Summary, name: &str) -> &'a TargetSummary {
    s.targets
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// |simulated - exact| within SIGMAS standard errors.
fn close(what: &str, simulated: f64, exact: f64, se: f64) {
    assert!(
        (simulated - exact).abs() <= SIGMAS * se,
        "{what}: simulated {simulated}, exact {exact}, {:.2} standard errors apart (se {se})",
        (simulated - exact).abs() / se
    );
}

/// Standard error of a proportion p from n paths.
fn proportion_se(p: f64) -> f64 {
    (p * (1.0 - p) / PATHS as f64).sqrt()
}

const HEADER: &str = r#"
[scenario]
name = "analytic"
base_year = 2023
end_year = 2025
"#;

/// Two GDP series, shares 0.3 and 0.7, growth N(0.08, 0.03²) and
/// N(0.03, 0.02²), correlation 0.6 (the closed forms below use these figures).
const TWO_CORRELATED_SERIES: &str = r#"[series.a]
base = 100
mean_growth = 0.08
volatility = 0.03
gdp_share = 0.3
[series.b]
base = 200
mean_growth = 0.03
volatility = 0.02
gdp_share = 0.7
[correlation]
series = ["a", "b"]
matrix = [[1.0, 0.6], [0.6, 1.0]]
"#;

/// GDP growth of two correlated normal series with shares, in year one:
/// normal with mean w1 mu1 + w2 mu2 and variance w1² s1² + w2² s2² + 2 w1 w2 rho s1 s2.
#[test]
fn gdp_of_two_correlated_normal_series() {
    let text = format!(
        r#"{HEADER}
{TWO_CORRELATED_SERIES}[[target]]
name = "five"
metric = "gdp.growth"
year = 2024
at_least = 0.05
"#
    );
    let s = run(&text);
    let (w1, w2, s1, s2, rho): (f64, f64, f64, f64, f64) = (0.3, 0.7, 0.03, 0.02, 0.6);
    let mean = w1 * 0.08 + w2 * 0.03;
    let sd = (w1 * w1 * s1 * s1 + w2 * w2 * s2 * s2 + 2.0 * w1 * w2 * rho * s1 * s2).sqrt();
    let law = Normal::new(mean, sd).unwrap();
    let gdp = metric(&s, "gdp.growth", 2024);
    close("mean", gdp.mean, mean, gdp.mean_se);
    // The sample sd's standard error is about sd / sqrt(2n) for a normal.
    close("sd", gdp.sd, sd, sd / (2.0 * PATHS as f64).sqrt());
    let p = 1.0 - law.cdf(0.05);
    let t = target(&s, "five");
    close("P(growth >= 5 %)", t.probability, p, proportion_se(p));
    assert!(t.ci95[0] <= p && p <= t.ci95[1] + 3.0 * proportion_se(p));
    // Quantile q: se = sqrt(q(1-q)/n) / density at the quantile.
    for (q, simulated) in [
        (0.05, gdp.quantiles.p5),
        (0.5, gdp.quantiles.p50),
        (0.95, gdp.quantiles.p95),
    ] {
        let exact = law.inverse_cdf(q);
        let density = (-(exact - mean).powi(2) / (2.0 * sd * sd)).exp()
            / (sd * (2.0 * std::f64::consts::PI).sqrt());
        close(
            &format!("quantile {q}"),
            simulated,
            exact,
            (q * (1.0 - q) / PATHS as f64).sqrt() / density,
        );
    }
    // Expected shortfall of a normal below t: (t - mu) + sd φ(a)/Φ(a), a = (t - mu)/sd.
    let a = (0.05 - mean) / sd;
    let standard = Normal::new(0.0, 1.0).unwrap();
    let pdf = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let shortfall = (0.05 - mean) + sd * pdf / standard.cdf(a);
    let missed = PATHS as f64 * (1.0 - t.probability);
    close(
        "expected shortfall",
        t.expected_shortfall.unwrap(),
        shortfall,
        sd / missed.sqrt(),
    );
}

/// AR(1): with the base-year deviation at 0, growth in year two is
/// mu + phi sigma e1 + sigma e2, of variance sigma² (1 + phi²).
#[test]
fn ar1_growth_variance_in_year_two() {
    let text = format!(
        r#"{HEADER}
[series.a]
base = 100
mean_growth = 0.05
persistence = 0.6
volatility = 0.02
"#
    );
    let s = run(&text);
    let g1 = metric(&s, "a.growth", 2024);
    let g2 = metric(&s, "a.growth", 2025);
    let sd1 = 0.02;
    let sd2 = 0.02 * (1.0f64 + 0.36).sqrt();
    close("year-one sd", g1.sd, sd1, sd1 / (2.0 * PATHS as f64).sqrt());
    close("year-two sd", g2.sd, sd2, sd2 / (2.0 * PATHS as f64).sqrt());
    close("year-two mean", g2.mean, 0.05, g2.mean_se);
}

/// A growth_base above the mean fades at the rate of persistence:
/// E[g_t] = mu + phi^t (growth_base - mu).
#[test]
fn base_year_momentum_fades_geometrically() {
    let text = format!(
        r#"{HEADER}
[series.a]
base = 1210
growth_base = 0.145
mean_growth = 0.05
persistence = 0.3
volatility = 0.02
"#
    );
    let s = run(&text);
    close(
        "2024 mean",
        metric(&s, "a.growth", 2024).mean,
        0.05 + 0.3 * 0.095,
        metric(&s, "a.growth", 2024).mean_se,
    );
    close(
        "2025 mean",
        metric(&s, "a.growth", 2025).mean,
        0.05 + 0.09 * 0.095,
        metric(&s, "a.growth", 2025).mean_se,
    );
    // The level after one year: 1210 (1 + g), exactly linear in g.
    let level = metric(&s, "a.level", 2024);
    close(
        "2024 level",
        level.mean,
        1210.0 * (1.0 + 0.05 + 0.3 * 0.095),
        level.mean_se,
    );
}

/// PERT delivery: P(ratio >= 1) = 1 - I_x(a, b) with x = (1 - min)/(max - min).
#[test]
fn pert_programme_attainment_is_the_beta_tail() {
    let text = format!(
        r#"{HEADER}
[programme.repair]
year = 2024
planned = 300
delivery = {{ dist = "pert", min = 0.85, mode = 1.05, max = 1.40 }}
[[target]]
name = "repair"
metric = "repair.delivered"
year = 2024
at_least = 300
"#
    );
    let s = run(&text);
    let (min, mode, max, lambda) = (0.85, 1.05, 1.40, 4.0);
    let a = 1.0 + lambda * (mode - min) / (max - min);
    let b = 1.0 + lambda * (max - mode) / (max - min);
    let p = 1.0 - Beta::new(a, b).unwrap().cdf((1.0 - min) / (max - min));
    close(
        "P(ratio >= 1)",
        target(&s, "repair").probability,
        p,
        proportion_se(p),
    );
    let mean_ratio = (min + lambda * mode + max) / (lambda + 2.0);
    let ratio = metric(&s, "repair.ratio", 2024);
    close("mean ratio", ratio.mean, mean_ratio, ratio.mean_se);
}

/// Binomial delivery of n items with probability p: P(all n) = p^n, P(>= k) from the binomial.
#[test]
fn binomial_programme() {
    let text = format!(
        r#"{HEADER}
[programme.schools]
year = 2024
planned = 5
delivery = {{ dist = "binomial", p = 0.9 }}
[[target]]
name = "all"
metric = "schools.delivered"
year = 2024
at_least = 5
[[target]]
name = "four"
metric = "schools.delivered"
year = 2024
at_least = 4
"#
    );
    let s = run(&text);
    let all = 0.9f64.powi(5);
    let four = all + 5.0 * 0.9f64.powi(4) * 0.1;
    close(
        "P(5 of 5)",
        target(&s, "all").probability,
        all,
        proportion_se(all),
    );
    close(
        "P(>= 4 of 5)",
        target(&s, "four").probability,
        four,
        proportion_se(four),
    );
    let delivered = metric(&s, "schools.delivered", 2024);
    close("mean count", delivered.mean, 4.5, delivered.mean_se);
}

/// The regime's downturn probability by year follows the Markov chain:
/// pi_t = pi_{t-1} (1 - r) + (1 - pi_{t-1}) d, pi_0 = 0.
#[test]
fn regime_downturn_probability_by_year() {
    let text = r#"
[scenario]
name = "regime"
base_year = 2023
end_year = 2027
[series.a]
base = 100
mean_growth = 0.05
[regime]
downturn_probability = 0.15
recovery_probability = 0.4
shift = { a = -0.04 }
"#;
    let s = run(text);
    let mut pi = 0.0;
    for year in 2024..=2027 {
        pi = pi * (1.0 - 0.4) + (1.0 - pi) * 0.15;
        let m = metric(&s, "regime.downturn", year);
        close(
            &format!("P(downturn in {year})"),
            m.mean,
            pi,
            proportion_se(pi),
        );
        // The shift moves mean growth by -0.04 pi (volatility 0, persistence 0).
        let g = metric(&s, "a.growth", year);
        close(
            &format!("mean growth {year}"),
            g.mean,
            0.05 - 0.04 * pi,
            0.04 * proportion_se(pi),
        );
    }
}

/// A Student t marginal (df 5, scaled to unit variance) has fatter tails:
/// P(g >= mu + 2 sigma) = 1 - T_5(2 / sqrt(3/5)).
#[test]
fn student_t_marginal_tail() {
    let text = format!(
        r#"{HEADER}
[series.a]
base = 100
mean_growth = 0.05
volatility = 0.02
[series.b]
base = 100
mean_growth = 0.05
volatility = 0.02
[correlation]
series = ["a", "b"]
matrix = [[1.0, 0.5], [0.5, 1.0]]
marginal = "student_t"
df = 5
[[target]]
name = "tail"
metric = "a.growth"
year = 2024
at_least = 0.09
"#
    );
    let s = run(&text);
    let p = 1.0
        - StudentsT::new(0.0, 1.0, 5.0)
            .unwrap()
            .cdf(2.0 / (3.0f64 / 5.0).sqrt());
    close(
        "P(g >= mu + 2 sigma)",
        target(&s, "tail").probability,
        p,
        proportion_se(p),
    );
    let g = metric(&s, "a.growth", 2024);
    // Unit variance after scaling, so sd = sigma. With excess kurtosis 6/(df - 4) = 6,
    // var(s²) ≈ sigma⁴ (2 + 6)/n and se(s) ≈ se(s²) / (2 sigma).
    close(
        "sd",
        g.sd,
        0.02,
        0.02 * ((2.0 + 6.0) / PATHS as f64).sqrt() / 2.0,
    );
}

/// Inflation turns nominal GDP growth into real growth: (1 + n)/(1 + i) - 1.
#[test]
fn real_growth_deflates_nominal_growth() {
    let text = format!(
        r#"{HEADER}
[series.a]
base = 100
mean_growth = 0.06
gdp_share = 1.0
[prices]
inflation = 0.02
"#
    );
    let s = run(&text);
    let real = metric(&s, "gdp.growth", 2024);
    assert!(
        (real.mean - (1.06 / 1.02 - 1.0)).abs() < 1e-12,
        "{}",
        real.mean
    );
    let index = metric(&s, "gdp.index", 2025);
    assert!(
        (index.mean - 100.0 * (1.06f64 / 1.02).powi(2)).abs() < 1e-9,
        "{}",
        index.mean
    );
}

/// The sampling designs estimate the same closed forms, within 4 of their own
/// (batch-means) standard errors: a PERT programme's attainment and the mean
/// and spread of a correlated GDP growth.
#[test]
fn designs_hit_the_closed_forms_within_their_own_error_bars() {
    for method in ["antithetic", "lhs", "sobol"] {
        let text = format!(
            r#"{HEADER}
[run]
sampling = "{method}"
{TWO_CORRELATED_SERIES}[programme.repair]
year = 2024
planned = 300
delivery = {{ dist = "pert", min = 0.85, mode = 1.05, max = 1.40 }}
[[target]]
name = "repair"
metric = "repair.delivered"
year = 2024
at_least = 300
"#
        );
        let s = run(&text);
        assert_eq!(s.run.sampling, method);
        let (min, mode, max, lambda) = (0.85, 1.05, 1.40, 4.0);
        let a = 1.0 + lambda * (mode - min) / (max - min);
        let b = 1.0 + lambda * (max - mode) / (max - min);
        let p = 1.0 - Beta::new(a, b).unwrap().cdf((1.0 - min) / (max - min));
        let t = target(&s, "repair");
        let se = ((t.ci95[1] - t.ci95[0]) / (2.0 * 1.959_963_984_540_054)).max(1e-6);
        close(&format!("{method}: P(ratio >= 1)"), t.probability, p, se);
        let gdp = metric(&s, "gdp.growth", 2024);
        close(
            &format!("{method}: GDP mean"),
            gdp.mean,
            0.3 * 0.08 + 0.7 * 0.03,
            gdp.mean_se.max(1e-9),
        );
        let sd = (0.09f64 * 0.0009 + 0.49 * 0.0004 + 2.0 * 0.21 * 0.6 * 0.03 * 0.02).sqrt();
        close(
            &format!("{method}: GDP sd"),
            gdp.sd,
            sd,
            sd / (2.0 * PATHS as f64).sqrt(),
        );
    }
}

/// P(X >= k) of a binomial(n, p), exact (statrs: the regularised incomplete beta).
fn binomial_at_least(n: u64, p: f64, k: u64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    1.0 - Binomial::new(p, n).unwrap().cdf(k - 1)
}

/// Runs `text` with `sampling` instead of its `[run] sampling`.
fn run_sampled(text: &str, sampling: &str, paths: u64, seed: u64) -> Summary {
    let set = format!("run.sampling=\"{sampling}\"");
    let scenario = load_str(text, "analytic.toml", &[set]).unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        paths,
        seed,
        threads: None,
    };
    xuhui_sim::simulate(&scenario, &config).expect("runs")
}

/// The standard error behind a target's 95 % interval (Wilson or batch means),
/// read back from its half-width with the normal quantile (conservative for
/// batch means, whose intervals use Student's t).
fn interval_se(t: &TargetSummary) -> f64 {
    (t.ci95[1] - t.ci95[0]) / (2.0 * 1.959_963_984_540_054)
}

/// Designs invert a binomial exactly, also where `(1-p)^n` underflows (1350
/// homes at p 0.95: 0.05^1350 = 0) and for a trillion items: each design's
/// probabilities agree with the exact tail and with plain random sampling.
#[test]
fn designs_invert_binomials_whose_tails_underflow() {
    // 1283 is near the median of binomial(1350, 0.95); 500,000,337,245 near
    // the upper quartile of binomial(10^12, 0.5) (0.6745 sd of 500,000 above the mean).
    let text = format!(
        r#"{HEADER}
[programme.homes]
year = 2024
planned = 1350
delivery = {{ dist = "binomial", p = 0.95 }}
[programme.items]
year = 2024
planned = 1e12
delivery = {{ dist = "binomial", p = 0.5 }}
[[target]]
name = "homes"
metric = "homes.delivered"
year = 2024
at_least = 1283
[[target]]
name = "all_homes"
metric = "homes.delivered"
year = 2024
at_least = 1350
[[target]]
name = "items"
metric = "items.delivered"
year = 2024
at_least = 500000337245
"#
    );
    let exact_homes = binomial_at_least(1350, 0.95, 1283);
    // sd 500,000: the normal with continuity correction is exact to ~1e-6 here.
    let exact_items = 1.0
        - Normal::new(0.0, 1.0)
            .unwrap()
            .cdf((500_000_337_245.0 - 0.5 - 5e11) / 5e5);
    let random = run_sampled(&text, "random", PATHS, 11);
    for method in ["lhs", "sobol", "antithetic"] {
        let s = run_sampled(&text, method, PATHS, 11);
        for (name, exact) in [("homes", exact_homes), ("items", exact_items)] {
            let (t, r) = (target(&s, name), target(&random, name));
            let se = interval_se(t).max(1e-6);
            close(&format!("{method}: P({name})"), t.probability, exact, se);
            let both = (se * se + interval_se(r).powi(2)).sqrt();
            close(
                &format!("{method} against random: P({name})"),
                t.probability,
                r.probability,
                both,
            );
        }
        // P(all 1350 delivered) = 0.95^1350, about 1e-30: never on 400,000 paths.
        assert_eq!(target(&s, "all_homes").met_paths, 0, "{method}");
        let homes = metric(&s, "homes.delivered", 2024);
        close(
            &format!("{method}: mean homes"),
            homes.mean,
            1350.0 * 0.95,
            homes.mean_se.max(1e-9),
        );
        let items = metric(&s, "items.delivered", 2024);
        close(
            &format!("{method}: mean items"),
            items.mean,
            5e11,
            items.mean_se.max(1.0),
        );
    }
}

/// At the smallest path count a design accepts (32 blocks of 4096), its
/// batch-means intervals (Student t on 31 degrees of freedom) cover the exact
/// probability in 92-98 % of 200 seeds, for each design. The target turns on
/// one input (a programme's delivery), the hardest case for batch means: the
/// block counts then differ by at most one item.
#[test]
fn design_intervals_cover_at_the_smallest_allowed_size() {
    let least = xuhui_sim::engine::least_paths(xuhui_sim::model::design::Sampling::Lhs);
    assert_eq!(least, 32 * 4096);
    let text = format!(
        r#"{HEADER}
[series.a]
base = 100
mean_growth = 0.05
volatility = 0.01
gdp_share = 1.0
[programme.repair]
year = 2024
planned = 300
delivery = {{ dist = "triangular", min = 0.85, mode = 1.05, max = 1.40 }}
[[target]]
name = "repair"
metric = "repair.delivered"
year = 2024
at_least = 300
"#
    );
    // Triangular: F(x) = (x - min)² / ((max - min)(mode - min)) below the mode.
    let (min, mode, max) = (0.85, 1.05, 1.40);
    let exact = 1.0 - (1.0f64 - min).powi(2) / ((max - min) * (mode - min));
    let seeds = 200u64;
    for method in ["lhs", "sobol", "antithetic"] {
        let covered = (0..seeds)
            .filter(|&seed| {
                let s = run_sampled(&text, method, least, 1000 + seed);
                let t = target(&s, "repair");
                t.ci95[0] <= exact && exact <= t.ci95[1]
            })
            .count();
        let coverage = covered as f64 / seeds as f64;
        eprintln!(
            "{method}: coverage {:.1} % of {seeds} seeds",
            100.0 * coverage
        );
        assert!(
            (0.92..=0.98).contains(&coverage),
            "{method}: the 95 % interval covered the exact {exact:.4} in {:.1} % of {seeds} seeds",
            100.0 * coverage
        );
    }
}
