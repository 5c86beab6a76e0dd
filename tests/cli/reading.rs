//! Reading a test every week: `--sequential`, the plan's status, the
//! pre-period balance and `--fail-on imbalance`, placebo runs — on the
//! shipped example, checked against numbers computed here from the report's
//! own fixed-horizon figures and from the input files.

use crate::util::{SIM_INPUTS, assert_close, f, json, uplift};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;

/// `uplift run` on testdata/sim at the 30-day window, JSON, with `extra`.
fn sim(extra: &[&str]) -> Value {
    let mut args = vec!["run"];
    args.extend_from_slice(SIM_INPUTS);
    args.extend(["--window", "30", "--format", "json"]);
    args.extend_from_slice(extra);
    json(&args)
}

/// The all-users rows of a report, by channel.
fn overall(r: &Value) -> BTreeMap<String, Value> {
    r["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["segment"].is_null())
        .map(|row| (row["channel"].as_str().unwrap().to_string(), row.clone()))
        .collect()
}

/// Φ⁻¹(0.975).
const Z975: f64 = 1.959_963_984_540_054;

/// The confidence sequence's half-width for standard error `se` at 95%,
/// tuning 5000, `n` users (the contract's formula, written out again).
fn sequence_half_width(se: f64, n: f64) -> f64 {
    let alpha: f64 = 0.05;
    let l = -2.0 * alpha.ln();
    let rho2 = (l + (l + 1.0).ln()) / 5000.0;
    let v = n * rho2 + 1.0;
    se * n.sqrt() * (2.0 * v / (n * n * rho2) * (v.sqrt() / alpha).ln()).sqrt()
}

#[test]
fn sequential_reading_widens_every_interval_by_the_confidence_sequence() {
    let fixed = sim(&[]);
    let seq = sim(&["--sequential"]);
    assert_eq!(seq["config"]["sequential"], true);
    assert_eq!(f(&seq, "/config/sequential_tuning"), 5000.0);
    let (fixed, seq) = (overall(&fixed), overall(&seq));
    assert_eq!(fixed.len(), 6);
    for (ch, s) in &seq {
        let x = &fixed[ch];
        let n = f(s, "/exposed/users") + f(s, "/control/users");
        // The conversion-rate lift's fixed interval is estimate ± z·se:
        // its se, widened by the sequence, gives the sequential interval.
        let half =
            (f(x, "/conversion_rate_lift/ci_high") - f(x, "/conversion_rate_lift/ci_low")) / 2.0;
        let want = sequence_half_width(half / Z975, n);
        let est = f(x, "/conversion_rate_lift/estimate");
        assert_close(f(s, "/conversion_rate_lift/estimate"), est);
        assert_close(f(s, "/conversion_rate_lift/ci_low"), est - want);
        assert_close(f(s, "/conversion_rate_lift/ci_high"), est + want);
        // Every interval of the row is wider, around the same estimate, and
        // every p-value larger (always valid).
        for key in [
            "revenue_per_user_lift",
            "revenue_per_user_lift_raw",
            "relative_lift",
            "incremental_revenue",
            "incremental_conversions",
            "iroas",
        ] {
            let width =
                |r: &Value| f(r, &format!("/{key}/ci_high")) - f(r, &format!("/{key}/ci_low"));
            assert!(width(s) > width(x), "{ch} {key}");
            assert_close(
                f(s, &format!("/{key}/estimate")),
                f(x, &format!("/{key}/estimate")),
            );
        }
        assert!(
            f(s, "/revenue_per_user_lift/p_value") >= f(x, "/revenue_per_user_lift/p_value"),
            "{ch}"
        );
        // The balance stays fixed-horizon.
        assert_eq!(s["balance"], x["balance"], "{ch}");
    }
}

/// Per channel of the exposures file: users with a labeled row (exposed or
/// control, contaminated included) and the UTC dates of its first and last
/// labeled row, as day numbers.
fn enrollment(path: &str) -> BTreeMap<String, (usize, i64, i64)> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut users: BTreeMap<String, (std::collections::BTreeSet<String>, String, String)> =
        BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if !["exposed", "control"].contains(&cells[3]) {
            continue;
        }
        let date = cells[2][..10].to_string();
        let e = users
            .entry(cells[1].to_string())
            .or_insert_with(|| (Default::default(), date.clone(), date.clone()));
        e.0.insert(cells[0].to_string());
        e.1 = e.1.clone().min(date.clone());
        e.2 = e.2.clone().max(date);
    }
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .signed_duration_since(chrono::NaiveDate::default())
            .num_days()
    };
    users
        .into_iter()
        .map(|(ch, (u, first, last))| (ch, (u.len(), day(&first), day(&last))))
        .collect()
}

#[test]
fn the_plan_counts_days_at_each_channels_enrollment_rate() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("uplift.toml");
    let sim_cfg = std::fs::read_to_string("testdata/sim/uplift.toml").unwrap();
    std::fs::write(
        &cfg,
        format!(
            "{sim_cfg}\n[plan]\nmde = 0.05\ntarget_power = 0.8\n\n[plan.channels]\nemail = 0.25\n"
        ),
    )
    .unwrap();
    let mut args = vec!["run"];
    args.extend_from_slice(SIM_INPUTS);
    let at = args
        .iter()
        .position(|a| *a == "testdata/sim/uplift.toml")
        .unwrap();
    let cfg = cfg.to_str().unwrap();
    args[at] = cfg;
    args.extend(["--window", "30", "--format", "json"]);
    let r = json(&args);
    assert_eq!(f(&r, "/config/plan/mde"), 0.05);
    assert_eq!(f(&r, "/config/plan/channels/email"), 0.25);
    let enrolled = enrollment("testdata/sim/exposures.csv.gz");
    for (ch, row) in overall(&r) {
        let s = &row["status"];
        let mde = if ch == "email" { 0.25 } else { 0.05 };
        assert_eq!(f(s, "/mde"), mde, "{ch}");
        assert_close(
            f(s, "/effect"),
            mde * f(&row, "/control/revenue_per_user").abs(),
        );
        let (n_e, n_c) = (f(&row, "/exposed/users"), f(&row, "/control/users"));
        let power = f(s, "/power");
        assert_eq!(s["reached"].as_bool().unwrap(), power >= 0.8, "{ch}");
        let (users, first, last) = enrolled[&ch];
        let rate = users as f64 / (last - first + 1) as f64;
        match s["days_to_power"].as_u64() {
            Some(days) => {
                let more = f(s, "/users_needed") - n_e - n_c;
                assert_eq!(days as f64, (more / rate).ceil(), "{ch}");
            }
            None => assert!(power >= 0.8, "{ch}"),
        }
    }
    // email's larger planned effect needs fewer users than a 5% one would.
    let five = overall(&sim(&["--mde", "0.05"]));
    let email = &overall(&r)["email"];
    assert!(f(email, "/status/users_needed") < f(&five["email"], "/status/users_needed"));
    // Without a planned effect there is no status.
    assert!(
        overall(&sim(&[]))
            .values()
            .all(|row| row["status"].is_null())
    );
}

#[test]
fn an_imbalanced_row_is_warned_about_and_fails_fail_on_imbalance() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("r.json");
    let mut args = vec!["run"];
    args.extend_from_slice(SIM_INPUTS);
    let out_str = out_path.to_str().unwrap();
    args.extend([
        "--window",
        "30",
        "--format",
        "json",
        "--fail-on",
        "imbalance",
        "-o",
        out_str,
    ]);
    let out = uplift().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The shipped example's affiliate high-value users differed before the
    // test (p < 0.001): the report is still written.
    assert!(
        stderr.contains("pre-period imbalance for affiliate (30 days, segment high_value)"),
        "{stderr}"
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let flagged: Vec<&Value> = r["lift"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["balance"]["flag"] == true)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert!(f(flagged[0], "/balance/p_value") < 0.001);
    assert!(f(flagged[0], "/balance/ci_high") < 0.0);
    let warning = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "pre_period_imbalance")
        .expect("the warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("affiliate (30 days, segment high_value)")
    );
    // The same run without the check exits 0.
    let mut plain = vec!["run"];
    plain.extend_from_slice(SIM_INPUTS);
    plain.extend(["--window", "30", "--format", "json"]);
    uplift().args(&plain).assert().code(0);
}

#[test]
fn placebo_runs_are_the_same_on_any_number_of_threads_and_differ_by_seed() {
    let run = |threads: &str, seed: &str| {
        let mut args = vec!["run"];
        args.extend_from_slice(SIM_INPUTS);
        args.extend([
            "--window",
            "30",
            "--format",
            "json",
            "--placebo",
            "300",
            "--seed",
            seed,
        ]);
        let out = uplift()
            .args(&args)
            .env("RAYON_NUM_THREADS", threads)
            .env("POLARS_MAX_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    let one = run("1", "5");
    assert!(one == run("3", "5"), "1 and 3 threads differ");
    let r: Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(r["config"]["placebo"], 300);
    let other: Value = serde_json::from_slice(&run("2", "6")).unwrap();
    let (rows, others) = (overall(&r), overall(&other));
    let mut differ = 0;
    for (ch, row) in &rows {
        let p = &row["placebo"];
        let fp = f(p, "/false_positives");
        assert_eq!(f(p, "/runs"), 300.0);
        assert_close(f(p, "/rate"), fp / 300.0);
        assert!(f(p, "/ci_low") <= f(p, "/rate") && f(p, "/rate") <= f(p, "/ci_high"));
        // Honest intervals on these data: about 5% of A/A splits are
        // "significant" (300 runs: 2% to 9% covers it by far).
        assert!((6.0..=27.0).contains(&fp), "{ch}: {fp} of 300");
        assert_eq!(p["flag"], f(p, "/ci_low") > 0.05);
        differ += usize::from(p != &others[ch]["placebo"]);
    }
    assert!(differ >= 4, "another seed changed only {differ} rows");
    // Segment rows have none.
    assert!(
        r["lift"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| !row["segment"].is_null())
            .all(|row| row["placebo"].is_null())
    );
}
