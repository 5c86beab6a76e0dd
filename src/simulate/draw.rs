//! Drawing one user at a time: its latent parameters and labels
//! ([`draw_user`]), its touches ([`draw_touches`]) and its orders, refunds
//! and duplicate flags ([`draw_orders`]), and each revenue row's cost
//! ([`order_cost`]).
//!
//! The draws are made from the one seeded stream in a fixed order, so the
//! order of the calls in [`generate`](super::generate) is part of the
//! output: reordering any two draws changes every file. The costs alone come
//! from a second stream (`COST_STREAM`), drawn row by row as the rows are
//! written, so they change nothing else.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson, StandardNormal};

use super::StreamState;
use super::spec::{
    BASE_ORDER_RATE_PER_DAY, BASE_ORDER_VALUE, BASELINE_COST_TO_SERVE, BASELINE_MARGIN,
    BASELINE_VALUE_SHAPE, CHANNELS, DUPLICATE_RATE, END_DAY, END_SECONDS, ENTRY_END_DAY,
    GOODS_COST_SPREAD, HIGH_VALUE_Z, INCREMENTAL_VALUE_SHAPE, N_CHANNELS, NEW_SIGNUP_END_DAY,
    NEW_USER_SHARE, ORDER_RATE_SIGMA, ORGANIC_TOUCHES_MEAN, ORGANIC_WEIGHTS, REFUND_DELAY_MAX_DAYS,
    REFUND_DELAY_MIN_DAYS, REFUND_HANDLING_COST, REFUND_RATE, SECONDS_PER_DAY, SERVE_COST_SPREAD,
    VALUE_LOADING_LATENT, VALUE_LOADING_OWN,
};

/// Holdout arm of a labeled user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DrawnArm {
    Exposed,
    Control,
}

/// One user's latent parameters and labels.
pub(super) struct User {
    pub(super) segment: &'static str,
    /// Sign-up time, days (0 for users who predate the data).
    pub(super) signup: f64,
    pub(super) lambda: f64,
    pub(super) value_mean: f64,
    pub(super) rho: f64,
    pub(super) arm: [Option<DrawnArm>; N_CHANNELS],
    /// Entry time, whole seconds since the start of the data span.
    pub(super) t0_seconds: [i64; N_CHANNELS],
    /// The same entry time in days.
    pub(super) t0: [f64; N_CHANNELS],
}

impl User {
    pub(super) fn exposed(&self) -> [bool; N_CHANNELS] {
        self.arm.map(|a| a == Some(DrawnArm::Exposed))
    }
}

/// One exposures row before it is written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Touch {
    pub(super) seconds: i64,
    pub(super) channel: usize,
    /// `None` for an organic touch.
    pub(super) arm: Option<DrawnArm>,
}

/// Whose margin and cost to serve an order carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CostProfile {
    /// A baseline order (value uplifts included): `BASELINE_MARGIN`, `BASELINE_COST_TO_SERVE`.
    Baseline,
    /// An incremental order of channel `c`: its `inc_margin`, `inc_cost_to_serve`.
    Incremental(usize),
    /// A refund row: `REFUND_HANDLING_COST`.
    Refund,
}

impl CostProfile {
    /// `(margin, mean cost to serve)` of an order, `(0, h)` for a refund row.
    pub(super) fn parameters(self) -> (f64, f64) {
        match self {
            CostProfile::Baseline => (BASELINE_MARGIN, BASELINE_COST_TO_SERVE),
            CostProfile::Incremental(c) => (CHANNELS[c].inc_margin, CHANNELS[c].inc_cost_to_serve),
            CostProfile::Refund => (0.0, REFUND_HANDLING_COST),
        }
    }
}

/// One revenue row before it is written.
#[derive(Debug, Clone, Copy)]
pub(super) struct OrderRow {
    pub(super) seconds: i64,
    pub(super) cents: i64,
    pub(super) duplicate: bool,
    pub(super) profile: CostProfile,
}

/// Unit-scale samplers, built once.
pub(super) struct Samplers {
    pub(super) baseline_value: Gamma<f64>,
    pub(super) incremental_value: Gamma<f64>,
}

impl Samplers {
    pub(super) fn new() -> Samplers {
        Samplers {
            baseline_value: Gamma::new(BASELINE_VALUE_SHAPE, 1.0)
                .expect("invariant: constant shape and scale are positive"),
            incremental_value: Gamma::new(INCREMENTAL_VALUE_SHAPE, 1.0)
                .expect("invariant: constant shape and scale are positive"),
        }
    }
}

pub(super) fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
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

pub(super) fn draw_user(rng: &mut ChaCha8Rng, state: &mut StreamState) -> User {
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
            DrawnArm::Control
        } else {
            state.exposed_users[c] += 1;
            DrawnArm::Exposed
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

pub(super) fn draw_touches(rng: &mut ChaCha8Rng, user: &User, state: &mut StreamState) {
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

pub(super) fn draw_orders(
    rng: &mut ChaCha8Rng,
    user: &User,
    samplers: &Samplers,
    state: &mut StreamState,
) {
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
            push_order(rng, t, value, CostProfile::Baseline, state);
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
            push_order(rng, t, value, CostProfile::Incremental(c), state);
        }
    }
    // Stable: ties keep generation order.
    state.orders.sort_by_key(|o| o.seconds);
}

/// Adds an order placed at `t` (days), its refund (if any) and its duplicate flag.
fn push_order(
    rng: &mut ChaCha8Rng,
    t: f64,
    value: f64,
    profile: CostProfile,
    state: &mut StreamState,
) {
    let cents = (value * 100.0).round() as i64;
    let duplicate = rng.random_bool(DUPLICATE_RATE);
    state.orders.push(OrderRow {
        seconds: to_seconds(t),
        cents,
        duplicate,
        profile,
    });
    if rng.random_bool(REFUND_RATE) {
        let refund_at = t + uniform(rng, REFUND_DELAY_MIN_DAYS, REFUND_DELAY_MAX_DAYS);
        // N.B. a refund after the data span is not in the export.
        if refund_at < END_DAY {
            state.orders.push(OrderRow {
                seconds: to_seconds(refund_at),
                cents: -cents,
                duplicate: false,
                profile: CostProfile::Refund,
            });
        }
    }
}

/// The `cost` of a revenue row, in cents, drawn from the cost stream: for an
/// order with margin `m` and mean cost to serve `s`,
/// `(1 − m) · value · U(1 ± GOODS_COST_SPREAD) + s · U(1 ± SERVE_COST_SPREAD)`;
/// for a refund row the handling cost `h · U(1 ± SERVE_COST_SPREAD)`. Never
/// negative; its expectation given the value is `(1 − m) · value + s` (or `h`).
pub(super) fn order_cost(rng: &mut ChaCha8Rng, order: &OrderRow) -> i64 {
    let (margin, serve) = order.profile.parameters();
    let goods = if order.profile == CostProfile::Refund {
        0.0
    } else {
        (1.0 - margin)
            * (order.cents as f64 / 100.0)
            * uniform(rng, 1.0 - GOODS_COST_SPREAD, 1.0 + GOODS_COST_SPREAD)
    };
    let serve = serve * uniform(rng, 1.0 - SERVE_COST_SPREAD, 1.0 + SERVE_COST_SPREAD);
    ((goods + serve) * 100.0).round().max(0.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::CHANNEL_NAMES;
    use crate::simulate::Truth;
    use crate::simulate::tests::{cents_of, read_csv, sim};
    use rand::SeedableRng;
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    use std::fs;

    #[test]
    fn order_costs_carry_the_planted_margin_and_cost_to_serve_of_their_profile() {
        // Per profile (baseline, each channel's incremental orders, refunds):
        // rows, value, cost, and the expected cost given the value.
        #[derive(Default)]
        struct Sums {
            rows: f64,
            value: f64,
            cost: f64,
            expected: f64,
        }
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let mut state = StreamState::new(12);
        let samplers = Samplers::new();
        let mut sums: Vec<Sums> = (0..N_CHANNELS + 2).map(|_| Sums::default()).collect();
        for _ in 0..10_000 {
            let user = draw_user(&mut rng, &mut state);
            draw_orders(&mut rng, &user, &samplers, &mut state);
            for order in &state.orders {
                let cost = order_cost(&mut state.cost_rng, order);
                let value = order.cents.abs() as f64 / 100.0;
                let (margin, serve) = order.profile.parameters();
                let (slot, goods) = match order.profile {
                    CostProfile::Baseline => (0, (1.0 - margin) * value),
                    CostProfile::Incremental(c) => (1 + c, (1.0 - margin) * value),
                    CostProfile::Refund => {
                        assert!(order.cents <= 0);
                        let range = serve * (1.0 - SERVE_COST_SPREAD) * 100.0
                            ..=serve * (1.0 + SERVE_COST_SPREAD) * 100.0;
                        assert!(range.contains(&(cost as f64)), "refund row cost {cost}");
                        (N_CHANNELS + 1, 0.0)
                    }
                };
                assert!(cost >= 0, "{cost}");
                let sum = &mut sums[slot];
                sum.rows += 1.0;
                sum.value += value;
                sum.cost += cost as f64 / 100.0;
                sum.expected += goods + serve;
            }
        }
        let ratio = |slot: usize| sums[slot].cost / sums[slot].value;
        for (slot, sum) in sums.iter().enumerate() {
            let with_orders = slot == 0 || slot > N_CHANNELS || CHANNELS[slot - 1].inc_rate > 0.0;
            assert_eq!(
                sum.rows > 100.0,
                with_orders,
                "profile {slot}: {} rows",
                sum.rows
            );
            if with_orders {
                // The noise has mean 1: total cost ≈ Σ (1 − m) · value + s.
                let relative = sum.cost / sum.expected - 1.0;
                assert!(relative.abs() < 0.02, "profile {slot}: {relative}");
            }
        }
        // Baseline orders keep about a third of their value as profit.
        let baseline = 1.0 - ratio(0);
        assert!(
            (0.25..0.40).contains(&baseline),
            "baseline profit share {baseline}"
        );
        // Affiliate's incremental orders cost more than they bring in; email's
        // and paid search's keep a profit.
        let channel = |name: &str| 1 + CHANNEL_NAMES.iter().position(|&c| c == name).unwrap();
        assert!(
            ratio(channel("affiliate")) > 1.05,
            "{}",
            ratio(channel("affiliate"))
        );
        assert!(
            ratio(channel("email")) < 0.65,
            "{}",
            ratio(channel("email"))
        );
        assert!(
            ratio(channel("paid_search")) < 0.85,
            "{}",
            ratio(channel("paid_search"))
        );
    }

    #[test]
    fn every_revenue_row_has_a_cost_of_at_least_zero() {
        let (dir, _) = sim(1_000, 13);
        let records = read_csv(&dir.path().join("revenue.csv"));
        assert!(!records.is_empty());
        for record in records {
            let cost = &record[4];
            assert!(!cost.is_empty() && !cost.starts_with('-'), "{record:?}");
            let cents = cents_of(cost);
            if record[3].starts_with('-') {
                // A refund row costs the handling of the return.
                let h = REFUND_HANDLING_COST * 100.0;
                let range = h * (1.0 - SERVE_COST_SPREAD)..=h * (1.0 + SERVE_COST_SPREAD);
                assert!(range.contains(&(cents as f64)), "{record:?}");
            } else {
                assert!(cents > 0, "an order has a cost to serve: {record:?}");
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
}
