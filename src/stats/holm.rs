//! Holm's step-down adjustment for multiple comparisons (Holm 1979).

/// Holm-adjusted p-values, in the order of the input.
///
/// # Formula
/// ```text
/// sort ascending: p_(0) ≤ … ≤ p_(m−1)
/// p'_(i) = max_{j ≤ i} min(1, (m − j) · p_(j))
/// ```
///
/// # Examples
/// ```
/// let adj = uplift::stats::holm::holm(&[0.01, 0.04, 0.03]);
/// assert_eq!(adj, vec![0.03, 0.06, 0.06]);
/// ```
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    // N.B. a stable sort keeps equal p-values in input order, so ties are
    // adjusted the same way on every run.
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running = 0.0_f64;
    for (i, &idx) in order.iter().enumerate() {
        let adj = ((m - i) as f64 * p[idx]).min(1.0);
        running = running.max(adj);
        out[idx] = running;
    }
    out
}
