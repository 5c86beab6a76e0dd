//! Settings: the flags and `uplift.toml` turned into checked values,
//! before any input file is opened.
//!
//! Flags win over the config file, which wins over the defaults. Every
//! usage error (a window out of range, a confidence outside (0, 1), a bad
//! date) is found here, so a run never stops half-way through its inputs
//! for a mistake on its command line. The structs are reported as the
//! report's `config`.

use crate::attribution::{Model, Params};
use crate::cli::{AttributionArgs, RunArgs, WorkLimit};
use crate::config::Config;
use crate::economics::DEFAULT_HURDLE_IROAS;
use crate::error::Error;
use crate::io::time;
use crate::model::{MICROS_PER_SECOND, Micros, Window};
use crate::reconcile::DEFAULT_TOLERANCE;
pub use crate::report::{AttributeSettings, ReconcileSettings, RunSettings};
use std::path::Path;

/// The config file at `path`, or the defaults without one.
pub fn config(path: Option<&Path>) -> Result<Config, Error> {
    path.map_or_else(|| Ok(Config::default()), Config::load)
}

/// Default window in days.
pub const DEFAULT_WINDOW_DAYS: u16 = 30;
/// Default confidence level.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The windows in force: the flags, else the config, else 30 days; sorted.
pub fn resolve_windows(flags: &[u16], cfg: &Config) -> Result<Vec<Window>, Error> {
    let mut windows = if flags.is_empty() {
        cfg.analysis
            .windows
            .clone()
            .unwrap_or_else(|| vec![DEFAULT_WINDOW_DAYS])
    } else {
        flags.to_vec()
    };
    if let Some(w) = windows.iter().find(|w| !(1..=365).contains(*w)) {
        return Err(Error::Usage(format!(
            "window {w} days is out of range (expected 1..=365)"
        )));
    }
    windows.sort_unstable();
    windows.dedup();
    Ok(windows.into_iter().map(Window).collect())
}

/// `--as-of DATE`: the last second of that UTC day.
pub fn parse_as_of(s: &str) -> Result<Micros, Error> {
    time::parse_date(s)
        .map(|d| (i64::from(d) + 1) * crate::model::MICROS_PER_DAY - MICROS_PER_SECOND)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--as-of \"{s}\" is not a date (expected YYYY-MM-DD, like 2026-06-30)"
            ))
        })
}

impl RunSettings {
    /// `--as-of` in microseconds, when given.
    pub fn as_of_micros(&self) -> Option<Micros> {
        self.as_of_micros
    }

    /// Merges flags and config, checking every value before any file is read.
    pub fn resolve(a: &RunArgs, cfg: &Config) -> Result<Self, Error> {
        let windows = resolve_windows(&a.windows, cfg)?;
        let (models, params) = attribution(&a.attribution, cfg)?;
        let hurdle_iroas = a
            .hurdle_iroas
            .or(cfg.analysis.hurdle_iroas)
            .unwrap_or(DEFAULT_HURDLE_IROAS);
        if !hurdle_iroas.is_finite() {
            return Err(Error::Usage(format!(
                "--hurdle-iroas {hurdle_iroas} is not a number"
            )));
        }
        let tolerance = resolve_tolerance(a.tolerance, cfg)?;
        let confidence = a
            .confidence
            .or(cfg.analysis.confidence)
            .unwrap_or(DEFAULT_CONFIDENCE);
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::Usage(format!(
                "--confidence {confidence} is out of range (expected a level between 0 and 1, like 0.95)"
            )));
        }
        let cuped = if a.no_cuped {
            false
        } else if a.cuped {
            true
        } else {
            cfg.analysis.cuped.unwrap_or(true)
        };
        let as_of_micros = a.as_of.as_deref().map(parse_as_of).transpose()?;
        if a.bootstrap == Some(0) {
            return Err(Error::Usage(
                "--bootstrap needs at least 1 resample".to_string(),
            ));
        }
        Ok(Self {
            windows,
            confidence,
            cuped,
            as_of: a.as_of.clone(),
            bootstrap: a.bootstrap,
            seed: a.seed,
            on_bad_rows: a.input.on_bad_rows,
            config_file: a.input.config.as_ref().map(|p| p.display().to_string()),
            groups: cfg.groups.labels(),
            srm: cfg.srm.clone(),
            columns: cfg.columns.clone(),
            format: a.output.format,
            models,
            attribution: params,
            hurdle_iroas,
            tolerance,
            fail_on: a.fail_on.clone(),
            from_aggregates: a.from_aggregates.as_ref().map(|p| p.display().to_string()),
            as_of_micros,
        })
    }
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

/// The attribution models and parameters in force (flags over config over
/// defaults), checked.
pub fn attribution(flags: &AttributionArgs, cfg: &Config) -> Result<(Vec<Model>, Params), Error> {
    let mut models = if flags.models.is_empty() {
        Model::ALL.to_vec()
    } else {
        flags.models.clone()
    };
    models.sort_unstable();
    models.dedup();
    let mut params = Params::default();
    if let Some(h) = flags.half_life.or(cfg.analysis.half_life) {
        params.half_life_days = h;
    }
    if let Some(k) = flags
        .markov_order
        .map(usize::from)
        .or(cfg.analysis.markov_order)
    {
        params.markov_order = k;
    }
    if let Some(h) = flags.markov_horizon {
        params.markov_horizon = h;
    }
    if let Some(WorkLimit(limit)) = flags.markov_work_limit {
        params.markov_work_limit = limit;
    }
    if let Some(w) = &flags.position_weights {
        let [first, last] = w[..] else {
            return Err(Error::Usage(format!(
                "--position-weights takes two shares, FIRST,LAST (like 0.4,0.4), not {} values",
                w.len()
            )));
        };
        params.position_first = first;
        params.position_last = last;
    }
    params.validate().map_err(|e| Error::Usage(e.to_string()))?;
    Ok((models, params))
}
