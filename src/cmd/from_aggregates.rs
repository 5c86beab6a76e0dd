//! `uplift run --from-aggregates DIR`: the report from a warehouse's
//! aggregates alone.
//!
//! The same domain code as the in-process run computes every number: the
//! lift from each arm's moments (merged across segments exactly), the
//! attribution models from the distinct paths, calibration from the test
//! users' paths, reconciliation from the daily revenue. Only the bootstrap
//! needs user-level rows; it is left out with a warning.

use super::Outcome;
use super::run::{
    LiftCell, apply_attribution_cac, apply_economics, decompose, finish_lift, lift_row,
    lift_settings,
};
use crate::attribution::markov::{self, Transition};
use crate::attribution::{self, Model, Totals, WindowAttribution};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::error::Error;
use crate::io::problem::Problem;
use crate::io::{self, FileInfo, InputPaths, RevenueFacts, time};
use crate::io::{load_checked, revenue_warnings};
use crate::lift::{self, ArmStats};
use crate::model::{Dataset, Exposures, Group, MICROS_PER_DAY, Orders, SpendRow};
use crate::report::{Report, Tool, Warning, WarningCode};
use crate::settings::RunSettings;
use crate::stats::describe::BiMoments;
use crate::stats::sum::NeumaierSum;
use crate::warehouse::aggregates::{self, Aggregates, CohortRow, TieOrder, TransitionRow};
use crate::warehouse::sql;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Runs `uplift run --from-aggregates DIR`.
pub fn run(
    a: &RunArgs,
    cfg: &Config,
    settings: &RunSettings,
    dir: &Path,
) -> Result<Outcome, Error> {
    let agg = aggregates::load(dir, settings.models.contains(&Model::Markov))?;
    check(&agg, settings)?;
    let mut warnings = Vec::new();
    let facts = RevenueFacts {
        duplicate_orders: agg.meta.duplicates.0,
        refunds: agg.meta.refunds.0,
        refund_total: agg.meta.refunds.1,
        duplicate_total: agg.meta.duplicates.1,
    };
    revenue_warnings(&facts, &mut warnings);

    // Spend and finance: files given on the command line (read with the
    // config's column mapping), else the aggregates saved in DIR.
    let mut inputs: BTreeMap<String, FileInfo> = agg
        .files
        .iter()
        .map(|(k, f)| (k.to_string(), f.clone()))
        .collect();
    let side = |flag: &Option<std::path::PathBuf>,
                saved: &Option<std::path::PathBuf>,
                spend: bool,
                warnings: &mut Vec<Warning>|
     -> Result<Option<io::Loaded>, Error> {
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
    let spend = side(&a.input.spend, &agg.spend, true, &mut warnings)?;
    let finance = side(&a.input.finance, &agg.finance, false, &mut warnings)?;
    for loaded in spend.iter().chain(finance.iter()) {
        for (k, f) in &loaded.files {
            if let Some(info) = &f.info {
                inputs.insert(k.to_string(), info.clone());
            }
        }
    }

    let channels = channel_table(&agg, spend.as_ref());
    let code = |name: &str| channels.binary_search_by(|c| c.as_str().cmp(name)).ok();
    let by_code = |name: &str| code(name).map(|c| c as u16);

    // Lift.
    let mut lift = lift_rows(&agg, settings, &mut warnings);
    if settings.bootstrap.is_some() {
        warnings.push(Warning::new(
            WarningCode::BootstrapUnavailable,
            "--bootstrap resamples users, and user-level rows stay in the warehouse in this mode: no bootstrap interval is reported (run on exported rows for it)",
        ));
    }

    // Economics.
    let n = channels.len();
    let mut exposed_all = vec![0u64; n];
    let mut has_control = vec![false; n];
    let mut spans = vec![None; n];
    for c in &agg.channels {
        if let Some(i) = code(&c.channel) {
            exposed_all[i] = c.exposed_all;
            has_control[i] = c.control_users > 0;
            spans[i] = c.exposed_span;
        }
    }
    let mut cost = Exposures::default();
    for (ch, day, v) in &agg.exposure_cost {
        if let Some(c) = by_code(ch) {
            cost.user.push(0);
            cost.channel.push(c);
            cost.ts.push(i64::from(*day) * MICROS_PER_DAY);
            cost.group.push(Group::Organic);
            cost.cost.push(*v);
            cost.campaign.push(u32::MAX);
            cost.row.push(cost.row.len() as u32);
        }
    }
    let spend_rows: Vec<SpendRow> = spend
        .as_ref()
        .map(|l| {
            l.data
                .spend
                .iter()
                .filter_map(|r| {
                    let name = l.data.channels.get(usize::from(r.channel))?;
                    Some(SpendRow {
                        channel: by_code(name)?,
                        ..r.clone()
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let has_spend = spend.is_some() || cost.cost.iter().any(|&c| c != 0.0);
    let spend_totals = crate::economics::channel_spend(&cost, &spend_rows, &spans);
    if has_spend {
        apply_economics(
            &channels,
            &exposed_all,
            &has_control,
            &spend_totals,
            &mut lift,
            settings.hurdle_iroas,
            &mut warnings,
        );
    }

    // Attribution.
    let chain = |rows: &[&TransitionRow]| -> (Vec<Transition>, usize, Vec<u16>, f64, f64) {
        let state =
            |s: &str| -> Option<Vec<u16>> { s.split(sql::PATH_SEPARATOR).map(&by_code).collect() };
        let mut out = Vec::with_capacity(rows.len());
        let (mut longest, mut present) = (0usize, Vec::new());
        let (mut conversions, mut revenue) = (0u64, NeumaierSum::default());
        for r in rows {
            let from = match r.from.as_str() {
                "(start)" => None,
                s => state(s),
            };
            let (to, converted) = match r.to.as_str() {
                "(conversion)" => (None, true),
                "(null)" => (None, false),
                s => (state(s), false),
            };
            if converted {
                conversions += r.paths;
                revenue.add(r.revenue);
            }
            present.extend(from.iter().chain(to.iter()).flatten().copied());
            longest = longest.max(r.longest as usize);
            out.push(Transition {
                from,
                to,
                converted,
                count: r.paths,
                revenue: if converted { r.revenue } else { 0.0 },
            });
        }
        (out, longest, present, conversions as f64, revenue.value())
    };
    let mut results = Vec::new();
    for &w in &settings.windows {
        let credits: Vec<&aggregates::CreditRow> =
            agg.credits.iter().filter(|c| c.window_days == w).collect();
        let present: Vec<u16> = credits
            .iter()
            .filter(|c| c.touches > 0)
            .filter_map(|c| by_code(&c.channel))
            .collect();
        let totals = window_totals(
            agg.totals.iter().find(|t| t.window_days == w),
            agg.meta.refunds.1,
        );
        let target_conversions = (totals.conversions - totals.unattributed_conversions) as f64;
        let mut target = NeumaierSum::default();
        target.add(totals.revenue);
        target.add(-totals.unattributed_revenue);
        let target_revenue = target.value();
        let mut models = Vec::new();
        for &m in &settings.models {
            models.push(if m == Model::Markov {
                let rows: Vec<&TransitionRow> =
                    agg.markov.iter().filter(|r| r.window_days == w).collect();
                let (transitions, longest, _, _, _) = chain(&rows);
                let shares = markov_shares(&transitions, longest, &settings.attribution)?;
                attribution::from_shares(m, &shares, &present, target_conversions, target_revenue)
            } else {
                let given: Vec<(u16, f64, f64)> = credits
                    .iter()
                    .filter_map(|c| {
                        let (_, conv, rev) = c.models.iter().find(|x| x.0 == m)?;
                        Some((by_code(&c.channel)?, *conv, *rev))
                    })
                    .collect();
                attribution::from_credits(m, &given, &present, target_conversions, target_revenue)
            });
        }
        results.push(WindowAttribution {
            window_days: w,
            models,
            totals,
        });
    }
    tie_order_warning(&agg, &settings.windows, &mut warnings);
    let (mut attribution, attribution_totals) = super::attribute::sections(results, &channels);
    if has_spend {
        apply_attribution_cac(&mut attribution, &channels, &spend_totals);
    }
    let export: NeumaierSum = agg.daily_revenue.iter().map(|d| d.1).collect();
    let decomposition = decompose(export.value(), &lift, &settings.windows);

    // Calibration by experiments.
    let mut calibration = Vec::new();
    let attributed_total = |w: u16, m: Model, c: u16| {
        attribution
            .iter()
            .find(|r| {
                r.window_days == w && r.model == m.name() && r.channel == channels[usize::from(c)]
            })
            .map_or(0.0, |r| r.revenue)
    };
    for &w in &settings.windows {
        let measured: Vec<crate::calibration::Measured> = lift
            .iter()
            .filter(|r| r.window_days == w && r.segment.is_none())
            .filter_map(|r| {
                let ir = &r.incremental_revenue;
                Some((by_code(&r.channel)?, (ir.estimate?, ir.ci_low, ir.ci_high)))
            })
            .collect();
        if measured.is_empty() {
            continue;
        }
        let mut credited = vec![vec![0.0; measured.len()]; settings.models.len()];
        for (k, &(c, _)) in measured.iter().enumerate() {
            let name = &channels[usize::from(c)];
            for (j, &m) in settings.models.iter().enumerate() {
                credited[j][k] = if m == Model::Markov {
                    let rows: Vec<&TransitionRow> = agg
                        .calibration_markov
                        .iter()
                        .filter(|r| {
                            r.window_days == w && r.experiment.as_deref() == Some(name.as_str())
                        })
                        .collect();
                    let (transitions, longest, present, conversions, revenue) = chain(&rows);
                    let shares = markov_shares(&transitions, longest, &settings.attribution)?;
                    attribution::from_shares(m, &shares, &present, conversions, revenue)
                        .credits
                        .iter()
                        .find(|x| x.channel == c)
                        .map_or(0.0, |x| x.revenue)
                } else {
                    agg.calibration_credits
                        .iter()
                        .find(|r| r.window_days == w && r.channel == *name)
                        .and_then(|r| r.models.iter().find(|x| x.0 == m))
                        .map_or(0.0, |x| x.1)
                };
            }
        }
        crate::calibration::push_rows(
            w,
            &measured,
            &settings.models,
            &credited,
            &channels,
            &attributed_total,
            &mut calibration,
        );
    }
    crate::calibration::sort_rows(&mut calibration);

    // Reconciliation: the daily revenue stands in for the orders.
    let reconciliation = finance.as_ref().map(|f| {
        let data = Dataset {
            orders: Orders {
                user: vec![0; agg.daily_revenue.len()],
                ts: agg
                    .daily_revenue
                    .iter()
                    .map(|d| i64::from(d.0) * MICROS_PER_DAY)
                    .collect(),
                revenue: agg.daily_revenue.iter().map(|d| d.1).collect(),
                row: (0..agg.daily_revenue.len() as u32).collect(),
            },
            finance: f.data.finance.clone(),
            ..Dataset::default()
        };
        super::reconcile::section(&data, &facts, settings.tolerance, &mut warnings)
    });

    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        as_of: Some(time::format_timestamp(agg.meta.as_of)),
        inputs,
        config: serde_json::to_value(settings).map_err(|e| Error::Internal(e.to_string()))?,
        lift,
        attribution,
        attribution_totals,
        decomposition,
        calibration,
        reconciliation,
        markov: None,
        warnings,
    };
    super::run::outcome(&report, settings, a)
}

/// `warehouse_tie_order`: without an order column the SQL ordered touches
/// with the same timestamp by channel name (then campaign), where a run on
/// the files keeps their file order; says how many attributed conversions,
/// per window, had such a tie between different channels in their path.
fn tie_order_warning(agg: &Aggregates, windows: &[u16], warnings: &mut Vec<Warning>) {
    if agg.meta.tie_order != TieOrder::ChannelCampaign {
        return;
    }
    let counts: Vec<(u16, u64, u64)> = windows
        .iter()
        .filter_map(|&w| {
            let t = agg.totals.iter().find(|t| t.window_days == w)?;
            let attributed = t.conversions.saturating_sub(t.unattributed_conversions);
            Some((w, t.tied_conversions, attributed))
        })
        .collect();
    if counts.iter().all(|c| c.1 == 0) {
        return;
    }
    let per_window: Vec<String> = counts
        .iter()
        .map(|(w, tied, of)| format!("{tied} of {of} in the {w}-day window"))
        .collect();
    warnings.push(Warning::new(
        WarningCode::WarehouseTieOrder,
        format!(
            "touches with the same timestamp were ordered by channel name, then campaign (tables have no file order, and the SQL was generated without --order-column): attributed conversions whose path held such a tie between different channels: {}; their first-touch, last-touch, position-based and Markov credits may differ from a run on the files in their order (generate the SQL with `uplift sql --order-column C`, C a column that orders the events, such as an event id or a load sequence)",
            per_window.join(", ")
        ),
    ));
}

/// The attribution totals of one window (zero when it has no conversion).
fn window_totals(t: Option<&aggregates::TotalsRow>, refunds: f64) -> Totals {
    let (conversions, revenue, uc, ur) = t.map_or((0, 0.0, 0, 0.0), |t| {
        (
            t.conversions,
            t.revenue,
            t.unattributed_conversions,
            t.unattributed_revenue,
        )
    });
    let mut net = NeumaierSum::default();
    net.add(revenue);
    net.add(refunds);
    Totals {
        conversions,
        revenue,
        unattributed_conversions: uc,
        unattributed_revenue: ur,
        refunds,
        net_revenue: net.value(),
    }
}

/// Every channel named anywhere, sorted by name (the codes of the run).
fn channel_table(agg: &Aggregates, spend: Option<&io::Loaded>) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend(agg.channels.iter().map(|c| c.channel.clone()));
    names.extend(agg.cohorts.iter().map(|c| c.channel.clone()));
    names.extend(agg.credits.iter().map(|c| c.channel.clone()));
    for r in agg.markov.iter().chain(&agg.calibration_markov) {
        for s in [&r.from, &r.to] {
            if !s.starts_with('(') {
                names.extend(s.split(sql::PATH_SEPARATOR).map(str::to_string));
            }
        }
    }
    names.extend(agg.exposure_cost.iter().map(|r| r.0.clone()));
    if let Some(l) = spend {
        names.extend(l.data.channels.iter().cloned());
    }
    names.into_iter().collect()
}

/// The aggregates must have been computed with this run's settings, from
/// tables whose every row could be used.
fn check(agg: &Aggregates, s: &RunSettings) -> Result<(), Error> {
    let m = &agg.meta;
    let file = agg
        .files
        .iter()
        .find(|(k, _)| *k == "meta")
        .map_or_else(|| "meta.csv".to_string(), |(_, f)| f.path.clone());
    let bad = |column: &str, value: String, message: String| -> Error {
        Error::Usage(
            Problem {
                file: file.clone(),
                line: Some(2),
                column: Some(column.to_string()),
                value: Some(value),
                message,
            }
            .to_string(),
        )
    };
    let parts = |line: &str| -> BTreeMap<String, String> {
        line.split(", ")
            .filter_map(|p| p.split_once(' '))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let want = parts(&sql::settings_line(
        &s.windows,
        s.as_of.as_deref(),
        &s.models,
        &s.attribution,
        &s.groups,
    ));
    let got = parts(&m.settings);
    for (k, v) in &want {
        if got.get(k) != Some(v) {
            return Err(bad(
                "settings",
                m.settings.clone(),
                format!(
                    "the aggregates were computed with {k} {} but this run asks for {k} {v}: generate the SQL again with the same flags (uplift sql … ) or run with the flags it was generated with",
                    got.get(k).map_or("(not recorded)", String::as_str)
                ),
            ));
        }
    }
    if m.exposures_rows.1 < m.exposures_rows.0 {
        let order = match &m.tie_order {
            TieOrder::Column(c) => format!(", or {c} (the --order-column)"),
            TieOrder::ChannelCampaign => String::new(),
        };
        return Err(bad(
            "exposures_rows_read",
            m.exposures_rows.1.to_string(),
            format!(
                "{} of {} rows of the exposures table have no user_id, channel or timestamp{order} (every row needs them; fix or filter the table)",
                m.exposures_rows.0 - m.exposures_rows.1,
                m.exposures_rows.0
            ),
        ));
    }
    if m.revenue_rows.1 < m.revenue_rows.0 {
        return Err(bad(
            "revenue_rows_read",
            m.revenue_rows.1.to_string(),
            format!(
                "{} of {} rows of the revenue table have no user_id, timestamp or revenue (every row needs them; fix or filter the table)",
                m.revenue_rows.0 - m.revenue_rows.1,
                m.revenue_rows.0
            ),
        ));
    }
    if m.unknown_group_rows > 0 {
        return Err(bad(
            "unknown_group_rows",
            m.unknown_group_rows.to_string(),
            format!(
                "rows of the exposures table carry a group label that is neither exposed ({}) nor control ({}) nor empty (map the labels in [groups])",
                s.groups.exposed.join(", "),
                s.groups.control.join(", ")
            ),
        ));
    }
    if m.bad_channel_names > 0 {
        return Err(bad(
            "bad_channel_names",
            m.bad_channel_names.to_string(),
            format!(
                "channel names are empty or contain \"{}\", the separator of paths (rename them in the table)",
                sql::PATH_SEPARATOR
            ),
        ));
    }
    Ok(())
}

/// One arm's statistics over the cohort rows given (segments merged).
fn arm_stats(rows: &[&CohortRow]) -> (ArmStats, u64) {
    let mut moments = BiMoments::default();
    let mut revenue = NeumaierSum::default();
    let (mut converters, mut excluded) = (0, 0);
    for r in rows {
        excluded += r.excluded;
        if r.users == 0 {
            continue;
        }
        let n = r.users as f64;
        moments = moments.merge(&BiMoments {
            n: r.users as usize,
            mean_x: r.sum_x / n,
            mean_y: r.sum_y / n,
            m2_x: r.m2_x.max(0.0),
            m2_y: r.m2_y.max(0.0),
            c_xy: r.c_xy,
        });
        revenue.add(r.sum_y);
        converters += r.converters;
    }
    (
        ArmStats {
            moments,
            converters,
            revenue: revenue.value(),
        },
        excluded,
    )
}

/// The lift rows, in the order and with the warnings of the in-process run.
fn lift_rows(
    agg: &Aggregates,
    s: &RunSettings,
    warnings: &mut Vec<Warning>,
) -> Vec<crate::report::LiftRow> {
    let segments: Vec<Option<String>> = std::iter::once(None)
        .chain(
            agg.cohorts
                .iter()
                .filter_map(|c| c.segment.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(Some),
        )
        .collect();
    let mut rows = Vec::new();
    for c in &agg.channels {
        if c.exposed_users == 0 && c.control_users == 0 && c.contaminated == 0 {
            continue;
        }
        let name = c.channel.as_str();
        if c.control_users == 0 {
            warnings.push(Warning::new(WarningCode::NoControl, format!("channel {name} has no control users: its lift cannot be estimated (hold out a control group, or use `uplift attribute`)")));
        }
        if c.contaminated > 0 {
            warnings.push(Warning::new(WarningCode::Contaminated, format!("channel {name}: {} users carry both exposed and control labels and are excluded from its lift", c.contaminated)));
        }
        for &w in &s.windows {
            for seg in &segments {
                let pick = |arm: &str| -> Vec<&CohortRow> {
                    agg.cohorts
                        .iter()
                        .filter(|r| {
                            r.channel == name
                                && r.window_days == w
                                && r.arm == arm
                                && (seg.is_none() || r.segment == *seg)
                        })
                        .collect()
                };
                let (e, e_immature) = arm_stats(&pick("exposed"));
                let (k, k_immature) = arm_stats(&pick("control"));
                let contaminated: u64 = pick("contaminated")
                    .iter()
                    .map(|r| r.users + r.excluded)
                    .sum();
                if seg.is_some()
                    && e.moments.n == 0
                    && k.moments.n == 0
                    && e_immature == 0
                    && k_immature == 0
                {
                    continue;
                }
                let settings = lift_settings(s, name, seg.as_deref(), w);
                let est = lift::estimate_stats(&e, &k, &settings);
                rows.push(lift_row(
                    LiftCell {
                        channel: name,
                        segment: seg.clone(),
                        window_days: w,
                        contaminated,
                        immature: e_immature + k_immature,
                        exposed_span: c.exposed_span,
                    },
                    est,
                    s,
                    warnings,
                ));
            }
        }
    }
    finish_lift(rows, warnings)
}

/// The Markov shares of a chain of counted transitions, once its work is
/// found within the limit.
fn markov_shares(
    transitions: &[markov::Transition],
    longest: usize,
    params: &crate::attribution::Params,
) -> Result<markov::Shares, Error> {
    let chain = markov::chain_from_transitions(transitions, longest, params);
    markov::MarkovWork::check(&[chain.work(params)], params.markov_work_limit)
        .map_err(|e| Error::Usage(e.to_string()))?;
    Ok(chain.shares(params))
}
