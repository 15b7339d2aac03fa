//! The report in a real browser: headless Chromium renders `report.html`
//! (English and Chinese), with no console error, every chart laid out with a
//! non-empty size, and the Chinese labels present as text. Saves screenshots
//! as artifacts in `target/report-screenshot-*.png`.
//!
//! CI installs Chromium (`.ci/run`); on a machine without it the test says so
//! and passes, unless `CI` is set, where a missing browser is a failure.

use crate::common;

use common::{stderr, xuhui};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A line of Chromium's log that reports a script error or an error-level console message.
fn is_console_error(line: &str) -> bool {
    line.contains("Uncaught") || (line.contains("CONSOLE") && line.contains("ERROR"))
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn browse(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> std::process::Output {
    let url = format!("file://{}", page.display());
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium starts")
}

#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is missing in CI: .ci/run installs the chromium package"
        );
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for (lang, out) in [("en", "en"), ("zh", "zh")] {
        let output = xuhui(
            w,
            &[
                "run", "--paths", "20000", "--report", "--lang", lang, "--out", out, "--quiet",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let page = w.join(out).join("report.html");
        let html = std::fs::read_to_string(&page).unwrap();
        // Self-contained: nothing fetched (the SVG namespace URI is a name, not a fetch).
        for external in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "<link",
            "<script src",
            "@import",
        ] {
            assert!(
                !html.contains(external),
                "the report refers to something outside it: {external}"
            );
        }
        let charts = html.matches("<div class=\"chart\"><svg").count();
        assert!(charts >= 20, "only {charts} charts");

        let rendered = browse(
            &browser,
            &w.join(format!("profile-{lang}")),
            &page,
            &["--dump-dom"],
        );
        let dom = String::from_utf8_lossy(&rendered.stdout);
        let log = String::from_utf8_lossy(&rendered.stderr);
        for line in log.lines() {
            assert!(!is_console_error(line), "console error: {line}");
        }
        let sizes = dom
            .split("data-chart-sizes=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| {
                panic!("the page did not report its chart sizes; browser said: {log}")
            })
            .replace("&quot;", "\"");
        let sizes: Vec<[f64; 2]> = serde_json::from_str(&sizes).unwrap();
        assert_eq!(sizes.len(), charts);
        assert!(
            sizes
                .iter()
                .all(|[width, height]| *width > 50.0 && *height > 50.0),
            "{sizes:?}"
        );
        if lang == "zh" {
            for label in ["达成概率", "扇形图", "引自原文", "假设", "数字经济"] {
                assert!(dom.contains(label), "`{label}` is not in the rendered page");
            }
        }
        let shot = common::root().join(format!("target/report-screenshot-{lang}.png"));
        if let Some(folder) = shot.parent() {
            std::fs::create_dir_all(folder).unwrap();
        }
        let shot_arg = format!("--screenshot={}", shot.display());
        let taken = browse(
            &browser,
            &w.join(format!("shot-{lang}")),
            &page,
            &[&shot_arg, "--window-size=1280,2400", "--hide-scrollbars"],
        );
        assert!(
            shot.is_file(),
            "no screenshot: {}",
            String::from_utf8_lossy(&taken.stderr)
        );
    }
}
