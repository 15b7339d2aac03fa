//! Scenario discovery: under which ranges of the assumptions is a target
//! missed? PRIM ([`prim`]) over every path's inputs, kept in a result set's
//! `paths.parquet`, or over any table of experiments given as CSV. This
//! module reads the cases, runs PRIM for one box or several, chooses a box
//! by a stated rule, judges its limits (quasi-p-values, stability on half
//! samples) and keeps the limits that matter; [`render`] writes it out.

pub mod prim;
pub mod render;

use crate::output::paths::{column_name, read_column, DOWNTURN_METRIC, DOWNTURN_YEARS};
use crate::output::read::ResultSet;
use crate::Error;
use prim::{Data, Options, PrimBox, Trajectory};
use rand::SeedableRng;
use rayon::prelude::*;
use std::path::Path;

/// One input column as PRIM sees it, with what a reader needs to read a limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The column name (a scenario's dotted key for a result set's inputs).
    pub name: String,
    /// What it is, in words.
    pub label: String,
    /// Where its assumption comes from (a result set's scenario), if known.
    pub source: Option<String>,
    /// Limits shown as percentages (growth rates, delivery ratios, probabilities).
    pub percent: bool,
    /// Whole numbers only (counts, 0/1 flags): limits snap to data values.
    pub discrete: bool,
}

/// The points PRIM works on: inputs, their values, and the cases of interest.
#[derive(Clone, Debug)]
pub struct Cases {
    pub inputs: Vec<Input>,
    /// `columns[j][i]`: input j of point i.
    pub columns: Vec<Vec<f64>>,
    /// Whether point i is a case of interest.
    pub y: Vec<bool>,
    /// What a case of interest is, in words: "paths that miss 区级财政收入增长 ≥ 5 % (2024)".
    pub cases_are: String,
    /// Short form for sentences: "miss fiscal_revenue_growth_2024".
    pub outcome: String,
    /// What a point is: "paths" or "rows".
    pub points_are: String,
    /// Where the data came from (a folder or a file).
    pub origin: String,
    /// Columns left out, and why (constant, text, after the target's year).
    pub skipped: Vec<String>,
}

/// How to run a discovery.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub options: Options,
    /// The box of the (first) trajectory to report, by index; `None`: the rule.
    pub chosen: Option<usize>,
    /// Boxes to find, each after removing the points of the ones before.
    pub boxes: usize,
    /// Choose the densest box covering at least this share of the cases
    /// instead of the box with the largest F1 (harmonic mean of coverage and density).
    pub min_coverage: Option<f64>,
    /// Half samples to re-run PRIM on, for the stability of each restriction.
    pub resamples: usize,
    /// Seed of the half samples (never the clock).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            options: Options::default(),
            chosen: None,
            boxes: 1,
            min_coverage: None,
            resamples: 20,
            seed: 2024,
        }
    }
}

/// Limits of the inputs a box restricts, each side `None` when free.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub input: usize,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Quasi-p-values of the lower and upper limits.
    pub qp: [Option<f64>; 2],
    /// Share of half-sample boxes that restrict this input too.
    pub stability: f64,
    /// The input's min and max over the points in scope.
    pub range: [f64; 2],
}

/// A box and its figures on the whole data.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxFigures {
    pub n: usize,
    pub k: usize,
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    pub limits: Vec<Limit>,
}

/// One box found: its trajectory, the box chosen on it and how.
#[derive(Clone, Debug)]
pub struct Found {
    pub trajectory: Trajectory,
    /// Quasi-p-values of every box of the trajectory, by input (for `--json`).
    pub qp: Vec<Vec<(usize, [Option<f64>; 2])>>,
    pub selected: usize,
    /// Why that box: the rule or the user's `--box`.
    pub rule: String,
    /// The chosen box with every limit it has.
    pub chosen: BoxFigures,
    /// The chosen box with only its limits of quasi-p < 0.05: the one a
    /// sentence states, its quasi-p-values computed again within it.
    pub significant: BoxFigures,
    /// Points left when the search for this box began.
    pub points_in_scope: usize,
}

/// The whole discovery: the data's base rate and each box found.
#[derive(Clone, Debug)]
pub struct Discovery {
    pub points: usize,
    pub cases: usize,
    pub boxes: Vec<Found>,
    pub settings: Settings,
}

/// A quasi-p-value under this marks a limit as significant.
pub const SIGNIFICANT: f64 = 0.05;

/// Runs PRIM on `cases` as `settings` say.
pub fn discover(cases: &Cases, settings: &Settings) -> Result<Discovery, Error> {
    let points = cases.y.len();
    let all_cases = cases.y.iter().filter(|&&c| c).count();
    if all_cases == 0 {
        return Err(Error::Input(format!(
            "no {} is a case of interest ({}), so there is nothing to find a box for",
            singular(&cases.points_are),
            cases.cases_are
        )));
    }
    if all_cases == points {
        return Err(Error::Input(format!(
            "every one of the {points} {} is a case of interest ({}), so no box can be denser; look at the opposite (`--met` on a result set) or another threshold",
            cases.points_are, cases.cases_are
        )));
    }
    check_settings(settings)?;
    let discrete: Vec<bool> = cases.inputs.iter().map(|i| i.discrete).collect();
    let data = Data {
        columns: &cases.columns,
        discrete: &discrete,
        y: &cases.y,
    };
    let all_rows: Vec<u32> = (0..points as u32).collect();
    let full_sorted = prim::sort_rows(&data, &all_rows);
    let mut scope = all_rows.clone();
    let mut scope_sorted = full_sorted;
    let mut found = Vec::new();
    for round in 0..settings.boxes {
        let scope_cases = scope.iter().filter(|&&i| cases.y[i as usize]).count();
        if scope_cases == 0 || scope.len() < 2 {
            break;
        }
        let trajectory = prim::find_box(
            &data,
            &scope,
            scope_sorted.clone(),
            points,
            all_cases,
            &settings.options,
        );
        let (selected, rule) = match settings.chosen.filter(|_| round == 0) {
            Some(i) if i < trajectory.boxes.len() => (i, format!("box {i}, as asked (--box)")),
            Some(i) => {
                return Err(Error::Input(format!(
                    "--box {i}: the trajectory has boxes 0 to {}; choose one of them",
                    trajectory.boxes.len() - 1
                )))
            }
            None => choose(&trajectory, settings.min_coverage, scope.len(), scope_cases),
        };
        let qp: Vec<_> = trajectory
            .boxes
            .par_iter()
            .map(|b| prim::quasi_p_values(&data, &scope, &trajectory.initial, b))
            .collect();
        let stability = stability(
            &data,
            &scope,
            &scope_sorted,
            &trajectory.boxes[selected],
            settings,
            round,
        );
        let chosen_box = &trajectory.boxes[selected];
        let limits: Vec<Limit> = qp[selected]
            .iter()
            .map(|&(j, sides)| Limit {
                input: j,
                lower: chosen_box
                    .restricts(&trajectory.initial, j, 0)
                    .then(|| chosen_box.limits[j][0]),
                upper: chosen_box
                    .restricts(&trajectory.initial, j, 1)
                    .then(|| chosen_box.limits[j][1]),
                qp: sides,
                stability: stability[j],
                range: trajectory.initial[j],
            })
            .collect();
        let figures = |n: usize, k: usize, limits: Vec<Limit>| BoxFigures {
            n,
            k,
            coverage: k as f64 / all_cases as f64,
            density: if n > 0 { k as f64 / n as f64 } else { 0.0 },
            mass: n as f64 / points as f64,
            limits,
        };
        let chosen = figures(chosen_box.n, chosen_box.k, limits.clone());
        // Keep only the limits that pass the test; count the box they make.
        let mut kept_limits = trajectory.initial.clone();
        let strong: Vec<Limit> = limits
            .into_iter()
            .filter_map(|mut l| {
                let strong = l.qp.map(|qp| qp.is_some_and(|p| p < SIGNIFICANT));
                if !strong[0] {
                    l.lower = None;
                    l.qp[0] = None;
                }
                if !strong[1] {
                    l.upper = None;
                    l.qp[1] = None;
                }
                if let Some(lo) = l.lower {
                    kept_limits[l.input][0] = lo;
                }
                if let Some(hi) = l.upper {
                    kept_limits[l.input][1] = hi;
                }
                (l.lower.is_some() || l.upper.is_some()).then_some(l)
            })
            .collect();
        let (n, k) = data.count(&scope, &kept_limits);
        // Each kept limit judged again within the box the kept limits make.
        let pruned = PrimBox {
            n,
            k,
            coverage: 0.0,
            density: 0.0,
            mass: 0.0,
            limits: kept_limits,
            step: prim::Step::Peel,
        };
        let rejudged = prim::quasi_p_values(&data, &scope, &trajectory.initial, &pruned);
        let strong: Vec<Limit> = strong
            .into_iter()
            .map(|mut l| {
                if let Some((_, sides)) = rejudged.iter().find(|(j, _)| *j == l.input) {
                    l.qp = *sides;
                }
                l
            })
            .collect();
        let significant = figures(n, k, strong);
        let limits = chosen_box.limits.clone();
        found.push(Found {
            points_in_scope: scope.len(),
            trajectory,
            qp,
            selected,
            rule,
            chosen,
            significant,
        });
        // The next box looks among the points outside this one.
        let outside: Vec<bool> = (0..points)
            .map(|i| {
                !data
                    .columns
                    .iter()
                    .zip(&limits)
                    .all(|(x, [lo, hi])| x[i] >= *lo && x[i] <= *hi)
            })
            .collect();
        scope.retain(|&i| outside[i as usize]);
        for order in &mut scope_sorted {
            order.retain(|&i| outside[i as usize]);
        }
    }
    Ok(Discovery {
        points,
        cases: all_cases,
        boxes: found,
        settings: settings.clone(),
    })
}

fn singular(points_are: &str) -> &str {
    points_are.strip_suffix('s').unwrap_or(points_are)
}

fn check_settings(s: &Settings) -> Result<(), Error> {
    let share = |flag: &str, v: f64, hint: &str| {
        if v > 0.0 && v < 1.0 {
            Ok(())
        } else {
            Err(Error::Input(format!(
                "{flag} {v}: give a share between 0 and 1 (exclusive), e.g. {flag} {hint}"
            )))
        }
    };
    share("--peel-alpha", s.options.peel_alpha, "0.05")?;
    share("--paste-alpha", s.options.paste_alpha, "0.05")?;
    share("--mass-min", s.options.mass_min, "0.05")?;
    if let Some(c) = s.min_coverage {
        share("--min-coverage", c, "0.5")?;
    }
    if s.boxes == 0 {
        return Err(Error::Input(
            "--boxes 0: ask for at least one box, e.g. --boxes 2".into(),
        ));
    }
    Ok(())
}

/// The stated rule. Without `min_coverage`: the peeled or pasted box with
/// the largest F1 score, the harmonic mean of coverage and density,
/// 2 c d / (c + d), coverage counted among the `cases` still in scope: the
/// two aims of scenario discovery weighed alike, so neither a box that
/// holds every case at little more than the base rate nor a tiny pure one
/// wins. With `min_coverage`: the densest box covering at least that share
/// of the cases. The start box when no box qualifies.
fn choose(
    t: &Trajectory,
    min_coverage: Option<f64>,
    points: usize,
    cases: usize,
) -> (usize, String) {
    let coverage = |b: &PrimBox| b.k as f64 / cases.max(1) as f64;
    let f1 = |b: &PrimBox| {
        let (c, d) = (coverage(b), b.density);
        if c + d > 0.0 {
            2.0 * c * d / (c + d)
        } else {
            0.0
        }
    };
    let base = cases as f64 / points.max(1) as f64;
    let peeled = t.boxes.iter().enumerate().skip(1);
    let (best, rule) = match min_coverage {
        None => (
            peeled
                .filter(|(_, b)| b.density > base)
                .max_by(|(i, a), (j, b)| f1(a).total_cmp(&f1(b)).then(j.cmp(i))),
            "the box with the largest F1, the harmonic mean of coverage and density".to_string(),
        ),
        Some(floor) => (
            peeled
                .filter(|(_, b)| coverage(b) >= floor)
                .max_by(|(i, a), (j, b)| a.density.total_cmp(&b.density).then(j.cmp(i))),
            format!(
                "the densest box covering at least {:.0} % of the cases (--min-coverage)",
                floor * 100.0
            ),
        ),
    };
    match best {
        Some((i, _)) => (i, rule),
        None => (
            0,
            format!("no peeled box qualifies as {rule}, so the whole data"),
        ),
    }
}

/// How often each input is restricted when PRIM runs again on half the
/// points (drawn without replacement, `settings.resamples` times, seeded by
/// `settings.seed`): in each half sample the box of the trajectory whose
/// mass is nearest to `chosen`'s is compared. 1 for an input every half
/// sample restricts.
fn stability(
    data: &Data<'_>,
    scope: &[u32],
    scope_sorted: &[Vec<u32>],
    chosen: &PrimBox,
    settings: &Settings,
    round: usize,
) -> Vec<f64> {
    let d = data.columns.len();
    if settings.resamples == 0 || scope.len() < 4 {
        return vec![f64::NAN; d];
    }
    let half = scope.len() / 2;
    let target_mass = chosen.n as f64 / scope.len() as f64;
    let restricted: Vec<Vec<usize>> = (0..settings.resamples)
        .into_par_iter()
        .map(|r| {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(crate::rng::splitmix64(
                settings.seed ^ ((round as u64) << 32) ^ r as u64,
            ));
            let mut member = vec![false; data.points()];
            for i in rand::seq::index::sample(&mut rng, scope.len(), half) {
                member[scope[i] as usize] = true;
            }
            let rows: Vec<u32> = scope
                .iter()
                .copied()
                .filter(|&i| member[i as usize])
                .collect();
            let sorted: Vec<Vec<u32>> = scope_sorted
                .iter()
                .map(|order| {
                    order
                        .iter()
                        .copied()
                        .filter(|&i| member[i as usize])
                        .collect()
                })
                .collect();
            let cases = rows.iter().filter(|&&i| data.y[i as usize]).count();
            let t = prim::find_box(
                data,
                &rows,
                sorted,
                rows.len(),
                cases.max(1),
                &settings.options,
            );
            t.boxes
                .iter()
                .min_by(|a, b| {
                    (a.mass - target_mass)
                        .abs()
                        .total_cmp(&(b.mass - target_mass).abs())
                })
                .map(|nearest| nearest.restricted(&t.initial))
                .unwrap_or_default()
        })
        .collect();
    let mut share = vec![0.0; d];
    for list in &restricted {
        for &j in list {
            share[j] += 1.0;
        }
    }
    share
        .iter_mut()
        .for_each(|s| *s /= settings.resamples as f64);
    share
}

/// Which points are the cases of interest in a result set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Paths that miss the target (the default).
    Missed,
    /// Paths that meet it (`--met`).
    Met,
}

/// The per-path inputs and one target's outcome of the result set in `dir`.
/// `inputs`: columns of its `paths.parquet` to use instead of the inputs it
/// kept (outcomes such as `gdp.growth@2024` may be among them).
pub fn from_result_set(
    dir: &Path,
    target: &str,
    interest: Interest,
    inputs: Option<&[String]>,
) -> Result<Cases, Error> {
    let set = ResultSet::open(dir)?;
    let shown = dir.display().to_string();
    let summary = &set.summary;
    let Some(t) = summary.targets.iter().find(|t| t.name == target) else {
        let names: Vec<&str> = summary.targets.iter().map(|t| t.name.as_str()).collect();
        return Err(Error::Input(format!(
            "--target {target}: {shown} has no such target; {}",
            crate::scenario::error::suggestion(target, &names)
                .replace("valid keys here are", "its targets are")
        )));
    };
    let (Some(per_path), Some(file)) = (summary.per_path.as_ref(), set.paths_file()) else {
        let (why, fix) = summary.run.missing_paths_file();
        return Err(Error::Input(format!(
            "{shown} has no per-path file ({why}); {fix} to discover boxes"
        )));
    };
    let outcome_column = column_name(&t.metric, t.year);
    if !per_path.columns.contains(&outcome_column) {
        return Err(Error::Input(format!(
            "{shown}/paths.parquet has no column {outcome_column} for target {target}; rerun the scenario"
        )));
    }
    let mut skipped = Vec::new();
    let names: Vec<String> = match inputs {
        Some(list) => {
            if let Some(name) = repeated(list) {
                return Err(Error::Input(format!(
                    "--inputs names `{name}` twice; name each column once"
                )));
            }
            if list.contains(&outcome_column) {
                return Err(Error::Input(format!(
                    "--inputs names {outcome_column}, the outcome of --target {target} itself; leave it out of --inputs"
                )));
            }
            for name in list {
                if !per_path.columns.contains(name) {
                    return Err(Error::Input(format!(
                        "--inputs {name}: {shown}/paths.parquet has no such column; {}",
                        crate::scenario::error::suggestion(name, &per_path.columns.iter().map(String::as_str).collect::<Vec<_>>())
                            .replace("valid keys here are", "its columns are")
                    )));
                }
            }
            list.to_vec()
        }
        None if per_path.inputs.is_empty() => {
            return Err(Error::Input(format!(
                "{shown} keeps no per-path inputs (it was written by an older xuhui-sim); rerun the scenario, or name columns with --inputs"
            )))
        }
        None => {
            // A downturn after the target's year cannot move it.
            let later = |name: &str| downturn_year(name).is_some_and(|y| y > t.year);
            let counts_later = per_path.inputs.iter().any(|n| later(n));
            let mut names = Vec::new();
            for name in &per_path.inputs {
                if later(name) {
                    skipped.push(format!("{name} (after {})", t.year));
                } else if name == DOWNTURN_YEARS && counts_later {
                    skipped.push(format!("{name} (counts years after {}; the years up to it are kept one by one)", t.year));
                } else {
                    names.push(name.clone());
                }
            }
            names
        }
    };
    let scenario = set.scenario_toml.as_deref().and_then(|text| {
        crate::scenario::load_str(text, &format!("{shown}/scenario.toml"), &[]).ok()
    });
    let outcome = read_column(&file, &outcome_column).map_err(Error::Input)?;
    let y: Vec<bool> = outcome
        .iter()
        .map(|&v| match interest {
            Interest::Missed => !t.bound.is_met(v),
            Interest::Met => t.bound.is_met(v),
        })
        .collect();
    let mut columns = Vec::new();
    let mut described = Vec::new();
    for name in names {
        let values = read_column(&file, &name).map_err(Error::Input)?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::Input(format!(
                "{shown}/paths.parquet column {name} holds values that are not finite numbers; rerun the scenario"
            )));
        }
        if is_constant(&values) {
            skipped.push(format!("{name} (the same on every path)"));
            continue;
        }
        described.push(describe_input(&name, &values, scenario.as_ref()));
        columns.push(values);
    }
    if columns.is_empty() {
        return Err(Error::Input(format!(
            "{shown}: none of the inputs varies from path to path, so no box can separate the cases"
        )));
    }
    let verb = match interest {
        Interest::Missed => "miss",
        Interest::Met => "meet",
    };
    Ok(Cases {
        inputs: described,
        columns,
        y,
        cases_are: format!("paths that {verb} {} ({})", t.label, t.name),
        outcome: format!("{verb} {}", t.label),
        points_are: "paths".into(),
        origin: shown,
        skipped,
    })
}

/// The first name that appears twice in `names`.
fn repeated(names: &[String]) -> Option<&str> {
    names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
        .map(|(_, n)| n.as_str())
}

/// The year of a `regime.downturn@YEAR` column.
fn downturn_year(name: &str) -> Option<i32> {
    name.strip_prefix(DOWNTURN_METRIC)?
        .strip_prefix('@')?
        .parse()
        .ok()
}

fn is_constant(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[0] == w[1])
}

fn is_discrete(values: &[f64]) -> bool {
    values.iter().all(|v| v.fract() == 0.0)
}

/// A result set's input in words, with its source from the stored scenario.
fn describe_input(
    name: &str,
    values: &[f64],
    scenario: Option<&crate::scenario::Scenario>,
) -> Input {
    let discrete = is_discrete(values);
    let parts: Vec<&str> = name.split('.').collect();
    let percent_field = |field: &str| {
        matches!(
            field,
            "mean_growth"
                | "growth_base"
                | "volatility"
                | "delivery"
                | "downturn_effect"
                | "downturn_probability"
                | "recovery_probability"
                | "inflation"
        ) || field.starts_with("growth")
    };
    let mut label = name.to_string();
    let mut source = None;
    let mut percent = false;
    if let Some(s) = scenario {
        if let Some(p) = s.parameter(name) {
            source = p.source.clone();
        }
        match parts.as_slice() {
            ["series", series, field @ ..] => {
                if let Some(x) = s.series.iter().find(|x| x.name == *series) {
                    label = format!("{}: {}", x.label, field.join(".").replace('_', " "));
                }
                percent = field.last().is_some_and(|f| percent_field(f));
            }
            ["programme", programme, "delivery"] => {
                if let Some(p) = s.programmes.iter().find(|p| p.name == *programme) {
                    label = format!("{}: delivered ÷ planned", p.label);
                    source = p.delivery.source.clone();
                }
                percent = true;
            }
            ["regime", "shift", ..] => percent = true,
            ["regime", field] if percent_field(field) => percent = true,
            _ => {}
        }
    }
    if let Some(year) = downturn_year(name) {
        label = format!("a downturn in {year} (1 yes, 0 no)");
        source = scenario.map(|s| {
            s.regime
                .as_ref()
                .and_then(|r| r.downturn_probability.source.clone())
                .unwrap_or_default()
        });
    } else if name == DOWNTURN_YEARS {
        label = "the number of downturn years".into();
    } else if name.contains('@') {
        label = format!("{name} (an outcome)");
        percent =
            name.contains(".growth@") || name.contains(".ratio@") || name.contains("inflation@");
    }
    Input {
        name: name.to_string(),
        label,
        source: source.filter(|s| !s.is_empty()),
        percent,
        discrete,
    }
}

/// Any table of experiments as CSV: `outcome` is the column whose values
/// at least `threshold` are the cases of interest (without a threshold the
/// column must be 0/1, and 1 is a case); `inputs`, the columns to box
/// (default: every other numeric column; text columns are skipped and said).
pub fn from_csv(
    file: &Path,
    outcome: &str,
    threshold: Option<f64>,
    inputs: Option<&[String]>,
) -> Result<Cases, Error> {
    let shown = file.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| Error::Input(format!("cannot read {shown}: {e}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Input(format!("{shown}: cannot read its header line ({e})")))?
        .iter()
        .map(String::from)
        .collect();
    let position = |name: &str, flag: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            Error::Input(format!(
                "{flag} {name}: {shown} has no such column; {}",
                crate::scenario::error::suggestion(
                    name,
                    &header.iter().map(String::as_str).collect::<Vec<_>>()
                )
                .replace("valid keys here are", "its columns are")
            ))
        })
    };
    if let Some(name) = repeated(&header) {
        return Err(Error::Input(format!(
            "{shown}: the header names column `{name}` twice; give every column its own name"
        )));
    }
    if let Some(name) = inputs.and_then(repeated) {
        return Err(Error::Input(format!(
            "--inputs names `{name}` twice; name each column once"
        )));
    }
    let outcome_at = position(outcome, "--outcome")?;
    let wanted: Vec<usize> = match inputs {
        Some(list) => list
            .iter()
            .map(|name| position(name, "--inputs"))
            .collect::<Result<_, _>>()?,
        None => (0..header.len()).filter(|&c| c != outcome_at).collect(),
    };
    if wanted.contains(&outcome_at) {
        return Err(Error::Input(format!(
            "--inputs names the outcome column {outcome}; leave it out of --inputs"
        )));
    }
    // Every cell as text first, so a non-number can be named by line.
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::Input(format!("{shown}: {e}")))?;
        if record.len() != header.len() {
            return Err(Error::Input(format!(
                "{shown} line {}: {} fields where the header has {}; fix the row",
                row + 2,
                record.len(),
                header.len()
            )));
        }
        for (c, cell) in record.iter().enumerate() {
            cells[c].push(cell.to_string());
        }
    }
    let rows = cells.first().map_or(0, Vec::len);
    if rows < 2 {
        return Err(Error::Input(format!(
            "{shown} has {rows} data rows; PRIM needs many experiments"
        )));
    }
    let parse = |c: usize| -> Result<Vec<f64>, (usize, String)> {
        cells[c]
            .iter()
            .enumerate()
            .map(|(r, text)| match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err((r + 2, text.clone())),
            })
            .collect()
    };
    let outcome_values = parse(outcome_at).map_err(|(line, text)| {
        Error::Input(format!(
            "{shown} line {line}: the outcome column {outcome} holds `{text}`, not a number; --outcome needs a numeric column"
        ))
    })?;
    let threshold = match threshold {
        Some(t) => t,
        None if outcome_values.iter().all(|&v| v == 0.0 || v == 1.0) => 1.0,
        None => {
            return Err(Error::Input(format!(
                "--outcome {outcome} is not a 0/1 column; say which values are cases of interest with --threshold X (cases: {outcome} ≥ X)"
            )))
        }
    };
    let y: Vec<bool> = outcome_values.iter().map(|&v| v >= threshold).collect();
    let mut described = Vec::new();
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for c in wanted {
        let name = &header[c];
        match parse(c) {
            Ok(values) if is_constant(&values) => skipped.push(format!("{name} (the same in every row)")),
            Ok(values) => {
                described.push(Input {
                    name: name.clone(),
                    label: name.clone(),
                    source: None,
                    percent: false,
                    discrete: is_discrete(&values),
                });
                columns.push(values);
            }
            Err((line, text)) if inputs.is_some() => {
                return Err(Error::Input(format!(
                    "{shown} line {line}: column {name} holds `{text}`, not a number; PRIM boxes numeric inputs only, so leave it out of --inputs"
                )))
            }
            Err((line, text)) => {
                skipped.push(format!("{name} (not numeric: line {line} holds `{text}`)"))
            }
        }
    }
    if columns.is_empty() {
        return Err(Error::Input(format!(
            "{shown} has no numeric input column that varies; name them with --inputs"
        )));
    }
    let plain = crate::scenario::plain_number(threshold);
    Ok(Cases {
        inputs: described,
        columns,
        y,
        cases_are: format!("rows with {outcome} ≥ {plain}"),
        outcome: format!("{outcome} ≥ {plain}"),
        points_are: "rows".into(),
        origin: shown,
        skipped,
    })
}
