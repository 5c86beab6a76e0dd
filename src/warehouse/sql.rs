//! The SQL of warehouse mode: one read-only `SELECT` per aggregate, in the
//! dialect of the engine where the data lives.
//!
//! Every statement starts from the same normalised views of the tables
//! (common table expressions): timestamps become UTC microseconds since the
//! epoch (integers, so that windows are exact and no session time zone can
//! shift a day), group labels become 1 (exposed), 2 (control) or 0 (organic),
//! repeated order ids keep one row. The cohort moments are computed in two
//! passes (group means first, then sums of squared deviations), so that no
//! variance is the difference of two large sums.
//!
//! Filters on derived flags are written as inequalities (`mature > 0`, not
//! `= 1`): a planner without statistics on a derived column (PostgreSQL's)
//! then estimates a third of the rows instead of half a percent, and joins
//! the large intermediate results by hash instead of by nested loops.

use crate::attribution::{Model, Params};
use crate::config::GroupLabels;
use crate::error::Error;
use crate::io::problem::show_value;
use crate::model::{MICROS_PER_DAY, Micros};
use clap::ValueEnum;
use serde::Serialize;
use std::fmt::Write as _;

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
    fn quote(self) -> char {
        match self {
            Dialect::Spark | Dialect::Bigquery => '`',
            _ => '"',
        }
    }

    /// A quoted identifier. N.B. BigQuery's quoted identifiers take the
    /// escape sequences of its string literals (a backslash escapes), so
    /// there a backslash and a backtick are escaped by a backslash; Spark's
    /// take none, so there a backtick is doubled.
    fn ident(self, name: &str) -> String {
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
    fn literal(self, s: &str) -> String {
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

    fn text(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::Duckdb | Dialect::Snowflake => "VARCHAR",
            Dialect::Spark | Dialect::Bigquery => "STRING",
        }
    }

    fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// UTC microseconds since the epoch of a timestamp expression.
    fn micros(self, e: &str) -> String {
        match self {
            Dialect::Postgres => format!("CAST(EXTRACT(EPOCH FROM {e}) * 1000000 AS BIGINT)"),
            Dialect::Duckdb => format!("epoch_us({e})"),
            Dialect::Spark => format!("unix_micros({e})"),
            Dialect::Bigquery => format!("UNIX_MICROS({e})"),
            Dialect::Snowflake => format!("DATE_PART(EPOCH_MICROSECOND, {e})"),
        }
    }

    /// A date expression as `YYYY-MM-DD` text.
    fn date_text(self, e: &str) -> String {
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
    fn path(self, ties: &[&str]) -> String {
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
fn one_line(s: &str) -> String {
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

/// The separator of the channels in a path (a channel name must not contain it).
pub const PATH_SEPARATOR: char = '>';

/// Optional input columns a warehouse table may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionalColumn {
    /// exposures.group (every touch is then organic: no lift).
    Group,
    /// exposures.segment.
    Segment,
    /// exposures.cost.
    Cost,
    /// exposures.campaign (touches with the same timestamp are then ordered
    /// by channel name alone).
    Campaign,
    /// revenue.order_id (no de-duplication).
    OrderId,
}

/// Column names of the tables (after the `[columns.*]` mapping).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TableColumns {
    pub ex_user: String,
    pub ex_channel: String,
    pub ex_ts: String,
    pub ex_group: Option<String>,
    pub ex_segment: Option<String>,
    pub ex_cost: Option<String>,
    pub ex_campaign: Option<String>,
    pub rv_user: String,
    pub rv_ts: String,
    pub rv_revenue: String,
    pub rv_order_id: Option<String>,
    pub sp_date: String,
    pub sp_channel: String,
    pub sp_spend: String,
    pub fi_start: String,
    pub fi_end: String,
    pub fi_revenue: String,
}

/// Everything that shapes the SQL.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The engine.
    pub dialect: Dialect,
    /// Exposures table (as written, e.g. `analytics.exposures`).
    pub exposures_table: String,
    /// Revenue table.
    pub revenue_table: String,
    /// Spend table, when spend lives in the warehouse.
    pub spend_table: Option<String>,
    /// Finance table.
    pub finance_table: Option<String>,
    /// Column names.
    pub columns: TableColumns,
    /// `--order-column`: the exposures column that orders touches with the
    /// same timestamp (None: channel name, then campaign).
    pub order_column: Option<String>,
    /// Group labels.
    pub groups: GroupLabels,
    /// Windows in days, ascending.
    pub windows: Vec<u16>,
    /// `--as-of` in microseconds (None = latest revenue timestamp).
    pub as_of: Option<Micros>,
    /// The attribution models asked for.
    pub models: Vec<Model>,
    /// Their parameters (half-life, position weights, Markov order).
    pub params: Params,
    /// Also write the `paths` aggregate (the ChannelAttribution package's
    /// input format, for inspection; the report does not need it).
    pub paths: bool,
    /// The settings line that `run --from-aggregates` checks.
    pub settings: String,
}

/// The first part of the settings line: the format of the aggregates, raised
/// when a column is added or changes meaning. 3: `meta.tie_order`,
/// `attribution_totals.tied_conversions`, ties ordered by channel then
/// campaign (or by `--order-column`).
pub const AGGREGATES_FORMAT: &str = "uplift-aggregates 3";

/// How touches with the same timestamp were ordered, as `meta.tie_order`
/// records it: `channel, campaign`, or `order_column NAME`.
pub fn tie_order(order_column: Option<&str>) -> String {
    match order_column {
        None => TIES_BY_CHANNEL.to_string(),
        Some(c) => format!("{ORDER_COLUMN_PREFIX}{c}"),
    }
}

/// `meta.tie_order` without an order column.
pub const TIES_BY_CHANNEL: &str = "channel, campaign";

/// `meta.tie_order` with one: this, then the column's name.
pub const ORDER_COLUMN_PREFIX: &str = "order_column ";

/// The settings line of a set of aggregates: what must match between
/// `uplift sql` and `uplift run --from-aggregates`. Each part is
/// `name value`, parts separated by `, `; a model's parameter is written
/// only when the model is asked for.
pub fn settings_line(
    windows: &[u16],
    as_of: Option<&str>,
    models: &[Model],
    params: &Params,
    groups: &GroupLabels,
) -> String {
    let w: Vec<String> = windows.iter().map(u16::to_string).collect();
    let mut parts = vec![
        AGGREGATES_FORMAT.to_string(),
        format!("windows {}", w.join("/")),
        format!("as_of {}", as_of.unwrap_or("latest")),
    ];
    if models.contains(&Model::TimeDecay) {
        parts.push(format!("half_life {}", params.half_life_days));
    }
    if models.contains(&Model::PositionBased) {
        parts.push(format!(
            "position {}/{}",
            params.position_first, params.position_last
        ));
    }
    if models.contains(&Model::Markov) {
        parts.push(format!("markov_order {}", params.markov_order));
    }
    parts.push(format!("exposed [{}]", groups.exposed.join("|")));
    parts.push(format!("control [{}]", groups.control.join("|")));
    parts.join(", ")
}

/// The aggregates, in the order they are written: (name, SQL).
pub fn statements(spec: &Spec) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("meta", with(spec, &meta(spec))),
        ("channels", with(spec, CHANNELS)),
        ("cohorts", with(spec, COHORTS)),
        ("attribution_totals", with(spec, ATTRIBUTION_TOTALS)),
        ("credits", with(spec, CREDITS)),
        ("calibration_credits", with(spec, CALIBRATION_CREDITS)),
    ];
    if spec.models.contains(&Model::Markov) {
        out.push(("markov", with(spec, MARKOV)));
        out.push(("calibration_markov", with(spec, CALIBRATION_MARKOV)));
    }
    if spec.paths {
        out.push(("paths", with(spec, PATHS)));
    }
    out.push(("daily_revenue", with(spec, DAILY_REVENUE)));
    if spec.columns.ex_cost.is_some() {
        out.push(("exposure_cost", with(spec, EXPOSURE_COST)));
    }
    if let Some(t) = &spec.spend_table {
        out.push(("spend", spend(spec, t)));
    }
    if let Some(t) = &spec.finance_table {
        out.push(("finance", finance(spec, t)));
    }
    out
}

/// The shared common table expressions, then `body`, with the placeholders
/// `{DAY}` (microseconds per day) and `{DOUBLE}` filled in. Engines drop the
/// expressions a statement does not use.
fn with(spec: &Spec, body: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    let id = |n: &str| d.ident(n);
    let labels = |v: &[String]| {
        v.iter()
            .map(|s| d.literal(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = d.text();
    let group_expr = match &c.ex_group {
        Some(g) => format!("CAST({} AS {text})", id(g)),
        None => format!("CAST(NULL AS {text})"),
    };
    let in_list = |v: &[String]| {
        if v.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("gl IN ({})", labels(v))
        }
    };
    let segment = match &c.ex_segment {
        Some(s) => format!("NULLIF(CAST({} AS {text}), '')", id(s)),
        None => format!("CAST(NULL AS {text})"),
    };
    let campaign = match &c.ex_campaign {
        Some(s) => format!("COALESCE(CAST({} AS {text}), '')", id(s)),
        None => format!("CAST('' AS {text})"),
    };
    // The keys after the timestamp that order a user's touches: the order
    // column when there is one (then channel and campaign, should it repeat
    // a value), else channel and campaign.
    let ties: &[&str] = match spec.order_column {
        Some(_) => &["oc", "ch", "camp"],
        None => &["ch", "camp"],
    };
    let tie = ties.join(", ");
    let (oc_select, oc_where, oc) = match &spec.order_column {
        Some(o) => (
            format!(", {} AS oc", id(o)),
            format!(" AND {} IS NOT NULL", id(o)),
            ", oc",
        ),
        None => (String::new(), String::new(), ""),
    };
    let cost = match &c.ex_cost {
        Some(s) => format!("COALESCE({}, 0)", id(s)),
        None => "0".to_string(),
    };
    let order_id = match &c.rv_order_id {
        Some(o) => format!("NULLIF(CAST({} AS {text}), '')", id(o)),
        None => format!("CAST(NULL AS {text})"),
    };
    let windows: Vec<String> = spec
        .windows
        .iter()
        .map(|w| format!("SELECT {w} AS days"))
        .collect();
    let as_of = match spec.as_of {
        Some(t) => format!("SELECT CAST({t} AS BIGINT) AS a"),
        None => "SELECT MAX(t) AS a FROM rv0".to_string(),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "-- uplift {version}: {settings}\n\
WITH\n\
wins AS ({windows}),\n\
ex0 AS (\n  SELECT CAST({eu} AS {text}) AS u, CAST({ec} AS {text}) AS ch, {et} AS t,\n    {group_expr} AS gl, {segment} AS seg, {cost} AS cost,\n    {campaign} AS camp{oc_select}\n  FROM {ext}\n  WHERE {eu} IS NOT NULL AND {ec} IS NOT NULL AND {ets} IS NOT NULL{oc_where}\n    AND CAST({eu} AS {text}) <> '' AND CAST({ec} AS {text}) <> ''\n),\n\
ex AS (\n  SELECT u, ch, t, gl, seg, cost, camp{oc},\n    CASE WHEN {exposed} THEN 1 WHEN {control} THEN 2 ELSE 0 END AS g\n  FROM ex0\n),\n\
rv0 AS (\n  SELECT CAST({ru} AS {text}) AS u, {rt} AS t, {rr} AS r, {order_id} AS oid\n  FROM {rvt}\n  WHERE {ru} IS NOT NULL AND {rts} IS NOT NULL AND {rr} IS NOT NULL\n    AND CAST({ru} AS {text}) <> ''\n),\n\
rvd AS (\n  SELECT u, t, r, oid,\n    CASE WHEN oid IS NULL THEN 1 ELSE ROW_NUMBER() OVER (PARTITION BY oid ORDER BY t, r, u) END AS k\n  FROM rv0\n),\n\
rv AS (SELECT u, t, r FROM rvd WHERE k < 2),\n\
obs AS ({as_of}),\n\
lab AS (\n  SELECT u, ch, MIN(t) AS t0,\n    MAX(CASE WHEN g = 1 THEN 1 ELSE 0 END) AS he,\n    MAX(CASE WHEN g = 2 THEN 1 ELSE 0 END) AS hc\n  FROM ex WHERE g > 0 GROUP BY u, ch\n),\n\
useg AS (\n  SELECT u, seg FROM (\n    SELECT u, seg, ROW_NUMBER() OVER (PARTITION BY u ORDER BY t, {tie}, seg) AS k\n    FROM ex WHERE seg IS NOT NULL\n  ) s WHERE k < 2\n),\n\
mem AS (\n  SELECT lab.u, lab.ch, lab.t0, useg.seg,\n    CASE WHEN lab.he = 1 AND lab.hc = 1 THEN 'contaminated' WHEN lab.he = 1 THEN 'exposed' ELSE 'control' END AS arm,\n    CASE WHEN lab.he = 1 AND lab.hc = 1 THEN 3 WHEN lab.he = 1 THEN 1 ELSE 2 END AS ak\n  FROM lab LEFT JOIN useg ON useg.u = lab.u\n),\n\
mw AS (\n  SELECT mem.u, mem.ch, mem.t0, mem.seg, mem.arm, mem.ak, wins.days,\n    wins.days * {{DAY}} AS span,\n    CASE WHEN mem.t0 + wins.days * {{DAY}} <= obs.a THEN 1 ELSE 0 END AS mature\n  FROM mem CROSS JOIN wins CROSS JOIN obs\n),\n\
tp AS (SELECT u, ch, t, camp{oc} FROM ex WHERE g <> 2),\n\
cv AS (\n  SELECT u, t, r, ROW_NUMBER() OVER (PARTITION BY u ORDER BY t, r) AS k\n  FROM rv WHERE r >= 0\n),\n\
cw AS (\n  SELECT cv.u, cv.t, cv.r, cv.k, wins.days, wins.days * {{DAY}} AS span\n  FROM cv CROSS JOIN wins\n),\n\
cpath AS (\n  SELECT cw.days, cw.u, cw.k, cw.t, cw.r, {path} AS path\n  FROM cw JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span\n  GROUP BY cw.days, cw.u, cw.k, cw.t, cw.r\n),\n\
nc AS (\n  SELECT tp.u, MAX(tp.t) AS lt\n  FROM tp LEFT JOIN (SELECT DISTINCT u FROM rv) o ON o.u = tp.u\n  WHERE o.u IS NULL GROUP BY tp.u\n),\n\
npath AS (\n  SELECT wins.days, nc.u, {path} AS path\n  FROM nc CROSS JOIN wins JOIN tp ON tp.u = nc.u AND tp.t >= nc.lt - wins.days * {{DAY}}\n  GROUP BY wins.days, nc.u\n),\n\
pt AS (\n  SELECT cw.days, cw.u, cw.k AS pid, cw.r, cw.t AS ot, tp.ch, tp.t, tp.camp{tp_oc}\n  FROM cw JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span\n  UNION ALL\n  SELECT wins.days, nc.u, 0, 0, nc.lt, tp.ch, tp.t, tp.camp{tp_oc}\n  FROM nc CROSS JOIN wins JOIN tp ON tp.u = nc.u AND tp.t >= nc.lt - wins.days * {{DAY}}\n),\n\
pp AS (\n  SELECT days, u, pid, r, ot, ch, t,\n    ROW_NUMBER() OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS i,\n    COUNT(*) OVER (PARTITION BY days, u, pid) AS n,\n    ROW_NUMBER() OVER (PARTITION BY days, u, pid, ch ORDER BY t, {tie}) AS j,\n    LAG(ch, 1) OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS p1,\n    LAG(ch, 2) OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS p2,\n    CAST(ot - t AS {{DOUBLE}}) / {{DAY}} AS age\n  FROM pt\n),\n\
pq AS (\n  SELECT pp.*,\n    SUM(CASE WHEN j = 1 THEN 1 ELSE 0 END) OVER (PARTITION BY days, u, pid) AS m,\n    POWER(2.0, -(age - MIN(age) OVER (PARTITION BY days, u, pid)) / {{HALF_LIFE}}) AS dw\n  FROM pp\n),\n\
pr AS (\n  SELECT pq.*, dw / SUM(dw) OVER (PARTITION BY days, u, pid) AS ds,\n    CASE WHEN n = 1 THEN 1.0 WHEN n = 2 AND i = 1 THEN {{PF2}} WHEN n = 2 THEN {{PL2}}\n      WHEN i = 1 THEN {{PF}} WHEN i = n THEN {{PL}} ELSE {{PM}} / (n - 2) END AS pw\n  FROM pq\n),\n\
ms AS (\n  SELECT days, u, pid, r, ot, i, {{STATE}} AS s\n  FROM pp WHERE i >= (CASE WHEN n < {{ORDER}} THEN n ELSE {{ORDER}} END)\n),\n\
mc AS (\n  SELECT days, u, pid, r, ot, i, s FROM (\n    SELECT ms.*, LAG(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS ps FROM ms\n  ) x WHERE ps IS NULL OR ps <> s\n),\n\
mt AS (\n  SELECT days, u, pid, r, ot, s,\n    LAG(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS prev,\n    LEAD(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS nxt,\n    COUNT(*) OVER (PARTITION BY days, u, pid) AS len\n  FROM mc\n),\n\
mx AS (\n  SELECT days, u, pid, ot, COALESCE(prev, '(start)') AS from_state, s AS to_state, 0 AS rev, len FROM mt\n  UNION ALL\n  SELECT days, u, pid, ot, s, CASE WHEN pid > 0 THEN '(conversion)' ELSE '(null)' END,\n    CASE WHEN pid > 0 THEN r ELSE 0 END, len\n  FROM mt WHERE nxt IS NULL\n)\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        windows = windows.join(" UNION ALL "),
        eu = id(&c.ex_user),
        ec = id(&c.ex_channel),
        et = d.micros(&id(&c.ex_ts)),
        ets = id(&c.ex_ts),
        ext = spec.exposures_table,
        exposed = in_list(&spec.groups.exposed),
        control = in_list(&spec.groups.control),
        ru = id(&c.rv_user),
        rt = d.micros(&id(&c.rv_ts)),
        rts = id(&c.rv_ts),
        rr = id(&c.rv_revenue),
        rvt = spec.revenue_table,
        path = d.path(ties),
        tp_oc = if oc.is_empty() { "" } else { ", tp.oc" },
    );
    s.push_str(body);
    let half_life = spec.params.half_life_days;
    let (pf, pl) = (spec.params.position_first, spec.params.position_last);
    let (pf2, pl2) = if pf + pl > 0.0 {
        (pf / (pf + pl), pl / (pf + pl))
    } else {
        (0.5, 0.5)
    };
    let pm = (1.0 - pf - pl).max(0.0);
    let order = spec.params.markov_order.clamp(1, 3);
    let state = match order {
        1 => "ch".to_string(),
        2 => "CASE WHEN i >= 2 THEN CONCAT(p1, '>', ch) ELSE ch END".to_string(),
        _ => "CASE WHEN i >= 3 THEN CONCAT(p2, '>', p1, '>', ch) WHEN i = 2 THEN CONCAT(p1, '>', ch) ELSE ch END".to_string(),
    };
    s.replace("{STATE}", &state)
        .replace("{ORDER}", &order.to_string())
        .replace("{PF2}", &format!("{pf2:?}"))
        .replace("{PL2}", &format!("{pl2:?}"))
        .replace("{PF}", &format!("{pf:?}"))
        .replace("{PL}", &format!("{pl:?}"))
        .replace("{PM}", &format!("{pm:?}"))
        .replace("{DAY}", &MICROS_PER_DAY.to_string())
        .replace("{DOUBLE}", d.double())
        .replace("{HALF_LIFE}", &format!("{half_life:?}"))
}

fn meta(spec: &Spec) -> String {
    let d = spec.dialect;
    format!(
        "SELECT {settings} AS settings, {ties} AS tie_order,\n\
  (SELECT COUNT(*) FROM {ext}) AS exposures_rows,\n\
  (SELECT COUNT(*) FROM ex) AS exposures_rows_read,\n\
  (SELECT COUNT(*) FROM ex WHERE g = 0 AND gl IS NOT NULL AND gl <> '') AS unknown_group_rows,\n\
  (SELECT COUNT(DISTINCT ch) FROM ex WHERE ch LIKE '%>%') AS bad_channel_names,\n\
  (SELECT COUNT(*) FROM {rvt}) AS revenue_rows,\n\
  (SELECT COUNT(*) FROM rv0) AS revenue_rows_read,\n\
  (SELECT a FROM obs) AS as_of,\n\
  (SELECT MAX(t) FROM rv0) AS latest_revenue,\n\
  (SELECT COUNT(*) FROM rvd WHERE k > 1) AS duplicate_rows,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rvd WHERE k > 1) AS duplicate_revenue,\n\
  (SELECT COUNT(*) FROM rv WHERE r < 0) AS refunds,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rv WHERE r < 0) AS refund_revenue,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rv) AS net_revenue\n",
        settings = d.literal(&spec.settings),
        ties = d.literal(&tie_order(spec.order_column.as_deref())),
        ext = spec.exposures_table,
        rvt = spec.revenue_table,
    )
}

const CHANNELS: &str = "SELECT e.ch AS channel, e.first_exposed, e.last_exposed, e.touches,
  COALESCE(l.exposed_all, 0) AS exposed_all, COALESCE(l.exposed_users, 0) AS exposed_users,
  COALESCE(l.control_users, 0) AS control_users, COALESCE(l.contaminated, 0) AS contaminated
FROM (
  SELECT ch, MIN(CASE WHEN g = 1 THEN t END) AS first_exposed,
    MAX(CASE WHEN g = 1 THEN t END) AS last_exposed, COUNT(*) AS touches
  FROM ex GROUP BY ch
) e LEFT JOIN (
  SELECT ch, SUM(he) AS exposed_all,
    SUM(CASE WHEN he = 1 AND hc = 0 THEN 1 ELSE 0 END) AS exposed_users,
    SUM(CASE WHEN he = 0 AND hc = 1 THEN 1 ELSE 0 END) AS control_users,
    SUM(CASE WHEN he = 1 AND hc = 1 THEN 1 ELSE 0 END) AS contaminated
  FROM lab GROUP BY ch
) l ON l.ch = e.ch
ORDER BY channel
";

const COHORTS: &str = "SELECT channel, window_days, arm, segment, SUM(users) AS users,
  SUM(excluded) AS excluded, SUM(converters) AS converters, SUM(sum_y) AS sum_y,
  SUM(m2_y) AS m2_y, SUM(sum_x) AS sum_x, SUM(m2_x) AS m2_x, SUM(c_xy) AS c_xy
FROM (
  SELECT ch AS channel, days AS window_days, arm, seg AS segment, COUNT(*) AS users,
    0 AS excluded, SUM(conv) AS converters, SUM(y) AS sum_y,
    SUM((y - my) * (y - my)) AS m2_y, SUM(x) AS sum_x,
    SUM((x - mx) * (x - mx)) AS m2_x, SUM((x - mx) * (y - my)) AS c_xy
  FROM (
    SELECT yx.*, AVG(y) OVER (PARTITION BY ch, days, arm, seg) AS my,
      AVG(x) OVER (PARTITION BY ch, days, arm, seg) AS mx
    FROM (
      SELECT mw.ch, mw.days, mw.arm, mw.seg, mw.u,
        COALESCE(SUM(CASE WHEN rv.t >= mw.t0 THEN rv.r END), 0) AS y,
        COALESCE(SUM(CASE WHEN rv.t < mw.t0 THEN rv.r END), 0) AS x,
        MAX(CASE WHEN rv.t >= mw.t0 AND rv.r >= 0 THEN 1 ELSE 0 END) AS conv
      FROM mw LEFT JOIN rv
        ON rv.u = mw.u AND rv.t >= mw.t0 - mw.span AND rv.t < mw.t0 + mw.span
      WHERE mw.mature > 0 AND mw.ak < 3
      GROUP BY mw.ch, mw.days, mw.arm, mw.seg, mw.u
    ) yx
  ) m
  GROUP BY ch, days, arm, seg
  UNION ALL
  SELECT ch, days, arm, seg, 0, COUNT(*), 0, 0, 0, 0, 0, 0
  FROM mw WHERE mw.mature < 1 OR mw.ak > 2
  GROUP BY ch, days, arm, seg
) c
GROUP BY channel, window_days, arm, segment
ORDER BY channel, window_days, arm, segment
";

/// Per window: the conversions, those without a touch in the window, and
/// `tied_conversions`, the attributed conversions whose path holds two
/// touches with the same timestamp and different channels (whose order the
/// data alone does not give): the timestamps of a user with touches of
/// two channels are few, so they are found first and then matched to the
/// conversions whose window holds one.
const ATTRIBUTION_TOTALS: &str = "SELECT a.window_days, a.conversions, a.revenue,
  a.unattributed_conversions, a.unattributed_revenue,
  COALESCE(x.tied, 0) AS tied_conversions
FROM (
  SELECT days AS window_days, COUNT(*) AS conversions, SUM(r) AS revenue,
    SUM(CASE WHEN n = 0 THEN 1 ELSE 0 END) AS unattributed_conversions,
    COALESCE(SUM(CASE WHEN n = 0 THEN r END), 0) AS unattributed_revenue
  FROM (
    SELECT cw.days, cw.u, cw.k, cw.r, COUNT(tp.u) AS n
    FROM cw LEFT JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span
    GROUP BY cw.days, cw.u, cw.k, cw.r
  ) ct
  GROUP BY days
) a LEFT JOIN (
  SELECT days, COUNT(*) AS tied FROM (
    SELECT DISTINCT cw.days, cw.u, cw.k
    FROM cw JOIN (
      SELECT u, t FROM tp GROUP BY u, t HAVING MIN(ch) < MAX(ch)
    ) tt ON tt.u = cw.u AND tt.t <= cw.t AND tt.t >= cw.t - cw.span
  ) y
  GROUP BY days
) x ON x.days = a.window_days
ORDER BY a.window_days
";

const PATHS: &str = "SELECT days AS window_days, path, SUM(conversions) AS conversions,
  SUM(revenue) AS revenue, SUM(nulls) AS non_conversions
FROM (
  SELECT days, path, 1 AS conversions, r AS revenue, 0 AS nulls FROM cpath
  UNION ALL
  SELECT days, path, 0, 0, 1 FROM npath
) p
GROUP BY days, path
ORDER BY window_days, path
";

/// Per (window, channel): the touches of every path (the channels present),
/// and the credits of the rule-based models and Shapley, computed per
/// conversion exactly as the in-process models do.
const CREDITS: &str = "SELECT days AS window_days, ch AS channel, COUNT(*) AS touches,
  SUM(CASE WHEN pid > 0 AND i = 1 THEN 1 ELSE 0 END) AS first_touch_conversions,
  SUM(CASE WHEN pid > 0 AND i = 1 THEN r ELSE 0 END) AS first_touch_revenue,
  SUM(CASE WHEN pid > 0 AND i = n THEN 1 ELSE 0 END) AS last_touch_conversions,
  SUM(CASE WHEN pid > 0 AND i = n THEN r ELSE 0 END) AS last_touch_revenue,
  SUM(CASE WHEN pid > 0 THEN 1.0 / n ELSE 0 END) AS linear_conversions,
  SUM(CASE WHEN pid > 0 THEN r / n ELSE 0 END) AS linear_revenue,
  SUM(CASE WHEN pid > 0 THEN ds ELSE 0 END) AS time_decay_conversions,
  SUM(CASE WHEN pid > 0 THEN ds * CAST(r AS {DOUBLE}) ELSE 0 END) AS time_decay_revenue,
  SUM(CASE WHEN pid > 0 THEN pw ELSE 0 END) AS position_based_conversions,
  SUM(CASE WHEN pid > 0 THEN pw * r ELSE 0 END) AS position_based_revenue,
  SUM(CASE WHEN pid > 0 AND j = 1 THEN 1.0 / m ELSE 0 END) AS shapley_conversions,
  SUM(CASE WHEN pid > 0 AND j = 1 THEN r / m ELSE 0 END) AS shapley_revenue
FROM pr
GROUP BY days, ch
ORDER BY window_days, channel
";

/// Per (experiment channel, window): the revenue each model credits to the
/// channel from its mature exposed users' conversions in `[t0, t0 + W)`.
const CALIBRATION_CREDITS: &str = "SELECT ce.ch AS channel, ce.days AS window_days,
  SUM(CASE WHEN pr.i = 1 THEN pr.r ELSE 0 END) AS first_touch,
  SUM(CASE WHEN pr.i = pr.n THEN pr.r ELSE 0 END) AS last_touch,
  SUM(pr.r / pr.n) AS linear,
  SUM(pr.ds * CAST(pr.r AS {DOUBLE})) AS time_decay,
  SUM(pr.pw * pr.r) AS position_based,
  SUM(CASE WHEN pr.j = 1 THEN pr.r / pr.m ELSE 0 END) AS shapley
FROM mw ce JOIN pr ON pr.u = ce.u AND pr.days = ce.days AND pr.ch = ce.ch
  AND pr.pid > 0 AND pr.ot >= ce.t0 AND pr.ot < ce.t0 + ce.span
WHERE ce.ak < 2 AND ce.mature > 0
GROUP BY ce.ch, ce.days
ORDER BY channel, window_days
";

/// The Markov chain's transition counts per window: `(start) → state`,
/// `state → state`, `state → (conversion)` (with the conversions' revenue)
/// and `state → (null)`; `longest` = the longest collapsed path.
const MARKOV: &str = "SELECT days AS window_days, from_state, to_state, COUNT(*) AS paths,
  SUM(rev) AS revenue, MAX(len) AS longest
FROM mx
GROUP BY days, from_state, to_state
ORDER BY window_days, from_state, to_state
";

/// The chain of each experiment's test users (their conversions in
/// `[t0, t0 + W)` and their non-converting paths).
const CALIBRATION_MARKOV: &str = "SELECT ce.ch AS channel, ce.days AS window_days, mx.from_state,
  mx.to_state, COUNT(*) AS paths, SUM(mx.rev) AS revenue, MAX(mx.len) AS longest
FROM mw ce JOIN mx ON mx.u = ce.u AND mx.days = ce.days
  AND (mx.pid = 0 OR (mx.ot >= ce.t0 AND mx.ot < ce.t0 + ce.span))
WHERE ce.ak < 2 AND ce.mature > 0
GROUP BY ce.ch, ce.days, mx.from_state, mx.to_state
ORDER BY channel, window_days, from_state, to_state
";

const DAILY_REVENUE: &str = "SELECT utc_day, COUNT(*) AS orders, SUM(r) AS net_revenue
FROM (SELECT CAST(FLOOR(t / 86400000000.0) AS BIGINT) AS utc_day, r FROM rv) d
GROUP BY utc_day
ORDER BY utc_day
";

const EXPOSURE_COST: &str = "SELECT ch AS channel, utc_day, SUM(cost) AS cost
FROM (SELECT ch, CAST(FLOOR(t / 86400000000.0) AS BIGINT) AS utc_day, cost FROM ex WHERE cost <> 0) d
GROUP BY ch, utc_day
ORDER BY channel, utc_day
";

fn spend(spec: &Spec, table: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    format!(
        "-- uplift {version}: {settings}\n\
SELECT date, channel, SUM(spend) AS spend\n\
FROM (\n  SELECT {date} AS date, CAST({ch} AS {text}) AS channel, {sp} AS spend\n  FROM {table}\n) s\n\
GROUP BY date, channel\nORDER BY date, channel\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        date = d.date_text(&d.ident(&c.sp_date)),
        ch = d.ident(&c.sp_channel),
        sp = d.ident(&c.sp_spend),
        text = d.text(),
    )
}

fn finance(spec: &Spec, table: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    format!(
        "-- uplift {version}: {settings}\n\
SELECT {s} AS period_start, {e} AS period_end, {r} AS revenue\n\
FROM {table}\nORDER BY period_start, period_end\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        s = d.date_text(&d.ident(&c.fi_start)),
        e = d.date_text(&d.ident(&c.fi_end)),
        r = d.ident(&c.fi_revenue),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dialect: Dialect) -> Spec {
        let groups = GroupLabels {
            exposed: vec!["test".into()],
            control: vec!["hold'out".into()],
        };
        Spec {
            dialect,
            exposures_table: "e".into(),
            order_column: None,
            revenue_table: "r".into(),
            spend_table: None,
            finance_table: None,
            columns: TableColumns {
                ex_user: "user id".into(),
                ex_channel: "channel".into(),
                ex_ts: "timestamp".into(),
                ex_group: Some("group".into()),
                ex_segment: None,
                ex_cost: None,
                ex_campaign: Some("campaign".into()),
                rv_user: "user_id".into(),
                rv_ts: "timestamp".into(),
                rv_revenue: "revenue".into(),
                rv_order_id: None,
                sp_date: "date".into(),
                sp_channel: "channel".into(),
                sp_spend: "spend".into(),
                fi_start: "period_start".into(),
                fi_end: "period_end".into(),
                fi_revenue: "revenue".into(),
            },
            settings: settings_line(
                &[7, 30],
                Some("2026-06-30"),
                &[Model::Linear, Model::PositionBased],
                &Params::default(),
                &groups,
            ),
            groups,
            windows: vec![7, 30],
            as_of: Some(1_782_863_999_000_000),
            models: vec![Model::Linear, Model::PositionBased],
            params: Params::default(),
            paths: false,
        }
    }

    #[test]
    fn labels_and_identifiers_are_quoted_for_each_dialect() {
        let pg = &statements(&spec(Dialect::Postgres))[0].1;
        assert!(pg.contains("gl IN ('hold''out')"), "{pg}");
        assert!(pg.contains("CAST(\"user id\" AS TEXT)"));
        let bq = &statements(&spec(Dialect::Bigquery))[0].1;
        assert!(bq.contains("gl IN ('hold\\'out')"), "{bq}");
        assert!(bq.contains("CAST(`user id` AS STRING)"));
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Snowflake.ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn the_settings_and_the_observation_end_are_written_in() {
        let s = spec(Dialect::Duckdb);
        assert_eq!(
            s.settings,
            "uplift-aggregates 3, windows 7/30, as_of 2026-06-30, position 0.4/0.4, exposed [test], control [hold'out]"
        );
        let sql = statements(&s);
        let names: Vec<&str> = sql.iter().map(|(n, _)| *n).collect();
        // No Markov, no cost column, no spend or finance table.
        assert_eq!(
            names,
            [
                "meta",
                "channels",
                "cohorts",
                "attribution_totals",
                "credits",
                "calibration_credits",
                "daily_revenue"
            ]
        );
        for (_, q) in &sql {
            assert!(q.contains("SELECT CAST(1782863999000000 AS BIGINT) AS a"));
            assert!(q.contains("SELECT 7 AS days UNION ALL SELECT 30 AS days"));
            assert!(
                !q.contains('{') && !q.contains('}'),
                "a placeholder is left: {q}"
            );
            // Position weights 0.4/0.4: two touches split 0.5/0.5, the middle shares 0.2.
            assert!(q.contains("WHEN n = 2 AND i = 1 THEN 0.5 WHEN n = 2 THEN 0.5"));
        }
    }

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

    #[test]
    fn the_settings_comment_stays_one_line() {
        let mut s = spec(Dialect::Postgres);
        s.settings = "exposed [a\nDROP TABLE users;--]".into();
        for (name, q) in statements(&s) {
            let first = q.lines().next().unwrap_or_default();
            assert!(first.starts_with("-- uplift"), "{first}");
            assert!(first.contains("[a\\u{a}DROP TABLE users;--]"), "{first}");
            let inside: usize = q
                .lines()
                .skip(1)
                .filter(|l| l.contains("DROP TABLE"))
                .count();
            if name == "meta" {
                // The settings as a literal, which may hold a line break.
                assert!(
                    q.contains("SELECT 'exposed [a\nDROP TABLE users;--]' AS settings"),
                    "{q}"
                );
                assert_eq!(inside, 1, "{q}");
            } else {
                assert_eq!(inside, 0, "{q}");
            }
        }
    }

    #[test]
    fn an_empty_label_list_matches_nothing() {
        let mut s = spec(Dialect::Postgres);
        s.groups.control.clear();
        let q = &statements(&s)[0].1;
        assert!(q.contains("WHEN 1 = 0 THEN 2"), "{q}");
    }
}
