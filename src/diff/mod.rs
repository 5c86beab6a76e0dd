//! `uplift diff`: what changed between two JSON reports (last week's and
//! this week's).
//!
//! [`read`] reads each report into a [`ReportView`] (leniently: a report of
//! an older version still diffs); [`compare`] matches their rows and builds
//! the [`DiffReport`], which `--format json` writes as it is and the human
//! formats render. Nothing here reads a file or prints.
//!
//! ## Wire format
//! The contract's section "`uplift diff`", field for field, plus
//! `lift[].old.balance_flag` / `new.balance_flag` (the row's
//! `balance.flag`, null when the report has none) and
//! `lift[].newly_imbalanced`. Rows are sorted as in a report: lift by
//! (window, segment with all users first, channel), attribution by
//! (window, model, channel), periods by their dates.
//!
//! ## Readings where the contract is silent
//! - `lift` holds every row of either report: a row of one report only has
//!   `null` on the other side, and `change`, `outside_old_ci` null.
//! - A verdict changed when both reports have the row and the verdicts
//!   differ, a verdict appearing or disappearing (no spend last week)
//!   included; a row of one report only changes no verdict.
//! - `outside_old_ci`: the new estimate below the old `ci_low` or above the
//!   old `ci_high` (an estimate on the bound is inside); null when either is
//!   missing.
//! - `attribution` holds every row of either report, `change_pp` =
//!   (new share − old share) × 100, null for a row of one report only.
//! - `reconciliation` holds the periods (matched on both dates) whose
//!   status differs, a period of one report only included.
//! - `inputs` and `config` hold the names whose SHA-256 or value differ,
//!   absent on one side included (`null` there).
//! - The checks look at every lift row, segment rows included.

mod read;

pub use read::{AttributionView, LiftView, PeriodView, ReportView, read};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The comparison of two reports (`uplift diff --format json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct DiffReport {
    /// The old report (last week's).
    pub old: ReportFile,
    /// The new report (this week's).
    pub new: ReportFile,
    /// Every lift row of either report, matched on (channel, segment,
    /// window_days).
    pub lift: Vec<LiftChange>,
    /// Every attribution row of either report, matched on (window_days,
    /// model, channel).
    pub attribution: Vec<AttributionChange>,
    /// The reconciliation periods whose status changed.
    pub reconciliation: Vec<StatusChange>,
    /// Warning codes added and removed.
    pub warnings: WarningChanges,
    /// The inputs whose SHA-256 changed.
    pub inputs: Vec<InputChange>,
    /// The top-level settings of `config` that differ.
    pub config: Vec<SettingChange>,
    /// The `--fail-on` checks that hold.
    pub failed: Vec<DiffCheck>,
}

/// One of the two reports compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ReportFile {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the report file.
    pub sha256: String,
    /// The report's `as_of`.
    pub as_of: Option<String>,
}

/// A lift row's headline in one report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Headline {
    /// `revenue_per_user_lift.estimate`.
    pub estimate: Option<f64>,
    /// `revenue_per_user_lift.ci_low`.
    pub ci_low: Option<f64>,
    /// `revenue_per_user_lift.ci_high`.
    pub ci_high: Option<f64>,
    /// `decision.verdict` (null without a decision).
    pub verdict: Option<String>,
    /// `balance.flag`: the arms differed before the test (null when the
    /// report has no `balance`).
    pub balance_flag: Option<bool>,
}

/// One lift row, old and new.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct LiftChange {
    /// Channel.
    pub channel: String,
    /// Segment (null = all users).
    pub segment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// The old report's headline (null: the row is new).
    pub old: Option<Headline>,
    /// The new report's headline (null: the row is gone).
    pub new: Option<Headline>,
    /// New − old estimate.
    pub change: Option<f64>,
    /// The new estimate lies outside the old interval.
    pub outside_old_ci: Option<bool>,
    /// Both reports have the row and its verdicts differ.
    pub decision_changed: bool,
    /// The row's balance is flagged in the new report and was not in the
    /// old one.
    pub newly_imbalanced: bool,
}

/// One attribution row's share, old and new.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AttributionChange {
    /// Window in days.
    pub window_days: u16,
    /// Model.
    pub model: String,
    /// Channel.
    pub channel: String,
    /// The old share (a fraction; null: the row is new).
    pub old: Option<f64>,
    /// The new share (null: the row is gone).
    pub new: Option<f64>,
    /// (new − old) × 100: the change in percentage points.
    pub change_pp: Option<f64>,
}

/// A reconciliation period whose status changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StatusChange {
    /// First day.
    pub period_start: String,
    /// Last day.
    pub period_end: String,
    /// The old status (null: the period is new).
    pub old: Option<String>,
    /// The new status (null: the period is gone).
    pub new: Option<String>,
}

/// Warning codes added and removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct WarningChanges {
    /// Codes in the new report only, sorted.
    pub added: Vec<String>,
    /// Codes in the old report only, sorted.
    pub removed: Vec<String>,
}

/// An input whose SHA-256 changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct InputChange {
    /// The input (`exposures`, `revenue`, …).
    pub name: String,
    /// The old SHA-256 (null: not an input of the old report).
    pub old: Option<String>,
    /// The new SHA-256 (null: not an input of the new report).
    pub new: Option<String>,
}

/// A top-level setting of `config` that differs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SettingChange {
    /// The key of `config`.
    pub setting: String,
    /// The old value (null when absent).
    pub old: Value,
    /// The new value (null when absent).
    pub new: Value,
}

/// A check that `uplift diff --fail-on` turns into exit code 3.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DiffCheck {
    /// A lift row's verdict changed.
    DecisionChange,
    /// A reconciliation period turned to mismatch.
    Reconciliation,
    /// A warning code appeared.
    NewWarning,
    /// A lift row's pre-period imbalance is newly flagged.
    Imbalance,
}

/// One report to compare: the file and what was read of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The report.
    pub report: ReportView,
}

/// The JSON Schema (draft 2020-12) of [`DiffReport`] as `uplift diff
/// --format json` writes it (`uplift schema --diff`), tidied as the
/// report's schema is.
pub fn json_schema() -> Value {
    crate::report::schema_of::<DiffReport>(
        &format!("urn:uplift:diff:{}", crate::report::SCHEMA_VERSION),
        &format!(
            "uplift diff of two reports of schema_version {}",
            crate::report::SCHEMA_VERSION
        ),
    )
}

/// Compares `old` with `new`; `failed` holds the checks of `checks` that
/// hold, in the order of [`DiffCheck`].
pub fn compare(old: &Snapshot, new: &Snapshot, checks: &[DiffCheck]) -> DiffReport {
    let (o, n) = (&old.report, &new.report);
    let mut diff = DiffReport {
        old: file(old),
        new: file(new),
        lift: lift(&o.lift, &n.lift),
        attribution: attribution(&o.attribution, &n.attribution),
        reconciliation: periods(&o.periods, &n.periods),
        warnings: WarningChanges {
            added: n.warnings.difference(&o.warnings).cloned().collect(),
            removed: o.warnings.difference(&n.warnings).cloned().collect(),
        },
        inputs: inputs(&o.inputs, &n.inputs),
        config: settings(&o.config, &n.config),
        failed: Vec::new(),
    };
    let mut failed: Vec<DiffCheck> = checks
        .iter()
        .copied()
        .filter(|c| holds(*c, &diff))
        .collect();
    failed.sort_unstable();
    failed.dedup();
    diff.failed = failed;
    diff
}

fn file(s: &Snapshot) -> ReportFile {
    ReportFile {
        path: s.path.clone(),
        sha256: s.sha256.clone(),
        as_of: s.report.as_of.clone(),
    }
}

/// Rows of two reports matched on a key, in key order.
fn matched<'a, K: Ord, T>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> K,
) -> BTreeMap<K, (Option<&'a T>, Option<&'a T>)> {
    let mut m: BTreeMap<K, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for r in old {
        m.entry(key(r)).or_default().0 = Some(r);
    }
    for r in new {
        m.entry(key(r)).or_default().1 = Some(r);
    }
    m
}

fn lift(old: &[LiftView], new: &[LiftView]) -> Vec<LiftChange> {
    let key = |r: &LiftView| (r.window_days, r.segment.clone(), r.channel.clone());
    matched(old, new, key)
        .into_iter()
        .map(|((window_days, segment, channel), (o, n))| {
            let (o, n) = (o.map(|r| &r.headline), n.map(|r| &r.headline));
            let both = o.zip(n);
            LiftChange {
                channel,
                segment,
                window_days,
                change: both.and_then(|(o, n)| Some(n.estimate? - o.estimate?)),
                outside_old_ci: both.and_then(|(o, n)| {
                    let (est, lo, hi) = (n.estimate?, o.ci_low?, o.ci_high?);
                    Some(est < lo || est > hi)
                }),
                decision_changed: both.is_some_and(|(o, n)| o.verdict != n.verdict),
                newly_imbalanced: n.is_some_and(|n| n.balance_flag == Some(true))
                    && o.is_none_or(|o| o.balance_flag != Some(true)),
                old: o.cloned(),
                new: n.cloned(),
            }
        })
        .collect()
}

fn attribution(old: &[AttributionView], new: &[AttributionView]) -> Vec<AttributionChange> {
    let key = |r: &AttributionView| (r.window_days, r.model.clone(), r.channel.clone());
    matched(old, new, key)
        .into_iter()
        .map(|((window_days, model, channel), (o, n))| {
            let (old, new) = (o.map(|r| r.share), n.map(|r| r.share));
            AttributionChange {
                window_days,
                model,
                channel,
                old,
                new,
                change_pp: old.zip(new).map(|(o, n)| (n - o) * 100.0),
            }
        })
        .collect()
}

fn periods(old: &[PeriodView], new: &[PeriodView]) -> Vec<StatusChange> {
    let key = |p: &PeriodView| (p.period_start.clone(), p.period_end.clone());
    matched(old, new, key)
        .into_iter()
        .filter_map(|((period_start, period_end), (o, n))| {
            let (old, new) = (o.map(|p| p.status.clone()), n.map(|p| p.status.clone()));
            (old != new).then_some(StatusChange {
                period_start,
                period_end,
                old,
                new,
            })
        })
        .collect()
}

fn inputs(
    old: &BTreeMap<String, Option<String>>,
    new: &BTreeMap<String, Option<String>>,
) -> Vec<InputChange> {
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (old.get(name).cloned(), new.get(name).cloned());
            (o != n).then(|| InputChange {
                name: name.clone(),
                old: o.flatten(),
                new: n.flatten(),
            })
        })
        .collect()
}

/// The settings that differ, in the new report's order, then the old
/// report's settings it no longer has.
fn settings(
    old: &serde_json::Map<String, Value>,
    new: &serde_json::Map<String, Value>,
) -> Vec<SettingChange> {
    let gone = old.keys().filter(|k| !new.contains_key(*k));
    new.keys()
        .chain(gone)
        .filter_map(|k| {
            let o = old.get(k).cloned().unwrap_or(Value::Null);
            let n = new.get(k).cloned().unwrap_or(Value::Null);
            (o != n).then(|| SettingChange {
                setting: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// Whether `check` holds on `diff`.
pub fn holds(check: DiffCheck, diff: &DiffReport) -> bool {
    match check {
        DiffCheck::DecisionChange => diff.lift.iter().any(|r| r.decision_changed),
        DiffCheck::Reconciliation => diff.reconciliation.iter().any(turned_to_mismatch),
        DiffCheck::NewWarning => !diff.warnings.added.is_empty(),
        DiffCheck::Imbalance => diff.lift.iter().any(|r| r.newly_imbalanced),
    }
}

/// A period whose status is `mismatch` now and was not before.
pub fn turned_to_mismatch(p: &StatusChange) -> bool {
    p.new.as_deref() == Some("mismatch")
}

/// A lift row as a person names it: `email (30 days)`, `email (30 days,
/// segment new)`.
pub fn row_name(r: &LiftChange) -> String {
    match &r.segment {
        Some(s) => format!("{} ({} days, segment {s})", r.channel, r.window_days),
        None => format!("{} ({} days)", r.channel, r.window_days),
    }
}

/// One line per failed check, naming what made it fail (for standard
/// error).
pub fn failure_notes(diff: &DiffReport) -> Vec<String> {
    let verdict = |h: &Option<Headline>| {
        h.as_ref()
            .and_then(|h| h.verdict.clone())
            .unwrap_or_else(|| "no decision".to_string())
    };
    diff.failed
        .iter()
        .map(|check| match check {
            DiffCheck::DecisionChange => {
                let rows: Vec<String> = diff
                    .lift
                    .iter()
                    .filter(|r| r.decision_changed)
                    .map(|r| format!("{} {} → {}", row_name(r), verdict(&r.old), verdict(&r.new)))
                    .collect();
                format!("check failed: verdict changed for {}", rows.join(", "))
            }
            DiffCheck::Reconciliation => {
                let periods: Vec<String> = diff
                    .reconciliation
                    .iter()
                    .filter(|p| turned_to_mismatch(p))
                    .map(|p| format!("{}..{}", p.period_start, p.period_end))
                    .collect();
                format!(
                    "check failed: reconciliation turned to mismatch in {}",
                    periods.join(", ")
                )
            }
            DiffCheck::NewWarning => format!(
                "check failed: new warning codes: {}",
                diff.warnings.added.join(", ")
            ),
            DiffCheck::Imbalance => {
                let rows: Vec<String> = diff
                    .lift
                    .iter()
                    .filter(|r| r.newly_imbalanced)
                    .map(row_name)
                    .collect();
                format!(
                    "check failed: pre-period imbalance newly flagged for {}",
                    rows.join(", ")
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
