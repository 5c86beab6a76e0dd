//! Difference of two proportions: Wald interval and pooled z-test.
//!
//! The interval uses the unpooled (Wald) standard error, the p-value the
//! pooled two-proportion z-test, as the contract prescribes (and as
//! `statsmodels.stats.proportion` computes them).

use super::{Estimate, finite, z_quantile, z_two_sided_p};

/// `p_e − p_c` for `x_e` successes of `n_e` against `x_c` of `n_c`.
///
/// Returns `None` when a group is empty. The p-value is `None` when the pooled
/// rate is 0 or 1 (the test is undefined).
///
/// # Formula
/// ```text
/// d  = x_e/n_e − x_c/n_c
/// CI = d ± z((1+conf)/2) · sqrt(p_e(1−p_e)/n_e + p_c(1−p_c)/n_c)
/// p̂  = (x_e + x_c)/(n_e + n_c),  z = d / sqrt(p̂(1−p̂)(1/n_e + 1/n_c))
/// ```
///
/// # Examples
/// ```
/// let e = uplift::stats::proportion::two_proportion(60, 500, 40, 500, 0.95).unwrap();
/// assert!((e.estimate.unwrap() - 0.04).abs() < 1e-12);
/// assert!(e.p_value.unwrap() < 0.05);
/// ```
pub fn two_proportion(x_e: u64, n_e: u64, x_c: u64, n_c: u64, confidence: f64) -> Option<Estimate> {
    if n_e == 0 || n_c == 0 {
        return None;
    }
    let (ne, nc) = (n_e as f64, n_c as f64);
    let (pe, pc) = (x_e as f64 / ne, x_c as f64 / nc);
    let d = pe - pc;
    let se = (pe * (1.0 - pe) / ne + pc * (1.0 - pc) / nc).sqrt();
    let pooled = (x_e + x_c) as f64 / (ne + nc);
    let p_value = if pooled > 0.0 && pooled < 1.0 {
        let se0 = (pooled * (1.0 - pooled) * (1.0 / ne + 1.0 / nc)).sqrt();
        finite(z_two_sided_p(d / se0))
    } else {
        None
    };
    let z = z_quantile((1.0 + confidence) / 2.0);
    Some(Estimate::symmetric(d, z * se, p_value).with_se(se))
}

/// The Wilson score interval of `successes` out of `n` at confidence
/// `confidence`: (rate, low, high); `None` without trials.
///
/// # Formula
/// ```text
/// p̂ = x/n,  z = Φ⁻¹((1 + conf)/2)
/// centre = (p̂ + z²/2n) / (1 + z²/n)
/// half   = z / (1 + z²/n) · sqrt(p̂(1 − p̂)/n + z²/4n²)
/// ```
///
/// # Examples
/// ```
/// use uplift::stats::proportion::wilson;
/// let (rate, lo, hi) = wilson(0, 200, 0.95).unwrap();
/// assert_eq!((rate, lo), (0.0, 0.0));
/// assert!((hi - 0.018_845).abs() < 1e-6);
/// ```
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<(f64, f64, f64)> {
    if n == 0 {
        return None;
    }
    let (x, n) = (successes as f64, n as f64);
    let p = x / n;
    let z = z_quantile((1.0 + confidence) / 2.0);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((p, (centre - half).max(0.0), (centre + half).min(1.0)))
}
