//! `uplift power`: sample size or minimum detectable effect of a planned test.

use super::Outcome;
use crate::cli::Format;
use crate::error::Error;
use crate::stats::power::{Design, mde_for_mean, mde_for_rate, users_for_mean, users_for_rate};
use clap::{Args, ValueEnum};
use serde::Serialize;

/// The metric a planned test is powered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Revenue per user (needs --sd).
    Revenue,
    /// Conversion rate (needs --rate).
    Conversion,
}

/// Sample size for a target minimum detectable effect, or the MDE for a given sample.
///
/// Give --mde to get the users needed, or --users to get the smallest effect
/// the test detects. Two-sided test, normal approximation.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift power --metric revenue --sd 42 --baseline 18.5 --mde 1.5 --control-share 0.1\n  uplift power --metric conversion --rate 0.04 --users 200000 --control-share 0.2"
)]
pub struct PowerArgs {
    /// Metric of the test.
    #[arg(long, value_enum, default_value_t = Metric::Revenue)]
    pub metric: Metric,
    /// Standard deviation of revenue per user in the window (revenue metric).
    #[arg(long)]
    pub sd: Option<f64>,
    /// Baseline revenue per user (revenue metric; used to show relative effects).
    #[arg(long)]
    pub baseline: Option<f64>,
    /// Baseline conversion rate, e.g. 0.04 (conversion metric).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Target minimum detectable effect (absolute: money per user, or rate points like 0.005).
    #[arg(long, conflicts_with = "users")]
    pub mde: Option<f64>,
    /// Users in the test (exposed + control).
    #[arg(long)]
    pub users: Option<f64>,
    /// Share of users held out as control.
    #[arg(long, default_value_t = 0.5)]
    pub control_share: f64,
    /// Confidence level of the two-sided test.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Probability of detecting the effect.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

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
