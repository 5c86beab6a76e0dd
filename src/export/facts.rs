//! Facts read from the report and shared by every human-readable exporter:
//! the lift windows and channels, the all-users rows, and the decision per
//! channel.
//!
//! The terminal table, Markdown, HTML and the calibration CSV must agree on
//! which row a decision is read from; it is decided here, once.

use crate::report::{LiftRow, Report};

/// The windows of the lift rows, ascending.
pub fn lift_windows(report: &Report) -> Vec<u16> {
    let mut w: Vec<u16> = report.lift.iter().map(|r| r.window_days).collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The all-users lift rows (`segment` null).
pub fn all_users(report: &Report) -> impl Iterator<Item = &LiftRow> {
    report.lift.iter().filter(|r| r.segment.is_none())
}

/// The channels of the all-users lift rows, in name order.
pub fn lift_channels(report: &Report) -> Vec<&str> {
    let mut c: Vec<&str> = all_users(report).map(|r| r.channel.as_str()).collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// Distinct values in order of first appearance.
pub(super) fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Distinct windows in order of first appearance.
pub(super) fn first_seen_u16(items: impl Iterator<Item = u16>) -> Vec<u16> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The decision of one channel: the all-users row it is read from and the
/// verdict at every window.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDecision<'a> {
    /// Channel name.
    pub channel: &'a str,
    /// The all-users row at the decision window: the longest window with a
    /// decision, else the longest window.
    pub row: &'a LiftRow,
    /// Verdict per window, ascending (null without spend).
    pub by_window: Vec<(u16, Option<&'a str>)>,
}

impl ChannelDecision<'_> {
    /// `scale`, `cut`, `inconclusive`, or `None` without spend.
    pub fn verdict(&self) -> Option<&str> {
        self.row.decision.as_ref().map(|d| d.verdict.as_str())
    }
}

/// One decision per channel, in channel-name order. The decision is read at
/// the channel's longest window that has one: it counts the most revenue
/// per user (the LTV horizon); the other windows are listed beside it.
pub fn decisions(report: &Report) -> Vec<ChannelDecision<'_>> {
    lift_channels(report)
        .into_iter()
        .filter_map(|ch| {
            let mut rows: Vec<&LiftRow> = all_users(report).filter(|r| r.channel == ch).collect();
            rows.sort_by_key(|r| r.window_days);
            let row = rows
                .iter()
                .rev()
                .find(|r| r.decision.is_some())
                .or(rows.last())
                .copied()?;
            Some(ChannelDecision {
                channel: ch,
                row,
                by_window: rows
                    .iter()
                    .map(|r| {
                        (
                            r.window_days,
                            r.decision.as_ref().map(|d| d.verdict.as_str()),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}
