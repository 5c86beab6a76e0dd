//! `simulate --seed` → `run` recovers the planted truth.

use crate::util::{f, uplift};
use serde_json::Value;
use std::path::Path;

fn simulate(dir: &Path, users: &str, seed: &str) {
    uplift()
        .args(["simulate", "--users", users, "--seed", seed, "--out"])
        .arg(dir)
        .assert()
        .code(0);
}

fn run(dir: &Path, extra: &[&str]) -> Value {
    let out = uplift()
        .arg("run")
        .arg("--exposures")
        .arg(dir.join("exposures.csv"))
        .arg("--revenue")
        .arg(dir.join("revenue.csv"))
        .arg("--config")
        .arg(dir.join("uplift.toml"))
        .args([
            "--window", "30", "--window", "60", "--window", "90", "--format", "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn all_users_rows(report: &Value) -> Vec<&Value> {
    report["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["segment"].is_null())
        .collect()
}

#[test]
fn simulate_then_run_recovers_the_planted_lift_inside_the_95_percent_ci() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), "20000", "7");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let cuped = run(dir.path(), &[]);
    let raw = run(dir.path(), &["--no-cuped"]);
    let rows = all_users_rows(&cuped);
    assert_eq!(rows.len(), 6 * 3, "6 channels × 3 windows");
    let mut inside = 0;
    for r in &rows {
        let channel = r["channel"].as_str().unwrap();
        let w = r["window_days"].as_u64().unwrap();
        let planted = truth["channels"][channel]["windows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["window_days"] == w)
            .map(|t| f(t, "/incremental_revenue_per_exposed_user"))
            .unwrap();
        let (lo, hi) = (
            f(r, "/revenue_per_user_lift/ci_low"),
            f(r, "/revenue_per_user_lift/ci_high"),
        );
        if lo <= planted && planted <= hi {
            inside += 1;
        } else {
            eprintln!("{channel} W={w}: truth {planted:.3} outside [{lo:.3}, {hi:.3}]");
        }
        // The planted control share is configured: no sample-ratio mismatch.
        assert_eq!(r["srm"]["flag"], false, "{channel} {w}");
        assert!(r["srm"]["p_value"].as_f64().unwrap() > 0.001);
    }
    // Seed 7 is deterministic: every interval covers the truth.
    assert_eq!(inside, rows.len());

    // CUPED narrows every interval (pre-period revenue predicts the outcome).
    for (c, u) in rows.iter().zip(all_users_rows(&raw)) {
        assert_eq!(c["channel"], u["channel"]);
        let width = |r: &Value| {
            f(r, "/revenue_per_user_lift/ci_high") - f(r, "/revenue_per_user_lift/ci_low")
        };
        assert!(width(c) < width(u), "{} {}", c["channel"], c["window_days"]);
        assert!(f(c, "/cuped/variance_reduction") > 0.0);
        assert_eq!(u["cuped"]["applied"], false);
        // The raw estimate is reported beside the CUPED one, and equals the --no-cuped headline.
        assert_eq!(
            c["revenue_per_user_lift_raw"]["estimate"],
            u["revenue_per_user_lift"]["estimate"]
        );
    }

    // The positive channels are detected at 30 days; display (no effect) is not.
    let w30 = |name: &str| {
        rows.iter()
            .find(|r| r["channel"] == name && r["window_days"] == 30)
            .unwrap()
    };
    for ch in ["email", "paid_search", "affiliate"] {
        assert!(f(w30(ch), "/revenue_per_user_lift/ci_low") > 0.0, "{ch}");
    }
    assert!(f(w30("push"), "/revenue_per_user_lift/ci_high") < 0.0);
    let display = w30("display");
    assert!(
        f(display, "/revenue_per_user_lift/ci_low") < 0.0
            && f(display, "/revenue_per_user_lift/ci_high") > 0.0
    );
}

#[test]
fn simulate_writes_byte_identical_files_for_a_seed() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    simulate(a.path(), "500", "3");
    simulate(b.path(), "500", "3");
    for name in [
        "exposures.csv",
        "revenue.csv",
        "spend.csv",
        "finance.csv",
        "uplift.toml",
        "truth.json",
    ] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        assert!(!x.is_empty(), "{name}");
        assert_eq!(x, std::fs::read(b.path().join(name)).unwrap(), "{name}");
    }
}

#[test]
fn validate_passes_on_simulate_output() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), "1000", "11");
    let d = dir.path();
    uplift()
        .arg("validate")
        .arg("--exposures")
        .arg(d.join("exposures.csv"))
        .arg("--revenue")
        .arg(d.join("revenue.csv"))
        .arg("--spend")
        .arg(d.join("spend.csv"))
        .arg("--finance")
        .arg(d.join("finance.csv"))
        .arg("--config")
        .arg(d.join("uplift.toml"))
        .assert()
        .code(0);
}
