//! `--format html`: the report as ONE self-contained HTML file.
//!
//! The content and order are the shared [`Document`] (the
//! same sections as Markdown), plus four charts drawn here as inline SVG:
//! 1. a forest plot of revenue-per-user lift with its interval, per channel
//!    and window, coloured by the row's decision;
//! 2. attributed revenue by model per channel (grouped horizontal bars, one
//!    panel per lookback window, one shared scale);
//! 3. the LTV-lift curve: revenue-per-user lift against window days per
//!    channel (only with two windows or more);
//! 4. the reconciliation gap % per finance period with the ± tolerance band.
//!
//! ## Guarantees
//! - **Self-contained**: inline CSS, no script, no font, no image or link
//!   to a network address; a Content-Security-Policy of `default-src
//!   'none'` makes a browser refuse to fetch anything even so.
//! - **Escaped**: every text from the data goes through [`escape`], in
//!   element content, attributes and SVG alike.
//! - **Deterministic**: the same report gives the same bytes: rows are
//!   taken in the report's order (or sorted), colours by position, and every
//!   coordinate is written with fixed decimals.

mod charts;
mod svg;

use super::{Block, Cell, Document, Span, Style, Table, Tile, Tone, document};
use crate::report::Report;

/// Renders the report as one HTML page.
pub fn render(report: &Report) -> String {
    write(&document(report), report)
}

/// Writes `doc` as HTML; charts are drawn from `report`.
pub fn write(doc: &Document, report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<meta name=\"generator\" content=\"{} {}\">\n",
        escape(&report.tool.name),
        escape(&report.tool.version)
    ));
    let title = match &report.as_of {
        Some(a) => format!("{} — {a}", doc.title),
        None => doc.title.clone(),
    };
    out.push_str(&format!("<title>{}</title>\n", escape(&title)));
    out.push_str("<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str("<header class=\"top\"><div class=\"wrap\">\n");
    out.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    out.push_str(&format!("<p class=\"sub\">{}</p>\n", escape(&doc.subtitle)));
    out.push_str("<nav>");
    for s in &doc.sections {
        out.push_str(&format!("<a href=\"#{}\">{}</a>", s.id, escape(&s.title)));
    }
    out.push_str("</nav>\n</div></header>\n<main class=\"wrap\">\n");
    for s in &doc.sections {
        out.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            s.id,
            escape(&s.title)
        ));
        for b in &s.blocks {
            block(b, report, &mut out);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n<footer class=\"wrap\">");
    out.push_str(&format!(
        "Written by {} {} · report schema version {} · one self-contained file: no scripts, fonts or network requests.",
        escape(&report.tool.name),
        escape(&report.tool.version),
        report.schema_version
    ));
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Neutral => "neutral",
        Tone::Warn => "warn",
        Tone::Plain => "plain",
    }
}

fn block(b: &Block, report: &Report, out: &mut String) {
    match b {
        Block::Heading(h) => out.push_str(&format!("<h3>{}</h3>\n", escape(h))),
        Block::Text(spans) => out.push_str(&format!("<p>{}</p>\n", inline(spans))),
        Block::Summary(tiles) => summary(tiles, out),
        Block::Table(t) => table(t, out),
        Block::Details { summary, blocks } => {
            out.push_str(&format!(
                "<details>\n<summary>{}</summary>\n",
                escape(summary)
            ));
            for b in blocks {
                block(b, report, out);
            }
            out.push_str("</details>\n");
        }
        Block::Bullets(items) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str(&format!("<li>{}</li>\n", inline(item)));
            }
            out.push_str("</ul>\n");
        }
        Block::Code(text) => {
            out.push_str(&format!("<pre><code>{}</code></pre>\n", escape(text)));
        }
        Block::Chart(c) => out.push_str(&charts::chart(*c, report)),
    }
}

fn inline(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s.style {
            Style::Plain => escape(&s.text),
            Style::Strong => format!("<strong>{}</strong>", escape(&s.text)),
            Style::Code | Style::Flag => format!("<code>{}</code>", escape(&s.text)),
        })
        .collect()
}

fn summary(tiles: &[Tile], out: &mut String) {
    out.push_str("<div class=\"tiles\">\n");
    for t in tiles {
        out.push_str(&format!(
            "<div class=\"tile {}\"><div class=\"label\">{}</div><div class=\"value\">{}</div></div>\n",
            tone_class(t.tone),
            escape(&t.label),
            escape(&t.value)
        ));
    }
    out.push_str("</div>\n");
}

fn cell_html(c: &Cell) -> String {
    let mut s = escape(&c.text);
    if c.code {
        s = format!("<code>{s}</code>");
    }
    if c.strong {
        s = format!("<strong>{s}</strong>");
    }
    if c.tone != Tone::Plain {
        s = format!("<span class=\"badge {}\">{s}</span>", tone_class(c.tone));
    }
    if let Some(sub) = &c.sub {
        s = format!("{s}<span class=\"ci\">{}</span>", escape(sub));
    }
    s
}

fn table(t: &Table, out: &mut String) {
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for c in &t.columns {
        let class = if c.numeric { " class=\"num\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape(&c.title)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let numeric = t.columns.get(i).is_some_and(|c| c.numeric);
            let class = match (numeric, i) {
                (true, _) => " class=\"num\"",
                (false, 0) => "",
                (false, _) => " class=\"txt\"",
            };
            out.push_str(&format!("<td{class}>{}</td>", cell_html(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

/// Used by the tests: no network address appears as a `src` or `href`.
#[cfg(test)]
fn has_external_reference(html: &str) -> bool {
    [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
    ]
    .iter()
    .any(|p| html.contains(p))
}

const CSS: &str = r#":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--card:#fff;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--neutral:#9a6700}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#eef1f4;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
header.top{background:#0d1b2a;color:#f0f6fc;padding:26px 0 0}
header.top h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .sub{margin:4px 0 14px;color:#a9b7c6;font-size:13px}
nav{display:flex;flex-wrap:wrap;gap:2px}
nav a{color:#d0d7de;text-decoration:none;padding:8px 12px;font-size:13px;border-radius:6px 6px 0 0}
nav a:hover{background:#1b2d40;color:#fff}
main{padding:22px 24px 8px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 24px 20px;margin:0 0 20px;box-shadow:0 1px 2px rgba(31,35,40,.04)}
h2{font-size:19px;margin:0 0 10px;font-weight:650}
h3{font-size:15px;margin:22px 0 6px;font-weight:600}
p{margin:6px 0 10px;color:#343b43;max-width:110ch}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);border:1px solid #e6eaef;padding:0 4px;border-radius:4px;word-break:break-all}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:12px;overflow:auto;max-height:420px}
pre code{border:0;padding:0;background:none;word-break:normal}
ul{margin:6px 0;padding-left:22px}
li{margin:3px 0}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin:6px 0 14px}
.tile{border:1px solid var(--line);border-left:5px solid #8c959f;border-radius:8px;padding:10px 14px;background:#fff}
.tile .label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:650}
.tile .value{font-size:17px;font-weight:600;margin-top:2px;overflow-wrap:anywhere}
.tile.good{border-left-color:var(--good);background:#f3fbf5}
.tile.bad{border-left-color:var(--bad);background:#fff5f5}
.tile.neutral{border-left-color:#d4a72c;background:#fffbeb}
.table-wrap{overflow-x:auto;margin:8px 0 6px;border:1px solid #e6eaef;border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:6px 10px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top;white-space:nowrap}
th{background:var(--soft);color:var(--muted);font-weight:600;font-size:11.5px;white-space:normal;vertical-align:bottom;border-bottom:1px solid var(--line);min-width:60px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.txt{white-space:normal;min-width:90px}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover{background:#f8fafc}
.ci{display:block;color:var(--muted);font-size:11px}
.badge{display:inline-block;padding:0 8px;border-radius:999px;font-size:11.5px;font-weight:600;line-height:18px}
.badge.good{background:#dafbe1;color:#116329}
.badge.bad{background:#ffebe9;color:#a40e26}
.badge.neutral{background:#fff4c2;color:#7d4e00}
.badge.warn{background:#fff1e5;color:#953800}
details{margin:8px 0;border:1px solid var(--line);border-radius:8px;padding:6px 12px;background:#fcfdfe}
details[open]{padding-bottom:10px}
summary{cursor:pointer;color:var(--accent);font-weight:500;padding:2px 0}
figure.chart{margin:10px 0 16px}
figure.chart svg{width:100%;height:auto;display:block;max-width:100%}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted);margin:0 0 6px}
.legend .sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.08)}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:14px 22px}
.panels.one{grid-template-columns:minmax(330px,640px)}
.panel-title{font-weight:600;font-size:13px;margin:0 0 2px}
svg text{font-size:12px;fill:#3d444d}
svg .tick{fill:#6e7781;font-size:11px}
svg .muted{fill:#6e7781;font-size:11px}
svg .value{fill:#3d444d;font-size:11.5px;font-variant-numeric:tabular-nums}
svg .label{font-size:12px}
svg .strong{font-weight:650;fill:#1f2328}
svg .axis-title{fill:#59636e;font-size:11.5px}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .axis{stroke:#8c959f;stroke-width:1}
svg .zero{stroke:#24292f;stroke-width:1.2;stroke-dasharray:4 3}
svg .band{fill:#f6f8fa}
svg .tolerance{fill:#dafbe1;opacity:.7}
svg .tol-edge{stroke:#4ac26b;stroke-width:1;stroke-dasharray:3 3}
footer{color:var(--muted);font-size:12px;text-align:center;padding:4px 24px 28px}
@media print{body{background:#fff}header.top{background:#fff;color:#000}nav{display:none}section{box-shadow:none;break-inside:avoid}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn the_stylesheet_references_nothing_external() {
        assert!(!has_external_reference(CSS));
        assert!(!CSS.contains("@import"));
    }
}
