//! The typed getters every part of the decoder reads the tree with: a key's
//! number, integer, year, string or table, with the error that names the
//! file, line and key when it is absent or of the wrong type; the check that a
//! table holds only known keys; and the rules for series and programme names.

use super::*;

pub(super) fn table_of<'a>(node: &'a Node, what: &str) -> Result<&'a Table> {
    match &node.value {
        Value::Table(t) => Ok(t),
        other => Err(ScenarioError::new(
            &node.origin,
            format!("{what} is {}, but must be a table", other.kind()),
        )),
    }
}

pub(super) fn check_keys(table: &Table, allowed: &[&str], path: &str) -> Result<()> {
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

pub(super) fn origin_of(table: &Table, key: &str, fallback: &Origin) -> Origin {
    table
        .get(key)
        .map(|n| n.origin.clone())
        .unwrap_or_else(|| fallback.clone())
}

pub(super) fn type_error(node: &Node, key: &str, expected: &str) -> ScenarioError {
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
pub(super) fn fullwidth_note(node: &Node) -> String {
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

pub(super) fn number_of(node: &Node, key: &str) -> Result<f64> {
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
pub(super) fn fixed_number(node: &Node, key: &str) -> Result<f64> {
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

pub(super) fn optional_number(table: &Table, key: &str, path: &str) -> Result<Option<f64>> {
    table
        .get(key)
        .map(|n| number_of(n, &format!("{path}.{key}")))
        .transpose()
}

pub(super) fn optional_int(table: &Table, key: &str, path: &str) -> Result<Option<(i64, Origin)>> {
    match table.get(key) {
        None => Ok(None),
        Some(Node {
            value: Value::Int(i),
            origin,
        }) => Ok(Some((*i, origin.clone()))),
        Some(node) => Err(type_error(node, &format!("{path}.{key}"), "a whole number")),
    }
}

pub(super) fn optional_str(table: &Table, key: &str, path: &str) -> Result<Option<String>> {
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

pub(super) fn required_table<'a>(
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

pub(super) fn required_str(
    table: &Table,
    key: &str,
    path: &str,
    origin: &Origin,
) -> Result<String> {
    optional_str(table, key, path)?.ok_or_else(|| {
        ScenarioError::new(
            origin,
            format!("`{path}` has no `{key}`; add {key} = \"…\""),
        )
    })
}

pub(super) fn required_year(table: &Table, key: &str, path: &str, origin: &Origin) -> Result<i32> {
    match table.get(key) {
        Some(node) => year_of(node, &format!("{path}.{key}")),
        None => Err(ScenarioError::new(
            origin,
            format!("`{path}` has no `{key}`; add e.g. {key} = 2024"),
        )),
    }
}

pub(super) fn year_of(node: &Node, key: &str) -> Result<i32> {
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
pub(crate) enum NameKind {
    Scenario,
    Series,
    Programme,
    Target,
}

/// What is wrong with `name` as a name of `kind`, if anything, as the part of
/// a message after the key: "the name `a b` must start with a lowercase
/// letter and use only a-z, 0-9 and _".
pub(crate) fn name_problem(name: &str, kind: NameKind) -> Option<String> {
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

pub(super) fn check_name(name: &str, kind: NameKind, key: &str, origin: &Origin) -> Result<()> {
    match name_problem(name, kind) {
        Some(problem) => Err(ScenarioError::new(origin, format!("`{key}`: {problem}"))),
        None => Ok(()),
    }
}

/// The place to name for an error about a key: the `--set` flag when the
/// value came from one, else `fallback` (the entry's header).
pub(super) fn flag_or(node: Option<&Node>, fallback: &Origin) -> Origin {
    match node {
        Some(n) if matches!(n.origin, Origin::Flag { .. }) => n.origin.clone(),
        _ => fallback.clone(),
    }
}

/// Names a series or programme may not take: they are metric prefixes.
pub(super) const RESERVED_NAMES: &[&str] = &["gdp", "prices", "regime"];

/// Valid ranges of the parameters (docs/model.md, "Parameter uncertainty"); growth-like parameters are
/// unbounded here and clamped at run time (counted in `diagnostics`).
pub(crate) mod range {
    use crate::dist::Interval;
    /// Levels and planned quantities: positive, and below 10^12 so that a
    /// century of growth stays a finite number.
    pub(crate) fn positive() -> Interval {
        Interval::open_closed(0.0, 1e12)
    }
    pub(crate) fn non_negative() -> Interval {
        Interval::closed(0.0, f64::INFINITY)
    }
    pub(crate) fn persistence() -> Interval {
        Interval::closed_open(0.0, 1.0)
    }
    pub(crate) fn probability() -> Interval {
        Interval::closed(0.0, 1.0)
    }
    pub(crate) fn downturn_effect() -> Interval {
        Interval::closed(-1.0, f64::INFINITY)
    }
}
