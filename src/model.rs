//! Plain domain data, handed from `io` to the pure domain modules.
//!
//! Data is columnar (one `Vec` per column) rather than one struct per row, so
//! that tens of millions of rows stay cheap: user ids are interned to `u32`,
//! channels to `u16` codes with a name table, timestamps are UTC microseconds
//! since the Unix epoch and money is `f64`.

/// UTC microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;
/// Money in the currency of the input files.
pub type Money = f64;
/// A calendar date as days since 1970-01-01 (UTC).
pub type DayNumber = i32;

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The first and last time of something (a channel's exposed rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    /// The first time.
    pub first: Micros,
    /// The last time.
    pub last: Micros,
}

impl TimeSpan {
    /// The span of one instant.
    pub fn at(t: Micros) -> Self {
        Self { first: t, last: t }
    }

    /// The span widened to hold `t`.
    pub fn with(self, t: Micros) -> Self {
        Self {
            first: self.first.min(t),
            last: self.last.max(t),
        }
    }
}

/// A window of whole days (1..=365): a user's outcome window `[t0, t0 + W)`,
/// their pre-period `[t0 − W, t0)`, an attribution lookback.
///
/// Serialized as its number of days.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Window(pub u16);

impl Window {
    /// Its length in days.
    pub fn days(self) -> u16 {
        self.0
    }

    /// Its length in microseconds.
    pub fn span(self) -> Micros {
        i64::from(self.0) * MICROS_PER_DAY
    }

    /// The days of each window.
    pub fn days_of(windows: &[Window]) -> Vec<u16> {
        windows.iter().map(|w| w.0).collect()
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;

/// Holdout assignment of one exposures row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Shown the channel's ad / message.
    Exposed,
    /// Held out; the row is a ghost exposure.
    Control,
    /// No assignment: an organic touch, used by attribution only.
    Organic,
}

/// The exposures file, sorted by (user, timestamp, file order).
#[derive(Debug, Clone, Default)]
pub struct Exposures {
    /// Interned user id (index into [`Dataset::users`]).
    pub user: Vec<u32>,
    /// Channel code (index into [`Dataset::channels`]).
    pub channel: Vec<u16>,
    /// Touch time.
    pub ts: Vec<Micros>,
    /// Holdout assignment.
    pub group: Vec<Group>,
    /// Cost of the touch (0 when the column is absent or empty).
    pub cost: Vec<Money>,
    /// Campaign code (index into [`Dataset::campaigns`]); `u32::MAX` when empty.
    pub campaign: Vec<u32>,
    /// Position of the row in the file (0-based data row), the tie-breaker.
    pub row: Vec<u32>,
}

impl Exposures {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.user.len()
    }
    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }
}

/// The revenue file, sorted by (user, timestamp, file order); duplicates of an
/// `order_id` already removed (the first occurrence stays).
#[derive(Debug, Clone, Default)]
pub struct Orders {
    /// Interned user id.
    pub user: Vec<u32>,
    /// Order time.
    pub ts: Vec<Micros>,
    /// Order value; negative for a refund.
    pub revenue: Vec<Money>,
    /// The order's cost (NaN: an empty cell), when the revenue input has a
    /// `cost` column; empty otherwise.
    pub cost: Vec<Money>,
    /// Position of the row in the file (0-based data row).
    pub row: Vec<u32>,
}

impl Orders {
    /// Number of orders.
    pub fn len(&self) -> usize {
        self.user.len()
    }
    /// True when there are no orders.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }
}

/// One row of the spend file.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendRow {
    /// UTC date of the spend.
    pub date: DayNumber,
    /// Channel code.
    pub channel: u16,
    /// Amount spent.
    pub spend: Money,
}

/// One row of the finance file: booked revenue for an inclusive date range.
#[derive(Debug, Clone, PartialEq)]
pub struct FinancePeriod {
    /// First day of the period (inclusive).
    pub period_start: DayNumber,
    /// Last day of the period (inclusive).
    pub period_end: DayNumber,
    /// Booked revenue.
    pub revenue: Money,
}

/// Everything loaded for one run, with the name tables the codes point into.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// User id strings, indexed by interned id.
    pub users: Vec<String>,
    /// Channel names, indexed by channel code, sorted by name.
    pub channels: Vec<String>,
    /// Campaign names, indexed by campaign code.
    pub campaigns: Vec<String>,
    /// Segment names, indexed by segment code, sorted by name.
    pub segments: Vec<String>,
    /// Each user's segment code (first non-empty value in time order), or `None`.
    pub user_segment: Vec<Option<u16>>,
    /// Exposures rows.
    pub exposures: Exposures,
    /// Orders after removing repeated order ids.
    pub orders: Orders,
    /// Latest timestamp in the revenue file, every row as read.
    pub max_revenue_ts: Option<Micros>,
    /// Spend rows (empty without a spend file).
    pub spend: Vec<SpendRow>,
    /// Finance periods (empty without a finance file).
    pub finance: Vec<FinancePeriod>,
}
