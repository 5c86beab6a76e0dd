//! Compensated summation for money totals.
//!
//! Neumaier's variant of Kahan summation: the error of a sum of n terms stays
//! O(ε) instead of O(nε), so totals over millions of orders add up to the cent.

/// A running Neumaier sum.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    /// Adds one term.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // The larger in magnitude first (a select, not a branch).
        let (big, small) = if self.sum.abs() >= x.abs() {
            (self.sum, x)
        } else {
            (x, self.sum)
        };
        self.compensation += (big - t) + small;
        self.sum = t;
    }

    /// Adds another running sum (of the terms that follow this one's).
    pub fn merge(&mut self, other: &NeumaierSum) {
        self.add(other.sum);
        self.compensation += other.compensation;
    }

    /// The compensated total.
    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Compensated sum of a slice.
///
/// # Examples
/// ```
/// let v = vec![0.1; 10];
/// assert_eq!(uplift::stats::sum::sum(&v), 1.0);
/// ```
pub fn sum(values: &[f64]) -> f64 {
    let mut s = NeumaierSum::default();
    values.iter().for_each(|&v| s.add(v));
    s.value()
}

impl FromIterator<f64> for NeumaierSum {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut s = NeumaierSum::default();
        iter.into_iter().for_each(|v| s.add(v));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_recovers_cancelled_terms() {
        // Naive summation gives 0.0 here; the exact sum is 2.
        let v = [1.0, 1e100, 1.0, -1e100];
        assert_eq!(sum(&v), 2.0);
    }

    #[test]
    fn a_million_cents_add_up_to_ten_thousand() {
        let v = vec![0.01; 1_000_000];
        assert!((sum(&v) - 10_000.0).abs() < 1e-9);
    }
}
