//! Settings: the flags and `uplift.toml` turned into checked values,
//! before any input file is opened.
//!
//! Flags win over the config file, which wins over the defaults. Every
//! usage error (a window out of range, a confidence outside (0, 1), a bad
//! date) is found here, so a run never stops half-way through its inputs
//! for a mistake on its command line. The structs are reported as the
//! report's `config`.

use crate::attribution::{Model, Params};
use crate::cli::{AttributionArgs, ProfitArgs, ReadingArgs, RunArgs, WorkLimit};
use crate::config::Config;
use crate::economics::DEFAULT_HURDLE_IROAS;
use crate::error::Error;
use crate::io::time;
use crate::model::{MICROS_PER_SECOND, Micros, Window};
use crate::reconcile::DEFAULT_TOLERANCE;
pub use crate::report::{
    AttributeSettings, PlanSettings, ProfitSettings, ReconcileSettings, RunSettings,
};
use crate::stats::sequential::DEFAULT_TUNING;
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
        let profit = resolve_profit(&a.profit, cfg)?;
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
        let reading = resolve_reading(&a.reading, cfg)?;
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
            hurdle_ipoas: profit.hurdle_ipoas,
            profit: profit.profit,
            cap: profit.cap,
            cap_lower: profit.cap_lower,
            sequential: reading.sequential,
            sequential_tuning: reading.sequential_tuning,
            plan: reading.plan,
            placebo: reading.placebo,
            tolerance,
            fail_on: a.fail_on.clone(),
            from_aggregates: a.from_aggregates.as_ref().map(|p| p.display().to_string()),
            as_of_micros,
        })
    }
}

/// Where a bad value was given, to name it: the flag (`given` on the
/// command line), else the config key.
fn source(given: bool, flag: &str, key: &str) -> String {
    if given {
        format!("--{flag}")
    } else {
        format!("uplift.toml {key} =")
    }
}

/// Sequential reading, the plan and placebo runs in force (flags over
/// `[analysis]` and `[plan]` over defaults), checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Confidence sequences in place of fixed-horizon intervals.
    pub sequential: bool,
    /// Tuning `N*` of the sequence.
    pub sequential_tuning: f64,
    /// The planned effects.
    pub plan: PlanSettings,
    /// Placebo runs per row.
    pub placebo: Option<usize>,
}

/// Default target power of the plan.
pub const DEFAULT_TARGET_POWER: f64 = 0.8;

/// Checks and merges the reading flags with the config.
pub fn resolve_reading(a: &ReadingArgs, cfg: &Config) -> Result<Reading, Error> {
    let sequential = if a.no_sequential {
        false
    } else {
        a.sequential || cfg.analysis.sequential.unwrap_or(false)
    };
    let tuning = a
        .sequential_tuning
        .or(cfg.analysis.sequential_tuning)
        .unwrap_or(DEFAULT_TUNING);
    if !(tuning >= 1.0 && tuning.is_finite()) {
        return Err(Error::Usage(format!(
            "{} {tuning} is out of range (expected a number of users ≥ 1, like 5000)",
            source(
                a.sequential_tuning.is_some(),
                "sequential-tuning",
                "[analysis] sequential_tuning"
            )
        )));
    }
    let mde_range = |v: f64| v > 0.0 && v.is_finite();
    let mde = a.mde.or(cfg.plan.mde);
    if let Some(m) = mde
        && !mde_range(m)
    {
        return Err(Error::Usage(format!(
            "{} {m} is out of range (expected a relative effect > 0, like 0.05 for 5%)",
            source(a.mde.is_some(), "mde", "[plan] mde")
        )));
    }
    if let Some((name, m)) = cfg.plan.channels.iter().find(|(_, m)| !mde_range(**m)) {
        return Err(Error::Usage(format!(
            "uplift.toml [plan.channels] {name} = {m} is out of range (expected a relative effect > 0, like 0.05 for 5%)"
        )));
    }
    let target_power = a
        .target_power
        .or(cfg.plan.target_power)
        .unwrap_or(DEFAULT_TARGET_POWER);
    if !(target_power > 0.0 && target_power < 1.0) {
        return Err(Error::Usage(format!(
            "{} {target_power} is out of range (expected a probability between 0 and 1, like 0.8)",
            source(
                a.target_power.is_some(),
                "target-power",
                "[plan] target_power"
            )
        )));
    }
    let placebo = a.placebo.or(cfg.analysis.placebo);
    if placebo == Some(0) {
        return Err(Error::Usage(format!(
            "{} 0 is out of range (expected at least 1 run, like 200)",
            source(a.placebo.is_some(), "placebo", "[analysis] placebo")
        )));
    }
    Ok(Reading {
        sequential,
        sequential_tuning: tuning,
        plan: PlanSettings {
            mde,
            channels: cfg.plan.channels.clone(),
            target_power,
        },
        placebo,
    })
}

/// The profit outcome and capping in force (flags over `[profit]` and
/// `[analysis]` over defaults), checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfitAndCaps {
    /// The profit outcome, when asked for by a flag or `[profit]` (a
    /// `cost` column in the revenue file turns it on too: see
    /// [`RunSettings::with_cost_column`]).
    pub profit: Option<ProfitSettings>,
    /// Hurdle iPOAS.
    pub hurdle_ipoas: f64,
    /// Upper capping quantile.
    pub cap: Option<f64>,
    /// Lower capping quantile.
    pub cap_lower: Option<f64>,
}

/// Default hurdle iPOAS: the channel's profit pays back its spend.
pub const DEFAULT_HURDLE_IPOAS: f64 = 1.0;

/// Checks and merges the profit and capping flags with the config.
pub fn resolve_profit(a: &ProfitArgs, cfg: &Config) -> Result<ProfitAndCaps, Error> {
    let table = cfg.profit.clone();
    let t = table.clone().unwrap_or_default();
    let margin = a.margin.or(t.margin);
    let cost_per_order = a.cost_per_order.or(t.cost_per_order);
    let cost_per_refund = a.cost_per_refund.or(t.cost_per_refund);
    if let Some(m) = margin
        && !(m > 0.0 && m <= 1.0)
    {
        return Err(Error::Usage(format!(
            "{} {m} is out of range (expected a share of revenue in (0, 1], like 0.35)",
            source(a.margin.is_some(), "margin", "[profit] margin")
        )));
    }
    for (flag, name, v) in [
        (&a.cost_per_order, "cost-per-order", cost_per_order),
        (&a.cost_per_refund, "cost-per-refund", cost_per_refund),
    ] {
        if let Some(v) = v
            && !(v >= 0.0 && v.is_finite())
        {
            let key = format!("[profit] {}", name.replace('-', "_"));
            return Err(Error::Usage(format!(
                "{} {v} is out of range (expected an amount ≥ 0, like 4.50)",
                source(flag.is_some(), name, &key)
            )));
        }
    }
    let on = table.is_some()
        || a.margin.is_some()
        || a.cost_per_order.is_some()
        || a.cost_per_refund.is_some();
    let hurdle_ipoas = a
        .hurdle_ipoas
        .or(cfg.analysis.hurdle_ipoas)
        .unwrap_or(DEFAULT_HURDLE_IPOAS);
    if !hurdle_ipoas.is_finite() {
        return Err(Error::Usage(format!(
            "{} {hurdle_ipoas} is not a number",
            source(
                a.hurdle_ipoas.is_some(),
                "hurdle-ipoas",
                "[analysis] hurdle_ipoas"
            )
        )));
    }
    let cap = a.cap.or(cfg.analysis.cap);
    if let Some(q) = cap
        && !(q > 0.5 && q < 1.0)
    {
        return Err(Error::Usage(format!(
            "{} {q} is out of range (expected a quantile between 0.5 and 1, like 0.99)",
            source(a.cap.is_some(), "cap", "[analysis] cap")
        )));
    }
    let cap_lower = a.cap_lower.or(cfg.analysis.cap_lower);
    if let Some(q) = cap_lower
        && !(q > 0.0 && q < 0.5)
    {
        return Err(Error::Usage(format!(
            "{} {q} is out of range (expected a quantile between 0 and 0.5, like 0.01)",
            source(a.cap_lower.is_some(), "cap-lower", "[analysis] cap_lower")
        )));
    }
    Ok(ProfitAndCaps {
        profit: on.then_some(ProfitSettings {
            margin: margin.unwrap_or(1.0),
            cost_per_order: cost_per_order.unwrap_or(0.0),
            cost_per_refund: cost_per_refund.unwrap_or(0.0),
            cost_column: false,
        }),
        hurdle_ipoas,
        cap,
        cap_lower,
    })
}

impl RunSettings {
    /// Turns the profit outcome on when the revenue input has a `cost`
    /// column (with the defaults, or the settings already asked for).
    pub fn with_cost_column(&mut self, cost_column: bool) {
        with_cost_column(&mut self.profit, cost_column);
    }
}

/// Turns the profit outcome `profit` on when the revenue input has a `cost`
/// column (with the defaults, or the settings already asked for).
pub fn with_cost_column(profit: &mut Option<ProfitSettings>, cost_column: bool) {
    if cost_column {
        let p = profit.get_or_insert(ProfitSettings {
            margin: 1.0,
            cost_per_order: 0.0,
            cost_per_refund: 0.0,
            cost_column: true,
        });
        p.cost_column = true;
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
