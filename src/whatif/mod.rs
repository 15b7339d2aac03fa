//! What-if runs in memory, each paired with the scenario as loaded: the
//! engine behind `xuhui-sim serve` and its API, kept apart from HTTP.
//!
//! A [`Session`] holds the scenario as loaded. [`Session::run`] applies a
//! request's overrides exactly as `run --set` does and runs the engine with no
//! file written: its summary is the one `xuhui-sim run --paths N --seed S --set
//! …` writes to `summary.json`, bit for bit, but for what describes files and
//! timing (`run.seconds`, `per_path`, `files`). Each run also keeps, per path,
//! whether each target was met (one bit per target and path), so that
//! [`Session::what_if`] can measure the change against the loaded scenario
//! run on the same paths and seed (common random numbers) path by path, with
//! the paired interval `compare` uses.
//!
//! A run can be superseded: requests on one `channel` (a browser tab) cancel
//! the older work of that channel before its next block.

pub mod controls;
pub mod save;

use crate::analysis::Source;
use crate::compare::{Method, Verdict, DEFAULT_THRESHOLD};
use crate::engine::{self, EngineError, PathSink, RunConfig};
use crate::model::Model;
use crate::output::paths::{column_name, kept_values};
use crate::scenario::{self, Bound, LoadOptions, Scenario};
use crate::stats::difference::{
    independent_difference_interval, paired_difference_interval, JointCounts,
};
use crate::stats::wilson::Z95;
use crate::summary::{self, Summary};
pub(crate) use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Paths of the first, quick answer to a change (four blocks: even work on
/// two or four cores), refined afterwards to the requested size.
pub const COARSE_PATHS: u64 = 16_384;

/// Base runs kept for pairing (one per path count and seed asked for).
const BASE_CACHE: usize = 8;

/// Channels remembered for superseding; beyond it the table starts afresh.
const MAX_CHANNELS: usize = 4096;

/// What a request may ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Most paths a run may take.
    pub max_paths: u64,
    /// Most overrides a request may carry.
    pub max_sets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_paths: 2_000_000,
            max_sets: 512,
        }
    }
}

/// A run asked for: `{"paths": N, "seed": S, "set": {"dotted.key": value, …}}`.
/// Absent paths and seed are the scenario's `run.paths` and `run.seed` (after
/// the overrides), as on the command line.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    #[serde(default)]
    pub paths: Option<u64>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Overrides in the order given (as repeated `--set` flags).
    #[serde(default, deserialize_with = "ordered_map")]
    pub set: Vec<(String, serde_json::Value)>,
    /// A newer request on the same channel cancels this one's work.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A JSON object's entries in the order written (serde_json's map would sort them).
pub(crate) fn ordered_map<'de, D>(
    deserializer: D,
) -> Result<Vec<(String, serde_json::Value)>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(
                "an object of dotted keys and values, e.g. {\"regime.downturn_probability\": 0.2}",
            )
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    deserializer.deserialize_any(Entries)
}

impl RunRequest {
    /// The overrides as `--set` texts (`KEY=VALUE`): a number, a boolean, an
    /// array or an object as TOML writes it, a string as the text typed after
    /// `=` (so `"0.3"` and `0.3` mean the same, as on the command line).
    pub fn assignments(&self) -> Result<Vec<String>, Error> {
        self.set
            .iter()
            .map(|(key, value)| {
                if key.contains('=') || key.trim().is_empty() {
                    return Err(Error::Input(format!(
                        "`set` key `{key}` is not a dotted key; write e.g. \"series.digital_economy.mean_growth\""
                    )));
                }
                Ok(format!("{key}={}", toml_text(key, value)?))
            })
            .collect()
    }
}

/// A JSON value as the text of a `--set` value.
fn toml_text(key: &str, value: &serde_json::Value) -> Result<String, Error> {
    use serde_json::Value;
    Ok(match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => {
            return Err(Error::Input(format!(
                "`set` gives `{key}` no value (null); give a number, a string or a table"
            )))
        }
        other => {
            let converted: toml::Value = serde_json::from_value::<toml::Value>(other.clone())
                .map_err(|e| Error::Input(format!("`set.{key}` cannot be written in TOML: {e}")))?;
            converted.to_string()
        }
    })
}

/// A finished run: its summary and, per target, which paths met it.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub summary: Summary,
    /// `met[t]` bit `i`: target `t` (summary order) met in path `i`.
    met: Vec<Vec<u64>>,
}

impl Outcome {
    fn is_met(&self, target: usize, path: u64) -> bool {
        self.met[target][(path / 64) as usize] >> (path % 64) & 1 == 1
    }
}

/// Why a what-if run gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// A newer request on the same channel replaced it.
    #[error("superseded by a newer request on channel `{0}`")]
    Superseded(String),
    #[error(transparent)]
    Failed(#[from] Error),
}

impl From<scenario::ScenarioError> for WhatIfError {
    fn from(e: scenario::ScenarioError) -> Self {
        WhatIfError::Failed(Error::Scenario(e))
    }
}

/// The scenario as loaded, the runs of it kept for pairing, and the channels.
pub struct Session {
    source: Source,
    options: LoadOptions,
    loaded: Scenario,
    limits: Limits,
    bases: Mutex<Vec<BaseRun>>,
    channels: Channels,
}

/// A run with its paired change against the scenario as loaded.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIf {
    pub summary: Summary,
    pub change: Change,
}

/// The change of every target and of the number met, against the loaded
/// scenario run on the same paths and seed.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// Paired (same seed, paths and sampling: path by path) or independent.
    pub method: Method,
    /// Paths behind each side.
    pub paths: u64,
    pub seed: u64,
    /// A change inside ±threshold counts as no change.
    pub threshold: f64,
    pub targets: Vec<TargetDelta>,
    /// Per year and group of `targets_met`: the change of the expected number met.
    pub targets_met: Vec<CountDelta>,
}

/// One target's probability before and after.
#[derive(Clone, Debug, Serialize)]
pub struct TargetDelta {
    pub name: String,
    pub base_probability: f64,
    pub probability: f64,
    /// probability - base_probability.
    pub difference: f64,
    /// Its 95 % interval (Newcombe's paired or independent score interval).
    pub ci95: [f64; 2],
    pub verdict: Verdict,
    /// Paths met only after the change, and only before (paired only).
    pub discordant: Option<[u64; 2]>,
}

/// The change of the expected number of a group's targets met.
#[derive(Clone, Debug, Serialize)]
pub struct CountDelta {
    pub year: i32,
    pub group: String,
    pub base_expected: f64,
    pub expected: f64,
    pub difference: f64,
    /// mean ± 1.96 × (sd of the per-path difference) / sqrt(paths) when
    /// paired; from the two standard errors when independent.
    pub ci95: [f64; 2],
}

impl Session {
    /// Loads the scenario (refusing a bad file as `run` would).
    pub fn open(source: Source, options: LoadOptions, limits: Limits) -> Result<Self, Error> {
        let loaded = load(&source, options, &[])?;
        Ok(Session {
            source,
            options,
            loaded,
            limits,
            bases: Mutex::new(Vec::new()),
            channels: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The scenario as loaded.
    pub fn scenario(&self) -> &Scenario {
        &self.loaded
    }

    /// Where the scenario came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The loaded scenario with `request`'s overrides, and the run it asks for.
    pub fn resolve(&self, request: &RunRequest) -> Result<(Scenario, RunConfig), Error> {
        if request.set.len() > self.limits.max_sets {
            return Err(Error::Input(format!(
                "`set` has {} overrides; a request takes at most {}",
                request.set.len(),
                self.limits.max_sets
            )));
        }
        if let Source::File(path) = &self.source {
            // Pairs are made with the scenario as loaded; a file edited since
            // would pair two different scenarios without saying so.
            let now = load(&self.source, self.options, &[])?;
            if now.resolved_toml != self.loaded.resolved_toml {
                return Err(Error::Input(format!(
                    "{} (or a file it extends) changed since the server started; restart `xuhui-sim serve` to load the new version",
                    path.display()
                )));
            }
        }
        let scenario = load(&self.source, self.options, &request.assignments()?)?;
        let paths = request.paths.unwrap_or(scenario.run.paths);
        if paths == 0 || paths > self.limits.max_paths {
            return Err(Error::Input(format!(
                "`paths` {paths} is outside what this server runs, 1 to {} (start it with --max-paths to allow more)",
                self.limits.max_paths
            )));
        }
        let config = RunConfig {
            paths,
            seed: request.seed.unwrap_or(scenario.run.seed),
            threads: None,
        };
        Ok((scenario, config))
    }

    /// Runs `request` (its summary is `run --set`'s).
    pub fn run(&self, request: &RunRequest) -> Result<Outcome, WhatIfError> {
        let (scenario, config) = self.resolve(request)?;
        let cancel = self.channel_guard(request.channel.as_deref());
        run_scenario(&scenario, &config, &cancel)
    }

    /// Runs `request` and pairs it with the loaded scenario on the same paths and seed.
    pub fn what_if(&self, request: &RunRequest) -> Result<WhatIf, WhatIfError> {
        let (scenario, config) = self.resolve(request)?;
        let cancel = self.channel_guard(request.channel.as_deref());
        let base = self.base(&config, &cancel)?;
        let outcome = run_scenario(&scenario, &config, &cancel)?;
        let change = change(&base, &outcome);
        Ok(WhatIf {
            summary: outcome.summary,
            change,
        })
    }

    /// The loaded scenario's run at `config`'s paths and seed (kept for the next change).
    fn base(&self, config: &RunConfig, cancel: &Cancel) -> Result<Arc<Outcome>, WhatIfError> {
        let key = (config.paths, config.seed);
        if let Some((_, found)) = lock(&self.bases).iter().find(|(k, _)| *k == key) {
            return Ok(found.clone());
        }
        let outcome = Arc::new(run_scenario(&self.loaded, config, cancel)?);
        let mut bases = lock(&self.bases);
        if !bases.iter().any(|(k, _)| *k == key) {
            if bases.len() >= BASE_CACHE {
                bases.remove(0);
            }
            bases.push((key, outcome.clone()));
        }
        Ok(outcome)
    }

    /// A fresh generation of `channel`: older work on it stops.
    fn channel_guard(&self, channel: Option<&str>) -> Cancel {
        let Some(channel) = channel else {
            return Cancel::never();
        };
        let mut channels = lock(&self.channels);
        if channels.len() >= MAX_CHANNELS && !channels.contains_key(channel) {
            channels.clear();
        }
        let generation = channels.entry(channel.to_string()).or_insert(0);
        *generation += 1;
        let generation = *generation;
        Cancel {
            channel: Some((self.channels.clone(), channel.to_string(), generation)),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn load(source: &Source, options: LoadOptions, sets: &[String]) -> Result<Scenario, Error> {
    Ok(match source {
        Source::File(path) => scenario::load_file_with(path, sets, options)?,
        Source::Embedded => scenario::load_embedded_baseline_with(sets, options)?,
    })
}

/// Whether a run should stop: its channel has moved on to a newer generation.
struct Cancel {
    /// The channels' table, the run's channel and its generation.
    channel: Option<(Channels, String, u64)>,
}

type Channels = Arc<Mutex<HashMap<String, u64>>>;

/// The loaded scenario's run at (paths, seed).
type BaseRun = ((u64, u64), Arc<Outcome>);

impl Cancel {
    fn never() -> Self {
        Cancel { channel: None }
    }

    fn superseded(&self) -> bool {
        match &self.channel {
            None => false,
            Some((channels, name, generation)) => lock(channels)
                .get(name)
                .is_some_and(|latest| latest != generation),
        }
    }

    fn name(&self) -> String {
        self.channel
            .as_ref()
            .map(|(_, name, _)| name.clone())
            .unwrap_or_default()
    }
}

/// The engine's per-path sink of a what-if run: turns each block's target
/// values into met bits (the per-path values themselves are not kept).
struct MetBits {
    /// Per target: its column among the kept values, and its bound.
    targets: Vec<(usize, Bound)>,
    met: Vec<Vec<u64>>,
}

impl PathSink for MetBits {
    fn block(&mut self, first_path: u64, columns: Vec<Vec<f64>>) -> Result<(), String> {
        for ((column, bound), bits) in self.targets.iter().zip(&mut self.met) {
            for (j, value) in columns[*column].iter().enumerate() {
                if bound.is_met(*value) {
                    let path = first_path + j as u64;
                    bits[(path / 64) as usize] |= 1 << (path % 64);
                }
            }
        }
        Ok(())
    }
}

/// Runs `scenario` at `config` in memory, keeping each target's met bits.
fn run_scenario(
    scenario: &Scenario,
    config: &RunConfig,
    cancel: &Cancel,
) -> Result<Outcome, WhatIfError> {
    let model = Model::compile(scenario)
        .map_err(|e| Error::Failure(format!("internal error compiling the model: {e}")))?;
    let kept = kept_values(&model, scenario, &[]).map_err(Error::Input)?;
    let indices: Vec<usize> = kept.iter().map(|(index, _)| *index).collect();
    let targets = scenario
        .targets
        .iter()
        .map(|t| {
            let name = column_name(&t.metric, t.year);
            let column = kept.iter().position(|(_, n)| *n == name).ok_or_else(|| {
                Error::Failure(format!("internal error: no per-path column for {name}"))
            })?;
            Ok((column, t.bound))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let words = config.paths.div_ceil(64) as usize;
    let superseded = || cancel.superseded();
    let mut sink = MetBits {
        met: vec![vec![0; words]; targets.len()],
        targets,
    };
    let totals = engine::run_cancellable(
        &model,
        config,
        &indices,
        Some(&mut sink),
        None,
        Some(&superseded),
    );
    let totals = match totals {
        Ok(totals) => totals,
        Err(EngineError::Cancelled) => {
            return Err(WhatIfError::Superseded(cancel.name()));
        }
        Err(e) => return Err(Error::from(e).into()),
    };
    Ok(Outcome {
        summary: summary::summarize(scenario, &model, &totals),
        met: sink.met,
    })
}

/// The change from `base` to `other`: paired when both ran the same paths,
/// seed and sampling, otherwise as independent samples.
fn change(base: &Outcome, other: &Outcome) -> Change {
    let (b, o) = (&base.summary, &other.summary);
    let paired =
        b.run.paths == o.run.paths && b.run.seed == o.run.seed && b.run.sampling == o.run.sampling;
    let paths = o.run.paths;
    let mut targets = Vec::new();
    for (ot_index, ot) in o.targets.iter().enumerate() {
        let Some(bt_index) = b.targets.iter().position(|t| t.name == ot.name) else {
            continue;
        };
        let bt = &b.targets[bt_index];
        let (ci95, discordant) = if paired {
            let mut counts = JointCounts::default();
            for path in 0..paths {
                match (base.is_met(bt_index, path), other.is_met(ot_index, path)) {
                    (true, true) => counts.both += 1,
                    (true, false) => counts.only_first += 1,
                    (false, true) => counts.only_second += 1,
                    (false, false) => counts.neither += 1,
                }
            }
            let (lo, hi) = paired_difference_interval(&counts, Z95);
            ([lo, hi], Some([counts.only_second, counts.only_first]))
        } else {
            let (lo, hi) = independent_difference_interval(
                bt.met_paths,
                b.run.paths,
                ot.met_paths,
                o.run.paths,
                Z95,
            );
            ([lo, hi], None)
        };
        targets.push(TargetDelta {
            name: ot.name.clone(),
            base_probability: bt.probability,
            probability: ot.probability,
            difference: ot.probability - bt.probability,
            ci95,
            verdict: Verdict::of(ci95, DEFAULT_THRESHOLD),
            discordant,
        });
    }
    let targets_met = o
        .targets_met
        .iter()
        .filter_map(|group| {
            let base_group = b
                .targets_met
                .iter()
                .find(|g| g.year == group.year && g.group == group.group)?;
            let ci95 = if paired && base_group.names == group.names {
                paired_count_interval(base, other, &group.names, paths)
            } else {
                let half =
                    Z95 * (group.expected_se.powi(2) + base_group.expected_se.powi(2)).sqrt();
                let d = group.expected - base_group.expected;
                [d - half, d + half]
            };
            Some(CountDelta {
                year: group.year,
                group: group.group.clone(),
                base_expected: base_group.expected,
                expected: group.expected,
                difference: group.expected - base_group.expected,
                ci95,
            })
        })
        .collect();
    Change {
        method: if paired {
            Method::Paired
        } else {
            Method::Independent
        },
        paths,
        seed: o.run.seed,
        threshold: DEFAULT_THRESHOLD,
        targets,
        targets_met,
    }
}

/// 95 % interval of the mean per-path change in the number of `names` met.
fn paired_count_interval(
    base: &Outcome,
    other: &Outcome,
    names: &[String],
    paths: u64,
) -> [f64; 2] {
    let index = |s: &Summary, name: &String| s.targets.iter().position(|t| t.name == *name);
    let pairs: Vec<(usize, usize)> = names
        .iter()
        .filter_map(|n| Some((index(&base.summary, n)?, index(&other.summary, n)?)))
        .collect();
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    for path in 0..paths {
        let d: i64 = pairs
            .iter()
            .map(|&(b, o)| other.is_met(o, path) as i64 - base.is_met(b, path) as i64)
            .sum();
        sum += d as f64;
        sum_sq += (d * d) as f64;
    }
    let n = paths as f64;
    let mean = sum / n;
    let variance = if paths > 1 {
        ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
    } else {
        0.0
    };
    let half = Z95 * (variance / n).sqrt();
    [mean - half, mean + half]
}
