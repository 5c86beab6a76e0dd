//! Calibration of attribution by experiments.
//!
//! For a channel with a holdout, the experiment measures the revenue the
//! channel caused among its exposed test users; each attribution model credits
//! the channel with part of those same users' revenue. On that common basis —
//! the conversions of the channel's mature exposed users in `[t0, t0 + W)` —
//!
//! ```text
//! factor(model, channel, W) = incremental revenue (experiment)
//!                           / revenue the model credits to the channel
//! calibrated revenue        = factor × the model's attributed revenue of the
//!                             channel over all conversions
//! ```
//! A factor below 1 means the model over-credits the channel against causal
//! truth; above 1, it under-credits it. Every model, the Markov chain
//! included, is run on the test users' own paths (their conversions in the
//! window, and their non-converting paths), so the chain is fitted on the
//! population the experiment measured.

use crate::attribution::{self, Model, Params, Totals, Touchpoints, WindowPaths};
use crate::cohort::Member;
use crate::model::{MICROS_PER_DAY, Micros};
use crate::stats::sum::NeumaierSum;
use serde::Serialize;

/// One (window, model, channel) calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    /// Window in days.
    pub window_days: u16,
    /// Attribution model.
    pub model: String,
    /// Channel.
    pub channel: String,
    /// Revenue the model credits to the channel from the test users'
    /// conversions in their window.
    pub attributed_revenue_test: f64,
    /// The experiment's incremental revenue (headline estimate).
    pub incremental_revenue: f64,
    /// `incremental / attributed_revenue_test` (null when the model credits nothing).
    pub factor: Option<f64>,
    /// Interval of the factor from the incremental revenue's interval.
    pub factor_ci_low: Option<f64>,
    /// Upper end.
    pub factor_ci_high: Option<f64>,
    /// The model's attributed revenue of the channel over all conversions.
    pub attributed_revenue: f64,
    /// `factor × attributed_revenue`.
    pub calibrated_revenue: Option<f64>,
}

/// What the experiment measured for one (channel, window).
#[derive(Debug, Clone, Copy)]
pub struct Experiment<'a> {
    /// Channel code.
    pub channel: u16,
    /// Window in days.
    pub window_days: u16,
    /// The channel's exposed cohort (all of it; maturity is checked here).
    pub exposed: &'a [Member],
    /// Incremental revenue estimate and interval.
    pub incremental: (f64, Option<f64>, Option<f64>),
}

/// Keeps the paths of `members` (mature at `as_of` for the window) whose
/// conversions fall in `[t0, t0 + W)`, and their non-converting paths.
fn test_paths(
    tp: &Touchpoints,
    paths: &WindowPaths,
    members: &[Member],
    as_of: Micros,
) -> WindowPaths {
    let span = i64::from(paths.window_days) * MICROS_PER_DAY;
    // members are sorted by user id (cohort::build walks users in order).
    let t0_of = |u: u32| {
        members
            .binary_search_by_key(&u, |m| m.user)
            .ok()
            .map(|i| members[i].t0)
            .filter(|t0| t0 + span <= as_of)
    };
    let user_of = |start: u32| tp.user.get(start as usize).copied();
    let conversions: Vec<_> = paths
        .conversions
        .iter()
        .filter(|c| {
            user_of(c.touches.start)
                .and_then(t0_of)
                .is_some_and(|t0| t0 <= c.order_ts && c.order_ts < t0 + span)
        })
        .cloned()
        .collect();
    // The totals are those of the subset: every kept conversion is attributed.
    let revenue: NeumaierSum = conversions.iter().map(|c| c.revenue).collect();
    let totals = Totals {
        conversions: conversions.len() as u64,
        revenue: revenue.value(),
        unattributed_conversions: 0,
        unattributed_revenue: 0.0,
        refunds: 0.0,
        net_revenue: revenue.value(),
    };
    WindowPaths {
        window_days: paths.window_days,
        conversions,
        non_converting: paths
            .non_converting
            .iter()
            .filter(|s| user_of(s.start).and_then(t0_of).is_some())
            .copied()
            .collect(),
        totals,
    }
}

/// Calibration rows for every experiment, model and window.
///
/// `attributed_total(window, model, channel)` gives the model's attributed
/// revenue over all conversions (from the report's attribution rows).
#[allow(clippy::too_many_arguments)]
pub fn calibrate(
    tp: &Touchpoints,
    window_paths: &[WindowPaths],
    experiments: &[Experiment<'_>],
    models: &[Model],
    params: &Params,
    n_channels: usize,
    as_of: Micros,
    channel_names: &[String],
    attributed_total: impl Fn(u16, Model, u16) -> f64,
) -> Vec<CalibrationRow> {
    let mut rows = Vec::new();
    for e in experiments {
        let Some(paths) = window_paths.iter().find(|p| p.window_days == e.window_days) else {
            continue;
        };
        let sub = test_paths(tp, paths, e.exposed, as_of);
        for &m in models {
            let result = attribution::attribute_window(tp, &sub, m, params, n_channels);
            let credited = result
                .credits
                .iter()
                .find(|c| c.channel == e.channel)
                .map_or(0.0, |c| c.revenue);
            let (inc, lo, hi) = e.incremental;
            let ratio = |v: f64| (credited > 0.0).then(|| v / credited);
            let total = attributed_total(e.window_days, m, e.channel);
            let factor = ratio(inc);
            rows.push(CalibrationRow {
                window_days: e.window_days,
                model: m.name().to_string(),
                channel: channel_names[usize::from(e.channel)].clone(),
                attributed_revenue_test: credited,
                incremental_revenue: inc,
                factor,
                factor_ci_low: lo.and_then(ratio),
                factor_ci_high: hi.and_then(ratio),
                attributed_revenue: total,
                calibrated_revenue: factor.map(|f| f * total),
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.window_days, &a.model, &a.channel).cmp(&(b.window_days, &b.model, &b.channel))
    });
    rows
}
