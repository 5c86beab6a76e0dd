//! `--format markdown`: the report as GitHub-flavoured Markdown, ready to
//! paste into a weekly KPI mail or a pull-request comment.
//!
//! The content and order are the shared [`Document`]: the
//! decision per channel first ("the line a marketing lead reads first"),
//! then lift per window (segment rows folded in `<details>`), economics and
//! the LTV curve, attribution by model, attribution totals, reconciliation,
//! warnings and lineage. Charts are left out: their numbers are in the
//! tables beside them.
//!
//! ## Escaping
//! Every text from the data (channel and segment names, paths, warnings) is
//! escaped so that it shows as written: Markdown punctuation gets a
//! backslash, `<`, `>` and `&` become entities (so a channel named
//! `<script>` is text, not HTML), and `|` inside a table cell becomes
//! `&#124;`, so every row of a table has the same number of `|` delimiters.

use super::{Block, Document, Span, Style, Table, Tile, document};
use crate::report::Report;

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    write(&document(report))
}

/// Writes a document as Markdown.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", escape(&doc.title)));
    out.push_str(&format!("_{}_\n", escape(&doc.subtitle)));
    for s in &doc.sections {
        out.push_str(&format!("\n## {}\n", escape(&s.title)));
        for b in &s.blocks {
            block(b, &mut out);
        }
    }
    out
}

fn block(b: &Block, out: &mut String) {
    match b {
        Block::Heading(h) => out.push_str(&format!("\n### {}\n", escape(h))),
        Block::Text(spans) => out.push_str(&format!("\n{}\n", inline(spans))),
        Block::Summary(tiles) => out.push_str(&format!("\n{}\n", summary(tiles))),
        Block::Table(t) => {
            out.push('\n');
            table(t, out);
        }
        Block::Details { summary, blocks } => {
            // N.B. GitHub renders Markdown inside <details> only with a blank
            // line after </summary> and before </details>.
            out.push_str(&format!(
                "\n<details>\n<summary>{}</summary>\n",
                html_text(summary)
            ));
            for b in blocks {
                block(b, out);
            }
            out.push_str("\n</details>\n");
        }
        Block::Bullets(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("- {}\n", inline(item)));
            }
        }
        Block::Code(text) => {
            let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
            out.push_str(&format!("\n{fence}json\n{text}\n{fence}\n"));
        }
        Block::Chart(_) => {}
    }
}

fn summary(tiles: &[Tile]) -> String {
    tiles
        .iter()
        .map(|t| format!("**{}:** {}", escape(&t.label), escape(&t.value)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn table(t: &Table, out: &mut String) {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(t
        .columns
        .iter()
        .map(|c| cell_text(&c.title))
        .collect()));
    out.push_str(&row(t
        .columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" }.to_string())
        .collect()));
    for r in &t.rows {
        out.push_str(&row(r
            .iter()
            .map(|c| {
                let text = if c.code {
                    code_span(&c.joined())
                } else {
                    cell_text(&c.joined())
                };
                if c.strong && !text.is_empty() {
                    format!("**{text}**")
                } else {
                    text
                }
            })
            .collect()));
    }
}

/// Text inside a table cell: escaped, `|` as an entity, no line breaks.
fn cell_text(s: &str) -> String {
    escape(&s.replace(['\n', '\r'], " "))
}

/// A paragraph or list item on one line (a line break in the data could
/// otherwise start a heading, a table or a list).
fn inline(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            let text = s.text.replace(['\n', '\r'], " ");
            match s.style {
                Style::Plain => escape(&text),
                Style::Strong if text.is_empty() => String::new(),
                Style::Strong => format!("**{}**", escape(&text)),
                Style::Code | Style::Flag => code_span(&text),
            }
        })
        .collect()
}

/// A code span that holds any text: the fence is one backtick longer than
/// the longest run inside. `<` and `&` are inert in a code span and stay
/// as written.
fn code_span(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(&s, '`') + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    // N.B. a `|` would end a table cell even inside a code span, and an
    // entity is not decoded there; a code span with a pipe falls back to
    // escaped text.
    if s.contains('|') {
        return escape(&s);
    }
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == ch {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Text for inside an HTML element (the `<summary>` line).
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text so that Markdown shows it as written, touching only what
/// could be read as markup (so `[95% CI]` and `<0.001` stay readable):
/// emphasis and code characters, `]` before `(` or `[` (a link), `<`
/// before a letter, `/`, `!` or `?` (a tag or an autolink), `&` before a
/// letter or `#` (an entity), and `|` (a table delimiter).
pub fn escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let next = |i: usize| chars.get(i + 1).copied();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' if next(i).is_some_and(|n| n.is_ascii_alphabetic() || n == '#') => {
                out.push_str("&amp;")
            }
            '<' if next(i).is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(n)) => {
                out.push_str("&lt;")
            }
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            ']' if next(i).is_some_and(|n| n == '(' || n == '[') => out.push_str("\\]"),
            '\\' | '`' | '*' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // N.B. an underscore between two letters or digits cannot open
            // or close emphasis (GFM), so `paid_search` stays readable.
            '_' => {
                let inner = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && next(i).is_some_and(|n| n.is_alphanumeric());
                if !inner {
                    out.push('\\');
                }
                out.push('_');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_punctuation_and_html_in_names_are_escaped() {
        assert_eq!(escape("paid_search"), "paid_search");
        assert_eq!(escape("_x_"), "\\_x\\_");
        assert_eq!(escape("<b>a|b</b>"), "&lt;b&gt;a&#124;b&lt;/b&gt;");
        assert_eq!(escape("*x*"), "\\*x\\*");
        assert_eq!(escape("[a](b)"), "[a\\](b)");
        assert_eq!(escape("[95% CI] <0.001 R&D"), "[95% CI] <0.001 R&amp;D");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("abc"), "`abc`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
    }
}
