//! The absorption probabilities behind the removal effects: every removal
//! of a chain at once.
//!
//! # Finite horizon: one walk for every removal
//!
//! `P_K^{−c}` is a walk of `K` steps on the chain with the states of `c`
//! sent to *null*. The walks of all removals share the transition matrix,
//! so they advance together: the walk mass is a matrix with one row per
//! state and one column per removal, and each step adds, for every
//! transition `s → s′` with probability `p`, `p` times row `s` to row `s′`
//! (a vector operation over the removals), then zeroes each column's
//! removed states. Each column sees exactly the additions, in exactly the
//! order, of a walk on its own, so the result is the same bit for bit
//! whether one removal or two hundred are walked at once, and on any number
//! of threads (the columns are cut into pieces that threads take in turn).
//! A column stops once the mass still walking cannot change its result by
//! more than 1e-15 relative. A step gathers the transitions into each
//! state, sources ascending; in a dense chain (a quarter of the state pairs
//! or more, as display channels give at order 1) it is the product `Qᵀ ·`
//! mass in tiles of 4 states × 4 removals held in registers, where a
//! missing transition adds `+0`, which changes no sum.
//!
//! Cost: `(transitions + states) · K · (channels + 1)` multiply–adds.
//!
//! # Infinite horizon: one linear system
//!
//! With `N = (I − Q)⁻¹` (`Q` the transient part of the chain, `s` the start
//! distribution, `a` the probabilities of converting from each state, `v`
//! their values), the probability of converting is `P = sᵀ N a` and the
//! expected value `V = sᵀ N (a ∘ v)`. A walk that converts either never
//! visits the removed states `S` or first enters them at some state `j`,
//! after which it converts with probability `h_j = (N a)_j`. The expected
//! visits to `S` are `(sᵀN)_S = F · N_SS`, with `F` the distribution of the
//! first entry, so
//!
//! ```text
//! F      = (sᵀN)_S · N_SS⁻¹
//! P^{−S} = P − F · h_S            V^{−S} = V − F · (N (a ∘ v))_S
//! ```
//!
//! — one LU factorisation of `I − Q` (partial pivoting) and its inverse,
//! then a small system per channel (one unknown per state of the channel;
//! one at order 1). This holds up to [`DENSE_MAX_STATES`] states; larger
//! chains walk until the mass left is negligible, as above.
//!
//! The solves are plain loops in a fixed order, with no run-time choice of
//! instructions, so the numbers are the same on every machine.

use super::{Absorption, Chain, REL_EPS};
use crate::progress::Task;
use crate::stats::sum::NeumaierSum;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Largest chain whose infinite horizon is solved directly (the inverse of
/// `I − Q` holds `n²` numbers and costs about `2n³` multiply–adds).
pub const DENSE_MAX_STATES: usize = 1500;

/// The walk mass of all the columns walked at once is kept below this many
/// numbers (twice: this step's and the next's), 256 MiB each.
const WALK_CELLS: usize = 1 << 25;

/// The steps an infinite walk may take at most. Absorption is certain
/// (every state lies on a path that ends), so the mass decays geometrically;
/// only near-closed loops come near this.
pub(super) const MAX_INFINITE_STEPS: usize = 1_000_000;

impl Chain {
    /// The walks of `removed.len()` removals (each the sorted states it
    /// sends to *null*; empty = the whole chain), at most `limit` channel
    /// states long. `scale` is the result the early stop compares with
    /// (`None`: each walk's own running total). Progress is shown as `label`.
    pub(super) fn walk(
        &self,
        removed: &[Vec<u32>],
        limit: usize,
        scale: Option<Absorption>,
        label: String,
    ) -> Vec<Absorption> {
        let n = self.states.len();
        let m = removed.len();
        if m == 0 {
            return Vec::new();
        }
        let threads = crate::parallel::threads();
        let width = m
            .div_ceil(threads)
            .min((WALK_CELLS / n.max(1) / threads).max(1));
        let pieces: Vec<std::ops::Range<usize>> = (0..m)
            .step_by(width)
            .map(|lo| lo..(lo + width).min(m))
            .collect();
        let task = Task::new(label, (limit * pieces.len()) as u64);
        let task = &task;
        let dense = &self.dense_transposed();
        // A dense chain's steps never read the transitions by target.
        let incoming = &match dense {
            Some(_) => Incoming::default(),
            None => self.incoming(),
        };
        let results = Mutex::new(vec![
            Absorption {
                conversion: 0.0,
                value: 0.0
            };
            m
        ]);
        let next = AtomicUsize::new(0);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(piece) = pieces.get(i) else {
                    break;
                };
                let out = self.walk_columns(
                    incoming,
                    dense.as_deref(),
                    &removed[piece.clone()],
                    limit,
                    scale,
                    task,
                );
                if let Ok(mut r) = results.lock() {
                    r[piece.clone()].copy_from_slice(&out);
                }
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads.min(pieces.len()) {
                scope.spawn(work);
            }
            work();
        });
        match results.into_inner() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The transitions by target state, each target's sources ascending.
    pub(super) fn incoming(&self) -> Incoming {
        let n = self.states.len();
        let mut start = vec![0usize; n + 1];
        for &(to, _, _) in &self.edges {
            start[to as usize + 1] += 1;
        }
        for s in 0..n {
            start[s + 1] += start[s];
        }
        let mut fill = start.clone();
        let mut edges = vec![(0u32, 0.0); self.edges.len()];
        for s in 0..n {
            for &(to, _, p) in self.row(s) {
                edges[fill[to as usize]] = (s as u32, p);
                fill[to as usize] += 1;
            }
        }
        Incoming { start, edges }
    }

    /// `Qᵀ` as a dense row-major matrix (`[to · n + from]`), when at least
    /// a quarter of the state pairs have a transition and it is small
    /// enough to keep (then a step is a dense matrix product, see
    /// [`dense_step`]).
    pub(super) fn dense_transposed(&self) -> Option<Vec<f64>> {
        let n = self.states.len();
        if n > DENSE_STEP_MAX_STATES || self.edges.len() * 4 < n * n {
            return None;
        }
        let mut qt = vec![0.0; n * n];
        for s in 0..n {
            for &(to, _, p) in self.row(s) {
                qt[to as usize * n + s] = p;
            }
        }
        Some(qt)
    }

    /// [`Chain::walk`] of a few columns on this thread.
    fn walk_columns(
        &self,
        incoming: &Incoming,
        dense: Option<&[f64]>,
        removed: &[Vec<u32>],
        limit: usize,
        scale: Option<Absorption>,
        task: &Task,
    ) -> Vec<Absorption> {
        let n = self.states.len();
        let m = removed.len();
        let limit = limit.max(1);
        let zero_removed = |d: &mut [f64]| {
            for (r, states) in removed.iter().enumerate() {
                for &s in states {
                    d[s as usize * m + r] = 0.0;
                }
            }
        };
        let mut d = vec![0.0; n * m];
        let mut next = vec![0.0; n * m];
        for &(s, _, p) in &self.start {
            for x in &mut d[s as usize * m..(s as usize + 1) * m] {
                *x += p;
            }
        }
        zero_removed(&mut d);
        let mut conversion = vec![NeumaierSum::default(); m];
        let mut value = vec![NeumaierSum::default(); m];
        let mut mass = vec![0.0; m];
        let mut done = vec![false; m];
        let mut moving = vec![false; n];
        let mut live = m;
        for t in 1..=limit {
            for (s, row) in d.chunks_exact(m).enumerate() {
                let (p, v) = (self.conv_p[s], self.value[s]);
                if p == 0.0 {
                    continue;
                }
                for (r, &x) in row.iter().enumerate() {
                    let absorbed = x * p;
                    if absorbed > 0.0 {
                        conversion[r].add(absorbed);
                        value[r].add(absorbed * v);
                    }
                }
            }
            task.advance(1);
            if t == limit {
                break;
            }
            // Row `to` of the next step gathers `p ·` row `s` of every
            // transition `s → to`, sources ascending: for each column the
            // same additions in the same order as a walk of its own.
            if let Some(qt) = dense {
                dense_step(qt, n, m, &d, &mut next);
            } else {
                for (row, walking) in d.chunks_exact(m).zip(&mut moving) {
                    *walking = row.iter().any(|&x| x != 0.0);
                }
                gather_step(incoming, &moving, m, &d, &mut next);
            }
            zero_removed(&mut next);
            std::mem::swap(&mut d, &mut next);
            next.fill(0.0);
            mass.fill(0.0);
            for row in d.chunks_exact(m) {
                for (total, &x) in mass.iter_mut().zip(row) {
                    *total += x;
                }
            }
            for r in 0..m {
                if done[r] {
                    continue;
                }
                let (c, v) = match scale {
                    Some(s) => (s.conversion, s.value),
                    None => (conversion[r].value(), value[r].value()),
                };
                let m_r = mass[r];
                if m_r <= 0.0 || (m_r <= REL_EPS * c && m_r * self.value_max <= REL_EPS * v) {
                    // Done: this column walks no further.
                    for row in d.chunks_exact_mut(m) {
                        row[r] = 0.0;
                    }
                    done[r] = true;
                    live -= 1;
                }
            }
            if live == 0 {
                break;
            }
        }
        conversion
            .iter()
            .zip(&value)
            .map(|(c, v)| Absorption {
                conversion: c.value(),
                value: v.value(),
            })
            .collect()
    }
}

/// The largest chain whose steps use the dense `Qᵀ` (n² numbers, 32 MiB).
const DENSE_STEP_MAX_STATES: usize = 2048;

/// One step of the walk by the transitions into each state: row `to` of
/// `next` (all zero) gathers `p ·` row `s` of `d` for every transition
/// `s → to` whose source still holds mass, sources ascending.
fn gather_step(incoming: &Incoming, moving: &[bool], m: usize, d: &[f64], next: &mut [f64]) {
    for (to, out) in next.chunks_exact_mut(m).enumerate() {
        for &(s, p) in incoming.of(to) {
            let s = s as usize;
            if moving[s] {
                for (y, &x) in out.iter_mut().zip(&d[s * m..(s + 1) * m]) {
                    *y += x * p;
                }
            }
        }
    }
}

/// One step of the walk as a dense product, `next = Qᵀ d`: each cell sums
/// `p · d[s]` over every source `s` ascending, as [`gather_step`] does (a
/// missing transition adds `0 · d[s] = +0`, which changes no sum of
/// non-negative numbers), in tiles of 4 states × 4 columns kept in
/// registers.
fn dense_step(qt: &[f64], n: usize, m: usize, d: &[f64], next: &mut [f64]) {
    const T: usize = 4;
    const C: usize = 4;
    for t0 in (0..n).step_by(T) {
        let tb = T.min(n - t0);
        for c0 in (0..m).step_by(C) {
            let cb = C.min(m - c0);
            if tb == T && cb == C {
                let rows: [&[f64]; T] =
                    std::array::from_fn(|i| &qt[(t0 + i) * n..(t0 + i + 1) * n]);
                let mut acc = [[0.0; C]; T];
                for s in 0..n {
                    let x = &d[s * m + c0..s * m + c0 + C];
                    for (a, row) in acc.iter_mut().zip(&rows) {
                        let p = row[s];
                        for (y, &x) in a.iter_mut().zip(x) {
                            *y += x * p;
                        }
                    }
                }
                for (i, a) in acc.iter().enumerate() {
                    next[(t0 + i) * m + c0..(t0 + i) * m + c0 + C].copy_from_slice(a);
                }
            } else {
                for i in 0..tb {
                    let row = &qt[(t0 + i) * n..(t0 + i + 1) * n];
                    for j in 0..cb {
                        let mut y = 0.0;
                        for (s, &p) in row.iter().enumerate() {
                            y += d[s * m + c0 + j] * p;
                        }
                        next[(t0 + i) * m + c0 + j] = y;
                    }
                }
            }
        }
    }
}

/// A chain's transitions by target state (compressed sparse columns).
#[derive(Default)]
pub(super) struct Incoming {
    /// `edges[start[t]..start[t + 1]]` lead to state `t`.
    start: Vec<usize>,
    /// (source, probability), sources ascending within a target.
    edges: Vec<(u32, f64)>,
}

impl Incoming {
    fn of(&self, to: usize) -> &[(u32, f64)] {
        &self.edges[self.start[to]..self.start[to + 1]]
    }
}

/// The infinite-horizon absorption of a chain, solved directly.
pub(super) struct Direct {
    n: usize,
    /// `N = (I − Q)⁻¹`, row-major.
    inverse: Vec<f64>,
    /// `sᵀN`: the expected visits to each state from the start.
    visits: Vec<f64>,
    /// `N a`: the probability of converting from each state.
    from: Vec<f64>,
    /// `N (a ∘ v)`: the expected value from each state.
    value_from: Vec<f64>,
    /// The whole chain's result.
    pub(super) base: Absorption,
}

impl Direct {
    /// Factorises `I − Q` and inverts it.
    pub(super) fn new(chain: &Chain, task: &Task) -> Direct {
        let n = chain.states.len();
        let mut lu = vec![0.0; n * n];
        for s in 0..n {
            lu[s * n + s] = 1.0;
            for &(to, _, p) in chain.row(s) {
                lu[s * n + to as usize] -= p;
            }
        }
        let lu = Lu::factorise(lu, n);
        task.advance(n as u64);
        let mut inverse = vec![0.0; n * n];
        let mut column = vec![0.0; n];
        for j in 0..n {
            column.fill(0.0);
            column[j] = 1.0;
            lu.solve(&mut column);
            for (i, &x) in column.iter().enumerate() {
                inverse[i * n + j] = x;
            }
            task.advance(1);
        }
        let mut start = vec![0.0; n];
        for &(s, _, p) in &chain.start {
            start[s as usize] += p;
        }
        let mut visits = vec![0.0; n];
        let mut from = vec![0.0; n];
        let mut value_from = vec![0.0; n];
        for (i, row) in inverse.chunks_exact(n).enumerate() {
            let mut h = NeumaierSum::default();
            let mut hv = NeumaierSum::default();
            for (j, &x) in row.iter().enumerate() {
                h.add(x * chain.conv_p[j]);
                hv.add(x * chain.conv_p[j] * chain.value[j]);
            }
            from[i] = h.value();
            value_from[i] = hv.value();
            if start[i] != 0.0 {
                for (y, &x) in visits.iter_mut().zip(row) {
                    *y += start[i] * x;
                }
            }
        }
        let dot = |a: &[f64], b: &[f64]| {
            let mut sum = NeumaierSum::default();
            for (x, y) in a.iter().zip(b) {
                sum.add(x * y);
            }
            sum.value()
        };
        let base = Absorption {
            conversion: dot(&start, &from),
            value: dot(&start, &value_from),
        };
        Direct {
            n,
            inverse,
            visits,
            from,
            value_from,
            base,
        }
    }

    /// The result with the states `removed` (sorted) sent to *null*.
    pub(super) fn without(&self, removed: &[u32]) -> Absorption {
        let k = removed.len();
        if k == 0 {
            return self.base;
        }
        let s: Vec<usize> = removed.iter().map(|&i| i as usize).collect();
        // F · N_SS = visits_S, i.e. N_SSᵀ Fᵀ = visits_S.
        let mut block = vec![0.0; k * k];
        for (a, &i) in s.iter().enumerate() {
            for (b, &j) in s.iter().enumerate() {
                block[b * k + a] = self.inverse[i * self.n + j];
            }
        }
        let mut first: Vec<f64> = s.iter().map(|&i| self.visits[i]).collect();
        Lu::factorise(block, k).solve(&mut first);
        let mut lost = NeumaierSum::default();
        let mut lost_value = NeumaierSum::default();
        for (f, &i) in first.iter().zip(&s) {
            lost.add(f * self.from[i]);
            lost_value.add(f * self.value_from[i]);
        }
        Absorption {
            conversion: self.base.conversion - lost.value(),
            value: self.base.value - lost_value.value(),
        }
    }
}

/// An LU factorisation with partial pivoting, `PA = LU`, of a square
/// row-major matrix.
struct Lu {
    n: usize,
    /// L below the diagonal (unit diagonal implied), U on and above it.
    lu: Vec<f64>,
    /// Row `i` of `PA` is row `pivot[i]` of `A`.
    pivot: Vec<usize>,
}

impl Lu {
    fn factorise(mut a: Vec<f64>, n: usize) -> Lu {
        let mut pivot: Vec<usize> = (0..n).collect();
        for k in 0..n {
            let mut best = k;
            for i in k + 1..n {
                if a[i * n + k].abs() > a[best * n + k].abs() {
                    best = i;
                }
            }
            if best != k {
                for j in 0..n {
                    a.swap(k * n + j, best * n + j);
                }
                pivot.swap(k, best);
            }
            let d = a[k * n + k];
            if d == 0.0 {
                continue;
            }
            let (top, rest) = a.split_at_mut((k + 1) * n);
            let row_k = &top[k * n + k + 1..k * n + n];
            for row in rest.chunks_exact_mut(n) {
                let l = row[k] / d;
                row[k] = l;
                if l != 0.0 {
                    for (x, &u) in row[k + 1..].iter_mut().zip(row_k) {
                        *x -= l * u;
                    }
                }
            }
        }
        Lu { n, lu: a, pivot }
    }

    /// Solves `A x = b` in place.
    fn solve(&self, b: &mut [f64]) {
        let n = self.n;
        let mut x: Vec<f64> = self.pivot.iter().map(|&p| b[p]).collect();
        for i in 0..n {
            let row = &self.lu[i * n..i * n + i];
            let mut sum = x[i];
            for (l, y) in row.iter().zip(&x[..i]) {
                sum -= l * y;
            }
            x[i] = sum;
        }
        for i in (0..n).rev() {
            let row = &self.lu[i * n..(i + 1) * n];
            let mut sum = x[i];
            for (u, y) in row[i + 1..].iter().zip(&x[i + 1..]) {
                sum -= u * y;
            }
            x[i] = if row[i] == 0.0 { 0.0 } else { sum / row[i] };
        }
        b.copy_from_slice(&x);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Chain, MarkovChain, MarkovWork};
    use super::*;
    use crate::attribution::{AttributionError, GroupedPath, Horizon, Params};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `n` random paths of 1 to `longest` touches over `channels`
    /// channels, a third converting, some with loops.
    fn random_chain(seed: u64, n: usize, longest: usize, channels: u16, order: usize) -> Chain {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let paths: Vec<GroupedPath> = (0..n)
            .map(|_| {
                let len = rng.random_range(1..=longest);
                let converts = rng.random_range(0..3) == 0;
                GroupedPath {
                    channels: (0..len).map(|_| rng.random_range(0..channels)).collect(),
                    conversions: u64::from(converts),
                    revenue: if converts {
                        rng.random_range(1.0..200.0)
                    } else {
                        0.0
                    },
                    nulls: u64::from(!converts),
                }
            })
            .collect();
        Chain::build(paths.iter().map(GroupedPath::as_path_ref), order)
    }

    fn removals(chain: &Chain) -> Vec<Vec<u32>> {
        chain
            .channels()
            .iter()
            .map(|&c| {
                (0..chain.states.len() as u32)
                    .filter(|&s| chain.states[s as usize].contains(c))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn walking_every_removal_at_once_gives_each_walk_bit_for_bit() {
        let quiet = Task::new("test", 1);
        for (seed, order) in [(1, 1), (2, 2), (3, 3)] {
            let chain = random_chain(seed, 400, 12, 7, order);
            let removed = removals(&chain);
            assert!(removed.len() == 7 && chain.states.len() >= 7);
            let incoming = chain.incoming();
            // Order 1 is dense (49 state pairs): its steps are also taken
            // as a dense product, which must give the same bits.
            let dense = chain.dense_transposed();
            assert_eq!(dense.is_some(), order == 1);
            for limit in [3, chain.longest + 1, MAX_INFINITE_STEPS] {
                let walk = |removed: &[Vec<u32>], dense: Option<&[f64]>, scale| {
                    chain.walk_columns(&incoming, dense, removed, limit, scale, &quiet)
                };
                let base = walk(&[Vec::new()], None, None)[0];
                let together = walk(&removed, None, Some(base));
                let threaded = chain.walk(&removed, limit, Some(base), String::new());
                let as_product = walk(&removed, dense.as_deref(), Some(base));
                for (r, one) in removed.iter().enumerate() {
                    let alone = walk(std::slice::from_ref(one), None, Some(base))[0];
                    assert_eq!(
                        together[r], alone,
                        "order {order}, limit {limit}, removal {r}"
                    );
                    assert_eq!(
                        threaded[r], alone,
                        "order {order}, limit {limit}, removal {r}"
                    );
                    assert_eq!(
                        as_product[r], alone,
                        "order {order}, limit {limit}, removal {r}"
                    );
                    assert!(alone.conversion < base.conversion);
                }
            }
        }
    }

    #[test]
    fn the_direct_solve_equals_a_walk_until_absorbed() {
        let quiet = Task::new("test", 1);
        for (seed, order) in [(4, 1), (5, 2), (6, 3)] {
            let chain = random_chain(seed, 300, 15, 6, order);
            let direct = Direct::new(&chain, &quiet);
            let incoming = chain.incoming();
            let walk = |removed: &[Vec<u32>], scale| {
                chain.walk_columns(&incoming, None, removed, MAX_INFINITE_STEPS, scale, &quiet)
            };
            let walked = walk(&[Vec::new()], None)[0];
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-300);
            assert!(close(direct.base.conversion, walked.conversion), "{order}");
            assert!(close(direct.base.value, walked.value), "{order}");
            let removed = removals(&chain);
            let walks = walk(&removed, Some(walked));
            for (r, w) in removed.iter().zip(walks) {
                let d = direct.without(r);
                assert!(
                    (d.conversion - w.conversion).abs() <= 1e-12 * walked.conversion,
                    "order {order}: {d:?} vs {w:?}"
                );
                assert!(
                    (d.value - w.value).abs() <= 1e-12 * walked.value,
                    "order {order}: {d:?} vs {w:?}"
                );
            }
        }
    }

    #[test]
    fn the_work_is_estimated_from_the_chain_and_refused_over_the_limit() {
        let chain = random_chain(7, 500, 30, 5, 1);
        let (n, t, k) = (chain.states.len(), chain.edges.len(), chain.longest + 1);
        assert!(n == 5 && k > 21, "{n} states, horizon {k}");
        let work = chain.work(Horizon::Auto);
        assert_eq!((work.states, work.transitions, work.walks), (5, t, 6));
        assert_eq!(work.operations, ((t + n) * k * 6) as f64);
        assert!(!work.direct);
        let inf = chain.work(Horizon::Infinite);
        assert!(inf.direct && inf.horizon.is_none());
        assert_eq!(inf.operations, 2.0 * 125.0);

        let params = Params {
            markov_work_limit: Some(work.operations - 1.0),
            ..Params::default()
        };
        let works = [MarkovChain(chain).work(&params)];
        assert!(MarkovWork::check(&works, Some(work.operations)).is_ok());
        assert!(MarkovWork::check(&works, None).is_ok());
        let Err(AttributionError::MarkovWork(refused)) =
            MarkovWork::check(&works, params.markov_work_limit)
        else {
            panic!("over the limit");
        };
        let message = refused.to_string();
        for part in [
            "the Markov model at order 1 would take about",
            &format!("{n} states and {t} transitions, walked {k} steps"),
            "for each of 6 removals",
            "--markov-horizon 20",
            "--markov-work-limit none",
        ] {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert!(!message.contains("--markov-order"), "{message}");
    }

    #[test]
    fn lu_solves_a_system_that_needs_pivoting() {
        // [[0, 2, 1], [1, 1, 0], [3, 0, 1]] x = [7, 3, 6] has x = [1, 2, 3]
        // (hand-checked: 0+4+3, 1+2+0, 3+0+3); the first pivot is zero.
        let lu = Lu::factorise(vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0], 3);
        let mut b = [7.0, 3.0, 6.0];
        lu.solve(&mut b);
        for (x, e) in b.iter().zip([1.0, 2.0, 3.0]) {
            assert!((x - e).abs() < 1e-14, "{b:?}");
        }
    }
}
