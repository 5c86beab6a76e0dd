//! The hinge between reading and analysing: the sufficient statistics of a
//! run.
//!
//! Two paths produce a [`Summary`]: the in-process one reduces the rows of
//! the input files in single passes (`reduce`), and warehouse mode reads the
//! aggregates the generated SQL computed where the data lives
//! (`warehouse::aggregates::summarize`). One analysis (`analysis`) turns a
//! summary into the report's sections, so every number of the report is
//! computed once, the same way on both paths.
//!
//! What needs user-level rows (the bootstrap) reads [`Summary::users`]:
//! `None` from a warehouse, which is the one place that decides a number is
//! unavailable there.

use crate::attribution::{MarkovExplain, ModelResult, Totals};
use crate::io::{FileInfo, RevenueFacts};
use crate::lift::ArmStats;
use crate::model::{FinancePeriod, Micros, TimeSpan, Window};
use crate::reconcile::DailyRevenue;
use crate::warning::Warning;
use std::collections::BTreeMap;

/// The sufficient statistics of a run, from either path.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// End of the observation period (none without a revenue timestamp).
    pub as_of: Option<Micros>,
    /// Each input's path, SHA-256 and row counts, by kind.
    pub inputs: BTreeMap<String, FileInfo>,
    /// Channel names, indexed by channel code.
    pub channels: Vec<String>,
    /// Per channel with any row, in the order its lift is reported.
    pub cohorts: Vec<CohortCounts>,
    /// The arms' statistics per (channel, window, segment), grouped by
    /// channel in the order of `cohorts`.
    pub cells: Vec<LiftCell>,
    /// The users' outcomes of each cell (parallel to `cells`), when kept:
    /// only the in-process path has them, and only when the bootstrap asks.
    pub users: Option<Vec<LiftCellOutcomes>>,
    /// Attribution per window, in the run's window order.
    pub attribution: Vec<WindowCredits>,
    /// Per channel code: the spend over its exposure period (`None` for a
    /// channel without exposed rows); `None` when no spend was given.
    pub spend: Option<Vec<Option<f64>>>,
    /// Net revenue of the revenue export (after removing repeated orders).
    pub export_revenue: f64,
    /// Net revenue per UTC day, sorted by day.
    pub daily_revenue: Vec<DailyRevenue>,
    /// Refunds and repeated orders of the revenue export.
    pub revenue_facts: RevenueFacts,
    /// The finance periods, when a finance file was given.
    pub finance: Option<Vec<FinancePeriod>>,
    /// Warnings of reading the inputs (skipped rows, refunds, repeats).
    pub input_warnings: Vec<Warning>,
    /// Warnings about how the attribution's paths were formed.
    pub attribution_warnings: Vec<Warning>,
}

/// The users of one channel's test, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CohortCounts {
    /// Channel code.
    pub channel: u16,
    /// Users with only exposed rows for the channel.
    pub exposed_users: u64,
    /// Users with only control rows for the channel.
    pub control_users: u64,
    /// Users with both labels (excluded from lift).
    pub contaminated: u64,
    /// Users with at least one exposed row, contaminated included (`n_e_all`).
    pub exposed_all: u64,
    /// Time of the channel's first and last exposed row.
    pub exposed_span: Option<TimeSpan>,
    /// Time of the channel's first and last labeled (exposed or control)
    /// row: its enrollment period.
    pub labeled_span: Option<TimeSpan>,
}

/// Both arms of one (channel, window, segment).
#[derive(Debug, Clone, PartialEq)]
pub struct LiftCell {
    /// Channel code.
    pub channel: u16,
    /// The window.
    pub window: Window,
    /// Segment name (`None` = all users).
    pub segment: Option<String>,
    /// The exposed arm's mature users.
    pub exposed: ArmStats,
    /// The control arm's mature users.
    pub control: ArmStats,
    /// Users of both arms not mature for the window.
    pub immature: u64,
    /// Contaminated users of the segment.
    pub contaminated: u64,
    /// The arms' profit statistics (`Yπ`, `Xπ`), when profit is on.
    pub profit: Option<ProfitArms>,
    /// The caps of the cell's (channel, window) and the users they
    /// changed, when capping is on.
    pub capping: Option<CellCaps>,
}

/// Both arms' statistics of the profit outcome: the moments of (`Xπ`, `Yπ`)
/// (capped when capping is on), the converters, and `revenue` = Σ `Yπ`
/// uncapped (the arm's profit).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProfitArms {
    /// The exposed arm.
    pub exposed: ArmStats,
    /// The control arm.
    pub control: ArmStats,
}

/// Where a value is clipped: `[lower, upper]`, a bound `None` when that side
/// is not capped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    /// Lower cap.
    pub lower: Option<f64>,
    /// Upper cap.
    pub upper: Option<f64>,
}

impl Bounds {
    /// `v` clipped to the bounds.
    pub fn clip(&self, v: f64) -> f64 {
        let v = self.lower.map_or(v, |l| v.max(l));
        self.upper.map_or(v, |u| v.min(u))
    }
}

/// Whether clipping moved a user's outcome from `before` to `after` (a user
/// the caps changed): by more than floating-point summation error, relative
/// [`CAPPED_TOLERANCE`] (absolute near zero). A user whose orders cancel
/// out (a purchase and its refund) sums to 0 or to a few units in the last
/// place depending on the order of the additions, which no engine fixes: such
/// a user sits at a cap of 0 and is not counted, wherever the sum was taken.
pub fn capped(before: f64, after: f64) -> bool {
    (before - after).abs() > CAPPED_TOLERANCE * before.abs().max(after.abs()).max(1.0)
}

/// The tolerance of [`capped`].
pub const CAPPED_TOLERANCE: f64 = 1e-9;

/// The caps of one (channel, window) — quantiles over both arms' users,
/// every segment, of each outcome — and the row's users they changed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CellCaps {
    /// Caps of `Y`.
    pub revenue: Bounds,
    /// Caps of `X`.
    pub pre_period: Bounds,
    /// Caps of `Yπ` (profit on).
    pub profit: Option<Bounds>,
    /// Caps of `Xπ` (profit on).
    pub profit_pre_period: Option<Bounds>,
    /// The row's users whose `Y` the caps changed.
    pub users_capped: u64,
    /// The row's users whose `Yπ` the caps changed (profit on).
    pub users_capped_profit: Option<u64>,
}

/// The mature users' outcomes of one cell, for what needs the users.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiftCellOutcomes {
    /// The exposed arm.
    pub exposed: Outcomes,
    /// The control arm.
    pub control: Outcomes,
}

/// Per mature user of an arm: the pre-period covariate, the outcome, and
/// whether the user converted in the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    /// Pre-period net revenue `X`.
    pub x: Vec<f64>,
    /// Net revenue in the window `Y`.
    pub y: Vec<f64>,
    /// At least one conversion in the window.
    pub converted: Vec<bool>,
}

impl Outcomes {
    /// The outcomes as the lift estimator reads them.
    pub fn arm(&self) -> crate::lift::Arm<'_> {
        crate::lift::Arm {
            x: &self.x,
            y: &self.y,
            converted: &self.converted,
        }
    }
}

/// One window's attribution: its totals, every model's credits, and what
/// each model credits to each experiment's channel among its test users.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCredits {
    /// Window in days.
    pub window_days: u16,
    /// Conversions and revenue of the window.
    pub totals: Totals,
    /// Every model's credits per channel, in the run's model order.
    pub models: Vec<ModelResult>,
    /// The experiments (channels with an exposed cohort), each with the
    /// revenue every model credits to it from its test users' conversions.
    pub experiments: Vec<ExperimentCredits>,
    /// The Markov chain laid out (`uplift attribute --explain markov`).
    pub explained: Option<MarkovExplain>,
}

/// What each model credits to one experiment's channel from the
/// conversions of its test users.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentCredits {
    /// Channel code.
    pub channel: u16,
    /// Revenue credited, per model in the run's model order.
    pub credited: Vec<f64>,
}
