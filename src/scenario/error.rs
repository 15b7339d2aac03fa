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
    pub fn new(origin: &Origin, message: impl Into<String>) -> Self {
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
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(unknown, k), *k))
        .min()
        .filter(|(distance, k)| *distance <= (k.len().max(unknown.len()) / 2).max(2))
        .map(|(_, k)| k)
}

/// "did you mean `x`?" or the list of valid names.
pub fn suggestion(unknown: &str, known: &[&str]) -> String {
    match nearest(unknown, known) {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("valid keys here are {}", quoted_list(known)),
    }
}

/// `a`, `b` and `c`.
pub fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => "none".to_string(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
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
}
