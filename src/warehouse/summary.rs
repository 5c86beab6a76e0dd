//! Warehouse aggregates → [`Summary`]: the statistics the generated SQL
//! computed, in the form the one analysis reads.
//!
//! Per (channel, window, arm, segment) the SQL gives counts, sums and
//! centred second moments; the all-users cell merges the segments exactly
//! ([`BiMoments::merge`]). The rule-based models' credits come as they are;
//! a Markov chain comes as its counted transitions and is solved here by
//! the same code as the in-process chains. The bootstrap needs user-level
//! rows, so [`Summary::users`] is `None`.

use super::aggregates::{
    Aggregates, CalibrationCreditRow, CohortRow, CreditRow, Moments, OutcomeRow, TieOrder,
    TotalsRow, TransitionRow,
};
use super::sql;
use crate::attribution::markov::{self, Transition};
use crate::attribution::{self, ChannelCredit, Model, ModelResult, Params, Targets, Totals};
use crate::economics::{DatedCost, channel_spend};
use crate::error::Error;
use crate::io::problem::Problem;
use crate::io::{FileInfo, Loaded, RevenueFacts};
use crate::lift::ArmStats;
use crate::model::Window;
use crate::reconcile;
use crate::report::RunSettings;
use crate::stats::describe::BiMoments;
use crate::stats::sum::NeumaierSum;
use crate::summary::{
    Bounds, CellCaps, CohortCounts, ExperimentCredits, LiftCell, ProfitArms, Summary, WindowCredits,
};
use crate::warning::{Warning, WarningCode};
use std::collections::{BTreeMap, BTreeSet};

/// The spend and finance files of a warehouse run, loaded: given on the
/// command line, or saved beside the aggregates.
#[derive(Debug, Default)]
pub struct SideFiles {
    /// The spend file.
    pub spend: Option<Loaded>,
    /// The finance file.
    pub finance: Option<Loaded>,
}

/// The revenue facts the SQL counted (refunds, repeated orders).
pub fn revenue_facts(agg: &Aggregates) -> RevenueFacts {
    RevenueFacts {
        duplicate_orders: agg.meta.duplicates.rows,
        refunds: agg.meta.refunds.rows,
        refund_total: agg.meta.refunds.revenue,
        duplicate_total: agg.meta.duplicates.revenue,
    }
}

/// The summary of aggregates checked by [`check`], with the side files.
///
/// # Errors
///
/// A usage error when a Markov chain would take more work than the limit.
pub fn summarize(
    agg: &Aggregates,
    s: &RunSettings,
    side: &SideFiles,
    input_warnings: Vec<Warning>,
) -> Result<Summary, Error> {
    let mut inputs: BTreeMap<String, FileInfo> = agg
        .files
        .iter()
        .map(|f| (f.name.to_string(), f.info.clone()))
        .collect();
    for loaded in side.spend.iter().chain(side.finance.iter()) {
        for crate::io::LoadedFile { kind: k, load: f } in &loaded.files {
            if let Some(info) = &f.info {
                inputs.insert(k.to_string(), info.clone());
            }
        }
    }
    let channels = channel_table(agg, side.spend.as_ref());
    let code = |name: &str| {
        channels
            .binary_search_by(|c| c.as_str().cmp(name))
            .ok()
            .map(|c| c as u16)
    };
    let (cohorts, cells) = cells(agg, s, &code);
    let spend = spend(agg, side.spend.as_ref(), &channels, &code);
    let attribution = s
        .windows
        .iter()
        .map(|&w| window_credits(agg, s, w.days(), &cohorts, &channels, &code))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut attribution_warnings = Vec::new();
    tie_order_warning(agg, &s.windows, &mut attribution_warnings);
    let export: NeumaierSum = agg.daily_revenue.iter().map(|d| d.net_revenue).collect();
    let (ts, revenue): (Vec<i64>, Vec<f64>) = agg
        .daily_revenue
        .iter()
        .map(|d| {
            (
                i64::from(d.day) * crate::model::MICROS_PER_DAY,
                d.net_revenue,
            )
        })
        .unzip();
    Ok(Summary {
        as_of: Some(agg.meta.as_of),
        inputs,
        channels,
        cohorts,
        cells,
        users: None,
        attribution,
        spend,
        export_revenue: export.value(),
        daily_revenue: reconcile::daily(&ts, &revenue),
        revenue_facts: revenue_facts(agg),
        finance: side.finance.as_ref().map(|f| f.data.finance.clone()),
        input_warnings,
        attribution_warnings,
    })
}

/// The cohorts' counts (in the aggregates' channel order) and the cells of
/// every (channel, window, segment), all users first.
fn cells(
    agg: &Aggregates,
    s: &RunSettings,
    code: &impl Fn(&str) -> Option<u16>,
) -> (Vec<CohortCounts>, Vec<LiftCell>) {
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
    let outcomes = outcomes_of(s);
    let outcome_rows: &[OutcomeRow] = match (&agg.outcomes, outcomes.any()) {
        (Some(rows), true) => rows,
        _ => &[],
    };
    let mut cohorts = Vec::new();
    let mut cells = Vec::new();
    for c in &agg.channels {
        let Some(channel) = code(&c.channel) else {
            continue;
        };
        cohorts.push(CohortCounts {
            channel,
            exposed_users: c.exposed_users,
            control_users: c.control_users,
            contaminated: c.contaminated,
            exposed_all: c.exposed_all,
            exposed_span: c.exposed_span,
            labeled_span: c.labeled_span,
        });
        if c.exposed_users == 0 && c.control_users == 0 && c.contaminated == 0 {
            continue;
        }
        for &w in &s.windows {
            for seg in &segments {
                let pick = |arm: &str| -> Vec<&CohortRow> {
                    agg.cohorts
                        .iter()
                        .filter(|r| {
                            r.channel == c.channel
                                && r.window_days == w.days()
                                && r.arm == arm
                                && (seg.is_none() || r.segment == *seg)
                        })
                        .collect()
                };
                let mut exposed = arm_stats(&pick("exposed"));
                let mut control = arm_stats(&pick("control"));
                let (profit, capping) = if outcomes.any() {
                    // The (channel, window)'s rows, those of `arm` in the
                    // cell's segment when given.
                    let rows = |arm: Option<&str>| -> Vec<&OutcomeRow> {
                        outcome_rows
                            .iter()
                            .filter(|r| {
                                r.channel == c.channel
                                    && r.window_days == w.days()
                                    && arm.is_none_or(|a| {
                                        r.arm == a && (seg.is_none() || r.segment == *seg)
                                    })
                            })
                            .collect()
                    };
                    beyond_revenue(
                        &outcomes,
                        &rows(None),
                        [&rows(Some("exposed")), &rows(Some("control"))],
                        [&mut exposed.stats, &mut control.stats],
                    )
                } else {
                    (None, None)
                };
                let contaminated: u64 = pick("contaminated")
                    .iter()
                    .map(|r| r.users + r.excluded)
                    .sum();
                if seg.is_some()
                    && exposed.stats.moments.n == 0
                    && control.stats.moments.n == 0
                    && exposed.immature == 0
                    && control.immature == 0
                {
                    continue;
                }
                cells.push(LiftCell {
                    channel,
                    window: w,
                    segment: seg.clone(),
                    exposed: exposed.stats,
                    control: control.stats,
                    immature: exposed.immature + control.immature,
                    contaminated,
                    profit,
                    capping,
                });
            }
        }
    }
    (cohorts, cells)
}

/// The profit arms and the caps of one cell from `cohort_outcomes`:
/// `channel_rows` are every row of the (channel, window) (its caps), `arms`
/// the exposed and control rows of the cell. With capping on, the arms'
/// moments become the clipped ones (their sums of revenue stay uncapped).
fn beyond_revenue(
    o: &sql::Outcomes,
    channel_rows: &[&OutcomeRow],
    arms: [&[&OutcomeRow]; 2],
    stats: [&mut ArmStats; 2],
) -> (Option<ProfitArms>, Option<CellCaps>) {
    let merged = |rows: &[&OutcomeRow], m: &dyn Fn(&OutcomeRow) -> Option<Moments>| {
        let mut out = BiMoments::default();
        for r in rows {
            let Some(m) = m(r).filter(|_| r.users > 0) else {
                continue;
            };
            let n = r.users as f64;
            out = out.merge(&BiMoments {
                n: r.users as usize,
                mean_x: m.sum_x / n,
                mean_y: m.sum_y / n,
                m2_x: m.m2_x.max(0.0),
                m2_y: m.m2_y.max(0.0),
                c_xy: m.c_xy,
            });
        }
        out
    };
    let profit_on = o.profit.is_some();
    let [se, sc] = stats;
    let profit_of = |rows: &[&OutcomeRow], revenue: &ArmStats| -> ArmStats {
        let total: NeumaierSum = rows.iter().filter_map(|r| r.profit).collect();
        ArmStats {
            moments: merged(rows, &|r| r.profit_moments),
            converters: revenue.converters,
            revenue: total.value(),
        }
    };
    let profit = profit_on.then(|| ProfitArms {
        exposed: profit_of(arms[0], se),
        control: profit_of(arms[1], sc),
    });
    let capping = o.capping().then(|| {
        se.moments = merged(arms[0], &|r| Some(r.revenue));
        sc.moments = merged(arms[1], &|r| Some(r.revenue));
        let caps = channel_rows.first().map(|r| r.caps).unwrap_or_default();
        let bounds = |i: usize| Bounds {
            lower: caps[i].0,
            upper: caps[i].1,
        };
        let rows = || arms.iter().flat_map(|a| a.iter());
        CellCaps {
            revenue: bounds(0),
            pre_period: bounds(1),
            profit: profit_on.then(|| bounds(2)),
            profit_pre_period: profit_on.then(|| bounds(3)),
            users_capped: rows().map(|r| r.users_capped).sum(),
            users_capped_profit: profit_on
                .then(|| rows().map(|r| r.users_capped_profit.unwrap_or(0)).sum()),
        }
    });
    (profit, capping)
}

/// An arm's statistics over cohort rows, and its users not mature.
struct ArmRows {
    stats: ArmStats,
    immature: u64,
}

/// One arm's statistics over the cohort rows given (segments merged).
fn arm_stats(rows: &[&CohortRow]) -> ArmRows {
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
    ArmRows {
        stats: ArmStats {
            moments,
            converters,
            revenue: revenue.value(),
        },
        immature: excluded,
    }
}

/// Per channel code, the spend over its exposure period: the spend file's
/// rows, then the exposures' summed cost per day; `None` without either.
fn spend(
    agg: &Aggregates,
    spend: Option<&Loaded>,
    channels: &[String],
    code: &impl Fn(&str) -> Option<u16>,
) -> Option<Vec<Option<f64>>> {
    let mut spans = vec![None; channels.len()];
    for c in &agg.channels {
        if let Some(i) = code(&c.channel) {
            spans[usize::from(i)] = c.exposed_span;
        }
    }
    let mut costs: Vec<DatedCost> = Vec::new();
    if let Some(l) = spend {
        for r in &l.data.spend {
            let Some(channel) = l
                .data
                .channels
                .get(usize::from(r.channel))
                .and_then(|n| code(n))
            else {
                continue;
            };
            costs.push(DatedCost {
                channel,
                day: r.date,
                amount: r.spend,
            });
        }
    }
    let mut any_cost = false;
    for r in &agg.exposure_cost {
        if let Some(channel) = code(&r.channel) {
            any_cost |= r.cost != 0.0;
            if r.cost != 0.0 {
                costs.push(DatedCost {
                    channel,
                    day: r.day,
                    amount: r.cost,
                });
            }
        }
    }
    (spend.is_some() || any_cost).then(|| channel_spend(costs, &spans))
}

/// A Markov chain of counted transitions, with what the credits need.
struct CountedChain {
    transitions: Vec<Transition>,
    longest: usize,
    /// Channels in a state of the chain.
    present: Vec<u16>,
    /// Conversions of the converting transitions.
    conversions: f64,
    /// Their revenue.
    revenue: f64,
}

fn counted_chain(rows: &[&TransitionRow], code: &impl Fn(&str) -> Option<u16>) -> CountedChain {
    let state = |s: &str| -> Option<Vec<u16>> { s.split(sql::PATH_SEPARATOR).map(code).collect() };
    let mut transitions = Vec::with_capacity(rows.len());
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
        transitions.push(Transition {
            from,
            to,
            converted,
            count: r.paths,
            revenue: if converted { r.revenue } else { 0.0 },
        });
    }
    CountedChain {
        transitions,
        longest,
        present,
        conversions: conversions as f64,
        revenue: revenue.value(),
    }
}

/// One window's attribution: the rule-based models' credits as the SQL
/// gave them, the Markov model from its counted transitions, and the
/// credits of every experiment (a channel with exposed and control users).
fn window_credits(
    agg: &Aggregates,
    s: &RunSettings,
    w: u16,
    cohorts: &[CohortCounts],
    channels: &[String],
    code: &impl Fn(&str) -> Option<u16>,
) -> Result<WindowCredits, Error> {
    let credits: Vec<&CreditRow> = agg.credits.iter().filter(|c| c.window_days == w).collect();
    let present: Vec<u16> = credits
        .iter()
        .filter(|c| c.touches > 0)
        .filter_map(|c| code(&c.channel))
        .collect();
    let totals = window_totals(
        agg.totals.iter().find(|t| t.window_days == w),
        agg.meta.refunds.revenue,
    );
    let Targets {
        conversions: target_conversions,
        revenue: target_revenue,
    } = totals.targets();
    let mut models: Vec<ModelResult> = Vec::new();
    for &m in &s.models {
        models.push(if m == Model::Markov {
            let rows: Vec<&TransitionRow> =
                agg.markov.iter().filter(|r| r.window_days == w).collect();
            let chain = counted_chain(&rows, code);
            let shares = markov_shares(&chain, &s.attribution)?;
            attribution::from_shares(m, &shares, &present, target_conversions, target_revenue)
        } else {
            let given: Vec<ChannelCredit> = credits
                .iter()
                .filter_map(|c| {
                    let credit = c.models.iter().find(|x| x.model == m)?;
                    Some(ChannelCredit {
                        channel: code(&c.channel)?,
                        conversions: credit.conversions,
                        revenue: credit.revenue,
                    })
                })
                .collect();
            attribution::from_credits(m, &given, &present, target_conversions, target_revenue)
        });
    }
    let mut experiments = Vec::new();
    for c in cohorts
        .iter()
        .filter(|c| c.exposed_users > 0 && c.control_users > 0)
    {
        let name = &channels[usize::from(c.channel)];
        let mut credited = Vec::with_capacity(s.models.len());
        for &m in &s.models {
            credited.push(if m == Model::Markov {
                let rows: Vec<&TransitionRow> = agg
                    .calibration_markov
                    .iter()
                    .filter(|r| {
                        r.window_days == w && r.experiment.as_deref() == Some(name.as_str())
                    })
                    .collect();
                let chain = counted_chain(&rows, code);
                let shares = markov_shares(&chain, &s.attribution)?;
                attribution::from_shares(
                    m,
                    &shares,
                    &chain.present,
                    chain.conversions,
                    chain.revenue,
                )
                .credits
                .iter()
                .find(|x| x.channel == c.channel)
                .map_or(0.0, |x| x.revenue)
            } else {
                agg.calibration_credits
                    .iter()
                    .find(|r: &&CalibrationCreditRow| r.window_days == w && r.channel == *name)
                    .and_then(|r| r.models.iter().find(|x| x.model == m))
                    .map_or(0.0, |x| x.revenue)
            });
        }
        experiments.push(ExperimentCredits {
            channel: c.channel,
            credited,
        });
    }
    Ok(WindowCredits {
        window_days: w,
        totals,
        models,
        experiments,
        explained: None,
    })
}

/// The Markov shares of a chain of counted transitions, once its work is
/// found within the limit.
fn markov_shares(counted: &CountedChain, params: &Params) -> Result<markov::Shares, Error> {
    let chain = markov::chain_from_transitions(&counted.transitions, counted.longest, params);
    markov::MarkovWork::check(&[chain.work(params)], params.markov_work_limit)
        .map_err(|e| Error::Usage(e.to_string()))?;
    Ok(chain.shares(params))
}

/// `warehouse_tie_order`: without an order column the SQL ordered touches
/// with the same timestamp by channel name (then campaign), where a run on
/// the files keeps their file order; says how many attributed conversions,
/// per window, had such a tie between different channels in their path.
fn tie_order_warning(agg: &Aggregates, windows: &[Window], warnings: &mut Vec<Warning>) {
    if agg.meta.tie_order != TieOrder::ChannelCampaign {
        return;
    }
    /// One window's tied conversions, of its attributed ones.
    struct Tied {
        window_days: u16,
        tied: u64,
        attributed: u64,
    }
    let counts: Vec<Tied> = windows
        .iter()
        .filter_map(|&w| {
            let t = agg.totals.iter().find(|t| t.window_days == w.days())?;
            Some(Tied {
                window_days: w.days(),
                tied: t.tied_conversions,
                attributed: t.conversions.saturating_sub(t.unattributed_conversions),
            })
        })
        .collect();
    if counts.iter().all(|c| c.tied == 0) {
        return;
    }
    let per_window: Vec<String> = counts
        .iter()
        .map(|c| {
            format!(
                "{} of {} in the {}-day window",
                c.tied, c.attributed, c.window_days
            )
        })
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
fn window_totals(t: Option<&TotalsRow>, refunds: f64) -> Totals {
    let mut totals = Totals {
        conversions: 0,
        revenue: 0.0,
        unattributed_conversions: 0,
        unattributed_revenue: 0.0,
        refunds,
        net_revenue: 0.0,
    };
    if let Some(t) = t {
        totals.conversions = t.conversions;
        totals.revenue = t.revenue;
        totals.unattributed_conversions = t.unattributed_conversions;
        totals.unattributed_revenue = t.unattributed_revenue;
    }
    let mut net = NeumaierSum::default();
    net.add(totals.revenue);
    net.add(refunds);
    totals.net_revenue = net.value();
    totals
}

/// Every channel named anywhere, sorted by name (the codes of the run).
fn channel_table(agg: &Aggregates, spend: Option<&Loaded>) -> Vec<String> {
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
    names.extend(agg.exposure_cost.iter().map(|r| r.channel.clone()));
    if let Some(l) = spend {
        names.extend(l.data.channels.iter().cloned());
    }
    names.into_iter().collect()
}

/// The profit outcome and the caps of a run.
fn outcomes_of(s: &RunSettings) -> sql::Outcomes {
    sql::Outcomes {
        profit: s.profit,
        cap: s.cap,
        cap_lower: s.cap_lower,
    }
}

/// Whether the SQL read a `cost` column of the revenue table (the settings
/// line says so): the profit outcome is then on, as in-process when the
/// revenue file has one.
pub fn cost_column(agg: &Aggregates) -> bool {
    agg.meta
        .settings
        .split(", ")
        .any(|p| p.split_once(' ') == Some(("cost_column", sql::COST_COLUMN_YES)))
}

/// The aggregates must have been computed with this run's settings, from
/// tables whose every row could be used.
pub fn check(agg: &Aggregates, s: &RunSettings) -> Result<(), Error> {
    let m = &agg.meta;
    let file = agg
        .files
        .iter()
        .find(|f| f.name == "meta")
        .map_or_else(|| "meta.csv".to_string(), |f| f.info.path.clone());
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
    let parts = |line: &str| -> std::vec::IntoIter<(String, String)> {
        line.split(", ")
            .filter_map(|p| p.split_once(' '))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    };
    let outcomes = outcomes_of(s);
    // In the line's order: the first difference is named.
    let want: Vec<(String, String)> = parts(&sql::settings_line(
        &s.windows,
        s.as_of.as_deref(),
        &s.models,
        &s.attribution,
        &s.groups,
        &outcomes,
    ))
    .collect();
    let got: BTreeMap<String, String> = parts(&m.settings).collect();
    let advice = "generate the SQL again with the same flags (uplift sql … ) or run with the flags it was generated with";
    for (k, v) in &want {
        if got.get(k) != Some(v) {
            let had = match got.get(k) {
                Some(g) => format!("{k} {g}"),
                None if sql::OUTCOME_PARTS.contains(&k.as_str()) => format!("no {k}"),
                None => format!("{k} (not recorded)"),
            };
            return Err(bad(
                "settings",
                m.settings.clone(),
                format!(
                    "the aggregates were computed with {had} but this run asks for {k} {v}: {advice}"
                ),
            ));
        }
    }
    // The profit outcome and the caps must agree both ways.
    for k in sql::OUTCOME_PARTS {
        if let (Some(g), false) = (got.get(k), want.iter().any(|(w, _)| w == k)) {
            return Err(bad(
                "settings",
                m.settings.clone(),
                format!(
                    "the aggregates were computed with {k} {g} but this run asks for no {k}: {advice}"
                ),
            ));
        }
    }
    if m.exposures_rows.read < m.exposures_rows.rows {
        let order = match &m.tie_order {
            TieOrder::Column(c) => format!(", or {c} (the --order-column)"),
            TieOrder::ChannelCampaign => String::new(),
        };
        return Err(bad(
            "exposures_rows_read",
            m.exposures_rows.read.to_string(),
            format!(
                "{} of {} rows of the exposures table have no user_id, channel or timestamp{order} (every row needs them; fix or filter the table)",
                m.exposures_rows.rows - m.exposures_rows.read,
                m.exposures_rows.rows
            ),
        ));
    }
    if m.revenue_rows.read < m.revenue_rows.rows {
        return Err(bad(
            "revenue_rows_read",
            m.revenue_rows.read.to_string(),
            format!(
                "{} of {} rows of the revenue table have no user_id, timestamp or revenue (every row needs them; fix or filter the table)",
                m.revenue_rows.rows - m.revenue_rows.read,
                m.revenue_rows.rows
            ),
        ));
    }
    if m.negative_costs > 0 {
        return Err(bad(
            "negative_costs",
            m.negative_costs.to_string(),
            format!(
                "{} rows of the revenue table have a negative cost (expected the order's cost ≥ 0, or null; fix or filter the table)",
                m.negative_costs
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
    if outcomes.any() && agg.outcomes.is_none() {
        let dir = std::path::Path::new(&file)
            .parent()
            .map_or_else(String::new, |d| d.display().to_string());
        return Err(Error::Usage(format!(
            "{dir}: aggregate \"cohort_outcomes\" is missing (expected cohort_outcomes.csv, cohort_outcomes.csv.gz or cohort_outcomes.parquet, the result of cohort_outcomes.sql, which `uplift sql` writes with the profit outcome or capping on)"
        )));
    }
    Ok(())
}
