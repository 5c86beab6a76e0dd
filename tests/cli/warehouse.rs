//! Warehouse mode: `uplift sql` and `uplift run --from-aggregates`.
//!
//! The round trips load testdata/sim into a real PostgreSQL server (Debian's
//! package, started on a loopback port) and into DuckDB, run the generated
//! SQL there, and compare the report with the in-process run field by field
//! (relative 1e-9). They need the engines, which scripts/warehouse/env.sh
//! installs; when that is impossible they fail under CI and are skipped
//! (with a note) elsewhere.

use crate::util::uplift;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SIM: &str = "testdata/sim";
const DIALECTS: [&str; 5] = ["postgres", "duckdb", "spark", "bigquery", "snowflake"];
const AGGREGATES: [&str; 12] = [
    "meta",
    "channels",
    "cohorts",
    "attribution_totals",
    "credits",
    "calibration_credits",
    "markov",
    "calibration_markov",
    "daily_revenue",
    "exposure_cost",
    "spend",
    "finance",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every number equal within 1e-9 relative (1e-9 absolute near zero), every
/// other value equal; `inputs` and `config.from_aggregates` are where the
/// two runs differ by design.
fn assert_same(a: &Value, b: &Value, path: &str, differences: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                if (path.is_empty() && k == "inputs")
                    || (path == "/config" && k == "from_aggregates")
                {
                    continue;
                }
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => assert_same(p, q, &format!("{path}/{k}"), differences),
                    _ => differences.push(format!("{path}/{k}: only in one report")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                differences.push(format!("{path}: {} vs {} items", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_same(p, q, &format!("{path}/{i}"), differences);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0) {
                differences.push(format!("{path}: {x} vs {y}"));
            }
        }
        _ => {
            if a != b {
                differences.push(format!("{path}: {a} vs {b}"));
            }
        }
    }
}

fn compare(in_process: &Value, warehouse: &Value) -> usize {
    let mut differences = Vec::new();
    assert_same(in_process, warehouse, "", &mut differences);
    assert!(
        differences.is_empty(),
        "{} differences, the first: {:#?}",
        differences.len(),
        &differences[..differences.len().min(20)]
    );
    count_numbers(in_process)
}

fn count_numbers(v: &Value) -> usize {
    match v {
        Value::Number(_) => 1,
        Value::Array(a) => a.iter().map(count_numbers).sum(),
        Value::Object(o) => o.values().map(count_numbers).sum(),
        _ => 0,
    }
}

fn json_of(args: &[&str]) -> Value {
    let out = uplift().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "uplift {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The in-process report of testdata/sim with `windows`.
fn in_process(windows: &[&str], extra: &[&str]) -> Value {
    in_process_of("testdata/sim/exposures.csv.gz", windows, extra)
}

/// The in-process report of testdata/sim with other exposures.
fn in_process_of(exposures: &str, windows: &[&str], extra: &[&str]) -> Value {
    let mut args = vec![
        "run",
        "--exposures",
        exposures,
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--spend",
        "testdata/sim/spend.csv",
        "--finance",
        "testdata/sim/finance.csv",
        "--config",
        "testdata/sim/uplift.toml",
        "--format",
        "json",
    ];
    for w in windows {
        args.extend(["--window", w]);
    }
    args.extend(extra);
    json_of(&args)
}

fn from_aggregates(dir: &Path, windows: &[&str], extra: &[&str]) -> Value {
    let d = dir.display().to_string();
    let mut args = vec![
        "run",
        "--from-aggregates",
        &d,
        "--config",
        "testdata/sim/uplift.toml",
        "--format",
        "json",
    ];
    for w in windows {
        args.extend(["--window", w]);
    }
    args.extend(extra);
    json_of(&args)
}

/// Installs the engines when possible; `false` (skip) outside CI when not.
fn engines_ready() -> bool {
    let ok = Command::new("bash")
        .arg(root().join("scripts/warehouse/env.sh"))
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have PostgreSQL and DuckDB (scripts/warehouse/env.sh failed)"
        );
        eprintln!("note: PostgreSQL / DuckDB unavailable here; warehouse round trip skipped");
    }
    ok
}

fn write_sql(dialect: &str, windows: &[&str], extra: &[&str], dir: &Path) {
    let d = dir.display().to_string();
    let mut args = vec![
        "sql",
        "--dialect",
        dialect,
        "--exposures-table",
        "exposures",
        "--revenue-table",
        "revenue",
        "--spend-table",
        "spend",
        "--finance-table",
        "finance",
        "--config",
        "testdata/sim/uplift.toml",
        "--out-dir",
        &d,
    ];
    for w in windows {
        args.extend(["--window", w]);
    }
    args.extend(extra);
    uplift().args(&args).assert().success();
}

fn run_script(cmd: &mut Command) {
    let out = cmd.current_dir(root()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stops the server when the test ends, however it ends.
struct Server(PathBuf);

impl Server {
    /// A throw-away PostgreSQL server with its data in `dir`, and its port.
    fn start(dir: &Path) -> (Server, String) {
        let out = Command::new("bash")
            .arg(root().join("scripts/warehouse/pg.sh"))
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        let server = Server(dir.to_path_buf());
        assert!(
            out.status.success(),
            "pg.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            server,
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("scripts/warehouse/pg.sh"))
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn postgres_aggregates_give_the_in_process_report() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "90"];
    write_sql("postgres", &windows, &[], &tmp.path().join("sql"));
    let (_server, port) = Server::start(&tmp.path().join("pg"));
    let agg = tmp.path().join("agg");
    run_script(
        Command::new("bash")
            .arg("scripts/warehouse/pg_aggregates.sh")
            .arg(&port)
            .arg(SIM)
            .arg(tmp.path().join("sql"))
            .arg(&agg),
    );
    let warehouse = from_aggregates(&agg, &windows, &[]);
    let n = compare(&in_process(&windows, &[]), &warehouse);
    assert!(n > 3000, "only {n} numbers compared");
    // `inputs` names every aggregate file with its SHA-256.
    for name in AGGREGATES {
        let sha = warehouse["inputs"][name]["sha256"].as_str().unwrap_or("");
        assert_eq!(sha.len(), 64, "inputs.{name}: {}", warehouse["inputs"]);
    }
}

#[test]
fn duckdb_aggregates_give_the_in_process_report() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // Other model parameters than the defaults, which shape the SQL.
    let windows = ["30", "60"];
    let params = [
        "--markov-order",
        "2",
        "--half-life",
        "3",
        "--position-weights",
        "0.3,0.5",
    ];
    write_sql("duckdb", &windows, &params, &tmp.path().join("sql"));
    let agg = tmp.path().join("agg");
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/duckdb_aggregates.py")
            .arg(SIM)
            .arg(tmp.path().join("sql"))
            .arg(&agg),
    );
    // Reading flags shape no aggregate: the same SQL serves them.
    let mut flags = params.to_vec();
    flags.extend(["--sequential", "--mde", "0.05"]);
    let n = compare(
        &in_process(&windows, &flags),
        &from_aggregates(&agg, &windows, &flags),
    );
    assert!(n > 3000, "only {n} numbers compared");
}

/// A local Spark session (pyspark) can run: where it can be installed
/// (`scripts/warehouse/env.sh --spark`, which .ci/run calls).
fn spark_ready() -> bool {
    let spark = Command::new("python3")
        .args(["-c", "import pyspark"])
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("java")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !spark {
        eprintln!("note: pyspark or Java unavailable here; Spark round trip skipped");
    }
    spark
}

#[test]
fn spark_aggregates_give_the_in_process_report() {
    if !spark_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "90"];
    write_sql("spark", &windows, &[], &tmp.path().join("sql"));
    let agg = tmp.path().join("agg");
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/spark_aggregates.py")
            .arg(SIM)
            .arg(tmp.path().join("sql"))
            .arg(&agg),
    );
    let n = compare(
        &in_process(&windows, &[]),
        &from_aggregates(&agg, &windows, &[]),
    );
    assert!(n > 3000, "only {n} numbers compared");
}

#[test]
fn the_committed_duckdb_aggregates_give_the_in_process_report() {
    // testdata/warehouse/ (scripts/warehouse/make_fixture.sh): no engine needed.
    let dir = root().join("testdata/warehouse");
    let warehouse = from_aggregates(&dir, &["30"], &[]);
    let n = compare(&in_process(&["30"], &[]), &warehouse);
    assert!(n > 1500, "only {n} numbers compared");
    assert_eq!(
        warehouse["config"]["from_aggregates"],
        dir.display().to_string()
    );
}

/// Sequential intervals, the plan's status (with the enrollment rate from
/// the channels' labeled spans) and the balance come out of the aggregates
/// as in process.
#[test]
fn the_weekly_reading_from_aggregates_equals_the_in_process_one() {
    let dir = root().join("testdata/warehouse");
    let reading = [
        "--sequential",
        "--sequential-tuning",
        "2000",
        "--mde",
        "0.05",
        "--target-power",
        "0.9",
    ];
    let warehouse = from_aggregates(&dir, &["30"], &reading);
    let n = compare(&in_process(&["30"], &reading), &warehouse);
    assert!(n > 1500, "only {n} numbers compared");
    let rows = warehouse["lift"].as_array().unwrap();
    assert!(
        rows.iter()
            .filter(|r| r["segment"].is_null())
            .all(|r| r["status"]["days_to_power"].as_u64().is_some_and(|d| d > 0)),
        "every channel has days to power"
    );
    assert!(rows.iter().all(|r| r["balance"]["p_value"].is_number()));
}

#[test]
fn every_format_renders_from_aggregates() {
    for (format, mark) in [
        ("table", "email"),
        ("csv", "revenue_per_user_lift_ci_low"),
        ("markdown", "| **email** |"),
        ("html", "<svg"),
        ("calibration", "liftAbs"),
    ] {
        let out = uplift()
            .args([
                "run",
                "--from-aggregates",
                "testdata/warehouse",
                "--config",
                "testdata/sim/uplift.toml",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(mark), "{format}: no {mark}");
    }
}

#[test]
fn the_bootstrap_and_placebo_runs_are_left_out_with_a_warning() {
    let dir = root().join("testdata/warehouse");
    let r = from_aggregates(
        &dir,
        &["30"],
        &["--bootstrap", "200", "--placebo", "50", "--seed", "1"],
    );
    assert!(r["lift"].as_array().unwrap().iter().all(|row| {
        row.get("bootstrap").is_none_or(Value::is_null) && row["placebo"].is_null()
    }));
    let codes: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert!(codes.contains(&"bootstrap_unavailable"), "{codes:?}");
    assert!(codes.contains(&"placebo_unavailable"), "{codes:?}");
}

#[test]
fn aggregates_of_other_settings_are_refused() {
    let out = uplift()
        .args([
            "run",
            "--from-aggregates",
            "testdata/warehouse",
            "--window",
            "60",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("meta.csv.gz:2: column \"settings\""), "{err}");
    assert!(
        err.contains("windows 30 but this run asks for windows 60"),
        "{err}"
    );
}

#[test]
fn a_missing_aggregate_and_a_bad_value_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("testdata/warehouse");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::remove_file(tmp.path().join("credits.csv.gz")).unwrap();
    let d = tmp.path().display().to_string();
    let out = uplift()
        .args(["run", "--from-aggregates", &d, "--window", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("aggregate \"credits\" is missing"), "{err}");

    std::fs::copy(
        src.join("credits.csv.gz"),
        tmp.path().join("credits.csv.gz"),
    )
    .unwrap();
    std::fs::remove_file(tmp.path().join("cohorts.csv.gz")).unwrap();
    std::fs::write(
        tmp.path().join("cohorts.csv"),
        "channel,window_days,arm,segment,users,excluded,converters,sum_y,m2_y,sum_x,m2_x,c_xy\n\
         email,30,exposed,,10,0,3,12.5,4.0,1.0,2.0,0.5\n\
         email,30,control,,10,0,3,12.5,abc,1.0,2.0,0.5\n",
    )
    .unwrap();
    let out = uplift()
        .args(["run", "--from-aggregates", &d, "--window", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cohorts.csv:3: column \"m2_y\": \"abc\" is not a number"),
        "{err}"
    );
}

#[test]
fn sql_prints_one_select_per_aggregate_in_every_dialect() {
    let engine_marks = [
        (
            "postgres",
            "EXTRACT(EPOCH FROM \"timestamp\")",
            "STRING_AGG(tp.ch, '>' ORDER BY tp.t, tp.ch, tp.camp)",
        ),
        (
            "duckdb",
            "epoch_us(\"timestamp\")",
            "STRING_AGG(tp.ch, '>' ORDER BY tp.t, tp.ch, tp.camp)",
        ),
        (
            "spark",
            "unix_micros(`timestamp`)",
            "array_sort(collect_list(named_struct('t', tp.t, 'ch', tp.ch, 'camp', tp.camp)))",
        ),
        (
            "bigquery",
            "UNIX_MICROS(`timestamp`)",
            "STRING_AGG(tp.ch, '>' ORDER BY tp.t, tp.ch, tp.camp)",
        ),
        (
            "snowflake",
            "DATE_PART(EPOCH_MICROSECOND, \"timestamp\")",
            "LISTAGG(tp.ch, '>') WITHIN GROUP (ORDER BY tp.t, tp.ch, tp.camp)",
        ),
    ];
    for (dialect, time, path) in engine_marks {
        let out = uplift()
            .args([
                "sql",
                "--dialect",
                dialect,
                "--exposures-table",
                "mkt.exposures",
                "--revenue-table",
                "shop.orders",
                "--spend-table",
                "mkt.spend",
                "--finance-table",
                "fin.booked",
                "--window",
                "30",
                "--window",
                "90",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("-- uplift:aggregate "))
            .collect();
        assert_eq!(names, AGGREGATES, "{dialect}");
        assert!(text.contains(time), "{dialect}: {time}");
        assert!(text.contains(path), "{dialect}: {path}");
        assert!(text.contains("FROM mkt.exposures") && text.contains("FROM shop.orders"));
        assert!(text.contains("SELECT 30 AS days UNION ALL SELECT 90 AS days"));
        // One statement per aggregate: the only semicolons end them.
        assert_eq!(text.matches(';').count(), 12);
    }
    assert_eq!(DIALECTS.len(), engine_marks.len());
}

#[test]
fn sql_follows_the_mapping_and_leaves_out_missing_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("sql").display().to_string();
    let out = uplift()
        .args([
            "sql",
            "--dialect",
            "bigquery",
            "--exposures-table",
            "e",
            "--revenue-table",
            "r",
            "--config",
            "examples/mapped/uplift.toml",
            "--missing-column",
            "cost,segment",
            "--model",
            "markov",
            "--out-dir",
            &d,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut files: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // No exposure_cost (no cost column), no spend or finance table.
    assert_eq!(
        files,
        [
            "attribution_totals.sql",
            "calibration_credits.sql",
            "calibration_markov.sql",
            "channels.sql",
            "cohorts.sql",
            "credits.sql",
            "daily_revenue.sql",
            "markov.sql",
            "meta.sql",
        ]
    );
    let meta = std::fs::read_to_string(tmp.path().join("sql/meta.sql")).unwrap();
    let cfg = std::fs::read_to_string(root().join("examples/mapped/uplift.toml")).unwrap();
    assert!(cfg.contains("customer_id"));
    assert!(meta.contains("`customer_id`"), "{meta}");
    assert!(meta.contains("CAST(NULL AS STRING) AS seg"));
    assert!(!meta.contains(';'));
}

/// `uplift sql` with the tables given; (exit code, stdout, stderr).
fn sql_with_tables(
    dialect: &str,
    tables: [&str; 4],
    out_dir: Option<&Path>,
) -> (i32, String, String) {
    let mut args = vec!["sql", "--dialect", dialect];
    for (flag, t) in [
        "--exposures-table",
        "--revenue-table",
        "--spend-table",
        "--finance-table",
    ]
    .into_iter()
    .zip(tables)
    {
        args.extend([flag, t]);
    }
    let d = out_dir.map(|d| d.display().to_string());
    if let Some(d) = &d {
        args.extend(["--out-dir", d]);
    }
    let out = uplift().args(&args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn table_names_cannot_inject_sql() {
    let tmp = tempfile::tempdir().unwrap();
    for dialect in DIALECTS {
        let (q, other) = if ["spark", "bigquery"].contains(&dialect) {
            ('`', '"')
        } else {
            ('"', '`')
        };
        let injections = [
            "x; DROP TABLE users;--".to_string(),
            "x;".into(),
            "x --".into(),
            "x--".into(),
            "x/* c */".into(),
            "/**/x".into(),
            "x y".into(),
            "x ".into(),
            "x\ny".into(),
            "x'".into(),
            "'x'".into(),
            String::new(),
            "mkt.".into(),
            "mkt..x".into(),
            format!("{q}x"),
            format!("{q}x{q}{q}"),
            format!("x{q}; DROP TABLE users;--"),
            format!("{q}a{q} {q}b{q}"),
            format!("{other}x{other}"),
            format!("{other}x; DROP TABLE users;--{other}"),
        ];
        for (k, bad) in injections.iter().enumerate() {
            // Each flag in turn, the others legal.
            let flag = [
                "exposures-table",
                "revenue-table",
                "spend-table",
                "finance-table",
            ][k % 4];
            let mut tables = ["e", "r", "s", "f"];
            tables[k % 4] = bad;
            let dir = tmp.path().join(format!("{dialect}-{k}"));
            let (code, out, err) = sql_with_tables(dialect, tables, Some(&dir));
            assert_eq!(code, 2, "{dialect} --{flag} {bad:?}: {out}{err}");
            let shown = bad.replace('\n', "\\n");
            assert!(
                err.contains(&format!("--{flag} \"{shown}\": ")),
                "{dialect} --{flag} {bad:?}: {err}"
            );
            assert!(err.contains("expected a table name"), "{err}");
            assert!(out.is_empty(), "{out}");
            assert!(!dir.exists(), "{dialect} {bad:?}: --out-dir was created");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

#[test]
fn table_names_in_the_dialects_own_quotes_are_accepted() {
    for dialect in DIALECTS {
        let names: Vec<String> = if ["spark", "bigquery"].contains(&dialect) {
            vec![
                "mkt.exposures".into(),
                "`proj.ds.exposures`".into(),
                "`my-proj`.ds.`order``s`".into(),
                "proj-1.mkt.fin$2".into(),
            ]
        } else {
            vec![
                "mkt.exposures".into(),
                "\"My Schema\".\"exp\"".into(),
                "\"a \"\"quoted\"\" name\".t".into(),
                "_x.fin$2".into(),
            ]
        };
        let tables = [&*names[0], &*names[1], &*names[2], &*names[3]];
        let (code, out, err) = sql_with_tables(dialect, tables, None);
        assert_eq!(code, 0, "{dialect} {names:?}: {err}");
        for name in &names {
            assert!(
                out.contains(&format!("FROM {name}\n")),
                "{dialect}: FROM {name}"
            );
        }
        // Still one statement per aggregate: the only semicolons end them.
        assert_eq!(out.matches(';').count(), AGGREGATES.len(), "{dialect}");
        assert_eq!(
            out.lines()
                .filter(|l| l.starts_with("-- uplift:aggregate "))
                .count(),
            AGGREGATES.len()
        );
    }
}

// Ties: touches of a user with the same timestamp. testdata/ties
// (scripts/warehouse/make_ties.py) holds testdata/sim's exposures cut to the
// hour, so that touches of different channels share a timestamp, with a
// column `seq` (the row's position in the file), and the same rows sorted
// stably by (timestamp, channel, campaign); `expected.json` counts, per
// window, the attributed conversions whose path holds such a tie.

const TIES: &str = "testdata/ties/exposures.csv.gz";
const TIES_BY_CHANNEL: &str = "testdata/ties/exposures_by_channel.csv.gz";

/// A data directory for the loading scripts: the tie fixture's exposures
/// (with `seq`) and testdata/sim's other files.
fn ties_data(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(root().join(TIES), data.join("exposures.csv.gz")).unwrap();
    for f in ["revenue.csv.gz", "spend.csv", "finance.csv"] {
        std::fs::copy(root().join(SIM).join(f), data.join(f)).unwrap();
    }
    data
}

/// The SQL of `dialect` with `--order-column seq` (in tmp/sql-seq) and
/// without (tmp/sql-none); the loading scripts' arguments for both.
fn ties_sql(dialect: &str, windows: &[&str], tmp: &Path) -> Vec<PathBuf> {
    let p = |n: &str| tmp.join(n);
    write_sql(dialect, windows, &["--order-column", "seq"], &p("sql-seq"));
    write_sql(dialect, windows, &[], &p("sql-none"));
    vec![p("sql-seq"), p("agg-seq"), p("sql-none"), p("agg-none")]
}

/// The counts of `expected.json` for window `w`: (tied, attributed).
fn expected_ties(w: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(root().join("testdata/ties/expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let n = |k: &str| v["windows"][w][k].as_u64().unwrap();
    (n("tied_conversions"), n("attributed_conversions"))
}

fn warning_codes(r: &Value) -> Vec<String> {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str().map(str::to_string))
        .collect()
}

/// With `--order-column seq` the report equals the in-process one of the
/// file; without, the in-process one of the rows ordered by channel, then
/// campaign, plus the `warehouse_tie_order` warning with the expected counts.
fn assert_tie_orders(tmp: &Path, windows: &[&str]) {
    let with_seq = from_aggregates(&tmp.join("agg-seq"), windows, &[]);
    assert!(
        !warning_codes(&with_seq).contains(&"warehouse_tie_order".to_string()),
        "{:?}",
        warning_codes(&with_seq)
    );
    // About 1,700 numbers a window.
    let enough = 1500 * windows.len();
    let n = compare(&in_process_of(TIES, windows, &[]), &with_seq);
    assert!(n > enough, "only {n} numbers compared");

    let mut by_channel = from_aggregates(&tmp.join("agg-none"), windows, &[]);
    let warnings = by_channel["warnings"].as_array_mut().unwrap();
    let at = warnings
        .iter()
        .position(|w| w["code"] == "warehouse_tie_order")
        .expect("a warehouse_tie_order warning");
    let message = warnings.remove(at)["message"].as_str().unwrap().to_string();
    for w in windows {
        let (tied, attributed) = expected_ties(w);
        assert!(tied > 0);
        assert!(
            message.contains(&format!("{tied} of {attributed} in the {w}-day window")),
            "window {w}: {tied} of {attributed} expected: {message}"
        );
    }
    let n = compare(&in_process_of(TIES_BY_CHANNEL, windows, &[]), &by_channel);
    assert!(n > enough, "only {n} numbers compared");
}

#[test]
fn the_tie_fixture_orders_first_touches_differently_by_file_and_by_channel() {
    // Else the round trips below could not tell the two orders apart.
    let windows = ["30", "90"];
    let file = in_process_of(TIES, &windows, &[]);
    let by_channel = in_process_of(TIES_BY_CHANNEL, &windows, &[]);
    let rows = |r: &Value, model: &str| -> Vec<(u64, String, f64)> {
        r["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["model"] == model)
            .map(|x| {
                (
                    x["window_days"].as_u64().unwrap(),
                    x["channel"].as_str().unwrap().to_string(),
                    x["conversions"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    for w in [30, 90] {
        let a: Vec<_> = rows(&file, "first_touch")
            .into_iter()
            .filter(|r| r.0 == w)
            .collect();
        let b: Vec<_> = rows(&by_channel, "first_touch")
            .into_iter()
            .filter(|r| r.0 == w)
            .collect();
        assert_eq!(a.len(), 6);
        let moved: f64 = a.iter().zip(&b).map(|(x, y)| (x.2 - y.2).abs()).sum();
        assert!(
            moved >= 4.0,
            "window {w}: first-touch conversions moved {moved}"
        );
    }
    // The same rows: the totals of attribution and every lift row agree
    // (within summation error: users come in another order).
    compare(
        &file["attribution_totals"],
        &by_channel["attribution_totals"],
    );
    assert!(compare(&file["lift"], &by_channel["lift"]) > 1000);
    let (tied, attributed) = expected_ties("30");
    assert!(tied >= 50 && tied < attributed, "{tied} of {attributed}");
}

#[test]
fn ties_follow_the_order_column_in_duckdb() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "90"];
    let data = ties_data(tmp.path());
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/duckdb_aggregates.py")
            .arg(&data)
            .args(ties_sql("duckdb", &windows, tmp.path())),
    );
    assert_tie_orders(tmp.path(), &windows);
}

#[test]
fn ties_follow_the_order_column_in_postgres() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "90"];
    let data = ties_data(tmp.path());
    let sql = ties_sql("postgres", &windows, tmp.path());
    let (_server, port) = Server::start(&tmp.path().join("pg"));
    run_script(
        Command::new("bash")
            .arg("scripts/warehouse/pg_aggregates.sh")
            .arg(&port)
            .arg(&data)
            .args(sql),
    );
    assert_tie_orders(tmp.path(), &windows);
}

#[test]
fn ties_follow_the_order_column_in_spark() {
    if !spark_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // One window: a local Spark session is slow, and the two above cover
    // more than one.
    let windows = ["30"];
    let data = ties_data(tmp.path());
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/spark_aggregates.py")
            .arg(&data)
            .args(ties_sql("spark", &windows, tmp.path())),
    );
    assert_tie_orders(tmp.path(), &windows);
}

#[test]
fn sql_orders_ties_by_the_order_column_everywhere() {
    for dialect in DIALECTS {
        let q = |s: &str| {
            if ["spark", "bigquery"].contains(&dialect) {
                format!("`{s}`")
            } else {
                format!("\"{s}\"")
            }
        };
        let run = |extra: &[&str]| -> String {
            let mut args = vec![
                "sql",
                "--dialect",
                dialect,
                "--exposures-table",
                "e",
                "--revenue-table",
                "r",
                "--paths",
            ];
            args.extend(extra);
            let out = uplift().args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{dialect} {extra:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let with = run(&["--order-column", "event id"]);
        assert!(
            with.contains(&format!("{} AS oc", q("event id"))),
            "{dialect}"
        );
        assert!(with.contains(&format!("AND {} IS NOT NULL", q("event id"))));
        assert!(
            with.contains("'order_column event id' AS tie_order"),
            "{dialect}"
        );
        let without = run(&[]);
        assert!(
            without.contains("'channel, campaign' AS tie_order"),
            "{dialect}"
        );
        assert!(without.contains(&format!("COALESCE(CAST({} AS ", q("campaign"))));
        for (text, keys) in [(&with, "t, oc, ch, camp"), (&without, "t, ch, camp")] {
            // The segment choice and the per-conversion positions.
            for window in [
                format!("PARTITION BY u ORDER BY {keys}, seg"),
                format!("PARTITION BY days, u, pid ORDER BY {keys}) AS i"),
                format!("PARTITION BY days, u, pid, ch ORDER BY {keys}) AS j"),
                format!("LAG(ch, 1) OVER (PARTITION BY days, u, pid ORDER BY {keys})"),
                format!("LAG(ch, 2) OVER (PARTITION BY days, u, pid ORDER BY {keys})"),
            ] {
                assert!(text.contains(&window), "{dialect}: {window}");
            }
            // The paths, in each engine's own way.
            let path = match dialect {
                "spark" => {
                    let fields: Vec<String> =
                        keys.split(", ").map(|k| format!("'{k}', tp.{k}")).collect();
                    format!("named_struct({})", fields.join(", "))
                }
                _ => {
                    let cols: Vec<String> = keys.split(", ").map(|k| format!("tp.{k}")).collect();
                    format!("ORDER BY {}", cols.join(", "))
                }
            };
            assert!(text.contains(&path), "{dialect}: {path}");
            // No ordering by time alone is left, nor by (t, ch).
            assert!(!text.contains("ORDER BY t)"), "{dialect}");
            assert!(!text.contains("ORDER BY t, ch)"), "{dialect}");
            assert!(!text.contains("ORDER BY tp.t, tp.ch)"), "{dialect}");
        }
    }
    // The campaign column may be missing, and is mapped like the others.
    let out = uplift()
        .args([
            "sql",
            "--dialect",
            "postgres",
            "--exposures-table",
            "e",
            "--revenue-table",
            "r",
            "--missing-column",
            "campaign",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("CAST('' AS TEXT) AS camp"));
    assert!(!text.contains("\"campaign\""));
    let out = uplift()
        .args([
            "sql",
            "--dialect",
            "duckdb",
            "--exposures-table",
            "e",
            "--revenue-table",
            "r",
            "--order-column",
            "",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--order-column \"\""));
}

#[test]
fn aggregates_of_an_older_format_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("testdata/warehouse")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::remove_file(tmp.path().join("meta.csv.gz")).unwrap();
    // Format 2: no tie_order column.
    std::fs::write(
        tmp.path().join("meta.csv"),
        "settings,exposures_rows,exposures_rows_read,unknown_group_rows,bad_channel_names,revenue_rows,revenue_rows_read,as_of,latest_revenue,duplicate_rows,duplicate_revenue,refunds,refund_revenue,net_revenue\n\
         \"uplift-aggregates 2, windows 30, as_of latest, half_life 7, position 0.4/0.4, markov_order 1, exposed [exposed|treatment|test], control [control|holdout]\",59204,59204,0,0,46399,46399,1782863170000000,1782863170000000,97,6750.23,777,-46865.19,2674081.63\n",
    )
    .unwrap();
    let d = tmp.path().display().to_string();
    let out = uplift()
        .args([
            "run",
            "--from-aggregates",
            &d,
            "--config",
            "testdata/sim/uplift.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("meta.csv:2: column \"settings\""), "{err}");
    assert!(
        err.contains(
            "format \"uplift-aggregates 2\" but this uplift reads \"uplift-aggregates 3\""
        ),
        "{err}"
    );
}

// The profit outcome and capping. The data: testdata/sim with a revenue file
// that has a `cost` column (written by the test: each order's cost follows
// from its order id, so that repeats of an order carry the same cost; every
// fifth cell is empty, where the margin and cost per order apply, and some
// are 0), and a config that maps it (`[columns.revenue] cost`).

/// Profit with a cost column, a margin and a cost per order, capped from
/// above and below.
const PROFIT_AND_CAPS: [&str; 8] = [
    "--margin",
    "0.4",
    "--cost-per-order",
    "3",
    "--cap",
    "0.99",
    "--cap-lower",
    "0.01",
];
/// Capping alone (no cost column: the config of testdata/sim).
const CAP_ONLY: [&str; 2] = ["--cap", "0.95"];
/// Profit alone, from flags (no cost column).
const PROFIT_ONLY: [&str; 4] = ["--cost-per-refund", "2", "--margin", "0.5"];
const SIM_CONFIG: &str = "testdata/sim/uplift.toml";

/// A data directory for the loading scripts: testdata/sim with the revenue
/// file's `cost` column; and the config that maps it.
fn cost_data(tmp: &Path) -> (PathBuf, PathBuf) {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in ["exposures.csv.gz", "spend.csv", "finance.csv"] {
        std::fs::copy(root().join(SIM).join(f), data.join(f)).unwrap();
    }
    let mut text = String::new();
    let mut gz = flate2::read::GzDecoder::new(
        std::fs::File::open(root().join(SIM).join("revenue.csv.gz")).unwrap(),
    );
    std::io::Read::read_to_string(&mut gz, &mut text).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert_eq!(header, "order_id,user_id,timestamp,revenue");
    let mut out = format!("{header},cost\n");
    let (mut empty, mut zero) = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let k: u64 = f[0].trim_start_matches('o').parse().unwrap();
        let revenue: f64 = f[3].parse().unwrap();
        let cost = if k.is_multiple_of(5) {
            empty += 1;
            String::new()
        } else if k.is_multiple_of(7) {
            zero += 1;
            "0".to_string()
        } else if revenue >= 0.0 {
            format!("{:.2}", revenue * 0.3 + (k % 4) as f64)
        } else {
            (k % 3).to_string()
        };
        out.push_str(&format!("{line},{cost}\n"));
    }
    assert!(empty > 1000 && zero > 1000, "{empty} empty, {zero} zero");
    std::fs::write(data.join("revenue.csv"), out).unwrap();
    let config = tmp.join("cost.toml");
    let sim = std::fs::read_to_string(root().join(SIM_CONFIG)).unwrap();
    std::fs::write(
        &config,
        format!("[columns.revenue]\ncost = \"cost\"\n\n{sim}"),
    )
    .unwrap();
    (data, config)
}

/// `uplift sql` for the three settings of the profit round trips, into
/// tmp/sql-{profit_and_caps,cap_only,profit_only}; the loading scripts'
/// arguments for them (SQL dir, aggregates dir, …).
fn profit_sql(dialect: &str, windows: &[&str], config: &Path, tmp: &Path) -> Vec<PathBuf> {
    let mut args = Vec::new();
    for (name, cfg, flags) in profit_cases(config) {
        let sql = tmp.join(format!("sql-{name}"));
        let mut extra = vec!["--config", cfg];
        extra.extend(flags);
        write_sql_with(dialect, windows, &extra, &sql);
        args.extend([sql, tmp.join(format!("agg-{name}"))]);
    }
    args
}

/// The three settings: (name, config, flags).
fn profit_cases(config: &Path) -> [(&'static str, &str, &'static [&'static str]); 3] {
    let config = config.to_str().unwrap();
    [
        ("profit_and_caps", config, &PROFIT_AND_CAPS),
        ("cap_only", SIM_CONFIG, &CAP_ONLY),
        ("profit_only", SIM_CONFIG, &PROFIT_ONLY),
    ]
}

/// `uplift sql` with the spend and finance tables, `extra` holding the config.
fn write_sql_with(dialect: &str, windows: &[&str], extra: &[&str], dir: &Path) {
    let d = dir.display().to_string();
    let mut args = vec![
        "sql",
        "--dialect",
        dialect,
        "--exposures-table",
        "exposures",
        "--revenue-table",
        "revenue",
        "--spend-table",
        "spend",
        "--finance-table",
        "finance",
        "--out-dir",
        &d,
    ];
    for w in windows {
        args.extend(["--window", w]);
    }
    args.extend(extra);
    uplift().args(&args).assert().success();
}

/// The report of `run` on the files (`revenue`, `config`) or on the
/// aggregates in `agg`, with `windows` and `flags`.
fn profit_report(
    revenue: Option<&Path>,
    agg: Option<&Path>,
    config: &str,
    windows: &[&str],
    flags: &[&str],
) -> Value {
    let revenue = revenue.map(|p| p.display().to_string());
    let agg = agg.map(|p| p.display().to_string());
    let mut args = vec!["run", "--config", config, "--format", "json"];
    match (&revenue, &agg) {
        (Some(r), None) => args.extend([
            "--exposures",
            "testdata/sim/exposures.csv.gz",
            "--revenue",
            r,
            "--spend",
            "testdata/sim/spend.csv",
            "--finance",
            "testdata/sim/finance.csv",
        ]),
        (None, Some(a)) => args.extend(["--from-aggregates", a]),
        _ => unreachable!("files or aggregates"),
    }
    for w in windows {
        args.extend(["--window", w]);
    }
    args.extend(flags);
    json_of(&args)
}

/// Each case's report from the aggregates in tmp/agg-NAME equals the
/// in-process one, and shows its part: profit, caps, or both.
fn assert_profit_round_trips(tmp: &Path, data: &Path, config: &Path, windows: &[&str], n: usize) {
    for (name, cfg, flags) in profit_cases(config) {
        let revenue = if cfg == SIM_CONFIG {
            root().join(SIM).join("revenue.csv.gz")
        } else {
            data.join("revenue.csv")
        };
        let want = profit_report(Some(&revenue), None, cfg, windows, flags);
        let agg = tmp.join(format!("agg-{name}"));
        let got = profit_report(None, Some(&agg), cfg, windows, flags);
        let compared = compare(&want, &got);
        assert!(compared > n, "{name}: only {compared} numbers compared");
        let lift = got["lift"].as_array().unwrap();
        let capped = name != "profit_only";
        let profit = name != "cap_only";
        for row in lift {
            assert_eq!(!row["capping"].is_null(), capped, "{name}: {row}");
            assert_eq!(!row["profit_per_user_lift"].is_null(), profit, "{name}");
            assert_eq!(
                row["decision"]["basis"],
                if profit { "profit" } else { "revenue" },
                "{name}"
            );
        }
        if capped {
            let users: u64 = lift
                .iter()
                .map(|r| r["capping"]["revenue"]["users_capped"].as_u64().unwrap())
                .sum();
            assert!(users > 100, "{name}: {users} users capped");
        }
        if profit {
            let cost_column = got["config"]["profit"]["cost_column"].as_bool();
            assert_eq!(cost_column, Some(cfg != SIM_CONFIG), "{name}");
        }
    }
}

#[test]
fn profit_and_caps_from_postgres_give_the_in_process_report() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "90"];
    let (data, config) = cost_data(tmp.path());
    let sql = profit_sql("postgres", &windows, &config, tmp.path());
    let (_server, port) = Server::start(&tmp.path().join("pg"));
    run_script(
        Command::new("bash")
            .arg("scripts/warehouse/pg_aggregates.sh")
            .arg(&port)
            .arg(&data)
            .args(sql),
    );
    assert_profit_round_trips(tmp.path(), &data, &config, &windows, 3000);
}

#[test]
fn profit_and_caps_from_duckdb_give_the_in_process_report() {
    if !engines_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = ["30", "60"];
    let (data, config) = cost_data(tmp.path());
    let sql = profit_sql("duckdb", &windows, &config, tmp.path());
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/duckdb_aggregates.py")
            .arg(&data)
            .args(sql),
    );
    assert_profit_round_trips(tmp.path(), &data, &config, &windows, 3000);
}

#[test]
fn profit_and_caps_from_spark_give_the_in_process_report() {
    if !spark_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // One window: a local Spark session is slow.
    let windows = ["30"];
    let (data, config) = cost_data(tmp.path());
    let sql = profit_sql("spark", &windows, &config, tmp.path());
    run_script(
        Command::new("python3")
            .arg("scripts/warehouse/spark_aggregates.py")
            .arg(&data)
            .args(sql),
    );
    assert_profit_round_trips(tmp.path(), &data, &config, &windows, 1500);
}

#[test]
fn sql_computes_profit_and_exact_caps_in_every_dialect() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("cost.toml");
    std::fs::write(&config, "[columns.revenue]\ncost = \"unit cost\"\n").unwrap();
    let cfg = config.display().to_string();
    let quantiles = [
        (
            "postgres",
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY yp) AS yp_hi",
            "GROUP BY ch, days",
        ),
        (
            "duckdb",
            "quantile_cont(yp, 0.99) AS yp_hi",
            "GROUP BY ch, days",
        ),
        (
            "spark",
            "percentile(yp, 0.99) AS yp_hi",
            "GROUP BY ch, days",
        ),
        (
            "bigquery",
            "PERCENTILE_CONT(yp, 0.99) OVER (PARTITION BY ch, days) AS yp_hi",
            "SELECT DISTINCT ch, days",
        ),
        (
            "snowflake",
            "PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY yp) AS yp_hi",
            "GROUP BY ch, days",
        ),
    ];
    for (dialect, quantile, group) in quantiles {
        let q = |s: &str| {
            if ["spark", "bigquery"].contains(&dialect) {
                format!("`{s}`")
            } else {
                format!("\"{s}\"")
            }
        };
        let run = |extra: &[&str]| -> String {
            let mut args = vec![
                "sql",
                "--dialect",
                dialect,
                "--exposures-table",
                "e",
                "--revenue-table",
                "r",
            ];
            args.extend(extra);
            let out = uplift().args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{dialect} {extra:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let text = run(&["--config", &cfg, "--margin", "0.4", "--cap", "0.99"]);
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("-- uplift:aggregate "))
            .collect();
        assert_eq!(
            names[..4],
            ["meta", "channels", "cohorts", "cohort_outcomes"]
        );
        assert_eq!(text.matches(';').count(), names.len(), "{dialect}");
        let outcomes = text
            .split("-- uplift:aggregate cohort_outcomes\n")
            .nth(1)
            .unwrap()
            .split(";\n")
            .next()
            .unwrap();
        assert!(outcomes.contains(quantile), "{dialect}: {quantile}");
        assert!(outcomes.contains(group), "{dialect}: {group}");
        // No lower cap: no lower quantile, no lower bound to clip to.
        assert!(
            !outcomes.contains("caps.y_lo") && !outcomes.contains("AS y_lo\n"),
            "{dialect}"
        );
        for clip in [
            "CASE WHEN uo.y > caps.y_hi THEN caps.y_hi ELSE uo.y END AS cy",
            "CASE WHEN uo.xp > caps.xp_hi THEN caps.xp_hi ELSE uo.xp END AS cxp",
        ] {
            assert!(outcomes.contains(clip), "{dialect}: {clip}");
        }
        // An order's profit: its cost when given, else margin and cost per order.
        let (rev, cost) = (q("revenue"), q("unit cost"));
        let profit = format!(
            "CASE WHEN {cost} IS NOT NULL THEN {rev} - {cost} WHEN {rev} >= 0 THEN CAST(0.4 AS "
        );
        assert!(outcomes.contains(&profit), "{dialect}: {profit}");
        // A negative cost is a bad row, as in the files: meta counts them.
        let negative = format!("(SELECT COUNT(*) FROM r WHERE {cost} < 0) AS negative_costs");
        assert!(text.contains(&negative), "{dialect}: {negative}");
        assert!(
            text.contains(
                "margin 0.4, cost_per_order 0, cost_per_refund 0, cost_column yes, cap 0.99"
            ),
            "{dialect}"
        );
        // Without the profit outcome and caps the SQL is as before: no
        // profit column, no cohort_outcomes.
        let plain = run(&[]);
        assert!(!plain.contains("cohort_outcomes") && !plain.contains(" AS p\n"));
        assert!(!plain.contains("margin") && !plain.contains("cap "));
        assert!(!plain.contains("negative_costs"));
        // The caps alone: no profit column.
        let caps = run(&["--cap-lower", "0.01"]);
        assert!(caps.contains("-- uplift:aggregate cohort_outcomes"));
        assert!(!caps.contains(" AS p\n") && !caps.contains("cost_column"));
        assert!(caps.contains("cap_lower 0.01"));
    }
    // Bad values are named, as for `run`.
    let out = uplift()
        .args([
            "sql",
            "--dialect",
            "duckdb",
            "--exposures-table",
            "e",
            "--revenue-table",
            "r",
            "--cap",
            "0.3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cap 0.3 is out of range"));
}

/// A copy of testdata/warehouse whose settings line ends with `more` (and
/// without `cohort_outcomes`).
fn warehouse_with_settings(tmp: &Path, more: &str) -> String {
    for e in std::fs::read_dir(root().join("testdata/warehouse")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.join(p.file_name().unwrap())).unwrap();
    }
    let mut text = String::new();
    let mut gz =
        flate2::read::GzDecoder::new(std::fs::File::open(tmp.join("meta.csv.gz")).unwrap());
    std::io::Read::read_to_string(&mut gz, &mut text).unwrap();
    let text = text.replacen(
        "control [control|holdout]",
        &format!("control [control|holdout]{more}"),
        1,
    );
    assert!(text.contains(more));
    std::fs::remove_file(tmp.join("meta.csv.gz")).unwrap();
    std::fs::write(tmp.join("meta.csv"), text).unwrap();
    tmp.display().to_string()
}

#[test]
fn aggregates_of_other_profit_or_cap_settings_are_refused() {
    let refused = |dir: &str, flags: &[&str], message: &str| {
        let mut args = vec![
            "run",
            "--from-aggregates",
            dir,
            "--config",
            SIM_CONFIG,
            "--window",
            "30",
        ];
        args.extend(flags);
        let out = uplift().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains("column \"settings\""), "{err}");
        assert!(err.contains(message), "{flags:?}: {err}");
    };
    // The committed aggregates have neither.
    let plain = "testdata/warehouse";
    refused(
        plain,
        &["--cap", "0.99"],
        "computed with no cap but this run asks for cap 0.99",
    );
    refused(
        plain,
        &["--margin", "0.4"],
        "computed with no margin but this run asks for margin 0.4",
    );
    // Aggregates with profit and caps, and a run with other values or none.
    let tmp = tempfile::tempdir().unwrap();
    let dir = warehouse_with_settings(
        tmp.path(),
        ", margin 0.4, cost_per_order 3, cost_per_refund 0, cost_column no, cap 0.99",
    );
    refused(
        &dir,
        &[],
        "computed with margin 0.4 but this run asks for no margin",
    );
    refused(
        &dir,
        &["--margin", "0.4", "--cost-per-order", "3"],
        "computed with cap 0.99 but this run asks for no cap",
    );
    refused(
        &dir,
        &["--margin", "0.4", "--cost-per-order", "2", "--cap", "0.99"],
        "computed with cost_per_order 3 but this run asks for cost_per_order 2",
    );
    refused(
        &dir,
        &[
            "--margin",
            "0.4",
            "--cost-per-order",
            "3",
            "--cap",
            "0.99",
            "--cap-lower",
            "0.05",
        ],
        "computed with no cap_lower but this run asks for cap_lower 0.05",
    );
    // The same settings: the aggregate with the profit and the caps is needed.
    let out = uplift()
        .args([
            "run",
            "--from-aggregates",
            &dir,
            "--config",
            SIM_CONFIG,
            "--window",
            "30",
            "--margin",
            "0.4",
            "--cost-per-order",
            "3",
            "--cap",
            "0.99",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("aggregate \"cohort_outcomes\" is missing"),
        "{err}"
    );
    // A cost column of the revenue table turns the profit outcome on, as in
    // the files: a run without flags then asks for the defaults.
    let tmp = tempfile::tempdir().unwrap();
    let dir = warehouse_with_settings(
        tmp.path(),
        ", margin 0.4, cost_per_order 0, cost_per_refund 0, cost_column yes",
    );
    refused(
        &dir,
        &[],
        "computed with margin 0.4 but this run asks for margin 1",
    );
    // Negative costs are refused, naming how many.
    let meta = std::fs::read_to_string(tmp.path().join("meta.csv")).unwrap();
    let mut lines = meta.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    std::fs::write(
        tmp.path().join("meta.csv"),
        format!("{header},negative_costs\n{row},2\n"),
    )
    .unwrap();
    let out = uplift()
        .args([
            "run",
            "--from-aggregates",
            &dir,
            "--config",
            SIM_CONFIG,
            "--window",
            "30",
            "--margin",
            "0.4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "column \"negative_costs\": \"2\" 2 rows of the revenue table have a negative cost"
        ),
        "{err}"
    );
}
