//! Opening an input file by its extension and handing its rows, one at a
//! time, to a loader.
//!
//! CSV (optionally gzip-compressed) is streamed through the `csv` crate in a
//! single pass: each record's fields are checked (field count, UTF-8) and the
//! wanted ones handed over as text, with the record's exact line (a quoted
//! record that spans lines is reported where it starts). Nothing of the file
//! is kept: the SHA-256 is computed by a second thread from the same bytes as
//! they are read. (Measured on 12 M rows / 869 MB: this pass takes 1.4 s where
//! polars needs 4.3 s on two threads to build string columns that would then
//! be converted again; see the README's performance section.)
//!
//! Parquet is read with polars (only the wanted columns); timestamp, date and
//! numeric columns keep their types.
//!
//! # Layout
//!
//! [`scan`] and [`scan_parts`] (here) open a file and choose its reader.
//! A CSV file is cut into blocks of whole records (`blocks`), read on
//! several threads (`csv`, with `delimiters` for the fast path of plain
//! text) after its header (`header`), while a thread hashes its bytes
//! (`hash`). `parquet` holds everything that uses polars. [`first_rows()`]
//! reads a file's first rows for the advice of an error message.

mod blocks;
mod csv;
mod delimiters;
mod first_rows;
mod hash;
mod header;
mod parquet;

pub use first_rows::{FirstRows, SampleCell, first_rows};
pub use hash::sha256_hex;

use super::problem::Problem;
use crate::model::Micros;
use crate::progress;
use csv::CsvJob;
use hash::hashing_reader;
use parquet::scan_parquet;
use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// The kind of value a column holds, which decides how Parquet columns are
/// converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Free text (ids, names, labels).
    Text,
    /// A decimal amount.
    Number,
    /// A timestamp.
    Timestamp,
    /// A calendar date.
    Date,
}

/// One column a loader asks for.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The canonical name (as in the contract).
    pub canonical: &'static str,
    /// The name in the file (after `[columns.*]` mapping).
    pub name: String,
    /// Whether the file must have it.
    pub required: bool,
    /// What it holds.
    pub kind: ValueKind,
}

/// One value of a wanted column in a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// The column is not in the file, or the cell is null (Parquet).
    Absent,
    /// Text as written (CSV, and Parquet text columns).
    Text(&'a str),
    /// A Parquet number.
    Number(f64),
    /// A Parquet timestamp or date, in UTC microseconds.
    Micros(Micros),
}

impl<'a> Value<'a> {
    /// The text, when the value is non-empty text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            Value::Text(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

/// Most columns a loader asks for.
pub(super) const MAX_WANTED: usize = 16;

/// The file format, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// `.csv`
    Csv,
    /// `.csv.gz`
    CsvGz,
    /// `.parquet`
    Parquet,
}

/// What was read of a file, besides its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The file as given.
    pub file: String,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
    /// Number of data rows.
    pub rows: usize,
}

/// Where a row is: its 0-based data row and the 1-based line it starts on
/// (header = line 1; for Parquet, the data row + 2, the line it would have in
/// a CSV export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// 0-based data row.
    pub row: usize,
    /// 1-based line.
    pub line: u64,
}

/// The format of `path`, from its extension.
pub fn format_of(path: &Path) -> Option<FileFormat> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".csv.gz") {
        Some(FileFormat::CsvGz)
    } else if name.ends_with(".csv") {
        Some(FileFormat::Csv)
    } else if name.ends_with(".parquet") || name.ends_with(".pq") {
        Some(FileFormat::Parquet)
    } else {
        None
    }
}

/// Reads `path` and calls `visit` with every data row's wanted values (in
/// the order of `wanted`; [`Value::Absent`] for an optional column that is
/// not in the file), in file order.
///
/// A problem with the file as a whole (missing, unsupported, empty, a
/// missing column, a ragged row, bytes that are not UTF-8) is returned as the
/// error; row-level problems are for `visit` to judge.
pub fn scan(
    path: &Path,
    wanted: &[Wanted],
    visit: impl FnMut(At, &[Value<'_>]) + Send,
) -> Result<Meta, Problem> {
    // One worker takes the blocks in file order, so rows are numbered as
    // they come.
    let visit = Mutex::new((0usize, visit));
    scan_parts(
        path,
        wanted,
        1,
        || (),
        |(), at, values| {
            let mut guard = visit.lock().unwrap_or_else(PoisonError::into_inner);
            let (row, visit) = &mut *guard;
            visit(
                At {
                    row: *row,
                    line: at.line,
                },
                values,
            );
            *row += 1;
        },
        |_| {},
    )
}

/// The rows of one block of a file, as [`scan_parts`]' `visit` left them.
#[derive(Debug)]
pub struct Part<S> {
    /// The state `visit` filled from the block's rows.
    pub state: S,
    /// The file's data row (0-based) of the block's first row: `visit` saw
    /// the block's rows numbered from 0.
    pub first_row: usize,
}

/// Bytes per block of a CSV file read by [`scan_parts`] (a block is then
/// extended to the end of its last whole record).
pub(super) const BLOCK: usize = 1 << 20;

/// Reads `path` on `threads` threads: the file is cut into blocks of whole
/// records, each block's rows are handed to `visit` with a fresh state from
/// `new_state` (`At::row` counted from 0 in the block, `At::line` the line in
/// the file), and each block's state is then given to `take`, on the calling
/// thread, in file order.
///
/// Blocks are cut after a line break outside quotes (a quoted field may
/// span lines), so every block parses as the whole file would there; lines
/// are counted by the reader, so they are exact. File-level problems are as
/// for [`scan`]: the first one in file order is the error, and no block after
/// it is taken.
pub fn scan_parts<S: Send>(
    path: &Path,
    wanted: &[Wanted],
    threads: usize,
    new_state: impl Fn() -> S + Sync,
    visit: impl Fn(&mut S, At, &[Value<'_>]) + Sync,
    mut take: impl FnMut(Part<S>),
) -> Result<Meta, Problem> {
    let file = path.display().to_string();
    let format = format_of(path).ok_or_else(|| {
        Problem::file(
            &file,
            "has an unsupported extension (expected .csv, .csv.gz or .parquet)",
        )
    })?;
    let f = std::fs::File::open(path)
        .map_err(|e| Problem::file(&file, format!("cannot be read: {}", io_reason(&e))))?;
    // Bytes read, on a terminal (see crate::progress).
    let bar = progress::reading(path, f.metadata().map_or(0, |m| m.len()));
    let f = bar.wrap_read(f);
    match format {
        FileFormat::Parquet => {
            let mut raw = Vec::new();
            std::io::BufReader::new(f)
                .read_to_end(&mut raw)
                .map_err(|e| Problem::file(&file, format!("cannot be read: {}", io_reason(&e))))?;
            progress::done_reading(&bar);
            let sha256 = sha256_hex(&raw);
            let mut state = new_state();
            let rows = scan_parquet(&file, &raw, wanted, |at, v| visit(&mut state, at, v))?;
            take(Part {
                state,
                first_row: 0,
            });
            Ok(Meta { file, sha256, rows })
        }
        FileFormat::Csv | FileFormat::CsvGz => {
            // The hashing thread sees every byte the parser reads.
            let (tee, hasher) = hashing_reader(f);
            let csv = CsvJob {
                file: &file,
                wanted,
                threads,
                block: BLOCK,
                plain: true,
            };
            let rows = if format == FileFormat::CsvGz {
                csv.run(
                    flate2::read::MultiGzDecoder::new(tee),
                    new_state,
                    visit,
                    take,
                )
            } else {
                csv.run(tee, new_state, visit, take)
            };
            let sha256 = hasher
                .join()
                .map_err(|_| Problem::file(&file, "internal error while hashing"))?;
            progress::done_reading(&bar);
            Ok(Meta {
                file,
                sha256,
                rows: rows?,
            })
        }
    }
}

/// Why a file cannot be read, in words (`no such file`).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
