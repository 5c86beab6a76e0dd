//! SVG primitives of the HTML charts: the palette, a linear [`Scale`],
//! round [`ticks`], and the `<text>`, `<line>`, `<svg>`, legend and figure
//! markup, every coordinate written with fixed decimals.
//!
//! Kept apart from the charts so that each chart (`charts.rs`) reads as
//! what it draws, not how a coordinate is formatted or a label escaped.

use super::escape;
use crate::export::format::{fixed, number};

/// Categorical colours (Tableau 10, the pale yellow moved back so that the
/// first six lines stay legible), assigned by position.
pub(super) const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f",
    "#ff9da7", "#bab0ac",
];

/// Width of the full-width charts, in SVG user units (≈ CSS pixels).
pub(super) const CHART_W: f64 = 1150.0;

pub(super) fn verdict_colour(v: Option<&str>) -> &'static str {
    match v {
        Some("scale") => "#1a7f37",
        Some("cut") => "#cf222e",
        Some("inconclusive") => "#bf8700",
        _ => "#6e7781",
    }
}

/// A coordinate with one decimal.
pub(super) fn c(v: f64) -> String {
    fixed(v, 1)
}

/// `s` cut to `max` characters, with an ellipsis.
pub(super) fn truncate(s: &str, max: usize) -> String {
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
pub(super) struct Scale {
    pub(super) d0: f64,
    pub(super) d1: f64,
    pub(super) r0: f64,
    pub(super) r1: f64,
}

impl Scale {
    pub(super) fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Round ticks covering `[lo, hi]` (1, 2, 5 × 10ⁿ steps): the widened
/// domain, the ticks and the decimals their labels need.
pub(super) fn ticks(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>, usize) {
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

pub(super) fn text(x: f64, y: f64, anchor: &str, class: &str, s: &str) -> String {
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

pub(super) fn line(x1: f64, y1: f64, x2: f64, y2: f64, class: &str) -> String {
    format!(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{class}\"/>",
        c(x1),
        c(y1),
        c(x2),
        c(y2)
    )
}

pub(super) fn svg_open(w: f64, h: f64, label: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
        c(w),
        c(h),
        c(w),
        c(h),
        escape(label)
    )
}

pub(super) fn legend(items: &[(String, &str)]) -> String {
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

pub(super) fn figure(legend: &str, body: &str, caption: &str) -> String {
    format!(
        "<figure class=\"chart\">{legend}\n{body}\n<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}
/// X-axis ticks and labels along `y`, gridlines from `top` to `y`.
pub(super) fn x_axis(
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

pub(super) fn money_tick(v: f64, dp: usize) -> String {
    number(v, dp)
}

/// Money tick labels, shortened: `1.5M`, `250k`.
pub(super) fn short_money(v: f64, dp: usize) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim_zeros(&fixed(v / 1e6, 2)))
    } else if a >= 1e4 {
        format!("{}k", trim_zeros(&fixed(v / 1e3, 1)))
    } else {
        number(v, dp)
    }
}

pub(super) fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
