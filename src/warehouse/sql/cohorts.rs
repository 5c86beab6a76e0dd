//! The `SELECT`s of the experiments' aggregates: `meta` (what the tables
//! held and what was read of them, with the settings), `channels` (each
//! channel's users by arm) and `cohorts` (the moments of each channel's
//! arms per window and segment).
//!
//! The cohort moments are computed in two passes (group means first, then
//! sums of squared deviations), so that no variance is the difference of
//! two large sums.

use super::{Spec, tie_order};

/// `meta`: the rows of each table and those read, the repeated orders and
/// refunds, the observation end, and the settings the SQL was made with.
pub(super) fn meta(spec: &Spec) -> String {
    let d = spec.dialect;
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
  (SELECT COALESCE(SUM(r), 0) FROM rv) AS net_revenue\n",
        settings = d.literal(&spec.settings),
        ties = d.literal(&tie_order(spec.order_column.as_deref())),
        ext = spec.exposures_table,
        rvt = spec.revenue_table,
    )
}

/// `channels`: per channel, its exposed span and touches, and its users by
/// arm.
pub(super) const CHANNELS: &str =
    "SELECT e.ch AS channel, e.first_exposed, e.last_exposed, e.touches,
  COALESCE(l.exposed_all, 0) AS exposed_all, COALESCE(l.exposed_users, 0) AS exposed_users,
  COALESCE(l.control_users, 0) AS control_users, COALESCE(l.contaminated, 0) AS contaminated
FROM (
  SELECT ch, MIN(CASE WHEN g = 1 THEN t END) AS first_exposed,
    MAX(CASE WHEN g = 1 THEN t END) AS last_exposed, COUNT(*) AS touches
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
