//! Always-valid inference for a test that is read again and again: the
//! asymptotic confidence sequence of Waudby-Smith et al. (2021) and its
//! always-valid p-value, as GrowthBook's stats engine computes them.
//!
//! A fixed-horizon 95% interval read every week is another chance of a false
//! win each time; a confidence sequence covers the true effect at every read
//! at once, at the price of a wider interval. The tuning `N*` is the sample
//! size at which the sequence is tightest.
//!
//! References: Waudby-Smith, Arnold, Wu, Howard, Ramdas and Schmid (2021),
//! *Time-uniform central limit theory and asymptotic confidence sequences*
//! (eq. 155 for the p-value); GrowthBook stats engine,
//! `gbstats/frequentist/tests.py` (`SequentialTwoSidedTTest`).

use super::{Estimate, finite};

/// Default tuning `N*` of the confidence sequence.
pub const DEFAULT_TUNING: f64 = 5000.0;

/// The confidence sequence's parameters for one lift row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sequence {
    /// `α = 1 − confidence`.
    pub alpha: f64,
    /// `N`: the row's users, both arms.
    pub n: f64,
    /// `ρ` of the tuning.
    pub rho: f64,
}

impl Sequence {
    /// The sequence at confidence `confidence` for `n` users, tuned for
    /// `tuning` users.
    ///
    /// # Formula
    /// ```text
    /// α = 1 − confidence,   ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / N*)
    /// ```
    pub fn new(confidence: f64, n: f64, tuning: f64) -> Self {
        let alpha = 1.0 - confidence;
        let l = -2.0 * alpha.ln();
        Self {
            alpha,
            n,
            rho: ((l + (l + 1.0).ln()) / tuning).sqrt(),
        }
    }

    /// Half-width of the interval of an estimate with standard error `se`.
    ///
    /// # Formula
    /// ```text
    /// se · sqrt(N) · sqrt(2(Nρ² + 1) / (N²ρ²) · ln(sqrt(Nρ² + 1) / α))
    /// ```
    pub fn half_width(&self, se: f64) -> f64 {
        let (n, r2) = (self.n, self.rho * self.rho);
        let v = n * r2 + 1.0;
        se * n.sqrt() * (2.0 * v / (n * n * r2) * (v.sqrt() / self.alpha).ln()).sqrt()
    }

    /// The always-valid p-value of `estimate` with standard error `se`
    /// (`None` when `se` is 0).
    ///
    /// # Formula
    /// ```text
    /// min(1, sqrt(Nρ² + 1) · exp(−ρ²·N·(estimate/se)² / (2(Nρ² + 1))))
    /// ```
    pub fn p_value(&self, estimate: f64, se: f64) -> Option<f64> {
        if !(se > 0.0) {
            return None;
        }
        let (n, r2) = (self.n, self.rho * self.rho);
        let v = n * r2 + 1.0;
        let t = estimate / se;
        finite((v.sqrt() * (-r2 * n * t * t / (2.0 * v)).exp()).min(1.0))
    }

    /// `e` read sequentially: its interval becomes the confidence sequence
    /// and its p-value (when it has one) the always-valid p-value. An
    /// estimate without a standard error (no interval) is left as it is.
    pub fn apply(&self, e: Estimate) -> Estimate {
        let (Some(estimate), Some(se)) = (e.estimate, e.se) else {
            return e;
        };
        let p = e.p_value.and_then(|_| self.p_value(estimate, se));
        Estimate::symmetric(estimate, self.half_width(se), p).with_se(se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_wider_than_the_fixed_interval_and_its_p_larger() {
        let s = Sequence::new(0.95, 10_000.0, DEFAULT_TUNING);
        let fixed = 1.959_963_984_540_054;
        assert!(s.half_width(1.0) > fixed);
        // Two standard errors: fixed p ≈ 0.0455, the always-valid one larger.
        assert!(s.p_value(2.0, 1.0).unwrap() > 0.0455);
        assert_eq!(s.p_value(0.0, 1.0), Some(1.0));
        assert_eq!(s.p_value(1.0, 0.0), None);
    }

    #[test]
    fn an_estimate_without_a_standard_error_is_unchanged() {
        let s = Sequence::new(0.95, 100.0, DEFAULT_TUNING);
        let e = Estimate {
            estimate: Some(3.0),
            ..Estimate::default()
        };
        assert_eq!(s.apply(e), e);
    }

    /// The kernel against the mpmath reference (testdata/reference/weekly.json).
    #[test]
    fn the_sequence_equals_the_reference() {
        use crate::stats::prec::close;
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/reference/weekly.json"))
                .expect("the fixture parses");
        let cases = fixture["sequential"].as_array().expect("cases");
        assert!(cases.len() >= 10);
        for case in cases {
            let f = |k: &str| case[k].as_f64().expect("a number");
            let x = &case["expected"];
            let s = Sequence::new(f("confidence"), f("n_total"), f("tuning"));
            let name = case["name"].as_str().expect("a name");
            let e = s.apply(Estimate::symmetric(f("estimate"), 0.0, Some(1.0)).with_se(f("se")));
            for (what, got) in [
                ("rho", Some(s.rho)),
                ("half_width", Some(s.half_width(f("se")))),
                ("ci_low", e.ci_low),
                ("ci_high", e.ci_high),
                ("p_value", e.p_value),
            ] {
                let want = x[what].as_f64().expect("a number");
                let got = got.expect("a number");
                assert!(
                    close(got, want, 1e-12) || (got - want).abs() < 1e-15,
                    "{name} {what}: {got} vs {want}"
                );
            }
        }
    }
}
