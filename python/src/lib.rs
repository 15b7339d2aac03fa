//! The private extension module `xuhui_sim._xuhui_sim`: thin calls into the
//! engine's library for the Python package in `python/xuhui_sim/`, which
//! gives them their typed, documented face. Every run goes through the same
//! `runner::run_to_result_set` as the command line, so its numbers are the
//! CLI's bit for bit; runs release the GIL and stop on Ctrl-C.

use numpy::IntoPyArray;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use xuhui_sim::engine::RunConfig;
use xuhui_sim::runner::{run_to_result_set, Keep};
use xuhui_sim::scenario::{self, Scenario};
use xuhui_sim::Error;

create_exception!(
    _xuhui_sim,
    XuhuiSimError,
    PyException,
    "An error of xuhui-sim; its message is the command line's."
);
create_exception!(
    _xuhui_sim,
    ScenarioError,
    XuhuiSimError,
    "A scenario, key, flag or input that cannot be used (the CLI's exit code 2)."
);

/// The Python exception for an engine error, with the CLI's message.
fn to_py(error: Error) -> PyErr {
    match error {
        Error::Interrupted(message) => PyKeyboardInterrupt::new_err(message),
        e if e.exit_code() == 2 => ScenarioError::new_err(e.to_string()),
        e => XuhuiSimError::new_err(e.to_string()),
    }
}

/// Loads a scenario as `run` does: a file, TOML text, or the embedded
/// baseline, then `sets` (`KEY=VALUE`) and `sampling`.
fn load(
    file: Option<PathBuf>,
    text: Option<&str>,
    name: &str,
    sets: &[String],
    sampling: Option<&str>,
) -> Result<Scenario, Error> {
    let mut sets = sets.to_vec();
    if let Some(sampling) = sampling {
        scenario::decode::check_sampling(sampling, &scenario::Origin::Default)
            .map_err(|e| Error::Input(format!("sampling={sampling}: {}", e.message)))?;
        sets.push(format!("run.sampling={sampling}"));
    }
    let loaded = match (file, text) {
        (Some(path), _) => scenario::load_file(&path, &sets),
        (None, Some(text)) => scenario::load_str(text, name, &sets),
        (None, None) => scenario::load_embedded_baseline(&sets),
    };
    Ok(loaded?)
}

/// Runs `work` off the GIL on a thread of its own, checking for Ctrl-C
/// every 50 ms; a KeyboardInterrupt asks the engine to stop, waits for it,
/// and is raised.
fn detached<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<T> {
    let (sender, mut receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let _ = sender.send(work());
        });
        loop {
            // The receiver goes off the GIL and comes back with what it got.
            let (waited, back) = py.detach(move || {
                let waited = receiver.recv_timeout(std::time::Duration::from_millis(50));
                (waited, receiver)
            });
            receiver = back;
            match waited {
                Ok(result) => {
                    xuhui_sim::engine::clear_stop();
                    return result.map_err(to_py);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(XuhuiSimError::new_err("the run stopped unexpectedly"));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        xuhui_sim::engine::request_stop();
                        let _ = py.detach(move || receiver.recv());
                        xuhui_sim::engine::clear_stop();
                        return Err(interrupt);
                    }
                }
            }
        }
    })
}

/// Runs a scenario into a new result-set folder `out` (which must not
/// exist) and returns its `summary.json` text.
#[pyfunction]
#[pyo3(signature = (out, file=None, text=None, name="scenario", paths=None, seed=None, threads=None, sampling=None, sets=Vec::new(), keep_metrics=Vec::new(), no_paths=false, keep_paths=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    out: PathBuf,
    file: Option<PathBuf>,
    text: Option<String>,
    name: &str,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    sampling: Option<String>,
    sets: Vec<String>,
    keep_metrics: Vec<String>,
    no_paths: bool,
    keep_paths: bool,
) -> PyResult<String> {
    let scenario = load(file, text.as_deref(), name, &sets, sampling.as_deref()).map_err(to_py)?;
    if let Some(0) = paths {
        return Err(ScenarioError::new_err("paths=0: run at least one path"));
    }
    if let Some(0) = threads {
        return Err(ScenarioError::new_err("threads=0: use at least one thread"));
    }
    let config = RunConfig {
        paths: paths.unwrap_or(scenario.run.paths),
        seed: seed.unwrap_or(scenario.run.seed),
        threads,
    };
    let keep = Keep {
        no_paths,
        keep_paths,
        extra_metrics: keep_metrics,
        ..Keep::default()
    };
    let summary = detached(py, || {
        run_to_result_set(&scenario, &config, &out, false, &keep)
    })?;
    Ok(xuhui_sim::output::json::summary_json(&summary))
}

/// The resolved TOML of a scenario (file, text or the embedded baseline) after `sets`.
#[pyfunction]
#[pyo3(signature = (file=None, text=None, name="scenario", sets=Vec::new()))]
fn resolve(
    file: Option<PathBuf>,
    text: Option<String>,
    name: &str,
    sets: Vec<String>,
) -> PyResult<String> {
    let scenario = load(file, text.as_deref(), name, &sets, None).map_err(to_py)?;
    Ok(scenario.resolved_toml)
}

/// The embedded baseline scenario's TOML text.
#[pyfunction]
fn baseline_toml() -> &'static str {
    xuhui_sim::scenario::EMBEDDED_BASELINE
}

/// Checks a result set (its files, sizes and checksums) and returns its `summary.json` text.
#[pyfunction]
fn open_result_set(dir: PathBuf) -> PyResult<String> {
    let set = xuhui_sim::compare::ResultSet::open(&dir).map_err(to_py)?;
    Ok(xuhui_sim::output::json::summary_json(&set.summary))
}

/// Every column of a per-path file as a NumPy array (one copy: Parquet to the array).
#[pyfunction]
fn read_paths<'py>(
    py: Python<'py>,
    file: PathBuf,
    columns: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for column in columns {
        let values = xuhui_sim::output::paths::read_column(&file, &column)
            .map_err(ScenarioError::new_err)?;
        dict.set_item(&column, values.into_pyarray(py))?;
    }
    Ok(dict)
}

/// `compare` of result sets as its JSON text.
#[pyfunction]
#[pyo3(signature = (base, others, threshold=0.005))]
fn compare(base: PathBuf, others: Vec<PathBuf>, threshold: f64) -> PyResult<String> {
    if !(0.0..1.0).contains(&threshold) {
        return Err(ScenarioError::new_err(format!(
            "threshold={threshold} must be a probability difference in [0, 1), e.g. 0.005"
        )));
    }
    let open = |d: &PathBuf| xuhui_sim::compare::ResultSet::open(d).map_err(to_py);
    let base = open(&base)?;
    let others = others.iter().map(open).collect::<PyResult<Vec<_>>>()?;
    let comparison = xuhui_sim::compare::compare(&base, &others, threshold).map_err(to_py)?;
    Ok(xuhui_sim::compare::render::json(&comparison))
}

/// `discover` on a result set (`target`) or a CSV file (`outcome`) as its JSON text.
#[pyfunction]
#[pyo3(signature = (result_set=None, target=None, met=false, csv=None, outcome=None, threshold=None, inputs=None, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05, chosen=None, boxes=1, min_coverage=None, resamples=20, seed=2024))]
#[allow(clippy::too_many_arguments)]
fn discover(
    py: Python<'_>,
    result_set: Option<PathBuf>,
    target: Option<String>,
    met: bool,
    csv: Option<PathBuf>,
    outcome: Option<String>,
    threshold: Option<f64>,
    inputs: Option<Vec<String>>,
    peel_alpha: f64,
    paste_alpha: f64,
    mass_min: f64,
    chosen: Option<usize>,
    boxes: usize,
    min_coverage: Option<f64>,
    resamples: usize,
    seed: u64,
) -> PyResult<String> {
    use xuhui_sim::discover::{self, prim::Options, Interest, Settings};
    let settings = Settings {
        options: Options {
            peel_alpha,
            paste_alpha,
            mass_min,
        },
        chosen,
        boxes,
        min_coverage,
        resamples,
        seed,
    };
    detached(py, move || {
        let cases =
            match (result_set, target, csv, outcome) {
                (Some(dir), Some(target), None, None) => {
                    let interest = if met { Interest::Met } else { Interest::Missed };
                    discover::from_result_set(&dir, &target, interest, inputs.as_deref())?
                }
                (None, None, Some(file), Some(outcome)) => {
                    discover::from_csv(&file, &outcome, threshold, inputs.as_deref())?
                }
                _ => return Err(Error::Input(
                    "discover needs a result set and target=NAME, or csv=FILE and outcome=COLUMN"
                        .into(),
                )),
            };
        let found = discover::discover(&cases, &settings)?;
        let report = discover::render::report(&cases, &found);
        Ok(serde_json_string(&report))
    })
}

fn serde_json_string<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A study's scenario: a file or the embedded baseline, with `sets`.
fn study(
    file: Option<PathBuf>,
    sets: Vec<String>,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    default_paths: Option<u64>,
) -> Result<xuhui_sim::analysis::Study, Error> {
    use xuhui_sim::analysis::{Source, Study};
    let mut study = Study {
        source: file.map_or(Source::Embedded, Source::File),
        sets,
        paths,
        seed,
        threads,
    };
    if let Some(cap) = default_paths {
        study.cap_paths(cap)?;
    }
    Ok(study)
}

/// `sweep` (varies as `KEY=LO..HI`) as its JSON text.
#[pyfunction]
#[pyo3(signature = (vary, file=None, sets=Vec::new(), steps=5, metrics=Vec::new(), paths=None, seed=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    vary: Vec<String>,
    file: Option<PathBuf>,
    sets: Vec<String>,
    steps: usize,
    metrics: Vec<String>,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<String> {
    use xuhui_sim::analysis::sweep;
    detached(py, move || {
        let study = study(file, sets, paths, seed, threads, None)?;
        let varies = vary
            .iter()
            .map(|v| sweep::Vary::parse(v))
            .collect::<Result<Vec<_>, _>>()?;
        let result = sweep::sweep(
            &study,
            &varies,
            steps,
            &xuhui_sim::analysis::MetricChoice::parse_all(&metrics)?,
        )?;
        Ok(serde_json_string(&result))
    })
}

/// `sensitivity --method tornado` as its JSON text.
#[pyfunction]
#[pyo3(signature = (file=None, sets=Vec::new(), metrics=Vec::new(), paths=None, seed=None, threads=None))]
fn tornado(
    py: Python<'_>,
    file: Option<PathBuf>,
    sets: Vec<String>,
    metrics: Vec<String>,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<String> {
    detached(py, move || {
        let study = study(file, sets, paths, seed, threads, None)?;
        let result = xuhui_sim::analysis::tornado::tornado(
            &study,
            &xuhui_sim::analysis::MetricChoice::parse_all(&metrics)?,
        )?;
        Ok(serde_json_string(&result))
    })
}

/// `goal-seek` as its JSON text (`range` as `LO..HI`).
#[pyfunction]
#[pyo3(signature = (vary, target, probability, file=None, sets=Vec::new(), range=None, paths=None, seed=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn goal_seek(
    py: Python<'_>,
    vary: String,
    target: String,
    probability: f64,
    file: Option<PathBuf>,
    sets: Vec<String>,
    range: Option<String>,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<String> {
    use xuhui_sim::analysis::{goal_seek, parse_range};
    detached(py, move || {
        // As the command line: at most 50,000 paths a trial unless asked.
        let study = study(file, sets, paths, seed, threads, Some(50_000))?;
        let range = range
            .as_deref()
            .map(|r| parse_range(r, "range"))
            .transpose()?;
        let result = goal_seek::goal_seek(&study, &vary, &target, probability, range)?;
        Ok(serde_json_string(&result))
    })
}

/// The engine's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _xuhui_sim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("XuhuiSimError", m.py().get_type::<XuhuiSimError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(baseline_toml, m)?)?;
    m.add_function(wrap_pyfunction!(open_result_set, m)?)?;
    m.add_function(wrap_pyfunction!(read_paths, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(discover, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(tornado, m)?)?;
    m.add_function(wrap_pyfunction!(goal_seek, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
