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
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() == 10 {
        return parse_date(s).map(|d| i64::from(d) * MICROS_PER_DAY);
    }
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' {
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

/// Parses `YYYY-MM-DD` to a day number (days since 1970-01-01).
pub fn parse_date(s: &str) -> Option<DayNumber> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    i32::try_from(d.signed_duration_since(EPOCH).num_days()).ok()
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
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
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
