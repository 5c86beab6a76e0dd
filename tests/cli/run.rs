//! `uplift run` end to end on testdata/tiny (numbers worked by hand).

use crate::util::{assert_close, f, json, uplift};
use serde_json::Value;

const TINY: [&str; 5] = [
    "run",
    "--exposures",
    "testdata/tiny/exposures.csv",
    "--revenue",
    "testdata/tiny/revenue.csv",
];

fn row<'a>(report: &'a Value, channel: &str, window: u64, segment: Option<&str>) -> &'a Value {
    report["lift"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["channel"] == channel
                && r["window_days"] == window
                && r["segment"].as_str() == segment
        })
        .unwrap_or_else(|| panic!("no row {channel} {window} {segment:?}"))
}

#[test]
fn tiny_email_lift_matches_the_hand_calculation() {
    let r = json(&[&TINY[..], &["--format", "json", "--no-cuped"]].concat());
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["as_of"], "2026-03-10T12:00:00Z");
    let email = row(&r, "email", 30, None);
    // Exposed u01 (50), u02 (30), u03 (0, a zero-value conversion);
    // control u04 (10), u05 (25), u06 (0: its order falls after the window).
    assert_eq!(email["exposed"]["users"], 3);
    assert_eq!(email["exposed"]["converters"], 3);
    assert_eq!(email["control"]["converters"], 2);
    assert_close(f(email, "/exposed/revenue"), 80.0);
    assert_close(f(email, "/control/revenue"), 35.0);
    assert_close(f(email, "/revenue_per_user_lift/estimate"), 15.0);
    assert_close(f(email, "/incremental_revenue/estimate"), 45.0);
    // u07 carries both labels.
    assert_eq!(email["excluded"]["contaminated"], 1);
    assert_eq!(email["cuped"]["applied"], false);
    assert_eq!(email["cuped"]["theta"], Value::Null);
    // Relative lift = 15 / (35/3).
    assert_close(f(email, "/relative_lift/estimate"), 15.0 / (35.0 / 3.0));
}

#[test]
fn tiny_social_counts_refunds_and_immature_users() {
    let r = json(&[&TINY[..], &["--format", "json"]].concat());
    let social = row(&r, "social", 30, None);
    // u10 bought 45 and returned it: net 0, still a converter.
    assert_close(f(social, "/exposed/revenue"), 80.0);
    assert_eq!(social["exposed"]["converters"], 2);
    // u12 entered on 2026-03-01: 30 days later is after as_of.
    assert_eq!(social["excluded"]["immature"], 1);
    assert_close(f(social, "/control/revenue_per_user"), 17.5);
    let codes: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"refunds"), "{codes:?}");
    assert!(codes.contains(&"duplicate_order_id"), "{codes:?}");
    assert!(codes.contains(&"contaminated"), "{codes:?}");
}

#[test]
fn every_contract_field_of_a_lift_row_is_present() {
    let r = json(&[&TINY[..], &["--format", "json"]].concat());
    let email = row(&r, "email", 30, None);
    for key in [
        "channel",
        "segment",
        "window_days",
        "exposed",
        "control",
        "excluded",
        "revenue_per_user_lift",
        "revenue_per_user_lift_raw",
        "relative_lift",
        "conversion_rate_lift",
        "incremental_revenue",
        "incremental_conversions",
        "cuped",
        "srm",
        "spend",
        "icac",
        "iroas",
        "decision",
    ] {
        assert!(email.get(key).is_some(), "missing {key}");
    }
    for key in ["estimate", "ci_low", "ci_high", "p_value", "p_value_holm"] {
        assert!(
            email["revenue_per_user_lift"].get(key).is_some(),
            "missing {key}"
        );
    }
    for key in ["path", "sha256", "rows", "rejected_rows"] {
        assert!(r["inputs"]["exposures"].get(key).is_some(), "missing {key}");
    }
    assert_eq!(r["inputs"]["revenue"]["rows"], 17);
    assert_eq!(
        r["inputs"]["exposures"]["sha256"].as_str().unwrap().len(),
        64
    );
}

#[test]
fn segments_get_their_own_rows() {
    let r = json(&[&TINY[..], &["--format", "json"]].concat());
    // email exposed: u01 new, u02 returning, u03 new; control: u04 ret, u05 new, u06 ret.
    let new = row(&r, "email", 30, Some("new"));
    assert_eq!(new["exposed"]["users"], 2);
    assert_eq!(new["control"]["users"], 1);
    let ret = row(&r, "email", 30, Some("returning"));
    assert_eq!(ret["exposed"]["users"], 1);
    // u07 (returning) is contaminated.
    assert_eq!(ret["excluded"]["contaminated"], 1);
    assert_eq!(new["excluded"]["contaminated"], 0);
}

#[test]
fn several_windows_come_out_of_one_run_in_order() {
    let r = json(
        &[
            &TINY[..],
            &["--format", "json", "--window", "60", "--window", "7"],
        ]
        .concat(),
    );
    let windows: Vec<u64> = r["lift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["window_days"].as_u64().unwrap())
        .collect();
    assert!(windows.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(r["config"]["windows"], serde_json::json!([7, 60]));
}

#[test]
fn the_same_input_gives_byte_identical_json() {
    let args = [
        &TINY[..],
        &["--format", "json", "--bootstrap", "200", "--seed", "5"],
    ]
    .concat();
    let a = uplift().args(&args).output().unwrap().stdout;
    let b = uplift().args(&args).output().unwrap().stdout;
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn the_table_shows_one_table_per_window() {
    let out = uplift()
        .args(TINY)
        .args(["--window", "30", "--window", "60"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lift = &text[text.find("Lift per window").expect("a lift section")..];
    let w30 = lift.find("\n30-day window\n").expect("a 30-day table");
    let w60 = lift.find("\n60-day window\n").expect("a 60-day table");
    assert!(w30 < w60, "{text}");
    assert!(text.contains("email"));
}

#[test]
fn csv_output_flattens_the_lift_rows() {
    let out = uplift()
        .args(TINY)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.contains("revenue_per_user_lift_ci_low"), "{header}");
    assert!(header.starts_with("channel,segment,window_days,test_start,test_end,exposed_users"));
    assert_eq!(text.lines().count(), 1 + 6, "{text}");
}

#[test]
fn bom_and_crlf_files_are_read() {
    let r = json(&[
        "run",
        "--exposures",
        "testdata/ok/bom_crlf_exposures.csv",
        "--revenue",
        "testdata/ok/crlf_revenue.csv",
        "--format",
        "json",
    ]);
    let email = row(&r, "email", 30, None);
    assert_close(f(email, "/exposed/revenue"), 17.0);
    assert_close(f(email, "/control/revenue"), 5.0);
}

#[test]
fn csv_gz_and_parquet_give_the_same_numbers_as_csv() {
    let base = json(
        &[
            &TINY[..],
            &["--format", "json", "--window", "30", "--window", "60"],
        ]
        .concat(),
    );
    for ext in ["csv.gz", "parquet"] {
        let e = format!("testdata/formats/exposures.{ext}");
        let r = format!("testdata/formats/revenue.{ext}");
        let other = json(&[
            "run",
            "--exposures",
            &e,
            "--revenue",
            &r,
            "--format",
            "json",
            "--window",
            "30",
            "--window",
            "60",
        ]);
        assert_eq!(other["lift"], base["lift"], "{ext}");
        assert_eq!(other["as_of"], base["as_of"], "{ext}");
        assert_eq!(other["warnings"], base["warnings"], "{ext}");
    }
}

#[test]
fn export_revenue_is_incremental_plus_baseline_to_the_cent() {
    let r = json(&[
        "run",
        "--exposures",
        "testdata/sim/exposures.csv.gz",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--spend",
        "testdata/sim/spend.csv",
        "--window",
        "30",
        "--window",
        "90",
        "--format",
        "json",
    ]);
    for d in r["decomposition"].as_array().unwrap() {
        let parts: f64 = d["incremental"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| f(c, "/amount"))
            .sum();
        assert!((parts - f(d, "/incremental_total")).abs() < 0.005);
        assert!(
            (f(d, "/incremental_total") + f(d, "/baseline_revenue") - f(d, "/export_revenue"))
                .abs()
                < 0.005
        );
        // The export's net revenue is every order, refunds included.
        let t = &r["attribution_totals"][0];
        assert!((f(d, "/export_revenue") - f(t, "/net_revenue")).abs() < 0.005);
    }
    // Spend is prorated to the row's exposed users; iROAS = incremental revenue / spend.
    for row in r["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["segment"].is_null())
    {
        let spend = f(row, "/spend");
        assert!(spend > 0.0);
        assert_close(
            f(row, "/iroas/estimate"),
            f(row, "/incremental_revenue/estimate") / spend,
        );
        let verdict = row["decision"]["verdict"].as_str().unwrap();
        let (lo, hi) = (f(row, "/iroas/ci_low"), f(row, "/iroas/ci_high"));
        let expected = if lo > 1.0 {
            "scale"
        } else if hi < 1.0 {
            "cut"
        } else {
            "inconclusive"
        };
        assert_eq!(verdict, expected);
    }
}
