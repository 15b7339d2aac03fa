//! What ties paths together: `[execution]` (programmes' common delivery
//! factor), `[correlation]` (the industries' shocks) and `[regime]` (downturn
//! years).

use super::*;

pub(super) const EXECUTION_KEYS: &[&str] = &["correlation", "programmes"];
pub(super) const CORRELATION_KEYS: &[&str] = &["series", "matrix", "marginal", "df"];
pub(super) const REGIME_KEYS: &[&str] = &[
    "downturn_probability",
    "recovery_probability",
    "shift",
    "initial",
    "force",
];
pub(super) fn decode_execution(node: &Node) -> Result<Execution> {
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

pub(super) fn decode_correlation(node: &Node) -> Result<Correlation> {
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

pub(super) fn decode_regime(node: &Node) -> Result<Regime> {
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
