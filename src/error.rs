//! Every way `uplift` can fail, and the one place exit codes are decided.

use crate::problem::{Finding, Problem, ProblemGroup, thousands};
use std::fmt;
use std::path::PathBuf;

/// How many problems a warning about skipped rows lists.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// The most lines a bad-input error message takes, whatever the input.
pub const MAX_MESSAGE_LINES: usize = 12;

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

/// Problems found in the input files, as a failing `run`, `attribute` or
/// `reconcile` reports them: grouped by file, column and kind, in at most
/// [`MAX_MESSAGE_LINES`] lines.
#[derive(Debug)]
pub struct InputError {
    /// What the message says, in file order and then in order of first
    /// line: groups of problems, and columns found wrong on every row.
    pub findings: Vec<Finding>,
    /// How many problems there were in all.
    pub total: usize,
}

impl InputError {
    /// An error with a single problem.
    pub fn one(problem: Problem) -> Self {
        Self {
            findings: vec![Finding::Problems(ProblemGroup::one(problem))],
            total: 1,
        }
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    /// The findings that fit, then how many did not, then a hint: never
    /// more than [`MAX_MESSAGE_LINES`] lines in all.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = self.total > 0;
        let room = MAX_MESSAGE_LINES - usize::from(hint);
        // Each finding as printed, with the lines it takes (a file name or
        // a value may hold a line break of its own).
        let texts: Vec<(String, usize)> = self
            .findings
            .iter()
            .map(|finding| {
                let text = finding.to_string();
                let lines = text.split('\n').count();
                (text, lines)
            })
            .collect();
        let needed: usize = texts.iter().map(|(_, n)| n).sum();
        // A line for "… and N more" when not everything fits.
        let room = if needed <= room { room } else { room - 1 };
        let mut used = 0;
        let mut shown = 0;
        for (text, lines) in &texts {
            if used + lines > room {
                break;
            }
            if used > 0 {
                writeln!(f)?;
            }
            write!(f, "{text}")?;
            used += lines;
            shown += 1;
        }
        let rest = &self.findings[shown..];
        if !rest.is_empty() {
            if used > 0 {
                writeln!(f)?;
            }
            let problems: u64 = rest.iter().map(Finding::problems).sum();
            write!(
                f,
                "… and {} more group{} of problems ({} problem{})",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" },
                thousands(problems),
                if problems == 1 { "" } else { "s" },
            )?;
            used += 1;
        }
        if hint {
            if used > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "(use `uplift validate` to list every problem, or --on-bad-rows skip to skip bad rows)"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::ColumnVerdict;

    fn group(column: usize, count: u64) -> Finding {
        Finding::Problems(ProblemGroup {
            count,
            first: Problem {
                file: format!("f{}.csv", column / 4),
                line: Some(2 + column as u64),
                column: Some(format!("c{column}")),
                value: Some("x".into()),
                message: "is not a number (expected a decimal like 12.50)".into(),
            },
        })
    }

    fn verdict(column: usize) -> Finding {
        Finding::Column(ColumnVerdict {
            file: "f.csv".into(),
            column: format!("c{column}"),
            first_line: Some(2),
            problems: 1000,
            text: format!("f.csv: column \"c{column}\" is wrong on every row"),
            mapping: vec![
                "[columns.exposures]".into(),
                "a = \"b\"".into(),
                "b = \"a\"".into(),
            ],
        })
    }

    #[test]
    fn what_fits_is_listed_whole() {
        let e = InputError {
            findings: vec![group(0, 3), verdict(1), group(2, 1)],
            total: 1004,
        };
        let text = e.to_string();
        assert_eq!(text.lines().count(), 7, "{text}");
        assert!(text.contains("\n  [columns.exposures]\n  a = \"b\"\n  b = \"a\"\n"));
        assert!(!text.contains("more"), "{text}");
        assert!(text.ends_with("--on-bad-rows skip to skip bad rows)"));
    }

    #[test]
    fn the_message_never_exceeds_twelve_lines() {
        for n in 0..40 {
            for with_verdicts in [false, true] {
                let findings: Vec<Finding> = (0..n)
                    .map(|i| {
                        if with_verdicts && i % 2 == 0 {
                            verdict(i)
                        } else {
                            group(i, 2)
                        }
                    })
                    .collect();
                let total = findings.iter().map(Finding::problems).sum::<u64>() as usize;
                let text = InputError { findings, total }.to_string();
                assert!(text.lines().count() <= MAX_MESSAGE_LINES, "{n}: {text}");
                if text.contains("more group") {
                    let last = text.lines().rev().nth(1).unwrap_or_default();
                    assert!(last.starts_with("… and "), "{text}");
                }
            }
        }
        let findings: Vec<Finding> = (0..30).map(|i| group(i, 2)).collect();
        let text = InputError {
            findings,
            total: 60,
        }
        .to_string();
        assert!(
            text.contains("\n… and 20 more groups of problems (40 problems)\n"),
            "{text}"
        );
    }
}
