//! `uplift attribute` on hand-worked paths and on simulated data.

use crate::util::{assert_close, f, json};
use serde_json::Value;

const TINY: [&str; 5] = [
    "attribute",
    "--exposures",
    "testdata/tiny/exposures.csv",
    "--revenue",
    "testdata/tiny/revenue.csv",
];

fn credit<'a>(r: &'a Value, model: &str, channel: &str) -> &'a Value {
    r["attribution"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["model"] == model && a["channel"] == channel)
        .unwrap_or_else(|| panic!("no {model} {channel}"))
}

#[test]
fn tiny_paths_are_credited_as_worked_by_hand() {
    // Attributed conversions (30-day lookback, control rows are not touches):
    //   u01 50: email > social      u02 30: email > social
    //   u03  0: email               u07 60: email
    //   u08 80: social              u10 45: social      u12 99: social
    // Unattributed: 20 + 10 + 15 + 25 + 40 + 35 + 12 + 70 = 227 (8 orders).
    let r = json(&[&TINY[..], &["--format", "json"]].concat());
    let totals = &r["attribution_totals"][0];
    assert_eq!(totals["conversions"], 15);
    assert_eq!(totals["unattributed_conversions"], 8);
    assert_close(f(totals, "/unattributed_revenue"), 227.0);
    assert_close(f(totals, "/revenue"), 591.0);
    assert_close(f(totals, "/refunds"), -45.0);
    assert_close(f(totals, "/net_revenue"), 546.0);
    let cases = [
        ("first_touch", "email", 4.0, 140.0),
        ("first_touch", "social", 3.0, 224.0),
        ("last_touch", "email", 2.0, 60.0),
        ("last_touch", "social", 5.0, 304.0),
        ("linear", "email", 3.0, 100.0),
        ("linear", "social", 4.0, 264.0),
        ("position_based", "email", 3.0, 100.0),
        ("shapley", "social", 4.0, 264.0),
        // Markov: RE_email = 1 − (3/7)/1 = 4/7, RE_social = 1 − (2/7)/1 = 5/7,
        // so email gets 4/9 of the 7 conversions.
        ("markov", "email", 7.0 * 4.0 / 9.0, f64::NAN),
    ];
    for (model, channel, conv, rev) in cases {
        let c = credit(&r, model, channel);
        assert_close(f(c, "/conversions"), conv);
        if !rev.is_nan() {
            assert_close(f(c, "/revenue"), rev);
        }
    }
    assert_close(f(credit(&r, "last_touch", "email"), "/share"), 2.0 / 7.0);
}

#[test]
fn attributed_plus_unattributed_is_every_conversion_for_every_model_and_window() {
    let r = json(&[
        "attribute",
        "--exposures",
        "testdata/sim/exposures.csv.gz",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--window",
        "30",
        "--window",
        "90",
        "--format",
        "json",
    ]);
    let rows = r["attribution"].as_array().unwrap();
    for t in r["attribution_totals"].as_array().unwrap() {
        let w = &t["window_days"];
        for model in [
            "first_touch",
            "last_touch",
            "linear",
            "time_decay",
            "position_based",
            "markov",
            "shapley",
        ] {
            let of_model = rows
                .iter()
                .filter(|a| &a["window_days"] == w && a["model"] == model);
            let (conv, rev, share) = of_model.fold((0.0, 0.0, 0.0), |(c, r, s), a| {
                (
                    c + f(a, "/conversions"),
                    r + f(a, "/revenue"),
                    s + f(a, "/share"),
                )
            });
            let all = t["conversions"].as_u64().unwrap() as f64;
            let un = t["unattributed_conversions"].as_u64().unwrap() as f64;
            assert!(
                (conv + un - all).abs() < 1e-6,
                "{model} {w}: {conv} + {un} != {all}"
            );
            assert!(
                (rev + f(t, "/unattributed_revenue") - f(t, "/revenue")).abs() < 0.005,
                "{model} {w}: revenue does not add up to the cent"
            );
            assert!(
                (share - 1.0).abs() < 1e-9,
                "{model} {w}: shares sum to {share}"
            );
        }
        assert!((f(t, "/revenue") + f(t, "/refunds") - f(t, "/net_revenue")).abs() < 0.005);
    }
}

#[test]
fn explain_markov_writes_the_chain() {
    let r = json(&[&TINY[..], &["--format", "json", "--explain", "markov"]].concat());
    let chain = &r["markov"][0];
    assert_eq!(chain["order"], 1);
    assert_eq!(chain["horizon"], 3, "longest collapsed path (2) + 1");
    let t = chain["transitions"].as_array().unwrap();
    let p = |from: &str, to: &str| {
        t.iter()
            .find(|x| x["from"] == from && x["to"] == to)
            .map(|x| f(x, "/probability"))
            .unwrap()
    };
    assert_close(p("(start)", "email"), 4.0 / 7.0);
    assert_close(p("email", "social"), 0.5);
    assert_close(p("social", "(conversion)"), 1.0);
    let re = chain["removal_effects"].as_array().unwrap();
    assert_close(f(&re[0], "/removal_effect"), 4.0 / 7.0);
    assert_close(f(&re[1], "/removal_effect"), 5.0 / 7.0);
}

#[test]
fn run_calibrates_each_model_by_the_experiment() {
    let r = json(&[
        "run",
        "--exposures",
        "testdata/sim/exposures.csv.gz",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--format",
        "json",
    ]);
    let cal = r["calibration"].as_array().unwrap();
    assert_eq!(cal.len(), 6 * 7, "6 channels with a holdout × 7 models");
    for c in cal {
        let factor = f(c, "/factor");
        assert_close(
            factor * f(c, "/attributed_revenue_test"),
            f(c, "/incremental_revenue"),
        );
        assert_close(
            f(c, "/calibrated_revenue"),
            factor * f(c, "/attributed_revenue"),
        );
    }
}

/// Display and retargeting: `users` users with `touches` impressions each
/// over `channels` channels within 28 days, every other one buying once
/// at the end (the shape of benches/long_paths.py, smaller).
fn long_paths(dir: &std::path::Path, users: usize, touches: usize, channels: usize) {
    use std::fmt::Write as _;
    let mut ex = String::from("user_id,channel,timestamp\n");
    let mut rv = String::from("order_id,user_id,timestamp,revenue\n");
    let mut x: u64 = 42;
    let mut next = || {
        // xorshift64*: the same file on every machine.
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11
    };
    for u in 0..users {
        for i in 0..touches {
            let secs = i * (28 * 86_400 / touches);
            let c = next() as usize % channels;
            let _ = writeln!(
                ex,
                "u{u},ch{c:03},2026-03-{:02}T{:02}:{:02}:{:02}Z",
                2 + secs / 86_400,
                secs / 3600 % 24,
                secs / 60 % 60,
                secs % 60
            );
        }
        if u % 2 == 0 {
            let _ = writeln!(rv, "o{u},u{u},2026-03-30T12:00:00Z,{}.50", 10 + u % 90);
        }
    }
    std::fs::write(dir.join("exposures.csv"), ex).unwrap();
    std::fs::write(dir.join("revenue.csv"), rv).unwrap();
}

#[test]
fn markov_on_long_paths_is_refused_before_the_solve_when_over_the_work_limit() {
    let tmp = tempfile::tempdir().unwrap();
    long_paths(tmp.path(), 40, 200, 30);
    let e = tmp.path().join("exposures.csv").display().to_string();
    let r = tmp.path().join("revenue.csv").display().to_string();
    let base = [
        "attribute",
        "--exposures",
        &e,
        "--revenue",
        &r,
        "--model",
        "markov",
        "--format",
        "json",
    ];
    // Order 3: 30 channels, 200 touches a path (198 states), 31 walks of 199 steps.
    let refused = crate::util::uplift()
        .args(base)
        .args(["--markov-order", "3", "--markov-work-limit", "1e7"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty(), "no partial report");
    let err = String::from_utf8_lossy(&refused.stderr);
    for part in [
        "the Markov model at order 3 would take about",
        "over the limit of 1.0e7",
        "walked 199 steps (the horizon) for each of 31 removals",
        "a lower order (--markov-order 2)",
        "a shorter horizon (--markov-horizon 20)",
        "--markov-work-limit none",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert_eq!(err.lines().count(), 1, "{err}");
    // `uplift run` refuses the same way.
    let run = crate::util::uplift()
        .args(["run", "--exposures", &e, "--revenue", &r])
        .args(["--markov-order", "3", "--markov-work-limit", "1e7"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("would take about"));
    // The limit decides whether the model runs, never what it gives.
    let unlimited = json(
        &[
            &base[..],
            &["--markov-order", "3", "--markov-work-limit", "none"],
        ]
        .concat(),
    );
    let high = json(
        &[
            &base[..],
            &["--markov-order", "3", "--markov-work-limit", "1e13"],
        ]
        .concat(),
    );
    assert_eq!(unlimited["attribution"], high["attribution"]);
    assert_eq!(unlimited["attribution"].as_array().unwrap().len(), 30);
    assert!(unlimited["config"].get("markov_work_limit").is_none());
    // Order 1 is well within the default limit.
    let order_1 = json(&base);
    let total: f64 = order_1["attribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| f(a, "/conversions"))
        .sum();
    assert_close(total, 20.0);
}

#[test]
fn a_work_limit_must_be_a_positive_number_or_none() {
    for bad in ["0", "-5", "lots", "inf"] {
        let flag = format!("--markov-work-limit={bad}");
        let out = crate::util::uplift()
            .args([&TINY[..], &[flag.as_str()]].concat())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is not a work limit"), "{bad}: {err}");
    }
}
