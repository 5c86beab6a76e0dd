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
#[inline]
fn fast_timestamp(b: &[u8]) -> Option<Micros> {
    let zulu = match b.len() {
        10 | 19 => false,
        20 if b[19] == b'Z' => true,
        _ => return None,
    };
    let date: &[u8; 10] = b.first_chunk()?;
    if date[4] != b'-' || date[7] != b'-' {
        return None;
    }
    let d = date.map(|c| c.wrapping_sub(b'0'));
    if [d[0], d[1], d[2], d[3], d[5], d[6], d[8], d[9]]
        .iter()
        .any(|&x| x > 9)
    {
        return None;
    }
    let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
    let (y, m, day) = (two(0) * 100 + two(2), two(5), two(8));
    if !(1..=12).contains(&m) || day == 0 || day > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    let Some(time) = b[10..].first_chunk::<9>() else {
        return Some(days * MICROS_PER_DAY);
    };
    let sep_ok = time[0] == b'T' || (time[0] == b' ' && !zulu);
    if !sep_ok || time[3] != b':' || time[6] != b':' {
        return None;
    }
    let t = time.map(|c| c.wrapping_sub(b'0'));
    if [t[1], t[2], t[4], t[5], t[7], t[8]].iter().any(|&x| x > 9) {
        return None;
    }
    let two = |i: usize| u32::from(t[i]) * 10 + u32::from(t[i + 1]);
    let (hh, mm, ss) = (two(1), two(4), two(7));
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs = i64::from(hh * 3600 + mm * 60 + ss);
    Some(days * MICROS_PER_DAY + secs * 1_000_000)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Days since 1970-01-01 of a proleptic Gregorian date of the years
/// 0000–9999: the days before the year (leap days counted through the
/// year before), before the month, and of the month.
#[inline]
fn days_from_civil(y: u32, m: u32, d: u32) -> i64 {
    /// Days before each month of a common year.
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    // N.B. year 0 is a leap year; counting from year 0 keeps every
    // division unsigned: leap days in years 0..y = ⌈y/4⌉ − ⌈y/100⌉ + ⌈y/400⌉.
    let leaps = |y: u32| y.div_ceil(4) - y.div_ceil(100) + y.div_ceil(400);
    let before_year = i64::from(y) * 365 + i64::from(leaps(y));
    let before_month = BEFORE[(m - 1) as usize] + u32::from(m > 2 && is_leap(y));
    // Days from 0000-01-01 to 1970-01-01.
    const EPOCH_DAYS: i64 = 719_528;
    before_year + i64::from(before_month + d - 1) - EPOCH_DAYS
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
    fn the_fast_path_agrees_with_chrono_from_year_0_to_9999() {
        use chrono::{Datelike, Duration};
        let mut d = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
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
            // Every day of 1800–2200, and of every 97th year outside it.
            let every_day = (1800..=2200).contains(&d.year()) || d.year() % 97 == 0;
            d += Duration::days(if every_day { 1 } else { 29 });
        }
        // Anything unusual is left to chrono.
        assert_eq!(fast_timestamp(b"2026-03-01 10:00:00Z"), None);
        assert_eq!(fast_timestamp(b"2026-03-01T10:00:60Z"), None);
    }

    /// One byte changed anywhere: the fast path either rejects the text or
    /// reads what chrono reads, and never takes a non-digit for a digit.
    #[test]
    fn the_fast_path_rejects_every_single_byte_change_it_cannot_read() {
        let base = b"2024-02-29T23:59:58Z";
        let digit_at = |i: usize| ![4, 7, 10, 13, 16, 19].contains(&i);
        for i in 0..base.len() {
            for c in [
                b'/', b':', b'-', b'a', b' ', b'T', b'Z', b'0', b'1', b'3', b'9',
            ] {
                let mut text = *base;
                text[i] = c;
                let got = fast_timestamp(&text);
                if digit_at(i) && !c.is_ascii_digit() {
                    assert_eq!(got, None, "{}", String::from_utf8_lossy(&text));
                }
                if let Some(v) = got {
                    let s = std::str::from_utf8(&text).unwrap();
                    let want = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
                        .map(|d| d.and_utc().timestamp_micros());
                    assert_eq!(Ok(v), want, "{s}");
                }
            }
        }
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
