//! Tables for a terminal (comfy-table): one lift table per window.

use super::format::{count, money, money_ci, p_value, pct, pct_ci};
use crate::report::{LiftRow, Report};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

fn flags(r: &LiftRow) -> String {
    let mut f = Vec::new();
    if r.srm.flag {
        f.push("SRM".to_string());
    }
    if r.excluded.contaminated > 0 {
        f.push(format!("contaminated {}", r.excluded.contaminated));
    }
    if r.excluded.immature > 0 {
        f.push(format!("immature {}", r.excluded.immature));
    }
    f.join(", ")
}

fn lift_table(rows: &[&LiftRow]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "channel",
            "exposed",
            "control",
            "rev/user exp",
            "rev/user ctl",
            "lift/user [CI]",
            "relative [CI]",
            "p",
            "Holm p",
            "incremental revenue [CI]",
            "CUPED var. red.",
            "flags",
        ]);
    for r in rows {
        let l = &r.revenue_per_user_lift;
        let ir = &r.incremental_revenue;
        let rel = &r.relative_lift;
        t.add_row([
            r.channel.clone(),
            count(r.exposed.users),
            count(r.control.users),
            money(r.exposed.revenue_per_user),
            money(r.control.revenue_per_user),
            money_ci(l.estimate, l.ci_low, l.ci_high),
            pct_ci(rel.estimate, rel.ci_low, rel.ci_high),
            p_value(l.p_value),
            p_value(l.p_value_holm),
            money_ci(ir.estimate, ir.ci_low, ir.ci_high),
            if r.cuped.applied {
                pct(r.cuped.variance_reduction)
            } else {
                "off".to_string()
            },
            flags(r),
        ]);
    }
    t
}

/// Renders the report as text tables.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(as_of) = &report.as_of {
        out.push_str(&format!("uplift {} — as of {as_of}\n", report.tool.version));
    }
    let mut windows: Vec<u16> = report.lift.iter().map(|r| r.window_days).collect();
    windows.dedup();
    for w in windows {
        let mut segments: Vec<Option<&String>> = report
            .lift
            .iter()
            .filter(|r| r.window_days == w)
            .map(|r| r.segment.as_ref())
            .collect();
        segments.dedup();
        for seg in segments {
            let rows: Vec<&LiftRow> = report
                .lift
                .iter()
                .filter(|r| r.window_days == w && r.segment.as_ref() == seg)
                .collect();
            let title = match seg {
                None => format!("\nLift, {w}-day window, all users\n"),
                Some(s) => format!("\nLift, {w}-day window, segment {s}\n"),
            };
            out.push_str(&title);
            out.push_str(&lift_table(&rows).to_string());
            out.push('\n');
        }
    }
    if report.lift.is_empty() {
        out.push_str("\nNo channel has exposed and control users: no lift to report.\n");
    }
    if !report.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &report.warnings {
            out.push_str(&format!("  [{}] {}\n", w.code, w.message));
        }
    }
    out
}
