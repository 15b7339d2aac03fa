//! Engine speed on the embedded baseline scenario (`cargo bench --bench engine`):
//!
//! - `baseline/*`: whole runs (simulation and aggregation, no file output) at
//!   10^4, 10^5 and 10^6 paths on all cores, and 10^5 paths on 1 and 2 threads;
//! - `per path/*` (one thread, 262,144 paths = 64 blocks, so that a run's
//!   fixed costs (pool, pilot path, a first block counted without windows,
//!   opening and settling the windows: about 30 ms) weigh little): the engine's cost of one path against the draw
//!   floor (exactly the random numbers a path needs, no model, no
//!   aggregation), the simulation alone, and the aggregation alone (a block of
//!   values into the sketches, sums and target counts).
//!
//! Goals and measured figures: `docs/performance.md`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use xuhui_sim::engine::accumulate::{add_columns, add_targets, Columns};
use xuhui_sim::engine::{self, BlockSums, CountState, RunConfig, TargetYears, BLOCK_PATHS};
use xuhui_sim::model::{Model, PathWorkspace};
use xuhui_sim::scenario::load_embedded_baseline;

fn model() -> Model {
    let scenario = load_embedded_baseline(&[]).expect("the embedded baseline loads");
    Model::compile(&scenario).expect("the baseline compiles")
}

fn baseline_runs(c: &mut Criterion) {
    let model = model();
    let mut group = c.benchmark_group("baseline");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let cases = [
        (10_000u64, None),
        (100_000, None),
        (1_000_000, None),
        (100_000, Some(1)),
        (100_000, Some(2)),
    ];
    for (paths, threads) in cases {
        let label = match threads {
            Some(t) => format!("{paths} paths, {t} thread(s)"),
            None => format!("{paths} paths, all cores"),
        };
        group.throughput(Throughput::Elements(paths));
        group.bench_with_input(BenchmarkId::from_parameter(label), &paths, |b, &paths| {
            let config = RunConfig {
                paths,
                seed: 2024,
                threads,
            };
            b.iter(|| engine::run(&model, &config).expect("runs"));
        });
    }
    group.finish();
}

fn per_path(c: &mut Criterion) {
    let model = model();
    let paths = 64 * BLOCK_PATHS;
    let mut group = c.benchmark_group("per path");
    group.throughput(Throughput::Elements(paths));
    group.sample_size(10);
    group.bench_function("engine (simulate + aggregate), 1 thread", |b| {
        let config = RunConfig {
            paths,
            seed: 2024,
            threads: Some(1),
        };
        b.iter(|| engine::run(&model, &config).expect("runs"));
    });
    group.bench_function("draw floor", |b| {
        let mut ws = PathWorkspace::new(&model);
        b.iter(|| {
            (0..paths)
                .map(|p| model.draw_floor(2024, p, &mut ws))
                .sum::<f64>()
        });
    });
    // As the engine simulates: 1,024 paths at a time into columns, 8 lanes at once.
    group.bench_function("simulate only", |b| {
        let mut ws = PathWorkspace::new(&model);
        let stride = 1024;
        let mut columns = vec![0.0; model.value_count * stride];
        b.iter(|| {
            for first in (0..paths).step_by(stride) {
                let range = first..first + stride as u64;
                model.simulate_paths(2024, range, &mut ws, &mut columns, stride, None);
            }
            black_box(columns[0])
        });
    });
    group.bench_function("simulate only, one path at a time", |b| {
        let mut ws = PathWorkspace::new(&model);
        let mut out = vec![0.0; model.value_count];
        b.iter(|| {
            for p in 0..paths {
                model.simulate_path(2024, p, &mut ws, &mut out, 1);
            }
            black_box(out[0])
        });
    });
    // One block of values, column by column, aggregated again and again.
    let stride = BLOCK_PATHS as usize;
    let mut columns = vec![0.0; model.value_count * stride];
    let mut ws = PathWorkspace::new(&model);
    for p in 0..BLOCK_PATHS {
        model.simulate_path(2024, p, &mut ws, &mut columns[p as usize..], stride);
    }
    let shift = engine::pilot_shift(&model, 2024);
    let years = TargetYears::new(&model);
    group.throughput(Throughput::Elements(BLOCK_PATHS));
    group.bench_function("aggregation only", |b| {
        let mut counts = CountState::new(&model, &years);
        let mut year_ok = Vec::new();
        b.iter(|| {
            let mut sums = BlockSums::new(&model);
            let block = Columns {
                values: &columns,
                stride,
                paths: stride,
            };
            add_targets(&model, &years, block, &mut counts, &mut sums, &mut year_ok);
            add_columns(block, &shift, &mut counts, &mut sums);
            black_box(sums.paths)
        });
    });
    group.finish();
}

criterion_group!(benches, per_path, baseline_runs);
criterion_main!(benches);
