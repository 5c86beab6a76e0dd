//! Synthetic data with a planted, known truth (`uplift simulate`).
//!
//! [`generate`] writes a realistic data set — exposures with randomized
//! holdouts, orders with refunds and duplicate rows, spend, finance totals and
//! an `uplift.toml` — together with `truth.json`, which states what a correct
//! analysis must recover. It exists so that the whole pipeline can be tested
//! end to end against numbers that are known exactly (`tests/cli/truth.rs`).
//!
//! Everything is drawn from one `ChaCha8Rng::seed_from_u64(seed)` stream, in a
//! fixed order (global draws, then user after user, then spend and finance
//! noise), so the same seed gives byte-identical files on every machine. Rows are
//! streamed to disk user by user; only per-day spend counts and per-month
//! revenue totals are kept in memory.
//!
//! # Generative model
//!
//! Time `t` is measured in days since `2026-01-01T00:00:00Z`; the data span is
//! `[0, 181)`, i.e. 2026-01-01 … 2026-06-30 (`END = 181`).
//!
//! **Users.** User `i` draws `z₁, z₂ ~ N(0, 1)`. Its latent value
//! `V_i = exp(z₁)` is lognormal and drives both how often and how much it buys:
//!
//! ```text
//! λ_i = λ̄ · exp(σ z₁ − σ²/2)                  baseline orders per day, λ̄ = 1/20, σ = 0.7
//! m_i = m̄ · exp(a z₁ + b z₂ − (a² + b²)/2)    mean baseline order value, m̄ = 50, a = 0.25, b = 0.2
//! ρ_i = sqrt(λ_i / λ̄)                          responsiveness to marketing
//! ```
//!
//! A fifth of the users are `new`: they sign up at `s_i ~ U(0, 73)` (before
//! 2026-03-15) and order only from then on; everyone else has `s_i = 0`. The
//! segment is `new` for those, `high_value` when `z₁ > 1`, `returning`
//! otherwise. Because the same `λ_i, m_i` drive revenue before and after any
//! touch, pre-period revenue predicts post-period revenue and CUPED helps.
//!
//! **Channels and holdouts.** Each user is eligible for channel `c` with
//! probability `e_c`, independently; an eligible user is assigned to control
//! with probability `s_c` (the planted control share), to exposed otherwise.
//! Its entry time `t0_c ~ U(max(from_c, s_i), 90)` (before 2026-04-01, so every
//! labeled user is mature for 90 days once the data reaches 2026-06-30) is
//! its first labeled row; follow-up touches come at exponential gaps (mean
//! `gap_c` days, at most `max_c` touches) until `END`. Control users get the
//! same schedule as ghost exposures (`group = control`). Organic touches (`group` empty) come on
//! top: `Poisson(1)` per user, on a random channel, at `U(s_i, END)`; they
//! have no effect.
//!
//! | channel | `s_c` | `e_c` | `α` (/day) | `τ` (days) | `μ` | `δ` | `D` (days) | `p` | `cost` per touch | effect |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | email       | 0.10 | 0.80 | 0.0133 | 21 | 40 | 3.00 | 30 | – | – | positive |
//! | paid_search | 0.20 | 0.50 | 0.0234 | 10 | 55 | – | – | – | – | positive |
//! | social      | 0.15 | 0.55 | 0.0078 | 40 | 45 | 2.00 | 45 | – | 1.30 | positive |
//! | display     | 0.30 | 0.60 | – | – | – | – | – | – | 1.20 | zero |
//! | affiliate   | 0.50 | 0.30 | 0.0226 | 14 | 40 | – | – | – | – | positive |
//! | push        | 0.25 | 0.40 | – | – | – | – | – | 0.10 | – | negative |
//!
//! With 20,000 users this gives a 30-day revenue-per-user lift of about +11% to
//! +13% on the positive channels (a CUPED z-score of about 3.5 to 4) and −9% on
//! push; the effects decay, so longer windows have smaller relative lifts.
//!
//! **Orders.** Baseline orders of user `i` form a Poisson process with rate
//! `λ_i` on `[s_i, END)`; each is worth `Gamma(shape 4, mean m_i)`. For every
//! channel `c` the user is *exposed* to (control users get nothing):
//!
//! ```text
//! incremental orders:   extra Poisson process, rate  α_c · ρ_i · exp(−(t − t0_c)/τ_c)  for t ≥ t0_c,
//!                       each worth Gamma(shape 3, mean μ_c)          (own value distribution)
//! order-value uplift:   + δ_c added to each baseline order in [t0_c, t0_c + D_c)      (additive)
//! thinning (push):      each baseline order in [t0_c, t0_c + 90) is dropped with probability p_c
//! ```
//!
//! Effects of different channels are additive (separate processes and additive
//! amounts), so a channel's lift is not biased by the others; the only
//! interaction, a value uplift on an order that push thins away, is part of the
//! exact expectation below. Every order is refunded with probability
//! `q = 0.02` by a later row with a new `order_id`, value `−value` and delay
//! `d ~ U(2, 30)` days (dropped when it would fall after the data span); 0.2% of
//! order rows are written twice in a row (the same `order_id`). Timestamps are written to
//! the second and money to the cent.
//!
//! **Truth.** For channel `c`, window `W` and exposed user `i`, let
//! `N_i(x)` and `R_i(x)` be the expected number of orders in `[t0_c, t0_c + W)`
//! and the expected net revenue in it (refund rows included, whatever order they
//! belong to), given the user's latent parameters, its labels and entry times on
//! every channel, and the label `x` on channel `c`. With the refund weight of
//! an order placed at `t`
//!
//! ```text
//! w(t) = 1[t0 ≤ t < t0 + W] − q · (F(t0 + W − t) − F(t0 − t)),   F = CDF of U(2, 30)
//! R_i(x) = ∫ λ_i θ_x(t) (m_i + Σ_k δ_k 1[k exposed, t ∈ [t0_k, t0_k + D_k)]) w(t) dt
//!        + Σ_k μ_k ∫ α_k ρ_i exp(−(t − t0_k)/τ_k) w(t) dt                (k exposed)
//! N_i(x) = the same integrals with w(t) = 1[t0 ≤ t < t0 + W] and value 1
//! ```
//!
//! (`θ_x(t)` = `Π (1 − p_k)` over the exposed channels `k` whose thinning period
//! contains `t`), computed in closed form piece by piece. Since orders are Poisson, the chance of at
//! least one conversion is `1 − exp(−N_i)`. `truth.json` reports, averaged over
//! the channel's exposed users:
//!
//! ```text
//! incremental_revenue_per_exposed_user     = mean_i [R_i(exposed) − R_i(control)]
//! incremental_conversions_per_exposed_user = mean_i [exp(−N_i(control)) − exp(−N_i(exposed))]
//! incremental_orders_per_exposed_user      = mean_i [N_i(exposed) − N_i(control)]
//! control_revenue_per_user                 = mean_i R_i(control)      (the counterfactual)
//! ```
//!
//! These are the expectations of the contract's `revenue_per_user_lift` and
//! `conversion_rate_lift` (assignment is randomized independently per channel,
//! so the other channels' effects cancel between the arms).
//!
//! **Spend and finance.** An exposed touch on display or social costs its
//! channel's `cost` per touch times `U(0.5, 1.5)`. `spend.csv` has one row per
//! channel and day from the channel's first to its last exposed touch:
//! `(daily fee · users / 10,000 + per-touch rate · exposed touches that day) ·
//! U(0.9, 1.1)`, so spend per user does not depend on `--users`. `finance.csv`
//! has one row per month; its revenue is the export's net revenue of that month
//! (duplicates removed, refunds included, by UTC date) times
//! `1 + U(−0.004, 0.004)`, except one randomly chosen month that is booked at
//! `export / 1.03` (`gap_pct = +3%`).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson, StandardNormal};
use serde::{Deserialize, Serialize};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimOptions {
    /// Number of users (at least 1).
    pub users: usize,
    /// Seed of the `ChaCha8Rng` stream; the same seed gives the same files.
    pub seed: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSummary {
    /// Data rows of `exposures.csv`.
    pub exposures_rows: u64,
    /// Data rows of `revenue.csv` (orders, refunds and duplicate rows).
    pub orders_rows: u64,
    /// Data rows of `spend.csv`.
    pub spend_rows: u64,
    /// Data rows of `finance.csv`.
    pub finance_rows: u64,
    /// Every file written, in the order written.
    pub files: Vec<PathBuf>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file or directory could not be created, written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `truth.json` could not be parsed.
    #[error("cannot read {}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// `--users 0`: the contract needs at least one exposures and revenue row.
    #[error("--users must be at least 1")]
    NoUsers,
}

/// The planted truth, written as `truth.json`. The [module docs](crate::simulate)
/// give the model and the exact meaning of every number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The generator's version; bumped whenever the same seed would give other data.
    pub generator: String,
    /// The seed given.
    pub seed: u64,
    /// The number of users generated.
    pub users: u64,
    /// First day of the data span.
    pub data_start: String,
    /// Last day of the data span (inclusive).
    pub data_end: String,
    /// Latest timestamp in `revenue.csv` (the contract's default `as_of`).
    pub as_of: Option<String>,
    /// True when every labeled user is mature for every window in `windows` at `as_of`.
    pub all_labeled_users_mature: bool,
    /// The windows (days) the truth is stated for.
    pub windows: Vec<u16>,
    /// What the numbers estimate, in words.
    pub estimand: String,
    /// Per channel, keyed by channel name.
    pub channels: BTreeMap<String, ChannelTruth>,
    /// Share of orders refunded by a later negative row.
    pub refund_rate: f64,
    /// Refund delay is uniform on `[refund_delay_days[0], refund_delay_days[1]]` days.
    pub refund_delay_days: [f64; 2],
    /// Share of order rows written twice with the same `order_id`.
    pub duplicate_rate: f64,
    /// The planted reconciliation result.
    pub finance: FinanceTruth,
}

impl Truth {
    /// Reads a `truth.json` written by [`generate`].
    ///
    /// # Errors
    ///
    /// [`SimError::Io`] when the file cannot be read, [`SimError::Json`] when it
    /// is not a truth file.
    pub fn read(path: &Path) -> Result<Truth, SimError> {
        let text = fs::read_to_string(path).map_err(io_error(path))?;
        serde_json::from_str(&text).map_err(|source| SimError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The truth of one channel, by name.
    pub fn channel(&self, name: &str) -> Option<&ChannelTruth> {
        self.channels.get(name)
    }
}

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

/// The truth of one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTruth {
    /// The sign of the planted effect.
    pub effect: EffectKind,
    /// Planted control (holdout) share among the channel's labeled users.
    pub control_share: f64,
    /// Planted probability that a user is labeled (exposed or control) for the channel.
    pub eligible_share: f64,
    /// Realized number of exposed users.
    pub exposed_users: u64,
    /// Realized number of control users.
    pub control_users: u64,
    /// The planted effect parameters.
    pub planted: PlantedEffect,
    /// Realized spend in the contract's sense: `spend.csv` rows plus the `cost`
    /// column of the channel's exposures rows.
    pub spend: f64,
    /// One entry per truth window.
    pub windows: Vec<WindowTruth>,
}

impl ChannelTruth {
    /// The truth for one window, if stated.
    pub fn window(&self, window_days: u16) -> Option<&WindowTruth> {
        self.windows.iter().find(|w| w.window_days == window_days)
    }
}

/// The planted parameters of one channel (zero when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedEffect {
    /// `α`: incremental orders per day at entry, for a user with `ρ = 1`.
    pub incremental_order_rate_per_day: f64,
    /// `τ`: e-folding time of the incremental order rate, days.
    pub incremental_decay_days: f64,
    /// `μ`: mean value of an incremental order.
    pub incremental_order_value_mean: f64,
    /// `δ`: amount added to each baseline order during the uplift period.
    pub order_value_uplift: f64,
    /// `D`: length of the order-value uplift period after entry, days.
    pub order_value_uplift_days: f64,
    /// `p`: probability that a baseline order during the thinning period is lost.
    pub baseline_thinning: f64,
    /// Length of the thinning period after entry, days.
    pub baseline_thinning_days: f64,
}

/// The truth of one (channel, window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowTruth {
    /// `W`, days.
    pub window_days: u16,
    /// Expected `revenue_per_user_lift` (net of refunds), averaged over the exposed users.
    pub incremental_revenue_per_exposed_user: f64,
    /// Expected conversion-rate lift `p_e − p_c`, averaged over the exposed users (exact).
    pub incremental_conversions_per_exposed_user: f64,
    /// Expected extra orders in the window per exposed user.
    pub incremental_orders_per_exposed_user: f64,
    /// Expected revenue in the window had the exposed users been held out.
    pub control_revenue_per_user: f64,
    /// `incremental_revenue_per_exposed_user / control_revenue_per_user`.
    pub relative_lift: Option<f64>,
    /// `incremental_revenue_per_exposed_user · exposed_users`.
    pub incremental_revenue: f64,
    /// `incremental_revenue / spend`; null without spend.
    pub iroas: Option<f64>,
}

/// The planted reconciliation result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinanceTruth {
    /// First day of the month booked with a gap.
    pub mismatch_period_start: String,
    /// Last day of that month.
    pub mismatch_period_end: String,
    /// Its planted `gap_pct = (export − finance) / finance`.
    pub mismatch_gap_pct: f64,
    /// Every other month: `|finance / export − 1| <= noise_max_pct`.
    pub noise_max_pct: f64,
}

/// The windows `truth.json` states the truth for.
pub const TRUTH_WINDOWS: [u16; 3] = [30, 60, 90];

/// Names of the simulated channels, in the order they are generated.
pub const CHANNEL_NAMES: [&str; N_CHANNELS] = [
    "email",
    "paid_search",
    "social",
    "display",
    "affiliate",
    "push",
];

const GENERATOR: &str = "uplift-simulate/1";
const N_CHANNELS: usize = 6;
const SECONDS_PER_DAY: i64 = 86_400;
/// The data span is `[0, END_DAY)` days after 2026-01-01.
const END_DAY: f64 = 181.0;
const SPAN_DAYS: usize = 181;
const END_SECONDS: i64 = 181 * SECONDS_PER_DAY;
/// Entry times lie before this day (2026-04-01), so `t0 + 90 days` < 2026-06-30.
const ENTRY_END_DAY: f64 = 90.0;
const NEW_USER_SHARE: f64 = 0.2;
/// New users sign up before this day (2026-03-15).
const NEW_SIGNUP_END_DAY: f64 = 73.0;
const HIGH_VALUE_Z: f64 = 1.0;
const BASE_ORDER_RATE_PER_DAY: f64 = 1.0 / 20.0;
const ORDER_RATE_SIGMA: f64 = 0.7;
const BASE_ORDER_VALUE: f64 = 50.0;
const VALUE_LOADING_LATENT: f64 = 0.25;
const VALUE_LOADING_OWN: f64 = 0.2;
const BASELINE_VALUE_SHAPE: f64 = 4.0;
const INCREMENTAL_VALUE_SHAPE: f64 = 3.0;
const ORGANIC_TOUCHES_MEAN: f64 = 1.0;
/// Organic touches per channel, relative weights in [`CHANNEL_NAMES`] order.
const ORGANIC_WEIGHTS: [f64; N_CHANNELS] = [0.10, 0.35, 0.25, 0.05, 0.15, 0.10];
const REFUND_RATE: f64 = 0.02;
const REFUND_DELAY_MIN_DAYS: f64 = 2.0;
const REFUND_DELAY_MAX_DAYS: f64 = 30.0;
const DUPLICATE_RATE: f64 = 0.002;
/// Touch costs vary uniformly within ±50% of the channel's `cost_per_touch`.
const COST_SPREAD: f64 = 0.5;
const SPEND_NOISE: f64 = 0.1;
const FINANCE_NOISE_MAX_PCT: f64 = 0.004;
const MISMATCH_GAP_PCT: f64 = 0.03;
const MONTHS: usize = 6;
/// Campaign periods: days `[0, 59)` (Jan–Feb), `[59, 120)` (Mar–Apr), then May–Jun.
const CAMPAIGN_PERIOD_ENDS: [i64; 2] = [59, 120];

/// One channel's planted design and effect.
struct ChannelSpec {
    name: &'static str,
    control_share: f64,
    eligible: f64,
    /// Entry times are drawn from `[entry_from_day, ENTRY_END_DAY)`.
    entry_from_day: f64,
    touch_gap_days: f64,
    max_touches: u32,
    campaigns: [&'static str; 3],
    /// Mean `cost` of an exposed touch (0: the column stays empty).
    cost_per_touch: f64,
    /// `spend.csv`: per exposed touch, and a daily fee per 10,000 users
    /// generated (so that spend per user does not depend on `--users`).
    spend_per_touch: f64,
    spend_per_day_per_10k_users: f64,
    effect: EffectKind,
    inc_rate: f64,
    inc_decay_days: f64,
    inc_value_mean: f64,
    value_uplift: f64,
    value_uplift_days: f64,
    thinning: f64,
    thinning_days: f64,
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
    value_uplift: 0.0,
    value_uplift_days: 0.0,
    thinning: 0.0,
    thinning_days: 0.0,
};

const CHANNELS: [ChannelSpec; N_CHANNELS] = [
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

/// Holdout arm of a labeled user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arm {
    Exposed,
    Control,
}

/// One user's latent parameters and labels.
struct User {
    segment: &'static str,
    /// Sign-up time, days (0 for users who predate the data).
    signup: f64,
    lambda: f64,
    value_mean: f64,
    rho: f64,
    arm: [Option<Arm>; N_CHANNELS],
    /// Entry time, whole seconds since the start of the data span.
    t0_seconds: [i64; N_CHANNELS],
    /// The same entry time in days.
    t0: [f64; N_CHANNELS],
}

impl User {
    fn exposed(&self) -> [bool; N_CHANNELS] {
        self.arm.map(|a| a == Some(Arm::Exposed))
    }
}

/// One exposures row before it is written.
#[derive(Debug, Clone, Copy)]
struct Touch {
    seconds: i64,
    channel: usize,
    /// `None` for an organic touch.
    arm: Option<Arm>,
}

/// One revenue row before it is written.
#[derive(Debug, Clone, Copy)]
struct OrderRow {
    seconds: i64,
    cents: i64,
    duplicate: bool,
}

/// Per-(channel, window) sums over the exposed users.
#[derive(Debug, Clone, Copy, Default)]
struct TruthSums {
    revenue: f64,
    conversions: f64,
    orders: f64,
    control_revenue: f64,
}

/// Unit-scale samplers, built once.
struct Samplers {
    baseline_value: Gamma<f64>,
    incremental_value: Gamma<f64>,
}

/// Precomputed `YYYY-MM-DD` strings and month indices of the data span.
struct Calendar {
    dates: Vec<String>,
    month_of_day: Vec<usize>,
    /// `(first day, last day)` of each month, as dates.
    months: Vec<(String, String)>,
}

impl Calendar {
    fn new() -> Calendar {
        let start =
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("invariant: 2026-01-01 is a valid date");
        let mut dates = Vec::with_capacity(SPAN_DAYS);
        let mut month_of_day = Vec::with_capacity(SPAN_DAYS);
        let mut months: Vec<(String, String)> = Vec::new();
        for day in 0..SPAN_DAYS {
            let date = start
                .checked_add_days(Days::new(day as u64))
                .expect("invariant: the data span lies within 2026");
            let text = date.format("%Y-%m-%d").to_string();
            let month = date.month0() as usize;
            if months.len() == month {
                months.push((text.clone(), text.clone()));
            } else if let Some(last) = months.last_mut() {
                last.1 = text.clone();
            }
            dates.push(text);
            month_of_day.push(month);
        }
        Calendar {
            dates,
            month_of_day,
            months,
        }
    }

    fn day_of(seconds: i64) -> usize {
        (seconds.clamp(0, END_SECONDS - 1) / SECONDS_PER_DAY) as usize
    }

    fn month_of(&self, seconds: i64) -> usize {
        self.month_of_day[Calendar::day_of(seconds)]
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ`.
    fn push_timestamp(&self, buf: &mut Vec<u8>, seconds: i64) {
        let seconds = seconds.clamp(0, END_SECONDS - 1);
        buf.extend_from_slice(self.dates[Calendar::day_of(seconds)].as_bytes());
        let rem = seconds % SECONDS_PER_DAY;
        buf.push(b'T');
        push_two_digits(buf, rem / 3600);
        buf.push(b':');
        push_two_digits(buf, rem / 60 % 60);
        buf.push(b':');
        push_two_digits(buf, rem % 60);
        buf.push(b'Z');
    }
}

/// A buffered CSV file being written, with its path for error messages.
struct Sink {
    path: PathBuf,
    out: BufWriter<File>,
    rows: u64,
}

impl Sink {
    fn create(path: PathBuf, header: &str) -> Result<Sink, SimError> {
        let file = File::create(&path).map_err(io_error(&path))?;
        let mut sink = Sink {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            rows: 0,
        };
        sink.out
            .write_all(header.as_bytes())
            .and_then(|()| sink.out.write_all(b"\n"))
            .map_err(io_error(&sink.path))?;
        Ok(sink)
    }

    /// Writes one data row; `line` carries its trailing newline.
    fn row(&mut self, line: &[u8]) -> Result<(), SimError> {
        self.rows += 1;
        self.out.write_all(line).map_err(io_error(&self.path))
    }

    fn finish(mut self) -> Result<u64, SimError> {
        self.out.flush().map_err(io_error(&self.path))?;
        Ok(self.rows)
    }
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the synthetic data set and its truth into `out_dir` (created if missing):
/// `exposures.csv`, `revenue.csv`, `spend.csv`, `finance.csv`, `uplift.toml`
/// and `truth.json`. The model is described in the [module docs](crate::simulate).
///
/// # Errors
///
/// [`SimError::NoUsers`] for `users == 0`; [`SimError::Io`] when a file cannot
/// be written.
pub fn generate(opts: &SimOptions, out_dir: &Path) -> Result<SimSummary, SimError> {
    if opts.users == 0 {
        return Err(SimError::NoUsers);
    }
    fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let calendar = Calendar::new();
    let samplers = Samplers {
        baseline_value: Gamma::new(BASELINE_VALUE_SHAPE, 1.0)
            .expect("invariant: constant shape and scale are positive"),
        incremental_value: Gamma::new(INCREMENTAL_VALUE_SHAPE, 1.0)
            .expect("invariant: constant shape and scale are positive"),
    };
    let mismatch_month = rng.random_range(0..MONTHS);

    let mut files = Vec::new();
    let exposures_path = out_dir.join("exposures.csv");
    let revenue_path = out_dir.join("revenue.csv");
    let mut exposures = Sink::create(
        exposures_path.clone(),
        "user_id,channel,timestamp,group,campaign,segment,cost",
    )?;
    let mut revenue = Sink::create(revenue_path.clone(), "order_id,user_id,timestamp,revenue")?;

    let mut state = StreamState {
        touches_per_day: vec![[0u32; SPAN_DAYS]; N_CHANNELS],
        cost_cents: [0; N_CHANNELS],
        month_cents: [0; MONTHS],
        next_order_id: 1,
        max_revenue_seconds: None,
        max_t0_seconds: None,
        exposed_users: [0; N_CHANNELS],
        control_users: [0; N_CHANNELS],
        truth: [[TruthSums::default(); TRUTH_WINDOWS.len()]; N_CHANNELS],
        touches: Vec::new(),
        orders: Vec::new(),
        line: Vec::with_capacity(256),
        points: Vec::with_capacity(32),
    };

    for index in 0..opts.users {
        let user_id = format!("u{:07}", index + 1);
        let user = draw_user(&mut rng, &mut state);
        draw_touches(&mut rng, &user, &mut state);
        write_touches(
            &mut rng,
            &user,
            &user_id,
            &calendar,
            &mut state,
            &mut exposures,
        )?;
        draw_orders(&mut rng, &user, &samplers, &mut state);
        write_orders(&user_id, &calendar, &mut state, &mut revenue)?;
        accumulate_truth(&user, &mut state);
    }
    let exposures_rows = exposures.finish()?;
    files.push(exposures_path);
    let orders_rows = revenue.finish()?;
    files.push(revenue_path);

    let spend_path = out_dir.join("spend.csv");
    let (spend_rows, spend_cents) =
        write_spend(&mut rng, opts.users, &calendar, &state, spend_path.clone())?;
    files.push(spend_path);

    let finance_path = out_dir.join("finance.csv");
    let finance_rows = write_finance(
        &mut rng,
        &calendar,
        &state,
        mismatch_month,
        finance_path.clone(),
    )?;
    files.push(finance_path);

    let toml_path = out_dir.join("uplift.toml");
    write_config(opts, &toml_path)?;
    files.push(toml_path);

    let truth = build_truth(opts, &calendar, &state, &spend_cents, mismatch_month);
    let truth_path = out_dir.join("truth.json");
    let mut json = serde_json::to_string_pretty(&truth)
        .map_err(|e| io_error(&truth_path)(io::Error::from(e)))?;
    json.push('\n');
    fs::write(&truth_path, json).map_err(io_error(&truth_path))?;
    files.push(truth_path);

    Ok(SimSummary {
        exposures_rows,
        orders_rows,
        spend_rows,
        finance_rows,
        files,
    })
}

/// What is carried from user to user: the small accumulators and reused buffers.
struct StreamState {
    /// Exposed touches per channel and day (for `spend.csv`).
    touches_per_day: Vec<[u32; SPAN_DAYS]>,
    /// Sum of the `cost` column per channel.
    cost_cents: [i64; N_CHANNELS],
    /// Net revenue per month, duplicates counted once.
    month_cents: [i64; MONTHS],
    next_order_id: u64,
    max_revenue_seconds: Option<i64>,
    max_t0_seconds: Option<i64>,
    exposed_users: [u64; N_CHANNELS],
    control_users: [u64; N_CHANNELS],
    truth: [[TruthSums; TRUTH_WINDOWS.len()]; N_CHANNELS],
    touches: Vec<Touch>,
    orders: Vec<OrderRow>,
    line: Vec<u8>,
    points: Vec<f64>,
}

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    match Poisson::new(mean) {
        // N.B. Poisson samples are whole numbers stored as f64.
        Ok(dist) => dist.sample(rng) as u64,
        Err(_) => 0,
    }
}

/// Whole seconds since the start of the data span of a time in days.
fn to_seconds(days: f64) -> i64 {
    ((days * SECONDS_PER_DAY as f64).floor() as i64).clamp(0, END_SECONDS - 1)
}

fn draw_user(rng: &mut ChaCha8Rng, state: &mut StreamState) -> User {
    let z1: f64 = rng.sample(StandardNormal);
    let z2: f64 = rng.sample(StandardNormal);
    let is_new = rng.random_bool(NEW_USER_SHARE);
    let signup = if is_new {
        uniform(rng, 0.0, NEW_SIGNUP_END_DAY)
    } else {
        0.0
    };
    let lambda = BASE_ORDER_RATE_PER_DAY
        * (ORDER_RATE_SIGMA * z1 - ORDER_RATE_SIGMA * ORDER_RATE_SIGMA / 2.0).exp();
    let value_mean = BASE_ORDER_VALUE
        * (VALUE_LOADING_LATENT * z1 + VALUE_LOADING_OWN * z2
            - (VALUE_LOADING_LATENT.powi(2) + VALUE_LOADING_OWN.powi(2)) / 2.0)
            .exp();
    let segment = if is_new {
        "new"
    } else if z1 > HIGH_VALUE_Z {
        "high_value"
    } else {
        "returning"
    };
    let mut user = User {
        segment,
        signup,
        lambda,
        value_mean,
        rho: (lambda / BASE_ORDER_RATE_PER_DAY).sqrt(),
        arm: [None; N_CHANNELS],
        t0_seconds: [0; N_CHANNELS],
        t0: [0.0; N_CHANNELS],
    };
    for (c, spec) in CHANNELS.iter().enumerate() {
        if !rng.random_bool(spec.eligible) {
            continue;
        }
        let arm = if rng.random_bool(spec.control_share) {
            state.control_users[c] += 1;
            Arm::Control
        } else {
            state.exposed_users[c] += 1;
            Arm::Exposed
        };
        let from = spec.entry_from_day.max(signup);
        let t0_seconds = to_seconds(uniform(rng, from, ENTRY_END_DAY));
        user.arm[c] = Some(arm);
        user.t0_seconds[c] = t0_seconds;
        user.t0[c] = t0_seconds as f64 / SECONDS_PER_DAY as f64;
        state.max_t0_seconds = state.max_t0_seconds.max(Some(t0_seconds));
    }
    user
}

fn draw_touches(rng: &mut ChaCha8Rng, user: &User, state: &mut StreamState) {
    state.touches.clear();
    for (c, spec) in CHANNELS.iter().enumerate() {
        let Some(arm) = user.arm[c] else { continue };
        state.touches.push(Touch {
            seconds: user.t0_seconds[c],
            channel: c,
            arm: Some(arm),
        });
        let mut t = user.t0[c];
        for _ in 1..spec.max_touches {
            t += -spec.touch_gap_days * (1.0 - rng.random::<f64>()).ln();
            if t >= END_DAY {
                break;
            }
            state.touches.push(Touch {
                seconds: to_seconds(t),
                channel: c,
                arm: Some(arm),
            });
        }
    }
    let total: f64 = ORGANIC_WEIGHTS.iter().sum();
    for _ in 0..poisson(rng, ORGANIC_TOUCHES_MEAN) {
        let mut pick = rng.random::<f64>() * total;
        let mut channel = N_CHANNELS - 1;
        for (c, weight) in ORGANIC_WEIGHTS.iter().enumerate() {
            if pick < *weight {
                channel = c;
                break;
            }
            pick -= weight;
        }
        state.touches.push(Touch {
            seconds: to_seconds(uniform(rng, user.signup, END_DAY)),
            channel,
            arm: None,
        });
    }
    // Stable: ties keep generation order, so the file is deterministic.
    state.touches.sort_by_key(|t| t.seconds);
}

fn write_touches(
    rng: &mut ChaCha8Rng,
    user: &User,
    user_id: &str,
    calendar: &Calendar,
    state: &mut StreamState,
    sink: &mut Sink,
) -> Result<(), SimError> {
    for i in 0..state.touches.len() {
        let touch = state.touches[i];
        let spec = &CHANNELS[touch.channel];
        let line = &mut state.line;
        line.clear();
        line.extend_from_slice(user_id.as_bytes());
        line.push(b',');
        line.extend_from_slice(spec.name.as_bytes());
        line.push(b',');
        calendar.push_timestamp(line, touch.seconds);
        line.push(b',');
        line.extend_from_slice(match touch.arm {
            Some(Arm::Exposed) => b"exposed",
            Some(Arm::Control) => b"control",
            None => b"",
        });
        line.push(b',');
        if touch.arm.is_some() {
            let day = touch.seconds / SECONDS_PER_DAY;
            let period = CAMPAIGN_PERIOD_ENDS
                .iter()
                .filter(|&&end| day >= end)
                .count();
            line.extend_from_slice(spec.campaigns[period].as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(user.segment.as_bytes());
        line.push(b',');
        if touch.arm == Some(Arm::Exposed) {
            state.touches_per_day[touch.channel][Calendar::day_of(touch.seconds)] += 1;
            if spec.cost_per_touch > 0.0 {
                let cost = spec.cost_per_touch * uniform(rng, 1.0 - COST_SPREAD, 1.0 + COST_SPREAD);
                let cents = (cost * 100.0).round() as i64;
                state.cost_cents[touch.channel] += cents;
                push_cents(line, cents);
            }
        }
        line.push(b'\n');
        sink.row(line)?;
    }
    Ok(())
}

fn draw_orders(rng: &mut ChaCha8Rng, user: &User, samplers: &Samplers, state: &mut StreamState) {
    state.orders.clear();
    let exposed = user.exposed();
    // Baseline orders: Poisson process on [signup, END).
    let span = END_DAY - user.signup;
    for _ in 0..poisson(rng, user.lambda * span) {
        let t = user.signup + span * rng.random::<f64>();
        let mut kept = true;
        let mut uplift = 0.0;
        for (c, spec) in CHANNELS.iter().enumerate() {
            let since = t - user.t0[c];
            if !exposed[c] || since < 0.0 {
                continue;
            }
            if spec.thinning > 0.0
                && since < spec.thinning_days
                && rng.random::<f64>() < spec.thinning
            {
                kept = false;
            }
            if since < spec.value_uplift_days {
                uplift += spec.value_uplift;
            }
        }
        let base: f64 = samplers.baseline_value.sample(rng);
        if kept {
            let value = base * user.value_mean / BASELINE_VALUE_SHAPE + uplift;
            push_order(rng, t, value, state);
        }
    }
    // Incremental orders: rate α ρ exp(−(t − t0)/τ) on [t0, END).
    for (c, spec) in CHANNELS.iter().enumerate() {
        if !exposed[c] || spec.inc_rate <= 0.0 {
            continue;
        }
        let tau = spec.inc_decay_days;
        let mass = 1.0 - (-(END_DAY - user.t0[c]) / tau).exp();
        for _ in 0..poisson(rng, spec.inc_rate * user.rho * tau * mass) {
            let t = user.t0[c] - tau * (1.0 - rng.random::<f64>() * mass).ln();
            let unit: f64 = samplers.incremental_value.sample(rng);
            let value = unit * spec.inc_value_mean / INCREMENTAL_VALUE_SHAPE;
            push_order(rng, t, value, state);
        }
    }
    // Stable: ties keep generation order.
    state.orders.sort_by_key(|o| o.seconds);
}

/// Adds an order placed at `t` (days), its refund (if any) and its duplicate flag.
fn push_order(rng: &mut ChaCha8Rng, t: f64, value: f64, state: &mut StreamState) {
    let cents = (value * 100.0).round() as i64;
    let duplicate = rng.random_bool(DUPLICATE_RATE);
    state.orders.push(OrderRow {
        seconds: to_seconds(t),
        cents,
        duplicate,
    });
    if rng.random_bool(REFUND_RATE) {
        let refund_at = t + uniform(rng, REFUND_DELAY_MIN_DAYS, REFUND_DELAY_MAX_DAYS);
        // N.B. a refund after the data span is not in the export.
        if refund_at < END_DAY {
            state.orders.push(OrderRow {
                seconds: to_seconds(refund_at),
                cents: -cents,
                duplicate: false,
            });
        }
    }
}

fn write_orders(
    user_id: &str,
    calendar: &Calendar,
    state: &mut StreamState,
    sink: &mut Sink,
) -> Result<(), SimError> {
    for i in 0..state.orders.len() {
        let order = state.orders[i];
        let line = &mut state.line;
        line.clear();
        line.push(b'o');
        push_padded(line, state.next_order_id, 8);
        state.next_order_id += 1;
        line.push(b',');
        line.extend_from_slice(user_id.as_bytes());
        line.push(b',');
        calendar.push_timestamp(line, order.seconds);
        line.push(b',');
        push_cents(line, order.cents);
        line.push(b'\n');
        sink.row(line)?;
        if order.duplicate {
            sink.row(line)?;
        }
        state.month_cents[calendar.month_of(order.seconds)] += order.cents;
        state.max_revenue_seconds = state.max_revenue_seconds.max(Some(order.seconds));
    }
    Ok(())
}

/// `F(x)`: the probability that a refund comes within `x` days.
fn refund_delay_cdf(x: f64) -> f64 {
    ((x - REFUND_DELAY_MIN_DAYS) / (REFUND_DELAY_MAX_DAYS - REFUND_DELAY_MIN_DAYS)).clamp(0.0, 1.0)
}

/// The refund part of `w(t)` for the window `[a, b)`: minus the expected share
/// of an order placed at `t` whose refund row lands in the window.
fn refund_weight(t: f64, a: f64, b: f64) -> f64 {
    -REFUND_RATE * (refund_delay_cdf(b - t) - refund_delay_cdf(a - t))
}

/// Expected number of orders placed in `[a, b)` and expected net revenue of
/// the revenue rows in `[a, b)` of `user`, given which channels it is exposed
/// to (see the module docs). Exact: the integrands are piecewise
/// (constant or exponential) × linear between the breakpoints collected here.
fn window_expectation(
    user: &User,
    exposed: &[bool; N_CHANNELS],
    a: f64,
    b: f64,
    points: &mut Vec<f64>,
) -> (f64, f64) {
    let lo = a - REFUND_DELAY_MAX_DAYS;
    points.clear();
    points.extend_from_slice(&[
        lo,
        a - REFUND_DELAY_MIN_DAYS,
        a,
        b - REFUND_DELAY_MAX_DAYS,
        b - REFUND_DELAY_MIN_DAYS,
        b,
        user.signup,
        0.0,
        END_DAY,
    ]);
    for (c, spec) in CHANNELS.iter().enumerate() {
        if exposed[c] {
            points.push(user.t0[c]);
            points.push(user.t0[c] + spec.value_uplift_days);
            points.push(user.t0[c] + spec.thinning_days);
        }
    }
    points.retain(|&x| x >= lo && x <= b);
    points.sort_by(f64::total_cmp);
    points.dedup();

    let mut orders = 0.0;
    let mut revenue = 0.0;
    for pair in points.windows(2) {
        let (x0, x1) = (pair[0], pair[1]);
        let len = x1 - x0;
        let mid = 0.5 * (x0 + x1);
        if len <= 0.0 || !(0.0..END_DAY).contains(&mid) {
            continue;
        }
        let inside = if mid >= a && mid < b { 1.0 } else { 0.0 };
        // Linear on the piece: w(t) = w0 + slope (t − x0).
        let w0 = inside + refund_weight(x0, a, b);
        let w1 = inside + refund_weight(x1, a, b);
        let slope = (w1 - w0) / len;

        if mid >= user.signup {
            let mut survive = 1.0;
            let mut value = user.value_mean;
            for (c, spec) in CHANNELS.iter().enumerate() {
                let since = mid - user.t0[c];
                if !exposed[c] || since < 0.0 {
                    continue;
                }
                if since < spec.thinning_days {
                    survive *= 1.0 - spec.thinning;
                }
                if since < spec.value_uplift_days {
                    value += spec.value_uplift;
                }
            }
            let rate = user.lambda * survive;
            orders += inside * rate * len;
            revenue += rate * value * len * 0.5 * (w0 + w1);
        }
        for (c, spec) in CHANNELS.iter().enumerate() {
            if !exposed[c] || spec.inc_rate <= 0.0 || mid < user.t0[c] {
                continue;
            }
            let tau = spec.inc_decay_days;
            let amplitude = spec.inc_rate * user.rho * (-(x0 - user.t0[c]) / tau).exp();
            let tail = (-len / tau).exp();
            orders += inside * amplitude * tau * (1.0 - tail);
            // ∫₀ᴸ e^{−u/τ} (w0 + slope·u) du
            let weighted =
                w0 * tau * (1.0 - tail) + slope * (tau * tau * (1.0 - tail) - tau * len * tail);
            revenue += spec.inc_value_mean * amplitude * weighted;
        }
    }
    (orders, revenue)
}

fn accumulate_truth(user: &User, state: &mut StreamState) {
    let exposed = user.exposed();
    for c in 0..N_CHANNELS {
        if !exposed[c] {
            continue;
        }
        let mut held_out = exposed;
        held_out[c] = false;
        for (w, &window) in TRUTH_WINDOWS.iter().enumerate() {
            let a = user.t0[c];
            let b = a + f64::from(window);
            let (n1, r1) = window_expectation(user, &exposed, a, b, &mut state.points);
            let (n0, r0) = window_expectation(user, &held_out, a, b, &mut state.points);
            let sums = &mut state.truth[c][w];
            sums.revenue += r1 - r0;
            sums.conversions += (-n0).exp() - (-n1).exp();
            sums.orders += n1 - n0;
            sums.control_revenue += r0;
        }
    }
}

/// Writes `spend.csv` (date-major) and returns its row count and total per channel.
fn write_spend(
    rng: &mut ChaCha8Rng,
    users: usize,
    calendar: &Calendar,
    state: &StreamState,
    path: PathBuf,
) -> Result<(u64, [i64; N_CHANNELS]), SimError> {
    let mut sink = Sink::create(path, "date,channel,spend")?;
    let ranges: Vec<Option<(usize, usize)>> = state
        .touches_per_day
        .iter()
        .map(|days| {
            let first = days.iter().position(|&n| n > 0)?;
            let last = days.iter().rposition(|&n| n > 0)?;
            Some((first, last))
        })
        .collect();
    let scale = users as f64 / 10_000.0;
    let mut totals = [0i64; N_CHANNELS];
    let mut line = Vec::with_capacity(64);
    for day in 0..SPAN_DAYS {
        for (c, spec) in CHANNELS.iter().enumerate() {
            let Some((first, last)) = ranges[c] else {
                continue;
            };
            if day < first || day > last {
                continue;
            }
            let touches = f64::from(state.touches_per_day[c][day]);
            let amount = (spec.spend_per_day_per_10k_users * scale
                + spec.spend_per_touch * touches)
                * uniform(rng, 1.0 - SPEND_NOISE, 1.0 + SPEND_NOISE);
            let cents = (amount * 100.0).round() as i64;
            totals[c] += cents;
            line.clear();
            line.extend_from_slice(calendar.dates[day].as_bytes());
            line.push(b',');
            line.extend_from_slice(spec.name.as_bytes());
            line.push(b',');
            push_cents(&mut line, cents);
            line.push(b'\n');
            sink.row(&line)?;
        }
    }
    Ok((sink.finish()?, totals))
}

fn write_finance(
    rng: &mut ChaCha8Rng,
    calendar: &Calendar,
    state: &StreamState,
    mismatch_month: usize,
    path: PathBuf,
) -> Result<u64, SimError> {
    let mut sink = Sink::create(path, "period_start,period_end,revenue")?;
    let mut line = Vec::with_capacity(64);
    for (month, (start, end)) in calendar.months.iter().enumerate() {
        let export = state.month_cents[month] as f64;
        let noise = uniform(rng, -FINANCE_NOISE_MAX_PCT, FINANCE_NOISE_MAX_PCT);
        let booked = if month == mismatch_month {
            export / (1.0 + MISMATCH_GAP_PCT)
        } else {
            export * (1.0 + noise)
        };
        line.clear();
        line.extend_from_slice(start.as_bytes());
        line.push(b',');
        line.extend_from_slice(end.as_bytes());
        line.push(b',');
        push_cents(&mut line, booked.round() as i64);
        line.push(b'\n');
        sink.row(&line)?;
    }
    sink.finish()
}

fn write_config(opts: &SimOptions, path: &Path) -> Result<(), SimError> {
    let mut text = format!(
        "# Written by `uplift simulate --users {} --seed {}`.\n\
         # The planted holdout (control) share of each channel, for the\n\
         # sample-ratio-mismatch check.\n\
         [srm.channels]\n",
        opts.users, opts.seed
    );
    for spec in &CHANNELS {
        text.push_str(&format!("{} = {}\n", spec.name, spec.control_share));
    }
    fs::write(path, text).map_err(io_error(path))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn build_truth(
    opts: &SimOptions,
    calendar: &Calendar,
    state: &StreamState,
    spend_cents: &[i64; N_CHANNELS],
    mismatch_month: usize,
) -> Truth {
    let max_window = TRUTH_WINDOWS.iter().copied().max().unwrap_or(0);
    let as_of = state.max_revenue_seconds.map(|s| {
        let mut buf = Vec::new();
        calendar.push_timestamp(&mut buf, s);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let all_mature = match (state.max_t0_seconds, state.max_revenue_seconds) {
        (Some(t0), Some(as_of)) => t0 + i64::from(max_window) * SECONDS_PER_DAY <= as_of,
        (None, Some(_)) => true,
        _ => false,
    };
    let mut channels = BTreeMap::new();
    for (c, spec) in CHANNELS.iter().enumerate() {
        let n = state.exposed_users[c];
        let spend = (spend_cents[c] + state.cost_cents[c]) as f64 / 100.0;
        let per_user = |x: f64| if n > 0 { x / n as f64 } else { 0.0 };
        let windows = TRUTH_WINDOWS
            .iter()
            .enumerate()
            .map(|(w, &window)| {
                let sums = state.truth[c][w];
                let revenue = per_user(sums.revenue);
                let control = per_user(sums.control_revenue);
                let incremental = revenue * n as f64;
                WindowTruth {
                    window_days: window,
                    incremental_revenue_per_exposed_user: round6(revenue),
                    incremental_conversions_per_exposed_user: round6(per_user(sums.conversions)),
                    incremental_orders_per_exposed_user: round6(per_user(sums.orders)),
                    control_revenue_per_user: round6(control),
                    relative_lift: (control != 0.0).then(|| round6(revenue / control)),
                    incremental_revenue: round6(incremental),
                    iroas: (spend > 0.0).then(|| round6(incremental / spend)),
                }
            })
            .collect();
        channels.insert(
            spec.name.to_string(),
            ChannelTruth {
                effect: spec.effect,
                control_share: spec.control_share,
                eligible_share: spec.eligible,
                exposed_users: n,
                control_users: state.control_users[c],
                planted: PlantedEffect {
                    incremental_order_rate_per_day: spec.inc_rate,
                    incremental_decay_days: if spec.inc_rate > 0.0 {
                        spec.inc_decay_days
                    } else {
                        0.0
                    },
                    incremental_order_value_mean: spec.inc_value_mean,
                    order_value_uplift: spec.value_uplift,
                    order_value_uplift_days: spec.value_uplift_days,
                    baseline_thinning: spec.thinning,
                    baseline_thinning_days: spec.thinning_days,
                },
                spend: round6(spend),
                windows,
            },
        );
    }
    let (mismatch_start, mismatch_end) = calendar.months[mismatch_month].clone();
    Truth {
        generator: GENERATOR.to_string(),
        seed: opts.seed,
        users: opts.users as u64,
        data_start: calendar.dates[0].clone(),
        data_end: calendar.dates[SPAN_DAYS - 1].clone(),
        as_of,
        all_labeled_users_mature: all_mature,
        windows: TRUTH_WINDOWS.to_vec(),
        estimand: "per channel and window: the expected revenue_per_user_lift and \
                   conversion_rate_lift (exposed minus control, outcome in [t0, t0 + W), \
                   net of refunds), conditional on the users' latent parameters and \
                   averaged over the channel's exposed users"
            .to_string(),
        channels,
        refund_rate: REFUND_RATE,
        refund_delay_days: [REFUND_DELAY_MIN_DAYS, REFUND_DELAY_MAX_DAYS],
        duplicate_rate: DUPLICATE_RATE,
        finance: FinanceTruth {
            mismatch_period_start: mismatch_start,
            mismatch_period_end: mismatch_end,
            mismatch_gap_pct: MISMATCH_GAP_PCT,
            noise_max_pct: FINANCE_NOISE_MAX_PCT,
        },
    }
}

fn push_two_digits(buf: &mut Vec<u8>, n: i64) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits[..len].iter().rev());
}

/// Appends an amount in cents as `[-]units.cc`.
fn push_cents(buf: &mut Vec<u8>, cents: i64) {
    if cents < 0 {
        buf.push(b'-');
    }
    let abs = cents.unsigned_abs();
    push_padded(buf, abs / 100, 1);
    buf.push(b'.');
    push_padded(buf, abs % 100, 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap, HashSet};

    fn sim(users: usize, seed: u64) -> (tempfile::TempDir, SimSummary) {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&SimOptions { users, seed }, dir.path()).unwrap();
        (dir, summary)
    }

    fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_path(path).unwrap();
        reader.records().map(|r| r.unwrap()).collect()
    }

    fn cents_of(text: &str) -> i64 {
        (text.parse::<f64>().unwrap() * 100.0).round() as i64
    }

    #[test]
    fn same_seed_writes_byte_identical_files() {
        let (a, summary_a) = sim(500, 7);
        let (b, summary_b) = sim(500, 7);
        assert_eq!(summary_a.exposures_rows, summary_b.exposures_rows);
        for file in &summary_a.files {
            let name = file.file_name().unwrap();
            let left = fs::read(a.path().join(name)).unwrap();
            let right = fs::read(b.path().join(name)).unwrap();
            assert!(left == right, "{} differs", name.to_string_lossy());
        }
    }

    #[test]
    fn different_seeds_write_different_files() {
        let (a, _) = sim(300, 1);
        let (b, _) = sim(300, 2);
        for name in ["exposures.csv", "revenue.csv", "truth.json"] {
            let left = fs::read(a.path().join(name)).unwrap();
            let right = fs::read(b.path().join(name)).unwrap();
            assert_ne!(left, right, "{name} is the same for two seeds");
        }
    }

    #[test]
    fn writes_every_file_with_the_contract_headers() {
        let (dir, summary) = sim(200, 3);
        let names: Vec<_> = summary
            .files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "exposures.csv",
                "revenue.csv",
                "spend.csv",
                "finance.csv",
                "uplift.toml",
                "truth.json"
            ]
        );
        let first_line = |name: &str| {
            let text = fs::read_to_string(dir.path().join(name)).unwrap();
            text.lines().next().unwrap().to_string()
        };
        assert_eq!(
            first_line("exposures.csv"),
            "user_id,channel,timestamp,group,campaign,segment,cost"
        );
        assert_eq!(
            first_line("revenue.csv"),
            "order_id,user_id,timestamp,revenue"
        );
        assert_eq!(first_line("spend.csv"), "date,channel,spend");
        assert_eq!(first_line("finance.csv"), "period_start,period_end,revenue");
        assert_eq!(
            read_csv(&dir.path().join("exposures.csv")).len() as u64,
            summary.exposures_rows
        );
        assert_eq!(
            read_csv(&dir.path().join("revenue.csv")).len() as u64,
            summary.orders_rows
        );
        assert_eq!(summary.finance_rows, 6);
    }

    #[test]
    fn timestamps_are_rfc3339_utc_seconds_within_the_data_span() {
        let (dir, _) = sim(200, 4);
        for (file, column) in [("exposures.csv", 2), ("revenue.csv", 2)] {
            for record in read_csv(&dir.path().join(file)) {
                let ts = &record[column];
                let parsed = chrono::DateTime::parse_from_rfc3339(ts).unwrap();
                assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
                assert!(
                    ("2026-01-01T00:00:00Z"..="2026-06-30T23:59:59Z").contains(&ts),
                    "{parsed}"
                );
            }
        }
    }

    #[test]
    fn every_exposures_group_is_exposed_control_or_empty() {
        let (dir, _) = sim(1_000, 5);
        let mut seen = BTreeSet::new();
        for record in read_csv(&dir.path().join("exposures.csv")) {
            let group = record[3].to_string();
            assert!(
                ["exposed", "control", ""].contains(&group.as_str()),
                "{group}"
            );
            assert!(CHANNEL_NAMES.contains(&&record[1]));
            assert!(["new", "returning", "high_value"].contains(&&record[5]));
            if !record[6].is_empty() {
                assert_eq!(group, "exposed", "only exposed touches cost money");
            }
            seen.insert(group);
        }
        assert_eq!(seen.len(), 3, "every label occurs: {seen:?}");
    }

    #[test]
    fn revenue_has_duplicate_order_rows_and_later_refunds() {
        let (dir, _) = sim(3_000, 6);
        let mut seen: HashMap<String, csv::StringRecord> = HashMap::new();
        let mut duplicates = 0;
        let mut refunds = 0;
        let mut orders = 0;
        for record in read_csv(&dir.path().join("revenue.csv")) {
            if let Some(first) = seen.get(&record[0]) {
                assert_eq!(first, &record, "duplicates are exact copies");
                duplicates += 1;
                continue;
            }
            if record[3].starts_with('-') {
                refunds += 1;
            } else {
                orders += 1;
            }
            seen.insert(record[0].to_string(), record);
        }
        assert!(duplicates > 0, "no duplicate order rows");
        let refund_share = f64::from(refunds) / f64::from(orders);
        assert!(
            (0.01..0.03).contains(&refund_share),
            "refund share {refund_share}"
        );
    }

    #[test]
    fn finance_matches_the_export_within_half_a_percent_except_the_planted_month() {
        let (dir, _) = sim(2_000, 8);
        let mut seen = HashSet::new();
        let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
        for record in read_csv(&dir.path().join("revenue.csv")) {
            if seen.insert(record[0].to_string()) {
                *by_month.entry(record[2][..7].to_string()).or_default() += cents_of(&record[3]);
            }
        }
        let truth = Truth::read(&dir.path().join("truth.json")).unwrap();
        let finance = read_csv(&dir.path().join("finance.csv"));
        assert_eq!(finance.len(), 6);
        for record in finance {
            let export = by_month[&record[0][..7]] as f64;
            let booked = cents_of(&record[2]) as f64;
            let gap_pct = (export - booked) / booked;
            if record[0] == *truth.finance.mismatch_period_start {
                assert_eq!(record[1], *truth.finance.mismatch_period_end);
                assert!((gap_pct - 0.03).abs() < 1e-4, "planted gap {gap_pct}");
            } else {
                assert!(gap_pct.abs() <= 0.005, "{}: gap {gap_pct}", &record[0]);
            }
        }
    }

    #[test]
    fn control_shares_are_within_sampling_error_of_the_planted_shares() {
        let (dir, _) = sim(20_000, 9);
        let mut label: BTreeMap<(String, String), String> = BTreeMap::new();
        for record in read_csv(&dir.path().join("exposures.csv")) {
            if record[3].is_empty() {
                continue;
            }
            let key = (record[1].to_string(), record[0].to_string());
            let previous = label.insert(key, record[3].to_string());
            assert!(
                previous.is_none_or(|g| g == record[3]),
                "a user has both labels"
            );
        }
        let config: toml::Value =
            toml::from_str(&fs::read_to_string(dir.path().join("uplift.toml")).unwrap()).unwrap();
        let truth = Truth::read(&dir.path().join("truth.json")).unwrap();
        for channel in CHANNEL_NAMES {
            let (mut control, mut total) = (0.0, 0.0);
            for ((c, _), group) in &label {
                if c == channel {
                    total += 1.0;
                    control += f64::from(u8::from(group == "control"));
                }
            }
            let planted = config["srm"]["channels"][channel].as_float().unwrap();
            assert_eq!(planted, truth.channels[channel].control_share);
            assert_eq!(control, truth.channels[channel].control_users as f64);
            let se = (planted * (1.0 - planted) / total).sqrt();
            let share = control / total;
            assert!(
                (share - planted).abs() < 4.0 * se,
                "{channel}: control share {share} vs planted {planted}"
            );
        }
    }

    #[test]
    fn truth_states_every_channel_and_window_with_the_planted_signs() {
        let (dir, _) = sim(3_000, 10);
        let truth = Truth::read(&dir.path().join("truth.json")).unwrap();
        assert_eq!(truth.seed, 10);
        assert_eq!(truth.users, 3_000);
        assert!(truth.all_labeled_users_mature);
        assert_eq!(truth.channels.len(), 6);
        for (name, channel) in &truth.channels {
            assert_eq!(channel.windows.len(), 3);
            for window in &channel.windows {
                let lift = window.incremental_revenue_per_exposed_user;
                match channel.effect {
                    EffectKind::Positive => assert!(lift > 0.0, "{name}: {lift}"),
                    EffectKind::Zero => assert_eq!(lift, 0.0, "{name}"),
                    EffectKind::Negative => assert!(lift < 0.0, "{name}: {lift}"),
                }
            }
        }
    }

    #[test]
    fn window_expectation_matches_a_numerical_integral() {
        // A user exposed to every channel, with overlapping effect periods.
        let user = User {
            segment: "returning",
            signup: 10.0,
            lambda: 0.05,
            value_mean: 60.0,
            rho: 1.2,
            arm: [Some(Arm::Exposed); N_CHANNELS],
            t0_seconds: [0; N_CHANNELS],
            t0: [40.0, 45.5, 50.25, 55.0, 60.0, 52.0],
        };
        let exposed = user.exposed();
        let (a, b) = (50.25, 80.25);
        let mut points = Vec::new();
        let (orders, revenue) = window_expectation(&user, &exposed, a, b, &mut points);
        // Midpoint rule on a fine grid.
        let steps = 2_000_000;
        let (lo, hi) = (a - REFUND_DELAY_MAX_DAYS, b);
        let h = (hi - lo) / f64::from(steps);
        let (mut n, mut r) = (0.0, 0.0);
        for i in 0..steps {
            let t = lo + (f64::from(i) + 0.5) * h;
            let inside = if t >= a && t < b { 1.0 } else { 0.0 };
            let w = inside + refund_weight(t, a, b);
            if t >= user.signup {
                let mut rate = user.lambda;
                let mut value = user.value_mean;
                for (c, spec) in CHANNELS.iter().enumerate() {
                    let since = t - user.t0[c];
                    if since >= 0.0 && since < spec.thinning_days {
                        rate *= 1.0 - spec.thinning;
                    }
                    if since >= 0.0 && since < spec.value_uplift_days {
                        value += spec.value_uplift;
                    }
                }
                n += inside * rate * h;
                r += rate * value * w * h;
            }
            for (c, spec) in CHANNELS.iter().enumerate() {
                let since = t - user.t0[c];
                if since >= 0.0 && spec.inc_rate > 0.0 {
                    let rate = spec.inc_rate * user.rho * (-since / spec.inc_decay_days).exp();
                    n += inside * rate * h;
                    r += spec.inc_value_mean * rate * w * h;
                }
            }
        }
        // N.B. the midpoint rule's error at the jumps is O(h); the closed form is exact.
        assert!((orders - n).abs() < 1e-5 * n, "{orders} vs {n}");
        assert!((revenue - r).abs() < 1e-5 * r, "{revenue} vs {r}");
    }

    #[test]
    fn zero_users_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = generate(&SimOptions { users: 0, seed: 1 }, dir.path()).unwrap_err();
        assert!(matches!(err, SimError::NoUsers));
    }

    #[test]
    fn money_is_written_with_two_decimals() {
        let mut buf = Vec::new();
        push_cents(&mut buf, -1205);
        buf.push(b' ');
        push_cents(&mut buf, 7);
        buf.push(b' ');
        push_cents(&mut buf, 0);
        assert_eq!(String::from_utf8(buf).unwrap(), "-12.05 0.07 0.00");
    }
}
