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

use crate::attribution::{
    self, ConversionPath, Model, Params, Rule, Totals, Touchpoints, WindowPaths, rules, shapley,
};
use crate::cohort::Member;
use crate::model::{MICROS_PER_DAY, Micros};
use crate::stats::sum::NeumaierSum;
use serde::Serialize;

/// An experiment's channel with its incremental revenue estimate and interval.
pub type Measured = (u16, (f64, Option<f64>, Option<f64>));

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
/// The reference the one-pass split is tested against.
#[cfg(test)]
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
    let totals = subset_totals(&conversions);
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

/// The totals of a subset of conversions: every kept conversion is attributed.
fn subset_totals(conversions: &[ConversionPath]) -> Totals {
    let revenue: NeumaierSum = conversions.iter().map(|c| c.revenue).collect();
    Totals {
        conversions: conversions.len() as u64,
        revenue: revenue.value(),
        unattributed_conversions: 0,
        unattributed_revenue: 0.0,
        refunds: 0.0,
        net_revenue: revenue.value(),
    }
}

/// Calibration rows for every experiment, model and window.
///
/// The rule-based models and Shapley credit each conversion on its own, so
/// one pass over a window's conversions credits every experiment at once;
/// only the Markov chain is fitted again on each experiment's paths.
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
    for paths in window_paths {
        let w = paths.window_days;
        let here: Vec<&Experiment<'_>> =
            experiments.iter().filter(|e| e.window_days == w).collect();
        if here.is_empty() {
            continue;
        }
        let credited = credit_test_conversions(tp, paths, &here, models, params, n_channels, as_of);
        let measured: Vec<Measured> = here.iter().map(|e| (e.channel, e.incremental)).collect();
        push_rows(
            w,
            &measured,
            models,
            &credited,
            channel_names,
            &attributed_total,
            &mut rows,
        );
    }
    sort_rows(&mut rows);
    rows
}

/// Sorts calibration rows by (window, model, channel).
pub fn sort_rows(rows: &mut [CalibrationRow]) {
    rows.sort_by(|a, b| {
        (a.window_days, &a.model, &a.channel).cmp(&(b.window_days, &b.model, &b.channel))
    });
}

/// The rows of one window: `measured[k]` = (channel, incremental revenue
/// estimate and interval) of experiment k, `credited[model][k]` = the
/// revenue the model credits to that channel from the test users'
/// conversions.
pub fn push_rows(
    w: u16,
    measured: &[Measured],
    models: &[Model],
    credited: &[Vec<f64>],
    channel_names: &[String],
    attributed_total: &impl Fn(u16, Model, u16) -> f64,
    rows: &mut Vec<CalibrationRow>,
) {
    for (k, &(channel, (inc, lo, hi))) in measured.iter().enumerate() {
        for (j, &m) in models.iter().enumerate() {
            let credit = credited[j][k];
            let ratio = |v: f64| (credit > 0.0).then(|| v / credit);
            let total = attributed_total(w, m, channel);
            let factor = ratio(inc);
            rows.push(CalibrationRow {
                window_days: w,
                model: m.name().to_string(),
                channel: channel_names[usize::from(channel)].clone(),
                attributed_revenue_test: credit,
                incremental_revenue: inc,
                factor,
                factor_ci_low: lo.and_then(ratio),
                factor_ci_high: hi.and_then(ratio),
                attributed_revenue: total,
                calibrated_revenue: factor.map(|f| f * total),
            });
        }
    }
}

/// `credited[model][experiment]`: the revenue each model credits to the
/// experiment's channel from the conversions of its test users.
fn credit_test_conversions(
    tp: &Touchpoints,
    paths: &WindowPaths,
    experiments: &[&Experiment<'_>],
    models: &[Model],
    params: &Params,
    n_channels: usize,
    as_of: Micros,
) -> Vec<Vec<f64>> {
    let span = i64::from(paths.window_days) * MICROS_PER_DAY;
    // For each user: the experiments (index, t0) they are a mature exposed user of.
    let n_users = tp.user.iter().max().map_or(0, |&u| u as usize + 1);
    let mut entries: Vec<Vec<(usize, Micros)>> = vec![Vec::new(); n_users];
    for (k, e) in experiments.iter().enumerate() {
        for m in e.exposed.iter().filter(|m| m.t0 + span <= as_of) {
            if let Some(v) = entries.get_mut(m.user as usize) {
                v.push((k, m.t0));
            }
        }
    }
    let mut credited = vec![vec![0.0; experiments.len()]; models.len()];
    let mut weights = Vec::new();
    let mut shares = Vec::new();
    for c in &paths.conversions {
        let Some(&user) = tp.user.get(c.touches.start as usize) else {
            continue;
        };
        let Some(mine) = entries.get(user as usize).filter(|v| !v.is_empty()) else {
            continue;
        };
        let range = c.touches.range();
        let channels = &tp.channel[range.clone()];
        let ts = &tp.ts[range];
        for (j, &m) in models.iter().enumerate() {
            if let Some(rule) = Rule::of(m) {
                let age_days = |i: usize| (c.order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
                rules::touch_weights(rule, ts.len(), age_days, params, &mut weights);
                for &(k, t0) in mine {
                    if t0 <= c.order_ts && c.order_ts < t0 + span {
                        let ch = experiments[k].channel;
                        let w: f64 = channels
                            .iter()
                            .zip(&weights)
                            .filter(|(x, _)| **x == ch)
                            .map(|(_, w)| w)
                            .sum();
                        credited[j][k] += w * c.revenue;
                    }
                }
            } else if m == Model::Shapley {
                shapley::channel_shares(channels, &mut shares);
                for &(k, t0) in mine {
                    if t0 <= c.order_ts && c.order_ts < t0 + span {
                        let ch = experiments[k].channel;
                        let w: f64 = shares
                            .iter()
                            .filter(|(x, _)| *x == ch)
                            .map(|(_, w)| w)
                            .sum();
                        credited[j][k] += w * c.revenue;
                    }
                }
            }
        }
    }
    // Markov: the chain of each experiment's own paths, split out in one pass.
    if let Some(j) = models.iter().position(|&m| m == Model::Markov) {
        // Indices first (4 bytes a path), then one experiment's paths at a time.
        let mut conv_ix: Vec<Vec<u32>> = vec![Vec::new(); experiments.len()];
        let mut null_ix: Vec<Vec<u32>> = vec![Vec::new(); experiments.len()];
        let mine = |start: u32| {
            tp.user
                .get(start as usize)
                .and_then(|&u| entries.get(u as usize))
                .map_or(&[][..], Vec::as_slice)
        };
        for (i, c) in paths.conversions.iter().enumerate() {
            for &(k, t0) in mine(c.touches.start) {
                if t0 <= c.order_ts && c.order_ts < t0 + span {
                    conv_ix[k].push(i as u32);
                }
            }
        }
        for (i, s) in paths.non_converting.iter().enumerate() {
            for &(k, _) in mine(s.start) {
                null_ix[k].push(i as u32);
            }
        }
        let subs = conv_ix.into_iter().zip(null_ix).map(|(c, n)| {
            let conversions: Vec<ConversionPath> =
                c.iter().map(|&i| paths.conversions[i as usize]).collect();
            WindowPaths {
                window_days: paths.window_days,
                totals: subset_totals(&conversions),
                conversions,
                non_converting: n
                    .iter()
                    .map(|&i| paths.non_converting[i as usize])
                    .collect(),
            }
        });
        for (k, (e, sub)) in experiments.iter().zip(subs).enumerate() {
            let result = attribution::attribute_window(tp, &sub, Model::Markov, params, n_channels);
            credited[j][k] = result
                .credits
                .iter()
                .find(|c| c.channel == e.channel)
                .map_or(0.0, |c| c.revenue);
        }
    }
    credited
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort;
    use crate::model::{Exposures, Group, Orders};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const D: i64 = MICROS_PER_DAY;

    /// Random users with touches on 4 channels (some labeled) and orders.
    fn data(seed: u64) -> (Exposures, Orders) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut ex, mut or) = (Exposures::default(), Orders::default());
        for u in 0..300u32 {
            let mut ts: Vec<i64> = (0..rng.random_range(1..6))
                .map(|_| rng.random_range(0..120) * D + rng.random_range(0..D))
                .collect();
            ts.sort_unstable();
            for (i, t) in ts.into_iter().enumerate() {
                ex.user.push(u);
                ex.channel.push(rng.random_range(0..4));
                ex.ts.push(t);
                ex.group.push(match rng.random_range(0..4) {
                    0 => Group::Organic,
                    1 => Group::Control,
                    _ => Group::Exposed,
                });
                ex.cost.push(0.0);
                ex.campaign.push(u32::MAX);
                ex.row.push(u * 10 + i as u32);
            }
            let mut ots: Vec<i64> = (0..rng.random_range(0..4))
                .map(|_| rng.random_range(0..150) * D)
                .collect();
            ots.sort_unstable();
            for t in ots {
                or.user.push(u);
                or.ts.push(t);
                or.revenue.push(f64::from(rng.random_range(0..200)));
                or.row.push(or.row.len() as u32);
            }
        }
        (ex, or)
    }

    #[test]
    fn one_pass_credits_equal_attributing_each_experiments_paths_on_their_own() {
        for seed in [1, 2, 3] {
            let (ex, or) = data(seed);
            let cohorts = cohort::build(&ex, 4);
            let tp = Touchpoints::from_exposures(&ex);
            let params = Params::default();
            let as_of = 150 * D;
            for w in [7u16, 30] {
                let paths = attribution::build_paths(&tp, &or, w);
                let exps: Vec<Experiment<'_>> = cohorts
                    .iter()
                    .map(|c| Experiment {
                        channel: c.channel,
                        window_days: w,
                        exposed: &c.exposed,
                        incremental: (1.0, None, None),
                    })
                    .collect();
                let refs: Vec<&Experiment<'_>> = exps.iter().collect();
                let fast =
                    credit_test_conversions(&tp, &paths, &refs, &Model::ALL, &params, 4, as_of);
                for (k, e) in exps.iter().enumerate() {
                    let sub = test_paths(&tp, &paths, e.exposed, as_of);
                    for (j, &m) in Model::ALL.iter().enumerate() {
                        let slow = attribution::attribute_window(&tp, &sub, m, &params, 4)
                            .credits
                            .iter()
                            .find(|c| c.channel == e.channel)
                            .map_or(0.0, |c| c.revenue);
                        assert!(
                            (fast[j][k] - slow).abs() < 1e-6,
                            "seed {seed} W {w} {m:?} channel {}: {} vs {slow}",
                            e.channel,
                            fast[j][k]
                        );
                    }
                }
            }
        }
    }
}
