//! Reading one cell: a value of a wanted column, converted by the
//! contract's rules (timestamps, dates, money, required text), with a
//! problem recorded in the file's [`Collector`] when it cannot be.
//!
//! Every loader reads its cells through these functions, so a value is
//! accepted, or refused with the same message, whichever file it is in.

use super::collect::Collector;
use super::read::{At, Value};
use super::time;
use crate::model::{DayNumber, Micros};

const MONEY_FORMS: &str = "(expected a finite decimal number like 12.50)";
/// Largest amount accepted in a money column, so that sums over billions of
/// rows stay far from overflow.
pub const MAX_MONEY: f64 = 1e15;

/// A required or optional timestamp.
pub(super) fn timestamp(v: Value<'_>, at: At, name: &str, c: &mut Collector) -> Micros {
    let bad = |c: &mut Collector, raw: &str, what: &str| {
        c.add(
            at,
            name,
            Some(raw),
            format!("{what} (expected {})", time::TIMESTAMP_FORMS),
        );
        0
    };
    match v {
        Value::Micros(t) => t,
        Value::Text(s) => time::parse_timestamp(s).unwrap_or_else(|| {
            if s.trim().is_empty() {
                bad(c, s, "is empty")
            } else {
                bad(c, s, "is not a valid timestamp")
            }
        }),
        _ => bad(c, "", "is empty"),
    }
}

/// A date (a timestamp is accepted and reduced to its UTC day).
pub(super) fn date(v: Value<'_>, at: At, name: &str, c: &mut Collector) -> DayNumber {
    match v {
        Value::Micros(t) => time::day_of(t),
        Value::Text(s) => time::parse_date(s)
            .or_else(|| time::parse_timestamp(s).map(time::day_of))
            .unwrap_or_else(|| {
                c.add(
                    at,
                    name,
                    Some(s),
                    format!("is not a valid date (expected {})", time::DATE_FORMS),
                );
                0
            }),
        _ => {
            c.add(
                at,
                name,
                Some(""),
                format!("is empty (expected {})", time::DATE_FORMS),
            );
            0
        }
    }
}

/// Whether `s` is empty or only white space (decided by the first byte in
/// the usual case).
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => false,
        _ => s.trim().is_empty(),
    }
}

/// A money amount; `default` is used for an empty cell of an optional column.
pub(super) fn money(
    v: Value<'_>,
    at: At,
    name: &str,
    default: Option<f64>,
    c: &mut Collector,
) -> f64 {
    let (x, raw) = match v {
        Value::Number(x) => (x, None),
        Value::Text(s) if !blank(s) => match plain_decimal(s.as_bytes())
            .ok_or(())
            .or_else(|_| s.parse::<f64>())
            .or_else(|_| s.trim().parse())
        {
            Ok(x) => (x, Some(s)),
            Err(_) => {
                c.add(at, name, Some(s), format!("is not a number {MONEY_FORMS}"));
                return 0.0;
            }
        },
        _ => {
            return default.unwrap_or_else(|| {
                c.add(at, name, Some(""), format!("is empty {MONEY_FORMS}"));
                0.0
            });
        }
    };
    let shown = || raw.map_or_else(|| x.to_string(), str::to_string);
    if !x.is_finite() {
        c.add(
            at,
            name,
            Some(&shown()),
            format!("is not a finite number {MONEY_FORMS}"),
        );
        0.0
    } else if x.abs() > MAX_MONEY {
        c.add(
            at,
            name,
            Some(&shown()),
            "is out of range (expected an amount between -1e15 and 1e15)".to_string(),
        );
        0.0
    } else {
        x
    }
}

/// A plain decimal — an optional minus, then at most 15 digits with at
/// most one point between two of them (`-12.50`) — read as `str::parse`
/// reads it, faster: the digits make an integer below 2⁵³ and the scale a
/// power of ten, both exact in an `f64`, so their quotient is the correctly
/// rounded value. `None` for anything else.
#[inline]
fn plain_decimal(s: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let n = digits.len();
    if n == 0 || n > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut scale = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + u64::from(c - b'0'),
            b'.' if scale.is_none() && i > 0 && i + 1 < n => scale = Some(n - 1 - i),
            _ => return None,
        }
    }
    if scale.is_none() && n > 15 {
        return None;
    }
    let x = m as f64 / POW10[scale.unwrap_or(0)];
    Some(if negative { -x } else { x })
}

pub(super) fn require_text<'a>(
    v: Value<'a>,
    at: At,
    name: &str,
    what: &str,
    c: &mut Collector,
) -> Option<&'a str> {
    match v {
        Value::Text(s) if !blank(s) => Some(s),
        Value::Text(s) => {
            c.add(at, name, Some(s), format!("is empty (expected {what})"));
            None
        }
        _ => {
            c.add(at, name, Some(""), format!("is empty (expected {what})"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Plain decimals read the same, bit for bit, as `str::parse` reads
    /// them; anything else is left to it.
    #[test]
    fn plain_decimals_equal_str_parse_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..200_000 {
            let digits = rng.random_range(1..=15usize);
            let mut text = String::new();
            if rng.random_bool(0.3) {
                text.push('-');
            }
            let point = rng.random_range(0..digits + 2);
            for i in 0..digits {
                if i == point && i > 0 {
                    text.push('.');
                }
                text.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
            let want: f64 = text.parse().expect("a decimal");
            let got = plain_decimal(text.as_bytes()).expect("a plain decimal");
            assert_eq!(got.to_bits(), want.to_bits(), "{text}");
        }
        for (text, want) in [
            ("-0", Some(-0.0)),
            ("0.10", Some(0.1)),
            ("999999999999999", Some(999_999_999_999_999.0)),
        ] {
            assert_eq!(
                plain_decimal(text.as_bytes()).map(f64::to_bits),
                want.map(f64::to_bits),
                "{text}"
            );
        }
        for text in [
            "",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "+1",
            "1e5",
            " 1",
            "1,5",
            "--1",
            "9999999999999999",
            "0.000000000000001",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
    }
}
