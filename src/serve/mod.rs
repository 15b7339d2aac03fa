//! `xuhui-sim serve`: the what-if page and its JSON API over HTTP (axum on
//! tokio). The engine work is [`crate::whatif`]'s; this module only routes,
//! bounds and answers.
//!
//! - `GET /`: the page (HTML, CSS and script compiled into the binary; no network).
//! - `GET /api/scenario`: the loaded scenario's controls, targets and limits.
//! - `POST /api/run`: `{"paths", "seed", "set"}` → the run's summary, in the
//!   shape of `summary.json` (as `run --set` writes it, bit for bit).
//! - `POST /api/whatif`: the same request → `{"summary", "change"}`, the change
//!   paired with the loaded scenario on the same paths and seed.
//! - `POST /api/tornado`: `{"set", "paths", "seed", "target"}` → what moves that target.
//! - `POST /api/save`: `{"name", "set", "paths", "seed", "overwrite"}` → a scenario file
//!   under the save folder.
//!
//! Bad input is HTTP 400 with `{"error": "<the sentence --set would print>"}`;
//! a request superseded on its channel 409 with `"superseded": true`; a body
//! over [`MAX_BODY_BYTES`] 413; more than [`MAX_WAITING`] runs waiting 503. POSTs
//! must say `Content-Type: application/json` (so that another web site cannot
//! post to the server without the browser asking first), and on a loopback
//! address the `Host` must be a loopback name (no DNS rebinding).

use crate::analysis::{tornado, Source, Study};
use crate::whatif::save::{self, SaveError, SaveRequest};
use crate::whatif::{controls, Limits, RunRequest, Session, WhatIfError, COARSE_PATHS};
pub(crate) use crate::Error;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Engine runs at once (each uses every core); others wait their turn.
pub const CONCURRENT_RUNS: usize = 2;
/// Runs allowed to wait; beyond them a request is answered 503 at once.
pub const MAX_WAITING: usize = 16;
/// Paths of a tornado asked for from the page, unless it says otherwise.
pub const TORNADO_PATHS: u64 = 8192;
/// Most paths of a tornado run (it runs twice per uncertain input).
pub const MAX_TORNADO_PATHS: u64 = 100_000;

const PAGE_HTML: &str = include_str!("page.html");
const PAGE_CSS: &str = include_str!("page.css");
const PAGE_JS: &str = include_str!("page.js");

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    pub source: Source,
    pub options: crate::scenario::LoadOptions,
    pub address: SocketAddr,
    pub save_dir: PathBuf,
    pub limits: Limits,
    /// Open the page in the default browser once listening.
    pub open: bool,
}

struct AppState {
    session: Session,
    save_dir: PathBuf,
    runs: Arc<tokio::sync::Semaphore>,
    waiting: AtomicUsize,
    loopback: bool,
}

/// Serves until Ctrl-C or SIGTERM (then returns [`Error::Interrupted`], exit 130).
pub fn serve(options: Options) -> Result<(), Error> {
    let session = Session::open(options.source.clone(), options.options, options.limits)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Failure(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .map_err(|e| {
                Error::Input(format!(
                    "cannot listen on {}: {e}; choose another --port (0 picks a free one)",
                    options.address
                ))
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Failure(format!("cannot read the listening address: {e}")))?;
        let url = format!("http://{address}/");
        let loopback = address.ip().is_loopback();
        if !loopback {
            eprintln!(
                "warning: listening on {address}: anyone who can reach this machine can run the engine and save scenarios into {}",
                options.save_dir.display()
            );
        }
        eprintln!(
            "serving `{}` at {url} (saves go to {}/; Ctrl-C stops)",
            session.scenario().name,
            options.save_dir.display()
        );
        if options.open {
            if let Err(e) = open::that_detached(&url) {
                eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
            }
        }
        let state = Arc::new(AppState {
            session,
            save_dir: options.save_dir,
            runs: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_RUNS)),
            waiting: AtomicUsize::new(0),
            loopback,
        });
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                while !crate::engine::stop_requested() {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
            .await
            .map_err(|e| Error::Failure(format!("the server stopped: {e}")))?;
        Err(Error::Interrupted(
            "stopped: the server is down; nothing half-written is left".into(),
        ))
    })
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { page(PAGE_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/page.css",
            get(|| async { page(PAGE_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/page.js",
            get(|| async { page(PAGE_JS, "text/javascript; charset=utf-8") }),
        )
        .route("/api/scenario", get(scenario_info))
        .route("/api/run", post(run))
        .route("/api/whatif", post(what_if))
        .route("/api/tornado", post(tornado_of))
        .route("/api/save", post(save_scenario))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// An answer that refuses the request (boxed: a response is large).
type Refused = Box<Response>;

fn page(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// A JSON error answer: `{"error": message, …flags}`.
fn refuse(status: StatusCode, message: &str, flag: Option<&str>) -> Response {
    let mut body = serde_json::json!({ "error": message });
    if let Some(flag) = flag {
        body[flag] = serde_json::Value::Bool(true);
    }
    (status, axum::Json(body)).into_response()
}

fn error_response(e: &Error) -> Response {
    let status = match e {
        Error::Scenario(_) | Error::Input(_) => StatusCode::BAD_REQUEST,
        Error::Interrupted(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refuse(status, &e.to_string(), None)
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), None),
    }
}

/// Checks the headers of a POST and parses its body as `T`.
fn request<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, Refused> {
    check_host(state, headers)?;
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_type {
        return Err(Box::new(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as JSON, with the header Content-Type: application/json",
            None,
        )));
    }
    let body = body.map_err(|e| {
        Box::new(refuse(
            e.status(),
            &format!(
                "the request body cannot be read ({e}); bodies are at most {MAX_BODY_BYTES} bytes"
            ),
            None,
        ))
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            &format!("the request body is not the JSON expected: {e}; send e.g. {{\"paths\": 50000, \"seed\": 2024, \"set\": {{\"regime.downturn_probability\": 0.2}}}}"),
            None,
        ))
    })
}

/// On a loopback address, a `Host` that is not a loopback name is a page of
/// another site reaching us through DNS rebinding.
fn check_host(state: &AppState, headers: &HeaderMap) -> Result<(), Refused> {
    if !state.loopback {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    if matches!(name, "127.0.0.1" | "localhost" | "[::1]" | "") {
        Ok(())
    } else {
        Err(Box::new(refuse(
            StatusCode::FORBIDDEN,
            &format!("requests must name this machine (localhost or 127.0.0.1), not `{host}`"),
            None,
        )))
    }
}

/// Runs `work` on a blocking thread once a run slot is free.
async fn engine_work<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&AppState) -> T + Send + 'static,
) -> Result<T, Refused> {
    /// Counts a run waiting or running, also when the client goes away
    /// and the handler is dropped.
    struct Waiting(Arc<AppState>);
    impl Drop for Waiting {
        fn drop(&mut self) {
            self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let previously = state.waiting.fetch_add(1, Ordering::SeqCst);
    let waiting = Waiting(state.clone());
    if previously >= MAX_WAITING + CONCURRENT_RUNS {
        return Err(Box::new(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy: too many runs are waiting; try again in a moment",
            Some("busy"),
        )));
    }
    let permit = state.runs.clone().acquire_owned().await;
    let shared = state.clone();
    // The guard moves into the work: a run counts until it is done, even if
    // the client has gone.
    let answer = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _waiting = waiting;
        work(&shared)
    })
    .await;
    answer.map_err(|e| {
        Box::new(refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("internal error: {e}"),
            None,
        ))
    })
}

fn what_if_error(e: &WhatIfError) -> Response {
    match e {
        WhatIfError::Superseded(_) => {
            refuse(StatusCode::CONFLICT, &e.to_string(), Some("superseded"))
        }
        WhatIfError::Failed(e) => error_response(e),
    }
}

/// The body of a POST: checks and parses it as `Q`, runs `work` in a run
/// slot, and answers its value as JSON or its error by `refusal`.
async fn answer<Q, T, E>(
    state: Arc<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
    work: impl FnOnce(&AppState, Q) -> Result<T, E> + Send + 'static,
    refusal: fn(&E) -> Response,
) -> Response
where
    Q: serde::de::DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    E: Send + 'static,
{
    let req: Q = match request(&state, &headers, body) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    match engine_work(&state, move |s| work(s, req)).await {
        Ok(Ok(value)) => json(&value),
        Ok(Err(e)) => refusal(&e),
        Err(response) => *response,
    }
}

async fn run(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let work = |s: &AppState, req: RunRequest| s.session.run(&req).map(|o| o.summary);
    answer(state, headers, body, work, what_if_error).await
}

async fn what_if(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let work = |s: &AppState, req: RunRequest| s.session.what_if(&req);
    answer(state, headers, body, work, what_if_error).await
}

/// The loaded scenario as the page needs it.
#[derive(Serialize)]
struct ScenarioInfo<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    base_year: i32,
    end_year: i32,
    paths: u64,
    seed: u64,
    sampling: String,
    coarse_paths: u64,
    max_paths: u64,
    tornado_paths: u64,
    save_dir: String,
    controls: Vec<controls::Control>,
    targets: Vec<TargetInfo<'a>>,
}

#[derive(Serialize)]
struct TargetInfo<'a> {
    name: &'a str,
    label: &'a str,
    metric: &'a str,
    year: i32,
    bound: &'static str,
    threshold: f64,
    source: &'a str,
    source_kind: crate::scenario::SourceKind,
}

async fn scenario_info(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(response) = check_host(&state, &headers) {
        return *response;
    }
    let s = state.session.scenario();
    json(&ScenarioInfo {
        name: &s.name,
        title: &s.title,
        description: &s.description,
        base_year: s.base_year,
        end_year: s.end_year,
        paths: s.run.paths,
        seed: s.run.seed,
        sampling: s.run.sampling.to_string(),
        coarse_paths: COARSE_PATHS,
        max_paths: state.session.limits().max_paths,
        tornado_paths: TORNADO_PATHS,
        save_dir: state.save_dir.display().to_string(),
        controls: controls::controls(s),
        targets: s
            .targets
            .iter()
            .map(|t| TargetInfo {
                name: &t.name,
                label: &t.label,
                metric: &t.metric,
                year: t.year,
                bound: t.bound.key(),
                threshold: t.bound.threshold(),
                source: t.source.as_deref().unwrap_or(""),
                source_kind: crate::scenario::SourceKind::of(t.source.as_deref()),
            })
            .collect(),
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TornadoRequest {
    target: String,
    #[serde(default)]
    paths: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default, deserialize_with = "crate::whatif::ordered_map")]
    set: Vec<(String, serde_json::Value)>,
}

async fn tornado_of(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let req: TornadoRequest = match request(&state, &headers, body) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let work = move |s: &AppState| -> Result<serde_json::Value, Error> {
        let paths = req.paths.unwrap_or(TORNADO_PATHS);
        if paths == 0 || paths > MAX_TORNADO_PATHS {
            return Err(Error::Input(format!(
                "`paths` {paths}: a tornado from the page takes 1 to {MAX_TORNADO_PATHS} paths"
            )));
        }
        let run = RunRequest {
            set: req.set,
            paths: Some(paths),
            seed: req.seed,
            channel: None,
        };
        let (scenario, config) = s.session.resolve(&run)?;
        if !scenario.targets.iter().any(|t| t.name == req.target) {
            return Err(Error::Input(format!(
                "no target `{}` in this scenario",
                req.target
            )));
        }
        let study = Study {
            source: s.session.source().clone(),
            sets: run.assignments()?,
            paths: Some(config.paths),
            seed: Some(config.seed),
            threads: None,
        };
        let found = tornado::tornado(&study, &[])?;
        let outcome = found
            .outcomes
            .iter()
            .find(|o| o.kind == "target" && o.name == req.target);
        Ok(serde_json::json!({
            "target": req.target,
            "paths": found.paths,
            "seed": found.seed,
            "seconds": found.seconds,
            "parameters": found.parameters,
            "outcome": outcome,
        }))
    };
    match engine_work(&state, work).await {
        Ok(Ok(answer)) => json(&answer),
        Ok(Err(e)) => error_response(&e),
        Err(response) => *response,
    }
}

async fn save_scenario(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let req: SaveRequest = match request(&state, &headers, body) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let work = move |s: &AppState| save::save(&s.session, &s.save_dir, &req, &save::today());
    match engine_work(&state, work).await {
        Ok(Ok(saved)) => json(&saved),
        Ok(Err(SaveError::Exists(message))) => {
            refuse(StatusCode::CONFLICT, &message, Some("exists"))
        }
        Ok(Err(SaveError::Failed(e))) => error_response(&e),
        Err(response) => *response,
    }
}
