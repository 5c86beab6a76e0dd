//! The `SELECT`s of the money aggregates: net revenue per UTC day
//! (`daily_revenue`, for the reconciliation), the exposures' cost per
//! channel and day (`exposure_cost`), and the spend and finance tables
//! when they live in the warehouse (`spend`, `finance`, read as they are,
//! without the shared views).

use super::Spec;
use super::dialect::one_line;

/// `daily_revenue`: orders and net revenue per UTC day.
pub(super) const DAILY_REVENUE: &str = "SELECT utc_day, COUNT(*) AS orders, SUM(r) AS net_revenue
FROM (SELECT CAST(FLOOR(t / 86400000000.0) AS BIGINT) AS utc_day, r FROM rv) d
GROUP BY utc_day
ORDER BY utc_day
";

/// `exposure_cost`: the exposures' cost per channel and UTC day.
pub(super) const EXPOSURE_COST: &str = "SELECT ch AS channel, utc_day, SUM(cost) AS cost
FROM (SELECT ch, CAST(FLOOR(t / 86400000000.0) AS BIGINT) AS utc_day, cost FROM ex WHERE cost <> 0) d
GROUP BY ch, utc_day
ORDER BY channel, utc_day
";

/// `spend`: the spend table summed per date and channel.
pub(super) fn spend(spec: &Spec, table: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    format!(
        "-- uplift {version}: {settings}\n\
SELECT date, channel, SUM(spend) AS spend\n\
FROM (\n  SELECT {date} AS date, CAST({ch} AS {text}) AS channel, {sp} AS spend\n  FROM {table}\n) s\n\
GROUP BY date, channel\nORDER BY date, channel\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        date = d.date_text(&d.ident(&c.sp_date)),
        ch = d.ident(&c.sp_channel),
        sp = d.ident(&c.sp_spend),
        text = d.text(),
    )
}

/// `finance`: the finance table's periods, as they are.
pub(super) fn finance(spec: &Spec, table: &str) -> String {
    let d = spec.dialect;
    let c = &spec.columns;
    format!(
        "-- uplift {version}: {settings}\n\
SELECT {s} AS period_start, {e} AS period_end, {r} AS revenue\n\
FROM {table}\nORDER BY period_start, period_end\n",
        version = env!("CARGO_PKG_VERSION"),
        settings = one_line(&spec.settings),
        s = d.date_text(&d.ident(&c.fi_start)),
        e = d.date_text(&d.ident(&c.fi_end)),
        r = d.ident(&c.fi_revenue),
    )
}
