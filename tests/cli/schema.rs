//! `uplift schema`: the committed docs/report.schema.json is the generated
//! one, it is a draft 2020-12 schema, every fixture's JSON report validates
//! against it, and a broken report does not.

use crate::util::{SIM_INPUTS as SIM, uplift};
use jsonschema::Validator;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::LazyLock;

const COMMITTED: &str = "docs/report.schema.json";

/// `uplift schema`, as bytes.
fn generated() -> Vec<u8> {
    let out = uplift().arg("schema").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The committed schema.
fn committed() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The committed schema, compiled for draft 2020-12.
static VALIDATOR: LazyLock<Validator> =
    LazyLock::new(|| jsonschema::draft202012::new(&committed()).unwrap());

/// Every place `report` breaks the schema, one line each.
fn violations(report: &Value) -> Vec<String> {
    VALIDATOR
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The JSON report of `uplift args --format json` (exit 0, or 3 when a
/// `--fail-on` check failed: the report is written all the same).
fn report(args: &[&str]) -> Value {
    let out = uplift()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "uplift {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Asserts that the report of `uplift args` validates; returns it.
fn valid(args: &[&str]) -> Value {
    let r = report(args);
    let found = violations(&r);
    assert!(
        found.is_empty(),
        "the report of uplift {} breaks {COMMITTED}:\n{}",
        args.join(" "),
        found.join("\n")
    );
    r
}

const TINY: [&str; 4] = [
    "--exposures",
    "testdata/tiny/exposures.csv",
    "--revenue",
    "testdata/tiny/revenue.csv",
];

fn with<'a>(command: &'a str, a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    [&[command][..], a, b].concat()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let want = generated();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let have = std::fs::read(&path).unwrap_or_default();
    assert!(
        have == want,
        "{COMMITTED} is not what `uplift schema` prints: the report's types or \
         their doc comments changed, or the file was edited. Regenerate it with \
         `cargo run -- schema --output {COMMITTED}` and commit it."
    );
}

#[test]
fn output_writes_the_same_bytes_and_every_run_prints_them() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report.schema.json");
    let out = uplift()
        .args(["schema", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let printed = generated();
    assert_eq!(std::fs::read(&file).unwrap(), printed);
    assert_eq!(generated(), printed);
    assert!(printed.ends_with(b"}\n"));
}

#[test]
fn the_schema_is_draft_2020_12_and_names_uplift_and_the_schema_version() {
    let s = committed();
    jsonschema::meta::validate(&s).unwrap();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["$id"], "urn:uplift:report:1");
    assert_eq!(s["title"], "uplift report, schema_version 1");
    assert_eq!(s["properties"]["schema_version"]["const"], 1);
    // Open objects: a later version may add fields.
    let text = serde_json::to_string(&s).unwrap();
    let closed = text.matches("\"additionalProperties\":false").count();
    assert_eq!(
        closed, 1,
        "only the tag object of the horizon `{{\"steps\": n}}`"
    );
    // Fields left out when empty are not required; the rest are.
    let required = |def: &str| -> Vec<&str> {
        let at = if def.is_empty() { &s } else { &s["$defs"][def] };
        at["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect()
    };
    let top = required("");
    for field in ["schema_version", "lift", "attribution", "reconciliation"] {
        assert!(top.contains(&field), "{field} {top:?}");
    }
    for field in ["decomposition", "calibration", "markov"] {
        assert!(!top.contains(&field), "{field} {top:?}");
    }
    assert!(!required("LiftRow").contains(&"bootstrap"));
    assert!(required("LiftRow").contains(&"iroas"));
    assert!(!required("AttributionRow").contains(&"cac"));
    assert!(!required("RunSettings").contains(&"from_aggregates"));
    // A number that may not exist is a number or null, never NaN.
    assert_eq!(
        s["$defs"]["Interval"]["properties"]["estimate"]["type"],
        json!(["number", "null"])
    );
    assert_eq!(
        s["$defs"]["ChannelAmount"]["properties"]["amount"]["type"],
        "number"
    );
}

#[test]
fn run_reports_of_tiny_validate() {
    valid(&with("run", &TINY, &[]));
    let r = valid(&with(
        "run",
        &TINY,
        &["--no-cuped", "--window", "7", "--as-of", "2026-03-31"],
    ));
    assert!(r["config"]["as_of"].is_string());
    let full = valid(&with(
        "run",
        &TINY,
        &[
            "--spend",
            "testdata/tiny/spend.csv",
            "--finance",
            "testdata/tiny/finance.csv",
            "--config",
            "testdata/tiny/uplift.toml",
            "--fail-on",
            "reconciliation",
            "--fail-on",
            "srm",
            "--fail-on",
            "negative-lift",
        ],
    ));
    assert!(full["reconciliation"].is_object());
    let boot = valid(&with("run", &TINY, &["--bootstrap", "200", "--seed", "5"]));
    assert!(
        boot["lift"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["bootstrap"].is_object())
    );
}

#[test]
fn run_reports_of_other_file_forms_validate() {
    valid(&[
        "run",
        "--exposures",
        "testdata/ok/bom_crlf_exposures.csv",
        "--revenue",
        "testdata/ok/crlf_revenue.csv",
    ]);
    for ext in ["csv.gz", "parquet"] {
        let e = format!("testdata/formats/exposures.{ext}");
        let r = format!("testdata/formats/revenue.{ext}");
        let s = format!("testdata/formats/spend.{ext}");
        let f = format!("testdata/formats/finance.{ext}");
        valid(&[
            "run",
            "--exposures",
            &e,
            "--revenue",
            &r,
            "--spend",
            &s,
            "--finance",
            &f,
            "--window",
            "30",
            "--window",
            "60",
        ]);
    }
    let skipped = valid(&[
        "run",
        "--exposures",
        "testdata/bad/unknown_group.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert!(
        skipped["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "skipped_rows")
    );
}

#[test]
fn run_reports_of_sim_and_ties_validate() {
    let r = valid(&with(
        "run",
        SIM,
        &["--window", "30", "--window", "60", "--window", "90"],
    ));
    for section in ["decomposition", "calibration"] {
        assert!(!r[section].as_array().unwrap().is_empty(), "{section}");
    }
    assert!(
        r["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["cac"].is_number())
    );
    let mut ties = SIM.to_vec();
    ties[1] = "testdata/ties/exposures.csv.gz";
    valid(&with("run", &ties, &[]));
    ties[1] = "testdata/ties/exposures_by_channel.csv.gz";
    valid(&with("run", &ties, &["--window", "90"]));
}

#[test]
fn attribute_and_reconcile_reports_validate() {
    valid(&with("attribute", &TINY, &[]));
    let markov = valid(&with("attribute", &TINY, &["--explain", "markov"]));
    assert!(!markov["markov"].as_array().unwrap().is_empty());
    valid(&with(
        "attribute",
        &TINY,
        &[
            "--model",
            "markov",
            "--markov-order",
            "2",
            "--markov-horizon",
            "3",
            "--explain",
            "markov",
        ],
    ));
    valid(&with(
        "attribute",
        &SIM[..4],
        &[
            "--markov-horizon",
            "inf",
            "--window",
            "30",
            "--window",
            "90",
        ],
    ));
    valid(&[
        "reconcile",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--finance",
        "testdata/tiny/finance.csv",
    ]);
    valid(&[
        "reconcile",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--finance",
        "testdata/sim/finance.csv",
        "--fail-on",
        "reconciliation",
    ]);
}

#[test]
fn reports_from_warehouse_aggregates_validate() {
    let base = [
        "run",
        "--from-aggregates",
        "testdata/warehouse",
        "--config",
        "testdata/sim/uplift.toml",
    ];
    let r = valid(&base);
    assert!(r["config"]["from_aggregates"].is_string());
    valid(&[&base[..], &["--bootstrap", "200", "--seed", "1"]].concat());
}

/// A way to break a report, named.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn a_broken_report_does_not_validate() {
    let good = report(&with("run", &TINY, &["--bootstrap", "50"]));
    assert!(violations(&good).is_empty());
    let broken: [Breakage; 9] = [
        ("a channel that is a number", |r| {
            r["lift"][0]["channel"] = json!(7)
        }),
        ("no schema_version", |r| {
            r.as_object_mut().unwrap().remove("schema_version");
        }),
        ("another schema_version", |r| r["schema_version"] = json!(2)),
        ("no lift rows", |r| {
            r.as_object_mut().unwrap().remove("lift");
        }),
        ("an estimate that is text", |r| {
            r["lift"][0]["revenue_per_user_lift"]["estimate"] = json!("NaN")
        }),
        ("a count below zero", |r| {
            r["lift"][0]["exposed"]["users"] = json!(-1)
        }),
        ("an unknown warning code", |r| {
            r["warnings"] = json!([{"code": "no_such_code", "message": "m"}])
        }),
        ("a null bootstrap", |r| {
            r["lift"][0]["bootstrap"] = Value::Null
        }),
        ("a config of no subcommand", |r| {
            r["config"] = json!({"windows": [30]})
        }),
    ];
    for (what, breaks) in broken {
        let mut r = good.clone();
        breaks(&mut r);
        assert!(!violations(&r).is_empty(), "{what}: validates");
    }
    // Added fields are allowed: the contract lets later versions add them.
    let mut r = good.clone();
    r["new_section"] = json!([]);
    r["lift"][0]["new_field"] = json!(1);
    assert!(violations(&r).is_empty(), "{:?}", violations(&r));
}

const COMMITTED_DIFF: &str = "docs/diff.schema.json";

#[test]
fn the_committed_diff_schema_is_the_generated_one_and_diffs_validate() {
    let out = uplift().args(["schema", "--diff"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_DIFF);
    assert!(
        std::fs::read(&path).unwrap_or_default() == out.stdout,
        "{COMMITTED_DIFF} is not what `uplift schema --diff` prints: regenerate it with \
         `cargo run -- schema --diff --output {COMMITTED_DIFF}` and commit it."
    );
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    jsonschema::meta::validate(&schema).unwrap();
    assert_eq!(schema["$id"], "urn:uplift:diff:1");
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    // Two runs of tiny that differ in windows, spend and finance (rows,
    // periods and inputs of one report only), compared both ways.
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, extra: &[&str]| {
        let r = report(&with("run", &TINY, extra));
        std::fs::write(tmp.path().join(name), serde_json::to_vec(&r).unwrap()).unwrap();
    };
    write("a.json", &["--window", "7"]);
    write(
        "b.json",
        &[
            "--window",
            "7",
            "--window",
            "30",
            "--spend",
            "testdata/tiny/spend.csv",
            "--finance",
            "testdata/tiny/finance.csv",
        ],
    );
    for (old, new) in [("a.json", "b.json"), ("b.json", "a.json")] {
        let out = uplift()
            .current_dir(tmp.path())
            .args([
                "diff",
                old,
                new,
                "--format",
                "json",
                "--fail-on",
                "decision-change,reconciliation,new-warning",
            ])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 3)));
        let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<String> = validator
            .iter_errors(&diff)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(found.is_empty(), "{old} → {new}:\n{}", found.join("\n"));
    }
    // A broken diff does not validate.
    let broken = json!({"old": {}, "new": {}, "lift": "none"});
    assert!(!validator.is_valid(&broken));
}
