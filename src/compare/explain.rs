//! `compare --explain`: which differing assumption did what. The two sets'
//! stored scenarios are compared key by key; every combination of the
//! differences is re-run on common random numbers (same seed and paths), and
//! each target's change in probability is split across the differences by
//! Shapley values, `φ_i = Σ_{S ∌ i} |S|!(k-|S|-1)!/k! (v(S ∪ {i}) - v(S))`,
//! which add up exactly to the total change. The one-at-a-time effect
//! `v({i}) - v(∅)` is reported beside it.

use super::{Error, ResultSet};
use crate::engine::RunConfig;
use crate::scenario::tree::{self, Node, Table, Value};
use crate::scenario::Origin;
use serde::Serialize;

/// Most differences attributed at once (2^k runs).
pub(crate) const MAX_DIFFERENCES: usize = 10;

/// One assumption that differs between the two scenarios.
#[derive(Clone, Debug)]
struct Difference {
    key: Vec<String>,
    /// The other scenario's value; `None` when it lacks the key.
    other: Option<Node>,
    /// For a group of differences under one table: its members (then `other` is unused).
    members: Vec<Difference>,
}

/// The attribution of every shared target's change.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub paths: u64,
    pub seed: u64,
    /// The differing assumptions, as dotted keys.
    pub assumptions: Vec<String>,
    pub targets: Vec<TargetAttribution>,
}

/// One target's change split across the assumptions.
#[derive(Clone, Debug, Serialize)]
pub struct TargetAttribution {
    pub name: String,
    pub label: String,
    /// Probabilities re-run at `paths` paths.
    pub base_probability: f64,
    pub other_probability: f64,
    pub total_change: f64,
    /// Per assumption, in the order of `assumptions`.
    pub one_at_a_time: Vec<f64>,
    pub shapley: Vec<f64>,
}

/// Attributes the change from `base` to `other` at `paths` paths.
pub fn explain(
    base: &ResultSet,
    other: &ResultSet,
    paths: u64,
    threads: Option<usize>,
) -> Result<Explanation, Error> {
    let parse = |set: &ResultSet| -> Result<Node, Error> {
        let text = set.scenario_toml.as_ref().ok_or_else(|| {
            Error::Input(format!(
                "--explain needs {}/scenario.toml, which is missing",
                set.dir.display()
            ))
        })?;
        tree::parse(text, &format!("{}/scenario.toml", set.dir.display()))
            .map_err(|e| Error::Input(e.to_string()))
    };
    let (base_tree, other_tree) = (parse(base)?, parse(other)?);
    let mut found = Vec::new();
    differences(&base_tree, &other_tree, &mut Vec::new(), &mut found);
    if found.is_empty() {
        return Err(Error::Input(
            "--explain found no differing assumption between the two scenarios (only names, titles, run settings or targets differ)".into(),
        ));
    }
    let seed = base.summary.run.seed;
    let config = RunConfig {
        paths,
        seed,
        threads,
    };
    // Leaf by leaf first; if some combination is not a valid scenario (shares
    // that must change together, say), whole tables at a time.
    let attempt = run_all_subsets(&base_tree, &found, &config);
    let (units, values) = match attempt {
        Ok(values) => (found, values),
        Err(_) => {
            let grouped = group_by_table(&found);
            let values = run_all_subsets(&base_tree, &grouped, &config)?;
            (grouped, values)
        }
    };
    let k = units.len();
    let names = &values[0].0;
    let targets = names
        .iter()
        .enumerate()
        .map(|(t, (name, label))| {
            let v = |subset: usize| values[subset].1[t];
            let full = (1 << k) - 1;
            TargetAttribution {
                name: name.clone(),
                label: label.clone(),
                base_probability: v(0),
                other_probability: v(full),
                total_change: v(full) - v(0),
                one_at_a_time: (0..k).map(|i| v(1 << i) - v(0)).collect(),
                shapley: (0..k).map(|i| shapley(k, i, &v)).collect(),
            }
        })
        .collect();
    Ok(Explanation {
        paths,
        seed,
        assumptions: units.iter().map(|d| d.key.join(".")).collect(),
        targets,
    })
}

/// Shapley value of player `i` among `k` with value function `v` over bitmasks.
pub(crate) fn shapley(k: usize, i: usize, v: &dyn Fn(usize) -> f64) -> f64 {
    let factorial = |n: usize| (1..=n).map(|x| x as f64).product::<f64>();
    let mut total = 0.0;
    for subset in 0..(1usize << k) {
        if subset & (1 << i) != 0 {
            continue;
        }
        let size = subset.count_ones() as usize;
        let weight = factorial(size) * factorial(k - size - 1) / factorial(k);
        total += weight * (v(subset | (1 << i)) - v(subset));
    }
    total
}

type TargetValues = (Vec<(String, String)>, Vec<f64>);

fn run_all_subsets(
    base: &Node,
    units: &[Difference],
    config: &RunConfig,
) -> Result<Vec<TargetValues>, Error> {
    if units.len() > MAX_DIFFERENCES {
        let keys: Vec<String> = units.iter().map(|d| d.key.join(".")).collect();
        return Err(Error::Input(format!(
            "the scenarios differ in {} assumptions ({}); --explain attributes at most {MAX_DIFFERENCES} (2^k runs); compare scenarios closer to each other",
            units.len(),
            keys.join(", ")
        )));
    }
    crate::progress::begin(1 << units.len(), "runs");
    (0..(1usize << units.len()))
        .map(|subset| {
            let mut variant = base.clone();
            for (i, unit) in units.iter().enumerate() {
                if subset & (1 << i) != 0 {
                    apply(&mut variant, unit);
                }
            }
            let scenario = crate::scenario::from_tree(variant).map_err(|e| {
                Error::Input(format!("a mix of the two scenarios is not valid ({e})"))
            })?;
            let summary =
                crate::simulate(&scenario, config).map_err(|e| Error::Failure(e.to_string()))?;
            crate::progress::advance(1);
            let names = summary
                .targets
                .iter()
                .map(|t| (t.name.clone(), t.label.clone()))
                .collect();
            let values = summary.targets.iter().map(|t| t.probability).collect();
            Ok((names, values))
        })
        .collect()
}

/// Keys whose values differ; scenario metadata, run settings and targets are not assumptions.
fn differences(base: &Node, other: &Node, prefix: &mut Vec<String>, found: &mut Vec<Difference>) {
    let (Value::Table(b), Value::Table(o)) = (&base.value, &other.value) else {
        return;
    };
    let top = prefix.is_empty();
    let skip = |key: &str| top && matches!(key, "scenario" | "run" | "target");
    let mut keys: Vec<&str> = b.entries.iter().map(|e| e.key.as_str()).collect();
    keys.extend(
        o.entries
            .iter()
            .map(|e| e.key.as_str())
            .filter(|k| b.get(k).is_none()),
    );
    for key in keys {
        if skip(key) {
            continue;
        }
        prefix.push(key.to_string());
        match (b.get(key), o.get(key)) {
            (Some(bn), Some(on)) if is_group(bn) && is_group(on) => {
                differences(bn, on, prefix, found)
            }
            (Some(bn), Some(on)) if same(bn, on) => {}
            (_, on) => found.push(Difference {
                key: prefix.clone(),
                other: on.cloned(),
                members: Vec::new(),
            }),
        }
        prefix.pop();
    }
}

fn is_group(node: &Node) -> bool {
    matches!(&node.value, Value::Table(t) if !t.is_value_table())
}

fn same(a: &Node, b: &Node) -> bool {
    let wrap = |n: &Node| Node {
        value: Value::Table(Table {
            entries: vec![tree::Entry {
                key: "v".into(),
                node: n.clone(),
            }],
        }),
        origin: n.origin.clone(),
    };
    tree::to_toml(&wrap(a)) == tree::to_toml(&wrap(b))
}

/// Groups differences by their first two key segments (`series.x`, `regime.shift`).
fn group_by_table(found: &[Difference]) -> Vec<Difference> {
    let mut grouped: Vec<Difference> = Vec::new();
    for d in found {
        let head: Vec<String> = d.key.iter().take(2).cloned().collect();
        match grouped.iter_mut().find(|g| g.key == head) {
            Some(group) => group.members.push(d.clone()),
            None => grouped.push(Difference {
                key: head,
                other: None,
                members: vec![d.clone()],
            }),
        }
    }
    grouped
}

/// Applies one difference to `root`: sets its key to the other scenario's
/// value (removes it when the other lacks it); a group applies each member.
fn apply(root: &mut Node, difference: &Difference) {
    if !difference.members.is_empty() {
        difference.members.iter().for_each(|m| apply(root, m));
        return;
    }
    let Some((last, parents)) = difference.key.split_last() else {
        return;
    };
    let mut current = root;
    for part in parents {
        let Value::Table(table) = &mut current.value else {
            return;
        };
        if table.get(part).is_none() {
            let empty = Node {
                value: Value::Table(Table::default()),
                origin: Origin::Default,
            };
            table.insert(part, empty);
        }
        let Some(next) = table.entries.iter_mut().find(|e| e.key == *part) else {
            return;
        };
        current = &mut next.node;
    }
    if let Value::Table(table) = &mut current.value {
        match &difference.other {
            Some(node) => table.insert(last, node.clone()),
            None => {
                table.remove(last);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_values_add_up_to_the_total() {
        // v(S) = 0.1 |S| + 0.05 if both 0 and 1 are in S (an interaction).
        let v = |s: usize| 0.1 * s.count_ones() as f64 + if s & 3 == 3 { 0.05 } else { 0.0 };
        let values: Vec<f64> = (0..3).map(|i| shapley(3, i, &v)).collect();
        assert!((values.iter().sum::<f64>() - v(7)).abs() < 1e-12);
        assert!((values[0] - 0.125).abs() < 1e-12 && (values[2] - 0.1).abs() < 1e-12);
    }
}
