//! `--fail-on`: the checks that turn a written report into exit code 3.
//!
//! A failed check is an outcome, not an error: the report is written in
//! full, and each failed check adds one line on standard error naming the
//! periods or rows that failed.

pub use crate::report::FailOn;
use crate::report::{LiftRow, Report};

/// The checks of `fail_on` that fail on `report`, each as a message.
pub fn failed_checks(report: &Report, fail_on: &[FailOn]) -> Vec<String> {
    let mut failed = Vec::new();
    for check in fail_on {
        match check {
            FailOn::Reconciliation => {
                if let Some(r) = report
                    .reconciliation
                    .as_ref()
                    .filter(|r| r.status == "mismatch")
                {
                    let periods: Vec<String> = r
                        .periods
                        .iter()
                        .filter(|p| p.status == "mismatch")
                        .map(|p| format!("{}..{}", p.period_start, p.period_end))
                        .collect();
                    failed.push(format!(
                        "check failed: reconciliation mismatch in {}",
                        periods.join(", ")
                    ));
                }
            }
            FailOn::Srm => failed.extend(rows_failing(report, "sample-ratio mismatch", |r| {
                r.segment.is_none() && r.srm.flag
            })),
            FailOn::NegativeLift => {
                failed.extend(rows_failing(report, "significantly negative lift", |r| {
                    r.segment.is_none() && r.revenue_per_user_lift.ci_high.is_some_and(|h| h < 0.0)
                }))
            }
            // Any flagged row fails, segment rows included.
            FailOn::Imbalance => failed.extend(rows_failing(report, "pre-period imbalance", |r| {
                r.balance.flag
            })),
        }
    }
    failed
}

/// The message of a check on the lift rows, naming every row that fails
/// it; `None` when none does.
fn rows_failing(report: &Report, what: &str, fails: impl Fn(&LiftRow) -> bool) -> Option<String> {
    let rows: Vec<String> = report
        .lift
        .iter()
        .filter(|r| fails(r))
        .map(LiftRow::label)
        .collect();
    (!rows.is_empty()).then(|| format!("check failed: {what} for {}", rows.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        Headline, ReconcileSettings, Reconciliation, ReconciliationPeriod, RowsAndAmount, Sections,
        Settings, SrmCheck,
    };

    fn period(start: &str, status: &str) -> ReconciliationPeriod {
        ReconciliationPeriod {
            period_start: start.to_string(),
            period_end: start.replace("-01", "-28"),
            finance_revenue: 100.0,
            export_revenue: 100.0,
            gap: 0.0,
            gap_pct: Some(0.0),
            status: status.to_string(),
        }
    }

    fn report() -> Report {
        let row = |channel: &str, segment: Option<&str>, hi: f64, srm: bool| LiftRow {
            channel: channel.to_string(),
            segment: segment.map(str::to_string),
            window_days: 30,
            revenue_per_user_lift: Headline {
                ci_high: Some(hi),
                ..Headline::default()
            },
            srm: SrmCheck {
                flag: srm,
                ..SrmCheck::default()
            },
            ..LiftRow::default()
        };
        let sections = Sections {
            lift: vec![
                row("email", None, -0.5, false),
                row("social", None, 2.0, true),
                // Segment rows never fail a check.
                row("push", Some("new"), -1.0, true),
            ],
            reconciliation: Some(Reconciliation {
                tolerance: 0.01,
                status: "mismatch".to_string(),
                periods: vec![period("2026-01-01", "ok"), period("2026-02-01", "mismatch")],
                refunds: RowsAndAmount::default(),
                duplicate_orders: RowsAndAmount::default(),
            }),
            ..Sections::default()
        };
        let settings = Settings::Reconcile(ReconcileSettings {
            tolerance: 0.01,
            fail_on: Vec::new(),
            config_file: None,
            columns: crate::config::Columns::default(),
        });
        Report::assemble(sections, None, Default::default(), settings)
    }

    #[test]
    fn each_check_names_what_failed() {
        let r = report();
        assert!(failed_checks(&r, &[]).is_empty());
        assert_eq!(
            failed_checks(&r, &[FailOn::Reconciliation]),
            ["check failed: reconciliation mismatch in 2026-02-01..2026-02-28"]
        );
        assert_eq!(
            failed_checks(&r, &[FailOn::Srm]),
            ["check failed: sample-ratio mismatch for social (30 days)"]
        );
        assert_eq!(
            failed_checks(&r, &[FailOn::NegativeLift]),
            ["check failed: significantly negative lift for email (30 days)"]
        );
        assert_eq!(
            failed_checks(
                &r,
                &[FailOn::NegativeLift, FailOn::Srm, FailOn::Reconciliation]
            )
            .len(),
            3
        );
    }

    #[test]
    fn a_reconciliation_within_tolerance_passes() {
        let mut r = report();
        if let Some(rec) = r.reconciliation.as_mut() {
            rec.status = "ok".to_string();
        }
        assert!(failed_checks(&r, &[FailOn::Reconciliation]).is_empty());
    }
}
