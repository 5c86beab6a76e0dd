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
//! # Layout
//!
//! This file holds the chain's states, the chain itself and the model's
//! public types. `counts.rs` counts the transitions and builds the chain
//! from them, `removal.rs` computes the removal effects (with the walks
//! and the direct solve of `solve.rs`) and the shares they give, and
//! `explain.rs` the `--explain markov` output.
//!
//! # References
//!
//! - E. Anderl, I. Becker, F. von Wangenheim, J. H. Schumann (2016), *Mapping
//!   the customer journey: Lessons learned from graph-based online attribution
//!   modeling*, International Journal of Research in Marketing 33(3), 457–474.
//! - D. Altomare, D. Loris, *ChannelAttribution* 2.2.5, `markov_model`
//!   (`src/cypack/functions.cpp`), <https://channelattribution.io>.

mod counts;
mod explain;
mod removal;
mod solve;

use std::cmp::Ordering;
use std::fmt;

use super::{ChannelShare, Params, PathRef};
use solve::MAX_INFINITE_STEPS;

pub use counts::{PathStates, Transition, Transitions, chain_from_transitions, collapsed_states};
pub use explain::{MarkovExplain, MarkovNode, MarkovTransition, RemovalEffect, explain};

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
}

/// Probability and expected value of converting.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Absorption {
    conversion: f64,
    value: f64,
}

/// Each channel's share of the conversions and of the revenue (each list
/// sorted by channel and adding up to 1; empty when nothing converts).
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    /// `RE_c / Σ RE`.
    pub conversion: Vec<ChannelShare>,
    /// `RV_c / Σ RV` (value removal effects).
    pub value: Vec<ChannelShare>,
}

/// The removal-effect shares of every channel of the paths.
///
/// Paths with neither conversions nor nulls, and empty paths, are ignored.
/// `params.markov_order` is clamped to 1..=3.
pub fn shares<'a>(paths: impl IntoIterator<Item = PathRef<'a>>, params: &Params) -> Shares {
    Chain::build(paths, params.markov_order).shares(params.markov_horizon)
}

/// Paths, settings and checks shared by the tests of the chain.
#[cfg(test)]
mod test_paths {
    use crate::attribution::{GroupedPath, Horizon, Model, Params, attribute_paths};

    pub(super) const EPS: f64 = 1e-12;

    pub(super) fn path(
        channels: &[u16],
        conversions: u64,
        revenue: f64,
        nulls: u64,
    ) -> GroupedPath {
        GroupedPath {
            channels: channels.to_vec(),
            conversions,
            revenue,
            nulls,
        }
    }

    pub(super) fn params(order: usize, horizon: Horizon) -> Params {
        Params {
            markov_order: order,
            markov_horizon: horizon,
            ..Params::default()
        }
    }

    /// (channel, conversions, revenue) of a Markov run.
    pub(super) fn markov(paths: &[GroupedPath], p: &Params) -> Vec<(u16, f64, f64)> {
        let r = attribute_paths(paths, Model::Markov, p).expect("markov runs on grouped paths");
        r.credits
            .iter()
            .map(|c| (c.channel, c.conversions, c.revenue))
            .collect()
    }

    pub(super) fn assert_credits(actual: &[(u16, f64, f64)], expected: &[(u16, f64, f64)]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert_eq!(a.0, e.0, "{actual:?} vs {expected:?}");
            assert!((a.1 - e.1).abs() < 1e-9, "{actual:?} vs {expected:?}");
            assert!((a.2 - e.2).abs() < 1e-9, "{actual:?} vs {expected:?}");
        }
    }

    pub(super) const A: u16 = 0;
    pub(super) const B: u16 = 1;
    pub(super) const C: u16 = 2;
    pub(super) const D: u16 = 3;

    /// a > b > a > c converts once (revenue 100); b alone does not.
    pub(super) fn loop_paths() -> Vec<GroupedPath> {
        vec![path(&[A, B, A, C], 1, 100.0, 0), path(&[B], 0, 0.0, 1)]
    }
}
