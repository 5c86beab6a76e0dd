//! Loading the two small tables: spend (per date and channel) and finance
//! totals (per period).
//!
//! They are read in one pass on the calling thread: they have a row per
//! day or month, not per user.

use super::cell::{date, money, require_text};
use super::collect::Collector;
use super::intern::Interners;
use super::read::scan;
use super::{FileLoad, columns_of, time};
use crate::config::Config;
use crate::model::{FinancePeriod, SpendRow};
use std::path::Path;

pub(super) fn load_spend(
    path: &Path,
    cfg: &Config,
    int: &mut Interners,
) -> (Vec<SpendRow>, FileLoad) {
    let w = columns_of("spend", cfg);
    let mut c = Collector::new(path);
    let mut out = Vec::new();
    let meta = scan(path, &w, |at, v| {
        c.start();
        let date = date(v[0], at, &w[0].name, &mut c);
        let channel = require_text(v[1], at, &w[1].name, "a channel name", &mut c);
        let spend = money(v[2], at, &w[2].name, None, &mut c);
        if let (true, Some(channel)) = (c.end(), channel) {
            out.push(SpendRow {
                date,
                channel: int.channels.get_or_insert(channel) as u16,
                spend,
            });
        }
    });
    (out, c.finish(meta))
}

pub(super) fn load_finance(path: &Path, cfg: &Config) -> (Vec<FinancePeriod>, FileLoad) {
    let w = columns_of("finance", cfg);
    let mut c = Collector::new(path);
    let mut out = Vec::new();
    let meta = scan(path, &w, |at, v| {
        c.start();
        let start = date(v[0], at, &w[0].name, &mut c);
        let end = date(v[1], at, &w[1].name, &mut c);
        let revenue = money(v[2], at, &w[2].name, None, &mut c);
        if !c.row_bad && end < start {
            let raw = time::format_date(end);
            c.add(
                at,
                &w[1].name,
                Some(&raw),
                format!(
                    "is before {} {} (expected period_end on or after period_start)",
                    w[0].name,
                    time::format_date(start)
                ),
            );
        }
        if c.end() {
            out.push(FinancePeriod {
                period_start: start,
                period_end: end,
                revenue,
            });
        }
    });
    (out, c.finish(meta))
}
