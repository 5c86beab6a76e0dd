//! Pure numeric kernels on plain numbers and slices.
//!
//! Nothing here knows about channels, files or reports; every function takes
//! numbers and returns numbers, `None` where a quantity is undefined (a group
//! with fewer than two users, zero variance, a zero baseline). Distributions
//! come from `statrs`.

pub mod bootstrap;
pub mod describe;
pub mod holm;
pub mod placebo;
pub mod power;
pub mod prec;
pub mod proportion;
pub mod sequential;
pub mod srm;
pub mod sum;
pub mod welch;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A point estimate with its confidence interval and, where one exists, its
/// two-sided p-value. Every field is `None` when undefined (never NaN).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub estimate: Option<f64>,
    /// Lower end of the confidence interval.
    pub ci_low: Option<f64>,
    /// Upper end of the confidence interval.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Standard error of the estimate, when the interval is `estimate ±
    /// quantile · se` (what a confidence sequence widens).
    #[serde(skip)]
    pub se: Option<f64>,
}

impl Estimate {
    /// An estimate with a symmetric interval `estimate ± half_width`.
    pub fn symmetric(estimate: f64, half_width: f64, p_value: Option<f64>) -> Self {
        Self {
            estimate: finite(estimate),
            ci_low: finite(estimate - half_width),
            ci_high: finite(estimate + half_width),
            p_value: p_value.and_then(finite),
            se: None,
        }
    }

    /// The estimate with its standard error recorded.
    pub fn with_se(mut self, se: f64) -> Self {
        self.se = finite(se);
        self
    }

    /// Every number multiplied by `k` (p-value unchanged); a negative `k`
    /// swaps the interval ends.
    pub fn scaled(&self, k: f64) -> Self {
        let lo = self.ci_low.map(|v| v * k);
        let hi = self.ci_high.map(|v| v * k);
        let (ci_low, ci_high) = if k < 0.0 { (hi, lo) } else { (lo, hi) };
        Self {
            estimate: self.estimate.map(|v| v * k).and_then(finite),
            ci_low: ci_low.and_then(finite),
            ci_high: ci_high.and_then(finite),
            p_value: self.p_value,
            se: self.se.map(|v| v * k.abs()).and_then(finite),
        }
    }

    /// The interval without a p-value.
    pub fn without_p(mut self) -> Self {
        self.p_value = None;
        self
    }
}

/// `Some(v)` when `v` is finite.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Quantile of Student's t with `df` degrees of freedom at probability `q`.
///
/// Below 1,000 degrees of freedom this is statrs' inverse CDF. Above, that
/// inverse loses digits (it goes through `1 − I⁻¹(df/2, ½, ·)`), so the
/// Cornish–Fisher expansion around the normal quantile is used instead, which
/// is accurate to ~1e-13 there (Abramowitz and Stegun 26.7.5).
///
/// # Formula
/// ```text
/// t ≈ x + g1/ν + g2/ν² + g3/ν³ + g4/ν⁴,   x = z(q)
/// g1 = (x³ + x)/4
/// g2 = (5x⁵ + 16x³ + 3x)/96
/// g3 = (3x⁷ + 19x⁵ + 17x³ − 15x)/384
/// g4 = (79x⁹ + 776x⁷ + 1482x⁵ − 1920x³ − 945x)/92160
/// ```
pub fn t_quantile(df: f64, q: f64) -> Option<f64> {
    if !(df > 0.0 && q > 0.0 && q < 1.0) {
        return None;
    }
    if df >= CORNISH_FISHER_MIN_DF {
        let x = z_quantile(q);
        let (x2, nu) = (x * x, df);
        let g1 = (x2 + 1.0) * x / 4.0;
        let g2 = ((5.0 * x2 + 16.0) * x2 + 3.0) * x / 96.0;
        let g3 = (((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x / 384.0;
        let g4 = ((((79.0 * x2 + 776.0) * x2 + 1482.0) * x2 - 1920.0) * x2 - 945.0) * x / 92160.0;
        return finite(x + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu);
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    finite(t.inverse_cdf(q))
}

/// Degrees of freedom from which [`t_quantile`] uses the Cornish–Fisher expansion.
const CORNISH_FISHER_MIN_DF: f64 = 1000.0;

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> Option<f64> {
    if !t.is_finite() || !(df > 0.0) {
        return None;
    }
    if df > 1e7 {
        return Some(z_two_sided_p(t));
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    finite((2.0 * dist.cdf(-t.abs())).min(1.0))
}

/// Quantile of the standard normal distribution.
pub fn z_quantile(q: f64) -> f64 {
    standard_normal().inverse_cdf(q)
}

/// Two-sided p-value of a z statistic.
pub fn z_two_sided_p(z: f64) -> f64 {
    (2.0 * standard_normal().cdf(-z.abs())).min(1.0)
}

fn standard_normal() -> Normal {
    Normal::standard()
}

#[cfg(test)]
mod tests;
