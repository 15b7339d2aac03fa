//! Engine throughput on the embedded baseline scenario.
//!
//! `cargo bench --bench engine` measures whole runs (simulation and
//! aggregation, no file output) at 10^4, 10^5 and 10^6 paths on all cores,
//! and 10^5 paths on 1 thread. The goal recorded in `docs/performance.md`:
//! 10^6 paths in under 2 s on the 2-core reference machine.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use xuhui_sim::engine::{self, RunConfig};
use xuhui_sim::model::Model;
use xuhui_sim::scenario::load_embedded_baseline;

fn baseline_runs(c: &mut Criterion) {
    let scenario = load_embedded_baseline(&[]).expect("the embedded baseline loads");
    let model = Model::compile(&scenario).expect("the baseline compiles");
    let mut group = c.benchmark_group("baseline");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (paths, threads) in [
        (10_000u64, None),
        (100_000, None),
        (1_000_000, None),
        (100_000, Some(1)),
    ] {
        let label = match threads {
            Some(t) => format!("{paths} paths, {t} thread"),
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

criterion_group!(benches, baseline_runs);
criterion_main!(benches);
