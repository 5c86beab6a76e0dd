//! `uplift simulate`: a synthetic data set with a planted truth.

use super::Outcome;
use crate::error::Error;
use crate::simulate::{SimOptions, generate};
use clap::Args;
use std::path::PathBuf;

/// Write a realistic synthetic data set with a planted, known truth.
///
/// Writes exposures.csv, revenue.csv, spend.csv, finance.csv, uplift.toml and
/// truth.json into DIR. The same seed gives byte-identical files.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift simulate --users 20000 --seed 7 --out sim\n  uplift run --exposures sim/exposures.csv --revenue sim/revenue.csv --config sim/uplift.toml"
)]
pub struct SimulateArgs {
    /// Number of users.
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `uplift simulate`.
pub fn run(args: &SimulateArgs) -> Result<Outcome, Error> {
    if args.users == 0 {
        return Err(Error::Usage("--users must be at least 1".to_string()));
    }
    let summary = generate(
        &SimOptions {
            users: args.users,
            seed: args.seed,
        },
        &args.out,
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    let mut text = format!(
        "wrote {} exposures rows, {} revenue rows, {} spend rows and {} finance rows to {}\n",
        summary.exposures_rows,
        summary.orders_rows,
        summary.spend_rows,
        summary.finance_rows,
        args.out.display()
    );
    for f in &summary.files {
        text.push_str(&format!("  {}\n", f.display()));
    }
    Ok(Outcome {
        bytes: text.into_bytes(),
        ..Outcome::default()
    })
}
