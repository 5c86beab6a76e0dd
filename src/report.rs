//! The report: the contract's JSON, field for field.
//!
//! ## Wire format
//! `--format json` serializes [`Report`] as it is. Field names are the
//! contract's; `null` stands for a number or object that does not exist
//! (never NaN or infinity); rows are sorted (lift by window, segment, channel;
//! attribution by window, model, channel) so that the same input gives the
//! same bytes. Fields may be added in later versions; none changes meaning.

use crate::attribution::{Model, Params};
use crate::config::{Columns, GroupLabels, Srm};
use crate::io::{FileInfo, OnBadRows};
use crate::lift::{ArmSummary, Bootstrap, Cuped};
use crate::model::{Micros, Window};
use crate::stats::Estimate;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole report: what `uplift run`, `uplift attribute` and `uplift
/// reconcile` write with `--format json`.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Report {
    /// Version of this layout (1).
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// End of the observation period (UTC).
    pub as_of: Option<String>,
    /// Each input file's path, SHA-256 and row counts.
    pub inputs: BTreeMap<String, FileInfo>,
    /// Every setting in force.
    pub config: Settings,
    /// Lift rows, per (window, segment, channel).
    pub lift: Vec<LiftRow>,
    /// Attribution rows, per (window, model, channel).
    pub attribution: Vec<AttributionRow>,
    /// Attribution totals, per window.
    pub attribution_totals: Vec<AttributionTotals>,
    /// Export revenue = Σ incremental revenue + baseline, per window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decomposition: Vec<Decomposition>,
    /// Attribution calibrated by the experiments (channels with a holdout).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<CalibrationRow>,
    /// Reconciliation against finance (null without a finance file).
    pub reconciliation: Option<Reconciliation>,
    /// The Markov chain per window (`uplift attribute --explain markov`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<MarkovWindow>")]
    pub markov: Option<Vec<MarkovWindow>>,
    /// Warnings, in the order found.
    pub warnings: Vec<Warning>,
}

/// The JSON Schema (draft 2020-12) of [`Report`] as `--format json` writes
/// it (`uplift schema`), generated from the types themselves: a field the
/// report always has is required, one left out when empty is not, and a
/// number that may not exist is `number` or `null`. Objects are open, since
/// later versions may add fields (see the wire format above).
///
/// The generated schema is tidied for other validators: Rust's number
/// formats (`uint64`, `double`), which JSON Schema does not define and
/// strict validators reject, are left out (the bounds stay as `minimum` and
/// `maximum`); so are `default`s, which describe reading a config file, not
/// a report; and doc comments' line breaks within a paragraph become spaces.
pub fn json_schema() -> serde_json::Value {
    schema_of::<Report>(
        &format!("urn:uplift:report:{SCHEMA_VERSION}"),
        &format!("uplift report, schema_version {SCHEMA_VERSION}"),
    )
}

/// The JSON Schema (draft 2020-12) of `T` as it serializes, tidied as
/// [`json_schema`] says, with its `$id` and `title`.
pub fn schema_of<T: JsonSchema>(id: &str, title: &str) -> serde_json::Value {
    let root = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(schemars::transform::RecursiveTransform(tidy))
        .into_generator()
        .into_root_schema_for::<T>();
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| out.insert(k.to_string(), v);
    put("$schema", root.get("$schema").cloned().unwrap_or_default());
    put("$id", id.into());
    put("title", title.into());
    put(
        "description",
        root.get("description").cloned().unwrap_or_default(),
    );
    for (k, v) in root.as_object().into_iter().flatten() {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    serde_json::Value::Object(out)
}

/// The number formats schemars gives Rust's integers and floats.
const RUST_NUMBER_FORMATS: [&str; 14] = [
    "int", "uint", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "int128", "uint128", "float", "double",
];

/// One (sub)schema tidied for [`json_schema`].
fn tidy(schema: &mut schemars::Schema) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let rust_format = obj
        .get("format")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|f| RUST_NUMBER_FORMATS.contains(&f));
    if rust_format {
        obj.shift_remove("format");
    }
    obj.shift_remove("default");
    if let Some(serde_json::Value::String(text)) = obj.get_mut("description") {
        *text = text
            .split("\n\n")
            .map(|paragraph| paragraph.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
}

/// The sections of a report, as the analysis computes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections {
    /// Lift rows, sorted.
    pub lift: Vec<LiftRow>,
    /// Attribution rows, sorted.
    pub attribution: Vec<AttributionRow>,
    /// Attribution totals per window.
    pub attribution_totals: Vec<AttributionTotals>,
    /// Revenue decomposition per window.
    pub decomposition: Vec<Decomposition>,
    /// Calibration rows, sorted.
    pub calibration: Vec<CalibrationRow>,
    /// Reconciliation against finance.
    pub reconciliation: Option<Reconciliation>,
    /// The Markov chain per window.
    pub markov: Option<Vec<MarkovWindow>>,
    /// Warnings, in the order found.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// The one place a report is built: the analysis' sections, the end of
    /// the observation period, the inputs and the settings in force.
    pub fn assemble(
        sections: Sections,
        as_of: Option<crate::model::Micros>,
        inputs: BTreeMap<String, FileInfo>,
        config: Settings,
    ) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            as_of: as_of.map(crate::io::time::format_timestamp),
            inputs,
            config,
            lift: sections.lift,
            attribution: sections.attribution,
            attribution_totals: sections.attribution_totals,
            decomposition: sections.decomposition,
            calibration: sections.calibration,
            reconciliation: sections.reconciliation,
            markov: sections.markov,
            warnings: sections.warnings,
        }
    }
}

/// Name and version of the tool.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Tool {
    /// `uplift`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "uplift".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// An estimate with an interval.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Interval {
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
}

/// An estimate with an interval and a p-value.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Tested {
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
}

/// The headline lift: with its Holm-adjusted p-value.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Headline {
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// Holm-adjusted p-value within the (window, segment) family.
    pub p_value_holm: Option<f64>,
}

impl From<Estimate> for Interval {
    fn from(e: Estimate) -> Self {
        Self {
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
        }
    }
}

impl From<Estimate> for Tested {
    fn from(e: Estimate) -> Self {
        Self {
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            p_value: e.p_value,
        }
    }
}

impl From<Estimate> for Headline {
    fn from(e: Estimate) -> Self {
        Self {
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            p_value: e.p_value,
            p_value_holm: None,
        }
    }
}

/// Users left out of a lift row.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Excluded {
    /// Users with both labels for the channel (mature or not).
    pub contaminated: u64,
    /// Non-contaminated users of either arm not mature for the window.
    pub immature: u64,
}

/// Sample-ratio-mismatch test of a row.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct SrmCheck {
    /// Planned control share (null when not configured).
    pub expected_control_share: Option<f64>,
    /// Chi-square p-value (null when not configured).
    pub p_value: Option<f64>,
    /// True when p < 0.001.
    pub flag: bool,
}

/// `balance`: Welch's test of the pre-period revenue `X` (capped when
/// capping is on), exposed vs control, always fixed-horizon.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Balance {
    /// Mean of `X`, exposed minus control.
    pub difference: Option<f64>,
    /// Lower bound.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// True when p < 0.001: the arms differed before the test started.
    pub flag: bool,
}

/// `status`: where the test stands against its planned effect
/// (fixed-horizon, also when read sequentially).
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct PlanStatus {
    /// Planned relative effect.
    pub mde: f64,
    /// δ = mde × |control mean|: the planned effect per user.
    pub effect: Option<f64>,
    /// Power to detect δ with the row's users.
    pub power: Option<f64>,
    /// Total users (both arms, at the row's exposed share) to reach the
    /// target power.
    pub users_needed: Option<u64>,
    /// `power ≥ target power`.
    pub reached: bool,
    /// Calendar days of further enrollment to reach `users_needed` at the
    /// channel's enrollment rate (null when reached or unknown).
    pub days_to_power: Option<u64>,
}

/// `placebo`: A/A splits of the control arm.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Placebo {
    /// Runs.
    pub runs: usize,
    /// Runs with p < α.
    pub false_positives: usize,
    /// `false_positives / runs`.
    pub rate: f64,
    /// Lower bound of the Wilson interval.
    pub ci_low: f64,
    /// Upper bound of the Wilson interval.
    pub ci_high: f64,
    /// True when `ci_low > α`: the row's intervals are too narrow for its
    /// data.
    pub flag: bool,
}

/// Decision against the hurdle iROAS.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Decision {
    /// What the verdict is taken on: `revenue` (the iROAS interval against
    /// `hurdle_iroas`) or `profit` (the iPOAS interval against
    /// `hurdle_ipoas`).
    pub basis: String,
    /// The hurdle iROAS.
    pub hurdle_iroas: f64,
    /// The hurdle iPOAS (null on the revenue basis).
    pub hurdle_ipoas: Option<f64>,
    /// `scale`, `cut` or `inconclusive`.
    pub verdict: String,
}

/// The caps of one bound pair, with the row's users they changed.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct CapValues {
    /// Upper cap (null without `--cap`).
    pub upper: Option<f64>,
    /// Lower cap (null without `--cap-lower`).
    pub lower: Option<f64>,
    /// The row's users whose value the caps changed.
    pub users_capped: u64,
}

/// The caps of the pre-period covariate.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct PreCaps {
    /// Upper cap (null without `--cap`).
    pub upper: Option<f64>,
    /// Lower cap (null without `--cap-lower`).
    pub lower: Option<f64>,
}

/// `capping`: the caps of the row's (channel, window) — quantiles of each
/// outcome over both arms' users, every segment — and the users they
/// changed.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct Capping {
    /// `--cap` (null: no cap from above).
    pub quantile: Option<f64>,
    /// `--cap-lower` (null: no cap from below).
    pub quantile_lower: Option<f64>,
    /// Caps of revenue in the window `Y`.
    pub revenue: CapValues,
    /// Caps of pre-period revenue `X`.
    pub pre_period: PreCaps,
    /// Caps of profit in the window `Yπ` (null when profit is off).
    pub profit: Option<CapValues>,
}

/// One lift row: (channel, segment, window).
#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq)]
pub struct LiftRow {
    /// Channel name.
    pub channel: String,
    /// Segment (null = all users).
    pub segment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// UTC date of the channel's first exposed row (its test period, over
    /// which spend is counted).
    pub test_start: Option<String>,
    /// UTC date of the channel's last exposed row.
    pub test_end: Option<String>,
    /// Exposed arm.
    pub exposed: ArmSummary,
    /// Control arm.
    pub control: ArmSummary,
    /// Excluded users.
    pub excluded: Excluded,
    /// Headline revenue-per-user lift (CUPED when applied).
    pub revenue_per_user_lift: Headline,
    /// Unadjusted revenue-per-user lift.
    pub revenue_per_user_lift_raw: Tested,
    /// Relative lift (fraction of the control's revenue per user).
    pub relative_lift: Interval,
    /// Conversion-rate lift (absolute).
    pub conversion_rate_lift: Tested,
    /// Headline lift × exposed users.
    pub incremental_revenue: Interval,
    /// Conversion-rate lift × exposed users.
    pub incremental_conversions: Interval,
    /// Headline profit-per-user lift, CUPED on its own θπ when applied
    /// (null when profit is off).
    pub profit_per_user_lift: Option<Tested>,
    /// Unadjusted profit-per-user lift (null when profit is off).
    pub profit_per_user_lift_raw: Option<Tested>,
    /// Headline profit lift × exposed users (null when profit is off).
    pub incremental_profit: Option<Interval>,
    /// CUPED details.
    pub cuped: Cuped,
    /// The caps in force and the users they changed (null without capping).
    pub capping: Option<Capping>,
    /// Sample-ratio mismatch.
    pub srm: SrmCheck,
    /// The pre-period balance: Welch's test of `X`, exposed vs control.
    pub balance: Balance,
    /// Power, users needed and days to a decision at the planned effect
    /// (overall rows with a planned effect; null otherwise).
    pub status: Option<PlanStatus>,
    /// Placebo (A/A) runs on the control arm (overall rows, with
    /// `--placebo`; null otherwise).
    pub placebo: Option<Placebo>,
    /// Spend attributed to this row (null without spend data).
    pub spend: Option<f64>,
    /// Incremental cost per acquisition.
    pub icac: Option<f64>,
    /// Incremental return on ad spend, with interval.
    pub iroas: Option<Interval>,
    /// Incremental profit / spend, with interval (profit on, with spend).
    pub ipoas: Option<Interval>,
    /// Incremental profit − spend, with interval (profit on, with spend).
    pub net_return: Option<Interval>,
    /// Decision against the hurdle.
    pub decision: Option<Decision>,
    /// Percentile bootstrap interval (with `--bootstrap`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Bootstrap")]
    pub bootstrap: Option<Bootstrap>,
}

impl LiftRow {
    /// The row as a reader names it: `email (30 days)`, `email (30 days,
    /// segment new)`.
    pub fn label(&self) -> String {
        match &self.segment {
            Some(s) => format!("{} ({} days, segment {s})", self.channel, self.window_days),
            None => format!("{} ({} days)", self.channel, self.window_days),
        }
    }
}

/// Credit of one channel under one model and window.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct AttributionRow {
    /// Window in days.
    pub window_days: u16,
    /// Model name.
    pub model: String,
    /// Channel name.
    pub channel: String,
    /// Conversions credited.
    pub conversions: f64,
    /// Revenue credited.
    pub revenue: f64,
    /// Share of the model's attributed conversions.
    pub share: f64,
    /// Attributed CAC: the channel's spend over its exposure period ÷ the
    /// conversions this model credits to it (left out without spend data or
    /// credited conversions). Compare with the lift row's `icac`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64")]
    pub cac: Option<f64>,
}

/// Where the export's revenue came from, for one window: the incremental
/// revenue the tested channels caused, and the rest (baseline).
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Decomposition {
    /// Window in days.
    pub window_days: u16,
    /// Net revenue of every order in the export (refunds included).
    pub export_revenue: f64,
    /// Incremental revenue of each tested channel (all-users rows with an estimate).
    pub incremental: Vec<ChannelAmount>,
    /// Σ incremental revenue.
    pub incremental_total: f64,
    /// `export_revenue − incremental_total`: revenue that would have happened anyway.
    pub baseline_revenue: f64,
}

/// An amount per channel.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ChannelAmount {
    /// Channel.
    pub channel: String,
    /// Amount.
    pub amount: f64,
}

/// Totals of attribution for one window.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct AttributionTotals {
    /// Window in days.
    pub window_days: u16,
    /// All conversions in the file.
    pub conversions: u64,
    /// Revenue of all conversions.
    pub revenue: f64,
    /// Conversions with no touchpoint in the window.
    pub unattributed_conversions: u64,
    /// Their revenue.
    pub unattributed_revenue: f64,
    /// Sum of refunds (negative).
    pub refunds: f64,
    /// Conversion revenue + refunds.
    pub net_revenue: f64,
}

/// Reconciliation against finance.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Reconciliation {
    /// Tolerance on |gap_pct|.
    pub tolerance: f64,
    /// `ok` or `mismatch`.
    pub status: String,
    /// Per finance period.
    pub periods: Vec<ReconciliationPeriod>,
    /// Refund rows of the export (counted in every period's export revenue).
    pub refunds: RowsAndAmount,
    /// Rows dropped as repeats of an earlier `order_id` (in no period).
    pub duplicate_orders: RowsAndAmount,
}

/// A number of rows and their amount.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq)]
pub struct RowsAndAmount {
    /// Rows.
    pub rows: u64,
    /// Their summed amount.
    pub amount: f64,
}

/// One finance period.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ReconciliationPeriod {
    /// First day (inclusive).
    pub period_start: String,
    /// Last day (inclusive).
    pub period_end: String,
    /// Booked revenue.
    pub finance_revenue: f64,
    /// Net revenue of the export's orders in the period.
    pub export_revenue: f64,
    /// `export − finance`.
    pub gap: f64,
    /// `gap / finance` (null when finance is 0).
    pub gap_pct: Option<f64>,
    /// `ok` or `mismatch`.
    pub status: String,
}

/// One (window, model, channel) calibration.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalibrationRow {
    /// Window in days.
    pub window_days: u16,
    /// Attribution model.
    pub model: String,
    /// Channel.
    pub channel: String,
    /// Revenue the model credits to the channel from the test users'
    /// conversions in their window.
    pub attributed_revenue_test: f64,
    /// The experiment's incremental revenue (headline estimate).
    pub incremental_revenue: f64,
    /// `incremental / attributed_revenue_test` (null when the model credits nothing).
    pub factor: Option<f64>,
    /// Interval of the factor from the incremental revenue's interval.
    pub factor_ci_low: Option<f64>,
    /// Upper end.
    pub factor_ci_high: Option<f64>,
    /// The model's attributed revenue of the channel over all conversions.
    pub attributed_revenue: f64,
    /// `factor × attributed_revenue`.
    pub calibrated_revenue: Option<f64>,
}

pub use crate::warning::{Warning, WarningCode};

/// The Markov chain of one window, with channel names.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct MarkovWindow {
    /// Window in days.
    pub window_days: u16,
    /// Order of the chain.
    pub order: usize,
    /// Channel states a walk may visit before it is cut (null = unlimited).
    pub horizon: Option<usize>,
    /// Longest collapsed path.
    pub longest_path: usize,
    /// Distinct state sequences.
    pub distinct_paths: usize,
    /// Converting paths' conversions.
    pub conversions: u64,
    /// Non-converting paths.
    pub nulls: u64,
    /// Transient states (`email` or, for order k, `email>social`).
    pub states: Vec<String>,
    /// Every transition with a positive count.
    pub transitions: Vec<NamedTransition>,
    /// P(conversion) of a walk from start.
    pub base_conversion_probability: f64,
    /// Per channel: removal effect and shares.
    pub removal_effects: Vec<NamedRemovalEffect>,
}

/// One transition, with names.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct NamedTransition {
    /// From (`(start)` or a state).
    pub from: String,
    /// To (a state, `(conversion)` or `(null)`).
    pub to: String,
    /// Paths that took it.
    pub count: u64,
    /// Row-normalised probability.
    pub probability: f64,
}

/// One channel's removal effect, with its name.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct NamedRemovalEffect {
    /// Channel.
    pub channel: String,
    /// Removal effect on conversions.
    pub removal_effect: f64,
    /// Removal effect on value.
    pub value_removal_effect: f64,
    /// P(conversion) without the channel.
    pub conversion_probability_without: f64,
    /// Share of the conversions.
    pub conversion_share: f64,
    /// Share of the revenue.
    pub value_share: f64,
}

// ---------------------------------------------------------------------------
// The settings in force (`config`): one struct per subcommand.
// ---------------------------------------------------------------------------

/// Every setting in force, as the report's `config` carries it: the
/// settings of the subcommand that wrote the report (serialized as that
/// struct, with no tag).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Settings {
    /// `uplift run`.
    Run(Box<RunSettings>),
    /// `uplift attribute`.
    Attribute(AttributeSettings),
    /// `uplift reconcile`.
    Reconcile(ReconcileSettings),
}

impl Settings {
    /// The windows in days, when the subcommand has windows.
    pub fn windows(&self) -> Option<&[Window]> {
        match self {
            Self::Run(s) => Some(&s.windows),
            Self::Attribute(s) => Some(&s.windows),
            Self::Reconcile(_) => None,
        }
    }

    /// The confidence level of the intervals (`uplift run` only).
    pub fn confidence(&self) -> Option<f64> {
        match self {
            Self::Run(s) => Some(s.confidence),
            _ => None,
        }
    }

    /// CUPED on or off (`uplift run` only).
    pub fn cuped(&self) -> Option<bool> {
        match self {
            Self::Run(s) => Some(s.cuped),
            _ => None,
        }
    }

    /// Bootstrap resamples, when the bootstrap is on.
    pub fn bootstrap(&self) -> Option<usize> {
        match self {
            Self::Run(s) => s.bootstrap,
            _ => None,
        }
    }

    /// The seed of the bootstrap (`uplift run` only).
    pub fn seed(&self) -> Option<u64> {
        match self {
            Self::Run(s) => Some(s.seed),
            _ => None,
        }
    }

    /// The hurdle iROAS of the decisions (`uplift run` only).
    pub fn hurdle_iroas(&self) -> Option<f64> {
        match self {
            Self::Run(s) => Some(s.hurdle_iroas),
            _ => None,
        }
    }

    /// The reconciliation tolerance.
    pub fn tolerance(&self) -> Option<f64> {
        match self {
            Self::Run(s) => Some(s.tolerance),
            Self::Reconcile(s) => Some(s.tolerance),
            Self::Attribute(_) => None,
        }
    }

    /// The attribution models.
    pub fn models(&self) -> Option<&[Model]> {
        match self {
            Self::Run(s) => Some(&s.models),
            Self::Attribute(s) => Some(&s.models),
            Self::Reconcile(_) => None,
        }
    }
}

/// Every setting in force for a run (reported as `config`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RunSettings {
    /// Windows, ascending.
    pub windows: Vec<Window>,
    /// Confidence level.
    pub confidence: f64,
    /// CUPED on.
    pub cuped: bool,
    /// `--as-of` as given (null = latest revenue timestamp).
    pub as_of: Option<String>,
    /// Bootstrap resamples.
    pub bootstrap: Option<usize>,
    /// Bootstrap seed.
    pub seed: u64,
    /// What happens to bad rows.
    pub on_bad_rows: OnBadRows,
    /// The config file in force.
    pub config_file: Option<String>,
    /// Group labels.
    pub groups: GroupLabels,
    /// Planned control shares.
    pub srm: Srm,
    /// Column mapping.
    pub columns: Columns,
    /// Output format.
    pub format: Format,
    /// Attribution models.
    pub models: Vec<Model>,
    /// Attribution parameters.
    pub attribution: Params,
    /// Hurdle iROAS.
    pub hurdle_iroas: f64,
    /// Hurdle iPOAS (decisions on the profit basis).
    pub hurdle_ipoas: f64,
    /// The profit outcome (null when off).
    pub profit: Option<ProfitSettings>,
    /// Upper capping quantile (null: no cap from above).
    pub cap: Option<f64>,
    /// Lower capping quantile (null: no cap from below).
    pub cap_lower: Option<f64>,
    /// Intervals are confidence sequences, p-values always valid.
    pub sequential: bool,
    /// Tuning `N*` of the confidence sequence.
    pub sequential_tuning: f64,
    /// The planned effects of the rows' status.
    pub plan: PlanSettings,
    /// Placebo (A/A) runs per row (null: none).
    pub placebo: Option<usize>,
    /// Reconciliation tolerance.
    pub tolerance: f64,
    /// Checks that exit with code 3.
    pub fail_on: Vec<FailOn>,
    /// The directory of warehouse aggregates the report was computed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub from_aggregates: Option<String>,
    /// `--as-of` in microseconds, when given.
    #[serde(skip)]
    pub(crate) as_of_micros: Option<Micros>,
}

/// The planned relative effects (`config.plan`): `mde` for every channel,
/// `channels` per channel, and the target power.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct PlanSettings {
    /// Planned relative effect of every channel (null: none).
    pub mde: Option<f64>,
    /// Planned relative effect per channel (overrides `mde`).
    pub channels: BTreeMap<String, f64>,
    /// Target power.
    pub target_power: f64,
}

impl PlanSettings {
    /// The planned effect of `channel`, if any.
    pub fn mde_for(&self, channel: &str) -> Option<f64> {
        self.channels.get(channel).copied().or(self.mde)
    }
}

/// How an order's profit is computed (`config.profit`): `revenue − cost`
/// when its `cost` cell is given, else `margin × revenue − cost_per_order`
/// (a conversion) or `margin × revenue − cost_per_refund` (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct ProfitSettings {
    /// Share of revenue kept after the cost of goods, in (0, 1].
    pub margin: f64,
    /// Cost of serving one order.
    pub cost_per_order: f64,
    /// Cost of handling one refund.
    pub cost_per_refund: f64,
    /// Whether the revenue input has a `cost` column.
    pub cost_column: bool,
}

impl ProfitSettings {
    /// The profit of an order of `revenue` whose cost cell holds `cost`
    /// (NaN: empty, or no cost column).
    pub fn of(&self, revenue: f64, cost: f64) -> f64 {
        if !cost.is_nan() {
            revenue - cost
        } else if revenue >= 0.0 {
            self.margin * revenue - self.cost_per_order
        } else {
            self.margin * revenue - self.cost_per_refund
        }
    }
}

/// Every setting of `uplift attribute` (reported as `config`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AttributeSettings {
    /// Windows, ascending.
    pub windows: Vec<Window>,
    /// Attribution models.
    pub models: Vec<Model>,
    /// Attribution parameters.
    pub params: Params,
    /// What happens to bad rows.
    pub on_bad_rows: OnBadRows,
    /// The config file in force.
    pub config_file: Option<String>,
    /// Column mapping.
    pub columns: Columns,
    /// Group labels.
    pub groups: GroupLabels,
}

/// Every setting of `uplift reconcile` (reported as `config`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ReconcileSettings {
    /// Reconciliation tolerance.
    pub tolerance: f64,
    /// Checks that exit with code 3.
    pub fail_on: Vec<FailOn>,
    /// The config file in force.
    pub config_file: Option<String>,
    /// Column mapping.
    pub columns: Columns,
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Tables for a terminal.
    Table,
    /// The contract's JSON report.
    Json,
    /// The lift rows, flattened, as CSV.
    Csv,
    /// A Markdown report for a KPI mail or a pull-request comment.
    Markdown,
    /// One self-contained HTML file with inline SVG charts.
    Html,
    /// Experiment results as MMM calibration input (Robyn's `calibration_input` columns), CSV.
    Calibration,
}

/// A check that `--fail-on` can turn into exit code 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// A finance period's gap exceeds the tolerance.
    Reconciliation,
    /// A lift row has a sample-ratio mismatch.
    Srm,
    /// A channel's revenue lift (all users) is significantly negative.
    NegativeLift,
    /// A lift row's arms differ in pre-period revenue.
    Imbalance,
}
