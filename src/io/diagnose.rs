//! The short account of a file's problems that a failing `run` prints.
//!
//! The problems come grouped by column and kind ([`ProblemGroup`]). A
//! column that fails on every row is rarely a matter of bad values: the
//! header names the columns in another order than the data, or the config
//! maps the wrong column. For such a column the file's first rows are read
//! again, what each column seems to hold is told from them (timestamps,
//! numbers, group labels, text), and the groups of the column give way to
//! one [`ColumnVerdict`]: what the column holds, which column holds what it
//! should, and the `[columns.*]` mapping that fixes it.

use super::problem::{ColumnVerdict, Finding, ProblemGroup, show_value, thousands};
use super::read::{SampleCell, ValueKind, Wanted, first_rows};
use super::{FileLoad, columns_of, time};
use crate::config::{Config, GroupLabels};
use std::path::Path;

/// Data rows of a file looked at to tell what its columns hold.
pub const SAMPLE_ROWS: usize = 20;

/// What a column seems to hold, told from its first rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Nothing: every value is empty.
    Empty,
    /// Timestamps (some may be bare dates).
    Timestamps,
    /// Dates (`YYYY-MM-DD`).
    Dates,
    /// Numbers.
    Numbers,
    /// The configured group labels (and empty values).
    GroupLabels,
    /// Anything else, or a mixture.
    Text,
}

impl Holds {
    fn noun(self) -> &'static str {
        match self {
            Holds::Empty => "nothing",
            Holds::Timestamps => "timestamps",
            Holds::Dates => "dates",
            Holds::Numbers => "numbers",
            Holds::GroupLabels => "group labels",
            Holds::Text => "text",
        }
    }
}

/// What a column was found to hold, with a value that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// What it holds.
    pub holds: Holds,
    /// Its first value of that kind (shown as in messages), if any.
    pub example: Option<String>,
}

/// What one value is, or `None` for an empty one.
fn class_of(cell: &SampleCell, labels: &GroupLabels) -> Option<(Holds, String)> {
    match cell {
        SampleCell::Null => None,
        SampleCell::Number(x) => Some((Holds::Numbers, x.to_string())),
        SampleCell::Timestamp(t) => Some((Holds::Timestamps, time::format_timestamp(*t))),
        SampleCell::Date(t) => Some((Holds::Dates, time::format_date(time::day_of(*t)))),
        SampleCell::Text(s) => {
            let shown = show_value(s);
            if s.trim().is_empty() {
                None
            } else if labels.exposed.iter().chain(&labels.control).any(|l| l == s) {
                Some((Holds::GroupLabels, shown))
            } else if s.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                Some((Holds::Numbers, shown))
            } else if time::parse_date(s).is_some() {
                Some((Holds::Dates, shown))
            } else if time::parse_timestamp(s).is_some() {
                Some((Holds::Timestamps, shown))
            } else {
                Some((Holds::Text, shown))
            }
        }
    }
}

/// What a column's values hold: their one kind when they share it
/// (timestamps mixed with dates are timestamps), text when they do not,
/// nothing when every value is empty.
pub fn classify(cells: &[SampleCell], labels: &GroupLabels) -> Classified {
    let classes: Vec<(Holds, String)> = cells.iter().filter_map(|c| class_of(c, labels)).collect();
    let Some((first, first_example)) = classes.first().cloned() else {
        return Classified {
            holds: Holds::Empty,
            example: None,
        };
    };
    let holds = if classes.iter().all(|(h, _)| *h == first) {
        first
    } else if classes
        .iter()
        .all(|(h, _)| matches!(h, Holds::Timestamps | Holds::Dates))
    {
        Holds::Timestamps
    } else {
        Holds::Text
    };
    let example = classes
        .into_iter()
        .find(|(h, _)| *h == holds)
        .map_or(first_example, |(_, e)| e);
    Classified {
        holds,
        example: Some(example),
    }
}

/// What a column of the file should hold, by its role.
fn wants(w: &Wanted) -> Holds {
    match w.kind {
        ValueKind::Timestamp => Holds::Timestamps,
        ValueKind::Date => Holds::Dates,
        ValueKind::Number => Holds::Numbers,
        ValueKind::Text if w.canonical == "group" => Holds::GroupLabels,
        ValueKind::Text => Holds::Text,
    }
}

/// What a role's values are called in a message.
fn wanted_noun(w: &Wanted) -> &'static str {
    match w.canonical {
        "user_id" => "user ids",
        "channel" => "channel names",
        "order_id" => "order ids",
        "campaign" => "campaign names",
        "segment" => "segment names",
        _ => wants(w).noun(),
    }
}

/// Whether a column holding `holds` can be read in role `w`.
fn fits(holds: Holds, w: &Wanted) -> bool {
    match (wants(w), holds) {
        (_, Holds::Empty) => !w.required,
        (Holds::Timestamps | Holds::Dates, Holds::Timestamps | Holds::Dates) => true,
        (Holds::GroupLabels, h) => h == Holds::GroupLabels,
        (Holds::Text, _) => true,
        (want, h) => want == h,
    }
}

/// Whether `holds` is out of place in role `w` even where it can be read:
/// timestamps in a column of names or ids.
fn foreign(holds: Holds, w: &Wanted) -> bool {
    match wants(w) {
        Holds::Text => matches!(holds, Holds::Timestamps | Holds::Dates),
        _ => holds != Holds::Empty && !fits(holds, w),
    }
}

/// A column of the file that holds what a failing column should.
struct Candidate<'a> {
    name: &'a str,
    found: &'a Classified,
    /// The role the column is read in now, if any.
    role: Option<&'a Wanted>,
}

/// A column of the file that holds what the failing column's role `want`
/// should, ranked: a column whose own role it does not suit and that the
/// failing column's values would suit (a swap) first, then a column read
/// in no role, then a column whose role the failing column's values would
/// suit as well. A role of names or ids takes only the first kind: any
/// text would do for it, so nothing else is evidence.
fn candidate<'a>(
    failing: &str,
    failing_holds: Holds,
    want: &Wanted,
    columns: &'a [Wanted],
    classes: &'a [(String, Classified)],
    wrong: &[&str],
) -> Option<Candidate<'a>> {
    let rank = |(name, found): &'a (String, Classified)| -> Option<(u8, Candidate<'a>)> {
        if name == failing || found.holds == Holds::Empty || !fits(found.holds, want) {
            return None;
        }
        let role = columns.iter().find(|w| w.name == *name);
        let score = match role {
            Some(r) if r.canonical == want.canonical => return None,
            Some(r) if fits(failing_holds, r) => {
                if wrong.contains(&name.as_str()) || foreign(found.holds, r) {
                    3
                } else {
                    1
                }
            }
            Some(_) => return None,
            None => 2,
        };
        let text_role = wants(want) == Holds::Text;
        (!text_role || score == 3).then_some((score, Candidate { name, found, role }))
    };
    let mut best: Option<(u8, Candidate<'a>)> = None;
    for c in classes.iter().filter_map(rank) {
        if best.as_ref().is_none_or(|(s, _)| c.0 > *s) {
            best = Some(c);
        }
    }
    best.map(|(_, c)| c)
}

/// `name` as a TOML string.
fn toml_string(name: &str) -> String {
    toml::Value::String(name.to_string()).to_string()
}

/// The `(expected …)` part of a problem's message.
fn expected_part(message: &str) -> Option<&str> {
    let start = message.find("(expected ")?;
    Some(&message[start..])
}

/// The findings of one file for a short message: its problem groups in
/// file order, where the groups of a column that fails on every row (of
/// two or more rows), or a column of the wrong Parquet type, give way to a
/// verdict on the column. `kind` is the file's section under `[columns]`,
/// `path` the file to look at.
pub fn findings(kind: &str, path: Option<&Path>, load: &FileLoad, cfg: &Config) -> Vec<Finding> {
    let plain = || {
        load.groups
            .iter()
            .cloned()
            .map(Finding::Problems)
            .collect::<Vec<_>>()
    };
    let rows = load.info.as_ref().map(|i| i.rows);
    // The columns wrong as a whole, in order of their first problem.
    let mut whole: Vec<&str> = Vec::new();
    for g in &load.groups {
        let Some(column) = g.first.column.as_deref() else {
            continue;
        };
        let every_row = g.first.line.is_some()
            && rows.is_some_and(|rows| {
                rows >= 2
                    && load
                        .groups
                        .iter()
                        .filter(|h| {
                            h.first.line.is_some() && h.first.column.as_deref() == Some(column)
                        })
                        .map(|h| h.count)
                        .sum::<u64>()
                        == rows
            });
        let wrong_type = g.first.line.is_none() && g.first.message.starts_with("has Parquet type");
        if (every_row || wrong_type) && !whole.contains(&column) {
            whole.push(column);
        }
    }
    let Some(sample) = (!whole.is_empty())
        .then(|| path.and_then(|p| first_rows(p, SAMPLE_ROWS)))
        .flatten()
    else {
        return plain();
    };
    let labels = cfg.groups.labels();
    let columns = columns_of(kind, cfg);
    let classes: Vec<(String, Classified)> = sample
        .columns
        .iter()
        .map(|(name, cells)| (name.clone(), classify(cells, &labels)))
        .collect();
    let mut swaps: Vec<[String; 2]> = Vec::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut placed: Vec<&str> = Vec::new();
    for g in &load.groups {
        let column = g.first.column.as_deref().unwrap_or_default();
        if !whole.contains(&column) || g.first.column.is_none() {
            out.push(Finding::Problems(g.clone()));
            continue;
        }
        if placed.contains(&column) {
            continue;
        }
        placed.push(column);
        let own: Vec<&ProblemGroup> = load
            .groups
            .iter()
            .filter(|h| h.first.column.as_deref() == Some(column))
            .collect();
        let verdict = verdict(
            kind,
            column,
            &own,
            rows.or(sample.rows),
            &columns,
            &classes,
            &whole,
            &mut swaps,
        );
        match verdict {
            Some(v) => out.push(Finding::Column(v)),
            None => out.extend(own.into_iter().cloned().map(Finding::Problems)),
        }
    }
    out
}

/// The verdict on `column`, whose problems are `own`; `None` when the
/// column is not one the file is read by, was not found in the sample, or
/// holds what it should.
#[allow(clippy::too_many_arguments)]
fn verdict(
    kind: &str,
    column: &str,
    own: &[&ProblemGroup],
    rows: Option<u64>,
    columns: &[Wanted],
    classes: &[(String, Classified)],
    wrong: &[&str],
    swaps: &mut Vec<[String; 2]>,
) -> Option<ColumnVerdict> {
    let first = own.first()?;
    let want = columns.iter().find(|w| w.name == column)?;
    let (_, found) = classes.iter().find(|(name, _)| name == column)?;
    // A column that holds what its role wants has bad values, not a wrong
    // place (amounts out of range, periods that end before they start).
    if found.holds != Holds::Empty && fits(found.holds, want) && !foreign(found.holds, want) {
        return None;
    }
    let file = &first.first.file;
    let rows_text = rows.map_or_else(String::new, |r| {
        format!(" ({} row{})", thousands(r), if r == 1 { "" } else { "s" })
    });
    let holds_text = match (&found.example, found.holds) {
        (_, Holds::Empty) | (None, _) => "it holds nothing".to_string(),
        (Some(e), h) => format!("it holds {} like \"{e}\"", h.noun()),
    };
    let mut text = format!(
        "{file}: column \"{column}\" is wrong on every row{rows_text}: {holds_text}, not {}.",
        wanted_noun(want)
    );
    let section = format!("[columns.{kind}]");
    let mut mapping = Vec::new();
    let shown = |c: &Candidate<'_>| {
        let example = c
            .found
            .example
            .as_ref()
            .map_or_else(String::new, |e| format!(" (\"{e}\")"));
        format!(
            "Column \"{}\" holds {}{example}",
            c.name,
            c.found.holds.noun()
        )
    };
    match candidate(column, found.holds, want, columns, classes, wrong) {
        Some(c) => match c.role {
            Some(other) => {
                let mut pair = [want.canonical.to_string(), other.canonical.to_string()];
                pair.sort();
                if swaps.contains(&pair) {
                    text.push_str(&format!(" {}: the swap above fixes it.", shown(&c)));
                } else {
                    text.push_str(&format!(
                        " {}: the header may have them swapped. Map them in uplift.toml:",
                        shown(&c)
                    ));
                    mapping.push(section);
                    // In the order of the file's columns, so that the lines
                    // are the same whichever of the two is found first.
                    for w in columns {
                        if w.canonical == want.canonical {
                            mapping.push(format!("{} = {}", w.canonical, toml_string(c.name)));
                        } else if w.canonical == other.canonical {
                            mapping.push(format!("{} = {}", w.canonical, toml_string(column)));
                        }
                    }
                    swaps.push(pair);
                }
            }
            None => {
                text.push_str(&format!(
                    " {}, and is read as nothing else. Map it in uplift.toml:",
                    shown(&c)
                ));
                mapping.push(section);
                mapping.push(format!("{} = {}", want.canonical, toml_string(c.name)));
            }
        },
        None => {
            let noun = wanted_noun(want);
            let expected = own
                .iter()
                .find_map(|g| expected_part(&g.first.message))
                .map_or_else(String::new, |e| format!(" {e}"));
            text.push_str(&format!(
                " No column of the file holds {noun}{expected}. If one does under another name, map it in uplift.toml:"
            ));
            mapping.push(section);
            mapping.push(format!(
                "{} = \"<the column with the {noun}>\"",
                want.canonical
            ));
        }
    }
    Some(ColumnVerdict {
        file: file.clone(),
        column: column.to_string(),
        first_line: own.iter().filter_map(|g| g.first.line).min(),
        problems: own.iter().map(|g| g.count).sum(),
        text,
        mapping,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{InputPaths, load};

    fn cells(values: &[&str]) -> Vec<SampleCell> {
        values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    SampleCell::Null
                } else {
                    SampleCell::Text(v.to_string())
                }
            })
            .collect()
    }

    fn holds(values: &[&str]) -> (Holds, Option<String>) {
        let c = classify(&cells(values), &Config::default().groups.labels());
        (c.holds, c.example)
    }

    #[test]
    fn a_column_is_classified_by_what_its_values_share() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            holds(&["2026-03-01T10:00:00Z", "", "2026-03-01 10:00:00"]),
            (Holds::Timestamps, some("2026-03-01T10:00:00Z"))
        );
        assert_eq!(
            holds(&["2026-03-01", "2026-03-01T10:00:00Z"]),
            (Holds::Timestamps, some("2026-03-01T10:00:00Z"))
        );
        assert_eq!(holds(&["2026-03-01"]), (Holds::Dates, some("2026-03-01")));
        assert_eq!(
            holds(&["12.50", "-3", " 7 "]),
            (Holds::Numbers, some("12.50"))
        );
        assert_eq!(
            holds(&["exposed", "", "holdout"]),
            (Holds::GroupLabels, some("exposed"))
        );
        assert_eq!(holds(&["email", "social"]), (Holds::Text, some("email")));
        // A mixture is text, shown by its first text value.
        assert_eq!(holds(&["12", "email"]), (Holds::Text, some("email")));
        assert_eq!(holds(&["NaN", "inf"]), (Holds::Text, some("NaN")));
        assert_eq!(holds(&["", " "]), (Holds::Empty, None));
        assert_eq!(holds(&[]), (Holds::Empty, None));
        let parquet = [
            SampleCell::Timestamp(0),
            SampleCell::Null,
            SampleCell::Date(0),
        ];
        let c = classify(&parquet, &Config::default().groups.labels());
        assert_eq!(
            (c.holds, c.example),
            (Holds::Timestamps, some("1970-01-01T00:00:00Z"))
        );
    }

    /// The findings of `text` read as a file of `kind`, as printed.
    fn told(kind: &str, text: &str, cfg: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(format!("{kind}.csv"));
        std::fs::write(&path, text).expect("the file is written");
        let cfg = Config::parse(cfg).expect("a config");
        let mut paths = InputPaths::default();
        match kind {
            "exposures" => paths.exposures = Some(path.clone()),
            "finance" => paths.finance = Some(path.clone()),
            _ => paths.revenue = Some(path.clone()),
        }
        let loaded = load(&paths, &cfg);
        let file = loaded.file(kind).expect("the file was loaded");
        let file_name = path.display().to_string();
        findings(kind, Some(&path), file, &cfg)
            .iter()
            .map(|f| f.to_string().replace(&file_name, "F"))
            .collect()
    }

    #[test]
    fn swapped_columns_get_the_swap_in_the_files_column_order() {
        let text = "user_id,timestamp,channel\nu1,email,2026-03-01T10:00:00Z\nu2,social,2026-03-02T10:00:00Z\n";
        assert_eq!(
            told("exposures", text, ""),
            [
                "F: column \"timestamp\" is wrong on every row (2 rows): it holds text like \"email\", not timestamps. Column \"channel\" holds timestamps (\"2026-03-01T10:00:00Z\"): the header may have them swapped. Map them in uplift.toml:\n  [columns.exposures]\n  channel = \"timestamp\"\n  timestamp = \"channel\""
            ]
        );
    }

    #[test]
    fn two_columns_wrong_by_one_swap_get_the_mapping_once() {
        let text = "user_id,revenue,timestamp\nu1,2026-03-01,12.50\nu2,2026-03-02,3\n";
        assert_eq!(
            told("revenue", text, ""),
            [
                "F: column \"timestamp\" is wrong on every row (2 rows): it holds numbers like \"12.50\", not timestamps. Column \"revenue\" holds dates (\"2026-03-01\"): the header may have them swapped. Map them in uplift.toml:\n  [columns.revenue]\n  timestamp = \"revenue\"\n  revenue = \"timestamp\"",
                "F: column \"revenue\" is wrong on every row (2 rows): it holds dates like \"2026-03-01\", not numbers. Column \"timestamp\" holds numbers (\"12.50\"): the swap above fixes it.",
            ]
        );
    }

    #[test]
    fn a_column_read_in_no_role_gets_a_single_mapping_in_the_configs_names() {
        let text =
            "customer,channel,ts,event_time\nu1,email,soon,2026-03-01\nu2,email,later,2026-03-02\n";
        let cfg = "[columns.exposures]\nuser_id = \"customer\"\ntimestamp = \"ts\"\n";
        assert_eq!(
            told("exposures", text, cfg),
            [
                "F: column \"ts\" is wrong on every row (2 rows): it holds text like \"soon\", not timestamps. Column \"event_time\" holds dates (\"2026-03-01\"), and is read as nothing else. Map it in uplift.toml:\n  [columns.exposures]\n  timestamp = \"event_time\""
            ]
        );
    }

    #[test]
    fn without_a_column_of_the_wanted_kind_the_mapping_has_a_placeholder() {
        let text = "user_id,channel,timestamp,group\nu1,email,2026-03-01,A\nu2,email,2026-03-01,B\nu3,email,2026-03-01,A\n";
        let told = told("exposures", text, "");
        assert_eq!(told.len(), 1);
        assert!(
            told[0].starts_with("F: column \"group\" is wrong on every row (3 rows): it holds text like \"A\", not group labels. No column of the file holds group labels (expected one of exposed"),
            "{told:?}"
        );
        assert!(
            told[0].ends_with("map it in uplift.toml:\n  [columns.exposures]\n  group = \"<the column with the group labels>\""),
            "{told:?}"
        );
    }

    #[test]
    fn a_column_bad_on_some_rows_or_a_file_of_one_row_keeps_its_groups() {
        let text = "user_id,timestamp,revenue\nu1,2026-03-01,x\nu2,2026-03-01,1\nu3,2026-03-01,y\n";
        assert_eq!(
            told("revenue", text, ""),
            [
                "F: column \"revenue\": 2 rows are not a number (expected a finite decimal number like 12.50); the first: line 2, \"x\""
            ]
        );
        let one = "user_id,timestamp,revenue\nu1,2026-03-01,x\n";
        assert_eq!(
            told("revenue", one, ""),
            [
                "F:2: column \"revenue\": \"x\" is not a number (expected a finite decimal number like 12.50)"
            ]
        );
    }

    /// Values of the right kind that are bad on every row leave the column
    /// where it is: its groups stay.
    #[test]
    fn a_column_of_the_right_kind_bad_on_every_row_keeps_its_groups() {
        let text =
            "period_start,period_end,revenue\n2026-02-01,2026-01-31,10\n2026-02-01,2026-01-30,20\n";
        assert_eq!(
            told("finance", text, ""),
            [
                "F: column \"period_end\": 2 rows are before period_start 2026-02-01 (expected period_end on or after period_start); the first: line 2, \"2026-01-31\""
            ]
        );
        let text = "period_start,period_end,revenue\n2026-01-01,2026-01-31,1e16\n2026-02-01,2026-02-28,-1e16\n";
        assert_eq!(
            told("finance", text, ""),
            [
                "F: column \"revenue\": 2 rows are out of range (expected an amount between -1e15 and 1e15); the first: line 2, \"1e16\""
            ]
        );
    }

    /// A text role (ids, names) takes a swap only on evidence: a column of
    /// ids empty on every row is not given another text column.
    #[test]
    fn an_empty_id_column_gets_a_placeholder_not_a_guess() {
        let text =
            "user_id,channel,timestamp,campaign\n,email,2026-03-01,c1\n,email,2026-03-01,c2\n";
        let told = told("exposures", text, "");
        assert_eq!(told.len(), 1);
        assert!(
            told[0].starts_with("F: column \"user_id\" is wrong on every row (2 rows): it holds nothing, not user ids. No column of the file holds user ids (expected a user id)."),
            "{told:?}"
        );
        assert!(told[0].ends_with("user_id = \"<the column with the user ids>\""));
    }
}
