//! The revenue decomposition: per window, the export's net revenue as the
//! sum of the tested channels' incremental revenue and a baseline (what the
//! tests do not attribute to any tested channel).

use crate::model::Window;
use crate::reconcile::round_cents;
use crate::report::{ChannelAmount, Decomposition, LiftRow};
use crate::stats::sum::NeumaierSum;

/// Export revenue = Σ incremental revenue of the tested channels + baseline.
pub fn decompose(
    export_net_revenue: f64,
    lift: &[LiftRow],
    windows: &[Window],
) -> Vec<Decomposition> {
    let export = round_cents(export_net_revenue);
    windows
        .iter()
        .map(|&w| {
            let w = w.days();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Interval;

    fn row(channel: &str, w: u16, estimate: Option<f64>) -> LiftRow {
        LiftRow {
            channel: channel.to_string(),
            window_days: w,
            incremental_revenue: Interval {
                estimate,
                ..Interval::default()
            },
            ..LiftRow::default()
        }
    }

    #[test]
    fn the_baseline_is_the_export_less_the_tested_channels_increments() {
        let lift = [
            row("email", 30, Some(100.0)),
            row("social", 30, Some(50.5)),
            row("push", 30, None),
            row("email", 60, Some(-20.0)),
            LiftRow {
                segment: Some("new".to_string()),
                ..row("email", 30, Some(1e6))
            },
        ];
        let d = decompose(1000.004, &lift, &[Window(30), Window(60)]);
        assert_eq!(d[0].export_revenue, 1000.0, "rounded to the cent");
        assert_eq!(d[0].incremental.len(), 2, "no estimate, no segment rows");
        assert_eq!(d[0].incremental_total, 150.5);
        assert_eq!(d[0].baseline_revenue, 849.5);
        assert_eq!(d[1].baseline_revenue, 1020.0);
    }
}
