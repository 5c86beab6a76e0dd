//! `truth.json`: what a correct analysis must recover, and how it is
//! computed.
//!
//! The public types are the file's schema ([`Truth`] and its parts). The
//! numbers are exact expectations, not estimates from the drawn data: for
//! every exposed user the expected orders, revenue and profit of each truth
//! window are integrated in closed form with and without the channel's effect
//! ([`window_expectation`]), summed over the users as they are generated
//! ([`accumulate_truth`]) and averaged at the end ([`build_truth`]). The
//! [module docs](crate::simulate) give the formulas.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::draw::User;
use super::spec::{
    BASELINE_COST_TO_SERVE, BASELINE_MARGIN, CHANNELS, DUPLICATE_RATE, END_DAY, EffectKind,
    FINANCE_NOISE_MAX_PCT, GENERATOR, GOODS_COST_SPREAD, MISMATCH_GAP_PCT, N_CHANNELS,
    REFUND_DELAY_MAX_DAYS, REFUND_DELAY_MIN_DAYS, REFUND_HANDLING_COST, REFUND_RATE,
    SECONDS_PER_DAY, SERVE_COST_SPREAD, SPAN_DAYS,
};
use super::write::{Calendar, io_error};
use super::{SimError, SimOptions, StreamState};

/// The windows `truth.json` states the truth for.
pub const TRUTH_WINDOWS: [u16; 3] = [30, 60, 90];

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
    /// The cost structure behind `revenue.csv`'s `cost` column: the baseline
    /// orders' margin and cost to serve, the refund rows' handling cost and the
    /// noise around them (each channel's incremental orders have their own
    /// margin and cost to serve, in [`PlantedEffect`]).
    pub costs: CostTruth,
    /// The planted reconciliation result.
    pub finance: FinanceTruth,
}

impl Truth {
    /// Reads a `truth.json` written by [`generate`](super::generate).
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
    /// `m_c`: margin of an incremental order; its expected cost of goods is
    /// `(1 − m_c) · value` (zero without incremental orders).
    pub incremental_order_margin: f64,
    /// `s_c`: expected cost to serve (shipping, payment, handling, commission)
    /// of an incremental order (zero without incremental orders).
    pub incremental_order_cost_to_serve: f64,
    /// `m_c · μ − s_c`: expected profit of an incremental order before refunds
    /// (zero without incremental orders).
    pub incremental_order_profit_mean: f64,
}

/// How the `cost` of a revenue row is drawn (the [module docs](crate::simulate)
/// give the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostTruth {
    /// `m₀`: margin of a baseline order (value uplifts included); its expected
    /// cost of goods is `(1 − m₀) · value`.
    pub baseline_order_margin: f64,
    /// `s₀`: expected cost to serve a baseline order.
    pub baseline_order_cost_to_serve: f64,
    /// `h`: expected cost of handling a return, the `cost` of a refund row.
    pub refund_handling_cost: f64,
    /// An order's cost of goods is `(1 − m) · value · U(1 − g, 1 + g)`, `g` = this.
    pub goods_cost_spread: f64,
    /// Costs to serve and of handling are their mean times `U(1 − v, 1 + v)`, `v` = this.
    pub serve_cost_spread: f64,
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
    /// Expected `profit_per_user_lift` (profit = revenue − cost per revenue row,
    /// refund rows included), averaged over the exposed users.
    pub incremental_profit_per_exposed_user: f64,
    /// Expected profit in the window had the exposed users been held out.
    pub control_profit_per_user: f64,
    /// `incremental_profit_per_exposed_user / control_profit_per_user`.
    pub profit_relative_lift: Option<f64>,
    /// `incremental_profit_per_exposed_user · exposed_users`.
    pub incremental_profit: f64,
    /// `incremental_profit / spend` (iPOAS); null without spend.
    pub ipoas: Option<f64>,
    /// `incremental_profit − spend`.
    pub net_return: f64,
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

/// Per-(channel, window) sums over the exposed users.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TruthSums {
    pub(super) revenue: f64,
    pub(super) conversions: f64,
    pub(super) orders: f64,
    pub(super) control_revenue: f64,
    pub(super) profit: f64,
    pub(super) control_profit: f64,
}

/// Expected orders, net revenue and net profit of one user in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Expectation {
    orders: f64,
    revenue: f64,
    profit: f64,
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

/// Expected number of orders placed in `[a, b)` and expected net revenue and
/// net profit of the revenue rows in `[a, b)` of `user`, given which channels
/// it is exposed to (see the module docs). Exact: the integrands are piecewise
/// (constant or exponential) × linear between the breakpoints collected here.
///
/// An order of value `v` placed at `t` with margin `m` and cost to serve `s`
/// adds `1[t ∈ [a, b)] · (m v − s)` to the profit, and its refund row (cost `h`)
/// adds `−(v + h)` with the probability `−r(t)` that it lands in the window,
/// `r` = [`refund_weight`]: in all `v · (m · 1[·] + r(t)) + h · r(t) − s · 1[·]`.
fn window_expectation(
    user: &User,
    exposed: &[bool; N_CHANNELS],
    a: f64,
    b: f64,
    points: &mut Vec<f64>,
) -> Expectation {
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
    let mut profit = 0.0;
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
        // The refund part alone, also linear: r(t) = r0 + r_slope (t − x0).
        let r0 = refund_weight(x0, a, b);
        let r_slope = (refund_weight(x1, a, b) - r0) / len;

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
            let r_mean = r0 + 0.5 * r_slope * len;
            profit += rate
                * len
                * (value * (BASELINE_MARGIN * inside + r_mean) + REFUND_HANDLING_COST * r_mean
                    - BASELINE_COST_TO_SERVE * inside);
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
            let mass = tau * (1.0 - tail);
            let refunded = r0 * mass + r_slope * (tau * tau * (1.0 - tail) - tau * len * tail);
            profit += amplitude
                * (spec.inc_value_mean * (spec.inc_margin * inside * mass + refunded)
                    + REFUND_HANDLING_COST * refunded
                    - spec.inc_cost_to_serve * inside * mass);
        }
    }
    Expectation {
        orders,
        revenue,
        profit,
    }
}

pub(super) fn accumulate_truth(user: &User, state: &mut StreamState) {
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
            let one = window_expectation(user, &exposed, a, b, &mut state.points);
            let zero = window_expectation(user, &held_out, a, b, &mut state.points);
            let sums = &mut state.truth[c][w];
            sums.revenue += one.revenue - zero.revenue;
            sums.conversions += (-zero.orders).exp() - (-one.orders).exp();
            sums.orders += one.orders - zero.orders;
            sums.control_revenue += zero.revenue;
            sums.profit += one.profit - zero.profit;
            sums.control_profit += zero.profit;
        }
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub(super) fn build_truth(
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
                let profit = per_user(sums.profit);
                let control_profit = per_user(sums.control_profit);
                let incremental_profit = profit * n as f64;
                WindowTruth {
                    window_days: window,
                    incremental_revenue_per_exposed_user: round6(revenue),
                    incremental_conversions_per_exposed_user: round6(per_user(sums.conversions)),
                    incremental_orders_per_exposed_user: round6(per_user(sums.orders)),
                    control_revenue_per_user: round6(control),
                    relative_lift: (control != 0.0).then(|| round6(revenue / control)),
                    incremental_revenue: round6(incremental),
                    iroas: (spend > 0.0).then(|| round6(incremental / spend)),
                    incremental_profit_per_exposed_user: round6(profit),
                    control_profit_per_user: round6(control_profit),
                    profit_relative_lift: (control_profit != 0.0)
                        .then(|| round6(profit / control_profit)),
                    incremental_profit: round6(incremental_profit),
                    ipoas: (spend > 0.0).then(|| round6(incremental_profit / spend)),
                    net_return: round6(incremental_profit - spend),
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
                    incremental_order_margin: spec.inc_margin,
                    incremental_order_cost_to_serve: spec.inc_cost_to_serve,
                    incremental_order_profit_mean: round6(
                        spec.inc_margin * spec.inc_value_mean - spec.inc_cost_to_serve,
                    ),
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
        estimand: "per channel and window: the expected revenue_per_user_lift, \
                   conversion_rate_lift and profit_per_user_lift (exposed minus control, \
                   outcome in [t0, t0 + W), net of refunds; profit = revenue − cost of each \
                   revenue row), conditional on the users' latent parameters and \
                   averaged over the channel's exposed users"
            .to_string(),
        channels,
        refund_rate: REFUND_RATE,
        refund_delay_days: [REFUND_DELAY_MIN_DAYS, REFUND_DELAY_MAX_DAYS],
        duplicate_rate: DUPLICATE_RATE,
        costs: CostTruth {
            baseline_order_margin: BASELINE_MARGIN,
            baseline_order_cost_to_serve: BASELINE_COST_TO_SERVE,
            refund_handling_cost: REFUND_HANDLING_COST,
            goods_cost_spread: GOODS_COST_SPREAD,
            serve_cost_spread: SERVE_COST_SPREAD,
        },
        finance: FinanceTruth {
            mismatch_period_start: mismatch_start,
            mismatch_period_end: mismatch_end,
            mismatch_gap_pct: MISMATCH_GAP_PCT,
            noise_max_pct: FINANCE_NOISE_MAX_PCT,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::draw::DrawnArm;
    use crate::simulate::tests::sim;

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
    fn truth_plants_a_channel_that_wins_on_revenue_and_loses_on_profit() {
        let (dir, _) = sim(3_000, 10);
        let truth = Truth::read(&dir.path().join("truth.json")).unwrap();
        assert_eq!(truth.costs.baseline_order_margin, BASELINE_MARGIN);
        for (name, channel) in &truth.channels {
            let planted = &channel.planted;
            let margin = planted.incremental_order_margin;
            assert!((0.0..=1.0).contains(&margin), "{name}");
            assert_eq!(
                margin == 0.0 && planted.incremental_order_cost_to_serve == 0.0,
                planted.incremental_order_rate_per_day == 0.0,
                "{name}: a profile exactly when there are incremental orders"
            );
            for w in &channel.windows {
                let (revenue, profit) = (
                    w.incremental_revenue_per_exposed_user,
                    w.incremental_profit_per_exposed_user,
                );
                assert!(w.control_profit_per_user > 0.0, "{name}");
                assert!(
                    (w.incremental_profit - profit * channel.exposed_users as f64).abs() < 1e-3
                );
                match name.as_str() {
                    // Incremental orders at a loss: more revenue, less profit.
                    "affiliate" => assert!(revenue > 5.0 && profit < -1.0, "{name}"),
                    "email" | "paid_search" | "social" => {
                        assert!(revenue > 0.0 && profit > 0.0, "{name}");
                        assert!(profit < revenue, "{name}");
                    }
                    "display" => assert_eq!((revenue, profit), (0.0, 0.0)),
                    // Lost baseline orders lose their profit too.
                    "push" => assert!(revenue < 0.0 && profit < 0.0, "{name}"),
                    _ => unreachable!("{name}"),
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
            arm: [Some(DrawnArm::Exposed); N_CHANNELS],
            t0_seconds: [0; N_CHANNELS],
            t0: [40.0, 45.5, 50.25, 55.0, 60.0, 52.0],
        };
        let exposed = user.exposed();
        let (a, b) = (50.25, 80.25);
        let mut points = Vec::new();
        let Expectation {
            orders,
            revenue,
            profit,
        } = window_expectation(&user, &exposed, a, b, &mut points);
        // Midpoint rule on a fine grid.
        let steps = 2_000_000;
        let (lo, hi) = (a - REFUND_DELAY_MAX_DAYS, b);
        let h = (hi - lo) / f64::from(steps);
        let (mut n, mut r, mut p) = (0.0, 0.0, 0.0);
        for i in 0..steps {
            let t = lo + (f64::from(i) + 0.5) * h;
            let inside = if t >= a && t < b { 1.0 } else { 0.0 };
            let refunded = -refund_weight(t, a, b);
            let w = inside - refunded;
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
                let order = BASELINE_MARGIN * value - BASELINE_COST_TO_SERVE;
                p += rate * (inside * order - refunded * (value + REFUND_HANDLING_COST)) * h;
            }
            for (c, spec) in CHANNELS.iter().enumerate() {
                let since = t - user.t0[c];
                if since >= 0.0 && spec.inc_rate > 0.0 {
                    let rate = spec.inc_rate * user.rho * (-since / spec.inc_decay_days).exp();
                    n += inside * rate * h;
                    r += spec.inc_value_mean * rate * w * h;
                    let value = spec.inc_value_mean;
                    let order = spec.inc_margin * value - spec.inc_cost_to_serve;
                    p += rate * (inside * order - refunded * (value + REFUND_HANDLING_COST)) * h;
                }
            }
        }
        // N.B. the midpoint rule's error at the jumps is O(h); the closed form is exact.
        assert!((orders - n).abs() < 1e-5 * n, "{orders} vs {n}");
        assert!((revenue - r).abs() < 1e-5 * r, "{revenue} vs {r}");
        assert!((profit - p).abs() < 1e-5 * p.abs(), "{profit} vs {p}");
    }
}
