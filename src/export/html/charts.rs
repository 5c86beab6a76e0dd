//! The four charts of the HTML report, drawn as inline SVG from the report:
//! the forest plot of lift, attributed revenue by model, the LTV-lift curve
//! and the reconciliation gap per finance period.
//!
//! Which chart goes where is the [`Document`](crate::export::Document)'s
//! choice ([`Chart`]); what each one shows is decided here.

use super::escape;
use super::svg::{
    CHART_W, PALETTE, Scale, c, figure, legend, line, money_tick, short_money, svg_open, text,
    ticks, truncate, verdict_colour, x_axis,
};
use crate::export::facts::{first_seen, first_seen_u16};
use crate::export::format::{self, fixed, money, number, pct_dp};
use crate::export::{Chart, all_users, confidence, lift_channels, lift_windows};
use crate::report::{LiftRow, Report};

pub(super) fn chart(kind: Chart, report: &Report) -> String {
    match kind {
        Chart::Forest => forest(report),
        Chart::Attribution => attribution(report),
        Chart::LtvCurve => ltv_curve(report),
        Chart::Reconciliation => reconciliation(report),
    }
}

/// (1) Forest plot: one row per (channel, window) of the all-users lift.
fn forest(report: &Report) -> String {
    let ci = format!("{} CI", format::level(confidence(report)));
    let channels = lift_channels(report);
    let groups: Vec<Vec<&LiftRow>> = channels
        .iter()
        .map(|ch| {
            let mut rows: Vec<&LiftRow> = all_users(report).filter(|r| r.channel == *ch).collect();
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
    let windows = first_seen_u16(rows.iter().map(|r| r.window_days));
    let models = first_seen(rows.iter().map(|r| r.model.as_str()));
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

/// (3) LTV-lift curve: revenue-per-user lift against window days.
fn ltv_curve(report: &Report) -> String {
    let windows = lift_windows(report);
    if windows.len() < 2 {
        return String::new();
    }
    let channels = lift_channels(report);
    let series: Vec<(&str, Vec<(u16, f64)>)> = channels
        .iter()
        .map(|ch| {
            let mut pts: Vec<(u16, f64)> = all_users(report)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calendar_month_is_labelled_by_its_month() {
        assert_eq!(period_label("2026-01-01", "2026-01-31"), "2026-01");
        assert_eq!(
            period_label("2026-01-15", "2026-02-14"),
            "2026-01-15 – 2026-02-14"
        );
    }
}
