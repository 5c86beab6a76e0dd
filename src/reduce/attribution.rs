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
//! truth; above 1, it under-credits it. Every model, the Markov chain
//! included, is run on the test users' own paths (their conversions in the
//! window, and their non-converting paths), so the chain is fitted on the
//! population the experiment measured.

use crate::attribution::markov::{MarkovChain, MarkovWork, PathStates, Transitions};
use crate::attribution::weights::PathWeights;
#[cfg(test)]
use crate::attribution::{self, ConversionPath, Totals, WindowPaths};
use crate::attribution::{
    AttributionError, Credits, Model, ModelResult, NestedPaths, Params, Targets, Touchpoints,
};
use crate::model::{Micros, Window};
use crate::parallel::ordered_map;
use crate::reduce::cohort::Member;
use crate::stats::sum::NeumaierSum;
use std::ops::ControlFlow;

/// What the experiment measured for one (channel, window).
#[derive(Debug, Clone, Copy)]
pub struct Experiment<'a> {
    /// Channel code.
    pub channel: u16,
    /// Window in days.
    pub window_days: u16,
    /// The channel's exposed cohort (all of it; maturity is checked here).
    pub exposed: &'a [Member],
    /// Incremental revenue estimate and interval.
    pub incremental: (f64, Option<f64>, Option<f64>),
}

/// The experiments of the `cohorts` that `keep` selects, for every window
/// of `windows` (in that order), as [`attribute_and_credit`] takes them.
/// Their estimates are left at zero: the pass does not read them.
pub fn experiments_per_window<'a>(
    cohorts: &'a [crate::reduce::cohort::ChannelCohort],
    windows: &[u16],
    keep: impl Fn(&crate::reduce::cohort::ChannelCohort) -> bool,
) -> Vec<Vec<Experiment<'a>>> {
    windows
        .iter()
        .map(|&w| {
            cohorts
                .iter()
                .filter(|c| keep(c))
                .map(|c| Experiment {
                    channel: c.channel,
                    window_days: w,
                    exposed: &c.exposed,
                    incremental: (0.0, None, None),
                })
                .collect()
        })
        .collect()
}

/// Keeps the paths of `members` (mature at `as_of` for the window) whose
/// conversions fall in `[t0, t0 + W)`, and their non-converting paths.
/// The reference the one-pass split is tested against.
#[cfg(test)]
fn test_paths(
    tp: &Touchpoints,
    paths: &WindowPaths,
    members: &[Member],
    as_of: Micros,
) -> WindowPaths {
    let span = Window(paths.window_days).span();
    // members are sorted by user id (cohort::build walks users in order).
    let t0_of = |u: u32| {
        members
            .binary_search_by_key(&u, |m| m.user)
            .ok()
            .map(|i| members[i].t0)
            .filter(|t0| t0 + span <= as_of)
    };
    let user_of = |start: u32| tp.user.get(start as usize).copied();
    let conversions: Vec<_> = paths
        .conversions
        .iter()
        .filter(|c| {
            user_of(c.touches.start)
                .and_then(t0_of)
                .is_some_and(|t0| t0 <= c.order_ts && c.order_ts < t0 + span)
        })
        .cloned()
        .collect();
    let totals = subset_totals(&conversions);
    WindowPaths {
        window_days: paths.window_days,
        conversions,
        non_converting: paths
            .non_converting
            .iter()
            .filter(|s| user_of(s.start).and_then(t0_of).is_some())
            .copied()
            .collect(),
        totals,
    }
}

/// The totals of a subset of conversions: every kept conversion is attributed.
#[cfg(test)]
fn subset_totals(conversions: &[ConversionPath]) -> Totals {
    let revenue: NeumaierSum = conversions.iter().map(|c| c.revenue).collect();
    Totals {
        conversions: conversions.len() as u64,
        revenue: revenue.value(),
        unattributed_conversions: 0,
        unattributed_revenue: 0.0,
        refunds: 0.0,
        net_revenue: revenue.value(),
    }
}

/// The test users of a window's experiments: for each user, the
/// experiments `(index, t0)` they are a mature exposed user of, in
/// experiment order (compressed rows, indexed by user).
struct Membership {
    offsets: Vec<u32>,
    entries: Vec<(u32, Micros)>,
}

impl Membership {
    fn new<'a>(experiments: &[&Experiment<'a>], n_users: usize, span: i64, as_of: Micros) -> Self {
        fn mature<'a>(
            e: &Experiment<'a>,
            n_users: usize,
            span: i64,
            as_of: Micros,
        ) -> impl Iterator<Item = &'a Member> {
            e.exposed
                .iter()
                .filter(move |m| m.t0 + span <= as_of && (m.user as usize) < n_users)
        }
        let mut offsets = vec![0u32; n_users + 1];
        for e in experiments {
            for m in mature(e, n_users, span, as_of) {
                offsets[m.user as usize + 1] += 1;
            }
        }
        for u in 0..n_users {
            offsets[u + 1] += offsets[u];
        }
        let mut fill: Vec<u32> = offsets[..n_users].to_vec();
        let mut entries = vec![(0u32, 0 as Micros); offsets[n_users] as usize];
        for (k, e) in experiments.iter().enumerate() {
            for m in mature(e, n_users, span, as_of) {
                let at = &mut fill[m.user as usize];
                entries[*at as usize] = (k as u32, m.t0);
                *at += 1;
            }
        }
        Self { offsets, entries }
    }

    /// The experiments of the user whose touch starts at `start`.
    fn of(&self, tp: &Touchpoints, start: u32) -> &[(u32, Micros)] {
        let Some(&user) = tp.user.get(start as usize) else {
            return &[];
        };
        match (
            self.offsets.get(user as usize),
            self.offsets.get(user as usize + 1),
        ) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Paths per task of [`attribute_and_credit`]: the unit of work handed to a
/// thread ([`ordered_map`]'s item), and of the order in which partial
/// results are merged.
const CHUNK: usize = 1 << 15;

/// The sums of a set of paths: those shared by a run of windows `a..=b`
/// (the windows in which a path is the same), or, merged, all the paths of
/// one window.
#[derive(Clone)]
struct PathSums {
    /// Channels that occur in some path.
    present: Vec<bool>,
    /// The credits of the conversions of one run of paths (rule models and
    /// Shapley), plain sums: `conversions[channel * models + model]`, and
    /// the same for revenue (0 for Markov).
    conversions: Vec<f64>,
    revenue: Vec<f64>,
    /// Per model: the compensated sum of the runs' credits, in path order
    /// (filled by [`PathSums::merge`]).
    credits: Vec<Credits>,
    /// The chain of every path (when Markov is asked for).
    chain: Transitions,
}

/// What one window's experiments get from a run of paths.
#[derive(Clone)]
struct Tests {
    /// Models per experiment.
    models: usize,
    /// `credited[experiment * models + model]` (rule models and Shapley).
    credited: Vec<f64>,
    /// Per experiment: its test users' chain.
    chains: Vec<TestChain>,
}

/// The chain of an experiment's test users' paths, with their conversions
/// and revenue.
#[derive(Clone, Default)]
struct TestChain {
    chain: Transitions,
    conversions: u64,
    revenue: NeumaierSum,
}

/// What one run of consecutive paths gives.
struct Partial {
    /// `shared[a * k + b]`: the paths shared by windows `a..=b` (`a <= b`).
    shared: Vec<PathSums>,
    /// Per window.
    tests: Vec<Tests>,
}

impl PathSums {
    fn new(models: usize, n_channels: usize) -> Self {
        Self {
            present: vec![false; n_channels],
            conversions: vec![0.0; n_channels * models],
            revenue: vec![0.0; n_channels * models],
            credits: vec![Credits::new(n_channels); models],
            chain: Transitions::default(),
        }
    }

    fn mark(&mut self, channels: &[u16]) {
        for &c in channels {
            let i = usize::from(c);
            if i >= self.present.len() {
                self.present.resize(i + 1, false);
            }
            self.present[i] = true;
        }
    }

    /// The plain sums of `channel`, one per model: conversions, revenue.
    #[inline]
    fn sums_of(&mut self, channel: u16, models: usize) -> (&mut [f64], &mut [f64]) {
        let at = usize::from(channel) * models;
        if at + models > self.conversions.len() {
            self.conversions.resize(at + models, 0.0);
            self.revenue.resize(at + models, 0.0);
        }
        (
            &mut self.conversions[at..at + models],
            &mut self.revenue[at..at + models],
        )
    }

    /// Adds the sums of the paths that follow this one's: their plain sums
    /// enter the compensated ones.
    fn merge(&mut self, other: PathSums) {
        if other.present.len() > self.present.len() {
            self.present.resize(other.present.len(), false);
        }
        for (a, b) in self.present.iter_mut().zip(&other.present) {
            *a |= b;
        }
        let models = self.credits.len();
        if models > 0 {
            let sums = other
                .conversions
                .chunks_exact(models)
                .zip(other.revenue.chunks_exact(models));
            for (c, (conversions, revenue)) in sums.enumerate() {
                if other.present.get(c) == Some(&true) {
                    for ((credits, &n), &r) in self.credits.iter_mut().zip(conversions).zip(revenue)
                    {
                        credits.add(c as u16, n, r);
                    }
                }
            }
        }
        for (a, b) in self.credits.iter_mut().zip(&other.credits) {
            a.merge(b);
        }
        self.chain.merge(other.chain);
    }
}

impl Partial {
    fn new(models: usize, experiments: &[usize], n_channels: usize) -> Self {
        let k = experiments.len();
        Self {
            shared: vec![PathSums::new(models, n_channels); k * k],
            tests: experiments
                .iter()
                .map(|&n| Tests {
                    models,
                    credited: vec![0.0; n * models],
                    chains: vec![TestChain::default(); n],
                })
                .collect(),
        }
    }

    /// Adds the partial of the paths that follow this one's.
    fn merge(&mut self, other: Partial) {
        for (a, b) in self.shared.iter_mut().zip(other.shared) {
            a.merge(b);
        }
        for (a, b) in self.tests.iter_mut().zip(other.tests) {
            for (x, y) in a.credited.iter_mut().zip(&b.credited) {
                *x += y;
            }
            for (x, y) in a.chains.iter_mut().zip(b.chains) {
                x.chain.merge(y.chain);
                x.conversions += y.conversions;
                x.revenue.merge(&y.revenue);
            }
        }
    }
}

/// The runs of windows in which a path is the same: `starts[w]` is where
/// the path starts in window `w` (windows ascending, so starts never
/// increase), `end` where it ends. Yields `(a, b, start)` for each run
/// `a..=b` whose path is not empty.
fn runs(starts: &[u32], end: u32) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
    let mut a = 0;
    std::iter::from_fn(move || {
        while a < starts.len() {
            let s = starts[a];
            let mut b = a;
            while b + 1 < starts.len() && starts[b + 1] == s {
                b += 1;
            }
            let run = (a, b, s);
            a = b + 1;
            if s < end {
                return Some(run);
            }
        }
        None
    })
}

/// One window's models' results (in the order of the models asked for)
/// and `credited[model][experiment]`.
pub type WindowCredited = (Vec<ModelResult>, Vec<Vec<f64>>);

/// Every window's attribution by every model and, per window, model and
/// experiment, the revenue the model credits to the experiment's channel
/// from the conversions of its test users — in one pass over the paths.
///
/// `experiments[w]` are the experiments of window `paths.windows[w]`.
/// Returns, per window of `paths.windows`, the models' results (as
/// [`crate::attribution::attribute_window`] gives them, in the order of
/// `models`) and `credited[model][experiment]`.
///
/// A conversion's path is the same in every window from the shortest one
/// that holds all its touches up; its touch weights (rule models), Shapley
/// shares and Markov states are computed once per distinct path, and
/// credited to that run of windows' shared totals, which are added to each
/// window's at the end. Each window's experiments whose test user converted
/// in `[t0, t0 + W)` are credited from the same weights (non-converting
/// paths: every experiment of the user). The paths are cut into runs of
/// 32,768 that `threads` threads take in turn ([`ordered_map`]); the
/// partial results are merged in path order, so the result does not depend
/// on the number of threads.
///
/// # Errors
///
/// [`AttributionError::MarkovWork`] when solving a window's Markov chains
/// (its own and its experiments') would take more than
/// `params.markov_work_limit`; it is checked before any chain is solved.
#[allow(clippy::too_many_arguments)]
pub fn attribute_and_credit(
    tp: &Touchpoints,
    paths: &NestedPaths,
    experiments: &[Vec<&Experiment<'_>>],
    models: &[Model],
    params: &Params,
    n_channels: usize,
    as_of: Micros,
    threads: usize,
) -> Result<Vec<WindowCredited>, AttributionError> {
    let k = paths.windows.len();
    let spans: Vec<i64> = paths.windows.iter().map(|&w| Window(w).span()).collect();
    let n_users = tp.user.iter().max().map_or(0, |&u| u as usize + 1);
    let no_experiments = Vec::new();
    let experiments: Vec<&Vec<&Experiment<'_>>> = (0..k)
        .map(|w| experiments.get(w).unwrap_or(&no_experiments))
        .collect();
    let n_experiments: Vec<usize> = experiments.iter().map(|e| e.len()).collect();
    let members: Vec<Membership> = experiments
        .iter()
        .zip(&spans)
        .map(|(e, &span)| Membership::new(e, n_users, span, as_of))
        .collect();
    let markov = models.contains(&Model::Markov);
    let n_models = models.len();
    let n_conv_tasks = paths.conversions.len().div_ceil(CHUNK);
    let n_tasks = n_conv_tasks + paths.non_converting.len().div_ceil(CHUNK);

    let task = |t: usize| -> Partial {
        let mut p = Partial::new(models.len(), &n_experiments, n_channels);
        let mut weights = PathWeights::new(models);
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut states = PathStates::default();
        if t < n_conv_tasks {
            let end = ((t + 1) * CHUNK).min(paths.conversions.len());
            for i in t * CHUNK..end {
                let c = &paths.conversions[i];
                let user_touch = c.touches.start;
                let longest = c.touches.range();
                weights.set_longest(user_touch, &tp.ts[longest], c.order_ts, params);
                for (a, b, start) in runs(&paths.starts[i * k..(i + 1) * k], c.touches.end) {
                    let range = start as usize..c.touches.end as usize;
                    let channels = &tp.channel[range.clone()];
                    let sums = &mut p.shared[a * k + b];
                    sums.mark(channels);
                    hits.clear();
                    for w in a..=b {
                        let span = spans[w];
                        hits.extend(
                            members[w]
                                .of(tp, user_touch)
                                .iter()
                                .filter(|(_, t0)| *t0 <= c.order_ts && c.order_ts < t0 + span)
                                .map(|&(e, _)| (w, e as usize)),
                        );
                    }
                    weights.set_tail(start, channels, &tp.ts[range], c.order_ts, params);
                    for &(w, e) in &hits {
                        if let Some(s) = weights.slot_of(experiments[w][e].channel) {
                            let tests = &mut p.tests[w];
                            let row = &mut tests.credited[e * n_models..(e + 1) * n_models];
                            // Every model side by side (Markov's column is
                            // 0 here and filled from its chains).
                            for (r, &x) in row.iter_mut().zip(weights.of_slot(s)) {
                                *r += x * c.revenue;
                            }
                        }
                    }
                    for (s, &channel) in weights.channels().iter().enumerate() {
                        // Every model side by side (Markov's weights are 0).
                        let (conversions, revenue) = sums.sums_of(channel, n_models);
                        let w = weights.of_slot(s);
                        for ((n, r), &x) in conversions.iter_mut().zip(revenue.iter_mut()).zip(w) {
                            *n += x;
                            *r += x * c.revenue;
                        }
                    }
                    if markov {
                        states.set(channels, params.markov_order);
                        sums.chain.add(&states, 1, 0, c.revenue);
                        for &(w, e) in &hits {
                            let test = &mut p.tests[w].chains[e];
                            test.chain.add(&states, 1, 0, c.revenue);
                            test.conversions += 1;
                            test.revenue.add(c.revenue);
                        }
                    }
                }
            }
        } else {
            let t = t - n_conv_tasks;
            let end = ((t + 1) * CHUNK).min(paths.non_converting.len());
            for i in t * CHUNK..end {
                let s = paths.non_converting[i];
                let starts = &paths.non_converting_starts[i * k..(i + 1) * k];
                for (a, b, start) in runs(starts, s.end) {
                    let channels = &tp.channel[start as usize..s.end as usize];
                    let sums = &mut p.shared[a * k + b];
                    sums.mark(channels);
                    if markov {
                        states.set(channels, params.markov_order);
                        sums.chain.add(&states, 0, 1, 0.0);
                        let windows = members[a..=b].iter().zip(&mut p.tests[a..=b]);
                        for (members, tests) in windows {
                            for &(e, _) in members.of(tp, s.start) {
                                tests.chains[e as usize].chain.add(&states, 0, 1, 0.0);
                            }
                        }
                    }
                }
            }
        }
        p
    };

    // The partials are merged in task order, whatever the order in which
    // the threads finish them.
    let mut total = Partial::new(models.len(), &n_experiments, n_channels);
    let _ = ordered_map(0..n_tasks, threads.min(n_tasks), task, |partial| {
        total.merge(partial);
        ControlFlow::<()>::Continue(())
    });

    // Each window's totals: the runs of windows that hold it, in run order.
    let Partial { shared, tests } = total;
    let mut windows: Vec<(PathSums, Tests)> = tests
        .into_iter()
        .enumerate()
        .map(|(w, tests)| {
            let mut window = PathSums::new(models.len(), n_channels);
            for a in 0..=w {
                for b in w..k {
                    window.merge(shared[a * k + b].clone());
                }
            }
            (window, tests)
        })
        .collect();
    // Every window's Markov chains are counted and checked before any is
    // solved.
    let chains: Vec<WindowChains> = windows
        .iter_mut()
        .map(|(window, tests)| WindowChains::of(window, tests, markov, params))
        .collect();
    for c in &chains {
        MarkovWork::check(&c.works(params), params.markov_work_limit)?;
    }
    windows
        .into_iter()
        .zip(chains)
        .enumerate()
        .map(|(w, ((window, tests), chains))| {
            finish_window(
                window,
                tests,
                chains,
                &paths.totals[w],
                experiments[w],
                models,
                params,
                n_channels,
            )
        })
        .collect()
}

/// One window's Markov chains, counted: of all its paths, and of each
/// experiment's test users.
struct WindowChains {
    all: Option<MarkovChain>,
    tests: Vec<MarkovChain>,
}

impl WindowChains {
    /// Takes the counted transitions out of the window's totals.
    fn of(window: &mut PathSums, tests: &mut Tests, markov: bool, params: &Params) -> Self {
        if !markov {
            return Self {
                all: None,
                tests: Vec::new(),
            };
        }
        Self {
            all: Some(std::mem::take(&mut window.chain).into_chain(params)),
            tests: tests
                .chains
                .iter_mut()
                .map(|c| std::mem::take(&mut c.chain).into_chain(params))
                .collect(),
        }
    }

    fn works(&self, params: &Params) -> Vec<MarkovWork> {
        self.all
            .iter()
            .chain(&self.tests)
            .map(|c| c.work(params))
            .collect()
    }
}

/// One window's models' results and `credited[model][experiment]` from its
/// merged path sums and its experiments' tests.
#[allow(clippy::too_many_arguments)]
fn finish_window(
    window: PathSums,
    tests: Tests,
    counted: WindowChains,
    totals: &crate::attribution::Totals,
    experiments: &[&Experiment<'_>],
    models: &[Model],
    params: &Params,
    n_channels: usize,
) -> Result<WindowCredited, AttributionError> {
    let Targets {
        conversions: target_conversions,
        revenue: target_revenue,
    } = totals.targets();
    let PathSums {
        present, credits, ..
    } = window;
    let Tests {
        models: n_models,
        credited,
        chains,
    } = tests;
    let mut credited: Vec<Vec<f64>> = (0..n_models)
        .map(|j| {
            credited
                .iter()
                .skip(j)
                .step_by(n_models.max(1))
                .copied()
                .collect()
        })
        .collect();
    let WindowChains { mut all, tests } = counted;
    let results = models
        .iter()
        .zip(credits)
        .map(|(&m, mut credits)| {
            if m == Model::Markov {
                credits = Credits::new(n_channels);
                if let Some(chain) = all.take() {
                    credits.add_shares(&chain.shares(params), target_conversions, target_revenue);
                }
            }
            credits.mark_all(&present);
            credits.finish(m, target_conversions, target_revenue)
        })
        .collect();
    if let Some(j) = models.iter().position(|&m| m == Model::Markov) {
        for (e, (x, (chain, test))) in experiments.iter().zip(tests.iter().zip(chains)).enumerate()
        {
            let (conversions, revenue) = (test.conversions as f64, test.revenue.value());
            let mut credits = Credits::new(n_channels);
            credits.add_shares(&chain.shares(params), conversions, revenue);
            credited[j][e] = credits
                .finish(Model::Markov, conversions, revenue)
                .credits
                .iter()
                .find(|c| c.channel == x.channel)
                .map_or(0.0, |c| c.revenue);
        }
    }
    Ok((results, credited))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Exposures, Group, Orders};
    use crate::reduce::cohort;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const D: i64 = crate::model::MICROS_PER_DAY;

    /// Random users with touches on 4 channels (some labeled) and orders.
    fn data(seed: u64) -> (Exposures, Orders) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut ex, mut or) = (Exposures::default(), Orders::default());
        for u in 0..300u32 {
            let mut ts: Vec<i64> = (0..rng.random_range(1..6))
                .map(|_| rng.random_range(0..120) * D + rng.random_range(0..D))
                .collect();
            ts.sort_unstable();
            for (i, t) in ts.into_iter().enumerate() {
                ex.user.push(u);
                ex.channel.push(rng.random_range(0..4));
                ex.ts.push(t);
                ex.group.push(match rng.random_range(0..4) {
                    0 => Group::Organic,
                    1 => Group::Control,
                    _ => Group::Exposed,
                });
                ex.cost.push(0.0);
                ex.campaign.push(u32::MAX);
                ex.row.push(u * 10 + i as u32);
            }
            let mut ots: Vec<i64> = (0..rng.random_range(0..4))
                .map(|_| rng.random_range(0..150) * D)
                .collect();
            ots.sort_unstable();
            for t in ots {
                or.user.push(u);
                or.ts.push(t);
                or.revenue.push(f64::from(rng.random_range(0..200)));
                or.row.push(or.row.len() as u32);
            }
        }
        (ex, or)
    }

    #[test]
    fn one_pass_credits_equal_attributing_each_experiments_paths_on_their_own() {
        for seed in [1, 2, 3] {
            let (ex, or) = data(seed);
            let cohorts = cohort::build(&ex, 4);
            let tp = Touchpoints::from_exposures(&ex);
            let params = Params::default();
            let as_of = 150 * D;
            // Windows out of order: the paths come back ascending.
            let nested = attribution::build_nested(&tp, &or, &[30, 7, 90]);
            assert_eq!(nested.windows, [7, 30, 90]);
            let exps = experiments_per_window(&cohorts, &nested.windows, |_| true);
            let refs: Vec<Vec<&Experiment<'_>>> = exps.iter().map(|e| e.iter().collect()).collect();
            for threads in [1, 3] {
                let all = attribute_and_credit(
                    &tp,
                    &nested,
                    &refs,
                    &Model::ALL,
                    &params,
                    4,
                    as_of,
                    threads,
                )
                .expect("within the work limit");
                assert_eq!(all.len(), 3);
                for (i, (results, fast)) in all.iter().enumerate() {
                    let w = nested.windows[i];
                    let paths = nested.window(i);
                    assert_eq!(paths, attribution::build_paths(&tp, &or, w));
                    // The window's own results equal the model run on its own.
                    for (j, &m) in Model::ALL.iter().enumerate() {
                        let alone = attribution::attribute_window(&tp, &paths, m, &params, 4);
                        assert_eq!(results[j].model, m);
                        assert_eq!(results[j].credits.len(), alone.credits.len());
                        for (a, b) in results[j].credits.iter().zip(&alone.credits) {
                            assert_eq!(a.channel, b.channel);
                            assert!((a.conversions - b.conversions).abs() < 1e-9, "{m:?}");
                            assert!((a.revenue - b.revenue).abs() < 1e-9, "{m:?}");
                        }
                    }
                    for (k, e) in exps[i].iter().enumerate() {
                        let sub = test_paths(&tp, &paths, e.exposed, as_of);
                        for (j, &m) in Model::ALL.iter().enumerate() {
                            let slow = attribution::attribute_window(&tp, &sub, m, &params, 4)
                                .credits
                                .iter()
                                .find(|c| c.channel == e.channel)
                                .map_or(0.0, |c| c.revenue);
                            assert!(
                                (fast[j][k] - slow).abs() < 1e-6,
                                "seed {seed} W {w} {m:?} channel {}: {} vs {slow}",
                                e.channel,
                                fast[j][k]
                            );
                        }
                    }
                }
            }
        }
    }

    /// Many runs of paths (more than one [`CHUNK`]) merge to the same
    /// result whatever the number of threads, and equal the models run on
    /// their own.
    #[test]
    fn chunked_pass_equals_the_models_alone_and_ignores_the_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (mut ex, mut or) = (Exposures::default(), Orders::default());
        for u in 0..80_000u32 {
            let n = rng.random_range(1..5);
            for i in 0..n {
                ex.user.push(u);
                ex.channel.push(rng.random_range(0..5));
                ex.ts.push(i64::from(i) * D + rng.random_range(0..D));
                ex.group.push(if rng.random_range(0..3) == 0 {
                    Group::Control
                } else {
                    Group::Exposed
                });
                ex.cost.push(0.0);
                ex.campaign.push(u32::MAX);
                ex.row.push(ex.row.len() as u32);
            }
            if rng.random_range(0..3) > 0 {
                or.user.push(u);
                or.ts.push(6 * D);
                or.revenue.push(f64::from(rng.random_range(1..500)) / 4.0);
                or.row.push(or.row.len() as u32);
            }
        }
        let cohorts = cohort::build(&ex, 5);
        let tp = Touchpoints::from_exposures(&ex);
        let params = Params {
            markov_order: 2,
            ..Params::default()
        };
        let nested = attribution::build_nested(&tp, &or, &[30]);
        let paths = nested.window(0);
        assert!(paths.conversions.len() > CHUNK && paths.non_converting.len() > 1000);
        let exps: Vec<Experiment<'_>> = cohorts
            .iter()
            .map(|c| Experiment {
                channel: c.channel,
                window_days: 30,
                exposed: &c.exposed,
                incremental: (1.0, None, None),
            })
            .collect();
        let refs: Vec<Vec<&Experiment<'_>>> = vec![exps.iter().collect()];
        let run = |threads| {
            attribute_and_credit(
                &tp,
                &nested,
                &refs,
                &Model::ALL,
                &params,
                5,
                40 * D,
                threads,
            )
            .expect("within the work limit")
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(4));
        for (j, &m) in Model::ALL.iter().enumerate() {
            let alone = attribution::attribute_window(&tp, &paths, m, &params, 5);
            for (a, b) in one[0].0[j].credits.iter().zip(&alone.credits) {
                assert_eq!(a.channel, b.channel);
                assert!(
                    (a.conversions - b.conversions).abs() <= 1e-9 * b.conversions.abs().max(1.0)
                );
                assert!((a.revenue - b.revenue).abs() <= 1e-9 * b.revenue.abs().max(1.0));
            }
        }
    }
}
