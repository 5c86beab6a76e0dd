//! Multi-touch attribution: which channels get the credit for each conversion.
//!
//! The contract's section "Attribution" is binding; in short, for a window of
//! `W` days:
//!
//! - **Touchpoints** are the exposures rows whose group is not control (a
//!   control row is a ghost exposure: the user was *not* shown anything).
//! - **Conversions** are orders with `revenue >= 0`. Each one looks back on its
//!   own: its path is the user's touchpoints with
//!   `order_ts − W days <= ts <= order_ts`, in time order (ties keep file
//!   order). A conversion with no touchpoint in its window is *unattributed*.
//! - **Refunds** (`revenue < 0`) are never attributed; they only enter the
//!   totals (`net_revenue = revenue + refunds`).
//! - **Non-converting paths**: a user with touchpoints and no order row at all
//!   contributes one path, their touchpoints in `[last_touch − W days,
//!   last_touch]`. Only the Markov model uses them (as paths to "null").
//!
//! Every model then splits each attributed conversion, and its revenue, over
//! channels, so that for every model and window
//!
//! ```text
//! Σ credited conversions + unattributed conversions = all conversions
//! Σ credited revenue     + unattributed revenue     = revenue of all conversions
//! ```
//!
//! Money is added with compensated (Neumaier) summation and the last rounding
//! remainder is given to the channel with the largest credit, so the identity
//! holds to floating-point precision, far below a cent.
//!
//! Paths are built in one pass over the exposures and orders, which `io`
//! sorted by (user, time, file row): a two-pointer window per user, never a
//! rescan of a user's touches per order. Results never depend on hash-map
//! iteration order (everything grouped is sorted before use).
//!
//! Models: [`rules`] (first touch, last touch, linear, time decay, position
//! based), [`markov`] (the removal-effect model of Anderl et al. 2016 as
//! implemented by the ChannelAttribution package, computed exactly) and
//! [`shapley`] (the simplified Shapley value of Zhao et al. 2018).
//!
//! # Layout
//!
//! This file holds the models, their settings, the errors and the result
//! types. `paths.rs` builds the touchpoints and paths, `credits.rs` turns a
//! model's split of each path into settled credits, and `reference.rs` is
//! the reference implementation, [`reference_run`]: each window and model on its
//! own, the plainest way. The reports come from the production pass,
//! [`crate::reduce::attribution::attribute_and_credit`], which runs every model
//! over every window at once and gives the same credits.
//!
//! # References
//!
//! - E. Anderl, I. Becker, F. von Wangenheim, J. H. Schumann (2016), *Mapping
//!   the customer journey: Lessons learned from graph-based online attribution
//!   modeling*, International Journal of Research in Marketing 33(3).
//! - D. Altomare, D. Loris, *ChannelAttribution* (R and Python package),
//!   <https://channelattribution.io>; cross-checked in
//!   `testdata/reference/channelattribution/`.
//! - K. Zhao, S. H. Mahboobi, S. R. Bagheri (2018), *Shapley Value Methods for
//!   Attribution Modeling in Online Advertising*, arXiv:1804.05327.

pub mod markov;
pub mod rules;
pub mod shapley;
pub(crate) mod weights;

mod credits;
mod paths;
mod reference;

#[cfg(test)]
pub(crate) mod channelattribution;
#[cfg(test)]
mod test_data;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::stats::sum::NeumaierSum;

pub(crate) use credits::Credits;
pub use credits::{attribute_paths, attribute_window, from_credits, from_shares};
pub use markov::MarkovExplain;
pub use paths::{
    ConversionPath, GroupedPath, NestedPaths, PathRef, TouchSpan, Touchpoints, WindowPaths,
    build_nested, build_paths, group_paths,
};
pub use reference::reference_run;
pub use rules::Rule;

/// Default half-life of the time-decay model, in days.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;
/// Default share of the first touch in the position-based model.
pub const DEFAULT_POSITION_FIRST: f64 = 0.4;
/// Default share of the last touch in the position-based model.
pub const DEFAULT_POSITION_LAST: f64 = 0.4;
/// Default order of the Markov chain.
pub const DEFAULT_MARKOV_ORDER: usize = 1;
/// Highest Markov order supported.
pub const MAX_MARKOV_ORDER: usize = markov::MAX_ORDER;

/// An attribution model (`--model`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// All credit to the first touch of the path.
    FirstTouch,
    /// All credit to the last touch of the path.
    LastTouch,
    /// Each touch `1 / len`.
    Linear,
    /// Touch weight `2^(−age / half_life)`, normalised per conversion.
    TimeDecay,
    /// 40% first, 40% last, 20% shared by the middle touches.
    PositionBased,
    /// Removal effect on a Markov chain of the paths.
    Markov,
    /// Simplified Shapley value over the path's channel set.
    Shapley,
}

impl Model {
    /// Every model, in the order reports list them.
    pub const ALL: [Model; 7] = [
        Model::FirstTouch,
        Model::LastTouch,
        Model::Linear,
        Model::TimeDecay,
        Model::PositionBased,
        Model::Markov,
        Model::Shapley,
    ];

    /// The model's name in the contract (`"first_touch"`, …, `"shapley"`).
    pub fn name(self) -> &'static str {
        match self {
            Model::FirstTouch => "first_touch",
            Model::LastTouch => "last_touch",
            Model::Linear => "linear",
            Model::TimeDecay => "time_decay",
            Model::PositionBased => "position_based",
            Model::Markov => "markov",
            Model::Shapley => "shapley",
        }
    }

    /// The model with this contract name, if any.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How far a simulated walk on the Markov chain may go (`--markov-horizon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    /// At most `K` channel states, `K` = longest collapsed path + 1 (the
    /// ChannelAttribution package's default `max_step`).
    Auto,
    /// At most this many channel states (the package's `max_step`).
    Steps(usize),
    /// No limit: the absorption probability of the chain.
    Infinite,
}

/// Settings of the models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Params {
    /// Half-life of the time-decay model, in days (default 7).
    pub half_life_days: f64,
    /// Share of the first touch in the position-based model (default 0.4).
    pub position_first: f64,
    /// Share of the last touch in the position-based model (default 0.4).
    pub position_last: f64,
    /// Order of the Markov chain, 1..=3 (default 1).
    pub markov_order: usize,
    /// Walk horizon of the Markov model (default `auto`: [`Horizon::Auto`]).
    pub markov_horizon: Horizon,
    /// The most work a window's Markov chains may take, in multiply–adds
    /// (`None`: no limit; default [`markov::DEFAULT_WORK_LIMIT`]). It
    /// decides whether the model runs, never what it gives, so reports
    /// leave it out.
    #[serde(skip, default = "default_work_limit")]
    pub markov_work_limit: Option<f64>,
}

fn default_work_limit() -> Option<f64> {
    Some(markov::DEFAULT_WORK_LIMIT)
}

impl Default for Params {
    fn default() -> Self {
        Self {
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
            position_first: DEFAULT_POSITION_FIRST,
            position_last: DEFAULT_POSITION_LAST,
            markov_order: DEFAULT_MARKOV_ORDER,
            markov_horizon: Horizon::Auto,
            markov_work_limit: default_work_limit(),
        }
    }
}

impl Params {
    /// Checks that every setting is usable.
    ///
    /// # Errors
    ///
    /// [`ParamsError`] names the first setting out of range. The models
    /// themselves never fail: given unchecked settings they clamp them (the
    /// Markov order to 1..=3, a horizon of 0 steps to 1).
    pub fn validate(&self) -> Result<(), ParamsError> {
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(ParamsError::HalfLife(self.half_life_days));
        }
        let (first, last) = (self.position_first, self.position_last);
        let shares_ok = first.is_finite()
            && last.is_finite()
            && first >= 0.0
            && last >= 0.0
            && first + last > 0.0
            && first + last <= 1.0;
        if !shares_ok {
            return Err(ParamsError::PositionShares { first, last });
        }
        if !(1..=MAX_MARKOV_ORDER).contains(&self.markov_order) {
            return Err(ParamsError::MarkovOrder(self.markov_order));
        }
        if self.markov_horizon == Horizon::Steps(0) {
            return Err(ParamsError::Horizon);
        }
        Ok(())
    }
}

/// A setting of [`Params`] out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// The half-life is not a positive number of days.
    #[error("the time-decay half-life must be a positive number of days, got {0}")]
    HalfLife(f64),
    /// The position-based shares are negative or add up to more than 1.
    #[error(
        "the position-based shares must be >= 0 and add up to more than 0 and at most 1, \
         got first {first} and last {last}"
    )]
    PositionShares {
        /// Share of the first touch.
        first: f64,
        /// Share of the last touch.
        last: f64,
    },
    /// The Markov order is outside 1..=3.
    #[error("the Markov order must be 1, 2 or 3, got {0}")]
    MarkovOrder(usize),
    /// A Markov horizon of zero steps.
    #[error("the Markov horizon must be at least 1 step (or `inf`)")]
    Horizon,
}

/// A model that cannot run on the paths it was given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AttributionError {
    /// The model needs each touch's time, which a [`GroupedPath`] does not keep.
    #[error("the {0} model needs each touch's timestamp, which a grouped path does not keep")]
    NeedsTimestamps(Model),
    /// Solving the Markov chain would take more work than the limit allows.
    #[error("{0}")]
    MarkovWork(markov::TooMuchWork),
}

/// The credit one channel receives from one model in one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelCredit {
    /// Channel code.
    pub channel: u16,
    /// Credited conversions (fractional).
    pub conversions: f64,
    /// Credited conversion revenue.
    pub revenue: f64,
}

/// One channel's share of a split: of one conversion (Shapley), or of a
/// window's conversions or revenue (the Markov removal effects).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelShare {
    /// Channel code.
    pub channel: u16,
    /// Its share; the shares of one split add up to 1.
    pub share: f64,
}

/// One model's credits in one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelResult {
    /// The model.
    pub model: Model,
    /// One entry per channel that received credit or appears in a path of the
    /// window (converting or not), sorted by channel code.
    pub credits: Vec<ChannelCredit>,
}

/// The window's totals, the same for every model (`attribution_totals`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    /// Conversions (orders with `revenue >= 0`).
    pub conversions: u64,
    /// Revenue of all conversions.
    pub revenue: f64,
    /// Conversions with no touchpoint in their window.
    pub unattributed_conversions: u64,
    /// Revenue of the unattributed conversions.
    pub unattributed_revenue: f64,
    /// Sum of the refunds (orders with `revenue < 0`): zero or negative.
    pub refunds: f64,
    /// `revenue + refunds`.
    pub net_revenue: f64,
}

impl Totals {
    /// What the models split: the attributed conversions and their revenue.
    pub fn targets(&self) -> Targets {
        let conversions = (self.conversions - self.unattributed_conversions) as f64;
        let mut revenue = NeumaierSum::default();
        revenue.add(self.revenue);
        revenue.add(-self.unattributed_revenue);
        Targets {
            conversions,
            revenue: revenue.value(),
        }
    }
}

/// What a window's models split ([`Totals::targets`]): every model's
/// credits add up to these exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// The attributed conversions (those with a touch in the window).
    pub conversions: f64,
    /// Their revenue.
    pub revenue: f64,
}

/// Every model's result for one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowAttribution {
    /// Look-back window in days.
    pub window_days: u16,
    /// One result per model asked for, in the order asked.
    pub models: Vec<ModelResult>,
    /// The window's totals.
    pub totals: Totals,
}

/// The Markov chain of grouped paths, for `--explain markov`: its states,
/// transition probabilities, base conversion probability, horizon and every
/// channel's removal effect.
///
/// # Errors
///
/// [`AttributionError::MarkovWork`] when solving the chain would take more
/// than `params.markov_work_limit`.
pub fn explain_markov(
    paths: &[GroupedPath],
    params: &Params,
) -> Result<MarkovExplain, AttributionError> {
    markov::explain(paths.iter().map(GroupedPath::as_path_ref), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_match_the_contract_and_serde() {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "first_touch",
                "last_touch",
                "linear",
                "time_decay",
                "position_based",
                "markov",
                "shapley"
            ]
        );
        for m in Model::ALL {
            let json = serde_json::to_string(&m).expect("serializes");
            assert_eq!(json, format!("\"{}\"", m.name()));
            assert_eq!(Model::from_name(m.name()), Some(m));
        }
        assert_eq!(Model::from_name("u_shaped"), None);
    }

    #[test]
    fn default_params_are_valid_and_bad_ones_are_named() {
        assert_eq!(Params::default().validate(), Ok(()));
        let bad = Params {
            half_life_days: 0.0,
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::HalfLife(0.0)));
        let bad = Params {
            position_first: 0.7,
            ..Params::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(ParamsError::PositionShares { .. })
        ));
        let bad = Params {
            markov_order: 4,
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::MarkovOrder(4)));
        let bad = Params {
            markov_horizon: Horizon::Steps(0),
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::Horizon));
    }
}
