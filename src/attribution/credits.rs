//! Credit assembly: from each path's split to one model's credits.
//!
//! [`attribute_window`] runs one model on one window's paths and
//! [`attribute_paths`] on the package's grouped paths; [`from_credits`] and
//! [`from_shares`] finish credits that a warehouse computed. All four add
//! the credits per channel in [`Credits`] with compensated sums and settle
//! the rounding remainder on the largest credit, so that every model's
//! credits add up to the attributed conversions and revenue exactly (the
//! contract's conservation identity, in the module documentation of
//! `attribution`).

use super::{
    AttributionError, ChannelCredit, GroupedPath, Model, ModelResult, Params, Rule, Targets,
    Touchpoints, WindowPaths, markov, rules, shapley,
};
use crate::model::MICROS_PER_DAY;
use crate::stats::sum::NeumaierSum;

/// Runs one model on one window's paths.
///
/// Rule-based models and Shapley walk the conversions one by one (time decay
/// needs each conversion's own touch ages); Markov groups the paths by state
/// sequence first.
pub fn attribute_window(
    touchpoints: &Touchpoints,
    paths: &WindowPaths,
    model: Model,
    params: &Params,
    n_channels: usize,
) -> ModelResult {
    let mut credits = Credits::new(n_channels);
    for p in paths.path_refs(touchpoints) {
        credits.mark_present(p.channels);
    }
    let Targets {
        conversions: target_conversions,
        revenue: target_revenue,
    } = paths.totals.targets();

    match (model, Rule::of(model)) {
        (_, Some(rule)) => {
            let mut weights = Vec::new();
            for c in &paths.conversions {
                let range = c.touches.range();
                let ts = &touchpoints.ts[range.clone()];
                let age_days = |i: usize| (c.order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
                rules::touch_weights(rule, ts.len(), age_days, params, &mut weights);
                for (&channel, &w) in touchpoints.channel[range].iter().zip(&weights) {
                    credits.add(channel, w, w * c.revenue);
                }
            }
        }
        (Model::Markov, None) => {
            let shares = markov::shares(paths.path_refs(touchpoints), params);
            credits.add_shares(&shares, target_conversions, target_revenue);
        }
        (_, None) => {
            let mut shares = Vec::new();
            for c in &paths.conversions {
                shapley::channel_shares(touchpoints.channels(c.touches), &mut shares);
                for s in &shares {
                    credits.add(s.channel, s.share, s.share * c.revenue);
                }
            }
        }
    }
    credits.finish(model, target_conversions, target_revenue)
}

/// Runs one model on pre-built grouped paths (the ChannelAttribution
/// package's input): each path's conversions and revenue are split as one
/// conversion of that path would be, times its count.
///
/// # Errors
///
/// [`AttributionError::NeedsTimestamps`] for [`Model::TimeDecay`]: a grouped
/// path has lost its touch times ([`attribute_window`] computes it).
pub fn attribute_paths(
    paths: &[GroupedPath],
    model: Model,
    params: &Params,
) -> Result<ModelResult, AttributionError> {
    let mut credits = Credits::new(0);
    let mut target_conversions = 0u64;
    let mut target_revenue = NeumaierSum::default();
    for p in paths {
        credits.mark_present(&p.channels);
        target_conversions += p.conversions;
        target_revenue.add(p.revenue);
    }
    let (target_conversions, target_revenue) = (target_conversions as f64, target_revenue.value());

    match (model, Rule::of(model)) {
        (_, Some(Rule::TimeDecay)) => return Err(AttributionError::NeedsTimestamps(model)),
        (_, Some(rule)) => {
            let mut weights = Vec::new();
            for p in paths.iter().filter(|p| p.conversions > 0) {
                rules::touch_weights(rule, p.channels.len(), |_| 0.0, params, &mut weights);
                for (&channel, &w) in p.channels.iter().zip(&weights) {
                    credits.add(channel, w * p.conversions as f64, w * p.revenue);
                }
            }
        }
        (Model::Markov, None) => {
            let shares = markov::shares(paths.iter().map(GroupedPath::as_path_ref), params);
            credits.add_shares(&shares, target_conversions, target_revenue);
        }
        (_, None) => {
            let mut shares = Vec::new();
            for p in paths.iter().filter(|p| p.conversions > 0) {
                shapley::channel_shares(&p.channels, &mut shares);
                for s in &shares {
                    credits.add(
                        s.channel,
                        s.share * p.conversions as f64,
                        s.share * p.revenue,
                    );
                }
            }
        }
    }
    Ok(credits.finish(model, target_conversions, target_revenue))
}

/// A model's result from credits computed elsewhere (a warehouse's
/// aggregates): `credits` are each channel's conversions and revenue as
/// computed there, unsettled; every channel of `present` gets a row, and
/// the totals are settled to the targets as [`attribute_window`] settles
/// them.
pub fn from_credits(
    model: Model,
    credits: &[ChannelCredit],
    present: &[u16],
    target_conversions: f64,
    target_revenue: f64,
) -> ModelResult {
    let mut out = Credits::new(0);
    out.mark_present(present);
    for c in credits {
        out.add(c.channel, c.conversions, c.revenue);
    }
    out.finish(model, target_conversions, target_revenue)
}

/// A Markov result from removal-effect shares computed elsewhere (from a
/// warehouse's transition counts): the targets are split by the shares,
/// every channel of `present` gets a row, and the totals are settled.
pub fn from_shares(
    model: Model,
    shares: &markov::Shares,
    present: &[u16],
    target_conversions: f64,
    target_revenue: f64,
) -> ModelResult {
    let mut out = Credits::new(0);
    out.mark_present(present);
    out.add_shares(shares, target_conversions, target_revenue);
    out.finish(model, target_conversions, target_revenue)
}

/// Per-channel running credits of one model.
#[derive(Debug, Clone)]
pub(crate) struct Credits {
    conversions: Vec<NeumaierSum>,
    revenue: Vec<NeumaierSum>,
    present: Vec<bool>,
}

impl Credits {
    pub(crate) fn new(n_channels: usize) -> Self {
        Self {
            conversions: vec![NeumaierSum::default(); n_channels],
            revenue: vec![NeumaierSum::default(); n_channels],
            present: vec![false; n_channels],
        }
    }

    #[inline]
    fn slot(&mut self, channel: u16) -> usize {
        let i = usize::from(channel);
        if i >= self.present.len() {
            self.conversions.resize(i + 1, NeumaierSum::default());
            self.revenue.resize(i + 1, NeumaierSum::default());
            self.present.resize(i + 1, false);
        }
        i
    }

    pub(crate) fn mark_present(&mut self, channels: &[u16]) {
        for &c in channels {
            let i = self.slot(c);
            self.present[i] = true;
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, channel: u16, conversions: f64, revenue: f64) {
        let i = self.slot(channel);
        self.present[i] = true;
        self.conversions[i].add(conversions);
        self.revenue[i].add(revenue);
    }

    pub(crate) fn add_shares(&mut self, shares: &markov::Shares, conversions: f64, revenue: f64) {
        for s in &shares.conversion {
            self.add(s.channel, s.share * conversions, 0.0);
        }
        for s in &shares.value {
            self.add(s.channel, 0.0, s.share * revenue);
        }
    }

    /// Adds the credits of `other` (of the conversions that follow this
    /// one's).
    pub(crate) fn merge(&mut self, other: &Credits) {
        for (i, &p) in other.present.iter().enumerate() {
            if p {
                let i = self.slot(i as u16);
                self.present[i] = true;
                self.conversions[i].merge(&other.conversions[i]);
                self.revenue[i].merge(&other.revenue[i]);
            }
        }
    }

    /// Marks every channel `present` marks.
    pub(crate) fn mark_all(&mut self, present: &[bool]) {
        for (i, &p) in present.iter().enumerate() {
            if p {
                let i = self.slot(i as u16);
                self.present[i] = true;
            }
        }
    }

    /// The credits, with the rounding remainder of each total given to the
    /// channel with the largest credit so that the totals match exactly.
    pub(crate) fn finish(
        self,
        model: Model,
        target_conversions: f64,
        target_revenue: f64,
    ) -> ModelResult {
        let mut credits: Vec<ChannelCredit> = self
            .present
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| ChannelCredit {
                channel: i as u16,
                conversions: self.conversions[i].value(),
                revenue: self.revenue[i].value(),
            })
            .collect();
        settle(&mut credits, target_conversions, |c| &mut c.conversions);
        settle(&mut credits, target_revenue, |c| &mut c.revenue);
        ModelResult { model, credits }
    }
}

/// Adds `target − Σ field` to the largest field (the first one on ties).
fn settle(
    credits: &mut [ChannelCredit],
    target: f64,
    field: impl Fn(&mut ChannelCredit) -> &mut f64,
) {
    let mut sum = NeumaierSum::default();
    let mut largest: Option<(usize, f64)> = None;
    for (i, c) in credits.iter_mut().enumerate() {
        let v = *field(c);
        sum.add(v);
        if largest.is_none_or(|(_, best)| v > best) {
            largest = Some((i, v));
        }
    }
    let remainder = target - sum.value();
    if let Some((i, _)) = largest
        && remainder != 0.0
    {
        *field(&mut credits[i]) += remainder;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::test_data::{close, random_data};
    use crate::attribution::{Touchpoints, build_paths, group_paths, reference_run};

    #[test]
    fn time_decay_is_refused_on_grouped_paths() {
        let paths = [GroupedPath {
            channels: vec![0],
            conversions: 1,
            revenue: 1.0,
            nulls: 0,
        }];
        assert_eq!(
            attribute_paths(&paths, Model::TimeDecay, &Params::default()),
            Err(AttributionError::NeedsTimestamps(Model::TimeDecay))
        );
    }

    #[test]
    fn results_are_deterministic_and_match_the_grouped_path_entry_point() {
        let (e, o) = random_data(42, 300);
        let params = Params::default();
        let models = [
            Model::FirstTouch,
            Model::LastTouch,
            Model::Linear,
            Model::PositionBased,
            Model::Markov,
            Model::Shapley,
        ];
        let a = reference_run(&e, &o, 4, &[30], &models, &params);
        let b = reference_run(&e, &o, 4, &[30], &models, &params);
        assert_eq!(a, b);
        let tp = Touchpoints::from_exposures(&e);
        let paths = build_paths(&tp, &o, 30);
        let grouped = group_paths(&tp, &paths);
        for (m, direct) in models.iter().zip(&a[0].models) {
            let via_groups = attribute_paths(&grouped, *m, &params).expect("not time decay");
            assert_eq!(via_groups.credits.len(), direct.credits.len(), "{m}");
            for (x, y) in via_groups.credits.iter().zip(&direct.credits) {
                assert_eq!(x.channel, y.channel);
                assert!(close(x.conversions, y.conversions), "{m}: {x:?} vs {y:?}");
                assert!(close(x.revenue, y.revenue), "{m}: {x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn rounding_remainders_are_settled_on_the_largest_credit() {
        // Three equal thirds of 100.00 cannot add up exactly in binary.
        let paths = [GroupedPath {
            channels: vec![0, 1, 2],
            conversions: 1,
            revenue: 100.0,
            nulls: 0,
        }];
        let r = attribute_paths(&paths, Model::Linear, &Params::default()).expect("linear");
        let total: f64 = r.credits.iter().map(|c| c.revenue).sum();
        assert!((total - 100.0).abs() < 1e-12);
    }
}
