//! Rule-based (heuristic) attribution: fixed weights per touch position or age.
//!
//! Each rule turns one path into weights over its touches that add up to 1;
//! a conversion's credit (and its revenue) is split by those weights. A
//! channel touched several times collects the weight of every touch.
//!
//! First touch, last touch and linear are the three heuristics of the
//! ChannelAttribution package (`heuristic_models`), checked against it on
//! `testdata/reference/channelattribution/`. Time decay and position based
//! (also called U-shaped) are the usual definitions, as in Google Analytics'
//! former attribution models.
//!
//! # References
//!
//! - D. Altomare, D. Loris, *ChannelAttribution*, `heuristic_models`,
//!   <https://channelattribution.io>.
//! - Google Analytics Help, *Attribution modeling overview* (time decay with a
//!   7-day half-life; position based 40% / 20% / 40%).

use super::{Model, Params};

/// A rule-based model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// All credit to the first touch.
    FirstTouch,
    /// All credit to the last touch.
    LastTouch,
    /// Each touch `1 / len`.
    Linear,
    /// Each touch `2^(−age / half_life)`, normalised.
    TimeDecay,
    /// First and last touches a fixed share each, the middle the rest.
    PositionBased,
}

impl Rule {
    /// The rule behind a model, if it is one.
    pub fn of(model: Model) -> Option<Rule> {
        match model {
            Model::FirstTouch => Some(Rule::FirstTouch),
            Model::LastTouch => Some(Rule::LastTouch),
            Model::Linear => Some(Rule::Linear),
            Model::TimeDecay => Some(Rule::TimeDecay),
            Model::PositionBased => Some(Rule::PositionBased),
            Model::Markov | Model::Shapley => None,
        }
    }

    /// The model of this rule.
    pub fn model(self) -> Model {
        match self {
            Rule::FirstTouch => Model::FirstTouch,
            Rule::LastTouch => Model::LastTouch,
            Rule::Linear => Model::Linear,
            Rule::TimeDecay => Model::TimeDecay,
            Rule::PositionBased => Model::PositionBased,
        }
    }
}

/// Writes into `weights` the share of each of a path's `len` touches.
///
/// `age_days(i)` is the age of touch `i` at the conversion, `(order_ts −
/// ts_i)` in fractional days; only [`Rule::TimeDecay`] calls it. The weights
/// add up to 1 (up to rounding) for any `len >= 1`; `len = 0` gives none.
///
/// # Formula
///
/// ```text
/// first_touch     w_1 = 1
/// last_touch      w_n = 1
/// linear          w_i = 1 / n
/// time_decay      w_i = 2^(−a_i / h) / Σ_j 2^(−a_j / h)      (a = age in days, h = half-life)
/// position_based  n = 1: w_1 = 1
///                 n = 2: w_1 = f / (f + l), w_2 = l / (f + l)   (50/50 by default)
///                 n ≥ 3: w_1 = f, w_n = l, w_i = (1 − f − l) / (n − 2) in between
///                 (f = position_first = 0.4, l = position_last = 0.4 by default)
/// ```
///
/// N.B. time decay is computed as `2^(−(a_i − min_j a_j) / h)`, which is the
/// same after normalising but cannot underflow to 0/0 for old touches and a
/// short half-life. A half-life that is not a positive number (rejected by
/// [`Params::validate`]) gives equal weights, the limit of an infinite one.
/// Position shares adding up to more than 1 are scaled down to 1.
///
/// # Examples
///
/// ```
/// use uplift::attribution::{Params, rules::{Rule, touch_weights}};
/// let mut w = Vec::new();
/// touch_weights(Rule::PositionBased, 4, |_| 0.0, &Params::default(), &mut w);
/// let expected = [0.4, 0.1, 0.1, 0.4];
/// assert!(w.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
pub fn touch_weights(
    rule: Rule,
    len: usize,
    age_days: impl Fn(usize) -> f64,
    params: &Params,
    weights: &mut Vec<f64>,
) {
    weights.clear();
    if len == 0 {
        return;
    }
    match rule {
        Rule::FirstTouch => {
            weights.resize(len, 0.0);
            weights[0] = 1.0;
        }
        Rule::LastTouch => {
            weights.resize(len, 0.0);
            weights[len - 1] = 1.0;
        }
        Rule::Linear => weights.resize(len, 1.0 / len as f64),
        Rule::TimeDecay => {
            if !raw_decay(len, age_days, params.half_life_days, weights) {
                weights.resize(len, 1.0 / len as f64);
                return;
            }
            normalise(weights);
        }
        Rule::PositionBased => {
            let [first, middle, last] = position_shares(len, params);
            match len {
                1 => weights.push(first),
                _ => {
                    weights.push(first);
                    weights.resize(len - 1, middle);
                    weights.push(last);
                }
            }
        }
    }
}

/// The position-based shares of a path of `len >= 1` touches: of its
/// first touch, of each touch in between, and of its last (one touch gets
/// the first share, 1).
pub(crate) fn position_shares(len: usize, params: &Params) -> [f64; 3] {
    let first = params.position_first.max(0.0);
    let last = params.position_last.max(0.0);
    match len {
        0 | 1 => [1.0, 0.0, 0.0],
        2 if first + last > 0.0 => [first / (first + last), 0.0, last / (first + last)],
        2 => [0.5, 0.0, 0.5],
        _ => {
            // N.B. shares adding up to more than 1 (rejected by
            // `Params::validate`) are scaled down, leaving the middle 0.
            let ends = first + last;
            let (first, last) = if ends > 1.0 {
                (first / ends, last / ends)
            } else {
                (first, last)
            };
            [
                first,
                (1.0 - first - last).max(0.0) / (len - 2) as f64,
                last,
            ]
        }
    }
}

/// The time-decay weights of `len` touches aged `age_days(i)` before they
/// are divided by their sum, `2^(−(age − youngest) / half_life)`, appended
/// to `out`. False, with nothing appended, when the half-life is not a
/// positive finite number (the weights are then linear).
pub(crate) fn raw_decay(
    len: usize,
    age_days: impl Fn(usize) -> f64,
    half_life: f64,
    out: &mut Vec<f64>,
) -> bool {
    if !(half_life.is_finite() && half_life > 0.0) {
        return false;
    }
    let youngest = (0..len).map(&age_days).fold(f64::INFINITY, f64::min);
    out.extend((0..len).map(|i| (-(age_days(i) - youngest) / half_life).exp2()));
    true
}

/// Divides by the sum (at least 1 here: the youngest touch weighs 1).
fn normalise(weights: &mut [f64]) {
    let sum: f64 = weights.iter().sum();
    if sum > 0.0 {
        weights.iter_mut().for_each(|w| *w /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{GroupedPath, attribute_paths, channelattribution};

    const EPS: f64 = 1e-12;

    fn weights(rule: Rule, len: usize, ages: &[f64], params: &Params) -> Vec<f64> {
        let mut w = Vec::new();
        touch_weights(rule, len, |i| ages[i], params, &mut w);
        w
    }

    fn assert_weights(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < EPS, "{actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn first_last_and_linear_weight_touches_by_position() {
        let p = Params::default();
        let ages = [0.0; 3];
        assert_weights(&weights(Rule::FirstTouch, 3, &ages, &p), &[1.0, 0.0, 0.0]);
        assert_weights(&weights(Rule::LastTouch, 3, &ages, &p), &[0.0, 0.0, 1.0]);
        assert_weights(&weights(Rule::Linear, 3, &ages, &p), &[1.0 / 3.0; 3]);
    }

    #[test]
    fn a_single_touch_gets_all_the_credit_under_every_rule() {
        let p = Params::default();
        for rule in [
            Rule::FirstTouch,
            Rule::LastTouch,
            Rule::Linear,
            Rule::TimeDecay,
            Rule::PositionBased,
        ] {
            assert_eq!(weights(rule, 1, &[3.5], &p), vec![1.0], "{rule:?}");
            assert!(weights(rule, 0, &[], &p).is_empty());
        }
    }

    #[test]
    fn time_decay_halves_the_weight_every_half_life() {
        // Ages 14, 7 and 0 days with a 7-day half-life: raw weights 1/4, 1/2, 1,
        // sum 7/4, so 1/7, 2/7, 4/7.
        let w = weights(Rule::TimeDecay, 3, &[14.0, 7.0, 0.0], &Params::default());
        assert_weights(&w, &[1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0]);
        // Fractional ages: 1.5 days with a 3-day half-life is 2^(−1/2).
        let p = Params {
            half_life_days: 3.0,
            ..Params::default()
        };
        let w = weights(Rule::TimeDecay, 2, &[1.5, 0.0], &p);
        let r = 0.5f64.sqrt();
        assert_weights(&w, &[r / (1.0 + r), 1.0 / (1.0 + r)]);
    }

    #[test]
    fn time_decay_does_not_underflow_for_old_touches() {
        let p = Params {
            half_life_days: 0.1,
            ..Params::default()
        };
        // 2^(−3650) underflows to 0, yet the weights are still 2/3 and 1/3.
        let w = weights(Rule::TimeDecay, 2, &[365.0, 365.1], &p);
        assert_weights(&w, &[2.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn position_based_gives_forty_twenty_forty() {
        let p = Params::default();
        let zero = [0.0; 5];
        assert_weights(&weights(Rule::PositionBased, 2, &zero, &p), &[0.5, 0.5]);
        assert_weights(
            &weights(Rule::PositionBased, 3, &zero, &p),
            &[0.4, 0.2, 0.4],
        );
        assert_weights(
            &weights(Rule::PositionBased, 5, &zero, &p),
            &[0.4, 0.2 / 3.0, 0.2 / 3.0, 0.2 / 3.0, 0.4],
        );
        let custom = Params {
            position_first: 0.3,
            position_last: 0.6,
            ..Params::default()
        };
        assert_weights(
            &weights(Rule::PositionBased, 2, &zero, &custom),
            &[1.0 / 3.0, 2.0 / 3.0],
        );
        assert_weights(
            &weights(Rule::PositionBased, 4, &zero, &custom),
            &[0.3, 0.05, 0.05, 0.6],
        );
    }

    #[test]
    fn repeated_channels_collect_the_weight_of_every_touch() {
        // Path a > a > b (a = 0, b = 1), one conversion worth 90.
        let paths = [GroupedPath {
            channels: vec![0, 0, 1],
            conversions: 1,
            revenue: 90.0,
            nulls: 0,
        }];
        let expect = [
            (Model::FirstTouch, 1.0, 0.0),
            (Model::LastTouch, 0.0, 1.0),
            (Model::Linear, 2.0 / 3.0, 1.0 / 3.0),
            (Model::PositionBased, 0.6, 0.4),
        ];
        for (model, a, b) in expect {
            let r = attribute_paths(&paths, model, &Params::default()).expect("rule model");
            assert_eq!(r.credits.len(), 2);
            assert!((r.credits[0].conversions - a).abs() < EPS, "{model}");
            assert!((r.credits[1].conversions - b).abs() < EPS, "{model}");
            assert!((r.credits[0].revenue - 90.0 * a).abs() < 1e-9, "{model}");
        }
    }

    #[test]
    fn heuristics_match_the_channelattribution_package_exactly() {
        // testdata/reference/channelattribution: heuristic_models() of
        // ChannelAttribution 2.2.5 on paths.csv (deterministic, no simulation).
        let paths = channelattribution::grouped_paths();
        let reference = channelattribution::load();
        let params = Params::default();
        let rows = reference["heuristic"].as_array().expect("heuristic rows");
        assert_eq!(rows.len(), channelattribution::CHANNELS.len());
        for (model, column) in [
            (Model::FirstTouch, "first_touch"),
            (Model::LastTouch, "last_touch"),
            (Model::Linear, "linear_touch"),
        ] {
            let result = attribute_paths(&paths, model, &params).expect("rule model");
            for row in rows {
                let channel = channelattribution::code(row["channel_name"].as_str().expect("name"));
                let ours = result
                    .credits
                    .iter()
                    .find(|c| c.channel == channel)
                    .expect("every channel has a row");
                let conv = row[format!("{column}_conversions")]
                    .as_f64()
                    .expect("number");
                let value = row[format!("{column}_value")].as_f64().expect("number");
                assert!(
                    (ours.conversions - conv).abs() < 1e-9,
                    "{model} {channel}: {} vs {conv}",
                    ours.conversions
                );
                assert!(
                    (ours.revenue - value).abs() < 1e-9,
                    "{model} {channel}: {} vs {value}",
                    ours.revenue
                );
            }
        }
    }
}
