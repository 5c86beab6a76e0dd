//! The neutral document: a report as titled sections of blocks (text,
//! tables, tiles, charts), independent of the markup.
//!
//! The sections decide what the report says (`sections.rs`); the Markdown
//! and HTML exporters decide only how each [`Block`] looks. Keeping the
//! model apart from both means a new section or a new field shows up in
//! both formats at once.

use super::format;

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
    /// A warning code: monospace, and yellow in a terminal.
    Flag,
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
    /// A flag that asks for a look (SRM, excluded users).
    Warn,
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
    /// How many leading columns name a row (channel, segment): a terminal
    /// that splits a wide table repeats them in every part.
    pub key: usize,
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
    pub(super) fn new(columns: &[(&str, bool)]) -> Self {
        Self {
            columns: columns
                .iter()
                .map(|&(title, numeric)| Column {
                    title: title.to_string(),
                    numeric,
                })
                .collect(),
            rows: Vec::new(),
            key: 1,
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
pub(super) fn plain(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Plain,
    }
}

pub(super) fn strong(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Strong,
    }
}

pub(super) fn code(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Code,
    }
}

pub(super) fn flag(s: impl Into<String>) -> Span {
    Span {
        text: s.into(),
        style: Style::Flag,
    }
}
