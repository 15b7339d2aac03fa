//! Interruption: SIGINT (Ctrl-C) or SIGTERM during a run leaves no result
//! folder and no temporary file, says so, and exits with code 130.

mod common;

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
