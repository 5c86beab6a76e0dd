//! Reading a directory of aggregates (`NAME.csv`, `NAME.csv.gz` or
//! `NAME.parquet`, the results of `uplift sql`'s statements) into typed rows.
//!
//! Every value is checked: a missing file or column, a number that is not a
//! number, a negative count, is bad input naming the file, line, column and
//! value.

use crate::error::{Error, InputError};
use crate::io::FileInfo;
use crate::io::problem::{Problem, show_value};
use crate::io::read::{self, Kind, Value, Wanted};
use crate::model::Micros;
use std::path::{Path, PathBuf};

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Number(f64),
}

/// One aggregate file, read whole (aggregates are small).
struct Table {
    file: String,
    columns: Vec<&'static str>,
    rows: Vec<(u64, Vec<Cell>)>,
}

impl Table {
    fn problem(&self, line: u64, col: usize, value: &Cell, message: &str) -> Error {
        let value = match value {
            Cell::Null => String::new(),
            Cell::Text(s) => show_value(s),
            Cell::Number(v) => v.to_string(),
        };
        InputError::one(Problem {
            file: self.file.clone(),
            line: Some(line),
            column: Some(self.columns[col].to_string()),
            value: Some(value),
            message: message.to_string(),
        })
        .into()
    }

    fn text(&self, r: usize, col: usize) -> Option<String> {
        match &self.rows[r].1[col] {
            Cell::Null => None,
            Cell::Text(s) if s.is_empty() => None,
            Cell::Text(s) => Some(s.clone()),
            Cell::Number(v) => Some(v.to_string()),
        }
    }

    fn required_text(&self, r: usize, col: usize) -> Result<String, Error> {
        let (line, cells) = &self.rows[r];
        self.text(r, col)
            .ok_or_else(|| self.problem(*line, col, &cells[col], "is empty (expected a name)"))
    }

    fn number(&self, r: usize, col: usize) -> Result<f64, Error> {
        let (line, cells) = &self.rows[r];
        let v = match &cells[col] {
            Cell::Number(v) => Some(*v),
            Cell::Text(s) => s.trim().parse::<f64>().ok(),
            Cell::Null => None,
        };
        v.filter(|v| v.is_finite()).ok_or_else(|| {
            self.problem(
                *line,
                col,
                &cells[col],
                "is not a number (expected a decimal like 12.5)",
            )
        })
    }

    fn count(&self, r: usize, col: usize) -> Result<u64, Error> {
        let v = self.number(r, col)?;
        if v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
            Ok(v as u64)
        } else {
            let (line, cells) = &self.rows[r];
            Err(self.problem(
                *line,
                col,
                &cells[col],
                "is not a count (expected a whole number >= 0)",
            ))
        }
    }

    fn integer(&self, r: usize, col: usize) -> Result<i64, Error> {
        let v = self.number(r, col)?;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(v as i64)
        } else {
            let (line, cells) = &self.rows[r];
            Err(self.problem(
                *line,
                col,
                &cells[col],
                "is not a whole number (expected an integer like 20454)",
            ))
        }
    }

    fn window(&self, r: usize, col: usize) -> Result<u16, Error> {
        let v = self.count(r, col)?;
        u16::try_from(v)
            .ok()
            .filter(|w| (1..=365).contains(w))
            .ok_or_else(|| {
                let (line, cells) = &self.rows[r];
                self.problem(
                    *line,
                    col,
                    &cells[col],
                    "is not a window (expected whole days 1..=365)",
                )
            })
    }
}

/// The file of aggregate `name` in `dir`, whichever format it was saved in.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    ["csv", "csv.gz", "parquet"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.is_file())
}

fn read_table(path: &Path, columns: &[&'static str]) -> Result<(Table, FileInfo), Error> {
    let wanted: Vec<Wanted> = columns
        .iter()
        .map(|&c| Wanted {
            canonical: c,
            name: c.to_string(),
            required: true,
            kind: Kind::Text,
        })
        .collect();
    let mut rows = Vec::new();
    let meta = read::scan(path, &wanted, |at, values| {
        let cells = values
            .iter()
            .map(|v| match v {
                Value::Absent => Cell::Null,
                Value::Text(s) => Cell::Text((*s).to_string()),
                Value::Number(x) => Cell::Number(*x),
                Value::Micros(m) => Cell::Number(*m as f64),
            })
            .collect();
        rows.push((at.line, cells));
    })
    .map_err(|p| Error::from(InputError::one(p)))?;
    let info = FileInfo {
        path: meta.file.clone(),
        sha256: meta.sha256,
        rows: meta.rows as u64,
        rejected_rows: 0,
    };
    Ok((
        Table {
            file: meta.file,
            columns: columns.to_vec(),
            rows,
        },
        info,
    ))
}

/// `meta`: one row of counts and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The settings line the SQL was generated with.
    pub settings: String,
    /// Rows of the exposures table, and those with every required value.
    pub exposures_rows: (u64, u64),
    /// Exposures rows whose group label is neither exposed nor control.
    pub unknown_group_rows: u64,
    /// Channel names that are empty or contain the path separator.
    pub bad_channel_names: u64,
    /// Rows of the revenue table, and those with every required value.
    pub revenue_rows: (u64, u64),
    /// The observation end in force.
    pub as_of: Micros,
    /// Repeats of an order id (rows, revenue).
    pub duplicates: (u64, f64),
    /// Refunds after de-duplication (rows, revenue).
    pub refunds: (u64, f64),
    /// Net revenue of the orders.
    pub net_revenue: f64,
}

/// `channels`: one row per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// Channel name.
    pub channel: String,
    /// First and last exposed row.
    pub exposed_span: Option<(Micros, Micros)>,
    /// Users with an exposed row (contaminated included).
    pub exposed_all: u64,
    /// Users with only exposed rows.
    pub exposed_users: u64,
    /// Users with only control rows.
    pub control_users: u64,
    /// Users with both labels.
    pub contaminated: u64,
}

/// `cohorts`: moments per (channel, window, arm, segment).
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRow {
    /// Channel name.
    pub channel: String,
    /// Window in days.
    pub window_days: u16,
    /// `exposed`, `control` or `contaminated`.
    pub arm: String,
    /// The users' segment (None = no segment).
    pub segment: Option<String>,
    /// Mature users.
    pub users: u64,
    /// Immature users (for `contaminated`: every contaminated user).
    pub excluded: u64,
    /// Converters.
    pub converters: u64,
    /// Σ Y.
    pub sum_y: f64,
    /// Σ (Y − Ȳ)².
    pub m2_y: f64,
    /// Σ X.
    pub sum_x: f64,
    /// Σ (X − X̄)².
    pub m2_x: f64,
    /// Σ (X − X̄)(Y − Ȳ).
    pub c_xy: f64,
}

/// `attribution_totals`: one row per window.
#[derive(Debug, Clone, PartialEq)]
pub struct TotalsRow {
    /// Window in days.
    pub window_days: u16,
    /// Conversions.
    pub conversions: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Conversions without a touch in the window.
    pub unattributed_conversions: u64,
    /// Their revenue.
    pub unattributed_revenue: f64,
}

/// `paths` / `calibration_paths`: one distinct path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRow {
    /// The experiment's channel (calibration paths only).
    pub experiment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// Channel names in time order.
    pub channels: Vec<String>,
    /// Conversions.
    pub conversions: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Non-converting paths.
    pub nulls: u64,
}

/// `time_decay` / `calibration_time_decay`: credits per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditRow {
    /// Window in days.
    pub window_days: u16,
    /// Channel name (for calibration: the experiment's channel).
    pub channel: String,
    /// Credited conversions (0 for calibration rows).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
}

/// Every aggregate of a directory.
#[derive(Debug, Clone)]
pub struct Aggregates {
    /// Each file read: (aggregate name, what was read).
    pub files: Vec<(&'static str, FileInfo)>,
    /// `meta`.
    pub meta: Meta,
    /// `channels`.
    pub channels: Vec<ChannelRow>,
    /// `cohorts`.
    pub cohorts: Vec<CohortRow>,
    /// `attribution_totals`.
    pub totals: Vec<TotalsRow>,
    /// `paths`.
    pub paths: Vec<PathRow>,
    /// `calibration_paths`.
    pub calibration_paths: Vec<PathRow>,
    /// `time_decay`, when present.
    pub time_decay: Option<Vec<CreditRow>>,
    /// `calibration_time_decay`, when present.
    pub calibration_time_decay: Option<Vec<CreditRow>>,
    /// `daily_revenue`: (UTC day number, net revenue).
    pub daily_revenue: Vec<(i32, f64)>,
    /// `exposure_cost`: (channel, UTC day number, cost).
    pub exposure_cost: Vec<(String, i32, f64)>,
    /// `spend`, when saved in the directory.
    pub spend: Option<PathBuf>,
    /// `finance`, when saved in the directory.
    pub finance: Option<PathBuf>,
}

fn missing(dir: &Path, name: &str, hint: &str) -> Error {
    Error::Usage(format!(
        "{}: aggregate \"{name}\" is missing (expected {name}.csv, {name}.csv.gz or {name}.parquet, the result of {name}.sql from `uplift sql`{hint})",
        dir.display()
    ))
}

fn split_path(s: &str) -> Vec<String> {
    s.split(crate::warehouse::sql::PATH_SEPARATOR)
        .map(str::to_string)
        .collect()
}

/// Reads every aggregate of `dir`. `time_decay`: whether that model is asked
/// for (its two aggregates are then required).
pub fn load(dir: &Path, time_decay: bool) -> Result<Aggregates, Error> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--from-aggregates {}: not a directory",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    let mut open = |name: &'static str,
                    columns: &[&'static str],
                    required: bool,
                    hint: &str|
     -> Result<Option<Table>, Error> {
        match find(dir, name) {
            Some(p) => {
                let (t, info) = read_table(&p, columns)?;
                files.push((name, info));
                Ok(Some(t))
            }
            None if required => Err(missing(dir, name, hint)),
            None => Ok(None),
        }
    };
    let req = |t: Option<Table>| t.ok_or_else(|| Error::Internal("required table".into()));

    let t = req(open(
        "meta",
        &[
            "settings",
            "exposures_rows",
            "exposures_rows_read",
            "unknown_group_rows",
            "bad_channel_names",
            "revenue_rows",
            "revenue_rows_read",
            "as_of",
            "duplicate_rows",
            "duplicate_revenue",
            "refunds",
            "refund_revenue",
            "net_revenue",
        ],
        true,
        "",
    )?)?;
    if t.rows.len() != 1 {
        return Err(Error::Usage(format!(
            "{}: has {} data rows (expected exactly 1)",
            t.file,
            t.rows.len()
        )));
    }
    let meta = Meta {
        settings: t.text(0, 0).unwrap_or_default(),
        exposures_rows: (t.count(0, 1)?, t.count(0, 2)?),
        unknown_group_rows: t.count(0, 3)?,
        bad_channel_names: t.count(0, 4)?,
        revenue_rows: (t.count(0, 5)?, t.count(0, 6)?),
        as_of: t.integer(0, 7)?,
        duplicates: (t.count(0, 8)?, t.number(0, 9)?),
        refunds: (t.count(0, 10)?, t.number(0, 11)?),
        net_revenue: t.number(0, 12)?,
    };

    let t = req(open(
        "channels",
        &[
            "channel",
            "first_exposed",
            "last_exposed",
            "exposed_all",
            "exposed_users",
            "control_users",
            "contaminated",
        ],
        true,
        "",
    )?)?;
    let mut channels = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let span = match (t.rows[r].1[1] != Cell::Null, t.rows[r].1[2] != Cell::Null) {
            (true, true) if t.text(r, 1).is_some() => Some((t.integer(r, 1)?, t.integer(r, 2)?)),
            _ => None,
        };
        channels.push(ChannelRow {
            channel: t.required_text(r, 0)?,
            exposed_span: span,
            exposed_all: t.count(r, 3)?,
            exposed_users: t.count(r, 4)?,
            control_users: t.count(r, 5)?,
            contaminated: t.count(r, 6)?,
        });
    }

    let t = req(open(
        "cohorts",
        &[
            "channel",
            "window_days",
            "arm",
            "segment",
            "users",
            "excluded",
            "converters",
            "sum_y",
            "m2_y",
            "sum_x",
            "m2_x",
            "c_xy",
        ],
        true,
        "",
    )?)?;
    let mut cohorts = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let arm = t.required_text(r, 2)?;
        if !["exposed", "control", "contaminated"].contains(&arm.as_str()) {
            let (line, cells) = &t.rows[r];
            return Err(t.problem(
                *line,
                2,
                &cells[2],
                "is not an arm (expected exposed, control or contaminated)",
            ));
        }
        cohorts.push(CohortRow {
            channel: t.required_text(r, 0)?,
            window_days: t.window(r, 1)?,
            arm,
            segment: t.text(r, 3),
            users: t.count(r, 4)?,
            excluded: t.count(r, 5)?,
            converters: t.count(r, 6)?,
            sum_y: t.number(r, 7)?,
            m2_y: t.number(r, 8)?,
            sum_x: t.number(r, 9)?,
            m2_x: t.number(r, 10)?,
            c_xy: t.number(r, 11)?,
        });
    }

    let t = req(open(
        "attribution_totals",
        &[
            "window_days",
            "conversions",
            "revenue",
            "unattributed_conversions",
            "unattributed_revenue",
        ],
        true,
        "",
    )?)?;
    let mut totals = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        totals.push(TotalsRow {
            window_days: t.window(r, 0)?,
            conversions: t.count(r, 1)?,
            revenue: t.number(r, 2)?,
            unattributed_conversions: t.count(r, 3)?,
            unattributed_revenue: t.number(r, 4)?,
        });
    }

    let read_paths = |t: &Table, experiment: bool| -> Result<Vec<PathRow>, Error> {
        let o = usize::from(experiment);
        let mut out = Vec::with_capacity(t.rows.len());
        for r in 0..t.rows.len() {
            out.push(PathRow {
                experiment: if experiment {
                    Some(t.required_text(r, 0)?)
                } else {
                    None
                },
                window_days: t.window(r, o)?,
                channels: split_path(&t.required_text(r, o + 1)?),
                conversions: t.count(r, o + 2)?,
                revenue: t.number(r, o + 3)?,
                nulls: t.count(r, o + 4)?,
            });
        }
        Ok(out)
    };
    let t = req(open(
        "paths",
        &[
            "window_days",
            "path",
            "conversions",
            "revenue",
            "non_conversions",
        ],
        true,
        "",
    )?)?;
    let paths = read_paths(&t, false)?;
    let t = req(open(
        "calibration_paths",
        &[
            "channel",
            "window_days",
            "path",
            "conversions",
            "revenue",
            "non_conversions",
        ],
        true,
        "",
    )?)?;
    let calibration_paths = read_paths(&t, true)?;

    let hint = " with --model time_decay (or without --model)";
    let td = open(
        "time_decay",
        &["window_days", "channel", "conversions", "revenue"],
        time_decay,
        hint,
    )?;
    let time_decay_rows = match td {
        Some(t) if time_decay => {
            let mut out = Vec::with_capacity(t.rows.len());
            for r in 0..t.rows.len() {
                out.push(CreditRow {
                    window_days: t.window(r, 0)?,
                    channel: t.required_text(r, 1)?,
                    conversions: t.number(r, 2)?,
                    revenue: t.number(r, 3)?,
                });
            }
            Some(out)
        }
        _ => None,
    };
    let ctd = open(
        "calibration_time_decay",
        &["channel", "window_days", "revenue"],
        time_decay,
        hint,
    )?;
    let calibration_time_decay = match ctd {
        Some(t) if time_decay => {
            let mut out = Vec::with_capacity(t.rows.len());
            for r in 0..t.rows.len() {
                out.push(CreditRow {
                    channel: t.required_text(r, 0)?,
                    window_days: t.window(r, 1)?,
                    conversions: 0.0,
                    revenue: t.number(r, 2)?,
                });
            }
            Some(out)
        }
        _ => None,
    };

    let t = req(open(
        "daily_revenue",
        &["utc_day", "net_revenue"],
        true,
        "",
    )?)?;
    let mut daily_revenue = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let day = t.integer(r, 0)?;
        let day = i32::try_from(day).map_err(|_| {
            let (line, cells) = &t.rows[r];
            t.problem(*line, 0, &cells[0], "is not a day number")
        })?;
        daily_revenue.push((day, t.number(r, 1)?));
    }
    daily_revenue.sort_by_key(|d| d.0);

    let mut exposure_cost = Vec::new();
    if let Some(t) = open("exposure_cost", &["channel", "utc_day", "cost"], false, "")? {
        for r in 0..t.rows.len() {
            let day = i32::try_from(t.integer(r, 1)?).map_err(|_| {
                let (line, cells) = &t.rows[r];
                t.problem(*line, 1, &cells[1], "is not a day number")
            })?;
            exposure_cost.push((t.required_text(r, 0)?, day, t.number(r, 2)?));
        }
    }
    Ok(Aggregates {
        files,
        meta,
        channels,
        cohorts,
        totals,
        paths,
        calibration_paths,
        time_decay: time_decay_rows,
        calibration_time_decay,
        daily_revenue,
        exposure_cost,
        spend: find(dir, "spend"),
        finance: find(dir, "finance"),
    })
}
