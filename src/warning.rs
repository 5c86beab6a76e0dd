//! Warnings: what a report says went wrong or was left out, each with a
//! stable machine-readable code (the contract's `warnings[].code`) and a
//! message for a person.
//!
//! The codes are one enum, so that a check such as `--fail-on new-warning`
//! or an exporter never matches on a misspelt string, and the list of codes
//! a report can carry is written once.

use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// The code of a warning, serialized as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Rows skipped under `--on-bad-rows skip`.
    SkippedRows,
    /// Rows that repeat an earlier `order_id` (counted once).
    DuplicateOrderId,
    /// Orders with negative revenue.
    Refunds,
    /// A channel without control users.
    NoControl,
    /// Users with both exposed and control labels for a channel.
    Contaminated,
    /// User-windows that end after `as_of`.
    Immature,
    /// An arm with fewer than two mature users.
    SmallArm,
    /// Revenue per user that does not vary within either arm.
    ZeroVariance,
    /// A control arm whose revenue per user is 0.
    ZeroBaseline,
    /// Incremental conversions ≤ 0, so no incremental CAC.
    IcacUndefined,
    /// A channel with a holdout but no recorded spend.
    NoSpend,
    /// `--bootstrap` on warehouse aggregates.
    BootstrapUnavailable,
    /// Lift rows whose arms differ in pre-period revenue.
    PrePeriodImbalance,
    /// Lift rows whose placebo runs find too many false positives.
    PlaceboFalsePositives,
    /// `--placebo` on warehouse aggregates.
    PlaceboUnavailable,
    /// Warehouse ties ordered by channel name, not file order.
    WarehouseTieOrder,
    /// Overlapping finance periods.
    FinanceOverlap,
    /// Days no finance period covers.
    FinanceGap,
    /// Export revenue on days outside every finance period.
    RevenueOutsideFinance,
}

impl WarningCode {
    /// The code as written in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SkippedRows => "skipped_rows",
            Self::DuplicateOrderId => "duplicate_order_id",
            Self::Refunds => "refunds",
            Self::NoControl => "no_control",
            Self::Contaminated => "contaminated",
            Self::Immature => "immature",
            Self::SmallArm => "small_arm",
            Self::ZeroVariance => "zero_variance",
            Self::ZeroBaseline => "zero_baseline",
            Self::IcacUndefined => "icac_undefined",
            Self::NoSpend => "no_spend",
            Self::BootstrapUnavailable => "bootstrap_unavailable",
            Self::PrePeriodImbalance => "pre_period_imbalance",
            Self::PlaceboFalsePositives => "placebo_false_positives",
            Self::PlaceboUnavailable => "placebo_unavailable",
            Self::WarehouseTieOrder => "warehouse_tie_order",
            Self::FinanceOverlap => "finance_overlap",
            Self::FinanceGap => "finance_gap",
            Self::RevenueOutsideFinance => "revenue_outside_finance",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A warning: a machine-readable code and advice for a person.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Warning {
    /// Stable code, e.g. `refunds`, `duplicate_order_id`, `skipped_rows`.
    pub code: WarningCode,
    /// What happened and what to do.
    pub message: String,
}

impl Warning {
    /// A warning.
    pub fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_serializes_as_its_name() {
        for code in [
            WarningCode::SkippedRows,
            WarningCode::DuplicateOrderId,
            WarningCode::WarehouseTieOrder,
            WarningCode::RevenueOutsideFinance,
        ] {
            let json = serde_json::to_string(&code).expect("a code serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
