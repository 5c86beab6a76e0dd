//! Reading the input files into the plain domain data of [`crate::model`].
//!
//! This is the only module that uses polars (for Parquet). Each loader reads the columns it
//! needs, converts every value by the contract's rules, and records each bad
//! value as a [`Problem`] naming file, line, column, value and what would be
//! accepted. Bad rows are left out of the data; whether that is an error is
//! the caller's choice (`--on-bad-rows`).
//!
//! # Layout
//!
//! [`load`] (here) reads the files given and puts their rows in order. Each
//! file kind has its loader (`exposures`, `revenue`, `tables` for spend and
//! finance); they read cells through `cell`, collect problems in `collect`
//! and intern names in `intern`; `order` sorts the rows; [`read`] opens a
//! file and hands its rows over, block by block.

mod checked;
pub use checked::{OnBadRows, load_checked, revenue_warnings};
pub mod diagnose;
pub use crate::problem;
pub mod read;
pub mod time;

mod cell;
mod collect;
mod exposures;
mod intern;
mod order;
mod revenue;
mod tables;

pub use cell::MAX_MONEY;
pub use revenue::RevenueFacts;

use crate::config::Config;
use crate::model::{Dataset, Exposures, Orders};
use exposures::{RawExposures, load_exposures};
use intern::{Interner, Interners};
use order::{permute, sort_order};
use problem::{Problem, ProblemGroup};
use read::{ValueKind, Wanted};
use revenue::load_revenue;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::{Path, PathBuf};
use tables::{load_finance, load_spend};

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
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
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

/// Everything loaded, plus what each file gave.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The data.
    pub data: Dataset,
    /// Per file: exposures, revenue, spend, finance (in that order, when given).
    pub files: Vec<LoadedFile>,
    /// Revenue facts.
    pub revenue_facts: RevenueFacts,
}

/// One input file as loaded: its kind and what loading it gave.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// `exposures`, `revenue`, `spend` or `finance`.
    pub kind: &'static str,
    /// Its load report.
    pub load: FileLoad,
}

impl LoadedFile {
    fn new(kind: &'static str, load: FileLoad) -> Self {
        Self { kind, load }
    }
}

impl Loaded {
    /// Total problems across the files.
    pub fn problem_count(&self) -> usize {
        self.files.iter().map(|f| f.load.problem_count).sum()
    }

    /// The load report of one file.
    pub fn file(&self, name: &str) -> Option<&FileLoad> {
        self.files.iter().find(|f| f.kind == name).map(|f| &f.load)
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
                ("user_id", &m.user_id, true, ValueKind::Text),
                ("channel", &m.channel, true, ValueKind::Text),
                ("timestamp", &m.timestamp, true, ValueKind::Timestamp),
                ("group", &m.group, false, ValueKind::Text),
                ("campaign", &m.campaign, false, ValueKind::Text),
                ("segment", &m.segment, false, ValueKind::Text),
                ("cost", &m.cost, false, ValueKind::Number),
            ])
        }
        "revenue" => {
            let m = &cfg.columns.revenue;
            wanted(&[
                ("user_id", &m.user_id, true, ValueKind::Text),
                ("timestamp", &m.timestamp, true, ValueKind::Timestamp),
                ("revenue", &m.revenue, true, ValueKind::Number),
                ("order_id", &m.order_id, false, ValueKind::Text),
                ("cost", &m.cost, false, ValueKind::Number),
            ])
        }
        "spend" => {
            let m = &cfg.columns.spend;
            wanted(&[
                ("date", &m.date, true, ValueKind::Date),
                ("channel", &m.channel, true, ValueKind::Text),
                ("spend", &m.spend, true, ValueKind::Number),
            ])
        }
        "finance" => {
            let m = &cfg.columns.finance;
            wanted(&[
                ("period_start", &m.period_start, true, ValueKind::Date),
                ("period_end", &m.period_end, true, ValueKind::Date),
                ("revenue", &m.revenue, true, ValueKind::Number),
            ])
        }
        _ => Vec::new(),
    }
}

fn wanted(specs: &[(&'static str, &Option<String>, bool, ValueKind)]) -> Vec<Wanted> {
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
        out.files.push(LoadedFile::new("exposures", load));
    }
    if let (Some(joined), Some(path)) = (revenue, &paths.revenue) {
        let Ok(((mut orders, facts, max_ts, load), users)) = joined else {
            let file = path.display().to_string();
            out.files.push(LoadedFile::new(
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
        out.files.push(LoadedFile::new("revenue", load));
    }
    if let Some(p) = &paths.spend {
        let (spend, load) = load_spend(p, cfg, &mut int);
        out.data.spend = spend;
        out.files.push(LoadedFile::new("spend", load));
    }
    if let Some(p) = &paths.finance {
        let (finance, load) = load_finance(p, cfg);
        out.data.finance = finance;
        out.files.push(LoadedFile::new("finance", load));
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
            cost: if orders.cost.is_empty() {
                Vec::new()
            } else {
                permute(&orders.cost, &order)
            },
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
