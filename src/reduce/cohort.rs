//! Exposed and control cohorts per channel, entry times, maturity, and each
//! mature user's outcome `Y` and pre-period covariate `X` per window.
//!
//! One pass over the exposures (sorted by user and time) builds every
//! channel's cohorts; one pass over the cohort members computes the outcomes
//! of every window at once (binary search in the user's sorted orders).
//! See the contract, "Cohorts" and "Outcome".

use crate::model::{Exposures, Group, Micros, Orders, TimeSpan, Window};

/// A user in one arm of a channel's test, with the entry time `t0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Interned user id.
    pub user: u32,
    /// Earliest labeled row of the user for the channel.
    pub t0: Micros,
}

/// The cohorts of one channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelCohort {
    /// Channel code.
    pub channel: u16,
    /// Users with only exposed rows for the channel (by user id).
    pub exposed: Vec<Member>,
    /// Users with only control rows for the channel (by user id).
    pub control: Vec<Member>,
    /// Users with both labels (excluded from lift), by user id.
    pub contaminated: Vec<u32>,
    /// Users with only organic (unlabeled) rows for the channel.
    pub organic_users: u64,
    /// Users with at least one exposed row, contaminated included (`n_e_all`).
    pub exposed_all: u64,
    /// Time of the channel's first and last exposed row.
    pub exposed_span: Option<TimeSpan>,
    /// Time of the channel's first and last labeled (exposed or control) row.
    pub labeled_span: Option<TimeSpan>,
    /// Rows of the channel, by group: exposed, control, organic.
    pub rows: [u64; 3],
}

/// Builds every channel's cohorts in one pass over the sorted exposures.
pub fn build(ex: &Exposures, n_channels: usize) -> Vec<ChannelCohort> {
    let mut out: Vec<ChannelCohort> = (0..n_channels)
        .map(|c| ChannelCohort {
            channel: c as u16,
            ..ChannelCohort::default()
        })
        .collect();
    // Per-user scratch, indexed by channel: (exposed, control, organic, t0).
    let mut state: Vec<(bool, bool, bool, Micros)> =
        vec![(false, false, false, Micros::MAX); n_channels];
    let mut touched: Vec<usize> = Vec::new();
    let n = ex.len();
    let mut i = 0;
    while i < n {
        let user = ex.user[i];
        let mut j = i;
        while j < n && ex.user[j] == user {
            let c = usize::from(ex.channel[j]);
            let s = &mut state[c];
            if !(s.0 || s.1 || s.2) {
                touched.push(c);
            }
            let ts = ex.ts[j];
            let cohort = &mut out[c];
            match ex.group[j] {
                Group::Exposed => {
                    s.0 = true;
                    s.3 = s.3.min(ts);
                    cohort.rows[0] += 1;
                    cohort.exposed_span = Some(
                        cohort
                            .exposed_span
                            .map_or_else(|| TimeSpan::at(ts), |s| s.with(ts)),
                    );
                    cohort.labeled_span = Some(
                        cohort
                            .labeled_span
                            .map_or_else(|| TimeSpan::at(ts), |s| s.with(ts)),
                    );
                }
                Group::Control => {
                    s.1 = true;
                    s.3 = s.3.min(ts);
                    cohort.rows[1] += 1;
                    cohort.labeled_span = Some(
                        cohort
                            .labeled_span
                            .map_or_else(|| TimeSpan::at(ts), |s| s.with(ts)),
                    );
                }
                Group::Organic => {
                    s.2 = true;
                    cohort.rows[2] += 1;
                }
            }
            j += 1;
        }
        touched.sort_unstable();
        for &c in &touched {
            let (e, k, o, t0) = state[c];
            let cohort = &mut out[c];
            if e {
                cohort.exposed_all += 1;
            }
            match (e, k) {
                (true, true) => cohort.contaminated.push(user),
                (true, false) => cohort.exposed.push(Member { user, t0 }),
                (false, true) => cohort.control.push(Member { user, t0 }),
                (false, false) if o => cohort.organic_users += 1,
                _ => {}
            }
            state[c] = (false, false, false, Micros::MAX);
        }
        touched.clear();
        i = j;
    }
    out
}

/// Index of each user's orders in [`Orders`] (sorted by user): orders of user
/// `u` are `start[u]..start[u + 1]`.
#[derive(Debug, Clone)]
pub struct OrderIndex {
    start: Vec<usize>,
}

impl OrderIndex {
    /// Builds the index for `n_users` users.
    pub fn new(orders: &Orders, n_users: usize) -> Self {
        let mut start = vec![0usize; n_users + 1];
        for &u in &orders.user {
            start[u as usize + 1] += 1;
        }
        for k in 0..n_users {
            start[k + 1] += start[k];
        }
        Self { start }
    }

    /// The range of `user`'s orders.
    pub fn range(&self, user: u32) -> std::ops::Range<usize> {
        let u = user as usize;
        match (self.start.get(u), self.start.get(u + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        }
    }
}

/// Outcomes of the mature members of one arm for one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmOutcomes {
    /// User id of each mature member.
    pub user: Vec<u32>,
    /// Pre-period covariate: net revenue in `[t0 − W, t0)`.
    pub x: Vec<f64>,
    /// Outcome: net revenue in `[t0, t0 + W)`.
    pub y: Vec<f64>,
    /// At least one conversion (order with revenue ≥ 0) in `[t0, t0 + W)`.
    pub converted: Vec<bool>,
    /// Pre-period profit `Xπ` (profit on; empty otherwise).
    pub xp: Vec<f64>,
    /// Profit in the window `Yπ` (profit on; empty otherwise).
    pub yp: Vec<f64>,
    /// Members not mature for the window.
    pub immature_users: Vec<u32>,
}

/// Outcomes of `members` for every window in `windows` (days), one pass.
///
/// A member is mature for `W` when `t0 + W days <= as_of`. With `profit`
/// (each order's profit, parallel to `orders`), the profit outcomes too.
pub fn outcomes(
    members: &[Member],
    orders: &Orders,
    profit: Option<&[f64]>,
    index: &OrderIndex,
    windows: &[Window],
    as_of: Micros,
) -> Vec<ArmOutcomes> {
    let mut out: Vec<ArmOutcomes> = windows.iter().map(|_| ArmOutcomes::default()).collect();
    for m in members {
        let r = index.range(m.user);
        let ts = &orders.ts[r.clone()];
        let rev = &orders.revenue[r.clone()];
        if let Some(profit) = profit {
            profit_outcomes(m, ts, &profit[r], windows, as_of, &mut out);
        }
        for (k, &w) in windows.iter().enumerate() {
            let span = w.span();
            let arm = &mut out[k];
            if m.t0.saturating_add(span) > as_of {
                arm.immature_users.push(m.user);
                continue;
            }
            // One scan of the user's orders (a few, in time order); the
            // sums start at −0, as `Iterator::sum` does.
            let (mut x, mut y, mut converted) = (-0.0, -0.0, false);
            for (&t, &v) in ts.iter().zip(rev) {
                if t >= m.t0 + span {
                    break;
                } else if t >= m.t0 {
                    y += v;
                    converted |= v >= 0.0;
                } else if t >= m.t0 - span {
                    x += v;
                }
            }
            arm.user.push(m.user);
            arm.x.push(x);
            arm.y.push(y);
            arm.converted.push(converted);
        }
    }
    out
}

/// The profit outcomes of one member (`profit` = its orders' profits),
/// for the windows it is mature in: the same orders as its revenue.
fn profit_outcomes(
    m: &Member,
    ts: &[Micros],
    profit: &[f64],
    windows: &[Window],
    as_of: Micros,
    out: &mut [ArmOutcomes],
) {
    for (k, &w) in windows.iter().enumerate() {
        let span = w.span();
        // The maturity rule of the revenue outcomes: the same users.
        if m.t0.saturating_add(span) > as_of {
            continue;
        }
        let arm = &mut out[k];
        let (mut xp, mut yp) = (-0.0, -0.0);
        for (&t, &v) in ts.iter().zip(profit) {
            if t >= m.t0 + span {
                break;
            } else if t >= m.t0 {
                yp += v;
            } else if t >= m.t0 - span {
                xp += v;
            }
        }
        arm.xp.push(xp);
        arm.yp.push(yp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Micros = crate::model::MICROS_PER_DAY;

    fn exposures(rows: &[(u32, u16, Micros, Group)]) -> Exposures {
        let mut ex = Exposures::default();
        for (i, &(u, c, t, g)) in rows.iter().enumerate() {
            ex.user.push(u);
            ex.channel.push(c);
            ex.ts.push(t);
            ex.group.push(g);
            ex.cost.push(0.0);
            ex.campaign.push(u32::MAX);
            ex.row.push(i as u32);
        }
        ex
    }

    #[test]
    fn contaminated_users_are_excluded_and_t0_ignores_organic_rows() {
        use Group::*;
        let ex = exposures(&[
            (0, 0, D, Organic),
            (0, 0, 3 * D, Exposed),
            (0, 0, 5 * D, Exposed),
            (1, 0, 2 * D, Control),
            (2, 0, 2 * D, Exposed),
            (2, 0, 4 * D, Control),
            (2, 1, 4 * D, Organic),
            (3, 1, 9 * D, Exposed),
        ]);
        let c = build(&ex, 2);
        assert_eq!(c[0].exposed, vec![Member { user: 0, t0: 3 * D }]);
        assert_eq!(c[0].control, vec![Member { user: 1, t0: 2 * D }]);
        assert_eq!(c[0].contaminated, vec![2]);
        assert_eq!(c[0].exposed_all, 2);
        // Every exposed row counts for the span, a contaminated user's too.
        assert_eq!(
            c[0].exposed_span,
            Some(TimeSpan {
                first: 2 * D,
                last: 5 * D
            })
        );
        assert_eq!(c[1].organic_users, 1);
        assert_eq!(c[1].exposed, vec![Member { user: 3, t0: 9 * D }]);
        assert_eq!(c[0].rows, [3, 2, 1]);
    }

    #[test]
    fn outcomes_use_half_open_windows_and_maturity() {
        let orders = Orders {
            cost: Vec::new(),
            user: vec![0, 0, 0, 0, 0],
            ts: vec![D, 9 * D, 10 * D, 15 * D, 17 * D],
            revenue: vec![5.0, 7.0, 11.0, -3.0, 13.0],
            row: vec![0, 1, 2, 3, 4],
        };
        let index = OrderIndex::new(&orders, 2);
        let members = [
            Member {
                user: 0,
                t0: 10 * D,
            },
            Member {
                user: 1,
                t0: 10 * D,
            },
        ];
        let out = outcomes(
            &members,
            &orders,
            None,
            &index,
            &[Window(7), Window(30)],
            20 * D,
        );
        // W = 7: Y = [10, 17) = 11 − 3 = 8, X = [3, 10) = 7; 17 is excluded.
        assert_eq!(out[0].y, vec![8.0, 0.0]);
        assert_eq!(out[0].x, vec![7.0, 0.0]);
        assert_eq!(out[0].converted, vec![true, false]);
        // W = 30: t0 + 30 days > as_of → immature.
        assert_eq!(out[1].immature_users, vec![0, 1]);
        assert!(out[1].y.is_empty());
    }

    /// The scan equals slicing the orders at the window's bounds, bit for
    /// bit, with orders on the bounds and refunds.
    #[test]
    fn outcomes_equal_the_orders_sliced_at_the_bounds() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (users, windows) = (300u32, [1u16, 7, 30]);
        let mut orders = Orders::default();
        for u in 0..users {
            let mut ts: Vec<Micros> = (0..rng.random_range(0..12))
                .map(|_| rng.random_range(0..80) * D / 2)
                .collect();
            ts.sort_unstable();
            for t in ts {
                orders.user.push(u);
                orders.ts.push(t);
                orders.revenue.push(rng.random_range(-20.0..100.0));
                orders.row.push(orders.row.len() as u32);
            }
        }
        let index = OrderIndex::new(&orders, users as usize);
        let members: Vec<Member> = (0..users)
            .map(|user| Member {
                user,
                t0: rng.random_range(0..80) * D / 2,
            })
            .collect();
        let as_of = 100 * D;
        let out = outcomes(&members, &orders, None, &index, &windows.map(Window), as_of);
        for (k, &w) in windows.iter().enumerate() {
            let span = i64::from(w) * D;
            for (i, m) in members.iter().enumerate() {
                let r = index.range(m.user);
                let (ts, rev) = (&orders.ts[r.clone()], &orders.revenue[r]);
                let cut = |b: Micros| ts.partition_point(|&t| t < b);
                let (a, b, c) = (cut(m.t0 - span), cut(m.t0), cut(m.t0 + span));
                let x: f64 = rev[a..b].iter().sum();
                let y: f64 = rev[b..c].iter().sum();
                assert_eq!(out[k].x[i].to_bits(), x.to_bits());
                assert_eq!(out[k].y[i].to_bits(), y.to_bits());
                assert_eq!(out[k].converted[i], rev[b..c].iter().any(|&v| v >= 0.0));
            }
        }
    }

    #[test]
    fn a_refund_alone_is_not_a_conversion() {
        let orders = Orders {
            cost: Vec::new(),
            user: vec![0],
            ts: vec![2 * D],
            revenue: vec![-4.0],
            row: vec![0],
        };
        let index = OrderIndex::new(&orders, 1);
        let out = outcomes(
            &[Member { user: 0, t0: D }],
            &orders,
            None,
            &index,
            &[Window(7)],
            100 * D,
        );
        assert_eq!(out[0].y, vec![-4.0]);
        assert_eq!(out[0].converted, vec![false]);
    }
}
