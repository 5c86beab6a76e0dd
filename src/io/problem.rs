//! A problem found in an input file, located to the line and column.

use std::fmt;

/// One problem in an input file.
///
/// `Display` follows the contract: file, line, column, the offending value
/// and what would be accepted, e.g.
/// `revenue.csv:17: column "revenue": "12,50" is not a number (expected a decimal like 12.50)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file as given on the command line.
    pub file: String,
    /// 1-based line (header = line 1) for CSV; for Parquet, the 1-based data
    /// row plus one, so that the numbering matches a CSV export of it.
    pub line: Option<u64>,
    /// The column as named in the file.
    pub column: Option<String>,
    /// The offending value (escaped, shortened).
    pub value: Option<String>,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl Problem {
    /// A problem with the file as a whole.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: None,
            column: None,
            value: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ":")?;
        if let Some(column) = &self.column {
            write!(f, " column \"{column}\":")?;
        }
        if let Some(value) = &self.value {
            write!(f, " \"{value}\"")?;
        }
        write!(f, " {}", self.message)
    }
}

/// A value made printable: control characters and invalid bytes escaped,
/// shortened to 60 characters.
pub fn show_value(raw: &str) -> String {
    let escaped: String = raw.chars().flat_map(char::escape_debug).collect();
    let escaped = escaped.replace("\\\"", "\"").replace("\\'", "'");
    if escaped.chars().count() > 60 {
        let mut s: String = escaped.chars().take(57).collect();
        s.push_str("...");
        s
    } else {
        escaped
    }
}

/// Bytes made printable: valid UTF-8 as text, other bytes as `\xNN`.
pub fn show_bytes(raw: &[u8]) -> String {
    let s: String = raw.utf8_chunks().fold(String::new(), |mut acc, chunk| {
        acc.push_str(chunk.valid());
        for b in chunk.invalid() {
            acc.push_str(&format!("\\x{b:02X}"));
        }
        acc
    });
    show_value(&s).replace("\\\\x", "\\x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_value_and_expectation() {
        let p = Problem {
            file: "revenue.csv".into(),
            line: Some(17),
            column: Some("revenue".into()),
            value: Some("12,50".into()),
            message: "is not a number (expected a decimal like 12.50)".into(),
        };
        assert_eq!(
            p.to_string(),
            "revenue.csv:17: column \"revenue\": \"12,50\" is not a number (expected a decimal like 12.50)"
        );
    }

    #[test]
    fn values_are_escaped_and_shortened() {
        assert_eq!(show_value("a\tb"), "a\\tb");
        assert_eq!(show_bytes(b"ab\xff"), "ab\\xFF");
        assert_eq!(show_value(&"x".repeat(100)).len(), 60);
    }
}
