//! Properties of the whole report, end to end through the binary on small
//! random input files, and attribution conservation in process.
//!
//! Each end-to-end case writes exposures, revenue, spend and finance CSV files
//! into a temporary directory, runs `uplift run --format json` on them and on a
//! transformed copy, and compares the two reports:
//!
//! - attributed + unattributed = all conversions, and their revenue to the
//!   cent, for every model and window; the totals also match what this file
//!   computes from the rows it wrote;
//! - shuffling the rows (and the columns) of every file changes nothing;
//! - multiplying every amount of money by k multiplies every money figure by k
//!   and leaves everything else (p-values, rates, shares, ratios) unchanged;
//! - renaming a channel renames it and changes nothing else;
//! - swapping the exposed and control labels negates the lift (raw and CUPED:
//!   θ is pooled over both groups, so it is symmetric).
//!
//! Rows of one user have distinct timestamps, so that no result depends on
//! the tie-break by file order. Cases are random on every run; a failure
//! prints the minimal failing data set, and `PROPTEST_RNG_SEED=<u64>` fixes
//! the cases. Nothing is written to `proptest-regressions/`.
//!
//! In process, `attribution::reference_run` conserves conversions and revenue for
//! every model, window and setting (1,024 cases). Last, determinism: repeated
//! runs give byte-identical JSON and CSV, and so do `POLARS_MAX_THREADS=1`,
//! a run pinned to one core and the default thread count.

use crate::util::uplift;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use uplift::attribution::{self, Horizon, Model, Params};
use uplift::model::{Exposures, Group, MICROS_PER_DAY, Orders};

/// Cases per end-to-end property (each runs the binary 2–4 times).
const E2E_CASES: u32 = 28;
/// Cases of the in-process conservation property.
const LIB_CASES: u32 = 1024;

fn e2e_config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(E2E_CASES)
    }
}

const MAX_USERS: usize = 16;
const CHANNELS: [&str; 4] = ["email", "paid_search", "social", "tv"];
const EXPOSED_LABELS: [&str; 3] = ["exposed", "treatment", "test"];
const CONTROL_LABELS: [&str; 2] = ["control", "holdout"];
const SEGMENTS: [&str; 3] = ["", "new", "returning"];
/// 2026-01-01T00:00:00Z.
const BASE_MICROS: i64 = 1_767_225_600_000_000;
/// 2026-01-01 as a day number.
const BASE_DAY: i32 = 20_454;
const MINUTE: i64 = 60_000_000;
const MINUTES_PER_DAY: i64 = 1_440;
/// Orders fall in the first `DAYS` days of 2026, touches in the first
/// `TOUCH_DAYS` (so that most users are mature at `as_of`).
const DAYS: i64 = 100;
const TOUCH_DAYS: i64 = 60;
/// Finance periods: the months of 2026 that the rows can fall in.
const MONTHS: [(&str, &str); 4] = [
    ("2026-01-01", "2026-01-31"),
    ("2026-02-01", "2026-02-28"),
    ("2026-03-01", "2026-03-31"),
    ("2026-04-01", "2026-04-30"),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Arm {
    Exposed,
    Control,
}

impl Arm {
    fn other(self) -> Arm {
        match self {
            Arm::Exposed => Arm::Control,
            Arm::Control => Arm::Exposed,
        }
    }
}

/// One exposures row.
#[derive(Debug, Clone)]
struct Touch {
    user: usize,
    channel: usize,
    minute: i64,
    /// Carries the user's arm for the channel (else an organic touch).
    labelled: bool,
    /// Carries the other arm's label (contamination).
    flip: bool,
    /// Which synonym of the label to write.
    synonym: usize,
    segment: usize,
    cost_cents: Option<i64>,
    form: u8,
}

/// One revenue row.
#[derive(Debug, Clone)]
struct Order {
    id: usize,
    user: usize,
    minute: i64,
    cents: i64,
    form: u8,
}

/// A random data set and how to write it.
#[derive(Debug, Clone)]
struct Data {
    channels: Vec<String>,
    /// `arms[user * CHANNELS.len() + channel]`.
    arms: Vec<Option<Arm>>,
    touches: Vec<Touch>,
    orders: Vec<Order>,
    /// (day, channel, cents)
    spend: Vec<(i64, usize, i64)>,
    /// (month, cents)
    finance: Vec<(usize, i64)>,
    windows: Vec<u16>,
    as_of_day: Option<i64>,
    /// Every amount of money is written multiplied by this.
    money: f64,
    /// Exposed and control labels swapped.
    swap: bool,
    /// Column order of each file (a permutation of its columns).
    columns: [Vec<usize>; 4],
}

fn touch() -> impl Strategy<Value = Touch> {
    (
        (
            0..MAX_USERS,
            0..CHANNELS.len(),
            0..TOUCH_DAYS * MINUTES_PER_DAY,
        ),
        (
            prop::bool::weighted(0.85),
            prop::bool::weighted(0.05),
            0..6usize,
        ),
        (
            0..SEGMENTS.len(),
            prop::option::weighted(0.3, 0..500i64),
            0..5u8,
        ),
    )
        .prop_map(
            |((user, channel, minute), (labelled, flip, synonym), (segment, cost_cents, form))| {
                Touch {
                    user,
                    channel,
                    minute,
                    labelled,
                    flip,
                    synonym,
                    segment,
                    cost_cents,
                    form,
                }
            },
        )
}

fn order() -> impl Strategy<Value = Order> {
    let cents = prop_oneof![
        8 => 1..30_000i64,
        1 => Just(0i64),
        1 => -10_000..0i64,
    ];
    (0..MAX_USERS, 0..DAYS * MINUTES_PER_DAY, cents, 0..5u8).prop_map(
        |(user, minute, cents, form)| Order {
            id: 0,
            user,
            minute,
            cents,
            form,
        },
    )
}

fn data() -> impl Strategy<Value = Data> {
    (
        1..=CHANNELS.len(),
        prop::collection::vec(0..5u8, MAX_USERS * CHANNELS.len()),
        prop::collection::vec(touch(), 1..64),
        prop::collection::vec(order(), 1..48),
        prop::collection::vec((0..DAYS, 0..CHANNELS.len(), 0..100_000i64), 0..6),
        prop::collection::vec((0..MONTHS.len(), 0..500_000i64), 0..4),
        prop::sample::subsequence(vec![1u16, 7, 30, 60, 90], 1..=3),
        prop::option::weighted(0.85, DAYS..DAYS + 40),
    )
        .prop_map(
            |(n_channels, arms, mut touches, mut orders, spend, finance, windows, as_of_day)| {
                // Distinct timestamps per user, so that file order never matters.
                let mut seen = HashSet::new();
                for t in &mut touches {
                    t.channel %= n_channels;
                    if t.form == 4 {
                        t.minute -= t.minute % MINUTES_PER_DAY;
                    }
                    while !seen.insert((t.user, t.minute)) {
                        t.minute += 1;
                    }
                }
                let mut seen = HashSet::new();
                for (i, o) in orders.iter_mut().enumerate() {
                    o.id = i;
                    if o.form == 4 {
                        o.minute -= o.minute % MINUTES_PER_DAY;
                    }
                    while !seen.insert((o.user, o.minute)) {
                        o.minute += 1;
                    }
                }
                let mut finance_months = HashSet::new();
                Data {
                    channels: CHANNELS[..n_channels]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    arms: arms
                        .into_iter()
                        .map(|a| match a {
                            0 => None,
                            1 | 2 => Some(Arm::Exposed),
                            _ => Some(Arm::Control),
                        })
                        .collect(),
                    touches,
                    orders,
                    spend: spend
                        .into_iter()
                        .map(|(d, c, s)| (d, c % n_channels, s))
                        .collect(),
                    finance: finance
                        .into_iter()
                        .filter(|(m, _)| finance_months.insert(*m))
                        .collect(),
                    windows,
                    as_of_day,
                    money: 1.0,
                    swap: false,
                    columns: [
                        (0..7).collect(),
                        (0..4).collect(),
                        (0..3).collect(),
                        (0..3).collect(),
                    ],
                }
            },
        )
}

/// A timestamp in one of the accepted forms (all the same instant).
fn timestamp(minute: i64, form: u8) -> String {
    use uplift::io::time::format_timestamp;
    let micros = BASE_MICROS + minute * MINUTE;
    let with_offset = |offset_minutes: i64, suffix: &str| {
        format_timestamp(micros + offset_minutes * MINUTE).replace('Z', suffix)
    };
    match form {
        1 => format_timestamp(micros).replace('T', " ").replace('Z', ""),
        2 => with_offset(330, "+05:30"),
        3 => with_offset(-480, "-08:00"),
        4 if minute % MINUTES_PER_DAY == 0 => format_timestamp(micros)[..10].to_string(),
        _ => format_timestamp(micros),
    }
}

fn date(day: i64) -> String {
    uplift::io::time::format_date(BASE_DAY + i32::try_from(day).unwrap())
}

impl Data {
    /// The label a touch carries in the file (`None`: organic).
    fn arm_of(&self, t: &Touch) -> Option<Arm> {
        let arm = self.arms[t.user * CHANNELS.len() + t.channel]?;
        if !t.labelled {
            return None;
        }
        let arm = if t.flip { arm.other() } else { arm };
        Some(if self.swap { arm.other() } else { arm })
    }

    fn money(&self, cents: i64) -> String {
        // `{}` prints the shortest text that reads back as the same double.
        format!("{}", cents as f64 / 100.0 * self.money)
    }

    fn write(&self, dir: &Path) {
        let exposures = self.touches.iter().map(|t| {
            let group = match self.arm_of(t) {
                None => String::new(),
                Some(Arm::Exposed) => EXPOSED_LABELS[t.synonym % 3].to_string(),
                Some(Arm::Control) => CONTROL_LABELS[t.synonym % 2].to_string(),
            };
            vec![
                format!("u{:02}", t.user),
                self.channels[t.channel].clone(),
                timestamp(t.minute, t.form),
                group,
                SEGMENTS[t.segment].to_string(),
                t.cost_cents.map(|c| self.money(c)).unwrap_or_default(),
                "ignored".to_string(),
            ]
        });
        write_csv(
            &dir.join("exposures.csv"),
            &[
                "user_id",
                "channel",
                "timestamp",
                "group",
                "segment",
                "cost",
                "note",
            ],
            &self.columns[0],
            exposures,
        );
        let revenue = self.orders.iter().map(|o| {
            vec![
                format!("o{}", o.id),
                format!("u{:02}", o.user),
                timestamp(o.minute, o.form),
                self.money(o.cents),
            ]
        });
        write_csv(
            &dir.join("revenue.csv"),
            &["order_id", "user_id", "timestamp", "revenue"],
            &self.columns[1],
            revenue,
        );
        let spend = self
            .spend
            .iter()
            .map(|&(d, c, s)| vec![date(d), self.channels[c].clone(), self.money(s)]);
        write_csv(
            &dir.join("spend.csv"),
            &["date", "channel", "spend"],
            &self.columns[2],
            spend,
        );
        let finance = self.finance.iter().map(|&(m, s)| {
            vec![
                MONTHS[m].0.to_string(),
                MONTHS[m].1.to_string(),
                self.money(s),
            ]
        });
        write_csv(
            &dir.join("finance.csv"),
            &["period_start", "period_end", "revenue"],
            &self.columns[3],
            finance,
        );
    }

    /// Runs `uplift run --format json` on the data written to a new
    /// temporary directory.
    fn report(&self, extra: &[&str]) -> Value {
        let dir = tempfile::tempdir().unwrap();
        self.write(dir.path());
        let mut cmd = uplift();
        cmd.arg("run");
        for f in ["exposures", "revenue", "spend", "finance"] {
            cmd.arg(format!("--{f}"))
                .arg(dir.path().join(format!("{f}.csv")));
        }
        cmd.args(["--format", "json"]);
        for w in &self.windows {
            cmd.args(["--window", &w.to_string()]);
        }
        if let Some(d) = self.as_of_day {
            cmd.args(["--as-of", &date(d)]);
        }
        let out = cmd.args(extra).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        // The paths and the files' hashes differ from copy to copy.
        for file in v["inputs"].as_object_mut().unwrap().values_mut() {
            let file = file.as_object_mut().unwrap();
            file.remove("path");
            file.remove("sha256");
        }
        v
    }

    /// Is the touch a touchpoint (exposed or organic)?
    fn is_touchpoint(&self, t: &Touch) -> bool {
        self.arm_of(t) != Some(Arm::Control)
    }
}

fn write_csv(
    path: &Path,
    header: &[&str],
    columns: &[usize],
    rows: impl Iterator<Item = Vec<String>>,
) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(columns.iter().map(|&i| header[i])).unwrap();
    for row in rows {
        w.write_record(columns.iter().map(|&i| &row[i])).unwrap();
    }
    w.flush().unwrap();
}

/// `a` and `b` are the same report: equal strings, booleans and nulls,
/// numbers within `1e-9` relative plus `floor(path)` absolute.
fn compare(a: &Value, b: &Value, path: &str, floor: &dyn Fn(&str) -> f64) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + floor(path) {
                Ok(())
            } else {
                Err(format!("{path}: {x} != {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: {} != {} items", x.len(), y.len()));
            }
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                compare(x, y, &format!("{path}/{i}"), floor)?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            if kx != ky {
                return Err(format!("{path}: keys {kx:?} != {ky:?}"));
            }
            for (k, v) in x {
                compare(v, &y[k], &format!("{path}/{k}"), floor)?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

fn tight(_: &str) -> f64 {
    1e-9
}

/// Figures in units of money (they scale with the input amounts), by their
/// key, or by their parent's key for the estimates of a money quantity. A
/// money figure added to the report later must be added here, or the scaling
/// property fails on it.
fn is_money(path: &str) -> bool {
    const MONEY_KEYS: [&str; 19] = [
        "revenue",
        "revenue_per_user",
        "spend",
        "icac",
        "cac",
        "gap",
        "refunds",
        "net_revenue",
        "export_revenue",
        "finance_revenue",
        "unattributed_revenue",
        "incremental_total",
        "baseline_revenue",
        "amount",
        "attributed_revenue",
        "attributed_revenue_test",
        "calibrated_revenue",
        "incremental_revenue",
        // The plan's effect per user (status).
        "effect",
    ];
    const MONEY_ESTIMATES: [&str; 5] = [
        "revenue_per_user_lift",
        "revenue_per_user_lift_raw",
        "incremental_revenue",
        "bootstrap",
        // The pre-period balance's difference of means.
        "balance",
    ];
    if path.starts_with("/config/") {
        return false;
    }
    let mut keys = path.rsplit('/');
    let key = keys.next().unwrap_or_default();
    let parent = keys.next().unwrap_or_default();
    MONEY_KEYS.contains(&key)
        || (MONEY_ESTIMATES.contains(&parent)
            && ["estimate", "difference", "ci_low", "ci_high"].contains(&key))
}

/// Multiplies every money figure of `v` by `k`.
fn scale_money(v: &mut Value, k: f64, path: &str) {
    match v {
        Value::Number(n) if is_money(path) => {
            *v = serde_json::json!(n.as_f64().unwrap() * k);
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                scale_money(x, k, &format!("{path}/{i}"));
            }
        }
        Value::Object(o) => {
            for (key, x) in o.iter_mut() {
                scale_money(x, k, &format!("{path}/{key}"));
            }
        }
        _ => {}
    }
}

/// Blanks the decimal numbers (amounts of money, `{:.2}`) in the warnings'
/// messages; counts, dates and words stay.
fn blank_amounts(v: &mut Value) {
    for w in v["warnings"].as_array_mut().unwrap() {
        let m = w["message"].as_str().unwrap();
        let mut out = String::new();
        let mut token = String::new();
        for c in m.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() || c == '.' || c == '-' {
                token.push(c);
                continue;
            }
            let amount = token.contains('.') && token.chars().any(|c| c.is_ascii_digit());
            out.push_str(if amount { "#" } else { &token });
            token.clear();
            out.push(c);
        }
        w["message"] = Value::String(out);
    }
}

/// Sorts every array of rows that name a channel by (window, segment,
/// model, channel), and the warnings by (code, message), so that reports
/// whose rows come in another order compare equal.
fn sort_channel_rows(v: &mut Value) {
    match v {
        Value::Array(a) => {
            for x in a.iter_mut() {
                sort_channel_rows(x);
            }
            if a.iter().all(|r| r.get("channel").is_some()) {
                a.sort_by_key(|r| {
                    ["window_days", "segment", "model", "channel"]
                        .map(|k| r.get(k).map(Value::to_string).unwrap_or_default())
                });
            }
        }
        Value::Object(o) => {
            for x in o.values_mut() {
                sort_channel_rows(x);
            }
        }
        _ => {}
    }
    if let Some(w) = v.get_mut("warnings").and_then(Value::as_array_mut) {
        w.sort_by_key(|w| (w["code"].to_string(), w["message"].to_string()));
    }
}

/// Renames channel `old` to `new` everywhere in a report: every string equal
/// to `old`, and `old` as a word in the warnings' messages.
fn rename_channel(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::String(s) if s == old => *s = new.to_string(),
        Value::Array(a) => a.iter_mut().for_each(|x| rename_channel(x, old, new)),
        Value::Object(o) => o.values_mut().for_each(|x| rename_channel(x, old, new)),
        _ => {}
    }
    for w in v
        .get_mut("warnings")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let m = replace_word(w["message"].as_str().unwrap(), old, new);
        w["message"] = Value::String(m);
    }
}

/// The words of each warning's message, sorted: a message that lists
/// channels lists them in name order, which a rename can change.
fn sort_message_words(v: &mut Value) {
    for w in v["warnings"].as_array_mut().unwrap() {
        let mut words: Vec<String> = w["message"]
            .as_str()
            .unwrap()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        words.sort();
        w["message"] = Value::String(words.join(" "));
    }
}

/// Replaces `word` where it is not part of a longer identifier.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        let whole = !ident(before) && !ident(after);
        out.push_str(if whole { with } else { word });
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

/// Checks the attribution identities of `report` against the rows of `data`.
fn check_conservation(report: &Value, data: &Data) -> Result<(), TestCaseError> {
    let conversions: Vec<&Order> = data.orders.iter().filter(|o| o.cents >= 0).collect();
    let revenue_cents: i64 = conversions.iter().map(|o| o.cents).sum();
    let refund_cents: i64 = data
        .orders
        .iter()
        .filter(|o| o.cents < 0)
        .map(|o| o.cents)
        .sum();
    let totals = report["attribution_totals"].as_array().unwrap();
    let mut windows = data.windows.clone();
    windows.sort_unstable();
    prop_assert_eq!(totals.len(), windows.len());
    for (t, &w) in totals.iter().zip(&windows) {
        prop_assert_eq!(t["window_days"].as_u64(), Some(u64::from(w)));
        // The oracle: an order is attributed when its user has a touchpoint
        // in [order − W days, order].
        let unattributed: Vec<&&Order> = conversions
            .iter()
            .filter(|o| {
                !data.touches.iter().any(|t| {
                    t.user == o.user
                        && data.is_touchpoint(t)
                        && t.minute <= o.minute
                        && o.minute - t.minute <= i64::from(w) * MINUTES_PER_DAY
                })
            })
            .collect();
        let un_cents: i64 = unattributed.iter().map(|o| o.cents).sum();
        let n = conversions.len() as f64;
        let total_rev = revenue_cents as f64 / 100.0;
        let un_rev = un_cents as f64 / 100.0;
        let cent = |a: f64, b: f64| (a - b).abs() < 0.005;
        prop_assert_eq!(t["conversions"].as_f64(), Some(n));
        prop_assert_eq!(
            t["unattributed_conversions"].as_f64(),
            Some(unattributed.len() as f64)
        );
        prop_assert!(cent(t["revenue"].as_f64().unwrap(), total_rev), "{t}");
        prop_assert!(
            cent(t["unattributed_revenue"].as_f64().unwrap(), un_rev),
            "{t}"
        );
        prop_assert!(
            cent(t["refunds"].as_f64().unwrap(), refund_cents as f64 / 100.0),
            "{t}"
        );
        prop_assert!(
            cent(
                t["net_revenue"].as_f64().unwrap(),
                (revenue_cents + refund_cents) as f64 / 100.0
            ),
            "{t}"
        );
        for model in Model::ALL {
            let rows: Vec<&Value> = report["attribution"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["window_days"] == w && r["model"] == model.name())
                .collect();
            let c: f64 = rows
                .iter()
                .map(|r| r["conversions"].as_f64().unwrap())
                .sum();
            let r: f64 = rows.iter().map(|r| r["revenue"].as_f64().unwrap()).sum();
            let attributed = n - unattributed.len() as f64;
            prop_assert!(
                (c - attributed).abs() <= 1e-9 * n.max(1.0),
                "{model} W={w}: {c} credited conversions, {attributed} attributed"
            );
            prop_assert!(
                cent(r, total_rev - un_rev),
                "{model} W={w}: {r} credited revenue, {} attributed",
                total_rev - un_rev
            );
            if attributed > 0.0 {
                let shares: f64 = rows.iter().map(|r| r["share"].as_f64().unwrap()).sum();
                prop_assert!(
                    (shares - 1.0).abs() < 1e-9,
                    "{model} W={w}: shares {shares}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(e2e_config())]

    #[test]
    fn attributed_plus_unattributed_is_every_conversion_to_the_cent(d in data()) {
        let report = d.report(&[]);
        check_conservation(&report, &d)?;
    }

    #[test]
    fn shuffling_rows_and_columns_changes_nothing(
        d in data(),
        seed in any::<u64>(),
    ) {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let base = d.report(&[]);
        let mut s = d.clone();
        s.touches.shuffle(&mut rng);
        s.orders.shuffle(&mut rng);
        s.spend.shuffle(&mut rng);
        s.finance.shuffle(&mut rng);
        for c in &mut s.columns {
            c.shuffle(&mut rng);
        }
        let shuffled = s.report(&[]);
        compare(&base, &shuffled, "", &tight).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn scaling_money_by_k_scales_every_money_figure_and_nothing_else(
        d in data(),
        // Whole multiples: the report rounds some sums to the cent (export
        // revenue, gaps), and k·round(x) = round(k·x) only on the cent grid.
        k in prop::sample::select(vec![2.0, 3.0, 7.0, 10.0, 1000.0]),
    ) {
        let mut base = d.report(&[]);
        let mut s = d.clone();
        s.money = k;
        let mut scaled = s.report(&[]);
        scale_money(&mut base, k, "");
        blank_amounts(&mut base);
        blank_amounts(&mut scaled);
        // Money figures are compared relative to their own unit.
        let floor = |path: &str| if is_money(path) { 1e-9 * k } else { 1e-9 };
        compare(&base, &scaled, "", &floor).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn renaming_a_channel_renames_it_and_changes_nothing_else(
        d in data(),
        which in 0..CHANNELS.len(),
        new_name in prop_oneof![
            Just("zz".to_string()),
            Just("Ads, \"Brand\"".to_string()),
            Just("ñandú".to_string()),
            "[A-Za-z][A-Za-z0-9_ .,é-]{0,10}[A-Za-z0-9]",
        ],
    ) {
        let which = which % d.channels.len();
        prop_assume!(!CHANNELS.contains(&new_name.as_str()));
        let old = d.channels[which].clone();
        let mut base = d.report(&[]);
        let mut r = d.clone();
        r.channels[which] = new_name.clone();
        let mut renamed = r.report(&[]);
        rename_channel(&mut base, &old, &new_name);
        for v in [&mut base, &mut renamed] {
            sort_message_words(v);
            sort_channel_rows(v);
        }
        compare(&base, &renamed, "", &tight).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn swapping_exposed_and_control_negates_the_lift(d in data()) {
        let mut s = d.clone();
        s.swap = true;
        for extra in [&["--no-cuped"][..], &[][..]] {
            let base = d.report(extra);
            let swapped = s.report(extra);
            check_negated(&base, &swapped).map_err(TestCaseError::fail)?;
        }
    }
}

/// `b` is `a` with the arms swapped: the arms trade places, every lift
/// estimate changes sign (a CI `[lo, hi]` becomes `[−hi, −lo]`) and every
/// p-value, CUPED θ and variance reduction stays.
fn check_negated(a: &Value, b: &Value) -> Result<(), String> {
    compare(&a["as_of"], &b["as_of"], "/as_of", &tight)?;
    compare(
        &a["reconciliation"],
        &b["reconciliation"],
        "/reconciliation",
        &tight,
    )?;
    let (ra, rb) = (a["lift"].as_array().unwrap(), b["lift"].as_array().unwrap());
    if ra.len() != rb.len() {
        return Err(format!("{} lift rows != {}", ra.len(), rb.len()));
    }
    for (i, (x, y)) in ra.iter().zip(rb).enumerate() {
        let at = |k: &str| format!("/lift/{i}/{k}");
        for key in [
            "channel",
            "segment",
            "window_days",
            "excluded",
            "cuped",
            "srm",
        ] {
            compare(&x[key], &y[key], &at(key), &tight)?;
        }
        compare(&x["exposed"], &y["control"], &at("exposed"), &tight)?;
        compare(&x["control"], &y["exposed"], &at("control"), &tight)?;
        for key in [
            "revenue_per_user_lift",
            "revenue_per_user_lift_raw",
            "conversion_rate_lift",
        ] {
            let (ex, ey) = (&x[key], &y[key]);
            let neg = |v: &Value| {
                v.as_f64()
                    .map(|f| serde_json::json!(-f))
                    .unwrap_or(Value::Null)
            };
            compare(&ex["estimate"], &neg(&ey["estimate"]), &at(key), &tight)?;
            compare(&ex["ci_low"], &neg(&ey["ci_high"]), &at(key), &tight)?;
            compare(&ex["ci_high"], &neg(&ey["ci_low"]), &at(key), &tight)?;
            compare(&ex["p_value"], &ey["p_value"], &at(key), &tight)?;
            compare(&ex["p_value_holm"], &ey["p_value_holm"], &at(key), &tight)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// In process: conservation for every model, window and setting.

/// (user, channel, time, group) touches, (user, time, revenue) orders.
type LibCase = (Vec<(u32, u16, i64, Group)>, Vec<(u32, i64, f64)>);

fn lib_case(n_channels: u16) -> impl Strategy<Value = LibCase> {
    let group = prop_oneof![
        Just(Group::Exposed),
        Just(Group::Control),
        Just(Group::Organic)
    ];
    // Hours, so that ties (same user, same time) happen and keep file order.
    let ts = (0..120 * 24i64).prop_map(|h| BASE_MICROS + h * 3_600_000_000);
    let touches = prop::collection::vec((0..8u32, 0..n_channels, ts.clone(), group), 0..60);
    let revenue = prop_oneof![
        8 => (0..10_000_000i64).prop_map(|c| c as f64 / 100.0),
        1 => Just(0.0),
        1 => (-100_000..0i64).prop_map(|c| c as f64 / 100.0),
    ];
    let orders = prop::collection::vec((0..10u32, ts, revenue), 0..60);
    (touches, orders)
}

fn params() -> impl Strategy<Value = Params> {
    let horizon = prop_oneof![
        Just(Horizon::Auto),
        Just(Horizon::Infinite),
        (1..6usize).prop_map(Horizon::Steps),
    ];
    (0.1..60.0f64, 0.0..0.5f64, 0.0..0.5f64, 1..=3usize, horizon).prop_map(
        |(half_life_days, first, last, markov_order, markov_horizon)| Params {
            half_life_days,
            position_first: first.max(0.01),
            position_last: last,
            markov_order,
            markov_horizon,
            ..Params::default()
        },
    )
}

/// Builds the sorted columnar data `io` would hand over.
fn columnar(case: &LibCase) -> (Exposures, Orders) {
    let (touches, orders) = case;
    let mut idx: Vec<usize> = (0..touches.len()).collect();
    idx.sort_by_key(|&i| (touches[i].0, touches[i].2, i));
    let mut ex = Exposures::default();
    for i in idx {
        let (user, channel, ts, group) = touches[i];
        ex.user.push(user);
        ex.channel.push(channel);
        ex.ts.push(ts);
        ex.group.push(group);
        ex.cost.push(0.0);
        ex.campaign.push(u32::MAX);
        ex.row.push(u32::try_from(i).unwrap());
    }
    let mut idx: Vec<usize> = (0..orders.len()).collect();
    idx.sort_by_key(|&i| (orders[i].0, orders[i].1, i));
    let mut or = Orders::default();
    for i in idx {
        let (user, ts, revenue) = orders[i];
        or.user.push(user);
        or.ts.push(ts);
        or.revenue.push(revenue);
        or.row.push(u32::try_from(i).unwrap());
    }
    (ex, or)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(LIB_CASES)
    })]

    #[test]
    fn run_all_conserves_conversions_and_revenue_for_every_model_and_window(
        (n_channels, case) in (1..=5u16).prop_flat_map(|n| (Just(n), lib_case(n))),
        windows in prop::sample::subsequence(vec![1u16, 7, 30, 60, 90, 365], 1..=4),
        params in params(),
    ) {
        prop_assert!(params.validate().is_ok(), "{params:?}");
        let (ex, orders) = columnar(&case);
        let result = attribution::reference_run(
            &ex,
            &orders,
            usize::from(n_channels),
            &windows,
            &Model::ALL,
            &params,
        );
        prop_assert_eq!(result.len(), windows.len());
        let (touches, raw_orders) = &case;
        for wa in &result {
            let w = i64::from(wa.window_days);
            let t = wa.totals;
            // The oracle, straight from the contract.
            let conversions: Vec<&(u32, i64, f64)> =
                raw_orders.iter().filter(|o| o.2 >= 0.0).collect();
            let unattributed: Vec<&&(u32, i64, f64)> = conversions
                .iter()
                .filter(|o| {
                    !touches.iter().any(|tp| {
                        tp.0 == o.0
                            && tp.3 != Group::Control
                            && tp.2 <= o.1
                            && o.1 - tp.2 <= w * MICROS_PER_DAY
                    })
                })
                .collect();
            let sum = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>();
            let revenue = sum(&mut conversions.iter().map(|o| o.2));
            let un_revenue = sum(&mut unattributed.iter().map(|o| o.2));
            let refunds = sum(&mut raw_orders.iter().filter(|o| o.2 < 0.0).map(|o| o.2));
            let cent = |a: f64, b: f64| (a - b).abs() < 0.005;
            prop_assert_eq!(t.conversions, conversions.len() as u64);
            prop_assert_eq!(t.unattributed_conversions, unattributed.len() as u64);
            prop_assert!(cent(t.revenue, revenue), "{} != {revenue}", t.revenue);
            prop_assert!(cent(t.unattributed_revenue, un_revenue));
            prop_assert!(cent(t.refunds, refunds));
            prop_assert!(cent(t.net_revenue, revenue + refunds));
            prop_assert_eq!(wa.models.len(), Model::ALL.len());
            for m in &wa.models {
                let c: f64 = m.credits.iter().map(|c| c.conversions).sum();
                let r: f64 = m.credits.iter().map(|c| c.revenue).sum();
                for credit in &m.credits {
                    prop_assert!(
                        credit.conversions.is_finite() && credit.revenue.is_finite(),
                        "{:?} W={w}: {credit:?}", m.model
                    );
                    prop_assert!(
                        credit.conversions >= -1e-9,
                        "{:?} W={w}: negative credit {credit:?}", m.model
                    );
                    prop_assert!(usize::from(credit.channel) < usize::from(n_channels));
                }
                prop_assert!(
                    (c + t.unattributed_conversions as f64 - t.conversions as f64).abs()
                        <= 1e-9 * (t.conversions as f64).max(1.0),
                    "{:?} W={w}: {c} + {} != {}", m.model, t.unattributed_conversions, t.conversions
                );
                prop_assert!(
                    cent(r + t.unattributed_revenue, t.revenue),
                    "{:?} W={w}: {r} + {} != {}", m.model, t.unattributed_revenue, t.revenue
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Determinism: the same input gives the same bytes, whatever the run and
// however many threads polars uses.

/// `uplift run` on `files` (flag, path) with `extra`, in `format`; the
/// environment variable `threads` sets `POLARS_MAX_THREADS` when given.
fn report_bytes(
    files: &[(&str, &Path)],
    extra: &[&str],
    format: &str,
    threads: Option<&str>,
) -> Vec<u8> {
    let mut cmd = uplift();
    cmd.arg("run");
    for (flag, path) in files {
        cmd.arg(flag).arg(path);
    }
    cmd.args(extra).args(["--format", format]);
    match threads {
        Some(n) => cmd.env("POLARS_MAX_THREADS", n),
        None => cmd.env_remove("POLARS_MAX_THREADS"),
    };
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    out.stdout
}

#[test]
fn repeated_runs_give_byte_identical_json_and_csv_reports() {
    let tiny = Path::new("testdata/tiny");
    let (ex, rev, spend, fin, cfg) = (
        tiny.join("exposures.csv"),
        tiny.join("revenue.csv"),
        tiny.join("spend.csv"),
        tiny.join("finance.csv"),
        tiny.join("uplift.toml"),
    );
    let files = [
        ("--exposures", ex.as_path()),
        ("--revenue", rev.as_path()),
        ("--spend", spend.as_path()),
        ("--finance", fin.as_path()),
        ("--config", cfg.as_path()),
    ];
    let extra = [
        "--window",
        "7",
        "--window",
        "30",
        "--window",
        "60",
        "--bootstrap",
        "200",
        "--seed",
        "9",
    ];
    for format in ["json", "csv"] {
        let first = report_bytes(&files, &extra, format, None);
        for _ in 0..2 {
            assert!(
                first == report_bytes(&files, &extra, format, None),
                "{format}: two runs differ"
            );
        }
    }
}

#[test]
fn reports_do_not_depend_on_the_number_of_polars_threads() {
    // A few MB of simulated exports, so that polars reads them in chunks.
    let dir = tempfile::tempdir().unwrap();
    uplift()
        .args(["simulate", "--users", "3000", "--seed", "11", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    let path = |f: &str| dir.path().join(f);
    let (ex, rev, spend, fin, cfg) = (
        path("exposures.csv"),
        path("revenue.csv"),
        path("spend.csv"),
        path("finance.csv"),
        path("uplift.toml"),
    );
    let files = [
        ("--exposures", ex.as_path()),
        ("--revenue", rev.as_path()),
        ("--spend", spend.as_path()),
        ("--finance", fin.as_path()),
        ("--config", cfg.as_path()),
    ];
    let extra = ["--bootstrap", "20", "--seed", "4"];
    for format in ["json", "csv"] {
        let one = report_bytes(&files, &extra, format, Some("1"));
        let default = report_bytes(&files, &extra, format, None);
        assert!(
            one == default,
            "{format}: POLARS_MAX_THREADS=1 and the default thread count give different reports"
        );
        // On one core, every stage of uplift's own (blocks of the files,
        // lift channels, windows, runs of paths) takes one thread.
        if let Some(pinned) = report_bytes_on_one_core(&files, &extra, format) {
            assert!(
                pinned == default,
                "{format}: one core and every core give different reports"
            );
        }
    }
}

/// [`report_bytes`] of a run pinned to one processor with `taskset`
/// (`None` where `taskset` is missing or may not pin).
fn report_bytes_on_one_core(
    files: &[(&str, &Path)],
    extra: &[&str],
    format: &str,
) -> Option<Vec<u8>> {
    let bin = assert_cmd::cargo::cargo_bin("uplift");
    let mut cmd = std::process::Command::new("taskset");
    cmd.args(["-c", "0"]).arg(bin).arg("run");
    for (flag, path) in files {
        cmd.arg(flag).arg(path);
    }
    cmd.args(extra).args(["--format", format]);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    let out = cmd.output().ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && !stderr.contains("uplift") {
        eprintln!("taskset could not pin the run (skipped): {stderr}");
        return None;
    }
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    Some(out.stdout)
}

/// The report lists the reconciliation periods by date, whatever the order
/// of the finance file's rows. (They used to come out in file order, which
/// the shuffling property found.)
#[test]
fn reconciliation_periods_come_out_by_date_whatever_the_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let forward = "period_start,period_end,revenue\n\
                   2026-01-01,2026-01-31,402.00\n\
                   2026-02-01,2026-02-28,40.00\n";
    let backward = "period_start,period_end,revenue\n\
                    2026-02-01,2026-02-28,40.00\n\
                    2026-01-01,2026-01-31,402.00\n";
    let mut reports = Vec::new();
    for (name, text) in [("forward.csv", forward), ("backward.csv", backward)] {
        let fin = dir.path().join(name);
        std::fs::write(&fin, text).unwrap();
        let out = uplift()
            .args([
                "run",
                "--exposures",
                "testdata/tiny/exposures.csv",
                "--revenue",
                "testdata/tiny/revenue.csv",
                "--format",
                "json",
                "--finance",
            ])
            .arg(&fin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        reports.push(v["reconciliation"].clone());
    }
    assert_eq!(reports[0], reports[1]);
}
