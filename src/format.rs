//! Numbers and tables as the terminal shows them, for every command: the run
//! table, comparisons and the studies format through here, so a probability
//! or a number reads the same everywhere.

use crate::output::table::terminal_safe;
use unicode_width::UnicodeWidthStr;

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

/// `text` padded with spaces to `width` columns of display width.
pub fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(UnicodeWidthStr::width(text)))
    )
}

/// Rows aligned by display width under a header and a rule. Every cell is
/// made [`terminal_safe`] first (a label with a newline stays on its row), so
/// the studies' tables that print through here are safe too.
pub fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header
        .iter()
        .map(|h| terminal_safe(h).into_owned())
        .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| terminal_safe(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header
        .iter()
        .map(|h| UnicodeWidthStr::width(h.as_str()))
        .collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let joined: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        format!("{}\n", joined.join("  ").trim_end())
    };
    let mut out = line(header.clone());
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for row in &rows {
        out.push_str(&line(row.clone()));
    }
    out
}
