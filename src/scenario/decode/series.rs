//! `[series.*]`, their `[series.*.link.*]` elasticities and `[gdp]`.

use super::*;

pub(super) const SERIES_KEYS: &[&str] = &[
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
pub(super) const GROWTH_LINK_KEYS: &[&str] = &["elasticity", "around", "source"];
pub(super) const GDP_KEYS: &[&str] = &["base", "growth_base"];
pub(super) fn decode_series(name: &str, node: &Node) -> Result<Series> {
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
pub(super) fn decode_link(to: &str, node: &Node, key: &str) -> Result<Link> {
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

pub(super) fn decode_gdp(node: &Node) -> Result<GdpTable> {
    let table = table_of(node, "`gdp`")?;
    check_keys(table, GDP_KEYS, "gdp")?;
    Ok(GdpTable {
        base: param(table, "base", "gdp", range::positive(), false)?,
        growth_base: param(table, "growth_base", "gdp", Interval::REAL, false)?,
        origin: node.origin.clone(),
    })
}

pub(super) fn example(key: &str) -> &'static str {
    match key {
        "base" => "{ value = 100, source = \"assumption: …\" }",
        "mean_growth" => "0.05",
        _ => "…",
    }
}

// ---- small typed getters ------------------------------------------------------
