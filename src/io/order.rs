//! Putting columnar rows in the order the domain reads them: by user,
//! then time, then file row.

use crate::model::Micros;

/// The order of columnar rows sorted by (user, timestamp, file row), for
/// rows given in file order (`row` increasing).
///
/// Users are dense codes, so the rows are first placed by user with a
/// counting sort (stable: file order within a user), then each user's rows
/// are sorted by timestamp, stably — O(n) for the user step where a
/// comparison sort of the whole table would be O(n log n). `None` when
/// the rows are in that order already (exports are often written by user
/// and time).
pub(super) fn sort_order(user: &[u32], ts: &[Micros], row: &[u32]) -> Option<Vec<usize>> {
    debug_assert!(row.windows(2).all(|w| w[0] < w[1]));
    let sorted = (1..user.len()).all(|i| (user[i - 1], ts[i - 1]) <= (user[i], ts[i]));
    if sorted {
        return None;
    }
    let n_users = user.iter().max().map_or(0, |&u| u as usize + 1);
    let mut start = vec![0usize; n_users + 1];
    for &u in user {
        start[u as usize + 1] += 1;
    }
    for u in 0..n_users {
        start[u + 1] += start[u];
    }
    let mut fill = start.clone();
    let mut idx = vec![0usize; user.len()];
    for (i, &u) in user.iter().enumerate() {
        idx[fill[u as usize]] = i;
        fill[u as usize] += 1;
    }
    for u in 0..n_users {
        let group = &mut idx[start[u]..start[u + 1]];
        if group.windows(2).any(|w| ts[w[0]] > ts[w[1]]) {
            group.sort_by_key(|&i| ts[i]);
        }
    }
    Some(idx)
}

pub(super) fn permute<T: Copy>(v: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&i| v[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sort_order_equals_sorting_by_user_time_and_row() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in [0usize, 1, 2, 17, 1_000, 20_000] {
            let users = (n / 7).max(1) as u32;
            let user: Vec<u32> = (0..n).map(|_| rng.random_range(0..users)).collect();
            // Few distinct times, so that ties are common.
            let ts: Vec<Micros> = (0..n).map(|_| rng.random_range(0..5)).collect();
            let row: Vec<u32> = (0..n as u32).map(|i| i * 2 + 1).collect();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_unstable_by_key(|&i| (user[i], ts[i], row[i]));
            let got = sort_order(&user, &ts, &row).unwrap_or_else(|| (0..n).collect());
            assert_eq!(got, want, "n = {n}");
            if n > 2 {
                // Rows in order already: no order to apply.
                let (u, t): (Vec<u32>, Vec<Micros>) =
                    want.iter().map(|&i| (user[i], ts[i])).unzip();
                assert_eq!(sort_order(&u, &t, &row), None);
            }
        }
    }
}
