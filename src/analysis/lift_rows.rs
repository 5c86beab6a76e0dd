//! The lift rows: one per (channel, window, segment) with both arms, their
//! estimates, the sample-ratio check, and the Holm adjustment of the
//! headline p-values within each (window, segment) family.
//!
//! Rows come out in a stable order (window, segment with all users first,
//! channel) and their warnings in the order of the summary's cells, so the
//! same summary always gives the same bytes.

use crate::io::time;
use crate::lift::{self, LiftSettings};
use crate::model::Micros;
use crate::report::{Excluded, LiftRow, SrmCheck};
use crate::settings::RunSettings;
use crate::stats::{holm::holm, srm};
use crate::summary::{Cell, CohortCounts, Summary};
use crate::warning::{Warning, WarningCode};
use std::collections::BTreeMap;

/// Every lift row of the summary, sorted and Holm-adjusted, with the
/// warnings of its channels and rows.
pub fn rows(summary: &Summary, s: &RunSettings, warnings: &mut Vec<Warning>) -> Vec<LiftRow> {
    use rayon::prelude::*;
    // The estimates side by side (each row's bootstrap has its own seeded
    // stream), then rows and warnings in cell order.
    let estimates: Vec<lift::LiftEstimate> = summary
        .cells
        .par_iter()
        .enumerate()
        .map(|(i, cell)| {
            let name = &summary.channels[usize::from(cell.channel)];
            let settings = lift_settings(s, name, cell.segment.as_deref(), cell.window_days);
            let users = summary
                .users
                .as_ref()
                .and_then(|u| u.get(i))
                .map(|o| (o.exposed.arm(), o.control.arm()));
            lift::estimate_with_users(
                &cell.exposed,
                &cell.control,
                users.as_ref().map(|(e, c)| (e, c)),
                &settings,
            )
        })
        .collect();
    let mut rows = Vec::with_capacity(summary.cells.len());
    let mut next = summary.cells.iter().zip(estimates).peekable();
    for cohort in &summary.cohorts {
        if cohort.exposed_users == 0 && cohort.control_users == 0 && cohort.contaminated == 0 {
            continue;
        }
        let name = &summary.channels[usize::from(cohort.channel)];
        if cohort.control_users == 0 {
            warnings.push(Warning::new(WarningCode::NoControl, format!("channel {name} has no control users: its lift cannot be estimated (hold out a control group, or use `uplift attribute`)")));
        }
        if cohort.contaminated > 0 {
            warnings.push(Warning::new(WarningCode::Contaminated, format!("channel {name}: {} users carry both exposed and control labels and are excluded from its lift", cohort.contaminated)));
        }
        while let Some((cell, est)) = next.next_if(|(c, _)| c.channel == cohort.channel) {
            rows.push(lift_row(name, cohort, cell, est, s, warnings));
        }
    }
    finish(rows, warnings)
}

/// A 64-bit FNV-1a hash, to give each lift row its own bootstrap stream.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The estimate's settings for one lift row: its own stream of the seed.
fn lift_settings(s: &RunSettings, channel: &str, segment: Option<&str>, w: u16) -> LiftSettings {
    let key = format!("{channel}\u{1f}{}\u{1f}{w}", segment.unwrap_or(""));
    LiftSettings {
        confidence: s.confidence,
        cuped: s.cuped,
        bootstrap: s.bootstrap.map(|n| (n, s.seed ^ fnv(key.as_bytes()))),
    }
}

fn date(t: Micros) -> String {
    time::format_date(time::day_of(t))
}

/// One lift row from its estimate: notes become warnings, SRM is checked.
fn lift_row(
    name: &str,
    cohort: &CohortCounts,
    cell: &Cell,
    est: lift::LiftEstimate,
    s: &RunSettings,
    warnings: &mut Vec<Warning>,
) -> LiftRow {
    let w = cell.window_days;
    for (code, msg) in &est.notes {
        warnings.push(Warning::new(
            *code,
            format!(
                "channel {name}, window {w}{}: {msg}",
                cell.segment
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
        segment: cell.segment.clone(),
        window_days: w,
        test_start: cohort.exposed_span.map(|(a, _)| date(a)),
        test_end: cohort.exposed_span.map(|(_, b)| date(b)),
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
fn finish(mut rows: Vec<LiftRow>, warnings: &mut Vec<Warning>) -> Vec<LiftRow> {
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
