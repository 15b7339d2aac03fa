//! `summary.json`: the machine-readable result. Floats are printed in their
//! shortest round-trip form, so equal runs give byte-identical figures.

use crate::summary::Summary;

/// The summary as pretty-printed JSON with a final newline.
pub fn summary_json(summary: &Summary) -> String {
    let mut text =
        serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
