//! `uplift diff`: two reports of the shipped example run with different
//! settings (or hand-edited copies) compared; every number is checked
//! against the two reports it came from.

use crate::util::{SIM_RUN, assert_close, uplift};
use serde_json::{Value, json};
use std::path::Path;
use tempfile::TempDir;

/// `uplift run` on the shipped example with `extra` flags, its JSON report
/// written to `dir/name` and returned.
fn report(dir: &Path, name: &str, extra: &[&str]) -> Value {
    let path = dir.join(name);
    let out = uplift()
        .args(SIM_RUN)
        .args(extra)
        .args(["--format", "json", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// Writes `value` as `dir/name`.
fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// `uplift diff args` run in `dir`: exit code, stdout, stderr.
fn diff(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = uplift()
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// `uplift diff args --format json` in `dir`, expecting exit `code`.
fn diff_json(dir: &Path, args: &[&str], code: i32) -> Value {
    let (status, stdout, stderr) = diff(dir, &[args, &["--format", "json"]].concat());
    assert_eq!(status, Some(code), "{stderr}");
    assert!(stdout.ends_with("}\n"));
    serde_json::from_str(&stdout).unwrap()
}

/// The lift row of `report` with this key.
fn lift_row<'a>(report: &'a Value, channel: &str, segment: &Value, window: &Value) -> &'a Value {
    report["lift"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["channel"] == channel && r["segment"] == *segment && r["window_days"] == *window
        })
        .unwrap()
}

/// Last week: raw estimates (no CUPED), a hurdle of 2, a looser tolerance
/// and a shorter time-decay half-life; this week: the defaults.
const LAST_WEEK: &[&str] = &[
    "--no-cuped",
    "--hurdle-iroas",
    "2",
    "--tolerance",
    "0.05",
    "--half-life",
    "3",
];

fn two_weeks() -> (TempDir, Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", LAST_WEEK);
    let new = report(dir.path(), "new.json", &[]);
    (dir, old, new)
}

#[test]
fn every_lift_row_has_both_headlines_the_change_and_whether_it_left_the_old_interval() {
    let (dir, old, new) = two_weeks();
    let d = diff_json(dir.path(), &["old.json", "new.json"], 0);
    let rows = d["lift"].as_array().unwrap();
    assert_eq!(rows.len(), new["lift"].as_array().unwrap().len());
    let (mut changed, mut outside) = (0, 0);
    for r in rows {
        let o = lift_row(
            &old,
            r["channel"].as_str().unwrap(),
            &r["segment"],
            &r["window_days"],
        );
        let n = lift_row(
            &new,
            r["channel"].as_str().unwrap(),
            &r["segment"],
            &r["window_days"],
        );
        for (side, rep) in [("old", o), ("new", n)] {
            let h = &rep["revenue_per_user_lift"];
            for k in ["estimate", "ci_low", "ci_high"] {
                assert_eq!(r[side][k], h[k], "{side}.{k}");
            }
            assert_eq!(r[side]["verdict"], rep["decision"]["verdict"]);
        }
        let (oe, ne) = (
            o["revenue_per_user_lift"]["estimate"].as_f64().unwrap(),
            n["revenue_per_user_lift"]["estimate"].as_f64().unwrap(),
        );
        assert_close(r["change"].as_f64().unwrap(), ne - oe);
        let lo = o["revenue_per_user_lift"]["ci_low"].as_f64().unwrap();
        let hi = o["revenue_per_user_lift"]["ci_high"].as_f64().unwrap();
        assert_eq!(r["outside_old_ci"], json!(ne < lo || ne > hi));
        let verdict_changed = o["decision"]["verdict"] != n["decision"]["verdict"];
        assert_eq!(r["decision_changed"], json!(verdict_changed));
        changed += usize::from(verdict_changed);
        outside += usize::from(ne < lo || ne > hi);
    }
    // The hurdle of 2 held back verdicts that a hurdle of 1 gives.
    assert!(changed > 0);
    assert!(outside < rows.len());
    assert_eq!(d["old"]["path"], "old.json");
    assert_eq!(d["old"]["as_of"], old["as_of"]);
    assert_eq!(d["new"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(d["failed"], json!([]));
}

#[test]
fn attribution_shares_change_in_percentage_points() {
    let (dir, old, new) = two_weeks();
    let d = diff_json(dir.path(), &["old.json", "new.json"], 0);
    let rows = d["attribution"].as_array().unwrap();
    assert_eq!(rows.len(), new["attribution"].as_array().unwrap().len());
    let share = |report: &Value, r: &Value| {
        report["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["window_days"] == r["window_days"]
                    && a["model"] == r["model"]
                    && a["channel"] == r["channel"]
            })
            .unwrap()["share"]
            .as_f64()
            .unwrap()
    };
    let mut moved = 0;
    for r in rows {
        let (o, n) = (share(&old, r), share(&new, r));
        assert_close(r["old"].as_f64().unwrap(), o);
        assert_close(r["new"].as_f64().unwrap(), n);
        assert_close(r["change_pp"].as_f64().unwrap(), (n - o) * 100.0);
        if r["change_pp"].as_f64().unwrap().abs() > 1e-9 {
            moved += 1;
            // Only the half-life changed: only time decay moves.
            assert_eq!(r["model"], "time_decay");
        }
    }
    assert!(moved > 0);
}

#[test]
fn settings_periods_and_decision_checks_follow_the_two_runs() {
    let (dir, old, new) = two_weeks();
    let d = diff_json(
        dir.path(),
        &[
            "old.json",
            "new.json",
            "--fail-on",
            "decision-change,reconciliation",
        ],
        3,
    );
    assert_eq!(d["failed"], json!(["decision-change", "reconciliation"]));
    let settings: Vec<&str> = d["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["setting"].as_str().unwrap())
        .collect();
    assert_eq!(
        settings,
        ["cuped", "attribution", "hurdle_iroas", "tolerance"]
    );
    for s in d["config"].as_array().unwrap() {
        let k = s["setting"].as_str().unwrap();
        assert_eq!(s["old"], old["config"][k]);
        assert_eq!(s["new"], new["config"][k]);
    }
    // The planted 3% gap passes a 5% tolerance, not the default 1%.
    let periods = d["reconciliation"].as_array().unwrap();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0]["old"], "ok");
    assert_eq!(periods[0]["new"], "mismatch");
    assert_eq!(d["inputs"], json!([]));
    assert_eq!(d["warnings"], json!({"added": [], "removed": []}));
    // The same reports without those checks: exit 0.
    let (code, _, stderr) = diff(
        dir.path(),
        &["old.json", "new.json", "--fail-on", "new-warning,imbalance"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_failed_check_is_named_on_standard_error_and_the_comparison_is_still_written() {
    let (dir, _, _) = two_weeks();
    let (code, stdout, stderr) = diff(
        dir.path(),
        &[
            "old.json",
            "new.json",
            "--fail-on",
            "reconciliation",
            "-o",
            "diff.md",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(code, Some(3));
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("uplift: check failed: reconciliation turned to mismatch in 2026-"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(dir.path().join("diff.md")).unwrap();
    assert!(md.starts_with("# uplift diff\n"));
    assert!(md.contains("**Checks failed (exit code 3):** `reconciliation`."));
}

#[test]
fn a_report_compared_with_itself_changes_nothing_and_fails_no_check() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "a.json", &[]);
    let d = diff_json(
        dir.path(),
        &[
            "a.json",
            "a.json",
            "--fail-on",
            "decision-change,reconciliation,new-warning,imbalance",
        ],
        0,
    );
    assert!(
        d["lift"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["change"] == 0.0
                && r["outside_old_ci"] == false
                && r["decision_changed"] == false)
    );
    for k in ["reconciliation", "inputs", "config", "failed"] {
        assert_eq!(d[k], json!([]), "{k}");
    }
    assert_eq!(d["old"], d["new"]);
    let (code, stdout, _) = diff(dir.path(), &["a.json", "a.json"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("\nNo verdict changed, and nothing else did.\n"),
        "{stdout}"
    );
}

#[test]
fn a_report_without_finance_loses_its_periods_and_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", &[]);
    // SIM_RUN without its --finance flag and file.
    let i = SIM_RUN.iter().position(|a| *a == "--finance").unwrap();
    let args: Vec<&str> = [&SIM_RUN[..i], &SIM_RUN[i + 2..]].concat();
    let path = dir.path().join("new.json");
    let out = uplift()
        .args(&args)
        .args(["--format", "json", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let d = diff_json(
        dir.path(),
        &["old.json", "new.json", "--fail-on", "reconciliation"],
        0,
    );
    assert_eq!(
        d["inputs"],
        json!([{"name": "finance", "old": old["inputs"]["finance"]["sha256"], "new": null}])
    );
    let periods = old["reconciliation"]["periods"].as_array().unwrap();
    let gone: Vec<Value> = periods
        .iter()
        .map(|p| {
            json!({"period_start": p["period_start"], "period_end": p["period_end"],
                   "old": p["status"], "new": null})
        })
        .collect();
    assert_eq!(d["reconciliation"], Value::Array(gone));
}

#[test]
fn a_new_warning_code_and_a_newly_imbalanced_row_fail_their_checks() {
    let dir = tempfile::tempdir().unwrap();
    let mut old = report(dir.path(), "base.json", &[]);
    let mut new = old.clone();
    // Last week had no `refunds` warning and, like an older report, no
    // `balance`; this week the email row of 30 days is flagged.
    old["warnings"]
        .as_array_mut()
        .unwrap()
        .retain(|w| w["code"] != "refunds");
    for row in old["lift"].as_array_mut().unwrap() {
        if row["channel"] == "email" && row["segment"].is_null() && row["window_days"] == 30 {
            row.as_object_mut().unwrap().remove("balance");
        }
    }
    let email = new["lift"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["channel"] == "email" && r["segment"].is_null() && r["window_days"] == 30)
        .unwrap();
    email["balance"] =
        json!({"difference": 4.2, "ci_low": 2.0, "ci_high": 6.4, "p_value": 0.0002, "flag": true});
    write(dir.path(), "old.json", &old);
    write(dir.path(), "new.json", &new);
    let d = diff_json(
        dir.path(),
        &[
            "old.json",
            "new.json",
            "--fail-on",
            "imbalance,new-warning,decision-change",
        ],
        3,
    );
    assert_eq!(d["failed"], json!(["new-warning", "imbalance"]));
    assert_eq!(d["warnings"], json!({"added": ["refunds"], "removed": []}));
    let flagged: Vec<&Value> = d["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["newly_imbalanced"] == true)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["channel"], "email");
    assert_eq!(flagged[0]["old"]["balance_flag"], Value::Null);
    assert_eq!(flagged[0]["new"]["balance_flag"], true);
    let (code, _, stderr) = diff(
        dir.path(),
        &["old.json", "new.json", "--fail-on", "imbalance"],
    );
    assert_eq!(code, Some(3));
    assert_eq!(
        stderr,
        "uplift: check failed: pre-period imbalance newly flagged for email (30 days)\n"
    );
    // The other way round, nothing is newly flagged and no code appeared.
    let d = diff_json(
        dir.path(),
        &["new.json", "old.json", "--fail-on", "imbalance,new-warning"],
        0,
    );
    assert_eq!(d["warnings"], json!({"added": [], "removed": ["refunds"]}));
}

#[test]
fn anything_but_a_report_is_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "good.json", &[]);
    std::fs::write(dir.path().join("empty-object.json"), "{}").unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sim/spend.csv"),
        dir.path().join("spend.csv"),
    )
    .unwrap();
    let mut v2: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("good.json")).unwrap()).unwrap();
    v2["schema_version"] = json!(2);
    write(dir.path(), "v2.json", &v2);
    let mut no_lift = v2.clone();
    no_lift["schema_version"] = json!(1);
    no_lift["lift"] = json!("none");
    write(dir.path(), "no-lift.json", &no_lift);
    // A diff's own JSON is not a report either.
    let d = diff_json(dir.path(), &["good.json", "good.json"], 0);
    write(dir.path(), "diff.json", &d);
    let cases = [
        (
            "empty-object.json",
            "empty-object.json: not an uplift report: no schema_version (",
        ),
        ("spend.csv", "spend.csv:1:1: not JSON: expected value ("),
        (
            "v2.json",
            "v2.json: schema_version 2 is not one this uplift reads (expected 1)",
        ),
        (
            "no-lift.json",
            "no-lift.json: not an uplift report: lift is a string, not an array (",
        ),
        (
            "diff.json",
            "diff.json: not an uplift report: no schema_version (",
        ),
        ("missing.json", "missing.json: cannot be read: no such file"),
    ];
    for (file, expected) in cases {
        for args in [[file, "good.json"], ["good.json", file]] {
            let (code, stdout, stderr) = diff(dir.path(), &args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert!(stdout.is_empty(), "{args:?}: {stdout}");
            assert!(
                stderr.starts_with(&format!("uplift: error: {expected}")),
                "{args:?}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(!stderr.contains("panicked"));
        }
    }
    let (code, _, stderr) = diff(dir.path(), &["good.json", "good.json", "--fail-on", "srm"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr
            .contains("[possible values: decision-change, reconciliation, new-warning, imbalance]"),
        "{stderr}"
    );
}

#[test]
fn reports_of_attribute_and_reconcile_diff_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str], name: &str| {
        let out = uplift()
            .args(args)
            .args(["--format", "json", "-o"])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let tiny = |f: &str| format!("{root}/testdata/tiny/{f}");
    run(
        &[
            "reconcile",
            "--revenue",
            &tiny("revenue.csv"),
            "--finance",
            &tiny("finance.csv"),
        ],
        "reconcile.json",
    );
    run(
        &[
            "attribute",
            "--exposures",
            &tiny("exposures.csv"),
            "--revenue",
            &tiny("revenue.csv"),
        ],
        "attribute.json",
    );
    let d = diff_json(dir.path(), &["reconcile.json", "attribute.json"], 0);
    assert_eq!(d["lift"], json!([]));
    assert!(
        d["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["old"].is_null())
    );
    assert!(
        d["reconciliation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["new"].is_null())
    );
    assert!(!d["config"].as_array().unwrap().is_empty());
}

#[test]
fn the_table_fits_the_terminal_width() {
    let (dir, _, _) = two_weeks();
    for columns in ["60", "80", "100", "160"] {
        let out = uplift()
            .current_dir(dir.path())
            .env("COLUMNS", columns)
            .args(["diff", "old.json", "new.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("uplift diff\nold.json → new.json\n"),
            "{text}"
        );
        let width: usize = columns.parse().unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= width, "COLUMNS={columns}: {line:?}");
        }
        assert!(!text.contains('\u{1b}'), "no colour in a pipe");
    }
}

#[test]
fn markdown_for_a_pull_request() {
    let (dir, _, _) = two_weeks();
    let d = diff_json(dir.path(), &["old.json", "new.json"], 0);
    let (code, md, _) = diff(
        dir.path(),
        &["old.json", "new.json", "--format", "markdown"],
    );
    assert_eq!(code, Some(0));
    // The reports' own hashes change with the tool's version.
    let mut md = md;
    for side in ["old", "new"] {
        let sha = &d[side]["sha256"].as_str().unwrap()[..12];
        md = md.replace(sha, &format!("[{side} sha]"));
    }
    insta::assert_snapshot!("diff_markdown", md);
}
