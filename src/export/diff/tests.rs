//! The diff's human formats, from one hand-built comparison: a verdict
//! that changed, an estimate outside its old interval, a segment row, a
//! window and a model of one report only, a channel that left, attribution
//! shares that moved by more and by less than the threshold, a period that
//! turned to mismatch, warning codes, inputs and settings. Snapshots in
//! `snapshots/`.

use super::*;
use crate::diff::{DiffCheck, InputChange, SettingChange, StatusChange, WarningChanges};
use serde_json::json;

fn h(est: f64, lo: f64, hi: f64, verdict: Option<&str>) -> Option<Headline> {
    Some(Headline {
        estimate: Some(est),
        ci_low: Some(lo),
        ci_high: Some(hi),
        verdict: verdict.map(str::to_string),
        balance_flag: Some(false),
    })
}

fn lift(
    channel: &str,
    segment: Option<&str>,
    window: u16,
    old: Option<Headline>,
    new: Option<Headline>,
) -> LiftChange {
    let both = old.as_ref().zip(new.as_ref());
    LiftChange {
        channel: channel.to_string(),
        segment: segment.map(str::to_string),
        window_days: window,
        change: both.and_then(|(o, n)| Some(n.estimate? - o.estimate?)),
        outside_old_ci: both
            .and_then(|(o, n)| Some(n.estimate? < o.ci_low? || n.estimate? > o.ci_high?)),
        decision_changed: both.is_some_and(|(o, n)| o.verdict != n.verdict),
        newly_imbalanced: false,
        old,
        new,
    }
}

fn share(
    window: u16,
    model: &str,
    channel: &str,
    old: Option<f64>,
    new: Option<f64>,
) -> AttributionChange {
    AttributionChange {
        window_days: window,
        model: model.to_string(),
        channel: channel.to_string(),
        old,
        new,
        change_pp: old.zip(new).map(|(o, n)| (n - o) * 100.0),
    }
}

fn sample() -> DiffReport {
    let mut lift = vec![
        lift(
            "email",
            None,
            30,
            h(4.0, 1.0, 7.0, Some("scale")),
            h(7.5, 5.0, 10.0, Some("scale")),
        ),
        lift(
            "paid_search",
            None,
            30,
            h(0.9, -2.2, 4.0, Some("inconclusive")),
            h(3.4, 1.1, 5.7, Some("scale")),
        ),
        lift(
            "social",
            None,
            30,
            h(-4.0, -9.5, 1.5, Some("inconclusive")),
            None,
        ),
        lift(
            "email",
            Some("new"),
            30,
            h(3.0, -1.0, 7.0, None),
            h(2.0, -2.0, 6.0, Some("inconclusive")),
        ),
        lift("email", None, 90, None, h(12.0, 2.0, 22.0, Some("scale"))),
        lift(
            "paid_search",
            None,
            90,
            None,
            h(5.0, -1.0, 11.0, Some("inconclusive")),
        ),
    ];
    lift[0].newly_imbalanced = true;
    lift[0].new.as_mut().unwrap().balance_flag = Some(true);
    DiffReport {
        old: ReportFile {
            path: "reports/2026-06-23.json".to_string(),
            sha256: "a".repeat(64),
            as_of: Some("2026-06-23T23:59:59Z".to_string()),
        },
        new: ReportFile {
            path: "reports/2026-06-30.json".to_string(),
            sha256: "b".repeat(64),
            as_of: Some("2026-06-30T23:59:59Z".to_string()),
        },
        lift,
        attribution: vec![
            share(30, "last_touch", "email", Some(0.6), Some(0.55)),
            share(30, "last_touch", "paid_search", Some(0.3), Some(0.3004)),
            share(30, "last_touch", "social", Some(0.1), None),
            share(30, "last_touch", "<b>&co</b>", None, Some(0.1496)),
            share(30, "markov", "email", None, Some(0.7)),
            share(30, "markov", "paid_search", None, Some(0.3)),
            share(90, "last_touch", "email", None, Some(0.65)),
            share(90, "last_touch", "paid_search", None, Some(0.35)),
        ],
        reconciliation: vec![
            StatusChange {
                period_start: "2026-05-01".to_string(),
                period_end: "2026-05-31".to_string(),
                old: Some("ok".to_string()),
                new: Some("mismatch".to_string()),
            },
            StatusChange {
                period_start: "2026-06-01".to_string(),
                period_end: "2026-06-30".to_string(),
                old: None,
                new: Some("ok".to_string()),
            },
        ],
        warnings: WarningChanges {
            added: vec!["no_spend".to_string(), "small_arm".to_string()],
            removed: vec!["refunds".to_string()],
        },
        inputs: vec![
            InputChange {
                name: "finance".to_string(),
                old: None,
                new: Some("c".repeat(64)),
            },
            InputChange {
                name: "revenue".to_string(),
                old: Some("d".repeat(64)),
                new: Some("e".repeat(64)),
            },
        ],
        config: vec![
            SettingChange {
                setting: "windows".to_string(),
                old: json!([30]),
                new: json!([30, 90]),
            },
            SettingChange {
                setting: "models".to_string(),
                old: json!(["last_touch"]),
                new: json!(["last_touch", "markov"]),
            },
        ],
        failed: vec![DiffCheck::DecisionChange, DiffCheck::Imbalance],
    }
}

fn text(diff: &DiffReport, format: DiffFormat, width: usize) -> String {
    let term = Terminal {
        width,
        ..Terminal::default()
    };
    String::from_utf8(render(diff, format, &term).unwrap()).unwrap()
}

#[test]
fn markdown() {
    insta::assert_snapshot!("diff_markdown", text(&sample(), DiffFormat::Markdown, 100));
}

#[test]
fn table_at_100_columns() {
    insta::assert_snapshot!("diff_table_100", text(&sample(), DiffFormat::Table, 100));
}

#[test]
fn table_at_60_columns() {
    let t = text(&sample(), DiffFormat::Table, 60);
    for line in t.lines() {
        assert!(line.chars().count() <= 60, "{line:?}");
    }
    insta::assert_snapshot!("diff_table_60", t);
}

#[test]
fn the_summary_leads_with_the_verdicts() {
    assert_eq!(
        summary_line(&sample()),
        "2 verdicts changed, 1 estimate left the old interval, 1 row newly flagged for pre-period \
         imbalance, 1 lift row only in the old report, window 90 d only in the new report, model \
         markov (30 d) only in the new report, 1 attribution share moved by 0.1 pp or more, \
         2 attribution rows in one report only, 2 reconciliation periods changed status (1 to \
         mismatch), 2 warning codes added, 1 warning code removed, 2 inputs changed, 2 settings \
         differ."
    );
    let same = DiffReport {
        lift: vec![lift(
            "email",
            None,
            30,
            h(1.0, 0.0, 2.0, Some("scale")),
            h(1.0, 0.0, 2.0, Some("scale")),
        )],
        ..DiffReport::default()
    };
    assert_eq!(
        summary_line(&same),
        "No verdict changed, and nothing else did."
    );
    let doc = document(&same);
    let ids: Vec<&str> = doc.sections.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["summary", "verdicts", "estimates"]);
}

#[test]
fn a_share_is_shown_when_it_moved_by_a_tenth_of_a_point_as_rounded() {
    assert!(share_moved(Some(0.1)));
    assert!(share_moved(Some(-0.0951)));
    assert!(!share_moved(Some(0.0949)));
    assert!(!share_moved(None));
}

#[test]
fn json_is_the_whole_comparison_with_a_trailing_newline() {
    let t = text(&sample(), DiffFormat::Json, 100);
    assert!(t.ends_with("}\n"));
    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
    assert_eq!(v["attribution"].as_array().unwrap().len(), 8);
    assert_eq!(v["failed"], json!(["decision-change", "imbalance"]));
}
