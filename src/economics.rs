//! Economics per (channel, segment, window): spend, incremental CAC, iROAS
//! and the decision against a hurdle iROAS.
//!
//! A channel's spend is the spend-file rows plus the `cost` column of its
//! exposures rows, dated from its first to its last exposed row (UTC dates,
//! inclusive). A lift row gets `spend · exposed.users / n_e_all`, where
//! `n_e_all` counts every user with an exposed row (contaminated and immature
//! included), so that a segment row gets its share.

use crate::model::{DayNumber, Exposures, MICROS_PER_DAY, SpendRow};
use crate::stats::sum::NeumaierSum;

/// Default hurdle iROAS (the opportunity cost of a unit of spend).
pub const DEFAULT_HURDLE_IROAS: f64 = 1.0;

/// Total spend of each channel over its exposure period; `None` for a
/// channel without exposed rows.
pub fn channel_spend(
    exposures: &Exposures,
    spend: &[SpendRow],
    spans: &[Option<(i64, i64)>],
) -> Vec<Option<f64>> {
    let day = |ts: i64| ts.div_euclid(MICROS_PER_DAY) as DayNumber;
    let mut totals: Vec<NeumaierSum> = vec![NeumaierSum::default(); spans.len()];
    let within = |c: usize, d: DayNumber| {
        spans
            .get(c)
            .copied()
            .flatten()
            .is_some_and(|(a, b)| day(a) <= d && d <= day(b))
    };
    for r in spend {
        let c = usize::from(r.channel);
        if within(c, r.date) {
            totals[c].add(r.spend);
        }
    }
    for i in 0..exposures.len() {
        let c = usize::from(exposures.channel[i]);
        if exposures.cost[i] != 0.0 && within(c, day(exposures.ts[i])) {
            totals[c].add(exposures.cost[i]);
        }
    }
    spans
        .iter()
        .zip(totals)
        .map(|(s, t)| s.map(|_| t.value()))
        .collect()
}

/// `scale`, `cut` or `inconclusive` for an iROAS interval against the hurdle.
pub fn verdict(ci_low: Option<f64>, ci_high: Option<f64>, hurdle: f64) -> &'static str {
    match (ci_low, ci_high) {
        (Some(lo), _) if lo > hurdle => "scale",
        (_, Some(hi)) if hi < hurdle => "cut",
        _ => "inconclusive",
    }
}

/// Incremental cost per acquisition: `spend / incremental conversions`,
/// undefined when incremental conversions ≤ 0.
pub fn icac(spend: f64, incremental_conversions: Option<f64>) -> Option<f64> {
    incremental_conversions
        .filter(|&c| c > 0.0)
        .map(|c| spend / c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Group;

    #[test]
    fn spend_counts_only_the_exposure_period_and_adds_touch_costs() {
        let d = MICROS_PER_DAY;
        let ex = Exposures {
            user: vec![0, 1, 2],
            channel: vec![0, 0, 0],
            ts: vec![2 * d + 5, 4 * d, 9 * d],
            group: vec![Group::Exposed, Group::Exposed, Group::Organic],
            cost: vec![0.5, 0.25, 7.0],
            campaign: vec![u32::MAX; 3],
            row: vec![0, 1, 2],
        };
        let spend = [
            SpendRow {
                date: 1,
                channel: 0,
                spend: 100.0,
            },
            SpendRow {
                date: 2,
                channel: 0,
                spend: 10.0,
            },
            SpendRow {
                date: 4,
                channel: 0,
                spend: 20.0,
            },
            SpendRow {
                date: 5,
                channel: 0,
                spend: 1000.0,
            },
        ];
        let s = channel_spend(&ex, &spend, &[Some((2 * d + 5, 4 * d)), None]);
        // Days 2..=4: 10 + 20 + 0.5 + 0.25; the organic touch on day 9 is outside.
        assert_eq!(s, vec![Some(30.75), None]);
    }

    #[test]
    fn verdicts_follow_the_interval() {
        assert_eq!(verdict(Some(1.2), Some(3.0), 1.0), "scale");
        assert_eq!(verdict(Some(0.1), Some(0.9), 1.0), "cut");
        assert_eq!(verdict(Some(0.5), Some(1.5), 1.0), "inconclusive");
        assert_eq!(verdict(None, None, 1.0), "inconclusive");
        assert_eq!(icac(100.0, Some(4.0)), Some(25.0));
        assert_eq!(icac(100.0, Some(-1.0)), None);
    }
}
