//! Reading the input files into the plain domain data of [`crate::model`].
//!
//! This is the only module that uses polars. Each loader reads the columns it
//! needs, converts every value by the contract's rules, and records each bad
//! value as a [`Problem`] naming file, line, column, value and what would be
//! accepted. Bad rows are left out of the data; whether that is an error is
//! the caller's choice (`--on-bad-rows`).

pub mod problem;
pub mod read;
pub mod time;

use crate::config::{Config, GroupLabels};
use crate::model::{Dataset, Exposures, FinancePeriod, Group, Micros, Orders, SpendRow};
use polars::prelude::{PlHashMap, PlHashSet};
use problem::{Problem, show_value};
use read::{Column, Kind, Table, Wanted, read_table};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How many problems are kept per file (the rest are counted).
pub const MAX_KEPT_PROBLEMS: usize = 200;

/// The input files of a command.
#[derive(Debug, Clone, Default)]
pub struct InputPaths {
    /// Exposures file.
    pub exposures: Option<PathBuf>,
    /// Revenue (orders) file.
    pub revenue: Option<PathBuf>,
    /// Spend file.
    pub spend: Option<PathBuf>,
    /// Finance file.
    pub finance: Option<PathBuf>,
}

/// What was read from one file (the contract's `inputs.*`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileInfo {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows rejected as bad.
    pub rejected_rows: u64,
}

/// The outcome of loading one file.
#[derive(Debug, Clone, Default)]
pub struct FileLoad {
    /// What was read, when the file could be read at all.
    pub info: Option<FileInfo>,
    /// The first [`MAX_KEPT_PROBLEMS`] problems.
    pub problems: Vec<Problem>,
    /// Number of problems in all.
    pub problem_count: usize,
}

/// Facts about the revenue file that become warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RevenueFacts {
    /// Rows dropped as repeats of an earlier `order_id`.
    pub duplicate_orders: u64,
    /// Orders with negative revenue.
    pub refunds: u64,
    /// Their (negative) sum.
    pub refund_total: f64,
}

/// Everything loaded, plus what each file gave.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The data.
    pub data: Dataset,
    /// Per file: exposures, revenue, spend, finance (in that order, when given).
    pub files: Vec<(&'static str, FileLoad)>,
    /// Revenue facts.
    pub revenue_facts: RevenueFacts,
}

impl Loaded {
    /// Total problems across the files.
    pub fn problem_count(&self) -> usize {
        self.files.iter().map(|(_, f)| f.problem_count).sum()
    }

    /// The load report of one file.
    pub fn file(&self, name: &str) -> Option<&FileLoad> {
        self.files.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }
}

/// Collects problems of one file, by data row, turning rows into lines at the end.
struct Collector {
    /// (row, column, value, message)
    pending: Vec<(usize, String, Option<String>, String)>,
    bad: Vec<bool>,
    count: usize,
}

impl Collector {
    fn new(rows: usize) -> Self {
        Self {
            pending: Vec::new(),
            bad: vec![false; rows],
            count: 0,
        }
    }

    fn add(&mut self, row: usize, column: &str, value: Option<&str>, message: String) {
        self.bad[row] = true;
        self.count += 1;
        if self.pending.len() < MAX_KEPT_PROBLEMS {
            self.pending
                .push((row, column.to_string(), value.map(show_value), message));
        }
    }

    fn finish(self, table: &mut Table) -> (Vec<bool>, FileLoad) {
        let problems = self
            .pending
            .into_iter()
            .map(|(row, column, value, message)| Problem {
                file: table.file.clone(),
                line: Some(table.line_of(row)),
                column: Some(column),
                value,
                message,
            })
            .collect();
        let rejected = self.bad.iter().filter(|&&b| b).count() as u64;
        let load = FileLoad {
            info: Some(FileInfo {
                path: table.file.clone(),
                sha256: table.sha256.clone(),
                rows: table.rows as u64,
                rejected_rows: rejected,
            }),
            problems,
            problem_count: self.count,
        };
        (self.bad, load)
    }
}

fn wanted(specs: &[(&'static str, &Option<String>, bool, Kind)]) -> Vec<Wanted> {
    specs
        .iter()
        .map(|(canonical, mapped, required, kind)| Wanted {
            canonical,
            name: (*mapped).clone().unwrap_or_else(|| canonical.to_string()),
            required: *required,
            kind: *kind,
        })
        .collect()
}

const MONEY_FORMS: &str = "(expected a finite decimal number like 12.50)";
/// Largest amount accepted in a money column, so that sums over billions of
/// rows stay far from overflow.
pub const MAX_MONEY: f64 = 1e15;

/// Text values of column `i` (`None` for absent columns and nulls).
fn texts(table: &Table, i: usize) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match &table.columns[i] {
        Some(Column::Text(ca)) => Box::new(ca.iter()),
        _ => Box::new(std::iter::repeat_n(None, table.rows)),
    }
}

/// Parses a required or optional timestamp column.
fn timestamps(table: &Table, i: usize, name: &str, c: &mut Collector) -> Vec<Micros> {
    match &table.columns[i] {
        Some(Column::Micros(v)) => v
            .iter()
            .enumerate()
            .map(|(row, ts)| {
                ts.unwrap_or_else(|| {
                    c.add(
                        row,
                        name,
                        Some(""),
                        format!("is empty (expected {})", time::TIMESTAMP_FORMS),
                    );
                    0
                })
            })
            .collect(),
        Some(Column::Text(ca)) => ca
            .iter()
            .enumerate()
            .map(|(row, s)| {
                let s = s.unwrap_or("");
                time::parse_timestamp(s).unwrap_or_else(|| {
                    let what = if s.trim().is_empty() {
                        "is empty"
                    } else {
                        "is not a valid timestamp"
                    };
                    c.add(
                        row,
                        name,
                        Some(s),
                        format!("{what} (expected {})", time::TIMESTAMP_FORMS),
                    );
                    0
                })
            })
            .collect(),
        _ => vec![0; table.rows],
    }
}

/// Parses a date column (a timestamp is accepted and reduced to its UTC day).
fn dates(table: &Table, i: usize, name: &str, c: &mut Collector) -> Vec<i32> {
    match &table.columns[i] {
        Some(Column::Text(ca)) => ca
            .iter()
            .enumerate()
            .map(|(row, s)| {
                let s = s.unwrap_or("");
                time::parse_date(s)
                    .or_else(|| time::parse_timestamp(s).map(time::day_of))
                    .unwrap_or_else(|| {
                        c.add(
                            row,
                            name,
                            Some(s),
                            format!("is not a valid date (expected {})", time::DATE_FORMS),
                        );
                        0
                    })
            })
            .collect(),
        _ => timestamps(table, i, name, c)
            .into_iter()
            .map(time::day_of)
            .collect(),
    }
}

/// Parses a money column; `default` is used for empty values of an optional column.
fn numbers(
    table: &Table,
    i: usize,
    name: &str,
    default: Option<f64>,
    c: &mut Collector,
) -> Vec<f64> {
    let mut check = |row: usize, v: Option<f64>, raw: Option<&str>| -> f64 {
        match v {
            Some(v) if v.is_finite() && v.abs() <= MAX_MONEY => v,
            Some(v) if v.is_finite() => {
                let shown = raw.map_or_else(|| v.to_string(), str::to_string);
                c.add(
                    row,
                    name,
                    Some(&shown),
                    "is out of range (expected an amount between -1e15 and 1e15)".to_string(),
                );
                0.0
            }
            Some(_) => {
                c.add(
                    row,
                    name,
                    raw.or(Some("non-finite")),
                    format!("is not a finite number {MONEY_FORMS}"),
                );
                0.0
            }
            None => match (raw.map(str::trim), default) {
                (None | Some(""), Some(d)) => d,
                (None | Some(""), None) => {
                    c.add(row, name, Some(""), format!("is empty {MONEY_FORMS}"));
                    0.0
                }
                (Some(s), _) => {
                    c.add(row, name, Some(s), format!("is not a number {MONEY_FORMS}"));
                    0.0
                }
            },
        }
    };
    match &table.columns[i] {
        Some(Column::Number(v)) => v
            .iter()
            .enumerate()
            .map(|(row, x)| check(row, *x, None))
            .collect(),
        Some(Column::Text(ca)) => ca
            .iter()
            .enumerate()
            .map(|(row, s)| {
                let parsed = s.and_then(|s| s.trim().parse::<f64>().ok());
                check(row, parsed, Some(s.unwrap_or("")))
            })
            .collect(),
        _ => vec![default.unwrap_or(0.0); table.rows],
    }
}

/// Interns strings to dense codes.
#[derive(Debug, Default)]
struct Interner {
    map: PlHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn get_or_insert(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.map.insert(s.to_string(), id);
        self.names.push(s.to_string());
        id
    }
}

fn require_text(v: Option<&str>, row: usize, name: &str, what: &str, c: &mut Collector) -> bool {
    match v {
        Some(s) if !s.trim().is_empty() => true,
        other => {
            c.add(
                row,
                name,
                Some(other.unwrap_or("")),
                format!("is empty (expected {what})"),
            );
            false
        }
    }
}

fn unreadable(problem: Problem) -> FileLoad {
    FileLoad {
        info: None,
        problems: vec![problem],
        problem_count: 1,
    }
}

fn no_rows(table: &Table, load: &mut FileLoad) {
    if table.rows == 0 {
        load.problem_count += 1;
        load.problems.push(Problem {
            file: table.file.clone(),
            line: Some(2),
            column: None,
            value: None,
            message: "has a header but no data rows (expected at least one row)".to_string(),
        });
    }
}

struct Interners {
    users: Interner,
    channels: Interner,
    campaigns: Interner,
    segments: Interner,
}

/// Exposures rows in file order, before sorting.
struct RawExposures {
    ex: Exposures,
    segment: Vec<Option<u32>>,
}

fn load_exposures(
    path: &Path,
    cfg: &Config,
    labels: &GroupLabels,
    int: &mut Interners,
) -> (Option<RawExposures>, FileLoad) {
    let m = &cfg.columns.exposures;
    let w = wanted(&[
        ("user_id", &m.user_id, true, Kind::Text),
        ("channel", &m.channel, true, Kind::Text),
        ("timestamp", &m.timestamp, true, Kind::Timestamp),
        ("group", &m.group, false, Kind::Text),
        ("campaign", &m.campaign, false, Kind::Text),
        ("segment", &m.segment, false, Kind::Text),
        ("cost", &m.cost, false, Kind::Number),
    ]);
    let mut table = match read_table(path, &w) {
        Ok(t) => t,
        Err(p) => return (None, unreadable(p)),
    };
    let n = table.rows;
    let mut c = Collector::new(n);
    let ts = timestamps(&table, 2, &w[2].name, &mut c);
    let cost = numbers(&table, 6, &w[6].name, Some(0.0), &mut c);
    let accepted = format!(
        "one of {} (exposed), {} (control), or empty (organic); labels can be mapped under [groups] in uplift.toml",
        labels.exposed.join(", "),
        labels.control.join(", ")
    );
    let mut ex = Exposures::default();
    let mut segment = Vec::with_capacity(n);
    {
        let (mut users, mut channels, mut groups, mut campaigns, mut segments) = (
            texts(&table, 0),
            texts(&table, 1),
            texts(&table, 3),
            texts(&table, 4),
            texts(&table, 5),
        );
        ex.user.reserve(n);
        for row in 0..n {
            let u = users.next().flatten();
            let ch = channels.next().flatten();
            let (group, campaign, seg) = (
                groups.next().flatten(),
                campaigns.next().flatten(),
                segments.next().flatten(),
            );
            let ok_u = require_text(u, row, &w[0].name, "a user id", &mut c);
            let ok_c = require_text(ch, row, &w[1].name, "a channel name", &mut c);
            let group = match group {
                None | Some("") => Group::Organic,
                Some(g) if labels.exposed.iter().any(|l| l == g) => Group::Exposed,
                Some(g) if labels.control.iter().any(|l| l == g) => Group::Control,
                Some(g) => {
                    c.add(
                        row,
                        &w[3].name,
                        Some(g),
                        format!("is not a known group label (expected {accepted})"),
                    );
                    Group::Organic
                }
            };
            if c.bad[row] || !ok_u || !ok_c {
                continue;
            }
            ex.user.push(int.users.get_or_insert(u.unwrap_or("")));
            ex.channel
                .push(int.channels.get_or_insert(ch.unwrap_or("")) as u16);
            ex.ts.push(ts[row]);
            ex.group.push(group);
            ex.cost.push(cost[row]);
            ex.campaign.push(match campaign {
                Some(s) if !s.is_empty() => int.campaigns.get_or_insert(s),
                _ => u32::MAX,
            });
            segment.push(match seg {
                Some(s) if !s.trim().is_empty() => Some(int.segments.get_or_insert(s.trim())),
                _ => None,
            });
            ex.row.push(row as u32);
        }
    }
    let (_, mut load) = c.finish(&mut table);
    no_rows(&table, &mut load);
    if int.channels.names.len() > usize::from(u16::MAX) {
        load.problem_count += 1;
        load.problems.push(Problem::file(&table.file, "has more than 65,535 distinct channels (expected a channel name, not an id, in the channel column)"));
    }
    (Some(RawExposures { ex, segment }), load)
}

fn load_revenue(
    path: &Path,
    cfg: &Config,
    int: &mut Interners,
) -> (Option<(Orders, RevenueFacts, Option<Micros>)>, FileLoad) {
    let m = &cfg.columns.revenue;
    let w = wanted(&[
        ("user_id", &m.user_id, true, Kind::Text),
        ("timestamp", &m.timestamp, true, Kind::Timestamp),
        ("revenue", &m.revenue, true, Kind::Number),
        ("order_id", &m.order_id, false, Kind::Text),
    ]);
    let mut table = match read_table(path, &w) {
        Ok(t) => t,
        Err(p) => return (None, unreadable(p)),
    };
    let n = table.rows;
    let mut c = Collector::new(n);
    let ts = timestamps(&table, 1, &w[1].name, &mut c);
    let revenue = numbers(&table, 2, &w[2].name, None, &mut c);
    let mut orders = Orders::default();
    let mut facts = RevenueFacts::default();
    let mut max_ts: Option<Micros> = None;
    {
        let mut users = texts(&table, 0);
        let mut ids = texts(&table, 3);
        let mut seen: PlHashSet<&str> = PlHashSet::default();
        for row in 0..n {
            let u = users.next().flatten();
            let id = ids.next().flatten();
            if !require_text(u, row, &w[0].name, "a user id", &mut c) || c.bad[row] {
                continue;
            }
            max_ts = Some(max_ts.map_or(ts[row], |m| m.max(ts[row])));
            if let Some(id) = id.filter(|s| !s.is_empty())
                && !seen.insert(id)
            {
                facts.duplicate_orders += 1;
                continue;
            }
            if revenue[row] < 0.0 {
                facts.refunds += 1;
                facts.refund_total += revenue[row];
            }
            orders.user.push(int.users.get_or_insert(u.unwrap_or("")));
            orders.ts.push(ts[row]);
            orders.revenue.push(revenue[row]);
            orders.row.push(row as u32);
        }
    }
    let (_, mut load) = c.finish(&mut table);
    no_rows(&table, &mut load);
    (Some((orders, facts, max_ts)), load)
}

fn load_spend(path: &Path, cfg: &Config, int: &mut Interners) -> (Vec<SpendRow>, FileLoad) {
    let m = &cfg.columns.spend;
    let w = wanted(&[
        ("date", &m.date, true, Kind::Date),
        ("channel", &m.channel, true, Kind::Text),
        ("spend", &m.spend, true, Kind::Number),
    ]);
    let mut table = match read_table(path, &w) {
        Ok(t) => t,
        Err(p) => return (Vec::new(), unreadable(p)),
    };
    let mut c = Collector::new(table.rows);
    let d = dates(&table, 0, &w[0].name, &mut c);
    let s = numbers(&table, 2, &w[2].name, None, &mut c);
    let mut out = Vec::with_capacity(table.rows);
    {
        let mut channels = texts(&table, 1);
        for row in 0..table.rows {
            let ch = channels.next().flatten();
            if require_text(ch, row, &w[1].name, "a channel name", &mut c) && !c.bad[row] {
                out.push(SpendRow {
                    date: d[row],
                    channel: int.channels.get_or_insert(ch.unwrap_or("")) as u16,
                    spend: s[row],
                });
            }
        }
    }
    let (_, load) = c.finish(&mut table);
    (out, load)
}

fn load_finance(path: &Path, cfg: &Config) -> (Vec<FinancePeriod>, FileLoad) {
    let m = &cfg.columns.finance;
    let w = wanted(&[
        ("period_start", &m.period_start, true, Kind::Date),
        ("period_end", &m.period_end, true, Kind::Date),
        ("revenue", &m.revenue, true, Kind::Number),
    ]);
    let mut table = match read_table(path, &w) {
        Ok(t) => t,
        Err(p) => return (Vec::new(), unreadable(p)),
    };
    let mut c = Collector::new(table.rows);
    let start = dates(&table, 0, &w[0].name, &mut c);
    let end = dates(&table, 1, &w[1].name, &mut c);
    let rev = numbers(&table, 2, &w[2].name, None, &mut c);
    let mut out = Vec::with_capacity(table.rows);
    for row in 0..table.rows {
        if c.bad[row] {
            continue;
        }
        if end[row] < start[row] {
            let raw = time::format_date(end[row]);
            c.add(
                row,
                &w[1].name,
                Some(&raw),
                format!(
                    "is before {} {} (expected period_end on or after period_start)",
                    w[0].name,
                    time::format_date(start[row])
                ),
            );
            continue;
        }
        out.push(FinancePeriod {
            period_start: start[row],
            period_end: end[row],
            revenue: rev[row],
        });
    }
    let (_, load) = c.finish(&mut table);
    (out, load)
}

/// Sorts columnar rows by (user, timestamp, file row).
fn sort_order(user: &[u32], ts: &[Micros], row: &[u32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..user.len()).collect();
    idx.sort_unstable_by_key(|&i| (user[i], ts[i], row[i]));
    idx
}

fn permute<T: Copy>(v: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&i| v[i]).collect()
}

/// Loads every file given. Problems are collected, never fatal here: the
/// caller decides whether they are an error.
pub fn load(paths: &InputPaths, cfg: &Config) -> Loaded {
    let labels = cfg.groups.labels();
    let mut int = Interners {
        users: Interner::default(),
        channels: Interner::default(),
        campaigns: Interner::default(),
        segments: Interner::default(),
    };
    let mut out = Loaded::default();
    let mut raw_ex = None;
    if let Some(p) = &paths.exposures {
        let (ex, load) = load_exposures(p, cfg, &labels, &mut int);
        raw_ex = ex;
        out.files.push(("exposures", load));
    }
    if let Some(p) = &paths.revenue {
        let (rev, load) = load_revenue(p, cfg, &mut int);
        if let Some((orders, facts, max_ts)) = rev {
            let order = sort_order(&orders.user, &orders.ts, &orders.row);
            out.data.orders = Orders {
                user: permute(&orders.user, &order),
                ts: permute(&orders.ts, &order),
                revenue: permute(&orders.revenue, &order),
                row: permute(&orders.row, &order),
            };
            out.revenue_facts = facts;
            out.data.max_revenue_ts = max_ts;
        }
        out.files.push(("revenue", load));
    }
    if let Some(p) = &paths.spend {
        let (spend, load) = load_spend(p, cfg, &mut int);
        out.data.spend = spend;
        out.files.push(("spend", load));
    }
    if let Some(p) = &paths.finance {
        let (finance, load) = load_finance(p, cfg);
        out.data.finance = finance;
        out.files.push(("finance", load));
    }

    // Channel codes in name order, so that every output is sorted by name.
    let mut by_name: Vec<usize> = (0..int.channels.names.len()).collect();
    by_name.sort_by(|&a, &b| int.channels.names[a].cmp(&int.channels.names[b]));
    let mut recode = vec![0u16; by_name.len()];
    for (new, &old) in by_name.iter().enumerate() {
        recode[old] = new as u16;
    }
    out.data.channels = by_name
        .iter()
        .map(|&i| int.channels.names[i].clone())
        .collect();
    for s in &mut out.data.spend {
        s.channel = recode[usize::from(s.channel)];
    }
    let mut seg_order: Vec<usize> = (0..int.segments.names.len()).collect();
    seg_order.sort_by(|&a, &b| int.segments.names[a].cmp(&int.segments.names[b]));
    let mut seg_recode = vec![0u16; seg_order.len()];
    for (new, &old) in seg_order.iter().enumerate() {
        seg_recode[old] = new as u16;
    }
    out.data.segments = seg_order
        .iter()
        .map(|&i| int.segments.names[i].clone())
        .collect();

    out.data.user_segment = vec![None; int.users.names.len()];
    if let Some(RawExposures { ex, segment }) = raw_ex {
        let order = sort_order(&ex.user, &ex.ts, &ex.row);
        for &i in &order {
            let u = ex.user[i] as usize;
            if out.data.user_segment[u].is_none() {
                out.data.user_segment[u] = segment[i].map(|s| seg_recode[s as usize]);
            }
        }
        out.data.exposures = Exposures {
            user: permute(&ex.user, &order),
            channel: order
                .iter()
                .map(|&i| recode[usize::from(ex.channel[i])])
                .collect(),
            ts: permute(&ex.ts, &order),
            group: permute(&ex.group, &order),
            cost: permute(&ex.cost, &order),
            campaign: permute(&ex.campaign, &order),
            row: permute(&ex.row, &order),
        };
    }
    out.data.users = int.users.names;
    out.data.campaigns = int.campaigns.names;
    out
}
