//! `uplift reconcile`: the revenue export against finance's booked revenue.

use super::Outcome;
use crate::analysis;
use crate::checks::failed_checks;
use crate::cli::ReconcileArgs;
use crate::error::Error;
use crate::io::load_checked;
use crate::reduce;
use crate::report::{Report, Settings};
use crate::settings::{self, ReconcileSettings, resolve_tolerance};

/// Runs `uplift reconcile`.
pub fn run(a: &ReconcileArgs) -> Result<Outcome, Error> {
    let cfg = settings::config(a.input.config.as_deref())?;
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
    let summary = reduce::books(&loaded, warnings);
    let sections = analysis::reconciliation_only(&summary, tolerance);
    let settings = ReconcileSettings {
        tolerance,
        fail_on: a.fail_on.clone(),
        config_file: a.input.config.as_ref().map(|p| p.display().to_string()),
        columns: cfg.columns.clone(),
    };
    let report = Report::assemble(
        sections,
        summary.as_of,
        summary.inputs,
        Settings::Reconcile(settings),
    );
    let failed = failed_checks(&report, &a.fail_on);
    Ok(Outcome {
        bytes: crate::export::render(&report, a.output.format, &super::terminal(&a.output))?,
        output: a.output.output.clone(),
        code: if failed.is_empty() { 0 } else { 3 },
        notes: failed,
    })
}
