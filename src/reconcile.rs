//! Reconciliation of the revenue export against finance's booked revenue.
//!
//! For each finance period: export revenue = net revenue (refunds included) of
//! the orders whose UTC date lies in `[period_start, period_end]`;
//! `gap = export − finance`, `gap_pct = gap / finance` (undefined when finance
//! is 0); a period whose `|gap_pct|` exceeds the tolerance is a mismatch.
//! Periods that overlap or leave days uncovered are reported, not merged.

use crate::model::{DayNumber, FinancePeriod, MICROS_PER_DAY, Micros};
use crate::stats::sum::NeumaierSum;

/// Default tolerance on |gap_pct|.
pub const DEFAULT_TOLERANCE: f64 = 0.01;

/// One period compared.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodResult {
    /// First day (inclusive).
    pub start: DayNumber,
    /// Last day (inclusive).
    pub end: DayNumber,
    /// Booked revenue.
    pub finance: f64,
    /// Net revenue of the export in the period.
    pub export: f64,
    /// `export − finance`.
    pub gap: f64,
    /// `gap / finance`; `None` when finance is 0.
    pub gap_pct: Option<f64>,
    /// Whether `|gap_pct|` exceeds the tolerance (a zero finance figure with a
    /// non-zero export is a mismatch too).
    pub mismatch: bool,
}

/// Days covered twice or not at all between the first and last period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Pairs of periods (by index) that share at least one day.
    pub overlaps: Vec<Overlap>,
    /// Ranges of days `[from, to]` inside the covered span that no period covers.
    pub uncovered: Vec<DayRange>,
    /// Net revenue of orders outside every period.
    pub revenue_outside: f64,
}

/// Two finance periods that share days, by their index (`first < second`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Overlap {
    /// The earlier period's index.
    pub first: usize,
    /// The later period's index.
    pub second: usize,
}

/// A run of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// The first day.
    pub from: DayNumber,
    /// The last day.
    pub to: DayNumber,
}

/// Compares every finance period with the export's net revenue per UTC day
/// (sorted by day, as [`daily`] gives it).
pub fn compare(
    days: &[DailyRevenue],
    periods: &[FinancePeriod],
    tolerance: f64,
) -> Vec<PeriodResult> {
    periods
        .iter()
        .map(|p| {
            let lo = days.partition_point(|d| d.day < p.period_start);
            let hi = days.partition_point(|d| d.day <= p.period_end);
            let export: NeumaierSum = days[lo..hi].iter().map(|d| d.revenue).collect();
            let export = round_cents(export.value());
            let gap = export - p.revenue;
            let gap_pct = (p.revenue != 0.0).then(|| gap / p.revenue);
            // N.B. a gap that is not a number is never "ok".
            let mismatch = match gap_pct {
                Some(g) => !(g.abs() <= tolerance),
                None => !(gap.abs() < 0.005),
            };
            PeriodResult {
                start: p.period_start,
                end: p.period_end,
                finance: p.revenue,
                export,
                gap,
                gap_pct,
                mismatch,
            }
        })
        .collect()
}

/// Overlapping and uncovered days of the periods, and the export revenue that
/// falls outside every period.
pub fn coverage(days: &[DailyRevenue], periods: &[FinancePeriod]) -> Coverage {
    let mut out = Coverage::default();
    let mut idx: Vec<usize> = (0..periods.len()).collect();
    idx.sort_by_key(|&i| (periods[i].period_start, periods[i].period_end));
    for (k, &i) in idx.iter().enumerate() {
        for &j in &idx[k + 1..] {
            if periods[j].period_start > periods[i].period_end {
                break;
            }
            out.overlaps.push(Overlap {
                first: i.min(j),
                second: i.max(j),
            });
        }
    }
    out.overlaps.sort_unstable();
    let mut covered_to: Option<DayNumber> = None;
    for &i in &idx {
        let p = &periods[i];
        if let Some(c) = covered_to
            && p.period_start > c + 1
        {
            out.uncovered.push(DayRange {
                from: c + 1,
                to: p.period_start - 1,
            });
        }
        covered_to = Some(covered_to.map_or(p.period_end, |c| c.max(p.period_end)));
    }
    let inside = |d: DayNumber| {
        periods
            .iter()
            .any(|p| p.period_start <= d && d <= p.period_end)
    };
    let outside: NeumaierSum = days
        .iter()
        .filter(|d| !inside(d.day))
        .map(|d| d.revenue)
        .collect();
    out.revenue_outside = round_cents(outside.value());
    out
}

/// The net revenue of one UTC day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyRevenue {
    /// The day.
    pub day: DayNumber,
    /// Its net revenue (refunds included).
    pub revenue: f64,
}

/// Net revenue per UTC day of orders given as (timestamp, revenue), sorted
/// by day; days without an order are left out.
pub fn daily(ts: &[Micros], revenue: &[f64]) -> Vec<DailyRevenue> {
    let day = |ts: i64| ts.div_euclid(MICROS_PER_DAY) as DayNumber;
    let (Some(lo), Some(hi)) = (
        ts.iter().map(|&t| day(t)).min(),
        ts.iter().map(|&t| day(t)).max(),
    ) else {
        return Vec::new();
    };
    // N.B. one slot per day of the span: orders are sorted by user, not time.
    let mut by_day = vec![NeumaierSum::default(); (i64::from(hi) - i64::from(lo) + 1) as usize];
    let mut seen = vec![false; by_day.len()];
    for (&ts, &v) in ts.iter().zip(revenue) {
        let k = (day(ts) - lo) as usize;
        by_day[k].add(v);
        seen[k] = true;
    }
    by_day
        .into_iter()
        .zip(seen)
        .enumerate()
        .filter(|(_, (_, seen))| *seen)
        .map(|(k, (s, _))| DailyRevenue {
            day: lo + k as DayNumber,
            revenue: s.value(),
        })
        .collect()
}

/// Rounds a money total to the cent (totals of 2-decimal amounts are exact
/// cents; this removes the binary floating-point residue).
pub fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Orders;

    fn orders(rows: &[(i64, f64)]) -> Orders {
        Orders {
            cost: Vec::new(),
            user: vec![0; rows.len()],
            ts: rows.iter().map(|r| r.0).collect(),
            revenue: rows.iter().map(|r| r.1).collect(),
            row: (0..rows.len() as u32).collect(),
        }
    }

    fn period(start: i32, end: i32, revenue: f64) -> FinancePeriod {
        FinancePeriod {
            period_start: start,
            period_end: end,
            revenue,
        }
    }

    const D: i64 = MICROS_PER_DAY;

    #[test]
    fn gaps_are_computed_per_inclusive_period_with_refunds_netted() {
        // Day 0: 100 + 0.10, day 1 (last second): 50, day 2: refund −20.
        let o = orders(&[(0, 100.0), (D / 2, 0.1), (2 * D - 1, 50.0), (2 * D, -20.0)]);
        let r = compare(
            &daily(&o.ts, &o.revenue),
            &[period(0, 1, 150.0), period(2, 2, -20.0), period(3, 3, 0.0)],
            0.01,
        );
        assert_eq!(r[0].export, 150.1);
        assert!((r[0].gap - 0.1).abs() < 1e-9);
        assert!(!r[0].mismatch, "0.07% is within 1%");
        assert_eq!(r[1].export, -20.0);
        assert_eq!(r[2].gap_pct, None);
        assert!(!r[2].mismatch);
        let tight = compare(&daily(&o.ts, &o.revenue), &[period(0, 1, 150.0)], 0.0001);
        assert!(tight[0].mismatch);
    }

    #[test]
    fn overlaps_and_uncovered_days_are_reported() {
        let o = orders(&[(5 * D, 10.0), (20 * D, 7.0)]);
        let p = [period(0, 9, 10.0), period(5, 12, 10.0), period(15, 19, 0.0)];
        let c = coverage(&daily(&o.ts, &o.revenue), &p);
        assert_eq!(
            c.overlaps,
            vec![Overlap {
                first: 0,
                second: 1
            }]
        );
        assert_eq!(c.uncovered, vec![DayRange { from: 13, to: 14 }]);
        assert_eq!(c.revenue_outside, 7.0);
    }
}
