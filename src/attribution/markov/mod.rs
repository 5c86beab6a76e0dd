//! Markov-chain attribution by removal effect, computed exactly.
//!
//! The customer journeys become an absorbing Markov chain (Anderl et al.
//! 2016): transient states are channels (order k: the sliding k-tuples of a
//! path), plus the special states *start*, *conversion* and *null*. A
//! channel's importance is its **removal effect**: the share of conversion
//! probability lost when every state containing the channel leads to *null*.
//! Conversions (and revenue) are split in proportion to the removal effects.
//!
//! This is the model of the ChannelAttribution package (`markov_model`, Altomare
//! and Loris), which estimates the walk probabilities by simulating walks on
//! the chain. Here they are computed exactly by dynamic programming over the
//! walk length, so the result is deterministic and equals the package's up to
//! its simulation noise (checked against `testdata/reference/channelattribution/`).
//!
//! # The chain, as the package builds it
//!
//! - **States.** For order k, a path `c₁ > … > c_n` becomes the windows
//!   `(c₁…c_k), (c₂…c_{k+1}), …`; a path shorter than k is one state. Then
//!   consecutive repeats of a state are collapsed (`a > a > b` → `a > b` at
//!   order 1; at order 2 the same path is `(a,a) > (a,b)`).
//! - **Transitions.** A path with `conv` conversions and `null`
//!   non-conversions adds `conv + null` to `start → s₁`, `s₁ → s₂`, …,
//!   `s_{L−1} → s_L`, then `conv` to `s_L → conversion` and `null` to `s_L →
//!   null`. Each row is divided by its total.
//! - **Horizon.** A simulated walk stops after `K` channel states, `K` =
//!   longest collapsed path + 1 (the package's default `max_step`); a walk
//!   cut there counts as not converting. `P_K` below is the probability of
//!   reaching *conversion* within `K` channel states.
//! - **Value.** A conversion reached from state `s` carries the mean revenue
//!   per conversion of the paths that end in `s`.
//!
//! The package credits each simulated converting walk to every channel it
//! visited; the fraction of converting walks that visit `c` is exactly the
//! removal effect below (a walk that does not visit `c` is unaffected by
//! removing `c`), so both descriptions agree.
//!
//! # Formula
//!
//! ```text
//! d₁(s)     = P(start → s)
//! d_{t+1}(s') = Σ_s d_t(s) · P(s → s')                    (s, s' transient)
//! P_K       = Σ_{t=1..K} Σ_s d_t(s) · P(s → conversion)
//! V_K       = Σ_{t=1..K} Σ_s d_t(s) · P(s → conversion) · v(s)
//! P_K^{−c}  = the same with d_t(s) = 0 for every state s containing c
//! RE_c      = 1 − P_K^{−c} / P_K            (value: RV_c = 1 − V_K^{−c} / V_K)
//! credit_c  = RE_c / Σ_j RE_j · conversions     (revenue: RV_c / Σ_j RV_j · revenue)
//! ```
//!
//! Cost: one pass over the paths to count the transitions, then the walks
//! of the `solve` module: every removal advances together,
//! `(transitions + states) · K · (channels + 1)` multiply–adds in all, on
//! every core; the infinite horizon is one linear system. Before it starts, the work is estimated
//! ([`MarkovWork`]) and a chain over the limit (`--markov-work-limit`) is
//! refused with the estimate and the ways to make it smaller.
//!
//! # References
//!
//! - E. Anderl, I. Becker, F. von Wangenheim, J. H. Schumann (2016), *Mapping
//!   the customer journey: Lessons learned from graph-based online attribution
//!   modeling*, International Journal of Research in Marketing 33(3), 457–474.
//! - D. Altomare, D. Loris, *ChannelAttribution* 2.2.5, `markov_model`
//!   (`src/cypack/functions.cpp`), <https://channelattribution.io>.

mod solve;

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use super::{Horizon, Params, PathRef};
use crate::progress::Task;
use crate::stats::sum::NeumaierSum;
use solve::{DENSE_MAX_STATES, Direct, MAX_INFINITE_STEPS};

/// Highest supported order of the chain.
pub const MAX_ORDER: usize = 3;

/// Stop walking once the remaining mass is below this fraction of the
/// probability (and value) already absorbed: beyond f64 precision.
const REL_EPS: f64 = 1e-15;

/// The default work limit of one window's chains, in multiply–adds: under
/// a minute on two cores (a dense chain's steps ran at 5e9 multiply–adds a
/// CPU second on the long-path benchmark; a sparse chain's run slower).
pub const DEFAULT_WORK_LIMIT: f64 = 2e11;

/// A state of the chain: up to [`MAX_ORDER`] channel codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct State {
    len: u8,
    ch: [u16; MAX_ORDER],
}

impl State {
    fn new(channels: &[u16]) -> Self {
        let len = channels.len().min(MAX_ORDER);
        let mut ch = [0; MAX_ORDER];
        ch[..len].copy_from_slice(&channels[..len]);
        Self { len: len as u8, ch }
    }

    fn channels(&self) -> &[u16] {
        &self.ch[..usize::from(self.len)]
    }

    fn contains(&self, channel: u16) -> bool {
        self.channels().contains(&channel)
    }
}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        self.channels().cmp(other.channels())
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

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
/// counts the chain of [`shares`] derives from grouped paths, without
/// grouping.
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
    /// [`shares`].
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
    /// those of [`shares`] of the same paths, up to the order in which
    /// revenue was summed).
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

/// A counted chain, ready to be solved: first [`MarkovChain::work`], to
/// check what solving it would cost, then [`MarkovChain::shares`].
#[derive(Debug, Clone)]
pub struct MarkovChain(Chain);

impl MarkovChain {
    /// What [`MarkovChain::shares`] would cost.
    pub fn work(&self, params: &Params) -> MarkovWork {
        self.0.work(params.markov_horizon)
    }

    /// Each channel's share of the conversions and of the revenue.
    pub fn shares(&self, params: &Params) -> Shares {
        self.0.shares(params.markov_horizon)
    }
}

/// What solving a chain's removal effects costs, estimated from its size
/// before the solve starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkovWork {
    /// Order of the chain.
    pub order: usize,
    /// Transient states.
    pub states: usize,
    /// Transitions between them.
    pub transitions: usize,
    /// Channel states a walk may visit (`None`: unlimited).
    pub horizon: Option<usize>,
    /// Walks: one per channel, plus the whole chain's.
    pub walks: usize,
    /// Longest collapsed path, in states.
    pub longest: usize,
    /// Whether the unlimited horizon is solved directly (one linear system).
    pub direct: bool,
    /// Multiply–adds, about.
    pub operations: f64,
}

impl MarkovWork {
    /// The work of several chains, as one.
    pub fn total(works: &[MarkovWork]) -> f64 {
        works.iter().map(|w| w.operations).sum()
    }

    /// `Err` with the message of the refusal when `operations` (of all the
    /// chains of a window) exceed `limit`.
    ///
    /// # Errors
    ///
    /// [`super::AttributionError::MarkovWork`] names the estimate, the
    /// largest chain, the limit and what would make it smaller.
    pub fn check(works: &[MarkovWork], limit: Option<f64>) -> Result<(), super::AttributionError> {
        let total = Self::total(works);
        match (
            limit,
            works
                .iter()
                .max_by(|a, b| a.operations.total_cmp(&b.operations)),
        ) {
            (Some(limit), Some(&largest)) if total > limit => {
                Err(super::AttributionError::MarkovWork(TooMuchWork {
                    largest,
                    total,
                    chains: works.len(),
                    limit,
                }))
            }
            _ => Ok(()),
        }
    }
}

/// A Markov solve refused before it started: its estimated work is over
/// the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooMuchWork {
    /// The largest chain's estimate.
    pub largest: MarkovWork,
    /// All the chains' work.
    pub total: f64,
    /// How many chains (the window's, and one per experiment).
    pub chains: usize,
    /// The limit.
    pub limit: f64,
}

impl fmt::Display for TooMuchWork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = &self.largest;
        write!(
            f,
            "the Markov model at order {} would take about {:.1e} multiply-adds, over the limit of {:.1e} \
             (--markov-work-limit{}): ",
            w.order,
            self.total,
            self.limit,
            if self.limit == DEFAULT_WORK_LIMIT {
                "; the default takes under a minute on two cores"
            } else {
                ""
            }
        )?;
        match w.horizon {
            _ if w.direct => write!(f, "a direct solve of {} states", w.states)?,
            Some(k) => write!(
                f,
                "{} states and {} transitions, walked {k} steps (the horizon) for each of {} removals",
                w.states, w.transitions, w.walks
            )?,
            None => write!(
                f,
                "{} states and {} transitions, walked until absorbed (about {} steps) for each of {} removals",
                w.states,
                w.transitions,
                infinite_walk_steps(w.longest),
                w.walks
            )?,
        }
        if self.chains > 1 {
            write!(f, " (the largest of {} chains)", self.chains)?;
        }
        let mut ways = Vec::new();
        if w.order > 1 {
            ways.push(format!("a lower order (--markov-order {})", w.order - 1));
        }
        if w.horizon.is_none_or(|k| k > 20) {
            ways.push("a shorter horizon (--markov-horizon 20)".to_string());
        }
        ways.push("fewer models (--model)".to_string());
        write!(
            f,
            ". Make it smaller with {}; or run it anyway with --markov-work-limit none",
            ways.join(", or ")
        )
    }
}

/// The steps an unlimited walk is expected to need, for the estimate: the
/// mass left decays by about `1/e` every longest path.
fn infinite_walk_steps(longest: usize) -> usize {
    (40 * (longest + 1)).min(MAX_INFINITE_STEPS)
}

/// The absorbing chain built from the paths.
#[derive(Debug, Clone)]
struct Chain {
    order: usize,
    /// Transient states, sorted.
    states: Vec<State>,
    /// `start → state` counts and probabilities.
    start: Vec<(u32, u64, f64)>,
    /// `state → state` counts and probabilities, by row (`row_ptr` as CSR).
    row_ptr: Vec<usize>,
    edges: Vec<(u32, u64, f64)>,
    /// `state → conversion` and `state → null` counts.
    conv_count: Vec<u64>,
    null_count: Vec<u64>,
    /// `P(state → conversion)`.
    conv_p: Vec<f64>,
    /// Mean revenue per conversion of the paths ending in the state.
    value: Vec<f64>,
    /// Largest `value`.
    value_max: f64,
    /// Longest collapsed path, in states.
    longest: usize,
    /// Distinct state sequences.
    distinct_paths: usize,
    conversions: u64,
    nulls: u64,
    revenue: f64,
}

impl Chain {
    fn build<'a>(paths: impl IntoIterator<Item = PathRef<'a>>, order: usize) -> Chain {
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

    /// Channels that appear in some state, sorted.
    fn channels(&self) -> Vec<u16> {
        let mut channels: Vec<u16> = self
            .states
            .iter()
            .flat_map(|s| s.channels().iter().copied())
            .collect();
        channels.sort_unstable();
        channels.dedup();
        channels
    }

    fn row(&self, s: usize) -> &[(u32, u64, f64)] {
        &self.edges[self.row_ptr[s]..self.row_ptr[s + 1]]
    }

    /// What [`Chain::removal_effects`] costs at this horizon.
    fn work(&self, horizon: Horizon) -> MarkovWork {
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
    fn shares(&self, horizon: Horizon) -> Shares {
        if self.conversions == 0 {
            return Shares {
                conversion: Vec::new(),
                value: Vec::new(),
            };
        }
        self.removal_effects(horizon).shares()
    }

    /// The removal effect of every channel at the given horizon.
    fn removal_effects(&self, horizon: Horizon) -> Effects {
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

/// Probability and expected value of converting.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Absorption {
    conversion: f64,
    value: f64,
}

#[derive(Debug, Clone)]
struct ChannelEffect {
    channel: u16,
    conversion: f64,
    value: f64,
    without: Absorption,
}

#[derive(Debug, Clone)]
struct Effects {
    /// Channel states a walk may visit (`None`: unlimited).
    steps: Option<usize>,
    base: Absorption,
    effects: Vec<ChannelEffect>,
}

impl Effects {
    fn shares(&self) -> Shares {
        let normalise = |re: &dyn Fn(&ChannelEffect) -> f64| -> Vec<(u16, f64)> {
            let total: f64 = self.effects.iter().map(re).sum();
            if total > 0.0 {
                self.effects
                    .iter()
                    .map(|e| (e.channel, re(e) / total))
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

/// Each channel's share of the conversions and of the revenue (each list
/// sorted by channel and adding up to 1; empty when nothing converts).
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    /// `RE_c / Σ RE`.
    pub conversion: Vec<(u16, f64)>,
    /// `RV_c / Σ RV` (value removal effects).
    pub value: Vec<(u16, f64)>,
}

/// The removal-effect shares of every channel of the paths.
///
/// Paths with neither conversions nor nulls, and empty paths, are ignored.
/// `params.markov_order` is clamped to 1..=3.
pub fn shares<'a>(paths: impl IntoIterator<Item = PathRef<'a>>, params: &Params) -> Shares {
    Chain::build(paths, params.markov_order).shares(params.markov_horizon)
}

/// A node of the chain in [`MarkovExplain`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkovNode {
    /// Where every walk begins.
    Start,
    /// A transient state: one channel (order 1) or a tuple of channel codes.
    State(Vec<u16>),
    /// Absorbing: converted.
    Conversion,
    /// Absorbing: did not convert.
    Null,
}

/// One transition of the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkovTransition {
    /// From.
    pub from: MarkovNode,
    /// To.
    pub to: MarkovNode,
    /// Paths (conversions + nulls) that took it.
    pub count: u64,
    /// Row-normalised probability.
    pub probability: f64,
}

/// One channel's removal effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemovalEffect {
    /// Channel code.
    pub channel: u16,
    /// `RE_c = 1 − P(conversion without c) / P(conversion)`.
    pub conversion: f64,
    /// The same on expected value.
    pub value: f64,
    /// `P(conversion)` with every state containing the channel sent to null.
    pub conversion_probability_without: f64,
    /// `RE_c / Σ RE`: the channel's share of the conversions.
    pub conversion_share: f64,
    /// The channel's share of the revenue.
    pub value_share: f64,
}

/// Everything behind a Markov attribution, for `--explain markov`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkovExplain {
    /// Order of the chain.
    pub order: usize,
    /// Channel states a walk may visit before it is cut; `null` = unlimited.
    pub horizon: Option<usize>,
    /// Longest path, in collapsed states.
    pub longest_path: usize,
    /// Distinct state sequences.
    pub distinct_paths: usize,
    /// Conversions on the paths.
    pub conversions: u64,
    /// Non-conversions on the paths.
    pub nulls: u64,
    /// Revenue of the conversions.
    pub revenue: f64,
    /// The transient states (channel-code tuples), sorted.
    pub states: Vec<Vec<u16>>,
    /// Every transition with a positive count, sorted by (from, to).
    pub transitions: Vec<MarkovTransition>,
    /// `P_K(conversion)` of a walk from start.
    pub base_conversion_probability: f64,
    /// Expected revenue of a walk from start.
    pub base_value: f64,
    /// Each channel's removal effect, sorted by channel.
    pub removal_effects: Vec<RemovalEffect>,
}

/// The chain, its removal effects and the shares they give.
///
/// # Errors
///
/// [`super::AttributionError::MarkovWork`] when solving the chain would
/// take more than `params.markov_work_limit`.
pub fn explain<'a>(
    paths: impl IntoIterator<Item = PathRef<'a>>,
    params: &Params,
) -> Result<MarkovExplain, super::AttributionError> {
    let chain = Chain::build(paths, params.markov_order);
    MarkovWork::check(
        &[chain.work(params.markov_horizon)],
        params.markov_work_limit,
    )?;
    let node = |s: u32| MarkovNode::State(chain.states[s as usize].channels().to_vec());
    let mut transitions = Vec::new();
    for &(to, count, probability) in &chain.start {
        transitions.push(MarkovTransition {
            from: MarkovNode::Start,
            to: node(to),
            count,
            probability,
        });
    }
    for s in 0..chain.states.len() {
        let total = chain.row(s).iter().map(|e| e.1).sum::<u64>()
            + chain.conv_count[s]
            + chain.null_count[s];
        let p = |count: u64| {
            if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            }
        };
        for &(to, count, probability) in chain.row(s) {
            transitions.push(MarkovTransition {
                from: node(s as u32),
                to: node(to),
                count,
                probability,
            });
        }
        for (to, count) in [
            (MarkovNode::Conversion, chain.conv_count[s]),
            (MarkovNode::Null, chain.null_count[s]),
        ] {
            if count > 0 {
                transitions.push(MarkovTransition {
                    from: node(s as u32),
                    to,
                    count,
                    probability: p(count),
                });
            }
        }
    }

    let effects = chain.removal_effects(params.markov_horizon);
    let shares = if chain.conversions > 0 {
        effects.shares()
    } else {
        Shares {
            conversion: Vec::new(),
            value: Vec::new(),
        }
    };
    let share_of =
        |list: &[(u16, f64)], c: u16| list.iter().find(|s| s.0 == c).map_or(0.0, |s| s.1);
    let removal_effects = effects
        .effects
        .iter()
        .map(|e| RemovalEffect {
            channel: e.channel,
            conversion: e.conversion,
            value: e.value,
            conversion_probability_without: e.without.conversion,
            conversion_share: share_of(&shares.conversion, e.channel),
            value_share: share_of(&shares.value, e.channel),
        })
        .collect();

    Ok(MarkovExplain {
        order: chain.order,
        horizon: effects.steps,
        longest_path: chain.longest,
        distinct_paths: chain.distinct_paths,
        conversions: chain.conversions,
        nulls: chain.nulls,
        revenue: chain.revenue,
        states: chain.states.iter().map(|s| s.channels().to_vec()).collect(),
        transitions,
        base_conversion_probability: effects.base.conversion,
        base_value: effects.base.value,
        removal_effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{
        GroupedPath, Model, attribute_paths, channelattribution, explain_markov,
    };

    const EPS: f64 = 1e-12;

    fn path(channels: &[u16], conversions: u64, revenue: f64, nulls: u64) -> GroupedPath {
        GroupedPath {
            channels: channels.to_vec(),
            conversions,
            revenue,
            nulls,
        }
    }

    fn params(order: usize, horizon: Horizon) -> Params {
        Params {
            markov_order: order,
            markov_horizon: horizon,
            ..Params::default()
        }
    }

    /// (channel, conversions, revenue) of a Markov run.
    fn markov(paths: &[GroupedPath], p: &Params) -> Vec<(u16, f64, f64)> {
        let r = attribute_paths(paths, Model::Markov, p).expect("markov runs on grouped paths");
        r.credits
            .iter()
            .map(|c| (c.channel, c.conversions, c.revenue))
            .collect()
    }

    fn assert_credits(actual: &[(u16, f64, f64)], expected: &[(u16, f64, f64)]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert_eq!(a.0, e.0, "{actual:?} vs {expected:?}");
            assert!((a.1 - e.1).abs() < 1e-9, "{actual:?} vs {expected:?}");
            assert!((a.2 - e.2).abs() < 1e-9, "{actual:?} vs {expected:?}");
        }
    }

    const A: u16 = 0;
    const B: u16 = 1;
    const C: u16 = 2;
    const D: u16 = 3;

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
                assert_eq!(a.0, b.0);
                assert!((a.1 - b.1).abs() < 1e-12, "order {order}: {a:?} vs {b:?}");
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

    /// a > b > a > c converts once (revenue 100); b alone does not.
    fn loop_paths() -> Vec<GroupedPath> {
        vec![path(&[A, B, A, C], 1, 100.0, 0), path(&[B], 0, 0.0, 1)]
    }

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
    fn explain_lists_every_transition_with_its_probability() {
        let explain =
            explain_markov(&loop_paths(), &Params::default()).expect("within the work limit");
        let st = |c: u16| MarkovNode::State(vec![c]);
        let got: Vec<(MarkovNode, MarkovNode, u64, f64)> = explain
            .transitions
            .iter()
            .map(|t| (t.from.clone(), t.to.clone(), t.count, t.probability))
            .collect();
        assert_eq!(
            got,
            vec![
                (MarkovNode::Start, st(A), 1, 0.5),
                (MarkovNode::Start, st(B), 1, 0.5),
                (st(A), st(B), 1, 0.5),
                (st(A), st(C), 1, 0.5),
                (st(B), st(A), 1, 0.5),
                (st(B), MarkovNode::Null, 1, 0.5),
                (st(C), MarkovNode::Conversion, 1, 1.0),
            ]
        );
        let json = serde_json::to_value(&explain).expect("serializes");
        assert_eq!(json["transitions"][0]["from"], "start");
        assert_eq!(
            json["transitions"][0]["to"]["state"],
            serde_json::json!([0])
        );
        assert_eq!(json["horizon"], 5);
        let shares: f64 = explain
            .removal_effects
            .iter()
            .map(|e| e.conversion_share)
            .sum();
        assert!((shares - 1.0).abs() < EPS);
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

    #[test]
    fn transition_probabilities_match_the_package_exactly() {
        // The package names a state by its internal channel ids (1, 2, … in
        // order of first appearance in paths.csv), a tuple as "1 2".
        let mut first_seen: Vec<u16> = Vec::new();
        for p in channelattribution::grouped_paths() {
            for c in p.channels {
                if !first_seen.contains(&c) {
                    first_seen.push(c);
                }
            }
        }
        let node = |name: &str| match name {
            "(start)" => MarkovNode::Start,
            "(conversion)" => MarkovNode::Conversion,
            "(null)" => MarkovNode::Null,
            ids => MarkovNode::State(
                ids.split_whitespace()
                    .map(|id| first_seen[id.parse::<usize>().expect("package id") - 1])
                    .collect(),
            ),
        };
        let paths = channelattribution::grouped_paths();
        let reference = channelattribution::load();
        for order in [1usize, 2] {
            let explain = explain_markov(&paths, &params(order, Horizon::Auto))
                .expect("within the work limit");
            let matrix = reference["markov"][order.to_string()]["transition_matrix"]
                .as_array()
                .expect("matrix rows");
            assert_eq!(matrix.len(), explain.transitions.len(), "order {order}");
            for row in matrix {
                let from = node(row["channel_from"].as_str().expect("from"));
                let to = node(row["channel_to"].as_str().expect("to"));
                let want = row["transition_probability"].as_f64().expect("number");
                let ours = explain
                    .transitions
                    .iter()
                    .find(|t| t.from == from && t.to == to)
                    .expect("the same transitions");
                assert!(
                    (ours.probability - want).abs() < 1e-12,
                    "order {order}: {from:?} → {to:?}"
                );
            }
        }
    }
}
