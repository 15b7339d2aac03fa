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
    /// Paths that met every target of each target year (see [`TargetYears`]).
    pub all_met: Vec<u64>,
    pub clamped_draws: u64,
}

impl CountState {
    pub fn new(model: &Model, years: &TargetYears) -> Self {
        CountState {
            sketches: (0..model.value_count)
                .map(|_| QuantileSketch::new())
                .collect(),
            met: vec![0; model.targets.len()],
            all_met: vec![0; years.years.len()],
            clamped_draws: 0,
        }
    }

    pub fn merge(&mut self, other: &CountState) {
        for (a, b) in self.sketches.iter_mut().zip(&other.sketches) {
            a.merge(b);
        }
        for (a, b) in self.met.iter_mut().zip(&other.met) {
            *a += b;
        }
        for (a, b) in self.all_met.iter_mut().zip(&other.all_met) {
            *a += b;
        }
        self.clamped_draws += other.clamped_draws;
    }
}

/// Floating-point sums of one block of paths (or of all blocks so far).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSums {
    pub moments: Vec<Moments>,
    /// Sum of the shortfall over the paths that missed each target.
    pub shortfall: Vec<f64>,
}

impl BlockSums {
    pub fn new(model: &Model) -> Self {
        BlockSums {
            moments: vec![Moments::default(); model.value_count],
            shortfall: vec![0.0; model.targets.len()],
        }
    }

    /// Adds a later block's sums (the caller keeps block order).
    pub fn merge(&mut self, other: &BlockSums) {
        for (a, b) in self.moments.iter_mut().zip(&other.moments) {
            a.merge(b);
        }
        for (a, b) in self.shortfall.iter_mut().zip(&other.shortfall) {
            *a += b;
        }
    }
}

/// The distinct years of the targets, and each target's position among them.
#[derive(Clone, Debug)]
pub struct TargetYears {
    pub years: Vec<i32>,
    pub of_target: Vec<usize>,
}

impl TargetYears {
    pub fn new(model: &Model) -> Self {
        let mut years: Vec<i32> = model.targets.iter().map(|t| t.year).collect();
        years.sort_unstable();
        years.dedup();
        let of_target = model
            .targets
            .iter()
            .map(|t| years.iter().position(|&y| y == t.year).unwrap_or(0))
            .collect();
        TargetYears { years, of_target }
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

/// Adds the target outcomes of a block of paths.
pub fn add_targets(
    model: &Model,
    years: &TargetYears,
    block: Columns<'_>,
    counts: &mut CountState,
    sums: &mut BlockSums,
    year_ok: &mut [bool],
) {
    for path in 0..block.paths {
        year_ok.iter_mut().for_each(|ok| *ok = true);
        for (i, target) in model.targets.iter().enumerate() {
            let value = block.values[target.value_index * block.stride + path];
            if target.bound.is_met(value) {
                counts.met[i] += 1;
            } else {
                sums.shortfall[i] += target.bound.shortfall(value);
                year_ok[years.of_target[i]] = false;
            }
        }
        for (count, ok) in counts.all_met.iter_mut().zip(year_ok.iter()) {
            *count += u64::from(*ok);
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
        let centre = shift[metric];
        for value in column {
            moments.add(*value - centre);
        }
    }
}
