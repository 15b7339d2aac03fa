//! From the merged tree to a typed [`Scenario`]: every key known, every value
//! of the right type, every distribution valid and inside its parameter's range.

use super::error::{quoted_list, suggestion, Origin, ScenarioError};
use super::tree::{to_toml, Node, Table, Value};
use super::*;
use crate::dist::{Dist, Interval, DIST_NAMES};

type Result<T> = std::result::Result<T, ScenarioError>;

const TOP_KEYS: &[&str] = &[
    "scenario",
    "run",
    "series",
    "correlation",
    "prices",
    "gdp",
    "regime",
    "programme",
    "execution",
    "target",
];
const SCENARIO_KEYS: &[&str] = &[
    "name",
    "title",
    "description",
    "base_year",
    "end_year",
    "extends",
];
const RUN_KEYS: &[&str] = &["paths", "seed", "sampling"];
const SERIES_KEYS: &[&str] = &[
    "label",
    "unit",
    "base",
    "growth_base",
    "mean_growth",
    "persistence",
    "volatility",
    "gdp_share",
    "links",
];
const CORRELATION_KEYS: &[&str] = &["series", "matrix", "marginal", "df"];
const PRICES_KEYS: &[&str] = &["inflation"];
const GDP_KEYS: &[&str] = &["base", "growth_base"];
const EXECUTION_KEYS: &[&str] = &["correlation", "programmes"];
const GROWTH_LINK_KEYS: &[&str] = &["elasticity", "around", "source"];
const PIPELINE_KEYS: &[&str] = &["programme", "source"];
const REGIME_KEYS: &[&str] = &[
    "downturn_probability",
    "recovery_probability",
    "shift",
    "initial",
    "force",
];
const PROGRAMME_KEYS: &[&str] = &[
    "label",
    "unit",
    "year",
    "planned",
    "delivery",
    "downturn_effect",
];
const TARGET_KEYS: &[&str] = &[
    "name", "label", "metric", "year", "at_least", "at_most", "source",
];

/// Default `[run]` when a scenario gives none.
pub const DEFAULT_PATHS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 2024;
/// Names a series or programme may not take: they are metric prefixes.
const RESERVED_NAMES: &[&str] = &["gdp", "prices", "regime"];

/// Valid ranges of the parameters (docs/model.md, "Parameter uncertainty"); growth-like parameters are
/// unbounded here and clamped at run time (counted in `diagnostics`).
pub mod range {
    use crate::dist::Interval;
    /// Levels and planned quantities: positive, and below 10^12 so that a
    /// century of growth stays a finite number.
    pub fn positive() -> Interval {
        Interval::open_closed(0.0, 1e12)
    }
    pub fn non_negative() -> Interval {
        Interval::closed(0.0, f64::INFINITY)
    }
    pub fn persistence() -> Interval {
        Interval::closed_open(0.0, 1.0)
    }
    pub fn probability() -> Interval {
        Interval::closed(0.0, 1.0)
    }
    pub fn downturn_effect() -> Interval {
        Interval::closed(-1.0, f64::INFINITY)
    }
}

/// Types the whole tree.
pub fn decode(root: &Node) -> Result<Scenario> {
    let top = table_of(root, "the scenario file")?;
    check_keys(top, TOP_KEYS, "")?;
    let meta = required_table(top, "scenario", "", &root.origin)?;
    check_keys(meta, SCENARIO_KEYS, "scenario")?;
    let name = required_str(meta, "name", "scenario", &root.origin)?;
    check_name(
        &name,
        NameKind::Scenario,
        "scenario.name",
        &origin_of(meta, "name", &root.origin),
    )?;
    let title = optional_str(meta, "title", "scenario")?.unwrap_or_else(|| name.clone());
    let description = optional_str(meta, "description", "scenario")?.unwrap_or_default();
    let base_year = required_year(meta, "base_year", "scenario", &root.origin)?;
    let end_year = required_year(meta, "end_year", "scenario", &root.origin)?;

    let run = match top.get("run") {
        Some(node) => decode_run(node)?,
        None => RunSettings {
            paths: DEFAULT_PATHS,
            seed: DEFAULT_SEED,
            sampling: Sampling::Random,
        },
    };

    let mut series = Vec::new();
    if let Some(node) = top.get("series") {
        for entry in &table_of(node, "`series`")?.entries {
            series.push(decode_series(&entry.key, &entry.node)?);
        }
    }
    let correlation = top.get("correlation").map(decode_correlation).transpose()?;
    let inflation = match top.get("prices") {
        Some(node) => {
            let prices = table_of(node, "`prices`")?;
            check_keys(prices, PRICES_KEYS, "prices")?;
            param(prices, "inflation", "prices", Interval::REAL, false)?
        }
        None => None,
    };
    let gdp = top.get("gdp").map(decode_gdp).transpose()?;
    let regime = top.get("regime").map(decode_regime).transpose()?;
    let mut programmes = Vec::new();
    if let Some(node) = top.get("programme") {
        for entry in &table_of(node, "`programme`")?.entries {
            programmes.push(decode_programme(&entry.key, &entry.node)?);
        }
    }
    let execution = top.get("execution").map(decode_execution).transpose()?;
    let mut targets = Vec::new();
    if let Some(node) = top.get("target") {
        let Value::Array(items) = &node.value else {
            return Err(ScenarioError::new(
                &node.origin,
                "`target` must be an array of tables, written as [[target]] sections",
            ));
        };
        for item in items {
            targets.push(decode_target(item)?);
        }
    }

    Ok(Scenario {
        name,
        title,
        description,
        base_year,
        end_year,
        run,
        series,
        correlation,
        inflation,
        gdp,
        regime,
        programmes,
        execution,
        targets,
        resolved_toml: to_toml(root),
        file: root.origin.clone(),
        correlation_repair: None,
        warnings: Vec::new(),
        end_year_origin: origin_of(meta, "end_year", &root.origin),
    })
}

fn decode_run(node: &Node) -> Result<RunSettings> {
    let run = table_of(node, "`run`")?;
    check_keys(run, RUN_KEYS, "run")?;
    let paths = match optional_int(run, "paths", "run")? {
        Some((v, origin)) if v < 1 => {
            return Err(ScenarioError::new(
                &origin,
                format!(
                    "`run.paths` is {v}, but a run needs at least 1 path; use e.g. paths = 100_000"
                ),
            ))
        }
        Some((v, _)) => v as u64,
        None => DEFAULT_PATHS,
    };
    let seed = match optional_int(run, "seed", "run")? {
        Some((v, origin)) if v < 0 => {
            return Err(ScenarioError::new(
                &origin,
                format!("`run.seed` is {v}, but a seed must be a non-negative integer"),
            ))
        }
        Some((v, _)) => v as u64,
        None => DEFAULT_SEED,
    };
    let sampling = match optional_str(run, "sampling", "run")? {
        Some(name) => check_sampling(&name, &origin_of(run, "sampling", &node.origin))?,
        None => Sampling::Random,
    };
    Ok(RunSettings {
        paths,
        seed,
        sampling,
    })
}

/// The sampling method called `sampling`, or a refusal that lists the methods.
pub fn check_sampling(sampling: &str, origin: &Origin) -> Result<Sampling> {
    Sampling::parse(sampling).ok_or_else(|| {
        let all: Vec<&str> = Sampling::ALL.iter().map(Sampling::name).collect();
        ScenarioError::new(
            origin,
            format!(
                "`{sampling}` is not a sampling method; {}",
                suggestion(sampling, &all).replace("valid keys here are", "the methods are")
            ),
        )
    })
}

fn decode_series(name: &str, node: &Node) -> Result<Series> {
    let path = format!("series.{name}");
    check_name(name, NameKind::Series, &path, &node.origin)?;
    let table = table_of(node, &format!("`{path}`"))?;
    check_keys(table, SERIES_KEYS, &path)?;
    let require = |key: &str, range: Interval| -> Result<Param> {
        param(table, key, &path, range, false)?.ok_or_else(|| {
            ScenarioError::new(
                &node.origin,
                format!("`{path}` has no `{key}`; add e.g. {key} = {}", example(key)),
            )
        })
    };
    let base = require("base", range::positive())?;
    let mean_growth = require("mean_growth", Interval::REAL)?;
    let growth_base = param(table, "growth_base", &path, Interval::REAL, false)?;
    let persistence = param(table, "persistence", &path, range::persistence(), false)?
        .unwrap_or_else(|| Param::fixed(&format!("{path}.persistence"), 0.0));
    let volatility = param(table, "volatility", &path, range::non_negative(), false)?
        .unwrap_or_else(|| Param::fixed(&format!("{path}.volatility"), 0.0));
    let gdp_share = match table.get("gdp_share") {
        None => None,
        Some(share_node) => {
            let share = fixed_number(share_node, &format!("{path}.gdp_share"))?;
            if !(share > 0.0 && share <= 1.0) {
                return Err(ScenarioError::new(
                    &share_node.origin,
                    format!("`{path}.gdp_share` is {share}, but a share must lie in (0, 1]"),
                ));
            }
            Some(share)
        }
    };
    let mut links = Vec::new();
    if let Some(links_node) = table.get("links") {
        let links_path = format!("{path}.links");
        for entry in &table_of(links_node, &format!("`{links_path}`"))?.entries {
            links.push(decode_link(
                &entry.key,
                &entry.node,
                &format!("{links_path}.{}", entry.key),
            )?);
        }
    }
    Ok(Series {
        name: name.to_string(),
        label: optional_str(table, "label", &path)?.unwrap_or_else(|| name.to_string()),
        unit: optional_str(table, "unit", &path)?.unwrap_or_default(),
        base,
        growth_base,
        mean_growth,
        persistence,
        volatility,
        gdp_share,
        gdp_share_origin: table
            .get("gdp_share")
            .map(|n| n.origin.clone())
            .unwrap_or_else(|| node.origin.clone()),
        links,
        origin: node.origin.clone(),
    })
}

/// A link: a growth link `{ elasticity, around, source }`, or a shock link
/// (a number, `{ value, source }` or a distribution).
fn decode_link(to: &str, node: &Node, key: &str) -> Result<Link> {
    let Value::Table(table) = &node.value else {
        return Ok(Link {
            to: to.to_string(),
            elasticity: param_from_node(node, key, Interval::REAL, false)?,
            around: None,
        });
    };
    if table.get("elasticity").is_none() && table.get("around").is_none() {
        return Ok(Link {
            to: to.to_string(),
            elasticity: param_from_node(node, key, Interval::REAL, false)?,
            around: None,
        });
    }
    check_keys(table, GROWTH_LINK_KEYS, key)?;
    let Some(elasticity_node) = table.get("elasticity") else {
        return Err(ScenarioError::new(
            &node.origin,
            format!("`{key}` has `around` but no `elasticity`; a growth link needs both, e.g. {{ elasticity = 1.0, around = 0.05 }}"),
        ));
    };
    let Some(around_node) = table.get("around") else {
        return Err(ScenarioError::new(
            &elasticity_node.origin,
            format!("`{key}` has an `elasticity` but no `around`; a growth link needs the growth of `{to}` its series' mean_growth assumes, e.g. around = 0.05 (or write a shock link, {key} = 1.0)"),
        ));
    };
    let around_key = format!("{key}.around");
    if let Value::Table(t) = &around_node.value {
        if t.get("dist").is_some() {
            return Err(ScenarioError::new(
                &around_node.origin,
                format!("`{around_key}` is a distribution, but it must be a fixed number: the growth of `{to}` the series' mean_growth assumes; put the uncertainty in `mean_growth` or `elasticity`"),
            ));
        }
    }
    let around = fixed_number(around_node, &around_key)?;
    let mut elasticity = param_from_node(
        elasticity_node,
        &format!("{key}.elasticity"),
        Interval::REAL,
        false,
    )?;
    if elasticity.source.is_none() {
        elasticity.source = optional_str(table, "source", key)?;
    }
    Ok(Link {
        to: to.to_string(),
        elasticity,
        around: Some(around),
    })
}

fn decode_gdp(node: &Node) -> Result<GdpTable> {
    let table = table_of(node, "`gdp`")?;
    check_keys(table, GDP_KEYS, "gdp")?;
    Ok(GdpTable {
        base: param(table, "base", "gdp", range::positive(), false)?,
        growth_base: param(table, "growth_base", "gdp", Interval::REAL, false)?,
        origin: node.origin.clone(),
    })
}

fn decode_execution(node: &Node) -> Result<Execution> {
    let table = table_of(node, "`execution`")?;
    check_keys(table, EXECUTION_KEYS, "execution")?;
    let correlation = param(
        table,
        "correlation",
        "execution",
        Interval::closed_open(0.0, 1.0),
        false,
    )?
    .ok_or_else(|| {
        ScenarioError::new(
            &node.origin,
            "`execution` has no `correlation`; add e.g. correlation = { value = 0.3, source = \"assumption: …\" } (in [0, 1))",
        )
    })?;
    let mut programmes = Vec::new();
    if let Some(list) = table.get("programmes") {
        let Value::Array(items) = &list.value else {
            return Err(type_error(
                list,
                "execution.programmes",
                "an array of programme names",
            ));
        };
        for item in items {
            match &item.value {
                Value::Str(name) => programmes.push(name.clone()),
                _ => {
                    return Err(type_error(
                        item,
                        "execution.programmes",
                        "an array of programme names in quotes",
                    ))
                }
            }
        }
    }
    Ok(Execution {
        correlation,
        programmes,
        origin: table
            .get("programmes")
            .map(|n| n.origin.clone())
            .unwrap_or_else(|| node.origin.clone()),
    })
}

fn decode_correlation(node: &Node) -> Result<Correlation> {
    let table = table_of(node, "`correlation`")?;
    check_keys(table, CORRELATION_KEYS, "correlation")?;
    let series_node = table.get("series").ok_or_else(|| {
        ScenarioError::new(&node.origin, "`correlation` has no `series`; list the series the matrix is about, e.g. series = [\"a\", \"b\"]")
    })?;
    let Value::Array(names) = &series_node.value else {
        return Err(type_error(
            series_node,
            "correlation.series",
            "an array of series names",
        ));
    };
    let mut series = Vec::new();
    for n in names {
        match &n.value {
            Value::Str(s) => series.push(s.clone()),
            _ => {
                return Err(type_error(
                    n,
                    "correlation.series",
                    "an array of series names in quotes",
                ))
            }
        }
    }
    let matrix_node = table.get("matrix").ok_or_else(|| {
        ScenarioError::new(&node.origin, "`correlation` has no `matrix`; give one row per series, e.g. matrix = [[1.0, 0.5], [0.5, 1.0]]")
    })?;
    let Value::Array(rows) = &matrix_node.value else {
        return Err(type_error(
            matrix_node,
            "correlation.matrix",
            "an array of rows",
        ));
    };
    let mut matrix = Vec::new();
    for row in rows {
        let Value::Array(cells) = &row.value else {
            return Err(type_error(
                row,
                "correlation.matrix",
                "an array of rows, each an array of numbers",
            ));
        };
        let mut values = Vec::new();
        for cell in cells {
            values.push(number_of(cell, "correlation.matrix")?);
        }
        matrix.push(values);
    }
    let marginal_name =
        optional_str(table, "marginal", "correlation")?.unwrap_or_else(|| "normal".to_string());
    let df = optional_number(table, "df", "correlation")?;
    let marginal_origin = origin_of(table, "marginal", &node.origin);
    let marginal = match (marginal_name.as_str(), df) {
        ("normal", None) => Marginal::Normal,
        ("normal", Some(_)) => {
            return Err(ScenarioError::new(
                &origin_of(table, "df", &node.origin),
                "`correlation.df` only applies with marginal = \"student_t\"; remove it or set the marginal",
            ))
        }
        ("student_t", Some(df)) if df > 2.0 && df.is_finite() => Marginal::StudentT { df },
        ("student_t", Some(df)) => {
            return Err(ScenarioError::new(
                &origin_of(table, "df", &node.origin),
                format!("`correlation.df` is {df}, but a unit-variance Student t marginal needs df > 2"),
            ))
        }
        ("student_t", None) => {
            return Err(ScenarioError::new(
                &marginal_origin,
                "marginal = \"student_t\" needs `correlation.df` (degrees of freedom, > 2), e.g. df = 5",
            ))
        }
        (other, _) => {
            return Err(ScenarioError::new(
                &marginal_origin,
                format!("`correlation.marginal` is `{other}`; it must be \"normal\" or \"student_t\""),
            ))
        }
    };
    Ok(Correlation {
        series,
        matrix,
        marginal,
        origin: matrix_node.origin.clone(),
    })
}

fn decode_regime(node: &Node) -> Result<Regime> {
    let table = table_of(node, "`regime`")?;
    check_keys(table, REGIME_KEYS, "regime")?;
    let probability = |key: &str| -> Result<Param> {
        param(table, key, "regime", range::probability(), false)?.ok_or_else(|| {
            ScenarioError::new(
                &node.origin,
                format!("`regime` has no `{key}`; add e.g. {key} = 0.1"),
            )
        })
    };
    let downturn_probability = probability("downturn_probability")?;
    let recovery_probability = probability("recovery_probability")?;
    let initial_downturn = match optional_str(table, "initial", "regime")?.as_deref() {
        None | Some("normal") => false,
        Some("downturn") => true,
        Some(other) => {
            return Err(ScenarioError::new(
                &origin_of(table, "initial", &node.origin),
                format!("`regime.initial` is `{other}`; it must be \"normal\" or \"downturn\""),
            ))
        }
    };
    let mut shift = Vec::new();
    if let Some(shift_node) = table.get("shift") {
        for entry in &table_of(shift_node, "`regime.shift`")?.entries {
            let p = param_from_node(
                &entry.node,
                &format!("regime.shift.{}", entry.key),
                Interval::REAL,
                false,
            )?;
            shift.push((entry.key.clone(), p));
        }
    }
    let mut force = Vec::new();
    if let Some(force_node) = table.get("force") {
        for entry in &table_of(force_node, "`regime.force`")?.entries {
            let key = format!("regime.force.{}", entry.key);
            let year = match entry.key.parse::<i32>() {
                Ok(y) if (1900..=2200).contains(&y) => y,
                _ => {
                    return Err(ScenarioError::new(
                        &entry.node.origin,
                        format!(
                            "`{key}`: `{}` is not a year; write force = {{ 2024 = \"downturn\" }}",
                            entry.key
                        ),
                    ))
                }
            };
            let downturn = match &entry.node.value {
                Value::Str(state) if state == "downturn" => true,
                Value::Str(state) if state == "normal" => false,
                Value::Str(state) => {
                    return Err(ScenarioError::new(
                        &entry.node.origin,
                        format!(
                        "`{key}` is `{state}`; a year can be forced to \"downturn\" or \"normal\""
                    ),
                    ))
                }
                _ => {
                    return Err(type_error(
                        &entry.node,
                        &key,
                        "\"downturn\" or \"normal\" in quotes",
                    ))
                }
            };
            force.push((year, downturn, entry.node.origin.clone()));
        }
    }
    Ok(Regime {
        downturn_probability,
        recovery_probability,
        initial_downturn,
        shift,
        force,
        origin: node.origin.clone(),
    })
}

fn decode_programme(name: &str, node: &Node) -> Result<Programme> {
    let path = format!("programme.{name}");
    check_name(name, NameKind::Programme, &path, &node.origin)?;
    let table = table_of(node, &format!("`{path}`"))?;
    check_keys(table, PROGRAMME_KEYS, &path)?;
    let year_node = table.get("year").ok_or_else(|| {
        ScenarioError::new(
            &node.origin,
            format!("`{path}` has no `year`; add the plan year, e.g. year = 2024"),
        )
    })?;
    let year = year_of(year_node, &format!("{path}.year"))?;
    let planned_node = table.get("planned").ok_or_else(|| {
        ScenarioError::new(
            &node.origin,
            format!("`{path}` has no `planned`; add the planned quantity, e.g. planned = 300"),
        )
    })?;
    let (planned, planned_from) = match &planned_node.value {
        Value::Table(t) if t.get("programme").is_some() => {
            let key = format!("{path}.planned");
            check_keys(t, PIPELINE_KEYS, &key)?;
            let source = optional_str(t, "programme", &key)?.unwrap_or_default();
            let mut placeholder = Param::fixed(&key, 0.0);
            placeholder.source = optional_str(t, "source", &key)?
                .or_else(|| Some(format!("pipeline: what `{source}` delivered")));
            placeholder.origin = planned_node.origin.clone();
            (placeholder, Some((source, planned_node.origin.clone())))
        }
        _ => (
            param_from_node(
                planned_node,
                &format!("{path}.planned"),
                range::positive(),
                false,
            )?,
            None,
        ),
    };
    let delivery = param(table, "delivery", &path, range::non_negative(), true)?.ok_or_else(|| {
        ScenarioError::new(
            &node.origin,
            format!("`{path}` has no `delivery`; add a delivery ratio, e.g. delivery = {{ dist = \"pert\", min = 0.8, mode = 1.0, max = 1.2 }}"),
        )
    })?;
    let downturn_effect = param(
        table,
        "downturn_effect",
        &path,
        range::downturn_effect(),
        false,
    )?
    .unwrap_or_else(|| Param::fixed(&format!("{path}.downturn_effect"), 0.0));
    Ok(Programme {
        name: name.to_string(),
        label: optional_str(table, "label", &path)?.unwrap_or_else(|| name.to_string()),
        unit: optional_str(table, "unit", &path)?.unwrap_or_default(),
        year,
        year_origin: year_node.origin.clone(),
        planned,
        planned_from,
        delivery,
        downturn_effect,
        origin: node.origin.clone(),
    })
}

fn decode_target(node: &Node) -> Result<Target> {
    let table = table_of(node, "a `[[target]]` entry")?;
    let name = required_str(table, "name", "target", &node.origin)?;
    check_name(
        &name,
        NameKind::Target,
        "target.name",
        &origin_of(table, "name", &node.origin),
    )?;
    let path = format!("target.{name}");
    check_keys(table, TARGET_KEYS, &path)?;
    let metric = required_str(table, "metric", &path, &node.origin)?;
    let year = required_year(table, "year", &path, &node.origin)?;
    let at_least = optional_number(table, "at_least", &path)?;
    let at_most = optional_number(table, "at_most", &path)?;
    let bound = match (at_least, at_most) {
        (Some(t), None) => Bound::AtLeast(t),
        (None, Some(t)) => Bound::AtMost(t),
        (Some(_), Some(_)) => {
            // A `--set` cannot remove a key, so adding the other threshold
            // by a flag needs its own advice.
            let from_flag =
                |key: &str| matches!(table.get(key).map(|n| &n.origin), Some(Origin::Flag { .. }));
            let (flag, other) = match (from_flag("at_least"), from_flag("at_most")) {
                (false, true) => ("at_most", "at_least"),
                (true, false) => ("at_least", "at_most"),
                _ => ("", ""),
            };
            if flag.is_empty() {
                return Err(ScenarioError::new(
                    &node.origin,
                    format!(
                        "`{path}` needs exactly one of `at_least` and `at_most` (the threshold)"
                    ),
                ));
            }
            return Err(ScenarioError::new(
                &origin_of(table, flag, &node.origin),
                format!(
                    "`{path}` already has `{other}`, and a target needs exactly one of `at_least` and `at_most`; --set cannot remove `{other}`, so change it instead (--set {path}.{other}=…) or write a new target"
                ),
            ));
        }
        (None, None) => {
            return Err(ScenarioError::new(
                &node.origin,
                format!("`{path}` needs exactly one of `at_least` and `at_most` (the threshold)"),
            ))
        }
    };
    if !bound.threshold().is_finite() {
        return Err(ScenarioError::new(
            &node.origin,
            format!("`{path}` has a threshold that is not a finite number"),
        ));
    }
    Ok(Target {
        label: optional_str(table, "label", &path)?.unwrap_or_else(|| name.clone()),
        name,
        metric,
        year,
        bound,
        source: optional_str(table, "source", &path)?,
        metric_origin: flag_or(table.get("metric"), &node.origin),
        year_origin: flag_or(table.get("year"), &node.origin),
        origin: node.origin.clone(),
    })
}

// ---- parameters -------------------------------------------------------------

/// The parameter `key` of `table` at `path`, if present.
fn param(
    table: &Table,
    key: &str,
    path: &str,
    range: Interval,
    allow_binomial: bool,
) -> Result<Option<Param>> {
    table
        .get(key)
        .map(|node| param_from_node(node, &format!("{path}.{key}"), range, allow_binomial))
        .transpose()
}

/// A number, `{ value, source }` or `{ dist, …, source }`, checked against `range`.
pub fn param_from_node(
    node: &Node,
    key: &str,
    range: Interval,
    allow_binomial: bool,
) -> Result<Param> {
    let (dist, source) = match &node.value {
        Value::Int(_) | Value::Float(_) => (Dist::Fixed { value: number_of(node, key)? }, None),
        Value::Table(table) if table.get("dist").is_some() => {
            let dist = dist_of(table, node, key)?;
            (dist, optional_str(table, "source", key)?)
        }
        Value::Table(table) if table.get("value").is_some() => {
            check_keys(table, &["value", "source"], key)?;
            let value_node = table.get("value").ok_or_else(|| type_error(node, key, "a number"))?;
            let value = number_of(value_node, &format!("{key}.value"))?;
            (Dist::Fixed { value }, optional_str(table, "source", key)?)
        }
        _ => {
            return Err(ScenarioError::new(
                &node.origin,
                format!(
                    "`{key}` is {}, but must be a number, {{ value = …, source = \"…\" }} or a distribution {{ dist = \"…\", … }}{}",
                    node.value.kind(),
                    fullwidth_note(node)
                ),
            ))
        }
    };
    if let Dist::Binomial { .. } = dist {
        if !allow_binomial {
            return Err(ScenarioError::new(
                &node.origin,
                format!("`{key}` cannot be binomial: binomial counts only a programme's `delivery`; use e.g. beta or pert"),
            ));
        }
    } else if let Dist::Fixed { value } = dist {
        if !range.contains(value) {
            return Err(ScenarioError::new(
                &node.origin,
                format!(
                    "`{key}` is {}, outside its valid range {range}; give a value inside it",
                    crate::dist::support::readable(value)
                ),
            ));
        }
    } else if !range.includes(&dist.support()) {
        return Err(ScenarioError::new(
            &node.origin,
            format!(
                "`{key}` is a {} distribution with values in {}, which leaves the parameter's valid range {range}; bound it (e.g. lower = … and upper = … inside the range) or use a distribution bounded inside it (uniform, triangular, pert or beta with suitable min and max)",
                dist.name(),
                dist.support()
            ),
        ));
    }
    Ok(Param {
        key: key.to_string(),
        dist,
        source,
        origin: node.origin.clone(),
    })
}

fn dist_of(table: &Table, node: &Node, key: &str) -> Result<Dist> {
    let Some(name_node) = table.get("dist") else {
        return Err(type_error(node, key, "a distribution { dist = \"…\", … }"));
    };
    let Value::Str(name) = &name_node.value else {
        return Err(type_error(
            name_node,
            &format!("{key}.dist"),
            "a distribution name in quotes",
        ));
    };
    let keys: &[&str] = match name.as_str() {
        "fixed" => &["value"],
        "normal" => &["mean", "sd"],
        "lognormal" => &["mean", "sd", "mu", "sigma"],
        "student_t" => &["df", "location", "scale"],
        "uniform" => &["min", "max"],
        "triangular" | "pert" => &["min", "mode", "max", "lambda"],
        "beta" => &["alpha", "beta", "min", "max"],
        "binomial" => &["p", "n"],
        "two_piece_normal" => &["mode", "sigma_left", "sigma_right"],
        other => {
            return Err(ScenarioError::new(
                &name_node.origin,
                format!(
                    "`{key}.dist` is `{other}`, which is not a distribution; {}",
                    suggestion(other, DIST_NAMES)
                        .replace("valid keys here are", "the distributions are")
                ),
            ))
        }
    };
    let bounded = !matches!(name.as_str(), "fixed" | "binomial");
    let bounds: &[&str] = if bounded { &["lower", "upper"] } else { &[] };
    for bound in ["lower", "upper"] {
        if let (false, Some(b)) = (bounded, table.get(bound)) {
            return Err(ScenarioError::new(
                &b.origin,
                format!("`{key}.{bound}`: a {name} cannot be truncated; bounds apply to continuous distributions (normal, pert, …)"),
            ));
        }
    }
    let allowed: Vec<&str> = keys
        .iter()
        .chain(["dist", "source"].iter())
        .chain(bounds.iter())
        .copied()
        .collect();
    let allowed: Vec<&str> = if name == "triangular" {
        allowed.into_iter().filter(|k| *k != "lambda").collect()
    } else {
        allowed
    };
    check_keys(table, &allowed, key)?;
    let get = |p: &str| -> Result<Option<f64>> { optional_number(table, p, key) };
    let need = |p: &str| -> Result<f64> {
        get(p)?.ok_or_else(|| {
            ScenarioError::new(
                &node.origin,
                format!(
                    "`{key}` is a {name} distribution without `{p}`; a {name} needs {}",
                    quoted_list(required_params(name))
                ),
            )
        })
    };
    let dist = match name.as_str() {
        "fixed" => Dist::Fixed { value: need("value")? },
        "normal" => Dist::Normal { mean: need("mean")?, sd: need("sd")? },
        "lognormal" => match (get("mean")?, get("sd")?, get("mu")?, get("sigma")?) {
            (Some(mean), Some(sd), None, None) => {
                if !(mean > 0.0 && sd > 0.0) {
                    return Err(ScenarioError::new(
                        &node.origin,
                        format!("`{key}`: a lognormal's `mean` and `sd` must both be greater than 0 (they are {mean} and {sd})"),
                    ));
                }
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                Dist::LogNormal { mu: mean.ln() - sigma2 / 2.0, sigma: sigma2.sqrt() }
            }
            (None, None, Some(mu), Some(sigma)) => Dist::LogNormal { mu, sigma },
            _ => {
                return Err(ScenarioError::new(
                    &node.origin,
                    format!("`{key}` is a lognormal: give either `mean` and `sd` (of the variable) or `mu` and `sigma` (of its log), not a mix"),
                ))
            }
        },
        "student_t" => Dist::StudentT { df: need("df")?, location: get("location")?.unwrap_or(0.0), scale: get("scale")?.unwrap_or(1.0) },
        "uniform" => Dist::Uniform { min: need("min")?, max: need("max")? },
        "triangular" => Dist::Triangular { min: need("min")?, mode: need("mode")?, max: need("max")? },
        "pert" => Dist::Pert { min: need("min")?, mode: need("mode")?, max: need("max")?, lambda: get("lambda")?.unwrap_or(4.0) },
        "beta" => Dist::Beta {
            alpha: need("alpha")?,
            beta: need("beta")?,
            min: get("min")?.unwrap_or(0.0),
            max: get("max")?.unwrap_or(1.0),
        },
        "binomial" => Dist::Binomial {
            p: need("p")?,
            n: match optional_int(table, "n", key)? {
                None => None,
                Some((n, _)) if (0..=1_000_000_000_000).contains(&n) => Some(n as u64),
                Some((n, origin)) => {
                    return Err(ScenarioError::new(
                        &origin,
                        format!("`{key}.n` is {n}, but the number of candidates must be a whole number from 0 to 10^12"),
                    ))
                }
            },
        },
        "two_piece_normal" => Dist::TwoPieceNormal { mode: need("mode")?, sigma_left: need("sigma_left")?, sigma_right: need("sigma_right")? },
        _ => unreachable!("names matched above"),
    };
    dist.validate().map_err(|problem| {
        ScenarioError::new(
            &node.origin,
            format!("`{key}` ({name}): {problem}; correct the parameter"),
        )
    })?;
    let (lower, upper) = (get("lower")?, get("upper")?);
    if lower.is_none() && upper.is_none() {
        return Ok(dist);
    }
    let truncated = Dist::truncated(
        dist,
        lower.unwrap_or(f64::NEG_INFINITY),
        upper.unwrap_or(f64::INFINITY),
    );
    truncated.validate().map_err(|problem| {
        let at = table
            .get("lower")
            .or_else(|| table.get("upper"))
            .map(|n| n.origin.clone())
            .unwrap_or_else(|| node.origin.clone());
        ScenarioError::new(&at, format!("`{key}` ({name}): {problem}"))
    })?;
    Ok(truncated)
}

fn required_params(name: &str) -> &'static [&'static str] {
    match name {
        "fixed" => &["value"],
        "normal" => &["mean", "sd"],
        "lognormal" => &["mean", "sd"],
        "student_t" => &["df"],
        "uniform" => &["min", "max"],
        "triangular" | "pert" => &["min", "mode", "max"],
        "beta" => &["alpha", "beta"],
        "binomial" => &["p"],
        _ => &["mode", "sigma_left", "sigma_right"],
    }
}

fn example(key: &str) -> &'static str {
    match key {
        "base" => "{ value = 100, source = \"assumption: …\" }",
        "mean_growth" => "0.05",
        _ => "…",
    }
}

// ---- small typed getters ------------------------------------------------------

fn table_of<'a>(node: &'a Node, what: &str) -> Result<&'a Table> {
    match &node.value {
        Value::Table(t) => Ok(t),
        other => Err(ScenarioError::new(
            &node.origin,
            format!("{what} is {}, but must be a table", other.kind()),
        )),
    }
}

fn check_keys(table: &Table, allowed: &[&str], path: &str) -> Result<()> {
    for entry in &table.entries {
        if !allowed.contains(&entry.key.as_str()) {
            let full = if path.is_empty() {
                entry.key.clone()
            } else {
                format!("{path}.{}", entry.key)
            };
            return Err(ScenarioError::new(
                &entry.node.origin,
                format!(
                    "`{full}` is not a known key; {}",
                    suggestion(&entry.key, allowed)
                ),
            ));
        }
    }
    Ok(())
}

fn origin_of(table: &Table, key: &str, fallback: &Origin) -> Origin {
    table
        .get(key)
        .map(|n| n.origin.clone())
        .unwrap_or_else(|| fallback.clone())
}

fn type_error(node: &Node, key: &str, expected: &str) -> ScenarioError {
    ScenarioError::new(
        &node.origin,
        format!(
            "`{key}` is {}, but must be {expected}{}",
            node.value.kind(),
            fullwidth_note(node)
        ),
    )
}

/// "; full-width digit '５' at line 4; write it as 5" when a string value
/// holds full-width characters (a number typed with a Chinese input method),
/// else "".
fn fullwidth_note(node: &Node) -> String {
    let Value::Str(text) = &node.value else {
        return String::new();
    };
    let place = match &node.origin {
        Origin::File { line, .. } => format!("at line {line}"),
        _ => "in the value".to_string(),
    };
    super::error::fullwidth_hint(text, &place)
        .map(|hint| format!("; {hint}"))
        .unwrap_or_default()
}

fn number_of(node: &Node, key: &str) -> Result<f64> {
    let value = match &node.value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        // A `--set` value that TOML cannot read arrives as a bare string.
        Value::Str(text) if matches!(node.origin, Origin::Flag { .. }) => {
            let advice = match super::error::fullwidth_hint(text, "in the value") {
                Some(hint) => hint,
                None => format!("write a plain number, e.g. --set {key}=0.05"),
            };
            return Err(ScenarioError::new(
                &node.origin,
                format!("`{key}` must be a number, and `{text}` is not one; {advice}"),
            ));
        }
        _ => return Err(type_error(node, key, "a number")),
    };
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ScenarioError::new(
            &node.origin,
            format!("`{key}` is {value}; give a finite number"),
        ))
    }
}

/// A plain number or `{ value, source }`, never a distribution.
fn fixed_number(node: &Node, key: &str) -> Result<f64> {
    match &node.value {
        Value::Table(t) if t.get("dist").is_some() => Err(ScenarioError::new(
            &node.origin,
            format!("`{key}` must be a fixed number, not a distribution"),
        )),
        Value::Table(t) => {
            check_keys(t, &["value", "source"], key)?;
            let value = t.get("value").ok_or_else(|| {
                type_error(node, key, "a number or { value = …, source = \"…\" }")
            })?;
            number_of(value, key)
        }
        _ => number_of(node, key),
    }
}

fn optional_number(table: &Table, key: &str, path: &str) -> Result<Option<f64>> {
    table
        .get(key)
        .map(|n| number_of(n, &format!("{path}.{key}")))
        .transpose()
}

fn optional_int(table: &Table, key: &str, path: &str) -> Result<Option<(i64, Origin)>> {
    match table.get(key) {
        None => Ok(None),
        Some(Node {
            value: Value::Int(i),
            origin,
        }) => Ok(Some((*i, origin.clone()))),
        Some(node) => Err(type_error(node, &format!("{path}.{key}"), "a whole number")),
    }
}

fn optional_str(table: &Table, key: &str, path: &str) -> Result<Option<String>> {
    match table.get(key) {
        None => Ok(None),
        Some(Node {
            value: Value::Str(s),
            ..
        }) => Ok(Some(s.clone())),
        Some(node) => Err(type_error(
            node,
            &format!("{path}.{key}"),
            "a string in quotes",
        )),
    }
}

fn required_table<'a>(
    table: &'a Table,
    key: &str,
    path: &str,
    origin: &Origin,
) -> Result<&'a Table> {
    let full = if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    };
    match table.get(key) {
        Some(node) => table_of(node, &format!("`{full}`")),
        None => Err(ScenarioError::new(
            origin,
            format!(
                "the file has no [{full}] table; add it with at least name, base_year and end_year"
            ),
        )),
    }
}

fn required_str(table: &Table, key: &str, path: &str, origin: &Origin) -> Result<String> {
    optional_str(table, key, path)?.ok_or_else(|| {
        ScenarioError::new(
            origin,
            format!("`{path}` has no `{key}`; add {key} = \"…\""),
        )
    })
}

fn required_year(table: &Table, key: &str, path: &str, origin: &Origin) -> Result<i32> {
    match table.get(key) {
        Some(node) => year_of(node, &format!("{path}.{key}")),
        None => Err(ScenarioError::new(
            origin,
            format!("`{path}` has no `{key}`; add e.g. {key} = 2024"),
        )),
    }
}

fn year_of(node: &Node, key: &str) -> Result<i32> {
    match node.value {
        Value::Int(y) if (1900..=2200).contains(&y) => Ok(y as i32),
        Value::Int(y) => Err(ScenarioError::new(
            &node.origin,
            format!("`{key}` is {y}, which is not a plausible year (1900-2200)"),
        )),
        _ => Err(type_error(node, key, "a year such as 2024")),
    }
}

/// What a name is for: all share one alphabet; series, programme and target
/// names may not use `-` (they appear in dotted keys and metric names), and
/// series and programme names may not take a reserved metric prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Scenario,
    Series,
    Programme,
    Target,
}

/// What is wrong with `name` as a name of `kind`, if anything, as the part of
/// a message after the key: "the name `a b` must start with a lowercase
/// letter and use only a-z, 0-9 and _".
pub fn name_problem(name: &str, kind: NameKind) -> Option<String> {
    let dash = kind == NameKind::Scenario;
    let allowed = if dash {
        "a-z, 0-9, _ and -"
    } else {
        "a-z, 0-9 and _"
    };
    let valid = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && n.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (dash && c == '-')
            })
    };
    if name.is_empty() {
        return Some(format!(
            "the name is empty; give a name that starts with a lowercase letter and uses only {allowed}"
        ));
    }
    if !dash && name.contains('-') && valid(&name.replace('-', "_")) {
        return Some(format!("use _ instead of - in `{name}`"));
    }
    if !valid(name) {
        return Some(format!(
            "the name `{name}` must start with a lowercase letter and use only {allowed}"
        ));
    }
    if matches!(kind, NameKind::Series | NameKind::Programme) && RESERVED_NAMES.contains(&name) {
        return Some(format!(
            "`{name}` is reserved for the model's own metrics; choose another name"
        ));
    }
    None
}

fn check_name(name: &str, kind: NameKind, key: &str, origin: &Origin) -> Result<()> {
    match name_problem(name, kind) {
        Some(problem) => Err(ScenarioError::new(origin, format!("`{key}`: {problem}"))),
        None => Ok(()),
    }
}

/// The place to name for an error about a key: the `--set` flag when the
/// value came from one, else `fallback` (the entry's header).
fn flag_or(node: Option<&Node>, fallback: &Origin) -> Origin {
    match node {
        Some(n) if matches!(n.origin, Origin::Flag { .. }) => n.origin.clone(),
        _ => fallback.clone(),
    }
}
