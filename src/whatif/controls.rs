//! The what-if page's controls: every input of a scenario a planner may move,
//! with the control that fits it and its source. A distribution is moved by
//! its central value and its spread (`shift` parameters follow the centre,
//! `c' + s (p - c)`; `scale` parameters are multiplied by the spread `s`); a
//! number, a probability and a target's threshold by a slider over a
//! plausible range. The page turns a control's position into `set` keys
//! (`series.digital_economy.mean_growth.mode`, …), the same dotted keys as
//! `--set`.

use crate::scenario::{Scenario, SourceKind};
use serde::Serialize;

/// Which part of the page a control belongs to.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Parameters drawn per path (distributions).
    Uncertain,
    /// The downturn regime's probabilities and shifts.
    Regime,
    /// Target thresholds.
    Targets,
    /// Every other fixed number of the scenario.
    Fixed,
}

/// One control of the page.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Control {
    /// The dotted key (`--set` key) of the input.
    pub key: String,
    pub group: Group,
    /// What it is, in the scenario's words (series or programme label and field).
    pub label: String,
    pub unit: String,
    /// `distribution` or `number`.
    pub kind: &'static str,
    /// `dist` name (`fixed` for a number).
    pub dist: &'static str,
    /// The distribution in words, as `describe` prints it.
    pub distribution: String,
    /// The parameters as written (`mode`, `min`, …), or `value` for a number.
    pub params: Vec<(String, f64)>,
    /// The central value the control starts at.
    pub center: f64,
    /// Slider range of the central value (or of the number).
    pub range: [f64; 2],
    /// Slider step.
    pub step: f64,
    /// Parameters that follow the centre, and parameters scaled by the spread.
    pub shift: Vec<String>,
    pub scale: Vec<String>,
    /// Whether the spread can be moved.
    pub spread: bool,
    /// For a number: the lowest and highest value the scenario accepts, when known.
    pub bounds: Option<[f64; 2]>,
    pub source: String,
    pub source_kind: SourceKind,
}

/// Every control of `scenario`, in the page's order: uncertain inputs,
/// regime, targets, then the other fixed numbers.
pub fn controls(scenario: &Scenario) -> Vec<Control> {
    let resolved: toml::Table = toml::from_str(&scenario.resolved_toml).unwrap_or_default();
    let mut out = Vec::new();
    let labels = owner_labels(scenario);
    for param in scenario.all_parameters() {
        let written = lookup(&resolved, &param.key);
        let label = label_of(&labels, &param.key);
        let unit = unit_of(scenario, &param.key);
        let source = param.source.clone().unwrap_or_default();
        let source_kind = param.source_kind();
        if param.is_random() {
            if let Some(control) =
                distribution_control(param, written, label.clone(), unit.clone(), &source)
            {
                out.push(control);
                continue;
            }
        }
        let value = param.dist.mean();
        if !value.is_finite() {
            continue;
        }
        let group = if param.key.starts_with("regime.") {
            Group::Regime
        } else {
            Group::Fixed
        };
        out.push(number_control(
            &param.key,
            group,
            label,
            unit,
            value,
            source,
            source_kind,
        ));
    }
    for target in &scenario.targets {
        let threshold = target.bound.threshold();
        let key = format!("target.{}.{}", target.name, target.bound.key());
        out.push(number_control(
            &key,
            Group::Targets,
            target.label.clone(),
            String::new(),
            threshold,
            target.source.clone().unwrap_or_default(),
            SourceKind::of(target.source.as_deref()),
        ));
    }
    let rank = |g: Group| match g {
        Group::Uncertain => 0,
        Group::Regime => 1,
        Group::Targets => 2,
        Group::Fixed => 3,
    };
    out.sort_by_key(|c| rank(c.group));
    out
}

/// The TOML value at dotted `key` in the resolved scenario.
fn lookup<'a>(root: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut segments = key.split('.');
    let mut current = root.get(segments.next()?)?;
    for segment in segments {
        current = current.as_table()?.get(segment)?;
    }
    Some(current)
}

/// Labels of series and programmes, by name.
fn owner_labels(scenario: &Scenario) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = scenario
        .series
        .iter()
        .map(|s| (format!("series.{}", s.name), s.label.clone()))
        .collect();
    labels.extend(
        scenario
            .programmes
            .iter()
            .map(|p| (format!("programme.{}", p.name), p.label.clone())),
    );
    labels
}

fn label_of(labels: &[(String, String)], key: &str) -> String {
    for (owner, label) in labels {
        if let Some(rest) = key
            .strip_prefix(owner.as_str())
            .and_then(|r| r.strip_prefix('.'))
        {
            return format!("{label} · {rest}");
        }
    }
    let (first, rest) = key.split_once('.').unwrap_or((key, ""));
    let owner = match first {
        "regime" => "Downturn regime",
        "execution" => "Programme execution",
        "prices" => "Prices",
        "gdp" => "GDP",
        _ => return key.to_string(),
    };
    format!("{owner} · {rest}")
}

fn unit_of(scenario: &Scenario, key: &str) -> String {
    for s in &scenario.series {
        if key == format!("series.{}.base", s.name) {
            return s.unit.clone();
        }
    }
    for p in &scenario.programmes {
        if key == format!("programme.{}.planned", p.name) {
            return p.unit.clone();
        }
    }
    String::new()
}

/// A control for a distribution written as a table with `dist`.
fn distribution_control(
    param: &crate::scenario::Param,
    written: Option<&toml::Value>,
    label: String,
    unit: String,
    source: &str,
) -> Option<Control> {
    let table = written?.as_table()?;
    let dist = param.dist.name();
    let family = table.get("dist")?.as_str()?;
    let params: Vec<(String, f64)> = table
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "dist" | "source"))
        .filter_map(|(k, v)| {
            Some((
                k.clone(),
                v.as_float().or(v.as_integer().map(|i| i as f64))?,
            ))
        })
        .collect();
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let has = |name: &str| get(name).is_some();
    let bounds = ["lower", "upper"];
    let (center, shift, scale): (f64, Vec<&str>, Vec<&str>) = match family {
        "normal" => (get("mean")?, vec!["mean"], vec!["sd"]),
        "lognormal" if get("mean").is_some() => (get("mean")?, vec!["mean"], vec!["sd"]),
        "lognormal" => (get("mu")?, vec!["mu"], vec!["sigma"]),
        "student_t" => (
            get("location").unwrap_or(0.0),
            vec!["location"],
            vec!["scale"],
        ),
        "uniform" => (
            (get("min")? + get("max")?) / 2.0,
            vec!["min", "max"],
            vec![],
        ),
        "triangular" | "pert" => (get("mode")?, vec!["min", "mode", "max"], vec![]),
        "beta" => {
            let (a, b) = (get("alpha")?, get("beta")?);
            let (lo, hi) = (get("min").unwrap_or(0.0), get("max").unwrap_or(1.0));
            (lo + (hi - lo) * a / (a + b), vec!["min", "max"], vec![])
        }
        "binomial" => (get("p")?, vec!["p"], vec![]),
        "two_piece_normal" => (
            get("mode")?,
            vec!["mode"],
            vec!["sigma_left", "sigma_right"],
        ),
        _ => return None,
    };
    let mut shift: Vec<String> = shift.into_iter().map(String::from).collect();
    if family == "beta" && get("min").is_none() {
        // Shifting a beta moves its support, which defaults to [0, 1].
        shift.retain(|k| k != "min" && k != "max");
    }
    shift.extend(bounds.iter().filter(|b| has(b)).map(|s| s.to_string()));
    let scale: Vec<String> = scale
        .into_iter()
        .filter(|k| has(k))
        .map(String::from)
        .collect();
    // The centre's slider reaches twice the distribution's reach on each side.
    let (low, high) = match family {
        "normal" | "lognormal" | "student_t" | "two_piece_normal" => {
            let spread = param.dist.quantile(0.9) - param.dist.quantile(0.1);
            (center - spread, center + spread)
        }
        _ => (param.dist.quantile(0.0), param.dist.quantile(1.0)),
    };
    let reach = |d: f64, fallback: f64| {
        if d.is_finite() && d > 0.0 {
            d
        } else {
            fallback
        }
    };
    let width = reach(high - low, center.abs().max(0.01));
    let mut range = [
        center - 2.0 * reach(center - low, width / 2.0),
        center + 2.0 * reach(high - center, width / 2.0),
    ];
    if family == "binomial" {
        range = [0.0, 1.0];
    }
    if param.key.ends_with("correlation") || param.key.ends_with("_probability") {
        range = [range[0].max(0.0), range[1].min(1.0)];
    }
    let step = step_of(range);
    let range = [
        (range[0] / step).floor() * step,
        (range[1] / step).ceil() * step,
    ];
    Some(Control {
        key: param.key.clone(),
        group: Group::Uncertain,
        label,
        unit,
        kind: "distribution",
        dist,
        distribution: param.dist.describe(),
        params,
        center,
        step,
        range,
        spread: !scale.is_empty() || shift.len() > 1,
        shift,
        scale,
        bounds: None,
        source: source.to_string(),
        source_kind: param.source_kind(),
    })
}

/// A slider over a number's plausible range: [0, 1] for a probability or a
/// correlation; ±0.1 around a rate (|value| ≤ 1); 0 to twice a level.
fn number_control(
    key: &str,
    group: Group,
    label: String,
    unit: String,
    value: f64,
    source: String,
    source_kind: SourceKind,
) -> Control {
    let probability = key.ends_with("_probability") || key.ends_with("correlation");
    let (range, bounds) = if probability {
        ([0.0, 1.0], Some([0.0, 1.0]))
    } else if value.abs() <= 1.0 {
        ([value - 0.1, value + 0.1], None)
    } else if value > 0.0 {
        ([0.0, 2.0 * value], None)
    } else {
        ([2.0 * value, 0.0], None)
    };
    let step = step_of(range);
    let range = [
        (range[0] / step).floor() * step,
        (range[1] / step).ceil() * step,
    ];
    Control {
        key: key.to_string(),
        group,
        label,
        unit,
        kind: "number",
        dist: "fixed",
        distribution: format!("{value}"),
        params: vec![("value".into(), value)],
        center: value,
        step,
        range,
        shift: Vec::new(),
        scale: Vec::new(),
        spread: false,
        bounds,
        source,
        source_kind,
    }
}

/// A step of about a two-hundredth of the range, rounded to 1, 2 or 5 × 10^k.
fn step_of(range: [f64; 2]) -> f64 {
    let raw = (range[1] - range[0]).abs() / 200.0;
    if !(raw > 0.0 && raw.is_finite()) {
        return 0.001;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * power
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_has_a_control_for_every_input_and_threshold() {
        let scenario = crate::scenario::load_embedded_baseline(&[]).unwrap();
        let all = controls(&scenario);
        let random = scenario
            .all_parameters()
            .iter()
            .filter(|p| p.is_random())
            .count();
        let uncertain = all.iter().filter(|c| c.group == Group::Uncertain).count();
        assert_eq!(
            uncertain, random,
            "every drawn parameter gets a distribution control"
        );
        assert_eq!(
            all.iter().filter(|c| c.group == Group::Targets).count(),
            scenario.targets.len()
        );
        let downturn = all
            .iter()
            .find(|c| c.key == "regime.downturn_probability")
            .unwrap();
        assert_eq!((downturn.range, downturn.center), ([0.0, 1.0], 0.1));
        let digital = all
            .iter()
            .find(|c| c.key == "series.digital_economy.mean_growth")
            .unwrap();
        assert_eq!(digital.center, 0.11);
        assert_eq!(digital.shift, ["min", "mode", "max"]);
        assert!(digital.range[0] < 0.07 && digital.range[1] > 0.15);
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(step_of([0.0, 1.0]), 0.005);
        assert_eq!(step_of([0.0, 466.0]), 2.0);
    }
}
