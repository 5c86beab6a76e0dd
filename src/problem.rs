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

/// The problems of one file that share a column and a kind (their
/// message), counted over every row of the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProblemGroup {
    /// How many problems the group has.
    pub count: u64,
    /// The first of them in the file.
    pub first: Problem,
}

impl ProblemGroup {
    /// A group of one problem.
    pub fn one(problem: Problem) -> Self {
        Self {
            count: 1,
            first: problem,
        }
    }

    /// Whether `problem` belongs to this group: same column, same kind.
    pub fn holds(&self, column: Option<&str>, message: &str) -> bool {
        self.first.column.as_deref() == column && self.first.message == message
    }
}

impl fmt::Display for ProblemGroup {
    /// One line: a group of one reads as its problem; a larger group gives
    /// the count, the kind, and the first line and value, e.g.
    /// `revenue.csv: column "revenue": 3 rows are not a number (expected a
    /// decimal like 12.50); the first: line 17, "12,50"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.first;
        if self.count == 1 {
            return write!(f, "{p}");
        }
        write!(f, "{}:", p.file)?;
        if let Some(column) = &p.column {
            write!(f, " column \"{column}\":")?;
        }
        let rows = thousands(self.count);
        match p.message.strip_prefix("is ") {
            Some(rest) => write!(f, " {rows} rows are {rest}")?,
            None => write!(f, " {rows} rows: {}", p.message)?,
        }
        if let Some(line) = p.line {
            write!(f, "; the first: line {line}")?;
            if let Some(value) = p.value.as_ref().filter(|v| !v.is_empty()) {
                write!(f, ", \"{value}\"")?;
            }
        }
        Ok(())
    }
}

/// A column found wrong on every row, with what it seems to hold and the
/// mapping that would fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnVerdict {
    /// The file as given on the command line.
    pub file: String,
    /// The column as named in the file.
    pub column: String,
    /// The line of the column's first problem (`None` for a problem with
    /// the column's type), for ordering.
    pub first_line: Option<u64>,
    /// How many problems the verdict stands for.
    pub problems: u64,
    /// The verdict, on one line.
    pub text: String,
    /// The lines of `uplift.toml` that would fix it (none when another
    /// verdict's lines already do).
    pub mapping: Vec<String>,
}

impl fmt::Display for ColumnVerdict {
    /// The verdict, then the mapping lines indented by two spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text)?;
        for line in &self.mapping {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// One entry of a short bad-input message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Finding {
    /// Problems of one column and kind.
    Problems(ProblemGroup),
    /// A column wrong on every row.
    Column(ColumnVerdict),
}

impl Finding {
    /// How many problems it stands for.
    pub fn problems(&self) -> u64 {
        match self {
            Finding::Problems(g) => g.count,
            Finding::Column(v) => v.problems,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Problems(g) => write!(f, "{g}"),
            Finding::Column(v) => write!(f, "{v}"),
        }
    }
}

/// `n` with a comma between groups of three digits (`11,961,163`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

    fn problem(line: u64, value: &str) -> Problem {
        Problem {
            file: "revenue.csv".into(),
            line: Some(line),
            column: Some("revenue".into()),
            value: Some(value.into()),
            message: "is not a number (expected a decimal like 12.50)".into(),
        }
    }

    #[test]
    fn a_group_of_one_reads_as_its_problem_and_a_larger_one_gives_count_and_first() {
        let one = ProblemGroup::one(problem(17, "12,50"));
        assert_eq!(one.to_string(), problem(17, "12,50").to_string());
        let three = ProblemGroup {
            count: 3,
            first: problem(17, "12,50"),
        };
        assert_eq!(
            three.to_string(),
            "revenue.csv: column \"revenue\": 3 rows are not a number (expected a decimal like 12.50); the first: line 17, \"12,50\""
        );
        assert!(three.holds(Some("revenue"), &problem(20, "x").message));
        assert!(!three.holds(Some("cost"), &problem(20, "x").message));
        assert!(!three.holds(Some("revenue"), "is empty"));
    }

    #[test]
    fn thousands_are_separated_by_commas() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (59_204, "59,204"),
            (11_961_163, "11,961,163"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn values_are_escaped_and_shortened() {
        assert_eq!(show_value("a\tb"), "a\\tb");
        assert_eq!(show_bytes(b"ab\xff"), "ab\\xFF");
        assert_eq!(show_value(&"x".repeat(100)).len(), 60);
    }
}
