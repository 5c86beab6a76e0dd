//! Small inputs for the tests of the attribution modules: sorted exposures
//! and orders from literal rows, a seeded random data set with every edge
//! case the paths must handle, and the conservation check every model must
//! pass.

use super::{ModelResult, WindowAttribution};
use crate::model::Group::{Control, Exposed, Organic};
use crate::model::{Exposures, Group, MICROS_PER_DAY, Orders};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DAY: i64 = MICROS_PER_DAY;
const IDENTITY_EPS: f64 = 1e-6;

/// Exposures from (user, channel, day, group) rows, already sorted.
pub(super) fn exposures(rows: &[(u32, u16, f64, Group)]) -> Exposures {
    let mut e = Exposures::default();
    for (i, &(user, channel, day, group)) in rows.iter().enumerate() {
        e.user.push(user);
        e.channel.push(channel);
        e.ts.push((day * DAY as f64) as i64);
        e.group.push(group);
        e.cost.push(0.0);
        e.campaign.push(u32::MAX);
        e.row.push(i as u32);
    }
    e
}

/// Orders from (user, day, revenue) rows, already sorted.
pub(super) fn orders(rows: &[(u32, f64, f64)]) -> Orders {
    let mut o = Orders::default();
    for (i, &(user, day, revenue)) in rows.iter().enumerate() {
        o.user.push(user);
        o.ts.push((day * DAY as f64) as i64);
        o.revenue.push(revenue);
        o.row.push(i as u32);
    }
    o
}

pub(super) fn credit(result: &ModelResult, channel: u16) -> (f64, f64) {
    result
        .credits
        .iter()
        .find(|c| c.channel == channel)
        .map_or((0.0, 0.0), |c| (c.conversions, c.revenue))
}

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

pub(super) fn assert_conservation(w: &WindowAttribution) {
    let t = &w.totals;
    for m in &w.models {
        let conv: f64 = m.credits.iter().map(|c| c.conversions).sum();
        let rev: f64 = m.credits.iter().map(|c| c.revenue).sum();
        assert!(
            (conv + t.unattributed_conversions as f64 - t.conversions as f64).abs() < IDENTITY_EPS,
            "{} window {}: conversions {conv} + {} != {}",
            m.model,
            w.window_days,
            t.unattributed_conversions,
            t.conversions
        );
        assert!(
            (rev + t.unattributed_revenue - t.revenue).abs() < IDENTITY_EPS,
            "{} window {}: revenue {rev} + {} != {}",
            m.model,
            w.window_days,
            t.unattributed_revenue,
            t.revenue
        );
        assert!(m.credits.windows(2).all(|p| p[0].channel < p[1].channel));
        assert!(
            m.credits
                .iter()
                .all(|c| c.conversions >= -1e-12 && c.revenue.is_finite())
        );
    }
    assert!(close(t.revenue + t.refunds, t.net_revenue));
}

/// A random, sorted data set: `users` users over 4 channels and 60 days,
/// with control rows, organic rows, refunds, zero-revenue orders, ties and
/// orders before the first touch.
pub(super) fn random_data(seed: u64, users: u32) -> (Exposures, Orders) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ex = Vec::new();
    let mut or = Vec::new();
    for u in 0..users {
        let n_touch = rng.random_range(0..8);
        let mut touches: Vec<(u32, u16, f64, Group)> = (0..n_touch)
            .map(|_| {
                let group = match rng.random_range(0..4) {
                    0 => Control,
                    1 => Organic,
                    _ => Exposed,
                };
                // Whole hours, so that ties happen.
                let day = f64::from(rng.random_range(0..60 * 24)) / 24.0;
                (u, rng.random_range(0..4), day, group)
            })
            .collect();
        touches.sort_by(|a, b| a.2.total_cmp(&b.2));
        ex.extend(touches);
        let n_orders = rng.random_range(0..4);
        let mut os: Vec<(u32, f64, f64)> = (0..n_orders)
            .map(|_| {
                let day = f64::from(rng.random_range(0..70 * 24)) / 24.0;
                let cents: i64 = rng.random_range(-5_000..50_000);
                let revenue = if cents % 7 == 0 {
                    0.0
                } else {
                    cents as f64 / 100.0
                };
                (u, day, revenue)
            })
            .collect();
        os.sort_by(|a, b| a.1.total_cmp(&b.1));
        or.extend(os);
    }
    (exposures(&ex), orders(&or))
}
