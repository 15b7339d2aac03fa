//! xuhui-sim: a Monte Carlo scenario engine for the Xuhui District plan.
//!
//! The library is the whole engine; the binary is a thin command line over it.
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
pub mod cli;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod summary;

use engine::{EngineError, RunConfig};
use model::Model;
use scenario::Scenario;
use summary::Summary;

/// Compiles and runs `scenario` with `config`, returning its summary.
pub fn simulate(scenario: &Scenario, config: &RunConfig) -> Result<Summary, EngineError> {
    let model = Model::compile(scenario).map_err(|reason| EngineError::Threads {
        threads: 0,
        reason: format!("internal error compiling the model: {reason}"),
    })?;
    let totals = engine::run(&model, config)?;
    Ok(summary::summarize(
        scenario,
        &model,
        &totals,
        &scenario.run.sampling,
    ))
}
