//! Checks that span several tables: the horizon, GDP shares, the link graph,
//! the correlation matrix, regime shifts, programme years and targets.

use super::error::{suggestion, Origin, ScenarioError};
use super::metrics::catalogue;
use super::{plain_number, Scenario};
use nalgebra::DMatrix;

type Result<T> = std::result::Result<T, ScenarioError>;

/// Longest horizon accepted, in years.
pub(crate) const MAX_HORIZON_YEARS: i32 = 100;
/// Tolerance on matrix symmetry and unit diagonals.
const TOLERANCE: f64 = 1e-6;
/// Tolerance on the sum of GDP shares (docs/model.md, "GDP and prices").
const SHARE_TOLERANCE: f64 = 1e-9;

/// All cross-table checks, in the order a reader would fix them.
pub(crate) fn check(s: &Scenario) -> Result<()> {
    check_horizon(s)?;
    check_shares(s)?;
    check_links(s)?;
    check_correlation(s)?;
    check_regime(s)?;
    check_force(s)?;
    check_programmes(s)?;
    check_pipelines(s)?;
    check_execution(s)?;
    check_targets(s)
}

fn check_horizon(s: &Scenario) -> Result<()> {
    let horizon = s.end_year - s.base_year;
    if !(1..=MAX_HORIZON_YEARS).contains(&horizon) {
        return Err(ScenarioError::new(
            &s.end_year_origin,
            format!(
                "`scenario.end_year` ({}) must be 1 to {MAX_HORIZON_YEARS} years after `scenario.base_year` ({}); the horizon is simulated year by year",
                s.end_year, s.base_year
            ),
        ));
    }
    Ok(())
}

fn check_shares(s: &Scenario) -> Result<()> {
    let shared: Vec<_> = s.series.iter().filter(|x| x.gdp_share.is_some()).collect();
    if shared.is_empty() {
        if let Some(g) = &s.gdp {
            return Err(ScenarioError::new(
                &g.origin,
                "the scenario has a [gdp] table but no series with a `gdp_share`, so there is no GDP; give the series that make up GDP their shares, or remove [gdp]",
            ));
        }
        return Ok(());
    }
    let total: f64 = shared.iter().filter_map(|x| x.gdp_share).sum();
    if (total - 1.0).abs() > SHARE_TOLERANCE {
        let parts: Vec<String> = shared
            .iter()
            .map(|x| format!("{} {}", x.name, x.gdp_share.unwrap_or(0.0)))
            .collect();
        let origins: Vec<&Origin> = shared.iter().map(|x| &x.gdp_share_origin).collect();
        return Err(ScenarioError::new(
            &s.most_direct(&origins),
            format!(
                "the `gdp_share`s sum to {total:.6}, not 1 ({}); adjust them, or give a series such as `other_sectors` the rest",
                parts.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Index of a node of the link graph: series by position, then `gdp`, then `prices`.
fn node_name(s: &Scenario, index: usize) -> &str {
    match s.series.get(index) {
        Some(x) => x.name.as_str(),
        None if index == s.series.len() => "gdp",
        None => "prices",
    }
}

/// The dependencies of each node of the link graph (series by position,
/// `gdp` at the series count, `prices` after it): a series on the nodes it
/// links to, `gdp` on the series with a share, `prices` on nothing.
pub(crate) fn dependencies(s: &Scenario) -> Vec<Vec<usize>> {
    let gdp = s.series.len();
    let index_of = |name: &str| match name {
        "gdp" => Some(gdp),
        "prices" => Some(gdp + 1),
        _ => s.series.iter().position(|x| x.name == name),
    };
    let mut deps: Vec<Vec<usize>> = s
        .series
        .iter()
        .map(|x| x.links.iter().filter_map(|l| index_of(&l.to)).collect())
        .collect();
    deps.push(
        s.series
            .iter()
            .enumerate()
            .filter(|(_, x)| x.gdp_share.is_some())
            .map(|(i, _)| i)
            .collect(),
    );
    deps.push(Vec::new());
    deps
}

/// Nodes in evaluation order (dependencies first, file order among equals),
/// or the first cycle found, as node indices.
pub(crate) fn evaluation_order(deps: &[Vec<usize>]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: usize,
        deps: &[Vec<usize>],
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> std::result::Result<(), Vec<usize>> {
        match marks[n] {
            Mark::Done => return Ok(()),
            Mark::Open => {
                let start = stack.iter().position(|&x| x == n).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(n);
                return Err(cycle);
            }
            Mark::New => {}
        }
        marks[n] = Mark::Open;
        stack.push(n);
        for &d in &deps[n] {
            visit(d, deps, marks, stack, order)?;
        }
        stack.pop();
        marks[n] = Mark::Done;
        order.push(n);
        Ok(())
    }
    let mut marks = vec![Mark::New; deps.len()];
    let mut order = Vec::with_capacity(deps.len());
    for n in 0..deps.len() {
        visit(n, deps, &mut marks, &mut Vec::new(), &mut order)?;
    }
    Ok(order)
}

fn check_links(s: &Scenario) -> Result<()> {
    let has_gdp = s.series.iter().any(|x| x.gdp_share.is_some());
    let mut names: Vec<&str> = s.series.iter().map(|x| x.name.as_str()).collect();
    if has_gdp {
        names.push("gdp");
    }
    if s.inflation.is_some() {
        names.push("prices");
    }
    for series in &s.series {
        for (i, link) in series.links.iter().enumerate() {
            let to = &link.to;
            let key = link.elasticity.key.trim_end_matches(".elasticity");
            let origin = &link.elasticity.origin;
            if to == &series.name {
                return Err(ScenarioError::new(
                    origin,
                    format!("`{key}` links series `{to}` to itself; a same-year link needs another series, `gdp` or `prices`"),
                ));
            }
            if series.links[..i].iter().any(|l| l.to == *to) {
                return Err(ScenarioError::new(
                    origin,
                    format!(
                        "`{key}`: series `{}` links to `{to}` twice; keep one link",
                        series.name
                    ),
                ));
            }
            if to == "gdp" && has_gdp && series.gdp_share.is_some() {
                return Err(ScenarioError::new(
                    origin,
                    format!("`{key}`: `{}` has a `gdp_share`, so it is part of GDP and cannot link to `gdp` (a loop within the year); link it to other series or to `prices`", series.name),
                ));
            }
            if !names.contains(&to.as_str()) {
                let hint = match to.as_str() {
                    "gdp" => "no series has a `gdp_share`, so there is no GDP to link to".to_string(),
                    "prices" => "the scenario has no [prices] table; add one with `inflation`, or remove the link".to_string(),
                    _ => suggestion(to, &names).replace("valid keys here are", "the nodes are"),
                };
                return Err(ScenarioError::new(
                    origin,
                    format!(
                        "`{key}` links to `{to}`, which is not a series of this scenario; {hint}"
                    ),
                ));
            }
        }
    }
    let deps = dependencies(s);
    if let Err(cycle) = evaluation_order(&deps) {
        let named: Vec<&str> = cycle.iter().map(|&i| node_name(s, i)).collect();
        let first = cycle
            .first()
            .and_then(|&i| s.series.get(i))
            .map(|x| x.origin.clone())
            .unwrap_or(Origin::Default);
        return Err(ScenarioError::new(
            &first,
            format!(
                "the links form a cycle ({}); same-year links must not loop: remove one of these links (a series with a `gdp_share` cannot link to `gdp`)",
                named.join(" → ")
            ),
        ));
    }
    Ok(())
}

/// The nearest valid matrix when the scenario's correlation matrix is square,
/// names known series, and is not symmetric, unit-diagonal or positive
/// definite; `None` when it is valid or cannot be repaired (wrong shape or names).
pub(crate) fn repair_correlation(
    s: &Scenario,
) -> Option<crate::stats::nearest_correlation::Repair> {
    let c = s.correlation.as_ref()?;
    let n = c.series.len();
    let known = c
        .series
        .iter()
        .all(|name| s.series.iter().any(|x| x.name == *name));
    if !known || c.matrix.len() != n || c.matrix.iter().any(|row| row.len() != n) {
        return None;
    }
    if check_correlation(s).is_ok() {
        return None;
    }
    let matrix = DMatrix::from_fn(n, n, |i, j| c.matrix[i][j].clamp(-1.0, 1.0));
    Some(crate::stats::nearest_correlation::nearest_correlation(
        &matrix,
    ))
}

fn check_correlation(s: &Scenario) -> Result<()> {
    check_correlation_shape(s)?;
    check_correlation_values(s).map_err(|e| ScenarioError {
        message: format!(
            "{}; or pass --repair-correlation to use the nearest valid correlation matrix",
            e.message.trim_end_matches('.')
        ),
        ..e
    })
}

fn check_correlation_shape(s: &Scenario) -> Result<()> {
    let Some(c) = &s.correlation else {
        return Ok(());
    };
    let known: Vec<&str> = s.series.iter().map(|x| x.name.as_str()).collect();
    for (i, name) in c.series.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            return Err(ScenarioError::new(
                &c.origin,
                format!(
                    "`correlation.series` names `{name}`, which is not a series; {}",
                    suggestion(name, &known).replace("valid keys here are", "the series are")
                ),
            ));
        }
        if c.series[..i].contains(name) {
            return Err(ScenarioError::new(
                &c.origin,
                format!("`correlation.series` names `{name}` twice; list each series once"),
            ));
        }
    }
    let n = c.series.len();
    if c.matrix.len() != n || c.matrix.iter().any(|row| row.len() != n) {
        return Err(ScenarioError::new(
            &c.origin,
            format!("`correlation.matrix` must have {n} rows of {n} numbers, one per series in `correlation.series`"),
        ));
    }
    Ok(())
}

fn check_correlation_values(s: &Scenario) -> Result<()> {
    let Some(c) = &s.correlation else {
        return Ok(());
    };
    let n = c.series.len();
    for i in 0..n {
        if (c.matrix[i][i] - 1.0).abs() > TOLERANCE {
            return Err(ScenarioError::new(
                &c.origin,
                format!("`correlation.matrix` has {} on its diagonal at `{}`; a correlation matrix has 1 on the diagonal", c.matrix[i][i], c.series[i]),
            ));
        }
        for j in 0..n {
            let v = c.matrix[i][j];
            if !(-1.0..=1.0).contains(&v) {
                return Err(ScenarioError::new(
                    &c.origin,
                    format!("`correlation.matrix` has {v} for `{}` and `{}`; correlations lie in [-1, 1]", c.series[i], c.series[j]),
                ));
            }
            if (v - c.matrix[j][i]).abs() > TOLERANCE {
                return Err(ScenarioError::new(
                    &c.origin,
                    format!(
                        "`correlation.matrix` is not symmetric: {} for (`{}`, `{}`) but {} for (`{}`, `{}`); make the two equal",
                        v, c.series[i], c.series[j], c.matrix[j][i], c.series[j], c.series[i]
                    ),
                ));
            }
        }
    }
    let matrix = DMatrix::from_fn(n, n, |i, j| c.matrix[i][j]);
    let smallest = matrix
        .symmetric_eigenvalues()
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    if smallest <= 1e-10 || matrix.cholesky().is_none() {
        return Err(ScenarioError::new(
            &c.origin,
            format!(
                "`correlation.matrix` is not positive definite (smallest eigenvalue {smallest:.6}); these correlations cannot hold together: weaken the largest ones"
            ),
        ));
    }
    Ok(())
}

fn check_regime(s: &Scenario) -> Result<()> {
    let Some(r) = &s.regime else { return Ok(()) };
    let known: Vec<&str> = s.series.iter().map(|x| x.name.as_str()).collect();
    for (name, p) in &r.shift {
        if !known.contains(&name.as_str()) {
            return Err(ScenarioError::new(
                &p.origin,
                format!(
                    "`{}` names `{name}`, which is not a series; {}",
                    p.key,
                    suggestion(name, &known).replace("valid keys here are", "the series are")
                ),
            ));
        }
    }
    Ok(())
}

fn check_force(s: &Scenario) -> Result<()> {
    let Some(r) = &s.regime else { return Ok(()) };
    for (year, _, origin) in &r.force {
        if *year <= s.base_year || *year > s.end_year {
            return Err(ScenarioError::new(
                origin,
                format!(
                    "`regime.force.{year}` forces a year outside the simulated years {}-{}; force a year in that range",
                    s.base_year + 1,
                    s.end_year
                ),
            ));
        }
    }
    Ok(())
}

/// Programmes in the order a path evaluates them: each pipeline after the
/// programme that feeds it, file order among equals; or the first cycle.
pub(crate) fn programme_order(s: &Scenario) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let deps: Vec<Vec<usize>> = s
        .programmes
        .iter()
        .map(|p| {
            p.planned_from
                .iter()
                .filter_map(|(from, _)| s.programmes.iter().position(|q| q.name == *from))
                .collect()
        })
        .collect();
    evaluation_order(&deps)
}

fn check_pipelines(s: &Scenario) -> Result<()> {
    let names: Vec<&str> = s.programmes.iter().map(|p| p.name.as_str()).collect();
    for p in &s.programmes {
        let Some((from, origin)) = &p.planned_from else {
            continue;
        };
        let Some(source) = s.programmes.iter().find(|q| q.name == *from) else {
            return Err(ScenarioError::new(
                origin,
                format!(
                    "`programme.{}.planned` takes its plan from programme `{from}`, which does not exist; {}",
                    p.name,
                    suggestion(from, &names).replace("valid keys here are", "the programmes are")
                ),
            ));
        };
        if source.year > p.year {
            return Err(ScenarioError::new(
                origin,
                format!(
                    "`programme.{}.planned` takes its plan from `{from}` of {}, a later year than its own {}; a pipeline reads what was delivered in the same or an earlier year",
                    p.name, source.year, p.year
                ),
            ));
        }
    }
    if let Err(cycle) = programme_order(s) {
        let named: Vec<&str> = cycle
            .iter()
            .map(|&i| s.programmes[i].name.as_str())
            .collect();
        let origin = cycle
            .first()
            .and_then(|&i| s.programmes[i].planned_from.as_ref())
            .map(|(_, o)| o.clone())
            .unwrap_or(Origin::Default);
        return Err(ScenarioError::new(
            &origin,
            format!(
                "the programmes' plans form a cycle ({}); a pipeline cannot feed itself: give one of them a planned number",
                named.join(" → ")
            ),
        ));
    }
    Ok(())
}

fn check_execution(s: &Scenario) -> Result<()> {
    let Some(e) = &s.execution else { return Ok(()) };
    let names: Vec<&str> = s.programmes.iter().map(|p| p.name.as_str()).collect();
    for (i, name) in e.programmes.iter().enumerate() {
        if !names.contains(&name.as_str()) {
            return Err(ScenarioError::new(
                &e.origin,
                format!(
                    "`execution.programmes` names `{name}`, which is not a programme; {}",
                    suggestion(name, &names).replace("valid keys here are", "the programmes are")
                ),
            ));
        }
        if e.programmes[..i].contains(name) {
            return Err(ScenarioError::new(
                &e.origin,
                format!("`execution.programmes` names `{name}` twice; list each programme once"),
            ));
        }
    }
    Ok(())
}

fn check_programmes(s: &Scenario) -> Result<()> {
    for p in &s.programmes {
        if s.series.iter().any(|x| x.name == p.name) {
            return Err(ScenarioError::new(
                &p.origin,
                format!(
                    "`programme.{0}` has the name of a series; rename one of the two `{0}`",
                    p.name
                ),
            ));
        }
        if p.year <= s.base_year || p.year > s.end_year {
            return Err(ScenarioError::new(
                &p.year_origin,
                format!("`programme.{}.year` is {}, outside the simulated years {}-{}; use a year in that range", p.name, p.year, s.base_year + 1, s.end_year),
            ));
        }
    }
    Ok(())
}

fn check_targets(s: &Scenario) -> Result<()> {
    let metrics = catalogue(s);
    let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    for (i, t) in s.targets.iter().enumerate() {
        if s.targets[..i].iter().any(|o| o.name == t.name) {
            return Err(ScenarioError::new(
                &t.origin,
                format!(
                    "two targets are named `{}`; give each target its own name",
                    t.name
                ),
            ));
        }
        let Some(metric) = metrics.iter().find(|m| m.name == t.metric) else {
            return Err(ScenarioError::new(
                &t.metric_origin,
                format!(
                    "`target.{}.metric` is `{}`, which this scenario does not produce; {}",
                    t.name,
                    t.metric,
                    suggestion(&t.metric, &names).replace("valid keys here are", "its metrics are")
                ),
            ));
        };
        if !metric.years.contains(&t.year) {
            // The flag that moved the year or the metric, else the entry.
            let origins = [&t.year_origin, &t.metric_origin];
            let origin = origins
                .iter()
                .find(|o| matches!(o, Origin::Flag { .. }))
                .map(|o| (*o).clone())
                .unwrap_or_else(|| t.origin.clone());
            return Err(ScenarioError::new(
                &origin,
                format!(
                    "`target.{}.year` is {}, but `{}` exists only for {}-{}; use a year in that range",
                    t.name,
                    t.year,
                    t.metric,
                    metric.years.start(),
                    metric.years.end()
                ),
            ));
        }
    }
    Ok(())
}

/// Warnings about a scenario that loads but is probably not what its author
/// meant, one sentence each: a target on a ratio (growth, inflation) whose
/// threshold exceeds 1 in absolute value, i.e. a growth target written in
/// percent (`at_least = 5` for 5 %). A programme's delivery ratio may well
/// exceed 1 (over-delivery), so it is warned about only above 2.
pub(crate) fn warnings(s: &Scenario) -> Vec<String> {
    let metrics = catalogue(s);
    let mut out = Vec::new();
    for t in &s.targets {
        let Some(metric) = metrics.iter().find(|m| m.name == t.metric) else {
            continue;
        };
        if metric.unit != super::metrics::RATIO {
            continue;
        }
        let (key, value) = (t.bound.key(), t.bound.threshold());
        let delivery = s
            .programmes
            .iter()
            .any(|p| t.metric == format!("{}.ratio", p.name));
        let limit = if delivery { 2.0 } else { 1.0 };
        if value.abs() <= limit {
            continue;
        }
        let percent = plain_number(value * 100.0);
        let meaning = if delivery || value < 0.0 {
            format!("{percent} %")
        } else {
            format!("+{percent} %")
        };
        out.push(format!(
            "target {}: {key} = {} on a ratio means {meaning}; did you mean {}?",
            t.name,
            plain_number(value),
            plain_number(value / 100.0)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::scenario::load_str;

    const SMALL: &str = "[scenario]\nname = \"w\"\nbase_year = 2023\nend_year = 2025\n[series.a]\nbase = 100\nmean_growth = 0.05\ngdp_share = 1.0\n";

    #[test]
    fn a_growth_target_in_percent_is_warned_about() {
        let text = format!("{SMALL}[[target]]\nname = \"g\"\nmetric = \"gdp.growth\"\nyear = 2024\nat_least = 5\n[[target]]\nname = \"ok\"\nmetric = \"a.growth\"\nyear = 2024\nat_least = 0.05\n[[target]]\nname = \"level\"\nmetric = \"a.level\"\nyear = 2024\nat_least = 105\n");
        let s = load_str(&text, "w.toml", &[]).unwrap();
        assert_eq!(
            s.warnings,
            vec!["target g: at_least = 5 on a ratio means +500 %; did you mean 0.05?".to_string()]
        );
        let s = load_str(&text, "w.toml", &["target.g.at_least=0.05".to_string()]).unwrap();
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        let s = load_str(&text, "w.toml", &["target.ok.at_least=-12.5".to_string()]).unwrap();
        assert_eq!(
            s.warnings[1],
            "target ok: at_least = -12.5 on a ratio means -1250 %; did you mean -0.125?"
        );
    }
}
