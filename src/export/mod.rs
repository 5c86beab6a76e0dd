//! Presentation: one [`Report`] rendered to bytes in the format asked for.
//! The bytes are written once, at the end, by the caller.

pub mod csv;
pub mod format;
pub mod table;

use crate::cli::Format;
use crate::error::Error;
use crate::report::Report;

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, Error> {
    match format {
        Format::Json => json(report),
        Format::Csv => csv::render(report),
        Format::Table => Ok(table::render(report).into_bytes()),
    }
}

/// Pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut v = serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    v.push(b'\n');
    Ok(v)
}
