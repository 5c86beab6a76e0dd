//! Simplified Shapley value attribution (Zhao, Mahboobi and Bagheri 2018).
//!
//! Treat the channels as players of a cooperative game whose worth
//! `v(T)` is the number of conversions whose path's channel *set* lies within
//! `T`. Zhao et al. show that the Shapley value of that game has a closed
//! form: every conversion is split equally over the distinct channels of its
//! path. This needs no enumeration of the 2ⁿ coalitions, so it scales to any
//! number of channels; the test below checks the closed form against the
//! textbook Shapley formula by brute force.
//!
//! Order and repetition do not matter: `a > b > a` and `b > a` both give
//! ½ to each of `a` and `b`. Revenue is split the same way.
//!
//! # References
//!
//! - K. Zhao, S. H. Mahboobi, S. R. Bagheri (2018), *Shapley Value Methods for
//!   Attribution Modeling in Online Advertising*, arXiv:1804.05327, section
//!   3 ("simplified Shapley value").
//! - L. S. Shapley (1953), *A value for n-person games*, Contributions to the
//!   Theory of Games II.

use super::ChannelShare;

/// Writes into `shares` each distinct channel of a path with its share,
/// sorted by channel code.
///
/// # Formula
///
/// ```text
/// φ_j(path) = 1 / |C|   for j ∈ C = set of channels of the path, 0 otherwise
/// φ_j       = Σ_S R(S) · 1[j ∈ S] / |S|     (R(S) = conversions with channel set S)
/// ```
///
/// # Examples
///
/// ```
/// use uplift::attribution::{ChannelShare, shapley::channel_shares};
/// let mut s = Vec::new();
/// channel_shares(&[2, 0, 2], &mut s);
/// let half = |channel| ChannelShare { channel, share: 0.5 };
/// assert_eq!(s, vec![half(0), half(2)]);
/// ```
pub fn channel_shares(channels: &[u16], shares: &mut Vec<ChannelShare>) {
    shares.clear();
    shares.extend(channels.iter().map(|&channel| ChannelShare {
        channel,
        share: 0.0,
    }));
    shares.sort_unstable_by_key(|s| s.channel);
    shares.dedup_by_key(|s| s.channel);
    let share = equal_share(shares.len());
    shares.iter_mut().for_each(|s| s.share = share);
}

/// The share of each of `distinct` channels: `1 / distinct`.
pub(crate) fn equal_share(distinct: usize) -> f64 {
    1.0 / distinct as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{GroupedPath, Model, Params, attribute_paths};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn each_conversion_is_split_equally_over_distinct_channels() {
        let shares = |channels: &[u16]| -> Vec<(u16, f64)> {
            let mut s = Vec::new();
            channel_shares(channels, &mut s);
            s.iter().map(|s| (s.channel, s.share)).collect()
        };
        assert_eq!(shares(&[3]), vec![(3, 1.0)]);
        assert_eq!(shares(&[1, 1, 1]), vec![(1, 1.0)]);
        assert_eq!(
            shares(&[0, 1, 0, 2]),
            vec![(0, 1.0 / 3.0), (1, 1.0 / 3.0), (2, 1.0 / 3.0)]
        );
        assert!(shares(&[]).is_empty());
    }

    #[test]
    fn hand_worked_path_set_splits_conversions_and_revenue() {
        // a > b > a (2 conversions, 60), b (1, 10), c > a (1, 40), c (0, 3 nulls).
        // a: 2·½ + 1·½ = 1.5 conv, 60·½ + 40·½ = 50
        // b: 2·½ + 1   = 2   conv, 30 + 10      = 40
        // c: 1·½       = 0.5 conv, 20
        let paths = [
            GroupedPath {
                channels: vec![0, 1, 0],
                conversions: 2,
                revenue: 60.0,
                nulls: 1,
            },
            GroupedPath {
                channels: vec![1],
                conversions: 1,
                revenue: 10.0,
                nulls: 0,
            },
            GroupedPath {
                channels: vec![2, 0],
                conversions: 1,
                revenue: 40.0,
                nulls: 0,
            },
            GroupedPath {
                channels: vec![2],
                conversions: 0,
                revenue: 0.0,
                nulls: 3,
            },
        ];
        let r = attribute_paths(&paths, Model::Shapley, &Params::default()).expect("shapley");
        let got: Vec<(u16, f64, f64)> = r
            .credits
            .iter()
            .map(|c| (c.channel, c.conversions, c.revenue))
            .collect();
        assert_eq!(got, vec![(0, 1.5, 50.0), (1, 2.0, 40.0), (2, 0.5, 20.0)]);
    }

    /// The classical Shapley value of the game v(T) = Σ_{S ⊆ T} R(S), by
    /// enumerating every coalition.
    fn brute_force_shapley(n: usize, r: &[f64]) -> Vec<f64> {
        let v = |t: usize| -> f64 { (1..1usize << n).filter(|s| s & !t == 0).map(|s| r[s]).sum() };
        let fact = |k: usize| -> f64 { (1..=k).map(|i| i as f64).product() };
        (0..n)
            .map(|j| {
                (0..1usize << n)
                    .filter(|t| t & (1 << j) == 0)
                    .map(|t| {
                        let size = t.count_ones() as usize;
                        fact(size) * fact(n - size - 1) / fact(n) * (v(t | (1 << j)) - v(t))
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn the_closed_form_equals_the_shapley_value_of_the_coalition_game() {
        let n = 5;
        let mut rng = ChaCha8Rng::seed_from_u64(2018);
        let mut paths = Vec::new();
        let mut r = vec![0.0; 1 << n];
        for _ in 0..60 {
            let len = rng.random_range(1..6);
            let channels: Vec<u16> = (0..len).map(|_| rng.random_range(0..n as u16)).collect();
            let conversions = rng.random_range(0..5u64);
            let set = channels.iter().fold(0usize, |acc, &c| acc | 1 << c);
            r[set] += conversions as f64;
            paths.push(GroupedPath {
                channels,
                conversions,
                revenue: 0.0,
                nulls: 0,
            });
        }
        let exact = brute_force_shapley(n, &r);
        let result = attribute_paths(&paths, Model::Shapley, &Params::default()).expect("shapley");
        for c in &result.credits {
            let e = exact[usize::from(c.channel)];
            assert!(
                (c.conversions - e).abs() < 1e-9,
                "channel {}: {} vs {e}",
                c.channel,
                c.conversions
            );
        }
        // Efficiency: the values add up to v(N), every conversion.
        let total: f64 = r.iter().sum();
        assert!((exact.iter().sum::<f64>() - total).abs() < 1e-9);
    }
}
