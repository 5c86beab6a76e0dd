//! The reconciliation section: the export's net revenue per finance period
//! against the booked revenue, each period's gap and status, and warnings
//! for overlapping periods, uncovered days and revenue outside every period
//! (the comparison itself is [`crate::reconcile`]).

use crate::io::RevenueFacts;
use crate::io::time::format_date;
use crate::model::FinancePeriod;
use crate::reconcile::{self, DailyRevenue};
use crate::report::{Reconciliation, ReconciliationPeriod, RowsAndAmount};
use crate::warning::{Warning, WarningCode};

/// The reconciliation section, with warnings for overlapping periods,
/// uncovered days and export revenue outside every period.
pub fn section(
    days: &[DailyRevenue],
    finance: &[FinancePeriod],
    facts: &RevenueFacts,
    tolerance: f64,
    warnings: &mut Vec<Warning>,
) -> Reconciliation {
    let results = reconcile::compare(days, finance, tolerance);
    let cov = reconcile::coverage(days, finance);
    let name = |i: usize| {
        let p = &finance[i];
        format!(
            "{}..{}",
            format_date(p.period_start),
            format_date(p.period_end)
        )
    };
    for o in &cov.overlaps {
        warnings.push(Warning::new(
            WarningCode::FinanceOverlap,
            format!(
                "finance periods {} and {} overlap: their days are counted in both",
                name(o.first),
                name(o.second)
            ),
        ));
    }
    for r in &cov.uncovered {
        warnings.push(Warning::new(
            WarningCode::FinanceGap,
            format!(
                "no finance period covers {}..{}",
                format_date(r.from),
                format_date(r.to)
            ),
        ));
    }
    if cov.revenue_outside != 0.0 && !finance.is_empty() {
        warnings.push(Warning::new(
            WarningCode::RevenueOutsideFinance,
            format!(
                "{:.2} of export net revenue falls on days no finance period covers",
                cov.revenue_outside
            ),
        ));
    }
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| (results[i].start, results[i].end, i));
    let periods: Vec<ReconciliationPeriod> = order
        .iter()
        .map(|&i| &results[i])
        .map(|r| ReconciliationPeriod {
            period_start: format_date(r.start),
            period_end: format_date(r.end),
            finance_revenue: r.finance,
            export_revenue: r.export,
            gap: reconcile::round_cents(r.gap),
            gap_pct: r.gap_pct,
            status: if r.mismatch { "mismatch" } else { "ok" }.to_string(),
        })
        .collect();
    let status = if results.iter().any(|r| r.mismatch) {
        "mismatch"
    } else {
        "ok"
    };
    Reconciliation {
        tolerance,
        status: status.to_string(),
        periods,
        refunds: RowsAndAmount {
            rows: facts.refunds,
            amount: reconcile::round_cents(facts.refund_total),
        },
        duplicate_orders: RowsAndAmount {
            rows: facts.duplicate_orders,
            amount: reconcile::round_cents(facts.duplicate_total),
        },
    }
}
