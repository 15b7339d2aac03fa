//! `compare`: result sets side by side, with differences, 95 % intervals and
//! verdicts. When two sets were run with the same seed, path count and
//! sampling and both kept per-path outcomes, their paths are the same futures
//! under different assumptions (common random numbers), so differences are
//! computed path by path: far tighter than from two independent samples.
//!
//! [`crate::output::read`] opens and checks sets; this file computes; [`render`] prints;
//! [`explain`] attributes a change to the assumptions that differ.

pub mod explain;
pub mod render;

pub use crate::output::read::ResultSet;
pub(crate) use crate::Error;

use crate::output::paths::{column_name, read_column};
use crate::scenario::Bound;
use crate::stats::difference::{
    independent_difference_interval, paired_difference_interval, JointCounts,
};
use crate::stats::wilson::Z95;
use crate::summary::{MetricSummary, TargetSummary};
use serde::Serialize;

/// Default noise threshold on a probability difference.
pub const DEFAULT_THRESHOLD: f64 = 0.005;

/// The comparison of a base set with one or more others.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub base: SetInfo,
    pub threshold: f64,
    pub others: Vec<SetComparison>,
}

/// What identifies a set in the output.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SetInfo {
    pub name: String,
    pub title: String,
    pub dir: String,
    pub paths: u64,
    pub seed: u64,
    pub sampling: crate::scenario::Sampling,
}

/// How differences were computed.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// From per-path differences (same seed, paths and sampling).
    Paired,
    /// As two independent samples.
    Independent,
}

/// The verdict on a target's change, against the noise threshold.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    NoSignificantChange,
}

impl Verdict {
    /// Better when the whole interval lies above `threshold`, worse when below
    /// `-threshold`, otherwise no significant change (as criterion.rs judges).
    pub(crate) fn of(ci95: [f64; 2], threshold: f64) -> Self {
        if ci95[0] > threshold {
            Verdict::Better
        } else if ci95[1] < -threshold {
            Verdict::Worse
        } else {
            Verdict::NoSignificantChange
        }
    }

    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoSignificantChange => "no significant change",
        }
    }
}

/// One other set against the base.
#[derive(Clone, Debug, Serialize)]
pub struct SetComparison {
    pub set: SetInfo,
    /// Paired when the sets share seed, paths and sampling and kept per-path outcomes.
    pub method: Method,
    /// Why not paired, when not.
    pub pairing_note: Option<String>,
    /// Shared targets, largest change first.
    pub targets: Vec<TargetChange>,
    /// Shared metrics, largest standardized mean shift first.
    pub metrics: Vec<MetricChange>,
    /// Targets of one set only.
    pub unshared_targets: Vec<String>,
    /// With `--explain`: each target's change split across the differing assumptions.
    pub explanation: Option<explain::Explanation>,
}

/// A shared target's probability in both sets.
#[derive(Clone, Debug, Serialize)]
pub struct TargetChange {
    pub name: String,
    pub label: String,
    pub metric: String,
    pub year: i32,
    pub base_probability: f64,
    pub other_probability: f64,
    /// other - base.
    pub difference: f64,
    pub ci95: [f64; 2],
    pub verdict: Verdict,
    pub method: Method,
    /// Paths met only in the other set and only in the base (paired only).
    pub discordant: Option<[u64; 2]>,
    /// Set when the two sets' thresholds differ.
    pub note: Option<String>,
}

/// Four figures of a metric's distribution.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Figures {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Figures {
    fn of(m: &MetricSummary) -> Self {
        Figures {
            mean: m.mean,
            p5: m.quantiles.p5,
            p50: m.quantiles.p50,
            p95: m.quantiles.p95,
        }
    }
}

/// A shared metric in a year, in both sets.
#[derive(Clone, Debug, Serialize)]
pub struct MetricChange {
    pub metric: String,
    pub year: i32,
    pub unit: String,
    pub base: Figures,
    pub other: Figures,
    /// other - base, for the mean and each quantile.
    pub shift: Figures,
    /// 95 % interval of the mean shift.
    pub mean_shift_ci95: [f64; 2],
    pub method: Method,
    /// P(other's outcome > base's outcome) in the same path (paired only).
    pub p_other_greater: Option<f64>,
}

/// Compares `others` with `base`.
pub fn compare(
    base: &ResultSet,
    others: &[ResultSet],
    threshold: f64,
) -> Result<Comparison, Error> {
    let mut compared = Vec::with_capacity(others.len());
    for other in others {
        check_compatible(base, other)?;
        compared.push(compare_one(base, other, threshold)?);
    }
    Ok(Comparison {
        base: info(base),
        threshold,
        others: compared,
    })
}

fn info(set: &ResultSet) -> SetInfo {
    SetInfo {
        name: set.summary.scenario.name.clone(),
        title: set.summary.scenario.title.clone(),
        dir: set.dir.display().to_string(),
        paths: set.summary.run.paths,
        seed: set.summary.run.seed,
        sampling: set.summary.run.sampling,
    }
}

/// Why two sets cannot be paired, or None when they can.
pub(crate) fn pairing_obstacle(base: &ResultSet, other: &ResultSet) -> Option<String> {
    let (b, o) = (&base.summary.run, &other.summary.run);
    if b.seed != o.seed {
        return Some(format!("seeds differ ({} and {})", b.seed, o.seed));
    }
    if b.paths != o.paths {
        return Some(format!("path counts differ ({} and {})", b.paths, o.paths));
    }
    if b.sampling != o.sampling {
        return Some(format!(
            "sampling differs ({} and {})",
            b.sampling, o.sampling
        ));
    }
    for (set, name) in [(base, "the base"), (other, "the other set")] {
        if set.paths_file().is_none() {
            let (why, fix) = set.summary.run.missing_paths_file();
            return Some(format!(
                "{name} ({}) kept no per-path outcomes ({why}): {fix}, on the same seed, paths and sampling, for paired intervals",
                set.dir.display()
            ));
        }
    }
    None
}

fn compare_one(
    base: &ResultSet,
    other: &ResultSet,
    threshold: f64,
) -> Result<SetComparison, Error> {
    let obstacle = pairing_obstacle(base, other);
    let paired = obstacle.is_none();
    let mut targets = Vec::new();
    let mut unshared = Vec::new();
    for bt in &base.summary.targets {
        match other.summary.targets.iter().find(|ot| ot.name == bt.name) {
            Some(ot) => targets.push(target_change(base, other, bt, ot, paired, threshold)?),
            None => unshared.push(format!("{} (base only)", bt.name)),
        }
    }
    for ot in &other.summary.targets {
        if !base.summary.targets.iter().any(|bt| bt.name == ot.name) {
            unshared.push(format!("{} ({} only)", ot.name, other.label()));
        }
    }
    let mut metrics = Vec::new();
    for bm in &base.summary.metrics {
        if let Some(om) = other
            .summary
            .metrics
            .iter()
            .find(|m| m.metric == bm.metric && m.year == bm.year)
        {
            metrics.push(metric_change(base, other, bm, om, paired)?);
        }
    }
    if targets.is_empty() && metrics.is_empty() {
        return Err(Error::Input(format!(
            "{} and {} have no target and no metric in common, so there is nothing to compare",
            base.dir.display(),
            other.dir.display()
        )));
    }
    targets.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
    metrics.sort_by(|a, b| standardized(b, base).total_cmp(&standardized(a, base)));
    Ok(SetComparison {
        set: info(other),
        method: if paired {
            Method::Paired
        } else {
            Method::Independent
        },
        pairing_note: obstacle,
        targets,
        metrics,
        unshared_targets: unshared,
        explanation: None,
    })
}

/// |mean shift| in units of the base's standard deviation (or absolute when it is 0).
fn standardized(change: &MetricChange, base: &ResultSet) -> f64 {
    let sd = base
        .summary
        .metrics
        .iter()
        .find(|m| m.metric == change.metric && m.year == change.year)
        .map_or(0.0, |m| m.sd);
    let shift = change.shift.mean.abs();
    if sd > 0.0 {
        shift / sd
    } else {
        shift
    }
}

fn target_change(
    base: &ResultSet,
    other: &ResultSet,
    bt: &TargetSummary,
    ot: &TargetSummary,
    paired: bool,
    threshold: f64,
) -> Result<TargetChange, Error> {
    let column = column_name(&bt.metric, bt.year);
    let same_outcome = bt.metric == ot.metric && bt.year == ot.year;
    let mut note = None;
    if bt.bound != ot.bound || !same_outcome {
        note = Some(format!(
            "the sets define `{}` differently (metric, year or threshold); its change mixes that with the scenarios' difference",
            bt.name
        ));
    }
    let use_paths = paired && same_outcome && base.has_column(&column) && other.has_column(&column);
    let (ci95, discordant, method) = if use_paths {
        let counts = joint_counts(base, other, &column, bt.bound, ot.bound)?;
        let (lo, hi) = paired_difference_interval(&counts, Z95);
        (
            [lo, hi],
            Some([counts.only_second, counts.only_first]),
            Method::Paired,
        )
    } else {
        let (lo, hi) = independent_difference_interval(
            bt.met_paths,
            base.summary.run.paths,
            ot.met_paths,
            other.summary.run.paths,
            Z95,
        );
        ([lo, hi], None, Method::Independent)
    };
    let difference = ot.probability - bt.probability;
    Ok(TargetChange {
        name: bt.name.clone(),
        label: bt.label.clone(),
        metric: bt.metric.clone(),
        year: bt.year,
        base_probability: bt.probability,
        other_probability: ot.probability,
        difference,
        ci95,
        verdict: Verdict::of(ci95, threshold),
        method,
        discordant,
        note,
    })
}

fn read(set: &ResultSet, column: &str) -> Result<Vec<f64>, Error> {
    let file = set
        .paths_file()
        .ok_or_else(|| Error::Failure(format!("{} has no per-path file", set.dir.display())))?;
    let values = read_column(&file, column).map_err(Error::Input)?;
    if values.len() as u64 != set.summary.run.paths {
        return Err(Error::Input(format!(
            "{} holds {} paths of `{column}` but summary.json says {}; the file is truncated or from another run",
            file.display(),
            values.len(),
            set.summary.run.paths
        )));
    }
    Ok(values)
}

fn joint_counts(
    base: &ResultSet,
    other: &ResultSet,
    column: &str,
    base_bound: Bound,
    other_bound: Bound,
) -> Result<JointCounts, Error> {
    let (b, o) = (read(base, column)?, read(other, column)?);
    let mut counts = JointCounts::default();
    for (bv, ov) in b.iter().zip(&o) {
        match (base_bound.is_met(*bv), other_bound.is_met(*ov)) {
            (true, true) => counts.both += 1,
            (true, false) => counts.only_first += 1,
            (false, true) => counts.only_second += 1,
            (false, false) => counts.neither += 1,
        }
    }
    Ok(counts)
}

fn metric_change(
    base: &ResultSet,
    other: &ResultSet,
    bm: &MetricSummary,
    om: &MetricSummary,
    paired: bool,
) -> Result<MetricChange, Error> {
    let column = column_name(&bm.metric, bm.year);
    let (b, o) = (Figures::of(bm), Figures::of(om));
    let shift = Figures {
        mean: o.mean - b.mean,
        p5: o.p5 - b.p5,
        p50: o.p50 - b.p50,
        p95: o.p95 - b.p95,
    };
    let use_paths = paired && base.has_column(&column) && other.has_column(&column);
    let (ci, p_greater, method) = if use_paths {
        let (bv, ov) = (read(base, &column)?, read(other, &column)?);
        let n = bv.len() as f64;
        let differences: Vec<f64> = bv.iter().zip(&ov).map(|(b, o)| o - b).collect();
        let mean = differences.iter().sum::<f64>() / n;
        let variance =
            differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        let half = Z95 * (variance / n).sqrt();
        let greater = differences.iter().filter(|d| **d > 0.0).count() as f64 / n;
        (
            [shift.mean - half, shift.mean + half],
            Some(greater),
            Method::Paired,
        )
    } else {
        let half = Z95 * (bm.mean_se.powi(2) + om.mean_se.powi(2)).sqrt();
        (
            [shift.mean - half, shift.mean + half],
            None,
            Method::Independent,
        )
    };
    Ok(MetricChange {
        metric: bm.metric.clone(),
        year: bm.year,
        unit: bm.unit.clone(),
        base: b,
        other: o,
        shift,
        mean_shift_ci95: ci,
        method,
        p_other_greater: p_greater,
    })
}

/// Refuses two sets whose years or units do not line up.
pub(crate) fn check_compatible(base: &ResultSet, other: &ResultSet) -> Result<(), Error> {
    let (b, o) = (&base.summary, &other.summary);
    if b.scenario.base_year != o.scenario.base_year {
        return Err(Error::Input(format!(
            "{} starts from base year {} but {} from {}; only sets with the same base year can be compared",
            base.dir.display(),
            b.scenario.base_year,
            other.dir.display(),
            o.scenario.base_year
        )));
    }
    for m in &b.metrics {
        if let Some(n) = o
            .metrics
            .iter()
            .find(|n| n.metric == m.metric && n.year == m.year)
        {
            if n.unit != m.unit {
                return Err(Error::Input(format!(
                    "metric `{}` is in {} in {} but in {} in {}; the sets measure it differently, so they cannot be compared",
                    m.metric,
                    m.unit,
                    base.dir.display(),
                    n.unit,
                    other.dir.display()
                )));
            }
        }
    }
    Ok(())
}
