//! `uplift run`: settings → summary → analysis → report.

use super::Outcome;
use crate::analysis;
use crate::checks::failed_checks;
use crate::cli::RunArgs;
use crate::config::Config;
use crate::error::Error;
use crate::io::{InputPaths, Loaded, load_checked, revenue_warnings};
use crate::progress;
use crate::reduce::{self, Given};
use crate::report::{Report, Settings};
use crate::settings::{self, RunSettings};
use crate::summary::Summary;
use crate::warehouse::{aggregates, summary as warehouse};
use std::path::{Path, PathBuf};

/// Runs `uplift run`.
pub fn run(a: &RunArgs) -> Result<Outcome, Error> {
    let cfg = settings::config(a.input.config.as_deref())?;
    let mut settings = RunSettings::resolve(a, &cfg)?;
    let summary = if let Some(dir) = &a.from_aggregates {
        progress::phase("reading the aggregates");
        warehouse_summary(a, &cfg, &mut settings, dir)?
    } else {
        let (Some(_), Some(_)) = (&a.input.exposures, &a.input.revenue) else {
            return Err(Error::Usage(
                "uplift run needs --exposures FILE and --revenue FILE".to_string(),
            ));
        };
        progress::phase("reading the inputs");
        let mut warnings = Vec::new();
        let loaded = load_checked(
            &a.input.paths(),
            &cfg,
            settings.on_bad_rows,
            &["exposures", "revenue"],
            &mut warnings,
        )?;
        settings.with_cost_column(!loaded.data.orders.cost.is_empty());
        progress::phase("cohorts, lift and attribution");
        let given = Given {
            spend: a.input.spend.is_some(),
            finance: a.input.finance.is_some(),
        };
        reduce::summarize(&loaded, &settings, given, warnings)?
    };
    let sections = analysis::analyze(&summary, &settings);
    let (format, fail_on) = (settings.format, settings.fail_on.clone());
    let report = Report::assemble(
        sections,
        summary.as_of,
        summary.inputs,
        Settings::Run(Box::new(settings)),
    );
    progress::phase("writing the report");
    let failed = failed_checks(&report, &fail_on);
    Ok(Outcome {
        bytes: crate::export::render(&report, format, &super::terminal(&a.output))?,
        output: a.output.output.clone(),
        code: if failed.is_empty() { 0 } else { 3 },
        notes: failed,
    })
}

/// The summary of a warehouse's aggregates in `dir`, with the spend and
/// finance files given on the command line (read with the config's column
/// mapping), else those saved in `dir`; `settings` learn from the aggregates
/// whether the revenue table had a cost column.
fn warehouse_summary(
    a: &RunArgs,
    cfg: &Config,
    settings: &mut RunSettings,
    dir: &Path,
) -> Result<Summary, Error> {
    let agg = aggregates::load(
        dir,
        settings.models.contains(&crate::attribution::Model::Markov),
    )?;
    // A cost column of the revenue table turns the profit outcome on, as a
    // cost column of the revenue file does.
    settings.with_cost_column(warehouse::cost_column(&agg));
    warehouse::check(&agg, settings)?;
    let mut warnings = Vec::new();
    revenue_warnings(&warehouse::revenue_facts(&agg), &mut warnings);
    let side = |flag: &Option<PathBuf>,
                saved: &Option<PathBuf>,
                spend: bool,
                warnings: &mut Vec<crate::warning::Warning>|
     -> Result<Option<Loaded>, Error> {
        let (path, own_cfg) = match (flag, saved) {
            (Some(p), _) => (p.clone(), cfg.clone()),
            (None, Some(p)) => (p.clone(), Config::default()),
            (None, None) => return Ok(None),
        };
        let paths = InputPaths {
            spend: spend.then(|| path.clone()),
            finance: (!spend).then_some(path),
            ..InputPaths::default()
        };
        load_checked(&paths, &own_cfg, settings.on_bad_rows, &[], warnings).map(Some)
    };
    let side = warehouse::SideFiles {
        spend: side(&a.input.spend, &agg.spend, true, &mut warnings)?,
        finance: side(&a.input.finance, &agg.finance, false, &mut warnings)?,
    };
    warehouse::summarize(&agg, settings, &side, warnings)
}
