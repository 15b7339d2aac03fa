//! The comparison's output formats, one file each: a terminal table, Markdown,
//! CSV and JSON. Numbers are formatted here once, for all of them.

pub mod csv;
pub mod markdown;
pub mod table;

use super::{Comparison, Method, SetComparison};
pub use crate::format::{number, percent, points, points_interval, signed, signed_interval};

/// The comparison as pretty JSON with a final newline.
pub fn json(comparison: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(comparison)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// "paired (same seed 2024 and 200000 paths)" or "independent samples (why)".
pub(crate) fn method_text(set: &SetComparison) -> String {
    match set.method {
        Method::Paired => format!(
            "paired path by path (same seed {}, {} paths, {} sampling)",
            set.set.seed, set.set.paths, set.set.sampling
        ),
        Method::Independent => format!(
            "as independent samples: {}",
            set.pairing_note
                .clone()
                .unwrap_or_else(|| "not paired".into())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_significant_digits() {
        assert_eq!(number(1234.5678, 4), "1235");
        assert_eq!(number(0.052345, 3), "0.0523");
        assert_eq!(signed(0.5, 2), "+0.50");
        assert_eq!(points(0.1304), "+13.0 pt");
    }
}
