//! Tolerances used by the tests, in one place (as statrs' `prec`).
//!
//! Reference values are produced by SciPy (`testdata/reference/`) and printed
//! with 17 significant digits; what separates them from ours is the accuracy of
//! the distribution functions, not of the arithmetic.

/// Relative tolerance for closed-form arithmetic (means, variances, sums).
pub const ARITH_REL: f64 = 1e-12;
/// Relative tolerance for values through a CDF or quantile function
/// (p-values, confidence bounds): statrs' inverse t CDF is accurate to ~1e-9.
pub const DIST_REL: f64 = 1e-7;
/// Absolute tolerance for money identities ("to the cent", with margin).
pub const CENT: f64 = 0.005;

/// True when `a` and `b` agree to the relative tolerance `rel` (absolute
/// near zero).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    let scale = a.abs().max(b.abs()).max(1.0);
    (a - b).abs() <= rel * scale
}
