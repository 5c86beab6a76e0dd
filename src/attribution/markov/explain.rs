//! The explain output of the Markov model (`attribute --explain markov`):
//! the chain's states and transitions with their counts and probabilities,
//! the base conversion probability, and every channel's removal effect and
//! share. It is serialized into the report as it is, so its field names
//! are the report's.

use serde::Serialize;

use super::{Chain, MarkovWork, Shares};
use crate::attribution::{AttributionError, ChannelShare, Params, PathRef};

/// A node of the chain in [`MarkovExplain`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkovNode {
    /// Where every walk begins.
    Start,
    /// A transient state: one channel (order 1) or a tuple of channel codes.
    State(Vec<u16>),
    /// Absorbing: converted.
    Conversion,
    /// Absorbing: did not convert.
    Null,
}

/// One transition of the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkovTransition {
    /// From.
    pub from: MarkovNode,
    /// To.
    pub to: MarkovNode,
    /// Paths (conversions + nulls) that took it.
    pub count: u64,
    /// Row-normalised probability.
    pub probability: f64,
}

/// One channel's removal effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemovalEffect {
    /// Channel code.
    pub channel: u16,
    /// `RE_c = 1 − P(conversion without c) / P(conversion)`.
    pub conversion: f64,
    /// The same on expected value.
    pub value: f64,
    /// `P(conversion)` with every state containing the channel sent to null.
    pub conversion_probability_without: f64,
    /// `RE_c / Σ RE`: the channel's share of the conversions.
    pub conversion_share: f64,
    /// The channel's share of the revenue.
    pub value_share: f64,
}

/// Everything behind a Markov attribution, for `--explain markov`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkovExplain {
    /// Order of the chain.
    pub order: usize,
    /// Channel states a walk may visit before it is cut; `null` = unlimited.
    pub horizon: Option<usize>,
    /// Longest path, in collapsed states.
    pub longest_path: usize,
    /// Distinct state sequences.
    pub distinct_paths: usize,
    /// Conversions on the paths.
    pub conversions: u64,
    /// Non-conversions on the paths.
    pub nulls: u64,
    /// Revenue of the conversions.
    pub revenue: f64,
    /// The transient states (channel-code tuples), sorted.
    pub states: Vec<Vec<u16>>,
    /// Every transition with a positive count, sorted by (from, to).
    pub transitions: Vec<MarkovTransition>,
    /// `P_K(conversion)` of a walk from start.
    pub base_conversion_probability: f64,
    /// Expected revenue of a walk from start.
    pub base_value: f64,
    /// Each channel's removal effect, sorted by channel.
    pub removal_effects: Vec<RemovalEffect>,
}

/// The chain, its removal effects and the shares they give.
///
/// # Errors
///
/// [`AttributionError::MarkovWork`] when solving the chain would
/// take more than `params.markov_work_limit`.
pub fn explain<'a>(
    paths: impl IntoIterator<Item = PathRef<'a>>,
    params: &Params,
) -> Result<MarkovExplain, AttributionError> {
    let chain = Chain::build(paths, params.markov_order);
    MarkovWork::check(
        &[chain.work(params.markov_horizon)],
        params.markov_work_limit,
    )?;
    let node = |s: u32| MarkovNode::State(chain.states[s as usize].channels().to_vec());
    let mut transitions = Vec::new();
    for &(to, count, probability) in &chain.start {
        transitions.push(MarkovTransition {
            from: MarkovNode::Start,
            to: node(to),
            count,
            probability,
        });
    }
    for s in 0..chain.states.len() {
        let total = chain.row(s).iter().map(|e| e.1).sum::<u64>()
            + chain.conv_count[s]
            + chain.null_count[s];
        let p = |count: u64| {
            if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            }
        };
        for &(to, count, probability) in chain.row(s) {
            transitions.push(MarkovTransition {
                from: node(s as u32),
                to: node(to),
                count,
                probability,
            });
        }
        for (to, count) in [
            (MarkovNode::Conversion, chain.conv_count[s]),
            (MarkovNode::Null, chain.null_count[s]),
        ] {
            if count > 0 {
                transitions.push(MarkovTransition {
                    from: node(s as u32),
                    to,
                    count,
                    probability: p(count),
                });
            }
        }
    }

    let effects = chain.removal_effects(params.markov_horizon);
    let shares = if chain.conversions > 0 {
        effects.shares()
    } else {
        Shares {
            conversion: Vec::new(),
            value: Vec::new(),
        }
    };
    let share_of = |list: &[ChannelShare], c: u16| {
        list.iter()
            .find(|s| s.channel == c)
            .map_or(0.0, |s| s.share)
    };
    let removal_effects = effects
        .effects
        .iter()
        .map(|e| RemovalEffect {
            channel: e.channel,
            conversion: e.conversion,
            value: e.value,
            conversion_probability_without: e.without.conversion,
            conversion_share: share_of(&shares.conversion, e.channel),
            value_share: share_of(&shares.value, e.channel),
        })
        .collect();

    Ok(MarkovExplain {
        order: chain.order,
        horizon: effects.steps,
        longest_path: chain.longest,
        distinct_paths: chain.distinct_paths,
        conversions: chain.conversions,
        nulls: chain.nulls,
        revenue: chain.revenue,
        states: chain.states.iter().map(|s| s.channels().to_vec()).collect(),
        transitions,
        base_conversion_probability: effects.base.conversion,
        base_value: effects.base.value,
        removal_effects,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_paths::{A, B, C, EPS, loop_paths, params};
    use super::*;
    use crate::attribution::{Horizon, channelattribution, explain_markov};

    #[test]
    fn explain_lists_every_transition_with_its_probability() {
        let explain =
            explain_markov(&loop_paths(), &Params::default()).expect("within the work limit");
        let st = |c: u16| MarkovNode::State(vec![c]);
        let got: Vec<(MarkovNode, MarkovNode, u64, f64)> = explain
            .transitions
            .iter()
            .map(|t| (t.from.clone(), t.to.clone(), t.count, t.probability))
            .collect();
        assert_eq!(
            got,
            vec![
                (MarkovNode::Start, st(A), 1, 0.5),
                (MarkovNode::Start, st(B), 1, 0.5),
                (st(A), st(B), 1, 0.5),
                (st(A), st(C), 1, 0.5),
                (st(B), st(A), 1, 0.5),
                (st(B), MarkovNode::Null, 1, 0.5),
                (st(C), MarkovNode::Conversion, 1, 1.0),
            ]
        );
        let json = serde_json::to_value(&explain).expect("serializes");
        assert_eq!(json["transitions"][0]["from"], "start");
        assert_eq!(
            json["transitions"][0]["to"]["state"],
            serde_json::json!([0])
        );
        assert_eq!(json["horizon"], 5);
        let shares: f64 = explain
            .removal_effects
            .iter()
            .map(|e| e.conversion_share)
            .sum();
        assert!((shares - 1.0).abs() < EPS);
    }

    #[test]
    fn transition_probabilities_match_the_package_exactly() {
        // The package names a state by its internal channel ids (1, 2, … in
        // order of first appearance in paths.csv), a tuple as "1 2".
        let mut first_seen: Vec<u16> = Vec::new();
        for p in channelattribution::grouped_paths() {
            for c in p.channels {
                if !first_seen.contains(&c) {
                    first_seen.push(c);
                }
            }
        }
        let node = |name: &str| match name {
            "(start)" => MarkovNode::Start,
            "(conversion)" => MarkovNode::Conversion,
            "(null)" => MarkovNode::Null,
            ids => MarkovNode::State(
                ids.split_whitespace()
                    .map(|id| first_seen[id.parse::<usize>().expect("package id") - 1])
                    .collect(),
            ),
        };
        let paths = channelattribution::grouped_paths();
        let reference = channelattribution::load();
        for order in [1usize, 2] {
            let explain = explain_markov(&paths, &params(order, Horizon::Auto))
                .expect("within the work limit");
            let matrix = reference["markov"][order.to_string()]["transition_matrix"]
                .as_array()
                .expect("matrix rows");
            assert_eq!(matrix.len(), explain.transitions.len(), "order {order}");
            for row in matrix {
                let from = node(row["channel_from"].as_str().expect("from"));
                let to = node(row["channel_to"].as_str().expect("to"));
                let want = row["transition_probability"].as_f64().expect("number");
                let ours = explain
                    .transitions
                    .iter()
                    .find(|t| t.from == from && t.to == to)
                    .expect("the same transitions");
                assert!(
                    (ours.probability - want).abs() < 1e-12,
                    "order {order}: {from:?} → {to:?}"
                );
            }
        }
    }
}
