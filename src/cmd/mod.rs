//! One module per subcommand: its flags and its orchestration (load, compute,
//! assemble), no maths.

pub mod attribute;
pub mod completions;
pub mod diff;
pub mod man;
pub mod power;
pub mod reconcile;
pub mod run;
pub mod schema;
pub mod simulate;
pub mod sql;
pub mod validate;

use crate::cli::OutputArgs;
use crate::error::Error;
use crate::export::{Terminal, table::DEFAULT_WIDTH};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a subcommand produced: the bytes to write and the exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The rendered report.
    pub bytes: Vec<u8>,
    /// `--output FILE`, or standard output.
    pub output: Option<PathBuf>,
    /// Exit code when the output is written (0, 2 for `validate` with
    /// problems, 3 for a failed `--fail-on` check).
    pub code: u8,
    /// Messages for standard error (e.g. failed checks).
    pub notes: Vec<String>,
}

impl Outcome {
    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        self.code
    }

    /// Writes the bytes once: to the output file atomically (a temporary
    /// file beside it, then a rename), or to standard output.
    pub fn write(&self) -> Result<(), Error> {
        match &self.output {
            Some(path) => write_atomic(path, &self.bytes)?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&self.bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| Error::io("<stdout>", e))?;
            }
        }
        for n in &self.notes {
            eprintln!("uplift: {n}");
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a
/// reader never sees a half-written file.
///
/// A path that exists and is not a regular file (`/dev/null`, a named pipe,
/// `/dev/stdout`) is written directly: a rename would replace the device or
/// the pipe with a plain file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()))
            .map_err(|e| Error::io(path, e));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// The layout of `--format table` for `out`:
/// - width: `COLUMNS`, else the width of the terminal on standard output,
///   else 100 columns;
/// - colour: only on standard output, as the `NO_COLOR` and
///   `CLICOLOR_FORCE` conventions and a terminal decide; never in a file.
pub fn terminal(out: &OutputArgs) -> Terminal {
    terminal_for(out.output.as_deref(), out.details)
}

/// The layout of `--format table` written to `output` (`None`: standard
/// output), as [`terminal`] decides it.
pub fn terminal_for(output: Option<&Path>, details: bool) -> Terminal {
    let to_stdout = output.is_none();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or_else(|| {
            to_stdout
                .then(|| terminal_size::terminal_size_of(std::io::stdout()))
                .flatten()
                .map(|(w, _)| usize::from(w.0))
        })
        .unwrap_or(DEFAULT_WIDTH);
    let colour = to_stdout
        && anstream::AutoStream::choice(&std::io::stdout()) == anstream::ColorChoice::Always;
    Terminal {
        width,
        colour,
        details,
    }
}

pub use crate::parallel::threads;
