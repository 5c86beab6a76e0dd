//! `uplift validate` on good files.

use crate::util::{json, uplift};

#[test]
fn validate_summarises_clean_files_and_exits_0() {
    let r = json(&[
        "validate",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--spend",
        "testdata/tiny/spend.csv",
        "--finance",
        "testdata/tiny/finance.csv",
        "--format",
        "json",
    ]);
    assert_eq!(r["status"], "ok");
    assert_eq!(r["files"][0]["rows"], 15);
    assert_eq!(r["files"][0]["distinct_users"], 12);
    assert_eq!(r["files"][1]["distinct_users"], 13);
    let email = &r["channels"][0];
    assert_eq!(email["channel"], "email");
    assert_eq!(email["exposed_users"], 3);
    assert_eq!(email["control_users"], 3);
    assert_eq!(email["contaminated_users"], 1);
    assert_eq!(r["channels"][1]["organic_users"], 2);
}

#[test]
fn validate_lists_every_problem_not_just_the_first() {
    let out = uplift()
        .args([
            "validate",
            "--revenue",
            "testdata/bad/multiline_quoted.csv",
            "--exposures",
            "testdata/bad/unknown_group.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 problems found"), "{text}");
}
