//! The comparison, field by field, and every `--fail-on` check, holding and
//! not holding, on hand-built views.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

fn row(channel: &str, segment: Option<&str>, window: u16, h: Headline) -> LiftView {
    LiftView {
        channel: channel.to_string(),
        segment: segment.map(str::to_string),
        window_days: window,
        headline: h,
    }
}

fn headline(est: f64, lo: f64, hi: f64, verdict: Option<&str>) -> Headline {
    Headline {
        estimate: Some(est),
        ci_low: Some(lo),
        ci_high: Some(hi),
        verdict: verdict.map(str::to_string),
        balance_flag: None,
    }
}

fn share(window: u16, model: &str, channel: &str, share: f64) -> AttributionView {
    AttributionView {
        window_days: window,
        model: model.to_string(),
        channel: channel.to_string(),
        share,
    }
}

fn period(start: &str, status: &str) -> PeriodView {
    PeriodView {
        period_start: start.to_string(),
        period_end: format!("{}-28", &start[..7]),
        status: status.to_string(),
    }
}

fn codes(c: &[&str]) -> BTreeSet<String> {
    c.iter().map(|s| s.to_string()).collect()
}

fn snapshot(path: &str, report: ReportView) -> Snapshot {
    Snapshot {
        path: path.to_string(),
        sha256: path.repeat(2),
        report,
    }
}

/// Last week's report.
fn old() -> ReportView {
    ReportView {
        as_of: Some("2026-06-23T23:59:59Z".to_string()),
        lift: vec![
            row(
                "social",
                None,
                30,
                headline(2.0, -1.0, 5.0, Some("inconclusive")),
            ),
            row("email", None, 30, headline(4.0, 1.0, 7.0, Some("scale"))),
            row("push", None, 30, headline(-1.0, -3.0, 1.0, None)),
            row(
                "email",
                Some("new"),
                30,
                headline(3.0, 0.0, 6.0, Some("scale")),
            ),
            row("gone", None, 30, headline(1.0, 0.0, 2.0, Some("scale"))),
        ],
        attribution: vec![
            share(30, "markov", "email", 0.6),
            share(30, "markov", "social", 0.4),
            share(30, "linear", "email", 0.5),
        ],
        periods: vec![
            period("2026-01-01", "ok"),
            period("2026-02-01", "mismatch"),
            period("2026-03-01", "ok"),
        ],
        warnings: codes(&["refunds", "small_arm"]),
        inputs: [
            ("exposures", Some("e1")),
            ("revenue", Some("r1")),
            ("spend", Some("s1")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect(),
        config: json!({"windows": [30], "confidence": 0.95, "seed": 0})
            .as_object()
            .unwrap()
            .clone(),
    }
}

/// This week's report.
fn new() -> ReportView {
    ReportView {
        as_of: Some("2026-06-30T23:59:59Z".to_string()),
        lift: vec![
            // Inside the old interval, verdict changed.
            row("social", None, 30, headline(4.5, 1.5, 7.5, Some("scale"))),
            // Outside the old interval (above), same verdict.
            row("email", None, 30, headline(7.5, 5.0, 10.0, Some("scale"))),
            // A verdict appears (spend this week).
            row("push", None, 30, headline(-3.5, -6.0, -1.0, Some("cut"))),
            // On the old bound: inside.
            row(
                "email",
                Some("new"),
                30,
                headline(6.0, 3.0, 9.0, Some("scale")),
            ),
            row("fresh", None, 30, headline(1.0, 0.0, 2.0, Some("scale"))),
        ],
        attribution: vec![
            share(30, "markov", "email", 0.55),
            share(30, "markov", "social", 0.45),
            share(30, "linear", "social", 1.0),
        ],
        periods: vec![
            period("2026-01-01", "mismatch"),
            period("2026-02-01", "ok"),
            period("2026-03-01", "ok"),
            period("2026-04-01", "ok"),
        ],
        warnings: codes(&["refunds", "no_spend"]),
        inputs: [
            ("exposures", Some("e1")),
            ("revenue", Some("r2")),
            ("finance", Some("f1")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect(),
        config: json!({"windows": [30, 60], "confidence": 0.95, "sequential": false})
            .as_object()
            .unwrap()
            .clone(),
    }
}

fn diff(checks: &[DiffCheck]) -> DiffReport {
    compare(
        &snapshot("old.json", old()),
        &snapshot("new.json", new()),
        checks,
    )
}

fn lift_row<'a>(d: &'a DiffReport, channel: &str, segment: Option<&str>) -> &'a LiftChange {
    d.lift
        .iter()
        .find(|r| r.channel == channel && r.segment.as_deref() == segment)
        .unwrap()
}

#[test]
fn the_files_are_named_with_their_hash_and_as_of() {
    let d = diff(&[]);
    assert_eq!(d.old.path, "old.json");
    assert_eq!(d.old.sha256, "old.jsonold.json");
    assert_eq!(d.old.as_of.as_deref(), Some("2026-06-23T23:59:59Z"));
    assert_eq!(d.new.as_of.as_deref(), Some("2026-06-30T23:59:59Z"));
}

#[test]
fn lift_rows_are_matched_on_channel_segment_and_window_and_sorted() {
    let d = diff(&[]);
    let keys: Vec<(u16, Option<&str>, &str)> = d
        .lift
        .iter()
        .map(|r| (r.window_days, r.segment.as_deref(), r.channel.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (30, None, "email"),
            (30, None, "fresh"),
            (30, None, "gone"),
            (30, None, "push"),
            (30, None, "social"),
            (30, Some("new"), "email"),
        ]
    );
}

#[test]
fn a_matched_row_has_both_headlines_the_change_and_whether_it_left_the_old_interval() {
    let d = diff(&[]);
    let email = lift_row(&d, "email", None);
    assert_eq!(email.old, Some(headline(4.0, 1.0, 7.0, Some("scale"))));
    assert_eq!(email.new, Some(headline(7.5, 5.0, 10.0, Some("scale"))));
    assert_eq!(email.change, Some(3.5));
    assert_eq!(email.outside_old_ci, Some(true));
    assert!(!email.decision_changed);

    let social = lift_row(&d, "social", None);
    assert_eq!(social.change, Some(2.5));
    assert_eq!(social.outside_old_ci, Some(false));
    assert!(social.decision_changed);

    // Below the old interval.
    let push = lift_row(&d, "push", None);
    assert_eq!(push.change, Some(-2.5));
    assert_eq!(push.outside_old_ci, Some(true));

    // On the old upper bound: inside.
    let segment = lift_row(&d, "email", Some("new"));
    assert_eq!(segment.outside_old_ci, Some(false));
    assert_eq!(segment.change, Some(3.0));
}

#[test]
fn a_row_of_one_report_only_is_null_on_the_other_side() {
    let d = diff(&[]);
    let gone = lift_row(&d, "gone", None);
    assert!(gone.old.is_some() && gone.new.is_none());
    let fresh = lift_row(&d, "fresh", None);
    assert!(fresh.old.is_none() && fresh.new.is_some());
    for r in [gone, fresh] {
        assert_eq!(r.change, None);
        assert_eq!(r.outside_old_ci, None);
        assert!(!r.decision_changed);
    }
}

#[test]
fn a_verdict_that_appears_is_a_change_and_a_null_estimate_has_no_change() {
    let d = diff(&[]);
    assert!(lift_row(&d, "push", None).decision_changed);
    let mut o = old();
    o.lift[0].headline.estimate = None;
    o.lift[0].headline.ci_low = None;
    let d = compare(&snapshot("a", o), &snapshot("b", new()), &[]);
    let social = lift_row(&d, "social", None);
    assert_eq!(social.change, None);
    assert_eq!(social.outside_old_ci, None);
}

#[test]
fn attribution_shares_change_in_percentage_points() {
    let d = diff(&[]);
    let rows: Vec<(&str, &str, Option<f64>, Option<f64>)> = d
        .attribution
        .iter()
        .map(|r| (r.model.as_str(), r.channel.as_str(), r.old, r.new))
        .collect();
    assert_eq!(
        rows,
        [
            ("linear", "email", Some(0.5), None),
            ("linear", "social", None, Some(1.0)),
            ("markov", "email", Some(0.6), Some(0.55)),
            ("markov", "social", Some(0.4), Some(0.45)),
        ]
    );
    let pp: Vec<Option<f64>> = d.attribution.iter().map(|r| r.change_pp).collect();
    assert_eq!(pp[0], None);
    assert_eq!(pp[1], None);
    assert!((pp[2].unwrap() - -5.0).abs() < 1e-9);
    assert!((pp[3].unwrap() - 5.0).abs() < 1e-9);
}

#[test]
fn only_periods_whose_status_changed_are_listed() {
    let d = diff(&[]);
    let p: Vec<(&str, Option<&str>, Option<&str>)> = d
        .reconciliation
        .iter()
        .map(|p| (p.period_start.as_str(), p.old.as_deref(), p.new.as_deref()))
        .collect();
    assert_eq!(
        p,
        [
            ("2026-01-01", Some("ok"), Some("mismatch")),
            ("2026-02-01", Some("mismatch"), Some("ok")),
            ("2026-04-01", None, Some("ok")),
        ]
    );
    assert_eq!(d.reconciliation[0].period_end, "2026-01-28");
}

#[test]
fn warning_codes_inputs_and_settings_that_differ() {
    let d = diff(&[]);
    assert_eq!(d.warnings.added, ["no_spend"]);
    assert_eq!(d.warnings.removed, ["small_arm"]);
    let inputs: Vec<(&str, Option<&str>, Option<&str>)> = d
        .inputs
        .iter()
        .map(|i| (i.name.as_str(), i.old.as_deref(), i.new.as_deref()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("finance", None, Some("f1")),
            ("revenue", Some("r1"), Some("r2")),
            ("spend", Some("s1"), None),
        ]
    );
    let settings: Vec<(&str, Value, Value)> = d
        .config
        .iter()
        .map(|s| (s.setting.as_str(), s.old.clone(), s.new.clone()))
        .collect();
    assert_eq!(
        settings,
        [
            ("windows", json!([30]), json!([30, 60])),
            ("sequential", Value::Null, json!(false)),
            ("seed", json!(0), Value::Null),
        ]
    );
}

#[test]
fn a_report_compared_with_itself_has_no_change() {
    let d = compare(
        &snapshot("a", new()),
        &snapshot("a", new()),
        &[
            DiffCheck::DecisionChange,
            DiffCheck::Reconciliation,
            DiffCheck::NewWarning,
            DiffCheck::Imbalance,
        ],
    );
    assert!(d.lift.iter().all(|r| r.change == Some(0.0)
        && r.outside_old_ci == Some(false)
        && !r.decision_changed
        && !r.newly_imbalanced));
    assert!(d.attribution.iter().all(|r| r.change_pp == Some(0.0)));
    assert!(d.reconciliation.is_empty() && d.inputs.is_empty() && d.config.is_empty());
    assert_eq!(d.warnings, WarningChanges::default());
    assert!(d.failed.is_empty());
    assert!(failure_notes(&d).is_empty());
}

#[test]
fn each_check_holds_when_its_change_is_there() {
    let all = [
        DiffCheck::Imbalance,
        DiffCheck::NewWarning,
        DiffCheck::DecisionChange,
        DiffCheck::Reconciliation,
        DiffCheck::NewWarning,
    ];
    let d = diff(&all);
    // No row is newly imbalanced: the reports carry no balance.
    assert_eq!(
        d.failed,
        [
            DiffCheck::DecisionChange,
            DiffCheck::Reconciliation,
            DiffCheck::NewWarning
        ]
    );
    assert!(diff(&[]).failed.is_empty());
    assert_eq!(
        failure_notes(&d),
        [
            "check failed: verdict changed for push (30 days) no decision → cut, social (30 days) inconclusive → scale",
            "check failed: reconciliation turned to mismatch in 2026-01-01..2026-01-28",
            "check failed: new warning codes: no_spend",
        ]
    );
}

#[test]
fn each_check_does_not_hold_without_its_change() {
    let checks = [
        DiffCheck::DecisionChange,
        DiffCheck::Reconciliation,
        DiffCheck::NewWarning,
        DiffCheck::Imbalance,
    ];
    // Verdicts as last week, the new mismatch gone, no new code.
    let mut n = new();
    for (r, o) in n.lift.iter_mut().zip(old().lift) {
        r.headline.verdict = o.headline.verdict;
    }
    n.periods[0].status = "ok".to_string();
    n.warnings = codes(&["refunds"]);
    let d = compare(&snapshot("a", old()), &snapshot("b", n), &checks);
    assert!(d.failed.is_empty(), "{:?}", d.failed);
    // A period that was a mismatch and still is did not turn to one.
    let mut o = old();
    o.periods[0].status = "mismatch".to_string();
    let d = compare(&snapshot("a", o), &snapshot("b", new()), &checks);
    assert!(!d.failed.contains(&DiffCheck::Reconciliation));
}

#[test]
fn a_new_period_in_mismatch_turned_to_mismatch() {
    let mut n = new();
    n.periods[3].status = "mismatch".to_string();
    let d = compare(
        &snapshot("a", old()),
        &snapshot("b", n),
        &[DiffCheck::Reconciliation],
    );
    assert_eq!(d.failed, [DiffCheck::Reconciliation]);
    assert!(failure_notes(&d)[0].ends_with("2026-01-01..2026-01-28, 2026-04-01..2026-04-28"));
}

#[test]
fn imbalance_holds_only_for_a_row_newly_flagged() {
    let flag = |mut v: ReportView, i: usize, f: Option<bool>| {
        v.lift[i].headline.balance_flag = f;
        v
    };
    let check = |o: ReportView, n: ReportView| {
        let d = compare(
            &snapshot("a", o),
            &snapshot("b", n),
            &[DiffCheck::Imbalance],
        );
        (d.failed == [DiffCheck::Imbalance], d)
    };
    // Flagged now, not before (false, or no balance in an older report).
    for before in [Some(false), None] {
        let (holds, d) = check(flag(old(), 1, before), flag(new(), 1, Some(true)));
        assert!(holds);
        assert!(lift_row(&d, "email", None).newly_imbalanced);
        assert_eq!(
            failure_notes(&d),
            ["check failed: pre-period imbalance newly flagged for email (30 days)"]
        );
    }
    // Flagged before and now, or no longer: does not hold.
    assert!(!check(flag(old(), 1, Some(true)), flag(new(), 1, Some(true))).0);
    assert!(!check(flag(old(), 1, Some(true)), flag(new(), 1, Some(false))).0);
    // A new row already flagged, and a segment row: holds.
    let (holds, d) = check(old(), flag(new(), 4, Some(true)));
    assert!(holds);
    assert!(lift_row(&d, "fresh", None).newly_imbalanced);
    let (holds, _) = check(old(), flag(new(), 3, Some(true)));
    assert!(holds);
}

#[test]
fn the_json_has_the_contract_keys() {
    let v = serde_json::to_value(diff(&[DiffCheck::NewWarning])).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "old",
            "new",
            "lift",
            "attribution",
            "reconciliation",
            "warnings",
            "inputs",
            "config",
            "failed"
        ]
    );
    assert_eq!(v["failed"], json!(["new-warning"]));
    assert_eq!(
        v["lift"][0]["new"],
        json!({"estimate": 7.5, "ci_low": 5.0, "ci_high": 10.0, "verdict": "scale", "balance_flag": null})
    );
    assert_eq!(v["lift"][1]["old"], Value::Null);
}
