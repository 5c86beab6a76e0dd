//! Opening an input file by its extension and reading the columns asked for.
//!
//! CSV (optionally gzip-compressed) is parsed by polars with every column read
//! as text, so that each value is converted (and rejected) by uplift's own
//! rules with a precise message. Line numbers are only needed when something
//! is wrong: they are then recovered by a second, exact pass with the `csv`
//! crate, which also pins down ragged rows and invalid UTF-8. Parquet columns
//! keep their types (timestamps, dates, floats) and are converted directly.

use super::problem::{Problem, show_bytes};
use crate::model::{MICROS_PER_DAY, Micros};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read};
use std::path::Path;

/// The kind of value a column holds, which decides how Parquet columns are
/// converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
    pub kind: Kind,
}

/// A column as read.
pub enum Column {
    /// Text values (CSV always; Parquet text columns).
    Text(StringChunked),
    /// Floating-point values from a Parquet numeric column.
    Number(Vec<Option<f64>>),
    /// UTC microseconds from a Parquet timestamp or date column.
    Micros(Vec<Option<Micros>>),
}

/// The file format, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`
    Csv,
    /// `.csv.gz`
    CsvGz,
    /// `.parquet`
    Parquet,
}

/// A file read into the columns asked for.
pub struct Table {
    /// The file as given.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
    /// Number of data rows.
    pub rows: usize,
    /// The columns, in the order asked for (`None` when an optional one is absent).
    pub columns: Vec<Option<Column>>,
    /// The decompressed bytes of a CSV file (for the exact line pass).
    csv_bytes: Option<Vec<u8>>,
    /// 1-based line of each data row (filled on demand).
    lines: Option<Vec<u64>>,
}

impl Table {
    /// The 1-based line where data row `row` starts (header = line 1). For
    /// Parquet, `row + 2`, the line it would have in a CSV export.
    pub fn line_of(&mut self, row: usize) -> u64 {
        if self.lines.is_none() {
            self.lines = self.csv_bytes.as_deref().map(record_lines);
        }
        match &self.lines {
            Some(lines) => lines.get(row).copied().unwrap_or(row as u64 + 2),
            None => row as u64 + 2,
        }
    }
}

/// The format of `path`, from its extension.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".csv.gz") {
        Some(Format::CsvGz)
    } else if name.ends_with(".csv") {
        Some(Format::Csv)
    } else if name.ends_with(".parquet") || name.ends_with(".pq") {
        Some(Format::Parquet)
    } else {
        None
    }
}

/// Reads `path`, checking that the wanted columns are present.
///
/// Every failure is a [`Problem`] naming the file (and, where it applies, the
/// line, column and value).
pub fn read_table(path: &Path, wanted: &[Wanted]) -> Result<Table, Problem> {
    let file = path.display().to_string();
    let format = format_of(path).ok_or_else(|| {
        Problem::file(
            &file,
            "has an unsupported extension (expected .csv, .csv.gz or .parquet)",
        )
    })?;
    let raw = std::fs::read(path)
        .map_err(|e| Problem::file(&file, format!("cannot be read: {}", io_reason(&e))))?;
    let unzipped = match format {
        Format::CsvGz => Some(gunzip(&file, &raw)?),
        _ => None,
    };
    // N.B. hashing runs beside the parse: on large files it is not free.
    let (table, sha256) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| sha256_hex(&raw));
        let table = match format {
            Format::Parquet => read_parquet(&file, &raw, wanted),
            Format::Csv | Format::CsvGz => {
                read_csv(&file, unzipped.as_deref().unwrap_or(&raw), wanted)
            }
        };
        (table, hasher.join())
    });
    let sha256 = sha256.map_err(|_| Problem::file(&file, "internal error while hashing"))?;
    let mut table = table?;
    table.sha256 = sha256;
    table.format = format;
    if format != Format::Parquet {
        // Kept for the exact line pass, which runs only when a row is bad.
        table.csv_bytes = Some(unzipped.unwrap_or(raw));
    }
    Ok(table)
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn gunzip(file: &str, raw: &[u8]) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::with_capacity(raw.len() * 4);
    flate2::read::MultiGzDecoder::new(raw)
        .read_to_end(&mut out)
        .map_err(|e| Problem::file(file, format!("is not a valid gzip file ({e})")))?;
    Ok(out)
}

fn missing_column(file: &str, w: &Wanted, header: &[String]) -> Problem {
    let mapped = if w.name != w.canonical {
        format!(" (mapped from \"{}\" in the config)", w.canonical)
    } else {
        String::new()
    };
    Problem {
        file: file.to_string(),
        line: Some(1),
        column: Some(w.name.clone()),
        value: None,
        message: format!(
            "required column is missing{mapped}; the header has: {} (map a differently named column in uplift.toml under [columns])",
            header.join(", ")
        ),
    }
}

fn read_csv(file: &str, bytes: &[u8], wanted: &[Wanted]) -> Result<Table, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let header = csv_header(file, bytes)?;
    if let Some((i, name)) = header
        .iter()
        .enumerate()
        .find(|(i, n)| header[..*i].contains(n))
    {
        return Err(Problem {
            file: file.to_string(),
            line: Some(1),
            column: Some(name.clone()),
            value: None,
            message: format!(
                "appears twice in the header (columns {} and {}); column names must be unique",
                header.iter().position(|n| n == name).unwrap_or(0) + 1,
                i + 1
            ),
        });
    }
    let mut present = Vec::new();
    for w in wanted {
        if header.contains(&w.name) {
            present.push(w.name.clone());
        } else if w.required {
            return Err(missing_column(file, w, &header));
        }
    }
    let names: Arc<[PlSmallStr]> = present
        .iter()
        .map(|n| PlSmallStr::from(n.as_str()))
        .collect();
    let schema: Schema = header
        .iter()
        .map(|n| Field::new(n.as_str().into(), DataType::String))
        .collect();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .with_columns(Some(names))
        .with_raise_if_empty(false)
        .with_parse_options(
            CsvParseOptions::default()
                .with_missing_is_null(true)
                .with_truncate_ragged_lines(false),
        )
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish();
    let df = match df {
        Ok(df) => df,
        Err(e) => return Err(diagnose_csv(file, bytes, &header, &e.to_string())),
    };
    let rows = df.height();
    // Ragged rows: polars pads short rows with nulls; the exact pass finds them.
    if count_records(bytes, header.len()).is_err() {
        return Err(diagnose_csv(file, bytes, &header, "ragged rows"));
    }
    let mut columns = Vec::with_capacity(wanted.len());
    for w in wanted {
        let col = match df.column(&w.name) {
            Ok(c) => Some(Column::Text(
                c.str()
                    .map_err(|e| Problem::file(file, format!("internal error: {e}")))?
                    .clone(),
            )),
            Err(_) => None,
        };
        columns.push(col);
    }
    Ok(Table {
        file: file.to_string(),
        format: Format::Csv,
        sha256: String::new(),
        rows,
        columns,
        csv_bytes: None,
        lines: None,
    })
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

fn csv_header(file: &str, bytes: &[u8]) -> Result<Vec<String>, Problem> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Problem::file(
            file,
            "is empty (expected a header row naming the columns, then data rows)",
        ));
    }
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Problem::file(file, "is empty (expected a header row)"));
        }
        Err(e) => return Err(Problem::file(file, format!("is not valid CSV: {e}"))),
    }
    let mut header = Vec::with_capacity(rec.len());
    for (i, field) in rec.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(s) if !s.contains('\0') => header.push(s.trim().to_string()),
            _ => {
                return Err(Problem {
                    file: file.to_string(),
                    line: Some(1),
                    column: Some(format!("#{}", i + 1)),
                    value: Some(show_bytes(field)),
                    message: "the header is not UTF-8 text (is this a CSV file? expected a header row like user_id,channel,timestamp)".to_string(),
                });
            }
        }
    }
    Ok(header)
}

/// Counts data records, failing at the first one whose field count differs
/// from the header's.
fn count_records(bytes: &[u8], width: usize) -> Result<usize, ()> {
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    let mut first = true;
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        if !first && rec.len() != width && !(rec.len() == 1 && rec[0].is_empty()) {
            return Err(());
        }
        first = false;
        n += 1;
    }
    Ok(n)
}

/// The 1-based line where each data record starts.
fn record_lines(bytes: &[u8]) -> Vec<u64> {
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = Vec::new();
    let mut first = true;
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        if !(first || rec.len() == 1 && rec[0].is_empty()) {
            lines.push(rec.position().map_or(0, |p| p.line()));
        }
        first = false;
    }
    lines
}

/// Finds the exact cause of a CSV parse failure: the first ragged row, the
/// first field that is not UTF-8, or a quoting error.
fn diagnose_csv(file: &str, bytes: &[u8], header: &[String], fallback: &str) -> Problem {
    let width = header.len();
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut first = true;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                return Problem {
                    file: file.to_string(),
                    line,
                    column: None,
                    value: None,
                    message: format!("is not valid CSV: {e}"),
                };
            }
        }
        let line = rec.position().map(|p| p.line());
        let blank = rec.len() == 1 && rec[0].is_empty();
        if !first && !blank && rec.len() != width {
            return Problem {
                file: file.to_string(),
                line,
                column: None,
                value: Some(show_bytes(
                    &rec.iter().collect::<Vec<&[u8]>>().join(&b","[..]),
                )),
                message: format!(
                    "has {} fields but the header has {width} (a ragged row: check for an unquoted delimiter or a missing value)",
                    rec.len()
                ),
            };
        }
        for (i, field) in rec.iter().enumerate() {
            if std::str::from_utf8(field).is_err() || field.contains(&0) {
                return Problem {
                    file: file.to_string(),
                    line,
                    column: Some(
                        header
                            .get(i)
                            .cloned()
                            .unwrap_or_else(|| format!("#{}", i + 1)),
                    ),
                    value: Some(show_bytes(field)),
                    message: "is not UTF-8 text (expected a UTF-8 CSV file; re-export it as UTF-8)"
                        .to_string(),
                };
            }
        }
        first = false;
    }
    Problem::file(file, format!("could not be parsed as CSV: {fallback}"))
}

fn read_parquet(file: &str, raw: &[u8], wanted: &[Wanted]) -> Result<Table, Problem> {
    let bad = |e: PolarsError| {
        Problem::file(
            file,
            format!("is not a readable Parquet file ({e}); expected .parquet to hold Parquet data"),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(raw));
    let schema = reader.schema().map_err(bad)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let mut present = Vec::new();
    for w in wanted {
        if header.contains(&w.name) {
            present.push(w.name.clone());
        } else if w.required {
            return Err(missing_column(file, w, &header));
        }
    }
    let df = ParquetReader::new(Cursor::new(raw))
        .with_columns(Some(present))
        .finish()
        .map_err(bad)?;
    let rows = df.height();
    let mut columns = Vec::with_capacity(wanted.len());
    for w in wanted {
        let Ok(c) = df.column(&w.name) else {
            columns.push(None);
            continue;
        };
        let s = c.as_materialized_series();
        let wrong_type = |dtype: &DataType| Problem {
            file: file.to_string(),
            line: None,
            column: Some(w.name.clone()),
            value: None,
            message: format!(
                "has Parquet type {dtype}, which cannot be read as {:?}",
                w.kind
            ),
        };
        let col = match (w.kind, s.dtype()) {
            (_, DataType::String) => Column::Text(s.str().map_err(bad)?.clone()),
            (Kind::Timestamp | Kind::Date, DataType::Datetime(unit, _)) => {
                let scale = match unit {
                    TimeUnit::Nanoseconds => -1000,
                    TimeUnit::Microseconds => 1,
                    TimeUnit::Milliseconds => 1000,
                };
                let phys = s.to_physical_repr();
                let ca = phys.i64().map_err(bad)?;
                Column::Micros(
                    ca.iter()
                        .map(|v| {
                            v.map(|v| {
                                if scale < 0 {
                                    v.div_euclid(1000)
                                } else {
                                    v * scale
                                }
                            })
                        })
                        .collect(),
                )
            }
            (Kind::Timestamp | Kind::Date, DataType::Date) => {
                let phys = s.to_physical_repr();
                let ca = phys.i32().map_err(bad)?;
                Column::Micros(
                    ca.iter()
                        .map(|v| v.map(|d| i64::from(d) * MICROS_PER_DAY))
                        .collect(),
                )
            }
            (Kind::Number, dt) if dt.is_primitive_numeric() => {
                let f = s.cast(&DataType::Float64).map_err(bad)?;
                Column::Number(f.f64().map_err(bad)?.iter().collect())
            }
            (Kind::Text, dt) if dt.is_primitive_numeric() || dt.is_bool() => {
                let t = s.cast(&DataType::String).map_err(bad)?;
                Column::Text(t.str().map_err(bad)?.clone())
            }
            (_, dt) => return Err(wrong_type(dt)),
        };
        columns.push(Some(col));
    }
    Ok(Table {
        file: file.to_string(),
        format: Format::Parquet,
        sha256: String::new(),
        rows,
        columns,
        csv_bytes: None,
        lines: None,
    })
}
