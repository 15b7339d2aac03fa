//! Scenario files: loading (with `extends` and `--set`), typing and checking.
//!
//! A scenario goes through three steps, each in its own file: [`tree`] parses
//! TOML into a tree that remembers lines and merges `extends` and `--set`;
//! [`decode`] turns the tree into the typed [`Scenario`] below, refusing
//! unknown keys, wrong types and invalid distributions; [`check`] verifies what
//! spans several tables (GDP shares, links, correlation, targets).

pub mod check;
pub mod decode;
pub mod error;
pub mod tree;

pub use error::{Origin, ScenarioError};

use crate::dist::Dist;
use std::path::{Path, PathBuf};

/// The baseline scenario shipped inside the binary (`scenarios/baseline.toml`).
pub const EMBEDDED_BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// A fully loaded and checked scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub description: String,
    pub base_year: i32,
    pub end_year: i32,
    pub run: RunSettings,
    pub series: Vec<Series>,
    pub correlation: Option<Correlation>,
    /// The GDP deflator's growth, drawn afresh each path and year; absent means 0.
    pub inflation: Option<Param>,
    pub regime: Option<Regime>,
    pub programmes: Vec<Programme>,
    pub targets: Vec<Target>,
    /// The resolved scenario as TOML (after `extends` and `--set`).
    pub resolved_toml: String,
    /// The file the user named (not one it extends): cross-table errors point
    /// into it when they can.
    pub file: Origin,
    /// Set when `--repair-correlation` replaced an invalid matrix.
    pub correlation_repair: Option<CorrelationRepair>,
    /// Where `scenario.end_year` was written (horizon errors point there).
    pub end_year_origin: Origin,
}

/// How far `--repair-correlation` moved the matrix.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CorrelationRepair {
    pub largest_change: f64,
    pub frobenius_distance: f64,
}

/// Choices that change how a scenario loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Replace a correlation matrix that is not symmetric, unit-diagonal or
    /// positive definite by the nearest valid one (Higham 2002) instead of refusing it.
    pub repair_correlation: bool,
}

impl Scenario {
    /// Every parameter drawn per path (given as a distribution), in file order:
    /// the uncertain assumptions that sensitivity analysis varies. Programme
    /// deliveries (a programme's own randomness) and yearly inflation draws are
    /// not parameters.
    pub fn random_parameters(&self) -> Vec<&Param> {
        let mut all: Vec<&Param> = Vec::new();
        for x in &self.series {
            all.extend([&x.base, &x.mean_growth, &x.persistence, &x.volatility]);
            all.extend(x.growth_base.as_ref());
            all.extend(x.links.iter().map(|(_, p)| p));
        }
        if let Some(r) = &self.regime {
            all.extend([&r.downturn_probability, &r.recovery_probability]);
            all.extend(r.shift.iter().map(|(_, p)| p));
        }
        for p in &self.programmes {
            all.extend([&p.planned, &p.downturn_effect]);
        }
        all.into_iter().filter(|p| p.is_random()).collect()
    }

    /// The parameter written at dotted `key` (`series.x.mean_growth`, …), fixed or not.
    pub fn parameter(&self, key: &str) -> Option<&Param> {
        self.all_parameters().into_iter().find(|p| p.key == key)
    }

    /// Every parameter of the scenario, fixed or drawn, in file order.
    pub fn all_parameters(&self) -> Vec<&Param> {
        let mut all: Vec<&Param> = Vec::new();
        for x in &self.series {
            all.extend([&x.base, &x.mean_growth, &x.persistence, &x.volatility]);
            all.extend(x.growth_base.as_ref());
            all.extend(x.links.iter().map(|(_, p)| p));
        }
        all.extend(self.inflation.as_ref());
        if let Some(r) = &self.regime {
            all.extend([&r.downturn_probability, &r.recovery_probability]);
            all.extend(r.shift.iter().map(|(_, p)| p));
        }
        for p in &self.programmes {
            all.extend([&p.planned, &p.delivery, &p.downturn_effect]);
        }
        all
    }

    /// Of several places that together make an error, the first `--set` flag,
    /// else the first in the file the user named, else the first.
    pub fn most_direct(&self, origins: &[&Origin]) -> Origin {
        let top_path = match &self.file {
            Origin::File { path, .. } => Some(path.clone()),
            _ => None,
        };
        origins
            .iter()
            .find(|o| matches!(o, Origin::Flag { .. }))
            .or_else(|| {
                origins.iter().find(
                    |o| matches!(o, Origin::File { path, .. } if Some(path) == top_path.as_ref()),
                )
            })
            .or(origins.first())
            .map(|o| (*o).clone())
            .unwrap_or(Origin::Default)
    }
}

/// `[run]`: defaults for the command line's `--paths`, `--seed`, `--sampling`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    pub paths: u64,
    pub seed: u64,
    pub sampling: String,
}

/// A number or a distribution, with its source note and where it was written.
#[derive(Clone, Debug)]
pub struct Param {
    /// Dotted key, e.g. `series.digital_economy.mean_growth`; also the name of
    /// its random stream.
    pub key: String,
    pub dist: Dist,
    pub source: Option<String>,
    pub origin: Origin,
}

impl Param {
    /// A fixed value made by the loader (a default).
    pub fn fixed(key: &str, value: f64) -> Self {
        Param {
            key: key.to_string(),
            dist: Dist::Fixed { value },
            source: Some("default".to_string()),
            origin: Origin::Default,
        }
    }

    /// Whether it is drawn per path.
    pub fn is_random(&self) -> bool {
        !matches!(self.dist, Dist::Fixed { .. })
    }

    /// Seed figure or assumption, from the `source` note.
    pub fn source_kind(&self) -> SourceKind {
        SourceKind::of(self.source.as_deref())
    }
}

/// Where a figure comes from: the article ("seed: <phrase>") or an assumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Seed,
    Assumption,
}

impl SourceKind {
    /// A `source` starting with `seed` is from the article; anything else,
    /// including no source at all, is an assumption.
    pub fn of(source: Option<&str>) -> Self {
        match source {
            Some(s) if s.trim_start().to_lowercase().starts_with("seed") => SourceKind::Seed,
            _ => SourceKind::Assumption,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Seed => "seed",
            SourceKind::Assumption => "assumption",
        }
    }
}

/// `[series.NAME]`: a quantity with an AR(1) growth process (spec 2.1).
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub base: Param,
    /// Growth observed in the base year; `None` starts the path at its mean (deviation 0).
    pub growth_base: Option<Param>,
    pub mean_growth: Param,
    pub persistence: Param,
    pub volatility: Param,
    pub gdp_share: Option<f64>,
    pub gdp_share_origin: Origin,
    /// Same-year elasticities to other nodes' growth deviations (a series or `gdp`).
    pub links: Vec<(String, Param)>,
    pub origin: Origin,
}

/// `[correlation]`: the innovations' joint law.
#[derive(Clone, Debug)]
pub struct Correlation {
    pub series: Vec<String>,
    pub matrix: Vec<Vec<f64>>,
    pub marginal: Marginal,
    pub origin: Origin,
}

/// The innovations' marginal law, scaled to unit variance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Marginal {
    Normal,
    StudentT { df: f64 },
}

/// `[regime]`: the normal/downturn Markov chain (spec 2.4).
#[derive(Clone, Debug)]
pub struct Regime {
    pub downturn_probability: Param,
    pub recovery_probability: Param,
    pub initial_downturn: bool,
    /// Growth shift of each named series in a downturn year.
    pub shift: Vec<(String, Param)>,
    pub origin: Origin,
}

/// `[programme.NAME]`: a planned quantity delivered with an uncertain ratio (spec 2.5).
#[derive(Clone, Debug)]
pub struct Programme {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub year: i32,
    pub year_origin: Origin,
    pub planned: Param,
    pub delivery: Param,
    pub downturn_effect: Param,
    pub origin: Origin,
}

/// Which side of the threshold attains a target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

impl Bound {
    pub fn threshold(&self) -> f64 {
        match *self {
            Bound::AtLeast(t) | Bound::AtMost(t) => t,
        }
    }

    /// Whether `value` attains the target (`>=` for at_least, `<=` for at_most).
    #[inline]
    pub fn is_met(&self, value: f64) -> bool {
        match *self {
            Bound::AtLeast(t) => value >= t,
            Bound::AtMost(t) => value <= t,
        }
    }

    /// How far `value` falls short of the threshold (0 when met).
    #[inline]
    pub fn shortfall(&self, value: f64) -> f64 {
        match *self {
            Bound::AtLeast(t) => (t - value).max(0.0),
            Bound::AtMost(t) => (value - t).max(0.0),
        }
    }
}

/// `[[target]]`: a metric in a year on the right side of a threshold.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    pub label: String,
    pub metric: String,
    pub year: i32,
    pub bound: Bound,
    pub source: Option<String>,
    pub origin: Origin,
}

/// Loads, merges, types and checks the scenario file at `path`, then applies
/// each `--set KEY=VALUE` in `sets`.
pub fn load_file(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    load_file_with(path, sets, LoadOptions::default())
}

/// [`load_file`] with options.
pub fn load_file_with(
    path: &Path,
    sets: &[String],
    options: LoadOptions,
) -> Result<Scenario, ScenarioError> {
    let tree = load_tree(path, &mut Vec::new())?;
    finish_with(tree, sets, options)
}

/// Loads the embedded baseline (it has no `extends`), then applies `sets`.
pub fn load_embedded_baseline(sets: &[String]) -> Result<Scenario, ScenarioError> {
    load_embedded_baseline_with(sets, LoadOptions::default())
}

/// [`load_embedded_baseline`] with options.
pub fn load_embedded_baseline_with(
    sets: &[String],
    options: LoadOptions,
) -> Result<Scenario, ScenarioError> {
    let tree = tree::parse(EMBEDDED_BASELINE, "scenarios/baseline.toml (embedded)")?;
    finish_with(tree, sets, options)
}

/// Loads a scenario from text, as if read from a file called `name` in `dir`.
pub fn load_str(text: &str, name: &str, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let tree = tree::parse(text, name)?;
    finish(tree, sets)
}

/// Types and checks an already merged tree (used to re-run variations of a stored scenario).
pub fn from_tree(root: tree::Node) -> Result<Scenario, ScenarioError> {
    finish(root, &[])
}

fn finish(root: tree::Node, sets: &[String]) -> Result<Scenario, ScenarioError> {
    finish_with(root, sets, LoadOptions::default())
}

fn finish_with(
    mut root: tree::Node,
    sets: &[String],
    options: LoadOptions,
) -> Result<Scenario, ScenarioError> {
    if let tree::Value::Table(t) = &mut root.value {
        if let Some(tree::Node {
            value: tree::Value::Table(s),
            ..
        }) = t
            .entries
            .iter_mut()
            .find(|e| e.key == "scenario")
            .map(|e| &mut e.node)
        {
            s.remove("extends");
        }
    }
    for set in sets {
        tree::apply_set(&mut root, set)?;
    }
    let mut scenario = decode::decode(&root)?;
    if options.repair_correlation {
        if let Some(repair) = check::repair_correlation(&scenario) {
            set_matrix(&mut root, &repair.matrix);
            scenario = decode::decode(&root)?;
            scenario.correlation_repair = Some(CorrelationRepair {
                largest_change: repair.largest_change,
                frobenius_distance: repair.frobenius_distance,
            });
        }
    }
    check::check(&scenario)?;
    Ok(scenario)
}

/// Writes a repaired matrix into `correlation.matrix` of the tree, so the
/// resolved scenario (and `scenario.toml`) holds the matrix actually used.
fn set_matrix(root: &mut tree::Node, matrix: &nalgebra::DMatrix<f64>) {
    let tree::Value::Table(top) = &mut root.value else {
        return;
    };
    let Some(entry) = top.entries.iter_mut().find(|e| e.key == "correlation") else {
        return;
    };
    let tree::Value::Table(correlation) = &mut entry.node.value else {
        return;
    };
    let origin = Origin::Default;
    let rows = (0..matrix.nrows())
        .map(|i| tree::Node {
            value: tree::Value::Array(
                (0..matrix.ncols())
                    .map(|j| tree::Node {
                        value: tree::Value::Float(matrix[(i, j)]),
                        origin: origin.clone(),
                    })
                    .collect(),
            ),
            origin: origin.clone(),
        })
        .collect();
    correlation.insert(
        "matrix",
        tree::Node {
            value: tree::Value::Array(rows),
            origin,
        },
    );
}

fn load_tree(path: &Path, chain: &mut Vec<PathBuf>) -> Result<tree::Node, ScenarioError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => "check the path",
            std::io::ErrorKind::InvalidData => "save it as UTF-8 text",
            _ => "check that it is a readable file",
        };
        ScenarioError::new(
            &Origin::Default,
            format!("cannot read scenario file {shown} ({e}); {hint}"),
        )
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    chain.push(canonical);
    let node = tree::parse(&text, &shown)?;
    let extends = extends_of(&node)?;
    let result = match extends {
        None => node,
        Some((parent_name, origin)) => {
            let parent_path = path.parent().unwrap_or(Path::new(".")).join(&parent_name);
            let parent_canonical = parent_path
                .canonicalize()
                .unwrap_or_else(|_| parent_path.clone());
            if let Some(start) = chain.iter().position(|p| *p == parent_canonical) {
                let file_name = |p: &PathBuf| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                };
                let mut names: Vec<String> = chain[start..].iter().map(file_name).collect();
                names.push(file_name(&parent_canonical));
                return Err(ScenarioError::new(
                    &origin,
                    format!(
                        "`scenario.extends` makes a loop ({}); remove one of these `extends`",
                        names.join(" → ")
                    ),
                ));
            }
            if !parent_path.is_file() {
                return Err(ScenarioError::new(
                    &origin,
                    format!(
                        "`scenario.extends` names {}, which does not exist; give a path relative to this file",
                        parent_path.display()
                    ),
                ));
            }
            let parent = load_tree(&parent_path, chain)?;
            tree::merge(parent, node)
        }
    };
    chain.pop();
    Ok(result)
}

fn extends_of(root: &tree::Node) -> Result<Option<(String, Origin)>, ScenarioError> {
    let tree::Value::Table(t) = &root.value else {
        return Ok(None);
    };
    let Some(tree::Value::Table(s)) = t.get("scenario").map(|n| &n.value) else {
        return Ok(None);
    };
    match s.get("extends") {
        None => Ok(None),
        Some(tree::Node { value: tree::Value::Str(name), origin }) => Ok(Some((name.clone(), origin.clone()))),
        Some(other) => Err(ScenarioError::new(
            &other.origin,
            format!("`scenario.extends` is {}, but must be a file name in quotes, e.g. extends = \"baseline.toml\"", other.value.kind()),
        )),
    }
}
