//! Economics per (channel, segment, window): spend, incremental CAC, iROAS
//! and the decision against a hurdle iROAS.
//!
//! A channel's spend is the spend-file rows plus the `cost` column of its
//! exposures rows, dated from its first to its last exposed row (UTC dates,
//! inclusive). A lift row gets `spend · exposed.users / n_e_all`, where
//! `n_e_all` counts every user with an exposed row (contaminated and immature
//! included), so that a segment row gets its share.

use crate::model::{DayNumber, Exposures, MICROS_PER_DAY, SpendRow, TimeSpan};
use crate::stats::sum::NeumaierSum;

/// Default hurdle iROAS (the opportunity cost of a unit of spend).
pub const DEFAULT_HURDLE_IROAS: f64 = 1.0;

/// One amount of spend on one channel and UTC day: a spend-file row, or
/// the `cost` of an exposures row (or a warehouse's sum of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatedCost {
    /// Channel code.
    pub channel: u16,
    /// UTC day.
    pub day: DayNumber,
    /// Amount.
    pub amount: f64,
}

/// Total spend of each channel over its exposure period, summing `costs`
/// in their order; `None` for a channel without exposed rows.
pub fn channel_spend(
    costs: impl IntoIterator<Item = DatedCost>,
    spans: &[Option<TimeSpan>],
) -> Vec<Option<f64>> {
    let day = |ts: i64| ts.div_euclid(MICROS_PER_DAY) as DayNumber;
    let mut totals: Vec<NeumaierSum> = vec![NeumaierSum::default(); spans.len()];
    for c in costs {
        let ch = usize::from(c.channel);
        let within = spans
            .get(ch)
            .copied()
            .flatten()
            .is_some_and(|s| day(s.first) <= c.day && c.day <= day(s.last));
        if within {
            totals[ch].add(c.amount);
        }
    }
    spans
        .iter()
        .zip(totals)
        .map(|(s, t)| s.map(|_| t.value()))
        .collect()
}

/// The dated costs of a run on files: the spend rows, then the exposures
/// rows with a non-zero `cost`, in file order.
pub fn dated_costs<'a>(
    exposures: &'a Exposures,
    spend: &'a [SpendRow],
) -> impl Iterator<Item = DatedCost> + 'a {
    let day = |ts: i64| ts.div_euclid(MICROS_PER_DAY) as DayNumber;
    spend
        .iter()
        .map(|r| DatedCost {
            channel: r.channel,
            day: r.date,
            amount: r.spend,
        })
        .chain(
            (0..exposures.len())
                .filter(|&i| exposures.cost[i] != 0.0)
                .map(move |i| DatedCost {
                    channel: exposures.channel[i],
                    day: day(exposures.ts[i]),
                    amount: exposures.cost[i],
                }),
        )
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
        let s = channel_spend(
            dated_costs(&ex, &spend),
            &[
                Some(TimeSpan {
                    first: 2 * d + 5,
                    last: 4 * d,
                }),
                None,
            ],
        );
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
