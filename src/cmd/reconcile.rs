//! `uplift reconcile`: the revenue export against finance's booked revenue.

use super::Outcome;
use super::run::{FailOn, load_checked};
use crate::cli::{InputArgs, OutputArgs};
use crate::config::Config;
use crate::error::Error;
use crate::io::time::format_date;
use crate::model::Dataset;
use crate::reconcile::{self, DEFAULT_TOLERANCE};
use crate::report::{Reconciliation, ReconciliationPeriod, Report, RowsAndAmount, Tool, Warning};
use clap::Args;
use serde::Serialize;

/// Revenue export against finance totals only.
///
/// For each finance period: the export's net revenue (refunds included,
/// duplicates of an order_id counted once) of orders whose UTC date lies in
/// the period, the gap to the booked revenue, and a status.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift reconcile --revenue revenue.csv --finance finance.csv\n  uplift reconcile --revenue revenue.csv --finance finance.csv --tolerance 0.005 --fail-on reconciliation"
)]
pub struct ReconcileArgs {
    /// The input files (revenue and finance).
    #[command(flatten)]
    pub input: InputArgs,
    /// Where and how to write the report.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Largest |gap_pct| still reported as ok [default: 0.01].
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Exit with code 3 when a check fails (here: reconciliation).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
}

/// The tolerance in force, checked.
pub fn resolve_tolerance(flag: Option<f64>, cfg: &Config) -> Result<f64, Error> {
    let t = flag.or(cfg.analysis.tolerance).unwrap_or(DEFAULT_TOLERANCE);
    if !(t >= 0.0 && t.is_finite()) {
        return Err(Error::Usage(format!(
            "--tolerance {t} is out of range (expected a fraction like 0.01 for 1%)"
        )));
    }
    Ok(t)
}

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
            "finance_overlap",
            format!(
                "finance periods {} and {} overlap: their days are counted in both",
                name(*a),
                name(*b)
            ),
        ));
    }
    for (from, to) in &cov.uncovered {
        warnings.push(Warning::new(
            "finance_gap",
            format!(
                "no finance period covers {}..{}",
                format_date(*from),
                format_date(*to)
            ),
        ));
    }
    if cov.revenue_outside != 0.0 && !data.finance.is_empty() {
        warnings.push(Warning::new(
            "revenue_outside_finance",
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

#[derive(Debug, Serialize)]
struct ReconcileSettings {
    tolerance: f64,
    fail_on: Vec<FailOn>,
    config_file: Option<String>,
    columns: crate::config::Columns,
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
    let failed = super::run::failed_checks(&report, &a.fail_on);
    Ok(Outcome {
        bytes: crate::export::render(&report, a.output.format)?,
        output: a.output.output.clone(),
        code: if failed.is_empty() { 0 } else { 3 },
        notes: failed,
    })
}
