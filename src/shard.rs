//! Runs split across machines: `run --shard K/N` runs the K-th of N
//! contiguous ranges of blocks and writes a partial result set (its counts and
//! each block's sums in `state.bin`, described by `shard.json`); `merge` checks
//! that the shards belong together and cover the run exactly once, folds them
//! in block order and writes a result set whose figures equal the unsharded
//! run's bit for bit, whatever N and in whatever order the shards are given.

use crate::engine::{
    self, state::ShardState, BlockSums, CountState, PathSink, RunConfig, RunTotals, TargetYears,
    BLOCK_PATHS,
};
use crate::model::Model;
use crate::output::paths;
use crate::output::Staging;
use crate::runner::{Error, Keep, Prepared};
use crate::scenario::Scenario;
use crate::summary::{self, PerPath, Summary};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Identifies the partial result set format.
pub(crate) const SHARD_FORMAT: &str = "xuhui-sim.shard.v1";
/// The state file of a shard.
pub(crate) const STATE_FILE: &str = "state.bin";

/// `shard.json`: what a shard holds and which run it belongs to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShardInfo {
    pub format: String,
    /// 1-based.
    pub shard: u64,
    pub shards: u64,
    pub first_block: u64,
    pub blocks: u64,
    pub paths: u64,
    pub seed: u64,
    pub sampling: crate::scenario::Sampling,
    pub scenario_name: String,
    pub scenario_sha256: String,
    pub version: String,
    pub block_paths: u64,
    /// The per-path columns of its `paths.parquet`, if it kept one.
    pub per_path_columns: Option<Vec<String>>,
    pub threads: usize,
    pub seconds: f64,
}

/// Parses `K/N` with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard {text}: write K/N with 1 ≤ K ≤ N, e.g. --shard 2/3");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The blocks of shard `k` of `n` (1-based) among `total` blocks.
pub fn shard_blocks(total: u64, k: u64, n: u64) -> std::ops::Range<u64> {
    (total * (k - 1) / n)..(total * k / n)
}

/// Runs shard `k` of `n` and writes it to `out`.
pub fn run_shard(
    scenario: &Scenario,
    config: &RunConfig,
    (k, n): (u64, u64),
    out: &Path,
    force: bool,
    keep: &Keep,
) -> Result<ShardInfo, Error> {
    let started = std::time::Instant::now();
    let total = engine::block_count(config.paths).map_err(|e| Error::Input(e.to_string()))?;
    if n > total {
        return Err(Error::Input(format!(
            "--shard {k}/{n}: a run of {} paths has only {total} blocks of {BLOCK_PATHS}; use at most {total} shards",
            config.paths
        )));
    }
    let range = shard_blocks(total, k, n);
    let paths_here = ((range.end - range.start) * BLOCK_PATHS).min(config.paths);
    let Prepared {
        model,
        kept,
        staging,
        mut writer,
        ..
    } = crate::runner::prepare(scenario, config, out, force, keep, paths_here)?;
    let indices: Vec<usize> = kept.iter().map(|(i, _)| *i).collect();
    let shift = engine::pilot_shift(&model, config.seed);
    let mut blocks: Vec<BlockSums> = Vec::with_capacity((range.end - range.start) as usize);
    let mut keep_block = |_block: u64, sums: BlockSums| blocks.push(sums);
    let sink = writer.as_mut().map(|w| w as &mut dyn PathSink);
    let (counts, threads) = engine::run_blocks(
        &model,
        config,
        range.clone(),
        &shift,
        &indices,
        sink,
        None,
        None,
        &mut keep_block,
    )
    .map_err(|e| match e {
        engine::EngineError::Interrupted => Error::Interrupted(crate::error::INTERRUPTED.into()),
        other => Error::Failure(other.to_string()),
    })?;
    if let Some(writer) = writer {
        writer.close().map_err(Error::Failure)?;
    }
    let state = ShardState {
        first_block: range.start,
        blocks,
        counts,
    };
    let info = ShardInfo {
        format: SHARD_FORMAT.into(),
        shard: k,
        shards: n,
        first_block: range.start,
        blocks: range.end - range.start,
        paths: config.paths,
        seed: config.seed,
        sampling: scenario.run.sampling,
        scenario_name: scenario.name.clone(),
        scenario_sha256: summary::sha256_hex(&scenario.resolved_toml),
        version: env!("CARGO_PKG_VERSION").into(),
        block_paths: BLOCK_PATHS,
        per_path_columns: (!kept.is_empty()).then(|| kept.iter().map(|(_, n)| n.clone()).collect()),
        threads,
        seconds: started.elapsed().as_secs_f64(),
    };
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(staging.file(name), bytes)
            .map_err(|e| Error::Failure(format!("cannot write {name}: {e}")))
    };
    write(STATE_FILE, &state.to_bytes())?;
    write(
        "shard.json",
        (serde_json::to_string_pretty(&info).unwrap_or_default() + "\n").as_bytes(),
    )?;
    write("scenario.toml", scenario.resolved_toml.as_bytes())?;
    staging.commit()?;
    Ok(info)
}

fn read_info(dir: &Path) -> Result<ShardInfo, Error> {
    let file = dir.join("shard.json");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::Input(format!(
            "{} is not a shard: cannot read {} ({e}); shards are written by `run --shard K/N`",
            dir.display(),
            file.display()
        ))
    })?;
    let info: ShardInfo = serde_json::from_str(&text).map_err(|e| {
        Error::Input(format!(
            "{} is damaged or from another version ({e})",
            file.display()
        ))
    })?;
    if info.format != SHARD_FORMAT {
        return Err(Error::Input(format!(
            "{} has format `{}`; this binary merges `{SHARD_FORMAT}`",
            file.display(),
            info.format
        )));
    }
    Ok(info)
}

/// Checks that the shards belong to one run and cover it exactly once; returns them in shard order.
fn check_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardInfo)>, Error> {
    let mut shards: Vec<(PathBuf, ShardInfo)> = dirs
        .iter()
        .map(|d| read_info(d).map(|i| (d.clone(), i)))
        .collect::<Result<_, _>>()?;
    let Some((first_dir, first)) = shards.first().cloned() else {
        return Err(Error::Input("merge needs the shard folders to join".into()));
    };
    for (dir, info) in &shards[1..] {
        let differs = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            Error::Input(format!(
                "{} and {} are not shards of one run: their {what} differs ({a} and {b})",
                first_dir.display(),
                dir.display()
            ))
        };
        if info.scenario_sha256 != first.scenario_sha256 {
            return Err(differs(
                "scenario",
                &first.scenario_name,
                &info.scenario_name,
            ));
        }
        if info.seed != first.seed {
            return Err(differs("seed", &first.seed, &info.seed));
        }
        if info.paths != first.paths {
            return Err(differs("path count", &first.paths, &info.paths));
        }
        if info.sampling != first.sampling {
            return Err(differs("sampling", &first.sampling, &info.sampling));
        }
        if info.version != first.version || info.block_paths != first.block_paths {
            return Err(differs("engine version", &first.version, &info.version));
        }
        if info.shards != first.shards {
            return Err(differs("shard count", &first.shards, &info.shards));
        }
        if info.per_path_columns != first.per_path_columns {
            return Err(differs("per-path columns", &"…", &"…"));
        }
    }
    shards.sort_by_key(|(_, info)| info.shard);
    for pair in shards.windows(2) {
        if pair[0].1.shard == pair[1].1.shard {
            return Err(Error::Input(format!(
                "shard {}/{} is given twice ({} and {}); give each shard once",
                pair[0].1.shard,
                first.shards,
                pair[0].0.display(),
                pair[1].0.display()
            )));
        }
    }
    let present: Vec<u64> = shards.iter().map(|(_, i)| i.shard).collect();
    let missing: Vec<String> = (1..=first.shards)
        .filter(|k| !present.contains(k))
        .map(|k| format!("{k}/{}", first.shards))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Input(format!(
            "shard {} missing; give all {} shards of the run",
            missing.join(", "),
            first.shards
        )));
    }
    let total = first.paths.div_ceil(first.block_paths);
    for (dir, info) in &shards {
        let expected = shard_blocks(total, info.shard, info.shards);
        if info.first_block != expected.start || info.blocks != expected.end - expected.start {
            return Err(Error::Input(format!(
                "{} does not hold the blocks shard {}/{} should; it is damaged",
                dir.display(),
                info.shard,
                info.shards
            )));
        }
    }
    Ok(shards)
}

/// Merges shard folders into the result set `out`.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<Summary, Error> {
    let shards = check_shards(dirs)?;
    let (first_dir, first) = &shards[0];
    let toml = std::fs::read_to_string(first_dir.join("scenario.toml")).map_err(|e| {
        Error::Input(format!(
            "cannot read {}/scenario.toml ({e})",
            first_dir.display()
        ))
    })?;
    if summary::sha256_hex(&toml) != first.scenario_sha256 {
        return Err(Error::Input(format!(
            "{}/scenario.toml was edited after the shard ran; its checksum differs from shard.json",
            first_dir.display()
        )));
    }
    let scenario = crate::scenario::load_str(
        &toml,
        &format!("{}/scenario.toml", first_dir.display()),
        &[],
    )
    .map_err(|e| Error::Input(e.to_string()))?;
    let model = Model::compile(&scenario).map_err(Error::Failure)?;
    let staging = Staging::begin(out, force)?;
    let mut sums = BlockSums::new(&model);
    let mut counts = CountState::new(&model, &TargetYears::new(&model));
    let (mut threads, mut seconds) = (0, 0.0);
    for (dir, info) in &shards {
        let file = dir.join(STATE_FILE);
        let bytes = std::fs::read(&file)
            .map_err(|e| Error::Input(format!("cannot read {} ({e})", file.display())))?;
        let state = ShardState::from_bytes(&bytes)
            .map_err(|e| Error::Input(format!("{} cannot be merged: {e}", file.display())))?;
        if state.blocks.len() as u64 != info.blocks
            || state.counts.sketches.len() != model.value_count
        {
            return Err(Error::Input(format!(
                "{} does not match its shard.json or its scenario; it is damaged",
                file.display()
            )));
        }
        for block in &state.blocks {
            sums.absorb_block(block);
        }
        counts.merge(&state.counts);
        threads = threads.max(info.threads);
        seconds += info.seconds;
    }
    let totals = RunTotals::new(
        &model,
        first.seed,
        engine::pilot_shift(&model, first.seed),
        first.paths,
        counts,
        sums,
        (threads, seconds),
    );
    let mut summary = summary::summarize(&scenario, &model, &totals);
    if let Some(columns) = &first.per_path_columns {
        let parts: Vec<PathBuf> = shards
            .iter()
            .map(|(dir, _)| dir.join(paths::PATHS_FILE))
            .collect();
        let rows =
            paths::concatenate(&parts, &staging.file(paths::PATHS_FILE)).map_err(Error::Input)?;
        summary.per_path = Some(PerPath {
            file: paths::PATHS_FILE.into(),
            rows,
            inputs: crate::runner::input_names(&model, columns),
            columns: columns.clone(),
        });
    }
    staging.finish(&summary, &toml)?;
    Ok(summary)
}
