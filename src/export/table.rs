//! `--format table` (the default): the report for a terminal.
//!
//! By default the terminal shows the [`brief`] document (decisions, compact
//! lift tables, attribution shares, reconciliation, warnings); `--details`
//! shows the full [`Document`] that Markdown and HTML show. Either is laid
//! out to fit [`Terminal::width`]:
//! - text is wrapped at word boundaries;
//! - a table is drawn with each cell on one line when that fits, else with
//!   each interval under its estimate, else with its cells wrapped to the
//!   width (comfy-table's dynamic arrangement).
//!
//! Colour ([`Terminal::colour`]) is decided by the caller: scale, `ok` and a
//! significant positive lift are green, cut, `mismatch` and a significant
//! negative lift red, flags and warning codes yellow; headings are bold.
//! Charts and the config as JSON are left out (their numbers are in the
//! tables, and `--format json` has the config).

use super::brief::brief;
use super::document::{Block, Document, Span, Style as SpanStyle, Table, Tile, Tone};
use super::sections::document;
use crate::report::Report;
use anstyle::{AnsiColor, Style};
use comfy_table::{Attribute, CellAlignment, Color, ColumnConstraint, ContentArrangement, Width};
use textwrap::core::display_width;

/// The width used when neither `COLUMNS` nor a terminal gives one.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest layout the renderer attempts.
const MIN_WIDTH: usize = 40;

/// A rule under the header, no other lines: columns are set apart by their
/// padding.
const RULE_UNDER_HEADER: &str = "     ──             ";

/// How the terminal report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// Columns to fit (`COLUMNS`, else the terminal's width, else 100).
    pub width: usize,
    /// ANSI colour and bold (only on a terminal; never in files or pipes).
    pub colour: bool,
    /// The full document instead of the brief one.
    pub details: bool,
}

impl Default for Terminal {
    fn default() -> Self {
        Self {
            width: DEFAULT_WIDTH,
            colour: false,
            details: false,
        }
    }
}

/// Renders the report for a terminal.
pub fn render(report: &Report, term: &Terminal) -> String {
    let doc = if term.details {
        document(report)
    } else {
        brief(report)
    };
    write(&doc, term)
}

/// Writes a document as text for a terminal.
pub fn write(doc: &Document, term: &Terminal) -> String {
    let w = Writer {
        width: term.width.max(MIN_WIDTH),
        colour: term.colour,
    };
    let mut out = format!("{}\n", w.paint(&doc.title, bold()));
    out.push_str(&w.wrap(&doc.subtitle, "", ""));
    for s in &doc.sections {
        out.push('\n');
        out.push_str(&format!("{}\n", w.paint(&s.title, bold())));
        out.push_str(&"═".repeat(display_width(&s.title).min(w.width)));
        out.push('\n');
        for b in &s.blocks {
            w.block(b, &mut out);
        }
    }
    out
}

fn bold() -> Style {
    Style::new().bold()
}

fn tone_style(t: Tone) -> Style {
    match t {
        Tone::Good => AnsiColor::Green.on_default(),
        Tone::Bad => AnsiColor::Red.on_default(),
        Tone::Warn => AnsiColor::Yellow.on_default(),
        Tone::Neutral | Tone::Plain => Style::new(),
    }
}

fn tone_color(t: Tone) -> Option<Color> {
    match t {
        Tone::Good => Some(Color::DarkGreen),
        Tone::Bad => Some(Color::DarkRed),
        Tone::Warn => Some(Color::DarkYellow),
        Tone::Neutral | Tone::Plain => None,
    }
}

struct Writer {
    width: usize,
    colour: bool,
}

impl Writer {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.colour && style != Style::new() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// `text` wrapped to the width, each line ending in a newline.
    fn wrap(&self, text: &str, first: &str, rest: &str) -> String {
        let options = textwrap::Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(true);
        let mut out = String::new();
        for line in textwrap::wrap(text, options) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn inline(&self, spans: &[Span]) -> String {
        spans
            .iter()
            .map(|s| match s.style {
                SpanStyle::Strong => self.paint(&s.text, bold()),
                SpanStyle::Flag => self.paint(&s.text, tone_style(Tone::Warn)),
                SpanStyle::Plain | SpanStyle::Code => s.text.clone(),
            })
            .collect()
    }

    fn summary(&self, tiles: &[Tile]) -> String {
        tiles
            .iter()
            .map(|t| {
                format!(
                    "{}: {}",
                    self.paint(&t.label, bold()),
                    self.paint(&t.value, tone_style(t.tone))
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn block(&self, b: &Block, out: &mut String) {
        match b {
            Block::Heading(h) => {
                out.push('\n');
                out.push_str(&self.wrap(&self.paint(h, bold()), "", ""));
            }
            Block::Text(spans) => {
                out.push('\n');
                out.push_str(&self.wrap(&self.inline(spans), "", ""));
            }
            Block::Summary(tiles) => {
                out.push('\n');
                out.push_str(&self.wrap(&self.summary(tiles), "", "  "));
            }
            Block::Table(t) => {
                out.push('\n');
                out.push_str(&self.table(t));
            }
            Block::Details { summary, blocks } => {
                if blocks.iter().all(|b| matches!(b, Block::Code(_))) {
                    return;
                }
                out.push('\n');
                out.push_str(&self.wrap(summary, "", ""));
                for b in blocks {
                    self.block(b, out);
                }
            }
            Block::Bullets(items) => {
                out.push('\n');
                for item in items {
                    out.push_str(&self.wrap(&self.inline(item), "  • ", "    "));
                }
            }
            Block::Code(_) | Block::Chart(_) => {}
        }
    }

    /// The table in the first layout that fits: cells on one line; each
    /// interval under its estimate; then the headers wrapped too. A table
    /// that is still too wide is split into column groups that fit, each
    /// repeating the first column (`--details` has tables of ten columns).
    fn table(&self, t: &Table) -> String {
        if let Some(drawn) = self.fitted(t) {
            return drawn;
        }
        let groups = column_groups(t, self.width);
        if groups.len() < 2 {
            return self.draw(t, Layout::Wrapped);
        }
        groups
            .iter()
            .map(|columns| {
                let part = Table {
                    columns: columns.iter().map(|&i| t.columns[i].clone()).collect(),
                    rows: t
                        .rows
                        .iter()
                        .map(|r| columns.iter().map(|&i| r[i].clone()).collect())
                        .collect(),
                    key: t.key,
                };
                self.fitted(&part)
                    .unwrap_or_else(|| self.draw(&part, Layout::Wrapped))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The table in the first layout that fits the width, if any does.
    fn fitted(&self, t: &Table) -> Option<String> {
        let fits = |s: &str| s.lines().all(|l| display_width(l) <= self.width);
        [Layout::OneLine, Layout::Stacked, Layout::HeadersWrapped]
            .into_iter()
            .map(|layout| self.draw(t, layout))
            .find(|drawn| fits(drawn))
    }

    fn draw(&self, t: &Table, layout: Layout) -> String {
        let stacked = layout != Layout::OneLine;
        let mut out = comfy_table::Table::new();
        out.load_preset(RULE_UNDER_HEADER);
        if self.colour {
            out.enforce_styling();
        } else {
            out.force_no_tty();
        }
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match (&c.sub, stacked) {
                        (Some(sub), true) => format!("{}\n{sub}", c.text),
                        _ => c.joined(),
                    })
                    .collect()
            })
            .collect();
        match layout {
            Layout::OneLine | Layout::Stacked => {
                out.set_content_arrangement(ContentArrangement::Disabled);
            }
            Layout::HeadersWrapped | Layout::Wrapped => {
                out.set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(u16::try_from(self.width).unwrap_or(u16::MAX));
            }
        }
        out.set_header(t.columns.iter().map(|c| {
            let cell = comfy_table::Cell::new(&c.title);
            if self.colour {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for (row, texts) in t.rows.iter().zip(&rows) {
            out.add_row(row.iter().zip(texts).map(|(c, text)| {
                let mut cell = comfy_table::Cell::new(text);
                if let Some(color) = tone_color(c.tone) {
                    cell = cell.fg(color);
                }
                cell
            }));
        }
        if layout == Layout::HeadersWrapped {
            // Each column at least as wide as its widest cell and the
            // longest word of its header (the bound counts the padding):
            // only the headers wrap, and only at spaces.
            out.set_constraints((0..t.columns.len()).map(|i| {
                let word = t.columns[i]
                    .title
                    .split_whitespace()
                    .map(display_width)
                    .max()
                    .unwrap_or(1);
                let widest = rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .flat_map(|text| text.lines())
                    .map(display_width)
                    .max()
                    .unwrap_or(1)
                    .max(word);
                ColumnConstraint::LowerBoundary(Width::Fixed(
                    u16::try_from(widest + 2).unwrap_or(u16::MAX),
                ))
            }));
        }
        for (i, c) in t.columns.iter().enumerate() {
            if c.numeric
                && let Some(column) = out.column_mut(i)
            {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        let mut s = out
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        s.push('\n');
        s
    }
}

/// The widest line of each column when intervals are stacked under their
/// estimates and headers wrap at spaces.
fn stacked_widths(t: &Table) -> Vec<usize> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let header = c.title.split_whitespace().map(display_width).max();
            let cells = t.rows.iter().filter_map(|r| r.get(i)).flat_map(|c| {
                std::iter::once(display_width(&c.text)).chain(c.sub.as_deref().map(display_width))
            });
            cells.chain(header).max().unwrap_or(1)
        })
        .collect()
}

/// Column indices in groups that each fit `width` (stacked, headers
/// wrapped), every group led by the table's key columns.
fn column_groups(t: &Table, width: usize) -> Vec<Vec<usize>> {
    // A column takes its width plus one space of padding on each side.
    let cost: Vec<usize> = stacked_widths(t).iter().map(|w| w + 2).collect();
    let key_count = t.key.clamp(1, cost.len().max(1));
    let key: Vec<usize> = (0..key_count.min(cost.len())).collect();
    let key_cost: usize = key.iter().map(|&i| cost[i]).sum();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, &c) in cost.iter().enumerate().skip(key.len()) {
        match groups.last_mut() {
            Some(g) if used + c <= width + 1 => {
                g.push(i);
                used += c;
            }
            _ => {
                let mut g = key.clone();
                g.push(i);
                groups.push(g);
                used = key_cost + c;
            }
        }
    }
    groups
}

/// How a table is fitted to the width, from the most to the least compact
/// in lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Every cell on one line: `9.65 [-2.54, 21.84]`.
    OneLine,
    /// Each interval on a line under its estimate.
    Stacked,
    /// Stacked, and the headers wrapped at spaces.
    HeadersWrapped,
    /// Stacked, and every cell wrapped to the width.
    Wrapped,
}
