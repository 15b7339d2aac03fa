//! A TOML document as a tree whose every key and value remembers its file and
//! line, so that later checks can point at the exact place of a mistake.
//! `extends` merging and `--set` overrides work on this tree, before any
//! typing, and the resolved tree is what a result set stores as `scenario.toml`.

use super::error::{Origin, ScenarioError};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A value with the place it came from.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub value: Value,
    pub origin: Origin,
}

/// The TOML value kinds the scenario format uses.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    Table(Table),
    /// A TOML date or time: never valid in a scenario, kept to report it.
    Datetime(String),
}

impl Value {
    /// The kind's name for messages ("a string", "a table", …).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
            Value::Datetime(_) => "a date",
        }
    }
}

/// One `key = value` of a table.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub node: Node,
}

/// A table in file order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    /// The entry for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.node)
    }

    /// Sets `key`, keeping its position if it exists.
    pub(crate) fn insert(&mut self, key: &str, node: Node) {
        match self.get_mut(key) {
            Some(existing) => *existing = node,
            None => self.entries.push(Entry {
                key: key.to_string(),
                node,
            }),
        }
    }

    /// Removes `key`, returning its node.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Node> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(index).node)
    }

    /// Whether this table spells a single value (`{ value = … }` or `{ dist = … }`)
    /// rather than a group of keys: such a table is replaced whole by `extends`.
    pub(crate) fn is_value_table(&self) -> bool {
        self.get("dist").is_some() || self.get("value").is_some()
    }
}

/// Parses `text` (the file `path` as the user named it) into a tree.
pub(crate) fn parse(text: &str, path: &str) -> Result<Node, ScenarioError> {
    let lines = LineIndex::new(text);
    let file: Arc<str> = Arc::from(path);
    let root = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
        let origin = Origin::File {
            path: file.clone(),
            line,
        };
        let reason = e.message().trim().trim_end_matches('.').replace('\n', " ");
        // A full-width digit or punctuation mark (typed with a Chinese input
        // method) is the usual cause of an otherwise puzzling syntax error.
        let fix = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| {
                super::error::fullwidth_hint_outside_strings(l, &format!("at line {line}"))
            })
            .unwrap_or_else(|| "fix the syntax on that line".to_string());
        ScenarioError::new(&origin, format!("this is not valid TOML ({reason}); {fix}"))
    })?;
    let converter = Converter { lines, file };
    let origin = converter.origin(0);
    Ok(Node {
        value: Value::Table(converter.table(root.get_ref())?),
        origin,
    })
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}

struct Converter {
    lines: LineIndex,
    file: Arc<str>,
}

impl Converter {
    fn origin(&self, offset: usize) -> Origin {
        Origin::File {
            path: self.file.clone(),
            line: self.lines.line(offset),
        }
    }

    fn table(&self, table: &DeTable<'_>) -> Result<Table, ScenarioError> {
        let mut out = Table::default();
        for (key, value) in table.iter() {
            let origin = self.origin(key.span().start);
            out.entries.push(Entry {
                key: key.get_ref().to_string(),
                node: self.node(value, origin)?,
            });
        }
        Ok(out)
    }

    fn node(
        &self,
        value: &Spanned<DeValue<'_>>,
        key_origin: Origin,
    ) -> Result<Node, ScenarioError> {
        let origin = match value.get_ref() {
            // A table's place is its key's (its header); a scalar's is its own.
            DeValue::Table(_) => key_origin,
            _ => self.origin(value.span().start),
        };
        let converted = match value.get_ref() {
            DeValue::String(s) => Value::Str(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(v) => Value::Int(v),
                Err(_) => {
                    return Err(ScenarioError::new(
                        &origin,
                        format!(
                            "the integer {} does not fit in 64 bits; use a smaller number",
                            i.as_str()
                        ),
                    ))
                }
            },
            DeValue::Float(f) => {
                let text = f.as_str();
                let parsed = match text {
                    "inf" | "+inf" => Some(f64::INFINITY),
                    "-inf" => Some(f64::NEG_INFINITY),
                    _ if text.ends_with("nan") => Some(f64::NAN),
                    _ => text.parse::<f64>().ok(),
                };
                match parsed {
                    Some(v) => Value::Float(v),
                    None => {
                        return Err(ScenarioError::new(
                            &origin,
                            format!("`{text}` is not a number this program can read; write it as a plain decimal"),
                        ))
                    }
                }
            }
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::Datetime(d.to_string()),
            DeValue::Array(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for item in items.iter() {
                    let item_origin = self.origin(item.span().start);
                    nodes.push(self.node(item, item_origin)?);
                }
                Value::Array(nodes)
            }
            DeValue::Table(t) => Value::Table(self.table(t)?),
        };
        Ok(Node {
            value: converted,
            origin,
        })
    }
}

/// Merges `child` over `parent` (`extends`): tables key by key, the child
/// winning; a value table (`{ dist = … }`, `{ value = … }`) and any other
/// value replaced whole; arrays of named tables (`[[target]]`) merged by
/// `name`, a child entry replacing the parent's of that name, new ones appended.
pub(crate) fn merge(parent: Node, child: Node) -> Node {
    match (parent.value, child.value) {
        (Value::Table(mut base), Value::Table(over)) if !over.is_value_table() => {
            for entry in over.entries {
                let merged = match base.remove_keep_slot(&entry.key) {
                    Some((slot, old)) => {
                        base.entries[slot].node = merge(old, entry.node);
                        continue;
                    }
                    None => entry.node,
                };
                base.entries.push(Entry {
                    key: entry.key,
                    node: merged,
                });
            }
            Node {
                value: Value::Table(base),
                origin: child.origin,
            }
        }
        (Value::Array(base), Value::Array(over)) if all_named(&base) && all_named(&over) => {
            // A child entry replaces the parent's of its name; two child
            // entries of one name both stay, for the checks to refuse.
            let inherited = base.len();
            let mut merged = base;
            for item in over {
                let name = item_name(&item).map(str::to_string);
                let same = |m: &Node| item_name(m).map(str::to_string) == name;
                let repeated = merged[inherited..].iter().any(same);
                match merged[..inherited].iter().position(same) {
                    Some(i) if !repeated => merged[i] = item,
                    _ => merged.push(item),
                }
            }
            Node {
                value: Value::Array(merged),
                origin: child.origin,
            }
        }
        (_, value) => Node {
            value,
            origin: child.origin,
        },
    }
}

impl Table {
    /// Takes the node of `key` out (leaving a placeholder) and returns its slot.
    fn remove_keep_slot(&mut self, key: &str) -> Option<(usize, Node)> {
        let slot = self.entries.iter().position(|e| e.key == key)?;
        let placeholder = Node {
            value: Value::Bool(false),
            origin: Origin::Default,
        };
        Some((
            slot,
            std::mem::replace(&mut self.entries[slot].node, placeholder),
        ))
    }
}

fn item_name(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Table(t) => match t.get("name").map(|n| &n.value) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

fn all_named(items: &[Node]) -> bool {
    !items.is_empty() && items.iter().all(|i| item_name(i).is_some())
}

/// Applies one `--set KEY=VALUE` to the tree. `KEY` is a dotted path; an
/// element of an array of named tables is addressed by its `name`
/// (`target.gdp_growth_2024.at_least`). `VALUE` is read as TOML (a number, a
/// boolean, a quoted string, an inline table), or else as a bare string.
pub(crate) fn apply_set(root: &mut Node, assignment: &str) -> Result<(), ScenarioError> {
    let origin = Origin::Flag {
        text: Arc::from(assignment),
    };
    let Some((path, raw_value)) = assignment.split_once('=') else {
        return Err(ScenarioError::new(
            &origin,
            "is not of the form KEY=VALUE; write e.g. --set series.digital_economy.mean_growth=0.13",
        ));
    };
    let path = path.trim();
    let segments: Vec<&str> = path.split('.').map(str::trim).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(ScenarioError::new(
            &origin,
            format!("`{path}` is not a dotted key; write e.g. series.digital_economy.mean_growth"),
        ));
    }
    let value = parse_flag_value(raw_value.trim(), &origin);
    let mut current = root;
    for (depth, segment) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let walked = segments[..depth].join(".");
        current = match &mut current.value {
            Value::Table(table) => {
                if last {
                    table.insert(segment, value);
                    return Ok(());
                }
                if table.get(segment).is_none() {
                    table.insert(
                        segment,
                        Node {
                            value: Value::Table(Table::default()),
                            origin: origin.clone(),
                        },
                    );
                }
                match table.get_mut(segment) {
                    Some(next) => next,
                    None => return Ok(()),
                }
            }
            Value::Array(items) => {
                if !all_named(items) {
                    return Err(ScenarioError::new(
                        &origin,
                        format!("`{walked}` is an array, not a table, so `{path}` cannot be set; set `{walked}` itself"),
                    ));
                }
                let Some(position) = items.iter().position(|i| item_name(i) == Some(segment)) else {
                    let names: Vec<&str> = items.iter().filter_map(item_name).collect();
                    return Err(ScenarioError::new(
                        &origin,
                        format!(
                            "`{walked}` has no entry named `{segment}`; {}",
                            super::error::suggestion(segment, &names).replace("valid keys here are", "its names are")
                        ),
                    ));
                };
                if last {
                    return Err(ScenarioError::new(
                        &origin,
                        format!("`{path}` names a whole entry of `{walked}`; set one of its keys instead, e.g. {path}.label=…"),
                    ));
                }
                &mut items[position]
            }
            other => {
                return Err(ScenarioError::new(
                    &origin,
                    format!("`{walked}` is {}, not a table, so `{path}` cannot be set; set `{walked}` itself", other.kind()),
                ))
            }
        };
    }
    Ok(())
}

fn parse_flag_value(raw: &str, origin: &Origin) -> Node {
    let converter = Converter {
        lines: LineIndex::new(raw),
        file: Arc::from("--set"),
    };
    let parsed = DeValue::parse(raw)
        .ok()
        .and_then(|v| converter.node(&v, origin.clone()).ok());
    let mut node = parsed.unwrap_or(Node {
        value: Value::Str(raw.to_string()),
        origin: origin.clone(),
    });
    relabel(&mut node, origin);
    node
}

fn relabel(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.value {
        Value::Table(t) => t
            .entries
            .iter_mut()
            .for_each(|e| relabel(&mut e.node, origin)),
        Value::Array(items) => items.iter_mut().for_each(|i| relabel(i, origin)),
        _ => {}
    }
}

/// The tree as TOML text (the resolved scenario a result set stores).
pub(crate) fn to_toml(root: &Node) -> String {
    let value = to_toml_value(root);
    match value {
        toml::Value::Table(table) => toml::to_string(&table).unwrap_or_default(),
        _ => String::new(),
    }
}

fn to_toml_value(node: &Node) -> toml::Value {
    match &node.value {
        Value::Str(s) => toml::Value::String(s.clone()),
        Value::Int(i) => toml::Value::Integer(*i),
        Value::Float(f) => toml::Value::Float(*f),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Datetime(d) => toml::Value::String(d.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().map(to_toml_value).collect()),
        Value::Table(t) => toml::Value::Table(
            t.entries
                .iter()
                .map(|e| (e.key.clone(), to_toml_value(&e.node)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(node: &Node) -> &Table {
        match &node.value {
            Value::Table(t) => t,
            _ => panic!("not a table"),
        }
    }

    #[test]
    fn keys_know_their_lines() {
        let root = parse("[a]\nx = 1\n\n[b]\ny = { dist = \"normal\" }\n", "f.toml").unwrap();
        let b = table(&root).get("b").unwrap();
        let y = table(b).get("y").unwrap();
        assert_eq!(y.origin.to_string(), "f.toml:5");
        assert_eq!(
            table(table(&root).get("a").unwrap())
                .get("x")
                .unwrap()
                .origin
                .to_string(),
            "f.toml:2"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse("[a]\nx = = 1\n", "bad.toml").unwrap_err();
        assert!(err.to_string().starts_with("bad.toml:2:"), "{err}");
    }

    #[test]
    fn full_width_digits_are_named_in_syntax_errors() {
        let err = parse("[a]\nlabel = \"甲，乙\"\nx = ５\n", "w.toml").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("w.toml:3: this is not valid TOML ("),
            "{text}"
        );
        assert!(
            text.ends_with("; full-width digit '５' at line 3; write it as 5"),
            "{text}"
        );
        let err = parse("[a]\nx = 0．05\n", "w.toml").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("full-width character '．' at line 2; write it as ."),
            "{err}"
        );
    }

    #[test]
    fn merge_replaces_value_tables_whole_and_targets_by_name() {
        let parent = parse(
            "[s]\nm = { dist = \"uniform\", min = 0, max = 1 }\nk = 1\n[[target]]\nname = \"a\"\nv = 1\n[[target]]\nname = \"b\"\nv = 2\n",
            "p.toml",
        )
        .unwrap();
        let child = parse("[s]\nm = { dist = \"normal\", mean = 0, sd = 1 }\n[[target]]\nname = \"b\"\nv = 3\n[[target]]\nname = \"c\"\nv = 4\n", "c.toml").unwrap();
        let merged = merge(parent, child);
        let text = to_toml(&merged);
        assert!(!text.contains("min"), "{text}");
        assert!(text.contains("k = 1"));
        let targets = match &table(&merged).get("target").unwrap().value {
            Value::Array(items) => items.len(),
            _ => 0,
        };
        assert_eq!(targets, 3);
    }

    #[test]
    fn set_reaches_named_array_entries_and_reads_toml_values() {
        let mut root = parse(
            "[[target]]\nname = \"g\"\nat_least = 0.05\n[scenario]\ntitle = \"x\"\n",
            "f.toml",
        )
        .unwrap();
        apply_set(&mut root, "target.g.at_least=0.06").unwrap();
        apply_set(&mut root, "scenario.title=A new title").unwrap();
        let text = to_toml(&root);
        assert!(text.contains("at_least = 0.06"), "{text}");
        assert!(text.contains("title = \"A new title\""), "{text}");
        assert!(apply_set(&mut root, "scenario.title.x=1").is_err());
        assert!(apply_set(&mut root, "nonsense").is_err());
    }
}
