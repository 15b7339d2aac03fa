//! The integration tests, one crate with a module each (as ripgrep keeps its
//! tests), so that `cargo test` links the library and its heavy dependencies
//! (arrow, parquet, plotters) once instead of once per file.
//!
//! - `analytic`: closed-form checks of the model, within 4 standard errors;
//! - `analysis`: the studies (tornado, Sobol, sweep, goal-seek, calibrate);
//! - `reproducibility` and `shards`: the same figures on any thread count and
//!   shard split, and common random numbers;
//! - `cli`, `compare`, `report`, `browser`, `signals`: the commands as a user
//!   runs them; `serve`: the what-if server's API and its page in Chromium;
//! - `bad_scenarios` and `fuzz_corpus`: bad input gets one clear sentence;
//! - `properties`: random valid scenarios keep the invariants;
//! - `value_stability`: a few baseline figures pinned to the bit.

mod common;

mod analysis;
mod analytic;
mod bad_scenarios;
mod browser;
mod cli;
mod compare;
mod discover;
mod fuzz_corpus;
mod properties;
mod report;
mod reproducibility;
mod serve;
mod shards;
mod signals;
mod value_stability;
