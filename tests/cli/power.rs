//! `uplift power` against closed-form values.

use crate::util::{f, json};

#[test]
fn sample_size_for_a_revenue_lift_matches_the_normal_formula() {
    // N = (1.959964 + 0.841621)^2 · 10^2 · (1/0.5 + 1/0.5) / 1^2 = 3139.6 → 3140
    let r = json(&[
        "power", "--metric", "revenue", "--sd", "10", "--mde", "1", "--format", "json",
    ]);
    assert_eq!(r["users"], 3140);
    assert_eq!(r["control_users"], 1570);
}

#[test]
fn mde_for_a_conversion_test_is_reported() {
    let r = json(&[
        "power",
        "--metric",
        "conversion",
        "--rate",
        "0.04",
        "--users",
        "100000",
        "--control-share",
        "0.2",
        "--format",
        "json",
    ]);
    let mde = f(&r, "/mde");
    // δ solves N = (z_.975 + z_.8)² · (p_e(1−p_e)/0.8 + p_c(1−p_c)/0.2) / δ², p_e = p_c + δ.
    let z: f64 = 1.959_963_984_540_054 + 0.841_621_233_572_914_3;
    let pe = 0.04 + mde;
    let n = z * z * (pe * (1.0 - pe) / 0.8 + 0.04 * 0.96 / 0.2) / (mde * mde);
    assert!((n - 100_000.0).abs() < 1e-3, "{mde} → {n}");
    assert!((mde - 0.004_385).abs() < 1e-5, "{mde}");
}
