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
fn the_weekly_kpi_example_reads_two_simulated_weeks_and_diffs_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("exports");
    uplift()
        .args(["simulate", "--users", "800", "--seed", "7", "--out"])
        .arg(&data)
        .assert()
        .code(0);
    let week = |out: &str, as_of: Option<&str>, previous: Option<&str>| {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("examples/weekly-kpi/weekly-kpi.sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATA", &data)
            .env("OUT", dir.path().join(out))
            .env("UPLIFT", assert_cmd::cargo::cargo_bin("uplift"))
            .env_remove("AS_OF")
            .env_remove("PREVIOUS")
            .env_remove("MDE");
        if let Some(a) = as_of {
            cmd.env("AS_OF", a);
        }
        if let Some(p) = previous {
            cmd.env("PREVIOUS", dir.path().join(p));
        }
        let out = cmd.output().unwrap();
        // The simulated finance file has one planted mismatch: exit 3, with
        // every report written.
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Last week: the data up to 2026-06-23; this week: up to the end.
    week("w1", Some("2026-06-23"), None);
    week("w2", None, Some("w1/report.json"));
    for w in ["w1", "w2"] {
        for name in [
            "report.md",
            "report.html",
            "report.json",
            "report.calibration.csv",
            "comment.md",
        ] {
            let len = std::fs::metadata(dir.path().join(w).join(name))
                .unwrap()
                .len();
            assert!(len > 0, "{w}/{name}");
        }
    }
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    // Both weeks are read sequentially, with a plan.
    let report: serde_json::Value = serde_json::from_str(&read("w2/report.json")).unwrap();
    assert_eq!(report["config"]["sequential"], true);
    assert_eq!(report["config"]["plan"]["mde"], 0.05);
    assert!(
        report["lift"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["segment"].is_null())
            .all(|r| r["status"]["power"].is_number())
    );
    assert!(read("w2/report.md").contains("always-valid CI"));
    // The diff names the week that moved on (as_of) and comes first in the
    // comment, the report after it.
    let diff = read("w2/diff.md");
    assert!(diff.contains("as_of"), "{diff}");
    let comment = read("w2/comment.md");
    assert!(
        comment.starts_with(&diff),
        "the comment opens with the diff"
    );
    assert!(comment.ends_with(&read("w2/report.md")));
    assert!(!dir.path().join("w1/diff.md").exists());
    assert_eq!(read("w1/comment.md"), read("w1/report.md"));
}
