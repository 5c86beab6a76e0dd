//! The attribution section: every model's credits per (window, channel)
//! with their shares, the windows' totals, and the Markov chain laid out
//! with channel names (`--explain markov`).

use crate::attribution::MarkovExplain;
use crate::attribution::markov::MarkovNode;
use crate::report::{
    AttributionRow, AttributionTotals, MarkovWindow, NamedRemovalEffect, NamedTransition,
};
use crate::summary::WindowCredits;

/// The report's attribution rows and totals from every window's credits.
pub fn sections(
    windows: &[WindowCredits],
    channels: &[String],
) -> (Vec<AttributionRow>, Vec<AttributionTotals>) {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for w in windows {
        for m in &w.models {
            let attributed: f64 = m.credits.iter().map(|c| c.conversions).sum();
            for c in &m.credits {
                rows.push(AttributionRow {
                    window_days: w.window_days,
                    model: m.model.name().to_string(),
                    channel: channels[usize::from(c.channel)].clone(),
                    conversions: c.conversions,
                    revenue: c.revenue,
                    share: if attributed > 0.0 {
                        c.conversions / attributed
                    } else {
                        0.0
                    },
                    cac: None,
                });
            }
        }
        let t = &w.totals;
        totals.push(AttributionTotals {
            window_days: w.window_days,
            conversions: t.conversions,
            revenue: t.revenue,
            unattributed_conversions: t.unattributed_conversions,
            unattributed_revenue: t.unattributed_revenue,
            refunds: t.refunds,
            net_revenue: t.net_revenue,
        });
    }
    rows.sort_by(|a, b| {
        (a.window_days, &a.model, &a.channel).cmp(&(b.window_days, &b.model, &b.channel))
    });
    (rows, totals)
}

/// The Markov chain of every window that has one laid out, with names.
pub fn explained(windows: &[WindowCredits], channels: &[String]) -> Option<Vec<MarkovWindow>> {
    let chains: Vec<MarkovWindow> = windows
        .iter()
        .filter_map(|w| Some(named(channels, w.window_days, w.explained.clone()?)))
        .collect();
    (!chains.is_empty()).then_some(chains)
}

fn name_state(channels: &[String], s: &[u16]) -> String {
    s.iter()
        .map(|&c| channels.get(usize::from(c)).map_or("?", String::as_str))
        .collect::<Vec<_>>()
        .join(">")
}

fn name_node(channels: &[String], n: &MarkovNode) -> String {
    match n {
        MarkovNode::Start => "(start)".to_string(),
        MarkovNode::State(s) => name_state(channels, s),
        MarkovNode::Conversion => "(conversion)".to_string(),
        MarkovNode::Null => "(null)".to_string(),
    }
}

fn named(channels: &[String], window_days: u16, m: MarkovExplain) -> MarkovWindow {
    MarkovWindow {
        window_days,
        order: m.order,
        horizon: m.horizon,
        longest_path: m.longest_path,
        distinct_paths: m.distinct_paths,
        conversions: m.conversions,
        nulls: m.nulls,
        states: m.states.iter().map(|s| name_state(channels, s)).collect(),
        transitions: m
            .transitions
            .iter()
            .map(|t| NamedTransition {
                from: name_node(channels, &t.from),
                to: name_node(channels, &t.to),
                count: t.count,
                probability: t.probability,
            })
            .collect(),
        base_conversion_probability: m.base_conversion_probability,
        removal_effects: m
            .removal_effects
            .iter()
            .map(|r| NamedRemovalEffect {
                channel: name_state(channels, &[r.channel]),
                removal_effect: r.conversion,
                value_removal_effect: r.value,
                conversion_probability_without: r.conversion_probability_without,
                conversion_share: r.conversion_share,
                value_share: r.value_share,
            })
            .collect(),
    }
}
