//! Bad input at scale: the good files of `testdata/tiny/`, mutated at random
//! with a seeded RNG, through `uplift run` and `uplift validate`.
//!
//! Each case applies one to three mutations (byte flips, truncation, deleted
//! delimiters, swapped columns, huge numbers, NaN and infinity, impossible
//! dates, empty ids, a repeated header, stray quotes, CRLF/LF/CR mixes, a BOM
//! in the middle, NUL and invalid UTF-8 bytes, …) to one or two of the four
//! files, then runs both commands (`run` with `--on-bad-rows skip` in every
//! other case) with a time limit. Whatever the input:
//!
//! - no panic, no abort or signal, no hang (20 s per run);
//! - the exit code is 0, 2 or 3;
//! - on exit 2 the message names a mutated file; a problem with a column
//!   gives a line, and every line number given exists in that file;
//! - `run` on exit 2 writes no report; on exit 0 or 3 the report is JSON.
//!
//! `cargo test --test cli mutations` runs 300 cases; the ignored
//! `mutations_at_scale` runs `UPLIFT_MUTATIONS` (default 3000). A failing
//! case's files are kept under `target/tmp/mutation-failures/`.
//! Fuzz-found inputs under `testdata/fuzz/` are replayed here as well.

use crate::util::uplift;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FILES: [&str; 4] = ["exposures", "revenue", "spend", "finance"];
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

const HUGE: [&str; 8] = [
    "1e308",
    "-1e308",
    "99999999999999999999",
    "1.7976931348623157e308",
    "1e309",
    "-99999999999999999999999999999999999999",
    "4.9e-324",
    "1e-400",
];
const NOT_FINITE: [&str; 8] = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "-Infinity",
    "NAN",
];
const BAD_DATES: [&str; 12] = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10T10:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T10:61:00Z",
    "0000-00-00",
    "9999-12-31T23:59:60Z",
    "+275760-09-13",
    "-001-01-01 00:00:00",
    "2026-1-1",
    "2026-01-01T10:00:00+25:00",
    "1970-01-01T00:00:00.9999999999Z",
];
const ODD_TEXT: [&str; 10] = [
    "", " ", "\"\"", "\u{feff}", "é", "\t", "a\u{0}b", "exposed ", "CONTROL", "x,y",
];

/// The good files, read once.
fn originals() -> [Vec<u8>; 4] {
    FILES.map(|f| {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/tiny/{f}.csv")))
            .unwrap()
    })
}

/// Splits into lines, each keeping its terminator.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// A random data line (or the header when there is none).
fn pick_line(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n <= 1 { 0 } else { rng.random_range(1..n) }
}

/// One of `list`, at random.
fn one<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Replaces field `j` (naively split on commas) of a random data line.
fn set_field(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, value: &str) -> String {
    let mut ls = lines(bytes);
    if ls.is_empty() {
        bytes.extend_from_slice(value.as_bytes());
        return "append".into();
    }
    let i = pick_line(rng, ls.len());
    let line = &ls[i];
    let (body, end) = match line.iter().position(|&b| b == b'\r' || b == b'\n') {
        Some(p) => (line[..p].to_vec(), line[p..].to_vec()),
        None => (line.clone(), Vec::new()),
    };
    let mut fields: Vec<Vec<u8>> = body.split(|&b| b == b',').map(<[u8]>::to_vec).collect();
    let j = rng.random_range(0..fields.len());
    fields[j] = value.as_bytes().to_vec();
    let mut new = fields.join(&b","[..]);
    new.extend_from_slice(&end);
    ls[i] = new;
    *bytes = ls.concat();
    format!("line {} field {} = {value:?}", i + 1, j + 1)
}

/// Applies one random mutation; returns what it did.
fn mutate(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) -> String {
    let len = bytes.len();
    let pos = |rng: &mut ChaCha8Rng| {
        if len == 0 {
            0
        } else {
            rng.random_range(0..=len)
        }
    };
    match rng.random_range(0..22) {
        0 => {
            if len == 0 {
                return "flip (empty)".into();
            }
            let p = rng.random_range(0..len);
            let bit = 1u8 << rng.random_range(0..8);
            bytes[p] ^= bit;
            format!("flip byte {p} bit {bit:#x}")
        }
        1 => {
            let p = pos(rng);
            bytes.truncate(p);
            format!("truncate at {p}")
        }
        2 => {
            let commas: Vec<usize> = (0..len).filter(|&i| bytes[i] == b',').collect();
            if commas.is_empty() {
                return "no delimiter to delete".into();
            }
            let p = commas[rng.random_range(0..commas.len())];
            bytes.remove(p);
            format!("delete delimiter at {p}")
        }
        3 => {
            // Swap two columns in the header only, or in one data line.
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return "no line".into();
            }
            let i = if rng.random_bool(0.5) {
                0
            } else {
                pick_line(rng, ls.len())
            };
            let text = String::from_utf8_lossy(&ls[i]).into_owned();
            let (body, end) = text.split_at(text.trim_end_matches(['\r', '\n']).len());
            let mut f: Vec<&str> = body.split(',').collect();
            if f.len() < 2 {
                return "one column".into();
            }
            let a = rng.random_range(0..f.len());
            let b = rng.random_range(0..f.len());
            f.swap(a, b);
            ls[i] = format!("{}{end}", f.join(",")).into_bytes();
            *bytes = ls.concat();
            format!("swap columns {a} and {b} on line {}", i + 1)
        }
        4 => {
            let v = one(rng, &HUGE);
            set_field(rng, bytes, v)
        }
        5 => {
            let v = one(rng, &NOT_FINITE);
            set_field(rng, bytes, v)
        }
        6 => {
            let v = one(rng, &BAD_DATES);
            set_field(rng, bytes, v)
        }
        7 => {
            // An empty id: the first field of a data line.
            let mut ls = lines(bytes);
            if ls.len() < 2 {
                return "no data line".into();
            }
            let i = pick_line(rng, ls.len());
            let cut = ls[i].iter().position(|&b| b == b',').unwrap_or(0);
            ls[i].drain(..cut);
            *bytes = ls.concat();
            format!("empty first field on line {}", i + 1)
        }
        8 => {
            let ls = lines(bytes);
            if ls.is_empty() {
                return "no header".into();
            }
            let mut header = ls[0].clone();
            if !header.ends_with(b"\n") {
                header.push(b'\n');
            }
            let i = rng.random_range(1..=ls.len());
            let mut out = ls[..i].concat();
            if !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.extend_from_slice(&header);
            out.extend_from_slice(&ls[i..].concat());
            *bytes = out;
            format!("header repeated as line {}", i + 1)
        }
        9 => {
            let p = pos(rng);
            bytes.insert(p, b'"');
            format!("quote at {p}")
        }
        10 => {
            // CRLF/LF/CR mix.
            let mut out = Vec::with_capacity(len + 16);
            let style = rng.random_range(0..3);
            for &b in bytes.iter() {
                if b == b'\n' && rng.random_bool(0.5) {
                    match style {
                        0 => out.extend_from_slice(b"\r\n"),
                        1 => out.push(b'\r'),
                        _ => out.extend_from_slice(b"\n\r"),
                    }
                } else {
                    out.push(b);
                }
            }
            *bytes = out;
            format!("line ends mixed (style {style})")
        }
        11 => {
            let p = pos(rng);
            bytes.splice(p..p, *b"\xEF\xBB\xBF");
            format!("BOM at {p}")
        }
        12 => {
            let p = pos(rng);
            let b = [0u8, 0xFF, 0xC3, 0x80, b'\r'][rng.random_range(0..5)];
            bytes.insert(p, b);
            format!("byte {b:#x} at {p}")
        }
        13 => {
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return "no line".into();
            }
            let i = rng.random_range(0..ls.len());
            ls.remove(i);
            *bytes = ls.concat();
            format!("delete line {}", i + 1)
        }
        14 => {
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return "no line".into();
            }
            let i = pick_line(rng, ls.len());
            let mut copy = ls[i].clone();
            if !copy.ends_with(b"\n") {
                copy.insert(0, b'\n');
            }
            ls.insert(i, copy);
            *bytes = ls.concat();
            format!("duplicate line {}", i + 1)
        }
        15 => {
            // An extra or a missing field.
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return "no line".into();
            }
            let i = pick_line(rng, ls.len());
            let end = ls[i]
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .unwrap_or(ls[i].len());
            if rng.random_bool(0.5) {
                ls[i].splice(end..end, *b",extra");
            } else if let Some(c) = ls[i][..end].iter().rposition(|&b| b == b',') {
                ls[i].drain(c..end);
            }
            *bytes = ls.concat();
            format!("ragged line {}", i + 1)
        }
        16 => {
            let v = one(rng, &ODD_TEXT);
            set_field(rng, bytes, v)
        }
        17 => {
            let p = pos(rng);
            let n = rng.random_range(1..64);
            let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            bytes.splice(p..p, junk);
            format!("{n} random bytes at {p}")
        }
        18 => {
            let p = pos(rng);
            bytes.splice(p..p, *b"\n\n");
            format!("blank lines at {p}")
        }
        19 => {
            let long = "9".repeat(rng.random_range(100..5000));
            set_field(rng, bytes, &long)
        }
        20 => {
            let v = [
                "-0", "0x10", "1_000", "1,000.50", "12.50 ", " 12.50", "+5", ".5", "5.",
            ][rng.random_range(0..9)];
            set_field(rng, bytes, v)
        }
        _ => {
            // A quoted field with an embedded newline.
            set_field(rng, bytes, "\"multi\nline\"")
        }
    }
}

/// One mutated data set: the four files and what was done to them.
struct Case {
    files: [Vec<u8>; 4],
    what: Vec<String>,
}

fn make_case(seed: u64, originals: &[Vec<u8>; 4]) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut files = originals.clone();
    let mut what = Vec::new();
    let n_files = if rng.random_bool(0.2) { 2 } else { 1 };
    for _ in 0..n_files {
        let f = rng.random_range(0..4);
        for _ in 0..rng.random_range(1..=3) {
            let did = mutate(&mut rng, &mut files[f]);
            what.push(format!("{}: {did}", FILES[f]));
        }
    }
    Case { files, what }
}

/// The 1-based line numbers a message gives for `path` (`path:N:`, or for
/// a group of problems `path: …; the first: line N`).
fn line_numbers(text: &str, path: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(path) {
        let rest = &text[i + path.len()..];
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let line_text = rest.lines().next().unwrap_or("").to_string();
        let first = line_text.split_once("; the first: line ").map(|(_, r)| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        });
        if let Ok(n) = digits
            .parse()
            .or_else(|_| first.unwrap_or_default().parse())
        {
            out.push((n, line_text));
        } else {
            out.push((0, line_text));
        }
    }
    out
}

/// Lines of a file as the contract counts them (a record's starting line;
/// a last line without a newline counts).
fn line_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Runs one command on a case; returns the problems found, if any.
/// `command` is `run`, `run-skip` (`run --on-bad-rows skip`) or `validate`.
fn check(command: &str, dir: &Path, case: &Case) -> Vec<String> {
    let (command, skip) = match command.strip_suffix("-skip") {
        Some(c) => (c, true),
        None => (command, false),
    };
    let paths: Vec<PathBuf> = FILES.iter().map(|f| dir.join(format!("{f}.csv"))).collect();
    let mut cmd = uplift();
    cmd.arg(command);
    for (f, p) in FILES.iter().zip(&paths) {
        cmd.arg(format!("--{f}")).arg(p);
    }
    if command == "run" {
        cmd.args(["--format", "json"]);
    }
    if skip {
        cmd.args(["--on-bad-rows", "skip"]);
    }
    let started = Instant::now();
    let out = cmd.timeout(RUN_TIMEOUT).output().unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut bad = Vec::new();
    if took >= RUN_TIMEOUT {
        bad.push(format!("{command}: no answer in {took:?} (hang)"));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        bad.push(format!("{command}: panic: {stderr}"));
    }
    let code = out.status.code();
    match code {
        Some(0 | 3) => {
            if command == "run" && serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err()
            {
                bad.push(format!(
                    "{command}: exit {code:?} but the report is not JSON"
                ));
            }
        }
        Some(2) => {
            // validate lists the problems on stdout, the others on stderr.
            let message = format!("{stdout}\n{stderr}");
            if command == "run" && !out.stdout.is_empty() {
                bad.push(format!(
                    "{command}: exit 2 with a (partial) report on stdout"
                ));
            }
            let named: Vec<usize> = (0..FILES.len())
                .filter(|&i| message.contains(&paths[i].display().to_string()))
                .collect();
            if named.is_empty() {
                bad.push(format!("{command}: exit 2 names no input file: {stderr}"));
            }
            for i in named {
                let lines = line_count(&case.files[i]);
                for (n, text) in line_numbers(&message, &paths[i].display().to_string()) {
                    // A column wrong on every row is reported as a whole.
                    if n == 0
                        && text.contains("column \"")
                        && !text.contains("is wrong on every row")
                    {
                        bad.push(format!(
                            "{command}: a column problem without a line: {text}"
                        ));
                    }
                    // N.B. "header but no data rows" points at line 2, where
                    // the first row was expected, even in a one-line file.
                    let expected_row = text.contains("no data rows") && n == 2;
                    if n > lines && !expected_row {
                        bad.push(format!(
                            "{command}: line {n} of a {lines}-line file {}: {text}",
                            FILES[i]
                        ));
                    }
                }
            }
        }
        other => bad.push(format!(
            "{command}: exit {other:?} (signal or wrong code): {stderr}"
        )),
    }
    bad
}

/// Runs cases `seeds`; returns how many ran, and the failures.
fn run_cases(seeds: std::ops::Range<u64>) -> (usize, Vec<String>) {
    let originals = originals();
    let mut failures = Vec::new();
    let mut n = 0;
    for seed in seeds {
        let case = make_case(seed, &originals);
        let dir = tempfile::tempdir().unwrap();
        for (f, bytes) in FILES.iter().zip(&case.files) {
            std::fs::write(dir.path().join(format!("{f}.csv")), bytes).unwrap();
        }
        // Every other case skips bad rows instead of stopping at them.
        let run = if seed % 2 == 0 { "run" } else { "run-skip" };
        let mut bad = check(run, dir.path(), &case);
        bad.extend(check("validate", dir.path(), &case));
        n += 1;
        if !bad.is_empty() {
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("mutation-failures")
                .join(format!("seed-{seed}"));
            std::fs::create_dir_all(&keep).unwrap();
            for (f, bytes) in FILES.iter().zip(&case.files) {
                std::fs::write(keep.join(format!("{f}.csv")), bytes).unwrap();
            }
            failures.push(format!(
                "seed {seed} ({}), kept in {}:\n  {}",
                case.what.join("; "),
                keep.display(),
                bad.join("\n  ")
            ));
        }
    }
    (n, failures)
}

fn assert_cases(seeds: std::ops::Range<u64>) {
    let started = Instant::now();
    let (n, failures) = run_cases(seeds.clone());
    println!(
        "mutations {seeds:?}: {n} mutated inputs, {} failed, in {:?}",
        failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {n} mutated inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// 300 cases in three tests, so that the test harness runs them in parallel.

#[test]
fn mutated_tiny_files_never_panic_hang_or_exit_badly_part_1() {
    assert_cases(0..100);
}

#[test]
fn mutated_tiny_files_never_panic_hang_or_exit_badly_part_2() {
    assert_cases(100..200);
}

#[test]
fn mutated_tiny_files_never_panic_hang_or_exit_badly_part_3() {
    assert_cases(200..300);
}

/// Thousands of cases: `UPLIFT_MUTATIONS=10000 cargo test --test cli
/// mutations_at_scale -- --ignored --nocapture`.
#[test]
#[ignore = "slow: thousands of runs of the binary"]
fn mutations_at_scale() {
    let n: u64 = std::env::var("UPLIFT_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let workers = std::thread::available_parallelism().map_or(2, |w| w.get() as u64);
    let started = Instant::now();
    let start = 1_000_000;
    let chunk = n.div_ceil(workers);
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let from = start + w * chunk;
                let to = (from + chunk).min(start + n);
                s.spawn(move || run_cases(from..to))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ran: usize = results.iter().map(|r| r.0).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    println!(
        "mutations at scale: {ran} mutated inputs, {} failed, in {:?}",
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file under `testdata/fuzz/csv_load/` (inputs the fuzzers found,
/// named `<kind>-<what>.csv`) goes through `run` and `validate` as that kind
/// of file, beside the good tiny files, with the checks above.
#[test]
fn fuzz_regression_inputs_are_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/csv_load");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let originals = originals();
    let mut failures = Vec::new();
    let mut n = 0;
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = FILES
            .iter()
            .position(|f| name.starts_with(&format!("{f}-")))
            .unwrap_or_else(|| {
                panic!("{name}: the name must start with exposures-, revenue-, spend- or finance-")
            });
        let mut files = originals.clone();
        files[kind] = std::fs::read(&path).unwrap();
        let case = Case {
            files,
            what: vec![name.clone()],
        };
        let dir = tempfile::tempdir().unwrap();
        for (f, bytes) in FILES.iter().zip(&case.files) {
            std::fs::write(dir.path().join(format!("{f}.csv")), bytes).unwrap();
        }
        for command in ["run", "validate"] {
            for b in check(command, dir.path(), &case) {
                failures.push(format!("{name}: {b}"));
            }
        }
        n += 1;
    }
    println!("fuzz regression inputs: {n}");
    assert!(n > 0, "no input under {}", root.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Two orders of 1e308 used to be accepted (each a finite number) and to
/// overflow the period's sum: NaN inside, null in the report, and the period
/// reconciled as "ok", so `--fail-on reconciliation` passed. Such amounts are
/// bad input now (or, were they accepted, the overflow must be a mismatch).
#[test]
fn revenue_sums_that_overflow_are_never_reconciled_as_ok() {
    let dir = tempfile::tempdir().unwrap();
    let rev = dir.path().join("revenue.csv");
    let fin = dir.path().join("finance.csv");
    std::fs::write(
        &rev,
        "order_id,user_id,timestamp,revenue\n\
         o1,u01,2026-01-10T10:00:00Z,1e308\n\
         o2,u02,2026-01-15T10:00:00Z,1e308\n\
         o3,u03,2026-02-15T10:00:00Z,5\n",
    )
    .unwrap();
    std::fs::write(
        &fin,
        "period_start,period_end,revenue\n2026-01-01,2026-01-31,100.00\n",
    )
    .unwrap();
    let out = uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
        ])
        .arg(&rev)
        .arg("--finance")
        .arg(&fin)
        .args(["--format", "json", "--fail-on", "reconciliation"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    match out.status.code() {
        // Rejected as bad input, naming the file: fine.
        Some(2) => assert!(stderr.contains(&rev.display().to_string()), "{stderr}"),
        code => {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let period = &report["reconciliation"]["periods"][0];
            assert_eq!(period["status"], "mismatch", "{period}");
            assert_eq!(code, Some(3), "--fail-on reconciliation must fail");
        }
    }
}

/// Texts the `timestamp` fuzz target found accepted as dates although they
/// are not `YYYY-MM-DD` (chrono's `%Y` takes a sign and more digits, `%m` and
/// `%d` one digit, so `-0226-03-3` was read as 3 March of the year −226).
/// Replays every file of `testdata/fuzz/timestamp/`, then puts the first one
/// in a revenue file, which must be rejected at its line.
#[test]
fn timestamps_outside_the_contract_forms_are_rejected() {
    use uplift::io::time::{parse_date, parse_timestamp};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/timestamp");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    texts.sort();
    texts.push("+2026-3-01".to_string());
    for s in &texts {
        assert_eq!(parse_date(s), None, "{s:?} read as a date");
        assert_eq!(parse_timestamp(s), None, "{s:?} read as a timestamp");
    }
    let tmp = tempfile::tempdir().unwrap();
    let rev = tmp.path().join("revenue.csv");
    std::fs::write(
        &rev,
        format!("user_id,timestamp,revenue\nu01,{},10\n", texts[0]),
    )
    .unwrap();
    let out = uplift()
        .args(["validate", "--revenue"])
        .arg(&rev)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{}:2:", rev.display())), "{text}");
}
