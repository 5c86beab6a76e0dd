//! Welch's unequal-variance t-test for a difference of two means, and the
//! delta-method interval for the relative difference (GrowthBook's frequentist
//! engine).
//!
//! References: Welch (1947); Satterthwaite (1946); GrowthBook stats engine,
//! `frequentist/tests.py` (relative lift with the delta method).

use super::{Estimate, finite, t_quantile, t_two_sided_p};

/// Summary of one group for a two-sample test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupSummary {
    /// Number of observations.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample variance (n − 1 denominator).
    pub var: f64,
}

/// Result of Welch's test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchTest {
    /// `mean_e − mean_c`.
    pub diff: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom (`None` when `se = 0`).
    pub df: Option<f64>,
    /// The estimate with its interval and two-sided p-value.
    pub estimate: Estimate,
}

/// Welch's t-test of `e` against `c` at confidence `confidence`.
///
/// Returns `None` when either group has fewer than two observations. When both
/// variances are zero the difference is reported without an interval or
/// p-value (they are undefined).
///
/// # Formula
/// ```text
/// d  = x̄_e − x̄_c
/// se = sqrt(s_e²/n_e + s_c²/n_c)
/// df = (s_e²/n_e + s_c²/n_c)² / ((s_e²/n_e)²/(n_e−1) + (s_c²/n_c)²/(n_c−1))
/// CI = d ± t(df, (1+conf)/2) · se,   p = 2·P(T_df > |d/se|)
/// ```
///
/// # Examples
/// ```
/// use uplift::stats::welch::{welch, GroupSummary};
/// let e = GroupSummary { n: 10, mean: 5.0, var: 4.0 };
/// let c = GroupSummary { n: 12, mean: 3.0, var: 9.0 };
/// let w = welch(&e, &c, 0.95).unwrap();
/// assert_eq!(w.diff, 2.0);
/// assert!(w.estimate.p_value.unwrap() < 0.1);
/// ```
pub fn welch(e: &GroupSummary, c: &GroupSummary, confidence: f64) -> Option<WelchTest> {
    if e.n < 2 || c.n < 2 {
        return None;
    }
    let diff = e.mean - c.mean;
    let (ve, vc) = (e.var / e.n as f64, c.var / c.n as f64);
    let se2 = ve + vc;
    let se = se2.sqrt();
    if !(se > 0.0) || !se.is_finite() {
        return Some(WelchTest {
            diff,
            se: 0.0,
            df: None,
            estimate: Estimate {
                estimate: finite(diff),
                ..Estimate::default()
            },
        });
    }
    let df = se2 * se2 / (ve * ve / (e.n - 1) as f64 + vc * vc / (c.n - 1) as f64);
    let q = t_quantile(df, (1.0 + confidence) / 2.0)?;
    let p = t_two_sided_p(diff / se, df);
    Some(WelchTest {
        diff,
        se,
        df: Some(df),
        estimate: Estimate::symmetric(diff, q * se, p).with_se(se),
    })
}

/// The inputs of the delta-method variance of a relative lift, per group.
///
/// Without a covariate adjustment, set `theta = 0` (then `var_x` and `cov_xy`
/// do not matter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeInputs {
    /// Exposed group: n, mean and variance of the outcome Y (unadjusted).
    pub e: GroupSummary,
    /// Control group: n, mean and variance of the outcome Y (unadjusted).
    pub c: GroupSummary,
    /// CUPED coefficient θ (0 for the raw estimate).
    pub theta: f64,
    /// Variance of the covariate X in the exposed group.
    pub var_x_e: f64,
    /// Variance of the covariate X in the control group.
    pub var_x_c: f64,
    /// cov(X, Y) in the exposed group.
    pub cov_e: f64,
    /// cov(X, Y) in the control group.
    pub cov_c: f64,
}

/// Relative lift `r = diff / |ȳ_c|` with its delta-method interval, using the
/// degrees of freedom `df` of the matching absolute test.
///
/// Returns `None` when `ȳ_c = 0` or a group has fewer than two observations.
///
/// # Formula
/// ```text
/// se_r² = (s²_Ye + θ²s²_Xe − 2θ·c_e)/(n_e·ȳ_c²)
///       + (s²_Yc·ȳ_e²/ȳ_c² − 2θ·c_c·ȳ_e/ȳ_c + θ²s²_Xc)/(n_c·ȳ_c²)
/// CI = r ± t(df, (1+conf)/2) · se_r
/// ```
/// With θ = 0 this is GrowthBook's `s_e²/(n_e·ȳ_c²) + s_c²·ȳ_e²/(n_c·ȳ_c⁴)`.
pub fn relative(
    diff: f64,
    inputs: &RelativeInputs,
    df: Option<f64>,
    confidence: f64,
) -> Option<Estimate> {
    let RelativeInputs {
        e,
        c,
        theta,
        var_x_e,
        var_x_c,
        cov_e,
        cov_c,
    } = *inputs;
    if e.n < 2 || c.n < 2 || c.mean == 0.0 {
        return None;
    }
    let yc2 = c.mean * c.mean;
    let ratio = e.mean / c.mean;
    let term_e = (e.var + theta * theta * var_x_e - 2.0 * theta * cov_e) / (e.n as f64 * yc2);
    let term_c = (c.var * ratio * ratio - 2.0 * theta * cov_c * ratio + theta * theta * var_x_c)
        / (c.n as f64 * yc2);
    let se_r = (term_e + term_c).max(0.0).sqrt();
    let r = diff / c.mean.abs();
    match df {
        Some(df) if se_r > 0.0 => {
            let q = t_quantile(df, (1.0 + confidence) / 2.0)?;
            Some(Estimate::symmetric(r, q * se_r, None).with_se(se_r))
        }
        _ => Some(Estimate {
            estimate: finite(r),
            ..Estimate::default()
        }),
    }
}
