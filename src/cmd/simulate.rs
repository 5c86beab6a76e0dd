//! `uplift simulate`: a synthetic data set with a planted truth.

use super::Outcome;
use crate::cli::SimulateArgs;
use crate::error::Error;
use crate::simulate::{SimOptions, generate};

/// Runs `uplift simulate`.
pub fn run(args: &SimulateArgs) -> Result<Outcome, Error> {
    if args.users == 0 {
        return Err(Error::Usage("--users must be at least 1".to_string()));
    }
    crate::progress::phase(&format!("simulating {} users", args.users));
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
