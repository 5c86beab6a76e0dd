//! Rows → the lift's sufficient statistics: per (channel, window, segment),
//! the moments of both arms' mature users, in one pass over each channel's
//! cohort members (channels side by side).

use super::cohort::{self, ArmOutcomes, ChannelCohort, OrderIndex};
use crate::lift::{Arm, ArmStats};
use crate::model::{Dataset, Micros, Window};
use crate::stats::bootstrap::quantile_unsorted;
use crate::stats::describe::BiMoments;
use crate::summary::{
    Bounds, CellCaps, CohortCounts, LiftCell, LiftCellOutcomes, Outcomes, ProfitArms, capped,
};

/// What the cells measure beyond revenue: the profit outcome and the caps.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure<'a> {
    /// Each order's profit (parallel to the orders), when profit is on.
    pub profit: Option<&'a [f64]>,
    /// Upper capping quantile.
    pub cap: Option<f64>,
    /// Lower capping quantile.
    pub cap_lower: Option<f64>,
}

impl Measure<'_> {
    fn capping(&self) -> bool {
        self.cap.is_some() || self.cap_lower.is_some()
    }
}

/// The counts of every channel's cohorts, in channel-code order.
pub fn counts(cohorts: &[ChannelCohort]) -> Vec<CohortCounts> {
    cohorts
        .iter()
        .map(|c| CohortCounts {
            channel: c.channel,
            exposed_users: c.exposed.len() as u64,
            control_users: c.control.len() as u64,
            contaminated: c.contaminated.len() as u64,
            exposed_all: c.exposed_all,
            exposed_span: c.exposed_span,
            labeled_span: c.labeled_span,
        })
        .collect()
}

/// Which users' outcomes the cells keep, for what needs the users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// None (no bootstrap, no placebo runs).
    Nothing,
    /// The control arm's `Y` of the all-users cells (placebo runs); the
    /// other outcomes are left empty.
    ControlOutcomes,
    /// Every cell's users, both arms (the bootstrap).
    Everything,
}

impl Keep {
    /// What the bootstrap and the placebo runs of `s` need.
    pub fn for_run(bootstrap: bool, placebo: bool) -> Self {
        match (bootstrap, placebo) {
            (true, _) => Self::Everything,
            (false, true) => Self::ControlOutcomes,
            (false, false) => Self::Nothing,
        }
    }
}

/// The cells of every channel with users in its test (grouped by channel
/// in code order; per channel by window, then all users before each
/// segment), and the users' outcomes of each cell as `keep` says.
pub fn cells(
    data: &Dataset,
    cohorts: &[ChannelCohort],
    windows: &[Window],
    as_of: Micros,
    keep: Keep,
    measure: &Measure<'_>,
) -> (Vec<LiftCell>, Option<Vec<LiftCellOutcomes>>) {
    use rayon::prelude::*;
    let index = OrderIndex::new(&data.orders, data.users.len());
    let per_channel: Vec<(Vec<LiftCell>, Vec<LiftCellOutcomes>)> = cohorts
        .par_iter()
        .map(|c| channel_cells(data, &index, c, windows, as_of, keep, measure))
        .collect();
    let mut cells = Vec::new();
    let mut users = Vec::new();
    for (c, u) in per_channel {
        cells.extend(c);
        users.extend(u);
    }
    (cells, (keep != Keep::Nothing).then_some(users))
}

fn channel_cells(
    data: &Dataset,
    index: &OrderIndex,
    c: &ChannelCohort,
    windows: &[Window],
    as_of: Micros,
    keep: Keep,
    measure: &Measure<'_>,
) -> (Vec<LiftCell>, Vec<LiftCellOutcomes>) {
    let mut cells = Vec::new();
    let mut users = Vec::new();
    if c.exposed.is_empty() && c.control.is_empty() && c.contaminated.is_empty() {
        return (cells, users);
    }
    let profit = measure.profit;
    let exp = cohort::outcomes(&c.exposed, &data.orders, profit, index, windows, as_of);
    let ctl = cohort::outcomes(&c.control, &data.orders, profit, index, windows, as_of);
    let n_segments = data.segments.len();
    let segments: Vec<Option<u16>> = std::iter::once(None)
        .chain((0..n_segments).map(|s| Some(s as u16)))
        .collect();
    for (k, &w) in windows.iter().enumerate() {
        let caps = measure
            .capping()
            .then(|| caps_of(&exp[k], &ctl[k], measure, profit.is_some()));
        let exp_by_segment = split_by_segment(&exp[k], &data.user_segment, n_segments);
        let ctl_by_segment = split_by_segment(&ctl[k], &data.user_segment, n_segments);
        for &seg in &segments {
            let in_seg = |u: u32| {
                seg.is_none() || data.user_segment.get(u as usize).copied().flatten() == seg
            };
            let (e, k_arm) = match seg {
                None => (&exp[k], &ctl[k]),
                Some(i) => (
                    &exp_by_segment[usize::from(i)],
                    &ctl_by_segment[usize::from(i)],
                ),
            };
            if seg.is_some()
                && e.user.is_empty()
                && k_arm.user.is_empty()
                && e.immature_users.is_empty()
                && k_arm.immature_users.is_empty()
            {
                continue;
            }
            let on = profit.is_some();
            let (es, cs) = (
                arm_stats(e, caps.as_ref(), on),
                arm_stats(k_arm, caps.as_ref(), on),
            );
            cells.push(LiftCell {
                channel: c.channel,
                window: w,
                segment: seg.map(|i| data.segments[usize::from(i)].clone()),
                exposed: es.revenue,
                control: cs.revenue,
                immature: (e.immature_users.len() + k_arm.immature_users.len()) as u64,
                contaminated: c.contaminated.iter().filter(|&&u| in_seg(u)).count() as u64,
                profit: es
                    .profit
                    .zip(cs.profit)
                    .map(|(exposed, control)| ProfitArms { exposed, control }),
                capping: caps.map(|caps| CellCaps {
                    users_capped: es.capped + cs.capped,
                    users_capped_profit: es.capped_profit.zip(cs.capped_profit).map(|(a, b)| a + b),
                    ..caps
                }),
            });
            match (keep, seg) {
                (Keep::Nothing, _) => {}
                (Keep::Everything, _) => users.push(LiftCellOutcomes {
                    exposed: arm(e, caps.as_ref()),
                    control: arm(k_arm, caps.as_ref()),
                }),
                (Keep::ControlOutcomes, None) => users.push(LiftCellOutcomes {
                    control: Outcomes {
                        y: clip(&k_arm.y, caps.map(|c| c.revenue)),
                        ..Outcomes::default()
                    },
                    ..LiftCellOutcomes::default()
                }),
                (Keep::ControlOutcomes, Some(_)) => users.push(LiftCellOutcomes::default()),
            }
        }
    }
    (cells, users)
}

/// The caps of one (channel, window): each outcome's quantiles over the
/// users of both arms (every segment), the users' counts left at zero.
fn caps_of(e: &ArmOutcomes, c: &ArmOutcomes, m: &Measure<'_>, profit: bool) -> CellCaps {
    let mut pool = Vec::with_capacity(e.y.len() + c.y.len());
    let mut bounds = |a: &[f64], b: &[f64]| {
        pool.clear();
        pool.extend_from_slice(a);
        pool.extend_from_slice(b);
        Bounds {
            lower: m.cap_lower.and_then(|q| quantile_unsorted(&mut pool, q)),
            upper: m.cap.and_then(|q| quantile_unsorted(&mut pool, q)),
        }
    };
    CellCaps {
        revenue: bounds(&e.y, &c.y),
        pre_period: bounds(&e.x, &c.x),
        profit: profit.then(|| bounds(&e.yp, &c.yp)),
        profit_pre_period: profit.then(|| bounds(&e.xp, &c.xp)),
        users_capped: 0,
        users_capped_profit: None,
    }
}

/// One arm's statistics: revenue (and profit when on), capped by `caps`.
struct Stats {
    revenue: ArmStats,
    profit: Option<ArmStats>,
    /// Users whose `Y` the caps changed.
    capped: u64,
    /// Users whose `Yπ` the caps changed (profit on).
    capped_profit: Option<u64>,
}

/// The moments of `(x, y)` clipped to the bounds (the sum of `y` stays
/// uncapped: it is the arm's total), and how many `y` the clipping changed.
fn stats_of(
    x: &[f64],
    y: &[f64],
    converted: &[bool],
    caps: Option<(Bounds, Bounds)>,
) -> (ArmStats, u64) {
    let raw = ArmStats::of(&Arm { x, y, converted });
    let Some((bx, by)) = caps else {
        return (raw, 0);
    };
    let cx: Vec<f64> = x.iter().map(|&v| bx.clip(v)).collect();
    let cy: Vec<f64> = y.iter().map(|&v| by.clip(v)).collect();
    let capped = y.iter().zip(&cy).filter(|(a, b)| capped(**a, **b)).count() as u64;
    (
        ArmStats {
            moments: BiMoments::from_slices(&cx, &cy),
            ..raw
        },
        capped,
    )
}

fn arm_stats(o: &ArmOutcomes, caps: Option<&CellCaps>, profit: bool) -> Stats {
    let (revenue, capped) = stats_of(
        &o.x,
        &o.y,
        &o.converted,
        caps.map(|c| (c.pre_period, c.revenue)),
    );
    let profit = profit.then(|| {
        stats_of(
            &o.xp,
            &o.yp,
            &o.converted,
            caps.and_then(|c| c.profit_pre_period.zip(c.profit)),
        )
    });
    Stats {
        revenue,
        capped,
        capped_profit: profit.map(|(_, n)| n),
        profit: profit.map(|(s, _)| s),
    }
}

/// `v` clipped to `b` (a copy).
fn clip(v: &[f64], b: Option<Bounds>) -> Vec<f64> {
    match b {
        Some(b) => v.iter().map(|&x| b.clip(x)).collect(),
        None => v.to_vec(),
    }
}

/// The outcomes of an arm's mature users (clipped by `caps`), for what
/// needs the users (the bootstrap).
fn arm(o: &ArmOutcomes, caps: Option<&CellCaps>) -> Outcomes {
    Outcomes {
        x: clip(&o.x, caps.map(|c| c.pre_period)),
        y: clip(&o.y, caps.map(|c| c.revenue)),
        converted: o.converted.clone(),
    }
}

/// The outcomes of `arm` split by the segment of each user: one
/// [`ArmOutcomes`] per segment, in user order (users without a segment are
/// in none).
fn split_by_segment(arm: &ArmOutcomes, user_segment: &[Option<u16>], n: usize) -> Vec<ArmOutcomes> {
    let segment_of = |u: u32| {
        user_segment
            .get(u as usize)
            .copied()
            .flatten()
            .map(usize::from)
    };
    let mut out = vec![ArmOutcomes::default(); n];
    for i in 0..arm.user.len() {
        if let Some(o) = segment_of(arm.user[i]).and_then(|s| out.get_mut(s)) {
            o.user.push(arm.user[i]);
            o.x.push(arm.x[i]);
            o.y.push(arm.y[i]);
            o.converted.push(arm.converted[i]);
            if let (Some(&xp), Some(&yp)) = (arm.xp.get(i), arm.yp.get(i)) {
                o.xp.push(xp);
                o.yp.push(yp);
            }
        }
    }
    for &u in &arm.immature_users {
        if let Some(o) = segment_of(u).and_then(|s| out.get_mut(s)) {
            o.immature_users.push(u);
        }
    }
    out
}

/// The caps, the clipped moments and the lift of every case of
/// testdata/reference/profit_capping.json (numpy, from the contract's
/// formulas; SciPy for the Welch tests).
#[cfg(test)]
mod reference {
    use super::*;
    use crate::lift::{LiftSettings, estimate_profit, estimate_stats};
    use crate::stats::Estimate;
    use crate::stats::prec::{ARITH_REL, DIST_REL, close};
    use serde_json::Value;

    fn fixture() -> Value {
        serde_json::from_str(include_str!("../../testdata/reference/profit_capping.json"))
            .expect("the fixture parses")
    }

    fn floats(v: &Value) -> Vec<f64> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|x| x.as_f64().expect("a number"))
            .collect()
    }

    fn check(name: &str, got: Option<f64>, want: &Value, rel: f64) {
        match (got, want.as_f64()) {
            (Some(g), Some(w)) => assert!(close(g, w, rel), "{name}: {g} vs {w}"),
            (None, None) => {}
            _ => panic!("{name}: {got:?} vs {want}"),
        }
    }

    fn check_estimate(name: &str, got: &Estimate, want: &Value) {
        for (field, g) in [
            ("estimate", got.estimate),
            ("ci_low", got.ci_low),
            ("ci_high", got.ci_high),
            ("p_value", got.p_value),
        ] {
            if let Some(w) = want.get(field) {
                check(&format!("{name} {field}"), g, w, DIST_REL);
            }
        }
    }

    #[test]
    fn quantiles_by_selection_equal_numpy() {
        for case in fixture()["quantiles"].as_array().expect("cases") {
            let name = case["name"].as_str().unwrap_or("?");
            let values = floats(&case["values"]);
            let values: Vec<f64> = match case["counts"].as_array() {
                Some(counts) => values
                    .iter()
                    .zip(counts)
                    .flat_map(|(&v, n)| std::iter::repeat_n(v, n.as_u64().unwrap_or(0) as usize))
                    .collect(),
                None => values,
            };
            for (q, want) in floats(&case["q"]).iter().zip(floats(&case["expected"])) {
                let mut v = values.clone();
                let got = quantile_unsorted(&mut v, *q).expect("values");
                assert!(close(got, want, ARITH_REL), "{name} q={q}: {got} vs {want}");
            }
        }
    }

    /// The users of one case split into its arms, those of `segment` only
    /// when given.
    fn arms(users: &Value, segment: Option<&str>) -> (ArmOutcomes, ArmOutcomes) {
        let (x, y, xp, yp) = (
            floats(&users["x"]),
            floats(&users["y"]),
            floats(&users["xp"]),
            floats(&users["yp"]),
        );
        let (mut e, mut c) = (ArmOutcomes::default(), ArmOutcomes::default());
        for i in 0..x.len() {
            if segment.is_some() && users["segment"][i].as_str() != segment {
                continue;
            }
            let arm = if users["arm"][i] == "e" {
                &mut e
            } else {
                &mut c
            };
            arm.user.push(i as u32);
            arm.x.push(x[i]);
            arm.y.push(y[i]);
            arm.xp.push(xp[i]);
            arm.yp.push(yp[i]);
            arm.converted
                .push(users["converted"][i].as_bool().expect("a bool"));
        }
        (e, c)
    }

    #[test]
    fn capped_lift_cases_equal_numpy_and_scipy() {
        for case in fixture()["capped_lift_cases"].as_array().expect("cases") {
            let name = case["name"].as_str().unwrap_or("?");
            let s = &case["settings"];
            let measure = Measure {
                profit: None,
                cap: s["cap"].as_f64(),
                cap_lower: s["cap_lower"].as_f64(),
            };
            let settings = LiftSettings {
                confidence: s["confidence"].as_f64().expect("a level"),
                cuped: true,
                bootstrap: None,
                sequential: None,
            };
            let users = &case["users"];
            let (e, c) = arms(users, None);
            let caps = measure.capping().then(|| caps_of(&e, &c, &measure, true));
            let want = &case["expected"];
            match &caps {
                None => assert!(want["caps"].is_null(), "{name}"),
                Some(caps) => {
                    for (what, b) in [
                        ("revenue", caps.revenue),
                        ("pre_period", caps.pre_period),
                        ("profit", caps.profit.expect("profit caps")),
                        ("profit_pre_period", caps.profit_pre_period.expect("caps")),
                    ] {
                        let w = &want["caps"][what];
                        check(
                            &format!("{name} {what} upper"),
                            b.upper,
                            &w["upper"],
                            ARITH_REL,
                        );
                        check(
                            &format!("{name} {what} lower"),
                            b.lower,
                            &w["lower"],
                            ARITH_REL,
                        );
                    }
                }
            }
            for row in want["rows"].as_array().expect("rows") {
                let segment = row["segment"].as_str();
                let name = format!("{name} {}", segment.unwrap_or("all"));
                let (e, c) = arms(users, segment);
                let (es, cs) = (
                    arm_stats(&e, caps.as_ref(), true),
                    arm_stats(&c, caps.as_ref(), true),
                );
                assert_eq!(
                    es.capped + cs.capped,
                    row["users_capped_revenue"].as_u64().unwrap_or(0),
                    "{name}"
                );
                assert_eq!(
                    es.capped_profit.unwrap_or(0) + cs.capped_profit.unwrap_or(0),
                    row["users_capped_profit"].as_u64().unwrap_or(0),
                    "{name}"
                );
                let revenue = estimate_stats(&es.revenue, &cs.revenue, &settings);
                let (ep, cp) = (es.profit.expect("profit"), cs.profit.expect("profit"));
                let profit = estimate_profit(&ep, &cp, &settings);
                let profit_full = estimate_stats(&ep, &cp, &settings);
                let (wr, wp) = (&row["revenue"], &row["profit"]);
                check_estimate(
                    &format!("{name} revenue raw"),
                    &revenue.revenue_per_user_lift_raw,
                    &wr["raw"],
                );
                let head = if wr["cuped"]["applied"].as_bool() == Some(true) {
                    &wr["cuped"]
                } else {
                    &wr["raw"]
                };
                assert_eq!(
                    revenue.cuped.applied,
                    wr["cuped"]["applied"].as_bool() == Some(true),
                    "{name}"
                );
                check_estimate(
                    &format!("{name} revenue headline"),
                    &revenue.revenue_per_user_lift,
                    head,
                );
                check_estimate(
                    &format!("{name} revenue relative"),
                    &revenue.relative_lift,
                    &wr["relative"],
                );
                check_estimate(&format!("{name} profit raw"), &profit.lift_raw, &wp["raw"]);
                let head = if wp["cuped"]["applied"].as_bool() == Some(true) {
                    &wp["cuped"]
                } else {
                    &wp["raw"]
                };
                check_estimate(&format!("{name} profit headline"), &profit.lift, head);
                check(
                    &format!("{name} theta_profit"),
                    profit.theta,
                    &wp["cuped"]["theta"],
                    DIST_REL,
                );
                check_estimate(
                    &format!("{name} profit relative"),
                    &profit_full.relative_lift,
                    &wp["relative"],
                );
                check_estimate(
                    &format!("{name} incremental revenue"),
                    &revenue.incremental_revenue,
                    &row["incremental_revenue"],
                );
                check_estimate(
                    &format!("{name} incremental profit"),
                    &profit.incremental,
                    &row["incremental_profit"],
                );
                check_estimate(
                    &format!("{name} conversion"),
                    &revenue.conversion_rate_lift,
                    &row["conversion"],
                );
                // The arms' sums stay uncapped.
                let u = &row["uncapped"];
                for (arm, stats, p) in [("exposed", &es, &ep), ("control", &cs, &cp)] {
                    check(
                        &format!("{name} {arm} revenue"),
                        Some(stats.revenue.revenue),
                        &u[arm]["revenue"],
                        ARITH_REL,
                    );
                    check(
                        &format!("{name} {arm} profit"),
                        Some(p.revenue),
                        &u[arm]["profit"],
                        ARITH_REL,
                    );
                }
            }
        }
    }

    #[test]
    fn order_profit_follows_cost_margin_and_per_order_costs() {
        use crate::report::ProfitSettings;
        for case in fixture()["order_profit"].as_array().expect("cases") {
            let name = case["name"].as_str().unwrap_or("?");
            let p = ProfitSettings {
                margin: case["margin"].as_f64().expect("margin"),
                cost_per_order: case["cost_per_order"].as_f64().expect("cost"),
                cost_per_refund: case["cost_per_refund"].as_f64().expect("cost"),
                cost_column: true,
            };
            for (o, want) in case["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .zip(floats(&case["expected"]))
            {
                let got = p.of(
                    o["revenue"].as_f64().expect("revenue"),
                    o["cost"].as_f64().unwrap_or(f64::NAN),
                );
                assert!(close(got, want, ARITH_REL), "{name}: {got} vs {want}");
            }
        }
    }
}
