//! `uplift reconcile` and `--fail-on reconciliation`.

use crate::util::{assert_close, f, json, uplift};

#[test]
fn tiny_periods_are_compared_with_refunds_netted() {
    let r = json(&[
        "reconcile",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--finance",
        "testdata/tiny/finance.csv",
        "--format",
        "json",
    ]);
    let rec = &r["reconciliation"];
    assert_eq!(rec["status"], "mismatch");
    let p = rec["periods"].as_array().unwrap();
    // January: 20+50+30+0+10+25+60+80+35+45−45+12 = 322 against 402 booked.
    assert_eq!(p[1]["period_start"], "2026-01-01");
    assert_close(f(&p[1], "/export_revenue"), 322.0);
    assert_close(f(&p[1], "/gap"), -80.0);
    assert_close(f(&p[1], "/gap_pct"), -80.0 / 402.0);
    assert_eq!(p[1]["status"], "mismatch");
    for i in [0, 2, 3] {
        assert_eq!(p[i]["status"], "ok", "{i}");
        assert_close(f(&p[i], "/gap"), 0.0);
    }
}

#[test]
fn fail_on_reconciliation_exits_3_on_the_planted_month_with_the_report_written() {
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/sim/exposures.csv.gz",
            "--revenue",
            "testdata/sim/revenue.csv.gz",
            "--finance",
            "testdata/sim/finance.csv",
            "--fail-on",
            "reconciliation",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{}/testdata/sim/truth.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let planted = truth["finance"]["mismatch_period_start"].as_str().unwrap();
    let bad: Vec<&str> = r["reconciliation"]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "mismatch")
        .map(|p| p["period_start"].as_str().unwrap())
        .collect();
    assert_eq!(bad, vec![planted]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reconciliation mismatch"));
}

#[test]
fn fail_on_reconciliation_exits_0_when_finance_matches() {
    let dir = tempfile::tempdir().unwrap();
    let fin = dir.path().join("finance.csv");
    std::fs::write(&fin, "period_start,period_end,revenue\n2025-12-01,2025-12-31,15.00\n2026-01-01,2026-03-31,531.00\n").unwrap();
    uplift()
        .args([
            "reconcile",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--fail-on",
            "reconciliation",
            "--finance",
        ])
        .arg(&fin)
        .assert()
        .code(0);
}

#[test]
fn overlapping_and_uncovered_periods_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let fin = dir.path().join("finance.csv");
    std::fs::write(&fin, "period_start,period_end,revenue\n2026-01-01,2026-01-20,1\n2026-01-15,2026-01-31,1\n2026-03-01,2026-03-31,169\n").unwrap();
    let out = uplift()
        .args([
            "reconcile",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--format",
            "json",
            "--finance",
        ])
        .arg(&fin)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"finance_overlap"), "{codes:?}");
    assert!(codes.contains(&"finance_gap"), "{codes:?}");
    assert!(codes.contains(&"revenue_outside_finance"), "{codes:?}");
}

#[test]
fn the_weekly_kpi_example_writes_every_report_and_fails_on_the_planted_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("week");
    uplift()
        .args(["simulate", "--users", "800", "--seed", "7", "--out"])
        .arg(&data)
        .assert()
        .code(0);
    let out = std::process::Command::new("bash")
        .arg("examples/weekly-kpi/weekly-kpi.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATA", &data)
        .env("OUT", dir.path().join("reports"))
        .env("UPLIFT", assert_cmd::cargo::cargo_bin("uplift"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "report.md",
        "report.html",
        "report.json",
        "report.calibration.csv",
    ] {
        let len = std::fs::metadata(dir.path().join("reports").join(name))
            .unwrap()
            .len();
        assert!(len > 0, "{name}");
    }
    // Next week, with this week's report as PREVIOUS: the same data, so the
    // diff changes nothing and the exit code is still the mismatch's.
    let out = std::process::Command::new("bash")
        .arg("examples/weekly-kpi/weekly-kpi.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATA", &data)
        .env("OUT", dir.path().join("next"))
        .env("PREVIOUS", dir.path().join("reports/report.json"))
        .env("UPLIFT", assert_cmd::cargo::cargo_bin("uplift"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let diff = std::fs::read_to_string(dir.path().join("next/diff.md")).unwrap();
    assert!(
        diff.contains("\nNo verdict changed, and nothing else did.\n"),
        "{diff}"
    );
}
