//! Finding the wanted columns in a file's header, and reading a CSV file's
//! header row; with the problems of a CSV record (not UTF-8, not CSV, not
//! readable) that the header and the block parser share.

use super::Wanted;
use crate::io::problem::{Problem, show_bytes};

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

/// For each wanted column, its index in the header (`None` when an optional
/// column is absent).
pub(super) fn locate(
    file: &str,
    header: &[String],
    wanted: &[Wanted],
) -> Result<Vec<Option<usize>>, Problem> {
    wanted
        .iter()
        .map(|w| match header.iter().position(|h| *h == w.name) {
            Some(i) => Ok(Some(i)),
            None if w.required => Err(missing_column(file, w, header)),
            None => Ok(None),
        })
        .collect()
}

pub(super) fn not_utf8(
    file: &str,
    line: Option<u64>,
    column: String,
    field: &[u8],
    header: bool,
) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        column: Some(column),
        value: Some(show_bytes(field)),
        message: if header {
            "the header is not UTF-8 text (is this a CSV file? expected a header row like user_id,channel,timestamp)".to_string()
        } else {
            "is not UTF-8 text (expected a UTF-8 CSV file; re-export it as UTF-8)".to_string()
        },
    }
}

pub(super) fn io_problem(file: &str, e: csv::Error) -> Problem {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => match io.kind() {
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                format!("is not a valid gzip file ({io})")
            }
            _ => format!("could not be read: {io}"),
        },
        _ => format!("is not valid CSV: {e}"),
    };
    Problem {
        file: file.to_string(),
        line,
        column: None,
        value: None,
        message,
    }
}

/// A blank record (an empty or all-blank line) is skipped.
pub(super) fn blank(r: &csv::ByteRecord) -> bool {
    r.len() == 1 && r[0].iter().all(u8::is_ascii_whitespace)
}

/// The header of a CSV file: where each wanted column is, and the width.
pub(super) struct Header {
    pub(super) index: Vec<Option<usize>>,
    pub(super) width: usize,
}

/// Reads the header, the first record of `bytes` (the file's first block);
/// returns it with the byte offset and the line where the data begins.
pub(super) fn read_header(
    file: &str,
    bytes: &[u8],
    wanted: &[Wanted],
) -> Result<(Header, usize, u64), Problem> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| io_problem(file, e))?;
    if !got || blank(&rec) {
        return Err(Problem::file(
            file,
            "is empty (expected a header row naming the columns, then data rows)",
        ));
    }
    let mut header = Vec::with_capacity(rec.len());
    for (i, field) in rec.iter().enumerate() {
        let field = if i == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        match std::str::from_utf8(field) {
            Ok(s) if !s.contains('\0') => header.push(s.trim().to_string()),
            _ => return Err(not_utf8(file, Some(1), format!("#{}", i + 1), field, true)),
        }
    }
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
    let index = locate(file, &header, wanted)?;
    let at = rdr.position();
    let header = Header {
        index,
        width: header.len(),
    };
    Ok((header, at.byte() as usize, at.line()))
}
