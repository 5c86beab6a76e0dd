//! Presentation: one [`Report`] rendered to bytes in the format asked for.
//! The bytes are written once, at the end, by the caller.
//!
//! Markdown and HTML share one neutral [`Document`] (`document.rs`), built
//! by [`document()`] (`sections.rs`): the section order, the per-channel
//! decision summary ([`decisions`], `facts.rs`) and the content of every
//! table are decided there, once. `markdown.rs` and `html/` only decide how
//! each [`Block`] looks; HTML also draws the chart a [`Block::Chart`] names,
//! from the same report.
//!
//! This file holds the [`Format`] switch, the settings read from the
//! report's `config` ([`confidence`], [`hurdle`]) and the lineage section
//! that shows them.

mod brief;
pub mod calibration;
pub mod csv;
pub mod diff;
mod document;
mod facts;
pub mod format;
pub mod html;
pub mod markdown;
mod reading;
mod sections;
pub mod table;
#[cfg(test)]
mod tests;

pub use brief::brief;
pub use document::{Block, Cell, Chart, Column, Document, Section, Span, Style, Table, Tile, Tone};
pub use facts::{ChannelDecision, all_users, decisions, lift_channels, lift_windows};
pub use sections::{document, incremental_by_channel};
pub use table::Terminal;

use crate::error::Error;
use crate::model::Window;
pub use crate::report::Format;
use crate::report::Report;
use document::{code, plain};
use format::{count, level, pct_dp, ratio};

/// Renders `report` in `format`; `term` lays out `--format table`.
pub fn render(report: &Report, format: Format, term: &Terminal) -> Result<Vec<u8>, Error> {
    match format {
        Format::Json => json(report),
        Format::Csv => csv::render(report),
        Format::Table => Ok(table::render(report, term).into_bytes()),
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

/// The hurdle iPOAS when the decisions are taken on profit.
pub fn profit_hurdle(report: &Report) -> Option<f64> {
    report.lift.iter().find_map(|r| {
        r.decision
            .as_ref()
            .filter(|d| d.basis == "profit")
            .and_then(|d| d.hurdle_ipoas)
    })
}

/// Whether the rows carry the profit outcome.
pub fn has_profit(report: &Report) -> bool {
    report.lift.iter().any(|r| r.profit_per_user_lift.is_some())
}

/// The caps of the rows of `window` (all users), when capping is on:
/// `quantile` words (`the 1% and 99% quantiles`) and each channel's users
/// capped (revenue, and profit when on).
pub fn capping_line(report: &Report, window: u16) -> Option<String> {
    let rows: Vec<&crate::report::LiftRow> = report
        .lift
        .iter()
        .filter(|r| r.window_days == window && r.segment.is_none() && r.capping.is_some())
        .collect();
    let c = rows.first()?.capping?;
    let bounds = match (c.quantile_lower, c.quantile) {
        (Some(lo), Some(hi)) => format!(
            "below their {} and above their {} quantile",
            format::level(lo),
            format::level(hi)
        ),
        (None, Some(hi)) => format!("above their {} quantile", format::level(hi)),
        (Some(lo), None) => format!("below their {} quantile", format::level(lo)),
        (None, None) => return None,
    };
    let profit = c.profit.is_some();
    let counts: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let c = r.capping?;
            let n = format::count(c.revenue.users_capped);
            Some(match c.profit {
                Some(p) => format!("{} {n} / {}", r.channel, format::count(p.users_capped)),
                None => format!("{} {n}", r.channel),
            })
        })
        .collect();
    Some(format!(
        "Capped: each channel's outcomes are clipped {bounds} over both arms; the lift statistics use the clipped values, the arms' totals do not. Users capped{}: {}.",
        if profit { " (revenue / profit)" } else { "" },
        counts.join(", ")
    ))
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
        let w: Vec<String> = w.iter().map(Window::to_string).collect();
        parts.push(format!("windows {} days", w.join(", ")));
    }
    if c.confidence().is_some() {
        parts.push(format!("confidence {}", level(confidence(report))));
    }
    if let Some(b) = c.cuped() {
        parts.push(format!("CUPED {}", if b { "on" } else { "off" }));
    }
    if let Some(n) = c.bootstrap() {
        let seed = c.seed().unwrap_or(0);
        parts.push(format!("bootstrap {n} resamples (seed {seed})"));
    }
    if let Some(h) = c.hurdle_iroas() {
        parts.push(format!("hurdle iROAS {}", ratio(Some(h))));
    }
    if let crate::report::Settings::Run(s) = c {
        if s.sequential {
            parts.push(format!(
                "sequential (tuned for {} users)",
                format::number(s.sequential_tuning, 0)
            ));
        }
        if let Some(m) = s.plan.mde {
            parts.push(format!(
                "planned lift {} at power {}",
                level(m),
                level(s.plan.target_power)
            ));
        }
        if let Some(n) = s.placebo {
            parts.push(format!("placebo {n} runs (seed {})", s.seed));
        }
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
