//! The comparison's output formats, one file each: a terminal table, Markdown,
//! CSV and JSON. Numbers are formatted here once, for all of them.

pub mod csv;
pub mod markdown;
pub mod table;

use super::{Comparison, Method, SetComparison};

/// The comparison as pretty JSON with a final newline.
pub fn json(comparison: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(comparison)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// A probability as a percentage: `62.5 %`.
pub fn percent(p: f64) -> String {
    format!("{:.1} %", p * 100.0)
}

/// A probability difference in percentage points: `+13.0 pt`.
pub fn points(d: f64) -> String {
    format!("{:+.1} pt", d * 100.0)
}

/// An interval of differences in points: `+12.8 to +13.2 pt`.
pub fn points_interval(ci: [f64; 2]) -> String {
    format!("{:+.1} to {:+.1} pt", ci[0] * 100.0, ci[1] * 100.0)
}

/// A number with about `digits` significant digits, without exponent for everyday sizes.
pub fn number(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..=9).contains(&magnitude) {
        return format!("{v:.*e}", digits.saturating_sub(1));
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

/// A signed number: `+0.0123`.
pub fn signed(v: f64, digits: usize) -> String {
    let text = number(v, digits);
    if v > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// An interval of signed numbers: `-0.0012 to +0.0034`.
pub fn signed_interval(ci: [f64; 2], digits: usize) -> String {
    format!("{} to {}", signed(ci[0], digits), signed(ci[1], digits))
}

/// "paired (same seed 2024 and 200000 paths)" or "independent samples (why)".
pub fn method_text(set: &SetComparison) -> String {
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
