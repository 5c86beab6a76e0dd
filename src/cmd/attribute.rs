//! `uplift attribute`: multi-touch attribution only.

use super::Outcome;
use crate::analysis;
use crate::cli::AttributeArgs;
use crate::error::Error;
use crate::io::load_checked;
use crate::progress;
use crate::reduce;
use crate::report::{Report, Settings};
use crate::settings::{self, AttributeSettings, resolve_windows};

/// Runs `uplift attribute`.
pub fn run(a: &AttributeArgs) -> Result<Outcome, Error> {
    let cfg = settings::config(a.input.config.as_deref())?;
    let windows = resolve_windows(&a.windows, &cfg)?;
    let (models, params) = settings::attribution(&a.attribution, &cfg)?;
    if a.input.exposures.is_none() || a.input.revenue.is_none() {
        return Err(Error::Usage(
            "uplift attribute needs --exposures FILE and --revenue FILE".to_string(),
        ));
    }
    let mut paths = a.input.paths();
    paths.spend = None;
    paths.finance = None;
    progress::phase("reading the inputs");
    let mut warnings = Vec::new();
    let loaded = load_checked(
        &paths,
        &cfg,
        a.input.on_bad_rows,
        &["exposures", "revenue"],
        &mut warnings,
    )?;
    progress::phase("attribution paths and models");
    let summary = reduce::attribution_only(
        &loaded,
        &windows,
        &models,
        &params,
        a.explain.is_some(),
        warnings,
    )?;
    let sections = analysis::attribution_only(&summary);
    let settings = AttributeSettings {
        windows,
        models,
        params,
        on_bad_rows: a.input.on_bad_rows,
        config_file: a.input.config.as_ref().map(|p| p.display().to_string()),
        columns: cfg.columns.clone(),
        groups: cfg.groups.labels(),
    };
    let report = Report::assemble(
        sections,
        summary.as_of,
        summary.inputs,
        Settings::Attribute(settings),
    );
    progress::phase("writing the report");
    Ok(Outcome {
        bytes: crate::export::render(&report, a.output.format, &super::terminal(&a.output))?,
        output: a.output.output.clone(),
        ..Outcome::default()
    })
}
