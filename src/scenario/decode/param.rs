//! A parameter: a plain number or a `{ dist = "…", … }` table, decoded by
//! asking the distribution's [`Family`] and checked against the parameter's
//! valid range.

use super::*;
use crate::dist::{Dist, Family, FamilyError, FAMILIES};

/// The parameter `key` of `table` at `path`, if present.
pub(super) fn param(
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
pub(crate) fn param_from_node(
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

pub(super) fn dist_of(table: &Table, node: &Node, key: &str) -> Result<Dist> {
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
    let Some(family) = Family::named(name) else {
        let names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        return Err(ScenarioError::new(
            &name_node.origin,
            format!(
                "`{key}.dist` is `{name}`, which is not a distribution; {}",
                suggestion(name, &names).replace("valid keys here are", "the distributions are")
            ),
        ));
    };
    let bounds: &[&str] = if family.truncatable {
        &["lower", "upper"]
    } else {
        &[]
    };
    for bound in ["lower", "upper"] {
        if let (false, Some(b)) = (family.truncatable, table.get(bound)) {
            return Err(ScenarioError::new(
                &b.origin,
                format!("`{key}.{bound}`: a {name} cannot be truncated; bounds apply to continuous distributions (normal, pert, …)"),
            ));
        }
    }
    let allowed: Vec<&str> = family
        .params
        .iter()
        .chain(["dist", "source"].iter())
        .chain(bounds.iter())
        .copied()
        .collect();
    check_keys(table, &allowed, key)?;
    let get = |p: &str| -> Result<Option<f64>> { optional_number(table, p, key) };
    let mut given: Vec<(&str, f64)> = Vec::new();
    for &param in family.params {
        let value = if family.whole.contains(&param) {
            optional_int(table, param, key)?.map(|(n, _)| n as f64)
        } else {
            get(param)?
        };
        given.extend(value.map(|v| (param, v)));
    }
    let dist = family
        .build(&|p| given.iter().find(|(g, _)| *g == p).map(|(_, v)| *v))
        .map_err(|problem| {
            let (at, message) = match problem {
                FamilyError::Missing { param } => (
                    &node.origin,
                    format!(
                        "`{key}` is a {name} distribution without `{param}`; a {name} needs {}",
                        quoted_list(family.required)
                    ),
                ),
                FamilyError::LogNormalNotPositive { mean, sd } => (
                    &node.origin,
                    format!("`{key}`: a lognormal's `mean` and `sd` must both be greater than 0 (they are {mean} and {sd})"),
                ),
                FamilyError::LogNormalMix => (
                    &node.origin,
                    format!("`{key}` is a lognormal: give either `mean` and `sd` (of the variable) or `mu` and `sigma` (of its log), not a mix"),
                ),
                FamilyError::CountOutOfRange { param, value } => (
                    table.get(param).map_or(&node.origin, |n| &n.origin),
                    format!("`{key}.{param}` is {value}, but the number of candidates must be a whole number from 0 to 10^12"),
                ),
            };
            ScenarioError::new(at, message)
        })?;
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
