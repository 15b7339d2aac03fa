//! A progress bar on standard error for work made of many runs (the studies,
//! `compare --explain`, `merge`): one process-wide bar, switched on by the
//! command line only when standard error is a terminal and `--quiet` is off,
//! so pipes, files and tests see nothing. `run` draws its own bar of paths
//! (see `runner`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static ENABLED: AtomicBool = AtomicBool::new(false);
static BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Lets [`begin`] draw (the command line calls it for a terminal).
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

/// Starts a bar of `total` units named `what` (e.g. "runs"), replacing any
/// earlier one; nothing unless [`enable`] was called.
pub(crate) fn begin(total: u64, what: &str) {
    if !ENABLED.load(Ordering::SeqCst) {
        return;
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what}  {{elapsed}} (eta {{eta}})");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if let Ok(mut slot) = BAR.lock() {
        if let Some(old) = slot.replace(bar) {
            old.finish_and_clear();
        }
    }
}

/// Adds `n` done units to the bar, if one is drawn.
pub(crate) fn advance(n: u64) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(slot) = BAR.lock() {
        if let Some(bar) = slot.as_ref() {
            bar.inc(n);
        }
    }
}

/// Removes the bar.
pub fn end() {
    if let Ok(mut slot) = BAR.lock() {
        if let Some(bar) = slot.take() {
            bar.finish_and_clear();
        }
    }
}
