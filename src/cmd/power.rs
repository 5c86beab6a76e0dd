//! `uplift power`: sample size or minimum detectable effect of a planned test.

use super::Outcome;
use crate::cli::{Metric, PowerArgs};
use crate::error::Error;
use crate::export::Format;
use crate::stats::power::{Design, mde_for_mean, mde_for_rate, users_for_mean, users_for_rate};
use serde::Serialize;

/// The answer of `uplift power`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PowerReport {
    /// The metric.
    pub metric: Metric,
    /// Confidence level.
    pub confidence: f64,
    /// Power.
    pub power: f64,
    /// Control share.
    pub control_share: f64,
    /// Minimum detectable effect (absolute).
    pub mde: f64,
    /// MDE relative to the baseline, when known.
    pub mde_relative: Option<f64>,
    /// Users in all.
    pub users: u64,
    /// Exposed users.
    pub exposed_users: u64,
    /// Control users.
    pub control_users: u64,
}

/// Runs `uplift power`.
pub fn run(a: &PowerArgs) -> Result<Outcome, Error> {
    let design = Design {
        confidence: a.confidence,
        power: a.power,
        control_share: a.control_share,
    };
    let usage = |e: crate::stats::power::PowerError| Error::Usage(e.to_string());
    let (mde, users, baseline) = match (a.metric, a.mde, a.users) {
        (_, None, None) | (_, Some(_), Some(_)) => {
            return Err(Error::Usage(
                "give exactly one of --mde (to get the users needed) or --users (to get the MDE)"
                    .to_string(),
            ));
        }
        (Metric::Revenue, mde, users) => {
            let sd = a.sd.ok_or_else(|| {
                Error::Usage(
                    "--metric revenue needs --sd (standard deviation of revenue per user)"
                        .to_string(),
                )
            })?;
            match (mde, users) {
                (Some(m), _) => (
                    m,
                    users_for_mean(m, sd, &design).map_err(usage)?.ceil(),
                    a.baseline,
                ),
                (_, Some(n)) => (mde_for_mean(n, sd, &design).map_err(usage)?, n, a.baseline),
                _ => unreachable!("invariant: one of mde/users is set"),
            }
        }
        (Metric::Conversion, mde, users) => {
            let rate = a.rate.ok_or_else(|| {
                Error::Usage(
                    "--metric conversion needs --rate (baseline conversion rate, e.g. 0.04)"
                        .to_string(),
                )
            })?;
            match (mde, users) {
                (Some(m), _) => (
                    m,
                    users_for_rate(m, rate, &design).map_err(usage)?.ceil(),
                    Some(rate),
                ),
                (_, Some(n)) => (
                    mde_for_rate(n, rate, &design).map_err(usage)?,
                    n,
                    Some(rate),
                ),
                _ => unreachable!("invariant: one of mde/users is set"),
            }
        }
    };
    let users = users.ceil() as u64;
    let control = (users as f64 * a.control_share).round() as u64;
    let report = PowerReport {
        metric: a.metric,
        confidence: a.confidence,
        power: a.power,
        control_share: a.control_share,
        mde,
        mde_relative: baseline.filter(|b| *b != 0.0).map(|b| mde / b.abs()),
        users,
        exposed_users: users - control,
        control_users: control,
    };
    let bytes = match a.format {
        Format::Json => {
            let mut v =
                serde_json::to_vec_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
            v.push(b'\n');
            v
        }
        _ => {
            let rel = report
                .mde_relative
                .map(|r| format!(" ({:.2}% of the baseline)", r * 100.0))
                .unwrap_or_default();
            format!(
                "metric:             {:?}\nconfidence / power: {} / {}\ncontrol share:      {}\nminimum detectable: {:.6}{rel}\nusers needed:       {} ({} exposed, {} control)\n",
                report.metric, report.confidence, report.power, report.control_share, report.mde,
                report.users, report.exposed_users, report.control_users
            )
            .to_lowercase()
            .into_bytes()
        }
    };
    Ok(Outcome {
        bytes,
        ..Outcome::default()
    })
}
