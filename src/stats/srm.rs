//! Sample-ratio mismatch: a chi-square goodness-of-fit test of the observed
//! exposed/control split against the planned control share.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// p-value below which a sample-ratio mismatch is flagged.
pub const SRM_P_THRESHOLD: f64 = 0.001;

/// p-value of the chi-square test (1 degree of freedom) that `n_c` control
/// users out of `n_e + n_c` come from a split with control share
/// `control_share`. `None` when there are no users or the share is not in (0, 1).
///
/// # Formula
/// ```text
/// N = n_e + n_c,  E_c = N·π,  E_e = N·(1 − π)
/// χ² = (n_c − E_c)²/E_c + (n_e − E_e)²/E_e,   p = P(χ²₁ > χ²)
/// ```
///
/// # Examples
/// ```
/// // 5,000 vs 5,000 planned 50/50: no mismatch.
/// assert_eq!(uplift::stats::srm::srm_p_value(5000, 5000, 0.5), Some(1.0));
/// ```
pub fn srm_p_value(n_e: u64, n_c: u64, control_share: f64) -> Option<f64> {
    let n = (n_e + n_c) as f64;
    if n == 0.0 || !(control_share > 0.0 && control_share < 1.0) {
        return None;
    }
    let exp_c = n * control_share;
    let exp_e = n - exp_c;
    let chi2 = (n_c as f64 - exp_c).powi(2) / exp_c + (n_e as f64 - exp_e).powi(2) / exp_e;
    let dist = ChiSquared::new(1.0).ok()?;
    Some(dist.sf(chi2))
}
