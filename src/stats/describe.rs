//! Means, sample variances and covariance of paired observations.
//!
//! Computed in two passes (mean first, then squared deviations), which is
//! numerically stable; `merge` combines two groups exactly (Chan, Golub and
//! LeVeque 1979), so that pooled moments need no second look at the data.

/// Moments of paired observations `(x, y)`: the count, both means and the
/// sums of squared deviations and cross-products about the means.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiMoments {
    /// Number of pairs.
    pub n: usize,
    /// Mean of x.
    pub mean_x: f64,
    /// Mean of y.
    pub mean_y: f64,
    /// Σ (x − x̄)².
    pub m2_x: f64,
    /// Σ (y − ȳ)².
    pub m2_y: f64,
    /// Σ (x − x̄)(y − ȳ).
    pub c_xy: f64,
}

impl BiMoments {
    /// Moments of the pairs `(x[i], y[i])`.
    ///
    /// # Panics
    /// When the slices differ in length (a programming error, never data).
    pub fn from_slices(x: &[f64], y: &[f64]) -> Self {
        assert_eq!(x.len(), y.len(), "invariant: paired slices");
        let n = x.len();
        if n == 0 {
            return Self::default();
        }
        let nf = n as f64;
        let mean_x = super::sum::sum(x) / nf;
        let mean_y = super::sum::sum(y) / nf;
        let (mut m2_x, mut m2_y, mut c_xy) = (0.0, 0.0, 0.0);
        let (mut s_x, mut s_y) = (0.0, 0.0);
        for (&a, &b) in x.iter().zip(y) {
            let (dx, dy) = (a - mean_x, b - mean_y);
            m2_x += dx * dx;
            m2_y += dy * dy;
            c_xy += dx * dy;
            s_x += dx;
            s_y += dy;
        }
        // The corrected two-pass algorithm (Chan, Golub and LeVeque 1983):
        // subtracting (Σd)²/n removes the error of the rounded mean, so that
        // constant data has exactly zero variance.
        m2_x = (m2_x - s_x * s_x / nf).max(0.0);
        m2_y = (m2_y - s_y * s_y / nf).max(0.0);
        c_xy -= s_x * s_y / nf;
        // What is left below the rounding of the mean itself is noise.
        let floor = |mean: f64| nf * (16.0 * f64::EPSILON * mean).powi(2);
        if m2_x <= floor(mean_x) {
            m2_x = 0.0;
            c_xy = 0.0;
        }
        if m2_y <= floor(mean_y) {
            m2_y = 0.0;
            c_xy = 0.0;
        }
        Self {
            n,
            mean_x,
            mean_y,
            m2_x,
            m2_y,
            c_xy,
        }
    }

    /// Moments of the union of two groups.
    ///
    /// # Formula
    /// ```text
    /// n = n_a + n_b,  δx = x̄_b − x̄_a,  δy = ȳ_b − ȳ_a
    /// M2x = M2x_a + M2x_b + δx² n_a n_b / n
    /// Cxy = Cxy_a + Cxy_b + δx δy n_a n_b / n
    /// ```
    pub fn merge(&self, other: &Self) -> Self {
        if self.n == 0 {
            return *other;
        }
        if other.n == 0 {
            return *self;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let dx = other.mean_x - self.mean_x;
        let dy = other.mean_y - self.mean_y;
        let w = na * nb / n;
        Self {
            n: self.n + other.n,
            mean_x: self.mean_x + dx * nb / n,
            mean_y: self.mean_y + dy * nb / n,
            m2_x: self.m2_x + other.m2_x + dx * dx * w,
            m2_y: self.m2_y + other.m2_y + dy * dy * w,
            c_xy: self.c_xy + other.c_xy + dx * dy * w,
        }
    }

    /// Sample variance of x (n − 1 denominator); `None` when n < 2.
    pub fn var_x(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2_x / (self.n - 1) as f64)
    }

    /// Sample variance of y (n − 1 denominator); `None` when n < 2.
    pub fn var_y(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2_y / (self.n - 1) as f64)
    }

    /// Sample covariance of x and y (n − 1 denominator); `None` when n < 2.
    pub fn cov_xy(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.c_xy / (self.n - 1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{ARITH_REL, close};

    #[test]
    fn moments_match_the_textbook_definitions() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [2.0, 4.0, 5.0, 9.0];
        let m = BiMoments::from_slices(&x, &y);
        assert_eq!(m.n, 4);
        assert!(close(m.mean_x, 2.5, ARITH_REL));
        assert!(close(m.mean_y, 5.0, ARITH_REL));
        // var(x) = 5/3; var(y) = (9+1+0+16)/3 = 26/3; cov = (4.5+0.5+0+6)/3 = 11/3
        assert!(close(m.var_x().unwrap(), 5.0 / 3.0, ARITH_REL));
        assert!(close(m.var_y().unwrap(), 26.0 / 3.0, ARITH_REL));
        assert!(close(m.cov_xy().unwrap(), 11.0 / 3.0, ARITH_REL));
    }

    #[test]
    fn merging_two_groups_equals_computing_on_the_union() {
        let x = [1.0, 7.0, 3.0, 4.0, 10.0, -2.0, 0.5];
        let y = [2.0, 4.0, 5.0, 9.0, 1.0, 3.0, 8.0];
        let whole = BiMoments::from_slices(&x, &y);
        let merged = BiMoments::from_slices(&x[..3], &y[..3])
            .merge(&BiMoments::from_slices(&x[3..], &y[3..]));
        assert_eq!(merged.n, whole.n);
        for (a, b) in [
            (merged.mean_x, whole.mean_x),
            (merged.mean_y, whole.mean_y),
            (merged.m2_x, whole.m2_x),
            (merged.m2_y, whole.m2_y),
            (merged.c_xy, whole.c_xy),
        ] {
            assert!(close(a, b, ARITH_REL), "{a} vs {b}");
        }
    }

    #[test]
    fn constant_data_has_exactly_zero_variance_at_any_scale() {
        for k in [1.0, 0.1, 3.7e-5, 1234.567, 1e12] {
            let v = vec![0.1 * k; 7];
            let m = BiMoments::from_slices(&v, &v);
            assert_eq!(m.m2_x, 0.0, "{k}");
            assert_eq!(m.c_xy, 0.0, "{k}");
        }
    }

    #[test]
    fn variance_is_undefined_below_two_observations() {
        let m = BiMoments::from_slices(&[3.0], &[4.0]);
        assert_eq!(m.var_y(), None);
        assert_eq!(BiMoments::default().merge(&m), m);
    }
}
