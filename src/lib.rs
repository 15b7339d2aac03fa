//! xuhui-sim: a Monte Carlo scenario engine for the Xuhui District plan.
//!
//! The library is the whole engine; the binary (`src/main.rs` and its
//! `cli` module) is a thin command line over it.
//! A run goes: [`scenario`] (load and check a scenario file) → [`model`]
//! (compile it) → [`engine`] (simulate paths in parallel, aggregate as they
//! stream) → [`summary`] (statistics) → [`output`] (the result set on disk).

// No panics on user input: every failure of a file, a flag or the environment
// is an error value with a message (tests may still unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod analysis;
pub mod compare;
pub mod discover;
pub mod dist;
pub mod engine;
pub mod error;
pub mod format;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod serve;
pub mod shard;
pub mod stats;
pub mod summary;
pub mod whatif;

use engine::RunConfig;
pub use error::Error;
use model::Model;
use scenario::Scenario;
use summary::Summary;

/// Compiles and runs `scenario` with `config`, returning its summary.
///
/// ```
/// let scenario = xuhui_sim::scenario::load_embedded_baseline(&[]).unwrap();
/// let config = xuhui_sim::engine::RunConfig { paths: 4096, seed: 1, threads: Some(1) };
/// let summary = xuhui_sim::simulate(&scenario, &config).unwrap();
/// let gdp = summary.targets.iter().find(|t| t.name == "gdp_growth_2024").unwrap();
/// assert!((0.0..=1.0).contains(&gdp.probability));
/// ```
pub fn simulate(scenario: &Scenario, config: &RunConfig) -> Result<Summary, Error> {
    let model = Model::compile(scenario).map_err(|reason| {
        Error::Failure(format!("internal error compiling the model: {reason}"))
    })?;
    let totals = engine::run(&model, config)?;
    Ok(summary::summarize(scenario, &model, &totals))
}
