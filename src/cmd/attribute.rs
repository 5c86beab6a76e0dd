//! `uplift attribute`: multi-touch attribution only.

use super::Outcome;
use crate::attribution::{self, MarkovExplain, Model, Params, Touchpoints, markov::MarkovNode};
use crate::cli::AttributeArgs;
use crate::config::Config;
use crate::error::Error;
use crate::io::load_checked;
use crate::model::Dataset;
use crate::report::{
    AttributionRow, AttributionTotals, MarkovWindow, NamedRemovalEffect, NamedTransition, Report,
    Tool, Warning,
};
use crate::settings::{self, AttributeSettings, resolve_windows};

fn name_state(channels: &[String], s: &[u16]) -> String {
    s.iter()
        .map(|&c| channels.get(usize::from(c)).map_or("?", String::as_str))
        .collect::<Vec<_>>()
        .join(">")
}

fn name_node(channels: &[String], n: &MarkovNode) -> String {
    match n {
        MarkovNode::Start => "(start)".to_string(),
        MarkovNode::State(s) => name_state(channels, s),
        MarkovNode::Conversion => "(conversion)".to_string(),
        MarkovNode::Null => "(null)".to_string(),
    }
}

fn named(channels: &[String], window_days: u16, m: MarkovExplain) -> MarkovWindow {
    MarkovWindow {
        window_days,
        order: m.order,
        horizon: m.horizon,
        longest_path: m.longest_path,
        distinct_paths: m.distinct_paths,
        conversions: m.conversions,
        nulls: m.nulls,
        states: m.states.iter().map(|s| name_state(channels, s)).collect(),
        transitions: m
            .transitions
            .iter()
            .map(|t| NamedTransition {
                from: name_node(channels, &t.from),
                to: name_node(channels, &t.to),
                count: t.count,
                probability: t.probability,
            })
            .collect(),
        base_conversion_probability: m.base_conversion_probability,
        removal_effects: m
            .removal_effects
            .iter()
            .map(|r| NamedRemovalEffect {
                channel: name_state(channels, &[r.channel]),
                removal_effect: r.conversion,
                value_removal_effect: r.value,
                conversion_probability_without: r.conversion_probability_without,
                conversion_share: r.conversion_share,
                value_share: r.value_share,
            })
            .collect(),
    }
}

/// The Markov chain of every window, with names.
pub fn explain_markov(
    data: &Dataset,
    windows: &[u16],
    params: &Params,
) -> Result<Vec<MarkovWindow>, Error> {
    let touchpoints = Touchpoints::from_exposures(&data.exposures);
    windows
        .iter()
        .map(|&w| {
            let paths = attribution::build_paths(&touchpoints, &data.orders, w);
            let grouped = attribution::group_paths(&touchpoints, &paths);
            let explained = attribution::explain_markov(&grouped, params)
                .map_err(|e| Error::Usage(e.to_string()))?;
            Ok(named(&data.channels, w, explained))
        })
        .collect()
}

/// Attribution rows and totals of every model and window, with shares.
pub fn attribution_sections(
    data: &Dataset,
    windows: &[u16],
    models: &[Model],
    params: &Params,
) -> Result<(Vec<AttributionRow>, Vec<AttributionTotals>), Error> {
    // Every window's paths in one pass, and every model of every window in
    // another (no experiments: calibration belongs to `run`).
    let tp = attribution::Touchpoints::from_exposures(&data.exposures);
    let paths = attribution::build_nested(&tp, &data.orders, windows);
    let per_window = crate::calibration::attribute_and_credit(
        &tp,
        &paths,
        &[],
        models,
        params,
        data.channels.len(),
        0,
        super::threads(),
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let results = windows
        .iter()
        .filter_map(|&w| {
            let i = paths.windows.iter().position(|&x| x == w)?;
            Some(attribution::WindowAttribution {
                window_days: w,
                totals: paths.totals[i],
                models: per_window[i].0.clone(),
            })
        })
        .collect();
    Ok(sections(results, &data.channels))
}

/// The report's attribution rows and totals from every window's results.
pub fn sections(
    results: Vec<attribution::WindowAttribution>,
    channels: &[String],
) -> (Vec<AttributionRow>, Vec<AttributionTotals>) {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for w in results {
        for m in &w.models {
            let attributed: f64 = m.credits.iter().map(|c| c.conversions).sum();
            for c in &m.credits {
                rows.push(AttributionRow {
                    window_days: w.window_days,
                    model: m.model.name().to_string(),
                    channel: channels[usize::from(c.channel)].clone(),
                    conversions: c.conversions,
                    revenue: c.revenue,
                    share: if attributed > 0.0 {
                        c.conversions / attributed
                    } else {
                        0.0
                    },
                    cac: None,
                });
            }
        }
        let t = &w.totals;
        totals.push(AttributionTotals {
            window_days: w.window_days,
            conversions: t.conversions,
            revenue: t.revenue,
            unattributed_conversions: t.unattributed_conversions,
            unattributed_revenue: t.unattributed_revenue,
            refunds: t.refunds,
            net_revenue: t.net_revenue,
        });
    }
    rows.sort_by(|a, b| {
        (a.window_days, &a.model, &a.channel).cmp(&(b.window_days, &b.model, &b.channel))
    });
    (rows, totals)
}

/// Runs `uplift attribute`.
pub fn run(a: &AttributeArgs) -> Result<Outcome, Error> {
    let cfg = match &a.input.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
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
    let mut warnings: Vec<Warning> = Vec::new();
    let loaded = load_checked(
        &paths,
        &cfg,
        a.input.on_bad_rows,
        &["exposures", "revenue"],
        &mut warnings,
    )?;
    let data = &loaded.data;
    let (attribution, attribution_totals) = attribution_sections(data, &windows, &models, &params)?;
    let markov = a
        .explain
        .as_ref()
        .map(|_| explain_markov(data, &windows, &params))
        .transpose()?;
    let settings = AttributeSettings {
        windows,
        models,
        params,
        on_bad_rows: a.input.on_bad_rows,
        config_file: a.input.config.as_ref().map(|p| p.display().to_string()),
        columns: cfg.columns.clone(),
        groups: cfg.groups.labels(),
    };
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        as_of: data.max_revenue_ts.map(crate::io::time::format_timestamp),
        inputs: loaded
            .files
            .iter()
            .filter_map(|(k, f)| f.info.clone().map(|i| (k.to_string(), i)))
            .collect(),
        config: serde_json::to_value(&settings).map_err(|e| Error::Internal(e.to_string()))?,
        lift: Vec::new(),
        attribution,
        attribution_totals,
        decomposition: Vec::new(),
        calibration: Vec::new(),
        reconciliation: None,
        markov,
        warnings,
    };
    Ok(Outcome {
        bytes: crate::export::render(&report, a.output.format)?,
        output: a.output.output.clone(),
        ..Outcome::default()
    })
}
