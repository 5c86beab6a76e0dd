//! The removal effects of a chain and the shares they give.
//!
//! A channel's removal effect is the share of the conversion probability
//! (and of the expected value) lost when every state containing it leads
//! to *null*. `Chain::removal_effects` picks how the walks are computed
//! (`solve.rs`: every removal walked together up to the horizon, or the
//! infinite horizon as one linear system) and `Chain::work` estimates what
//! that costs before anything runs, so that a chain over the work limit is
//! refused up front. The tests here check the model's credits on chains
//! worked out by hand and against the ChannelAttribution package.

use super::solve::{DENSE_MAX_STATES, Direct, MAX_INFINITE_STEPS};
use super::{Absorption, Chain, MarkovWork, Shares, infinite_walk_steps};
use crate::attribution::{ChannelShare, Horizon};
use crate::progress::Task;

impl Chain {
    /// What [`Chain::removal_effects`] costs at this horizon.
    pub(super) fn work(&self, horizon: Horizon) -> MarkovWork {
        let states = self.states.len();
        let transitions = self.edges.len();
        let walks = self.channels().len() + 1;
        let horizon = self.steps(horizon);
        let direct = horizon.is_none() && states <= DENSE_MAX_STATES;
        let per_step = (transitions + states) as f64 * walks as f64;
        let operations = match horizon {
            Some(k) => per_step * k as f64,
            None if direct => 2.0 * (states as f64).powi(3),
            None => per_step * infinite_walk_steps(self.longest) as f64,
        };
        MarkovWork {
            order: self.order,
            states,
            transitions,
            horizon,
            walks,
            longest: self.longest,
            direct,
            operations,
        }
    }

    /// The channel states a walk may visit at this horizon (`None`: any
    /// number).
    fn steps(&self, horizon: Horizon) -> Option<usize> {
        match horizon {
            Horizon::Auto => Some(self.longest + 1),
            Horizon::Steps(k) => Some(k.max(1)),
            Horizon::Infinite => None,
        }
    }

    /// Each channel's share of the conversions and of the revenue (empty
    /// when nothing converts).
    pub(super) fn shares(&self, horizon: Horizon) -> Shares {
        if self.conversions == 0 {
            return Shares {
                conversion: Vec::new(),
                value: Vec::new(),
            };
        }
        self.removal_effects(horizon).shares()
    }

    /// The removal effect of every channel at the given horizon.
    pub(super) fn removal_effects(&self, horizon: Horizon) -> Effects {
        let channels = self.channels();
        let removed: Vec<Vec<u32>> = channels
            .iter()
            .map(|&c| {
                (0..self.states.len() as u32)
                    .filter(|&s| self.states[s as usize].contains(c))
                    .collect()
            })
            .collect();
        let label = |what: &str| {
            format!(
                "Markov chain, order {} ({} states): {what}",
                self.order,
                self.states.len()
            )
        };
        let mut steps = self.steps(horizon);
        let mut solved = None;
        if let Some(k) = steps {
            let base = self.walk(&[Vec::new()], k, None, label("the whole chain"))[0];
            if base.conversion <= 0.0 && self.conversions > 0 {
                // N.B. a horizon shorter than every converting path leaves no
                // conversion to share out: fall back to the infinite horizon
                // rather than attribute nothing.
                steps = None;
            } else {
                let without = self.walk(&removed, k, Some(base), label("removal effects"));
                solved = Some((base, without));
            }
        }
        let (base, without) = match solved {
            Some(solved) => solved,
            None if self.states.len() <= DENSE_MAX_STATES => {
                let task = Task::new(label("direct solve"), 2 * self.states.len() as u64);
                let direct = Direct::new(self, &task);
                let without = removed.iter().map(|r| direct.without(r)).collect();
                (direct.base, without)
            }
            None => {
                let limit = MAX_INFINITE_STEPS;
                let base = self.walk(&[Vec::new()], limit, None, label("the whole chain"))[0];
                let without = self.walk(&removed, limit, Some(base), label("removal effects"));
                (base, without)
            }
        };
        let effect = |with: f64, without: f64| {
            if with > 0.0 {
                ((with - without) / with).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let effects = channels
            .iter()
            .zip(without)
            .map(|(&channel, without)| ChannelEffect {
                channel,
                conversion: effect(base.conversion, without.conversion),
                value: effect(base.value, without.value),
                without,
            })
            .collect();
        Effects {
            steps,
            base,
            effects,
        }
    }
}

/// One channel's removal effects, and the chain's absorption without it.
#[derive(Debug, Clone)]
pub(super) struct ChannelEffect {
    pub(super) channel: u16,
    /// `RE_c`.
    pub(super) conversion: f64,
    /// `RV_c`.
    pub(super) value: f64,
    pub(super) without: Absorption,
}

/// Every channel's removal effects at one horizon.
#[derive(Debug, Clone)]
pub(super) struct Effects {
    /// Channel states a walk may visit (`None`: unlimited).
    pub(super) steps: Option<usize>,
    pub(super) base: Absorption,
    pub(super) effects: Vec<ChannelEffect>,
}

impl Effects {
    pub(super) fn shares(&self) -> Shares {
        let normalise = |re: &dyn Fn(&ChannelEffect) -> f64| -> Vec<ChannelShare> {
            let total: f64 = self.effects.iter().map(re).sum();
            if total > 0.0 {
                self.effects
                    .iter()
                    .map(|e| ChannelShare {
                        channel: e.channel,
                        share: re(e) / total,
                    })
                    .collect()
            } else {
                Vec::new()
            }
        };
        let conversion = normalise(&|e| e.conversion);
        let mut value = normalise(&|e| e.value);
        if value.is_empty() {
            // N.B. no value reaches conversion (every converting path has
            // revenue 0, or only zero-revenue endings lie within the horizon):
            // revenue, if any, follows the conversion shares.
            value.clone_from(&conversion);
        }
        Shares { conversion, value }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_paths::{
        A, B, C, D, EPS, assert_credits, loop_paths, markov, params, path,
    };
    use crate::attribution::{Horizon, Params, channelattribution, explain_markov};

    #[test]
    fn a_loop_a_b_a_c_gives_the_hand_computed_removal_effects() {
        // Transitions (order 1): start→a 1, a→b 1, b→a 1, a→c 1, c→conv 1,
        // start→b 1, b→null 1. Row-normalised:
        //   start: a ½, b ½    a: b ½, c ½    b: a ½, null ½    c: conv 1
        // Longest collapsed path 4, so K = 5 channel states. Converting walks
        // within 5 states:
        //   a c          ½·½         = 1/4
        //   b a c        ½·½·½       = 1/8
        //   a b a c      ½·½·½·½     = 1/16
        //   b a b a c    ½⁵          = 1/32      (a b a b a c has 6: cut)
        // P = 15/32. Without a or without c nothing converts: RE = 1.
        // Without b only "a c" is left: RE_b = 1 − (1/4)/(15/32) = 7/15.
        // ΣRE = 37/15: a 15/37, b 7/37, c 15/37 of 1 conversion (and of 100).
        let explain =
            explain_markov(&loop_paths(), &Params::default()).expect("within the work limit");
        assert_eq!(explain.horizon, Some(5));
        assert_eq!(explain.longest_path, 4);
        assert!((explain.base_conversion_probability - 15.0 / 32.0).abs() < EPS);
        let re: Vec<f64> = explain
            .removal_effects
            .iter()
            .map(|e| e.conversion)
            .collect();
        assert!(
            (re[0] - 1.0).abs() < EPS
                && (re[1] - 7.0 / 15.0).abs() < EPS
                && (re[2] - 1.0).abs() < EPS,
            "{re:?}"
        );
        let s = 1.0 / 37.0;
        assert_credits(
            &markov(&loop_paths(), &Params::default()),
            &[
                (A, 15.0 * s, 1500.0 * s),
                (B, 7.0 * s, 700.0 * s),
                (C, 15.0 * s, 1500.0 * s),
            ],
        );
    }

    #[test]
    fn the_horizon_cuts_long_walks_or_lets_them_run_forever() {
        // Same chain as above.
        // Infinite: h(c) = 1, h(a) = ½h(b) + ½, h(b) = ½h(a) ⇒ h(a) = 2/3,
        //   h(b) = 1/3, P = ½·2/3 + ½·1/3 = 1/2; without b: 1/4 ⇒ RE_b = 1/2;
        //   shares 1 : ½ : 1 ⇒ 0.4, 0.2, 0.4.
        assert_credits(
            &markov(&loop_paths(), &params(1, Horizon::Infinite)),
            &[(A, 0.4, 40.0), (B, 0.2, 20.0), (C, 0.4, 40.0)],
        );
        // 3 states: "a c" (1/4) + "b a c" (1/8) = 3/8; without b 1/4 ⇒ RE_b = 1/3;
        //   shares 1 : 1/3 : 1 ⇒ 3/7, 1/7, 3/7.
        assert_credits(
            &markov(&loop_paths(), &params(1, Horizon::Steps(3))),
            &[
                (A, 3.0 / 7.0, 300.0 / 7.0),
                (B, 1.0 / 7.0, 100.0 / 7.0),
                (C, 3.0 / 7.0, 300.0 / 7.0),
            ],
        );
        // 2 states: only "a c"; b is never needed ⇒ RE_b = 0.
        assert_credits(
            &markov(&loop_paths(), &params(1, Horizon::Steps(2))),
            &[(A, 0.5, 50.0), (B, 0.0, 0.0), (C, 0.5, 50.0)],
        );
    }

    #[test]
    fn a_horizon_shorter_than_every_converting_path_falls_back_to_infinite() {
        // With 1 state no walk reaches c; rather than attribute nothing, the
        // infinite horizon is used (and reported).
        let explain = explain_markov(&loop_paths(), &params(1, Horizon::Steps(1)))
            .expect("within the work limit");
        assert_eq!(explain.horizon, None);
        assert!((explain.base_conversion_probability - 0.5).abs() < EPS);
        assert_credits(
            &markov(&loop_paths(), &params(1, Horizon::Steps(1))),
            &[(A, 0.4, 40.0), (B, 0.2, 20.0), (C, 0.4, 40.0)],
        );
    }

    #[test]
    fn repeats_are_collapsed_before_the_chain_is_built() {
        // a > a > b is a > b at order 1: identical results.
        let with_repeats = [path(&[A, A, B], 2, 50.0, 1), path(&[B, B], 0, 0.0, 2)];
        let collapsed = [path(&[A, B], 2, 50.0, 1), path(&[B], 0, 0.0, 2)];
        assert_eq!(
            markov(&with_repeats, &Params::default()),
            markov(&collapsed, &Params::default())
        );
        let explain =
            explain_markov(&with_repeats, &Params::default()).expect("within the work limit");
        assert_eq!(explain.states, vec![vec![A], vec![B]]);
        assert!(!explain.transitions.iter().any(|t| t.from == t.to));
    }

    #[test]
    fn single_touch_paths_keep_their_own_conversions() {
        // start: a 2/4, b 2/4; a → conv 1; b → conv ½, null ½. P = 3/4.
        // Without a: 1/4 ⇒ RE_a = 2/3; without b: 1/2 ⇒ RE_b = 1/3.
        // Shares 2/3, 1/3 of 3 conversions: 2 and 1, as the paths themselves.
        // Value: v(a) = 30, v(b) = 12: V = ½·30 + ¼·12 = 18, without a 3 ⇒
        // RV_a = 5/6, without b 15 ⇒ RV_b = 1/6: 60 and 12 of 72.
        let paths = [path(&[A], 2, 60.0, 0), path(&[B], 1, 12.0, 1)];
        assert_credits(
            &markov(&paths, &Params::default()),
            &[(A, 2.0, 60.0), (B, 1.0, 12.0)],
        );
    }

    #[test]
    fn order_two_gives_the_hand_computed_removal_effects() {
        // Paths (a b c d = 0 1 2 3):
        //   a > b > c     1 conv, 30   states (a,b) (b,c)
        //   a > c         1 conv, 10   state  (a,c)
        //   b             1 null       state  (b)        (shorter than k)
        //   a > a > b     1 null       states (a,a) (a,b)
        // start: (a,b) ¼, (a,c) ¼, (b) ¼, (a,a) ¼
        // (a,b): (b,c) ½, null ½   (b,c): conv   (a,c): conv   (b): null
        // (a,a): (a,b) 1.  Longest 2 states ⇒ K = 3.
        // P = ¼·½ [(a,b)(b,c)] + ¼ [(a,c)] + ¼·1·½ [(a,a)(a,b)(b,c)] = 1/2
        // Without a (all of (a,·)): 0 ⇒ RE_a = 1. Without c: 0 ⇒ RE_c = 1.
        // Without b ((a,b), (b,c), (b)): ¼ ⇒ RE_b = 1/2.  ΣRE = 5/2.
        // Conversions (2): a 0.8, b 0.4, c 0.8.
        // Value: v(b,c) = 30, v(a,c) = 10; V = ⅛·30 + ¼·10 + ⅛·30 = 10;
        // without b 2.5 ⇒ RV_b = 3/4; RV_a = RV_c = 1; ΣRV = 11/4;
        // revenue (40): a 160/11, b 120/11, c 160/11.
        let paths = [
            path(&[A, B, C], 1, 30.0, 0),
            path(&[A, C], 1, 10.0, 0),
            path(&[B], 0, 0.0, 1),
            path(&[A, A, B], 0, 0.0, 1),
        ];
        let p = params(2, Horizon::Auto);
        assert_credits(
            &markov(&paths, &p),
            &[
                (A, 0.8, 160.0 / 11.0),
                (B, 0.4, 120.0 / 11.0),
                (C, 0.8, 160.0 / 11.0),
            ],
        );
        let explain = explain_markov(&paths, &p).expect("within the work limit");
        assert_eq!(explain.horizon, Some(3));
        assert_eq!(
            explain.states,
            vec![vec![A, A], vec![A, B], vec![A, C], vec![B], vec![B, C]]
        );
        assert!((explain.base_conversion_probability - 0.5).abs() < EPS);
        assert!((explain.base_value - 10.0).abs() < EPS);
    }

    #[test]
    fn order_three_gives_the_hand_computed_removal_effects() {
        // Paths:
        //   a > b > c > d   1 conv, 60   states (a,b,c) (b,c,d)
        //   a > b           1 conv, 30   state  (a,b)
        //   c > d > a       1 null       state  (c,d,a)
        // start: each ⅓. P = ⅓ + ⅓ = 2/3, V = ⅓·60 + ⅓·30 = 30; K = 3.
        // Without a: (a,b,c) (a,b) (c,d,a) gone ⇒ 0: RE 1, RV 1.
        // Without b: (a,b,c) (b,c,d) (a,b) gone ⇒ 0: RE 1, RV 1.
        // Without c: (a,b,c) (b,c,d) (c,d,a) gone ⇒ ⅓, V 10: RE ½, RV ⅔.
        // Without d: (b,c,d) (c,d,a) gone ⇒ ⅓, V 10: RE ½, RV ⅔.
        // ΣRE = 3 ⇒ 2 conversions: a ⅔, b ⅔, c ⅓, d ⅓.
        // ΣRV = 10/3 ⇒ 90: a 27, b 27, c 18, d 18.
        let paths = [
            path(&[A, B, C, D], 1, 60.0, 0),
            path(&[A, B], 1, 30.0, 0),
            path(&[C, D, A], 0, 0.0, 1),
        ];
        assert_credits(
            &markov(&paths, &params(3, Horizon::Auto)),
            &[
                (A, 2.0 / 3.0, 27.0),
                (B, 2.0 / 3.0, 27.0),
                (C, 1.0 / 3.0, 18.0),
                (D, 1.0 / 3.0, 18.0),
            ],
        );
    }

    #[test]
    fn paths_without_conversions_give_zero_credits_to_their_channels() {
        let paths = [path(&[A, B], 0, 0.0, 3)];
        assert_credits(
            &markov(&paths, &Params::default()),
            &[(A, 0.0, 0.0), (B, 0.0, 0.0)],
        );
        let explain = explain_markov(&paths, &Params::default()).expect("within the work limit");
        assert_eq!(explain.base_conversion_probability, 0.0);
        assert!(explain.removal_effects.iter().all(|e| e.conversion == 0.0));
    }

    #[test]
    fn zero_revenue_conversions_get_zero_revenue_credit() {
        let paths = [path(&[A, B], 2, 0.0, 1), path(&[B], 1, 0.0, 0)];
        let credits = markov(&paths, &Params::default());
        assert!(credits.iter().all(|c| c.2 == 0.0));
        assert!((credits.iter().map(|c| c.1).sum::<f64>() - 3.0).abs() < EPS);
    }

    #[test]
    fn results_do_not_depend_on_the_order_of_the_paths() {
        let mut paths = channelattribution::grouped_paths();
        let p = params(2, Horizon::Auto);
        let forward = markov(&paths, &p);
        paths.reverse();
        let backward = markov(&paths, &p);
        for (f, b) in forward.iter().zip(&backward) {
            assert_eq!(f.0, b.0);
            assert!((f.1 - b.1).abs() < 1e-9 && (f.2 - b.2).abs() < 1e-9);
        }
    }

    /// Relative tolerance against the package's simulation. make_reference.py
    /// simulates 10⁸ walks in 10 folds and reports one fold (10⁷ walks, about
    /// 7·10⁵ of them converting), so a removal effect near 0.3 carries a
    /// standard error near 0.0005 (0.2% relative). Observed differences:
    /// order 1 at most 0.13% (social), order 2 at most 0.07% (social).
    const PACKAGE_REL_TOL: f64 = 0.005;

    #[test]
    fn markov_matches_the_channelattribution_package_within_its_simulation_noise() {
        let paths = channelattribution::grouped_paths();
        let reference = channelattribution::load();
        for order in [1usize, 2] {
            let p = params(order, Horizon::Auto);
            let ours = markov(&paths, &p);
            let explain = explain_markov(&paths, &p).expect("within the work limit");
            let package = &reference["markov"][order.to_string()];
            let results = package["result"].as_array().expect("result rows");
            let effects = package["removal_effects"]
                .as_array()
                .expect("removal effect rows");
            assert_eq!(results.len(), channelattribution::CHANNELS.len());
            for (row, re_row) in results.iter().zip(effects) {
                let channel = channelattribution::code(row["channel_name"].as_str().expect("name"));
                let (_, conv, value) = *ours
                    .iter()
                    .find(|c| c.0 == channel)
                    .expect("channel credited");
                let want_conv = row["total_conversions"].as_f64().expect("number");
                let want_value = row["total_conversion_value"].as_f64().expect("number");
                let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
                assert!(
                    rel(conv, want_conv) < PACKAGE_REL_TOL,
                    "order {order} channel {channel}: {conv} vs {want_conv}"
                );
                assert!(
                    rel(value, want_value) < PACKAGE_REL_TOL,
                    "order {order} channel {channel}: {value} vs {want_value}"
                );

                assert_eq!(re_row["channel_name"], row["channel_name"]);
                let effect = explain
                    .removal_effects
                    .iter()
                    .find(|e| e.channel == channel)
                    .expect("effect");
                let want_re = re_row["removal_effects_conversion"]
                    .as_f64()
                    .expect("number");
                let want_rv = re_row["removal_effects_conversion_value"]
                    .as_f64()
                    .expect("number");
                assert!(
                    rel(effect.conversion, want_re) < PACKAGE_REL_TOL,
                    "order {order} channel {channel}"
                );
                assert!(
                    rel(effect.value, want_rv) < PACKAGE_REL_TOL,
                    "order {order} channel {channel}"
                );
            }
        }
    }
}
