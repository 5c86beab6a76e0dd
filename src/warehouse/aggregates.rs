//! Reading a directory of aggregates (`NAME.csv`, `NAME.csv.gz` or
//! `NAME.parquet`, the results of `uplift sql`'s statements) into typed rows.
//!
//! Every value is checked: a missing file or column, a number that is not a
//! number, a negative count, is bad input naming the file, line, column and
//! value.

use crate::attribution::Model;
use crate::error::Error;
use crate::io::FileInfo;
use crate::io::problem::{Problem, show_value};
use crate::io::read::{self, Value, ValueKind, Wanted};
use crate::model::{DayNumber, Micros, TimeSpan};
use crate::warehouse::sql;
use std::path::{Path, PathBuf};

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
enum AggregateCell {
    Null,
    Text(String),
    Number(f64),
}

/// One aggregate file, read whole (aggregates are small).
struct AggregateTable {
    file: String,
    columns: Vec<&'static str>,
    rows: Vec<TableRow>,
}

/// One data row of an aggregate file.
struct TableRow {
    /// Its line in the file (for messages).
    line: u64,
    /// Its cells, in the order of the columns asked for.
    cells: Vec<AggregateCell>,
}

impl AggregateTable {
    /// A usage error naming the file, the line of row `r`, column `col` and
    /// its value.
    fn problem(&self, r: usize, col: usize, message: &str) -> Error {
        let row = &self.rows[r];
        let value = match &row.cells[col] {
            AggregateCell::Null => String::new(),
            AggregateCell::Text(s) => show_value(s),
            AggregateCell::Number(v) => v.to_string(),
        };
        // N.B. a usage error (exit 2): the advice of an input error, to run
        // `uplift validate`, does not apply to aggregates.
        Error::Usage(
            Problem {
                file: self.file.clone(),
                line: Some(row.line),
                column: Some(self.columns[col].to_string()),
                value: Some(value),
                message: message.to_string(),
            }
            .to_string(),
        )
    }

    fn text(&self, r: usize, col: usize) -> Option<String> {
        match &self.rows[r].cells[col] {
            AggregateCell::Null => None,
            AggregateCell::Text(s) if s.is_empty() => None,
            AggregateCell::Text(s) => Some(s.clone()),
            AggregateCell::Number(v) => Some(v.to_string()),
        }
    }

    fn required_text(&self, r: usize, col: usize) -> Result<String, Error> {
        self.text(r, col)
            .ok_or_else(|| self.problem(r, col, "is empty (expected a name)"))
    }

    fn number(&self, r: usize, col: usize) -> Result<f64, Error> {
        let v = match &self.rows[r].cells[col] {
            AggregateCell::Number(v) => Some(*v),
            AggregateCell::Text(s) => s.trim().parse::<f64>().ok(),
            AggregateCell::Null => None,
        };
        v.filter(|v| v.is_finite())
            .ok_or_else(|| self.problem(r, col, "is not a number (expected a decimal like 12.5)"))
    }

    /// A number, or None for an empty cell.
    fn optional_number(&self, r: usize, col: usize) -> Result<Option<f64>, Error> {
        match &self.rows[r].cells[col] {
            AggregateCell::Null => Ok(None),
            AggregateCell::Text(s) if s.trim().is_empty() => Ok(None),
            _ => self.number(r, col).map(Some),
        }
    }

    fn count(&self, r: usize, col: usize) -> Result<u64, Error> {
        let v = self.number(r, col)?;
        if v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
            Ok(v as u64)
        } else {
            Err(self.problem(r, col, "is not a count (expected a whole number >= 0)"))
        }
    }

    fn integer(&self, r: usize, col: usize) -> Result<i64, Error> {
        let v = self.number(r, col)?;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(v as i64)
        } else {
            Err(self.problem(
                r,
                col,
                "is not a whole number (expected an integer like 20454)",
            ))
        }
    }

    fn window(&self, r: usize, col: usize) -> Result<u16, Error> {
        let v = self.count(r, col)?;
        u16::try_from(v)
            .ok()
            .filter(|w| (1..=365).contains(w))
            .ok_or_else(|| self.problem(r, col, "is not a window (expected whole days 1..=365)"))
    }
}

/// The file of aggregate `name` in `dir`, whichever format it was saved in.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    ["csv", "csv.gz", "parquet"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.is_file())
}

/// Reads `path`; every column of `columns` is required but those of
/// `optional` (read as empty when absent).
fn read_table(
    path: &Path,
    columns: &[&'static str],
    optional: &[&str],
) -> Result<(AggregateTable, FileInfo), Error> {
    let wanted: Vec<Wanted> = columns
        .iter()
        .map(|&c| Wanted {
            canonical: c,
            name: c.to_string(),
            required: !optional.contains(&c),
            kind: ValueKind::Text,
        })
        .collect();
    let mut rows = Vec::new();
    let meta = read::scan(path, &wanted, |at, values| {
        let cells = values
            .iter()
            .map(|v| match v {
                Value::Absent => AggregateCell::Null,
                Value::Text(s) => AggregateCell::Text((*s).to_string()),
                Value::Number(x) => AggregateCell::Number(*x),
                Value::Micros(m) => AggregateCell::Number(*m as f64),
            })
            .collect();
        rows.push(TableRow {
            line: at.line,
            cells,
        });
    })
    .map_err(|p| Error::Usage(p.to_string()))?;
    let info = FileInfo {
        path: meta.file.clone(),
        sha256: meta.sha256,
        rows: meta.rows as u64,
        rejected_rows: 0,
    };
    Ok((
        AggregateTable {
            file: meta.file,
            columns: columns.to_vec(),
            rows,
        },
        info,
    ))
}

/// `meta`: one row of counts and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregatesMeta {
    /// The settings line the SQL was generated with.
    pub settings: String,
    /// How touches with the same timestamp were ordered.
    pub tie_order: TieOrder,
    /// Rows of the exposures table, and those with every required value.
    pub exposures_rows: RowsRead,
    /// Exposures rows whose group label is neither exposed nor control.
    pub unknown_group_rows: u64,
    /// Channel names that are empty or contain the path separator.
    pub bad_channel_names: u64,
    /// Rows of the revenue table, and those with every required value.
    pub revenue_rows: RowsRead,
    /// The observation end in force.
    pub as_of: Micros,
    /// Repeats of an order id.
    pub duplicates: RevenueRows,
    /// Refunds after de-duplication.
    pub refunds: RevenueRows,
    /// Net revenue of the orders.
    pub net_revenue: f64,
    /// Rows of the revenue table with a negative cost (0 without a cost
    /// column).
    pub negative_costs: u64,
}

/// The rows of a table, and those read (with every required value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsRead {
    /// Rows of the table.
    pub rows: u64,
    /// Those with every required value.
    pub read: u64,
}

/// Some revenue rows (repeated orders, refunds): how many, and their sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RevenueRows {
    /// Rows.
    pub rows: u64,
    /// Their revenue.
    pub revenue: f64,
}

/// How the SQL ordered a user's touches with the same timestamp
/// (`meta.tie_order`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieOrder {
    /// By channel name, then campaign: the data's order, not the events'.
    ChannelCampaign,
    /// By this column of the exposures table (`uplift sql --order-column`).
    Column(String),
}

/// `channels`: one row per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// Channel name.
    pub channel: String,
    /// First and last exposed row.
    pub exposed_span: Option<TimeSpan>,
    /// First and last labeled row (null in aggregates of an older format).
    pub labeled_span: Option<TimeSpan>,
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

/// `cohort_outcomes`: per (channel, window, arm, segment) of the mature,
/// non-contaminated users, the clipped moments, the profit and the caps.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    /// Channel name.
    pub channel: String,
    /// Window in days.
    pub window_days: u16,
    /// `exposed` or `control`.
    pub arm: String,
    /// The users' segment (None = no segment).
    pub segment: Option<String>,
    /// Mature users.
    pub users: u64,
    /// Moments of (`X`, `Y`) clipped to the caps.
    pub revenue: Moments,
    /// Users whose `Y` the caps changed.
    pub users_capped: u64,
    /// Σ `Yπ` uncapped (profit on).
    pub profit: Option<f64>,
    /// Moments of (`Xπ`, `Yπ`) clipped to the caps (profit on).
    pub profit_moments: Option<Moments>,
    /// Users whose `Yπ` the caps changed (profit on).
    pub users_capped_profit: Option<u64>,
    /// Caps of the (channel, window), None where not capped: `Y`, `X`, `Yπ`,
    /// `Xπ`, each (lower, upper).
    pub caps: [(Option<f64>, Option<f64>); 4],
}

/// Sums and centred second moments of (X, Y) over some users.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
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
    /// Attributed conversions whose path holds two touches with the same
    /// timestamp and different channels.
    pub tied_conversions: u64,
}

/// `credits`: per (window, channel), the touches of all paths and each
/// rule-based model's and Shapley's credits.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditRow {
    /// Window in days.
    pub window_days: u16,
    /// Channel name.
    pub channel: String,
    /// Touches of the channel in the window's paths (> 0: present).
    pub touches: u64,
    /// The credits of the six per-conversion models ([`CREDIT_MODELS`]).
    pub models: Vec<ModelCredit>,
}

/// One model's credit to a channel (`credits`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelCredit {
    /// The model.
    pub model: Model,
    /// Credited conversions (fractional).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
}

/// `calibration_credits`: per (experiment channel, window), the revenue each
/// per-conversion model credits to the channel from the test users.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationCreditRow {
    /// The experiment's channel.
    pub channel: String,
    /// Window in days.
    pub window_days: u16,
    /// The revenue of the six per-conversion models ([`CREDIT_MODELS`]).
    pub models: Vec<ModelRevenue>,
}

/// The revenue one model credits to an experiment's channel
/// (`calibration_credits`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelRevenue {
    /// The model.
    pub model: Model,
    /// Credited revenue.
    pub revenue: f64,
}

/// `markov` / `calibration_markov`: one counted transition.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRow {
    /// The experiment's channel (calibration only).
    pub experiment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// `(start)` or a state (channels joined by `>`).
    pub from: String,
    /// A state, `(conversion)` or `(null)`.
    pub to: String,
    /// Paths that took it.
    pub paths: u64,
    /// Revenue of the conversions (to `(conversion)`).
    pub revenue: f64,
    /// Longest collapsed path among them.
    pub longest: u64,
}

/// The credit columns of `credits`, two per model of [`CREDIT_MODELS`].
const CREDIT_COLUMNS: [&str; 12] = [
    "first_touch_conversions",
    "first_touch_revenue",
    "last_touch_conversions",
    "last_touch_revenue",
    "linear_conversions",
    "linear_revenue",
    "time_decay_conversions",
    "time_decay_revenue",
    "position_based_conversions",
    "position_based_revenue",
    "shapley_conversions",
    "shapley_revenue",
];

/// The models whose credits `credits` holds, in its column order.
pub const CREDIT_MODELS: [Model; 6] = [
    Model::FirstTouch,
    Model::LastTouch,
    Model::Linear,
    Model::TimeDecay,
    Model::PositionBased,
    Model::Shapley,
];

/// `daily_revenue`: one UTC day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyRevenueRow {
    /// UTC day number.
    pub day: DayNumber,
    /// Net revenue of the day's orders.
    pub net_revenue: f64,
}

/// `exposure_cost`: one channel's exposure cost on one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureCostRow {
    /// Channel name.
    pub channel: String,
    /// UTC day number.
    pub day: DayNumber,
    /// Summed cost.
    pub cost: f64,
}

/// One aggregate file read.
#[derive(Debug, Clone)]
pub struct AggregateFile {
    /// The aggregate's name (`meta`, `channels`, …).
    pub name: &'static str,
    /// What was read.
    pub info: FileInfo,
}

/// Every aggregate of a directory.
#[derive(Debug, Clone)]
pub struct Aggregates {
    /// Each file read.
    pub files: Vec<AggregateFile>,
    /// `meta`.
    pub meta: AggregatesMeta,
    /// `channels`.
    pub channels: Vec<ChannelRow>,
    /// `cohorts`.
    pub cohorts: Vec<CohortRow>,
    /// `cohort_outcomes` (None when not in the directory: the SQL was
    /// generated without the profit outcome and capping).
    pub outcomes: Option<Vec<OutcomeRow>>,
    /// `attribution_totals`.
    pub totals: Vec<TotalsRow>,
    /// `credits`.
    pub credits: Vec<CreditRow>,
    /// `calibration_credits`.
    pub calibration_credits: Vec<CalibrationCreditRow>,
    /// `markov` (empty unless that model is asked for).
    pub markov: Vec<TransitionRow>,
    /// `calibration_markov`.
    pub calibration_markov: Vec<TransitionRow>,
    /// `daily_revenue`, by day.
    pub daily_revenue: Vec<DailyRevenueRow>,
    /// `exposure_cost`.
    pub exposure_cost: Vec<ExposureCostRow>,
    /// `spend`, when saved in the directory.
    pub spend: Option<PathBuf>,
    /// `finance`, when saved in the directory.
    pub finance: Option<PathBuf>,
}

/// The columns of `cohort_outcomes`, read in two passes (a file is read
/// with at most 16 columns at a time): the keys and the moments, then the
/// keys again with the rest.
const OUTCOME_COLUMNS: [&str; 16] = [
    "channel",
    "window_days",
    "arm",
    "segment",
    "users",
    "sum_y",
    "m2_y",
    "sum_x",
    "m2_x",
    "c_xy",
    "users_capped",
    "profit",
    "sum_yp",
    "m2_yp",
    "sum_xp",
    "m2_xp",
];

/// The second pass over `cohort_outcomes`.
const OUTCOME_MORE_COLUMNS: [&str; 14] = [
    "channel",
    "window_days",
    "arm",
    "segment",
    "c_xyp",
    "users_capped_profit",
    "y_upper",
    "y_lower",
    "x_upper",
    "x_lower",
    "yp_upper",
    "yp_lower",
    "xp_upper",
    "xp_lower",
];

/// The rows of `cohort_outcomes` (`t`, and `more` its second pass); the
/// profit columns are read where `profit` is given (not empty).
fn outcome_rows(t: &AggregateTable, more: &AggregateTable) -> Result<Vec<OutcomeRow>, Error> {
    let mut out = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let arm = t.required_text(r, 2)?;
        if !["exposed", "control"].contains(&arm.as_str()) {
            return Err(t.problem(r, 2, "is not an arm (expected exposed or control)"));
        }
        let moments = |at: usize, c_xy: f64| -> Result<Moments, Error> {
            Ok(Moments {
                sum_y: t.number(r, at)?,
                m2_y: t.number(r, at + 1)?,
                sum_x: t.number(r, at + 2)?,
                m2_x: t.number(r, at + 3)?,
                c_xy,
            })
        };
        let profit = t.optional_number(r, 11)?;
        let (profit_moments, users_capped_profit) = match profit {
            Some(_) => (
                Some(moments(12, more.number(r, 4)?)?),
                Some(more.count(r, 5)?),
            ),
            None => (None, None),
        };
        let bound = |at: usize| -> Result<(Option<f64>, Option<f64>), Error> {
            Ok((
                more.optional_number(r, at + 1)?,
                more.optional_number(r, at)?,
            ))
        };
        out.push(OutcomeRow {
            channel: t.required_text(r, 0)?,
            window_days: t.window(r, 1)?,
            arm,
            segment: t.text(r, 3),
            users: t.count(r, 4)?,
            revenue: moments(5, t.number(r, 9)?)?,
            users_capped: t.count(r, 10)?,
            profit,
            profit_moments,
            users_capped_profit,
            caps: [bound(6)?, bound(8)?, bound(10)?, bound(12)?],
        });
    }
    Ok(out)
}

fn missing(dir: &Path, name: &str, hint: &str) -> Error {
    Error::Usage(format!(
        "{}: aggregate \"{name}\" is missing (expected {name}.csv, {name}.csv.gz or {name}.parquet, the result of {name}.sql from `uplift sql`{hint})",
        dir.display()
    ))
}

/// Reads every aggregate of `dir`. `markov`: whether that model is asked
/// for (its two aggregates are then required).
pub fn load(dir: &Path, markov: bool) -> Result<Aggregates, Error> {
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
     -> Result<Option<AggregateTable>, Error> {
        match find(dir, name) {
            Some(p) => {
                // N.B. `tie_order` is read even when absent, so that the
                // aggregates of an older format are named as such below.
                let (t, info) = read_table(
                    &p,
                    columns,
                    &[
                        "tie_order",
                        "negative_costs",
                        "first_labeled",
                        "last_labeled",
                    ],
                )?;
                files.push(AggregateFile { name, info });
                Ok(Some(t))
            }
            None if required => Err(missing(dir, name, hint)),
            None => Ok(None),
        }
    };
    let req = |t: Option<AggregateTable>| t.ok_or_else(|| Error::Internal("required table".into()));

    let t = req(open(
        "meta",
        &[
            "settings",
            "tie_order",
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
            "negative_costs",
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
    let settings = t.text(0, 0).unwrap_or_default();
    let format = settings.split(", ").next().unwrap_or_default();
    if format != sql::AGGREGATES_FORMAT {
        return Err(t.problem(
            0,
            0,
            &format!(
                "the aggregates are of format \"{format}\" but this uplift reads \"{}\": generate the SQL again with this uplift (uplift sql …) and run it again",
                sql::AGGREGATES_FORMAT
            ),
        ));
    }
    let ties = t.required_text(0, 1)?;
    let tie_order = if ties == sql::TIES_BY_CHANNEL {
        TieOrder::ChannelCampaign
    } else if let Some(c) = ties.strip_prefix(sql::ORDER_COLUMN_PREFIX) {
        TieOrder::Column(c.to_string())
    } else {
        return Err(t.problem(
            0,
            1,
            &format!(
                "is not a tie order (expected \"{}\" or \"{}COLUMN\")",
                sql::TIES_BY_CHANNEL,
                sql::ORDER_COLUMN_PREFIX
            ),
        ));
    };
    let meta = AggregatesMeta {
        settings,
        tie_order,
        exposures_rows: RowsRead {
            rows: t.count(0, 2)?,
            read: t.count(0, 3)?,
        },
        unknown_group_rows: t.count(0, 4)?,
        bad_channel_names: t.count(0, 5)?,
        revenue_rows: RowsRead {
            rows: t.count(0, 6)?,
            read: t.count(0, 7)?,
        },
        as_of: t.integer(0, 8)?,
        duplicates: RevenueRows {
            rows: t.count(0, 9)?,
            revenue: t.number(0, 10)?,
        },
        refunds: RevenueRows {
            rows: t.count(0, 11)?,
            revenue: t.number(0, 12)?,
        },
        net_revenue: t.number(0, 13)?,
        negative_costs: match t.text(0, 14) {
            Some(_) => t.count(0, 14)?,
            None => 0,
        },
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
            "first_labeled",
            "last_labeled",
        ],
        true,
        "",
    )?)?;
    let mut channels = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let cells = &t.rows[r].cells;
        let span = |a: usize, b: usize| -> Result<Option<TimeSpan>, Error> {
            Ok(
                match (
                    cells[a] != AggregateCell::Null,
                    cells[b] != AggregateCell::Null,
                ) {
                    (true, true) if t.text(r, a).is_some() => Some(TimeSpan {
                        first: t.integer(r, a)?,
                        last: t.integer(r, b)?,
                    }),
                    _ => None,
                },
            )
        };
        channels.push(ChannelRow {
            channel: t.required_text(r, 0)?,
            exposed_span: span(1, 2)?,
            labeled_span: span(7, 8)?,
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
            return Err(t.problem(
                r,
                2,
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

    let outcomes = match open("cohort_outcomes", &OUTCOME_COLUMNS, false, "")? {
        Some(t) => {
            let path =
                find(dir, "cohort_outcomes").ok_or_else(|| missing(dir, "cohort_outcomes", ""))?;
            let (more, _) = read_table(&path, &OUTCOME_MORE_COLUMNS, &[])?;
            Some(outcome_rows(&t, &more)?)
        }
        None => None,
    };

    let t = req(open(
        "attribution_totals",
        &[
            "window_days",
            "conversions",
            "revenue",
            "unattributed_conversions",
            "unattributed_revenue",
            "tied_conversions",
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
            tied_conversions: t.count(r, 5)?,
        });
    }

    let names: Vec<&'static str> = CREDIT_MODELS.iter().map(|m| m.name()).collect();
    let mut columns = vec!["window_days", "channel", "touches"];
    columns.extend(CREDIT_COLUMNS);
    let t = req(open("credits", &columns, true, "")?)?;
    let mut credits = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let mut models = Vec::with_capacity(CREDIT_MODELS.len());
        for (k, &m) in CREDIT_MODELS.iter().enumerate() {
            models.push(ModelCredit {
                model: m,
                conversions: t.number(r, 3 + 2 * k)?,
                revenue: t.number(r, 4 + 2 * k)?,
            });
        }
        credits.push(CreditRow {
            window_days: t.window(r, 0)?,
            channel: t.required_text(r, 1)?,
            touches: t.count(r, 2)?,
            models,
        });
    }
    let mut columns = vec!["channel", "window_days"];
    columns.extend(&names);
    let t = req(open("calibration_credits", &columns, true, "")?)?;
    let mut calibration_credits = Vec::with_capacity(t.rows.len());
    for r in 0..t.rows.len() {
        let mut models = Vec::with_capacity(CREDIT_MODELS.len());
        for (k, &m) in CREDIT_MODELS.iter().enumerate() {
            models.push(ModelRevenue {
                model: m,
                revenue: t.number(r, 2 + k)?,
            });
        }
        calibration_credits.push(CalibrationCreditRow {
            channel: t.required_text(r, 0)?,
            window_days: t.window(r, 1)?,
            models,
        });
    }

    let read_transitions =
        |t: &AggregateTable, experiment: bool| -> Result<Vec<TransitionRow>, Error> {
            let o = usize::from(experiment);
            let mut out = Vec::with_capacity(t.rows.len());
            for r in 0..t.rows.len() {
                out.push(TransitionRow {
                    experiment: if experiment {
                        Some(t.required_text(r, 0)?)
                    } else {
                        None
                    },
                    window_days: t.window(r, o)?,
                    from: t.required_text(r, o + 1)?,
                    to: t.required_text(r, o + 2)?,
                    paths: t.count(r, o + 3)?,
                    revenue: t.number(r, o + 4)?,
                    longest: t.count(r, o + 5)?,
                });
            }
            Ok(out)
        };
    let hint = " with --model markov (or without --model)";
    let transition_columns = [
        "window_days",
        "from_state",
        "to_state",
        "paths",
        "revenue",
        "longest",
    ];
    let markov_rows = match open("markov", &transition_columns, markov, hint)? {
        Some(t) if markov => read_transitions(&t, false)?,
        _ => Vec::new(),
    };
    let mut columns = vec!["channel"];
    columns.extend(transition_columns);
    let calibration_markov = match open("calibration_markov", &columns, markov, hint)? {
        Some(t) if markov => read_transitions(&t, true)?,
        _ => Vec::new(),
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
        let day = DayNumber::try_from(day).map_err(|_| t.problem(r, 0, "is not a day number"))?;
        daily_revenue.push(DailyRevenueRow {
            day,
            net_revenue: t.number(r, 1)?,
        });
    }
    daily_revenue.sort_by_key(|d| d.day);

    let mut exposure_cost = Vec::new();
    if let Some(t) = open("exposure_cost", &["channel", "utc_day", "cost"], false, "")? {
        for r in 0..t.rows.len() {
            let day = DayNumber::try_from(t.integer(r, 1)?)
                .map_err(|_| t.problem(r, 1, "is not a day number"))?;
            exposure_cost.push(ExposureCostRow {
                channel: t.required_text(r, 0)?,
                day,
                cost: t.number(r, 2)?,
            });
        }
    }
    Ok(Aggregates {
        files,
        meta,
        channels,
        cohorts,
        outcomes,
        totals,
        credits,
        calibration_credits,
        markov: markov_rows,
        calibration_markov,
        daily_revenue,
        exposure_cost,
        spend: find(dir, "spend"),
        finance: find(dir, "finance"),
    })
}
