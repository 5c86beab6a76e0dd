//! What the report says, section by section, built into the neutral
//! [`Document`]: decision, lift, economics, decomposition, attribution,
//! attribution totals, calibration, reconciliation and warnings (lineage is
//! built in `mod.rs`, beside the settings it reads).
//!
//! The section order, the headings and the content of every table are
//! decided here, once, for Markdown and HTML alike.

use super::document::{
    Block, Cell, Chart, Document, Section, Table, Tile, Tone, flag, plain, strong,
};
use super::facts::{
    ChannelDecision, all_users, decisions, first_seen, first_seen_u16, lift_channels, lift_windows,
};
use super::format::{self, count, money, p_value, pct, pct_dp, pp, ratio};
use super::reading;
use super::{capping_line, hurdle, lineage_section, profit_hurdle};
use crate::report::{LiftRow, Report};

/// Builds the neutral document of `report`: decision, lift, economics,
/// attribution, attribution totals, reconciliation, warnings, lineage (a
/// section is left out when the report has nothing for it).
pub fn document(report: &Report) -> Document {
    let ci = reading::ci_label(report);
    let mut sections = Vec::new();
    if !report.lift.is_empty() {
        sections.push(decision_section(report, &ci));
        sections.push(lift_section(report, &ci));
        sections.extend(reading::checks_section(report, true));
        sections.push(economics_section(report, &ci));
    }
    if !report.decomposition.is_empty() {
        sections.push(decomposition_section(report));
    }
    if !report.attribution.is_empty() {
        sections.push(attribution_section(report));
    }
    if !report.attribution_totals.is_empty() {
        sections.push(totals_section(report));
    }
    if !report.calibration.is_empty() {
        sections.push(calibration_section(report, &ci));
    }
    sections.extend(closing_sections(report));
    sections.push(warnings_section(report));
    sections.push(lineage_section(report));
    Document {
        title: "uplift report".to_string(),
        subtitle: subtitle(report, &ci),
        sections,
    }
}

/// The sections both the full document and the terminal's end with, before
/// their warnings: the Markov chain when asked for, reconciliation, and a
/// line when there are no results at all.
pub(super) fn closing_sections(report: &Report) -> Vec<Section> {
    let mut sections = Vec::new();
    if let Some(s) = markov_section(report) {
        sections.push(s);
    }
    if let Some(s) = reconciliation_section(report) {
        sections.push(s);
    }
    if report.lift.is_empty() && report.attribution.is_empty() && report.reconciliation.is_none() {
        sections.push(Section {
            id: "results",
            title: "Results".to_string(),
            blocks: vec![Block::Text(vec![plain(
                "No channel has exposed and control users: no lift to report.",
            )])],
        });
    }
    sections
}

/// One line under the title: as of, windows, confidence, tool version.
pub(super) fn subtitle(report: &Report, ci: &str) -> String {
    let mut subtitle = Vec::new();
    if let Some(as_of) = &report.as_of {
        subtitle.push(format!("as of {as_of}"));
    }
    let windows = lift_windows(report);
    if !windows.is_empty() {
        subtitle.push(format!("windows {} days", join_windows(&windows)));
        subtitle.push(ci.to_string());
    }
    subtitle.push(format!("{} {}", report.tool.name, report.tool.version));
    subtitle.join(" · ")
}

fn join_windows(w: &[u16]) -> String {
    w.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

pub(super) fn days(w: u16) -> String {
    format!("{w} d")
}

fn decision_section(report: &Report, ci: &str) -> Section {
    let decisions = decisions(report);
    let any_decision = decisions.iter().any(|d| d.verdict().is_some());
    let multi_window = lift_windows(report).len() > 1;
    let mut blocks = vec![Block::Summary(decision_tiles(report, &decisions))];
    if any_decision {
        let on_profit = profit_hurdle(report);
        let (what, measure, hurdle) = match on_profit {
            Some(h) => (
                "on profit against a hurdle iPOAS of ",
                "iPOAS (incremental profit / spend)",
                Some(h),
            ),
            None => ("against a hurdle iROAS of ", "iROAS", hurdle(report)),
        };
        let hurdle = hurdle.map_or_else(|| format::NULL.to_string(), |h| ratio(Some(h)));
        blocks.push(Block::Text(vec![
            plain(format!("Each channel is decided at its longest window {what}")),
            strong(hurdle),
            plain(format!(
                ": scale when the whole {ci} of {measure} lies above the hurdle, cut when it lies wholly below, otherwise inconclusive."
            )),
        ]));
        let mut cols = vec![("channel", false), ("decision", false), ("window", true)];
        let (ratio_h, inc_h) = if on_profit.is_some() {
            (
                format!("iPOAS [{ci}]"),
                format!("incremental profit [{ci}]"),
            )
        } else {
            (
                format!("iROAS [{ci}]"),
                format!("incremental revenue [{ci}]"),
            )
        };
        let iroas_h = format!("iROAS [{ci}]");
        cols.push((ratio_h.as_str(), true));
        cols.push((inc_h.as_str(), true));
        if on_profit.is_some() {
            cols.push((iroas_h.as_str(), true));
        }
        cols.push(("spend", true));
        if multi_window {
            cols.push(("decision by window", false));
        }
        let mut t = Table::new(&cols);
        for d in &decisions {
            let r = d.row;
            let iroas = r.iroas.unwrap_or_default();
            let (on, inc) = match on_profit {
                Some(_) => (
                    r.ipoas.unwrap_or_default(),
                    r.incremental_profit.unwrap_or_default(),
                ),
                None => (iroas, r.incremental_revenue),
            };
            let mut row = vec![
                Cell::strong(d.channel),
                Cell::verdict(d.verdict()),
                Cell::text(days(r.window_days)),
                Cell::ci(on.estimate, on.ci_low, on.ci_high, ratio),
                Cell::ci(inc.estimate, inc.ci_low, inc.ci_high, money),
            ];
            if on_profit.is_some() {
                row.push(Cell::ci(iroas.estimate, iroas.ci_low, iroas.ci_high, ratio));
            }
            row.push(Cell::text(money(r.spend)));
            if multi_window {
                row.push(Cell::text(
                    d.by_window
                        .iter()
                        .map(|(w, v)| format!("{} {}", days(*w), v.unwrap_or(format::NULL)))
                        .collect::<Vec<_>>()
                        .join(" · "),
                ));
            }
            t.rows.push(row);
        }
        blocks.push(Block::Table(t));
    } else {
        blocks.push(Block::Text(vec![plain(
            "No spend data (give --spend, or a cost column in the exposures): no scale / cut decision. Incremental revenue per channel at its longest window:",
        )]));
        let lift_h = format!("lift per user [{ci}]");
        let inc_h = format!("incremental revenue [{ci}]");
        let mut t = Table::new(&[
            ("channel", false),
            ("window", true),
            (lift_h.as_str(), true),
            (inc_h.as_str(), true),
            ("p (Holm)", true),
        ]);
        for d in &decisions {
            let r = d.row;
            let l = &r.revenue_per_user_lift;
            let ir = &r.incremental_revenue;
            t.rows.push(vec![
                Cell::strong(d.channel),
                Cell::text(days(r.window_days)),
                Cell::ci(l.estimate, l.ci_low, l.ci_high, money),
                Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, money),
                Cell::text(format!(
                    "{} ({})",
                    p_value(l.p_value),
                    p_value(l.p_value_holm)
                )),
            ]);
        }
        blocks.push(Block::Table(t));
    }
    blocks.extend(reading::plan_block(&decisions));
    blocks.extend(reading::sequential_note(report));
    Section {
        id: "decision",
        title: "Decision".to_string(),
        blocks,
    }
}

/// The flags of a row, yellow in a terminal (none: an empty cell).
pub(super) fn flags_cell(r: &LiftRow) -> Cell {
    let f = flags(r);
    Cell {
        tone: if f.is_empty() {
            Tone::Plain
        } else {
            Tone::Warn
        },
        ..Cell::text(f)
    }
}

/// The headline of the decisions: the channels to scale, cut, or leave
/// inconclusive (without spend: those with a significant positive lift),
/// and the reconciliation status.
pub(super) fn decision_tiles(report: &Report, decisions: &[ChannelDecision<'_>]) -> Vec<Tile> {
    let any_decision = decisions.iter().any(|d| d.verdict().is_some());
    let mut tiles = Vec::new();
    if any_decision {
        for (label, verdict) in [
            ("Scale", "scale"),
            ("Cut", "cut"),
            ("Inconclusive", "inconclusive"),
        ] {
            let names: Vec<&str> = decisions
                .iter()
                .filter(|d| d.verdict() == Some(verdict))
                .map(|d| d.channel)
                .collect();
            tiles.push(Tile {
                label: label.to_string(),
                value: if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                },
                tone: if names.is_empty() {
                    Tone::Plain
                } else {
                    Tone::of(verdict)
                },
            });
        }
        let undecided: Vec<&str> = decisions
            .iter()
            .filter(|d| d.verdict().is_none())
            .map(|d| d.channel)
            .collect();
        if !undecided.is_empty() {
            tiles.push(Tile {
                label: "No decision".to_string(),
                value: undecided.join(", "),
                tone: Tone::Plain,
            });
        }
    } else {
        let positive: Vec<&str> = decisions
            .iter()
            .filter(|d| d.row.revenue_per_user_lift.ci_low.is_some_and(|l| l > 0.0))
            .map(|d| d.channel)
            .collect();
        tiles.push(Tile {
            label: "Significant positive lift".to_string(),
            value: if positive.is_empty() {
                "none".to_string()
            } else {
                positive.join(", ")
            },
            tone: if positive.is_empty() {
                Tone::Plain
            } else {
                Tone::Good
            },
        });
    }
    if let Some(rec) = &report.reconciliation {
        let bad = rec
            .periods
            .iter()
            .filter(|p| p.status == "mismatch")
            .count();
        tiles.push(Tile {
            label: "Reconciliation".to_string(),
            value: if bad == 0 {
                format!("{} ({} periods)", rec.status, rec.periods.len())
            } else {
                format!("{} ({bad} of {} periods)", rec.status, rec.periods.len())
            },
            tone: Tone::of(&rec.status),
        });
    }
    tiles
}

/// The row's flags: SRM, contaminated and immature users excluded, a
/// pre-period imbalance, too many placebo false positives.
pub(super) fn flags(r: &LiftRow) -> String {
    let mut f = Vec::new();
    if r.srm.flag {
        f.push("SRM".to_string());
    }
    if r.excluded.contaminated > 0 {
        f.push(format!("contaminated {}", count(r.excluded.contaminated)));
    }
    if r.excluded.immature > 0 {
        f.push(format!("immature {}", count(r.excluded.immature)));
    }
    if r.balance.flag {
        f.push("imbalance".to_string());
    }
    if r.placebo.is_some_and(|p| p.flag) {
        f.push("placebo".to_string());
    }
    f.join(", ")
}

fn lift_table(rows: &[&LiftRow], ci: &str, with_segment: bool) -> Table {
    let with_profit = rows.iter().any(|r| r.profit_per_user_lift.is_some());
    let profit_h = format!("profit lift per user [{ci}]");
    let inc_profit_h = format!("incremental profit [{ci}]");
    let lift_h = format!("lift per user [{ci}]");
    let rel_h = format!("relative lift [{ci}]");
    let conv_h = format!("conversion-rate lift [{ci}]");
    let inc_h = format!("incremental revenue [{ci}]");
    let mut cols = vec![("channel", false)];
    if with_segment {
        cols.push(("segment", false));
    }
    cols.extend([
        ("users exposed / control", true),
        ("revenue per user exposed / control", true),
        (lift_h.as_str(), true),
        (rel_h.as_str(), true),
        ("p (Holm)", true),
        (conv_h.as_str(), true),
        (inc_h.as_str(), true),
    ]);
    if with_profit {
        cols.extend([
            ("profit per user exposed / control", true),
            (profit_h.as_str(), true),
            (inc_profit_h.as_str(), true),
        ]);
    }
    cols.extend([("CUPED variance reduction", true), ("flags", false)]);
    let mut t = Table::new(&cols);
    if with_segment {
        t.key = 2;
    }
    for r in rows {
        let l = &r.revenue_per_user_lift;
        let rel = &r.relative_lift;
        let c = &r.conversion_rate_lift;
        let ir = &r.incremental_revenue;
        let mut row = vec![Cell::strong(r.channel.as_str())];
        if with_segment {
            row.push(Cell::text(r.segment.as_deref().unwrap_or(format::NULL)));
        }
        row.extend([
            Cell::text(format!(
                "{} / {}",
                count(r.exposed.users),
                count(r.control.users)
            )),
            Cell::text(format!(
                "{} / {}",
                money(r.exposed.revenue_per_user),
                money(r.control.revenue_per_user)
            )),
            Cell::ci(l.estimate, l.ci_low, l.ci_high, money),
            Cell::ci(rel.estimate, rel.ci_low, rel.ci_high, pct),
            Cell::text(format!(
                "{} ({})",
                p_value(l.p_value),
                p_value(l.p_value_holm)
            )),
            Cell {
                sub: match (c.ci_low, c.ci_high) {
                    (Some(lo), Some(hi)) => Some(format!(
                        "[{}, {}]",
                        format::fixed(lo * 100.0, 2),
                        format::fixed(hi * 100.0, 2)
                    )),
                    _ => None,
                },
                ..Cell::text(pp(c.estimate))
            },
            Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, money),
        ]);
        if with_profit {
            let p = r.profit_per_user_lift.unwrap_or_default();
            let ip = r.incremental_profit.unwrap_or_default();
            row.extend([
                Cell::text(format!(
                    "{} / {}",
                    money(r.exposed.profit_per_user),
                    money(r.control.profit_per_user)
                )),
                Cell::ci(p.estimate, p.ci_low, p.ci_high, money),
                Cell::ci(ip.estimate, ip.ci_low, ip.ci_high, money),
            ]);
        }
        row.extend([
            Cell::text(if r.cuped.applied {
                pct(r.cuped.variance_reduction)
            } else {
                "off".to_string()
            }),
            flags_cell(r),
        ]);
        t.rows.push(row);
    }
    t
}

/// The caps of each channel of one window: bounds and users capped, per
/// outcome.
fn capping_table(rows: &[&LiftRow]) -> Table {
    let with_profit = rows
        .iter()
        .any(|r| r.capping.is_some_and(|c| c.profit.is_some()));
    let mut cols = vec![
        ("channel", false),
        ("revenue capped to", true),
        ("users capped", true),
        ("pre-period capped to", true),
    ];
    if with_profit {
        cols.extend([("profit capped to", true), ("users capped (profit)", true)]);
    }
    let bounds = |lower: Option<f64>, upper: Option<f64>| match (lower, upper) {
        (Some(l), Some(u)) => format!("[{}, {}]", money(Some(l)), money(Some(u))),
        (None, Some(u)) => format!("≤ {}", money(Some(u))),
        (Some(l), None) => format!("≥ {}", money(Some(l))),
        (None, None) => format::NULL.to_string(),
    };
    let mut t = Table::new(&cols);
    for r in rows {
        let Some(c) = r.capping else { continue };
        let mut row = vec![
            Cell::strong(r.channel.as_str()),
            Cell::text(bounds(c.revenue.lower, c.revenue.upper)),
            Cell::text(count(c.revenue.users_capped)),
            Cell::text(bounds(c.pre_period.lower, c.pre_period.upper)),
        ];
        if with_profit {
            let p = c.profit.unwrap_or_default();
            row.extend([
                Cell::text(bounds(p.lower, p.upper)),
                Cell::text(count(p.users_capped)),
            ]);
        }
        t.rows.push(row);
    }
    t
}

fn lift_section(report: &Report, ci: &str) -> Section {
    let mut blocks = vec![
        Block::Text(vec![plain(format!(
            "Exposed against holdout (control) users per channel. Lift per user is the revenue-per-user difference in the window (CUPED-adjusted where applied); [·] is the {ci}; p is the Welch t-test, Holm-adjusted within the window in parentheses; conversion-rate lift is in percentage points (pp)."
        ))]),
        Block::Chart(Chart::Forest),
    ];
    for w in lift_windows(report) {
        blocks.push(Block::Heading(format!("{w}-day window")));
        let all: Vec<&LiftRow> = report
            .lift
            .iter()
            .filter(|r| r.window_days == w && r.segment.is_none())
            .collect();
        blocks.push(Block::Table(lift_table(&all, ci, false)));
        if let Some(line) = capping_line(report, w) {
            blocks.push(Block::Text(vec![plain(line)]));
            blocks.push(Block::Table(capping_table(&all)));
        }
        let mut seg: Vec<&LiftRow> = report
            .lift
            .iter()
            .filter(|r| r.window_days == w && r.segment.is_some())
            .collect();
        seg.sort_by(|a, b| (&a.channel, &a.segment).cmp(&(&b.channel, &b.segment)));
        if !seg.is_empty() {
            let names = first_seen(seg.iter().filter_map(|r| r.segment.as_deref()));
            blocks.push(Block::Details {
                summary: format!(
                    "Segments, {w}-day window: {} rows ({})",
                    seg.len(),
                    names.join(", ")
                ),
                blocks: vec![Block::Table(lift_table(&seg, ci, true))],
            });
        }
    }
    Section {
        id: "lift",
        title: "Lift per window".to_string(),
        blocks,
    }
}

fn economics_section(report: &Report, ci: &str) -> Section {
    let windows = lift_windows(report);
    let mut rows: Vec<&LiftRow> = all_users(report).collect();
    rows.sort_by(|a, b| (&a.channel, a.window_days).cmp(&(&b.channel, b.window_days)));
    let mut blocks = Vec::new();
    if rows.iter().any(|r| r.spend.is_some()) {
        let with_profit = rows.iter().any(|r| r.ipoas.is_some());
        blocks.push(Block::Text(vec![plain(format!(
            "Spend is the channel's spend over its exposure period, prorated to the row's exposed users; iCAC = spend / incremental conversions; iROAS = incremental revenue / spend{}.",
            if with_profit {
                "; iPOAS = incremental profit / spend; net return = incremental profit − spend"
            } else {
                ""
            }
        ))]));
        let conv_h = format!("incremental conversions [{ci}]");
        let inc_h = format!("incremental revenue [{ci}]");
        let iroas_h = format!("iROAS [{ci}]");
        let ipoas_h = format!("iPOAS [{ci}]");
        let net_h = format!("net return [{ci}]");
        let mut cols = vec![
            ("channel", false),
            ("window", true),
            ("spend", true),
            (conv_h.as_str(), true),
            ("iCAC", true),
            (inc_h.as_str(), true),
            (iroas_h.as_str(), true),
        ];
        if with_profit {
            cols.extend([(ipoas_h.as_str(), true), (net_h.as_str(), true)]);
        }
        cols.push(("decision", false));
        let mut t = Table::new(&cols);
        for r in &rows {
            let c = &r.incremental_conversions;
            let ir = &r.incremental_revenue;
            let iroas = r.iroas.unwrap_or_default();
            let mut row = vec![
                Cell::strong(r.channel.as_str()),
                Cell::text(days(r.window_days)),
                Cell::text(money(r.spend)),
                Cell::ci(c.estimate, c.ci_low, c.ci_high, ratio),
                Cell::text(money(r.icac)),
                Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, money),
                Cell::ci(iroas.estimate, iroas.ci_low, iroas.ci_high, ratio),
            ];
            if with_profit {
                let (ip, net) = (
                    r.ipoas.unwrap_or_default(),
                    r.net_return.unwrap_or_default(),
                );
                row.extend([
                    Cell::ci(ip.estimate, ip.ci_low, ip.ci_high, ratio),
                    Cell::ci(net.estimate, net.ci_low, net.ci_high, money),
                ]);
            }
            row.push(Cell::verdict(
                r.decision.as_ref().map(|d| d.verdict.as_str()),
            ));
            t.rows.push(row);
        }
        blocks.push(Block::Table(t));
    } else {
        blocks.push(Block::Text(vec![plain(
            "No spend data: spend, iCAC, iROAS and decisions are not computed (give --spend, or a cost column in the exposures).",
        )]));
    }
    blocks.push(Block::Heading("LTV lift".to_string()));
    let curve = if windows.len() > 1 {
        format!(
            ": the {}-day LTV curve per channel",
            windows
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("/")
        )
    } else {
        String::new()
    };
    blocks.push(Block::Text(vec![plain(format!(
        "Revenue-per-user lift at each window [{ci}]{curve}."
    ))]));
    let heads: Vec<String> = windows.iter().map(|w| days(*w)).collect();
    let mut cols = vec![("channel", false)];
    cols.extend(heads.iter().map(|h| (h.as_str(), true)));
    let mut t = Table::new(&cols);
    for ch in lift_channels(report) {
        let mut row = vec![Cell::strong(ch)];
        for w in &windows {
            let r = rows.iter().find(|r| r.channel == ch && r.window_days == *w);
            row.push(r.map_or_else(
                || Cell::text(format::NULL),
                |r| {
                    let l = &r.revenue_per_user_lift;
                    Cell::ci(l.estimate, l.ci_low, l.ci_high, money)
                },
            ));
        }
        t.rows.push(row);
    }
    blocks.push(Block::Table(t));
    if windows.len() >= 2 {
        blocks.push(Block::Chart(Chart::LtvCurve));
    }
    Section {
        id: "economics",
        title: "Economics".to_string(),
        blocks,
    }
}

fn attribution_section(report: &Report) -> Section {
    let mut blocks = vec![
        Block::Text(vec![plain(
            "Attributed revenue per channel by model, side by side; in parentheses the channel's share of the model's attributed conversions and, with spend data, its attributed CAC (spend ÷ the conversions the model credits it).",
        )]),
        Block::Chart(Chart::Attribution),
    ];
    let windows = first_seen_u16(report.attribution.iter().map(|r| r.window_days));
    for w in windows {
        let rows: Vec<_> = report
            .attribution
            .iter()
            .filter(|r| r.window_days == w)
            .collect();
        let models = first_seen(rows.iter().map(|r| r.model.as_str()));
        let mut channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
        channels.sort_unstable();
        channels.dedup();
        let mut cols = vec![("channel", false)];
        cols.extend(models.iter().map(|m| (*m, true)));
        let mut t = Table::new(&cols);
        for ch in &channels {
            let mut row = vec![Cell::strong(*ch)];
            for m in &models {
                let r = rows.iter().find(|r| r.model == *m && r.channel == *ch);
                row.push(r.map_or_else(
                    || Cell::text(format::NULL),
                    |r| Cell {
                        sub: Some(match r.cac {
                            Some(cac) => {
                                format!("({}, CAC {})", pct(Some(r.share)), money(Some(cac)))
                            }
                            None => format!("({})", pct(Some(r.share))),
                        }),
                        ..Cell::text(money(Some(r.revenue)))
                    },
                ));
            }
            t.rows.push(row);
        }
        blocks.push(Block::Heading(format!("{w}-day lookback")));
        blocks.push(Block::Table(t));
    }
    Section {
        id: "attribution",
        title: "Attribution by model".to_string(),
        blocks,
    }
}

/// `channel amount, …`: the incremental revenue of each tested channel.
pub fn incremental_by_channel(d: &crate::report::Decomposition) -> String {
    let parts: Vec<String> = d
        .incremental
        .iter()
        .map(|c| format!("{} {}", c.channel, money(Some(c.amount))))
        .collect();
    parts.join(", ")
}

fn decomposition_section(report: &Report) -> Section {
    let mut t = Table::new(&[
        ("window", false),
        ("export revenue", true),
        ("incremental", true),
        ("baseline", true),
        ("incremental by channel", false),
    ]);
    for d in &report.decomposition {
        t.rows.push(vec![
            Cell::text(days(d.window_days)),
            Cell::text(money(Some(d.export_revenue))),
            Cell::text(money(Some(d.incremental_total))),
            Cell::text(money(Some(d.baseline_revenue))),
            Cell::text(incremental_by_channel(d)),
        ]);
    }
    Section {
        id: "decomposition",
        title: "Revenue decomposition".to_string(),
        blocks: vec![
            Block::Text(vec![plain(
                "The export's net revenue = the incremental revenue the tested channels caused (all users, per window) + the baseline that would have happened anyway.",
            )]),
            Block::Table(t),
        ],
    }
}

fn calibration_section(report: &Report, ci: &str) -> Section {
    let mut blocks = vec![Block::Text(vec![plain(format!(
        "Factor = the experiment's incremental revenue ÷ the revenue the model credits the channel from the same test users' conversions, with its {ci} in brackets: below 1 the model over-credits the channel, above 1 it under-credits it. Calibrated revenue = factor × the revenue the model credits the channel over all conversions."
    ))])];
    for w in first_seen_u16(report.calibration.iter().map(|r| r.window_days)) {
        let rows: Vec<_> = report
            .calibration
            .iter()
            .filter(|r| r.window_days == w)
            .collect();
        let models = first_seen(rows.iter().map(|r| r.model.as_str()));
        let channels = first_seen(rows.iter().map(|r| r.channel.as_str()));
        let mut cols = vec![("channel", false), ("incremental revenue", true)];
        cols.extend(models.iter().map(|m| (*m, true)));
        let mut t = Table::new(&cols);
        for ch in &channels {
            let of_channel = rows.iter().find(|r| r.channel == *ch);
            let mut row = vec![
                Cell::strong(*ch),
                Cell::text(money(of_channel.map(|r| r.incremental_revenue))),
            ];
            for m in &models {
                let r = rows.iter().find(|r| r.model == *m && r.channel == *ch);
                row.push(r.map_or_else(
                    || Cell::text(format::NULL),
                    |r| match (r.factor, r.factor_ci_low, r.factor_ci_high) {
                        (Some(f), Some(lo), Some(hi)) => Cell {
                            sub: Some(format!("[{}, {}]", ratio(Some(lo)), ratio(Some(hi)))),
                            ..Cell::text(format!("{}×", ratio(Some(f))))
                        },
                        (Some(f), _, _) => Cell::text(format!("{}×", ratio(Some(f)))),
                        (None, _, _) => Cell::text(format::NULL),
                    },
                ));
            }
            t.rows.push(row);
        }
        let mut calibrated = Table::new(&cols[..1]);
        calibrated.columns.extend(t.columns[2..].iter().cloned());
        for ch in &channels {
            let mut row = vec![Cell::strong(*ch)];
            for m in &models {
                let r = rows.iter().find(|r| r.model == *m && r.channel == *ch);
                row.push(r.map_or_else(
                    || Cell::text(format::NULL),
                    |r| Cell {
                        sub: Some(format!(
                            "(attributed {})",
                            money(Some(r.attributed_revenue))
                        )),
                        ..Cell::text(money(r.calibrated_revenue))
                    },
                ));
            }
            calibrated.rows.push(row);
        }
        blocks.push(Block::Heading(format!("{w}-day window")));
        blocks.push(Block::Table(t));
        blocks.push(Block::Text(vec![plain(
            "Calibrated revenue per model, the model's attributed revenue in parentheses:",
        )]));
        blocks.push(Block::Table(calibrated));
    }
    Section {
        id: "calibration",
        title: "Calibration by experiments".to_string(),
        blocks,
    }
}

fn totals_section(report: &Report) -> Section {
    let mut t = Table::new(&[
        ("lookback", true),
        ("conversions", true),
        ("attributed", true),
        ("unattributed", true),
        ("conversion revenue", true),
        ("attributed revenue", true),
        ("unattributed revenue", true),
        ("refunds", true),
        ("net revenue", true),
    ]);
    for tot in &report.attribution_totals {
        t.rows.push(vec![
            Cell::text(days(tot.window_days)),
            Cell::text(count(tot.conversions)),
            Cell::text(count(
                tot.conversions.saturating_sub(tot.unattributed_conversions),
            )),
            Cell::text(count(tot.unattributed_conversions)),
            Cell::text(money(Some(tot.revenue))),
            Cell::text(money(Some(tot.revenue - tot.unattributed_revenue))),
            Cell::text(money(Some(tot.unattributed_revenue))),
            Cell::text(money(Some(tot.refunds))),
            Cell::strong(money(Some(tot.net_revenue))),
        ]);
    }
    Section {
        id: "attribution-totals",
        title: "Attribution totals".to_string(),
        blocks: vec![
            Block::Text(vec![plain(
                "Per lookback window: attributed + unattributed = all conversions (and their revenue); conversion revenue + refunds = net revenue.",
            )]),
            Block::Table(t),
        ],
    }
}

/// The Markov chain of each window (`--explain markov`): its transitions
/// and each channel's removal effect.
pub(super) fn markov_section(report: &Report) -> Option<Section> {
    let chains = report.markov.as_ref()?;
    let mut blocks = Vec::new();
    for m in chains {
        let horizon = m
            .horizon
            .map_or_else(|| "unlimited".to_string(), |h| h.to_string());
        blocks.push(Block::Heading(format!("{}-day lookback", m.window_days)));
        blocks.push(Block::Text(vec![plain(format!(
            "Order {}, {} states, horizon {horizon}, longest path {}, {} distinct paths, P(conversion) = {:.6}.",
            m.order,
            m.states.len(),
            m.longest_path,
            m.distinct_paths,
            m.base_conversion_probability
        ))]));
        let mut t = Table::new(&[
            ("from", false),
            ("to", false),
            ("paths", true),
            ("probability", true),
        ]);
        for tr in &m.transitions {
            t.rows.push(vec![
                Cell::text(tr.from.clone()),
                Cell::text(tr.to.clone()),
                Cell::text(count(tr.count)),
                Cell::text(format!("{:.6}", tr.probability)),
            ]);
        }
        blocks.push(Block::Table(t));
        let mut r = Table::new(&[
            ("channel", false),
            ("removal effect", true),
            ("P(conv) without", true),
            ("value removal effect", true),
            ("conversion share", true),
            ("revenue share", true),
        ]);
        for e in &m.removal_effects {
            r.rows.push(vec![
                Cell::strong(e.channel.clone()),
                Cell::text(format!("{:.6}", e.removal_effect)),
                Cell::text(format!("{:.6}", e.conversion_probability_without)),
                Cell::text(format!("{:.6}", e.value_removal_effect)),
                Cell::text(pct(Some(e.conversion_share))),
                Cell::text(pct(Some(e.value_share))),
            ]);
        }
        blocks.push(Block::Table(r));
    }
    Some(Section {
        id: "markov",
        title: "Markov chain".to_string(),
        blocks,
    })
}

pub(super) fn reconciliation_section(report: &Report) -> Option<Section> {
    let rec = report.reconciliation.as_ref()?;
    let bad = rec
        .periods
        .iter()
        .filter(|p| p.status == "mismatch")
        .count();
    let tol = pct_dp(Some(rec.tolerance), 2);
    let mut t = Table::new(&[
        ("period", false),
        ("finance revenue", true),
        ("export revenue", true),
        ("gap", true),
        ("gap %", true),
        ("status", false),
    ]);
    for p in &rec.periods {
        t.rows.push(vec![
            Cell::text(format!("{} – {}", p.period_start, p.period_end)),
            Cell::text(money(Some(p.finance_revenue))),
            Cell::text(money(Some(p.export_revenue))),
            Cell::text(money(Some(p.gap))),
            Cell::text(pct_dp(p.gap_pct, 2)),
            Cell::verdict(Some(p.status.as_str())),
        ]);
    }
    let status = vec![
        plain("Status: "),
        strong(rec.status.to_uppercase()),
        plain(format!(
            " — {bad} of {} periods outside the ±{tol} tolerance (gap = export − finance; gap % = gap / finance).",
            rec.periods.len()
        )),
    ];
    Some(Section {
        id: "reconciliation",
        title: "Reconciliation against finance".to_string(),
        blocks: vec![
            Block::Text(status),
            Block::Chart(Chart::Reconciliation),
            Block::Table(t),
        ],
    })
}

pub(super) fn warnings_section(report: &Report) -> Section {
    let blocks = if report.warnings.is_empty() {
        vec![Block::Text(vec![plain("No warnings.")])]
    } else {
        vec![Block::Bullets(
            report
                .warnings
                .iter()
                .map(|w| {
                    vec![
                        flag(w.code.as_str()),
                        plain(": "),
                        plain(w.message.as_str()),
                    ]
                })
                .collect(),
        )]
    };
    Section {
        id: "warnings",
        title: format!("Warnings ({})", report.warnings.len()),
        blocks,
    }
}
