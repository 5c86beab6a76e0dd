//! What a test read every week needs beside its estimate: the pre-period
//! balance of its arms, its status against the planned effect (power, users
//! needed, days to a decision), and placebo (A/A) runs of its control arm.
//!
//! Balance and status are closed forms on the arms' statistics, so both
//! paths give them; placebo runs need the control users' outcomes.

use crate::io::time;
use crate::lift::{ArmStats, HeadlineTest};
use crate::report::{Balance, LiftRow, Placebo, PlanStatus};
use crate::stats::welch::{GroupSummary, welch};
use crate::stats::{finite, placebo, proportion, z_quantile};
use crate::summary::CohortCounts;
use crate::warning::{Warning, WarningCode};
use statrs::distribution::{ContinuousCDF, Normal};

/// p-value below which the arms' pre-period revenue is called imbalanced.
pub const IMBALANCE_P_THRESHOLD: f64 = 0.001;

/// Welch's test of the pre-period revenue `X`, exposed against control.
pub fn balance(e: &ArmStats, c: &ArmStats, confidence: f64) -> Balance {
    let group = |a: &ArmStats| GroupSummary {
        n: a.moments.n,
        mean: a.moments.mean_x,
        var: a.moments.var_x().unwrap_or(0.0),
    };
    let Some(w) = welch(&group(e), &group(c), confidence) else {
        return Balance::default();
    };
    Balance {
        difference: w.estimate.estimate,
        ci_low: w.estimate.ci_low,
        ci_high: w.estimate.ci_high,
        p_value: w.estimate.p_value,
        flag: w
            .estimate
            .p_value
            .is_some_and(|p| p < IMBALANCE_P_THRESHOLD),
    }
}

/// The channel's enrollment rate: its users with a labeled row
/// (contaminated included) per calendar day of its labeled period (UTC
/// dates of its first and last labeled row, inclusive).
pub fn enrollment_rate(cohort: &CohortCounts) -> Option<f64> {
    let span = cohort.labeled_span?;
    let days = time::day_of(span.last) - time::day_of(span.first) + 1;
    let users = cohort.exposed_users + cohort.control_users + cohort.contaminated;
    (days > 0 && users > 0).then(|| users as f64 / f64::from(days))
}

/// Where a row stands against the planned relative effect `mde`.
///
/// # Formula
/// ```text
/// δ = mde · |ȳ_c|,   z = Φ⁻¹((1 + conf)/2),   z_p = Φ⁻¹(target)
/// power        = Φ(δ/se − z) + Φ(−δ/se − z)
/// users_needed = ⌈(z + z_p)² (s_e²/w + s_c²/(1 − w)) / δ²⌉,  w = n_e/(n_e + n_c)
/// days         = ⌈(users_needed − n_e − n_c) / rate⌉   (null when reached)
/// ```
pub fn status(
    test: Option<&HeadlineTest>,
    users: (u64, u64),
    mde: f64,
    confidence: f64,
    target_power: f64,
    rate: Option<f64>,
) -> PlanStatus {
    let mut out = PlanStatus {
        mde,
        ..PlanStatus::default()
    };
    let Some(t) = test else {
        return out;
    };
    let normal = Normal::standard();
    let effect = mde * t.control_mean.abs();
    out.effect = finite(effect);
    let z = z_quantile((1.0 + confidence) / 2.0);
    let power = normal.cdf(effect / t.se - z) + normal.cdf(-effect / t.se - z);
    out.power = finite(power);
    out.reached = power >= target_power;
    let (ne, nc) = users;
    let n = (ne + nc) as f64;
    let w = ne as f64 / n;
    let zp = z_quantile(target_power);
    let needed =
        (z + zp).powi(2) * (t.var_exposed / w + t.var_control / (1.0 - w)) / (effect * effect);
    out.users_needed = finite(needed.ceil())
        .filter(|v| *v < 9.0e18)
        .map(|v| v as u64);
    if !out.reached
        && let (Some(needed), Some(rate)) = (out.users_needed, rate)
    {
        let more = needed.saturating_sub(ne + nc) as f64;
        out.days_to_power = finite((more / rate).ceil()).map(|d| d as u64);
    }
    out
}

/// Placebo runs on the control users' outcomes `y` (`None` with fewer
/// than 4 users).
pub fn placebo(y: &[f64], runs: usize, seed: u64, confidence: f64) -> Option<Placebo> {
    let fp = placebo::false_positives(y, runs, seed, confidence)?;
    let (rate, ci_low, ci_high) = proportion::wilson(fp as u64, runs as u64, confidence)?;
    Some(Placebo {
        runs,
        false_positives: fp,
        rate,
        ci_low,
        ci_high,
        flag: ci_low > 1.0 - confidence,
    })
}

/// One warning naming the rows `flagged` picks, when any.
pub fn warn_rows(
    rows: &[LiftRow],
    code: WarningCode,
    flagged: impl Fn(&LiftRow) -> bool,
    what: &str,
    warnings: &mut Vec<Warning>,
) {
    let names: Vec<String> = rows
        .iter()
        .filter(|r| flagged(r))
        .map(LiftRow::label)
        .collect();
    if !names.is_empty() {
        warnings.push(Warning::new(code, format!("{what}: {}", names.join(", "))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeSpan;

    #[test]
    fn the_rate_counts_labeled_users_over_inclusive_calendar_days() {
        let day = crate::model::MICROS_PER_DAY;
        let cohort = CohortCounts {
            exposed_users: 90,
            control_users: 8,
            contaminated: 2,
            labeled_span: Some(TimeSpan {
                first: 10 * day + 5,
                last: 19 * day + day - 1,
            }),
            ..CohortCounts::default()
        };
        assert_eq!(enrollment_rate(&cohort), Some(10.0));
    }

    #[test]
    fn a_reached_plan_has_no_days_and_an_unreached_one_counts_them() {
        let t = HeadlineTest {
            se: 0.5,
            var_exposed: 25.0,
            var_control: 25.0,
            control_mean: 20.0,
        };
        // δ = 1 = 2 se: power ≈ Φ(2 − 1.96) ≈ 0.516 → not reached.
        let s = status(Some(&t), (100, 100), 0.05, 0.95, 0.8, Some(10.0));
        assert!((s.power.unwrap() - 0.516_005).abs() < 1e-5, "{s:?}");
        assert!(!s.reached);
        // (1.959964 + 0.841621)² · (50 + 50) / 1 = 784.9 → 785 users.
        assert_eq!(s.users_needed, Some(785));
        assert_eq!(s.days_to_power, Some(59));
        let big = status(Some(&t), (100, 100), 0.2, 0.95, 0.8, Some(10.0));
        assert!(big.reached);
        assert_eq!(big.days_to_power, None);
    }

    /// Balance, plan status and the placebo's Wilson interval against the
    /// SciPy / statsmodels reference (testdata/reference/weekly.json).
    mod reference {
        use super::*;
        use crate::lift::Arm;
        use crate::stats::prec::close;
        use serde_json::Value;

        const REL: f64 = 1e-9;

        fn fixture() -> Value {
            serde_json::from_str(include_str!("../../testdata/reference/weekly.json"))
                .expect("the fixture parses")
        }

        fn f(v: &Value, key: &str) -> f64 {
            v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
        }

        fn check(name: &str, got: Option<f64>, want: &Value) {
            match (got, want.as_f64()) {
                (Some(g), Some(w)) => assert!(close(g, w, REL), "{name}: {g} vs {w}"),
                (None, None) => {}
                _ => panic!("{name}: {got:?} vs {want}"),
            }
        }

        fn stats(x: &Value) -> ArmStats {
            let x: Vec<f64> = x
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_f64().expect("a number"))
                .collect();
            let y = vec![0.0; x.len()];
            let converted = vec![false; x.len()];
            ArmStats::of(&Arm {
                x: &x,
                y: &y,
                converted: &converted,
            })
        }

        #[test]
        fn balance_is_scipys_welch_test_of_the_pre_period() {
            let cases = fixture()["balance"].as_array().expect("cases").clone();
            assert!(cases.len() >= 8);
            for case in &cases {
                let name = case["name"].as_str().expect("a name");
                let x = &case["expected"];
                let (e, c) = (stats(&case["x_e"]), stats(&case["x_c"]));
                for ci in x["intervals"].as_array().into_iter().flatten() {
                    let b = balance(&e, &c, f(ci, "confidence"));
                    check(
                        &format!("{name} difference"),
                        b.difference,
                        &x["difference"],
                    );
                    check(&format!("{name} p"), b.p_value, &x["p_value"]);
                    check(&format!("{name} ci_low"), b.ci_low, &ci["ci_low"]);
                    check(&format!("{name} ci_high"), b.ci_high, &ci["ci_high"]);
                    assert_eq!(Some(b.flag), x["flag"].as_bool(), "{name}");
                }
                if x["intervals"].as_array().is_none_or(Vec::is_empty) {
                    let b = balance(&e, &c, 0.95);
                    check(&format!("{name} p"), b.p_value, &x["p_value"]);
                    assert!(!b.flag, "{name}");
                }
            }
        }

        #[test]
        fn the_plan_is_the_reference_power_and_sample_size() {
            for case in fixture()["plan"].as_array().expect("cases") {
                let name = case["name"].as_str().expect("a name");
                let x = &case["expected"];
                let test = HeadlineTest {
                    se: f(case, "se"),
                    var_exposed: f(case, "var_e"),
                    var_control: f(case, "var_c"),
                    control_mean: f(case, "mean_c"),
                };
                let s = status(
                    Some(&test),
                    (f(case, "n_e") as u64, f(case, "n_c") as u64),
                    f(case, "mde"),
                    f(case, "confidence"),
                    f(case, "target_power"),
                    Some(f(case, "labeled_users") / f(case, "labeled_days")),
                );
                check(&format!("{name} effect"), s.effect, &x["effect"]);
                check(&format!("{name} power"), s.power, &x["power"]);
                assert_eq!(s.users_needed, x["users_needed"].as_u64(), "{name}");
                assert_eq!(Some(s.reached), x["reached"].as_bool(), "{name}");
                assert_eq!(s.days_to_power, x["days_to_power"].as_u64(), "{name}");
            }
        }

        #[test]
        fn the_placebo_interval_is_statsmodels_wilson_interval() {
            for case in fixture()["wilson"].as_array().expect("cases") {
                let name = case["name"].as_str().expect("a name");
                let x = &case["expected"];
                let (rate, lo, hi) = proportion::wilson(
                    f(case, "false_positives") as u64,
                    f(case, "runs") as u64,
                    f(case, "confidence"),
                )
                .expect("an interval");
                // statsmodels leaves 1e-18 where the bound is 0.
                for (what, g, w) in [
                    ("rate", rate, f(x, "rate")),
                    ("ci_low", lo, f(x, "ci_low")),
                    ("ci_high", hi, f(x, "ci_high")),
                ] {
                    assert!(
                        close(g, w, REL) || (g - w).abs() < 1e-15,
                        "{name} {what}: {g} vs {w}"
                    );
                }
                assert_eq!(Some(lo > f(x, "alpha")), x["flag"].as_bool(), "{name}");
            }
        }
    }
}
