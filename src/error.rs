//! Every way `uplift` can fail, and the one place exit codes are decided.

use crate::io::problem::Problem;
use std::fmt;
use std::path::PathBuf;

/// How many problems an error message lists before summarising the rest.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// Every way `uplift` can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage: a flag or config value that cannot be used (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Bad input data (exit 2).
    #[error(transparent)]
    Input(#[from] InputError),
    /// Reading or writing a file failed (exit 1).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A failure that is not the user's (exit 1).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code of this error, per the contract.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Input(_) => 2,
            Error::Io { .. } | Error::Internal(_) => 1,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Problems found in the input files.
#[derive(Debug)]
pub struct InputError {
    /// The problems, at most [`MAX_LISTED_PROBLEMS`] per file.
    pub problems: Vec<Problem>,
    /// How many problems there were in all.
    pub total: usize,
}

impl InputError {
    /// An error with a single problem.
    pub fn one(problem: Problem) -> Self {
        Self {
            problems: vec![problem],
            total: 1,
        }
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        let more = self.total.saturating_sub(self.problems.len());
        if more > 0 {
            write!(f, "\n… and {more} more problems")?;
        }
        if self.total > 0 {
            write!(
                f,
                "\n(use `uplift validate` to list every problem, or --on-bad-rows skip to skip bad rows)"
            )?;
        }
        Ok(())
    }
}
