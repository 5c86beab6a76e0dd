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
    let economics = rows.iter().any(|r| r.spend.is_some());
    let mut t = Table::new();
    let mut header = vec![
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
    ];
    if economics {
        header.splice(1..1, ["decision", "iROAS [CI]", "spend", "iCAC"]);
    }
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for r in rows {
        let l = &r.revenue_per_user_lift;
        let ir = &r.incremental_revenue;
        let rel = &r.relative_lift;
        let mut cells = vec![
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
        ];
        if economics {
            let iroas = r.iroas.unwrap_or_default();
            cells.splice(
                1..1,
                [
                    r.decision
                        .as_ref()
                        .map_or_else(|| "—".to_string(), |d| d.verdict.clone()),
                    ratio_ci(iroas.estimate, iroas.ci_low, iroas.ci_high),
                    money(r.spend),
                    money(r.icac),
                ],
            );
        }
        t.add_row(cells);
    }
    t
}

fn ratio_ci(est: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    let f = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"));
    match (lo, hi) {
        (Some(_), Some(_)) => format!("{} [{}, {}]", f(est), f(lo), f(hi)),
        _ => f(est),
    }
}

/// Leading columns of a pivot: their headers, and their cells for a channel.
type Lead<'a> = (&'a [&'a str], &'a dyn Fn(&str) -> Vec<String>);

/// A channel × model table of `rows` (one window): `lead` adds leading
/// columns per channel, `cell` renders one (channel, model) row.
fn pivot<R>(
    rows: &[&R],
    key: impl Fn(&R) -> (&str, &str),
    lead: Lead<'_>,
    cell: impl Fn(&R) -> String,
) -> Table {
    let mut models: Vec<&str> = rows.iter().map(|r| key(r).1).collect();
    models.sort_unstable();
    models.dedup();
    let mut channels: Vec<&str> = rows.iter().map(|r| key(r).0).collect();
    channels.sort_unstable();
    channels.dedup();
    let mut header: Vec<String> = vec!["channel".to_string()];
    header.extend(lead.0.iter().map(|h| h.to_string()));
    header.extend(models.iter().map(|m| m.to_string()));
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for ch in &channels {
        let mut cells = vec![ch.to_string()];
        cells.extend((lead.1)(ch));
        for m in &models {
            let r = rows.iter().find(|r| key(r) == (*ch, *m));
            cells.push(r.map_or_else(|| "—".to_string(), |r| cell(r)));
        }
        t.add_row(cells);
    }
    t
}

fn windows_of(ws: impl Iterator<Item = u16>) -> Vec<u16> {
    let mut w: Vec<u16> = ws.collect();
    w.sort_unstable();
    w.dedup();
    w
}

fn attribution_tables(report: &Report, out: &mut String) {
    for w in windows_of(report.attribution_totals.iter().map(|t| t.window_days)) {
        let rows: Vec<_> = report
            .attribution
            .iter()
            .filter(|r| r.window_days == w)
            .collect();
        let t = pivot(
            &rows,
            |r| (r.channel.as_str(), r.model.as_str()),
            (&[], &|_| Vec::new()),
            |r| match r.cac {
                Some(cac) => format!(
                    "{} ({}, CAC {})",
                    money(Some(r.revenue)),
                    pct(Some(r.share)),
                    money(Some(cac))
                ),
                None => format!("{} ({})", money(Some(r.revenue)), pct(Some(r.share))),
            },
        );
        out.push_str(&format!(
            "\nAttributed revenue (share of conversions; with spend, attributed CAC) by model, {w}-day lookback\n{t}\n"
        ));
        if let Some(tot) = report
            .attribution_totals
            .iter()
            .find(|t| t.window_days == w)
        {
            out.push_str(&format!(
                "conversions {} (revenue {}) = attributed {} + unattributed {} ({}); refunds {}; net revenue {}\n",
                count(tot.conversions),
                money(Some(tot.revenue)),
                count(tot.conversions - tot.unattributed_conversions),
                count(tot.unattributed_conversions),
                money(Some(tot.unattributed_revenue)),
                money(Some(tot.refunds)),
                money(Some(tot.net_revenue)),
            ));
        }
    }
}

fn decomposition_lines(report: &Report, out: &mut String) {
    for d in &report.decomposition {
        out.push_str(&format!(
            "\nRevenue decomposition, {}-day window: export {} = incremental {} ({}) + baseline {}\n",
            d.window_days,
            money(Some(d.export_revenue)),
            money(Some(d.incremental_total)),
            super::incremental_by_channel(d),
            money(Some(d.baseline_revenue)),
        ));
    }
}

fn calibration_table(report: &Report, out: &mut String) {
    for w in windows_of(report.calibration.iter().map(|r| r.window_days)) {
        let rows: Vec<_> = report
            .calibration
            .iter()
            .filter(|r| r.window_days == w)
            .collect();
        let incremental = |ch: &str| {
            vec![money(
                rows.iter()
                    .find(|r| r.channel == ch)
                    .map(|r| r.incremental_revenue),
            )]
        };
        let t = pivot(
            &rows,
            |r| (r.channel.as_str(), r.model.as_str()),
            (&["incremental revenue"], &incremental),
            |r| {
                r.factor.map_or_else(
                    || "—".to_string(),
                    |f| {
                        let mut s = format!("{f:.2}×");
                        if let (Some(lo), Some(hi)) = (r.factor_ci_low, r.factor_ci_high) {
                            s.push_str(&format!(" [{lo:.2}, {hi:.2}]"));
                        }
                        if let Some(c) = r.calibrated_revenue {
                            s.push_str(&format!(", calibrated {}", money(Some(c))));
                        }
                        s
                    },
                )
            },
        );
        out.push_str(&format!(
            "\nCalibration by experiment, {w}-day window: factor [CI] = incremental ÷ attributed revenue of the test users (below 1 = the model over-credits); calibrated = factor × the model's attributed revenue\n{t}\n"
        ));
    }
}

fn markov_tables(report: &Report, out: &mut String) {
    let Some(chains) = &report.markov else { return };
    for m in chains {
        let horizon = m
            .horizon
            .map_or_else(|| "unlimited".to_string(), |h| h.to_string());
        out.push_str(&format!(
            "\nMarkov chain, {}-day lookback: order {}, {} states, horizon {horizon}, longest path {}, {} distinct paths, P(conversion) = {:.6}\n",
            m.window_days,
            m.order,
            m.states.len(),
            m.longest_path,
            m.distinct_paths,
            m.base_conversion_probability
        ));
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(["from", "to", "paths", "probability"]);
        for tr in &m.transitions {
            t.add_row([
                tr.from.clone(),
                tr.to.clone(),
                count(tr.count),
                format!("{:.6}", tr.probability),
            ]);
        }
        out.push_str(&format!("{t}\n"));
        let mut r = Table::new();
        r.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header([
                "channel",
                "removal effect",
                "P(conv) without",
                "value removal effect",
                "conversion share",
                "revenue share",
            ]);
        for e in &m.removal_effects {
            r.add_row([
                e.channel.clone(),
                format!("{:.6}", e.removal_effect),
                format!("{:.6}", e.conversion_probability_without),
                format!("{:.6}", e.value_removal_effect),
                pct(Some(e.conversion_share)),
                pct(Some(e.value_share)),
            ]);
        }
        out.push_str(&format!("{r}\n"));
    }
}

fn reconciliation_table(report: &Report, out: &mut String) {
    let Some(rec) = &report.reconciliation else {
        return;
    };
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["period", "finance", "export", "gap", "gap %", "status"]);
    for p in &rec.periods {
        t.add_row([
            format!("{} .. {}", p.period_start, p.period_end),
            money(Some(p.finance_revenue)),
            money(Some(p.export_revenue)),
            money(Some(p.gap)),
            p.gap_pct
                .map_or_else(|| "—".to_string(), |g| format!("{:.2}%", g * 100.0)),
            p.status.clone(),
        ]);
    }
    out.push_str(&format!(
        "\nReconciliation against finance (tolerance {:.2}%): {}\n{t}\n",
        rec.tolerance * 100.0,
        rec.status.to_uppercase()
    ));
    out.push_str(&format!(
        "refunds: {} rows, {} (netted in export revenue); repeated order ids: {} rows, {} (counted once)\n",
        count(rec.refunds.rows),
        money(Some(rec.refunds.amount)),
        count(rec.duplicate_orders.rows),
        money(Some(rec.duplicate_orders.amount)),
    ));
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
    if report.lift.is_empty() && report.attribution.is_empty() && report.reconciliation.is_none() {
        out.push_str("\nNo channel has exposed and control users: no lift to report.\n");
    }
    decomposition_lines(report, &mut out);
    attribution_tables(report, &mut out);
    calibration_table(report, &mut out);
    markov_tables(report, &mut out);
    reconciliation_table(report, &mut out);
    if !report.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &report.warnings {
            out.push_str(&format!("  [{}] {}\n", w.code, w.message));
        }
    }
    out
}
