//! Interning names (user ids, channels, campaigns, segments) to dense
//! integer codes, in order of first appearance.
//!
//! The domain works on codes, not strings: tens of millions of rows stay
//! cheap to sort and join. Each block of a file read in parallel interns
//! into its own table; the tables are absorbed in file order
//! ([`Interner::absorb`]), so the codes are those a single pass would give.

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// Interns strings to dense codes, remembering the last one looked up (rows
/// of one user or channel often come together). The names are kept end to
/// end in one string, so that interning allocates nothing per name.
#[derive(Debug, Default)]
pub(super) struct Interner {
    /// The code of every name with the top half of its hash, so that
    /// probing and growing the table touch no other memory (tables of
    /// millions of users do not fit in a cache).
    table: HashTable<(u32, u32)>,
    /// The names, end to end, in code order.
    text: String,
    /// Where each name ends in `text`.
    ends: Vec<usize>,
    /// Each name's hash, in code order.
    hashes: Vec<u64>,
    last: Option<u32>,
    /// Codes of names seen lately, by [`recent_slot`], plus one (0: none):
    /// the few channel or campaign names of a file alternate row by row,
    /// which `last` misses and hashing costs more than this lookup.
    recent: [u32; RECENT],
}

/// Slots of [`Interner::recent`].
const RECENT: usize = 32;

/// A name's slot in [`Interner::recent`], from its length and its first and
/// last bytes.
#[inline]
fn recent_slot(s: &[u8]) -> usize {
    let (first, last) = match s {
        [] => (0, 0),
        [a, .., b] => (*a, *b),
        [a] => (*a, *a),
    };
    (usize::from(first) * 7 + usize::from(last) * 3 + s.len()) % RECENT
}

/// The hash the table of an [`Interner`] is ordered by: the top half of the
/// name's hash, repeated (the table takes its slot from the low bits and its
/// tag from the top ones).
#[inline]
fn table_hash(top: u32) -> u64 {
    (u64::from(top) << 32) | u64::from(top)
}

impl Interner {
    pub(super) fn with_capacity(n: usize) -> Self {
        Self {
            table: HashTable::with_capacity(n),
            ..Self::default()
        }
    }

    /// Number of names.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The name of `code`.
    fn name(&self, code: usize) -> &str {
        name_in(&self.text, &self.ends, code)
    }

    pub(super) fn get_or_insert(&mut self, s: &str) -> u32 {
        if let Some(id) = self.last
            && same(bytes_in(&self.text, &self.ends, id as usize), s.as_bytes())
        {
            return id;
        }
        let slot = recent_slot(s.as_bytes());
        let id = match self.recent[slot].checked_sub(1) {
            Some(id) if same(bytes_in(&self.text, &self.ends, id as usize), s.as_bytes()) => id,
            _ => {
                let id = self.insert_hashed(s, FxBuildHasher.hash_one(s));
                self.recent[slot] = id.wrapping_add(1);
                id
            }
        };
        self.last = Some(id);
        id
    }

    fn insert_hashed(&mut self, s: &str, hash: u64) -> u32 {
        let (text, ends) = (&self.text, &self.ends);
        let top = (hash >> 32) as u32;
        let entry = self.table.entry(
            table_hash(top),
            |&(id, t)| t == top && same(bytes_in(text, ends, id as usize), s.as_bytes()),
            |&(_, t)| table_hash(t),
        );
        match entry {
            Entry::Occupied(e) => e.get().0,
            Entry::Vacant(v) => {
                let id = self.ends.len() as u32;
                v.insert((id, top));
                self.text.push_str(s);
                self.ends.push(self.text.len());
                self.hashes.push(hash);
                id
            }
        }
    }

    /// Adds the names of `other` (a table of the rows that follow this
    /// one's) and returns, for each of its codes, the code here.
    ///
    /// Each name is first compared with the name whose code follows the
    /// previous one's: files sorted by user give their users in the order
    /// of their codes, and the comparison reads memory in order where a
    /// lookup in a table of millions of names would not.
    pub(super) fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        let mut next = None;
        (0..other.len())
            .map(|i| {
                let name = other.name(i);
                let code = match next.filter(|&c: &u32| (c as usize) < self.len()) {
                    Some(c)
                        if same(
                            bytes_in(&self.text, &self.ends, c as usize),
                            name.as_bytes(),
                        ) =>
                    {
                        c
                    }
                    _ => self.insert_hashed(name, other.hashes[i]),
                };
                next = Some(code + 1);
                code
            })
            .collect()
    }

    /// The names, in code order.
    pub(super) fn into_names(self) -> Vec<String> {
        (0..self.len()).map(|i| self.name(i).to_string()).collect()
    }
}

fn name_in<'a>(text: &'a str, ends: &[usize], code: usize) -> &'a str {
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text[start..ends[code]]
}

/// [`name_in`] as bytes (no character-boundary checks).
#[inline]
fn bytes_in<'a>(text: &'a str, ends: &[usize], code: usize) -> &'a [u8] {
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text.as_bytes()[start..ends[code]]
}

/// `a == b`, for the short names of ids and labels without a call to
/// `memcmp`: names of 4 to 32 bytes are compared as two overlapping words.
#[inline]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    fn u32_at(x: &[u8], i: usize) -> u32 {
        let mut w = [0; 4];
        w.copy_from_slice(&x[i..i + 4]);
        u32::from_ne_bytes(w)
    }
    fn u64_at(x: &[u8], i: usize) -> u64 {
        let mut w = [0; 8];
        w.copy_from_slice(&x[i..i + 8]);
        u64::from_ne_bytes(w)
    }
    fn u128_at(x: &[u8], i: usize) -> u128 {
        let mut w = [0; 16];
        w.copy_from_slice(&x[i..i + 16]);
        u128::from_ne_bytes(w)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        17..=32 => u128_at(a, 0) == u128_at(b, 0) && u128_at(a, n - 16) == u128_at(b, n - 16),
        _ => a == b,
    }
}

pub(super) struct Interners {
    pub(super) users: Interner,
    pub(super) channels: Interner,
    pub(super) campaigns: Interner,
    pub(super) segments: Interner,
}

impl Interners {
    pub(super) fn new(users: usize) -> Self {
        Self {
            users: Interner::with_capacity(users),
            channels: Interner::default(),
            campaigns: Interner::default(),
            segments: Interner::default(),
        }
    }
}

/// Initial capacity of a block's user table.
pub(super) const PART_USERS: usize = 1 << 12;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Codes are given in order of first appearance, whatever the order of
    /// the names, with names that share a slot of the recent-names cache
    /// (same length, first and last bytes) and names of every length.
    #[test]
    fn interned_codes_follow_first_appearance() {
        let mut pool: Vec<String> = ["", "a", "ab", "email", "emaïl", "e--l", "exxl", "eyyl"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        pool.extend((0..60).map(|i| format!("c{}{}", "x".repeat(i % 40), i % 7)));
        assert!(recent_slot(b"exxl") == recent_slot(b"eyyl"));
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut int = Interner::with_capacity(4);
        let mut first: Vec<&str> = Vec::new();
        for _ in 0..20_000 {
            let name = &pool[rng.random_range(0..pool.len())];
            let expected = match first.iter().position(|f| f == name) {
                Some(i) => i,
                None => {
                    first.push(name);
                    first.len() - 1
                }
            };
            assert_eq!(int.get_or_insert(name) as usize, expected, "{name}");
        }
        assert_eq!(int.into_names(), first);
    }

    /// The word-wise comparison of names equals `==` at every length and
    /// wherever the two names differ.
    #[test]
    fn same_equals_byte_equality() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 1;
                assert!(!same(&a, &b), "length {n}, byte {at}");
            }
            let mut longer = a.clone();
            longer.push(b'a');
            assert!(!same(&a, &longer) && !same(&longer, &a), "length {n}");
        }
    }
}
