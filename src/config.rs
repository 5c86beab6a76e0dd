//! `uplift.toml`: column and group-label mapping, SRM plans and analysis
//! defaults. Unknown keys are an error that names them.
//!
//! ```toml
//! [columns.exposures]          # canonical name = name in the file
//! user_id = "customer_id"
//! timestamp = "event_time"
//! channel = "medium"
//! group = "arm"
//!
//! [groups]                     # replaces the default list of that label
//! control = ["control", "holdout"]
//! exposed = ["exposed", "treatment", "test"]
//!
//! [srm]
//! control_share = 0.1          # every channel
//! [srm.channels]
//! email = 0.2                  # one channel
//!
//! [analysis]                   # defaults for flags not given on the command line
//! windows = [30, 60, 90]
//! confidence = 0.95
//! ```

use crate::error::Error;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Column-name mapping per input file.
    #[serde(default)]
    pub columns: Columns,
    /// Group-label mapping.
    #[serde(default)]
    pub groups: Groups,
    /// Planned control shares for the sample-ratio-mismatch test.
    #[serde(default)]
    pub srm: Srm,
    /// Defaults for analysis flags.
    #[serde(default)]
    pub analysis: Analysis,
    /// `[profit]`: present, it turns the profit outcome on.
    pub profit: Option<ProfitTable>,
    /// `[plan]`: the planned effect each test is powered for.
    #[serde(default)]
    pub plan: PlanTable,
}

/// `[plan]`: the planned relative effect (`mde`, per channel in
/// `[plan.channels]`) and the target power of each test's status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTable {
    /// Planned relative effect of every channel, like 0.05 for 5%.
    pub mde: Option<f64>,
    /// Target power, in (0, 1).
    pub target_power: Option<f64>,
    /// Planned relative effect per channel (overrides `mde`).
    #[serde(default)]
    pub channels: BTreeMap<String, f64>,
}

/// `[profit]`: an order's profit when its `cost` cell is empty (or the
/// revenue file has no `cost` column): `margin × revenue − cost_per_order`
/// for a conversion, `margin × revenue − cost_per_refund` for a refund.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfitTable {
    /// Share of revenue kept after the cost of goods, in (0, 1].
    pub margin: Option<f64>,
    /// Cost of serving one order (≥ 0).
    pub cost_per_order: Option<f64>,
    /// Cost of handling one refund (≥ 0).
    pub cost_per_refund: Option<f64>,
}

/// `[columns.*]`: canonical column name → name in the file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// uplift.toml refuses unknown keys; the report's schema leaves these objects
// open like every other one of the report (here and in the tables below).
#[schemars(!deny_unknown_fields)]
pub struct Columns {
    /// `[columns.exposures]`
    #[serde(default)]
    pub exposures: ExposureColumns,
    /// `[columns.revenue]`
    #[serde(default)]
    pub revenue: RevenueColumns,
    /// `[columns.spend]`
    #[serde(default)]
    pub spend: SpendColumns,
    /// `[columns.finance]`
    #[serde(default)]
    pub finance: FinanceColumns,
}

/// Column names of the exposures file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(!deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ExposureColumns {
    pub user_id: Option<String>,
    pub channel: Option<String>,
    pub timestamp: Option<String>,
    pub group: Option<String>,
    pub campaign: Option<String>,
    pub segment: Option<String>,
    pub cost: Option<String>,
}

/// Column names of the revenue file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(!deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RevenueColumns {
    pub user_id: Option<String>,
    pub timestamp: Option<String>,
    pub revenue: Option<String>,
    pub order_id: Option<String>,
    pub cost: Option<String>,
}

/// Column names of the spend file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(!deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SpendColumns {
    pub date: Option<String>,
    pub channel: Option<String>,
    pub spend: Option<String>,
}

/// Column names of the finance file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(!deny_unknown_fields)]
#[allow(missing_docs)]
pub struct FinanceColumns {
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub revenue: Option<String>,
}

/// `[groups]`: the labels that mean exposed and control.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Groups {
    /// Labels meaning exposed (default `exposed`, `treatment`, `test`).
    pub exposed: Option<Vec<String>>,
    /// Labels meaning control (default `control`, `holdout`).
    pub control: Option<Vec<String>>,
}

/// The group labels in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GroupLabels {
    /// Labels meaning exposed.
    pub exposed: Vec<String>,
    /// Labels meaning control.
    pub control: Vec<String>,
}

impl Groups {
    /// The labels in force: the config's lists, or the defaults.
    pub fn labels(&self) -> GroupLabels {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        GroupLabels {
            exposed: self
                .exposed
                .clone()
                .unwrap_or_else(|| own(&["exposed", "treatment", "test"])),
            control: self
                .control
                .clone()
                .unwrap_or_else(|| own(&["control", "holdout"])),
        }
    }
}

/// `[srm]`: planned control shares.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(!deny_unknown_fields)]
pub struct Srm {
    /// Control share of every channel.
    pub control_share: Option<f64>,
    /// Control share per channel (overrides `control_share`).
    #[serde(default)]
    pub channels: BTreeMap<String, f64>,
}

impl Srm {
    /// The planned control share of `channel`, if known.
    pub fn share_for(&self, channel: &str) -> Option<f64> {
        self.channels.get(channel).copied().or(self.control_share)
    }
}

/// `[analysis]`: defaults for flags not given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Windows in days.
    pub windows: Option<Vec<u16>>,
    /// Confidence level.
    pub confidence: Option<f64>,
    /// Apply CUPED.
    pub cuped: Option<bool>,
    /// Hurdle iROAS for decisions.
    pub hurdle_iroas: Option<f64>,
    /// Hurdle iPOAS for decisions on the profit basis.
    pub hurdle_ipoas: Option<f64>,
    /// Upper capping quantile, in (0.5, 1).
    pub cap: Option<f64>,
    /// Lower capping quantile, in (0, 0.5).
    pub cap_lower: Option<f64>,
    /// Read every interval as a confidence sequence.
    pub sequential: Option<bool>,
    /// Tuning `N*` of the confidence sequence.
    pub sequential_tuning: Option<f64>,
    /// Placebo (A/A) runs per row.
    pub placebo: Option<usize>,
    /// Reconciliation tolerance.
    pub tolerance: Option<f64>,
    /// Half-life of time-decay attribution, in days.
    pub half_life: Option<f64>,
    /// Markov chain order.
    pub markov_order: Option<usize>,
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the config file: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
    }

    /// Parses config text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        for (name, share) in cfg
            .srm
            .channels
            .iter()
            .map(|(k, v)| (format!("srm.channels.{k}"), *v))
            .chain(
                cfg.srm
                    .control_share
                    .map(|v| ("srm.control_share".to_string(), v)),
            )
        {
            if !(share > 0.0 && share < 1.0) {
                return Err(format!(
                    "{name} = {share}: a control share must be between 0 and 1 (exclusive)"
                ));
            }
        }
        let labels = cfg.groups.labels();
        if let Some(l) = labels.exposed.iter().find(|l| labels.control.contains(l)) {
            return Err(format!(
                "[groups]: label \"{l}\" is listed as both exposed and control"
            ));
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named_in_the_error() {
        let err = Config::parse("[columns.exposures]\nuser = \"customer_id\"\n").unwrap_err();
        assert!(err.contains("unknown field `user`"), "{err}");
        let err = Config::parse("[colums]\n").unwrap_err();
        assert!(err.contains("colums"), "{err}");
    }

    #[test]
    fn mapping_and_labels_are_read() {
        let cfg = Config::parse(
            "[columns.exposures]\nuser_id = \"customer_id\"\n[groups]\ncontrol = [\"ctl\"]\n[srm]\ncontrol_share = 0.1\n[srm.channels]\nemail = 0.2\n",
        )
        .unwrap();
        assert_eq!(
            cfg.columns.exposures.user_id.as_deref(),
            Some("customer_id")
        );
        let labels = cfg.groups.labels();
        assert_eq!(labels.control, vec!["ctl"]);
        assert_eq!(labels.exposed, vec!["exposed", "treatment", "test"]);
        assert_eq!(cfg.srm.share_for("email"), Some(0.2));
        assert_eq!(cfg.srm.share_for("social"), Some(0.1));
    }

    #[test]
    fn impossible_shares_are_rejected() {
        assert!(Config::parse("[srm]\ncontrol_share = 1.5\n").is_err());
    }
}
