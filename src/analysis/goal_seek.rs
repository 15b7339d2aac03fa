//! `goal-seek`: the value of one assumption at which a target is met with a
//! given probability. Each trial value is a full run on common random
//! numbers, so the probability is a deterministic, monotone-in-practice
//! function of the value, and bisection finds where it crosses the goal. The
//! interval is where the run's own Monte Carlo error (the Wilson half-width at
//! the goal) could put the crossing.

use super::{assignment, Error, Study};
use crate::stats::wilson::Z95;
use serde::Serialize;

/// Bisection steps at most, per root.
const MAX_STEPS: usize = 40;

/// What goal seeking found.
#[derive(Clone, Debug, Serialize)]
pub struct GoalSeek {
    pub scenario: String,
    pub key: String,
    pub target: String,
    pub target_label: String,
    pub probability_wanted: f64,
    pub paths: u64,
    pub seed: u64,
    /// The range searched.
    pub range: [f64; 2],
    /// The value at which the target's probability crosses the goal.
    pub value: f64,
    /// Where the crossing could lie given the Monte Carlo error of each run.
    pub interval: [f64; 2],
    /// Every value tried and the probability found there, in the order tried.
    pub trials: Vec<[f64; 2]>,
}

/// Finds the value of `key` in `range` at which target `target` is met with
/// probability `goal`.
pub fn goal_seek(
    study: &Study,
    key: &str,
    target: &str,
    goal: f64,
    range: Option<(f64, f64)>,
) -> Result<GoalSeek, Error> {
    // Two ends, then three bisections of about 14 halvings each (tolerance 1e-4 of the range).
    crate::progress::begin(2 + 3 * 14, "runs (about)");
    if !(0.0 < goal && goal < 1.0) {
        return Err(Error::Input(format!(
            "--probability {goal} must lie strictly between 0 and 1"
        )));
    }
    let scenario = study.scenario(&[])?;
    let config = study.config(&scenario);
    let Some(wanted) = scenario.targets.iter().find(|t| t.name == target) else {
        let names: Vec<&str> = scenario.targets.iter().map(|t| t.name.as_str()).collect();
        return Err(Error::Input(format!(
            "--target {target}: scenario `{}` has no such target; {}",
            scenario.name,
            crate::scenario::error::suggestion(target, &names)
                .replace("valid keys here are", "its targets are")
        )));
    };
    let (low, high) = match range {
        Some(r) => r,
        None => default_range(&scenario, key)?,
    };
    let mut trials: Vec<[f64; 2]> = Vec::new();
    let mut probability_at = |x: f64| -> Result<f64, Error> {
        if let Some(seen) = trials.iter().find(|t| t[0] == x) {
            return Ok(seen[1]);
        }
        let summary = study.run(&[assignment(key, x)]).map_err(|e| match e {
            Error::Input(m) => Error::Input(format!("at {key}={x}: {m}")),
            other => other,
        })?;
        let p = summary
            .targets
            .iter()
            .find(|t| t.name == target)
            .map_or(f64::NAN, |t| t.probability);
        trials.push([x, p]);
        Ok(p)
    };
    let (p_low, p_high) = (probability_at(low)?, probability_at(high)?);
    // On common random numbers an assumption that feeds the target moves its
    // probability between the ends of any sensible range; one that does not
    // leaves it exactly where it was.
    if p_low == p_high {
        return Err(Error::Input(format!(
            "{key} does not move `{target}`: it is met with probability {p_low:.4} at both {low} and {high} (the same paths); choose an assumption that feeds it (`xuhui-sim sensitivity` shows which do) or a wider --range"
        )));
    }
    if (p_low - goal) * (p_high - goal) > 0.0 {
        return Err(Error::Input(format!(
            "no value of {key} in [{low}, {high}] meets `{target}` with probability {goal}: it is met with probability {p_low:.4} at {low} and {p_high:.4} at {high}; widen --range or lower the goal"
        )));
    }
    let value = crossing(&mut probability_at, low, high, goal)?;
    // The crossing of goal ± the Monte Carlo half-width, each where reachable.
    let half = Z95 * (goal * (1.0 - goal) / config.paths as f64).sqrt();
    let mut ends = vec![value];
    for level in [goal - half, goal + half] {
        let reachable = (p_low - level) * (p_high - level) <= 0.0;
        ends.push(if reachable {
            crossing(&mut probability_at, low, high, level)?
        } else if (p_low - level).abs() < (p_high - level).abs() {
            low
        } else {
            high
        });
    }
    let interval = [
        ends.iter().copied().fold(f64::INFINITY, f64::min),
        ends.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ];
    Ok(GoalSeek {
        scenario: scenario.name.clone(),
        key: key.into(),
        target: target.into(),
        target_label: wanted.label.clone(),
        probability_wanted: goal,
        paths: config.paths,
        seed: config.seed,
        range: [low, high],
        value,
        interval,
        trials,
    })
}

/// Bisection for p(x) = level between `low` and `high` (which bracket it).
fn crossing(
    p: &mut dyn FnMut(f64) -> Result<f64, Error>,
    mut low: f64,
    mut high: f64,
    level: f64,
) -> Result<f64, Error> {
    let tolerance = (high - low).abs() * 1e-4;
    let low_below = p(low)? < level;
    for _ in 0..MAX_STEPS {
        if (high - low).abs() <= tolerance {
            break;
        }
        let middle = 0.5 * (low + high);
        if (p(middle)? < level) == low_below {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok(0.5 * (low + high))
}

/// The search range when none is given: the parameter's p1-p99 when it is a
/// distribution, else from 0 to twice its value (or ±1 around 0).
fn default_range(scenario: &crate::scenario::Scenario, key: &str) -> Result<(f64, f64), Error> {
    let param = scenario.parameter(key).ok_or_else(|| {
        Error::Input(format!(
            "--vary {key} is not a parameter of scenario `{}` whose range can be guessed; give --range LO..HI",
            scenario.name
        ))
    })?;
    let range = if param.is_random() {
        (param.dist.quantile(0.01), param.dist.quantile(0.99))
    } else {
        let v = param.dist.mean();
        if v == 0.0 {
            (-1.0, 1.0)
        } else {
            (v.min(0.0) * 2.0, v.max(0.0) * 2.0)
        }
    };
    Ok(range)
}

/// The trials as CSV.
pub fn csv(result: &GoalSeek) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["trial", "value", "probability"])?;
    for (i, t) in result.trials.iter().enumerate() {
        w.write_record([i.to_string(), t[0].to_string(), t[1].to_string()])?;
    }
    crate::output::csv::finish(w)
}

/// The answer as text.
pub fn table(result: &GoalSeek) -> String {
    use crate::format::number;
    format!(
        "Goal seek in {} ({} paths per trial, seed {}, common random numbers)\n\n\
         `{}` ({}) is met with probability {:.1} % when\n  {} = {}\n\
         95 % interval from the Monte Carlo error: {} to {}\n\
         ({} trials in the range {} to {})\n",
        result.scenario,
        result.paths,
        result.seed,
        result.target,
        crate::output::table::terminal_safe(&result.target_label),
        result.probability_wanted * 100.0,
        result.key,
        number(result.value, 5),
        number(result.interval[0], 5),
        number(result.interval[1], 5),
        result.trials.len(),
        number(result.range[0], 4),
        number(result.range[1], 4)
    )
}
