//! The `SELECT`s of the attribution aggregates: the totals of every
//! window, the paths, the credits of the rule-based models and Shapley
//! (of all conversions and of each experiment's test users), and the
//! Markov chain's counted transitions (likewise).
//!
//! Each reads the paths and their per-touch weights from the shared views
//! (`views`), so that the SQL credits every conversion exactly as the
//! in-process models do.

/// Per window: the conversions, those without a touch in the window, and
/// `tied_conversions`, the attributed conversions whose path holds two
/// touches with the same timestamp and different channels (whose order the
/// data alone does not give): the timestamps of a user with touches of
/// two channels are few, so they are found first and then matched to the
/// conversions whose window holds one.
pub(super) const ATTRIBUTION_TOTALS: &str = "SELECT a.window_days, a.conversions, a.revenue,
  a.unattributed_conversions, a.unattributed_revenue,
  COALESCE(x.tied, 0) AS tied_conversions
FROM (
  SELECT days AS window_days, COUNT(*) AS conversions, SUM(r) AS revenue,
    SUM(CASE WHEN n = 0 THEN 1 ELSE 0 END) AS unattributed_conversions,
    COALESCE(SUM(CASE WHEN n = 0 THEN r END), 0) AS unattributed_revenue
  FROM (
    SELECT cw.days, cw.u, cw.k, cw.r, COUNT(tp.u) AS n
    FROM cw LEFT JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span
    GROUP BY cw.days, cw.u, cw.k, cw.r
  ) ct
  GROUP BY days
) a LEFT JOIN (
  SELECT days, COUNT(*) AS tied FROM (
    SELECT DISTINCT cw.days, cw.u, cw.k
    FROM cw JOIN (
      SELECT u, t FROM tp GROUP BY u, t HAVING MIN(ch) < MAX(ch)
    ) tt ON tt.u = cw.u AND tt.t <= cw.t AND tt.t >= cw.t - cw.span
  ) y
  GROUP BY days
) x ON x.days = a.window_days
ORDER BY a.window_days
";

/// `paths` (only with `--paths`): per window, each path's conversions,
/// revenue and non-conversions, as the ChannelAttribution package reads them.
pub(super) const PATHS: &str = "SELECT days AS window_days, path, SUM(conversions) AS conversions,
  SUM(revenue) AS revenue, SUM(nulls) AS non_conversions
FROM (
  SELECT days, path, 1 AS conversions, r AS revenue, 0 AS nulls FROM cpath
  UNION ALL
  SELECT days, path, 0, 0, 1 FROM npath
) p
GROUP BY days, path
ORDER BY window_days, path
";

/// Per (window, channel): the touches of every path (the channels present),
/// and the credits of the rule-based models and Shapley, computed per
/// conversion exactly as the in-process models do.
pub(super) const CREDITS: &str = "SELECT days AS window_days, ch AS channel, COUNT(*) AS touches,
  SUM(CASE WHEN pid > 0 AND i = 1 THEN 1 ELSE 0 END) AS first_touch_conversions,
  SUM(CASE WHEN pid > 0 AND i = 1 THEN r ELSE 0 END) AS first_touch_revenue,
  SUM(CASE WHEN pid > 0 AND i = n THEN 1 ELSE 0 END) AS last_touch_conversions,
  SUM(CASE WHEN pid > 0 AND i = n THEN r ELSE 0 END) AS last_touch_revenue,
  SUM(CASE WHEN pid > 0 THEN 1.0 / n ELSE 0 END) AS linear_conversions,
  SUM(CASE WHEN pid > 0 THEN r / n ELSE 0 END) AS linear_revenue,
  SUM(CASE WHEN pid > 0 THEN ds ELSE 0 END) AS time_decay_conversions,
  SUM(CASE WHEN pid > 0 THEN ds * CAST(r AS {DOUBLE}) ELSE 0 END) AS time_decay_revenue,
  SUM(CASE WHEN pid > 0 THEN pw ELSE 0 END) AS position_based_conversions,
  SUM(CASE WHEN pid > 0 THEN pw * r ELSE 0 END) AS position_based_revenue,
  SUM(CASE WHEN pid > 0 AND j = 1 THEN 1.0 / m ELSE 0 END) AS shapley_conversions,
  SUM(CASE WHEN pid > 0 AND j = 1 THEN r / m ELSE 0 END) AS shapley_revenue
FROM pr
GROUP BY days, ch
ORDER BY window_days, channel
";

/// Per (experiment channel, window): the revenue each model credits to the
/// channel from its mature exposed users' conversions in `[t0, t0 + W)`.
pub(super) const CALIBRATION_CREDITS: &str = "SELECT ce.ch AS channel, ce.days AS window_days,
  SUM(CASE WHEN pr.i = 1 THEN pr.r ELSE 0 END) AS first_touch,
  SUM(CASE WHEN pr.i = pr.n THEN pr.r ELSE 0 END) AS last_touch,
  SUM(pr.r / pr.n) AS linear,
  SUM(pr.ds * CAST(pr.r AS {DOUBLE})) AS time_decay,
  SUM(pr.pw * pr.r) AS position_based,
  SUM(CASE WHEN pr.j = 1 THEN pr.r / pr.m ELSE 0 END) AS shapley
FROM mw ce JOIN pr ON pr.u = ce.u AND pr.days = ce.days AND pr.ch = ce.ch
  AND pr.pid > 0 AND pr.ot >= ce.t0 AND pr.ot < ce.t0 + ce.span
WHERE ce.ak < 2 AND ce.mature > 0
GROUP BY ce.ch, ce.days
ORDER BY channel, window_days
";

/// The Markov chain's transition counts per window: `(start) → state`,
/// `state → state`, `state → (conversion)` (with the conversions' revenue)
/// and `state → (null)`; `longest` = the longest collapsed path.
pub(super) const MARKOV: &str =
    "SELECT days AS window_days, from_state, to_state, COUNT(*) AS paths,
  SUM(rev) AS revenue, MAX(len) AS longest
FROM mx
GROUP BY days, from_state, to_state
ORDER BY window_days, from_state, to_state
";

/// The chain of each experiment's test users (their conversions in
/// `[t0, t0 + W)` and their non-converting paths).
pub(super) const CALIBRATION_MARKOV: &str =
    "SELECT ce.ch AS channel, ce.days AS window_days, mx.from_state,
  mx.to_state, COUNT(*) AS paths, SUM(mx.rev) AS revenue, MAX(mx.len) AS longest
FROM mw ce JOIN mx ON mx.u = ce.u AND mx.days = ce.days
  AND (mx.pid = 0 OR (mx.ot >= ce.t0 AND mx.ot < ce.t0 + ce.span))
WHERE ce.ak < 2 AND ce.mature > 0
GROUP BY ce.ch, ce.days, mx.from_state, mx.to_state
ORDER BY channel, window_days, from_state, to_state
";
