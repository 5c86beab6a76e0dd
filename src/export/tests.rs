//! Snapshot tests of every output format, from ONE hand-built report.
//!
//! The report is written out here, not computed by running the binary, so
//! that a snapshot changes only when the rendering changes: 2 windows,
//! 3 channels and one segment; lift rows with spend, iROAS and a decision,
//! and one row whose estimates are null; attribution rows (with and
//! without a CAC) and their totals; the revenue decomposition; calibration
//! rows; a reconciliation with one mismatched period; one Markov explain
//! window; and warnings. The numbers are derived from each other as the
//! analysis derives them (incremental revenue = lift × exposed users,
//! iROAS = incremental revenue ÷ spend, …) so that every table reads true.
//!
//! The snapshots live in `snapshots/`; after a deliberate change of output,
//! review them with `cargo insta review` (or rerun with `INSTA_UPDATE=always`
//! and read the diff).

use super::{Format, Terminal, render};
use crate::io::FileInfo;
use crate::lift::{ArmSummary, Bootstrap, Cuped};
use crate::report::{
    AttributionRow, AttributionTotals, Balance, CalibrationRow, ChannelAmount, Decision,
    Decomposition, Excluded, Headline, Interval, LiftRow, MarkovWindow, NamedRemovalEffect,
    NamedTransition, Placebo, PlanStatus, Reconciliation, ReconciliationPeriod, Report,
    RowsAndAmount, SCHEMA_VERSION, Settings, SrmCheck, Tested, Tool, Warning, WarningCode,
};
use std::collections::BTreeMap;

/// Every setting in force, as the report carries it: those of
/// `uplift run --window 30 --window 60 --bootstrap 200 --seed 7 --model
/// last_touch --model markov`.
fn sample_config() -> Settings {
    Settings::Run(Box::new(crate::analysis::test_settings(&[
        "--window",
        "30",
        "--window",
        "60",
        "--bootstrap",
        "200",
        "--seed",
        "7",
        "--model",
        "last_touch",
        "--model",
        "markov",
    ])))
}

const HURDLE: f64 = 1.0;

fn arm(users: u64, converters: u64, revenue: f64) -> ArmSummary {
    let per = |x: f64| (users > 0).then(|| x / users as f64);
    ArmSummary {
        users,
        converters,
        revenue,
        revenue_per_user: per(revenue),
        conversion_rate: per(converters as f64),
        profit: None,
        profit_per_user: None,
    }
}

/// What a lift row is built from: the arms, the CUPED-adjusted lift per
/// user with its interval and p-values, and the spend.
struct RowSpec {
    channel: &'static str,
    segment: Option<&'static str>,
    window: u16,
    exposed: ArmSummary,
    control: ArmSummary,
    /// Lift per user: estimate, CI low, CI high.
    lift: (f64, f64, f64),
    /// p and Holm-adjusted p.
    p: (f64, f64),
    spend: Option<f64>,
}

/// A lift row with every other figure derived from `s`.
fn lift_row(s: RowSpec) -> LiftRow {
    let n = s.exposed.users as f64;
    let (est, lo, hi) = s.lift;
    let base = s.control.revenue_per_user.unwrap_or_default();
    let cr = s.exposed.conversion_rate.unwrap_or_default()
        - s.control.conversion_rate.unwrap_or_default();
    let incremental_revenue = Interval {
        estimate: Some(est * n),
        ci_low: Some(lo * n),
        ci_high: Some(hi * n),
    };
    let incremental_conversions = Interval {
        estimate: Some(cr * n),
        ci_low: Some((cr - 0.02) * n),
        ci_high: Some((cr + 0.02) * n),
    };
    let iroas = s.spend.map(|sp| Interval {
        estimate: Some(est * n / sp),
        ci_low: Some(lo * n / sp),
        ci_high: Some(hi * n / sp),
    });
    let decision = iroas.map(|i| Decision {
        basis: "revenue".to_string(),
        hurdle_iroas: HURDLE,
        hurdle_ipoas: None,
        verdict: match (i.ci_low, i.ci_high) {
            (Some(l), _) if l > HURDLE => "scale",
            (_, Some(h)) if h < HURDLE => "cut",
            _ => "inconclusive",
        }
        .to_string(),
    });
    LiftRow {
        // Pre-period revenue per user: the arms within 1 of each other.
        balance: Balance {
            difference: Some(0.4),
            ci_low: Some(-1.1),
            ci_high: Some(1.9),
            p_value: Some(0.6),
            flag: false,
        },
        status: None,
        placebo: None,
        profit_per_user_lift: None,
        profit_per_user_lift_raw: None,
        incremental_profit: None,
        capping: None,
        ipoas: None,
        net_return: None,
        channel: s.channel.to_string(),
        segment: s.segment.map(str::to_string),
        window_days: s.window,
        test_start: Some("2026-03-01".to_string()),
        test_end: Some("2026-05-31".to_string()),
        exposed: s.exposed,
        control: s.control,
        excluded: Excluded::default(),
        revenue_per_user_lift: Headline {
            estimate: Some(est),
            ci_low: Some(lo),
            ci_high: Some(hi),
            p_value: Some(s.p.0),
            p_value_holm: Some(s.p.1),
        },
        revenue_per_user_lift_raw: Tested {
            estimate: Some(est + 0.4),
            ci_low: Some(lo - 1.5),
            ci_high: Some(hi + 1.5),
            p_value: Some((s.p.0 * 1.6).min(1.0)),
        },
        relative_lift: Interval {
            estimate: Some(est / base),
            ci_low: Some(lo / base),
            ci_high: Some(hi / base),
        },
        conversion_rate_lift: Tested {
            estimate: Some(cr),
            ci_low: Some(cr - 0.02),
            ci_high: Some(cr + 0.02),
            p_value: Some(s.p.0),
        },
        incremental_revenue,
        incremental_conversions,
        cuped: Cuped {
            applied: true,
            theta: Some(0.52),
            variance_reduction: Some(0.31),
            theta_profit: None,
        },
        srm: SrmCheck {
            expected_control_share: Some(0.2),
            p_value: Some(0.48),
            flag: false,
        },
        spend: s.spend,
        icac: s
            .spend
            .zip(incremental_conversions.estimate)
            .filter(|(_, c)| *c > 0.0)
            .map(|(sp, c)| sp / c),
        iroas,
        decision,
        bootstrap: Some(Bootstrap {
            resamples: 200,
            seed: 7,
            ci_low: lo - 0.3,
            ci_high: hi + 0.2,
        }),
    }
}

fn lift() -> Vec<LiftRow> {
    let row = |channel, window, exposed, control, lift, p, spend| {
        lift_row(RowSpec {
            channel,
            segment: None,
            window,
            exposed,
            control,
            lift,
            p,
            spend: Some(spend),
        })
    };
    // social, 30 days: one mature control user, so no estimate at all.
    let social_30 = LiftRow {
        balance: Balance::default(),
        status: None,
        placebo: None,
        profit_per_user_lift: None,
        profit_per_user_lift_raw: None,
        incremental_profit: None,
        capping: None,
        ipoas: None,
        net_return: None,
        channel: "social".to_string(),
        segment: None,
        window_days: 30,
        test_start: Some("2026-03-01".to_string()),
        test_end: Some("2026-05-31".to_string()),
        exposed: arm(640, 198, 30_720.0),
        control: arm(1, 0, 0.0),
        excluded: Excluded {
            contaminated: 0,
            immature: 159,
        },
        revenue_per_user_lift: Headline::default(),
        revenue_per_user_lift_raw: Tested::default(),
        relative_lift: Interval::default(),
        conversion_rate_lift: Tested::default(),
        incremental_revenue: Interval::default(),
        incremental_conversions: Interval::default(),
        cuped: Cuped::default(),
        srm: SrmCheck {
            expected_control_share: Some(0.2),
            p_value: None,
            flag: false,
        },
        spend: None,
        icac: None,
        iroas: None,
        decision: None,
        bootstrap: None,
    };
    let mut social_60 = row(
        "social",
        60,
        arm(800, 260, 41_600.0),
        arm(160, 56, 8_960.0),
        (-4.0, -9.5, 1.5),
        (0.151, 0.302),
        9_000.0,
    );
    social_60.excluded = Excluded {
        contaminated: 12,
        immature: 0,
    };
    social_60.srm = SrmCheck {
        expected_control_share: Some(0.2),
        p_value: Some(0.0004),
        flag: true,
    };
    // social's split is off: the arms differed before the test, and A/A
    // splits of its control arm find 31 of 200 "significant".
    social_60.balance = Balance {
        difference: Some(-6.5),
        ci_low: Some(-9.8),
        ci_high: Some(-3.2),
        p_value: Some(0.0001),
        flag: true,
    };
    social_60.placebo = Some(Placebo {
        runs: 200,
        false_positives: 31,
        rate: 0.155,
        ci_low: 0.111,
        ci_high: 0.212,
        flag: true,
    });
    social_60.status = Some(PlanStatus {
        mde: 0.05,
        effect: Some(2.8),
        power: Some(0.97),
        users_needed: Some(610),
        reached: true,
        days_to_power: None,
    });
    // paid_search is undecided: 12 more days to a 5% lift.
    let mut paid_search_60 = row(
        "paid_search",
        60,
        arm(2_000, 820, 112_000.0),
        arm(500, 200, 27_000.0),
        (3.4, -1.7, 8.5),
        (0.19, 0.302),
        15_000.0,
    );
    paid_search_60.status = Some(PlanStatus {
        mde: 0.05,
        effect: Some(2.7),
        power: Some(0.41),
        users_needed: Some(3_400),
        reached: false,
        days_to_power: Some(12),
    });
    paid_search_60.placebo = Some(Placebo {
        runs: 200,
        false_positives: 9,
        rate: 0.045,
        ci_low: 0.024,
        ci_high: 0.083,
        flag: false,
    });
    let mut email_60 = row(
        "email",
        60,
        arm(1_200, 552, 78_000.0),
        arm(300, 114, 16_500.0),
        (10.2, 5.0, 15.4),
        (0.0001, 0.0003),
        2_500.0,
    );
    email_60.status = Some(PlanStatus {
        mde: 0.05,
        effect: Some(2.75),
        power: Some(0.93),
        users_needed: Some(1_100),
        reached: true,
        days_to_power: None,
    });
    vec![
        row(
            "email",
            30,
            arm(1_200, 480, 60_000.0),
            arm(300, 96, 12_600.0),
            (7.5, 3.1, 11.9),
            (0.0008, 0.0016),
            2_500.0,
        ),
        row(
            "paid_search",
            30,
            arm(2_000, 700, 84_000.0),
            arm(500, 170, 20_500.0),
            (0.9, -2.2, 4.0),
            (0.57, 0.57),
            15_000.0,
        ),
        social_30,
        lift_row(RowSpec {
            channel: "email",
            segment: Some("new"),
            window: 30,
            exposed: arm(400, 140, 18_400.0),
            control: arm(100, 28, 3_900.0),
            lift: (6.8, 0.4, 13.2),
            p: (0.037, 0.037),
            spend: None,
        }),
        email_60,
        paid_search_60,
        social_60,
        lift_row(RowSpec {
            channel: "email",
            segment: Some("new"),
            window: 60,
            exposed: arm(400, 168, 24_000.0),
            control: arm(100, 35, 5_100.0),
            lift: (9.1, 1.8, 16.4),
            p: (0.014, 0.014),
            spend: None,
        }),
    ]
}

fn attribution() -> Vec<AttributionRow> {
    let spend = |ch: &str| match ch {
        "email" => 2_500.0,
        "paid_search" => 15_000.0,
        _ => 9_000.0,
    };
    // (window, model, channel, conversions credited); every credited
    // conversion is worth 240.00 in this sample.
    let credit: [(u16, &str, &str, f64); 12] = [
        (30, "last_touch", "email", 310.0),
        (30, "last_touch", "paid_search", 520.0),
        (30, "last_touch", "social", 170.0),
        (30, "markov", "email", 347.8),
        (30, "markov", "paid_search", 608.7),
        (30, "markov", "social", 43.5),
        (60, "last_touch", "email", 402.0),
        (60, "last_touch", "paid_search", 648.0),
        (60, "last_touch", "social", 150.0),
        (60, "markov", "email", 400.0),
        (60, "markov", "paid_search", 800.0),
        (60, "markov", "social", 0.0),
    ];
    let mut rows = Vec::new();
    for (window, model, channel, conversions) in credit {
        let total: f64 = credit
            .iter()
            .filter(|c| c.0 == window && c.1 == model)
            .map(|c| c.3)
            .sum();
        rows.push(AttributionRow {
            window_days: window,
            model: model.to_string(),
            channel: channel.to_string(),
            conversions,
            revenue: conversions * 240.0,
            share: conversions / total,
            cac: (conversions > 0.0).then(|| spend(channel) / conversions),
        });
    }
    rows
}

fn attribution_totals() -> Vec<AttributionTotals> {
    // Every window sees the same 1,262 conversions; a longer lookback
    // leaves fewer of them unattributed.
    let (conversions, revenue, refunds) = (1_262, 303_290.5, -1_840.5);
    let totals = |window_days, attributed: u64| AttributionTotals {
        window_days,
        conversions,
        revenue,
        unattributed_conversions: conversions - attributed,
        unattributed_revenue: revenue - attributed as f64 * 240.0,
        refunds,
        net_revenue: revenue + refunds,
    };
    vec![totals(30, 1_000), totals(60, 1_200)]
}

fn decomposition(lift: &[LiftRow]) -> Vec<Decomposition> {
    [30, 60]
        .into_iter()
        .map(|window| {
            // The net revenue of the whole export, as reconciled.
            let export_revenue = 301_450.0;
            let incremental: Vec<ChannelAmount> = lift
                .iter()
                .filter(|r| r.window_days == window && r.segment.is_none())
                .filter_map(|r| {
                    Some(ChannelAmount {
                        channel: r.channel.clone(),
                        amount: r.incremental_revenue.estimate?,
                    })
                })
                .collect();
            let incremental_total = incremental.iter().map(|c| c.amount).sum();
            Decomposition {
                window_days: window,
                export_revenue,
                incremental,
                incremental_total,
                baseline_revenue: export_revenue - incremental_total,
            }
        })
        .collect()
}

fn calibration(lift: &[LiftRow], attribution: &[AttributionRow]) -> Vec<CalibrationRow> {
    let mut rows = Vec::new();
    for a in attribution {
        let Some(l) = lift.iter().find(|l| {
            l.window_days == a.window_days && l.segment.is_none() && l.channel == a.channel
        }) else {
            continue;
        };
        let ir = l.incremental_revenue;
        let Some(incremental) = ir.estimate else {
            continue;
        };
        // The test users' share of the revenue the model credits the channel.
        let of_test = match (a.model.as_str(), a.channel.as_str()) {
            ("last_touch", "email") => 0.10,
            ("last_touch", _) => 0.12,
            (_, "email") => 0.09,
            _ => 0.11,
        };
        let test = a.revenue * of_test;
        let factor = (test > 0.0).then(|| incremental / test);
        rows.push(CalibrationRow {
            window_days: a.window_days,
            model: a.model.clone(),
            channel: a.channel.clone(),
            attributed_revenue_test: test,
            incremental_revenue: incremental,
            factor,
            factor_ci_low: factor.and(ir.ci_low).map(|lo| lo / test),
            factor_ci_high: factor.and(ir.ci_high).map(|hi| hi / test),
            attributed_revenue: a.revenue,
            calibrated_revenue: factor.map(|f| f * a.revenue),
        });
    }
    rows
}

fn reconciliation() -> Reconciliation {
    let period = |start: &str, end: &str, finance: f64, export: f64| {
        let gap = export - finance;
        let gap_pct = gap / finance;
        ReconciliationPeriod {
            period_start: start.to_string(),
            period_end: end.to_string(),
            finance_revenue: finance,
            export_revenue: export,
            gap,
            gap_pct: Some(gap_pct),
            status: if gap_pct.abs() > 0.01 {
                "mismatch"
            } else {
                "ok"
            }
            .to_string(),
        }
    };
    Reconciliation {
        tolerance: 0.01,
        status: "mismatch".to_string(),
        periods: vec![
            period("2026-03-01", "2026-03-31", 98_000.0, 97_420.5),
            period("2026-04-01", "2026-04-30", 101_500.0, 104_640.0),
            period("2026-05-01", "2026-05-31", 99_800.0, 99_389.5),
        ],
        refunds: RowsAndAmount {
            rows: 23,
            amount: -1_840.5,
        },
        duplicate_orders: RowsAndAmount {
            rows: 4,
            amount: 312.0,
        },
    }
}

fn markov() -> MarkovWindow {
    let t = |from: &str, to: &str, count: u64, probability: f64| NamedTransition {
        from: from.to_string(),
        to: to.to_string(),
        count,
        probability,
    };
    let e =
        |channel: &str, removal_effect, value, without, (conversion, revenue)| NamedRemovalEffect {
            channel: channel.to_string(),
            removal_effect,
            value_removal_effect: value,
            conversion_probability_without: without,
            conversion_share: conversion,
            value_share: revenue,
        };
    MarkovWindow {
        window_days: 30,
        order: 1,
        horizon: Some(8),
        longest_path: 6,
        distinct_paths: 41,
        conversions: 1_000,
        nulls: 120,
        states: vec![
            "email".to_string(),
            "paid_search".to_string(),
            "social".to_string(),
        ],
        transitions: vec![
            t("(start)", "email", 350, 0.3125),
            t("(start)", "paid_search", 600, 0.535714),
            t("(start)", "social", 170, 0.151786),
            t("email", "(conversion)", 300, 0.75),
            t("email", "paid_search", 100, 0.25),
            t("paid_search", "(conversion)", 700, 1.0),
            t("social", "email", 50, 0.294118),
            t("social", "(null)", 120, 0.705882),
        ],
        base_conversion_probability: 0.892857,
        removal_effects: vec![
            e("email", 0.4, 0.41, 0.535714, (0.347826, 0.356522)),
            e("paid_search", 0.7, 0.69, 0.267857, (0.608696, 0.6)),
            e("social", 0.05, 0.05, 0.848214, (0.043478, 0.043478)),
        ],
    }
}

fn file(path: &str, fill: char, rows: u64, rejected_rows: u64) -> FileInfo {
    FileInfo {
        path: path.to_string(),
        sha256: fill.to_string().repeat(64),
        rows,
        rejected_rows,
    }
}

/// The one report every format is rendered from.
fn sample_report() -> Report {
    let lift = lift();
    let attribution = attribution();
    let inputs = BTreeMap::from([
        (
            "exposures".to_string(),
            file("data/exposures.csv.gz", 'a', 12_480, 0),
        ),
        (
            "revenue".to_string(),
            file("data/revenue.csv.gz", 'b', 9_911, 3),
        ),
        ("spend".to_string(), file("data/spend.csv", 'c', 273, 0)),
        ("finance".to_string(), file("data/finance.csv", 'd', 3, 0)),
    ]);
    Report {
        schema_version: SCHEMA_VERSION,
        // Pinned, so that a version bump does not touch the snapshots.
        tool: Tool {
            name: "uplift".to_string(),
            version: "0.0.0-snapshot".to_string(),
        },
        as_of: Some("2026-06-30T23:46:10Z".to_string()),
        inputs,
        config: sample_config(),
        decomposition: decomposition(&lift),
        calibration: calibration(&lift, &attribution),
        lift,
        attribution,
        attribution_totals: attribution_totals(),
        reconciliation: Some(reconciliation()),
        markov: Some(vec![markov()]),
        warnings: vec![
            Warning::new(
                WarningCode::Refunds,
                "23 orders have negative revenue (refunds, -1840.50 in all): they count in net revenue but never as conversions",
            ),
            Warning::new(
                WarningCode::SmallArm,
                "channel social, window 30: the control arm has 1 mature user (fewer than 2): no lift estimate",
            ),
            Warning::new(
                WarningCode::Contaminated,
                "channel social: 12 users are both exposed and control; they are left out of its lift",
            ),
        ],
    }
}

fn rendered(format: Format) -> String {
    rendered_as(format, Terminal::default())
}

fn rendered_as(format: Format, term: Terminal) -> String {
    let bytes = render(&sample_report(), format, &term).expect("the sample report renders");
    String::from_utf8(bytes).expect("every format is UTF-8")
}

fn terminal(term: Terminal) -> String {
    rendered_as(Format::Table, term)
}

fn at(width: usize) -> Terminal {
    Terminal {
        width,
        ..Terminal::default()
    }
}

/// The widest line, in terminal columns (ANSI escapes take none).
fn widest(text: &str) -> usize {
    text.lines()
        .map(textwrap::core::display_width)
        .max()
        .unwrap_or(0)
}

#[test]
fn table() {
    insta::assert_snapshot!("table", rendered(Format::Table));
}

#[test]
fn table_at_80_100_and_160_columns() {
    for width in [80, 100, 160] {
        let text = terminal(at(width));
        assert!(widest(&text) <= width, "{width}: {}", widest(&text));
        insta::assert_snapshot!(format!("table_{width}"), text);
    }
}

#[test]
fn table_details_at_80_100_and_160_columns() {
    for width in [80, 100, 160] {
        let text = terminal(Terminal {
            details: true,
            ..at(width)
        });
        assert!(widest(&text) <= width, "{width}: {}", widest(&text));
        insta::assert_snapshot!(format!("table_details_{width}"), text);
    }
}

#[test]
fn every_line_fits_from_60_to_200_columns() {
    for width in (60..=200).step_by(7) {
        for details in [false, true] {
            let text = terminal(Terminal {
                details,
                ..at(width)
            });
            assert!(
                widest(&text) <= width,
                "width {width}, details {details}: a line of {} columns",
                widest(&text)
            );
        }
    }
}

#[test]
fn colour_only_when_asked_and_then_by_meaning() {
    let plain = terminal(at(100));
    assert!(!plain.contains('\x1b'), "no escape without colour");
    let coloured = terminal(Terminal {
        colour: true,
        ..at(100)
    });
    // The same colour in text (`ESC[32m`) and in tables (`ESC[38;5;2m`),
    // with the cell's padding inside the colour.
    let painted = |word: &str, ansi: u8| {
        coloured.contains(&format!("\x1b[{}m{word}", 30 + ansi))
            || coloured.contains(&format!("\x1b[38;5;{ansi}m {word}"))
    };
    let (red, green, yellow) = (1, 2, 3);
    // The sample decides email scale, social cut; flags and warning codes
    // are yellow.
    assert!(painted("email", green), "scale is green");
    assert!(painted("scale", green), "scale is green");
    assert!(painted("social", red), "cut is red");
    assert!(painted("cut", red), "cut is red");
    assert!(painted("mismatch", red), "a mismatch is red");
    assert!(painted("refunds", yellow), "warning codes are yellow");
    assert!(painted("SRM, contaminated 12", yellow), "flags are yellow");
    assert!(!painted("paid_search", green) && !painted("paid_search", red));
    // Stripped of its escapes, the coloured report is the plain one (but
    // for the padding a coloured cell keeps at the end of a line).
    let trimmed = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
    assert_eq!(trimmed(&strip_ansi(&coloured)), trimmed(&plain));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn json() {
    insta::assert_snapshot!("json", rendered(Format::Json));
}

#[test]
fn csv() {
    insta::assert_snapshot!("csv", rendered(Format::Csv));
}

#[test]
fn markdown() {
    insta::assert_snapshot!("markdown", rendered(Format::Markdown));
}

#[test]
fn html() {
    insta::assert_snapshot!("html", rendered(Format::Html));
}

#[test]
fn calibration_csv() {
    insta::assert_snapshot!("calibration", rendered(Format::Calibration));
}
