//! Scenario files: loading (with `extends` and `--set`), typing and checking.
//!
//! A scenario goes through three steps, each in its own file: [`tree`] parses
//! TOML into a tree that remembers lines and merges `extends` and `--set`;
//! [`decode`] turns the tree into the typed [`Scenario`] below, refusing
//! unknown keys, wrong types and invalid distributions; [`check`] verifies what
//! spans several tables (GDP shares, links, correlation, targets).

pub(crate) mod check;
pub mod decode;
pub(crate) mod error;
pub mod metrics;
pub(crate) mod tree;

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
    /// `[gdp]`: GDP's base-year level and observed growth, when given.
    pub gdp: Option<GdpTable>,
    pub regime: Option<Regime>,
    pub programmes: Vec<Programme>,
    /// `[execution]`: programmes whose deliveries slip together.
    pub execution: Option<Execution>,
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
    /// What loads but is probably not what the author meant (a growth target
    /// written in percent, …), one sentence each; `run` prints them on
    /// standard error as `warning: …`.
    pub warnings: Vec<String>,
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
    pub(crate) fn random_parameters(&self) -> Vec<&Param> {
        let mut all: Vec<&Param> = Vec::new();
        for x in &self.series {
            all.extend([&x.base, &x.mean_growth, &x.persistence, &x.volatility]);
            all.extend(x.growth_base.as_ref());
            all.extend(x.links.iter().map(|l| &l.elasticity));
        }
        if let Some(g) = &self.gdp {
            all.extend(g.base.as_ref());
        }
        if let Some(r) = &self.regime {
            all.extend([&r.downturn_probability, &r.recovery_probability]);
            all.extend(r.shift.iter().map(|(_, p)| p));
        }
        for p in &self.programmes {
            if p.planned_from.is_none() {
                all.push(&p.planned);
            }
            all.push(&p.downturn_effect);
        }
        all.extend(self.execution.as_ref().map(|e| &e.correlation));
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
            all.extend(x.links.iter().map(|l| &l.elasticity));
        }
        if let Some(g) = &self.gdp {
            all.extend(g.base.as_ref());
            all.extend(g.growth_base.as_ref());
        }
        all.extend(self.inflation.as_ref());
        if let Some(r) = &self.regime {
            all.extend([&r.downturn_probability, &r.recovery_probability]);
            all.extend(r.shift.iter().map(|(_, p)| p));
        }
        for p in &self.programmes {
            if p.planned_from.is_none() {
                all.push(&p.planned);
            }
            all.extend([&p.delivery, &p.downturn_effect]);
        }
        all.extend(self.execution.as_ref().map(|e| &e.correlation));
        all
    }

    /// Of several places that together make an error, the first `--set` flag,
    /// else the first in the file the user named, else the first.
    pub(crate) fn most_direct(&self, origins: &[&Origin]) -> Origin {
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
    pub sampling: Sampling,
}

/// How a run samples its random inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    #[default]
    Random,
    Antithetic,
    Lhs,
    Sobol,
}

impl Sampling {
    /// Parses a `run.sampling` / `--sampling` name.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "random" => Some(Sampling::Random),
            "antithetic" => Some(Sampling::Antithetic),
            "lhs" => Some(Sampling::Lhs),
            "sobol" => Some(Sampling::Sobol),
            _ => None,
        }
    }

    /// Every method, in the order messages list them.
    pub(crate) const ALL: [Sampling; 4] = [
        Sampling::Random,
        Sampling::Antithetic,
        Sampling::Lhs,
        Sampling::Sobol,
    ];

    /// Its name in scenario files, flags and `summary.json`.
    pub fn name(&self) -> &'static str {
        match self {
            Sampling::Random => "random",
            Sampling::Antithetic => "antithetic",
            Sampling::Lhs => "lhs",
            Sampling::Sobol => "sobol",
        }
    }
}

impl std::fmt::Display for Sampling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    pub(crate) fn fixed(key: &str, value: f64) -> Self {
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
/// Serialised as `"seed"` or `"assumption"` (`summary.json`, `targets.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Seed,
    Assumption,
}

impl SourceKind {
    /// A `source` starting with `seed:` is from the article; anything else,
    /// including no source at all, is an assumption.
    pub fn of(source: Option<&str>) -> Self {
        match source {
            Some(s) if s.trim_start().to_lowercase().starts_with("seed:") => SourceKind::Seed,
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

/// `[series.NAME]`: a quantity with an AR(1) growth process (docs/model.md, "Series").
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
    /// Same-year links to other nodes' growth (a series, `gdp` or `prices`).
    pub links: Vec<Link>,
    pub origin: Origin,
}

/// One entry of a series' `links` (docs/model.md, "Links"): this series'
/// growth moves by `elasticity` points per point of `to`'s growth above a
/// reference: `around` for a growth link, `to`'s trend for a shock link.
#[derive(Clone, Debug)]
pub struct Link {
    /// The linked node: a series name, `gdp` or `prices`.
    pub to: String,
    /// Points of this series' growth per point of `to`'s; may be drawn per path.
    pub elasticity: Param,
    /// A growth link's reference growth of `to` (a fixed ratio); `None` for a shock link.
    pub around: Option<f64>,
}

/// `[gdp]`: optional figures of GDP itself (docs/model.md, "GDP and prices").
#[derive(Clone, Debug)]
pub struct GdpTable {
    /// GDP in the base year (current prices); adds the metric `gdp.level`.
    pub base: Option<Param>,
    /// Observed real growth of the base year: the fan chart's first point; feeds nothing.
    pub growth_base: Option<Param>,
    pub origin: Origin,
}

/// `[execution]`: a one-factor Gaussian copula over programme deliveries
/// (docs/model.md, "Execution").
#[derive(Clone, Debug)]
pub struct Execution {
    /// Correlation of the deliveries' latent normals, in [0, 1).
    pub correlation: Param,
    /// The programmes tied together (every programme when the file lists none).
    pub programmes: Vec<String>,
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

/// `[regime]`: the normal/downturn Markov chain (docs/model.md, "Regime").
#[derive(Clone, Debug)]
pub struct Regime {
    pub downturn_probability: Param,
    pub recovery_probability: Param,
    pub initial_downturn: bool,
    /// Growth shift of each named series in a downturn year.
    pub shift: Vec<(String, Param)>,
    /// Years whose state is set (`true` = downturn) whatever the chain draws.
    pub force: Vec<(i32, bool, Origin)>,
    pub origin: Origin,
}

/// `[programme.NAME]`: a planned quantity delivered with an uncertain ratio (docs/model.md, "Programmes").
#[derive(Clone, Debug)]
pub struct Programme {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub year: i32,
    pub year_origin: Origin,
    /// The planned quantity; a placeholder 0 when `planned_from` names a programme.
    pub planned: Param,
    /// A pipeline: the programme whose delivered quantity (same path) is this one's plan.
    pub planned_from: Option<(String, Origin)>,
    pub delivery: Param,
    pub downturn_effect: Param,
    pub origin: Origin,
}

/// Which side of the threshold attains a target. Serialised as the scenario
/// writes it: `"at_least": 0.05` or `"at_most": 0.2`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

impl Bound {
    /// The scenario key: `at_least` or `at_most`.
    pub fn key(&self) -> &'static str {
        match self {
            Bound::AtLeast(_) => "at_least",
            Bound::AtMost(_) => "at_most",
        }
    }

    /// The sign a reader writes: `≥` or `≤`.
    pub(crate) fn symbol(&self) -> &'static str {
        match self {
            Bound::AtLeast(_) => "≥",
            Bound::AtMost(_) => "≤",
        }
    }

    /// The threshold when it is a lower bound.
    pub fn at_least(&self) -> Option<f64> {
        match *self {
            Bound::AtLeast(t) => Some(t),
            Bound::AtMost(_) => None,
        }
    }

    /// The threshold when it is an upper bound.
    pub fn at_most(&self) -> Option<f64> {
        match *self {
            Bound::AtMost(t) => Some(t),
            Bound::AtLeast(_) => None,
        }
    }

    pub fn threshold(&self) -> f64 {
        match *self {
            Bound::AtLeast(t) | Bound::AtMost(t) => t,
        }
    }

    /// Whether `value` attains the target (`>=` for at_least, `<=` for at_most).
    #[inline]
    pub(crate) fn is_met(&self, value: f64) -> bool {
        match *self {
            Bound::AtLeast(t) => value >= t,
            Bound::AtMost(t) => value <= t,
        }
    }

    /// How far `value` falls short of the threshold (0 when met).
    #[inline]
    pub(crate) fn shortfall(&self, value: f64) -> f64 {
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
    /// The entry's header, or the `--set` flag that wrote `metric` (errors about it point there).
    pub metric_origin: Origin,
    /// The entry's header, or the `--set` flag that wrote `year`.
    pub year_origin: Origin,
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
pub(crate) fn from_tree(root: tree::Node) -> Result<Scenario, ScenarioError> {
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
    let thresholds = thresholds_before_sets(&root, sets);
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
    if relabel_thresholds(&mut scenario, &mut root, &thresholds) {
        scenario.resolved_toml = tree::to_toml(&root);
    }
    scenario.warnings = check::warnings(&scenario);
    Ok(scenario)
}

/// A number as a reader writes it: at most 10 decimals, no trailing zeros
/// (`5`, `0.055`, `-2.5`).
pub(crate) fn plain_number(v: f64) -> String {
    let text = format!("{v:.10}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    match text {
        "-0" => "0".to_string(),
        other => other.to_string(),
    }
}

/// `target.NAME.KEY` of a `--set NAME.KEY=VALUE`, as (NAME, KEY).
fn target_key(set: &str) -> Option<(&str, &str)> {
    let (path, _) = set.split_once('=')?;
    let segments: Vec<&str> = path.trim().split('.').map(str::trim).collect();
    match segments.as_slice() {
        ["target", name, key] => Some((*name, *key)),
        _ => None,
    }
}

/// For each target whose threshold a `--set` changes (and whose label no
/// `--set` writes): its name and the threshold the files gave it.
fn thresholds_before_sets(root: &tree::Node, sets: &[String]) -> Vec<(String, f64)> {
    let labelled: Vec<&str> = sets
        .iter()
        .filter_map(|s| target_key(s))
        .filter(|(_, key)| *key == "label")
        .map(|(name, _)| name)
        .collect();
    let mut found: Vec<(String, f64)> = Vec::new();
    for set in sets {
        let Some((name, key)) = target_key(set) else {
            continue;
        };
        if !matches!(key, "at_least" | "at_most")
            || labelled.contains(&name)
            || found.iter().any(|(n, _)| n == name)
        {
            continue;
        }
        if let Some(old) = tree_threshold(root, name) {
            found.push((name.to_string(), old));
        }
    }
    found
}

/// The `[[target]]` entry of the tree named `name`.
fn tree_target_mut<'a>(root: &'a mut tree::Node, name: &str) -> Option<&'a mut tree::Table> {
    let tree::Value::Table(top) = &mut root.value else {
        return None;
    };
    let entry = top.entries.iter_mut().find(|e| e.key == "target")?;
    let tree::Value::Array(items) = &mut entry.node.value else {
        return None;
    };
    items.iter_mut().find_map(|item| match &mut item.value {
        tree::Value::Table(t)
            if matches!(t.get("name").map(|n| &n.value), Some(tree::Value::Str(s)) if s == name) =>
        {
            Some(t)
        }
        _ => None,
    })
}

/// The threshold (`at_least` or `at_most`) the tree gives target `name`.
fn tree_threshold(root: &tree::Node, name: &str) -> Option<f64> {
    let tree::Value::Table(top) = &root.value else {
        return None;
    };
    let tree::Value::Array(items) = &top.get("target")?.value else {
        return None;
    };
    let table = items.iter().find_map(|item| match &item.value {
        tree::Value::Table(t)
            if matches!(t.get("name").map(|n| &n.value), Some(tree::Value::Str(s)) if s == name) =>
        {
            Some(t)
        }
        _ => None,
    })?;
    match table
        .get("at_least")
        .or_else(|| table.get("at_most"))
        .map(|n| &n.value)
    {
        Some(tree::Value::Int(i)) => Some(*i as f64),
        Some(tree::Value::Float(f)) => Some(*f),
        _ => None,
    }
}

/// Keeps labels true after `--set` moved a threshold: the label's figure for
/// the old threshold is replaced by the new one (see [`relabel`]), in the
/// scenario and in the tree (so `scenario.toml` agrees). Returns whether any
/// label changed.
fn relabel_thresholds(
    scenario: &mut Scenario,
    root: &mut tree::Node,
    before: &[(String, f64)],
) -> bool {
    if before.is_empty() {
        return false;
    }
    let metrics = metrics::catalogue(scenario);
    let mut changed = false;
    for (name, old) in before {
        let Some(target) = scenario.targets.iter_mut().find(|t| t.name == *name) else {
            continue;
        };
        let new = target.bound.threshold();
        // A label that was never written (the name) claims no threshold.
        if new == *old || target.label == target.name {
            continue;
        }
        let unit = metrics
            .iter()
            .find(|m| m.name == target.metric)
            .map(|m| m.unit.as_str())
            .unwrap_or("");
        let label = relabel(&target.label, *old, new, unit, target.bound.symbol());
        if label == target.label {
            continue;
        }
        if let Some(table) = tree_target_mut(root, name) {
            // The new label comes from the flag that moved the threshold.
            let origin = table
                .get("at_least")
                .or_else(|| table.get("at_most"))
                .map(|n| n.origin.clone())
                .unwrap_or(Origin::Default);
            table.insert(
                "label",
                tree::Node {
                    value: tree::Value::Str(label.clone()),
                    origin,
                },
            );
        }
        target.label = label;
        changed = true;
    }
    changed
}

/// `label` for the threshold `new` instead of `old`: the figure that shows
/// `old` (in percent when `unit` is `ratio`, as "≥ 5 %" for 0.05; or as
/// written) is replaced, preferring one right after a comparison sign; a
/// label that shows no such figure gets " (threshold set to ≥ 5.5 % by --set)".
pub(crate) fn relabel(label: &str, old: f64, new: f64, unit: &str, sign: &str) -> String {
    let ratio = unit == metrics::RATIO;
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    // Each figure of the label: byte range, value, and whether a comparison sign precedes it.
    let mut figures: Vec<(usize, usize, f64, bool)> = Vec::new();
    let bytes = label.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut start = i;
        let mut end = i;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
            end += 1;
        }
        let mut text_end = end;
        while text_end > start && bytes[text_end - 1] == b'.' {
            text_end -= 1;
        }
        if start > 0 && bytes[start - 1] == b'-' {
            start -= 1;
        }
        let before = label[..start].trim_end();
        let after_sign = ["≥", "≤", ">=", "<=", ">", "<", "="]
            .iter()
            .any(|s| before.ends_with(s));
        if let Ok(value) = label[start..text_end].parse::<f64>() {
            figures.push((start, text_end, value, after_sign));
        }
        i = end;
    }
    let scales: &[f64] = if ratio { &[100.0, 1.0] } else { &[1.0] };
    let mut choice = None;
    'search: for prefer_sign in [true, false] {
        for &scale in scales {
            for &(start, end, value, after_sign) in &figures {
                if (after_sign || !prefer_sign) && same(value, old * scale) {
                    choice = Some((start, end, scale));
                    break 'search;
                }
            }
        }
    }
    match choice {
        Some((start, end, scale)) => format!(
            "{}{}{}",
            &label[..start],
            plain_number(new * scale),
            &label[end..]
        ),
        None => {
            let shown = if ratio {
                format!("{} %", plain_number(new * 100.0))
            } else if unit.is_empty() {
                plain_number(new)
            } else {
                format!("{} {unit}", plain_number(new))
            };
            format!("{label} (threshold set to {sign} {shown} by --set)")
        }
    }
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
    if path.is_dir() {
        return Err(ScenarioError::new(
            &Origin::Default,
            format!("cannot read scenario file {shown}: it is a folder, not a scenario file; name a .toml file"),
        ));
    }
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
        // `extends = "builtin:baseline"`: the baseline built into the binary
        // (it has no `extends` of its own), wherever this file is.
        Some((parent_name, _)) if parent_name == "builtin:baseline" => {
            let parent = tree::parse(EMBEDDED_BASELINE, "scenarios/baseline.toml (embedded)")?;
            tree::merge(parent, node)
        }
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
            if let Some(problem) = not_a_scenario_file(&parent_name, &parent_path) {
                return Err(ScenarioError::new(&origin, problem));
            }
            let parent = load_tree(&parent_path, chain)?;
            tree::merge(parent, node)
        }
    };
    chain.pop();
    Ok(result)
}

/// Why `extends = "name"` (resolved to `path`) cannot be read as a
/// scenario file, if it cannot: it is empty, a folder, a device or pipe, or
/// nothing at all. Never opens it (a FIFO would block).
fn not_a_scenario_file(name: &str, path: &Path) -> Option<String> {
    if name.trim().is_empty() {
        return Some(
            "`scenario.extends` is empty; name the scenario file to inherit from, relative to this file (e.g. extends = \"baseline.toml\"), or remove the line".to_string(),
        );
    }
    let written = format!("`scenario.extends = \"{name}\"`");
    match std::fs::metadata(path) {
        Err(_) => Some(format!(
            "`scenario.extends` names {}, which does not exist; give a path relative to this file",
            path.display()
        )),
        Ok(meta) if meta.is_file() => None,
        Ok(meta) if meta.is_dir() => Some(format!(
            "{written} is a folder, not a scenario file; name the .toml file to inherit from, relative to this file"
        )),
        Ok(meta) => Some(format!(
            "{written} is {}, not a scenario file; name the .toml file to inherit from, relative to this file",
            special_file_kind(&meta)
        )),
    }
}

/// What a path that is neither a file nor a folder is, for messages.
fn special_file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "a special file"
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

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "[scenario]\nname = \"w\"\nbase_year = 2023\nend_year = 2025\n[series.a]\nbase = 100\nmean_growth = 0.05\nunit = \"亿元\"\ngdp_share = 1.0\n[[target]]\nname = \"g\"\nlabel = \"GDP 实际增长 ≥ 5 % (2024)\"\nmetric = \"gdp.growth\"\nyear = 2024\nat_least = 0.05\n[[target]]\nname = \"lvl\"\nlabel = \"A 达千亿级 ≥ 1000 亿元 (2027)\"\nmetric = \"a.level\"\nyear = 2025\nat_least = 1000\n[[target]]\nname = \"plain\"\nlabel = \"A keeps growing\"\nmetric = \"a.growth\"\nyear = 2025\nat_least = 0.0\n[[target]]\nname = \"bare\"\nmetric = \"a.growth\"\nyear = 2025\nat_most = 0.2\n";

    fn sets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn label(s: &Scenario, name: &str) -> String {
        s.targets
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .label
            .clone()
    }

    #[test]
    fn relabel_replaces_the_figure_of_the_old_threshold() {
        assert_eq!(
            relabel("GDP 实际增长 ≥ 5 % (2024)", 0.05, 0.055, "ratio", "≥"),
            "GDP 实际增长 ≥ 5.5 % (2024)"
        );
        assert_eq!(
            relabel("不成套住房改造竣工 ≥ 2.4 万m²", 2.4, 3.0, "万平方米", "≥"),
            "不成套住房改造竣工 ≥ 3 万m²"
        );
        assert_eq!(
            relabel("growth at least 0.05 in 2024", 0.05, 0.07, "ratio", "≥"),
            "growth at least 0.07 in 2024"
        );
        assert_eq!(
            relabel("deflation ≤ -2 %", -0.02, -0.01, "ratio", "≤"),
            "deflation ≤ -1 %"
        );
        // The year is not the threshold, even when it comes first.
        assert_eq!(
            relabel("2024: 100 homes ≥ 100", 100.0, 120.0, "", "≥"),
            "2024: 100 homes ≥ 120"
        );
        assert_eq!(
            relabel("A keeps growing", 0.0, 0.02, "ratio", "≥"),
            "A keeps growing (threshold set to ≥ 2 % by --set)"
        );
        assert_eq!(
            relabel("big enough", 10.0, 12.0, "家", "≥"),
            "big enough (threshold set to ≥ 12 家 by --set)"
        );
    }

    #[test]
    fn set_thresholds_keep_labels_true_in_the_scenario_and_its_toml() {
        let s = load_str(
            SMALL,
            "w.toml",
            &sets(&[
                "target.g.at_least=0.055",
                "target.lvl.at_least=1200",
                "target.plain.at_least=0.02",
                "target.bare.at_most=0.3",
            ]),
        )
        .unwrap();
        assert_eq!(label(&s, "g"), "GDP 实际增长 ≥ 5.5 % (2024)");
        assert_eq!(label(&s, "lvl"), "A 达千亿级 ≥ 1200 亿元 (2027)");
        assert_eq!(
            label(&s, "plain"),
            "A keeps growing (threshold set to ≥ 2 % by --set)"
        );
        // A label never written (the name) claims no threshold.
        assert_eq!(label(&s, "bare"), "bare");
        assert!(
            s.resolved_toml.contains("GDP 实际增长 ≥ 5.5 % (2024)"),
            "{}",
            s.resolved_toml
        );
        // A label set alongside wins; an unchanged threshold leaves it alone.
        let s = load_str(
            SMALL,
            "w.toml",
            &sets(&[
                "target.g.at_least=0.06",
                "target.g.label=Mine",
                "target.lvl.at_least=1000",
            ]),
        )
        .unwrap();
        assert_eq!(label(&s, "g"), "Mine");
        assert_eq!(label(&s, "lvl"), "A 达千亿级 ≥ 1000 亿元 (2027)");
        // The stored scenario reloads with the same label.
        let again = load_str(&s.resolved_toml, "scenario.toml", &[]).unwrap();
        assert_eq!(label(&again, "g"), "Mine");
    }

    #[test]
    fn bad_set_values_point_at_the_flag() {
        let err = load_str(SMALL, "w.toml", &sets(&["target.g.at_least=abc"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set target.g.at_least=abc: `target.g.at_least` must be a number, and `abc` is not one; write a plain number, e.g. --set target.g.at_least=0.05"
        );
        let err = load_str(SMALL, "w.toml", &sets(&["target.g.at_least=５"])).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("full-width digit '５' in the value; write it as 5"),
            "{err}"
        );
        let err = load_str(SMALL, "w.toml", &sets(&["target.g.year=2030"])).unwrap_err();
        assert!(
            err.to_string().starts_with("--set target.g.year=2030: "),
            "{err}"
        );
        let err = load_str(SMALL, "w.toml", &sets(&["target.g.metric=a.grwoth"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--set target.g.metric=a.grwoth: "),
            "{err}"
        );
        let err = load_str(SMALL, "w.toml", &sets(&["target.g.at_most=0.1"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--set target.g.at_most=0.1: `target.g` already has `at_least`"),
            "{err}"
        );
    }

    #[test]
    fn target_names_follow_the_series_rule() {
        for (name, expect) in [
            ("gdp growth", "the name `gdp growth` must start with a lowercase letter and use only a-z, 0-9 and _"),
            ("gdp.growth", "the name `gdp.growth` must start with a lowercase letter and use only a-z, 0-9 and _"),
            ("", "the name is empty; give a name that starts with a lowercase letter and uses only a-z, 0-9 and _"),
            ("gdp-growth", "use _ instead of - in `gdp-growth`"),
        ] {
            let text = SMALL.replace("name = \"g\"", &format!("name = \"{name}\""));
            let err = load_str(&text, "w.toml", &[]).unwrap_err();
            assert_eq!(err.to_string(), format!("w.toml:11: `target.name`: {expect}"));
        }
    }

    #[test]
    fn extends_says_what_it_names_when_that_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        let child = dir.path().join("child.toml");
        let write = |extends: &str| {
            std::fs::write(&child, format!("[scenario]\nextends = \"{extends}\"\n")).unwrap();
            load_file(&child, &[]).unwrap_err().message
        };
        assert!(
            write("folder")
                .starts_with("`scenario.extends = \"folder\"` is a folder, not a scenario file; "),
            "{}",
            write("folder")
        );
        assert!(
            write("").starts_with("`scenario.extends` is empty; "),
            "{}",
            write("")
        );
        assert!(write("nope.toml").contains("which does not exist"));
        #[cfg(unix)]
        assert!(
            write("/dev/null")
                .starts_with("`scenario.extends = \"/dev/null\"` is a device, not a scenario file"),
            "{}",
            write("/dev/null")
        );
        let folder = load_file(&dir.path().join("folder"), &[]).unwrap_err();
        assert!(
            folder
                .message
                .contains("it is a folder, not a scenario file"),
            "{folder}"
        );
    }
}
