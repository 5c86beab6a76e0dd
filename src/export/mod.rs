//! Presentation: one [`Report`] rendered to bytes in the format asked for.
//! The bytes are written once, at the end, by the caller.
//!
//! Markdown and HTML share one neutral [`Document`], built by [`document`]:
//! the section order, the per-channel decision summary ([`decisions`]) and
//! the content of every table are decided here, once. `markdown.rs` and
//! `html.rs` only decide how each [`Block`] looks; HTML also draws the chart
//! a [`Block::Chart`] names, from the same report.

pub mod calibration;
pub mod csv;
pub mod format;
pub mod html;
pub mod markdown;
pub mod table;

use crate::error::Error;
pub use crate::report::Format;
use crate::report::{LiftRow, Report};
use format::{count, level, money, p_value, pct, pct_dp, pp, ratio};

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, Error> {
    match format {
        Format::Json => json(report),
        Format::Csv => csv::render(report),
        Format::Table => Ok(table::render(report).into_bytes()),
        Format::Markdown => Ok(markdown::render(report).into_bytes()),
        Format::Html => Ok(html::render(report).into_bytes()),
        Format::Calibration => calibration::render(report),
    }
}

/// Pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut v = serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    v.push(b'\n');
    Ok(v)
}

// ---------------------------------------------------------------------------
// The neutral document shared by the Markdown and HTML exporters.
// ---------------------------------------------------------------------------

/// A report as a sequence of titled sections, independent of the markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title (`uplift report`).
    pub title: String,
    /// One line under the title: as_of, tool version, windows, confidence.
    pub subtitle: String,
    /// The sections, in reading order.
    pub sections: Vec<Section>,
}

/// One section: a stable id (the HTML anchor), a title and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor id, e.g. `decision`.
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// A piece of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A sub-heading inside a section.
    Heading(String),
    /// A paragraph.
    Text(Vec<Span>),
    /// The headline: labelled values (Markdown: one line; HTML: tiles).
    Summary(Vec<Tile>),
    /// A table.
    Table(Table),
    /// Content folded away under a one-line summary (`<details>`).
    Details {
        /// The visible line.
        summary: String,
        /// The folded content.
        blocks: Vec<Block>,
    },
    /// A bulleted list; each item is a run of spans.
    Bullets(Vec<Vec<Span>>),
    /// Preformatted text (the config as JSON).
    Code(String),
    /// A chart, drawn by the HTML exporter only (Markdown has the same
    /// numbers in the tables beside it).
    Chart(Chart),
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The text (unescaped).
    pub text: String,
    /// How it is shown.
    pub style: Style,
}

/// Inline style of a [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Normal text.
    Plain,
    /// Bold.
    Strong,
    /// Monospace (codes, hashes).
    Code,
}

/// One labelled value of the headline.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    /// What it is (`Scale`, `Reconciliation`).
    pub label: String,
    /// Its value (`email, social`).
    pub value: String,
    /// Its colour.
    pub tone: Tone,
}

/// The meaning of a colour: good news, bad news, undecided, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// `scale`, reconciliation `ok`.
    Good,
    /// `cut`, reconciliation `mismatch`.
    Bad,
    /// `inconclusive`.
    Neutral,
    /// No colour.
    Plain,
}

impl Tone {
    /// The tone of a decision verdict or a reconciliation status.
    pub fn of(word: &str) -> Self {
        match word {
            "scale" | "ok" => Tone::Good,
            "cut" | "mismatch" => Tone::Bad,
            "inconclusive" => Tone::Neutral,
            _ => Tone::Plain,
        }
    }
}

/// A table: columns and rows of cells (every row has one cell per column).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

/// A column: its title and whether it holds numbers (right-aligned).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text.
    pub title: String,
    /// Right-aligned.
    pub numeric: bool,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The text (unescaped).
    pub text: String,
    /// Secondary text, usually the interval `[low, high]`: shown after the
    /// text (Markdown) or under it (HTML).
    pub sub: Option<String>,
    /// Colour (a verdict or a status).
    pub tone: Tone,
    /// Bold.
    pub strong: bool,
    /// Monospace.
    pub code: bool,
}

impl Cell {
    /// Plain text.
    pub fn text(s: impl Into<String>) -> Self {
        Self {
            text: s.into(),
            sub: None,
            tone: Tone::Plain,
            strong: false,
            code: false,
        }
    }

    /// Bold text.
    pub fn strong(s: impl Into<String>) -> Self {
        Self {
            strong: true,
            ..Self::text(s)
        }
    }

    /// Monospace text.
    pub fn code(s: impl Into<String>) -> Self {
        Self {
            code: true,
            ..Self::text(s)
        }
    }

    /// An estimate and its interval, each number shown by `f`; the interval
    /// only when both ends exist.
    pub fn ci(
        est: Option<f64>,
        lo: Option<f64>,
        hi: Option<f64>,
        f: fn(Option<f64>) -> String,
    ) -> Self {
        Self {
            sub: match (lo, hi) {
                (Some(_), Some(_)) => Some(format!("[{}, {}]", f(lo), f(hi))),
                _ => None,
            },
            ..Self::text(f(est))
        }
    }

    /// The cell as one line: `text sub`.
    pub fn joined(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{} {sub}", self.text),
            None => self.text.clone(),
        }
    }

    /// A verdict or status word, coloured by its meaning.
    pub fn verdict(word: Option<&str>) -> Self {
        match word {
            Some(w) => Self {
                tone: Tone::of(w),
                ..Self::text(w)
            },
            None => Self::text(format::NULL),
        }
    }
}

impl Table {
    fn new(columns: &[(&str, bool)]) -> Self {
        Self {
            columns: columns
                .iter()
                .map(|&(title, numeric)| Column {
                    title: title.to_string(),
                    numeric,
                })
                .collect(),
            rows: Vec::new(),
        }
    }
}

/// The charts the HTML exporter draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Revenue-per-user lift with its CI, per channel and window, coloured by decision.
    Forest,
    /// Attributed revenue by model, per channel (one panel per window).
    Attribution,
    /// Revenue-per-user lift against window days, per channel.
    LtvCurve,
    /// Gap % per finance period with the ± tolerance band.
    Reconciliation,
}

fn plain(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Plain,
    }
}

fn strong(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Strong,
    }
}

fn code(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Code,
    }
}

// ---------------------------------------------------------------------------
// Facts read from the report, shared by every human-readable exporter.
// ---------------------------------------------------------------------------

/// The confidence level in force (`config.confidence`; the contract's 0.95
/// when the report does not carry one).
pub fn confidence(report: &Report) -> f64 {
    report
        .config
        .confidence()
        .filter(|c| *c > 0.0 && *c < 1.0)
        .unwrap_or(0.95)
}

/// The hurdle iROAS of the decisions (from a decision, else `config`).
pub fn hurdle(report: &Report) -> Option<f64> {
    report
        .lift
        .iter()
        .find_map(|r| r.decision.as_ref().map(|d| d.hurdle_iroas))
        .or_else(|| report.config.hurdle_iroas())
}

/// The windows of the lift rows, ascending.
pub fn lift_windows(report: &Report) -> Vec<u16> {
    let mut w: Vec<u16> = report.lift.iter().map(|r| r.window_days).collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The all-users lift rows (`segment` null).
pub fn all_users(report: &Report) -> impl Iterator<Item = &LiftRow> {
    report.lift.iter().filter(|r| r.segment.is_none())
}

/// The channels of the all-users lift rows, in name order.
pub fn lift_channels(report: &Report) -> Vec<&str> {
    let mut c: Vec<&str> = all_users(report).map(|r| r.channel.as_str()).collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// Distinct values in order of first appearance.
fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The decision of one channel: the all-users row it is read from and the
/// verdict at every window.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDecision<'a> {
    /// Channel name.
    pub channel: &'a str,
    /// The all-users row at the decision window: the longest window with a
    /// decision, else the longest window.
    pub row: &'a LiftRow,
    /// Verdict per window, ascending (null without spend).
    pub by_window: Vec<(u16, Option<&'a str>)>,
}

impl ChannelDecision<'_> {
    /// `scale`, `cut`, `inconclusive`, or `None` without spend.
    pub fn verdict(&self) -> Option<&str> {
        self.row.decision.as_ref().map(|d| d.verdict.as_str())
    }
}

/// One decision per channel, in channel-name order. The decision is read at
/// the channel's longest window that has one: it counts the most revenue
/// per user (the LTV horizon); the other windows are listed beside it.
pub fn decisions(report: &Report) -> Vec<ChannelDecision<'_>> {
    lift_channels(report)
        .into_iter()
        .filter_map(|ch| {
            let mut rows: Vec<&LiftRow> = all_users(report).filter(|r| r.channel == ch).collect();
            rows.sort_by_key(|r| r.window_days);
            let row = rows
                .iter()
                .rev()
                .find(|r| r.decision.is_some())
                .or(rows.last())
                .copied()?;
            Some(ChannelDecision {
                channel: ch,
                row,
                by_window: rows
                    .iter()
                    .map(|r| {
                        (
                            r.window_days,
                            r.decision.as_ref().map(|d| d.verdict.as_str()),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The document.
// ---------------------------------------------------------------------------

/// Builds the neutral document of `report`: decision, lift, economics,
/// attribution, attribution totals, reconciliation, warnings, lineage (a
/// section is left out when the report has nothing for it).
pub fn document(report: &Report) -> Document {
    let ci = format!("{} CI", level(confidence(report)));
    let mut subtitle = Vec::new();
    if let Some(as_of) = &report.as_of {
        subtitle.push(format!("as of {as_of}"));
    }
    let windows = lift_windows(report);
    if !windows.is_empty() {
        subtitle.push(format!("windows {} days", join_windows(&windows)));
        subtitle.push(ci.clone());
    }
    subtitle.push(format!("{} {}", report.tool.name, report.tool.version));
    let mut sections = Vec::new();
    if !report.lift.is_empty() {
        sections.push(decision_section(report, &ci));
        sections.push(lift_section(report, &ci));
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
    sections.push(warnings_section(report));
    sections.push(lineage_section(report));
    Document {
        title: "uplift report".to_string(),
        subtitle: subtitle.join(" · "),
        sections,
    }
}

fn join_windows(w: &[u16]) -> String {
    w.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

fn days(w: u16) -> String {
    format!("{w} d")
}

fn decision_section(report: &Report, ci: &str) -> Section {
    let decisions = decisions(report);
    let any_decision = decisions.iter().any(|d| d.verdict().is_some());
    let multi_window = lift_windows(report).len() > 1;
    let mut blocks = Vec::new();
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
    blocks.push(Block::Summary(tiles));
    if any_decision {
        let hurdle = hurdle(report).map_or_else(|| format::NULL.to_string(), |h| ratio(Some(h)));
        blocks.push(Block::Text(vec![
            plain("Each channel is decided at its longest window against a hurdle iROAS of "),
            strong(hurdle),
            plain(format!(
                ": scale when the whole {ci} of iROAS lies above the hurdle, cut when it lies wholly below, otherwise inconclusive."
            )),
        ]));
        let mut cols = vec![("channel", false), ("decision", false), ("window", true)];
        let iroas_h = format!("iROAS [{ci}]");
        let inc_h = format!("incremental revenue [{ci}]");
        cols.push((iroas_h.as_str(), true));
        cols.push((inc_h.as_str(), true));
        cols.push(("spend", true));
        if multi_window {
            cols.push(("decision by window", false));
        }
        let mut t = Table::new(&cols);
        for d in &decisions {
            let r = d.row;
            let iroas = r.iroas.unwrap_or_default();
            let ir = &r.incremental_revenue;
            let mut row = vec![
                Cell::strong(d.channel),
                Cell::verdict(d.verdict()),
                Cell::text(days(r.window_days)),
                Cell::ci(iroas.estimate, iroas.ci_low, iroas.ci_high, ratio),
                Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, money),
                Cell::text(money(r.spend)),
            ];
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
    Section {
        id: "decision",
        title: "Decision".to_string(),
        blocks,
    }
}

fn flags(r: &LiftRow) -> String {
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
    f.join(", ")
}

fn lift_table(rows: &[&LiftRow], ci: &str, with_segment: bool) -> Table {
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
        ("CUPED variance reduction", true),
        ("flags", false),
    ]);
    let mut t = Table::new(&cols);
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
            Cell::text(if r.cuped.applied {
                pct(r.cuped.variance_reduction)
            } else {
                "off".to_string()
            }),
            Cell::text(flags(r)),
        ]);
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
        blocks.push(Block::Text(vec![plain(
            "Spend is the channel's spend over its exposure period, prorated to the row's exposed users; iCAC = spend / incremental conversions; iROAS = incremental revenue / spend.",
        )]));
        let conv_h = format!("incremental conversions [{ci}]");
        let inc_h = format!("incremental revenue [{ci}]");
        let iroas_h = format!("iROAS [{ci}]");
        let mut t = Table::new(&[
            ("channel", false),
            ("window", true),
            ("spend", true),
            (conv_h.as_str(), true),
            ("iCAC", true),
            (inc_h.as_str(), true),
            (iroas_h.as_str(), true),
            ("decision", false),
        ]);
        for r in &rows {
            let c = &r.incremental_conversions;
            let ir = &r.incremental_revenue;
            let iroas = r.iroas.unwrap_or_default();
            t.rows.push(vec![
                Cell::strong(r.channel.as_str()),
                Cell::text(days(r.window_days)),
                Cell::text(money(r.spend)),
                Cell::ci(c.estimate, c.ci_low, c.ci_high, ratio),
                Cell::text(money(r.icac)),
                Cell::ci(ir.estimate, ir.ci_low, ir.ci_high, money),
                Cell::ci(iroas.estimate, iroas.ci_low, iroas.ci_high, ratio),
                Cell::verdict(r.decision.as_ref().map(|d| d.verdict.as_str())),
            ]);
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
        "Factor = the experiment's incremental revenue ÷ the revenue the model credits the channel from the same test users' conversions, with its {ci} in brackets: below 1 the model over-credits the channel, above 1 it under-credits it."
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
        blocks.push(Block::Heading(format!("{w}-day window")));
        blocks.push(Block::Table(t));
    }
    Section {
        id: "calibration",
        title: "Calibration by experiments".to_string(),
        blocks,
    }
}

fn first_seen_u16(items: impl Iterator<Item = u16>) -> Vec<u16> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
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

fn reconciliation_section(report: &Report) -> Option<Section> {
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

fn warnings_section(report: &Report) -> Section {
    let blocks = if report.warnings.is_empty() {
        vec![Block::Text(vec![plain("No warnings.")])]
    } else {
        vec![Block::Bullets(
            report
                .warnings
                .iter()
                .map(|w| {
                    vec![
                        code(w.code.as_str()),
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

fn lineage_section(report: &Report) -> Section {
    let mut t = Table::new(&[
        ("input", false),
        ("path", false),
        ("SHA-256", false),
        ("rows", true),
        ("rejected rows", true),
    ]);
    for (kind, info) in &report.inputs {
        t.rows.push(vec![
            Cell::strong(kind.as_str()),
            Cell::code(info.path.as_str()),
            Cell::code(info.sha256.as_str()),
            Cell::text(count(info.rows)),
            Cell::text(count(info.rejected_rows)),
        ]);
    }
    let mut facts = vec![
        vec![
            plain("Tool: "),
            code(format!("{} {}", report.tool.name, report.tool.version)),
            plain(format!(", report schema version {}", report.schema_version)),
        ],
        vec![
            plain("As of: "),
            code(report.as_of.as_deref().unwrap_or(format::NULL)),
        ],
    ];
    let settings = settings_line(report);
    if !settings.is_empty() {
        facts.push(vec![plain("Settings: "), plain(settings)]);
    }
    let config = serde_json::to_string_pretty(&report.config).unwrap_or_default();
    Section {
        id: "lineage",
        title: "Lineage".to_string(),
        blocks: vec![
            Block::Table(t),
            Block::Bullets(facts),
            Block::Details {
                summary: "Every setting in force (config)".to_string(),
                blocks: vec![Block::Code(config)],
            },
        ],
    }
}

/// The main settings of `config`, where present, on one line.
fn settings_line(report: &Report) -> String {
    let c = &report.config;
    let mut parts = Vec::new();
    if let Some(w) = c.windows() {
        let w: Vec<String> = w.iter().map(u16::to_string).collect();
        parts.push(format!("windows {} days", w.join(", ")));
    }
    if c.confidence().is_some() {
        parts.push(format!("confidence {}", level(confidence(report))));
    }
    if let Some(b) = c.cuped() {
        parts.push(format!("CUPED {}", if b { "on" } else { "off" }));
    }
    if let Some((n, seed)) = c.bootstrap() {
        parts.push(format!("bootstrap {n} resamples (seed {seed})"));
    }
    if let Some(h) = c.hurdle_iroas() {
        parts.push(format!("hurdle iROAS {}", ratio(Some(h))));
    }
    if let Some(t) = c.tolerance() {
        parts.push(format!("tolerance ±{}", pct_dp(Some(t), 2)));
    }
    if let Some(m) = c.models() {
        let m: Vec<&str> = m.iter().map(|m| m.name()).collect();
        parts.push(format!("models {}", m.join(", ")));
    }
    parts.join(" · ")
}
