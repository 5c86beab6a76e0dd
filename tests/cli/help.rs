//! `--help` of `uplift` and of every subcommand, as snapshots
//! (`snapshots/cli__help__*.snap`): a change of a flag, its text or the
//! layout shows up as a reviewable diff.
//!
//! The layout does not depend on the terminal: the child's stdin is null
//! and its stdout and stderr are pipes, so clap finds no terminal and wraps
//! at `COLUMNS`, set here to 100 (the CLI's `max_term_width`), whatever the
//! width or `COLUMNS` of the shell that runs the tests. `NO_COLOR` (set by
//! [`uplift`]) keeps it plain text.

use crate::util::uplift;

/// The help text `uplift ARGS` prints, checked to exit 0 and write nothing
/// to stderr.
fn help(args: &[&str]) -> String {
    let out = uplift().args(args).env("COLUMNS", "100").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "uplift {args:?} exits 0");
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn uplift_help() {
    insta::assert_snapshot!("uplift", help(&["--help"]));
}

#[test]
fn run_help() {
    insta::assert_snapshot!("run", help(&["run", "--help"]));
}

#[test]
fn attribute_help() {
    insta::assert_snapshot!("attribute", help(&["attribute", "--help"]));
}

#[test]
fn reconcile_help() {
    insta::assert_snapshot!("reconcile", help(&["reconcile", "--help"]));
}

#[test]
fn validate_help() {
    insta::assert_snapshot!("validate", help(&["validate", "--help"]));
}

#[test]
fn simulate_help() {
    insta::assert_snapshot!("simulate", help(&["simulate", "--help"]));
}

#[test]
fn power_help() {
    insta::assert_snapshot!("power", help(&["power", "--help"]));
}

#[test]
fn sql_help() {
    insta::assert_snapshot!("sql", help(&["sql", "--help"]));
}

#[test]
fn diff_help() {
    insta::assert_snapshot!("diff", help(&["diff", "--help"]));
}

#[test]
fn schema_help() {
    insta::assert_snapshot!("schema", help(&["schema", "--help"]));
}

/// Every line fits the 100 columns the help is wrapped at.
#[test]
fn no_help_line_is_wider_than_100_columns() {
    for sub in [
        "run",
        "attribute",
        "reconcile",
        "validate",
        "simulate",
        "power",
        "sql",
        "diff",
        "schema",
    ] {
        for line in help(&[sub, "--help"]).lines() {
            assert!(line.chars().count() <= 100, "uplift {sub} --help: {line:?}");
        }
    }
}
