//! The bodies of uplift's fuzz targets, shared by the libFuzzer binaries in
//! `fuzz_targets/`.
//!
//! Each body must never panic on any input: a panic (or an abort, or a hang)
//! is a bug in uplift, or a broken invariant asserted here. The invariants are
//! the contract's: problems name the file and a line that exists, rejected
//! rows never exceed the rows read, a timestamp that is accepted can be
//! printed and read back, a failed run exits 2 (bad input) and never 1.
#![forbid(unsafe_code)]

use arbitrary::Arbitrary;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use uplift::cli::Cli;
use uplift::config::Config;
use uplift::io::{self, InputPaths};
use uplift::model::MICROS_PER_DAY;

/// A scratch directory of this process under the temporary directory
/// (`TMPDIR`; scripts/fuzz-smoke.sh points it at a directory it removes).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("uplift-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("invariant: the temporary directory is writable");
        d
    })
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, bytes).expect("invariant: the scratch directory is writable");
    p
}

/// The input files by kind, as `load_csv`'s first byte selects them.
const KINDS: [&str; 4] = ["exposures", "revenue", "spend", "finance"];

/// Fuzz target `csv_load`: the first byte picks the file kind (exposures,
/// revenue, spend, finance), the rest is the file's content. Loads it through
/// [`uplift::io::load`] with the default config and checks the load report.
pub fn load_csv(data: &[u8]) {
    let Some((&selector, content)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector % 4)];
    let path = write(&format!("{kind}.csv"), content);
    let mut paths = InputPaths::default();
    match kind {
        "exposures" => paths.exposures = Some(path.clone()),
        "revenue" => paths.revenue = Some(path.clone()),
        "spend" => paths.spend = Some(path.clone()),
        _ => paths.finance = Some(path.clone()),
    }
    let loaded = io::load(&paths, &Config::default());
    check_loaded(&loaded, &path, content);
}

fn check_loaded(loaded: &io::Loaded, path: &Path, content: &[u8]) {
    let shown = path.display().to_string();
    // Lines as a text editor counts them: a last line without '\n' counts too.
    let lines = content.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for io::LoadedFile { kind, load: f } in &loaded.files {
        assert!(
            f.problem_count >= f.problems.len(),
            "{kind}: {} problems kept but {} counted",
            f.problems.len(),
            f.problem_count
        );
        assert_eq!(
            f.problems.is_empty(),
            f.problem_count == 0,
            "{kind}: problem list and count disagree"
        );
        if let Some(info) = &f.info {
            assert!(
                info.rejected_rows <= info.rows,
                "{kind}: {} rejected of {} rows",
                info.rejected_rows,
                info.rows
            );
        } else {
            assert!(
                f.problem_count > 0,
                "{kind}: unreadable but no problem given"
            );
        }
        for p in &f.problems {
            assert_eq!(p.file, shown, "a problem names another file: {p}");
            if let Some(line) = p.line {
                // N.B. "header but no data rows" points at line 2, where the
                // first row was expected, even in a one-line file.
                let expected_row = line == 2 && p.message.contains("no data rows");
                assert!(
                    (1..=lines).contains(&line) || expected_row,
                    "{kind}: line {line} of a {lines}-line file: {p}"
                );
            }
        }
    }
    let d = &loaded.data;
    if let Some(info) = loaded.file("exposures").and_then(|f| f.info.as_ref()) {
        assert!(d.exposures.len() as u64 <= info.rows - info.rejected_rows);
    }
    if let Some(info) = loaded.file("revenue").and_then(|f| f.info.as_ref()) {
        assert!(d.orders.len() as u64 <= info.rows - info.rejected_rows);
    }
    // Every amount read is finite and within the accepted range, so that no
    // sum of them can overflow.
    let ok = |x: f64| x.is_finite() && x.abs() <= io::MAX_MONEY;
    assert!(
        d.orders.revenue.iter().all(|&r| ok(r)),
        "revenue out of range"
    );
    assert!(d.exposures.cost.iter().all(|&c| ok(c)), "cost out of range");
    assert!(d.spend.iter().all(|s| ok(s.spend)), "spend out of range");
    assert!(
        d.finance.iter().all(|f| ok(f.revenue)),
        "finance out of range"
    );
}

/// Fuzz target `timestamp`: [`uplift::io::time::parse_timestamp`] and
/// `parse_date` on any text, checked by [`check_timestamp`].
pub fn timestamp(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_timestamp(s);
    }
}

/// Whether `s` starts with a contract date, `YYYY-MM-DD` (digits).
pub fn has_contract_date(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// What the timestamp parsers accept: only the contract's forms (a date
/// `YYYY-MM-DD`, alone or first), which print and read back (for years
/// 0000–9999, the ones a four-digit year can print), and a date is midnight
/// UTC as a timestamp. (The regression input
/// `testdata/fuzz/timestamp/signed-year-one-digit-day.txt` was once accepted
/// as the year −226.)
pub fn check_timestamp(s: &str) {
    use uplift::io::time::{day_of, format_date, format_timestamp, parse_date, parse_timestamp};
    if let Some(ts) = parse_timestamp(s) {
        assert!(
            has_contract_date(s),
            "{s:?} is accepted as a timestamp ({}) but is not YYYY-MM-DD…",
            format_timestamp(ts)
        );
        let back = format_timestamp(ts);
        if has_contract_date(&back) {
            assert_eq!(
                parse_timestamp(&back),
                Some(ts),
                "{s:?} was read as {ts} µs, printed as {back:?}, which does not read back"
            );
            let day = day_of(ts);
            assert_eq!(parse_date(&format_date(day)), Some(day), "{s:?}: day {day}");
        }
    }
    if let Some(day) = parse_date(s) {
        assert!(
            has_contract_date(s),
            "{s:?} is accepted as the date {} but is not YYYY-MM-DD",
            format_date(day)
        );
        assert_eq!(
            parse_timestamp(s),
            Some(i64::from(day) * MICROS_PER_DAY),
            "{s:?} is a date but not midnight UTC as a timestamp"
        );
        let back = format_date(day);
        if has_contract_date(&back) {
            assert_eq!(parse_date(&back), Some(day), "{s:?}: day {day}");
        }
    }
}

/// Fuzz target `config`: [`uplift::config::Config::parse`] on any text, then
/// what the commands derive from a parsed config.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = Config::parse(text) else {
        return;
    };
    let labels = cfg.groups.labels();
    assert!(
        !labels.exposed.iter().any(|l| labels.control.contains(l)),
        "a label is both exposed and control: {labels:?}"
    );
    for ch in ["email", "", "social"] {
        if let Some(share) = cfg.srm.share_for(ch) {
            assert!(share > 0.0 && share < 1.0, "control share {share}");
        }
    }
    let _ = uplift::settings::resolve_windows(&[], &cfg);
    // The config round-trips through a run's settings without panicking.
    let cfg_path = write("uplift.toml", data);
    let args = [
        "uplift",
        "validate",
        "--config",
        cfg_path.to_str().unwrap_or("uplift.toml"),
    ];
    if let Ok(cli) = <Cli as clap::Parser>::try_parse_from(args)
        && let Err(e) = uplift::app::run(cli)
    {
        assert_ne!(e.exit_code(), 1, "internal error: {e}");
    }
}

/// A value that is usually well formed and sometimes anything at all.
#[derive(Arbitrary, Debug)]
pub enum Num {
    /// An amount in cents.
    Cents(i32),
    /// Any double, printed with `{}` (so also NaN, inf, 1e308).
    Float(f64),
    /// Any text.
    Raw(String),
}

impl Num {
    fn render(&self) -> String {
        match self {
            Num::Cents(c) => format!("{}", f64::from(*c) / 100.0),
            Num::Float(x) => format!("{x}"),
            Num::Raw(s) => s.clone(),
        }
    }
}

/// A timestamp: minutes from 2026-01-01T00:00:00Z in one of the accepted
/// forms, or any text.
#[derive(Arbitrary, Debug)]
pub enum Ts {
    /// Minutes from the base, and which form to print.
    Minutes(i32, u8),
    /// Any text.
    Raw(String),
}

/// 2026-01-01T00:00:00Z in seconds.
const BASE_SECS: i64 = 1_767_225_600;

impl Ts {
    fn render(&self) -> String {
        match self {
            Ts::Minutes(m, form) => {
                let secs = BASE_SECS + i64::from(*m) * 60;
                let utc = uplift::io::time::format_timestamp(secs * 1_000_000);
                match form % 3 {
                    0 => utc,
                    1 => utc.replacen('T', " ", 1).trim_end_matches('Z').to_string(),
                    _ if secs % 86_400 == 0 => utc[..10.min(utc.len())].to_string(),
                    _ => utc,
                }
            }
            Ts::Raw(s) => s.clone(),
        }
    }
}

/// One exposures row.
#[derive(Arbitrary, Debug)]
pub struct ExposureRow {
    user: u8,
    channel: u8,
    ts: Ts,
    group: u8,
    segment: u8,
    cost: Option<Num>,
}

/// One revenue row.
#[derive(Arbitrary, Debug)]
pub struct OrderRow {
    order: u8,
    user: u8,
    ts: Ts,
    revenue: Num,
}

/// One spend row.
#[derive(Arbitrary, Debug)]
pub struct SpendRow {
    day: Ts,
    channel: u8,
    spend: Num,
}

/// One finance row.
#[derive(Arbitrary, Debug)]
pub struct FinanceRow {
    start: Ts,
    end: Ts,
    revenue: Num,
}

/// Fuzz target `pipeline`: a whole `uplift run` in process on structured
/// random files (mostly well formed, so the statistics and attribution get
/// exercised, with any value anywhere).
#[derive(Arbitrary, Debug)]
pub struct PipelineInput {
    exposures: Vec<ExposureRow>,
    orders: Vec<OrderRow>,
    spend: Vec<SpendRow>,
    finance: Vec<FinanceRow>,
    windows: Vec<u16>,
    as_of: Option<u8>,
    no_cuped: bool,
    skip_bad_rows: bool,
    bootstrap: Option<u8>,
    markov_order: u8,
    command: u8,
}

const CHANNELS: [&str; 5] = ["email", "social", "paid_search", "tv", "e,\"x\""];
const GROUPS: [&str; 7] = [
    "exposed",
    "control",
    "",
    "treatment",
    "holdout",
    "test",
    "other",
];
const SEGMENTS: [&str; 3] = ["", "new", "returning"];

fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn csv(header: &str, rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::from(header);
    out.push('\n');
    for row in rows {
        for (i, f) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, f);
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Runs the pipeline on one structured input.
pub fn pipeline(input: &PipelineInput) {
    let pick = |list: &[&str], i: u8| list[usize::from(i) % list.len()].to_string();
    let ex = csv(
        "user_id,channel,timestamp,group,segment,cost",
        input.exposures.iter().take(200).map(|r| {
            vec![
                format!("u{}", r.user % 32),
                pick(&CHANNELS, r.channel),
                r.ts.render(),
                pick(&GROUPS, r.group),
                pick(&SEGMENTS, r.segment),
                r.cost.as_ref().map(Num::render).unwrap_or_default(),
            ]
        }),
    );
    let rev = csv(
        "order_id,user_id,timestamp,revenue",
        input.orders.iter().take(200).map(|r| {
            vec![
                format!("o{}", r.order),
                format!("u{}", r.user % 32),
                r.ts.render(),
                r.revenue.render(),
            ]
        }),
    );
    let spend = csv(
        "date,channel,spend",
        input
            .spend
            .iter()
            .take(50)
            .map(|r| vec![r.day.render(), pick(&CHANNELS, r.channel), r.spend.render()]),
    );
    let fin = csv(
        "period_start,period_end,revenue",
        input
            .finance
            .iter()
            .take(20)
            .map(|r| vec![r.start.render(), r.end.render(), r.revenue.render()]),
    );
    let files = [
        ("--exposures", write("exposures.csv", &ex)),
        ("--revenue", write("revenue.csv", &rev)),
        ("--spend", write("spend.csv", &spend)),
        ("--finance", write("finance.csv", &fin)),
    ];
    let command = ["run", "attribute", "validate", "reconcile"][usize::from(input.command % 4)];
    let mut args: Vec<String> = vec!["uplift".into(), command.into()];
    for (flag, path) in &files {
        if command == "attribute" && (*flag == "--spend" || *flag == "--finance") {
            continue;
        }
        if command == "reconcile" && *flag != "--revenue" && *flag != "--finance" {
            continue;
        }
        args.push((*flag).into());
        args.push(path.display().to_string());
    }
    if command == "run" || command == "attribute" {
        args.extend(["--format".into(), "json".into()]);
        for w in input.windows.iter().take(3) {
            args.extend(["--window".into(), (w % 400).to_string()]);
        }
        args.extend([
            "--markov-order".into(),
            (1 + input.markov_order % 3).to_string(),
        ]);
    }
    if command == "run" {
        if let Some(d) = input.as_of {
            let day = uplift::io::time::format_date(20_454 + i32::from(d));
            args.extend(["--as-of".into(), day]);
        }
        if input.no_cuped {
            args.push("--no-cuped".into());
        }
        if let Some(n) = input.bootstrap {
            args.extend([
                "--bootstrap".into(),
                (n % 40).to_string(),
                "--seed".into(),
                "1".into(),
            ]);
        }
    }
    if input.skip_bad_rows && command != "attribute" {
        args.extend(["--on-bad-rows".into(), "skip".into()]);
    }
    let Ok(cli) = <Cli as clap::Parser>::try_parse_from(&args) else {
        return;
    };
    match uplift::app::run(cli) {
        Ok(outcome) => {
            assert!(
                [0, 2, 3].contains(&outcome.exit_code()),
                "exit {} for {args:?}",
                outcome.exit_code()
            );
            if command != "validate" {
                let report: serde_json::Value = serde_json::from_slice(&outcome.bytes)
                    .unwrap_or_else(|e| panic!("the report is not JSON ({e}) for {args:?}"));
                assert_conservation(&report, &args);
                // Two orders of 1e308 once made a period's sum NaN, written
                // as null and reconciled as "ok".
                for p in report["reconciliation"]["periods"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        !(p["export_revenue"].is_null() && p["status"] == "ok"),
                        "a period without export revenue is ok: {p} for {args:?}"
                    );
                }
            }
        }
        Err(e) => {
            assert_eq!(
                e.exit_code(),
                2,
                "exit {} ({e}) for {args:?}",
                e.exit_code()
            );
            if let uplift::error::Error::Input(_) = e {
                let msg = e.to_string();
                assert!(
                    files
                        .iter()
                        .any(|(_, p)| msg.contains(&p.display().to_string())),
                    "the message names no input file: {msg}"
                );
            }
        }
    }
}

/// The contract's attribution identity on a report: for every model and
/// window, attributed + unattributed = all conversions, and the same for
/// revenue to the cent (relative to the amounts, as doubles carry ~16 digits).
fn assert_conservation(report: &serde_json::Value, args: &[String]) {
    let f = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    let rows = report["attribution"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let models: Vec<String> = report["config"]["models"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for t in report["attribution_totals"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let (Some(conv), Some(rev), Some(un_conv), Some(un_rev)) = (
            f(t, "conversions"),
            f(t, "revenue"),
            f(t, "unattributed_conversions"),
            f(t, "unattributed_revenue"),
        ) else {
            continue;
        };
        let window = &t["window_days"];
        for model in &models {
            let mine = rows
                .iter()
                .filter(|r| &r["window_days"] == window && r["model"] == model.as_str());
            let (mut c, mut r, mut scale, mut null) = (0.0, 0.0, rev.abs(), false);
            for row in mine {
                match (f(row, "conversions"), f(row, "revenue")) {
                    (Some(x), Some(y)) => {
                        c += x;
                        r += y;
                        scale += y.abs();
                    }
                    _ => null = true,
                }
            }
            if null || !scale.is_finite() {
                continue;
            }
            assert!(
                (c + un_conv - conv).abs() <= 1e-6 * conv.max(1.0),
                "{model} window {window}: {c} + {un_conv} conversions != {conv} for {args:?}"
            );
            assert!(
                (r + un_rev - rev).abs() <= 0.005 + 1e-9 * scale,
                "{model} window {window}: {r} + {un_rev} revenue != {rev} for {args:?}"
            );
        }
    }
}
