//! The subcommands' own flags, one struct per subcommand (the groups they
//! share are in the parent module). Only the command line's shape lives
//! here; `settings` turns these flags and `uplift.toml` into checked
//! settings.

use super::{AttributionArgs, InputArgs, OutputArgs};
use crate::checks::FailOn;
use crate::diff::DiffCheck;
use crate::export::Format;
use crate::export::diff::DiffFormat;
use crate::warehouse::sql::{Dialect, OptionalColumn};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;

/// The whole pipeline: cohorts, lift per channel and window, report.
///
/// Reads exposures and orders, builds each channel's exposed and control
/// cohorts, and estimates the incremental revenue and conversions each
/// channel caused, with confidence intervals (CUPED-adjusted by default).
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift run --exposures exposures.csv --revenue revenue.csv\n  uplift run --exposures e.parquet --revenue r.parquet --window 30 --window 60 --window 90 --format json -o report.json\n  uplift run --exposures e.csv --revenue r.csv --config uplift.toml --as-of 2026-06-30 --bootstrap 1000 --seed 1"
)]
pub struct RunArgs {
    /// The input files.
    #[command(flatten)]
    pub input: InputArgs,
    /// Where and how to write the report.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Window in whole days (1..=365); repeat for several [default: 30].
    #[arg(long = "window", value_name = "DAYS", value_parser = clap::value_parser!(u16).range(1..=365))]
    pub windows: Vec<u16>,
    /// End of the observation period: the end of this UTC day (YYYY-MM-DD)
    /// [default: the latest timestamp in the revenue file].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Confidence level of every interval, in (0, 1) [default: 0.95].
    #[arg(long)]
    pub confidence: Option<f64>,
    /// Adjust for pre-period revenue with CUPED (the default).
    #[arg(long, overrides_with = "no_cuped")]
    pub cuped: bool,
    /// Do not apply CUPED; the headline is the raw estimate.
    #[arg(long, overrides_with = "cuped")]
    pub no_cuped: bool,
    /// Add percentile bootstrap intervals with N resamples.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap and the placebo runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Attribution settings.
    #[command(flatten)]
    pub attribution: AttributionArgs,
    /// Hurdle iROAS of the scale / cut decision [default: 1.0].
    #[arg(long)]
    pub hurdle_iroas: Option<f64>,
    /// Profit outcome and capping.
    #[command(flatten)]
    pub profit: ProfitArgs,
    /// Sequential reading, the plan and placebo runs.
    #[command(flatten)]
    pub reading: ReadingArgs,
    /// Largest |gap_pct| of a finance period still reported as ok [default: 0.01].
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Exit with code 3 when one of these checks fails (the report is still written).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
    /// Compute the report from a warehouse's aggregates (the results of
    /// `uplift sql`, saved as NAME.csv or NAME.parquet in DIR) instead of
    /// --exposures and --revenue.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["exposures", "revenue"])]
    pub from_aggregates: Option<PathBuf>,
}

/// The profit outcome and the capping of heavy-tailed users (`uplift run`
/// and `uplift sql`).
#[derive(Debug, Clone, Default, Args)]
pub struct ProfitArgs {
    /// Profit = M × revenue − cost per order (or refund) for orders without
    /// a `cost` cell; turns the profit outcome on. In (0, 1] [default: 1].
    #[arg(long, value_name = "M")]
    pub margin: Option<f64>,
    /// Cost of serving one order, for orders without a `cost` cell; turns
    /// the profit outcome on [default: 0].
    #[arg(long, value_name = "AMOUNT")]
    pub cost_per_order: Option<f64>,
    /// Cost of handling one refund, for refunds without a `cost` cell;
    /// turns the profit outcome on [default: 0].
    #[arg(long, value_name = "AMOUNT")]
    pub cost_per_refund: Option<f64>,
    /// Hurdle iPOAS of the decision on the profit basis: the channel's
    /// incremental profit per unit of spend [default: 1.0].
    #[arg(long, value_name = "H")]
    pub hurdle_ipoas: Option<f64>,
    /// Cap each user's outcome at this quantile of the (channel, window)'s
    /// users, both arms pooled (winsorization), in (0.5, 1), like 0.99.
    #[arg(long, value_name = "Q")]
    pub cap: Option<f64>,
    /// Cap each user's outcome from below at this quantile (large refunds),
    /// in (0, 0.5), like 0.01.
    #[arg(long, value_name = "Q")]
    pub cap_lower: Option<f64>,
}

/// Reading a test again every week: sequential intervals, the plan's power
/// and days to a decision, placebo (A/A) runs (`uplift run`).
#[derive(Debug, Clone, Default, Args)]
pub struct ReadingArgs {
    /// Always-valid intervals and p-values (a confidence sequence), for a
    /// holdout read again and again.
    #[arg(long, overrides_with = "no_sequential")]
    pub sequential: bool,
    /// Fixed-horizon intervals (the default).
    #[arg(long, overrides_with = "sequential")]
    pub no_sequential: bool,
    /// The users at which the confidence sequence is tightest [default: 5000].
    #[arg(long, value_name = "N")]
    pub sequential_tuning: Option<f64>,
    /// Planned relative effect, like 0.05 for 5%: each row's power, users
    /// needed and days to a decision.
    #[arg(long, value_name = "R")]
    pub mde: Option<f64>,
    /// Target power of the plan, in (0, 1) [default: 0.8].
    #[arg(long, value_name = "P")]
    pub target_power: Option<f64>,
    /// Placebo (A/A) runs: split each control arm in random halves R times
    /// (seeded by --seed) and count false positives.
    #[arg(long, value_name = "R")]
    pub placebo: Option<usize>,
}

/// Multi-touch attribution only: no control group needed.
///
/// Every conversion looks back W days over the user's touchpoints (control
/// rows excluded) and is credited to channels by each model: first_touch,
/// last_touch, linear, time_decay, position_based, markov (exact removal
/// effects) and shapley.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift attribute --exposures exposures.csv --revenue revenue.csv\n  uplift attribute --exposures e.csv --revenue r.csv --window 30 --window 90 --model markov --model shapley --format json\n  uplift attribute --exposures e.csv --revenue r.csv --explain markov --markov-order 2"
)]
pub struct AttributeArgs {
    /// The input files (exposures and revenue).
    #[command(flatten)]
    pub input: InputArgs,
    /// Where and how to write the report.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Lookback window in whole days (1..=365); repeat for several [default: 30].
    #[arg(long = "window", value_name = "DAYS", value_parser = clap::value_parser!(u16).range(1..=365))]
    pub windows: Vec<u16>,
    /// Attribution settings.
    #[command(flatten)]
    pub attribution: AttributionArgs,
    /// Also write the model's inner workings (only `markov`: states,
    /// transition probabilities, removal effects, horizon).
    #[arg(long, value_name = "MODEL", value_parser = ["markov"])]
    pub explain: Option<String>,
}

/// Revenue export against finance totals only.
///
/// For each finance period: the export's net revenue (refunds included,
/// duplicates of an order_id counted once) of orders whose UTC date lies in
/// the period, the gap to the booked revenue, and a status.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift reconcile --revenue revenue.csv --finance finance.csv\n  uplift reconcile --revenue revenue.csv --finance finance.csv --tolerance 0.005 --fail-on reconciliation"
)]
pub struct ReconcileArgs {
    /// The input files (revenue and finance).
    #[command(flatten)]
    pub input: InputArgs,
    /// Where and how to write the report.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Largest |gap_pct| still reported as ok [default: 0.01].
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Exit with code 3 when a check fails (here: reconciliation).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
}

/// Check every input file against the schema and print every problem.
///
/// Changes nothing. Exit code 0 when every file is clean, 2 when not.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift validate --exposures exposures.csv --revenue revenue.csv\n  uplift validate --exposures export.parquet --config uplift.toml --format json"
)]
pub struct ValidateArgs {
    /// The input files.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

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

/// The SQL that computes the report's aggregates inside a warehouse.
///
/// Prints one read-only SELECT per aggregate (or writes NAME.sql files into
/// --out-dir). Run each where the data lives, save its result with a header
/// row as NAME.csv (or NAME.parquet) in one directory, and give that
/// directory to `uplift run --from-aggregates DIR` with the same analysis
/// flags. No user-level row leaves the warehouse.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift sql --dialect postgres --exposures-table exposures --revenue-table orders\n  uplift sql --dialect bigquery --exposures-table mkt.exposures --revenue-table shop.orders --window 30 --window 90 --out-dir sql/\n  uplift sql --dialect snowflake --exposures-table EXPOSURES --revenue-table ORDERS --config uplift.toml --missing-column cost"
)]
pub struct SqlArgs {
    /// The SQL engine.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    /// Exposures table: dot-separated parts, each plain or quoted in the
    /// dialect's quotes (e.g. mkt.exposures, "My Schema"."exp", `proj.ds.exp`).
    #[arg(long, value_name = "TABLE")]
    pub exposures_table: String,
    /// Revenue (orders) table.
    #[arg(long, value_name = "TABLE")]
    pub revenue_table: String,
    /// Spend table (date, channel, spend), when spend lives in the warehouse.
    #[arg(long, value_name = "TABLE")]
    pub spend_table: Option<String>,
    /// Finance table (period_start, period_end, revenue).
    #[arg(long, value_name = "TABLE")]
    pub finance_table: Option<String>,
    /// Write one NAME.sql file per aggregate into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Config file (column and group-label mapping, analysis defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Window in whole days (1..=365); repeat for several [default: 30].
    #[arg(long = "window", value_name = "DAYS", value_parser = clap::value_parser!(u16).range(1..=365))]
    pub windows: Vec<u16>,
    /// End of the observation period: the end of this UTC day (YYYY-MM-DD)
    /// [default: the latest timestamp in the revenue table].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Attribution settings (only the models and the half-life shape the SQL).
    #[command(flatten)]
    pub attribution: AttributionArgs,
    /// Also write the `paths` aggregate: distinct paths with conversions,
    /// conversion value and non-conversions (the ChannelAttribution package's
    /// input), for inspection; the report does not need it.
    #[arg(long)]
    pub paths: bool,
    /// A column of the exposures table that orders touches with the same
    /// timestamp (an event id, a load sequence): it plays the part of the
    /// file order, and the report equals the in-process one on the rows in
    /// that order [default: channel name, then campaign, with a
    /// `warehouse_tie_order` warning counting the conversions it touched].
    #[arg(long, value_name = "COLUMN")]
    pub order_column: Option<String>,
    /// An optional column the tables do not have; repeat or separate by commas.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "COLUMN")]
    pub missing_column: Vec<OptionalColumn>,
    /// The profit outcome and capping (the revenue table's `cost` column is
    /// read when `[columns.revenue] cost` names it in --config).
    #[command(flatten)]
    pub profit: ProfitArgs,
}

/// `uplift schema`: where to write the schema.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift schema --output report.schema.json\n  check-jsonschema --schemafile report.schema.json report.json\n  uplift schema --diff --output diff.schema.json"
)]
pub struct SchemaArgs {
    /// Write the schema to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The schema of `uplift diff --format json` instead of the report's.
    #[arg(long)]
    pub diff: bool,
}

/// Shell completions for uplift, printed to standard output.
///
/// Install them where the shell looks for them, e.g. for bash
/// `uplift completions bash > ~/.local/share/bash-completion/completions/uplift`.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift completions bash > ~/.local/share/bash-completion/completions/uplift\n  uplift completions zsh > ~/.zfunc/_uplift\n  uplift completions fish > ~/.config/fish/completions/uplift.fish\n  uplift completions powershell >> $PROFILE"
)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The manual page (roff) of uplift or of one subcommand.
///
/// Prints `uplift(1)`, or `uplift-COMMAND(1)` for a subcommand; with
/// --out-dir, writes every page (uplift.1 and one per subcommand, every
/// flag documented) into DIR.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift man | man -l -\n  uplift man run | man -l -\n  uplift man --out-dir ~/.local/share/man/man1"
)]
pub struct ManArgs {
    /// The subcommand whose page to print [default: uplift itself].
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page into DIR instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<PathBuf>,
}

/// `uplift diff`: the two reports, and how to write what changed.
#[derive(Debug, Clone, Args)]
#[command(
    after_long_help = "Examples:\n  uplift diff last-week.json this-week.json\n  uplift diff last-week.json this-week.json --format markdown -o diff.md\n  uplift diff last-week.json this-week.json --format json --fail-on decision-change,reconciliation"
)]
pub struct DiffArgs {
    /// The old report (`uplift run --format json`).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The new report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the comparison to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with code 3 when one of these changes is found (the comparison
    /// is still written).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub fail_on: Vec<DiffCheck>,
}
