//! `--format table` (the default): the report for a terminal.
//!
//! The content and order are the shared [`Document`], as in Markdown and
//! HTML: the decision per channel first, then lift per window (with the
//! segment rows), economics, the revenue decomposition, attribution and its
//! totals, calibration, the Markov chain (`--explain markov`),
//! reconciliation, warnings and lineage. Tables are drawn with box
//! characters; charts are left out (their numbers are in the tables beside
//! them), and so is the config as JSON (`--format json` has it).

use super::{Block, Document, Span, Table, Tile, document};
use crate::report::Report;
use comfy_table::{CellAlignment, ContentArrangement, presets::UTF8_FULL_CONDENSED};

/// Renders the report for a terminal.
pub fn render(report: &Report) -> String {
    write(&document(report))
}

/// Writes a document as text for a terminal.
pub fn write(doc: &Document) -> String {
    let mut out = format!("{}\n{}\n", doc.title, doc.subtitle);
    for s in &doc.sections {
        out.push_str(&format!(
            "\n{}\n{}\n",
            s.title,
            "═".repeat(s.title.chars().count())
        ));
        for b in &s.blocks {
            block(b, &mut out);
        }
    }
    out
}

fn block(b: &Block, out: &mut String) {
    match b {
        Block::Heading(h) => out.push_str(&format!("\n{h}\n")),
        Block::Text(spans) => out.push_str(&format!("\n{}\n", inline(spans))),
        Block::Summary(tiles) => out.push_str(&format!("\n{}\n", summary(tiles))),
        Block::Table(t) => out.push_str(&format!("\n{}\n", table(t))),
        Block::Details { summary, blocks } => {
            if blocks.iter().all(|b| matches!(b, Block::Code(_))) {
                return;
            }
            out.push_str(&format!("\n{summary}\n"));
            for b in blocks {
                block(b, out);
            }
        }
        Block::Bullets(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("  • {}\n", inline(item)));
            }
        }
        Block::Code(_) | Block::Chart(_) => {}
    }
}

fn inline(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

fn summary(tiles: &[Tile]) -> String {
    tiles
        .iter()
        .map(|t| format!("{}: {}", t.label, t.value))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn table(t: &Table) -> comfy_table::Table {
    let mut out = comfy_table::Table::new();
    out.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(t.columns.iter().map(|c| c.title.clone()));
    for row in &t.rows {
        out.add_row(row.iter().map(|c| c.joined()));
    }
    for (i, c) in t.columns.iter().enumerate() {
        if c.numeric
            && let Some(column) = out.column_mut(i)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    out
}
