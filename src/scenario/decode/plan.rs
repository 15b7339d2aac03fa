//! The plan's side: `[programme.*]` delivery programmes and `[[target]]`s.

use super::*;

pub(super) const PIPELINE_KEYS: &[&str] = &["programme", "source"];
pub(super) const PROGRAMME_KEYS: &[&str] = &[
    "label",
    "unit",
    "year",
    "planned",
    "delivery",
    "downturn_effect",
];
pub(super) const TARGET_KEYS: &[&str] = &[
    "name", "label", "metric", "year", "at_least", "at_most", "source",
];

pub(super) fn decode_programme(name: &str, node: &Node) -> Result<Programme> {
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

pub(super) fn decode_target(node: &Node) -> Result<Target> {
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
