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
        "negative_cost.csv",
        "--revenue",
        &[":4:", "column \"cost\"", "\"-4.00\"", "negative"],
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

/// Where `run` words a case otherwise than `validate`: a column bad on
/// every row (of two or more) is reported as a whole.
const RUN_CASES: &[(&str, &[&str])] = &[(
    "multiline_quoted.csv",
    &[
        "column \"revenue\" is wrong on every row (2 rows)",
        "\"1\\n2\"",
        "[columns.revenue]",
    ],
)];

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
        let wanted = RUN_CASES
            .iter()
            .find(|(f, _)| f == file)
            .map_or(*wanted, |(_, w)| *w);
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

/// `n` with commas between groups of three digits, as messages print counts.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The shipped simulated exposures (59,204 rows) with `timestamp` and
/// `channel` swapped in the header only: the header's order, the rows.
fn swapped_exposures() -> (Vec<String>, Vec<Vec<String>>) {
    let gz = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sim/exposures.csv.gz"
    ))
    .unwrap();
    let mut r = csv::Reader::from_reader(flate2::read::MultiGzDecoder::new(gz));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "user_id",
            "channel",
            "timestamp",
            "group",
            "campaign",
            "segment",
            "cost"
        ]
    );
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    let swapped = [
        "user_id",
        "timestamp",
        "channel",
        "group",
        "campaign",
        "segment",
        "cost",
    ];
    (swapped.iter().map(|s| s.to_string()).collect(), rows)
}

fn csv_text(header: &[String], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// The swapped exposures as Parquet with native types, as an export would
/// write them: the column named `channel` holds timestamps, the one named
/// `timestamp` text, `cost` numbers.
fn write_swapped_parquet(path: &std::path::Path, rows: &[Vec<String>]) {
    use polars::prelude::*;
    let text = |i: usize, name: &str| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|r| (!r[i].is_empty()).then(|| r[i].clone()))
                .collect::<Vec<Option<String>>>(),
        )
    };
    let micros: Vec<i64> = rows
        .iter()
        .map(|r| uplift::io::time::parse_timestamp(&r[2]).unwrap())
        .collect();
    let times = Column::new("channel".into(), micros)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let cost = Column::new(
        "cost".into(),
        rows.iter()
            .map(|r| r[6].parse::<f64>().ok())
            .collect::<Vec<Option<f64>>>(),
    );
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            text(0, "user_id"),
            text(1, "timestamp"),
            times,
            text(3, "group"),
            text(4, "campaign"),
            text(5, "segment"),
            cost,
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// `uplift run` on these exposures (and the shipped revenue): exit 2, no
/// report, and the whole standard error.
fn run_stderr(exposures: &std::path::Path, extra: &[&str]) -> String {
    let out = uplift()
        .args(["run", "--exposures"])
        .arg(exposures)
        .args(["--revenue", "testdata/sim/revenue.csv.gz"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "a report was written");
    assert!(stderr.starts_with("uplift: error: "), "{stderr}");
    assert!(
        stderr.lines().count() <= 12,
        "{} lines:\n{stderr}",
        stderr.lines().count()
    );
    stderr
}

const SWAP_FIX: &str =
    "\n  [columns.exposures]\n  channel = \"timestamp\"\n  timestamp = \"channel\"\n";

#[test]
fn a_swapped_header_names_the_columns_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = swapped_exposures();
    let path = dir.path().join("exposures.csv");
    std::fs::write(&path, csv_text(&header, &rows)).unwrap();
    let stderr = run_stderr(&path, &[]);
    let file = path.display().to_string();
    let first_channel = &rows[0][1];
    let want = format!(
        "uplift: error: {file}: column \"timestamp\" is wrong on every row ({} rows): it holds text like \"{first_channel}\", not timestamps. Column \"channel\" holds timestamps (\"{}\"): the header may have them swapped. Map them in uplift.toml:{SWAP_FIX}(use `uplift validate` to list every problem, or --on-bad-rows skip to skip bad rows)\n",
        thousands(rows.len()),
        rows[0][2]
    );
    assert_eq!(stderr, want);
    assert_eq!(stderr.lines().count(), 5);
}

#[test]
fn a_swapped_header_gets_the_same_fix_from_csv_gz_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = swapped_exposures();
    let gz = dir.path().join("exposures.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut enc, csv_text(&header, &rows).as_bytes()).unwrap();
    enc.finish().unwrap();
    let parquet = dir.path().join("exposures.parquet");
    write_swapped_parquet(&parquet, &rows);
    for path in [gz, parquet] {
        let stderr = run_stderr(&path, &[]);
        assert!(
            stderr.contains(&format!("({} rows)", thousands(rows.len()))),
            "{stderr}"
        );
        // The Parquet column named `channel` has the type of timestamps:
        // the message starts from it, with the same fix.
        assert!(stderr.contains("holds text"), "{stderr}");
        assert!(stderr.contains(&format!("\"{}\"", rows[0][1])), "{stderr}");
        assert!(stderr.contains("timestamps"), "{stderr}");
        assert!(stderr.contains(SWAP_FIX), "{stderr}");
        assert_eq!(stderr.lines().count(), 5, "{stderr}");
    }
}

#[test]
fn a_swapped_header_under_mapped_names_gets_the_fix_in_those_names() {
    let dir = tempfile::tempdir().unwrap();
    let (mut header, rows) = swapped_exposures();
    header[1] = "event_time".into();
    header[2] = "medium".into();
    let path = dir.path().join("exposures.csv");
    std::fs::write(&path, csv_text(&header, &rows)).unwrap();
    let cfg = dir.path().join("uplift.toml");
    std::fs::write(
        &cfg,
        "[columns.exposures]\ntimestamp = \"event_time\"\nchannel = \"medium\"\n",
    )
    .unwrap();
    let stderr = run_stderr(&path, &["--config", cfg.to_str().unwrap()]);
    assert!(
        stderr.contains("column \"event_time\" is wrong on every row"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "\n  [columns.exposures]\n  channel = \"event_time\"\n  timestamp = \"medium\"\n"
        ),
        "{stderr}"
    );
}

#[test]
fn problems_in_several_columns_are_grouped_with_exact_counts_and_the_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("revenue.csv");
    // 40,000 rows (more than one block of the reader, more problems than
    // are kept): bad amounts, bad timestamps and empty ids, each on its
    // own rhythm; line = row + 2.
    let n = 40_000;
    let mut text = String::from("user_id,timestamp,revenue\n");
    let (mut amounts, mut times, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let line = i + 2;
        let user = if i % 13 == 4 {
            ids.push(line);
            String::new()
        } else {
            format!("u{i}")
        };
        let ts = if i % 11 == 5 {
            times.push(line);
            "01/02/2026"
        } else {
            "2026-01-02T10:00:00Z"
        };
        let amount = if i % 7 == 3 {
            amounts.push(line);
            "\"12,50\""
        } else {
            "12.50"
        };
        text.push_str(&format!("{user},{ts},{amount}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let file = path.display().to_string();
    let want = format!(
        "uplift: error: {file}: column \"revenue\": {} rows are not a number (expected a finite decimal number like 12.50); the first: line {}, \"12,50\"\n\
         {file}: column \"user_id\": {} rows are empty (expected a user id); the first: line {}\n\
         {file}: column \"timestamp\": {} rows are not a valid timestamp (expected {}); the first: line {}, \"01/02/2026\"\n\
         (use `uplift validate` to list every problem, or --on-bad-rows skip to skip bad rows)\n",
        thousands(amounts.len()),
        amounts[0],
        thousands(ids.len()),
        ids[0],
        thousands(times.len()),
        uplift::io::time::TIMESTAMP_FORMS,
        times[0],
    );
    assert_eq!((amounts[0], ids[0], times[0]), (5, 6, 7));
    assert!(amounts.len() > 200);
    assert_eq!(stderr, want);
}

#[test]
fn many_files_with_many_bad_columns_still_fit_in_twelve_lines() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // Every column of every file bad on some rows, in ways of every kind,
    // and a column bad on every row in each file.
    let mut ex = String::from("user_id,channel,timestamp,group,campaign,segment,cost\n");
    let mut rev = String::from("user_id,timestamp,revenue,order_id\n");
    let mut spend = String::from("date,channel,spend\n");
    let mut fin = String::from("period_start,period_end,revenue\n");
    for i in 0..500 {
        let pick =
            |k: usize, bad: &'static str, good: &'static str| if i % k == 1 { bad } else { good };
        ex.push_str(&format!(
            "{},{},{},{},c,s,{}\n",
            pick(3, "", "u1"),
            pick(5, "", "email"),
            pick(7, "yesterday", "2026-01-01"),
            pick(4, "treatmnt", "exposed"),
            "x"
        ));
        rev.push_str(&format!(
            "{},{},{},o{i}\n",
            pick(3, "", "u1"),
            "soon",
            pick(5, "NaN", "1.5")
        ));
        spend.push_str(&format!(
            "{},{},{}\n",
            pick(3, "2026-13-01", "2026-01-01"),
            pick(5, "", "email"),
            "lots"
        ));
        fin.push_str(&format!(
            "{},{},{}\n",
            pick(3, "1/1/2026", "2026-01-01"),
            "later",
            pick(5, "", "10")
        ));
    }
    let paths = [
        write("exposures.csv", ex),
        write("revenue.csv", rev),
        write("spend.csv", spend),
        write("finance.csv", fin),
    ];
    let out = uplift()
        .args(["run", "--exposures"])
        .arg(&paths[0])
        .arg("--revenue")
        .arg(&paths[1])
        .arg("--spend")
        .arg(&paths[2])
        .arg("--finance")
        .arg(&paths[3])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().count() <= 12, "{stderr}");
    assert!(stderr.starts_with("uplift: error: "), "{stderr}");
    assert!(stderr.contains("more groups of problems"), "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("--on-bad-rows skip to skip bad rows)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn validate_still_lists_every_problem_of_a_swapped_header() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = swapped_exposures();
    let path = dir.path().join("exposures.csv");
    std::fs::write(&path, csv_text(&header, &rows)).unwrap();
    let out = uplift()
        .args(["validate", "--exposures"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let file = path.display().to_string();
    assert!(
        stdout.contains(&format!("\n{} problems found:\n", rows.len())),
        "{stdout}"
    );
    let listed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with(&format!("  {file}:")))
        .collect();
    // Every problem kept (200 a file), one a line, in line order; then the
    // count of the rest.
    assert_eq!(listed.len(), 200);
    for (i, l) in listed.iter().enumerate() {
        assert!(
            l.starts_with(&format!("  {file}:{}: column \"timestamp\": \"", i + 2)),
            "{l}"
        );
    }
    assert!(
        stdout.contains(&format!("  … and {} more\n", rows.len() - 200)),
        "{stdout}"
    );
    assert!(!stdout.contains("wrong on every row"), "{stdout}");
}

/// `uplift run` on the tiny data with `extra`: exit 2, no report; stderr.
fn refused(extra: &[&str]) -> String {
    let tiny = [
        "run",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
    ];
    let out = uplift().args([&tiny[..], extra].concat()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{extra:?}");
    assert!(out.stdout.is_empty(), "{extra:?}: a report was written");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn profit_and_capping_flags_out_of_range_name_the_flag_and_value() {
    for (flag, value, wanted) in [
        ("--margin", "0", "--margin 0 is out of range"),
        ("--margin", "1.5", "--margin 1.5 is out of range"),
        (
            "--cost-per-order",
            "-1",
            "--cost-per-order -1 is out of range",
        ),
        (
            "--cost-per-refund",
            "-0.5",
            "--cost-per-refund -0.5 is out of range",
        ),
        ("--cap", "0.5", "--cap 0.5 is out of range"),
        ("--cap", "1", "--cap 1 is out of range"),
        ("--cap-lower", "0.5", "--cap-lower 0.5 is out of range"),
        ("--cap-lower", "0", "--cap-lower 0 is out of range"),
    ] {
        let stderr = refused(&[&format!("{flag}={value}")]);
        assert!(stderr.contains(wanted), "{flag} {value}: {stderr}");
    }
    // The same checks for [profit] and [analysis] in uplift.toml.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("uplift.toml");
    for (toml, wanted) in [
        (
            "[profit]\nmargin = 2.0\n",
            "[profit] margin = 2 is out of range",
        ),
        (
            "[analysis]\ncap = 0.2\n",
            "[analysis] cap = 0.2 is out of range",
        ),
        ("[profit]\nshipping = 1.0\n", "unknown field `shipping`"),
    ] {
        std::fs::write(&cfg, toml).unwrap();
        let stderr = refused(&["--config", cfg.to_str().unwrap()]);
        assert!(stderr.contains(wanted), "{toml}: {stderr}");
    }
}

#[test]
fn reading_flags_out_of_range_name_the_flag_and_value() {
    for (flag, value, wanted) in [
        ("--mde", "0", "--mde 0 is out of range"),
        ("--mde", "-0.05", "--mde -0.05 is out of range"),
        ("--target-power", "1", "--target-power 1 is out of range"),
        ("--target-power", "0", "--target-power 0 is out of range"),
        ("--placebo", "0", "--placebo 0 is out of range"),
        (
            "--sequential-tuning",
            "0",
            "--sequential-tuning 0 is out of range",
        ),
    ] {
        let stderr = refused(&[&format!("{flag}={value}")]);
        assert!(stderr.contains(wanted), "{flag} {value}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("uplift.toml");
    for (toml, wanted) in [
        ("[plan]\nmde = 0.0\n", "[plan] mde = 0 is out of range"),
        (
            "[plan.channels]\nemail = -1.0\n",
            "[plan.channels] email = -1 is out of range",
        ),
        (
            "[plan]\ntarget_power = 1.5\n",
            "[plan] target_power = 1.5 is out of range",
        ),
        (
            "[analysis]\nsequential_tuning = -3.0\n",
            "[analysis] sequential_tuning = -3 is out of range",
        ),
        ("[plan]\npower = 0.8\n", "unknown field `power`"),
    ] {
        std::fs::write(&cfg, toml).unwrap();
        let stderr = refused(&["--config", cfg.to_str().unwrap()]);
        assert!(stderr.contains(wanted), "{toml}: {stderr}");
    }
}
