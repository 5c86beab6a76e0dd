//! `uplift run`: cohorts → lift → report.

use super::Outcome;
use crate::checks::failed_checks;
use crate::cli::RunArgs;
use crate::cohort::{self, ArmOutcomes, ChannelCohort, OrderIndex};
use crate::config::Config;
use crate::economics::{self};
use crate::error::Error;
use crate::io::load_checked;
use crate::io::time;
use crate::lift::{self, Arm, LiftSettings};
use crate::model::{Dataset, Micros};
use crate::report::{
    Decision, Excluded, Interval, LiftRow, Report, SrmCheck, Tool, Warning, WarningCode,
};
use crate::settings::RunSettings;
use crate::stats::sum::NeumaierSum;
use crate::stats::{holm::holm, srm};
use std::collections::BTreeMap;

/// The outcomes of `arm` split by the segment of each user: one
/// [`ArmOutcomes`] per segment, in user order (users without a segment are
/// in none).
fn split_by_segment(arm: &ArmOutcomes, user_segment: &[Option<u16>], n: usize) -> Vec<ArmOutcomes> {
    let segment_of = |u: u32| {
        user_segment
            .get(u as usize)
            .copied()
            .flatten()
            .map(usize::from)
    };
    let mut out = vec![ArmOutcomes::default(); n];
    for i in 0..arm.user.len() {
        if let Some(o) = segment_of(arm.user[i]).and_then(|s| out.get_mut(s)) {
            o.user.push(arm.user[i]);
            o.x.push(arm.x[i]);
            o.y.push(arm.y[i]);
            o.converted.push(arm.converted[i]);
        }
    }
    for &u in &arm.immature_users {
        if let Some(o) = segment_of(u).and_then(|s| out.get_mut(s)) {
            o.immature_users.push(u);
        }
    }
    out
}

fn as_arm(o: &ArmOutcomes) -> Arm<'_> {
    Arm {
        x: &o.x,
        y: &o.y,
        converted: &o.converted,
    }
}

/// A 64-bit FNV-1a hash, to give each lift row its own bootstrap stream.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Computes every lift row for every window and segment.
pub fn lift_rows(
    data: &Dataset,
    cohorts: &[ChannelCohort],
    s: &RunSettings,
    as_of: Micros,
    warnings: &mut Vec<Warning>,
) -> Vec<LiftRow> {
    use rayon::prelude::*;
    let index = OrderIndex::new(&data.orders, data.users.len());
    let segments: Vec<Option<u16>> = std::iter::once(None)
        .chain((0..data.segments.len()).map(|s| Some(s as u16)))
        .collect();
    // Channels are estimated side by side (each row's bootstrap has its own
    // seeded stream) and their rows and warnings joined in channel order.
    let per_channel = |c: &ChannelCohort| -> (Vec<LiftRow>, Vec<Warning>) {
        let mut rows = Vec::new();
        let mut warnings = Vec::new();
        if c.exposed.is_empty() && c.control.is_empty() && c.contaminated.is_empty() {
            return (rows, warnings);
        }
        let name = &data.channels[usize::from(c.channel)];
        if c.control.is_empty() {
            warnings.push(Warning::new(WarningCode::NoControl, format!("channel {name} has no control users: its lift cannot be estimated (hold out a control group, or use `uplift attribute`)")));
        }
        if !c.contaminated.is_empty() {
            warnings.push(Warning::new(WarningCode::Contaminated, format!("channel {name}: {} users carry both exposed and control labels and are excluded from its lift", c.contaminated.len())));
        }
        let exp = cohort::outcomes(&c.exposed, &data.orders, &index, &s.windows, as_of);
        let ctl = cohort::outcomes(&c.control, &data.orders, &index, &s.windows, as_of);
        let n_segments = data.segments.len();
        for (k, &w) in s.windows.iter().enumerate() {
            let exp_by_segment = split_by_segment(&exp[k], &data.user_segment, n_segments);
            let ctl_by_segment = split_by_segment(&ctl[k], &data.user_segment, n_segments);
            for &seg in &segments {
                let in_seg = |u: u32| {
                    seg.is_none() || data.user_segment.get(u as usize).copied().flatten() == seg
                };
                let (e, k_arm) = match seg {
                    None => (&exp[k], &ctl[k]),
                    Some(i) => (
                        &exp_by_segment[usize::from(i)],
                        &ctl_by_segment[usize::from(i)],
                    ),
                };
                let contaminated = c.contaminated.iter().filter(|&&u| in_seg(u)).count() as u64;
                if seg.is_some()
                    && e.user.is_empty()
                    && k_arm.user.is_empty()
                    && e.immature_users.is_empty()
                    && k_arm.immature_users.is_empty()
                {
                    continue;
                }
                let seg_name = seg.map(|i| data.segments[usize::from(i)].clone());
                let settings = lift_settings(s, name, seg_name.as_deref(), w);
                let est = lift::estimate(&as_arm(e), &as_arm(k_arm), &settings);
                rows.push(lift_row(
                    LiftCell {
                        channel: name,
                        segment: seg_name,
                        window_days: w,
                        contaminated,
                        immature: (e.immature_users.len() + k_arm.immature_users.len()) as u64,
                        exposed_span: c.exposed_span,
                    },
                    est,
                    s,
                    &mut warnings,
                ));
            }
        }
        (rows, warnings)
    };
    let mut rows = Vec::new();
    for (r, w) in cohorts.par_iter().map(per_channel).collect::<Vec<_>>() {
        rows.extend(r);
        warnings.extend(w);
    }
    finish_lift(rows, warnings)
}

/// Where a lift row sits and what was excluded from it.
pub struct LiftCell<'a> {
    /// Channel name.
    pub channel: &'a str,
    /// Segment name (None = all users).
    pub segment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// Contaminated users of the segment.
    pub contaminated: u64,
    /// Immature users of both arms.
    pub immature: u64,
    /// First and last exposed row of the channel.
    pub exposed_span: Option<(Micros, Micros)>,
}

/// The bootstrap settings of one lift row: its own stream of the seed.
pub fn lift_settings(
    s: &RunSettings,
    channel: &str,
    segment: Option<&str>,
    w: u16,
) -> LiftSettings {
    let key = format!("{channel}\u{1f}{}\u{1f}{w}", segment.unwrap_or(""));
    LiftSettings {
        confidence: s.confidence,
        cuped: s.cuped,
        bootstrap: s.bootstrap.map(|n| (n, s.seed ^ fnv(key.as_bytes()))),
    }
}

/// One lift row from its estimate: notes become warnings, SRM is checked.
pub fn lift_row(
    cell: LiftCell<'_>,
    est: lift::LiftEstimate,
    s: &RunSettings,
    warnings: &mut Vec<Warning>,
) -> LiftRow {
    let (name, w, seg_name) = (cell.channel, cell.window_days, cell.segment);
    for (code, msg) in &est.notes {
        warnings.push(Warning::new(
            *code,
            format!(
                "channel {name}, window {w}{}: {msg}",
                seg_name
                    .as_ref()
                    .map(|s| format!(", segment {s}"))
                    .unwrap_or_default()
            ),
        ));
    }
    let expected = s.srm.share_for(name);
    let p =
        expected.and_then(|share| srm::srm_p_value(est.exposed.users, est.control.users, share));
    LiftRow {
        channel: name.to_string(),
        segment: seg_name,
        window_days: w,
        test_start: cell
            .exposed_span
            .map(|(a, _)| time::format_date(time::day_of(a))),
        test_end: cell
            .exposed_span
            .map(|(_, b)| time::format_date(time::day_of(b))),
        exposed: est.exposed,
        control: est.control,
        excluded: Excluded {
            contaminated: cell.contaminated,
            immature: cell.immature,
        },
        revenue_per_user_lift: est.revenue_per_user_lift.into(),
        revenue_per_user_lift_raw: est.revenue_per_user_lift_raw.into(),
        relative_lift: est.relative_lift.into(),
        conversion_rate_lift: est.conversion_rate_lift.into(),
        incremental_revenue: est.incremental_revenue.into(),
        incremental_conversions: est.incremental_conversions.into(),
        cuped: est.cuped,
        srm: SrmCheck {
            expected_control_share: expected,
            p_value: p,
            flag: p.is_some_and(|p| p < srm::SRM_P_THRESHOLD),
        },
        spend: None,
        icac: None,
        iroas: None,
        decision: None,
        bootstrap: est.bootstrap,
    }
}

/// Sorts the lift rows, Holm-adjusts them and warns of immature users.
pub fn finish_lift(mut rows: Vec<LiftRow>, warnings: &mut Vec<Warning>) -> Vec<LiftRow> {
    // Stable order: window, segment (all users first), channel.
    rows.sort_by(|a, b| {
        (a.window_days, &a.segment, &a.channel).cmp(&(b.window_days, &b.segment, &b.channel))
    });
    apply_holm(&mut rows);
    let immature: u64 = rows
        .iter()
        .filter(|r| r.segment.is_none())
        .map(|r| r.excluded.immature)
        .sum();
    if immature > 0 {
        warnings.push(Warning::new(WarningCode::Immature, format!("{immature} user-windows are not mature (t0 + window after as_of) and are excluded; see excluded.immature per row")));
    }
    rows
}

/// Holm-adjusts the headline p-values within each (window, segment) family.
fn apply_holm(rows: &mut [LiftRow]) {
    let mut families: BTreeMap<(u16, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.revenue_per_user_lift.p_value.is_some() {
            families
                .entry((r.window_days, r.segment.clone()))
                .or_default()
                .push(i);
        }
    }
    for idx in families.values() {
        let p: Vec<f64> = idx
            .iter()
            .filter_map(|&i| rows[i].revenue_per_user_lift.p_value)
            .collect();
        for (&i, adj) in idx.iter().zip(holm(&p)) {
            rows[i].revenue_per_user_lift.p_value_holm = Some(adj);
        }
    }
}

/// Runs `uplift run`.
pub fn run(a: &RunArgs) -> Result<Outcome, Error> {
    let cfg = match &a.input.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let settings = RunSettings::resolve(a, &cfg)?;
    if let Some(dir) = &a.from_aggregates {
        return super::from_aggregates::run(a, &cfg, &settings, dir);
    }
    let (Some(_), Some(_)) = (&a.input.exposures, &a.input.revenue) else {
        return Err(Error::Usage(
            "uplift run needs --exposures FILE and --revenue FILE".to_string(),
        ));
    };
    let progress = super::Progress::new();
    progress.step("reading the inputs");
    let mut warnings = Vec::new();
    let loaded = load_checked(
        &a.input.paths(),
        &cfg,
        settings.on_bad_rows,
        &["exposures", "revenue"],
        &mut warnings,
    )?;
    let data = &loaded.data;
    let as_of = settings
        .as_of_micros()
        .or(data.max_revenue_ts)
        .ok_or_else(|| Error::Internal("no revenue timestamp".to_string()))?;
    progress.step("cohorts, lift and attribution");
    // Side by side: the attribution pass, which builds its paths before it
    // needs the cohorts, and on this thread the cohorts, the lift section
    // and the reconciliation. The cohorts are built once, by whichever
    // side asks first.
    let cohorts_cell = std::sync::OnceLock::new();
    let cohorts_of =
        || cohorts_cell.get_or_init(|| cohort::build(&data.exposures, data.channels.len()));
    let mut reconcile_warnings = Vec::new();
    let (mut lift, reconciliation, attributed) = std::thread::scope(|scope| {
        let attribution = scope.spawn(|| attribute_all(data, &cohorts_of, &settings, as_of));
        let lift = lift_rows(data, cohorts_of(), &settings, as_of, &mut warnings);
        let reconciliation = a.input.finance.is_some().then(|| {
            super::reconcile::section(
                data,
                &loaded.revenue_facts,
                settings.tolerance,
                &mut reconcile_warnings,
            )
        });
        // N.B. the pass cannot fail on any input; a panic there is a bug
        // and stays one.
        let attributed = attribution
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (lift, reconciliation, attributed)
    });
    let attributed = attributed?;
    let cohorts = cohorts_of();
    let has_spend = a.input.spend.is_some() || data.exposures.cost.iter().any(|&c| c != 0.0);
    let spans: Vec<Option<(Micros, Micros)>> = cohorts.iter().map(|c| c.exposed_span).collect();
    let spend_totals = economics::channel_spend(&data.exposures, &data.spend, &spans);
    if has_spend {
        let exposed_all: Vec<u64> = cohorts.iter().map(|c| c.exposed_all).collect();
        let has_control: Vec<bool> = cohorts.iter().map(|c| !c.control.is_empty()).collect();
        apply_economics(
            &data.channels,
            &exposed_all,
            &has_control,
            &spend_totals,
            &mut lift,
            settings.hurdle_iroas,
            &mut warnings,
        );
    }
    let (results, calibration) = calibrate(attributed, &lift, &data.channels, &settings);
    let (mut attribution, attribution_totals) = super::attribute::sections(results, &data.channels);
    if has_spend {
        apply_attribution_cac(&mut attribution, &data.channels, &spend_totals);
    }
    let export: NeumaierSum = data.orders.revenue.iter().copied().collect();
    let decomposition = decompose(export.value(), &lift, &settings.windows);
    warnings.extend(reconcile_warnings);
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        as_of: Some(time::format_timestamp(as_of)),
        inputs: loaded
            .files
            .iter()
            .filter_map(|(k, f)| f.info.clone().map(|i| (k.to_string(), i)))
            .collect(),
        config: serde_json::to_value(&settings).map_err(|e| Error::Internal(e.to_string()))?,
        lift,
        attribution,
        attribution_totals,
        decomposition,
        calibration,
        reconciliation,
        markov: None,
        warnings,
    };
    progress.step("writing the report");
    outcome(&report, &settings, a)
}

/// The rendered report, with exit code 3 and a note per failed check.
pub fn outcome(report: &Report, settings: &RunSettings, a: &RunArgs) -> Result<Outcome, Error> {
    let failed = failed_checks(report, &settings.fail_on);
    let bytes = crate::export::render(report, settings.format)?;
    Ok(Outcome {
        bytes,
        output: a.output.output.clone(),
        code: if failed.is_empty() { 0 } else { 3 },
        notes: failed,
    })
}

/// The attributed CAC of every attribution row: the channel's spend over
/// its credited conversions.
pub fn apply_attribution_cac(
    attribution: &mut [crate::report::AttributionRow],
    channels: &[String],
    spend_totals: &[Option<f64>],
) {
    for r in attribution {
        let total = channels
            .iter()
            .position(|n| *n == r.channel)
            .and_then(|c| spend_totals.get(c).copied().flatten());
        r.cac = total
            .filter(|_| r.conversions > 0.0)
            .map(|t| t / r.conversions);
    }
}

/// Spend, iCAC, iROAS and the decision of every lift row.
///
/// Per channel code: `exposed_all` = `n_e_all`, `has_control` = whether the
/// channel has control users, `totals` = its spend over the exposure period.
pub fn apply_economics(
    channels: &[String],
    exposed_all: &[u64],
    has_control: &[bool],
    totals: &[Option<f64>],
    rows: &mut [LiftRow],
    hurdle: f64,
    warnings: &mut Vec<Warning>,
) {
    let by_name: BTreeMap<&str, usize> = channels
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    for r in rows.iter_mut() {
        let Some(&c) = by_name.get(r.channel.as_str()) else {
            continue;
        };
        let (Some(total), n_e_all) = (totals[c], exposed_all[c]) else {
            continue;
        };
        if n_e_all == 0 {
            continue;
        }
        let spend = total * r.exposed.users as f64 / n_e_all as f64;
        r.spend = Some(spend);
        r.icac = economics::icac(spend, r.incremental_conversions.estimate);
        if r.icac.is_none()
            && r.segment.is_none()
            && let Some(ic) = r.incremental_conversions.estimate
        {
            warnings.push(Warning::new(
                WarningCode::IcacUndefined,
                format!(
                    "channel {}, window {}: incremental conversions are {ic:.1} (≤ 0), so the incremental CAC is undefined (null)",
                    r.channel, r.window_days
                ),
            ));
        }
        if spend > 0.0 {
            let k = 1.0 / spend;
            let ir = &r.incremental_revenue;
            let iroas = Interval {
                estimate: ir.estimate.map(|v| v * k),
                ci_low: ir.ci_low.map(|v| v * k),
                ci_high: ir.ci_high.map(|v| v * k),
            };
            r.decision = Some(Decision {
                hurdle_iroas: hurdle,
                verdict: economics::verdict(iroas.ci_low, iroas.ci_high, hurdle).to_string(),
            });
            r.iroas = Some(iroas);
        }
    }
    let no_spend: Vec<&str> = (0..channels.len())
        .filter(|&c| has_control[c] && totals[c].is_some_and(|t| t == 0.0))
        .map(|c| channels[c].as_str())
        .collect();
    if !no_spend.is_empty() {
        warnings.push(Warning::new(
            WarningCode::NoSpend,
            format!("no spend is recorded for {} during its exposure period: iROAS and decision are null", no_spend.join(", ")),
        ));
    }
}

/// Every window's attribution by every model, and what each model credits
/// to each channel's exposed test users: see [`attribute_all`].
struct Attributed {
    /// Per window of the run (in its order): the window, its totals, the
    /// models' results and `credited[model][experiment]`.
    windows: Vec<(u16, crate::attribution::Totals, AttributedWindow)>,
    /// Per window of the run: the channel of each experiment.
    channels: Vec<Vec<u16>>,
}

type AttributedWindow = (Vec<crate::attribution::ModelResult>, Vec<Vec<f64>>);

/// Every model's attribution, with the credits of every channel's possible
/// experiment (its exposed cohort, in every window), in one pass over every
/// window's paths ([`crate::calibration::attribute_and_credit`], spread over
/// the machine's cores with a result that does not depend on their number).
/// The lift estimates are not needed: [`calibrate`] keeps the experiments
/// that have one.
fn attribute_all<'c>(
    data: &Dataset,
    cohorts: &impl Fn() -> &'c Vec<ChannelCohort>,
    s: &RunSettings,
    as_of: Micros,
) -> Result<Attributed, Error> {
    use crate::attribution::{Touchpoints, build_nested};
    use crate::calibration::{Experiment, attribute_and_credit, experiments_per_window};
    let tp = Touchpoints::from_exposures(&data.exposures);
    let paths = build_nested(&tp, &data.orders, &s.windows);
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
        super::threads(),
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let mut windows = Vec::with_capacity(s.windows.len());
    let mut channels = Vec::with_capacity(s.windows.len());
    for &w in &s.windows {
        let Some(i) = paths.windows.iter().position(|&x| x == w) else {
            continue;
        };
        windows.push((w, paths.totals[i], std::mem::take(&mut per_window[i])));
        channels.push(here[i].iter().map(|e| e.channel).collect());
    }
    Ok(Attributed { windows, channels })
}

/// The windows' attribution results, and the calibration rows of every
/// experiment: a (channel, window) lift row of all users with an estimate.
fn calibrate(
    attributed: Attributed,
    lift: &[LiftRow],
    channel_names: &[String],
    s: &RunSettings,
) -> (
    Vec<crate::attribution::WindowAttribution>,
    Vec<crate::calibration::CalibrationRow>,
) {
    use crate::attribution::WindowAttribution;
    use crate::calibration::{Measured, push_rows};
    let mut results = Vec::with_capacity(attributed.windows.len());
    let mut calibration = Vec::new();
    for ((w, totals, (models, credited)), channels) in
        attributed.windows.into_iter().zip(attributed.channels)
    {
        // The experiments of the window with an estimate, and their
        // columns of `credited`.
        let mut measured: Vec<Measured> = Vec::new();
        let mut columns: Vec<usize> = Vec::new();
        for r in lift
            .iter()
            .filter(|r| r.window_days == w && r.segment.is_none())
        {
            let ir = &r.incremental_revenue;
            let (Some(estimate), Some(k)) = (
                ir.estimate,
                channels
                    .iter()
                    .position(|&c| channel_names.get(usize::from(c)) == Some(&r.channel)),
            ) else {
                continue;
            };
            measured.push((channels[k], (estimate, ir.ci_low, ir.ci_high)));
            columns.push(k);
        }
        let credited: Vec<Vec<f64>> = credited
            .iter()
            .map(|per| columns.iter().map(|&k| per[k]).collect())
            .collect();
        let attributed = |_: u16, m: crate::attribution::Model, c: u16| {
            models
                .iter()
                .find(|r| r.model == m)
                .and_then(|r| r.credits.iter().find(|x| x.channel == c))
                .map_or(0.0, |x| x.revenue)
        };
        push_rows(
            w,
            &measured,
            &s.models,
            &credited,
            channel_names,
            &attributed,
            &mut calibration,
        );
        results.push(WindowAttribution {
            window_days: w,
            totals,
            models,
        });
    }
    crate::calibration::sort_rows(&mut calibration);
    (results, calibration)
}

/// Export revenue = Σ incremental revenue of the tested channels + baseline.
pub fn decompose(
    export_net_revenue: f64,
    lift: &[LiftRow],
    windows: &[u16],
) -> Vec<crate::report::Decomposition> {
    use crate::report::{ChannelAmount, Decomposition};
    let export = crate::reconcile::round_cents(export_net_revenue);
    windows
        .iter()
        .map(|&w| {
            let incremental: Vec<ChannelAmount> = lift
                .iter()
                .filter(|r| r.window_days == w && r.segment.is_none())
                .filter_map(|r| {
                    Some(ChannelAmount {
                        channel: r.channel.clone(),
                        amount: r.incremental_revenue.estimate?,
                    })
                })
                .collect();
            let total: NeumaierSum = incremental.iter().map(|c| c.amount).collect();
            let total = total.value();
            Decomposition {
                window_days: w,
                export_revenue: export,
                incremental,
                incremental_total: total,
                baseline_revenue: export - total,
            }
        })
        .collect()
}
