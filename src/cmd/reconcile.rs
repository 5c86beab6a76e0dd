//! `uplift reconcile`: the revenue export against finance's booked revenue.

use super::Outcome;
use crate::checks::failed_checks;
use crate::cli::ReconcileArgs;
use crate::config::Config;
use crate::error::Error;
use crate::io::load_checked;
use crate::io::time::format_date;
use crate::model::Dataset;
use crate::reconcile::{self};
use crate::report::{
    Reconciliation, ReconciliationPeriod, Report, RowsAndAmount, Tool, Warning, WarningCode,
};
use crate::settings::{ReconcileSettings, resolve_tolerance};

/// The reconciliation section, with warnings for overlapping periods,
/// uncovered days and export revenue outside every period.
pub fn section(
    data: &Dataset,
    facts: &crate::io::RevenueFacts,
    tolerance: f64,
    warnings: &mut Vec<Warning>,
) -> Reconciliation {
    let results = reconcile::compare(&data.orders, &data.finance, tolerance);
    let cov = reconcile::coverage(&data.orders, &data.finance);
    let name = |i: usize| {
        let p = &data.finance[i];
        format!(
            "{}..{}",
            format_date(p.period_start),
            format_date(p.period_end)
        )
    };
    for (a, b) in &cov.overlaps {
        warnings.push(Warning::new(
            WarningCode::FinanceOverlap,
            format!(
                "finance periods {} and {} overlap: their days are counted in both",
                name(*a),
                name(*b)
            ),
        ));
    }
    for (from, to) in &cov.uncovered {
        warnings.push(Warning::new(
            WarningCode::FinanceGap,
            format!(
                "no finance period covers {}..{}",
                format_date(*from),
                format_date(*to)
            ),
        ));
    }
    if cov.revenue_outside != 0.0 && !data.finance.is_empty() {
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

/// Runs `uplift reconcile`.
pub fn run(a: &ReconcileArgs) -> Result<Outcome, Error> {
    let cfg = match &a.input.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let tolerance = resolve_tolerance(a.tolerance, &cfg)?;
    if a.input.revenue.is_none() || a.input.finance.is_none() {
        return Err(Error::Usage(
            "uplift reconcile needs --revenue FILE and --finance FILE".to_string(),
        ));
    }
    let mut paths = a.input.paths();
    paths.exposures = None;
    paths.spend = None;
    let mut warnings = Vec::new();
    let loaded = load_checked(
        &paths,
        &cfg,
        a.input.on_bad_rows,
        &["revenue"],
        &mut warnings,
    )?;
    let rec = section(
        &loaded.data,
        &loaded.revenue_facts,
        tolerance,
        &mut warnings,
    );
    let settings = ReconcileSettings {
        tolerance,
        fail_on: a.fail_on.clone(),
        config_file: a.input.config.as_ref().map(|p| p.display().to_string()),
        columns: cfg.columns.clone(),
    };
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        as_of: loaded
            .data
            .max_revenue_ts
            .map(crate::io::time::format_timestamp),
        inputs: loaded
            .files
            .iter()
            .filter_map(|(k, f)| f.info.clone().map(|i| (k.to_string(), i)))
            .collect(),
        config: serde_json::to_value(&settings).map_err(|e| Error::Internal(e.to_string()))?,
        lift: Vec::new(),
        attribution: Vec::new(),
        attribution_totals: Vec::new(),
        decomposition: Vec::new(),
        calibration: Vec::new(),
        reconciliation: Some(rec),
        markov: None,
        warnings,
    };
    let failed = failed_checks(&report, &a.fail_on);
    Ok(Outcome {
        bytes: crate::export::render(&report, a.output.format)?,
        output: a.output.output.clone(),
        code: if failed.is_empty() { 0 } else { 3 },
        notes: failed,
    })
}
