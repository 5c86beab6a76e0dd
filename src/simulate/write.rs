//! Writing the files: the CSV rows of each user's touches and orders as
//! they are drawn, then `spend.csv`, `finance.csv` and `uplift.toml`.
//!
//! Rows are formatted by hand into one reused buffer (dates from a
//! precomputed [`Calendar`], money from whole cents), which keeps writing
//! millions of rows cheap and the text exact: timestamps to the second,
//! amounts to the cent. The spend and finance noise is drawn here, after
//! every user, from the same stream.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};
use rand_chacha::ChaCha8Rng;

use super::draw::{DrawnArm, User, order_cost, uniform};
use super::spec::{
    CAMPAIGN_PERIOD_ENDS, CHANNELS, COST_SPREAD, END_SECONDS, FINANCE_NOISE_MAX_PCT,
    MISMATCH_GAP_PCT, N_CHANNELS, SECONDS_PER_DAY, SPAN_DAYS, SPEND_NOISE,
};
use super::{SimError, SimOptions, StreamState};

/// Precomputed `YYYY-MM-DD` strings and month indices of the data span.
pub(super) struct Calendar {
    pub(super) dates: Vec<String>,
    month_of_day: Vec<usize>,
    /// `(first day, last day)` of each month, as dates.
    pub(super) months: Vec<(String, String)>,
}

impl Calendar {
    pub(super) fn new() -> Calendar {
        let start =
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("invariant: 2026-01-01 is a valid date");
        let mut dates = Vec::with_capacity(SPAN_DAYS);
        let mut month_of_day = Vec::with_capacity(SPAN_DAYS);
        let mut months: Vec<(String, String)> = Vec::new();
        for day in 0..SPAN_DAYS {
            let date = start
                .checked_add_days(Days::new(day as u64))
                .expect("invariant: the data span lies within 2026");
            let text = date.format("%Y-%m-%d").to_string();
            let month = date.month0() as usize;
            if months.len() == month {
                months.push((text.clone(), text.clone()));
            } else if let Some(last) = months.last_mut() {
                last.1 = text.clone();
            }
            dates.push(text);
            month_of_day.push(month);
        }
        Calendar {
            dates,
            month_of_day,
            months,
        }
    }

    fn day_of(seconds: i64) -> usize {
        (seconds.clamp(0, END_SECONDS - 1) / SECONDS_PER_DAY) as usize
    }

    fn month_of(&self, seconds: i64) -> usize {
        self.month_of_day[Calendar::day_of(seconds)]
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ`.
    pub(super) fn push_timestamp(&self, buf: &mut Vec<u8>, seconds: i64) {
        let seconds = seconds.clamp(0, END_SECONDS - 1);
        buf.extend_from_slice(self.dates[Calendar::day_of(seconds)].as_bytes());
        let rem = seconds % SECONDS_PER_DAY;
        buf.push(b'T');
        push_two_digits(buf, rem / 3600);
        buf.push(b':');
        push_two_digits(buf, rem / 60 % 60);
        buf.push(b':');
        push_two_digits(buf, rem % 60);
        buf.push(b'Z');
    }
}

/// A buffered CSV file being written, with its path for error messages.
pub(super) struct Sink {
    path: PathBuf,
    out: BufWriter<File>,
    rows: u64,
}

impl Sink {
    pub(super) fn create(path: PathBuf, header: &str) -> Result<Sink, SimError> {
        let file = File::create(&path).map_err(io_error(&path))?;
        let mut sink = Sink {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            rows: 0,
        };
        sink.out
            .write_all(header.as_bytes())
            .and_then(|()| sink.out.write_all(b"\n"))
            .map_err(io_error(&sink.path))?;
        Ok(sink)
    }

    /// Writes one data row; `line` carries its trailing newline.
    fn row(&mut self, line: &[u8]) -> Result<(), SimError> {
        self.rows += 1;
        self.out.write_all(line).map_err(io_error(&self.path))
    }

    pub(super) fn finish(mut self) -> Result<u64, SimError> {
        self.out.flush().map_err(io_error(&self.path))?;
        Ok(self.rows)
    }
}

pub(super) fn io_error(path: &Path) -> impl Fn(io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn write_touches(
    rng: &mut ChaCha8Rng,
    user: &User,
    user_id: &str,
    calendar: &Calendar,
    state: &mut StreamState,
    sink: &mut Sink,
) -> Result<(), SimError> {
    for i in 0..state.touches.len() {
        let touch = state.touches[i];
        let spec = &CHANNELS[touch.channel];
        let line = &mut state.line;
        line.clear();
        line.extend_from_slice(user_id.as_bytes());
        line.push(b',');
        line.extend_from_slice(spec.name.as_bytes());
        line.push(b',');
        calendar.push_timestamp(line, touch.seconds);
        line.push(b',');
        line.extend_from_slice(match touch.arm {
            Some(DrawnArm::Exposed) => b"exposed",
            Some(DrawnArm::Control) => b"control",
            None => b"",
        });
        line.push(b',');
        if touch.arm.is_some() {
            let day = touch.seconds / SECONDS_PER_DAY;
            let period = CAMPAIGN_PERIOD_ENDS
                .iter()
                .filter(|&&end| day >= end)
                .count();
            line.extend_from_slice(spec.campaigns[period].as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(user.segment.as_bytes());
        line.push(b',');
        if touch.arm == Some(DrawnArm::Exposed) {
            state.touches_per_day[touch.channel][Calendar::day_of(touch.seconds)] += 1;
            if spec.cost_per_touch > 0.0 {
                let cost = spec.cost_per_touch * uniform(rng, 1.0 - COST_SPREAD, 1.0 + COST_SPREAD);
                let cents = (cost * 100.0).round() as i64;
                state.cost_cents[touch.channel] += cents;
                push_cents(line, cents);
            }
        }
        line.push(b'\n');
        sink.row(line)?;
    }
    Ok(())
}

pub(super) fn write_orders(
    user_id: &str,
    calendar: &Calendar,
    state: &mut StreamState,
    sink: &mut Sink,
) -> Result<(), SimError> {
    for i in 0..state.orders.len() {
        let order = state.orders[i];
        let line = &mut state.line;
        line.clear();
        line.push(b'o');
        push_padded(line, state.next_order_id, 8);
        state.next_order_id += 1;
        line.push(b',');
        line.extend_from_slice(user_id.as_bytes());
        line.push(b',');
        calendar.push_timestamp(line, order.seconds);
        line.push(b',');
        push_cents(line, order.cents);
        line.push(b',');
        push_cents(line, order_cost(&mut state.cost_rng, &order));
        line.push(b'\n');
        sink.row(line)?;
        if order.duplicate {
            sink.row(line)?;
        }
        state.month_cents[calendar.month_of(order.seconds)] += order.cents;
        state.max_revenue_seconds = state.max_revenue_seconds.max(Some(order.seconds));
    }
    Ok(())
}

/// Writes `spend.csv` (date-major) and returns its row count and total per channel.
pub(super) fn write_spend(
    rng: &mut ChaCha8Rng,
    users: usize,
    calendar: &Calendar,
    state: &StreamState,
    path: PathBuf,
) -> Result<(u64, [i64; N_CHANNELS]), SimError> {
    let mut sink = Sink::create(path, "date,channel,spend")?;
    let ranges: Vec<Option<(usize, usize)>> = state
        .touches_per_day
        .iter()
        .map(|days| {
            let first = days.iter().position(|&n| n > 0)?;
            let last = days.iter().rposition(|&n| n > 0)?;
            Some((first, last))
        })
        .collect();
    let scale = users as f64 / 10_000.0;
    let mut totals = [0i64; N_CHANNELS];
    let mut line = Vec::with_capacity(64);
    for day in 0..SPAN_DAYS {
        for (c, spec) in CHANNELS.iter().enumerate() {
            let Some((first, last)) = ranges[c] else {
                continue;
            };
            if day < first || day > last {
                continue;
            }
            let touches = f64::from(state.touches_per_day[c][day]);
            let amount = (spec.spend_per_day_per_10k_users * scale
                + spec.spend_per_touch * touches)
                * uniform(rng, 1.0 - SPEND_NOISE, 1.0 + SPEND_NOISE);
            let cents = (amount * 100.0).round() as i64;
            totals[c] += cents;
            line.clear();
            line.extend_from_slice(calendar.dates[day].as_bytes());
            line.push(b',');
            line.extend_from_slice(spec.name.as_bytes());
            line.push(b',');
            push_cents(&mut line, cents);
            line.push(b'\n');
            sink.row(&line)?;
        }
    }
    Ok((sink.finish()?, totals))
}

pub(super) fn write_finance(
    rng: &mut ChaCha8Rng,
    calendar: &Calendar,
    state: &StreamState,
    mismatch_month: usize,
    path: PathBuf,
) -> Result<u64, SimError> {
    let mut sink = Sink::create(path, "period_start,period_end,revenue")?;
    let mut line = Vec::with_capacity(64);
    for (month, (start, end)) in calendar.months.iter().enumerate() {
        let export = state.month_cents[month] as f64;
        let noise = uniform(rng, -FINANCE_NOISE_MAX_PCT, FINANCE_NOISE_MAX_PCT);
        let booked = if month == mismatch_month {
            export / (1.0 + MISMATCH_GAP_PCT)
        } else {
            export * (1.0 + noise)
        };
        line.clear();
        line.extend_from_slice(start.as_bytes());
        line.push(b',');
        line.extend_from_slice(end.as_bytes());
        line.push(b',');
        push_cents(&mut line, booked.round() as i64);
        line.push(b'\n');
        sink.row(&line)?;
    }
    sink.finish()
}

pub(super) fn write_config(opts: &SimOptions, path: &Path) -> Result<(), SimError> {
    let mut text = format!(
        "# Written by `uplift simulate --users {} --seed {}`.\n\
         # The planted holdout (control) share of each channel, for the\n\
         # sample-ratio-mismatch check.\n\
         [srm.channels]\n",
        opts.users, opts.seed
    );
    for spec in &CHANNELS {
        text.push_str(&format!("{} = {}\n", spec.name, spec.control_share));
    }
    fs::write(path, text).map_err(io_error(path))
}

fn push_two_digits(buf: &mut Vec<u8>, n: i64) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits[..len].iter().rev());
}

/// Appends an amount in cents as `[-]units.cc`.
fn push_cents(buf: &mut Vec<u8>, cents: i64) {
    if cents < 0 {
        buf.push(b'-');
    }
    let abs = cents.unsigned_abs();
    push_padded(buf, abs / 100, 1);
    buf.push(b'.');
    push_padded(buf, abs % 100, 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::Truth;
    use crate::simulate::tests::{cents_of, read_csv, sim};
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn timestamps_are_rfc3339_utc_seconds_within_the_data_span() {
        let (dir, _) = sim(200, 4);
        for (file, column) in [("exposures.csv", 2), ("revenue.csv", 2)] {
            for record in read_csv(&dir.path().join(file)) {
                let ts = &record[column];
                let parsed = chrono::DateTime::parse_from_rfc3339(ts).unwrap();
                assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
                assert!(
                    ("2026-01-01T00:00:00Z"..="2026-06-30T23:59:59Z").contains(&ts),
                    "{parsed}"
                );
            }
        }
    }

    #[test]
    fn finance_matches_the_export_within_half_a_percent_except_the_planted_month() {
        let (dir, _) = sim(2_000, 8);
        let mut seen = HashSet::new();
        let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
        for record in read_csv(&dir.path().join("revenue.csv")) {
            if seen.insert(record[0].to_string()) {
                *by_month.entry(record[2][..7].to_string()).or_default() += cents_of(&record[3]);
            }
        }
        let truth = Truth::read(&dir.path().join("truth.json")).unwrap();
        let finance = read_csv(&dir.path().join("finance.csv"));
        assert_eq!(finance.len(), 6);
        for record in finance {
            let export = by_month[&record[0][..7]] as f64;
            let booked = cents_of(&record[2]) as f64;
            let gap_pct = (export - booked) / booked;
            if record[0] == *truth.finance.mismatch_period_start {
                assert_eq!(record[1], *truth.finance.mismatch_period_end);
                assert!((gap_pct - 0.03).abs() < 1e-4, "planted gap {gap_pct}");
            } else {
                assert!(gap_pct.abs() <= 0.005, "{}: gap {gap_pct}", &record[0]);
            }
        }
    }

    #[test]
    fn money_is_written_with_two_decimals() {
        let mut buf = Vec::new();
        push_cents(&mut buf, -1205);
        buf.push(b' ');
        push_cents(&mut buf, 7);
        buf.push(b' ');
        push_cents(&mut buf, 0);
        assert_eq!(String::from_utf8(buf).unwrap(), "-12.05 0.07 0.00");
    }
}
