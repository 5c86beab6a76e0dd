//! `--format calibration`: the holdout experiments as calibration input for
//! a media-mix model (MMM), as CSV.
//!
//! ## Wire format
//! One row per channel and window, for every all-users lift row
//! (`segment` null) whose incremental revenue has an estimate; rows ordered
//! by channel, then window. The first eight columns are those of Meta
//! Robyn's `calibration_input` data frame (`robyn_inputs(calibration_input =
//! …)`), with its names and meanings, as documented in Robyn's
//! `demo/demo.R` ("Guide for calibration", step 2a-4):
//!
//! | column | Robyn's meaning | here |
//! |---|---|---|
//! | `channel` | the media variable tested; must be one of `paid_media_spends` (or `organic_vars`); `a+b` for a test of several | the lift row's channel (rename it to the MMM's variable) |
//! | `liftStartDate` | first day of the test, within the model's data range | the channel's first exposed day (`test_start`), empty until the report carries it |
//! | `liftEndDate` | last day of the test | the channel's last exposed day (`test_end`), empty until the report carries it |
//! | `liftAbs` | the absolute incremental response, "tested on the same campaign level in model and same metric as dep_var_type"; a point estimate that matches the tested spend | `incremental_revenue.estimate` (headline lift × exposed users) |
//! | `spend` | "spend within experiment": should match the model's spend of the channel over the dates within 10% | the row's `spend`; empty when null |
//! | `confidence` | confidence in the result, in (0, 1) ("if frequentist experiment, you may use 1 − pvalue"; Robyn warns below 0.8) | the report's confidence level, `config.confidence` |
//! | `metric` | the KPI measured; must match `dep_var` | `revenue` |
//! | `calibration_scope` | `immediate` (the response to spend in the test period and its future carryover; recommended for causal experiments) or `total` (immediate plus historical carryover; for results from another MMM) | see below |
//!
//! Then, for other models and for readers:
//!
//! | column | meaning |
//! |---|---|
//! | `standard_error` | standard error of `liftAbs`, recovered from its interval (see below) |
//! | `iroas`, `iroas_ci_low`, `iroas_ci_high` | incremental ROAS and its interval (empty without spend) |
//! | `window_days` | the outcome window of the row |
//!
//! Numbers are written with full precision (Rust's shortest round-trip
//! form), so that `liftAbs` equals the JSON report's
//! `incremental_revenue.estimate` exactly.
//!
//! ## Decisions
//! - **`calibration_scope`**: the run's shortest window is `immediate`
//!   (the response closest to the exposure); every longer window is `total`
//!   (it adds the revenue that accrues later, the carryover). With a single
//!   window, rows are `immediate`. N.B. Robyn's guide recommends
//!   `immediate` for every causal experiment: a holdout test cannot switch
//!   off historical carryover. To feed Robyn, keep one row per channel —
//!   usually the shortest window — or set the scope to `immediate`.
//! - **`standard_error`** = `(ci_high − ci_low) / (2·z)` of the incremental
//!   revenue, `z` the standard normal quantile at `(1 + confidence) / 2`.
//!   The interval was built with Welch's t quantile at the row's degrees of
//!   freedom, which the report does not carry; `t > z`, so for small arms
//!   this slightly overstates the standard error (by `t/z`: 2% at 100
//!   degrees of freedom, under 0.2% past 1,000).
//! - **Meridian-style ROI priors** come from `iroas` and its interval:
//!   Meridian's `roi_m` prior is a LogNormal by default, and its
//!   `CalibrationBuilder.with_incrementality_experiment_result` takes a
//!   point estimate, a standard error, the spend and the dates. The ROI's
//!   standard error is `standard_error / spend`; for a LogNormal with the
//!   interval positive, `μ = ln(iroas)` and
//!   `σ ≈ (ln(iroas_ci_high) − ln(iroas_ci_low)) / (2·z)`.
//! - **Test dates**: the report does not yet carry each channel's test
//!   period. The exporter reads `test_start` / `test_end` (UTC dates) from
//!   a lift row when they are present, and leaves the cells empty
//!   otherwise — an empty date is better than a wrong one.

use super::{all_users, confidence};
use crate::error::Error;
use crate::report::{LiftRow, Report};
use crate::stats::z_quantile;

/// Robyn's `calibration_input` columns, in order.
pub const ROBYN_COLUMNS: [&str; 8] = [
    "channel",
    "liftStartDate",
    "liftEndDate",
    "liftAbs",
    "spend",
    "confidence",
    "metric",
    "calibration_scope",
];

/// The columns added after Robyn's.
pub const EXTRA_COLUMNS: [&str; 5] = [
    "standard_error",
    "iroas",
    "iroas_ci_low",
    "iroas_ci_high",
    "window_days",
];

/// `calibration_scope` of the run's shortest window.
pub const SCOPE_SHORTEST: &str = "immediate";
/// `calibration_scope` of every longer window.
pub const SCOPE_LONGER: &str = "total";

fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(String::new, |v| v.to_string())
}

/// A date field of the row's JSON (`test_start`, `test_end`), when the
/// report carries one.
fn date(row: &LiftRow, key: &str) -> String {
    serde_json::to_value(row)
        .ok()
        .and_then(|v| v.get(key).and_then(|d| d.as_str().map(str::to_string)))
        .unwrap_or_default()
}

/// Renders the calibration CSV.
pub fn render(report: &Report) -> Result<Vec<u8>, Error> {
    let internal = |e: csv::Error| Error::Internal(e.to_string());
    let conf = confidence(report);
    let z = z_quantile(0.5 + conf / 2.0);
    let mut rows: Vec<&LiftRow> = all_users(report)
        .filter(|r| r.incremental_revenue.estimate.is_some())
        .collect();
    rows.sort_by(|a, b| (&a.channel, a.window_days).cmp(&(&b.channel, b.window_days)));
    let shortest = rows.iter().map(|r| r.window_days).min();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ROBYN_COLUMNS.iter().chain(EXTRA_COLUMNS.iter()))
        .map_err(internal)?;
    for r in rows {
        let ir = &r.incremental_revenue;
        let se = match (ir.ci_low, ir.ci_high) {
            (Some(lo), Some(hi)) if z > 0.0 => Some((hi - lo) / (2.0 * z)),
            _ => None,
        };
        let iroas = r.iroas.unwrap_or_default();
        let scope = if Some(r.window_days) == shortest {
            SCOPE_SHORTEST
        } else {
            SCOPE_LONGER
        };
        w.write_record([
            r.channel.clone(),
            date(r, "test_start"),
            date(r, "test_end"),
            num(ir.estimate),
            num(r.spend),
            num(Some(conf)),
            "revenue".to_string(),
            scope.to_string(),
            num(se),
            num(iroas.estimate),
            num(iroas.ci_low),
            num(iroas.ci_high),
            r.window_days.to_string(),
        ])
        .map_err(internal)?;
    }
    w.into_inner().map_err(|e| Error::Internal(e.to_string()))
}
