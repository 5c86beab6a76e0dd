//! The `SELECT`s of the experiments' aggregates: `meta` (what the tables
//! held and what was read of them, with the settings), `channels` (each
//! channel's users by arm) and `cohorts` (the moments of each channel's
//! arms per window and segment).
//!
//! The cohort moments are computed in two passes (group means first, then
//! sums of squared deviations), so that no variance is the difference of
//! two large sums.

use super::{Spec, tie_order};
use std::fmt::Write as _;

/// `meta`: the rows of each table and those read, the repeated orders and
/// refunds, the observation end, and the settings the SQL was made with;
/// with a cost column of the revenue table, its negative cells.
pub(super) fn meta(spec: &Spec) -> String {
    let d = spec.dialect;
    let negative_costs = match &spec.columns.rv_cost {
        Some(c) => format!(
            ",\n  (SELECT COUNT(*) FROM {} WHERE {} < 0) AS negative_costs",
            spec.revenue_table,
            d.ident(c)
        ),
        None => String::new(),
    };
    format!(
        "SELECT {settings} AS settings, {ties} AS tie_order,\n\
  (SELECT COUNT(*) FROM {ext}) AS exposures_rows,\n\
  (SELECT COUNT(*) FROM ex) AS exposures_rows_read,\n\
  (SELECT COUNT(*) FROM ex WHERE g = 0 AND gl IS NOT NULL AND gl <> '') AS unknown_group_rows,\n\
  (SELECT COUNT(DISTINCT ch) FROM ex WHERE ch LIKE '%>%') AS bad_channel_names,\n\
  (SELECT COUNT(*) FROM {rvt}) AS revenue_rows,\n\
  (SELECT COUNT(*) FROM rv0) AS revenue_rows_read,\n\
  (SELECT a FROM obs) AS as_of,\n\
  (SELECT MAX(t) FROM rv0) AS latest_revenue,\n\
  (SELECT COUNT(*) FROM rvd WHERE k > 1) AS duplicate_rows,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rvd WHERE k > 1) AS duplicate_revenue,\n\
  (SELECT COUNT(*) FROM rv WHERE r < 0) AS refunds,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rv WHERE r < 0) AS refund_revenue,\n\
  (SELECT COALESCE(SUM(r), 0) FROM rv) AS net_revenue{negative_costs}\n",
        settings = d.literal(&spec.settings),
        ties = d.literal(&tie_order(spec.order_column.as_deref())),
        ext = spec.exposures_table,
        rvt = spec.revenue_table,
    )
}

/// `channels`: per channel, its exposed and labeled spans and touches, and
/// its users by arm.
pub(super) const CHANNELS: &str =
    "SELECT e.ch AS channel, e.first_exposed, e.last_exposed, e.touches,
  e.first_labeled, e.last_labeled,
  COALESCE(l.exposed_all, 0) AS exposed_all, COALESCE(l.exposed_users, 0) AS exposed_users,
  COALESCE(l.control_users, 0) AS control_users, COALESCE(l.contaminated, 0) AS contaminated
FROM (
  SELECT ch, MIN(CASE WHEN g = 1 THEN t END) AS first_exposed,
    MAX(CASE WHEN g = 1 THEN t END) AS last_exposed, COUNT(*) AS touches,
    MIN(CASE WHEN g > 0 THEN t END) AS first_labeled,
    MAX(CASE WHEN g > 0 THEN t END) AS last_labeled
  FROM ex GROUP BY ch
) e LEFT JOIN (
  SELECT ch, SUM(he) AS exposed_all,
    SUM(CASE WHEN he = 1 AND hc = 0 THEN 1 ELSE 0 END) AS exposed_users,
    SUM(CASE WHEN he = 0 AND hc = 1 THEN 1 ELSE 0 END) AS control_users,
    SUM(CASE WHEN he = 1 AND hc = 1 THEN 1 ELSE 0 END) AS contaminated
  FROM lab GROUP BY ch
) l ON l.ch = e.ch
ORDER BY channel
";

/// `cohorts`: per (channel, window, arm, segment), the mature users'
/// counts and moments of revenue in the window (Y) and before it (X), and
/// the users left out (immature, or in both arms).
pub(super) const COHORTS: &str = "SELECT channel, window_days, arm, segment, SUM(users) AS users,
  SUM(excluded) AS excluded, SUM(converters) AS converters, SUM(sum_y) AS sum_y,
  SUM(m2_y) AS m2_y, SUM(sum_x) AS sum_x, SUM(m2_x) AS m2_x, SUM(c_xy) AS c_xy
FROM (
  SELECT ch AS channel, days AS window_days, arm, seg AS segment, COUNT(*) AS users,
    0 AS excluded, SUM(conv) AS converters, SUM(y) AS sum_y,
    SUM((y - my) * (y - my)) AS m2_y, SUM(x) AS sum_x,
    SUM((x - mx) * (x - mx)) AS m2_x, SUM((x - mx) * (y - my)) AS c_xy
  FROM (
    SELECT yx.*, AVG(y) OVER (PARTITION BY ch, days, arm, seg) AS my,
      AVG(x) OVER (PARTITION BY ch, days, arm, seg) AS mx
    FROM (
      SELECT mw.ch, mw.days, mw.arm, mw.seg, mw.u,
        COALESCE(SUM(CASE WHEN rv.t >= mw.t0 THEN rv.r END), 0) AS y,
        COALESCE(SUM(CASE WHEN rv.t < mw.t0 THEN rv.r END), 0) AS x,
        MAX(CASE WHEN rv.t >= mw.t0 AND rv.r >= 0 THEN 1 ELSE 0 END) AS conv
      FROM mw LEFT JOIN rv
        ON rv.u = mw.u AND rv.t >= mw.t0 - mw.span AND rv.t < mw.t0 + mw.span
      WHERE mw.mature > 0 AND mw.ak < 3
      GROUP BY mw.ch, mw.days, mw.arm, mw.seg, mw.u
    ) yx
  ) m
  GROUP BY ch, days, arm, seg
  UNION ALL
  SELECT ch, days, arm, seg, 0, COUNT(*), 0, 0, 0, 0, 0, 0
  FROM mw WHERE mw.mature < 1 OR mw.ak > 2
  GROUP BY ch, days, arm, seg
) c
GROUP BY channel, window_days, arm, segment
ORDER BY channel, window_days, arm, segment
";

/// `cohort_outcomes` (the profit outcome or capping on): per (channel,
/// window, arm, segment) of the mature, non-contaminated users, the moments
/// of `Y` and `X` clipped to the caps, the users whose `Y` the caps changed,
/// the arm's profit Σ `Yπ` (uncapped) and the moments of `Yπ` and `Xπ`
/// (clipped), the users whose `Yπ` the caps changed (moved by more than
/// summation error: [`crate::summary::capped`]), and the caps of the
/// (channel, window): each outcome's exact quantiles over the users of both
/// arms and every segment (linear interpolation between order statistics,
/// R type 7), null where that side is not capped. Two passes, as `cohorts`.
///
/// Returns the statement's own common table expressions (after the shared
/// ones) and its `SELECT`.
pub(super) fn cohort_outcomes(spec: &Spec) -> (Vec<(&'static str, String)>, String) {
    let d = spec.dialect;
    let o = &spec.outcomes;
    let profit = o.profit.is_some();
    let null = "CAST(NULL AS {DOUBLE})";
    // Each user's outcomes, as doubles (the caps are quantiles of them).
    let sum = |col: &str, after: bool| {
        let cmp = if after { ">=" } else { "<" };
        format!(
            "CAST(COALESCE(SUM(CASE WHEN rv.t {cmp} mw.t0 THEN rv.{col} END), 0) AS {{DOUBLE}})"
        )
    };
    let mut uo = format!(
        "  SELECT mw.ch, mw.days, mw.arm, mw.seg, mw.u,\n    {} AS y,\n    {} AS x",
        sum("r", true),
        sum("r", false)
    );
    if profit {
        let _ = write!(
            uo,
            ",\n    {} AS yp,\n    {} AS xp",
            sum("p", true),
            sum("p", false)
        );
    }
    uo.push_str(
        "\n  FROM mw LEFT JOIN rv\n    ON rv.u = mw.u AND rv.t >= mw.t0 - mw.span AND rv.t < mw.t0 + mw.span\n  WHERE mw.mature > 0 AND mw.ak < 3\n  GROUP BY mw.ch, mw.days, mw.arm, mw.seg, mw.u",
    );
    let mut ctes = vec![("uo", uo)];
    let outcomes: &[&str] = if profit {
        &["y", "x", "yp", "xp"]
    } else {
        &["y", "x"]
    };
    // The sides capped: (column suffix, quantile).
    let sides: Vec<(&str, f64)> = [("hi", o.cap), ("lo", o.cap_lower)]
        .into_iter()
        .filter_map(|(s, q)| q.map(|q| (s, q)))
        .collect();
    if !sides.is_empty() {
        let mut cols = Vec::new();
        for v in outcomes {
            for (side, q) in &sides {
                cols.push(format!("{} AS {v}_{side}", d.quantile(v, *q, "ch, days")));
            }
        }
        let caps = if d.quantile_is_analytic() {
            format!(
                "  SELECT DISTINCT ch, days,\n    {}\n  FROM uo",
                cols.join(",\n    ")
            )
        } else {
            format!(
                "  SELECT ch, days,\n    {}\n  FROM uo\n  GROUP BY ch, days",
                cols.join(",\n    ")
            )
        };
        ctes.push(("caps", caps));
    }
    // A user's outcome clipped to the caps in force.
    let clip = |v: &str| {
        if sides.is_empty() {
            return format!("uo.{v}");
        }
        let mut e = String::from("CASE");
        for (side, _) in &sides {
            let op = if *side == "hi" { ">" } else { "<" };
            let _ = write!(e, " WHEN uo.{v} {op} caps.{v}_{side} THEN caps.{v}_{side}");
        }
        let _ = write!(e, " ELSE uo.{v} END");
        e
    };
    let mut inner = vec![
        "uo.ch".to_string(),
        "uo.days".into(),
        "uo.arm".into(),
        "uo.seg".into(),
    ];
    for v in outcomes {
        inner.push(format!("uo.{v}"));
        inner.push(format!("{} AS c{v}", clip(v)));
    }
    for v in outcomes {
        for (side, _) in &sides {
            inner.push(format!("caps.{v}_{side}"));
        }
    }
    let join = if sides.is_empty() {
        ""
    } else {
        " JOIN caps ON caps.ch = uo.ch AND caps.days = uo.days"
    };
    let means: Vec<String> = outcomes
        .iter()
        .map(|v| format!("AVG(c{v}) OVER (PARTITION BY ch, days, arm, seg) AS m{v}"))
        .collect();
    let moments = |y: &str, x: &str, suffix: &str| {
        format!(
            "SUM(c{y}) AS sum_y{suffix}, SUM((c{y} - m{y}) * (c{y} - m{y})) AS m2_y{suffix},\n    SUM(c{x}) AS sum_x{suffix}, SUM((c{x} - m{x}) * (c{x} - m{x})) AS m2_x{suffix},\n    SUM((c{x} - m{x}) * (c{y} - m{y})) AS c_xy{suffix},\n    SUM(CASE WHEN ABS(c{y} - {y}) > {tol} * GREATEST(ABS(c{y}), ABS({y}), CAST(1 AS {{DOUBLE}})) THEN 1 ELSE 0 END) AS users_capped{capped}",
            tol = format_args!("CAST({:?} AS {{DOUBLE}})", crate::summary::CAPPED_TOLERANCE),
            capped = if suffix.is_empty() { "" } else { "_profit" }
        )
    };
    let profit_cols = if profit {
        format!("SUM(yp) AS profit, {}", moments("yp", "xp", "p"))
    } else {
        [
            "profit",
            "sum_yp",
            "m2_yp",
            "sum_xp",
            "m2_xp",
            "c_xyp",
            "users_capped_profit",
        ]
        .iter()
        .map(|c| format!("{null} AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
    };
    let mut bounds = Vec::new();
    for v in ["y", "x", "yp", "xp"] {
        for (side, name) in [("hi", "upper"), ("lo", "lower")] {
            let on = outcomes.contains(&v) && sides.iter().any(|(s, _)| *s == side);
            bounds.push(if on {
                format!("MAX({v}_{side}) AS {v}_{name}")
            } else {
                format!("{null} AS {v}_{name}")
            });
        }
    }
    let body = format!(
        "SELECT ch AS channel, days AS window_days, arm, seg AS segment, COUNT(*) AS users,\n    {revenue},\n    {profit_cols},\n    {bounds}\nFROM (\n  SELECT c.*,\n    {means}\n  FROM (\n    SELECT {inner}\n    FROM uo{join}\n  ) c\n) m\nGROUP BY ch, days, arm, seg\nORDER BY channel, window_days, arm, segment\n",
        revenue = moments("y", "x", ""),
        bounds = bounds.join(",\n    "),
        means = means.join(",\n    "),
        inner = inner.join(", "),
    );
    (ctes, body)
}
