//! Loading the revenue file: one row per order (or refund), with its user,
//! time and amount, and the facts that become warnings (repeated order ids
//! dropped, refunds).
//!
//! Repeated order ids are found without keeping the ids: each row keeps a
//! 128-bit key of its id ([`keyed`]), and rows whose keys are equal are
//! repeats. Exports sorted by order id need no sort at all: their repeats
//! are the rows whose id equals the one before.

use super::cell::{money, require_text, timestamp};
use super::collect::Collector;
use super::intern::{Interner, PART_USERS};
use super::read::{At, Part, Value, scan_parts};
use super::{FileLoad, columns_of, no_rows};
use crate::config::Config;
use crate::model::{Micros, Orders};
use std::path::Path;

/// Facts about the revenue file that become warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RevenueFacts {
    /// Rows dropped as repeats of an earlier `order_id`.
    pub duplicate_orders: u64,
    /// Orders with negative revenue.
    pub refunds: u64,
    /// Their (negative) sum.
    pub refund_total: f64,
    /// The summed revenue of the dropped repeats.
    pub duplicate_total: f64,
}

/// The rows of one block of the revenue file, with its own user table.
struct RevenuePart {
    c: Collector,
    orders: Orders,
    users: Interner,
    /// Order-id keys with the index in `orders` ([`keyed`]).
    keys: Vec<u128>,
    /// The block's first and last order id.
    ids: Option<(String, String)>,
    /// Whether no order id of the block is below the one before.
    ascending: bool,
    /// The rows (indices in `orders`) whose order id equals the one before.
    repeats: Vec<u32>,
    max_ts: Option<Micros>,
}

/// 128 bits of hash of an order id (XXH3-128, seed 0).
fn order_key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// The low bits of a [`keyed`] value: the row's index.
const INDEX_BITS: u128 = 0xFFFF_FFFF;

/// An order id's key and its row's index in one integer: the top 96 bits of
/// [`order_key`], then the index. Sorting these puts the rows of one id
/// together, first row first. Two distinct ids share the 96 bits with
/// probability ~n²/2⁹⁷ (6e-16 for 10 M orders), which is what lets the ids
/// themselves be dropped after reading.
fn keyed(id: &str, index: u32) -> u128 {
    (order_key(id) & !INDEX_BITS) | u128::from(index)
}

pub(super) fn load_revenue(
    path: &Path,
    cfg: &Config,
    users: &mut Interner,
    threads: usize,
) -> (Orders, RevenueFacts, Option<Micros>, FileLoad) {
    let w = columns_of("revenue", cfg);
    let mut c = Collector::new(path);
    let mut orders = Orders::default();
    let mut facts = RevenueFacts::default();
    let mut max_ts: Option<Micros> = None;
    // Order-id keys with their index in `orders`: repeats are found by
    // sorting, which touches memory in order, where a hash set of millions
    // of keys would not.
    let mut keys: Vec<u128> = Vec::new();
    // Whether no order id is below the one before (in byte order): then the
    // repeats are the rows whose id equals the one before, and the keys need
    // no sorting — the common case of an export sorted by order id.
    let mut ascending = true;
    let mut repeats: Vec<u32> = Vec::new();
    let mut last_id: Option<String> = None;
    let new_part = || RevenuePart {
        c: Collector::new(path),
        orders: Orders::default(),
        users: Interner::with_capacity(PART_USERS),
        keys: Vec::new(),
        ids: None,
        ascending: true,
        repeats: Vec::new(),
        max_ts: None,
    };
    let visit = |p: &mut RevenuePart, at: At, v: &[Value<'_>]| {
        let c = &mut p.c;
        c.start();
        let user = require_text(v[0], at, &w[0].name, "a user id", c);
        let ts = timestamp(v[1], at, &w[1].name, c);
        let revenue = money(v[2], at, &w[2].name, None, c);
        // N.B. an empty cost cell is NaN: the order's profit then comes
        // from the margin and the per-order costs.
        let cost = money(v[4], at, &w[4].name, Some(f64::NAN), c);
        if cost < 0.0 {
            let shown = v[4].text().map_or_else(|| cost.to_string(), str::to_string);
            c.add(
                at,
                &w[4].name,
                Some(&shown),
                "is negative (expected the order's cost ≥ 0, or an empty cell)".to_string(),
            );
        }
        if !c.end() {
            return;
        }
        let Some(user) = user else { return };
        p.max_ts = Some(p.max_ts.map_or(ts, |m| m.max(ts)));
        if let Some(id) = v[3].text() {
            p.keys.push(keyed(id, p.orders.len() as u32));
            match &mut p.ids {
                None => p.ids = Some((id.to_string(), id.to_string())),
                Some((_, last)) => match id.cmp(last.as_str()) {
                    std::cmp::Ordering::Less => p.ascending = false,
                    std::cmp::Ordering::Equal => p.repeats.push(p.orders.len() as u32),
                    std::cmp::Ordering::Greater => {
                        last.clear();
                        last.push_str(id);
                    }
                },
            }
        }
        p.orders.user.push(p.users.get_or_insert(user));
        p.orders.ts.push(ts);
        p.orders.revenue.push(revenue);
        if !matches!(v[4], Value::Absent) {
            p.orders.cost.push(cost);
        }
        p.orders.row.push(at.row as u32);
    };
    let take = |part: Part<RevenuePart>| {
        let Part {
            state: p,
            first_row,
        } = part;
        let codes = users.absorb(&p.users);
        let base = orders.len() as u32;
        if let Some((first, last)) = p.ids {
            ascending &= p.ascending && last_id.as_ref().is_none_or(|l| first >= *l);
            if ascending {
                if last_id.as_ref() == Some(&first) {
                    repeats.push(base);
                }
                repeats.extend(p.repeats.iter().map(|&r| r + base));
            }
            last_id = Some(last);
        }
        keys.extend(p.keys.iter().map(|&k| k + u128::from(base)));
        max_ts = max_ts.max(p.max_ts);
        orders
            .user
            .extend(p.orders.user.iter().map(|&u| codes[u as usize]));
        orders.ts.extend_from_slice(&p.orders.ts);
        orders.revenue.extend_from_slice(&p.orders.revenue);
        orders.cost.extend_from_slice(&p.orders.cost);
        orders
            .row
            .extend(p.orders.row.iter().map(|&r| r + first_row as u32));
        c.absorb(p.c);
    };
    let meta = scan_parts(path, &w, threads, new_part, visit, take);
    // The first occurrence of an order id (the lowest index) stays.
    let mut repeat = vec![false; orders.len()];
    if ascending {
        for &r in &repeats {
            repeat[r as usize] = true;
        }
    } else {
        keys.sort_unstable();
        for pair in keys.windows(2) {
            if pair[0] & !INDEX_BITS == pair[1] & !INDEX_BITS {
                repeat[(pair[1] & INDEX_BITS) as usize] = true;
            }
        }
    }
    drop(keys);
    if repeat.iter().any(|&r| r) {
        facts.duplicate_total = orders
            .revenue
            .iter()
            .zip(&repeat)
            .filter(|(_, r)| **r)
            .map(|(v, _)| v)
            .sum();
        retain_unmarked(&mut orders.user, &repeat);
        retain_unmarked(&mut orders.ts, &repeat);
        retain_unmarked(&mut orders.revenue, &repeat);
        if !orders.cost.is_empty() {
            retain_unmarked(&mut orders.cost, &repeat);
        }
        retain_unmarked(&mut orders.row, &repeat);
        facts.duplicate_orders = repeat.iter().filter(|&&r| r).count() as u64;
    }
    for &r in orders.revenue.iter().filter(|&&r| r < 0.0) {
        facts.refunds += 1;
        facts.refund_total += r;
    }
    let mut load = c.finish(meta);
    no_rows(&mut load);
    (orders, facts, max_ts, load)
}

/// Keeps the elements whose mark is false.
fn retain_unmarked<T>(v: &mut Vec<T>, marked: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        !marked[i - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Repeated order ids are found whether the ids come in ascending
    /// order (no sort needed) or not, within a block of the file and across
    /// blocks (the files span several 1 MiB blocks); the first row of an id
    /// stays.
    #[test]
    fn repeated_order_ids_are_found_in_and_across_blocks() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let n = 60_000usize;
        type IdOf = Box<dyn Fn(usize) -> usize>;
        let mut cases: Vec<(String, IdOf, u64)> = vec![
            ("increasing".into(), Box::new(|i| i), 0),
            (
                "one repeat".into(),
                Box::new(move |i| if i == n - 1 { 7 } else { i }),
                1,
            ),
            (
                "twice over".into(),
                Box::new(move |i| i % (n / 2)),
                (n / 2) as u64,
            ),
            ("neighbours".into(), Box::new(|i| i - i % 2), (n / 2) as u64),
            (
                "runs of three".into(),
                Box::new(|i| i - i % 3),
                (2 * n / 3) as u64,
            ),
            (
                "ascending, then one below".into(),
                Box::new(move |i| if i == n - 1 { n - 3 } else { i }),
                1,
            ),
        ];
        // One repeat, of the row before, at the end of the first block
        // (rows of 45 bytes after a header of 35): somewhere here the two
        // rows sit in different blocks.
        let near = ((1 << 20) - 35) / 45;
        for p in near - 3..near + 4 {
            cases.push((
                format!("repeat at row {p}"),
                Box::new(move |i| if i == p { p - 1 } else { i }),
                1,
            ));
        }
        for (name, id_of, repeats) in cases {
            let path = dir.path().join("revenue.csv");
            let mut text = String::from("order_id,user_id,timestamp,revenue\n");
            // Each row's revenue is its row number: the repeats' total
            // says which rows were dropped.
            let mut seen = std::collections::HashSet::new();
            let mut dropped = 0.0;
            for i in 0..n {
                text.push_str(&format!(
                    "o{:08},u{:06},2026-01-01T00:00:00Z,{i:05}\n",
                    id_of(i),
                    i % 1000
                ));
                if !seen.insert(id_of(i)) {
                    dropped += i as f64;
                }
            }
            assert!(text.len() > 2 * (1 << 20), "the file spans blocks");
            assert_eq!(
                text.lines().map(str::len).take(3).collect::<Vec<_>>(),
                [34, 44, 44]
            );
            std::fs::write(&path, text).expect("the file is written");
            for threads in [1, 2] {
                let mut users = Interner::with_capacity(16);
                let (orders, facts, _, load) =
                    load_revenue(&path, &Config::default(), &mut users, threads);
                assert_eq!(load.problem_count, 0);
                assert_eq!(facts.duplicate_orders, repeats, "{name}");
                assert_eq!(facts.duplicate_total, dropped, "{name}");
                assert_eq!(orders.len() as u64, n as u64 - repeats, "{name}");
            }
        }
    }
}
