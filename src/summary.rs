//! The statistics of a run, in the shape of `summary.json` (results/README.md):
//! per metric and year the mean, standard deviation, standard error and
//! quantiles; per target the probability of attainment with a Wilson 95 %
//! interval and the expected shortfall; per target year the probability that
//! all of that year's targets are met together.

use crate::engine::{RunTotals, BLOCK_PATHS};
use crate::model::Model;
use crate::scenario::{Bound, Scenario, SourceKind};
use crate::stats::{wilson::Z95, wilson_interval, QUANTILE_LEVELS};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Identifies the result-set format; bumped only for incompatible changes.
pub(crate) const FORMAT: &str = "xuhui-sim.result-set.v1";

/// How quantiles are computed, stated in every result set.
pub const QUANTILE_METHOD: &str =
    "type-7 sample quantiles from exact-merge log buckets (13 mantissa bits), relative error < 6.2e-5";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub format: String,
    pub scenario: ScenarioInfo,
    pub run: RunInfo,
    pub metrics: Vec<MetricSummary>,
    pub targets: Vec<TargetSummary>,
    /// Probability that every target of a year is met in the same path.
    pub all_targets: Vec<JointSummary>,
    /// Per year and group (`all`, `seed`): how many targets are met together.
    #[serde(default)]
    pub targets_met: Vec<TargetsMet>,
    pub diagnostics: Diagnostics,
    /// The per-path outcomes file, when the run kept one.
    #[serde(default)]
    pub per_path: Option<PerPath>,
    /// Every other file of the result set with its size and SHA-256 (for
    /// `paths.parquet`, its size): readers refuse a truncated, edited or
    /// foreign file.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, FileCheck>,
}

/// A file's size and checksum as written.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileCheck {
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
}

/// What `paths.parquet` holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PerPath {
    pub file: String,
    pub rows: u64,
    /// Column names besides `path`: outcomes as `metric@year`, then the
    /// per-path inputs.
    pub columns: Vec<String>,
    /// Which of `columns` are the path's inputs (drawn parameters,
    /// deliveries, downturn years), not outcomes; empty in result sets
    /// written before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    pub title: String,
    pub description: String,
    /// SHA-256 of `scenario.toml`, the resolved scenario as run.
    pub sha256: String,
    pub base_year: i32,
    pub end_year: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    pub paths: u64,
    pub seed: u64,
    /// Written as its name: "random", "antithetic", "lhs", "sobol".
    pub sampling: crate::scenario::Sampling,
    pub threads: usize,
    pub version: String,
    /// The model the numbers come from ("v2"; docs/model.md, "v1 → v2").
    #[serde(default = "model_v1")]
    pub model: String,
    pub seconds: f64,
    pub block_paths: u64,
    pub quantile_method: String,
    /// With `--precision`: the goal and whether the run reached it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub precision: Option<PrecisionReport>,
    /// Set when the default left `paths.parquet` out because it would have
    /// been too big (`--keep-paths` writes it whatever its size).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub per_path_omitted: Option<PerPathOmitted>,
}

/// Why a run wrote no per-path file although `--no-paths` was not given.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PerPathOmitted {
    /// The file's expected size at this run's paths, bytes (about 6.5 bytes a value).
    pub expected_bytes: u64,
    /// The largest file the default writes, bytes.
    pub limit_bytes: u64,
}

impl RunInfo {
    /// Why a result set has no per-path file and what brings it back, as
    /// (reason, fix) for the commands that need it (`compare`, `discover`).
    pub fn missing_paths_file(&self) -> (&'static str, &'static str) {
        match self.per_path_omitted {
            Some(_) => (
                "its paths would have made the file bigger than the default's limit",
                "rerun it with --keep-paths",
            ),
            None => ("it was run with --no-paths", "rerun it without --no-paths"),
        }
    }
}

impl PerPathOmitted {
    /// One sentence for the table's header and for commands that need the file.
    pub fn sentence(&self) -> String {
        format!(
            "no paths.parquet: at these paths it would take about {:.1} GB, above the default's {:.0} GB; add --keep-paths to write it",
            self.expected_bytes as f64 / 1e9,
            self.limit_bytes as f64 / 1e9
        )
    }
}

/// The model version this build simulates.
pub(crate) const MODEL: &str = "v2";

/// The model of a result set written before `run.model` existed.
fn model_v1() -> String {
    "v1".into()
}

/// The precision goal of a run in rounds, and what it reached.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PrecisionReport {
    pub probability_half_width: Option<f64>,
    /// `metric@year=relative`.
    pub metric: Option<String>,
    pub reached: bool,
    pub widest_probability_half_width: f64,
    pub metric_relative_half_width: Option<f64>,
    /// Paths run, and the most the run could take (`--paths`, never exceeded).
    #[serde(default)]
    pub paths: u64,
    #[serde(default)]
    pub ceiling: u64,
    /// When the goal was not reached: about how many paths it needs, from the
    /// error falling as 1/sqrt(paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths_needed: Option<u64>,
}

impl PrecisionReport {
    /// One sentence on what the precision run did, for the table's header and stderr.
    pub fn sentence(&self) -> String {
        let mut goals = Vec::new();
        if let Some(goal) = self.probability_half_width {
            goals.push(format!(
                "every target probability to ±{goal} (reached ±{:.4})",
                self.widest_probability_half_width
            ));
        }
        if let Some(metric) = &self.metric {
            let found = self
                .metric_relative_half_width
                .map(|r| format!("{r:.2e}"))
                .unwrap_or_else(|| "nothing".into());
            goals.push(format!("{metric} (reached a relative ±{found})"));
        }
        let goals = goals.join(" and ");
        if self.reached {
            format!("precision run: {goals} at {} paths", thousands(self.paths))
        } else {
            let needed = self
                .paths_needed
                .map(|n| format!("; the goal needs about {}", about(n)))
                .unwrap_or_default();
            format!(
                "precision run: goal not reached: {goals} at {} paths, the --paths ceiling{needed} \
                 (raise --paths or loosen the goal)",
                thousands(self.paths)
            )
        }
    }
}

/// 1234567 as "1,234,567".
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rough count in words: "80 million", "3.2 billion", "450,000".
fn about(n: u64) -> String {
    let x = n as f64;
    match x {
        x if x >= 1e9 => format!("{:.2} billion paths", x / 1e9),
        x if x >= 1e6 => format!("{:.1} million paths", x / 1e6),
        _ => format!("{} paths", thousands(n)),
    }
}

/// The nine reported quantiles, in `summary.json` order.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Quantiles {
    pub p1: f64,
    pub p5: f64,
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Quantiles {
    fn from_slice(v: &[f64]) -> Self {
        Quantiles {
            p1: v[0],
            p5: v[1],
            p10: v[2],
            p25: v[3],
            p50: v[4],
            p75: v[5],
            p90: v[6],
            p95: v[7],
            p99: v[8],
        }
    }

    /// The values in level order.
    pub fn values(&self) -> [f64; 9] {
        [
            self.p1, self.p5, self.p10, self.p25, self.p50, self.p75, self.p90, self.p95, self.p99,
        ]
    }
}

/// Writes a NaN (an undefined statistic) as JSON `null`.
fn nan_as_null<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        serializer.serialize_none()
    } else {
        serializer.serialize_f64(*value)
    }
}

/// Reads JSON `null` back as NaN.
fn null_as_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MetricSummary {
    pub metric: String,
    pub year: i32,
    pub unit: String,
    pub mean: f64,
    /// Sample standard deviation (n - 1); undefined (NaN, `null` in JSON) for one path.
    #[serde(serialize_with = "nan_as_null", deserialize_with = "null_as_nan")]
    pub sd: f64,
    /// Standard error of the mean, sd / sqrt(paths) (batch means under a
    /// design); undefined (NaN, `null` in JSON) for one path.
    #[serde(serialize_with = "nan_as_null", deserialize_with = "null_as_nan")]
    pub mean_se: f64,
    pub quantiles: Quantiles,
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TargetSummary {
    pub name: String,
    pub label: String,
    pub metric: String,
    pub year: i32,
    pub unit: String,
    /// The threshold, serialised in place as `"at_least": x` or `"at_most": x`.
    #[serde(flatten)]
    pub bound: Bound,
    /// Share of paths that attain the target.
    pub probability: f64,
    /// Wilson 95 % interval of the probability.
    pub ci95: [f64; 2],
    /// Mean gap to the threshold over the paths that miss it; null when none misses.
    pub expected_shortfall: Option<f64>,
    pub met_paths: u64,
    pub source: String,
    /// "seed" (quoted from the article) or "assumption".
    pub source_kind: SourceKind,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JointSummary {
    pub year: i32,
    pub targets: Vec<String>,
    pub probability: f64,
    pub ci95: [f64; 2],
    pub met_paths: u64,
}

/// The count of targets met together in one year, for all of its targets or
/// the article's own (docs/model.md, "Targets and the count met").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TargetsMet {
    pub year: i32,
    /// `all`, or `seed` for the targets whose source is the article.
    pub group: String,
    /// Number of targets in the group.
    pub targets: usize,
    /// Target names, in file order.
    pub names: Vec<String>,
    /// Expected number met (mean of the per-path count).
    pub expected: f64,
    /// Its Monte Carlo standard error: sample sd of the count / sqrt(paths).
    #[serde(serialize_with = "nan_as_null", deserialize_with = "null_as_nan")]
    pub expected_se: f64,
    /// `at_least[k]` = P(at least k of the group met), k = 0 … targets.
    pub at_least: Vec<f64>,
    /// P(every target of the group met on the same path), and its Monte Carlo 95 % interval.
    pub all_met: f64,
    pub all_met_ci95: [f64; 2],
    /// Whether the programme deliveries behind these targets are drawn
    /// independently or tied by `[execution]`: "independent", "execution",
    /// "partly execution" when only some of them are tied, or "none" when no
    /// target of the group is a programme's.
    pub deliveries: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Diagnostics {
    /// Growth or inflation draws at or below -99 % (or above +1000 %) that were clamped to that bound.
    pub clamped_draws: u64,
    /// With `--repair-correlation`: how far the matrix moved to become valid.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub correlation_repair: Option<crate::scenario::CorrelationRepair>,
}

/// `p ± 1.96 se`, kept inside [0, 1] (the batch-means interval of designs).
fn batch_interval(p: f64, se: f64, quantile: f64) -> (f64, f64) {
    (
        (p - quantile * se).clamp(0.0, 1.0).min(p),
        (p + quantile * se).clamp(0.0, 1.0).max(p),
    )
}

/// The 97.5 % quantile of Student's t with `blocks - 1` degrees of freedom:
/// the multiplier of a batch-means standard error over `blocks` batches.
pub(crate) fn batch_quantile(blocks: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if blocks < 2 {
        return f64::INFINITY;
    }
    StudentsT::new(0.0, 1.0, (blocks - 1) as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(Z95)
}

/// SHA-256 of a text, in lowercase hex.
pub(crate) fn sha256_hex(text: &str) -> String {
    sha256_bytes(text.as_bytes())
}

/// SHA-256 of bytes, in lowercase hex.
pub(crate) fn sha256_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Turns a run's totals into its summary.
pub(crate) fn summarize(scenario: &Scenario, model: &Model, totals: &RunTotals) -> Summary {
    let levels: Vec<f64> = QUANTILE_LEVELS.iter().map(|(_, q)| *q).collect();
    // Designs other than plain random sampling correlate paths within a
    // block; their errors come from the spread between blocks (batch means).
    let batch_means = model.sampling != crate::model::design::Sampling::Random;
    let batches = &totals.sums.batches;
    let t95 = batch_quantile(batches.blocks);
    // Each sketch's quantiles on its own (settling its windows is most of a
    // small run's serial end), on every core; the same numbers in any order.
    let quantiles: Vec<Vec<f64>> = totals
        .counts
        .sketches
        .par_iter()
        .map(|sketch| sketch.quantiles(&levels))
        .collect();
    let mut metrics = Vec::with_capacity(model.value_count);
    for def in &model.metrics {
        for year in def.years.clone() {
            let i = def.index(year);
            let moments = &totals.sums.moments[i];
            let sketch = &totals.counts.sketches[i];
            metrics.push(MetricSummary {
                metric: def.name.clone(),
                year,
                unit: def.unit.clone(),
                mean: moments.mean(totals.shift[i]),
                // One path has no spread to measure: undefined, not 0.
                sd: if moments.count < 2 {
                    f64::NAN
                } else {
                    moments.sd()
                },
                mean_se: if moments.count < 2 {
                    f64::NAN
                } else if batch_means {
                    batches.standard_error(
                        i,
                        moments.sum / moments.count.max(1) as f64,
                        totals.paths,
                    )
                } else {
                    moments.mean_se()
                },
                quantiles: Quantiles::from_slice(&quantiles[i]),
                min: sketch.min(),
                max: sketch.max(),
            });
        }
    }
    let n = totals.paths;
    let targets = scenario
        .targets
        .iter()
        .zip(&model.targets)
        .enumerate()
        .map(|(i, (t, compiled))| {
            let met = totals.counts.met[i];
            let missed = n - met;
            let (lo, hi) = if batch_means {
                let slot = model.value_count + i;
                batch_interval(
                    met as f64 / n as f64,
                    batches.standard_error(slot, met as f64 / n as f64, n),
                    t95,
                )
            } else {
                wilson_interval(met, n, Z95)
            };
            let unit = model
                .metrics
                .iter()
                .find(|m| m.name == t.metric)
                .map(|m| m.unit.clone())
                .unwrap_or_default();
            TargetSummary {
                name: t.name.clone(),
                label: t.label.clone(),
                metric: t.metric.clone(),
                year: t.year,
                unit,
                bound: compiled.bound,
                probability: met as f64 / n as f64,
                ci95: [lo, hi],
                expected_shortfall: (missed > 0).then(|| totals.sums.shortfall[i] / missed as f64),
                met_paths: met,
                source: t
                    .source
                    .clone()
                    .unwrap_or_else(|| "assumption (no source given)".into()),
                source_kind: SourceKind::of(t.source.as_deref()),
            }
        })
        .collect();
    // The Monte Carlo 95 % interval of group `g`'s joint probability (met paths `met`).
    let joint_interval = |g: usize, met: u64| {
        if batch_means {
            let slot = model.value_count + model.targets.len() + g;
            batch_interval(
                met as f64 / n as f64,
                batches.standard_error(slot, met as f64 / n as f64, n),
                t95,
            )
        } else {
            wilson_interval(met, n, Z95)
        }
    };
    let all_targets = totals
        .target_years
        .years
        .iter()
        .enumerate()
        .map(|(y, &year)| {
            let met = totals.counts.all_met[y];
            let (lo, hi) = joint_interval(y, met);
            JointSummary {
                year,
                targets: scenario
                    .targets
                    .iter()
                    .filter(|t| t.year == year)
                    .map(|t| t.name.clone())
                    .collect(),
                probability: met as f64 / n as f64,
                ci95: [lo, hi],
                met_paths: met,
            }
        })
        .collect();
    // Which of a group's programme targets have deliveries tied by [execution].
    let tied = |targets: &[usize]| -> &'static str {
        let programme_of = |i: usize| {
            let value = model.targets[i].value_index;
            model
                .programmes
                .iter()
                .position(|p| p.delivered_index == value || p.ratio_index == value)
        };
        let flags: Vec<bool> = targets
            .iter()
            .filter_map(|&i| programme_of(i))
            .map(|p| model.programmes[p].in_execution)
            .collect();
        if flags.is_empty() {
            "none"
        } else if flags.iter().all(|&f| !f) {
            "independent"
        } else if flags.iter().all(|&f| f) {
            "execution"
        } else {
            "partly execution"
        }
    };
    let targets_met = totals
        .target_years
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let size = group.targets.len();
            let histogram = &totals.counts.met_histogram[group.offset..group.offset + size + 1];
            let total = n.max(1) as f64;
            let mut at_least = vec![0.0; size + 1];
            let mut tail = 0u64;
            for k in (0..=size).rev() {
                tail += histogram[k];
                at_least[k] = tail as f64 / total;
            }
            let sum: f64 = histogram
                .iter()
                .enumerate()
                .map(|(k, &c)| k as f64 * c as f64)
                .sum();
            let expected = sum / total;
            let squares: f64 = histogram
                .iter()
                .enumerate()
                .map(|(k, &c)| (k as f64 - expected).powi(2) * c as f64)
                .sum();
            let expected_se = if n < 2 {
                f64::NAN
            } else {
                (squares / (n - 1) as f64).sqrt() / (n as f64).sqrt()
            };
            let met = totals.counts.all_met[g];
            let (lo, hi) = joint_interval(g, met);
            TargetsMet {
                year: group.year,
                group: group.name().into(),
                targets: size,
                names: group
                    .targets
                    .iter()
                    .map(|&i| scenario.targets[i].name.clone())
                    .collect(),
                expected,
                expected_se,
                at_least,
                all_met: met as f64 / n as f64,
                all_met_ci95: [lo, hi],
                deliveries: tied(&group.targets).into(),
            }
        })
        .collect::<Vec<TargetsMet>>();
    let mut targets_met = targets_met;
    targets_met.sort_by_key(|m| (m.year, m.group != "all"));
    Summary {
        format: FORMAT.into(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            title: scenario.title.clone(),
            description: scenario.description.clone(),
            sha256: sha256_hex(&scenario.resolved_toml),
            base_year: scenario.base_year,
            end_year: scenario.end_year,
        },
        run: RunInfo {
            paths: totals.paths,
            seed: totals.seed,
            sampling: model.sampling,
            threads: totals.threads,
            version: env!("CARGO_PKG_VERSION").into(),
            model: MODEL.into(),
            seconds: totals.seconds,
            block_paths: BLOCK_PATHS,
            quantile_method: QUANTILE_METHOD.into(),
            precision: None,
            per_path_omitted: None,
        },
        metrics,
        targets,
        all_targets,
        targets_met,
        diagnostics: Diagnostics {
            clamped_draws: totals.counts.clamped_draws,
            correlation_repair: scenario.correlation_repair,
        },
        per_path: None,
        files: Default::default(),
    }
}
