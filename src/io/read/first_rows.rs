//! A file's first rows, every column of them, for the advice of an error
//! message (what the columns look like when a required one is missing or
//! a value is refused).

use super::header::blank;
use super::parquet::parquet_first_rows;
use super::{FileFormat, format_of};
use crate::model::Micros;
use std::io::Read;
use std::path::Path;

/// One value of a file's first rows, as [`first_rows`] found it.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleCell {
    /// An empty CSV field, a missing one, or a Parquet null.
    Null,
    /// Text as written (CSV, and Parquet text columns).
    Text(String),
    /// A Parquet number.
    Number(f64),
    /// A Parquet timestamp, in UTC microseconds.
    Timestamp(Micros),
    /// A Parquet date, in UTC microseconds of its midnight.
    Date(Micros),
}

/// The first rows of a file, by column, for the advice of an error
/// message.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstRows {
    /// Every column of the file in header order, with its first values.
    pub columns: Vec<(String, Vec<SampleCell>)>,
    /// The file's data rows, when known without reading them (Parquet).
    pub rows: Option<u64>,
}

/// Reads the header and the first `n` data rows of `path`, every column of
/// them (CSV, .csv.gz or Parquet, by extension). Meant for the error path:
/// it reads only what it returns, and gives `None` for a file it cannot
/// read.
pub fn first_rows(path: &Path, n: usize) -> Option<FirstRows> {
    let f = std::fs::File::open(path).ok()?;
    match format_of(path)? {
        FileFormat::Parquet => parquet_first_rows(f, n),
        FileFormat::CsvGz => csv_first_rows(flate2::read::MultiGzDecoder::new(f), n),
        FileFormat::Csv => csv_first_rows(f, n),
    }
}

fn csv_first_rows(reader: impl Read, n: usize) -> Option<FirstRows> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = rdr
        .byte_records()
        .filter(|r| r.as_ref().map_or(true, |r| !blank(r)));
    let header = records.next()?.ok()?;
    let mut columns: Vec<(String, Vec<SampleCell>)> = header
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let field = if i == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            (
                String::from_utf8_lossy(field).trim().to_string(),
                Vec::new(),
            )
        })
        .collect();
    for record in records.take(n) {
        let Ok(record) = record else { break };
        for (i, (_, cells)) in columns.iter_mut().enumerate() {
            cells.push(match record.get(i) {
                Some(b"") | None => SampleCell::Null,
                Some(field) => SampleCell::Text(String::from_utf8_lossy(field).into_owned()),
            });
        }
    }
    Some(FirstRows {
        columns,
        rows: None,
    })
}
