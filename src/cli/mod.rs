//! The command line: the `Cli` parser, the subcommand enum and the argument
//! groups several subcommands share; each subcommand's own flags are in
//! [`commands`]. Nothing here runs anything: `app` dispatches a parsed
//! command to `cmd`, and `settings` checks the flags' values.

pub mod commands;

pub use commands::{
    AttributeArgs, CompletionsArgs, DiffArgs, ManArgs, Metric, PowerArgs, ProfitArgs, ReadingArgs,
    ReconcileArgs, RunArgs, SchemaArgs, SimulateArgs, SqlArgs, ValidateArgs,
};

use crate::attribution::{Horizon, Model};
use crate::export::Format;
pub use crate::io::OnBadRows;
use clap::{Args, Parser, Subcommand};
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
    /// The whole pipeline: cohorts → lift → attribution → economics → reconciliation → report.
    Run(RunArgs),
    /// Multi-touch attribution only (no control group needed).
    Attribute(AttributeArgs),
    /// Revenue export against finance totals only.
    Reconcile(ReconcileArgs),
    /// Check every input against the schema; print every problem.
    Validate(ValidateArgs),
    /// Write a realistic synthetic data set with a planted, known truth.
    Simulate(SimulateArgs),
    /// Sample size or minimum detectable effect for a planned holdout test.
    Power(PowerArgs),
    /// The SQL that computes the report's aggregates inside a warehouse.
    Sql(SqlArgs),
    /// What changed between two JSON reports (last week's and this week's).
    ///
    /// Matches lift rows on (channel, segment, window) and attribution rows
    /// on (window, model, channel), and reports the verdicts that changed,
    /// each headline estimate old and new with the change and whether it
    /// left the old interval, attribution shares that moved (in percentage
    /// points), reconciliation periods whose status changed, warning codes
    /// added and removed, inputs whose SHA-256 changed and settings that
    /// differ. Both files must be JSON reports of `uplift run`, `attribute`
    /// or `reconcile` (`--format json`); anything else exits with code 2.
    Diff(DiffArgs),
    /// The JSON Schema (draft 2020-12) of the JSON report.
    ///
    /// Describes what `uplift run`, `attribute` and `reconcile` write with
    /// `--format json`, generated from the report's own types, so that
    /// another tool can validate a report before it trusts it. The source
    /// tree holds the same schema as docs/report.schema.json. `--diff`
    /// prints the schema of `uplift diff`'s JSON (docs/diff.schema.json).
    Schema(SchemaArgs),
    /// Shell completions (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// The manual page (roff), of uplift or of a subcommand.
    Man(ManArgs),
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

/// Parses a model name (`first_touch`, …, `markov`, `shapley`).
fn parse_model(s: &str) -> Result<Model, String> {
    Model::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        format!(
            "unknown model \"{s}\" (expected one of {})",
            names.join(", ")
        )
    })
}

/// Parses a Markov horizon: a number of steps or `inf`.
fn parse_horizon(s: &str) -> Result<Horizon, String> {
    match s {
        "inf" | "infinite" => Ok(Horizon::Infinite),
        "auto" => Ok(Horizon::Auto),
        n => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .map(Horizon::Steps)
            .ok_or_else(|| {
                format!(
                    "\"{n}\" is not a horizon (expected a positive number of steps, auto or inf)"
                )
            }),
    }
}

/// Parses a Markov work limit: a positive number of multiply–adds (`2e11`)
/// or `none`.
fn parse_work_limit(s: &str) -> Result<WorkLimit, String> {
    match s {
        "none" => Ok(WorkLimit(None)),
        n => n
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x > 0.0)
            .map(|x| WorkLimit(Some(x)))
            .ok_or_else(|| {
                format!(
                    "\"{n}\" is not a work limit (expected a positive number of multiply-adds like 2e11, or none)"
                )
            }),
    }
}

/// `--markov-work-limit`: `None` = no limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkLimit(pub Option<f64>);

/// Attribution settings (shared by `run` and `attribute`).
#[derive(Debug, Clone, Args)]
pub struct AttributionArgs {
    /// Attribution model; repeat for several [default: all seven].
    #[arg(long = "model", value_name = "MODEL", value_parser = parse_model)]
    pub models: Vec<Model>,
    /// Order of the Markov chain (1..=3) [default: 1].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub markov_order: Option<u8>,
    /// Walk horizon of the Markov model: steps, `auto` (longest path + 1) or `inf`.
    #[arg(long, value_parser = parse_horizon)]
    pub markov_horizon: Option<Horizon>,
    /// The most work one window's Markov chains may take before the solve
    /// starts, in multiply-adds (the default takes under a minute on two cores), or `none`
    /// [default: 2e11].
    #[arg(long, value_name = "N|none", value_parser = parse_work_limit)]
    pub markov_work_limit: Option<WorkLimit>,
    /// Half-life of the time-decay model, in days [default: 7].
    #[arg(long, value_name = "DAYS")]
    pub half_life: Option<f64>,
    /// Position-based weights of the first and last touch, e.g. 0.4,0.4 (the
    /// middle touches share the rest) [default: 0.4,0.4].
    #[arg(long, value_name = "FIRST,LAST", value_delimiter = ',')]
    pub position_weights: Option<Vec<f64>>,
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
    /// With the table format: add every section and column (segments,
    /// economics per window, calibration, lineage, all intervals).
    #[arg(long)]
    pub details: bool,
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
