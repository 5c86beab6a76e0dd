//! The command line: the `Cli` parser, the subcommand enum and the argument
//! groups several subcommands share. Each subcommand's own flags live beside
//! its code in `cmd/<name>.rs`.

use crate::cmd;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Measure what each marketing channel actually caused.
///
/// uplift reads exposure and order exports, builds exposed and control
/// (holdout) cohorts per channel, measures the causal lift, and reports
/// per-channel incremental revenue with confidence intervals.
#[derive(Debug, Parser)]
#[command(
    name = "uplift",
    version,
    max_term_width = 100,
    propagate_version = true
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole pipeline: cohorts → lift → report.
    Run(cmd::run::RunArgs),
    /// Check every input against the schema; print every problem.
    Validate(cmd::validate::ValidateArgs),
    /// Write a realistic synthetic data set with a planted, known truth.
    Simulate(cmd::simulate::SimulateArgs),
    /// Sample size or minimum detectable effect for a planned holdout test.
    Power(cmd::power::PowerArgs),
}

/// What to do with rows that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnBadRows {
    /// Stop with exit code 2 and list the problems.
    Error,
    /// Skip them, count them in `inputs.*.rejected_rows` and list the first 20 as warnings.
    Skip,
}

/// The input files (each where the subcommand uses it).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Exposures file (.csv, .csv.gz or .parquet): one row per touchpoint.
    #[arg(long, value_name = "FILE")]
    pub exposures: Option<PathBuf>,
    /// Revenue file: one row per order.
    #[arg(long, value_name = "FILE")]
    pub revenue: Option<PathBuf>,
    /// Spend file: date, channel, spend.
    #[arg(long, value_name = "FILE")]
    pub spend: Option<PathBuf>,
    /// Finance file: period_start, period_end, revenue.
    #[arg(long, value_name = "FILE")]
    pub finance: Option<PathBuf>,
    /// Config file (column and group-label mapping, SRM plans, defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do with rows that cannot be read.
    #[arg(long, value_enum, default_value_t = OnBadRows::Error)]
    pub on_bad_rows: OnBadRows,
}

impl InputArgs {
    /// The file paths.
    pub fn paths(&self) -> crate::io::InputPaths {
        crate::io::InputPaths {
            exposures: self.exposures.clone(),
            revenue: self.revenue.clone(),
            spend: self.spend.clone(),
            finance: self.finance.clone(),
        }
    }
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Tables for a terminal.
    Table,
    /// The contract's JSON report.
    Json,
    /// The lift rows, flattened, as CSV.
    Csv,
}

/// Where and how to write the report.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
