//! The planted specification: the generative model's constants and each
//! channel's design (holdout share, eligibility, touch schedule, campaigns,
//! costs) and effect.
//!
//! Everything the generator draws from and everything `truth.json` states
//! as "planted" comes from here; the [module docs](crate::simulate) give the
//! same numbers as a table, with their meaning.

use serde::{Deserialize, Serialize};

/// The sign of a channel's planted effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectKind {
    /// More revenue when exposed.
    Positive,
    /// No effect at all.
    Zero,
    /// Less revenue when exposed.
    Negative,
}

/// Names of the simulated channels, in the order they are generated.
pub const CHANNEL_NAMES: [&str; N_CHANNELS] = [
    "email",
    "paid_search",
    "social",
    "display",
    "affiliate",
    "push",
];

pub(super) const GENERATOR: &str = "uplift-simulate/2";
pub(super) const N_CHANNELS: usize = 6;
pub(super) const SECONDS_PER_DAY: i64 = 86_400;
/// The data span is `[0, END_DAY)` days after 2026-01-01.
pub(super) const END_DAY: f64 = 181.0;
pub(super) const SPAN_DAYS: usize = 181;
pub(super) const END_SECONDS: i64 = 181 * SECONDS_PER_DAY;
/// Entry times lie before this day (2026-04-01), so `t0 + 90 days` < 2026-06-30.
pub(super) const ENTRY_END_DAY: f64 = 90.0;
pub(super) const NEW_USER_SHARE: f64 = 0.2;
/// New users sign up before this day (2026-03-15).
pub(super) const NEW_SIGNUP_END_DAY: f64 = 73.0;
pub(super) const HIGH_VALUE_Z: f64 = 1.0;
pub(super) const BASE_ORDER_RATE_PER_DAY: f64 = 1.0 / 20.0;
pub(super) const ORDER_RATE_SIGMA: f64 = 0.7;
pub(super) const BASE_ORDER_VALUE: f64 = 50.0;
pub(super) const VALUE_LOADING_LATENT: f64 = 0.25;
pub(super) const VALUE_LOADING_OWN: f64 = 0.2;
pub(super) const BASELINE_VALUE_SHAPE: f64 = 4.0;
pub(super) const INCREMENTAL_VALUE_SHAPE: f64 = 3.0;
pub(super) const ORGANIC_TOUCHES_MEAN: f64 = 1.0;
/// Organic touches per channel, relative weights in [`CHANNEL_NAMES`] order.
pub(super) const ORGANIC_WEIGHTS: [f64; N_CHANNELS] = [0.10, 0.35, 0.25, 0.05, 0.15, 0.10];
pub(super) const REFUND_RATE: f64 = 0.02;
pub(super) const REFUND_DELAY_MIN_DAYS: f64 = 2.0;
pub(super) const REFUND_DELAY_MAX_DAYS: f64 = 30.0;
pub(super) const DUPLICATE_RATE: f64 = 0.002;
/// Margin `m₀` of a baseline (organic) order: its cost of goods is `(1 − m₀)` of its value.
pub(super) const BASELINE_MARGIN: f64 = 0.45;
/// Mean cost to serve `s₀` (shipping, payment, handling) of a baseline order.
pub(super) const BASELINE_COST_TO_SERVE: f64 = 6.0;
/// Mean cost `h` of handling a return, on every refund row.
pub(super) const REFUND_HANDLING_COST: f64 = 4.0;
/// An order's cost of goods varies uniformly within ±20% of `(1 − m) · value`.
pub(super) const GOODS_COST_SPREAD: f64 = 0.2;
/// Costs to serve and of handling a return vary uniformly within ±50% of their mean.
pub(super) const SERVE_COST_SPREAD: f64 = 0.5;
/// The stream of `ChaCha8Rng` (same seed) the order costs are drawn from, apart
/// from the main stream so that adding them changed no other value.
pub(super) const COST_STREAM: u64 = 1;
/// Touch costs vary uniformly within ±50% of the channel's `cost_per_touch`.
pub(super) const COST_SPREAD: f64 = 0.5;
pub(super) const SPEND_NOISE: f64 = 0.1;
pub(super) const FINANCE_NOISE_MAX_PCT: f64 = 0.004;
pub(super) const MISMATCH_GAP_PCT: f64 = 0.03;
pub(super) const MONTHS: usize = 6;
/// Campaign periods: days `[0, 59)` (Jan–Feb), `[59, 120)` (Mar–Apr), then May–Jun.
pub(super) const CAMPAIGN_PERIOD_ENDS: [i64; 2] = [59, 120];

/// One channel's planted design and effect.
pub(super) struct ChannelSpec {
    pub(super) name: &'static str,
    pub(super) control_share: f64,
    pub(super) eligible: f64,
    /// Entry times are drawn from `[entry_from_day, ENTRY_END_DAY)`.
    pub(super) entry_from_day: f64,
    pub(super) touch_gap_days: f64,
    pub(super) max_touches: u32,
    pub(super) campaigns: [&'static str; 3],
    /// Mean `cost` of an exposed touch (0: the column stays empty).
    pub(super) cost_per_touch: f64,
    /// `spend.csv`: per exposed touch, and a daily fee per 10,000 users
    /// generated (so that spend per user does not depend on `--users`).
    pub(super) spend_per_touch: f64,
    pub(super) spend_per_day_per_10k_users: f64,
    pub(super) effect: EffectKind,
    pub(super) inc_rate: f64,
    pub(super) inc_decay_days: f64,
    pub(super) inc_value_mean: f64,
    /// Margin of an incremental order (its cost of goods is `(1 − m) · value`).
    pub(super) inc_margin: f64,
    /// Mean cost to serve an incremental order.
    pub(super) inc_cost_to_serve: f64,
    pub(super) value_uplift: f64,
    pub(super) value_uplift_days: f64,
    pub(super) thinning: f64,
    pub(super) thinning_days: f64,
}

const NO_EFFECT: ChannelSpec = ChannelSpec {
    name: "",
    control_share: 0.0,
    eligible: 0.0,
    entry_from_day: 0.0,
    touch_gap_days: 1.0,
    max_touches: 1,
    campaigns: ["", "", ""],
    cost_per_touch: 0.0,
    spend_per_touch: 0.0,
    spend_per_day_per_10k_users: 0.0,
    effect: EffectKind::Zero,
    inc_rate: 0.0,
    inc_decay_days: 1.0,
    inc_value_mean: 0.0,
    inc_margin: 0.0,
    inc_cost_to_serve: 0.0,
    value_uplift: 0.0,
    value_uplift_days: 0.0,
    thinning: 0.0,
    thinning_days: 0.0,
};

pub(super) const CHANNELS: [ChannelSpec; N_CHANNELS] = [
    ChannelSpec {
        name: "email",
        control_share: 0.10,
        eligible: 0.80,
        entry_from_day: 31.0,
        touch_gap_days: 30.0,
        max_touches: 4,
        campaigns: [
            "email_winter_newsletter",
            "email_spring_sale",
            "email_summer_launch",
        ],
        spend_per_touch: 0.02,
        spend_per_day_per_10k_users: 20.0,
        effect: EffectKind::Positive,
        inc_rate: 0.0133,
        inc_decay_days: 21.0,
        inc_value_mean: 40.0,
        inc_margin: 0.55,
        inc_cost_to_serve: 5.0,
        value_uplift: 3.0,
        value_uplift_days: 30.0,
        ..NO_EFFECT
    },
    ChannelSpec {
        name: "paid_search",
        control_share: 0.20,
        eligible: 0.50,
        entry_from_day: 14.0,
        touch_gap_days: 30.0,
        max_touches: 3,
        campaigns: ["search_brand", "search_generic", "search_shopping"],
        spend_per_touch: 1.4,
        spend_per_day_per_10k_users: 10.0,
        effect: EffectKind::Positive,
        inc_rate: 0.0234,
        inc_decay_days: 10.0,
        inc_value_mean: 55.0,
        inc_margin: 0.35,
        inc_cost_to_serve: 7.0,
        ..NO_EFFECT
    },
    ChannelSpec {
        name: "social",
        control_share: 0.15,
        eligible: 0.55,
        entry_from_day: 31.0,
        touch_gap_days: 30.0,
        max_touches: 4,
        campaigns: ["social_prospecting", "social_retargeting", "social_summer"],
        cost_per_touch: 1.3,
        spend_per_day_per_10k_users: 30.0,
        effect: EffectKind::Positive,
        inc_rate: 0.0078,
        inc_decay_days: 40.0,
        inc_value_mean: 45.0,
        inc_margin: 0.45,
        inc_cost_to_serve: 6.5,
        value_uplift: 2.0,
        value_uplift_days: 45.0,
        ..NO_EFFECT
    },
    ChannelSpec {
        name: "display",
        control_share: 0.30,
        eligible: 0.60,
        entry_from_day: 20.0,
        touch_gap_days: 25.0,
        max_touches: 4,
        campaigns: ["display_awareness", "display_retargeting", "display_summer"],
        cost_per_touch: 1.2,
        spend_per_day_per_10k_users: 75.0,
        ..NO_EFFECT
    },
    ChannelSpec {
        name: "affiliate",
        control_share: 0.50,
        eligible: 0.30,
        entry_from_day: 45.0,
        touch_gap_days: 40.0,
        max_touches: 3,
        campaigns: [
            "affiliate_cashback",
            "affiliate_coupons",
            "affiliate_reviews",
        ],
        spend_per_touch: 0.9,
        spend_per_day_per_10k_users: 5.0,
        effect: EffectKind::Positive,
        inc_rate: 0.0226,
        inc_decay_days: 14.0,
        inc_value_mean: 40.0,
        inc_margin: 0.15,
        inc_cost_to_serve: 12.0,
        ..NO_EFFECT
    },
    ChannelSpec {
        name: "push",
        control_share: 0.25,
        eligible: 0.40,
        entry_from_day: 59.0,
        touch_gap_days: 21.0,
        max_touches: 4,
        campaigns: ["push_flash_sale", "push_back_in_stock", "push_weekend"],
        spend_per_touch: 0.005,
        spend_per_day_per_10k_users: 2.5,
        effect: EffectKind::Negative,
        thinning: 0.10,
        thinning_days: 90.0,
        ..NO_EFFECT
    },
];
