//! The reference implementation: every model on every window, one after
//! the other, in the plainest way.
//!
//! [`reference_run`] builds each window's paths on their own and runs each model
//! on them with [`attribute_window`]. It states what every model gives:
//! the conservation tests (here and in `tests/cli/properties.rs`) run it,
//! and the benches time it as the baseline. The reports use the production
//! pass, `crate::reduce::attribution::attribute_and_credit`, which gives the same
//! credits from one pass over the paths of every window (its tests compare
//! it with [`attribute_window`], window by window).

use super::{Model, Params, Touchpoints, WindowAttribution, attribute_window, build_paths};
use crate::model::{Exposures, Orders};

/// Builds paths once per window and runs every model for every window: the
/// reference implementation (the production pass is
/// `crate::reduce::attribution::attribute_and_credit`).
///
/// `n_channels` is the size of the channel name table (codes beyond it are
/// still credited). Models are run in the order given.
pub fn reference_run(
    exposures: &Exposures,
    orders: &Orders,
    n_channels: usize,
    windows: &[u16],
    models: &[Model],
    params: &Params,
) -> Vec<WindowAttribution> {
    let touchpoints = Touchpoints::from_exposures(exposures);
    windows
        .iter()
        .map(|&w| {
            let paths = build_paths(&touchpoints, orders, w);
            let results = models
                .iter()
                .map(|&m| attribute_window(&touchpoints, &paths, m, params, n_channels))
                .collect();
            WindowAttribution {
                window_days: w,
                models: results,
                totals: paths.totals,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::test_data::{
        assert_conservation, close, credit, exposures, orders, random_data,
    };
    use crate::attribution::{Touchpoints, build_paths};
    use crate::model::Group::{Exposed, Organic};

    #[test]
    fn ties_in_timestamp_keep_file_order() {
        // Both touches at the same instant: channel 3 comes first in the file.
        let e = exposures(&[(0, 3, 1.0, Exposed), (0, 1, 1.0, Organic)]);
        let o = orders(&[(0, 2.0, 8.0)]);
        let r = reference_run(
            &e,
            &o,
            4,
            &[30],
            &[Model::FirstTouch, Model::LastTouch],
            &Params::default(),
        );
        assert_eq!(credit(&r[0].models[0], 3), (1.0, 8.0));
        assert_eq!(credit(&r[0].models[0], 1), (0.0, 0.0));
        assert_eq!(credit(&r[0].models[1], 1), (1.0, 8.0));
    }

    #[test]
    fn order_before_the_first_touch_is_unattributed() {
        let e = exposures(&[(0, 0, 5.0, Exposed)]);
        let o = orders(&[(0, 1.0, 20.0), (0, 6.0, 30.0)]);
        let r = reference_run(&e, &o, 1, &[30], &Model::ALL, &Params::default());
        let t = r[0].totals;
        assert_eq!((t.conversions, t.unattributed_conversions), (2, 1));
        assert!(close(t.revenue, 50.0) && close(t.unattributed_revenue, 20.0));
        for m in &r[0].models {
            assert_eq!(credit(m, 0), (1.0, 30.0), "{}", m.model);
        }
    }

    #[test]
    fn refunds_are_never_attributed_but_enter_net_revenue() {
        let e = exposures(&[(0, 0, 1.0, Exposed), (1, 1, 1.0, Exposed)]);
        let o = orders(&[(0, 2.0, 100.0), (0, 3.0, -40.0), (1, 2.0, -15.0)]);
        let r = reference_run(&e, &o, 2, &[30], &Model::ALL, &Params::default());
        let t = r[0].totals;
        assert_eq!(t.conversions, 1);
        assert!(close(t.revenue, 100.0) && close(t.refunds, -55.0) && close(t.net_revenue, 45.0));
        for m in &r[0].models {
            assert_eq!(credit(m, 0), (1.0, 100.0), "{}", m.model);
            assert_eq!(credit(m, 1), (0.0, 0.0), "{}", m.model);
        }
        // User 1 has an order row (a refund), so no non-converting path either.
        let tp = Touchpoints::from_exposures(&e);
        assert!(build_paths(&tp, &o, 30).non_converting.is_empty());
    }

    #[test]
    fn empty_inputs_give_zero_totals_and_no_credits() {
        let r = reference_run(
            &Exposures::default(),
            &Orders::default(),
            0,
            &[30],
            &Model::ALL,
            &Params::default(),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].totals.conversions, 0);
        assert!(r[0].models.iter().all(|m| m.credits.is_empty()));
    }

    #[test]
    fn conservation_holds_for_every_model_and_window_on_random_data() {
        for seed in 0..5 {
            let (e, o) = random_data(seed, 400);
            let params = Params {
                markov_order: 1 + (seed as usize % 3),
                ..Params::default()
            };
            let result = reference_run(&e, &o, 4, &[1, 7, 30, 90], &Model::ALL, &params);
            assert_eq!(result.len(), 4);
            for w in &result {
                assert_eq!(w.models.len(), Model::ALL.len());
                assert_conservation(w);
            }
            // Longer windows leave fewer conversions unattributed.
            let un: Vec<u64> = result
                .iter()
                .map(|w| w.totals.unattributed_conversions)
                .collect();
            assert!(un.windows(2).all(|p| p[0] >= p[1]), "{un:?}");
        }
    }
}
