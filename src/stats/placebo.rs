//! Placebo (A/A) runs: one arm split in two random halves, again and again,
//! and the Welch test between the halves. Nothing differs between them, so
//! a test whose intervals are honest finds a "significant" difference in
//! about α of the runs; many more means its intervals are too narrow for
//! the data (heavy tails, small arms).
//!
//! The splits are portable: run `r` draws from its own ChaCha stream `r` of
//! the seed, so the same seed gives the same halves on every machine and
//! any number of threads.

use super::welch::{GroupSummary, welch};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// The runs of `y` split in random halves whose Welch p-value at
/// `confidence` is below `α = 1 − confidence`; `None` with fewer than 4
/// values.
///
/// Each run shuffles the first ⌊n/2⌋ places of a copy of `y` (a partial
/// Fisher–Yates shuffle, so every half of that size is equally likely) and
/// compares them with the rest.
pub fn false_positives(y: &[f64], runs: usize, seed: u64, confidence: f64) -> Option<usize> {
    if y.len() < 4 {
        return None;
    }
    let alpha = 1.0 - confidence;
    let count = (0..runs)
        .into_par_iter()
        .map_init(
            || y.to_vec(),
            |v, run| {
                v.copy_from_slice(y);
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(run as u64);
                let n = v.len();
                let k = n / 2;
                for i in 0..k {
                    let j = rng.random_range(i..n);
                    v.swap(i, j);
                }
                let (a, b) = v.split_at(k);
                welch(&group(a), &group(b), confidence)
                    .and_then(|w| w.estimate.p_value)
                    .is_some_and(|p| p < alpha)
            },
        )
        .filter(|&hit| hit)
        .count();
    Some(count)
}

/// Count, mean and sample variance of `v` (two passes).
fn group(v: &[f64]) -> GroupSummary {
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let m2: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
    GroupSummary {
        n,
        mean,
        var: if n > 1 { m2 / (n - 1) as f64 } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_count_and_another_seed_another_split() {
        let y: Vec<f64> = (0..101).map(|i| f64::from(i % 7) * 3.5).collect();
        let a = false_positives(&y, 300, 42, 0.95).unwrap();
        assert_eq!(false_positives(&y, 300, 42, 0.95), Some(a));
        // On honest data about 5% of the runs are false positives.
        assert!((3..=35).contains(&a), "{a}");
        assert_eq!(false_positives(&y[..3], 10, 1, 0.95), None);
    }
}
