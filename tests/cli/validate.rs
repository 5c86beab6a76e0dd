//! `uplift validate` on good files.

use crate::util::{SIM_INPUTS, json, uplift};

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

#[test]
fn a_column_mapped_export_validates_and_gives_the_numbers_of_the_canonical_one() {
    let mapped = [
        "--exposures",
        "examples/mapped/touchpoints.csv",
        "--revenue",
        "examples/mapped/orders.csv",
        "--config",
        "examples/mapped/uplift.toml",
    ];
    uplift().arg("validate").args(mapped).assert().code(0);
    let a = json(&[&["run"][..], &mapped[..], &["--format", "json"]].concat());
    let b = json(&[
        "run",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--config",
        "testdata/tiny/uplift.toml",
        "--format",
        "json",
    ]);
    assert_eq!(a["lift"], b["lift"]);
}

#[test]
fn the_shipped_example_data_validates() {
    uplift().arg("validate").args(SIM_INPUTS).assert().code(0);
}
