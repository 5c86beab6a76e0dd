//! Sample size and minimum detectable effect for a planned holdout test.
//!
//! Normal approximation for a two-sided test at level α = 1 − confidence:
//! a difference δ is detected with probability `power` when
//! `δ = (z_{1−α/2} + z_{power}) · SE(N)`. References: Chow, Shao and Wang,
//! *Sample Size Calculations in Clinical Research* (2008), §4.2 and §4.3.

use super::z_quantile;
use thiserror::Error;

/// Invalid parameters of a power calculation.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum PowerError {
    /// Confidence must lie in (0, 1).
    #[error("confidence must be between 0 and 1 (exclusive), got {0}")]
    Confidence(f64),
    /// Power must lie in (0, 1).
    #[error("power must be between 0 and 1 (exclusive), got {0}")]
    Power(f64),
    /// The control share must lie in (0, 1).
    #[error("control share must be between 0 and 1 (exclusive), got {0}")]
    ControlShare(f64),
    /// A standard deviation must be positive.
    #[error("standard deviation must be positive, got {0}")]
    Sd(f64),
    /// A baseline rate must lie in (0, 1).
    #[error("baseline rate must be between 0 and 1 (exclusive), got {0}")]
    Rate(f64),
    /// The effect must be positive (and keep a rate below 1).
    #[error("minimum detectable effect must be positive (and keep the rate below 1), got {0}")]
    Effect(f64),
    /// The sample must have at least two users in each arm.
    #[error("total users must leave at least 2 users in each arm, got {0}")]
    Users(f64),
}

/// Design of a planned test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// Confidence level of the two-sided test (1 − α).
    pub confidence: f64,
    /// Probability of detecting the effect.
    pub power: f64,
    /// Share of users held out as control.
    pub control_share: f64,
}

impl Design {
    fn validate(&self) -> Result<f64, PowerError> {
        let open = |v: f64| v > 0.0 && v < 1.0;
        if !open(self.confidence) {
            return Err(PowerError::Confidence(self.confidence));
        }
        if !open(self.power) {
            return Err(PowerError::Power(self.power));
        }
        if !open(self.control_share) {
            return Err(PowerError::ControlShare(self.control_share));
        }
        Ok(z_quantile((1.0 + self.confidence) / 2.0) + z_quantile(self.power))
    }
}

/// Total users (exposed + control) needed to detect a revenue-per-user lift
/// of `mde` when the outcome's standard deviation is `sd`.
///
/// # Formula
/// ```text
/// N = (z_{1−α/2} + z_{power})² · σ² · (1/π_c + 1/(1 − π_c)) / δ²
/// ```
///
/// # Examples
/// ```
/// use uplift::stats::power::{Design, users_for_mean};
/// let d = Design { confidence: 0.95, power: 0.8, control_share: 0.5 };
/// // (1.959964 + 0.841621)² · 4 / 0.25 = 125.6 → 126 users in all
/// assert_eq!(users_for_mean(0.5, 1.0, &d).unwrap().ceil(), 126.0);
/// ```
pub fn users_for_mean(mde: f64, sd: f64, design: &Design) -> Result<f64, PowerError> {
    let z = design.validate()?;
    if !(sd > 0.0) {
        return Err(PowerError::Sd(sd));
    }
    if !(mde > 0.0) {
        return Err(PowerError::Effect(mde));
    }
    let pi = design.control_share;
    Ok(z * z * sd * sd * (1.0 / pi + 1.0 / (1.0 - pi)) / (mde * mde))
}

/// Minimum detectable revenue-per-user lift with `users` users in all.
///
/// # Formula
/// ```text
/// δ = (z_{1−α/2} + z_{power}) · σ · sqrt((1/π_c + 1/(1 − π_c)) / N)
/// ```
pub fn mde_for_mean(users: f64, sd: f64, design: &Design) -> Result<f64, PowerError> {
    let z = design.validate()?;
    if !(sd > 0.0) {
        return Err(PowerError::Sd(sd));
    }
    check_users(users, design)?;
    let pi = design.control_share;
    Ok(z * sd * ((1.0 / pi + 1.0 / (1.0 - pi)) / users).sqrt())
}

/// Total users needed to detect a conversion-rate lift of `mde` (absolute,
/// e.g. 0.01 = one percentage point) over the baseline rate `rate`.
///
/// # Formula
/// ```text
/// p_e = p_c + δ
/// N = (z_{1−α/2} + z_{power})² · (p_e(1−p_e)/(1−π_c) + p_c(1−p_c)/π_c) / δ²
/// ```
pub fn users_for_rate(mde: f64, rate: f64, design: &Design) -> Result<f64, PowerError> {
    let z = design.validate()?;
    if !(rate > 0.0 && rate < 1.0) {
        return Err(PowerError::Rate(rate));
    }
    if !(mde > 0.0 && rate + mde < 1.0) {
        return Err(PowerError::Effect(mde));
    }
    Ok(z * z * rate_variance(rate, mde, design.control_share) / (mde * mde))
}

/// Minimum detectable conversion-rate lift with `users` users in all: the
/// `δ` solving [`users_for_rate`]`(δ) = users`, found by bisection.
pub fn mde_for_rate(users: f64, rate: f64, design: &Design) -> Result<f64, PowerError> {
    let z = design.validate()?;
    if !(rate > 0.0 && rate < 1.0) {
        return Err(PowerError::Rate(rate));
    }
    check_users(users, design)?;
    let pi = design.control_share;
    let needed = |d: f64| z * z * rate_variance(rate, d, pi) / (d * d);
    let (mut lo, mut hi) = (0.0_f64, 1.0 - rate);
    if needed(hi * (1.0 - 1e-12)) > users {
        return Err(PowerError::Users(users));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if needed(mid) > users {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

fn rate_variance(rate: f64, mde: f64, pi: f64) -> f64 {
    let pe = rate + mde;
    pe * (1.0 - pe) / (1.0 - pi) + rate * (1.0 - rate) / pi
}

fn check_users(users: f64, design: &Design) -> Result<(), PowerError> {
    let pi = design.control_share;
    if !(users * pi >= 2.0 && users * (1.0 - pi) >= 2.0) {
        return Err(PowerError::Users(users));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{ARITH_REL, close};

    const D: Design = Design {
        confidence: 0.95,
        power: 0.8,
        control_share: 0.2,
    };

    #[test]
    fn mde_and_sample_size_are_inverse_for_means() {
        let n = users_for_mean(0.7, 12.0, &D).unwrap();
        assert!(close(mde_for_mean(n, 12.0, &D).unwrap(), 0.7, ARITH_REL));
    }

    #[test]
    fn mde_and_sample_size_are_inverse_for_rates() {
        let n = users_for_rate(0.005, 0.04, &D).unwrap();
        assert!(close(mde_for_rate(n, 0.04, &D).unwrap(), 0.005, 1e-9));
    }

    #[test]
    fn invalid_parameters_are_named() {
        let bad = Design {
            control_share: 1.0,
            ..D
        };
        assert_eq!(
            users_for_mean(1.0, 1.0, &bad),
            Err(PowerError::ControlShare(1.0))
        );
        assert_eq!(users_for_rate(0.5, 0.6, &D), Err(PowerError::Effect(0.5)));
    }
}
