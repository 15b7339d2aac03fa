//! `xuhui-sim serve` as a script and a planner use it: `/api/run` gives the
//! summary `run --set` writes, bit for bit; bad input is HTTP 400 with the
//! sentence `--set` prints; bodies, paths and bursts are bounded; "save as
//! scenario" never writes over a file and its file reproduces the numbers;
//! Ctrl-C stops the server with 130; and the page itself, in headless
//! Chromium driven by Playwright (`tests/browser/whatif.mjs`), moves a
//! control, shows the paired change, switches to Chinese and saves.

use crate::common;

use common::{assert_contains, root, stderr, xuhui, xuhui_ok};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A server started for one test, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `xuhui-sim serve --port 0 …` in `dir` and reads the port it prints.
fn serve(dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
        .args(["serve", "--port", "0"])
        .args(extra)
        .current_dir(dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    lines
        .read_line(&mut line)
        .expect("the server says where it listens");
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    // Keep reading standard error so that the server never blocks on it.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = lines.read_to_string(&mut sink);
    });
    Server { child, port }
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(kind) = content_type {
        head += &format!("Content-Type: {kind}\r\n");
    }
    head += "\r\n";
    stream.write_all(head.as_bytes()).expect("writes");
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn post(port: u16, path: &str, body: &Value) -> (u16, Value) {
    let (status, text) = http(
        port,
        "POST",
        path,
        Some("application/json"),
        body.to_string().as_bytes(),
    );
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    (status, value)
}

/// A summary without what describes files and timing.
fn numbers(mut summary: Value) -> Value {
    let object = summary.as_object_mut().expect("an object");
    object.remove("files");
    object.remove("per_path");
    object["run"]
        .as_object_mut()
        .expect("run")
        .remove("seconds");
    summary
}

fn cli_summary(
    dir: &Path,
    scenario: Option<&Path>,
    paths: u64,
    seed: u64,
    sets: &[String],
) -> Value {
    let out = dir.join(format!("cli-{paths}-{seed}-{}", sets.len()));
    let paths = paths.to_string();
    let seed = seed.to_string();
    let out_text = out.display().to_string();
    let mut args = vec![
        "run", "--paths", &paths, "--seed", &seed, "--out", &out_text, "--force", "--quiet",
    ];
    let scenario_text = scenario.map(|s| s.display().to_string());
    if let Some(s) = &scenario_text {
        args.insert(1, s);
    }
    for set in sets {
        args.extend(["--set", set]);
    }
    xuhui_ok(dir, &args);
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// Every number as an f64 (the same bits whether written `13` or `13.0`).
fn floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or(Value::Null),
        Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        }
        other => other.clone(),
    }
}

/// Paths, seed and overrides of one request.
type Change = (u64, u64, Vec<(&'static str, Value)>);

#[test]
fn api_run_equals_run_with_set_to_the_bit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/downturn.toml");
    let server = serve(
        dir.path(),
        &[scenario.to_str().unwrap(), "--save-dir", "saved"],
    );
    let changes: [Change; 3] = [
        (
            20_000,
            7,
            vec![("regime.downturn_probability", Value::from(0.3))],
        ),
        (
            30_000,
            2024,
            vec![
                ("series.digital_economy.mean_growth.mode", Value::from(0.12)),
                ("target.gdp_growth_2024.at_least", Value::from(0.045)),
            ],
        ),
        // A string is the text typed after `=`; a table is written as TOML.
        (
            9_000,
            11,
            vec![
                ("execution.correlation", Value::from("0.5")),
                (
                    "prices.inflation",
                    serde_json::json!({"dist": "normal", "mean": 0.01, "sd": 0.005}),
                ),
            ],
        ),
    ];
    for (paths, seed, set) in changes {
        let body = serde_json::json!({
            "paths": paths,
            "seed": seed,
            "set": set.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<serde_json::Map<String, Value>>(),
        });
        let (status, api) = post(server.port, "/api/run", &body);
        assert_eq!(status, 200, "{api}");
        let sets: Vec<String> = set
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                Value::Object(_) => format!("{k}={}", toml::Value::try_from(v).unwrap()),
                other => format!("{k}={other}"),
            })
            .collect();
        let cli = cli_summary(dir.path(), Some(&scenario), paths, seed, &sets);
        assert_eq!(numbers(api), numbers(cli), "{sets:?}");
    }
    // The what-if answer carries the same summary and the paired change.
    let body =
        serde_json::json!({"paths": 20000, "seed": 7, "set": {"regime.downturn_probability": 0.3}});
    let (status, answer) = post(server.port, "/api/whatif", &body);
    assert_eq!(status, 200);
    let (_, run) = post(server.port, "/api/run", &body);
    assert_eq!(numbers(answer["summary"].clone()), numbers(run));
    assert_eq!(answer["change"]["method"], "paired");
}

#[test]
fn a_change_is_paired_with_the_loaded_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--save-dir", "saved"]);
    let (_, answer) = post(
        server.port,
        "/api/whatif",
        &serde_json::json!({"paths": 16384, "seed": 5, "set": {"regime.downturn_probability": 0.4}}),
    );
    let (_, base) = post(
        server.port,
        "/api/run",
        &serde_json::json!({"paths": 16384, "seed": 5}),
    );
    let change = &answer["change"];
    for delta in change["targets"].as_array().unwrap() {
        let name = delta["name"].as_str().unwrap();
        let before = base["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap();
        // The base side is the loaded scenario's own run at these paths and seed.
        assert_eq!(delta["base_probability"], before["probability"], "{name}");
        let (d, lo, hi) = (
            delta["difference"].as_f64().unwrap(),
            delta["ci95"][0].as_f64().unwrap(),
            delta["ci95"][1].as_f64().unwrap(),
        );
        assert!(lo <= d && d <= hi, "{name}: {d} outside [{lo}, {hi}]");
        // On common random numbers a likelier downturn only turns normal
        // years into downturn years, so no path gains 2024's GDP target.
        if name == "gdp_growth_2024" {
            assert_eq!(delta["verdict"], "worse");
            let [gained, lost] = [
                delta["discordant"][0].as_u64().unwrap(),
                delta["discordant"][1].as_u64().unwrap(),
            ];
            assert_eq!(
                gained, 0,
                "a path where only the regime changed cannot gain GDP growth"
            );
            assert!(lost > 0);
        }
    }
    // Nothing changed: every difference is exactly zero, with a zero-width interval.
    let (_, same) = post(
        server.port,
        "/api/whatif",
        &serde_json::json!({"paths": 16384, "seed": 5}),
    );
    for delta in same["change"]["targets"].as_array().unwrap() {
        assert_eq!(delta["difference"], 0.0);
        assert_eq!(delta["verdict"], "no_significant_change");
    }
}

#[test]
fn bad_requests_get_the_set_sentence_as_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &["--save-dir", "saved", "--max-paths", "100000"],
    );
    for (key, value) in [
        ("regime.downturn_probability", "1.5"),
        ("foo.bar", "1"),
        ("series.digital_economy.mean_growth.mode", "0.5"),
    ] {
        let cli = xuhui(
            dir.path(),
            &[
                "run",
                "--paths",
                "100",
                "--no-paths",
                "--set",
                &format!("{key}={value}"),
            ],
        );
        assert_eq!(cli.status.code(), Some(2));
        let sentence = stderr(&cli)
            .trim()
            .trim_start_matches("error: ")
            .to_string();
        let (status, answer) = post(
            server.port,
            "/api/run",
            &serde_json::json!({"paths": 100, "set": {key: serde_json::from_str::<Value>(value).unwrap()}}),
        );
        assert_eq!(status, 400);
        assert_eq!(answer["error"], sentence);
    }
    let (status, answer) = post(
        server.port,
        "/api/run",
        &serde_json::json!({"paths": 100001}),
    );
    assert_eq!(status, 400);
    assert_contains(answer["error"].as_str().unwrap(), "1 to 100000");
    let (status, answer) = post(server.port, "/api/run", &serde_json::json!({"path": 5}));
    assert_eq!(status, 400);
    assert_contains(answer["error"].as_str().unwrap(), "unknown field `path`");
    let (status, text) = http(
        server.port,
        "POST",
        "/api/run",
        Some("application/json"),
        b"{not json",
    );
    assert_eq!(status, 400, "{text}");
    let (status, _) = http(server.port, "POST", "/api/run", Some("text/plain"), b"{}");
    assert_eq!(
        status, 415,
        "a form or text post from another site is refused"
    );
    let big = format!(
        "{{\"set\": {{\"scenario.description\": \"{}\"}}}}",
        "x".repeat(300 * 1024)
    );
    let (status, _) = http(
        server.port,
        "POST",
        "/api/run",
        Some("application/json"),
        big.as_bytes(),
    );
    assert_eq!(status, 413);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .write_all(
            b"GET /api/scenario HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 403"),
        "DNS rebinding: {answer}"
    );
}

#[test]
fn a_burst_of_requests_and_bad_bodies_leaves_the_server_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--save-dir", "saved"]);
    let port = server.port;
    let workers: Vec<_> = (0..40)
        .map(|i| {
            std::thread::spawn(move || match i % 4 {
                0 => {
                    post(
                        port,
                        "/api/run",
                        &serde_json::json!({"paths": 4096, "seed": i}),
                    )
                    .0
                }
                1 => {
                    http(
                        port,
                        "POST",
                        "/api/whatif",
                        Some("application/json"),
                        b"[1, 2",
                    )
                    .0
                }
                2 => {
                    post(
                        port,
                        "/api/whatif",
                        &serde_json::json!({"paths": 4096, "set": {"nope": 1}}),
                    )
                    .0
                }
                _ => {
                    // A client that goes away mid-request.
                    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    let _ = s.write_all(b"POST /api/run HTTP/1.1\r\nContent-Length: 100\r\n\r\n{");
                    0
                }
            })
        })
        .collect();
    let statuses: Vec<u16> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    for (i, status) in statuses.iter().enumerate() {
        let allowed: &[u16] = match i % 4 {
            0 => &[200, 503],
            1 => &[400],
            2 => &[400, 503],
            _ => &[0],
        };
        assert!(allowed.contains(status), "request {i}: {status}");
    }
    assert!(statuses.iter().step_by(4).filter(|s| **s == 200).count() >= 2);
    let (status, _) = post(port, "/api/run", &serde_json::json!({"paths": 4096}));
    assert_eq!(status, 200, "still serving after the burst");
}

#[test]
fn saving_never_overwrites_and_the_file_reproduces_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    std::fs::write(saved.join("mine.toml"), "# the user's own file\n").unwrap();
    let server = serve(dir.path(), &["--save-dir", "saved"]);
    let set = serde_json::json!({
        "regime.downturn_probability": 0.25,
        "series.digital_economy.mean_growth.min": 0.05,
        "series.digital_economy.mean_growth.mode": 0.09,
        "series.digital_economy.mean_growth.max": 0.13,
        "target.fiscal_revenue_growth_2024.at_least": 0.04,
    });
    let save = |name: &str, overwrite: bool| {
        post(
            server.port,
            "/api/save",
            &serde_json::json!({"name": name, "set": set, "paths": 20000, "seed": 9, "overwrite": overwrite}),
        )
    };
    let (status, answer) = save("mine", true);
    assert_eq!(status, 400, "{answer}");
    assert_contains(
        answer["error"].as_str().unwrap(),
        "was not written by this page",
    );
    assert_eq!(
        std::fs::read_to_string(saved.join("mine.toml")).unwrap(),
        "# the user's own file\n"
    );
    let (status, answer) = save("../escape", false);
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = save("what-if-1", false);
    assert_eq!(status, 200, "{answer}");
    let file = PathBuf::from(answer["path"].as_str().unwrap());
    let text = std::fs::read_to_string(dir.path().join(&file)).unwrap();
    assert_contains(&text, "extends = \"builtin:baseline\"");
    assert_contains(&text, "source = \"assumption: set in what-if on 20");
    assert!(
        !text.contains("[series.life_health"),
        "only the changed inputs: {text}"
    );
    let (status, answer) = save("what-if-1", false);
    assert_eq!(
        (status, answer["exists"].clone()),
        (409, Value::Bool(true)),
        "asks before replacing"
    );
    let (status, _) = save("what-if-1", true);
    assert_eq!(status, 200, "replaces its own file when asked");
    assert_eq!(
        common::entries(&saved),
        ["mine.toml", "what-if-1.toml"],
        "no temporary file left"
    );
    // `run` on the saved file gives the page's numbers at the same paths and seed.
    let (_, api) = post(
        server.port,
        "/api/run",
        &serde_json::json!({"paths": 20000, "seed": 9, "set": set}),
    );
    let cli = cli_summary(
        dir.path(),
        Some(&saved.join("what-if-1.toml")),
        20000,
        9,
        &[],
    );
    for key in ["metrics", "targets_met", "all_targets"] {
        assert_eq!(api[key], cli[key], "{key}");
    }
    let strip = |targets: &Value| -> Vec<(Value, Value, Value)> {
        targets
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].clone(),
                    t["probability"].clone(),
                    t["ci95"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&api["targets"]), strip(&cli["targets"]));
    // Its own [run] makes a plain run give the same.
    let plain = dir.path().join("plain");
    xuhui_ok(
        dir.path(),
        &[
            "run",
            saved.join("what-if-1.toml").to_str().unwrap(),
            "--out",
            plain.to_str().unwrap(),
            "--quiet",
            "--no-paths",
        ],
    );
    let plain: Value =
        serde_json::from_str(&std::fs::read_to_string(plain.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(strip(&plain["targets"]), strip(&api["targets"]));
}

#[test]
fn a_newer_request_on_a_channel_cancels_the_older_run() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--save-dir", "saved"]);
    let port = server.port;
    // Two million paths take seconds; the newer request arrives long before.
    let long = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let answer = post(
            port,
            "/api/whatif",
            &serde_json::json!({"paths": 2_000_000, "channel": "tab-1"}),
        );
        (answer, started.elapsed())
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    let (status, _) = post(
        port,
        "/api/whatif",
        &serde_json::json!({"paths": 4096, "channel": "tab-1"}),
    );
    assert_eq!(status, 200);
    let ((status, answer), took) = long.join().unwrap();
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["superseded"], true);
    assert!(
        took.as_secs_f64() < 5.0,
        "stopped at its next block, after {took:?}"
    );
    // Another channel is not touched.
    let (status, _) = post(
        port,
        "/api/whatif",
        &serde_json::json!({"paths": 4096, "channel": "tab-2"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_scenario_file_edited_while_serving_is_refused_not_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    std::fs::write(
        &file,
        "[scenario]\nname = \"plan\"\nextends = \"builtin:baseline\"\n",
    )
    .unwrap();
    let server = serve(dir.path(), &["plan.toml", "--save-dir", "saved"]);
    let (status, _) = post(
        server.port,
        "/api/whatif",
        &serde_json::json!({"paths": 4096}),
    );
    assert_eq!(status, 200);
    std::fs::write(
        &file,
        "[scenario]\nname = \"plan\"\nextends = \"builtin:baseline\"\n[regime]\ndownturn_probability = 0.3\n",
    )
    .unwrap();
    let (status, answer) = post(
        server.port,
        "/api/whatif",
        &serde_json::json!({"paths": 4096}),
    );
    assert_eq!(status, 400);
    assert_contains(
        answer["error"].as_str().unwrap(),
        "changed since the server started",
    );
}

#[test]
fn ctrl_c_stops_the_server_with_130() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &["--save-dir", "saved"]);
    assert!(Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed().as_secs() < 10, "the server did not stop");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert!(common::entries(dir.path()).is_empty(), "nothing written");
}

#[test]
fn the_page_works_in_headless_chromium() {
    let browser_dir = root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready =
        browser_dir.join("node_modules/playwright-core").is_dir() && Path::new(&chromium).is_file();
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Chromium and run `npm ci` in tests/browser"
        );
        eprintln!(
            "skipped: no Chromium or no tests/browser/node_modules (run `npm ci` in tests/browser)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--save-dir", "saved"]);
    let shots = root().join("target");
    let output = Command::new("node")
        .arg(browser_dir.join("whatif.mjs"))
        .env("URL", format!("http://127.0.0.1:{}/", server.port))
        .env("SHOTS", &shots)
        .env("SAVE_NAME", "browser-check")
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
    assert_eq!(shown["errors"], serde_json::json!([]), "no console error");
    assert_eq!(
        shown["set"],
        serde_json::json!({"regime.downturn_probability": 0.3})
    );
    assert_ne!(
        shown["before"]["probability"],
        shown["after"]["probability"]
    );
    assert_eq!(shown["after"]["verdict"], "worse");
    assert_contains(shown["after"]["difference"].as_str().unwrap(), "−");
    assert!(
        shown["tornado"]["bars"].as_u64().unwrap() >= 5,
        "{}",
        shown["tornado"]
    );
    assert_contains(shown["tornado"]["title"].as_str().unwrap(), "What moves");
    assert_eq!(shown["zh"]["header"], "路径数");
    assert_eq!(shown["zh"]["verdict"], "变差");
    // The saved scenario, run by the command line, gives the page's figures.
    let file = dir.path().join("saved/browser-check.toml");
    let paths = shown["paths"].as_u64().unwrap();
    let seed = shown["seed"].as_u64().unwrap();
    let cli = cli_summary(dir.path(), Some(&file), paths, seed, &[]);
    // JavaScript writes 13.0 as 13: compare the numbers as numbers.
    assert_eq!(
        floats(&shown["summary"]["metrics"]),
        floats(&cli["metrics"])
    );
    for (page, run) in shown["summary"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(cli["targets"].as_array().unwrap())
    {
        assert_eq!(page["probability"], run["probability"]);
    }
    for shot in [
        "whatif-en-loaded",
        "whatif-en-downturn-0.3",
        "whatif-zh-downturn-0.3",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).is_file(),
            "{shot}.png kept in target/"
        );
    }
    eprintln!(
        "page latencies (ms, from the change to drawn numbers): {}",
        shown["latencies"]
    );
}
