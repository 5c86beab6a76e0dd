//! Economics of the lift and attribution rows: spend, incremental CAC,
//! iROAS with its interval, and the scale / cut decision against the hurdle
//! (the formulas are in [`crate::economics`]); the attributed CAC of every
//! attribution row.

use crate::economics;
use crate::report::{AttributionRow, Decision, Interval, LiftRow};
use crate::summary::Summary;
use crate::warning::{Warning, WarningCode};
use std::collections::BTreeMap;

/// Applies the spend of `summary` (when it has any) to the lift rows: see
/// `apply_economics`.
pub fn apply(
    summary: &Summary,
    rows: &mut [LiftRow],
    hurdles: Hurdles,
    warnings: &mut Vec<Warning>,
) {
    let Some(totals) = &summary.spend else {
        return;
    };
    let n = summary.channels.len();
    let mut exposed_all = vec![0u64; n];
    let mut has_control = vec![false; n];
    for c in &summary.cohorts {
        exposed_all[usize::from(c.channel)] = c.exposed_all;
        has_control[usize::from(c.channel)] = c.control_users > 0;
    }
    apply_economics(
        &summary.channels,
        &exposed_all,
        &has_control,
        totals,
        rows,
        hurdles,
        warnings,
    );
}

/// The hurdles of the decision, and its basis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hurdles {
    /// Hurdle iROAS.
    pub iroas: f64,
    /// Hurdle iPOAS, when the decision is taken on profit.
    pub ipoas: Option<f64>,
}

/// The attributed CAC of every attribution row: the channel's spend over
/// its credited conversions.
pub fn apply_attribution_cac(
    attribution: &mut [AttributionRow],
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
fn apply_economics(
    channels: &[String],
    exposed_all: &[u64],
    has_control: &[bool],
    totals: &[Option<f64>],
    rows: &mut [LiftRow],
    hurdles: Hurdles,
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
        let map = |i: &Interval, f: &dyn Fn(f64) -> f64| Interval {
            estimate: i.estimate.map(f),
            ci_low: i.ci_low.map(f),
            ci_high: i.ci_high.map(f),
        };
        r.net_return = r.incremental_profit.map(|ip| map(&ip, &|v| v - spend));
        if spend > 0.0 {
            let k = 1.0 / spend;
            let iroas = map(&r.incremental_revenue, &|v| v * k);
            r.ipoas = r.incremental_profit.map(|ip| map(&ip, &|v| v * k));
            let (basis, on, hurdle) = match (hurdles.ipoas, r.ipoas) {
                (Some(h), Some(ipoas)) => ("profit", ipoas, h),
                _ => ("revenue", iroas, hurdles.iroas),
            };
            r.decision = Some(Decision {
                basis: basis.to_string(),
                hurdle_iroas: hurdles.iroas,
                hurdle_ipoas: hurdles.ipoas,
                verdict: economics::verdict(on.ci_low, on.ci_high, hurdle).to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Tested;
    use crate::summary::CohortCounts;

    const REVENUE_BASIS: Hurdles = Hurdles {
        iroas: 1.0,
        ipoas: None,
    };

    fn summary(spend: f64) -> Summary {
        Summary {
            channels: vec!["email".to_string()],
            cohorts: vec![CohortCounts {
                channel: 0,
                exposed_users: 180,
                control_users: 20,
                exposed_all: 200,
                ..CohortCounts::default()
            }],
            spend: Some(vec![Some(spend)]),
            ..Summary::default()
        }
    }

    fn row(users: u64, revenue: [f64; 3], conversions: f64) -> LiftRow {
        let mut r = LiftRow {
            channel: "email".to_string(),
            window_days: 30,
            incremental_revenue: Interval {
                estimate: Some(revenue[0]),
                ci_low: Some(revenue[1]),
                ci_high: Some(revenue[2]),
            },
            incremental_conversions: Interval {
                estimate: Some(conversions),
                ..Interval::default()
            },
            ..LiftRow::default()
        };
        r.exposed.users = users;
        r.revenue_per_user_lift_raw = Tested::default();
        r
    }

    #[test]
    fn spend_is_prorated_by_exposed_users_and_iroas_decides_against_the_hurdle() {
        // 100 of spend over n_e_all = 200 users; the row has 50 exposed users.
        let mut rows = vec![row(50, [75.0, 30.0, 120.0], 5.0)];
        let mut warnings = Vec::new();
        apply(&summary(100.0), &mut rows, REVENUE_BASIS, &mut warnings);
        let r = &rows[0];
        assert_eq!(r.spend, Some(25.0));
        assert_eq!(r.icac, Some(5.0));
        let iroas = r.iroas.expect("an iROAS with spend");
        assert_eq!(
            (iroas.estimate, iroas.ci_low, iroas.ci_high),
            (Some(3.0), Some(1.2), Some(4.8))
        );
        assert_eq!(
            r.decision.as_ref().map(|d| d.verdict.as_str()),
            Some("scale")
        );
        assert!(warnings.is_empty());

        let mut rows = vec![row(50, [75.0, 30.0, 120.0], 5.0)];
        apply(
            &summary(100.0),
            &mut rows,
            Hurdles {
                iroas: 2.0,
                ipoas: None,
            },
            &mut warnings,
        );
        assert_eq!(
            rows[0].decision.as_ref().map(|d| d.verdict.as_str()),
            Some("inconclusive"),
            "1.2 < hurdle 2 < 4.8"
        );
    }

    #[test]
    fn no_spend_and_a_negative_conversion_lift_are_warned_about() {
        let mut rows = vec![row(50, [75.0, 30.0, 120.0], -1.0)];
        let mut warnings = Vec::new();
        apply(&summary(0.0), &mut rows, REVENUE_BASIS, &mut warnings);
        let codes: Vec<WarningCode> = warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, [WarningCode::IcacUndefined, WarningCode::NoSpend]);
        assert_eq!(rows[0].icac, None);
        assert_eq!(rows[0].iroas, None, "no iROAS without spend");
    }

    #[test]
    fn without_spend_data_rows_are_left_alone() {
        let mut rows = vec![row(50, [75.0, 30.0, 120.0], 5.0)];
        let mut warnings = Vec::new();
        let s = Summary {
            spend: None,
            ..summary(100.0)
        };
        apply(&s, &mut rows, REVENUE_BASIS, &mut warnings);
        assert_eq!(rows[0].spend, None);
        assert!(warnings.is_empty());
    }
}
