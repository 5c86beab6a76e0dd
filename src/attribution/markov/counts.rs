//! Counting a chain's transitions, and the chain built from the counts.
//!
//! A path becomes its collapsed states ([`collapsed_states`]) and adds its
//! conversions and nulls to the transitions `start → s₁ → … → s_L` and
//! `s_L → conversion / null`. The counts come from grouped paths
//! (`Chain::build`, what [`super::shares`] and [`super::explain`] use),
//! from one path at a time ([`Transitions`], so that one pass over a
//! window's paths feeds several chains), or from a warehouse's aggregate
//! ([`chain_from_transitions`]); all three end in `Chain::from_counts`,
//! which row-normalises them.

use rustc_hash::FxHashMap as HashMap;

use super::{Chain, MAX_ORDER, MarkovChain, State};
use crate::attribution::{Params, PathRef};
use crate::stats::sum::NeumaierSum;

/// The states of a path at `order` (clamped to 1..=3): sliding windows,
/// consecutive repeats collapsed.
fn states_of(channels: &[u16], order: usize, out: &mut Vec<State>) {
    out.clear();
    let k = order.clamp(1, MAX_ORDER);
    if channels.is_empty() {
        return;
    }
    if channels.len() <= k {
        out.push(State::new(channels));
        return;
    }
    for window in channels.windows(k) {
        let s = State::new(window);
        if out.last() != Some(&s) {
            out.push(s);
        }
    }
}

/// The states of a path as channel tuples (sliding `order`-tuples,
/// consecutive repeats collapsed), as the chain sees it.
///
/// # Examples
///
/// ```
/// use uplift::attribution::markov::collapsed_states;
/// assert_eq!(collapsed_states(&[1, 1, 2], 1), vec![vec![1], vec![2]]);
/// assert_eq!(collapsed_states(&[1, 1, 1, 2], 2), vec![vec![1, 1], vec![1, 2]]);
/// assert_eq!(collapsed_states(&[1], 3), vec![vec![1]]);
/// ```
pub fn collapsed_states(channels: &[u16], order: usize) -> Vec<Vec<u16>> {
    let mut states = Vec::new();
    states_of(channels, order, &mut states);
    states.iter().map(|s| s.channels().to_vec()).collect()
}

/// Transition counts of a chain: `start → s` (paths), `s → s′` (paths),
/// and per last state (conversions, nulls, conversion revenue).
#[derive(Debug, Clone, Default)]
struct Counts {
    start: Vec<(State, u64)>,
    pairs: Vec<(State, State, u64)>,
    ends: Vec<(State, u64, u64, f64)>,
    longest: usize,
}

/// One counted transition of a chain, as a warehouse aggregates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// From: `None` = start, else the state's channels.
    pub from: Option<Vec<u16>>,
    /// To: `Some(state)`, or `None` with `converted` telling conversion / null.
    pub to: Option<Vec<u16>>,
    /// Whether `to = None` means conversion (true) or null (false).
    pub converted: bool,
    /// Paths that took it.
    pub count: u64,
    /// Revenue of the conversions (to = conversion only).
    pub revenue: f64,
}

/// The chain of counted transitions (`longest` = the longest collapsed
/// path, for the automatic horizon), as a warehouse aggregates them.
pub fn chain_from_transitions(
    transitions: &[Transition],
    longest: usize,
    params: &Params,
) -> MarkovChain {
    let mut counts = Counts {
        longest,
        ..Counts::default()
    };
    for t in transitions {
        match (&t.from, &t.to) {
            (None, Some(to)) => counts.start.push((State::new(to), t.count)),
            (Some(from), Some(to)) => {
                counts
                    .pairs
                    .push((State::new(from), State::new(to), t.count));
            }
            (Some(from), None) if t.converted => {
                counts.ends.push((State::new(from), t.count, 0, t.revenue));
            }
            (Some(from), None) => counts.ends.push((State::new(from), 0, t.count, 0.0)),
            (None, None) => {}
        }
    }
    MarkovChain(Chain::from_counts(params.markov_order, counts, 0))
}

/// A path's collapsed states, computed once and then added to as many
/// [`Transitions`] as the path belongs to.
#[derive(Debug, Clone, Default)]
pub struct PathStates {
    /// Order 2 and 3: the states.
    states: Vec<State>,
    /// Order 1: the channels, consecutive repeats collapsed (the states of
    /// order 1, as channel codes).
    singles: Vec<u16>,
    /// Order 1: the highest channel code of the path.
    top: u16,
    /// Whether every state is one channel (order 1).
    single: bool,
}

impl PathStates {
    /// The states of `channels` at `order` (clamped to 1..=3).
    pub fn set(&mut self, channels: &[u16], order: usize) {
        self.single = order <= 1;
        if self.single {
            self.singles.clear();
            let mut top = 0;
            for &c in channels {
                if self.singles.last() != Some(&c) {
                    self.singles.push(c);
                    top = top.max(c);
                }
            }
            self.top = top;
        } else {
            states_of(channels, order, &mut self.states);
        }
    }
}

/// The counts of an order-1 chain, indexed by channel code (no hashing).
#[derive(Debug, Clone, Default)]
struct Dense {
    /// Channel codes below `n`.
    n: usize,
    start: Vec<u64>,
    /// `pairs[from * n + to]`.
    pairs: Vec<u64>,
    /// Per last channel: conversions, nulls, revenue.
    ends: Vec<(u64, u64, NeumaierSum)>,
}

impl Dense {
    /// Makes room for channel codes below `n`.
    fn fit(&mut self, n: usize) {
        if n <= self.n {
            return;
        }
        let mut pairs = vec![0; n * n];
        for from in 0..self.n {
            pairs[from * n..from * n + self.n]
                .copy_from_slice(&self.pairs[from * self.n..(from + 1) * self.n]);
        }
        self.pairs = pairs;
        self.start.resize(n, 0);
        self.ends.resize(n, (0, 0, NeumaierSum::default()));
        self.n = n;
    }
}

/// A state as one integer key: length, then the channel codes.
fn state_key(s: State) -> u64 {
    (u64::from(s.len) << 48)
        | (u64::from(s.ch[0]) << 32)
        | (u64::from(s.ch[1]) << 16)
        | u64::from(s.ch[2])
}

fn key_state(k: u64) -> State {
    State {
        len: (k >> 48) as u8,
        ch: [(k >> 32) as u16, (k >> 16) as u16, k as u16],
    }
}

/// The transition counts of a chain, accumulated one path at a time: the
/// counts the chain of [`shares`](super::shares) derives from grouped
/// paths, without grouping.
/// One pass over a window's paths can so feed the chain of every path and
/// the chain of each experiment's test users at once; partial counts of
/// consecutive runs of paths are merged in order.
#[derive(Debug, Clone, Default)]
pub struct Transitions {
    start: HashMap<u64, u64>,
    pairs: HashMap<(u64, u64), u64>,
    /// Per last state: conversions, nulls, revenue.
    ends: HashMap<u64, (u64, u64, NeumaierSum)>,
    longest: usize,
    /// The paths of one-channel states (order 1), counted without hashing.
    dense: Dense,
}

impl Transitions {
    /// Adds one path (its states) with its outcomes. A path with neither
    /// conversions nor nulls, or without states, adds nothing, as in
    /// [`shares`](super::shares).
    pub fn add(&mut self, path: &PathStates, conversions: u64, nulls: u64, revenue: f64) {
        let weight = conversions + nulls;
        if weight == 0 {
            return;
        }
        if path.single {
            let seq = &path.singles;
            let Some((&first, rest)) = seq.split_first() else {
                return;
            };
            self.longest = self.longest.max(seq.len());
            let d = &mut self.dense;
            d.fit(usize::from(path.top) + 1);
            let n = d.n;
            let mut from = usize::from(first);
            d.start[from] += weight;
            for &to in rest {
                let to = usize::from(to);
                d.pairs[from * n + to] += weight;
                from = to;
            }
            let end = &mut d.ends[from];
            end.0 += conversions;
            end.1 += nulls;
            end.2.add(revenue);
            return;
        }
        let seq = &path.states;
        let Some(&first) = seq.first() else {
            return;
        };
        self.longest = self.longest.max(seq.len());
        *self.start.entry(state_key(first)).or_insert(0) += weight;
        let mut from = state_key(first);
        for &s in &seq[1..] {
            let to = state_key(s);
            *self.pairs.entry((from, to)).or_insert(0) += weight;
            from = to;
        }
        let end = self
            .ends
            .entry(from)
            .or_insert((0, 0, NeumaierSum::default()));
        end.0 += conversions;
        end.1 += nulls;
        end.2.add(revenue);
    }

    /// Adds the counts of `other` (the paths that follow this one's).
    pub fn merge(&mut self, mut other: Transitions) {
        let dense = std::mem::take(&mut other.dense);
        if dense.n > 0 {
            let d = &mut self.dense;
            d.fit(dense.n);
            for (a, b) in d.start.iter_mut().zip(&dense.start) {
                *a += b;
            }
            for from in 0..dense.n {
                for to in 0..dense.n {
                    d.pairs[from * d.n + to] += dense.pairs[from * dense.n + to];
                }
            }
            for (a, b) in d.ends.iter_mut().zip(&dense.ends) {
                a.0 += b.0;
                a.1 += b.1;
                a.2.merge(&b.2);
            }
        }
        for (k, w) in other.start {
            *self.start.entry(k).or_insert(0) += w;
        }
        for (k, w) in other.pairs {
            *self.pairs.entry(k).or_insert(0) += w;
        }
        let mut ends: Vec<_> = other.ends.into_iter().collect();
        ends.sort_unstable_by_key(|e| e.0);
        for (k, (c, n, r)) in ends {
            let end = self.ends.entry(k).or_insert((0, 0, NeumaierSum::default()));
            end.0 += c;
            end.1 += n;
            end.2.merge(&r);
        }
        self.longest = self.longest.max(other.longest);
    }

    /// The chain of the counted paths (whose removal-effect shares are
    /// those of [`shares`](super::shares) of the same paths, up to the
    /// order in which revenue was summed).
    pub fn into_chain(mut self, params: &Params) -> MarkovChain {
        // The one-channel states join the others (each key is in one of
        // the two tables only: a state's length is its order's).
        let d = std::mem::take(&mut self.dense);
        let key = |c: usize| state_key(State::new(&[c as u16]));
        for from in 0..d.n {
            if d.start[from] > 0 {
                *self.start.entry(key(from)).or_insert(0) += d.start[from];
            }
            for to in 0..d.n {
                let w = d.pairs[from * d.n + to];
                if w > 0 {
                    *self.pairs.entry((key(from), key(to))).or_insert(0) += w;
                }
            }
            let (c, n, r) = d.ends[from];
            if c + n > 0 {
                let end = self
                    .ends
                    .entry(key(from))
                    .or_insert((0, 0, NeumaierSum::default()));
                end.0 += c;
                end.1 += n;
                end.2.merge(&r);
            }
        }
        let mut counts = Counts {
            longest: self.longest,
            ..Counts::default()
        };
        counts.start = self
            .start
            .into_iter()
            .map(|(k, w)| (key_state(k), w))
            .collect();
        counts.start.sort_unstable();
        counts.pairs = self
            .pairs
            .into_iter()
            .map(|((a, b), w)| (key_state(a), key_state(b), w))
            .collect();
        counts.pairs.sort_unstable();
        let mut ends: Vec<_> = self.ends.into_iter().collect();
        ends.sort_unstable_by_key(|e| e.0);
        counts.ends = ends
            .into_iter()
            .map(|(k, (c, n, r))| (key_state(k), c, n, r.value()))
            .collect();
        MarkovChain(Chain::from_counts(params.markov_order, counts, 0))
    }
}

impl Chain {
    pub(super) fn build<'a>(paths: impl IntoIterator<Item = PathRef<'a>>, order: usize) -> Chain {
        struct Agg {
            conversions: u64,
            nulls: u64,
            revenue: NeumaierSum,
        }
        let order = order.clamp(1, MAX_ORDER);
        let mut groups: HashMap<Vec<State>, Agg> = HashMap::default();
        let mut seq = Vec::new();
        for p in paths {
            if p.conversions + p.nulls == 0 || p.channels.is_empty() {
                continue;
            }
            states_of(p.channels, order, &mut seq);
            let agg = match groups.get_mut(seq.as_slice()) {
                Some(agg) => agg,
                None => groups.entry(seq.clone()).or_insert(Agg {
                    conversions: 0,
                    nulls: 0,
                    revenue: NeumaierSum::default(),
                }),
            };
            agg.conversions += p.conversions;
            agg.nulls += p.nulls;
            agg.revenue.add(p.revenue);
        }
        // Sorted, so that nothing depends on the hash map's order.
        let mut groups: Vec<(Vec<State>, Agg)> = groups.into_iter().collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));

        let mut counts = Counts::default();
        for (seq, agg) in &groups {
            let weight = agg.conversions + agg.nulls;
            let (Some(&first), Some(&last)) = (seq.first(), seq.last()) else {
                continue;
            };
            counts.start.push((first, weight));
            counts
                .pairs
                .extend(seq.windows(2).map(|w| (w[0], w[1], weight)));
            counts
                .ends
                .push((last, agg.conversions, agg.nulls, agg.revenue.value()));
            counts.longest = counts.longest.max(seq.len());
        }
        Chain::from_counts(order, counts, groups.len())
    }

    /// The chain from its transition counts (also what a warehouse's
    /// `markov` aggregate holds).
    fn from_counts(order: usize, counts: Counts, distinct_paths: usize) -> Chain {
        let Counts {
            start: start_counts,
            pairs: state_pairs,
            ends,
            longest,
        } = counts;
        let mut states: Vec<State> = start_counts
            .iter()
            .map(|s| s.0)
            .chain(state_pairs.iter().flat_map(|p| [p.0, p.1]))
            .chain(ends.iter().map(|e| e.0))
            .collect();
        states.sort_unstable();
        states.dedup();
        let index: HashMap<State, u32> = states
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, i as u32))
            .collect();
        let n = states.len();

        let mut start_count = vec![0u64; n];
        let mut conv_count = vec![0u64; n];
        let mut null_count = vec![0u64; n];
        let mut value_sum = vec![NeumaierSum::default(); n];
        let (mut conversions, mut nulls) = (0, 0);
        let mut revenue = NeumaierSum::default();
        for (s, w) in start_counts {
            start_count[index[&s] as usize] += w;
        }
        let mut pairs: Vec<(u32, u32, u64)> = state_pairs
            .iter()
            .map(|&(a, b, w)| (index[&a], index[&b], w))
            .collect();
        for (s, c, nu, v) in ends {
            let i = index[&s] as usize;
            conv_count[i] += c;
            null_count[i] += nu;
            value_sum[i].add(v);
            conversions += c;
            nulls += nu;
            revenue.add(v);
        }

        pairs.sort_unstable_by_key(|&(from, to, _)| (from, to));
        let mut merged: Vec<(u32, u32, u64)> = Vec::with_capacity(pairs.len());
        for (from, to, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == from && last.1 == to => last.2 += w,
                _ => merged.push((from, to, w)),
            }
        }

        let mut row_total: Vec<u64> = (0..n).map(|s| conv_count[s] + null_count[s]).collect();
        for &(from, _, w) in &merged {
            row_total[from as usize] += w;
        }
        let mut row_ptr = vec![0usize; n + 1];
        for &(from, _, _) in &merged {
            row_ptr[from as usize + 1] += 1;
        }
        for s in 0..n {
            row_ptr[s + 1] += row_ptr[s];
        }
        let edges = merged
            .iter()
            .map(|&(from, to, w)| (to, w, w as f64 / row_total[from as usize] as f64))
            .collect();

        let start_total: u64 = start_count.iter().sum();
        let start = start_count
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(s, &c)| (s as u32, c, c as f64 / start_total as f64))
            .collect();
        let conv_p = (0..n)
            .map(|s| match row_total[s] {
                0 => 0.0,
                total => conv_count[s] as f64 / total as f64,
            })
            .collect();
        let value: Vec<f64> = (0..n)
            .map(|s| match conv_count[s] {
                0 => 0.0,
                c => value_sum[s].value() / c as f64,
            })
            .collect();
        let value_max = value.iter().copied().fold(0.0, f64::max);

        Chain {
            order,
            states,
            start,
            row_ptr,
            edges,
            conv_count,
            null_count,
            conv_p,
            value,
            value_max,
            longest,
            distinct_paths,
            conversions,
            nulls,
            revenue: revenue.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::shares;
    use super::super::test_paths::{A, B, C, D};
    use super::*;
    use crate::attribution::{GroupedPath, channelattribution};

    /// What a warehouse computes: per path, the collapsed states, then the
    /// counted transitions (start → s₁, sᵢ → sᵢ₊₁, s_L → conversion / null).
    fn transitions_of(paths: &[GroupedPath], order: usize) -> (Vec<Transition>, usize) {
        let mut out: Vec<Transition> = Vec::new();
        let mut longest = 0;
        let mut seq = Vec::new();
        for p in paths {
            states_of(&p.channels, order, &mut seq);
            longest = longest.max(seq.len());
            let w = p.conversions + p.nulls;
            let names: Vec<Vec<u16>> = seq.iter().map(|s| s.channels().to_vec()).collect();
            out.push(Transition {
                from: None,
                to: Some(names[0].clone()),
                converted: false,
                count: w,
                revenue: 0.0,
            });
            for pair in names.windows(2) {
                out.push(Transition {
                    from: Some(pair[0].clone()),
                    to: Some(pair[1].clone()),
                    converted: false,
                    count: w,
                    revenue: 0.0,
                });
            }
            let last = names.last().cloned();
            out.push(Transition {
                from: last.clone(),
                to: None,
                converted: true,
                count: p.conversions,
                revenue: p.revenue,
            });
            out.push(Transition {
                from: last,
                to: None,
                converted: false,
                count: p.nulls,
                revenue: 0.0,
            });
        }
        (out, longest)
    }

    #[test]
    fn transition_counts_give_the_shares_of_the_paths() {
        let paths = channelattribution::grouped_paths();
        for order in 1..=3 {
            let params = Params {
                markov_order: order,
                ..Params::default()
            };
            let (transitions, longest) = transitions_of(&paths, order);
            let from_paths = shares(paths.iter().map(|p| p.as_path_ref()), &params);
            let from_counts =
                chain_from_transitions(&transitions, longest, &params).shares(&params);
            assert_eq!(from_paths.conversion.len(), from_counts.conversion.len());
            for (a, b) in from_paths
                .conversion
                .iter()
                .chain(&from_paths.value)
                .zip(from_counts.conversion.iter().chain(&from_counts.value))
            {
                assert_eq!(a.channel, b.channel);
                assert!(
                    (a.share - b.share).abs() < 1e-12,
                    "order {order}: {a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn states_are_sliding_tuples_with_consecutive_repeats_collapsed() {
        assert_eq!(collapsed_states(&[A, A, B], 1), vec![vec![A], vec![B]]);
        assert_eq!(
            collapsed_states(&[A, B, A, C], 1),
            vec![vec![A], vec![B], vec![A], vec![C]]
        );
        assert_eq!(
            collapsed_states(&[A, A, B], 2),
            vec![vec![A, A], vec![A, B]]
        );
        assert_eq!(
            collapsed_states(&[A, A, A, B], 2),
            vec![vec![A, A], vec![A, B]]
        );
        assert_eq!(
            collapsed_states(&[A, B, A, B], 2),
            vec![vec![A, B], vec![B, A], vec![A, B]]
        );
        assert_eq!(collapsed_states(&[A], 2), vec![vec![A]]);
        assert_eq!(collapsed_states(&[A, B], 3), vec![vec![A, B]]);
        assert_eq!(
            collapsed_states(&[A, B, C, D], 3),
            vec![vec![A, B, C], vec![B, C, D]]
        );
        assert!(collapsed_states(&[], 1).is_empty());
    }
}
