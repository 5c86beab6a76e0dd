//! The terminal's report: what a reader needs first, narrow enough for a
//! terminal.
//!
//! In reading order: the decision per channel (one line each), a compact
//! lift table per window, the attribution shares of every model side by
//! side, the Markov chain when asked for, reconciliation, and the warnings
//! (a code that repeats is shown twice, then counted). The wide columns, the
//! segment rows, economics per window, the decomposition, calibration and
//! lineage are in the full [`document`](super::document), which the terminal
//! shows with `--details` and Markdown and HTML always show.

use super::document::{Block, Cell, Document, Section, Table, Tone, flag, plain, strong};
use super::facts::{
    ChannelDecision, all_users, decisions, first_seen, first_seen_u16, lift_windows,
};
use super::format::{self, count, money, number, p_value, pct, ratio};
use super::reading;
use super::sections::{closing_sections, days, decision_tiles, flags, flags_cell, subtitle};
use super::{capping_line, has_profit, hurdle, profit_hurdle};
use crate::report::{LiftRow, Report};

/// How many warnings of one code are listed before the rest are counted.
const SAME_CODE_SHOWN: usize = 2;

/// Builds the terminal's document of `report`.
pub fn brief(report: &Report) -> Document {
    let ci = reading::ci_label(report);
    let mut sections = Vec::new();
    if !report.lift.is_empty() {
        sections.push(decisions_section(report, &ci));
        sections.push(lift_section(report, &ci));
    }
    sections.extend(reading::checks_section(report, false));
    if !report.attribution.is_empty() {
        sections.push(attribution_section(report));
    }
    sections.extend(closing_sections(report));
    sections.push(warnings_section(report));
    Document {
        title: "uplift report".to_string(),
        subtitle: subtitle(report, &ci),
        sections,
    }
}

/// Money in whole units: `12,346`.
fn whole(v: Option<f64>) -> String {
    v.map_or_else(|| format::NULL.to_string(), |v| number(v, 0))
}

fn decisions_section(report: &Report, ci: &str) -> Section {
    let decisions = decisions(report);
    let mut blocks = vec![Block::Summary(decision_tiles(report, &decisions))];
    if decisions.iter().any(|d| d.verdict().is_some()) {
        // On profit: iPOAS and incremental profit decide, iROAS beside them.
        let on_profit = profit_hurdle(report);
        let (ratio_h, inc_h) = if on_profit.is_some() {
            (
                format!("iPOAS\n[{ci}]"),
                format!("incremental profit\n[{ci}]"),
            )
        } else {
            (
                format!("iROAS\n[{ci}]"),
                format!("incremental revenue\n[{ci}]"),
            )
        };
        // One window for every channel (the usual case): said once, above.
        let one_window = decisions
            .iter()
            .all(|d| d.row.window_days == decisions[0].row.window_days);
        let mut cols = vec![("channel", false), ("decision", false)];
        if !one_window {
            cols.push(("window", true));
        }
        cols.extend([(ratio_h.as_str(), true), (inc_h.as_str(), true)]);
        if on_profit.is_some() {
            cols.push(("iROAS", true));
        }
        cols.push(("spend", true));
        let mut t = Table::new(&cols);
        for d in &decisions {
            let r = d.row;
            let (on, inc) = match on_profit {
                Some(_) => (r.ipoas, r.incremental_profit.unwrap_or_default()),
                None => (r.iroas, r.incremental_revenue),
            };
            let on = on.unwrap_or_default();
            let mut row = vec![Cell::strong(d.channel), Cell::verdict(d.verdict())];
            if !one_window {
                row.push(Cell::text(days(r.window_days)));
            }
            row.extend([
                Cell::ci(on.estimate, on.ci_low, on.ci_high, ratio),
                Cell::ci(inc.estimate, inc.ci_low, inc.ci_high, whole),
            ]);
            if on_profit.is_some() {
                row.push(Cell::text(ratio(r.iroas.and_then(|i| i.estimate))));
            }
            row.push(Cell::text(whole(r.spend)));
            t.rows.push(row);
        }
        blocks.push(Block::Table(t));
        let (what, hurdle) = match on_profit {
            Some(h) => ("on profit against a hurdle iPOAS of", Some(h)),
            None => ("against a hurdle iROAS of", hurdle(report)),
        };
        let hurdle = hurdle.map_or_else(|| format::NULL.to_string(), |h| ratio(Some(h)));
        let mut text = vec![
            plain(match decisions.first() {
                Some(d)
                    if decisions
                        .iter()
                        .all(|e| e.row.window_days == d.row.window_days) =>
                {
                    format!("Decided at the {}-day window {what} ", d.row.window_days)
                }
                _ => format!("Decided at each channel's longest window {what} "),
            }),
            strong(hurdle),
            plain(format!(
                ": scale when the whole {ci} lies above it, cut when wholly below{}.",
                if on_profit.is_some() {
                    " (iPOAS = incremental profit / spend, after the cost of goods and of serving the orders)"
                } else {
                    ""
                }
            )),
        ];
        let changes = verdict_changes(&decisions);
        if !changes.is_empty() {
            text.push(plain(format!(
                " Shorter windows differ: {}.",
                changes.join("; ")
            )));
        }
        blocks.push(Block::Text(text));
    } else {
        let lift_h = format!("lift per user\n[{ci}]");
        let inc_h = format!("incremental revenue\n[{ci}]");
        let profit_h = format!("profit lift per user\n[{ci}]");
        let with_profit = has_profit(report);
        let mut cols = vec![
            ("channel", false),
            ("window", true),
            (lift_h.as_str(), true),
            (inc_h.as_str(), true),
            ("p (Holm)", true),
            ("lift", false),
        ];
        if with_profit {
            cols.push((profit_h.as_str(), true));
        }
        let mut t = Table::new(&cols);
        for d in &decisions {
            let r = d.row;
            let l = &r.revenue_per_user_lift;
            let ir = &r.incremental_revenue;
            let mut row = vec![
                Cell::strong(d.channel),
                Cell::text(days(r.window_days)),
                Cell::ci(l.estimate, l.ci_low, l.ci_high, money),
                Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, whole),
                Cell::text(p_value(l.p_value_holm)),
                significance(r),
            ];
            if with_profit {
                let p = r.profit_per_user_lift.unwrap_or_default();
                row.push(Cell::ci(p.estimate, p.ci_low, p.ci_high, money));
            }
            t.rows.push(row);
        }
        blocks.push(Block::Table(t));
        blocks.push(Block::Text(vec![plain(format!(
            "No spend data (give --spend, or a cost column in the exposures), so no scale / cut decision: each channel's lift at its longest window, significant when its {ci} excludes 0."
        ))]));
    }
    blocks.extend(reading::plan_block(&decisions));
    blocks.extend(reading::sequential_note(report));
    Section {
        id: "decision",
        title: "Decisions".to_string(),
        blocks,
    }
}

/// `paid_search scale at 30 d, 60 d`: the shorter windows whose verdict
/// differs from the decision's.
fn verdict_changes(decisions: &[ChannelDecision<'_>]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| {
            let decided = d.verdict()?;
            let mut by_verdict: Vec<(&str, Vec<String>)> = Vec::new();
            for (w, v) in &d.by_window {
                let Some(v) = *v else { continue };
                if v == decided {
                    continue;
                }
                match by_verdict.iter_mut().find(|(x, _)| *x == v) {
                    Some((_, ws)) => ws.push(days(*w)),
                    None => by_verdict.push((v, vec![days(*w)])),
                }
            }
            if by_verdict.is_empty() {
                return None;
            }
            let parts: Vec<String> = by_verdict
                .iter()
                .map(|(v, ws)| format!("{v} at {}", ws.join(", ")))
                .collect();
            Some(format!("{} {}", d.channel, parts.join(", ")))
        })
        .collect()
}

/// `positive` (green) or `negative` (red) when the interval of the lift per
/// user excludes 0, else `not significant`.
fn significance(r: &LiftRow) -> Cell {
    let l = &r.revenue_per_user_lift;
    let (word, tone) = match (l.ci_low, l.ci_high) {
        (Some(lo), _) if lo > 0.0 => ("positive", Tone::Good),
        (_, Some(hi)) if hi < 0.0 => ("negative", Tone::Bad),
        (Some(_), Some(_)) => ("not significant", Tone::Plain),
        _ => (format::NULL, Tone::Plain),
    };
    Cell {
        tone,
        ..Cell::text(word)
    }
}

fn lift_section(report: &Report, ci: &str) -> Section {
    let mut blocks = vec![Block::Text(vec![plain(format!(
        "Users exposed / control per channel. Lift per user = revenue per user, exposed − control, in the window (CUPED-adjusted where applied), with its {ci}; p is Welch's, Holm-adjusted within the window.{}",
        if has_profit(report) {
            " Profit lift per user: the same on each order's profit (revenue − its cost, else margin × revenue − the cost per order or refund), CUPED on pre-period profit."
        } else {
            ""
        }
    ))])];
    let lift_h = format!("lift per user\n[{ci}]");
    let profit_h = format!("profit lift\nper user [{ci}]");
    let with_profit = has_profit(report);
    for w in lift_windows(report) {
        let rows: Vec<&LiftRow> = all_users(report).filter(|r| r.window_days == w).collect();
        let any_flag = rows.iter().any(|r| !flags(r).is_empty());
        let mut cols = vec![
            ("channel", false),
            ("exposed /\ncontrol", true),
            (lift_h.as_str(), true),
            ("relative\nlift", true),
            ("p\n(Holm)", true),
            ("incremental\nrevenue", true),
        ];
        if with_profit {
            cols.push((profit_h.as_str(), true));
        }
        if any_flag {
            cols.push(("flags", false));
        }
        let mut t = Table::new(&cols);
        for r in rows {
            let l = &r.revenue_per_user_lift;
            let mut row = vec![
                Cell::strong(r.channel.as_str()),
                Cell::text(format!(
                    "{} / {}",
                    count(r.exposed.users),
                    count(r.control.users)
                )),
                Cell::ci(l.estimate, l.ci_low, l.ci_high, money),
                Cell::text(pct(r.relative_lift.estimate)),
                Cell::text(p_value(l.p_value_holm)),
                Cell::text(whole(r.incremental_revenue.estimate)),
            ];
            if with_profit {
                let p = r.profit_per_user_lift.unwrap_or_default();
                row.push(Cell::ci(p.estimate, p.ci_low, p.ci_high, money));
            }
            if any_flag {
                row.push(flags_cell(r));
            }
            t.rows.push(row);
        }
        blocks.push(Block::Heading(format!("{w}-day window")));
        blocks.push(Block::Table(t));
        if let Some(line) = capping_line(report, w) {
            blocks.push(Block::Text(vec![plain(line)]));
        }
    }
    let segments = first_seen(report.lift.iter().filter_map(|r| r.segment.as_deref()));
    if !segments.is_empty() {
        blocks.push(Block::Text(vec![plain(format!(
            "Segments ({}), the intervals of relative and conversion-rate lift, CUPED and economics per window: --details, or --format html.",
            segments.join(", ")
        ))]));
    }
    Section {
        id: "lift",
        title: "Lift per window".to_string(),
        blocks,
    }
}

/// A model's name in a narrow column header.
fn short_model(name: &str) -> &str {
    match name {
        "first_touch" => "first",
        "last_touch" => "last",
        "time_decay" => "decay",
        "position_based" => "position",
        other => other,
    }
}

fn attribution_section(report: &Report) -> Section {
    let mut blocks = vec![Block::Text(vec![plain(
        "Each channel's share of the conversions a model attributes (first = first touch, last = last touch, decay = time decay, position = position based).",
    )])];
    for w in first_seen_u16(report.attribution.iter().map(|r| r.window_days)) {
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
        cols.extend(models.iter().map(|m| (short_model(m), true)));
        let mut t = Table::new(&cols);
        for ch in &channels {
            let mut row = vec![Cell::strong(*ch)];
            for m in &models {
                let r = rows.iter().find(|r| r.model == *m && r.channel == *ch);
                row.push(Cell::text(pct(r.map(|r| r.share))));
            }
            t.rows.push(row);
        }
        let mut heading = format!("{w}-day lookback");
        if let Some(tot) = report
            .attribution_totals
            .iter()
            .find(|t| t.window_days == w)
        {
            let attributed = tot.conversions.saturating_sub(tot.unattributed_conversions);
            let share = if tot.conversions > 0 {
                attributed as f64 / tot.conversions as f64
            } else {
                0.0
            };
            heading.push_str(&format!(
                ": {} of {} conversions attributed ({}), net revenue {}",
                count(attributed),
                count(tot.conversions),
                pct(Some(share)),
                money(Some(tot.net_revenue))
            ));
        }
        blocks.push(Block::Heading(heading));
        blocks.push(Block::Table(t));
    }
    Section {
        id: "attribution",
        title: "Attribution by model".to_string(),
        blocks,
    }
}

/// The warnings, a code that repeats listed [`SAME_CODE_SHOWN`] times and
/// then counted.
fn warnings_section(report: &Report) -> Section {
    let mut items = Vec::new();
    let codes = first_seen(report.warnings.iter().map(|w| w.code.as_str()));
    for code in codes {
        let of_code: Vec<_> = report
            .warnings
            .iter()
            .filter(|w| w.code.as_str() == code)
            .collect();
        let shown = if of_code.len() > SAME_CODE_SHOWN + 1 {
            SAME_CODE_SHOWN
        } else {
            of_code.len()
        };
        for w in &of_code[..shown] {
            items.push(vec![flag(code), plain(": "), plain(w.message.as_str())]);
        }
        if shown < of_code.len() {
            items.push(vec![
                flag(code),
                plain(format!(
                    ": {} more like these (--details or --format json lists them)",
                    of_code.len() - shown
                )),
            ]);
        }
    }
    let blocks = if items.is_empty() {
        vec![Block::Text(vec![plain("No warnings.")])]
    } else {
        vec![Block::Bullets(items)]
    };
    Section {
        id: "warnings",
        title: format!("Warnings ({})", report.warnings.len()),
        blocks,
    }
}
