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

use super::format::{self, fixed, money, number, pct_dp};
use super::{Block, Cell, Chart, Document, Span, Style, Table, Tile, Tone, document};
use crate::report::{LiftRow, Report};

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
        Block::Chart(c) => out.push_str(&chart(*c, report)),
    }
}

fn inline(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s.style {
            Style::Plain => escape(&s.text),
            Style::Strong => format!("<strong>{}</strong>", escape(&s.text)),
            Style::Code => format!("<code>{}</code>", escape(&s.text)),
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

// ---------------------------------------------------------------------------
// Charts (inline SVG).
// ---------------------------------------------------------------------------

/// Categorical colours (Tableau 10, the pale yellow moved back so that the
/// first six lines stay legible), assigned by position.
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f",
    "#ff9da7", "#bab0ac",
];

/// Width of the full-width charts, in SVG user units (≈ CSS pixels).
const CHART_W: f64 = 1150.0;

fn verdict_colour(v: Option<&str>) -> &'static str {
    match v {
        Some("scale") => "#1a7f37",
        Some("cut") => "#cf222e",
        Some("inconclusive") => "#bf8700",
        _ => "#6e7781",
    }
}

/// A coordinate with one decimal.
fn c(v: f64) -> String {
    fixed(v, 1)
}

/// `s` cut to `max` characters, with an ellipsis.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A linear scale from a domain to a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Round ticks covering `[lo, hi]` (1, 2, 5 × 10ⁿ steps): the widened
/// domain, the ticks and the decimals their labels need.
fn ticks(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>, usize) {
    let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
    if !(hi - lo).is_finite() || hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        lo -= 1.0;
        hi += 1.0;
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = mag
        * match raw / mag {
            n if n < 1.5 => 1.0,
            n if n < 3.0 => 2.0,
            n if n < 7.0 => 5.0,
            _ => 10.0,
        };
    let start = (lo / step).floor();
    let end = (hi / step).ceil();
    let n = (end - start).round().max(1.0) as usize;
    let t: Vec<f64> = (0..=n).map(|i| (start + i as f64) * step).collect();
    let dp = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    (start * step, end * step, t, dp.min(6))
}

fn text(x: f64, y: f64, anchor: &str, class: &str, s: &str) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{class}>{}</text>",
        c(x),
        c(y),
        escape(s)
    )
}

fn line(x1: f64, y1: f64, x2: f64, y2: f64, class: &str) -> String {
    format!(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{class}\"/>",
        c(x1),
        c(y1),
        c(x2),
        c(y2)
    )
}

fn svg_open(w: f64, h: f64, label: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
        c(w),
        c(h),
        c(w),
        c(h),
        escape(label)
    )
}

fn legend(items: &[(String, &str)]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for (name, colour) in items {
        s.push_str(&format!(
            "<span><span class=\"sw\" style=\"background:{colour}\"></span>{}</span>",
            escape(name)
        ));
    }
    s.push_str("</div>");
    s
}

fn figure(legend: &str, body: &str, caption: &str) -> String {
    format!(
        "<figure class=\"chart\">{legend}\n{body}\n<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}

fn chart(kind: Chart, report: &Report) -> String {
    match kind {
        Chart::Forest => forest(report),
        Chart::Attribution => attribution(report),
        Chart::LtvCurve => ltv_curve(report),
        Chart::Reconciliation => reconciliation(report),
    }
}

/// X-axis ticks and labels along `y`, gridlines from `top` to `y`.
fn x_axis(
    out: &mut String,
    sx: Scale,
    t: &[f64],
    dp: usize,
    top: f64,
    y: f64,
    label: impl Fn(f64, usize) -> String,
) {
    for &v in t {
        let x = sx.at(v);
        out.push_str(&line(x, top, x, y, "grid"));
        out.push_str(&text(x, y + 16.0, "middle", "tick", &label(v, dp)));
    }
    out.push_str(&line(sx.r0, y, sx.r1, y, "axis"));
}

fn money_tick(v: f64, dp: usize) -> String {
    number(v, dp)
}

/// (1) Forest plot: one row per (channel, window) of the all-users lift.
fn forest(report: &Report) -> String {
    let ci = format!("{} CI", format::level(super::confidence(report)));
    let channels = super::lift_channels(report);
    let groups: Vec<Vec<&LiftRow>> = channels
        .iter()
        .map(|ch| {
            let mut rows: Vec<&LiftRow> = super::all_users(report)
                .filter(|r| r.channel == *ch)
                .collect();
            rows.sort_by_key(|r| r.window_days);
            rows
        })
        .collect();
    let est: Vec<(f64, f64)> = groups
        .iter()
        .flatten()
        .filter_map(|r| {
            let l = &r.revenue_per_user_lift;
            Some((l.ci_low?, l.ci_high?))
        })
        .collect();
    if est.is_empty() {
        return String::new();
    }
    let lo = est.iter().map(|e| e.0).fold(0.0_f64, f64::min);
    let hi = est.iter().map(|e| e.1).fold(0.0_f64, f64::max);
    let (d0, d1, t, dp) = ticks(lo, hi, 8);
    let (label_w, value_w, row_h, gap, top) = (170.0, 200.0, 24.0, 10.0, 12.0);
    let n_rows: usize = groups.iter().map(Vec::len).sum();
    let plot_h = n_rows as f64 * row_h + groups.len().saturating_sub(1) as f64 * gap;
    let axis_y = top + plot_h + 6.0;
    let h = axis_y + 44.0;
    let sx = Scale {
        d0,
        d1,
        r0: label_w + 10.0,
        r1: CHART_W - value_w - 10.0,
    };
    let mut s = svg_open(
        CHART_W,
        h,
        "Forest plot of revenue-per-user lift per channel and window",
    );
    // Bands behind every other channel group.
    let mut y = top;
    for (i, g) in groups.iter().enumerate() {
        let gh = g.len() as f64 * row_h;
        if i % 2 == 0 {
            s.push_str(&format!(
                "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"band\"/>",
                c(y - 2.0),
                c(CHART_W),
                c(gh + 4.0)
            ));
        }
        y += gh + gap;
    }
    x_axis(&mut s, sx, &t, dp, top - 4.0, axis_y, money_tick);
    s.push_str(&line(sx.at(0.0), top - 4.0, sx.at(0.0), axis_y, "zero"));
    let mut y = top;
    for (ch, g) in channels.iter().zip(&groups) {
        for (k, r) in g.iter().enumerate() {
            let cy = y + row_h / 2.0;
            if k == 0 {
                s.push_str(&format!(
                    "<text x=\"0\" y=\"{}\" class=\"label strong\"><title>{}</title>{}</text>",
                    c(cy + 4.0),
                    escape(ch),
                    escape(&truncate(ch, 16))
                ));
            }
            s.push_str(&text(
                label_w,
                cy + 4.0,
                "end",
                "muted",
                &format!("{} d", r.window_days),
            ));
            let l = &r.revenue_per_user_lift;
            let verdict = r.decision.as_ref().map(|d| d.verdict.as_str());
            let colour = verdict_colour(verdict);
            let value = match (l.ci_low, l.ci_high) {
                (Some(a), Some(b)) => {
                    format!(
                        "{} [{}, {}]",
                        money(l.estimate),
                        money(Some(a)),
                        money(Some(b))
                    )
                }
                _ => "no estimate".to_string(),
            };
            if let (Some(e), Some(a), Some(b)) = (l.estimate, l.ci_low, l.ci_high) {
                let (xa, xb, xe) = (sx.at(a), sx.at(b), sx.at(e));
                s.push_str(&format!(
                    "<g stroke=\"{colour}\"><title>{}</title>",
                    escape(&format!(
                        "{ch}, {} days: {value} — {}",
                        r.window_days,
                        verdict.unwrap_or("no decision")
                    ))
                ));
                s.push_str(&format!(
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke-width=\"2\"/>",
                    c(xa),
                    c(cy),
                    c(xb),
                    c(cy)
                ));
                for x in [xa, xb] {
                    s.push_str(&format!(
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke-width=\"2\"/>",
                        c(x),
                        c(cy - 5.0),
                        c(x),
                        c(cy + 5.0)
                    ));
                }
                s.push_str(&format!(
                    "<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1.5\"/></g>",
                    c(xe),
                    c(cy)
                ));
            }
            s.push_str(&text(
                CHART_W - value_w + 4.0,
                cy + 4.0,
                "start",
                "value",
                &value,
            ));
            y += row_h;
        }
        y += gap;
    }
    s.push_str(&text(
        (sx.r0 + sx.r1) / 2.0,
        axis_y + 36.0,
        "middle",
        "axis-title",
        &format!("Revenue-per-user lift (exposed − control), with its {ci}"),
    ));
    s.push_str("</svg>");
    let mut present: Vec<Option<&str>> = Vec::new();
    for r in groups.iter().flatten() {
        let v = r.decision.as_ref().map(|d| d.verdict.as_str());
        if !present.contains(&v) {
            present.push(v);
        }
    }
    let mut items = Vec::new();
    for v in [Some("scale"), Some("cut"), Some("inconclusive"), None] {
        if present.contains(&v) {
            items.push((
                v.map_or("no decision (no spend)".to_string(), |v| {
                    format!("{v} (iROAS decision)")
                }),
                verdict_colour(v),
            ));
        }
    }
    figure(
        &legend(&items),
        &s,
        &format!(
            "Each row: the point estimate and the {ci} of revenue-per-user lift for one channel and window (all users); the dashed line is zero lift. Colour: the row's decision against the hurdle iROAS."
        ),
    )
}

/// (2) Attribution: grouped horizontal bars per channel, one panel per window.
fn attribution(report: &Report) -> String {
    let rows = &report.attribution;
    if rows.is_empty() {
        return String::new();
    }
    let windows = super::first_seen_u16(rows.iter().map(|r| r.window_days));
    let models = super::first_seen(rows.iter().map(|r| r.model.as_str()));
    let mut channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    let lo = rows.iter().map(|r| r.revenue).fold(0.0_f64, f64::min);
    let hi = rows.iter().map(|r| r.revenue).fold(0.0_f64, f64::max);
    let (d0, d1, t, dp) = ticks(lo, hi, 4);
    let colour = |m: &str| {
        let i = models.iter().position(|x| *x == m).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let (w, label_w, bar_h, bar_gap, group_gap, top) = (470.0, 104.0, 9.0, 1.5, 14.0, 6.0);
    let group_h = models.len() as f64 * (bar_h + bar_gap) - bar_gap;
    let plot_h = channels.len() as f64 * (group_h + group_gap) - group_gap;
    let axis_y = top + plot_h + 6.0;
    let h = axis_y + 24.0;
    let sx = Scale {
        d0,
        d1,
        r0: label_w + 6.0,
        r1: w - 22.0,
    };
    let mut panels = String::from(if windows.len() == 1 {
        "<div class=\"panels one\">"
    } else {
        "<div class=\"panels\">"
    });
    for wd in &windows {
        let mut s = svg_open(
            w,
            h,
            &format!("Attributed revenue by model per channel, {wd}-day lookback"),
        );
        let grid_tick = |v: f64, dp: usize| short_money(v, dp);
        x_axis(&mut s, sx, &t, dp, top - 4.0, axis_y, grid_tick);
        let mut y = top;
        for ch in &channels {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\"><title>{}</title>{}</text>",
                c(label_w),
                c(y + group_h / 2.0 + 4.0),
                escape(ch),
                escape(&truncate(ch, 14))
            ));
            for (k, m) in models.iter().enumerate() {
                let by = y + k as f64 * (bar_h + bar_gap);
                if let Some(r) = rows
                    .iter()
                    .find(|r| r.window_days == *wd && r.model == *m && r.channel == *ch)
                {
                    let (x0, x1) = (sx.at(0.0), sx.at(r.revenue));
                    s.push_str(&format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                        c(x0.min(x1)),
                        c(by),
                        c((x1 - x0).abs().max(0.5)),
                        c(bar_h),
                        colour(m),
                        escape(&format!(
                            "{ch} · {m}: {} ({} of conversions)",
                            money(Some(r.revenue)),
                            format::pct(Some(r.share))
                        ))
                    ));
                }
            }
            y += group_h + group_gap;
        }
        s.push_str(&line(sx.at(0.0), top - 4.0, sx.at(0.0), axis_y, "axis"));
        s.push_str("</svg>");
        panels.push_str(&format!(
            "<div class=\"panel\"><div class=\"panel-title\">{wd}-day lookback</div>{s}</div>"
        ));
    }
    panels.push_str("</div>");
    let items: Vec<(String, &str)> = models.iter().map(|m| (m.to_string(), colour(m))).collect();
    figure(
        &legend(&items),
        &panels,
        "Attributed revenue per channel, one bar per model, on one scale across panels; hover a bar for its value and share of conversions.",
    )
}

/// Money tick labels, shortened: `1.5M`, `250k`.
fn short_money(v: f64, dp: usize) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim_zeros(&fixed(v / 1e6, 2)))
    } else if a >= 1e4 {
        format!("{}k", trim_zeros(&fixed(v / 1e3, 1)))
    } else {
        number(v, dp)
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// (3) LTV-lift curve: revenue-per-user lift against window days.
fn ltv_curve(report: &Report) -> String {
    let windows = super::lift_windows(report);
    if windows.len() < 2 {
        return String::new();
    }
    let channels = super::lift_channels(report);
    let series: Vec<(&str, Vec<(u16, f64)>)> = channels
        .iter()
        .map(|ch| {
            let mut pts: Vec<(u16, f64)> = super::all_users(report)
                .filter(|r| r.channel == *ch)
                .filter_map(|r| Some((r.window_days, r.revenue_per_user_lift.estimate?)))
                .collect();
            pts.sort_by_key(|p| p.0);
            (*ch, pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if series.is_empty() {
        return String::new();
    }
    let vals = series.iter().flat_map(|(_, p)| p.iter().map(|q| q.1));
    let lo = vals.clone().fold(0.0_f64, f64::min);
    let hi = vals.fold(0.0_f64, f64::max);
    let (d0, d1, t, dp) = ticks(lo, hi, 6);
    let (left, right, top, bottom, h) = (70.0, 170.0, 14.0, 46.0, 340.0);
    let (w0, w1) = (f64::from(windows[0]), f64::from(windows[windows.len() - 1]));
    let pad = (w1 - w0) * 0.04;
    let sx = Scale {
        d0: w0 - pad,
        d1: w1 + pad,
        r0: left,
        r1: CHART_W - right,
    };
    let sy = Scale {
        d0,
        d1,
        r0: h - bottom,
        r1: top,
    };
    let mut s = svg_open(
        CHART_W,
        h,
        "LTV lift curve: revenue-per-user lift by window",
    );
    for &v in &t {
        let y = sy.at(v);
        s.push_str(&line(left, y, CHART_W - right, y, "grid"));
        s.push_str(&text(left - 8.0, y + 4.0, "end", "tick", &number(v, dp)));
    }
    s.push_str(&line(left, sy.at(0.0), CHART_W - right, sy.at(0.0), "zero"));
    for w in &windows {
        let x = sx.at(f64::from(*w));
        s.push_str(&line(x, h - bottom, x, h - bottom + 5.0, "axis"));
        s.push_str(&text(
            x,
            h - bottom + 19.0,
            "middle",
            "tick",
            &format!("{w} d"),
        ));
    }
    s.push_str(&line(left, h - bottom, CHART_W - right, h - bottom, "axis"));
    let mut ends: Vec<(f64, usize)> = Vec::new();
    for (i, (ch, pts)) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(w, v)| format!("{},{}", c(sx.at(f64::from(*w))), c(sy.at(*v))))
            .collect();
        s.push_str(&format!(
            "<g><title>{}</title><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
            escape(ch),
            path.join(" ")
        ));
        for (w, v) in pts {
            s.push_str(&format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{}</title></circle>",
                c(sx.at(f64::from(*w))),
                c(sy.at(*v)),
                escape(&format!("{ch}, {w} days: {} per user", money(Some(*v))))
            ));
        }
        s.push_str("</g>");
        if let Some((_, v)) = pts.last() {
            ends.push((sy.at(*v), i));
        }
    }
    // End labels, pushed apart so that none overlaps.
    ends.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let min_gap = 14.0;
    for k in 1..ends.len() {
        if ends[k].0 - ends[k - 1].0 < min_gap {
            ends[k].0 = ends[k - 1].0 + min_gap;
        }
    }
    let x_end = sx.at(w1) + 10.0;
    for (y, i) in &ends {
        let (ch, pts) = &series[*i];
        let last = pts.last().map_or(0.0, |p| p.1);
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" class=\"label\" style=\"fill:{}\">{} <tspan class=\"muted\">{}</tspan></text>",
            c(x_end),
            c(y + 4.0),
            PALETTE[i % PALETTE.len()],
            escape(&truncate(ch, 14)),
            escape(&money(Some(last)))
        ));
    }
    s.push_str(&format!(
        "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" class=\"axis-title\">Lift per user</text>",
        c(16.0),
        c((top + h - bottom) / 2.0)
    ));
    s.push_str(&text(
        (left + CHART_W - right) / 2.0,
        h - 8.0,
        "middle",
        "axis-title",
        "Window (days since the channel's first exposure)",
    ));
    s.push_str("</svg>");
    figure(
        "",
        &s,
        "Revenue-per-user lift of each channel at each window (all users, point estimates): how the incremental value per exposed user builds up over 30, 60, 90 days.",
    )
}

fn period_label(start: &str, end: &str) -> String {
    // N.B. a calendar month (YYYY-MM-01 … same month) is shown as YYYY-MM.
    if start.len() == 10 && end.len() == 10 && start.ends_with("-01") && start[..7] == end[..7] {
        start[..7].to_string()
    } else {
        format!("{start} – {end}")
    }
}

/// (4) Reconciliation: gap % per finance period with the tolerance band.
fn reconciliation(report: &Report) -> String {
    let Some(rec) = &report.reconciliation else {
        return String::new();
    };
    if rec.periods.is_empty() {
        return String::new();
    }
    let tol = rec.tolerance.abs();
    let m = rec
        .periods
        .iter()
        .filter_map(|p| p.gap_pct)
        .fold(tol, |a, g| a.max(g.abs()))
        * 1.2;
    let (d0, d1, t, _) = ticks(-m * 100.0, m * 100.0, 6);
    let tick_dp = {
        let step = t.get(1).zip(t.first()).map_or(1.0, |(b, a)| b - a);
        if step >= 1.0 {
            0
        } else {
            ((-step.log10().floor()) as usize).min(4)
        }
    };
    let (left, right, top, bottom, h) = (70.0, 20.0, 16.0, 50.0, 300.0);
    let sy = Scale {
        d0,
        d1,
        r0: h - bottom,
        r1: top,
    };
    let n = rec.periods.len() as f64;
    let band = (CHART_W - left - right) / n;
    let bar_w = (band * 0.55).min(70.0);
    let mut s = svg_open(CHART_W, h, "Reconciliation gap per finance period");
    for &v in &t {
        let y = sy.at(v);
        s.push_str(&line(left, y, CHART_W - right, y, "grid"));
        s.push_str(&text(
            left - 8.0,
            y + 4.0,
            "end",
            "tick",
            &format!("{}%", fixed(v, tick_dp)),
        ));
    }
    let (ty0, ty1) = (sy.at(tol * 100.0), sy.at(-tol * 100.0));
    s.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"tolerance\"/>",
        c(left),
        c(ty0),
        c(CHART_W - right - left),
        c(ty1 - ty0)
    ));
    s.push_str(&line(left, ty0, CHART_W - right, ty0, "tol-edge"));
    s.push_str(&line(left, ty1, CHART_W - right, ty1, "tol-edge"));
    s.push_str(&line(left, sy.at(0.0), CHART_W - right, sy.at(0.0), "zero"));
    for (i, p) in rec.periods.iter().enumerate() {
        let cx = left + band * (i as f64 + 0.5);
        let colour = if p.status == "mismatch" {
            "#cf222e"
        } else {
            "#4e79a7"
        };
        match p.gap_pct {
            Some(g) => {
                let (y0, y1) = (sy.at(0.0), sy.at(g * 100.0));
                s.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\" rx=\"2\"><title>{}</title></rect>",
                    c(cx - bar_w / 2.0),
                    c(y0.min(y1)),
                    c(bar_w),
                    c((y1 - y0).abs().max(0.5)),
                    escape(&format!(
                        "{} – {}: gap {} ({}), {}",
                        p.period_start,
                        p.period_end,
                        money(Some(p.gap)),
                        pct_dp(Some(g), 2),
                        p.status
                    ))
                ));
                let ly = if g >= 0.0 { y1 - 6.0 } else { y1 + 15.0 };
                s.push_str(&text(cx, ly, "middle", "value", &pct_dp(Some(g), 2)));
            }
            None => {
                s.push_str(&text(cx, sy.at(0.0) - 6.0, "middle", "muted", "n/a"));
            }
        }
        s.push_str(&text(
            cx,
            h - bottom + 18.0,
            "middle",
            "tick",
            &period_label(&p.period_start, &p.period_end),
        ));
        s.push_str(&text(cx, h - bottom + 34.0, "middle", "muted", &p.status));
    }
    s.push_str(&format!(
        "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" class=\"axis-title\">Gap % (export − finance) / finance</text>",
        c(16.0),
        c((top + h - bottom) / 2.0)
    ));
    s.push_str("</svg>");
    let items = vec![
        ("ok".to_string(), "#4e79a7"),
        ("mismatch".to_string(), "#cf222e"),
        (format!("±{} tolerance", pct_dp(Some(tol), 2)), "#dafbe1"),
    ];
    figure(
        &legend(&items),
        &s,
        "Gap between the revenue export and booked finance revenue per period; a bar outside the shaded band is a mismatch.",
    )
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
    fn ticks_are_round_and_cover_the_range() {
        let (lo, hi, t, dp) = ticks(-6.5, 33.4, 8);
        assert_eq!((lo, hi, dp), (-10.0, 35.0, 0));
        assert_eq!(t.first(), Some(&-10.0));
        assert_eq!(t.last(), Some(&35.0));
        let (_, _, t, dp) = ticks(0.0, 0.03, 6);
        assert_eq!(dp, 3);
        assert!(t.len() >= 4);
    }

    #[test]
    fn a_calendar_month_is_labelled_by_its_month() {
        assert_eq!(period_label("2026-01-01", "2026-01-31"), "2026-01");
        assert_eq!(
            period_label("2026-01-15", "2026-02-14"),
            "2026-01-15 – 2026-02-14"
        );
    }

    #[test]
    fn the_stylesheet_references_nothing_external() {
        assert!(!has_external_reference(CSS));
        assert!(!CSS.contains("@import"));
    }
}
