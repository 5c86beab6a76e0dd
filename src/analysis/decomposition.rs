//! The revenue decomposition: per window, the export's net revenue as the
//! sum of the tested channels' incremental revenue and a baseline (what the
//! tests do not attribute to any tested channel).

use crate::reconcile::round_cents;
use crate::report::{ChannelAmount, Decomposition, LiftRow};
use crate::stats::sum::NeumaierSum;

/// Export revenue = Σ incremental revenue of the tested channels + baseline.
pub fn decompose(export_net_revenue: f64, lift: &[LiftRow], windows: &[u16]) -> Vec<Decomposition> {
    let export = round_cents(export_net_revenue);
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
