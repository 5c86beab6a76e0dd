//! `--fail-on`: the checks that turn a written report into exit code 3.
//!
//! A failed check is an outcome, not an error: the report is written in
//! full, and each failed check adds one line on standard error naming the
//! periods or rows that failed.

pub use crate::report::FailOn;
use crate::report::Report;

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
            FailOn::Srm => {
                let rows: Vec<String> = report
                    .lift
                    .iter()
                    .filter(|r| r.srm.flag && r.segment.is_none())
                    .map(|r| format!("{} ({} days)", r.channel, r.window_days))
                    .collect();
                if !rows.is_empty() {
                    failed.push(format!(
                        "check failed: sample-ratio mismatch for {}",
                        rows.join(", ")
                    ));
                }
            }
            FailOn::NegativeLift => {
                let rows: Vec<String> = report
                    .lift
                    .iter()
                    .filter(|r| {
                        r.segment.is_none()
                            && r.revenue_per_user_lift.ci_high.is_some_and(|h| h < 0.0)
                    })
                    .map(|r| format!("{} ({} days)", r.channel, r.window_days))
                    .collect();
                if !rows.is_empty() {
                    failed.push(format!(
                        "check failed: significantly negative lift for {}",
                        rows.join(", ")
                    ));
                }
            }
        }
    }
    failed
}
