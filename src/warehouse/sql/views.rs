//! The normalised views that every statement of `uplift sql` starts from,
//! as one `WITH` of common table expressions.
//!
//! They are written once and shared, so that every aggregate reads the
//! same rows in the same form: timestamps as UTC microseconds since the
//! epoch, group labels as 1 (exposed), 2 (control) or 0 (organic),
//! repeated order ids kept once, each user's touches in one order, the
//! paths with their per-touch model weights, and the Markov chain's
//! transitions. The aggregates' own `SELECT`s (`cohorts`, `attribution`,
//! `economics`) are appended to them.

use super::Spec;
use super::dialect::one_line;
use crate::model::MICROS_PER_DAY;
use std::fmt::Write as _;

/// The shared common table expressions, then `body`, with the placeholders
/// `{DAY}` (microseconds per day) and `{DOUBLE}` filled in. Engines drop the
/// expressions a statement does not use.
pub(super) fn with(spec: &Spec, body: &str) -> String {
    with_ctes(spec, &[], body)
}

/// [`with`], with a statement's own common table expressions (name, `SELECT`)
/// after the shared ones.
pub(super) fn with_ctes(spec: &Spec, ctes: &[(&str, String)], body: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    let id = |n: &str| d.ident(n);
    let labels = |v: &[String]| {
        v.iter()
            .map(|s| d.literal(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = d.text();
    let group_expr = match &c.ex_group {
        Some(g) => format!("CAST({} AS {text})", id(g)),
        None => format!("CAST(NULL AS {text})"),
    };
    let in_list = |v: &[String]| {
        if v.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("gl IN ({})", labels(v))
        }
    };
    let segment = match &c.ex_segment {
        Some(s) => format!("NULLIF(CAST({} AS {text}), '')", id(s)),
        None => format!("CAST(NULL AS {text})"),
    };
    let campaign = match &c.ex_campaign {
        Some(s) => format!("COALESCE(CAST({} AS {text}), '')", id(s)),
        None => format!("CAST('' AS {text})"),
    };
    // The keys after the timestamp that order a user's touches: the order
    // column when there is one (then channel and campaign, should it repeat
    // a value), else channel and campaign.
    let ties: &[&str] = match spec.order_column {
        Some(_) => &["oc", "ch", "camp"],
        None => &["ch", "camp"],
    };
    let tie = ties.join(", ");
    let (oc_select, oc_where, oc) = match &spec.order_column {
        Some(o) => (
            format!(", {} AS oc", id(o)),
            format!(" AND {} IS NOT NULL", id(o)),
            ", oc",
        ),
        None => (String::new(), String::new(), ""),
    };
    let cost = match &c.ex_cost {
        Some(s) => format!("COALESCE({}, 0)", id(s)),
        None => "0".to_string(),
    };
    // Each order's profit (the profit outcome on): revenue − cost when the
    // cost is given, else margin × revenue − the cost per order (or refund).
    let profit = spec.outcomes.profit.map(|p| {
        let num = |v: f64| format!("CAST({v:?} AS {{DOUBLE}})");
        let rr = id(&c.rv_revenue);
        let (m, cpo, cpr) = (
            num(p.margin),
            num(p.cost_per_order),
            num(p.cost_per_refund),
        );
        let given = match &c.rv_cost {
            Some(cost) => {
                let cost = id(cost);
                format!("WHEN {cost} IS NOT NULL THEN {rr} - {cost} ")
            }
            None => String::new(),
        };
        format!(
            ",\n    CASE {given}WHEN {rr} >= 0 THEN {m} * {rr} - {cpo} ELSE {m} * {rr} - {cpr} END AS p"
        )
    });
    let p = if profit.is_some() { ", p" } else { "" };
    let profit = profit.unwrap_or_default();
    let order_id = match &c.rv_order_id {
        Some(o) => format!("NULLIF(CAST({} AS {text}), '')", id(o)),
        None => format!("CAST(NULL AS {text})"),
    };
    let windows: Vec<String> = spec
        .windows
        .iter()
        .map(|w| format!("SELECT {w} AS days"))
        .collect();
    let as_of = match spec.as_of {
        Some(t) => format!("SELECT CAST({t} AS BIGINT) AS a"),
        None => "SELECT MAX(t) AS a FROM rv0".to_string(),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "-- uplift {version}: {settings}\n\
WITH\n\
wins AS ({windows}),\n\
ex0 AS (\n  SELECT CAST({eu} AS {text}) AS u, CAST({ec} AS {text}) AS ch, {et} AS t,\n    {group_expr} AS gl, {segment} AS seg, {cost} AS cost,\n    {campaign} AS camp{oc_select}\n  FROM {ext}\n  WHERE {eu} IS NOT NULL AND {ec} IS NOT NULL AND {ets} IS NOT NULL{oc_where}\n    AND CAST({eu} AS {text}) <> '' AND CAST({ec} AS {text}) <> ''\n),\n\
ex AS (\n  SELECT u, ch, t, gl, seg, cost, camp{oc},\n    CASE WHEN {exposed} THEN 1 WHEN {control} THEN 2 ELSE 0 END AS g\n  FROM ex0\n),\n\
rv0 AS (\n  SELECT CAST({ru} AS {text}) AS u, {rt} AS t, {rr} AS r, {order_id} AS oid{profit}\n  FROM {rvt}\n  WHERE {ru} IS NOT NULL AND {rts} IS NOT NULL AND {rr} IS NOT NULL\n    AND CAST({ru} AS {text}) <> ''\n),\n\
rvd AS (\n  SELECT u, t, r{p}, oid,\n    CASE WHEN oid IS NULL THEN 1 ELSE ROW_NUMBER() OVER (PARTITION BY oid ORDER BY t, r, u{p}) END AS k\n  FROM rv0\n),\n\
rv AS (SELECT u, t, r{p} FROM rvd WHERE k < 2),\n\
obs AS ({as_of}),\n\
lab AS (\n  SELECT u, ch, MIN(t) AS t0,\n    MAX(CASE WHEN g = 1 THEN 1 ELSE 0 END) AS he,\n    MAX(CASE WHEN g = 2 THEN 1 ELSE 0 END) AS hc\n  FROM ex WHERE g > 0 GROUP BY u, ch\n),\n\
useg AS (\n  SELECT u, seg FROM (\n    SELECT u, seg, ROW_NUMBER() OVER (PARTITION BY u ORDER BY t, {tie}, seg) AS k\n    FROM ex WHERE seg IS NOT NULL\n  ) s WHERE k < 2\n),\n\
mem AS (\n  SELECT lab.u, lab.ch, lab.t0, useg.seg,\n    CASE WHEN lab.he = 1 AND lab.hc = 1 THEN 'contaminated' WHEN lab.he = 1 THEN 'exposed' ELSE 'control' END AS arm,\n    CASE WHEN lab.he = 1 AND lab.hc = 1 THEN 3 WHEN lab.he = 1 THEN 1 ELSE 2 END AS ak\n  FROM lab LEFT JOIN useg ON useg.u = lab.u\n),\n\
mw AS (\n  SELECT mem.u, mem.ch, mem.t0, mem.seg, mem.arm, mem.ak, wins.days,\n    wins.days * {{DAY}} AS span,\n    CASE WHEN mem.t0 + wins.days * {{DAY}} <= obs.a THEN 1 ELSE 0 END AS mature\n  FROM mem CROSS JOIN wins CROSS JOIN obs\n),\n\
tp AS (SELECT u, ch, t, camp{oc} FROM ex WHERE g <> 2),\n\
cv AS (\n  SELECT u, t, r, ROW_NUMBER() OVER (PARTITION BY u ORDER BY t, r) AS k\n  FROM rv WHERE r >= 0\n),\n\
cw AS (\n  SELECT cv.u, cv.t, cv.r, cv.k, wins.days, wins.days * {{DAY}} AS span\n  FROM cv CROSS JOIN wins\n),\n\
cpath AS (\n  SELECT cw.days, cw.u, cw.k, cw.t, cw.r, {path} AS path\n  FROM cw JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span\n  GROUP BY cw.days, cw.u, cw.k, cw.t, cw.r\n),\n\
nc AS (\n  SELECT tp.u, MAX(tp.t) AS lt\n  FROM tp LEFT JOIN (SELECT DISTINCT u FROM rv) o ON o.u = tp.u\n  WHERE o.u IS NULL GROUP BY tp.u\n),\n\
npath AS (\n  SELECT wins.days, nc.u, {path} AS path\n  FROM nc CROSS JOIN wins JOIN tp ON tp.u = nc.u AND tp.t >= nc.lt - wins.days * {{DAY}}\n  GROUP BY wins.days, nc.u\n),\n\
pt AS (\n  SELECT cw.days, cw.u, cw.k AS pid, cw.r, cw.t AS ot, tp.ch, tp.t, tp.camp{tp_oc}\n  FROM cw JOIN tp ON tp.u = cw.u AND tp.t <= cw.t AND tp.t >= cw.t - cw.span\n  UNION ALL\n  SELECT wins.days, nc.u, 0, 0, nc.lt, tp.ch, tp.t, tp.camp{tp_oc}\n  FROM nc CROSS JOIN wins JOIN tp ON tp.u = nc.u AND tp.t >= nc.lt - wins.days * {{DAY}}\n),\n\
pp AS (\n  SELECT days, u, pid, r, ot, ch, t,\n    ROW_NUMBER() OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS i,\n    COUNT(*) OVER (PARTITION BY days, u, pid) AS n,\n    ROW_NUMBER() OVER (PARTITION BY days, u, pid, ch ORDER BY t, {tie}) AS j,\n    LAG(ch, 1) OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS p1,\n    LAG(ch, 2) OVER (PARTITION BY days, u, pid ORDER BY t, {tie}) AS p2,\n    CAST(ot - t AS {{DOUBLE}}) / {{DAY}} AS age\n  FROM pt\n),\n\
pq AS (\n  SELECT pp.*,\n    SUM(CASE WHEN j = 1 THEN 1 ELSE 0 END) OVER (PARTITION BY days, u, pid) AS m,\n    POWER(2.0, -(age - MIN(age) OVER (PARTITION BY days, u, pid)) / {{HALF_LIFE}}) AS dw\n  FROM pp\n),\n\
pr AS (\n  SELECT pq.*, dw / SUM(dw) OVER (PARTITION BY days, u, pid) AS ds,\n    CASE WHEN n = 1 THEN 1.0 WHEN n = 2 AND i = 1 THEN {{PF2}} WHEN n = 2 THEN {{PL2}}\n      WHEN i = 1 THEN {{PF}} WHEN i = n THEN {{PL}} ELSE {{PM}} / (n - 2) END AS pw\n  FROM pq\n),\n\
ms AS (\n  SELECT days, u, pid, r, ot, i, {{STATE}} AS s\n  FROM pp WHERE i >= (CASE WHEN n < {{ORDER}} THEN n ELSE {{ORDER}} END)\n),\n\
mc AS (\n  SELECT days, u, pid, r, ot, i, s FROM (\n    SELECT ms.*, LAG(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS ps FROM ms\n  ) x WHERE ps IS NULL OR ps <> s\n),\n\
mt AS (\n  SELECT days, u, pid, r, ot, s,\n    LAG(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS prev,\n    LEAD(s) OVER (PARTITION BY days, u, pid ORDER BY i) AS nxt,\n    COUNT(*) OVER (PARTITION BY days, u, pid) AS len\n  FROM mc\n),\n\
mx AS (\n  SELECT days, u, pid, ot, COALESCE(prev, '(start)') AS from_state, s AS to_state, 0 AS rev, len FROM mt\n  UNION ALL\n  SELECT days, u, pid, ot, s, CASE WHEN pid > 0 THEN '(conversion)' ELSE '(null)' END,\n    CASE WHEN pid > 0 THEN r ELSE 0 END, len\n  FROM mt WHERE nxt IS NULL\n)\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        windows = windows.join(" UNION ALL "),
        eu = id(&c.ex_user),
        ec = id(&c.ex_channel),
        et = d.micros(&id(&c.ex_ts)),
        ets = id(&c.ex_ts),
        ext = spec.exposures_table,
        exposed = in_list(&spec.groups.exposed),
        control = in_list(&spec.groups.control),
        ru = id(&c.rv_user),
        rt = d.micros(&id(&c.rv_ts)),
        rts = id(&c.rv_ts),
        rr = id(&c.rv_revenue),
        rvt = spec.revenue_table,
        path = d.path(ties),
        tp_oc = if oc.is_empty() { "" } else { ", tp.oc" },
    );
    for (name, sql) in ctes {
        s.pop();
        let _ = write!(s, ",\n{name} AS (\n{sql}\n)\n");
    }
    s.push_str(body);
    let half_life = spec.params.half_life_days;
    let (pf, pl) = (spec.params.position_first, spec.params.position_last);
    let (pf2, pl2) = if pf + pl > 0.0 {
        (pf / (pf + pl), pl / (pf + pl))
    } else {
        (0.5, 0.5)
    };
    let pm = (1.0 - pf - pl).max(0.0);
    let order = spec.params.markov_order.clamp(1, 3);
    let state = match order {
        1 => "ch".to_string(),
        2 => "CASE WHEN i >= 2 THEN CONCAT(p1, '>', ch) ELSE ch END".to_string(),
        _ => "CASE WHEN i >= 3 THEN CONCAT(p2, '>', p1, '>', ch) WHEN i = 2 THEN CONCAT(p1, '>', ch) ELSE ch END".to_string(),
    };
    s.replace("{STATE}", &state)
        .replace("{ORDER}", &order.to_string())
        .replace("{PF2}", &format!("{pf2:?}"))
        .replace("{PL2}", &format!("{pl2:?}"))
        .replace("{PF}", &format!("{pf:?}"))
        .replace("{PL}", &format!("{pl:?}"))
        .replace("{PM}", &format!("{pm:?}"))
        .replace("{DAY}", &MICROS_PER_DAY.to_string())
        .replace("{DOUBLE}", d.double())
        .replace("{HALF_LIFE}", &format!("{half_life:?}"))
}
