//! Scenario errors: one sentence naming where (file and line, or the `--set`
//! flag), which key, what is wrong and how to fix it.

use std::fmt;
use std::sync::Arc;

/// Where a key or value of a scenario came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A line (1-based) of a scenario file, named as the user gave it.
    File { path: Arc<str>, line: usize },
    /// A `--set KEY=VALUE` flag, quoted as written.
    Flag { text: Arc<str> },
    /// Made by the loader (a default), with no place in any file.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{path}:{line}"),
            Origin::Flag { text } => write!(f, "--set {text}"),
            Origin::Default => write!(f, "(default)"),
        }
    }
}

/// A scenario that cannot be loaded; its message is the whole explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub origin: Origin,
    pub message: String,
}

impl ScenarioError {
    /// An error at `origin`; `message` names the key and the fix.
    pub(crate) fn new(origin: &Origin, message: impl Into<String>) -> Self {
        ScenarioError {
            origin: origin.clone(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Default => write!(f, "{}", self.message),
            _ => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The known name closest to `unknown` (Levenshtein), if close enough to be a
/// plausible misspelling.
pub(crate) fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(unknown, k), *k))
        .min()
        .filter(|(distance, k)| *distance <= (k.len().max(unknown.len()) / 2).max(2))
        .map(|(_, k)| k)
}

/// "did you mean `x`?" or the list of valid names.
pub(crate) fn suggestion(unknown: &str, known: &[&str]) -> String {
    match nearest(unknown, known) {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("valid keys here are {}", quoted_list(known)),
    }
}

/// `a`, `b` and `c`.
pub(crate) fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => "none".to_string(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// The ASCII character that a full-width form (as typed with a Chinese or
/// Japanese input method) stands for: `５` → `5`, `．` → `.`, `＝` → `=`, the
/// ideographic space → a space, `。` → `.`, curly double quotes → `"`.
pub(crate) fn halfwidth(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        '\u{3001}' => Some(','),
        '\u{3002}' => Some('.'),
        '\u{201C}' | '\u{201D}' => Some('"'),
        _ => None,
    }
}

/// "full-width digit '５' at line 3; write it as 5" for the first full-width
/// character of `text` (`place` is "at line 3" or "in the value"), or `None`
/// when there is none.
pub(crate) fn fullwidth_hint(text: &str, place: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let start = chars.iter().position(|c| halfwidth(*c).is_some())?;
    let run: Vec<char> = chars[start..]
        .iter()
        .copied()
        .take_while(|c| halfwidth(*c).is_some())
        .collect();
    let written: String = run.iter().collect();
    let ascii: String = run.iter().filter_map(|c| halfwidth(*c)).collect();
    if run.len() == 1 {
        let kind = match run[0] {
            '\u{FF10}'..='\u{FF19}' => "full-width digit",
            '\u{3000}' => "full-width space",
            '\u{201C}' | '\u{201D}' => "curly quote",
            _ => "full-width character",
        };
        let shown = if ascii == " " {
            "a plain space".to_string()
        } else {
            ascii
        };
        Some(format!("{kind} '{written}' {place}; write it as {shown}"))
    } else {
        Some(format!(
            "full-width characters '{written}' {place}; write them as {ascii}"
        ))
    }
}

/// [`fullwidth_hint`] for a line of TOML: only what lies outside double-quoted
/// strings counts (Chinese punctuation inside a label is fine).
pub(crate) fn fullwidth_hint_outside_strings(line: &str, place: &str) -> Option<String> {
    let mut outside = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
            outside.push(' ');
        } else if !quoted {
            outside.push(c);
        } else {
            outside.push(' ');
        }
    }
    fullwidth_hint(&outside, place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(
            nearest("volatilty", &["volatility", "persistence"]),
            Some("volatility")
        );
        assert_eq!(nearest("zzzzzzzz", &["base", "label"]), None);
        assert_eq!(quoted_list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn full_width_characters_are_named_with_their_ascii_form() {
        assert_eq!(
            fullwidth_hint("base = ５", "at line 3").as_deref(),
            Some("full-width digit '５' at line 3; write it as 5")
        );
        assert_eq!(
            fullwidth_hint("x = ０．０５", "at line 7").as_deref(),
            Some("full-width characters '０．０５' at line 7; write them as 0.05")
        );
        assert_eq!(
            fullwidth_hint("x = 0．05", "in the value").as_deref(),
            Some("full-width character '．' in the value; write it as .")
        );
        assert_eq!(fullwidth_hint("x = 0.05", "at line 1"), None);
        // Chinese punctuation inside a string is not a mistake.
        assert_eq!(
            fullwidth_hint_outside_strings("label = \"甲，乙\" ５", "at line 2").as_deref(),
            Some("full-width digit '５' at line 2; write it as 5")
        );
        assert_eq!(
            fullwidth_hint_outside_strings("label = \"甲，乙（丙）\"", "at line 2"),
            None
        );
    }
}
