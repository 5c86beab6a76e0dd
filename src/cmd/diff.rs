//! `uplift diff`: read two JSON reports, compare them, write what changed.

use super::Outcome;
use crate::cli::DiffArgs;
use crate::diff::{self, Snapshot};
use crate::error::Error;
use crate::io::read::{io_reason, sha256_hex};
use std::path::Path;

/// Runs `uplift diff`.
pub fn run(a: &DiffArgs) -> Result<Outcome, Error> {
    let old = snapshot(&a.old)?;
    let new = snapshot(&a.new)?;
    let diff = diff::compare(&old, &new, &a.fail_on);
    let term = super::terminal_for(a.output.as_deref(), false);
    Ok(Outcome {
        bytes: crate::export::diff::render(&diff, a.format, &term)?,
        output: a.output.clone(),
        code: if diff.failed.is_empty() { 0 } else { 3 },
        notes: diff::failure_notes(&diff),
    })
}

/// The report at `path`: a file that cannot be read is bad input (exit 2),
/// as an input file of `uplift run` is.
fn snapshot(path: &Path) -> Result<Snapshot, Error> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Usage(format!("{name}: cannot be read: {}", io_reason(&e))))?;
    Ok(Snapshot {
        report: diff::read(&name, &bytes)?,
        sha256: sha256_hex(&bytes),
        path: name,
    })
}
