//! One number formatter for every human-readable format.

/// Shown for a number that does not exist.
pub const NULL: &str = "—";

/// Money with 2 decimals and thousands separators: `12,345.60`.
pub fn money(v: Option<f64>) -> String {
    v.map_or_else(|| NULL.to_string(), |v| group_thousands(&fixed(v, 2)))
}

/// A fraction as a percentage with 1 decimal: `12.3%`.
pub fn pct(v: Option<f64>) -> String {
    pct_dp(v, 1)
}

/// A fraction as a percentage with `dp` decimals: `pct_dp(Some(0.0123), 2)` is `1.23%`.
pub fn pct_dp(v: Option<f64>, dp: usize) -> String {
    v.map_or_else(
        || NULL.to_string(),
        |v| format!("{}%", fixed(v * 100.0, dp)),
    )
}

/// A difference of two rates in percentage points with 2 decimals: `1.25 pp`.
pub fn pp(v: Option<f64>) -> String {
    v.map_or_else(
        || NULL.to_string(),
        |v| format!("{} pp", fixed(v * 100.0, 2)),
    )
}

/// `estimate [low, high]` in percentage points.
pub fn pp_ci(est: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    let bare = |v: Option<f64>| v.map_or_else(|| NULL.to_string(), |v| fixed(v * 100.0, 2));
    match (est, lo, hi) {
        (Some(_), Some(_), Some(_)) => format!("{} [{}, {}]", pp(est), bare(lo), bare(hi)),
        _ => pp(est),
    }
}

/// A ratio (iROAS) with 2 decimals: `2.31`.
pub fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| NULL.to_string(), |v| group_thousands(&fixed(v, 2)))
}

/// `estimate [low, high]` as ratios.
pub fn ratio_ci(est: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(_), Some(_)) => format!("{} [{}, {}]", ratio(est), ratio(lo), ratio(hi)),
        _ => ratio(est),
    }
}

/// A confidence level as a label: `0.95` → `95%`, `0.975` → `97.5%`.
pub fn level(confidence: f64) -> String {
    let s = fixed(confidence * 100.0, 1);
    format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
}

/// `v` with `dp` decimals, without the sign of a value that rounds to zero
/// (`-0.001` → `0.00`, not `-0.00`).
pub fn fixed(v: f64, dp: usize) -> String {
    let s = format!("{v:.dp$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// A p-value: 3 decimals, `<0.001` below.
pub fn p_value(v: Option<f64>) -> String {
    match v {
        None => NULL.to_string(),
        Some(p) if p < 0.001 => "<0.001".to_string(),
        Some(p) => format!("{p:.3}"),
    }
}

/// A number with `dp` decimals and thousands separators: `number(1234.5, 1)` is `1,234.5`.
pub fn number(v: f64, dp: usize) -> String {
    group_thousands(&fixed(v, dp))
}

/// An integer count with thousands separators.
pub fn count(v: u64) -> String {
    group_thousands(&v.to_string())
}

/// `estimate [low, high]` in money.
pub fn money_ci(est: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(lo), Some(hi)) => {
            format!("{} [{}, {}]", money(est), money(Some(lo)), money(Some(hi)))
        }
        _ => money(est),
    }
}

/// `estimate [low, high]` in percent.
pub fn pct_ci(est: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", pct(est), pct(Some(lo)), pct(Some(hi))),
        _ => pct(est),
    }
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
    format!("{sign}{out}{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(money(Some(1234567.891)), "1,234,567.89");
        assert_eq!(money(Some(-1234.5)), "-1,234.50");
        assert_eq!(money(Some(12.0)), "12.00");
        assert_eq!(money(None), "—");
        assert_eq!(pct(Some(0.1234)), "12.3%");
        assert_eq!(p_value(Some(0.0004)), "<0.001");
        assert_eq!(p_value(Some(0.04321)), "0.043");
        assert_eq!(count(1000), "1,000");
    }

    #[test]
    fn a_value_that_rounds_to_zero_has_no_minus_sign() {
        assert_eq!(money(Some(-0.001)), "0.00");
        assert_eq!(pct(Some(-0.00001)), "0.0%");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-0.06, 1), "-0.1");
    }

    #[test]
    fn ratios_points_and_levels_are_formatted_for_people() {
        assert_eq!(ratio(Some(2.3149)), "2.31");
        assert_eq!(
            ratio_ci(Some(2.0), Some(1.0), Some(3.0)),
            "2.00 [1.00, 3.00]"
        );
        assert_eq!(ratio_ci(Some(2.0), None, None), "2.00");
        assert_eq!(pp(Some(0.0125)), "1.25 pp");
        assert_eq!(
            pp_ci(Some(0.01), Some(-0.002), Some(0.022)),
            "1.00 pp [-0.20, 2.20]"
        );
        assert_eq!(pct_dp(Some(0.029999), 2), "3.00%");
        assert_eq!(level(0.95), "95%");
        assert_eq!(level(0.975), "97.5%");
    }
}
