//! Timestamps and dates as the contract accepts them, converted to UTC.
//!
//! Accepted forms: RFC 3339 (`2026-03-01T10:00:00Z`, `2026-03-01T12:00:00+02:00`,
//! offsets converted to UTC, fractional seconds kept to the microsecond),
//! `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DDTHH:MM:SS` without an offset (read as
//! UTC), and `YYYY-MM-DD` (midnight UTC).

use crate::model::{DayNumber, MICROS_PER_DAY, Micros};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// What the timestamp parser accepts, for error messages.
pub const TIMESTAMP_FORMS: &str = "an RFC 3339 timestamp like 2026-03-01T10:00:00Z, or 2026-03-01 10:00:00 (UTC), or a date 2026-03-01";
/// What the date parser accepts, for error messages.
pub const DATE_FORMS: &str = "a date like 2026-03-01";

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("invariant: valid date");

/// Parses a timestamp in any accepted form to UTC microseconds.
///
/// # Examples
/// ```
/// use uplift::io::time::parse_timestamp;
/// assert_eq!(parse_timestamp("1970-01-02"), Some(86_400_000_000));
/// assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
/// assert_eq!(parse_timestamp("2026-02-30"), None);
/// ```
pub fn parse_timestamp(s: &str) -> Option<Micros> {
    // N.B. the common export forms are read by a fast path (tens of
    // millions of rows); anything else goes through chrono.
    if let Some(ts) = fast_timestamp(s.as_bytes()) {
        return Some(ts);
    }
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() == 10 {
        return parse_date(s).map(|d| i64::from(d) * MICROS_PER_DAY);
    }
    // N.B. chrono's `%Y` accepts signs and short years: insist on the
    // contract's four-digit year, two-digit month and day.
    let strict = b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !strict {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc).timestamp_micros());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    None
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` and the same
/// with a `Z` suffix, validated field by field; `None` for anything else
/// (which the full parser then handles or rejects).
fn fast_timestamp(b: &[u8]) -> Option<Micros> {
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (len, zulu) = match b.len() {
        10 => (10, false),
        19 => (19, false),
        20 if b[19] == b'Z' => (19, true),
        _ => return None,
    };
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(i64::from(y), m, d);
    if len == 10 {
        return Some(days * MICROS_PER_DAY);
    }
    let sep_ok = b[10] == b'T' || (b[10] == b' ' && !zulu);
    if !sep_ok || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs = i64::from(hh * 3600 + mm * 60 + ss);
    Some(days * MICROS_PER_DAY + secs * 1_000_000)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` to a day number (days since 1970-01-01).
pub fn parse_date(s: &str) -> Option<DayNumber> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    fast_timestamp(s.as_bytes()).map(|ts| ts.div_euclid(MICROS_PER_DAY) as DayNumber)
}

/// The UTC day number of a timestamp.
pub fn day_of(ts: Micros) -> DayNumber {
    ts.div_euclid(MICROS_PER_DAY) as DayNumber
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_date(day: DayNumber) -> String {
    EPOCH
        .checked_add_signed(chrono::Duration::days(i64::from(day)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| day.to_string())
}

/// Formats a timestamp as RFC 3339 in UTC (`2026-06-30T23:59:59Z`; fractional
/// seconds only when present).
pub fn format_timestamp(ts: Micros) -> String {
    DateTime::<Utc>::from_timestamp_micros(ts)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| ts.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Micros = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z

    #[test]
    fn every_accepted_form_is_read_as_utc() {
        assert_eq!(parse_timestamp("2026-03-01T10:00:00Z"), Some(T));
        assert_eq!(parse_timestamp("2026-03-01T12:00:00+02:00"), Some(T));
        assert_eq!(parse_timestamp("2026-03-01T05:00:00-05:00"), Some(T));
        assert_eq!(parse_timestamp("2026-03-01 10:00:00"), Some(T));
        assert_eq!(parse_timestamp("2026-03-01T10:00:00"), Some(T));
        assert_eq!(parse_timestamp(" 2026-03-01 10:00:00 "), Some(T));
        assert_eq!(
            parse_timestamp("2026-03-01T10:00:00.250Z"),
            Some(T + 250_000)
        );
        assert_eq!(parse_timestamp("2026-03-01"), Some(T - 10 * 3_600_000_000));
    }

    #[test]
    fn impossible_and_malformed_timestamps_are_rejected() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-02-29T00:00:00Z",
            "2026-03-01T25:00:00Z",
            "01/03/2026",
            "yesterday",
            "",
            "2026-03-01T10:00:00+99:00",
            "-0226-03-3",
            "+2026-3-01",
            "2026-3-01T10:00:00Z",
            "+2026-03-01T10:00:00Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_chrono_over_four_centuries() {
        use chrono::{Datelike, Duration};
        let mut d = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2200, 12, 31).unwrap();
        while d <= end {
            let text = d.format("%Y-%m-%d").to_string();
            let want = d
                .and_hms_opt(13, 7, 59)
                .unwrap()
                .and_utc()
                .timestamp_micros();
            assert_eq!(
                fast_timestamp(format!("{text}T13:07:59Z").as_bytes()),
                Some(want),
                "{text}"
            );
            assert_eq!(
                fast_timestamp(format!("{text} 13:07:59").as_bytes()),
                Some(want),
                "{text}"
            );
            assert_eq!(
                parse_date(&text).map(i64::from),
                Some(want.div_euclid(MICROS_PER_DAY))
            );
            d += Duration::days(if d.year() % 7 == 0 { 1 } else { 3 });
        }
        // Anything unusual is left to chrono.
        assert_eq!(fast_timestamp(b"2026-03-01 10:00:00Z"), None);
        assert_eq!(fast_timestamp(b"2026-03-01T10:00:60Z"), None);
    }

    #[test]
    fn dates_round_trip() {
        let d = parse_date("2026-06-30").unwrap();
        assert_eq!(format_date(d), "2026-06-30");
        assert_eq!(day_of(T), parse_date("2026-03-01").unwrap());
        assert_eq!(day_of(-1), -1);
        assert_eq!(format_timestamp(T), "2026-03-01T10:00:00Z");
    }
}
