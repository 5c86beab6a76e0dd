//! One number formatter for every human-readable format.

/// Shown for a number that does not exist.
pub const NULL: &str = "—";

/// Money with 2 decimals and thousands separators: `12,345.60`.
pub fn money(v: Option<f64>) -> String {
    v.map_or_else(|| NULL.to_string(), |v| group_thousands(&format!("{v:.2}")))
}

/// A fraction as a percentage with 1 decimal: `12.3%`.
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| NULL.to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A p-value: 3 decimals, `<0.001` below.
pub fn p_value(v: Option<f64>) -> String {
    match v {
        None => NULL.to_string(),
        Some(p) if p < 0.001 => "<0.001".to_string(),
        Some(p) => format!("{p:.3}"),
    }
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
}
