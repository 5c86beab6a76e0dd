//! Every malformed input: exit 2, a message naming file, line, column and
//! value, never a panic or a partial report.

use crate::util::uplift;

/// (file under testdata/bad, flag, what the message must contain)
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "missing_column.csv",
        "--exposures",
        &[":1:", "column \"timestamp\"", "required column is missing"],
    ),
    (
        "duplicate_column.csv",
        "--exposures",
        &[":1:", "column \"channel\"", "appears twice"],
    ),
    (
        "empty_file.csv",
        "--exposures",
        &["empty_file.csv", "is empty"],
    ),
    (
        "header_only.csv",
        "--exposures",
        &["header_only.csv:2:", "no data rows"],
    ),
    (
        "bad_timestamp.csv",
        "--exposures",
        &[":3:", "column \"timestamp\"", "\"01/02/2026\"", "RFC 3339"],
    ),
    // CRLF line endings: the record after a blank line is on line 4, read
    // as plain lines or through the CSV parser (quoted fields).
    (
        "crlf_bad_timestamp.csv",
        "--exposures",
        &[":4:", "column \"timestamp\"", "\"01/02/2026\""],
    ),
    (
        "crlf_quoted_bad_timestamp.csv",
        "--exposures",
        &[":4:", "column \"timestamp\"", "\"01/02/2026\""],
    ),
    (
        "impossible_date.csv",
        "--exposures",
        &[":2:", "column \"timestamp\"", "\"2026-02-30\""],
    ),
    (
        "empty_user_id.csv",
        "--exposures",
        &[":3:", "column \"user_id\"", "is empty"],
    ),
    (
        "unknown_group.csv",
        "--exposures",
        &[":3:", "column \"group\"", "\"treatmnt\"", "holdout"],
    ),
    (
        "ragged_short.csv",
        "--exposures",
        &[":3:", "has 3 fields but the header has 4"],
    ),
    (
        "ragged_long.csv",
        "--exposures",
        &[":2:", "has 5 fields but the header has 4"],
    ),
    (
        "non_utf8.csv",
        "--exposures",
        &[":3:", "column \"user_id\"", "\\xFF", "not UTF-8"],
    ),
    ("binary.csv", "--exposures", &[":1:", "not UTF-8"]),
    (
        "wrong_extension.txt",
        "--exposures",
        &["wrong_extension.txt", "unsupported extension", ".parquet"],
    ),
    (
        "non_numeric_revenue.csv",
        "--revenue",
        &[":3:", "column \"revenue\"", "\"12,50\"", "12.50"],
    ),
    (
        "nan_revenue.csv",
        "--revenue",
        &[":2:", "column \"revenue\"", "\"NaN\"", "finite"],
    ),
    (
        "inf_revenue.csv",
        "--revenue",
        &[":3:", "column \"revenue\"", "\"inf\"", "finite"],
    ),
    (
        "multiline_quoted.csv",
        "--revenue",
        &[":2:", ":4:", "\"x\""],
    ),
    (
        "does_not_exist.csv",
        "--revenue",
        &["does_not_exist.csv", "no such file"],
    ),
];

fn check(stderr_or_stdout: &str, file: &str, wanted: &[&str]) {
    assert!(
        stderr_or_stdout.contains(file),
        "{file}: {stderr_or_stdout}"
    );
    for w in wanted {
        assert!(
            stderr_or_stdout.contains(w),
            "{file}: expected {w:?} in:\n{stderr_or_stdout}"
        );
    }
    assert!(!stderr_or_stdout.contains("panicked"), "{stderr_or_stdout}");
    assert!(
        !stderr_or_stdout.contains("RUST_BACKTRACE"),
        "{stderr_or_stdout}"
    );
}

#[test]
fn validate_explains_every_bad_file_with_exit_2() {
    for (file, flag, wanted) in CASES {
        let path = format!("testdata/bad/{file}");
        let out = uplift().args(["validate", flag, &path]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        check(&String::from_utf8_lossy(&out.stdout), file, wanted);
    }
}

#[test]
fn run_refuses_every_bad_file_with_exit_2_and_no_report() {
    for (file, flag, wanted) in CASES {
        let path = format!("testdata/bad/{file}");
        let (exposures, revenue) = if *flag == "--exposures" {
            (path.as_str(), "testdata/tiny/revenue.csv")
        } else {
            ("testdata/tiny/exposures.csv", path.as_str())
        };
        let out = uplift()
            .args([
                "run",
                "--exposures",
                exposures,
                "--revenue",
                revenue,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(out.stdout.is_empty(), "{file}: a report was written");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("uplift: error: "), "{stderr}");
        check(&stderr, file, wanted);
    }
}

#[test]
fn skip_mode_skips_bad_rows_counts_and_lists_them() {
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/bad/unknown_group.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--on-bad-rows",
            "skip",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["inputs"]["exposures"]["rows"], 2);
    assert_eq!(r["inputs"]["exposures"]["rejected_rows"], 1);
    let skipped = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "skipped_rows")
        .unwrap();
    assert!(skipped["message"].as_str().unwrap().contains("treatmnt"));
}

#[test]
fn skip_mode_still_refuses_a_file_that_cannot_be_read() {
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/bad/missing_column.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--on-bad-rows",
            "skip",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unknown_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("uplift.toml");
    std::fs::write(&cfg, "[columns.exposures]\nuserid = \"customer_id\"\n").unwrap();
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("userid"), "{stderr}");
    assert!(stderr.contains("uplift.toml"), "{stderr}");
}
