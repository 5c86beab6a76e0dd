//! Calibration of attribution by experiments.
//!
//! For a channel with a holdout, the experiment measures the revenue the
//! channel caused among its exposed test users; each attribution model credits
//! the channel with part of those same users' revenue. On that common basis —
//! the conversions of the channel's mature exposed users in `[t0, t0 + W)` —
//!
//! ```text
//! factor(model, channel, W) = incremental revenue (experiment)
//!                           / revenue the model credits to the channel
//! calibrated revenue        = factor × the model's attributed revenue of the
//!                             channel over all conversions
//! ```
//! A factor below 1 means the model over-credits the channel against causal
//! truth; above 1, it under-credits it. The credits on the test users come
//! from the summary (the in-process attribution pass, or the warehouse's
//! calibration aggregates); the experiments' estimates from the lift rows.

use crate::attribution::Model;
use crate::report::{CalibrationRow, LiftRow};
use crate::summary::WindowCredits;

/// An experiment's channel with its incremental revenue estimate and interval.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Measured {
    /// Channel code.
    channel: u16,
    /// Headline estimate.
    estimate: f64,
    /// Lower end of its interval.
    ci_low: Option<f64>,
    /// Upper end.
    ci_high: Option<f64>,
}

/// The calibration rows of every experiment: a (channel, window) lift row of
/// all users with an estimate, whose channel the window's attribution
/// credited among its test users. Sorted by (window, model, channel).
pub fn rows(
    windows: &[WindowCredits],
    lift: &[LiftRow],
    channel_names: &[String],
    models: &[Model],
) -> Vec<CalibrationRow> {
    let mut out = Vec::new();
    for w in windows {
        // The experiments of the window with an estimate, and what each
        // model credits to them.
        let mut measured: Vec<Measured> = Vec::new();
        let mut credited: Vec<&[f64]> = Vec::new();
        for r in lift
            .iter()
            .filter(|r| r.window_days == w.window_days && r.segment.is_none())
        {
            let ir = &r.incremental_revenue;
            let (Some(estimate), Some(e)) = (
                ir.estimate,
                w.experiments
                    .iter()
                    .find(|e| channel_names.get(usize::from(e.channel)) == Some(&r.channel)),
            ) else {
                continue;
            };
            measured.push(Measured {
                channel: e.channel,
                estimate,
                ci_low: ir.ci_low,
                ci_high: ir.ci_high,
            });
            credited.push(&e.credited);
        }
        let attributed_total = |m: Model, c: u16| {
            w.models
                .iter()
                .find(|r| r.model == m)
                .and_then(|r| r.credits.iter().find(|x| x.channel == c))
                .map_or(0.0, |x| x.revenue)
        };
        for (e, credited) in measured.iter().zip(&credited) {
            for (j, &m) in models.iter().enumerate() {
                let credit = credited.get(j).copied().unwrap_or(0.0);
                let ratio = |v: f64| (credit > 0.0).then(|| v / credit);
                let total = attributed_total(m, e.channel);
                let factor = ratio(e.estimate);
                out.push(CalibrationRow {
                    window_days: w.window_days,
                    model: m.name().to_string(),
                    channel: channel_names[usize::from(e.channel)].clone(),
                    attributed_revenue_test: credit,
                    incremental_revenue: e.estimate,
                    factor,
                    factor_ci_low: e.ci_low.and_then(ratio),
                    factor_ci_high: e.ci_high.and_then(ratio),
                    attributed_revenue: total,
                    calibrated_revenue: factor.map(|f| f * total),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (a.window_days, &a.model, &a.channel).cmp(&(b.window_days, &b.model, &b.channel))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{ChannelCredit, ModelResult, Totals};
    use crate::report::Interval;
    use crate::summary::ExperimentCredits;

    fn row(channel: &str, estimate: Option<f64>) -> LiftRow {
        LiftRow {
            channel: channel.to_string(),
            window_days: 30,
            incremental_revenue: Interval {
                estimate,
                ci_low: estimate.map(|e| e / 2.0),
                ci_high: estimate.map(|e| e * 1.5),
            },
            ..LiftRow::default()
        }
    }

    #[test]
    fn the_factor_is_the_experiment_over_the_credit_on_its_test_users() {
        let channels = [
            "email".to_string(),
            "social".to_string(),
            "push".to_string(),
        ];
        let credit = |channel, revenue| ChannelCredit {
            channel,
            conversions: 1.0,
            revenue,
        };
        let windows = [WindowCredits {
            window_days: 30,
            totals: Totals {
                conversions: 0,
                revenue: 0.0,
                unattributed_conversions: 0,
                unattributed_revenue: 0.0,
                refunds: 0.0,
                net_revenue: 0.0,
            },
            models: vec![ModelResult {
                model: Model::LastTouch,
                credits: vec![credit(0, 400.0), credit(1, 90.0)],
            }],
            experiments: vec![
                ExperimentCredits {
                    channel: 0,
                    credited: vec![200.0],
                },
                ExperimentCredits {
                    channel: 1,
                    credited: vec![0.0],
                },
            ],
            explained: None,
        }];
        // push has an estimate but no experiment; a row without an estimate
        // is no experiment either.
        let lift = [
            row("email", Some(100.0)),
            row("social", Some(30.0)),
            row("push", Some(10.0)),
        ];
        let rows = rows(&windows, &lift, &channels, &[Model::LastTouch]);
        assert_eq!(rows.len(), 2);
        let email = &rows[0];
        assert_eq!(email.channel, "email");
        assert_eq!(email.attributed_revenue_test, 200.0);
        assert_eq!(email.factor, Some(0.5));
        assert_eq!(
            (email.factor_ci_low, email.factor_ci_high),
            (Some(0.25), Some(0.75))
        );
        assert_eq!(email.attributed_revenue, 400.0);
        assert_eq!(email.calibrated_revenue, Some(200.0));
        let social = &rows[1];
        assert_eq!(social.factor, None, "the model credits nothing");
        assert_eq!(social.calibrated_revenue, None);
        assert_eq!(social.attributed_revenue, 90.0);
    }
}
