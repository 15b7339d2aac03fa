//! Numbers and tables as the terminal shows them, for every command: the run
//! table, comparisons and the studies format through here, so a probability
//! or a number reads the same everywhere.

use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// Whether `c` could move the cursor, end a row, recolour or reorder the
/// terminal when printed: C0 controls (newline, tab, ESC, …), DEL, C1
/// controls (U+0080–U+009F), the line and paragraph separators, and the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069).
fn hijacks_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// User text (titles, labels, names, units, notes) as a terminal may print
/// it: every character that could hijack the terminal is shown escaped, as
/// Rust writes it (newline `\n`, tab `\t`, carriage return `\r`, others
/// `\u{1b}`), so a label with a newline stays on its row and one with ESC
/// cannot recolour or clear the screen. Other text is returned as it is.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hijacks_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hijacks_terminal(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
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

/// `text` padded with spaces to `width` columns of display width.
pub(crate) fn pad(text: &str, width: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_what_could_hijack_the_terminal() {
        assert!(matches!(
            terminal_safe("GDP 实际增长 ≥ 5 %"),
            Cow::Borrowed(_)
        ));
        assert_eq!(terminal_safe("two\nrows"), "two\\nrows");
        assert_eq!(terminal_safe("a\tb\r"), "a\\tb\\r");
        assert_eq!(terminal_safe("\u{1b}[2Jcleared"), "\\u{1b}[2Jcleared");
        assert_eq!(terminal_safe("nul\0 del\u{7f}"), "nul\\u{0} del\\u{7f}");
        assert_eq!(terminal_safe("c1\u{85}\u{9b}"), "c1\\u{85}\\u{9b}");
        assert_eq!(
            terminal_safe("\u{202e}txt.exe\u{2066}\u{2069}"),
            "\\u{202e}txt.exe\\u{2066}\\u{2069}"
        );
        assert_eq!(terminal_safe("line\u{2028}sep"), "line\\u{2028}sep");
        // Escaped text is plain ASCII where it was escaped, and has no line break.
        let shown = terminal_safe("a\nb\u{1b}c\u{9f}");
        assert!(!shown.chars().any(hijacks_terminal), "{shown}");
        assert!(!shown.contains('\n'));
    }
}
