//! The terminal report (`--format table`, the default): it fits `COLUMNS`
//! (else 100 columns off a terminal), puts the decisions first, keeps the
//! wide columns for `--details`, and colours only where the `NO_COLOR` /
//! `CLICOLOR_FORCE` conventions allow, never in a file.

use crate::util::{SIM_RUN as SIM, uplift};

/// Standard output of `uplift args` with `env` set, expecting exit 0.
fn report(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = uplift();
    cmd.env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The widest line in terminal columns, escapes excluded.
fn widest(text: &str) -> usize {
    text.lines()
        .map(|l| {
            let mut width = 0;
            let mut in_escape = false;
            for c in l.chars() {
                match (in_escape, c) {
                    (false, '\x1b') => in_escape = true,
                    (true, c) if c.is_ascii_alphabetic() => in_escape = false,
                    (true, _) => {}
                    (false, _) => width += 1,
                }
            }
            width
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn the_report_fits_columns_and_100_columns_without_a_terminal() {
    let default = report(SIM, &[]);
    assert!(widest(&default) <= 100, "{}", widest(&default));
    assert!(
        widest(&default) > 80,
        "the width is used: {}",
        widest(&default)
    );
    for (columns, details) in [(80, false), (80, true), (120, false), (160, true)] {
        let mut args = SIM.to_vec();
        if details {
            args.push("--details");
        }
        let text = report(&args, &[("COLUMNS", &columns.to_string())]);
        assert!(
            widest(&text) <= columns,
            "COLUMNS={columns} details={details}: a line of {}",
            widest(&text)
        );
    }
}

#[test]
fn decisions_come_first_and_details_add_the_wide_sections() {
    let brief = report(SIM, &[]);
    let first = |text: &str, what: &str| text.find(what).unwrap_or(usize::MAX);
    let order = [
        "Decisions",
        "Lift per window",
        "Attribution by model",
        "Reconciliation against finance",
        "Warnings",
    ];
    let at: Vec<usize> = order.iter().map(|s| first(&brief, s)).collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "sections in reading order: {at:?}"
    );
    // push is the planted loser: cut, on its own decision line.
    assert!(
        brief
            .lines()
            .any(|l| l.trim_start().starts_with("push") && l.contains(" cut ")),
        "{brief}"
    );
    for wide in [
        "Segments, 30-day window",
        "Economics",
        "Lineage",
        "CUPED variance reduction",
    ] {
        assert!(!brief.contains(wide), "{wide} only with --details");
    }
    let mut args = SIM.to_vec();
    args.push("--details");
    let details = report(&args, &[]);
    for wide in [
        "Segments, 30-day window",
        "Economics",
        "Lineage",
        "CUPED variance reduction",
    ] {
        assert!(details.contains(wide), "--details shows {wide}");
    }
}

#[test]
fn colour_follows_no_color_and_clicolor_force_and_never_reaches_a_file() {
    // A pipe: no colour.
    assert!(!report(SIM, &[]).contains('\x1b'));
    // CLICOLOR_FORCE asks for colour on a pipe too; NO_COLOR wins over it.
    let forced = report(SIM, &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\x1b["), "CLICOLOR_FORCE=1 colours");
    assert!(!report(SIM, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
    // A file never has colour.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    let mut args = SIM.to_vec();
    args.extend(["--output", path.to_str().unwrap()]);
    report(&args, &[("CLICOLOR_FORCE", "1")]);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("Decisions") && !written.contains('\x1b'));
}

#[test]
fn attribute_and_reconcile_fit_too() {
    let attribute = [
        "attribute",
        "--exposures",
        "testdata/sim/exposures.csv.gz",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--window",
        "30",
        "--window",
        "90",
        "--explain",
        "markov",
    ];
    let reconcile = [
        "reconcile",
        "--revenue",
        "testdata/sim/revenue.csv.gz",
        "--finance",
        "testdata/sim/finance.csv",
    ];
    for args in [&attribute[..], &reconcile[..]] {
        let text = report(args, &[("COLUMNS", "80")]);
        assert!(widest(&text) <= 80, "{args:?}: {}", widest(&text));
    }
}

#[test]
fn the_readme_opens_with_the_report_as_it_is() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("```text\n").expect("the README's excerpt") + "```text\n".len();
    let excerpt = &readme[start..start + readme[start..].find("```").unwrap()];
    // The README's first command, at the default width.
    let text = report(SIM, &[]);
    let lines: Vec<&str> = text.lines().collect();
    // Every line of the excerpt but `…` is a line of the report, in order.
    let mut at = 0;
    for line in excerpt.lines().filter(|l| *l != "…") {
        let found = lines[at..]
            .iter()
            .position(|l| l.trim_end() == line.trim_end())
            .unwrap_or_else(|| panic!("README line not in the report (in order): {line:?}"));
        at += found + 1;
    }
    assert!(excerpt.lines().count() > 40, "{excerpt}");
    assert!(excerpt.contains("Decisions") && excerpt.contains("90-day window"));
}

#[test]
fn profit_and_capping_show_in_the_terminal_markdown_html_and_csv() {
    let mut args = SIM.to_vec();
    args.extend([
        "--margin",
        "0.4",
        "--cost-per-order",
        "3",
        "--cap",
        "0.99",
        "--cap-lower",
        "0.01",
    ]);
    for columns in ["80", "100"] {
        let text = report(&args, &[("COLUMNS", columns)]);
        assert!(widest(&text) <= columns.parse().unwrap(), "{text}");
        for wanted in [
            "iPOAS",
            "incremental profit",
            "on profit against a hurdle iPOAS of",
            "profit lift",
            "Users capped",
        ] {
            assert!(
                text.contains(wanted),
                "{wanted} at {columns} columns:\n{text}"
            );
        }
    }
    let with = |format: &str| {
        let mut a = args.clone();
        a.extend(["--format", format]);
        report(&a, &[])
    };
    let md = with("markdown");
    let html = with("html");
    for wanted in [
        "iPOAS [95% CI]",
        "net return [95% CI]",
        "profit lift per user [95% CI]",
        "revenue capped to",
        "users capped (profit)",
        "on profit against a hurdle iPOAS of",
    ] {
        assert!(md.contains(wanted), "markdown: {wanted}");
        assert!(html.contains(wanted), "html: {wanted}");
    }
    let csv = with("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in [
        "profit_per_user_lift_estimate",
        "incremental_profit_ci_low",
        "ipoas_estimate",
        "net_return_estimate",
        "capping_revenue_upper",
        "capping_revenue_lower",
        "capping_profit_users_capped",
        "decision_basis",
    ] {
        let i = header
            .iter()
            .position(|h| *h == column)
            .unwrap_or_else(|| panic!("{column}"));
        assert!(!first[i].is_empty(), "{column} is filled");
    }
    // Without profit or capping the same columns are there, empty.
    let plain = report(&[SIM, &["--format", "csv"]].concat(), &[]);
    let mut lines = plain.lines();
    let h: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(h, header);
    let i = h
        .iter()
        .position(|c| *c == "capping_revenue_upper")
        .unwrap();
    assert_eq!(row[i], "");
    let b = h.iter().position(|c| *c == "decision_basis").unwrap();
    assert_eq!(row[b], "revenue");
}

#[test]
fn the_weekly_reading_shows_in_the_terminal_markdown_html_and_csv() {
    let mut args = SIM.to_vec();
    args.extend([
        "--sequential",
        "--mde",
        "0.05",
        "--placebo",
        "40",
        "--seed",
        "3",
    ]);
    for columns in ["80", "100", "160"] {
        let text = report(&args, &[("COLUMNS", columns)]);
        assert!(widest(&text) <= columns.parse().unwrap(), "{text}");
        for wanted in [
            "always-valid CI",
            "Read sequentially",
            "more days of enrollment to detect a 5% lift",
            "Checks of each test",
            "A/A false",
        ] {
            assert!(
                text.contains(wanted),
                "{wanted} at {columns} columns:\n{text}"
            );
        }
    }
    // Without the flags the terminal keeps to the decisions: no checks
    // section, fixed-horizon intervals.
    let plain = report(SIM, &[]);
    assert!(!plain.contains("Checks of each test"));
    assert!(!plain.contains("always-valid"));
    let with = |format: &str| {
        let mut a = args.clone();
        a.extend(["--format", format]);
        report(&a, &[])
    };
    for (format, text) in [("markdown", with("markdown")), ("html", with("html"))] {
        for wanted in [
            "95% always-valid CI",
            "Checks of each test",
            "pre-period difference",
            "days to power",
            "more days of enrollment to detect a 5% lift",
            "sequential (tuned for 5,000 users)",
            "placebo 40 runs (seed 3)",
        ] {
            // Table headers break their lines at spaces.
            assert!(
                text.replace('\n', " ").contains(wanted),
                "{format}: {wanted}"
            );
        }
    }
    let csv = with("csv");
    let header = csv.lines().next().unwrap();
    for column in [
        "balance_p_value",
        "status_days_to_power",
        "placebo_false_positives",
    ] {
        assert!(header.split(',').any(|c| c == column), "csv: {column}");
    }
}
