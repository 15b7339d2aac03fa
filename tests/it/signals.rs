//! Interruption: SIGINT (Ctrl-C) or SIGTERM during a run leaves no result
//! folder and no temporary file, says so, and exits with code 130.

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn interrupt_with(signal: &str) {
    let work = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
        .args(["run", "--paths", "200000000", "--out", "big"])
        .current_dir(work.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Wait until the run has started writing (its staging folder exists).
    let started = Instant::now();
    while common::entries(work.path()).is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{signal}");
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("interrupted: no result set was written"),
        "{message}"
    );
    assert!(
        common::entries(work.path()).is_empty(),
        "left behind: {:?}",
        common::entries(work.path())
    );
}

#[test]
fn sigint_leaves_nothing_behind() {
    interrupt_with("-INT");
}

#[test]
fn sigterm_leaves_nothing_behind() {
    interrupt_with("-TERM");
}

/// Starts `args` in `dir`, sends `signal` after `after`, and asserts exit 130
/// within 5 seconds, a message saying it was interrupted, and no entry in
/// `dir` besides `keep`.
fn interrupt_command(
    dir: &std::path::Path,
    args: &[&str],
    signal: &str,
    after: Duration,
    keep: &[&str],
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(after);
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if sent.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("{args:?} still running 5 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap();
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{args:?}: {message}");
    assert!(message.contains("interrupted"), "{args:?}: {message}");
    let left: Vec<String> = common::entries(dir)
        .into_iter()
        .filter(|e| !keep.contains(&e.as_str()))
        .collect();
    assert!(left.is_empty(), "{args:?} left behind: {left:?}");
}

/// Every long command stops on SIGINT or SIGTERM: exit 130, nothing left.
#[test]
fn every_long_command_stops_cleanly() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let wait = Duration::from_millis(700);
    let ok = |args: &[&str]| common::xuhui_ok(dir, args);
    interrupt_command(
        dir,
        &[
            "sweep",
            "--vary",
            "series.digital_economy.mean_growth=0.08..0.14",
            "--steps",
            "20",
            "--paths",
            "2000000",
        ],
        "-INT",
        wait,
        &[],
    );
    interrupt_command(
        dir,
        &["sensitivity", "--paths", "2000000"],
        "-TERM",
        wait,
        &[],
    );
    interrupt_command(
        dir,
        &[
            "sensitivity",
            "--method",
            "sobol",
            "--samples",
            "65536",
            "--max-samples",
            "262144",
            "--tolerance",
            "0.0001",
        ],
        "-INT",
        wait,
        &[],
    );
    interrupt_command(
        dir,
        &[
            "goal-seek",
            "--vary",
            "series.digital_economy.mean_growth",
            "--target",
            "digital_economy_growth_2024",
            "--probability",
            "0.8",
            "--paths",
            "2000000",
        ],
        "-INT",
        wait,
        &[],
    );
    ok(&["run", "--paths", "4096", "--out", "a", "--quiet"]);
    ok(&[
        "run",
        "--paths",
        "4096",
        "--set",
        "series.digital_economy.mean_growth=0.13",
        "--out",
        "b",
        "--quiet",
    ]);
    interrupt_command(
        dir,
        &[
            "compare",
            "a",
            "b",
            "--explain",
            "--explain-paths",
            "4000000",
        ],
        "-TERM",
        wait,
        &["a", "b"],
    );
    ok(&[
        "run", "--paths", "1200000", "--shard", "1/2", "--out", "s1", "--quiet",
    ]);
    ok(&[
        "run", "--paths", "1200000", "--shard", "2/2", "--out", "s2", "--quiet",
    ]);
    interrupt_command(
        dir,
        &["merge", "s1", "s2", "--out", "m"],
        "-INT",
        Duration::from_millis(150),
        &["a", "b", "s1", "s2"],
    );
}
