//! The parallel Monte Carlo engine: paths in fixed blocks on a rayon pool,
//! streaming aggregation, and figures that are identical on any thread count.
//!
//! Paths are cut into blocks of [`BLOCK_PATHS`], which workers claim in
//! order and run at once. A worker adds each path to its own integer counts
//! (exact to merge) and to the floating-point sums of the block it is running;
//! finished blocks' sums are folded in block order by whichever worker finds
//! the next one ready (see `Schedule`). So neither the thread count nor
//! rayon's scheduling can change a single bit of the result, no worker waits
//! at a barrier, and memory is bounded by how far workers may run ahead of
//! the fold ([`AHEAD_BLOCKS`]), not by the number of paths.

pub mod accumulate;
pub mod state;

pub use accumulate::{BlockSums, CountState, TargetYears};

use crate::model::{Model, PathWorkspace};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// Paths per block: the unit of work and of floating-point summation order
/// (defined with the designs, which depend on it).
pub use crate::model::design::BLOCK_PATHS;
/// Blocks a worker may run ahead of the next block to fold (at least two per
/// thread): bounds the finished block sums held at once.
pub(crate) const AHEAD_BLOCKS: u64 = 16;
/// Blocks ahead when every path's values are kept: a finished block's kept
/// values (for the baseline's 63 kept columns, 2 MB a block) wait until it is
/// folded, so fewer bound memory.
const KEEPING_AHEAD_BLOCKS: u64 = 4;
/// Largest number of paths a run accepts (sketch counters are 32-bit).
pub const MAX_PATHS: u64 = 4_000_000_000;
/// Fewest blocks of a run under a sampling design: its error bars are batch
/// means over blocks, with a Student t quantile on `blocks - 1` degrees of
/// freedom. Below 32 blocks a target that turns on one input (a programme's
/// delivery) gets intervals that cover 87-89 % of the time under lhs and sobol
/// (block counts differ by at most one item); at 32 blocks 93-95 % (tested in
/// tests/it/analytic.rs).
pub(crate) const MIN_DESIGN_BLOCKS: u64 = 32;

/// The fewest paths a run under `sampling` accepts.
pub fn least_paths(sampling: crate::model::design::Sampling) -> u64 {
    match sampling {
        crate::model::design::Sampling::Random => 1,
        _ => MIN_DESIGN_BLOCKS * BLOCK_PATHS,
    }
}

/// What to run: the engine's whole configuration (no command-line types here).
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    pub paths: u64,
    pub seed: u64,
    /// Worker threads; `None` uses every available core.
    pub threads: Option<usize>,
}

/// Everything a run accumulated, before it is turned into statistics.
#[derive(Clone, Debug)]
pub struct RunTotals {
    pub paths: u64,
    pub seed: u64,
    pub threads: usize,
    pub seconds: f64,
    /// Value of each metric in path 0: the shift of the moment sums.
    pub shift: Vec<f64>,
    pub counts: CountState,
    pub sums: BlockSums,
    pub target_years: TargetYears,
}

impl RunTotals {
    /// The totals of a run of `paths` paths of `model` with `seed`, whose
    /// moment sums were shifted by `shift` ([`pilot_shift`]) and which took
    /// `threads` worker threads and `seconds` of wall time. The one
    /// constructor of whole, adaptive and merged sharded runs.
    pub(crate) fn new(
        model: &Model,
        seed: u64,
        shift: Vec<f64>,
        paths: u64,
        counts: CountState,
        sums: BlockSums,
        (threads, seconds): (usize, f64),
    ) -> Self {
        RunTotals {
            paths,
            seed,
            threads,
            seconds,
            shift,
            counts,
            sums,
            target_years: TargetYears::new(model),
        }
    }
}

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("--paths must be between 1 and {MAX_PATHS}, not {0}")]
    Paths(u64),
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
    #[error("cannot keep the per-path outcomes: {0}")]
    Sink(String),
    #[error(
        "sampling `{sampling}` needs at least {least} paths ({MIN_DESIGN_BLOCKS} blocks of \
         {BLOCK_PATHS}, so that its error bars have blocks to come from), not {paths}; \
         raise --paths to {least} or use --sampling random"
    )]
    DesignPaths {
        sampling: &'static str,
        paths: u64,
        least: u64,
    },
    #[error("interrupted")]
    Interrupted,
    /// The caller's cancel check said stop (a newer what-if request).
    #[error("cancelled")]
    Cancelled,
}

/// Asked before each block: `true` stops the run with
/// [`EngineError::Cancelled`] (blocks already started finish first).
pub(crate) type Cancel<'a> = &'a (dyn Fn() -> bool + Sync);

/// Receives chosen metric values of every path, in path order, one block at a
/// time (the per-path outcomes a result set keeps).
pub trait PathSink: Send {
    /// `columns[k][j]` is kept value `k` of path `first_path + j`.
    fn block(&mut self, first_path: u64, columns: Vec<Vec<f64>>) -> Result<(), String>;
}

/// Runs `config.paths` paths of `model`.
pub fn run(model: &Model, config: &RunConfig) -> Result<RunTotals, EngineError> {
    run_keeping(model, config, &[], None, None)
}

/// Set by [`request_stop`] (from a signal handler); runs stop before their next block.
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks every run in progress to stop before its next block (a block of
/// the baseline takes about 10 ms) with [`EngineError::Interrupted`].
pub fn request_stop() {
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Clears a stop request, so that a later run in the same process (a
/// notebook's next cell after Ctrl-C) runs again.
pub fn clear_stop() {
    STOP.store(false, std::sync::atomic::Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(std::sync::atomic::Ordering::SeqCst)
}

/// Called after each block is folded with the number of paths done so far.
pub(crate) type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Runs `config.paths` paths of `model`, handing the values at buffer indices
/// `kept` of every path to `sink`, in path order.
pub(crate) fn run_keeping(
    model: &Model,
    config: &RunConfig,
    kept: &[usize],
    sink: Option<&mut dyn PathSink>,
    progress: Option<Progress<'_>>,
) -> Result<RunTotals, EngineError> {
    run_cancellable(model, config, kept, sink, progress, None)
}

/// [`run_keeping`] that also stops when `cancel` says so.
pub(crate) fn run_cancellable(
    model: &Model,
    config: &RunConfig,
    kept: &[usize],
    sink: Option<&mut dyn PathSink>,
    progress: Option<Progress<'_>>,
    cancel: Option<Cancel<'_>>,
) -> Result<RunTotals, EngineError> {
    let started = Instant::now();
    let shift = pilot_shift(model, config.seed);
    let mut sums = BlockSums::new(model);
    let mut fold = |_block: u64, block_sums: BlockSums| sums.absorb_block(&block_sums);
    let blocks = 0..block_count(config.paths)?;
    let (counts, threads) = run_blocks(
        model, config, blocks, &shift, kept, sink, progress, cancel, &mut fold,
    )?;
    Ok(RunTotals::new(
        model,
        config.seed,
        shift,
        config.paths,
        counts,
        sums,
        (threads, started.elapsed().as_secs_f64()),
    ))
}

/// The number of blocks of a run of `paths` paths (refusing an impossible count).
pub(crate) fn block_count(paths: u64) -> Result<u64, EngineError> {
    if paths == 0 || paths > MAX_PATHS {
        return Err(EngineError::Paths(paths));
    }
    Ok(paths.div_ceil(BLOCK_PATHS))
}

/// The shift of the moment sums: every metric's value in path 0. Any shard
/// computes the same, so sums from different machines line up.
pub fn pilot_shift(model: &Model, seed: u64) -> Vec<f64> {
    let mut shift = vec![0.0; model.value_count];
    let mut pilot = PathWorkspace::new(model);
    model.simulate_path(seed, 0, &mut pilot, &mut shift, 1);
    shift
}

/// Runs the blocks `blocks` of a run of `config.paths` paths: each block's
/// floating-point sums go to `on_block` in block order, per-path values at
/// `kept` to `sink` in path order; returns the merged integer counts and the
/// number of worker threads.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_blocks(
    model: &Model,
    config: &RunConfig,
    blocks: std::ops::Range<u64>,
    shift: &[f64],
    kept: &[usize],
    sink: Option<&mut dyn PathSink>,
    progress: Option<Progress<'_>>,
    cancel: Option<Cancel<'_>>,
    on_block: &mut (dyn FnMut(u64, BlockSums) + Send),
) -> Result<(CountState, usize), EngineError> {
    let cancelled = || cancel.is_some_and(|c| c());
    let least = least_paths(model.sampling);
    if config.paths < least {
        return Err(EngineError::DesignPaths {
            sampling: model.sampling.name(),
            paths: config.paths,
            least,
        });
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        builder = builder.num_threads(threads.max(1));
    }
    let pool = builder.build().map_err(|e| EngineError::Threads {
        threads: config.threads.unwrap_or(0),
        reason: e.to_string(),
    })?;
    let threads = pool.current_num_threads();
    let target_years = TargetYears::new(model);
    let ahead = if sink.is_some() {
        KEEPING_AHEAD_BLOCKS
    } else {
        AHEAD_BLOCKS
    }
    .max(2 * threads as u64);
    let schedule = Schedule {
        blocks: blocks.clone(),
        paths: config.paths,
        ahead,
        queue: Mutex::new(Queue {
            next_claim: blocks.start,
            next_fold: blocks.start,
            ready: std::collections::BTreeMap::new(),
            failure: None,
        }),
        room: Condvar::new(),
        folder: Mutex::new(Folder {
            on_block,
            sink,
            progress,
        }),
    };
    let finished: Vec<Option<CountState>> = pool.broadcast(|_| {
        // A panic in this worker stops the others (rayon raises it again
        // once every worker has returned) instead of leaving them waiting
        // for a block that will never be folded.
        let _stop_on_panic = StopOnPanic(&schedule);
        let mut worker: Option<Worker> = None;
        while let Some(block) = schedule.claim(&cancelled) {
            // Built on its own thread, so its memory comes from that thread's
            // allocator arena, apart from the other workers'.
            let worker = worker.get_or_insert_with(|| Worker::new(model, &target_years));
            let first = block * BLOCK_PATHS;
            let last = (first + BLOCK_PATHS).min(config.paths);
            let done =
                worker.run_block(model, &target_years, config.seed, first..last, shift, kept);
            schedule.finish(block, done);
        }
        worker.map(|worker| worker.counts)
    });
    let queue = schedule
        .queue
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(failure) = queue.failure {
        return Err(failure);
    }
    // Cancelled after the last block was claimed: the answer is still stale.
    if cancelled() {
        return Err(EngineError::Cancelled);
    }
    // Integer counts merge exactly in any order.
    let counts = pool
        .install(|| CountState::combine(finished.into_iter().flatten().collect()))
        .unwrap_or_else(|| CountState::new(model, &target_years));
    Ok((counts, threads))
}

/// Marks the run failed when a worker unwinds from a panic, and wakes the
/// workers waiting for room, so that none waits for the panicked block.
struct StopOnPanic<'a, 'f, 's, 'p>(&'a Schedule<'f, 's, 'p>);

impl Drop for StopOnPanic<'_, '_, '_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.lock();
            queue
                .failure
                .get_or_insert(EngineError::Sink("a worker thread panicked".into()));
            self.0.room.notify_all();
        }
    }
}

/// What a block hands on: its floating-point sums and its kept values.
type Finished = (BlockSums, Vec<Vec<f64>>);

/// The order of a run's blocks. Workers claim blocks in increasing order and
/// run them at once; a finished block waits in `ready` until every block
/// before it is folded, and whichever worker finds the next block ready folds
/// it (and every ready block after it) into the run's sums and hands its
/// kept values to the sink. So the sums are added in block order on any
/// thread count, no worker waits for a slower one at a barrier, and the
/// folding (Parquet encoding when paths are kept) runs while the other
/// workers keep simulating. No block is claimed more than `ahead` blocks past
/// the next one to fold, which bounds the finished blocks held at once.
struct Schedule<'f, 's, 'p> {
    blocks: std::ops::Range<u64>,
    /// The run's paths (the last block may be short).
    paths: u64,
    ahead: u64,
    queue: Mutex<Queue>,
    /// Signalled when `next_fold` moves on or the run fails.
    room: Condvar,
    /// The folding role: held by one worker at a time.
    folder: Mutex<Folder<'f, 's, 'p>>,
}

struct Queue {
    next_claim: u64,
    next_fold: u64,
    ready: std::collections::BTreeMap<u64, Finished>,
    /// Why the run stopped early, if it did: no block is claimed after it.
    failure: Option<EngineError>,
}

/// What folding a block touches (each its own lifetime: `&mut` is invariant).
struct Folder<'f, 's, 'p> {
    on_block: &'f mut (dyn FnMut(u64, BlockSums) + Send),
    sink: Option<&'s mut dyn PathSink>,
    progress: Option<Progress<'p>>,
}

impl Schedule<'_, '_, '_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next block to run, once it is within `ahead` of the next block to
    /// fold; `None` when every block is claimed or the run stopped (a stop
    /// request or `cancelled` is asked before each block).
    fn claim(&self, cancelled: &dyn Fn() -> bool) -> Option<u64> {
        let mut queue = self.lock();
        loop {
            if queue.failure.is_some() || queue.next_claim >= self.blocks.end {
                return None;
            }
            let stop = if stop_requested() {
                Some(EngineError::Interrupted)
            } else if cancelled() {
                Some(EngineError::Cancelled)
            } else {
                None
            };
            if let Some(stop) = stop {
                queue.failure = Some(stop);
                self.room.notify_all();
                return None;
            }
            if queue.next_claim < queue.next_fold + self.ahead {
                queue.next_claim += 1;
                return Some(queue.next_claim - 1);
            }
            queue = self
                .room
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Files finished `block`, then folds every block that is next in order
    /// unless another worker is folding (it will fold this one too).
    fn finish(&self, block: u64, done: Finished) {
        self.lock().ready.insert(block, done);
        loop {
            let Ok(mut folder) = self.folder.try_lock() else {
                return;
            };
            loop {
                let next = {
                    let mut queue = self.lock();
                    if queue.failure.is_some() {
                        return;
                    }
                    let next_fold = queue.next_fold;
                    match queue.ready.remove(&next_fold) {
                        Some(done) => (next_fold, done),
                        None => break,
                    }
                };
                let (block, (sums, columns)) = next;
                (folder.on_block)(block, sums);
                let sunk = match folder.sink.as_mut() {
                    Some(sink) => sink.block(block * BLOCK_PATHS, columns),
                    None => Ok(()),
                };
                let mut queue = self.lock();
                queue.next_fold += 1;
                if let Err(e) = sunk {
                    // A stop asked for meanwhile keeps its own exit code.
                    queue.failure.get_or_insert(EngineError::Sink(e));
                }
                self.room.notify_all();
                drop(queue);
                if let Some(report) = folder.progress {
                    report(((block + 1 - self.blocks.start) * BLOCK_PATHS).min(self.paths));
                }
            }
            drop(folder);
            // A block filed while this worker held the role, by a worker that
            // then found the role taken, is folded here.
            let queue = self.lock();
            if queue.failure.is_some() || !queue.ready.contains_key(&queue.next_fold) {
                return;
            }
        }
    }
}

/// Paths simulated and aggregated at a time within a block: their values
/// (1 MiB for the baseline's 128) stay in a core's 2 MiB L2 cache between
/// the model writing them and the aggregation reading them. Measured: 7 %
/// faster than whole blocks of 4096 (4 MiB); 512 no better within noise.
const SUB_BLOCK: usize = 1024;

/// One thread's reusable state.
struct Worker {
    workspace: PathWorkspace,
    /// [`SUB_BLOCK`] paths' values, column by column: value `i` of the
    /// sub-block's path `j` at `i * SUB_BLOCK + j`.
    columns: Vec<f64>,
    /// The sub-block's per-path inputs ([`Model::input_slots`]), laid out
    /// like `columns`; empty unless a kept index asks for an input.
    inputs: Vec<f64>,
    met_count: Vec<u16>,
    counts: CountState,
}

impl Worker {
    fn new(model: &Model, years: &TargetYears) -> Self {
        Worker {
            workspace: PathWorkspace::new(model),
            columns: vec![0.0; model.value_count * SUB_BLOCK],
            inputs: Vec::new(),
            met_count: Vec::new(),
            counts: CountState::new(model, years),
        }
    }

    /// Runs the paths `paths` (one block): returns the block's sums and the
    /// values at buffer indices `kept` of each path, value by value (an index
    /// `value_count + i` is the path's input `i`, see [`Model::input_slots`]).
    ///
    /// The block is simulated and aggregated [`SUB_BLOCK`] paths at a time,
    /// so that the values written by the model are still in the core's own
    /// cache when they are read back (the columns of a whole block, 4 MiB
    /// for the baseline, are not); sums are additive, so the block's figures
    /// are those of its paths in path order whatever the split.
    fn run_block(
        &mut self,
        model: &Model,
        years: &TargetYears,
        seed: u64,
        paths: std::ops::Range<u64>,
        shift: &[f64],
        kept: &[usize],
    ) -> (BlockSums, Vec<Vec<f64>>) {
        let mut sums = BlockSums::new(model);
        let count = (paths.end - paths.start) as usize;
        let mut kept_values: Vec<Vec<f64>> =
            kept.iter().map(|_| Vec::with_capacity(count)).collect();
        let wants_inputs = kept.iter().any(|&k| k >= model.value_count);
        if wants_inputs && self.inputs.is_empty() {
            self.inputs = vec![0.0; model.input_slots() * SUB_BLOCK];
        }
        let mut first = paths.start;
        while first < paths.end {
            let end = (first + SUB_BLOCK as u64).min(paths.end);
            let inputs = if wants_inputs {
                Some(&mut self.inputs[..])
            } else {
                None
            };
            self.counts.clamped_draws += model.simulate_paths(
                seed,
                first..end,
                &mut self.workspace,
                &mut self.columns,
                SUB_BLOCK,
                inputs,
            );
            let block = accumulate::Columns {
                values: &self.columns,
                stride: SUB_BLOCK,
                paths: (end - first) as usize,
            };
            accumulate::add_targets(
                model,
                years,
                block,
                &mut self.counts,
                &mut sums,
                &mut self.met_count,
            );
            accumulate::add_columns(block, shift, &mut self.counts, &mut sums);
            for (values, &k) in kept_values.iter_mut().zip(kept) {
                let source = match k.checked_sub(model.value_count) {
                    Some(input) => &self.inputs[input * SUB_BLOCK..],
                    None => &self.columns[k * SUB_BLOCK..],
                };
                values.extend_from_slice(&source[..block.paths]);
            }
            first = end;
        }
        (sums, kept_values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "[scenario]\nname = \"w\"\nbase_year = 2023\nend_year = 2025\n[series.a]\nbase = 100\nmean_growth = 0.05\nvolatility = 0.01\ngdp_share = 1.0\n[[target]]\nname = \"g\"\nmetric = \"gdp.growth\"\nyear = 2024\nat_least = 0.05\n";

    fn model() -> Model {
        let scenario = crate::scenario::load_str(SMALL, "w.toml", &[]).unwrap();
        Model::compile(&scenario).unwrap()
    }

    /// Records the first path of every block it is handed; panics on one.
    struct Sink {
        firsts: Vec<u64>,
        panic_at: Option<u64>,
    }

    impl PathSink for Sink {
        fn block(&mut self, first_path: u64, _columns: Vec<Vec<f64>>) -> Result<(), String> {
            #[allow(clippy::panic)]
            if Some(first_path) == self.panic_at {
                panic!("a sink that fails on purpose");
            }
            self.firsts.push(first_path);
            Ok(())
        }
    }

    fn config(threads: usize) -> RunConfig {
        RunConfig {
            paths: 40 * BLOCK_PATHS + 7,
            seed: 3,
            threads: Some(threads),
        }
    }

    #[test]
    fn blocks_reach_the_sink_once_each_in_order_on_any_thread_count() {
        let model = model();
        for threads in [1, 2, 3] {
            let mut sink = Sink {
                firsts: Vec::new(),
                panic_at: None,
            };
            run_keeping(&model, &config(threads), &[0], Some(&mut sink), None).unwrap();
            let expected: Vec<u64> = (0..41).map(|b| b * BLOCK_PATHS).collect();
            assert_eq!(sink.firsts, expected, "{threads} threads");
        }
    }

    #[test]
    fn a_panic_while_folding_fails_the_run_instead_of_stalling_it() {
        let model = model();
        let mut sink = Sink {
            firsts: Vec::new(),
            panic_at: Some(5 * BLOCK_PATHS),
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_keeping(&model, &config(2), &[0], Some(&mut sink), None)
        }));
        assert!(outcome.is_err(), "the panic reaches the caller");
    }

    #[test]
    fn a_cancel_after_the_last_block_is_claimed_still_cancels() {
        let model = model();
        let asked = std::sync::atomic::AtomicU64::new(0);
        // Says stop only once every block has been claimed (41 asks).
        let cancel = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 41;
        let outcome = run_cancellable(&model, &config(2), &[], None, None, Some(&cancel));
        assert!(
            matches!(outcome, Err(EngineError::Cancelled)),
            "{outcome:?}"
        );
    }
}
