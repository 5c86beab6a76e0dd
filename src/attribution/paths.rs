//! Touchpoints and the conversion paths built from them.
//!
//! A path is a run of one user's touchpoints (a [`TouchSpan`] into
//! [`Touchpoints`]), in time order. [`build_nested`] finds every
//! conversion's path in every window in one two-pointer pass over the
//! exposures and orders that `io` sorted, never a rescan per order; the
//! totals of each window come out of the same pass. The models read paths
//! only through [`PathRef`], so the per-conversion paths of a window and
//! the package's [`GroupedPath`] rows are one input to them. Kept apart
//! from the models because the reference pass, the attribution pass and
//! `attribute --explain` all build their paths here.

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::Totals;
use crate::model::{Exposures, Group, Micros, Orders, Window};
use crate::stats::sum::NeumaierSum;

/// The touchpoints: exposures rows that are not control, in the exposures'
/// order (user, time, file row). Columnar, like [`Exposures`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Touchpoints {
    /// Interned user id.
    pub user: Vec<u32>,
    /// Channel code.
    pub channel: Vec<u16>,
    /// Touch time.
    pub ts: Vec<Micros>,
}

impl Touchpoints {
    /// Keeps the exposed and organic rows of `exposures` (drops control rows).
    pub fn from_exposures(exposures: &Exposures) -> Self {
        let n = exposures
            .group
            .iter()
            .filter(|g| **g != Group::Control)
            .count();
        let mut tp = Touchpoints {
            user: Vec::with_capacity(n),
            channel: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
        };
        let rows = exposures
            .user
            .iter()
            .zip(&exposures.channel)
            .zip(&exposures.ts)
            .zip(&exposures.group);
        for (((&user, &channel), &ts), &group) in rows {
            if group != Group::Control {
                tp.user.push(user);
                tp.channel.push(channel);
                tp.ts.push(ts);
            }
        }
        tp
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.user.len()
    }

    /// True when there are no touchpoints.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }

    /// The channels of a span of touchpoints.
    pub fn channels(&self, span: TouchSpan) -> &[u16] {
        &self.channel[span.range()]
    }
}

/// A contiguous run of one user's touchpoints, `start..end` (indices into
/// [`Touchpoints`]; fewer than 2³² rows, like [`Exposures::row`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TouchSpan {
    /// First touch.
    pub start: u32,
    /// One past the last touch.
    pub end: u32,
}

impl TouchSpan {
    /// The span as a range of indices.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
    /// Number of touches.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    /// True for an empty span.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// One attributed conversion and its path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConversionPath {
    /// Its touchpoints, in time order.
    pub touches: TouchSpan,
    /// Order time.
    pub order_ts: Micros,
    /// Order revenue (`>= 0`).
    pub revenue: f64,
}

/// Every path of one window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPaths {
    /// Look-back window in days.
    pub window_days: u16,
    /// Attributed conversions (at least one touch), in (user, time) order.
    pub conversions: Vec<ConversionPath>,
    /// One path per user with touchpoints and no order row at all.
    pub non_converting: Vec<TouchSpan>,
    /// Totals of the window.
    pub totals: Totals,
}

impl WindowPaths {
    /// Every path as a [`PathRef`]: conversions first (1 conversion each),
    /// then the non-converting paths (1 null each).
    pub fn path_refs<'a>(&'a self, tp: &'a Touchpoints) -> impl Iterator<Item = PathRef<'a>> + 'a {
        let converting = self.conversions.iter().map(move |c| PathRef {
            channels: tp.channels(c.touches),
            conversions: 1,
            revenue: c.revenue,
            nulls: 0,
        });
        let null = self.non_converting.iter().map(move |&span| PathRef {
            channels: tp.channels(span),
            conversions: 0,
            revenue: 0.0,
            nulls: 1,
        });
        converting.chain(null)
    }
}

/// One distinct channel sequence with the outcomes of every path that took it:
/// a row of the ChannelAttribution package's input (`path`,
/// `total_conversions`, `total_conversion_value`, `total_null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupedPath {
    /// Channel codes in time order (repeats kept).
    pub channels: Vec<u16>,
    /// Conversions of the paths.
    pub conversions: u64,
    /// Revenue of those conversions.
    pub revenue: f64,
    /// Paths that did not convert.
    pub nulls: u64,
}

impl GroupedPath {
    /// Borrows the path as a [`PathRef`].
    pub fn as_path_ref(&self) -> PathRef<'_> {
        PathRef {
            channels: &self.channels,
            conversions: self.conversions,
            revenue: self.revenue,
            nulls: self.nulls,
        }
    }
}

/// A borrowed path with its outcomes: the common input of the models.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathRef<'a> {
    /// Channel codes in time order.
    pub channels: &'a [u16],
    /// Conversions.
    pub conversions: u64,
    /// Revenue of those conversions.
    pub revenue: f64,
    /// Non-conversions.
    pub nulls: u64,
}

/// The paths of several windows, built in one pass.
///
/// A conversion's path in a window is the tail of its path in any longer
/// window (the same order time, an earlier start), so every window's paths
/// are kept as the longest window's path and, per window, where its own
/// path starts. The attribution pass uses this to compute a path's weights
/// once for all the windows in which it is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedPaths {
    /// Look-back windows in days, ascending and distinct.
    pub windows: Vec<u16>,
    /// Conversions with at least one touch in the longest window, in
    /// (user, time) order; `touches` is the longest window's path.
    pub conversions: Vec<ConversionPath>,
    /// `starts[i * windows.len() + w]`: the first touch of conversion `i`'s
    /// path in window `w` (its `touches.end` when that path is empty).
    pub starts: Vec<u32>,
    /// One path per user with touchpoints and no order row at all, in the
    /// longest window.
    pub non_converting: Vec<TouchSpan>,
    /// `non_converting_starts[i * windows.len() + w]`: where that path
    /// starts in window `w` (never empty: the last touch is in every window).
    pub non_converting_starts: Vec<u32>,
    /// Totals of each window.
    pub totals: Vec<Totals>,
}

impl NestedPaths {
    /// The paths of window `w` (an index into [`Self::windows`]) on their own.
    pub fn window(&self, w: usize) -> WindowPaths {
        let k = self.windows.len();
        let conversions = self
            .conversions
            .iter()
            .zip(self.starts.chunks_exact(k))
            .filter(|(c, s)| s[w] < c.touches.end)
            .map(|(c, s)| ConversionPath {
                touches: TouchSpan {
                    start: s[w],
                    end: c.touches.end,
                },
                ..*c
            })
            .collect();
        let non_converting = self
            .non_converting
            .iter()
            .zip(self.non_converting_starts.chunks_exact(k))
            .map(|(p, s)| TouchSpan {
                start: s[w],
                end: p.end,
            })
            .collect();
        WindowPaths {
            window_days: self.windows[w],
            conversions,
            non_converting,
            totals: self.totals[w],
        }
    }
}

/// Builds the paths of one window in a single pass over the sorted arrays.
///
/// `touchpoints` and `orders` must be sorted by (user, time, file row), as
/// `io` delivers them. Per user, two pointers (`lo`, `hi`) move forward over
/// the user's touches as the orders advance in time, so the cost is
/// O(touchpoints + orders) whatever the window.
///
/// # Formula
///
/// ```text
/// conversion o (revenue >= 0):  path = { t : user(t) = user(o), ts(o) − W days <= ts(t) <= ts(o) }
/// user u with no order row:     path = { t : user(t) = u, last(u) − W days <= ts(t) <= last(u) }
/// ```
pub fn build_paths(touchpoints: &Touchpoints, orders: &Orders, window_days: u16) -> WindowPaths {
    build_nested(touchpoints, orders, &[window_days]).window(0)
}

/// Builds the paths of every window of `windows` in one pass (as
/// [`build_paths`] builds one window's: one `lo` pointer per window).
pub fn build_nested(touchpoints: &Touchpoints, orders: &Orders, windows: &[u16]) -> NestedPaths {
    let mut windows = windows.to_vec();
    windows.sort_unstable();
    windows.dedup();
    let k = windows.len();
    let spans: Vec<i64> = windows.iter().map(|&w| Window(w).span()).collect();
    let (nt, no) = (touchpoints.len(), orders.len());
    let mut conversions = Vec::new();
    let mut starts = Vec::new();
    let mut non_converting = Vec::new();
    let mut non_converting_starts = Vec::new();

    let mut revenue = NeumaierSum::default();
    let mut refunds = NeumaierSum::default();
    let mut n_conversions = 0u64;
    let mut unattributed = vec![(0u64, NeumaierSum::default()); k];
    let mut lo = vec![0usize; k];

    let (mut ti, mut oi) = (0usize, 0usize);
    while k > 0 && (ti < nt || oi < no) {
        let user = match (touchpoints.user.get(ti), orders.user.get(oi)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let t_start = ti;
        while ti < nt && touchpoints.user[ti] == user {
            ti += 1;
        }
        let t_end = ti;
        let o_start = oi;
        while oi < no && orders.user[oi] == user {
            oi += 1;
        }
        let o_end = oi;
        let ts = &touchpoints.ts[t_start..t_end];

        if o_start == o_end {
            // N.B. only a user with no order row of any sign gives a
            // non-converting path; a refund alone is still an order row.
            if let Some(&last) = ts.last() {
                for &span in &spans {
                    let from = last.saturating_sub(span);
                    let lo = t_start + ts.partition_point(|&t| t < from);
                    non_converting_starts.push(lo as u32);
                }
                let longest = non_converting_starts[non_converting_starts.len() - 1];
                non_converting.push(span(longest as usize, t_end));
            }
            continue;
        }

        // Window [order_ts − W, order_ts] as offsets into `ts`; both ends only
        // move forward because the user's orders are in time order.
        lo.fill(0);
        let mut hi = 0usize;
        for o in o_start..o_end {
            let r = orders.revenue[o];
            if r < 0.0 {
                refunds.add(r);
                continue;
            }
            n_conversions += 1;
            revenue.add(r);
            let order_ts = orders.ts[o];
            while hi < ts.len() && ts[hi] <= order_ts {
                hi += 1;
            }
            for (lo, (&span, un)) in lo.iter_mut().zip(spans.iter().zip(&mut unattributed)) {
                let from = order_ts.saturating_sub(span);
                while *lo < hi && ts[*lo] < from {
                    *lo += 1;
                }
                if *lo == hi {
                    un.0 += 1;
                    un.1.add(r);
                }
            }
            if lo[k - 1] < hi {
                starts.extend(lo.iter().map(|&l| (t_start + l) as u32));
                conversions.push(ConversionPath {
                    touches: span(t_start + lo[k - 1], t_start + hi),
                    order_ts,
                    revenue: r,
                });
            }
        }
    }

    let mut net = revenue;
    net.add(refunds.value());
    let totals = unattributed
        .iter()
        .map(|(n, r)| Totals {
            conversions: n_conversions,
            revenue: revenue.value(),
            unattributed_conversions: *n,
            unattributed_revenue: r.value(),
            refunds: refunds.value(),
            net_revenue: net.value(),
        })
        .collect();
    NestedPaths {
        windows,
        conversions,
        starts,
        non_converting,
        non_converting_starts,
        totals,
    }
}

fn span(start: usize, end: usize) -> TouchSpan {
    // N.B. touchpoints are exposures rows, whose positions fit in u32
    // (`Exposures::row`), so these casts do not truncate.
    TouchSpan {
        start: start as u32,
        end: end as u32,
    }
}

/// Groups a window's paths by channel sequence, sorted by that sequence: the
/// package's input format, and a compact form for inspection (`--explain`).
pub fn group_paths(touchpoints: &Touchpoints, paths: &WindowPaths) -> Vec<GroupedPath> {
    struct Agg {
        conversions: u64,
        revenue: NeumaierSum,
        nulls: u64,
    }
    let mut groups: HashMap<&[u16], Agg> = HashMap::default();
    for p in paths.path_refs(touchpoints) {
        let agg = groups.entry(p.channels).or_insert(Agg {
            conversions: 0,
            revenue: NeumaierSum::default(),
            nulls: 0,
        });
        agg.conversions += p.conversions;
        agg.revenue.add(p.revenue);
        agg.nulls += p.nulls;
    }
    let mut out: Vec<GroupedPath> = groups
        .into_iter()
        .map(|(channels, agg)| GroupedPath {
            channels: channels.to_vec(),
            conversions: agg.conversions,
            revenue: agg.revenue.value(),
            nulls: agg.nulls,
        })
        .collect();
    out.sort_unstable_by(|a, b| a.channels.cmp(&b.channels));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::test_data::{close, credit, exposures, orders, random_data};
    use crate::attribution::{Model, Params, reference_run};
    use crate::model::Group::{Control, Exposed, Organic};

    #[test]
    fn control_rows_are_not_touchpoints() {
        let e = exposures(&[
            (0, 0, 1.0, Exposed),
            (0, 1, 2.0, Control),
            (0, 2, 3.0, Organic),
        ]);
        let tp = Touchpoints::from_exposures(&e);
        assert_eq!(tp.channel, vec![0, 2]);
        let r = reference_run(
            &e,
            &orders(&[(0, 4.0, 10.0)]),
            3,
            &[30],
            &[Model::Linear],
            &Params::default(),
        );
        let m = &r[0].models[0];
        assert_eq!(
            m.credits.iter().map(|c| c.channel).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert!(close(credit(m, 0).0, 0.5) && close(credit(m, 2).1, 5.0));
    }

    #[test]
    fn window_includes_both_ends_and_excludes_later_touches() {
        // Touches at day 0 (exactly W = 10 days before), day 5, day 10 (the
        // order's own time) and day 10.5 (after the order).
        let e = exposures(&[
            (0, 0, 0.0, Exposed),
            (0, 1, 5.0, Exposed),
            (0, 2, 10.0, Exposed),
            (0, 3, 10.5, Exposed),
        ]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &orders(&[(0, 10.0, 1.0)]), 10);
        assert_eq!(p.conversions.len(), 1);
        assert_eq!(tp.channels(p.conversions[0].touches), &[0, 1, 2]);
        let p = build_paths(&tp, &orders(&[(0, 10.0, 1.0)]), 9);
        assert_eq!(tp.channels(p.conversions[0].touches), &[1, 2]);
    }

    #[test]
    fn each_conversion_looks_back_on_its_own() {
        // Orders at day 10 and day 25 with W = 10: the first sees touches at
        // days 1..=10, the second those at days 15..=25.
        let e = exposures(&[
            (0, 0, 1.0, Exposed),
            (0, 1, 9.0, Exposed),
            (0, 2, 15.0, Exposed),
            (0, 3, 24.0, Exposed),
        ]);
        let o = orders(&[(0, 10.0, 10.0), (0, 25.0, 20.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 10);
        let paths: Vec<&[u16]> = p
            .conversions
            .iter()
            .map(|c| tp.channels(c.touches))
            .collect();
        assert_eq!(paths, vec![&[0u16, 1][..], &[2, 3][..]]);
        let r = reference_run(
            &e,
            &o,
            4,
            &[10, 30],
            &[Model::LastTouch],
            &Params::default(),
        );
        assert_eq!(credit(&r[0].models[0], 1), (1.0, 10.0));
        assert_eq!(credit(&r[0].models[0], 3), (1.0, 20.0));
        // With W = 30 both orders see every earlier touch.
        let p30 = build_paths(&tp, &o, 30);
        assert_eq!(tp.channels(p30.conversions[1].touches), &[0, 1, 2, 3]);
    }

    #[test]
    fn a_user_without_orders_gives_one_non_converting_path_ending_at_the_last_touch() {
        let e = exposures(&[
            (0, 0, 0.0, Exposed),
            (0, 1, 20.0, Organic),
            (0, 2, 25.0, Exposed),
            (1, 0, 3.0, Exposed),
        ]);
        let o = orders(&[(1, 4.0, 5.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 7);
        assert_eq!(p.non_converting.len(), 1);
        assert_eq!(tp.channels(p.non_converting[0]), &[1, 2]);
        let grouped = group_paths(&tp, &p);
        assert_eq!(
            grouped,
            vec![
                GroupedPath {
                    channels: vec![0],
                    conversions: 1,
                    revenue: 5.0,
                    nulls: 0
                },
                GroupedPath {
                    channels: vec![1, 2],
                    conversions: 0,
                    revenue: 0.0,
                    nulls: 1
                },
            ]
        );
        // Channels seen only on non-converting paths still get a (zero) row.
        let r = reference_run(&e, &o, 3, &[7], &[Model::FirstTouch], &Params::default());
        let channels: Vec<u16> = r[0].models[0].credits.iter().map(|c| c.channel).collect();
        assert_eq!(channels, vec![0, 1, 2]);
        assert_eq!(credit(&r[0].models[0], 2), (0.0, 0.0));
    }

    #[test]
    fn users_with_only_orders_or_only_touches_interleave_correctly() {
        // User 0: orders only; user 1: touches only; user 2: both.
        let e = exposures(&[(1, 0, 1.0, Exposed), (2, 1, 1.0, Exposed)]);
        let o = orders(&[(0, 1.0, 7.0), (2, 2.0, 3.0), (3, 1.0, 1.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 30);
        assert_eq!(p.totals.conversions, 3);
        assert_eq!(p.totals.unattributed_conversions, 2);
        assert!(close(p.totals.unattributed_revenue, 8.0));
        assert_eq!(p.conversions.len(), 1);
        assert_eq!(tp.channels(p.conversions[0].touches), &[1]);
        assert_eq!(p.non_converting.len(), 1);
        assert_eq!(tp.channels(p.non_converting[0]), &[0]);
    }

    /// Every window's paths from one pass equal the paths found by
    /// looking at every touch of the user for every order, window by
    /// window (the formula of [`build_paths`], written out).
    #[test]
    fn nested_paths_equal_each_window_searched_on_its_own() {
        for seed in 0..6 {
            let (ex, or) = random_data(seed, 300);
            let tp = Touchpoints::from_exposures(&ex);
            let nested = build_nested(&tp, &or, &[30, 1, 7, 45, 30]);
            assert_eq!(nested.windows, [1, 7, 30, 45]);
            for (i, &w) in nested.windows.iter().enumerate() {
                let span = Window(w).span();
                let tp = &tp;
                let touches_of = |u: u32| (0..tp.len()).filter(move |&t| tp.user[t] == u);
                let mut conversions = Vec::new();
                let mut non_converting = Vec::new();
                let (mut n, mut un, mut revenue, mut unrevenue) = (0u64, 0u64, 0.0, 0.0);
                let users: std::collections::BTreeSet<u32> =
                    tp.user.iter().chain(&or.user).copied().collect();
                for u in users {
                    let orders: Vec<usize> = (0..or.len()).filter(|&o| or.user[o] == u).collect();
                    if orders.is_empty() {
                        let Some(last) = touches_of(u).map(|t| tp.ts[t]).max() else {
                            continue;
                        };
                        let on: Vec<usize> =
                            touches_of(u).filter(|&t| tp.ts[t] >= last - span).collect();
                        non_converting.push(span_of(&on));
                    }
                    for o in orders.into_iter().filter(|&o| or.revenue[o] >= 0.0) {
                        let (ts, r) = (or.ts[o], or.revenue[o]);
                        n += 1;
                        revenue += r;
                        let on: Vec<usize> = touches_of(u)
                            .filter(|&t| ts - span <= tp.ts[t] && tp.ts[t] <= ts)
                            .collect();
                        if on.is_empty() {
                            un += 1;
                            unrevenue += r;
                        } else {
                            conversions.push(ConversionPath {
                                touches: span_of(&on),
                                order_ts: ts,
                                revenue: r,
                            });
                        }
                    }
                }
                let got = nested.window(i);
                assert_eq!(got.window_days, w);
                assert_eq!(got.conversions, conversions, "seed {seed} window {w}");
                assert_eq!(got.non_converting, non_converting, "seed {seed} window {w}");
                assert_eq!(got.totals.conversions, n);
                assert_eq!(got.totals.unattributed_conversions, un);
                assert!(close(got.totals.revenue, revenue));
                assert!(close(got.totals.unattributed_revenue, unrevenue));
                assert_eq!(got, build_paths(tp, &or, w));
            }
        }
    }

    /// The span of consecutive touch indices.
    fn span_of(on: &[usize]) -> TouchSpan {
        assert!(
            on.windows(2).all(|p| p[1] == p[0] + 1),
            "a path is one run of touches"
        );
        span(on[0], on[on.len() - 1] + 1)
    }
}
