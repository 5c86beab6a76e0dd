//! The SQL dialects: what differs from one engine to another, in one place.
//!
//! Quoting (identifiers, string literals, a `--` comment kept to one
//! line), the check that a table name given on the command line is an
//! identifier and nothing more, the type names, and the few functions
//! that each engine spells its own way (epoch microseconds, date text, a
//! path's channels joined in order). The statements themselves are written
//! once, in the other files of `sql`, and ask the [`Dialect`] for these.

use crate::error::Error;
use crate::io::problem::show_value;
use clap::ValueEnum;
use serde::Serialize;

/// A SQL engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL 12 or later.
    Postgres,
    /// DuckDB 1.0 or later.
    Duckdb,
    /// Spark SQL 3.1 or later.
    Spark,
    /// Google BigQuery (GoogleSQL).
    Bigquery,
    /// Snowflake.
    Snowflake,
}

impl Dialect {
    /// The quote of the dialect's quoted identifiers.
    pub(super) fn quote(self) -> char {
        match self {
            Dialect::Spark | Dialect::Bigquery => '`',
            _ => '"',
        }
    }

    /// A quoted identifier. N.B. BigQuery's quoted identifiers take the
    /// escape sequences of its string literals (a backslash escapes), so
    /// there a backslash and a backtick are escaped by a backslash; Spark's
    /// take none, so there a backtick is doubled.
    pub(super) fn ident(self, name: &str) -> String {
        match self {
            Dialect::Bigquery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// The table name given to `--FLAG`, checked to be an identifier and
    /// nothing more, so that it can be written into the SQL as it is.
    ///
    /// A name is dot-separated parts, each plain (`[A-Za-z_][A-Za-z0-9_$-]*`,
    /// without `--`, which would start a comment) or quoted in the dialect's
    /// own quotes (`"…"` for PostgreSQL, DuckDB and Snowflake, `` `…` `` for
    /// Spark and BigQuery) with the quote doubled inside. A quoted part may
    /// hold anything but a control character (and, in BigQuery, where it
    /// would escape the quote, a backslash), so `` `proj.ds.exposures` `` is
    /// one part.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] naming the flag, the value and what is accepted.
    pub fn table_name(self, flag: &str, value: &str) -> Result<String, Error> {
        match self.table_name_problem(value) {
            None => Ok(value.to_string()),
            Some(problem) => {
                let q = self.quote();
                Err(Error::Usage(format!(
                    "--{flag} \"{}\": {problem} (expected a table name: dot-separated parts, each plain, [A-Za-z_][A-Za-z0-9_$-]*, or quoted in {q}…{q} with {q}{q} for a {q} inside, like mkt.exposures or {q}My Schema{q}.{q}exposures{q})",
                    show_value(value)
                )))
            }
        }
    }

    /// What makes `name` not an identifier of this dialect (None: it is one).
    fn table_name_problem(self, name: &str) -> Option<String> {
        let q = self.quote();
        let shown = |c: char| format!("'{}'", c.escape_debug().to_string().replace("\\\"", "\""));
        let mut chars = name.chars().enumerate().peekable();
        let mut part = 1;
        loop {
            match chars.peek().copied() {
                None if part == 1 => return Some("is empty".into()),
                None => return Some(format!("part {part} is empty")),
                Some((_, '.')) => return Some(format!("part {part} is empty")),
                Some((_, c)) if c == q => {
                    chars.next();
                    let mut len = 0;
                    loop {
                        match chars.next() {
                            None => {
                                return Some(format!("part {part} opens a {q} it never closes"));
                            }
                            Some((_, c)) if c == q => {
                                if chars.peek().is_some_and(|&(_, n)| n == q) {
                                    chars.next();
                                    len += 1;
                                } else {
                                    break;
                                }
                            }
                            Some((_, c)) if c.is_control() => {
                                return Some(format!(
                                    "part {part} holds the control character {}",
                                    shown(c)
                                ));
                            }
                            Some((_, '\\')) if self == Dialect::Bigquery => {
                                return Some(format!(
                                    "part {part} holds a backslash, which escapes the next character in BigQuery"
                                ));
                            }
                            Some(_) => len += 1,
                        }
                    }
                    if len == 0 {
                        return Some(format!("part {part} is an empty quoted name"));
                    }
                }
                Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {
                    let mut last = c;
                    chars.next();
                    while let Some(&(i, c)) = chars.peek() {
                        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-')) {
                            break;
                        }
                        if last == '-' && c == '-' {
                            return Some(format!("'--' at character {i} starts a comment"));
                        }
                        last = c;
                        chars.next();
                    }
                }
                Some((i, c)) => {
                    return Some(format!(
                        "{} at character {} cannot start a part",
                        shown(c),
                        i + 1
                    ));
                }
            }
            match chars.next() {
                None => return None,
                Some((_, '.')) => part += 1,
                Some((i, c)) => {
                    return Some(format!(
                        "{} at character {} is not allowed there",
                        shown(c),
                        i + 1
                    ));
                }
            }
        }
    }

    /// A string literal.
    pub(super) fn literal(self, s: &str) -> String {
        match self {
            Dialect::Spark | Dialect::Bigquery => {
                let escaped = s
                    .replace('\\', "\\\\")
                    .replace('\'', "\\'")
                    .replace('\n', "\\n")
                    .replace('\r', "\\r");
                format!("'{escaped}'")
            }
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    pub(super) fn text(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::Duckdb | Dialect::Snowflake => "VARCHAR",
            Dialect::Spark | Dialect::Bigquery => "STRING",
        }
    }

    pub(super) fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// UTC microseconds since the epoch of a timestamp expression.
    pub(super) fn micros(self, e: &str) -> String {
        match self {
            Dialect::Postgres => format!("CAST(EXTRACT(EPOCH FROM {e}) * 1000000 AS BIGINT)"),
            Dialect::Duckdb => format!("epoch_us({e})"),
            Dialect::Spark => format!("unix_micros({e})"),
            Dialect::Bigquery => format!("UNIX_MICROS({e})"),
            Dialect::Snowflake => format!("DATE_PART(EPOCH_MICROSECOND, {e})"),
        }
    }

    /// The exact `q`-quantile of `v` with linear interpolation between order
    /// statistics (R type 7, numpy's default) over the rows of a group: an
    /// aggregate under `GROUP BY` of `keys`, except in BigQuery, where
    /// `PERCENTILE_CONT` is an analytic function over a window partitioned by
    /// `keys` (the statement then selects DISTINCT rows).
    pub(super) fn quantile(self, v: &str, q: f64, keys: &str) -> String {
        match self {
            Dialect::Postgres => format!("percentile_cont({q:?}) WITHIN GROUP (ORDER BY {v})"),
            Dialect::Snowflake => format!("PERCENTILE_CONT({q:?}) WITHIN GROUP (ORDER BY {v})"),
            Dialect::Duckdb => format!("quantile_cont({v}, {q:?})"),
            Dialect::Spark => format!("percentile({v}, {q:?})"),
            Dialect::Bigquery => {
                format!("PERCENTILE_CONT({v}, {q:?}) OVER (PARTITION BY {keys})")
            }
        }
    }

    /// Whether [`Dialect::quantile`] is an analytic (window) function.
    pub(super) fn quantile_is_analytic(self) -> bool {
        self == Dialect::Bigquery
    }

    /// A date expression as `YYYY-MM-DD` text.
    pub(super) fn date_text(self, e: &str) -> String {
        match self {
            Dialect::Postgres | Dialect::Snowflake => format!("TO_CHAR({e}, 'YYYY-MM-DD')"),
            Dialect::Duckdb => format!("strftime({e}, '%Y-%m-%d')"),
            Dialect::Spark => format!("date_format({e}, 'yyyy-MM-dd')"),
            Dialect::Bigquery => format!("FORMAT_DATE('%Y-%m-%d', {e})"),
        }
    }

    /// The channels of a user's touches `tp`, in time order (ties in the
    /// order of `ties`, columns of `tp`), joined by `>`: an aggregate over a
    /// `GROUP BY`.
    pub(super) fn path(self, ties: &[&str]) -> String {
        let order: Vec<String> = std::iter::once("t")
            .chain(ties.iter().copied())
            .map(|c| format!("tp.{c}"))
            .collect();
        let order = order.join(", ");
        match self {
            Dialect::Postgres | Dialect::Duckdb | Dialect::Bigquery => {
                format!("STRING_AGG(tp.ch, '>' ORDER BY {order})")
            }
            Dialect::Snowflake => format!("LISTAGG(tp.ch, '>') WITHIN GROUP (ORDER BY {order})"),
            Dialect::Spark => {
                // array_sort compares the structs field by field, in order.
                let fields: Vec<String> = std::iter::once("t")
                    .chain(ties.iter().copied())
                    .map(|c| format!("'{c}', tp.{c}"))
                    .collect();
                format!(
                    "array_join(transform(array_sort(collect_list(named_struct({}))), s -> s.ch), '>')",
                    fields.join(", ")
                )
            }
        }
    }
}

/// `s` fit for a `--` comment: a line break (or any control character)
/// would end the comment and let the rest be read as SQL, so each is
/// written escaped, as in Rust source.
pub(super) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Dialect; 5] = [
        Dialect::Postgres,
        Dialect::Duckdb,
        Dialect::Spark,
        Dialect::Bigquery,
        Dialect::Snowflake,
    ];

    #[test]
    fn table_names_are_identifiers_and_nothing_more() {
        for d in ALL {
            let q = d.quote();
            let other = if q == '"' { '`' } else { '"' };
            let legal = [
                "exposures".to_string(),
                "mkt.exposures".into(),
                "proj-1.mkt_2.exp$3".into(),
                format!("{q}My Schema{q}.{q}exp{q}"),
                format!("{q}proj.ds.exposures{q}"),
                format!("{q}a{q}{q}b{q}.c"),
                format!("{q}x; DROP TABLE users;--{q}"),
            ];
            for name in &legal {
                assert_eq!(
                    d.table_name("exposures-table", name).ok().as_ref(),
                    Some(name),
                    "{d:?} {name}"
                );
            }
            let refused = [
                "x; DROP TABLE users;--".to_string(),
                "x;".into(),
                "x--".into(),
                "a--b".into(),
                "x/* c */".into(),
                "/*c*/x".into(),
                "x y".into(),
                " x".into(),
                "x\ty".into(),
                "x\n".into(),
                String::new(),
                ".x".into(),
                "x.".into(),
                "x..y".into(),
                "1x".into(),
                "x(1)".into(),
                "x'".into(),
                format!("{q}x"),
                format!("{q}x{q}{q}"),
                format!("x{q}"),
                format!("{q}{q}"),
                format!("{q}x{q}y"),
                format!("{q}a\nb{q}"),
                format!("{other}x{other}"),
                format!("{other}proj.ds.exposures{other}"),
            ];
            for name in &refused {
                let e = d.table_name("revenue-table", name).unwrap_err();
                assert_eq!(e.exit_code(), 2);
                let m = e.to_string();
                assert!(m.starts_with("--revenue-table \""), "{d:?} {name:?}: {m}");
                assert!(m.contains("expected a table name"), "{m}");
            }
        }
        // A backslash escapes the next character in BigQuery's quoted names
        // only.
        assert!(Dialect::Bigquery.table_name("t", "`a\\`").is_err());
        assert!(Dialect::Spark.table_name("t", "`a\\`").is_ok());
        assert!(Dialect::Postgres.table_name("t", "\"a\\\"").is_ok());
        let m = Dialect::Postgres
            .table_name("exposures-table", "x; DROP TABLE users;--")
            .unwrap_err()
            .to_string();
        assert!(
            m.starts_with("--exposures-table \"x; DROP TABLE users;--\": ';' at character 2 is not allowed there"),
            "{m}"
        );
    }

    #[test]
    fn a_bigquery_column_name_cannot_escape_its_quotes() {
        // BigQuery reads `a\` as an escaped backtick that does not close.
        assert_eq!(Dialect::Bigquery.ident("a\\"), "`a\\\\`");
        assert_eq!(Dialect::Bigquery.ident("a`b"), "`a\\`b`");
        assert_eq!(Dialect::Spark.ident("a\\"), "`a\\`");
    }
}
