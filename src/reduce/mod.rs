//! Rows → [`Summary`]: the in-process path's single passes over the loaded
//! inputs (warehouse mode computes the same statistics in SQL).
//!
//! - [`cohort`]: each channel's exposed and control cohorts, and their
//!   users' outcomes per window;
//! - [`cells`]: the arms' moments per (channel, window, segment);
//! - [`attribution`]: the attribution pass — every model on every window's
//!   paths, and the credits of every experiment's test users, in one pass
//!   spread over the cores.

pub mod attribution;
pub mod cells;
pub mod cohort;

use crate::attribution::{Model, Params, Touchpoints};
use crate::error::Error;
use crate::io::{FileInfo, Loaded};
use crate::model::{Dataset, Micros, TimeSpan, Window};
use crate::reconcile;
use crate::report::RunSettings;
use crate::stats::sum::NeumaierSum;
use crate::summary::{ExperimentCredits, Summary, WindowCredits};
use crate::warning::Warning;
use attribution::{Experiment, attribute_and_credit, experiments_per_window};
use cohort::ChannelCohort;
use std::collections::BTreeMap;

/// Which optional inputs were given on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Given {
    /// A spend file.
    pub spend: bool,
    /// A finance file.
    pub finance: bool,
}

/// Each loaded file's path, SHA-256 and row counts, by kind.
pub fn inputs(loaded: &Loaded) -> BTreeMap<String, FileInfo> {
    loaded
        .files
        .iter()
        .filter_map(|f| f.load.info.clone().map(|i| (f.kind.to_string(), i)))
        .collect()
}

/// The summary of `uplift run` on loaded files.
///
/// The attribution pass, which builds its paths before it needs the
/// cohorts, runs beside the cohorts and the lift cells; the cohorts are
/// built once, by whichever side asks first.
///
/// # Errors
///
/// A usage error when a window's Markov chains would take more work than
/// the limit, or an internal error when the revenue file has no timestamp.
pub fn summarize(
    loaded: &Loaded,
    s: &RunSettings,
    given: Given,
    input_warnings: Vec<Warning>,
) -> Result<Summary, Error> {
    let data = &loaded.data;
    let as_of = s
        .as_of_micros()
        .or(data.max_revenue_ts)
        .ok_or_else(|| Error::Internal("no revenue timestamp".to_string()))?;
    // Each order's profit, when profit is on.
    let profit: Option<Vec<f64>> = s.profit.map(|p| {
        let o = &data.orders;
        if o.cost.is_empty() {
            o.revenue.iter().map(|&r| p.of(r, f64::NAN)).collect()
        } else {
            o.revenue
                .iter()
                .zip(&o.cost)
                .map(|(&r, &c)| p.of(r, c))
                .collect()
        }
    });
    let cohorts_cell = std::sync::OnceLock::new();
    let cohorts_of =
        || cohorts_cell.get_or_init(|| cohort::build(&data.exposures, data.channels.len()));
    let ((cells, users), attribution) = std::thread::scope(|scope| {
        let attribution = scope.spawn(|| attribute_all(data, &cohorts_of, s, as_of));
        let measure = cells::Measure {
            profit: profit.as_deref(),
            cap: s.cap,
            cap_lower: s.cap_lower,
        };
        let cells = cells::cells(
            data,
            cohorts_of(),
            &s.windows,
            as_of,
            cells::Keep::for_run(s.bootstrap.is_some(), s.placebo.is_some()),
            &measure,
        );
        // N.B. the pass cannot fail on any input; a panic there is a bug
        // and stays one.
        let attribution = attribution
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (cells, attribution)
    });
    let attribution = attribution?;
    let cohorts = cohorts_of();
    let has_spend = given.spend || data.exposures.cost.iter().any(|&c| c != 0.0);
    let spend = has_spend.then(|| {
        let spans: Vec<Option<TimeSpan>> = cohorts.iter().map(|c| c.exposed_span).collect();
        crate::economics::channel_spend(
            crate::economics::dated_costs(&data.exposures, &data.spend),
            &spans,
        )
    });
    let export: NeumaierSum = data.orders.revenue.iter().copied().collect();
    Ok(Summary {
        as_of: Some(as_of),
        inputs: inputs(loaded),
        channels: data.channels.clone(),
        cohorts: cells::counts(cohorts),
        cells,
        users,
        attribution,
        spend,
        export_revenue: export.value(),
        daily_revenue: if given.finance {
            reconcile::daily(&data.orders.ts, &data.orders.revenue)
        } else {
            Vec::new()
        },
        revenue_facts: loaded.revenue_facts.clone(),
        finance: given.finance.then(|| data.finance.clone()),
        input_warnings,
        attribution_warnings: Vec::new(),
    })
}

/// Every model's attribution, with the credits of every channel's possible
/// experiment (its exposed cohort, in every window), in one pass over every
/// window's paths ([`attribute_and_credit`], spread over the machine's
/// cores with a result that does not depend on their number). The lift
/// estimates are not needed: the calibration keeps the experiments that
/// have one.
fn attribute_all<'c>(
    data: &Dataset,
    cohorts: &impl Fn() -> &'c Vec<ChannelCohort>,
    s: &RunSettings,
    as_of: Micros,
) -> Result<Vec<WindowCredits>, Error> {
    let tp = Touchpoints::from_exposures(&data.exposures);
    let paths = crate::attribution::build_nested(&tp, &data.orders, &Window::days_of(&s.windows));
    let cohorts = cohorts();
    let here = experiments_per_window(cohorts, &paths.windows, |c| !c.exposed.is_empty());
    let refs: Vec<Vec<&Experiment<'_>>> = here.iter().map(|e| e.iter().collect()).collect();
    let mut per_window = attribute_and_credit(
        &tp,
        &paths,
        &refs,
        &s.models,
        &s.attribution,
        data.channels.len(),
        as_of,
        crate::parallel::threads(),
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let mut windows = Vec::with_capacity(s.windows.len());
    for w in Window::days_of(&s.windows) {
        let Some(i) = paths.windows.iter().position(|&x| x == w) else {
            continue;
        };
        let (models, credited) = std::mem::take(&mut per_window[i]);
        let experiments = here[i]
            .iter()
            .enumerate()
            .map(|(k, e)| ExperimentCredits {
                channel: e.channel,
                credited: credited.iter().map(|per| per[k]).collect(),
            })
            .collect();
        windows.push(WindowCredits {
            window_days: w,
            totals: paths.totals[i],
            models,
            experiments,
            explained: None,
        });
    }
    Ok(windows)
}

/// The summary of `uplift attribute`: every model on every window's paths
/// (no experiments), with the Markov chain of each window laid out when
/// `explain` asks.
///
/// # Errors
///
/// A usage error when a window's Markov chains would take more work than
/// the limit.
pub fn attribution_only(
    loaded: &Loaded,
    windows: &[Window],
    models: &[Model],
    params: &Params,
    explain: bool,
    input_warnings: Vec<Warning>,
) -> Result<Summary, Error> {
    let data = &loaded.data;
    let tp = Touchpoints::from_exposures(&data.exposures);
    let days = Window::days_of(windows);
    let paths = crate::attribution::build_nested(&tp, &data.orders, &days);
    let mut per_window = attribute_and_credit(
        &tp,
        &paths,
        &[],
        models,
        params,
        data.channels.len(),
        0,
        crate::parallel::threads(),
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let mut out = Vec::with_capacity(windows.len());
    for w in days {
        let Some(i) = paths.windows.iter().position(|&x| x == w) else {
            continue;
        };
        let explained = if explain {
            let paths = crate::attribution::build_paths(&tp, &data.orders, w);
            let grouped = crate::attribution::group_paths(&tp, &paths);
            Some(
                crate::attribution::explain_markov(&grouped, params)
                    .map_err(|e| Error::Usage(e.to_string()))?,
            )
        } else {
            None
        };
        out.push(WindowCredits {
            window_days: w,
            totals: paths.totals[i],
            models: std::mem::take(&mut per_window[i].0),
            experiments: Vec::new(),
            explained,
        });
    }
    Ok(Summary {
        as_of: data.max_revenue_ts,
        inputs: inputs(loaded),
        channels: data.channels.clone(),
        attribution: out,
        revenue_facts: loaded.revenue_facts.clone(),
        input_warnings,
        ..Summary::default()
    })
}

/// The summary of `uplift reconcile`: the export's daily revenue and the
/// finance periods.
pub fn books(loaded: &Loaded, input_warnings: Vec<Warning>) -> Summary {
    let data = &loaded.data;
    Summary {
        as_of: data.max_revenue_ts,
        inputs: inputs(loaded),
        daily_revenue: reconcile::daily(&data.orders.ts, &data.orders.revenue),
        revenue_facts: loaded.revenue_facts.clone(),
        finance: Some(data.finance.clone()),
        input_warnings,
        ..Summary::default()
    }
}
