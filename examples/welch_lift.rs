//! The lift of one channel from per-user outcomes, with and without CUPED.
//!
//! `cargo run --example welch_lift`

use uplift::lift::{Arm, LiftSettings, estimate};

fn main() {
    // Pre-period revenue X and window revenue Y per user.
    let x_e = [10.0, 0.0, 25.0, 5.0, 40.0, 0.0, 15.0, 30.0];
    let y_e = [14.0, 3.0, 31.0, 9.0, 47.0, 0.0, 22.0, 35.0];
    let x_c = [12.0, 0.0, 20.0, 8.0, 35.0, 2.0, 18.0, 28.0];
    let y_c = [11.0, 0.0, 22.0, 7.0, 39.0, 1.0, 17.0, 29.0];
    let conv = |y: &[f64]| y.iter().map(|v| *v > 0.0).collect::<Vec<_>>();
    let (ce, cc) = (conv(&y_e), conv(&y_c));
    let e = Arm {
        x: &x_e,
        y: &y_e,
        converted: &ce,
    };
    let c = Arm {
        x: &x_c,
        y: &y_c,
        converted: &cc,
    };
    for cuped in [false, true] {
        let s = LiftSettings {
            confidence: 0.95,
            cuped,
            bootstrap: None,
            sequential: None,
        };
        let r = estimate(&e, &c, &s);
        let l = r.revenue_per_user_lift;
        println!(
            "cuped={cuped}: lift/user {:.3} [{:.3}, {:.3}], p = {:.4}",
            l.estimate.unwrap_or(f64::NAN),
            l.ci_low.unwrap_or(f64::NAN),
            l.ci_high.unwrap_or(f64::NAN),
            l.p_value.unwrap_or(f64::NAN)
        );
    }
}
