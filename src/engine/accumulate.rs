//! What the engine keeps while paths stream past: per thread, integer counts
//! (quantile sketches, targets met) that merge exactly in any order; per block
//! of paths, floating-point sums that are merged in block order.

use crate::model::Model;
use crate::stats::{Moments, QuantileSketch};

/// Integer-valued state of one worker thread; merging is exact and order-free.
#[derive(Clone, Debug)]
pub struct CountState {
    pub sketches: Vec<QuantileSketch>,
    /// Paths that met each target.
    pub met: Vec<u64>,
    /// Paths that met every target of each group of the count met (see [`TargetYears`]).
    pub all_met: Vec<u64>,
    /// Per group, paths that met exactly k of its targets, for k = 0 … its
    /// size, the groups' histograms one after another.
    pub met_histogram: Vec<u64>,
    pub clamped_draws: u64,
}

impl CountState {
    pub fn new(model: &Model, years: &TargetYears) -> Self {
        CountState {
            sketches: (0..model.value_count)
                .map(|_| QuantileSketch::new())
                .collect(),
            met: vec![0; model.targets.len()],
            all_met: vec![0; years.groups.len()],
            met_histogram: vec![0; years.histogram_len()],
            clamped_draws: 0,
        }
    }

    /// The merge of every worker's counts, settled (see
    /// [`QuantileSketch::settle`]): sketch by sketch on the current rayon
    /// pool, each worker's copy of a metric's sketch merged into the first's
    /// window and dropped at once, so that only one settled copy of each
    /// metric's buckets is ever held. `None` when `states` is empty.
    pub(crate) fn combine(states: Vec<CountState>) -> Option<CountState> {
        use rayon::prelude::*;
        let mut states = states.into_iter();
        let mut first = states.next()?;
        let mut others: Vec<Vec<QuantileSketch>> =
            (0..first.sketches.len()).map(|_| Vec::new()).collect();
        for other in states {
            first.merge_tallies(&other);
            for (column, sketch) in others.iter_mut().zip(other.sketches) {
                column.push(sketch);
            }
        }
        first
            .sketches
            .par_iter_mut()
            .zip(others)
            .for_each(|(sketch, mut others)| {
                // Merge into a copy that has a window, so the others' window
                // counts land in counters, not pages.
                if !sketch.has_window() {
                    if let Some(windowed) = others.iter_mut().find(|o| o.has_window()) {
                        std::mem::swap(sketch, windowed);
                    }
                }
                for other in others {
                    sketch.merge(&other);
                }
                sketch.settle();
            });
        Some(first)
    }

    pub(crate) fn merge(&mut self, other: &CountState) {
        for (a, b) in self.sketches.iter_mut().zip(&other.sketches) {
            a.merge(b);
        }
        self.merge_tallies(other);
    }

    /// Adds `other`'s counts of targets met and of clamped draws (all but
    /// the sketches).
    fn merge_tallies(&mut self, other: &CountState) {
        for (a, b) in self.met.iter_mut().zip(&other.met) {
            *a += b;
        }
        for (a, b) in self.all_met.iter_mut().zip(&other.all_met) {
            *a += b;
        }
        for (a, b) in self.met_histogram.iter_mut().zip(&other.met_histogram) {
            *a += b;
        }
        self.clamped_draws += other.clamped_draws;
    }
}

/// Floating-point sums of one block of paths (or, folded, of all blocks so far).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSums {
    /// Paths summed.
    pub paths: u64,
    pub moments: Vec<Moments>,
    /// Sum of the shortfall over the paths that missed each target.
    pub shortfall: Vec<f64>,
    /// Paths that met each target, and every target of each target year.
    pub met: Vec<u64>,
    pub all_met: Vec<u64>,
    /// Batch-means accumulators over the blocks folded in (see [`Batches`]).
    pub batches: Batches,
}

/// Across blocks, for each value (shifted metric values, then target
/// attainments, then joint attainments): Σ n_b² m_b, Σ n_b² m_b², Σ n_b², with
/// n_b a block's paths and m_b its mean. The variance of the overall mean by
/// batch means is then `B/(B-1) Σ n_b² (m_b - m)² / N²`: the honest error of
/// designs whose paths are not independent within a block (antithetic pairs,
/// Latin hypercube strata, scrambled Sobol points), whose blocks are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batches {
    pub blocks: u64,
    pub values: Vec<[f64; 3]>,
}

impl Batches {
    fn add(&mut self, slot: usize, n: f64, mean: f64) {
        if self.values.len() <= slot {
            self.values.resize(slot + 1, [0.0; 3]);
        }
        let w = n * n;
        let v = &mut self.values[slot];
        v[0] += w * mean;
        v[1] += w * mean * mean;
        v[2] += w;
    }

    /// Standard error of the overall mean `mean` (in the units of slot
    /// `slot`'s block means) over `total` paths; 0 with fewer than 2 blocks.
    pub(crate) fn standard_error(&self, slot: usize, mean: f64, total: u64) -> f64 {
        let Some(v) = self.values.get(slot) else {
            return 0.0;
        };
        if self.blocks < 2 || total == 0 {
            return 0.0;
        }
        let spread = (v[1] - 2.0 * mean * v[0] + mean * mean * v[2]).max(0.0);
        let b = self.blocks as f64;
        (b / (b - 1.0) * spread).sqrt() / total as f64
    }
}

impl BlockSums {
    pub fn new(model: &Model) -> Self {
        let years = TargetYears::new(model).groups.len();
        BlockSums {
            paths: 0,
            moments: vec![Moments::default(); model.value_count],
            shortfall: vec![0.0; model.targets.len()],
            met: vec![0; model.targets.len()],
            all_met: vec![0; years],
            batches: Batches::default(),
        }
    }

    /// Folds a later block into these totals (the caller keeps block order),
    /// and records its means for the batch-means errors.
    pub(crate) fn absorb_block(&mut self, block: &BlockSums) {
        self.paths += block.paths;
        for (a, b) in self.moments.iter_mut().zip(&block.moments) {
            a.merge(b);
        }
        for (a, b) in self.shortfall.iter_mut().zip(&block.shortfall) {
            *a += b;
        }
        for (a, b) in self.met.iter_mut().zip(&block.met) {
            *a += b;
        }
        for (a, b) in self.all_met.iter_mut().zip(&block.all_met) {
            *a += b;
        }
        if block.paths == 0 {
            return;
        }
        let n = block.paths as f64;
        self.batches.blocks += 1;
        let means = block
            .moments
            .iter()
            .map(|m| m.sum / n)
            .chain(block.met.iter().map(|&c| c as f64 / n))
            .chain(block.all_met.iter().map(|&c| c as f64 / n));
        for (slot, mean) in means.enumerate() {
            self.batches.add(slot, n, mean);
        }
    }
}

/// The distinct years of the targets, each target's position among them,
/// and the groups whose targets met are counted path by path
/// (docs/model.md, "Targets and the count met").
#[derive(Clone, Debug)]
pub struct TargetYears {
    pub years: Vec<i32>,
    pub of_target: Vec<usize>,
    /// The groups: first `all` of each year (group `y` is year `y`'s), then
    /// `seed` (the article's own targets) of each year that has any.
    pub groups: Vec<MetGroup>,
    /// Each target's `seed` group, if it is a seed target.
    pub seed_group_of_target: Vec<Option<usize>>,
}

/// One year's targets, all of them or the article's own.
#[derive(Clone, Debug, PartialEq)]
pub struct MetGroup {
    pub year: i32,
    /// `true` for the group of seed targets, `false` for all.
    pub seed: bool,
    /// Target indices.
    pub targets: Vec<usize>,
    /// Where its histogram starts in [`CountState::met_histogram`].
    pub offset: usize,
}

impl MetGroup {
    /// `all` or `seed`.
    pub(crate) fn name(&self) -> &'static str {
        if self.seed {
            "seed"
        } else {
            "all"
        }
    }
}

impl TargetYears {
    pub fn new(model: &Model) -> Self {
        let mut years: Vec<i32> = model.targets.iter().map(|t| t.year).collect();
        years.sort_unstable();
        years.dedup();
        let of_target: Vec<usize> = model
            .targets
            .iter()
            .map(|t| years.iter().position(|&y| y == t.year).unwrap_or(0))
            .collect();
        let mut groups: Vec<MetGroup> = Vec::new();
        let mut offset = 0;
        let mut push = |year: i32, seed: bool, targets: Vec<usize>, groups: &mut Vec<MetGroup>| {
            let size = targets.len() + 1;
            groups.push(MetGroup {
                year,
                seed,
                targets,
                offset,
            });
            offset += size;
        };
        for &year in &years {
            let all = (0..model.targets.len())
                .filter(|&i| model.targets[i].year == year)
                .collect();
            push(year, false, all, &mut groups);
        }
        let mut seed_group_of_target = vec![None; model.targets.len()];
        for &year in &years {
            let seed: Vec<usize> = (0..model.targets.len())
                .filter(|&i| model.targets[i].year == year && model.targets[i].seed)
                .collect();
            if seed.is_empty() {
                continue;
            }
            for &i in &seed {
                seed_group_of_target[i] = Some(groups.len());
            }
            push(year, true, seed, &mut groups);
        }
        TargetYears {
            years,
            of_target,
            groups,
            seed_group_of_target,
        }
    }

    /// Length of the groups' histograms together.
    pub(crate) fn histogram_len(&self) -> usize {
        self.groups.iter().map(|g| g.targets.len() + 1).sum()
    }
}

/// A block of paths' values, stored column by column: value `metric` of the
/// block's path `path` at `values[metric * stride + path]`.
#[derive(Clone, Copy, Debug)]
pub struct Columns<'a> {
    pub values: &'a [f64],
    pub stride: usize,
    pub paths: usize,
}

impl Columns<'_> {
    #[inline]
    fn column(&self, metric: usize) -> &[f64] {
        &self.values[metric * self.stride..metric * self.stride + self.paths]
    }
}

/// Adds the target outcomes of a block of paths, target by target (each
/// target's column in path order, branch-free). `met_count` is scratch space:
/// how many targets of each group each path met so far.
pub fn add_targets(
    model: &Model,
    years: &TargetYears,
    block: Columns<'_>,
    counts: &mut CountState,
    sums: &mut BlockSums,
    met_count: &mut Vec<u16>,
) {
    const LANES: usize = 4;
    let paths = block.paths;
    met_count.clear();
    met_count.resize(years.groups.len() * paths, 0);
    for (i, target) in model.targets.iter().enumerate() {
        let column = block.column(target.value_index);
        let bound = target.bound;
        // Lane `j` takes the paths `j mod LANES`; the lanes are added in a fixed order.
        let mut met = [0u64; LANES];
        let mut shortfall = [0.0; LANES];
        {
            let (all, mut seed) = split_groups(
                met_count,
                paths,
                years.of_target[i],
                years.seed_group_of_target[i],
            );
            for (p, &value) in column.iter().enumerate() {
                let lane = p % LANES;
                let is_met = bound.is_met(value);
                met[lane] += u64::from(is_met);
                all[p] += u16::from(is_met);
                if let Some(seed) = seed.as_deref_mut() {
                    seed[p] += u16::from(is_met);
                }
                shortfall[lane] += bound.shortfall(value);
            }
        }
        let met: u64 = met.iter().sum();
        counts.met[i] += met;
        sums.met[i] += met;
        sums.shortfall[i] += (shortfall[0] + shortfall[1]) + (shortfall[2] + shortfall[3]);
    }
    for (g, group) in years.groups.iter().enumerate() {
        let size = group.targets.len();
        let histogram = &mut counts.met_histogram[group.offset..group.offset + size + 1];
        let mut all = 0u64;
        for &count in &met_count[g * paths..(g + 1) * paths] {
            let count = usize::from(count);
            histogram[count] += 1;
            all += u64::from(count == size);
        }
        counts.all_met[g] += all;
        sums.all_met[g] += all;
    }
    sums.paths += paths as u64;
}

/// The count rows of groups `all` and `seed` (a later group) of `met_count`.
fn split_groups(
    met_count: &mut [u16],
    paths: usize,
    all: usize,
    seed: Option<usize>,
) -> (&mut [u16], Option<&mut [u16]>) {
    match seed {
        None => (&mut met_count[all * paths..(all + 1) * paths], None),
        Some(seed) => {
            let (head, tail) = met_count.split_at_mut(seed * paths);
            (
                &mut head[all * paths..(all + 1) * paths],
                Some(&mut tail[..paths]),
            )
        }
    }
}

/// Adds a block of paths' values metric by metric: one sketch stays in cache
/// while all of the block's values of its metric go in, and each metric's
/// sums run in path order.
pub fn add_columns(
    block: Columns<'_>,
    shift: &[f64],
    counts: &mut CountState,
    sums: &mut BlockSums,
) {
    let metrics = counts.sketches.iter_mut().zip(sums.moments.iter_mut());
    for (metric, (sketch, moments)) in metrics.enumerate() {
        let column = block.column(metric);
        sketch.add_all(column);
        moments.add_slice(column, shift[metric]);
    }
}
