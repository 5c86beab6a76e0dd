//! `--format markdown | html | calibration` end to end: on testdata/sim
//! (the shipped simulated data set), testdata/tiny, and a fixture built in a
//! temporary directory whose channel name is markup.

use crate::util::{SIM_RUN as SIM, json, uplift};
use serde_json::Value;
use std::path::Path;

/// The robyn `calibration_input` columns, in Robyn's order, then ours.
const CALIBRATION_HEADER: [&str; 13] = [
    "channel",
    "liftStartDate",
    "liftEndDate",
    "liftAbs",
    "spend",
    "confidence",
    "metric",
    "calibration_scope",
    "standard_error",
    "iroas",
    "iroas_ci_low",
    "iroas_ci_high",
    "window_days",
];

/// `a == b` up to the last bits: serde_json's default float parser (no
/// `float_roundtrip` feature) can be one ulp off the number it reads, while
/// the CSV carries Rust's exact shortest round-trip form.
fn assert_same_number(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()),
        "{what}: {a} != {b}"
    );
}

/// Runs `uplift` with `args`, expects exit 0, returns stdout as text.
fn stdout(args: &[&str]) -> String {
    let out = uplift().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn with_format<'a>(base: &[&'a str], format: &'a str) -> Vec<&'a str> {
    let mut v = base.to_vec();
    v.extend(["--format", format]);
    v
}

/// The all-users channels of a JSON report, sorted.
fn channels(report: &Value) -> Vec<String> {
    let mut c: Vec<String> = report["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["segment"].is_null())
        .map(|r| r["channel"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// The Markdown tables of a document: runs of lines that start with `|`.
fn tables(md: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in md.lines() {
        if line.starts_with('|') {
            current.push(line);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A data set of two arms whose channel name is HTML markup.
fn write_markup_fixture(dir: &Path) {
    let channel = "<b>ads&co</b>";
    let mut exposures = String::from("user_id,channel,timestamp,group,cost\n");
    let mut revenue = String::from("order_id,user_id,timestamp,revenue\n");
    for i in 1..=8 {
        let group = if i <= 4 { "exposed" } else { "control" };
        exposures.push_str(&format!(
            "u{i},{channel},2026-01-0{}T09:00:00Z,{group},{}\n",
            1 + i % 3,
            if group == "exposed" { "2.50" } else { "" }
        ));
        revenue.push_str(&format!(
            "o{i},u{i},2026-01-1{}T10:00:00Z,{}.00\n",
            i % 10,
            10 * i + if i <= 4 { 15 } else { 0 }
        ));
    }
    revenue.push_str("o99,u1,2026-03-31T10:00:00Z,5.00\n");
    std::fs::write(dir.join("exposures.csv"), exposures).unwrap();
    std::fs::write(dir.join("revenue.csv"), revenue).unwrap();
}

#[test]
fn markdown_opens_with_the_decision_table_and_a_row_per_channel() {
    let report = json(&with_format(SIM, "json"));
    let md = stdout(&with_format(SIM, "markdown"));
    let first_section = md.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first_section, "## Decision");
    let decision = &md[md.find("## Decision").unwrap()..md.find("## Lift per window").unwrap()];
    assert!(decision.contains("**Scale:**"), "{decision}");
    let table = tables(decision).into_iter().next().unwrap();
    assert!(
        table[0].starts_with("| channel | decision | window | iROAS"),
        "{}",
        table[0]
    );
    let rows = &table[2..];
    let expected = channels(&report);
    assert_eq!(rows.len(), expected.len());
    for (row, ch) in rows.iter().zip(&expected) {
        assert!(row.starts_with(&format!("| **{ch}** |")), "{row}");
        assert!(
            ["scale", "cut", "inconclusive"]
                .iter()
                .any(|v| row.contains(&format!("| {v} |"))),
            "{row}"
        );
    }
    for heading in [
        "## Lift per window",
        "## Economics",
        "## Attribution by model",
        "## Attribution totals",
        "## Reconciliation against finance",
        "## Warnings",
        "## Lineage",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    assert!(md.contains("<details>\n<summary>Segments, 30-day window"));
}

/// Money as the human formats print it: 2 decimals, thousands separated.
fn money_text(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    let (int, frac) = s.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s != "0.00" { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

#[test]
fn markdown_shows_the_decomposition_the_calibration_and_the_attributed_cac() {
    let report = json(&with_format(SIM, "json"));
    let md = stdout(&with_format(SIM, "markdown"));
    let section = |title: &str| {
        let start = md.find(title).unwrap_or_else(|| panic!("missing {title}"));
        let rest = &md[start + title.len()..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    };

    // One row per window: export = incremental + baseline, as in the JSON.
    let decomposition = tables(section("## Revenue decomposition")).remove(0);
    let windows = report["decomposition"].as_array().unwrap();
    assert_eq!(decomposition.len(), 2 + windows.len());
    for (row, d) in decomposition[2..].iter().zip(windows) {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells[0], format!("| {} d", d["window_days"]));
        assert_eq!(cells[1], money_text(d["export_revenue"].as_f64().unwrap()));
        assert_eq!(
            cells[2],
            money_text(d["incremental_total"].as_f64().unwrap())
        );
        assert_eq!(
            cells[3],
            money_text(d["baseline_revenue"].as_f64().unwrap())
        );
    }

    // Every calibration row's factor, with its interval, in its window's table.
    let calibration = section("## Calibration by experiments");
    let rows = report["calibration"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        let w = r["window_days"].as_u64().unwrap();
        let table = &calibration[calibration.find(&format!("### {w}-day window")).unwrap()..];
        let table = tables(table).remove(0);
        let columns: Vec<&str> = table[0]
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let col = columns
            .iter()
            .position(|c| *c == r["model"].as_str().unwrap())
            .unwrap();
        let row = table
            .iter()
            .find(|l| l.starts_with(&format!("| **{}** |", r["channel"].as_str().unwrap())))
            .unwrap();
        let cell = row
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .nth(col)
            .unwrap();
        let want = match (
            r["factor"].as_f64(),
            r["factor_ci_low"].as_f64(),
            r["factor_ci_high"].as_f64(),
        ) {
            (Some(f), Some(lo), Some(hi)) => format!(
                "{}× [{}, {}]",
                money_text(f),
                money_text(lo),
                money_text(hi)
            ),
            (Some(f), _, _) => format!("{}×", money_text(f)),
            _ => "—".to_string(),
        };
        assert_eq!(cell, want, "{r}");
    }

    // The attributed CAC beside each model's credit, with spend data.
    let attribution = section("## Attribution by model");
    let with_cac: Vec<&Value> = report["attribution"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cac"].is_number())
        .collect();
    assert!(!with_cac.is_empty());
    for r in with_cac {
        let text = format!("{} (", money_text(r["revenue"].as_f64().unwrap()));
        let cac = format!("CAC {})", money_text(r["cac"].as_f64().unwrap()));
        assert!(
            attribution
                .lines()
                .any(|l| l.contains(&text) && l.contains(&cac)),
            "no cell {text}…{cac}"
        );
    }
}

#[test]
fn every_markdown_table_has_the_same_number_of_pipes_in_each_row() {
    let md = stdout(&with_format(SIM, "markdown"));
    let tables = tables(&md);
    assert!(tables.len() > 10, "only {} tables", tables.len());
    for t in &tables {
        let pipes = t[0].matches('|').count();
        assert!(t.len() >= 2, "a table without a separator row: {t:?}");
        assert!(
            t[1].split('|')
                .filter(|c| !c.trim().is_empty())
                .all(|c| matches!(c.trim(), "---" | "---:")),
            "{}",
            t[1]
        );
        for row in t {
            assert_eq!(row.matches('|').count(), pipes, "{row}");
        }
    }
}

#[test]
fn markdown_lineage_lists_each_input_with_its_sha256() {
    let report = json(&with_format(SIM, "json"));
    let md = stdout(&with_format(SIM, "markdown"));
    let lineage = &md[md.find("## Lineage").unwrap()..];
    for (kind, info) in report["inputs"].as_object().unwrap() {
        let sha = info["sha256"].as_str().unwrap();
        assert!(
            lineage.contains(&format!("| **{kind}** |")) && lineage.contains(sha),
            "{kind} {sha}"
        );
    }
    assert!(lineage.contains(report["as_of"].as_str().unwrap()));
}

#[test]
fn html_is_one_self_contained_file_with_inline_charts() {
    let html = stdout(&with_format(SIM, "html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for forbidden in [
        "http://", "https://", "<script", "<link", "<img", "@import", "url(",
    ] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
    assert!(html.contains("<style>"));
    // Forest plot, attribution panels (three windows), LTV curve, reconciliation.
    assert_eq!(html.matches("<svg ").count(), 6);
    assert!(html.contains("aria-label=\"LTV lift curve"));
    assert!(html.contains("<details>"));
}

#[test]
fn html_escapes_a_channel_name_that_is_markup() {
    let dir = tempfile::tempdir().unwrap();
    write_markup_fixture(dir.path());
    let exposures = dir.path().join("exposures.csv");
    let revenue = dir.path().join("revenue.csv");
    let args = [
        "run",
        "--exposures",
        exposures.to_str().unwrap(),
        "--revenue",
        revenue.to_str().unwrap(),
    ];
    let report = json(&with_format(&args, "json"));
    assert_eq!(channels(&report), ["<b>ads&co</b>"]);
    let html = stdout(&with_format(&args, "html"));
    assert!(!html.contains("<b>ads"), "unescaped channel name");
    assert!(html.contains("&lt;b&gt;ads&amp;co&lt;/b&gt;"));
    assert!(html.contains("<svg "));
    let md = stdout(&with_format(&args, "markdown"));
    assert!(!md.contains("<b>ads"), "unescaped channel name in Markdown");
    assert!(md.contains("&lt;b&gt;ads&amp;co&lt;/b&gt;"));
}

#[test]
fn the_same_report_renders_to_identical_html_and_markdown_bytes() {
    let a = uplift().args(with_format(SIM, "html")).output().unwrap();
    let b = uplift().args(with_format(SIM, "html")).output().unwrap();
    assert_eq!(a.status.code(), Some(0));
    assert!(a.stdout == b.stdout, "HTML differs between two runs");
    let tiny = [
        "run",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--format",
        "markdown",
    ];
    assert_eq!(stdout(&tiny), stdout(&tiny));
}

#[test]
fn calibration_csv_has_robyns_columns_in_order_then_ours() {
    let csv = stdout(&with_format(SIM, "calibration"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(header, CALIBRATION_HEADER);
    assert_eq!(
        &header[..8],
        [
            "channel",
            "liftStartDate",
            "liftEndDate",
            "liftAbs",
            "spend",
            "confidence",
            "metric",
            "calibration_scope"
        ]
    );
}

#[test]
fn calibration_has_one_row_per_channel_and_window_equal_to_the_json_report() {
    let report = json(&with_format(SIM, "json"));
    let csv = stdout(&with_format(SIM, "calibration"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected: Vec<&Value> = report["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["segment"].is_null() && r["incremental_revenue"]["estimate"].is_number())
        .collect();
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows.len(), channels(&report).len() * 3);
    let z = 1.959_963_984_540_054; // scipy.stats.norm.ppf(0.975)
    for rec in &rows {
        let (channel, window): (&str, u64) = (&rec[0], rec[12].parse().unwrap());
        let row = expected
            .iter()
            .find(|r| r["channel"] == channel && r["window_days"] == window)
            .unwrap_or_else(|| panic!("no JSON row for {channel} {window}"));
        let ir = &row["incremental_revenue"];
        let what = format!("{channel} {window}");
        assert_same_number(
            rec[3].parse().unwrap(),
            ir["estimate"].as_f64().unwrap(),
            &what,
        );
        assert_same_number(
            rec[4].parse().unwrap(),
            row["spend"].as_f64().unwrap(),
            &what,
        );
        assert_eq!(&rec[5], "0.95");
        assert_eq!(&rec[6], "revenue");
        assert_eq!(&rec[7], if window == 30 { "immediate" } else { "total" });
        let se: f64 = rec[8].parse().unwrap();
        let width = ir["ci_high"].as_f64().unwrap() - ir["ci_low"].as_f64().unwrap();
        assert!((se - width / (2.0 * z)).abs() <= 1e-9 * se.abs(), "{se}");
        assert_same_number(
            rec[9].parse().unwrap(),
            row["iroas"]["estimate"].as_f64().unwrap(),
            &what,
        );
    }
}

#[test]
fn calibration_of_a_report_without_lift_is_its_header_alone() {
    let csv = stdout(&[
        "attribute",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--format",
        "calibration",
    ]);
    assert_eq!(csv, format!("{}\n", CALIBRATION_HEADER.join(",")));
}

#[test]
fn attribution_and_reconciliation_reports_render_their_own_sections() {
    let attribution = stdout(&[
        "attribute",
        "--exposures",
        "testdata/tiny/exposures.csv",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--format",
        "html",
    ]);
    assert!(attribution.contains("<section id=\"attribution\">"));
    assert!(!attribution.contains("<section id=\"decision\">"));
    assert!(attribution.contains("<svg "));
    let reconciliation = stdout(&[
        "reconcile",
        "--revenue",
        "testdata/tiny/revenue.csv",
        "--finance",
        "testdata/tiny/finance.csv",
        "--format",
        "markdown",
    ]);
    let first_section = reconciliation
        .lines()
        .find(|l| l.starts_with("## "))
        .unwrap();
    assert_eq!(first_section, "## Reconciliation against finance");
    assert!(reconciliation.contains("| 2026-01-01 – 2026-01-31 |"));
    assert!(reconciliation.contains("| mismatch |"));
}
