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
//! noise), so the same seed gives byte-identical files on every machine. The
//! `cost` column of `revenue.csv` alone comes from a second stream of the same
//! seed (stream 1), drawn row by row as the rows are written, so that it
//! changes no other value. Rows are
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
//! **Costs.** Every revenue row has a `cost` (the contract's cost of goods and
//! cost to serve). An order carries the margin `m` and the mean cost to serve
//! `s` of whoever caused it: a baseline order (with any value uplift added to
//! it) the baseline profile `m₀ = 0.45, s₀ = 6`, an incremental order of
//! channel `c` that channel's `m_c, s_c`. Its cost is
//! `(1 − m) · value · U(0.8, 1.2) + s · U(0.5, 1.5)`; a refund row's cost is the
//! handling of the return, `h · U(0.5, 1.5)` with `h = 4`. So an order's
//! expected profit is `m · value − s`, and a refund row's `−(value + h)`.
//!
//! | incremental orders of | `m_c` | `s_c` | `m_c μ_c − s_c` |
//! |---|---|---|---|
//! | email       | 0.55 |  5.00 | 17.00 |
//! | paid_search | 0.35 |  7.00 | 12.25 |
//! | social      | 0.45 |  6.50 | 13.75 |
//! | affiliate   | 0.15 | 12.00 | −6.00 |
//!
//! Affiliate's incremental orders are coupon and cashback orders, discounted
//! small baskets with a commission and shipping per order: they add revenue
//! but lose money, so affiliate wins on revenue and loses on profit (with
//! 20,000 users about +10.3 revenue and −1.7 profit per exposed user in 30
//! days), while email wins on both. Push's lost baseline orders lose their
//! profit too; display has no effect on either.
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
//! The profit `P_i(x)` is `R_i(x)` with each order's profit in place of its
//! value: with `r(t) = w(t) − 1[t0 ≤ t < t0 + W]` (minus the chance that the
//! order's refund row lands in the window),
//!
//! ```text
//! P_i(x) = ∫ λ_i θ_x(t) [v_i(t) (m₀ 1[·] + r(t)) + h r(t) − s₀ 1[·]] dt
//!        + Σ_k ∫ α_k ρ_i exp(−(t − t0_k)/τ_k) [μ_k (m_k 1[·] + r(t)) + h r(t) − s_k 1[·]] dt
//! ```
//!
//! (`v_i(t)` the baseline order value with its uplifts, `1[·] = 1[t0 ≤ t < t0 + W]`),
//! and `truth.json` reports beside the revenue numbers
//!
//! ```text
//! incremental_profit_per_exposed_user = mean_i [P_i(exposed) − P_i(control)]
//! control_profit_per_user             = mean_i P_i(control)
//! ```
//!
//! These are the expectations of the contract's `revenue_per_user_lift`,
//! `conversion_rate_lift` and `profit_per_user_lift` (assignment is randomized
//! independently per channel, so the other channels' effects cancel between
//! the arms).
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
//!
//! # Layout
//!
//! [`generate`] (here) runs the stream; `spec` holds the planted constants
//! and channel table, `draw` the user-by-user draws, `write` the files'
//! rows, and `truth` the schema of `truth.json` and the exact expectations
//! behind it.

mod draw;
mod spec;
mod truth;
mod write;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use spec::{CHANNEL_NAMES, EffectKind};
pub use truth::{
    ChannelTruth, CostTruth, FinanceTruth, PlantedEffect, TRUTH_WINDOWS, Truth, WindowTruth,
};

use draw::{OrderRow, Samplers, Touch, draw_orders, draw_touches, draw_user};
use spec::{COST_STREAM, MONTHS, N_CHANNELS, SPAN_DAYS};
use truth::{TruthSums, accumulate_truth, build_truth};
use write::{
    Calendar, Sink, io_error, write_config, write_finance, write_orders, write_spend, write_touches,
};

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
    let samplers = Samplers::new();
    let mismatch_month = rng.random_range(0..MONTHS);

    let mut files = Vec::new();
    let exposures_path = out_dir.join("exposures.csv");
    let revenue_path = out_dir.join("revenue.csv");
    let mut exposures = Sink::create(
        exposures_path.clone(),
        "user_id,channel,timestamp,group,campaign,segment,cost",
    )?;
    let mut revenue = Sink::create(
        revenue_path.clone(),
        "order_id,user_id,timestamp,revenue,cost",
    )?;

    let mut state = StreamState::new(opts.seed);

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
    /// The second stream, of the revenue rows' `cost` only.
    cost_rng: ChaCha8Rng,
}

impl StreamState {
    fn new(seed: u64) -> StreamState {
        let mut cost_rng = ChaCha8Rng::seed_from_u64(seed);
        cost_rng.set_stream(COST_STREAM);
        StreamState {
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
            cost_rng,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    pub(super) fn sim(users: usize, seed: u64) -> (tempfile::TempDir, SimSummary) {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&SimOptions { users, seed }, dir.path()).unwrap();
        (dir, summary)
    }

    pub(super) fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_path(path).unwrap();
        reader.records().map(|r| r.unwrap()).collect()
    }

    pub(super) fn cents_of(text: &str) -> i64 {
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
            "order_id,user_id,timestamp,revenue,cost"
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
    fn zero_users_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = generate(&SimOptions { users: 0, seed: 1 }, dir.path()).unwrap_err();
        assert!(matches!(err, SimError::NoUsers));
    }
}
