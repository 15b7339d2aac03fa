//! The one error type of the library and the command line. Every failure is
//! one of a few kinds, and the kind decides the exit code: the command line
//! prints the message once and exits with [`Error::exit_code`] (as ripgrep's
//! and hyperfine's `main` do). Modules keep typed errors where code branches
//! on them ([`crate::engine::EngineError`], [`crate::output::WriteError`],
//! [`ScenarioError`]) and convert into this one at their edge.

use crate::scenario::ScenarioError;
use std::path::PathBuf;

/// What went wrong, as a user needs to know it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file or a `--set`: names the file, line and key. Exit 2.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// Bad input: a flag, a folder that already exists, an impossible request. Exit 2.
    #[error("{0}")]
    Input(String),
    /// A path that cannot be written (disk full, permissions). Exit 1.
    #[error("cannot write {}: {message}", path.display())]
    Unwritable { path: PathBuf, message: String },
    /// The command worked, and its verdict fails the caller's condition
    /// (`compare --fail-on`). Exit 3.
    #[error("{0}")]
    Verdict(String),
    /// Stopped by SIGINT or SIGTERM; the message says what was (not) left. Exit 130.
    #[error("{0}")]
    Interrupted(String),
    /// Anything else: an internal failure, an unreadable file. Exit 1.
    #[error("{0}")]
    Failure(String),
}

/// The message of an interrupted run.
pub(crate) const INTERRUPTED: &str =
    "interrupted: no result set was written and no temporary file is left";

impl Error {
    /// The process exit code of this error: 2 for bad input, 1 for a failure,
    /// 3 for a failed verdict, 130 for an interruption.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Input(_) => 2,
            Error::Unwritable { .. } | Error::Failure(_) => 1,
            Error::Verdict(_) => 3,
            Error::Interrupted(_) => 130,
        }
    }

    /// Whether the error stands for an interruption.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, Error::Interrupted(_))
    }
}

impl From<crate::output::WriteError> for Error {
    fn from(e: crate::output::WriteError) -> Self {
        use crate::output::WriteError;
        match e {
            WriteError::Exists(_) | WriteError::NotReplaceable(_) => Error::Input(e.to_string()),
            WriteError::Io { path, source } => Error::Unwritable {
                path,
                message: source.to_string(),
            },
            WriteError::Table(message) => Error::Failure(message),
        }
    }
}

impl From<crate::engine::EngineError> for Error {
    fn from(e: crate::engine::EngineError) -> Self {
        use crate::engine::EngineError;
        match e {
            EngineError::Interrupted => Error::Interrupted(INTERRUPTED.into()),
            EngineError::Paths(_) | EngineError::DesignPaths { .. } => Error::Input(e.to_string()),
            other => Error::Failure(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(Error::Input("x".into()).exit_code(), 2);
        assert_eq!(Error::Failure("x".into()).exit_code(), 1);
        assert_eq!(Error::Verdict("x".into()).exit_code(), 3);
        assert_eq!(Error::Interrupted("x".into()).exit_code(), 130);
        let unwritable = Error::from(crate::output::WriteError::Io {
            path: "out".into(),
            source: std::io::Error::other("disk full"),
        });
        assert_eq!(unwritable.exit_code(), 1);
        assert_eq!(unwritable.to_string(), "cannot write out: disk full");
    }
}
