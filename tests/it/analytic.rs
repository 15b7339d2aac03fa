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
    run_with(text, &[])
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
        assert_eq!(s.run.sampling.name(), method);
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

// ---- model v2 (docs/model.md) -----------------------------------------------

/// A member `a` (GDP's only series) whose trend is uncertain, U(0.02, 0.08),
/// with shocks of sd 0.01; `r` follows nominal GDP through a growth link
/// (elasticity 1.5 around 0.05) and `s` through a shock link (1.5).
const LINKED: &str = r#"[series.a]
base = 100
mean_growth = { dist = "uniform", min = 0.02, max = 0.08 }
volatility = 0.01
gdp_share = 1.0
[series.r]
base = 250
mean_growth = 0.06
links = { gdp = { elasticity = 1.5, around = 0.05 } }
[series.s]
base = 250
mean_growth = 0.06
links = { gdp = 1.5 }
"#;

/// A growth link carries the linked node's uncertain trend: g_r = 0.06 +
/// 1.5 (mu_a + 0.01 e - 0.05), mean 0.06 + 1.5 (0.05 - 0.05) = 0.06, sd 1.5
/// sqrt(0.06²/12 + 0.01²). A shock link passes only the surprise: g_s = 0.06
/// + 1.5 * 0.01 e, sd 0.015, whatever the trend.
#[test]
fn a_growth_link_carries_the_trend_and_a_shock_link_only_the_surprise() {
    let s = run(&format!("{HEADER}{LINKED}"));
    let r = metric(&s, "r.growth", 2024);
    let sd_r = 1.5 * (0.06f64.powi(2) / 12.0 + 0.01f64.powi(2)).sqrt();
    close("growth link mean", r.mean, 0.06, r.mean_se);
    close(
        "growth link sd",
        r.sd,
        sd_r,
        sd_r / (2.0 * PATHS as f64).sqrt(),
    );
    let g = metric(&s, "s.growth", 2024);
    close("shock link mean", g.mean, 0.06, g.mean_se);
    close(
        "shock link sd",
        g.sd,
        0.015,
        0.015 / (2.0 * PATHS as f64).sqrt(),
    );
    // Raising the member's trend raises the growth-linked series one and a half for one.
    let faster = run_with(
        &format!("{HEADER}{LINKED}"),
        &["series.a.mean_growth=0.08".to_string()],
    );
    let r_fast = metric(&faster, "r.growth", 2024);
    close(
        "growth link, faster economy",
        r_fast.mean,
        0.06 + 1.5 * 0.03,
        r_fast.mean_se,
    );
}

/// Own shocks persist, links do not: with `b` (shocks sd 0.03) and `r`
/// (persistence 0.5, shocks sd 0.02, shock link 0.8 to `b`), growth of `r` in
/// year two is mu + 0.5 * 0.02 e1 + 0.02 e2 + 0.8 * 0.03 eb2, of variance
/// 0.02² (1 + 0.25) + (0.8 * 0.03)².
#[test]
fn persistence_applies_to_own_shocks_only() {
    let text = format!(
        r#"{HEADER}
[series.b]
base = 100
mean_growth = 0.05
volatility = 0.03
[series.r]
base = 100
mean_growth = 0.04
persistence = 0.5
volatility = 0.02
links = {{ b = 0.8 }}
"#
    );
    let s = run(&text);
    let g2 = metric(&s, "r.growth", 2025);
    let sd = (0.02f64.powi(2) * 1.25 + (0.8f64 * 0.03).powi(2)).sqrt();
    close("year-two sd", g2.sd, sd, sd / (2.0 * PATHS as f64).sqrt());
    close("year-two mean", g2.mean, 0.04, g2.mean_se);
}

/// A downturn forced in 2024 moves growth by its shift that year only: with
/// persistence 0.8, 2024 mean growth is mu - 0.04 and 2025 (recovery certain) mu.
#[test]
fn a_forced_downturn_shift_does_not_persist() {
    let text = format!(
        r#"{HEADER}
[series.a]
base = 100
mean_growth = 0.05
persistence = 0.8
volatility = 0.01
[regime]
downturn_probability = 0.0
recovery_probability = 1.0
shift = {{ a = -0.04 }}
force = {{ 2024 = "downturn" }}
"#
    );
    let s = run(&text);
    assert_eq!(metric(&s, "regime.downturn", 2024).mean, 1.0);
    assert_eq!(metric(&s, "regime.downturn", 2025).mean, 0.0);
    let g1 = metric(&s, "a.growth", 2024);
    let g2 = metric(&s, "a.growth", 2025);
    close("2024 mean", g1.mean, 0.01, g1.mean_se);
    close("2025 mean", g2.mean, 0.05, g2.mean_se);
}

/// Members linked to prices (growth link, elasticity 1, around 0.02) make
/// nominal growth follow the deflator and leave real growth where it was:
/// nominal = 0.04 + pi, real = 0.04 / (1 + pi), mean 0.04 (1 + sd²) to
/// second order; `gdp.level` = 3000 (1 + nominal).
#[test]
fn a_deflator_leaves_real_growth_unchanged_when_members_link_to_prices() {
    let text = format!(
        r#"{HEADER}
[gdp]
base = 3000
growth_base = 0.055
[prices]
inflation = {{ dist = "normal", mean = 0.0, sd = 0.01 }}
[series.a]
base = 100
mean_growth = 0.06
volatility = 0.0
gdp_share = 1.0
links = {{ prices = {{ elasticity = 1.0, around = 0.02 }} }}
"#
    );
    let s = run(&text);
    let real = metric(&s, "gdp.growth", 2024);
    let nominal = metric(&s, "gdp.nominal_growth", 2024);
    close("nominal mean", nominal.mean, 0.04, nominal.mean_se);
    close(
        "nominal sd",
        nominal.sd,
        0.01,
        0.01 / (2.0 * PATHS as f64).sqrt(),
    );
    close("real mean", real.mean, 0.04 * (1.0 + 1e-4), real.mean_se);
    assert!(real.sd < 0.0005, "real growth barely moves: sd {}", real.sd);
    let level = metric(&s, "gdp.level", 2024);
    close("gdp.level", level.mean, 3000.0 * 1.04, level.mean_se);
}

/// Twelve candidates at p 0.9 for a plan of 10, in a forced downturn that
/// thins p by 20 %: delivered ~ binomial(12, 0.72), whole items.
#[test]
fn a_binomial_over_candidates_thinned_by_a_downturn() {
    let text = format!(
        r#"{HEADER}
[regime]
downturn_probability = 0.0
recovery_probability = 1.0
force = {{ 2024 = "downturn" }}
[programme.towers]
year = 2024
planned = 10
delivery = {{ dist = "binomial", p = 0.9, n = 12 }}
downturn_effect = -0.2
[[target]]
name = "ten"
metric = "towers.delivered"
year = 2024
at_least = 10
"#
    );
    let s = run(&text);
    let p = binomial_at_least(12, 0.72, 10);
    close(
        "P(>= 10 of 12)",
        target(&s, "ten").probability,
        p,
        proportion_se(p),
    );
    let delivered = metric(&s, "towers.delivered", 2024);
    close("mean count", delivered.mean, 12.0 * 0.72, delivered.mean_se);
    assert_eq!(delivered.max.fract(), 0.0, "whole items");
    let ratio = metric(&s, "towers.ratio", 2024);
    close("mean ratio", ratio.mean, 0.864, ratio.mean_se);
}

/// A truncated normal delivery, N(1, 0.15²) on [0.9, 1.2]: mean
/// 1 + 0.15 (φ(a) - φ(b)) / (Φ(b) - Φ(a)) and P(ratio >= 1) = (Φ(b) - Φ(0)) / (Φ(b) - Φ(a)),
/// a = -2/3, b = 4/3.
#[test]
fn a_truncated_normal_has_the_truncated_mean_and_tail() {
    let text = format!(
        r#"{HEADER}
[programme.repair]
year = 2024
planned = 100
delivery = {{ dist = "normal", mean = 1.0, sd = 0.15, lower = 0.9, upper = 1.2 }}
[[target]]
name = "plan"
metric = "repair.ratio"
year = 2024
at_least = 1.0
"#
    );
    let s = run(&text);
    let n = Normal::new(0.0, 1.0).unwrap();
    let pdf = |z: f64| (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let (a, b) = (-2.0 / 3.0, 4.0 / 3.0);
    let mass = n.cdf(b) - n.cdf(a);
    let mean = 1.0 + 0.15 * (pdf(a) - pdf(b)) / mass;
    let p = (n.cdf(b) - 0.5) / mass;
    let ratio = metric(&s, "repair.ratio", 2024);
    close("truncated mean", ratio.mean, mean, ratio.mean_se);
    assert!(
        ratio.min >= 0.9 && ratio.max <= 1.2,
        "{} {}",
        ratio.min,
        ratio.max
    );
    close(
        "P(ratio >= 1)",
        target(&s, "plan").probability,
        p,
        proportion_se(p),
    );
}

/// A pipeline: completions ~ binomial(signed, 0.6) with signed ~ binomial(600,
/// 0.85), mean 600 * 0.85 * 0.6 = 306; a continuous pipeline's mean is the
/// product of the means, 510 * 0.95.
#[test]
fn a_pipeline_delivers_from_what_its_source_delivered() {
    let text = format!(
        r#"{HEADER}
[programme.signed]
year = 2024
planned = 500
delivery = {{ dist = "binomial", p = 0.85, n = 600 }}
[programme.completed]
year = 2025
planned = {{ programme = "signed" }}
delivery = {{ dist = "binomial", p = 0.6 }}
[programme.handed_over]
year = 2025
planned = {{ programme = "signed" }}
delivery = {{ dist = "uniform", min = 0.9, max = 1.0 }}
"#
    );
    let s = run(&text);
    let completed = metric(&s, "completed.delivered", 2025);
    close("pipeline mean", completed.mean, 306.0, completed.mean_se);
    // Var = E[n] p q + Var(n) p² = 510 * 0.24 + 76.5 * 0.36.
    let sd = (510.0f64 * 0.24 + 76.5 * 0.36).sqrt();
    close(
        "pipeline sd",
        completed.sd,
        sd,
        sd / (2.0 * PATHS as f64).sqrt(),
    );
    let handed = metric(&s, "handed_over.delivered", 2025);
    close(
        "continuous pipeline mean",
        handed.mean,
        510.0 * 0.95,
        handed.mean_se,
    );
}

/// Two programmes under `[execution]` with correlation rho, each target at
/// its delivery's median (a uniform and a symmetric PERT): P(both) = 1/4 +
/// asin(rho)/(2 pi), each alone 1/2; the count met has mean 1, and P(at least
/// 1) = 1 - P(neither) = 1 - P(both) (the medians are symmetric).
const EXECUTION: &str = r#"[programme.one]
year = 2024
planned = 100
delivery = { dist = "uniform", min = 0.5, max = 1.5 }
[programme.two]
year = 2024
planned = 100
delivery = { dist = "pert", min = 0.8, mode = 1.0, max = 1.2 }
[execution]
correlation = 0.5
[[target]]
name = "one"
metric = "one.delivered"
year = 2024
at_least = 100
source = "seed: a figure"
[[target]]
name = "two"
metric = "two.delivered"
year = 2024
at_least = 100
"#;

fn check_execution(s: &Summary, se_of: impl Fn(&TargetSummary) -> f64) {
    let both = 0.25 + 0.5f64.asin() / (2.0 * std::f64::consts::PI);
    for name in ["one", "two"] {
        let t = target(s, name);
        close(&format!("P({name})"), t.probability, 0.5, se_of(t));
    }
    let met = s
        .targets_met
        .iter()
        .find(|m| m.year == 2024 && m.group == "all")
        .expect("a count for 2024");
    assert_eq!(met.targets, 2);
    assert_eq!(met.deliveries, "execution");
    close(
        "P(both)",
        met.all_met,
        both,
        proportion_se(both).max((met.all_met_ci95[1] - met.all_met_ci95[0]) / (2.0 * 1.96)),
    );
    close(
        "at_least[2]",
        met.at_least[2],
        both,
        proportion_se(both) * 2.0,
    );
    // Neither met has the same probability as both (the medians are symmetric).
    close(
        "P(at least 1)",
        met.at_least[1],
        1.0 - both,
        proportion_se(both) * 2.0,
    );
    close("expected count", met.expected, 1.0, 4.0 * met.expected_se);
    assert_eq!(met.at_least[0], 1.0);
    let seed = s
        .targets_met
        .iter()
        .find(|m| m.year == 2024 && m.group == "seed")
        .expect("a seed group");
    assert_eq!(seed.names, vec!["one".to_string()]);
}

#[test]
fn programmes_under_execution_slip_together() {
    let s = run(&format!("{HEADER}{EXECUTION}"));
    check_execution(&s, |t| proportion_se(t.probability));
    // rho = 0: independent, P(both) = 1/4.
    let free = run_with(
        &format!("{HEADER}{EXECUTION}"),
        &["execution.correlation=0".to_string()],
    );
    let met = &free.targets_met[0];
    close("P(both), rho 0", met.all_met, 0.25, proportion_se(0.25));
}

/// The copula keeps its closed form under every sampling design.
#[test]
fn execution_holds_under_every_design() {
    for sampling in ["antithetic", "lhs", "sobol"] {
        let s = run_sampled(&format!("{HEADER}{EXECUTION}"), sampling, 131_072, 7);
        check_execution(&s, |t| interval_se(t).max(proportion_se(0.5) * 0.05));
    }
}

fn run_with(text: &str, sets: &[String]) -> Summary {
    let scenario = load_str(text, "analytic.toml", sets).unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        paths: PATHS,
        seed: 20240101,
        threads: None,
    };
    xuhui_sim::simulate(&scenario, &config).expect("runs")
}
