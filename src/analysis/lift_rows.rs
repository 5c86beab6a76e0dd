//! The lift rows: one per (channel, window, segment) with both arms, their
//! estimates, the sample-ratio check, and the Holm adjustment of the
//! headline p-values within each (window, segment) family.
//!
//! Rows come out in a stable order (window, segment with all users first,
//! channel) and their warnings in the order of the summary's cells, so the
//! same summary always gives the same bytes.

use super::reading;
use crate::io::time;
use crate::lift::{self, LiftSettings};
use crate::model::Micros;
use crate::report::RunSettings;
use crate::report::{CapValues, Capping, Excluded, LiftRow, Placebo, PreCaps, SrmCheck};
use crate::stats::{holm::holm, srm};
use crate::summary::{CohortCounts, LiftCell, Summary};
use crate::warning::{Warning, WarningCode};
use std::collections::BTreeMap;

/// Every lift row of the summary, sorted and Holm-adjusted, with the
/// warnings of its channels and rows.
pub fn rows(summary: &Summary, s: &RunSettings, warnings: &mut Vec<Warning>) -> Vec<LiftRow> {
    use rayon::prelude::*;
    // The estimates side by side (each row's bootstrap has its own seeded
    // stream), then rows and warnings in cell order.
    let estimates: Vec<Estimated> = summary
        .cells
        .par_iter()
        .enumerate()
        .map(|(i, cell)| {
            let name = &summary.channels[usize::from(cell.channel)];
            let settings = lift_settings(s, name, cell.segment.as_deref(), cell.window.days());
            let users = summary
                .users
                .as_ref()
                .and_then(|u| u.get(i))
                .map(|o| (o.exposed.arm(), o.control.arm()));
            let profit = cell
                .profit
                .map(|p| lift::estimate_profit(&p.exposed, &p.control, &settings));
            let est = lift::estimate_with_users(
                &cell.exposed,
                &cell.control,
                users.as_ref().map(|(e, c)| (e, c)),
                &settings,
            );
            let placebo = match (s.placebo, &users) {
                (Some(runs), Some((_, c))) if cell.segment.is_none() => {
                    let key = format!("placebo\u{1f}{name}\u{1f}{}", cell.window.days());
                    reading::placebo(c.y, runs, s.seed ^ fnv(key.as_bytes()), s.confidence)
                }
                _ => None,
            };
            Estimated {
                lift: est,
                profit,
                placebo,
            }
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

/// What is estimated of one cell, side by side with the others.
struct Estimated {
    lift: lift::LiftEstimate,
    profit: Option<lift::ProfitEstimate>,
    placebo: Option<Placebo>,
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
        sequential: s.sequential.then_some(s.sequential_tuning),
    }
}

fn date(t: Micros) -> String {
    time::format_date(time::day_of(t))
}

/// One lift row from its estimate: notes become warnings, SRM is checked.
fn lift_row(
    name: &str,
    cohort: &CohortCounts,
    cell: &LiftCell,
    estimated: Estimated,
    s: &RunSettings,
    warnings: &mut Vec<Warning>,
) -> LiftRow {
    let Estimated {
        lift: est,
        profit,
        placebo,
    } = estimated;
    let status = match (&cell.segment, s.plan.mde_for(name)) {
        (None, Some(mde)) => Some(reading::status(
            est.headline_test.as_ref(),
            (est.exposed.users, est.control.users),
            mde,
            s.confidence,
            s.plan.target_power,
            reading::enrollment_rate(cohort),
        )),
        _ => None,
    };
    let est = match &profit {
        Some(p) => est.with_profit(p),
        None => est,
    };
    let w = cell.window.days();
    for note in &est.notes {
        warnings.push(Warning::new(
            note.code,
            format!(
                "channel {name}, window {w}{}: {}",
                cell.segment
                    .as_ref()
                    .map(|s| format!(", segment {s}"))
                    .unwrap_or_default(),
                note.message
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
        test_start: cohort.exposed_span.map(|s| date(s.first)),
        test_end: cohort.exposed_span.map(|s| date(s.last)),
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
        profit_per_user_lift: profit.map(|p| p.lift.into()),
        profit_per_user_lift_raw: profit.map(|p| p.lift_raw.into()),
        incremental_profit: profit.map(|p| p.incremental.into()),
        cuped: est.cuped,
        capping: cell.capping.map(|c| Capping {
            quantile: s.cap,
            quantile_lower: s.cap_lower,
            revenue: CapValues {
                upper: c.revenue.upper,
                lower: c.revenue.lower,
                users_capped: c.users_capped,
            },
            pre_period: PreCaps {
                upper: c.pre_period.upper,
                lower: c.pre_period.lower,
            },
            profit: c.profit.map(|b| CapValues {
                upper: b.upper,
                lower: b.lower,
                users_capped: c.users_capped_profit.unwrap_or(0),
            }),
        }),
        srm: SrmCheck {
            expected_control_share: expected,
            p_value: p,
            flag: p.is_some_and(|p| p < srm::SRM_P_THRESHOLD),
        },
        balance: reading::balance(&cell.exposed, &cell.control, s.confidence),
        status,
        placebo,
        spend: None,
        icac: None,
        iroas: None,
        ipoas: None,
        net_return: None,
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
    reading::warn_rows(
        &rows,
        WarningCode::PrePeriodImbalance,
        |r| r.balance.flag,
        "the arms' pre-period revenue differs (Welch p < 0.001), so the split may not be random",
        warnings,
    );
    reading::warn_rows(
        &rows,
        WarningCode::PlaceboFalsePositives,
        |r| r.placebo.is_some_and(|p| p.flag),
        "placebo (A/A) splits of the control arm find more false positives than the confidence level allows: the intervals are too narrow for these data (try --cap)",
        warnings,
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lift::{Arm, ArmStats};

    struct Users {
        x: Vec<f64>,
        y: Vec<f64>,
        converted: Vec<bool>,
    }

    impl Users {
        fn new(y: &[f64], shift: f64) -> Self {
            Self {
                x: y.iter().map(|v| v * 0.5 + shift).collect(),
                y: y.to_vec(),
                converted: y.iter().map(|&v| v > 0.0).collect(),
            }
        }

        fn arm(&self) -> Arm<'_> {
            Arm {
                x: &self.x,
                y: &self.y,
                converted: &self.converted,
            }
        }
    }

    fn cell(channel: u16, w: u16, e: &Users, c: &Users) -> LiftCell {
        LiftCell {
            channel,
            window: crate::model::Window(w),
            segment: None,
            exposed: ArmStats::of(&e.arm()),
            control: ArmStats::of(&c.arm()),
            immature: 0,
            contaminated: 0,
            profit: None,
            capping: None,
        }
    }

    fn cohort(channel: u16, control_users: u64, contaminated: u64) -> CohortCounts {
        CohortCounts {
            channel,
            exposed_users: 6,
            control_users,
            contaminated,
            exposed_all: 6 + contaminated,
            exposed_span: None,
            labeled_span: None,
        }
    }

    #[test]
    fn rows_carry_the_estimates_and_holm_adjusts_within_each_window() {
        let strong = Users::new(&[9.0, 12.0, 0.0, 15.0, 11.0, 14.0], 1.0);
        let weak = Users::new(&[4.0, 6.0, 0.0, 5.0, 7.0, 3.0], 1.0);
        let base = Users::new(&[3.0, 5.0, 0.0, 4.0, 6.0, 2.0], 0.5);
        let summary = Summary {
            channels: vec!["email".to_string(), "social".to_string()],
            cohorts: vec![cohort(0, 6, 0), cohort(1, 6, 0)],
            cells: vec![
                cell(0, 30, &strong, &base),
                cell(0, 60, &strong, &base),
                cell(1, 30, &weak, &base),
            ],
            ..Summary::default()
        };
        let s = crate::analysis::test_settings(&[]);
        let mut warnings = Vec::new();
        let rows = rows(&summary, &s, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        let keys: Vec<(u16, &str)> = rows
            .iter()
            .map(|r| (r.window_days, r.channel.as_str()))
            .collect();
        assert_eq!(keys, [(30, "email"), (30, "social"), (60, "email")]);
        let settings = LiftSettings {
            confidence: 0.95,
            cuped: true,
            bootstrap: None,
            sequential: None,
        };
        let direct = lift::estimate(&strong.arm(), &base.arm(), &settings);
        let h = &rows[0].revenue_per_user_lift;
        assert_eq!(h.estimate, direct.revenue_per_user_lift.estimate);
        assert_eq!(h.p_value, direct.revenue_per_user_lift.p_value);
        // Holm over the two rows of window 30: the smaller p doubled, the
        // larger kept (and never below the first); window 60 alone.
        let (p1, p2) = (
            rows[0].revenue_per_user_lift.p_value.expect("a p-value"),
            rows[1].revenue_per_user_lift.p_value.expect("a p-value"),
        );
        let (lo, hi) = (p1.min(p2), p1.max(p2));
        let first = (2.0 * lo).min(1.0);
        let adjusted = |p: f64| if p == lo { first } else { hi.max(first) };
        assert_eq!(
            rows[0].revenue_per_user_lift.p_value_holm,
            Some(adjusted(p1))
        );
        assert_eq!(
            rows[1].revenue_per_user_lift.p_value_holm,
            Some(adjusted(p2))
        );
        assert_eq!(
            rows[2].revenue_per_user_lift.p_value_holm,
            rows[2].revenue_per_user_lift.p_value
        );
    }

    #[test]
    fn a_channel_without_control_users_is_warned_about_and_an_empty_one_skipped() {
        let e = Users::new(&[9.0, 12.0, 0.0], 1.0);
        let none = Users::new(&[], 0.0);
        let summary = Summary {
            channels: vec!["email".to_string(), "push".to_string()],
            cohorts: vec![
                cohort(0, 0, 2),
                CohortCounts {
                    channel: 1,
                    ..CohortCounts::default()
                },
            ],
            cells: vec![cell(0, 30, &e, &none)],
            ..Summary::default()
        };
        let s = crate::analysis::test_settings(&[]);
        let mut warnings = Vec::new();
        let rows = rows(&summary, &s, &mut warnings);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].revenue_per_user_lift.estimate, None);
        let codes: Vec<WarningCode> = warnings.iter().map(|w| w.code).collect();
        assert_eq!(
            codes,
            [
                WarningCode::NoControl,
                WarningCode::Contaminated,
                WarningCode::SmallArm
            ]
        );
    }
}
