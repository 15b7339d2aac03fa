//! From the merged tree to a typed [`Scenario`]: every key known, every value
//! of the right type, every distribution valid and inside its parameter's range.

use super::error::{quoted_list, suggestion, Origin, ScenarioError};
use super::tree::{to_toml, Node, Table, Value};
use super::*;
use crate::dist::Interval;

mod joint;
mod param;
mod plan;
mod read;
mod series;

use joint::*;
use param::*;
use plan::*;
use read::*;
pub(crate) use read::{name_problem, NameKind};
use series::*;

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
const PRICES_KEYS: &[&str] = &["inflation"];
/// Default `[run]` when a scenario gives none.
pub(crate) const DEFAULT_PATHS: u64 = 100_000;
pub(crate) const DEFAULT_SEED: u64 = 2024;
/// Types the whole tree.
pub(crate) fn decode(root: &Node) -> Result<Scenario> {
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
