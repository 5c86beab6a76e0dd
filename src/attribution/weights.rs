//! Every per-conversion model's weights for one path, computed together.
//!
//! The rule models and Shapley split a conversion over the distinct channels
//! of its path. [`PathWeights`] finds those channels once (in the order they
//! first appear) and writes, for each model, the weight of each channel: the
//! sum, in touch order, of the weights [`rules::touch_weights`] gives the
//! channel's touches, and for Shapley [`shapley::channel_shares`]. The
//! numbers are the same, bit for bit, as computing each model on its own;
//! only the bookkeeping is shared.

use super::{Model, Params, rules, shapley};
use crate::model::{MICROS_PER_DAY, Micros};

/// What a model is for [`PathWeights`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum WeightKind {
    Rule(rules::Rule),
    Shapley,
    /// Not split per conversion (Markov): no weights.
    None,
}

/// The weights of one path's distinct channels under each model.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathWeights {
    kinds: Vec<WeightKind>,
    /// Per channel code: 1 + its slot in `channels`, 0 when not in the path.
    slot: Vec<u32>,
    /// The path's distinct channels, in the order they first appear.
    channels: Vec<u16>,
    /// Per touch: its channel's slot.
    touch_slot: Vec<u32>,
    /// `weights[slot * models + model]`: one slot's weights side by side.
    weights: Vec<f64>,
    /// Scratch for time decay: one weight per touch.
    touch: Vec<f64>,
    /// The raw time-decay weights of a conversion's longest path
    /// ([`Self::set_longest`]), from its touch `decay_first` on.
    decay: Vec<f64>,
    /// Touch index of `decay[0]`.
    decay_first: u32,
}

impl PathWeights {
    /// For `models` (in this order).
    pub(crate) fn new(models: &[Model]) -> Self {
        Self {
            kinds: models
                .iter()
                .map(|&m| match rules::Rule::of(m) {
                    Some(r) => WeightKind::Rule(r),
                    None if m == Model::Shapley => WeightKind::Shapley,
                    None => WeightKind::None,
                })
                .collect(),
            ..Self::default()
        }
    }

    /// Computes the weights of the path with touches on `channels` at
    /// times `ts`, converting at `order_ts`.
    #[cfg(test)]
    pub(crate) fn set(
        &mut self,
        channels: &[u16],
        ts: &[Micros],
        order_ts: Micros,
        params: &Params,
    ) {
        self.decay.clear();
        self.fill(channels, ts, order_ts, params, None);
    }

    /// Prepares [`Self::set_tail`] for the paths of one conversion: its
    /// longest path has touches `first..` at times `ts`. The time-decay
    /// weight of a touch, `2^(−(age − youngest) / h)` before it is divided
    /// by the path's sum, is the same in every path of the conversion (they
    /// all end with its youngest touch), so it is computed once here.
    pub(crate) fn set_longest(
        &mut self,
        first: u32,
        ts: &[Micros],
        order_ts: Micros,
        params: &Params,
    ) {
        self.decay.clear();
        self.decay_first = first;
        if self
            .kinds
            .contains(&WeightKind::Rule(rules::Rule::TimeDecay))
        {
            let age_days = |i: usize| (order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
            rules::raw_decay(ts.len(), age_days, params.half_life_days, &mut self.decay);
        }
    }

    /// Computes the weights of the path of touches `start..` (on `channels`
    /// at times `ts`) of the conversion given to [`Self::set_longest`]:
    /// the same numbers as computing them from scratch.
    pub(crate) fn set_tail(
        &mut self,
        start: u32,
        channels: &[u16],
        ts: &[Micros],
        order_ts: Micros,
        params: &Params,
    ) {
        let offset = start.checked_sub(self.decay_first).map(|o| o as usize);
        let cached = offset.filter(|&o| o + channels.len() <= self.decay.len());
        self.fill(channels, ts, order_ts, params, cached);
    }

    /// The weights, with the raw time-decay weights from `decay[offset..]`
    /// when given.
    fn fill(
        &mut self,
        channels: &[u16],
        ts: &[Micros],
        order_ts: Micros,
        params: &Params,
        decay: Option<usize>,
    ) {
        for &c in &self.channels {
            self.slot[usize::from(c)] = 0;
        }
        self.channels.clear();
        self.touch_slot.clear();
        for &c in channels {
            let i = usize::from(c);
            if i >= self.slot.len() {
                self.slot.resize(i + 1, 0);
            }
            if self.slot[i] == 0 {
                self.channels.push(c);
                self.slot[i] = self.channels.len() as u32;
            }
            self.touch_slot.push(self.slot[i] - 1);
        }
        let d = self.channels.len();
        let n = channels.len();
        let m = self.kinds.len();
        self.weights.clear();
        self.weights.resize(m * d, 0.0);
        if n == 0 {
            return;
        }
        for (j, &kind) in self.kinds.iter().enumerate() {
            // Model j's weight of each slot: every m-th from j.
            let w = &mut self.weights[j..];
            let slots = &self.touch_slot;
            match (kind, decay) {
                (WeightKind::None, _) => {}
                (WeightKind::Shapley, _) => {
                    let share = shapley::equal_share(d);
                    for x in w.iter_mut().step_by(m) {
                        *x = share;
                    }
                }
                (WeightKind::Rule(rules::Rule::FirstTouch), _) => w[slots[0] as usize * m] += 1.0,
                (WeightKind::Rule(rules::Rule::LastTouch), _) => {
                    w[slots[n - 1] as usize * m] += 1.0
                }
                (WeightKind::Rule(rules::Rule::Linear), _) => {
                    let each = 1.0 / n as f64;
                    for &s in slots {
                        w[s as usize * m] += each;
                    }
                }
                (WeightKind::Rule(rules::Rule::PositionBased), _) => {
                    // N.B. added in touch order, as `rules::touch_weights`'
                    // shares would be.
                    let [first, middle, last] = rules::position_shares(n, params);
                    w[slots[0] as usize * m] += first;
                    if n > 1 {
                        for &s in &slots[1..n - 1] {
                            w[s as usize * m] += middle;
                        }
                        w[slots[n - 1] as usize * m] += last;
                    }
                }
                (WeightKind::Rule(rules::Rule::TimeDecay), Some(o)) => {
                    // N.B. divided by the sum as `rules::touch_weights`
                    // does (the sum is at least 1: the youngest touch
                    // weighs 1).
                    let raw = &self.decay[o..o + n];
                    let sum: f64 = raw.iter().sum();
                    let sum = if sum > 0.0 { sum } else { 1.0 };
                    for (&s, &x) in slots.iter().zip(raw) {
                        w[s as usize * m] += x / sum;
                    }
                }
                (WeightKind::Rule(rule), _) => {
                    let age_days = |i: usize| (order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
                    rules::touch_weights(rule, n, age_days, params, &mut self.touch);
                    for (&s, &x) in slots.iter().zip(&self.touch) {
                        w[s as usize * m] += x;
                    }
                }
            }
        }
    }

    /// The path's distinct channels, in the order they first appear.
    pub(crate) fn channels(&self) -> &[u16] {
        &self.channels
    }

    /// Model `j`'s weight of each channel of [`Self::channels`].
    #[cfg(test)]
    pub(crate) fn of_model(&self, j: usize) -> Vec<f64> {
        (0..self.channels.len()).map(|s| self.at(j, s)).collect()
    }

    /// The slot of `channel` in [`Self::channels`], `None` when the path
    /// does not touch it.
    #[inline]
    pub(crate) fn slot_of(&self, channel: u16) -> Option<usize> {
        match self.slot.get(usize::from(channel)) {
            Some(&s) if s > 0 => Some(s as usize - 1),
            _ => None,
        }
    }

    /// Model `j`'s weight of the channel in `slot`.
    #[cfg(test)]
    pub(crate) fn at(&self, j: usize, slot: usize) -> f64 {
        self.weights[slot * self.kinds.len() + j]
    }

    /// Every model's weight of the channel in `slot`, in model order (0 for
    /// models not split per conversion).
    #[inline]
    pub(crate) fn of_slot(&self, slot: usize) -> &[f64] {
        let m = self.kinds.len();
        &self.weights[slot * m..(slot + 1) * m]
    }

    /// Model `j`'s weight of `channel`, `None` when the path does not touch it.
    #[cfg(test)]
    pub(crate) fn of_channel(&self, j: usize, channel: u16) -> Option<f64> {
        self.slot_of(channel).map(|s| self.at(j, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Each model on its own, as the reference implementation splits a
    /// conversion: per-touch weights summed per channel in touch order.
    fn alone(
        m: Model,
        channels: &[u16],
        ts: &[Micros],
        order_ts: Micros,
        p: &Params,
    ) -> Vec<(u16, f64)> {
        let mut per_touch: Vec<(u16, f64)> = Vec::new();
        if let Some(rule) = rules::Rule::of(m) {
            let mut w = Vec::new();
            let age = |i: usize| (order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
            rules::touch_weights(rule, channels.len(), age, p, &mut w);
            per_touch.extend(channels.iter().copied().zip(w));
        } else {
            let mut shares = Vec::new();
            shapley::channel_shares(channels, &mut shares);
            per_touch.extend(shares.iter().map(|s| (s.channel, s.share)));
        }
        let mut out: Vec<(u16, f64)> = Vec::new();
        for (c, w) in per_touch {
            match out.iter_mut().find(|(x, _)| *x == c) {
                Some(slot) => slot.1 += w,
                None => out.push((c, w)),
            }
        }
        out.sort_by_key(|&(c, _)| c);
        out
    }

    #[test]
    fn every_model_equals_computing_it_alone_bit_for_bit() {
        let models = [
            Model::FirstTouch,
            Model::Markov,
            Model::LastTouch,
            Model::Linear,
            Model::TimeDecay,
            Model::PositionBased,
            Model::Shapley,
        ];
        let params = Params {
            half_life_days: 3.0,
            position_first: 0.3,
            position_last: 0.5,
            ..Params::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut pw = PathWeights::new(&models);
        for _ in 0..2_000 {
            let n = rng.random_range(1..9);
            let channels: Vec<u16> = (0..n).map(|_| rng.random_range(0..5u16) * 7).collect();
            let mut ts: Vec<Micros> = (0..n)
                .map(|_| rng.random_range(0..30 * MICROS_PER_DAY))
                .collect();
            ts.sort_unstable();
            let order_ts = 30 * MICROS_PER_DAY;
            pw.set(&channels, &ts, order_ts, &params);
            for (j, &m) in models.iter().enumerate() {
                if m == Model::Markov {
                    assert!(pw.of_model(j).iter().all(|&w| w == 0.0));
                    continue;
                }
                let mut got: Vec<(u16, f64)> = pw
                    .channels()
                    .iter()
                    .copied()
                    .zip(pw.of_model(j).iter().copied())
                    .collect();
                got.sort_by_key(|&(c, _)| c);
                let want = alone(m, &channels, &ts, order_ts, &params);
                assert_eq!(got, want, "{m:?} on {channels:?}");
                for &(c, w) in &want {
                    assert_eq!(pw.of_channel(j, c), Some(w));
                }
                assert_eq!(pw.of_channel(j, 1), None);
                assert_eq!(pw.of_channel(j, 999), None);
            }
        }
    }

    /// Every tail of a conversion's longest path, weighed with the decay
    /// computed once for the longest path, equals the tail weighed on its
    /// own, bit for bit, for every model.
    #[test]
    fn tails_of_the_longest_path_equal_the_paths_on_their_own() {
        let models = Model::ALL;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut tails = PathWeights::new(&models);
        let mut alone = PathWeights::new(&models);
        for half_life in [7.0, 0.5, 0.0, f64::INFINITY] {
            let params = Params {
                half_life_days: half_life,
                ..Params::default()
            };
            for _ in 0..500 {
                let n = rng.random_range(1..12);
                let first = rng.random_range(0..1000u32);
                let channels: Vec<u16> = (0..n).map(|_| rng.random_range(0..6u16)).collect();
                let mut ts: Vec<Micros> = (0..n)
                    .map(|_| rng.random_range(0..90 * MICROS_PER_DAY))
                    .collect();
                ts.sort_unstable();
                let order_ts = 90 * MICROS_PER_DAY + rng.random_range(0..MICROS_PER_DAY);
                tails.set_longest(first, &ts, order_ts, &params);
                // Longest first, as the windows' paths come.
                for k in 0..n {
                    tails.set_tail(
                        first + k as u32,
                        &channels[k..],
                        &ts[k..],
                        order_ts,
                        &params,
                    );
                    alone.set(&channels[k..], &ts[k..], order_ts, &params);
                    assert_eq!(tails.channels(), alone.channels());
                    for (j, m) in models.iter().enumerate() {
                        let (a, b) = (tails.of_model(j), alone.of_model(j));
                        assert!(
                            a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                            "h {half_life} {m:?} tail {k} of {channels:?}: {a:?} vs {b:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hand_worked_path() {
        // a > b > a at ages 2, 1, 0 days; half-life 1 day.
        // first: a 1; last: a 1; linear: a 2/3, b 1/3;
        // time decay: 1/4, 1/2, 1 over 7/4 → a (1/4 + 1)/(7/4) = 5/7, b 2/7;
        // position 0.4/0.4: a 0.8, b 0.2; Shapley: ½ each.
        let models: Vec<Model> = Model::ALL
            .into_iter()
            .filter(|&m| m != Model::Markov)
            .collect();
        let params = Params {
            half_life_days: 1.0,
            ..Params::default()
        };
        let d = MICROS_PER_DAY;
        let mut pw = PathWeights::new(&models);
        pw.set(&[4, 2, 4], &[0, d, 2 * d], 2 * d, &params);
        assert_eq!(pw.channels(), &[4, 2]);
        let want = [
            [1.0, 0.0],
            [1.0, 0.0],
            [2.0 / 3.0, 1.0 / 3.0],
            [5.0 / 7.0, 2.0 / 7.0],
            [0.8, 0.2],
            [0.5, 0.5],
        ];
        for (j, w) in want.iter().enumerate() {
            for (got, want) in pw.of_model(j).iter().zip(w) {
                assert!((got - want).abs() < 1e-15, "model {j}: {got} vs {want}");
            }
        }
        // A second path reuses the tables: channel 2 is gone.
        pw.set(&[3], &[0], 0, &params);
        assert_eq!(pw.channels(), &[3]);
        assert_eq!(pw.of_channel(0, 2), None);
        assert_eq!(pw.of_channel(5, 3), Some(1.0));
    }
}
