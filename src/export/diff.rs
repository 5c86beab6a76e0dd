//! `uplift diff`: the comparison of two reports, as JSON or as a
//! [`Document`] for the terminal and Markdown.
//!
//! The document leads with what matters: a one-line summary, then the
//! verdicts that changed, then the estimates that left their old interval
//! (every all-users row folded beneath), rows newly flagged for pre-period
//! imbalance, rows of one report only (a window or a model that only one
//! report has is named, not listed row by row),
//! attribution shares that moved by [`SHARE_SHOWN_PP`] or more,
//! reconciliation periods, warning codes, inputs and settings. A section
//! with nothing to say is left out, except the verdicts ("No verdict
//! changed."); the summary line says what did not change. `--format json`
//! holds every row.

use super::document::{
    Block, Cell, Document, Section, Span, Table, Tone, code, flag, plain, strong,
};
use super::format::{self, fixed, money, pct_dp};
use super::sections::days;
use super::{Terminal, markdown, table};
use crate::diff::{
    AttributionChange, DiffReport, Headline, LiftChange, ReportFile, row_name, turned_to_mismatch,
};
use crate::error::Error;
use std::collections::BTreeMap;

/// The smallest move of an attribution share, in percentage points, that
/// the human formats show (the JSON holds every row).
pub const SHARE_SHOWN_PP: f64 = 0.1;

/// What the lift columns hold, as the tables say it.
const LIFT_MEANS: &str = "Lift = the headline revenue per user, exposed − control (CUPED-adjusted where applied), with its interval.";

/// Hex digits of a SHA-256 the human formats show (the JSON holds all 64).
const SHA_SHOWN: usize = 12;

/// Output format of `uplift diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Tables for a terminal.
    Table,
    /// Every row, as the contract's JSON.
    Json,
    /// Markdown for a pull-request comment or a mail.
    Markdown,
}

/// Renders `diff` in `format`; `term` lays out `--format table`.
pub fn render(diff: &DiffReport, format: DiffFormat, term: &Terminal) -> Result<Vec<u8>, Error> {
    match format {
        DiffFormat::Json => super::json(diff),
        DiffFormat::Table => Ok(table::write(&document(diff), term).into_bytes()),
        DiffFormat::Markdown => Ok(markdown::write(&document(diff)).into_bytes()),
    }
}

/// The document of `diff`.
pub fn document(diff: &DiffReport) -> Document {
    let mut sections = vec![summary_section(diff), verdicts_section(diff)];
    sections.extend(outside_section(diff));
    sections.extend(imbalance_section(diff));
    sections.extend(one_side_section(diff));
    sections.extend(attribution_section(diff));
    sections.extend(reconciliation_section(diff));
    sections.extend(warnings_section(diff));
    sections.extend(inputs_section(diff));
    sections.extend(settings_section(diff));
    Document {
        title: "uplift diff".to_string(),
        subtitle: format!("{} → {}", diff.old.path, diff.new.path),
        sections,
    }
}

/// A report compared: its path, `as_of` and the start of its SHA-256.
fn file(label: &str, f: &ReportFile) -> Vec<Span> {
    let mut spans = vec![strong(label), plain(" "), code(f.path.as_str())];
    if let Some(as_of) = &f.as_of {
        spans.push(plain(format!(", as of {as_of}")));
    }
    spans.push(plain(", SHA-256 "));
    spans.push(code(f.sha256.chars().take(SHA_SHOWN).collect::<String>()));
    spans
}

/// `1 verdict`, `2 verdicts`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether a matched attribution share moved enough to be shown: by
/// [`SHARE_SHOWN_PP`] or more, compared in hundredths of a point as the
/// change is shown.
fn share_moved(change_pp: Option<f64>) -> bool {
    change_pp.is_some_and(|c| (c.abs() * 100.0).round() >= (SHARE_SHOWN_PP * 100.0).round())
}

/// The reports, in the order [`OnlyIn`] indexes them.
const SIDES: [&str; 2] = ["old", "new"];

/// What only one report has, as a whole: windows (every lift and
/// attribution row of the window), and attribution models at a window both
/// reports have. Their rows are named by the window or model, not listed
/// one by one.
#[derive(Debug, Default)]
struct OnlyIn {
    /// Windows of the old report only, then of the new one.
    windows: [Vec<u16>; 2],
    /// Models of one report only, each with its windows.
    models: [Vec<(String, Vec<u16>)>; 2],
}

impl OnlyIn {
    fn of(diff: &DiffReport) -> Self {
        // Per window (and per window and model): whether the old and the
        // new report have a row of it.
        let mut windows: BTreeMap<u16, (bool, bool)> = BTreeMap::new();
        let mut models: BTreeMap<(String, u16), (bool, bool)> = BTreeMap::new();
        for r in &diff.lift {
            let e = windows.entry(r.window_days).or_default();
            e.0 |= r.old.is_some();
            e.1 |= r.new.is_some();
        }
        for r in &diff.attribution {
            for e in [
                windows.entry(r.window_days).or_default(),
                models.entry((r.model.clone(), r.window_days)).or_default(),
            ] {
                e.0 |= r.old.is_some();
                e.1 |= r.new.is_some();
            }
        }
        let side = |(old, new): (bool, bool)| match (old, new) {
            (true, false) => Some(0),
            (false, true) => Some(1),
            _ => None,
        };
        let mut out = Self::default();
        for (w, seen) in &windows {
            if let Some(i) = side(*seen) {
                out.windows[i].push(*w);
            }
        }
        for ((model, w), seen) in models {
            if let Some(i) = side(seen).filter(|_| !out.has_window(w)) {
                match out.models[i].last_mut() {
                    Some((m, ws)) if *m == model => ws.push(w),
                    _ => out.models[i].push((model, vec![w])),
                }
            }
        }
        out
    }

    fn has_window(&self, w: u16) -> bool {
        self.windows.iter().flatten().any(|x| *x == w)
    }

    /// Whether a lift row is named by its window rather than listed.
    fn covers_lift(&self, r: &LiftChange) -> bool {
        self.has_window(r.window_days)
    }

    /// Whether an attribution row is named by its window or model rather
    /// than listed.
    fn covers_attribution(&self, r: &AttributionChange) -> bool {
        self.has_window(r.window_days)
            || self
                .models
                .iter()
                .flatten()
                .any(|(m, ws)| *m == r.model && ws.contains(&r.window_days))
    }

    /// `window 90 d`, `windows 60 d, 90 d` of report `i`.
    fn windows_text(&self, i: usize) -> Option<String> {
        let w = &self.windows[i];
        (!w.is_empty()).then(|| {
            format!(
                "{} {}",
                if w.len() == 1 { "window" } else { "windows" },
                days_list(w)
            )
        })
    }

    /// `model markov (30 d, 60 d)` of report `i`.
    fn models_text(&self, i: usize) -> Option<String> {
        let m = &self.models[i];
        (!m.is_empty()).then(|| {
            let each: Vec<String> = m
                .iter()
                .map(|(m, ws)| format!("{m} ({})", days_list(ws)))
                .collect();
            format!(
                "{} {}",
                if m.len() == 1 { "model" } else { "models" },
                each.join(", ")
            )
        })
    }
}

fn days_list(w: &[u16]) -> String {
    w.iter().map(|w| days(*w)).collect::<Vec<_>>().join(", ")
}

/// The one-line summary of what changed, most important first.
pub fn summary_line(diff: &DiffReport) -> String {
    let only = OnlyIn::of(diff);
    let lift = &diff.lift;
    let verdicts = lift.iter().filter(|r| r.decision_changed).count();
    let outside = lift
        .iter()
        .filter(|r| r.outside_old_ci == Some(true))
        .count();
    let imbalanced = lift.iter().filter(|r| r.newly_imbalanced).count();
    let shares = diff
        .attribution
        .iter()
        .filter(|r| share_moved(r.change_pp))
        .count();
    let mismatches = diff
        .reconciliation
        .iter()
        .filter(|p| turned_to_mismatch(p))
        .count();
    let mut parts = vec![match verdicts {
        0 => "no verdict changed".to_string(),
        n => format!("{} changed", counted(n, "verdict", "verdicts")),
    }];
    let mut add = |n: usize, text: String| {
        if n > 0 {
            parts.push(text);
        }
    };
    add(
        outside,
        format!(
            "{} left the old interval",
            counted(outside, "estimate", "estimates")
        ),
    );
    add(
        imbalanced,
        format!(
            "{} newly flagged for pre-period imbalance",
            counted(imbalanced, "row", "rows")
        ),
    );
    for (i, side) in SIDES.iter().enumerate() {
        for text in [only.windows_text(i), only.models_text(i)]
            .into_iter()
            .flatten()
        {
            add(1, format!("{text} only in the {side} report"));
        }
        let rows = lift
            .iter()
            .filter(|r| [r.old.is_some(), r.new.is_some()] == [i == 0, i == 1])
            .filter(|r| !only.covers_lift(r))
            .count();
        add(
            rows,
            format!(
                "{} only in the {side} report",
                counted(rows, "lift row", "lift rows")
            ),
        );
    }
    add(
        shares,
        format!(
            "{} moved by {SHARE_SHOWN_PP} pp or more",
            counted(shares, "attribution share", "attribution shares")
        ),
    );
    let one_sided = diff
        .attribution
        .iter()
        .filter(|r| r.change_pp.is_none() && !only.covers_attribution(r))
        .count();
    add(
        one_sided,
        format!(
            "{} in one report only",
            counted(one_sided, "attribution row", "attribution rows")
        ),
    );
    let periods = diff.reconciliation.len();
    let periods_text = counted(periods, "reconciliation period", "reconciliation periods");
    add(
        periods,
        if mismatches > 0 {
            format!("{periods_text} changed status ({mismatches} to mismatch)")
        } else {
            format!("{periods_text} changed status")
        },
    );
    let (added, removed) = (diff.warnings.added.len(), diff.warnings.removed.len());
    add(
        added,
        format!("{} added", counted(added, "warning code", "warning codes")),
    );
    add(
        removed,
        format!(
            "{} removed",
            counted(removed, "warning code", "warning codes")
        ),
    );
    let inputs = diff.inputs.len();
    add(
        inputs,
        format!("{} changed", counted(inputs, "input", "inputs")),
    );
    let settings = diff.config.len();
    add(
        settings,
        format!(
            "{} {}",
            counted(settings, "setting", "settings"),
            if settings == 1 { "differs" } else { "differ" }
        ),
    );
    let line = if parts.len() == 1 && verdicts == 0 {
        "No verdict changed, and nothing else did.".to_string()
    } else {
        format!("{}.", parts.join(", "))
    };
    let mut chars = line.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn summary_section(diff: &DiffReport) -> Section {
    let mut blocks = vec![Block::Text(vec![plain(summary_line(diff))])];
    if !diff.failed.is_empty() {
        let mut spans = vec![strong("Checks failed (exit code 3):"), plain(" ")];
        for (i, c) in diff.failed.iter().enumerate() {
            if i > 0 {
                spans.push(plain(", "));
            }
            spans.push(flag(check_name(*c)));
        }
        spans.push(plain("."));
        blocks.push(Block::Text(spans));
    }
    blocks.push(Block::Bullets(vec![
        file("Old:", &diff.old),
        file("New:", &diff.new),
    ]));
    Section {
        id: "summary",
        title: "Summary".to_string(),
        blocks,
    }
}

fn check_name(c: crate::diff::DiffCheck) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The columns that name a lift row: channel, segment (when a row of
/// `rows` has one), window.
fn key_columns(rows: &[&LiftChange]) -> (Vec<(&'static str, bool)>, bool) {
    let with_segment = rows.iter().any(|r| r.segment.is_some());
    let mut cols = vec![("channel", false)];
    if with_segment {
        cols.push(("segment", false));
    }
    cols.push(("window", true));
    (cols, with_segment)
}

fn key_cells(r: &LiftChange, with_segment: bool) -> Vec<Cell> {
    let mut cells = vec![Cell::strong(r.channel.as_str())];
    if with_segment {
        cells.push(Cell::text(r.segment.as_deref().unwrap_or("all users")));
    }
    cells.push(Cell::text(days(r.window_days)));
    cells
}

fn table_of(cols: &[(&str, bool)], key: usize) -> Table {
    let mut t = Table::new(cols);
    t.key = key;
    t
}

/// The headline lift per user with its interval.
fn lift_cell(h: Option<&Headline>) -> Cell {
    match h {
        Some(h) => Cell::ci(h.estimate, h.ci_low, h.ci_high, money),
        None => Cell::text(format::NULL),
    }
}

fn verdict_cell(h: Option<&Headline>) -> Cell {
    Cell::verdict(h.and_then(|h| h.verdict.as_deref()))
}

/// `+3.50`: money with the sign of a change.
fn signed_money(v: Option<f64>) -> String {
    let text = money(v);
    match v {
        Some(v) if v > 0.0 && text != money(Some(0.0)) => format!("+{text}"),
        _ => text,
    }
}

/// `+1.25 pp`: a change of share with its sign.
fn signed_pp(v: Option<f64>) -> String {
    match v {
        None => format::NULL.to_string(),
        Some(v) => {
            let text = fixed(v, 2);
            if v > 0.0 && text != fixed(0.0, 2) {
                format!("+{text} pp")
            } else {
                format!("{text} pp")
            }
        }
    }
}

fn verdicts_section(diff: &DiffReport) -> Section {
    let rows: Vec<&LiftChange> = diff.lift.iter().filter(|r| r.decision_changed).collect();
    let blocks = if rows.is_empty() {
        vec![Block::Text(vec![plain("No verdict changed.")])]
    } else {
        let lead = Block::Text(vec![plain(LIFT_MEANS)]);
        vec![lead, Block::Table(lift_table(&rows))]
    };
    Section {
        id: "verdicts",
        title: "Verdicts that changed".to_string(),
        blocks,
    }
}

/// A table of lift rows, old and new: the verdict (`old → new` when it
/// changed), lift per user with its interval, and the change.
fn lift_table(rows: &[&LiftChange]) -> Table {
    let (mut cols, with_segment) = key_columns(rows);
    let key = cols.len();
    cols.extend([
        ("verdict", false),
        ("old lift [CI]", true),
        ("new lift [CI]", true),
        ("change", true),
    ]);
    let mut t = table_of(&cols, key);
    let verdict = |h: &Option<Headline>| {
        h.as_ref()
            .and_then(|h| h.verdict.clone())
            .unwrap_or_else(|| format::NULL.to_string())
    };
    for r in rows {
        let new = r.new.as_ref().and_then(|h| h.verdict.as_deref());
        let mut row = key_cells(r, with_segment);
        row.extend([
            if r.decision_changed {
                Cell {
                    tone: new.map_or(Tone::Plain, Tone::of),
                    ..Cell::text(format!("{} → {}", verdict(&r.old), verdict(&r.new)))
                }
            } else {
                Cell::verdict(new)
            },
            lift_cell(r.old.as_ref()),
            lift_cell(r.new.as_ref()),
            Cell::text(signed_money(r.change)),
        ]);
        t.rows.push(row);
    }
    t
}

fn outside_section(diff: &DiffReport) -> Option<Section> {
    let both: Vec<&LiftChange> = diff
        .lift
        .iter()
        .filter(|r| r.old.is_some() && r.new.is_some())
        .collect();
    if both.is_empty() {
        return None;
    }
    let outside: Vec<&LiftChange> = both
        .iter()
        .copied()
        .filter(|r| r.outside_old_ci == Some(true))
        .collect();
    let mut blocks = vec![if outside.is_empty() {
        Block::Text(vec![plain(
            "Every new estimate lies within its old interval (or has none).",
        )])
    } else {
        Block::Text(vec![plain(format!(
            "The rows whose new estimate lies outside the old report's interval. {LIFT_MEANS}"
        ))])
    }];
    if !outside.is_empty() {
        blocks.push(Block::Table(lift_table(&outside)));
    }
    let all_users: Vec<&LiftChange> = both
        .iter()
        .copied()
        .filter(|r| r.segment.is_none())
        .collect();
    if !all_users.is_empty() {
        blocks.push(Block::Details {
            summary: format!(
                "Every lift row of all users in both reports ({}; segment rows are in --format json)",
                all_users.len()
            ),
            blocks: vec![Block::Table(lift_table(&all_users))],
        });
    }
    Some(Section {
        id: "estimates",
        title: "Estimates outside the old interval".to_string(),
        blocks,
    })
}

fn imbalance_section(diff: &DiffReport) -> Option<Section> {
    let rows: Vec<Vec<Span>> = diff
        .lift
        .iter()
        .filter(|r| r.newly_imbalanced)
        .map(|r| vec![plain(row_name(r))])
        .collect();
    (!rows.is_empty()).then(|| Section {
        id: "imbalance",
        title: "Pre-period imbalance newly flagged".to_string(),
        blocks: vec![
            Block::Text(vec![plain(
                "Rows whose arms differed in pre-period revenue (balance.flag) in the new report and not in the old one: check the randomisation before trusting their lift.",
            )]),
            Block::Bullets(rows),
        ],
    })
}

fn one_side_section(diff: &DiffReport) -> Option<Section> {
    let only = OnlyIn::of(diff);
    let mut bullets = Vec::new();
    for (i, side) in SIDES.iter().enumerate() {
        let lift_rows = |w: &[u16]| {
            diff.lift
                .iter()
                .filter(|r| w.contains(&r.window_days))
                .count()
        };
        let attribution_rows = |w: &[u16], model: Option<&str>| {
            diff.attribution
                .iter()
                .filter(|r| w.contains(&r.window_days) && model.is_none_or(|m| m == r.model))
                .count()
        };
        if let Some(text) = only.windows_text(i) {
            let w = &only.windows[i];
            bullets.push(vec![
                strong(format!("Only in the {side} report:")),
                plain(format!(
                    " {text} ({}, {}).",
                    counted(lift_rows(w), "lift row", "lift rows"),
                    counted(
                        attribution_rows(w, None),
                        "attribution row",
                        "attribution rows"
                    )
                )),
            ]);
        }
        for (model, w) in &only.models[i] {
            bullets.push(vec![
                strong(format!("Only in the {side} report:")),
                plain(format!(
                    " attribution model {model} at {} ({}).",
                    days_list(w),
                    counted(attribution_rows(w, Some(model)), "row", "rows")
                )),
            ]);
        }
    }
    let rows: Vec<&LiftChange> = diff
        .lift
        .iter()
        .filter(|r| (r.old.is_none() || r.new.is_none()) && !only.covers_lift(r))
        .collect();
    if bullets.is_empty() && rows.is_empty() {
        return None;
    }
    let mut blocks = Vec::new();
    if !bullets.is_empty() {
        blocks.push(Block::Bullets(bullets));
    }
    if !rows.is_empty() {
        let (mut cols, with_segment) = key_columns(&rows);
        let key = cols.len();
        cols.extend([("in", false), ("lift [CI]", true), ("verdict", false)]);
        let mut t = table_of(&cols, key);
        for r in rows {
            let (side, h) = match (&r.old, &r.new) {
                (Some(h), None) => ("old report only", Some(h)),
                (_, h) => ("new report only", h.as_ref()),
            };
            let mut row = key_cells(r, with_segment);
            row.extend([Cell::text(side), lift_cell(h), verdict_cell(h)]);
            t.rows.push(row);
        }
        blocks.push(Block::Table(t));
    }
    Some(Section {
        id: "rows",
        title: "Rows in one report only".to_string(),
        blocks,
    })
}

fn attribution_section(diff: &DiffReport) -> Option<Section> {
    let only = OnlyIn::of(diff);
    let shown: Vec<&AttributionChange> = diff
        .attribution
        .iter()
        .filter(|r| {
            share_moved(r.change_pp) || (r.change_pp.is_none() && !only.covers_attribution(r))
        })
        .collect();
    if shown.is_empty() {
        return None;
    }
    let matched = diff
        .attribution
        .iter()
        .filter(|r| r.change_pp.is_some())
        .count();
    let hidden = matched - shown.iter().filter(|r| r.change_pp.is_some()).count();
    let mut text = format!(
        "Each channel's share of the conversions a model attributes, where it moved by {SHARE_SHOWN_PP} percentage points or more"
    );
    if hidden > 0 {
        text.push_str(&format!(
            " ({} moved less: --format json lists every row)",
            counted(hidden, "other share", "other shares")
        ));
    }
    text.push('.');
    let mut t = table_of(
        &[
            ("window", true),
            ("model", false),
            ("channel", false),
            ("old share", true),
            ("new share", true),
            ("change", true),
        ],
        3,
    );
    for r in shown {
        t.rows.push(vec![
            Cell::text(days(r.window_days)),
            Cell::text(r.model.as_str()),
            Cell::strong(r.channel.as_str()),
            Cell::text(pct_dp(r.old, 2)),
            Cell::text(pct_dp(r.new, 2)),
            Cell::text(signed_pp(r.change_pp)),
        ]);
    }
    Some(Section {
        id: "attribution",
        title: "Attribution shares that moved".to_string(),
        blocks: vec![Block::Text(vec![plain(text)]), Block::Table(t)],
    })
}

fn reconciliation_section(diff: &DiffReport) -> Option<Section> {
    if diff.reconciliation.is_empty() {
        return None;
    }
    let mut t = table_of(
        &[
            ("period", false),
            ("old status", false),
            ("new status", false),
        ],
        1,
    );
    for p in &diff.reconciliation {
        t.rows.push(vec![
            Cell::text(format!("{} – {}", p.period_start, p.period_end)),
            Cell::verdict(p.old.as_deref()),
            Cell::verdict(p.new.as_deref()),
        ]);
    }
    Some(Section {
        id: "reconciliation",
        title: "Reconciliation periods that changed status".to_string(),
        blocks: vec![Block::Table(t)],
    })
}

fn warnings_section(diff: &DiffReport) -> Option<Section> {
    let w = &diff.warnings;
    let list = |label: &str, codes: &[String]| {
        let mut spans = vec![strong(label), plain(" ")];
        for (i, c) in codes.iter().enumerate() {
            if i > 0 {
                spans.push(plain(", "));
            }
            spans.push(flag(c.as_str()));
        }
        spans
    };
    let mut items = Vec::new();
    if !w.added.is_empty() {
        items.push(list("Added:", &w.added));
    }
    if !w.removed.is_empty() {
        items.push(list("Removed:", &w.removed));
    }
    (!items.is_empty()).then(|| Section {
        id: "warnings",
        title: "Warning codes".to_string(),
        blocks: vec![Block::Bullets(items)],
    })
}

/// The first hex digits of a SHA-256.
fn short_sha(sha: Option<&str>) -> Cell {
    match sha {
        Some(s) => Cell::code(s.chars().take(SHA_SHOWN).collect::<String>()),
        None => Cell::text(format::NULL),
    }
}

fn inputs_section(diff: &DiffReport) -> Option<Section> {
    if diff.inputs.is_empty() {
        return None;
    }
    let mut t = table_of(
        &[
            ("input", false),
            ("old SHA-256", false),
            ("new SHA-256", false),
        ],
        1,
    );
    for i in &diff.inputs {
        t.rows.push(vec![
            Cell::strong(i.name.as_str()),
            short_sha(i.old.as_deref()),
            short_sha(i.new.as_deref()),
        ]);
    }
    Some(Section {
        id: "inputs",
        title: "Inputs that changed".to_string(),
        blocks: vec![
            Block::Text(vec![plain(format!(
                "The first {SHA_SHOWN} hex digits of each file's SHA-256 (—: not an input of that report)."
            ))]),
            Block::Table(t),
        ],
    })
}

fn settings_section(diff: &DiffReport) -> Option<Section> {
    if diff.config.is_empty() {
        return None;
    }
    let mut t = table_of(&[("setting", false), ("old", false), ("new", false)], 1);
    let value = |v: &serde_json::Value| Cell::code(v.to_string());
    for s in &diff.config {
        t.rows.push(vec![
            Cell::strong(s.setting.as_str()),
            value(&s.old),
            value(&s.new),
        ]);
    }
    Some(Section {
        id: "settings",
        title: "Settings that differ".to_string(),
        blocks: vec![
            Block::Text(vec![
                plain("Top-level settings of "),
                code("config"),
                plain(", as JSON (null: not set in that report)."),
            ]),
            Block::Table(t),
        ],
    })
}

#[cfg(test)]
mod tests;
