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
