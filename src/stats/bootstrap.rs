//! Percentile bootstrap interval for a difference of two means.
//!
//! Each arm is resampled with replacement on its own (a stratified bootstrap:
//! the arm sizes stay fixed, as in the experiment). The random source is an
//! explicit, seeded `ChaCha8Rng`, so the same seed gives the same interval on
//! every machine and whatever the thread count.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Percentile interval of `mean(e*) − mean(c*)` over `resamples` bootstrap
/// draws. `None` when an arm is empty or `resamples` is 0.
///
/// # Formula
/// ```text
/// for b in 1..=B: d_b = mean(resample(e)) − mean(resample(c))
/// CI = [quantile(d, α/2), quantile(d, 1 − α/2)],  α = 1 − conf
/// ```
/// Quantiles interpolate linearly between order statistics (type 7, the
/// default of R and NumPy).
pub fn diff_of_means_ci(
    e: &[f64],
    c: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut ChaCha8Rng,
) -> Option<(f64, f64)> {
    if e.is_empty() || c.is_empty() || resamples == 0 {
        return None;
    }
    let mut diffs: Vec<f64> = (0..resamples)
        .map(|_| resample_mean(e, rng) - resample_mean(c, rng))
        .collect();
    diffs.sort_by(f64::total_cmp);
    let alpha = 1.0 - confidence;
    Some((
        quantile(&diffs, alpha / 2.0),
        quantile(&diffs, 1.0 - alpha / 2.0),
    ))
}

fn resample_mean(v: &[f64], rng: &mut ChaCha8Rng) -> f64 {
    let n = v.len();
    let mut s = 0.0;
    for _ in 0..n {
        s += v[rng.random_range(0..n)];
    }
    s / n as f64
}

/// Type-7 quantile of unsorted data, found by selection (no full sort):
/// the order statistics `v_⌊h⌋` and `v_⌊h⌋+1` with `h = (n − 1)·q`, then
/// `v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋)` (numpy's default, R type 7).
/// `values` is reordered; `None` when empty.
pub fn quantile_unsorted(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let h = (values.len() - 1) as f64 * q;
    let lo = (h.floor() as usize).min(values.len() - 1);
    let (_, &mut a, right) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let frac = h - lo as f64;
    if frac == 0.0 {
        return Some(a);
    }
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    Some(a + frac * (b - a))
}

/// Type-7 quantile of sorted data.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let e: Vec<f64> = (0..200).map(|i| (i % 17) as f64).collect();
        let c: Vec<f64> = (0..150).map(|i| (i % 13) as f64).collect();
        let a = diff_of_means_ci(&e, &c, 500, 0.95, &mut ChaCha8Rng::seed_from_u64(7));
        let b = diff_of_means_ci(&e, &c, 500, 0.95, &mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!(a, b);
        let (lo, hi) = a.unwrap();
        // mean(e) − mean(c) ≈ 7.92 − 5.96 = 1.96 lies inside.
        assert!(lo < 1.96 && 1.96 < hi, "{lo} {hi}");
    }

    #[test]
    fn type_7_quantile_interpolates() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
    }
}
