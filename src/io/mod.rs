//! Reading the input files into the plain domain data of [`crate::model`].
//!
//! This is the only module that uses polars (for Parquet). Each loader reads the columns it
//! needs, converts every value by the contract's rules, and records each bad
//! value as a [`Problem`] naming file, line, column, value and what would be
//! accepted. Bad rows are left out of the data; whether that is an error is
//! the caller's choice (`--on-bad-rows`).

mod checked;
pub use checked::{OnBadRows, load_checked, revenue_warnings};
pub mod diagnose;
pub mod problem;
pub mod read;
pub mod time;

use crate::config::{Config, GroupLabels};
use crate::model::{Dataset, DayNumber, Exposures, FinancePeriod, Group, Micros, Orders, SpendRow};
use hashbrown::hash_table::{Entry, HashTable};
use problem::{Problem, ProblemGroup, show_value};
use read::{At, Kind, Meta, Part, Value, Wanted, scan, scan_parts};
use rustc_hash::FxBuildHasher;
use serde::Serialize;
use std::hash::BuildHasher;
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

impl InputPaths {
    /// The file of `kind` (`exposures`, `revenue`, `spend` or `finance`),
    /// when given.
    pub fn of(&self, kind: &str) -> Option<&Path> {
        match kind {
            "exposures" => self.exposures.as_deref(),
            "revenue" => self.revenue.as_deref(),
            "spend" => self.spend.as_deref(),
            "finance" => self.finance.as_deref(),
            _ => None,
        }
    }
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
    /// Every problem, grouped by column and kind: the groups in order of
    /// their first problem, each with its exact count over the whole file.
    pub groups: Vec<ProblemGroup>,
}

impl FileLoad {
    /// Adds a problem with the file as a whole (or found after reading).
    fn push(&mut self, problem: Problem) {
        self.problem_count += 1;
        self.groups.push(ProblemGroup::one(problem.clone()));
        self.problems.push(problem);
    }
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
    /// The summed revenue of the dropped repeats.
    pub duplicate_total: f64,
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

/// Collects the problems of one file.
struct Collector {
    file: String,
    problems: Vec<Problem>,
    count: usize,
    rejected: u64,
    row_bad: bool,
    /// Every problem counted by column and kind, in order of first
    /// appearance.
    groups: Vec<ProblemGroup>,
    /// Each group's index in `groups`, by [`group_hash`] (kept with it).
    group_index: HashTable<(u64, usize)>,
}

/// The hash of a problem group's column and kind.
fn group_hash(column: &str, message: &str) -> u64 {
    FxBuildHasher.hash_one((column, message))
}

impl Collector {
    fn new(path: &Path) -> Self {
        Self {
            file: path.display().to_string(),
            problems: Vec::new(),
            count: 0,
            rejected: 0,
            row_bad: false,
            groups: Vec::new(),
            group_index: HashTable::new(),
        }
    }

    /// Records a bad value (the only path that counts groups: the rows
    /// without problems never come here).
    fn add(&mut self, at: At, column: &str, value: Option<&str>, message: String) {
        self.row_bad = true;
        self.count += 1;
        let keep = self.problems.len() < MAX_KEPT_PROBLEMS;
        let hash = group_hash(column, &message);
        let groups = &self.groups;
        let found = self
            .group_index
            .find(hash, |&(h, i)| {
                h == hash && groups[i].holds(Some(column), &message)
            })
            .map(|&(_, i)| i);
        if !keep && let Some(i) = found {
            self.groups[i].count += 1;
            return;
        }
        let problem = Problem {
            file: self.file.clone(),
            line: Some(at.line),
            column: Some(column.to_string()),
            value: value.map(show_value),
            message,
        };
        match found {
            Some(i) => self.groups[i].count += 1,
            None => {
                self.group_index
                    .insert_unique(hash, (hash, self.groups.len()), |&(h, _)| h);
                self.groups.push(ProblemGroup::one(problem.clone()));
            }
        }
        if keep {
            self.problems.push(problem);
        }
    }

    /// Starts a row.
    fn start(&mut self) {
        self.row_bad = false;
    }

    /// Ends a row; true when it had no problem.
    fn end(&mut self) -> bool {
        if self.row_bad {
            self.rejected += 1;
        }
        !self.row_bad
    }

    /// Adds the problems of the rows that follow this one's.
    ///
    /// The groups are merged: a group already here keeps its first problem
    /// (the earlier in the file) and adds the other's count; the others'
    /// new groups follow, in their order.
    fn absorb(&mut self, other: Collector) {
        self.count += other.count;
        self.rejected += other.rejected;
        let room = MAX_KEPT_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(other.problems.into_iter().take(room));
        for g in other.groups {
            let column = g.first.column.as_deref().unwrap_or_default();
            let hash = group_hash(column, &g.first.message);
            let groups = &self.groups;
            let found = self
                .group_index
                .find(hash, |&(h, i)| {
                    h == hash && groups[i].holds(g.first.column.as_deref(), &g.first.message)
                })
                .map(|&(_, i)| i);
            match found {
                Some(i) => self.groups[i].count += g.count,
                None => {
                    self.group_index
                        .insert_unique(hash, (hash, self.groups.len()), |&(h, _)| h);
                    self.groups.push(g);
                }
            }
        }
    }

    fn finish(self, meta: Result<Meta, Problem>) -> FileLoad {
        let meta = match meta {
            Ok(m) => m,
            Err(p) => return unreadable(p),
        };
        let mut load = FileLoad {
            info: Some(FileInfo {
                path: meta.file.clone(),
                sha256: meta.sha256,
                rows: meta.rows as u64,
                rejected_rows: self.rejected,
            }),
            problems: self.problems,
            problem_count: self.count,
            groups: self.groups,
        };
        load.problems.sort_by_key(|p| p.line.unwrap_or(0));
        load.groups.sort_by_key(|g| g.first.line.unwrap_or(0));
        load
    }
}

/// The columns a file of `kind` (`exposures`, `revenue`, `spend` or
/// `finance`) is read by, in the loaders' order, named as `cfg` maps them;
/// none for another kind.
pub fn columns_of(kind: &str, cfg: &Config) -> Vec<Wanted> {
    match kind {
        "exposures" => {
            let m = &cfg.columns.exposures;
            wanted(&[
                ("user_id", &m.user_id, true, Kind::Text),
                ("channel", &m.channel, true, Kind::Text),
                ("timestamp", &m.timestamp, true, Kind::Timestamp),
                ("group", &m.group, false, Kind::Text),
                ("campaign", &m.campaign, false, Kind::Text),
                ("segment", &m.segment, false, Kind::Text),
                ("cost", &m.cost, false, Kind::Number),
            ])
        }
        "revenue" => {
            let m = &cfg.columns.revenue;
            wanted(&[
                ("user_id", &m.user_id, true, Kind::Text),
                ("timestamp", &m.timestamp, true, Kind::Timestamp),
                ("revenue", &m.revenue, true, Kind::Number),
                ("order_id", &m.order_id, false, Kind::Text),
            ])
        }
        "spend" => {
            let m = &cfg.columns.spend;
            wanted(&[
                ("date", &m.date, true, Kind::Date),
                ("channel", &m.channel, true, Kind::Text),
                ("spend", &m.spend, true, Kind::Number),
            ])
        }
        "finance" => {
            let m = &cfg.columns.finance;
            wanted(&[
                ("period_start", &m.period_start, true, Kind::Date),
                ("period_end", &m.period_end, true, Kind::Date),
                ("revenue", &m.revenue, true, Kind::Number),
            ])
        }
        _ => Vec::new(),
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

/// A required or optional timestamp.
fn timestamp(v: Value<'_>, at: At, name: &str, c: &mut Collector) -> Micros {
    let bad = |c: &mut Collector, raw: &str, what: &str| {
        c.add(
            at,
            name,
            Some(raw),
            format!("{what} (expected {})", time::TIMESTAMP_FORMS),
        );
        0
    };
    match v {
        Value::Micros(t) => t,
        Value::Text(s) => time::parse_timestamp(s).unwrap_or_else(|| {
            if s.trim().is_empty() {
                bad(c, s, "is empty")
            } else {
                bad(c, s, "is not a valid timestamp")
            }
        }),
        _ => bad(c, "", "is empty"),
    }
}

/// A date (a timestamp is accepted and reduced to its UTC day).
fn date(v: Value<'_>, at: At, name: &str, c: &mut Collector) -> DayNumber {
    match v {
        Value::Micros(t) => time::day_of(t),
        Value::Text(s) => time::parse_date(s)
            .or_else(|| time::parse_timestamp(s).map(time::day_of))
            .unwrap_or_else(|| {
                c.add(
                    at,
                    name,
                    Some(s),
                    format!("is not a valid date (expected {})", time::DATE_FORMS),
                );
                0
            }),
        _ => {
            c.add(
                at,
                name,
                Some(""),
                format!("is empty (expected {})", time::DATE_FORMS),
            );
            0
        }
    }
}

/// Whether `s` is empty or only white space (decided by the first byte in
/// the usual case).
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => false,
        _ => s.trim().is_empty(),
    }
}

/// A money amount; `default` is used for an empty cell of an optional column.
fn money(v: Value<'_>, at: At, name: &str, default: Option<f64>, c: &mut Collector) -> f64 {
    let (x, raw) = match v {
        Value::Number(x) => (x, None),
        Value::Text(s) if !blank(s) => match plain_decimal(s.as_bytes())
            .ok_or(())
            .or_else(|_| s.parse::<f64>())
            .or_else(|_| s.trim().parse())
        {
            Ok(x) => (x, Some(s)),
            Err(_) => {
                c.add(at, name, Some(s), format!("is not a number {MONEY_FORMS}"));
                return 0.0;
            }
        },
        _ => {
            return default.unwrap_or_else(|| {
                c.add(at, name, Some(""), format!("is empty {MONEY_FORMS}"));
                0.0
            });
        }
    };
    let shown = || raw.map_or_else(|| x.to_string(), str::to_string);
    if !x.is_finite() {
        c.add(
            at,
            name,
            Some(&shown()),
            format!("is not a finite number {MONEY_FORMS}"),
        );
        0.0
    } else if x.abs() > MAX_MONEY {
        c.add(
            at,
            name,
            Some(&shown()),
            "is out of range (expected an amount between -1e15 and 1e15)".to_string(),
        );
        0.0
    } else {
        x
    }
}

/// A plain decimal — an optional minus, then at most 15 digits with at
/// most one point between two of them (`-12.50`) — read as `str::parse`
/// reads it, faster: the digits make an integer below 2⁵³ and the scale a
/// power of ten, both exact in an `f64`, so their quotient is the correctly
/// rounded value. `None` for anything else.
#[inline]
fn plain_decimal(s: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let n = digits.len();
    if n == 0 || n > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut scale = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + u64::from(c - b'0'),
            b'.' if scale.is_none() && i > 0 && i + 1 < n => scale = Some(n - 1 - i),
            _ => return None,
        }
    }
    if scale.is_none() && n > 15 {
        return None;
    }
    let x = m as f64 / POW10[scale.unwrap_or(0)];
    Some(if negative { -x } else { x })
}

/// Interns strings to dense codes, remembering the last one looked up (rows
/// of one user or channel often come together). The names are kept end to
/// end in one string, so that interning allocates nothing per name.
#[derive(Debug, Default)]
struct Interner {
    /// The code of every name with the top half of its hash, so that
    /// probing and growing the table touch no other memory (tables of
    /// millions of users do not fit in a cache).
    table: HashTable<(u32, u32)>,
    /// The names, end to end, in code order.
    text: String,
    /// Where each name ends in `text`.
    ends: Vec<usize>,
    /// Each name's hash, in code order.
    hashes: Vec<u64>,
    last: Option<u32>,
    /// Codes of names seen lately, by [`recent_slot`], plus one (0: none):
    /// the few channel or campaign names of a file alternate row by row,
    /// which `last` misses and hashing costs more than this lookup.
    recent: [u32; RECENT],
}

/// Slots of [`Interner::recent`].
const RECENT: usize = 32;

/// A name's slot in [`Interner::recent`], from its length and its first and
/// last bytes.
#[inline]
fn recent_slot(s: &[u8]) -> usize {
    let (first, last) = match s {
        [] => (0, 0),
        [a, .., b] => (*a, *b),
        [a] => (*a, *a),
    };
    (usize::from(first) * 7 + usize::from(last) * 3 + s.len()) % RECENT
}

/// The hash the table of an [`Interner`] is ordered by: the top half of the
/// name's hash, repeated (the table takes its slot from the low bits and its
/// tag from the top ones).
#[inline]
fn table_hash(top: u32) -> u64 {
    (u64::from(top) << 32) | u64::from(top)
}

impl Interner {
    fn with_capacity(n: usize) -> Self {
        Self {
            table: HashTable::with_capacity(n),
            ..Self::default()
        }
    }

    /// Number of names.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The name of `code`.
    fn name(&self, code: usize) -> &str {
        name_in(&self.text, &self.ends, code)
    }

    fn get_or_insert(&mut self, s: &str) -> u32 {
        if let Some(id) = self.last
            && same(bytes_in(&self.text, &self.ends, id as usize), s.as_bytes())
        {
            return id;
        }
        let slot = recent_slot(s.as_bytes());
        let id = match self.recent[slot].checked_sub(1) {
            Some(id) if same(bytes_in(&self.text, &self.ends, id as usize), s.as_bytes()) => id,
            _ => {
                let id = self.insert_hashed(s, FxBuildHasher.hash_one(s));
                self.recent[slot] = id.wrapping_add(1);
                id
            }
        };
        self.last = Some(id);
        id
    }

    fn insert_hashed(&mut self, s: &str, hash: u64) -> u32 {
        let (text, ends) = (&self.text, &self.ends);
        let top = (hash >> 32) as u32;
        let entry = self.table.entry(
            table_hash(top),
            |&(id, t)| t == top && same(bytes_in(text, ends, id as usize), s.as_bytes()),
            |&(_, t)| table_hash(t),
        );
        match entry {
            Entry::Occupied(e) => e.get().0,
            Entry::Vacant(v) => {
                let id = self.ends.len() as u32;
                v.insert((id, top));
                self.text.push_str(s);
                self.ends.push(self.text.len());
                self.hashes.push(hash);
                id
            }
        }
    }

    /// Adds the names of `other` (a table of the rows that follow this
    /// one's) and returns, for each of its codes, the code here.
    ///
    /// Each name is first compared with the name whose code follows the
    /// previous one's: files sorted by user give their users in the order
    /// of their codes, and the comparison reads memory in order where a
    /// lookup in a table of millions of names would not.
    fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        let mut next = None;
        (0..other.len())
            .map(|i| {
                let name = other.name(i);
                let code = match next.filter(|&c: &u32| (c as usize) < self.len()) {
                    Some(c)
                        if same(
                            bytes_in(&self.text, &self.ends, c as usize),
                            name.as_bytes(),
                        ) =>
                    {
                        c
                    }
                    _ => self.insert_hashed(name, other.hashes[i]),
                };
                next = Some(code + 1);
                code
            })
            .collect()
    }

    /// The names, in code order.
    fn into_names(self) -> Vec<String> {
        (0..self.len()).map(|i| self.name(i).to_string()).collect()
    }
}

fn name_in<'a>(text: &'a str, ends: &[usize], code: usize) -> &'a str {
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text[start..ends[code]]
}

/// [`name_in`] as bytes (no character-boundary checks).
#[inline]
fn bytes_in<'a>(text: &'a str, ends: &[usize], code: usize) -> &'a [u8] {
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text.as_bytes()[start..ends[code]]
}

/// `a == b`, for the short names of ids and labels without a call to
/// `memcmp`: names of 4 to 32 bytes are compared as two overlapping words.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn u32_at(x: &[u8], i: usize) -> u32 {
        let mut w = [0; 4];
        w.copy_from_slice(&x[i..i + 4]);
        u32::from_ne_bytes(w)
    }
    fn u64_at(x: &[u8], i: usize) -> u64 {
        let mut w = [0; 8];
        w.copy_from_slice(&x[i..i + 8]);
        u64::from_ne_bytes(w)
    }
    fn u128_at(x: &[u8], i: usize) -> u128 {
        let mut w = [0; 16];
        w.copy_from_slice(&x[i..i + 16]);
        u128::from_ne_bytes(w)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        17..=32 => u128_at(a, 0) == u128_at(b, 0) && u128_at(a, n - 16) == u128_at(b, n - 16),
        _ => a == b,
    }
}

fn require_text<'a>(
    v: Value<'a>,
    at: At,
    name: &str,
    what: &str,
    c: &mut Collector,
) -> Option<&'a str> {
    match v {
        Value::Text(s) if !blank(s) => Some(s),
        Value::Text(s) => {
            c.add(at, name, Some(s), format!("is empty (expected {what})"));
            None
        }
        _ => {
            c.add(at, name, Some(""), format!("is empty (expected {what})"));
            None
        }
    }
}

fn unreadable(problem: Problem) -> FileLoad {
    let mut load = FileLoad::default();
    load.push(problem);
    load
}

fn no_rows(load: &mut FileLoad) {
    if let Some(info) = load.info.as_ref().filter(|i| i.rows == 0) {
        let problem = Problem {
            file: info.path.clone(),
            line: Some(2),
            column: None,
            value: None,
            message: "has a header but no data rows (expected at least one row)".to_string(),
        };
        load.push(problem);
    }
}

struct Interners {
    users: Interner,
    channels: Interner,
    campaigns: Interner,
    segments: Interner,
}

impl Interners {
    fn new(users: usize) -> Self {
        Self {
            users: Interner::with_capacity(users),
            channels: Interner::default(),
            campaigns: Interner::default(),
            segments: Interner::default(),
        }
    }
}

/// The rows of one block of the exposures file, with its own name tables.
struct ExposuresPart {
    c: Collector,
    raw: RawExposures,
    int: Interners,
}

/// The rows of one block of the revenue file, with its own user table.
struct RevenuePart {
    c: Collector,
    orders: Orders,
    users: Interner,
    /// Order-id keys with the index in `orders` ([`keyed`]).
    keys: Vec<u128>,
    /// The block's first and last order id.
    ids: Option<(String, String)>,
    /// Whether no order id of the block is below the one before.
    ascending: bool,
    /// The rows (indices in `orders`) whose order id equals the one before.
    repeats: Vec<u32>,
    max_ts: Option<Micros>,
}

/// Initial capacity of a block's user table.
const PART_USERS: usize = 1 << 12;

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
    threads: usize,
) -> (RawExposures, FileLoad) {
    let w = columns_of("exposures", cfg);
    let accepted = format!(
        "one of {} (exposed), {} (control), or empty (organic); labels can be mapped under [groups] in uplift.toml",
        labels.exposed.join(", "),
        labels.control.join(", ")
    );
    let mut c = Collector::new(path);
    let mut ex = Exposures::default();
    let mut segment = Vec::new();
    let new_part = || ExposuresPart {
        c: Collector::new(path),
        raw: RawExposures {
            ex: Exposures::default(),
            segment: Vec::new(),
        },
        int: Interners::new(PART_USERS),
    };
    let visit = |p: &mut ExposuresPart, at: At, v: &[Value<'_>]| {
        let c = &mut p.c;
        c.start();
        let user = require_text(v[0], at, &w[0].name, "a user id", c);
        let channel = require_text(v[1], at, &w[1].name, "a channel name", c);
        let ts = timestamp(v[2], at, &w[2].name, c);
        let one_of =
            |labels: &[String], g: &str| labels.iter().any(|l| same(l.as_bytes(), g.as_bytes()));
        let group = match v[3] {
            Value::Text("") => Group::Organic,
            Value::Text(g) if one_of(&labels.exposed, g) => Group::Exposed,
            Value::Text(g) if one_of(&labels.control, g) => Group::Control,
            Value::Text(g) => {
                c.add(
                    at,
                    &w[3].name,
                    Some(g),
                    format!("is not a known group label (expected {accepted})"),
                );
                Group::Organic
            }
            _ => Group::Organic,
        };
        let cost = money(v[6], at, &w[6].name, Some(0.0), c);
        if !c.end() {
            return;
        }
        let (Some(user), Some(channel)) = (user, channel) else {
            return;
        };
        let (ex, int) = (&mut p.raw.ex, &mut p.int);
        ex.user.push(int.users.get_or_insert(user));
        ex.channel.push(int.channels.get_or_insert(channel) as u16);
        ex.ts.push(ts);
        ex.group.push(group);
        ex.cost.push(cost);
        ex.campaign.push(
            v[4].text()
                .map_or(u32::MAX, |s| int.campaigns.get_or_insert(s)),
        );
        p.raw.segment.push(
            v[5].text()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| int.segments.get_or_insert(s)),
        );
        ex.row.push(at.row as u32);
    };
    let take = |part: Part<ExposuresPart>| {
        let Part {
            state: p,
            first_row,
        } = part;
        let users = int.users.absorb(&p.int.users);
        let channels = int.channels.absorb(&p.int.channels);
        let campaigns = int.campaigns.absorb(&p.int.campaigns);
        let segments = int.segments.absorb(&p.int.segments);
        let RawExposures { ex: e, segment: s } = p.raw;
        ex.user.extend(e.user.iter().map(|&u| users[u as usize]));
        ex.channel
            .extend(e.channel.iter().map(|&k| channels[usize::from(k)] as u16));
        ex.ts.extend_from_slice(&e.ts);
        ex.group.extend_from_slice(&e.group);
        ex.cost.extend_from_slice(&e.cost);
        ex.campaign.extend(e.campaign.iter().map(|&k| {
            if k == u32::MAX {
                k
            } else {
                campaigns[k as usize]
            }
        }));
        segment.extend(s.iter().map(|s| s.map(|k| segments[k as usize])));
        ex.row.extend(e.row.iter().map(|&r| r + first_row as u32));
        c.absorb(p.c);
    };
    let meta = scan_parts(path, &w, threads, new_part, visit, take);
    let mut load = c.finish(meta);
    no_rows(&mut load);
    if int.channels.len() > usize::from(u16::MAX) {
        load.push(Problem::file(
            &path.display().to_string(),
            "has more than 65,535 distinct channels (expected a channel name, not an id, in the channel column)",
        ));
    }
    (RawExposures { ex, segment }, load)
}

/// 128 bits of hash of an order id (XXH3-128, seed 0).
fn order_key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// The low bits of a [`keyed`] value: the row's index.
const INDEX_BITS: u128 = 0xFFFF_FFFF;

/// An order id's key and its row's index in one integer: the top 96 bits of
/// [`order_key`], then the index. Sorting these puts the rows of one id
/// together, first row first. Two distinct ids share the 96 bits with
/// probability ~n²/2⁹⁷ (6e-16 for 10 M orders), which is what lets the ids
/// themselves be dropped after reading.
fn keyed(id: &str, index: u32) -> u128 {
    (order_key(id) & !INDEX_BITS) | u128::from(index)
}

fn load_revenue(
    path: &Path,
    cfg: &Config,
    users: &mut Interner,
    threads: usize,
) -> (Orders, RevenueFacts, Option<Micros>, FileLoad) {
    let w = columns_of("revenue", cfg);
    let mut c = Collector::new(path);
    let mut orders = Orders::default();
    let mut facts = RevenueFacts::default();
    let mut max_ts: Option<Micros> = None;
    // Order-id keys with their index in `orders`: repeats are found by
    // sorting, which touches memory in order, where a hash set of millions
    // of keys would not.
    let mut keys: Vec<u128> = Vec::new();
    // Whether no order id is below the one before (in byte order): then the
    // repeats are the rows whose id equals the one before, and the keys need
    // no sorting — the common case of an export sorted by order id.
    let mut ascending = true;
    let mut repeats: Vec<u32> = Vec::new();
    let mut last_id: Option<String> = None;
    let new_part = || RevenuePart {
        c: Collector::new(path),
        orders: Orders::default(),
        users: Interner::with_capacity(PART_USERS),
        keys: Vec::new(),
        ids: None,
        ascending: true,
        repeats: Vec::new(),
        max_ts: None,
    };
    let visit = |p: &mut RevenuePart, at: At, v: &[Value<'_>]| {
        let c = &mut p.c;
        c.start();
        let user = require_text(v[0], at, &w[0].name, "a user id", c);
        let ts = timestamp(v[1], at, &w[1].name, c);
        let revenue = money(v[2], at, &w[2].name, None, c);
        if !c.end() {
            return;
        }
        let Some(user) = user else { return };
        p.max_ts = Some(p.max_ts.map_or(ts, |m| m.max(ts)));
        if let Some(id) = v[3].text() {
            p.keys.push(keyed(id, p.orders.len() as u32));
            match &mut p.ids {
                None => p.ids = Some((id.to_string(), id.to_string())),
                Some((_, last)) => match id.cmp(last.as_str()) {
                    std::cmp::Ordering::Less => p.ascending = false,
                    std::cmp::Ordering::Equal => p.repeats.push(p.orders.len() as u32),
                    std::cmp::Ordering::Greater => {
                        last.clear();
                        last.push_str(id);
                    }
                },
            }
        }
        p.orders.user.push(p.users.get_or_insert(user));
        p.orders.ts.push(ts);
        p.orders.revenue.push(revenue);
        p.orders.row.push(at.row as u32);
    };
    let take = |part: Part<RevenuePart>| {
        let Part {
            state: p,
            first_row,
        } = part;
        let codes = users.absorb(&p.users);
        let base = orders.len() as u32;
        if let Some((first, last)) = p.ids {
            ascending &= p.ascending && last_id.as_ref().is_none_or(|l| first >= *l);
            if ascending {
                if last_id.as_ref() == Some(&first) {
                    repeats.push(base);
                }
                repeats.extend(p.repeats.iter().map(|&r| r + base));
            }
            last_id = Some(last);
        }
        keys.extend(p.keys.iter().map(|&k| k + u128::from(base)));
        max_ts = max_ts.max(p.max_ts);
        orders
            .user
            .extend(p.orders.user.iter().map(|&u| codes[u as usize]));
        orders.ts.extend_from_slice(&p.orders.ts);
        orders.revenue.extend_from_slice(&p.orders.revenue);
        orders
            .row
            .extend(p.orders.row.iter().map(|&r| r + first_row as u32));
        c.absorb(p.c);
    };
    let meta = scan_parts(path, &w, threads, new_part, visit, take);
    // The first occurrence of an order id (the lowest index) stays.
    let mut repeat = vec![false; orders.len()];
    if ascending {
        for &r in &repeats {
            repeat[r as usize] = true;
        }
    } else {
        keys.sort_unstable();
        for pair in keys.windows(2) {
            if pair[0] & !INDEX_BITS == pair[1] & !INDEX_BITS {
                repeat[(pair[1] & INDEX_BITS) as usize] = true;
            }
        }
    }
    drop(keys);
    if repeat.iter().any(|&r| r) {
        facts.duplicate_total = orders
            .revenue
            .iter()
            .zip(&repeat)
            .filter(|(_, r)| **r)
            .map(|(v, _)| v)
            .sum();
        retain_unmarked(&mut orders.user, &repeat);
        retain_unmarked(&mut orders.ts, &repeat);
        retain_unmarked(&mut orders.revenue, &repeat);
        retain_unmarked(&mut orders.row, &repeat);
        facts.duplicate_orders = repeat.iter().filter(|&&r| r).count() as u64;
    }
    for &r in orders.revenue.iter().filter(|&&r| r < 0.0) {
        facts.refunds += 1;
        facts.refund_total += r;
    }
    let mut load = c.finish(meta);
    no_rows(&mut load);
    (orders, facts, max_ts, load)
}

/// Keeps the elements whose mark is false.
fn retain_unmarked<T>(v: &mut Vec<T>, marked: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        !marked[i - 1]
    });
}

fn load_spend(path: &Path, cfg: &Config, int: &mut Interners) -> (Vec<SpendRow>, FileLoad) {
    let w = columns_of("spend", cfg);
    let mut c = Collector::new(path);
    let mut out = Vec::new();
    let meta = scan(path, &w, |at, v| {
        c.start();
        let date = date(v[0], at, &w[0].name, &mut c);
        let channel = require_text(v[1], at, &w[1].name, "a channel name", &mut c);
        let spend = money(v[2], at, &w[2].name, None, &mut c);
        if let (true, Some(channel)) = (c.end(), channel) {
            out.push(SpendRow {
                date,
                channel: int.channels.get_or_insert(channel) as u16,
                spend,
            });
        }
    });
    (out, c.finish(meta))
}

fn load_finance(path: &Path, cfg: &Config) -> (Vec<FinancePeriod>, FileLoad) {
    let w = columns_of("finance", cfg);
    let mut c = Collector::new(path);
    let mut out = Vec::new();
    let meta = scan(path, &w, |at, v| {
        c.start();
        let start = date(v[0], at, &w[0].name, &mut c);
        let end = date(v[1], at, &w[1].name, &mut c);
        let revenue = money(v[2], at, &w[2].name, None, &mut c);
        if !c.row_bad && end < start {
            let raw = time::format_date(end);
            c.add(
                at,
                &w[1].name,
                Some(&raw),
                format!(
                    "is before {} {} (expected period_end on or after period_start)",
                    w[0].name,
                    time::format_date(start)
                ),
            );
        }
        if c.end() {
            out.push(FinancePeriod {
                period_start: start,
                period_end: end,
                revenue,
            });
        }
    });
    (out, c.finish(meta))
}

/// The order of columnar rows sorted by (user, timestamp, file row), for
/// rows given in file order (`row` increasing).
///
/// Users are dense codes, so the rows are first placed by user with a
/// counting sort (stable: file order within a user), then each user's rows
/// are sorted by timestamp, stably — O(n) for the user step where a
/// comparison sort of the whole table would be O(n log n). `None` when
/// the rows are in that order already (exports are often written by user
/// and time).
fn sort_order(user: &[u32], ts: &[Micros], row: &[u32]) -> Option<Vec<usize>> {
    debug_assert!(row.windows(2).all(|w| w[0] < w[1]));
    let sorted = (1..user.len()).all(|i| (user[i - 1], ts[i - 1]) <= (user[i], ts[i]));
    if sorted {
        return None;
    }
    let n_users = user.iter().max().map_or(0, |&u| u as usize + 1);
    let mut start = vec![0usize; n_users + 1];
    for &u in user {
        start[u as usize + 1] += 1;
    }
    for u in 0..n_users {
        start[u + 1] += start[u];
    }
    let mut fill = start.clone();
    let mut idx = vec![0usize; user.len()];
    for (i, &u) in user.iter().enumerate() {
        idx[fill[u as usize]] = i;
        fill[u as usize] += 1;
    }
    for u in 0..n_users {
        let group = &mut idx[start[u]..start[u + 1]];
        if group.windows(2).any(|w| ts[w[0]] > ts[w[1]]) {
            group.sort_by_key(|&i| ts[i]);
        }
    }
    Some(idx)
}

fn permute<T: Copy>(v: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&i| v[i]).collect()
}

/// Loads every file given. Problems are collected, never fatal here: the
/// caller decides whether they are an error.
pub fn load(paths: &InputPaths, cfg: &Config) -> Loaded {
    let labels = cfg.groups.labels();
    let threads = crate::parallel::threads();
    let mut int = Interners::new(1 << 16);
    let mut out = Loaded::default();
    // The exposures and the revenue file are read side by side, each with
    // its own user table; the revenue's users are then mapped onto the
    // exposures' codes.
    let (exposures, revenue) = std::thread::scope(|scope| {
        let revenue = paths.revenue.as_ref().map(|p| {
            scope.spawn(|| {
                let mut users = Interner::with_capacity(1 << 16);
                let r = load_revenue(p, cfg, &mut users, threads);
                (r, users)
            })
        });
        let exposures = paths
            .exposures
            .as_ref()
            .map(|p| load_exposures(p, cfg, &labels, &mut int, threads));
        (exposures, revenue.map(|h| h.join()))
    });
    let mut raw_ex = None;
    let mut sorted_orders = None;
    if let Some((ex, load)) = exposures {
        raw_ex = Some(ex);
        out.files.push(("exposures", load));
    }
    if let (Some(joined), Some(path)) = (revenue, &paths.revenue) {
        let Ok(((mut orders, facts, max_ts, load), users)) = joined else {
            let file = path.display().to_string();
            out.files.push((
                "revenue",
                unreadable(Problem::file(&file, "internal error while reading")),
            ));
            return out;
        };
        let global = int.users.absorb(&users);
        for u in &mut orders.user {
            *u = global[*u as usize];
        }
        sorted_orders = Some(orders);
        out.revenue_facts = facts;
        out.data.max_revenue_ts = max_ts;
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
    let channel_names = std::mem::take(&mut int.channels).into_names();
    let mut by_name: Vec<usize> = (0..channel_names.len()).collect();
    by_name.sort_by(|&a, &b| channel_names[a].cmp(&channel_names[b]));
    let mut recode = vec![0u16; by_name.len()];
    for (new, &old) in by_name.iter().enumerate() {
        recode[old] = new as u16;
    }
    out.data.channels = by_name.iter().map(|&i| channel_names[i].clone()).collect();
    for s in &mut out.data.spend {
        s.channel = recode[usize::from(s.channel)];
    }
    let segment_names = std::mem::take(&mut int.segments).into_names();
    let mut seg_order: Vec<usize> = (0..segment_names.len()).collect();
    seg_order.sort_by(|&a, &b| segment_names[a].cmp(&segment_names[b]));
    let mut seg_recode = vec![0u16; seg_order.len()];
    for (new, &old) in seg_order.iter().enumerate() {
        seg_recode[old] = new as u16;
    }
    out.data.segments = seg_order
        .iter()
        .map(|&i| segment_names[i].clone())
        .collect();

    // The orders are sorted on a second thread while the exposures are.
    let sort_orders = |orders: Orders| match sort_order(&orders.user, &orders.ts, &orders.row) {
        None => orders,
        Some(order) => Orders {
            user: permute(&orders.user, &order),
            ts: permute(&orders.ts, &order),
            revenue: permute(&orders.revenue, &order),
            row: permute(&orders.row, &order),
        },
    };
    // While they are, the exposures are ordered and the names set out.
    let orders = std::thread::scope(|scope| {
        let orders = sorted_orders.map(|o| scope.spawn(move || sort_orders(o)));
        out.data.user_segment = vec![None; int.users.len()];
        if let Some(RawExposures { mut ex, segment }) = raw_ex {
            let order = sort_order(&ex.user, &ex.ts, &ex.row);
            let rows: Box<dyn Iterator<Item = usize>> = match &order {
                Some(order) => Box::new(order.iter().copied()),
                None => Box::new(0..ex.user.len()),
            };
            for i in rows {
                let u = ex.user[i] as usize;
                if out.data.user_segment[u].is_none() {
                    out.data.user_segment[u] = segment[i].map(|s| seg_recode[s as usize]);
                }
            }
            for c in &mut ex.channel {
                *c = recode[usize::from(*c)];
            }
            out.data.exposures = match order {
                None => ex,
                Some(order) => Exposures {
                    user: permute(&ex.user, &order),
                    channel: permute(&ex.channel, &order),
                    ts: permute(&ex.ts, &order),
                    group: permute(&ex.group, &order),
                    cost: permute(&ex.cost, &order),
                    campaign: permute(&ex.campaign, &order),
                    row: permute(&ex.row, &order),
                },
            };
        }
        out.data.users = int.users.into_names();
        out.data.campaigns = int.campaigns.into_names();
        // N.B. sorting cannot fail on any input; a panic there is a bug
        // and stays one.
        orders.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    if let Some(orders) = orders {
        out.data.orders = orders;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Repeated order ids are found whether the ids come in ascending
    /// order (no sort needed) or not, within a block of the file and across
    /// blocks (the files span several 1 MiB blocks); the first row of an id
    /// stays.
    #[test]
    fn repeated_order_ids_are_found_in_and_across_blocks() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let n = 60_000usize;
        type IdOf = Box<dyn Fn(usize) -> usize>;
        let mut cases: Vec<(String, IdOf, u64)> = vec![
            ("increasing".into(), Box::new(|i| i), 0),
            (
                "one repeat".into(),
                Box::new(move |i| if i == n - 1 { 7 } else { i }),
                1,
            ),
            (
                "twice over".into(),
                Box::new(move |i| i % (n / 2)),
                (n / 2) as u64,
            ),
            ("neighbours".into(), Box::new(|i| i - i % 2), (n / 2) as u64),
            (
                "runs of three".into(),
                Box::new(|i| i - i % 3),
                (2 * n / 3) as u64,
            ),
            (
                "ascending, then one below".into(),
                Box::new(move |i| if i == n - 1 { n - 3 } else { i }),
                1,
            ),
        ];
        // One repeat, of the row before, at the end of the first block
        // (rows of 45 bytes after a header of 35): somewhere here the two
        // rows sit in different blocks.
        let near = ((1 << 20) - 35) / 45;
        for p in near - 3..near + 4 {
            cases.push((
                format!("repeat at row {p}"),
                Box::new(move |i| if i == p { p - 1 } else { i }),
                1,
            ));
        }
        for (name, id_of, repeats) in cases {
            let path = dir.path().join("revenue.csv");
            let mut text = String::from("order_id,user_id,timestamp,revenue\n");
            // Each row's revenue is its row number: the repeats' total
            // says which rows were dropped.
            let mut seen = std::collections::HashSet::new();
            let mut dropped = 0.0;
            for i in 0..n {
                text.push_str(&format!(
                    "o{:08},u{:06},2026-01-01T00:00:00Z,{i:05}\n",
                    id_of(i),
                    i % 1000
                ));
                if !seen.insert(id_of(i)) {
                    dropped += i as f64;
                }
            }
            assert!(text.len() > 2 * (1 << 20), "the file spans blocks");
            assert_eq!(
                text.lines().map(str::len).take(3).collect::<Vec<_>>(),
                [34, 44, 44]
            );
            std::fs::write(&path, text).expect("the file is written");
            for threads in [1, 2] {
                let mut users = Interner::with_capacity(16);
                let (orders, facts, _, load) =
                    load_revenue(&path, &Config::default(), &mut users, threads);
                assert_eq!(load.problem_count, 0);
                assert_eq!(facts.duplicate_orders, repeats, "{name}");
                assert_eq!(facts.duplicate_total, dropped, "{name}");
                assert_eq!(orders.len() as u64, n as u64 - repeats, "{name}");
            }
        }
    }

    /// The problems are counted by column and kind over every row, past
    /// the kept ones and across the blocks read in parallel: the counts are
    /// exact, the first of each group is the first in the file, and one
    /// thread or two give the same groups.
    #[test]
    fn problem_groups_count_every_row_and_keep_the_first_in_the_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("revenue.csv");
        let n = 90_000usize;
        let mut text = String::from("user_id,timestamp,revenue\n");
        let (mut amounts, mut times) = (Vec::new(), Vec::new());
        for i in 0..n {
            let ts = if i % 11 == 5 {
                times.push(i as u64 + 2);
                format!("01/{:02}/2026", i % 28 + 1)
            } else {
                "2026-01-02T10:00:00Z".to_string()
            };
            let amount = if i % 7 == 3 {
                amounts.push(i as u64 + 2);
                format!("\"{},50\"", i % 100)
            } else {
                "12.50".to_string()
            };
            text.push_str(&format!("u{i:06},{ts},{amount}\n"));
        }
        assert!(text.len() > 2 * (1 << 20), "the file spans blocks");
        std::fs::write(&path, text).expect("the file is written");
        let mut seen = Vec::new();
        for threads in [1, 2] {
            let mut users = Interner::with_capacity(16);
            let (_, _, _, load) = load_revenue(&path, &Config::default(), &mut users, threads);
            assert_eq!(load.problem_count, amounts.len() + times.len());
            assert_eq!(load.problems.len(), MAX_KEPT_PROBLEMS);
            let summary: Vec<(String, u64, u64, String)> = load
                .groups
                .iter()
                .map(|g| {
                    (
                        g.first.column.clone().unwrap_or_default(),
                        g.count,
                        g.first.line.unwrap_or_default(),
                        g.first.value.clone().unwrap_or_default(),
                    )
                })
                .collect();
            assert_eq!(
                summary,
                [
                    (
                        "revenue".to_string(),
                        amounts.len() as u64,
                        amounts[0],
                        "3,50".to_string()
                    ),
                    (
                        "timestamp".to_string(),
                        times.len() as u64,
                        times[0],
                        "01/06/2026".to_string()
                    ),
                ],
                "{threads} threads"
            );
            seen.push(load.groups);
        }
        assert_eq!(seen[0], seen[1]);
    }

    /// Plain decimals read the same, bit for bit, as `str::parse` reads
    /// them; anything else is left to it.
    #[test]
    fn plain_decimals_equal_str_parse_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..200_000 {
            let digits = rng.random_range(1..=15usize);
            let mut text = String::new();
            if rng.random_bool(0.3) {
                text.push('-');
            }
            let point = rng.random_range(0..digits + 2);
            for i in 0..digits {
                if i == point && i > 0 {
                    text.push('.');
                }
                text.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
            let want: f64 = text.parse().expect("a decimal");
            let got = plain_decimal(text.as_bytes()).expect("a plain decimal");
            assert_eq!(got.to_bits(), want.to_bits(), "{text}");
        }
        for (text, want) in [
            ("-0", Some(-0.0)),
            ("0.10", Some(0.1)),
            ("999999999999999", Some(999_999_999_999_999.0)),
        ] {
            assert_eq!(
                plain_decimal(text.as_bytes()).map(f64::to_bits),
                want.map(f64::to_bits),
                "{text}"
            );
        }
        for text in [
            "",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "+1",
            "1e5",
            " 1",
            "1,5",
            "--1",
            "9999999999999999",
            "0.000000000000001",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
    }

    /// Codes are given in order of first appearance, whatever the order of
    /// the names, with names that share a slot of the recent-names cache
    /// (same length, first and last bytes) and names of every length.
    #[test]
    fn interned_codes_follow_first_appearance() {
        let mut pool: Vec<String> = ["", "a", "ab", "email", "emaïl", "e--l", "exxl", "eyyl"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        pool.extend((0..60).map(|i| format!("c{}{}", "x".repeat(i % 40), i % 7)));
        assert!(recent_slot(b"exxl") == recent_slot(b"eyyl"));
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut int = Interner::with_capacity(4);
        let mut first: Vec<&str> = Vec::new();
        for _ in 0..20_000 {
            let name = &pool[rng.random_range(0..pool.len())];
            let expected = match first.iter().position(|f| f == name) {
                Some(i) => i,
                None => {
                    first.push(name);
                    first.len() - 1
                }
            };
            assert_eq!(int.get_or_insert(name) as usize, expected, "{name}");
        }
        assert_eq!(int.into_names(), first);
    }

    /// The word-wise comparison of names equals `==` at every length and
    /// wherever the two names differ.
    #[test]
    fn same_equals_byte_equality() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 1;
                assert!(!same(&a, &b), "length {n}, byte {at}");
            }
            let mut longer = a.clone();
            longer.push(b'a');
            assert!(!same(&a, &longer) && !same(&longer, &a), "length {n}");
        }
    }

    #[test]
    fn sort_order_equals_sorting_by_user_time_and_row() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in [0usize, 1, 2, 17, 1_000, 20_000] {
            let users = (n / 7).max(1) as u32;
            let user: Vec<u32> = (0..n).map(|_| rng.random_range(0..users)).collect();
            // Few distinct times, so that ties are common.
            let ts: Vec<Micros> = (0..n).map(|_| rng.random_range(0..5)).collect();
            let row: Vec<u32> = (0..n as u32).map(|i| i * 2 + 1).collect();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_unstable_by_key(|&i| (user[i], ts[i], row[i]));
            let got = sort_order(&user, &ts, &row).unwrap_or_else(|| (0..n).collect());
            assert_eq!(got, want, "n = {n}");
            if n > 2 {
                // Rows in order already: no order to apply.
                let (u, t): (Vec<u32>, Vec<Micros>) =
                    want.iter().map(|&i| (user[i], ts[i])).unzip();
                assert_eq!(sort_order(&u, &t, &row), None);
            }
        }
    }
}
