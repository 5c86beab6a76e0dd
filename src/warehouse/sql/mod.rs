//! The SQL of warehouse mode: one read-only `SELECT` per aggregate, in the
//! dialect of the engine where the data lives.
//!
//! This file holds the public API: what shapes the SQL ([`Spec`],
//! [`TableColumns`]), the settings line that ties a set of aggregates to
//! the run that reads them, and [`statements`], the list of aggregates in
//! the order they are written. The SQL itself is in the files beside it:
//! `dialect` (what differs between engines: quoting, table names, types),
//! `views` (the normalised views every statement starts from), and the
//! `SELECT`s of each family of aggregates: `cohorts`, `attribution` and
//! `economics`.
//!
//! Every statement starts from the same normalised views of the tables
//! (common table expressions): timestamps become UTC microseconds since the
//! epoch (integers, so that windows are exact and no session time zone can
//! shift a day), group labels become 1 (exposed), 2 (control) or 0 (organic),
//! repeated order ids keep one row. The cohort moments are computed in two
//! passes (group means first, then sums of squared deviations), so that no
//! variance is the difference of two large sums.
//!
//! Filters on derived flags are written as inequalities (`mature > 0`, not
//! `= 1`): a planner without statistics on a derived column (PostgreSQL's)
//! then estimates a third of the rows instead of half a percent, and joins
//! the large intermediate results by hash instead of by nested loops.

mod attribution;
mod cohorts;
mod dialect;
mod economics;
mod views;

pub use dialect::Dialect;

use crate::attribution::{Model, Params};
use crate::config::GroupLabels;
use crate::model::{Micros, Window};
use crate::report::ProfitSettings;
use attribution::{
    ATTRIBUTION_TOTALS, CALIBRATION_CREDITS, CALIBRATION_MARKOV, CREDITS, MARKOV, PATHS,
};
use clap::ValueEnum;
use cohorts::{CHANNELS, COHORTS, cohort_outcomes, meta};
use economics::{DAILY_REVENUE, EXPOSURE_COST, finance, spend};
use serde::Serialize;
use views::{with, with_ctes};

/// The separator of the channels in a path (a channel name must not contain it).
pub const PATH_SEPARATOR: char = '>';

/// Optional input columns a warehouse table may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionalColumn {
    /// exposures.group (every touch is then organic: no lift).
    Group,
    /// exposures.segment.
    Segment,
    /// exposures.cost.
    Cost,
    /// exposures.campaign (touches with the same timestamp are then ordered
    /// by channel name alone).
    Campaign,
    /// revenue.order_id (no de-duplication).
    OrderId,
}

/// Column names of the tables (after the `[columns.*]` mapping).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TableColumns {
    pub ex_user: String,
    pub ex_channel: String,
    pub ex_ts: String,
    pub ex_group: Option<String>,
    pub ex_segment: Option<String>,
    pub ex_cost: Option<String>,
    pub ex_campaign: Option<String>,
    pub rv_user: String,
    pub rv_ts: String,
    pub rv_revenue: String,
    pub rv_order_id: Option<String>,
    /// revenue.cost: only when `[columns.revenue] cost` names it (a table
    /// without one is the common case, so it is never assumed).
    pub rv_cost: Option<String>,
    pub sp_date: String,
    pub sp_channel: String,
    pub sp_spend: String,
    pub fi_start: String,
    pub fi_end: String,
    pub fi_revenue: String,
}

/// Everything that shapes the SQL.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The engine.
    pub dialect: Dialect,
    /// Exposures table (as written, e.g. `analytics.exposures`).
    pub exposures_table: String,
    /// Revenue table.
    pub revenue_table: String,
    /// Spend table, when spend lives in the warehouse.
    pub spend_table: Option<String>,
    /// Finance table.
    pub finance_table: Option<String>,
    /// Column names.
    pub columns: TableColumns,
    /// `--order-column`: the exposures column that orders touches with the
    /// same timestamp (None: channel name, then campaign).
    pub order_column: Option<String>,
    /// Group labels.
    pub groups: GroupLabels,
    /// Windows in days, ascending.
    pub windows: Vec<Window>,
    /// `--as-of` in microseconds (None = latest revenue timestamp).
    pub as_of: Option<Micros>,
    /// The attribution models asked for.
    pub models: Vec<Model>,
    /// Their parameters (half-life, position weights, Markov order).
    pub params: Params,
    /// Also write the `paths` aggregate (the ChannelAttribution package's
    /// input format, for inspection; the report does not need it).
    pub paths: bool,
    /// The profit outcome and the caps (the `cohort_outcomes` aggregate).
    pub outcomes: Outcomes,
    /// The settings line that `run --from-aggregates` checks.
    pub settings: String,
}

/// What the cohorts measure beyond revenue: the profit outcome and the caps.
/// When any is on, `uplift sql` writes the `cohort_outcomes` aggregate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcomes {
    /// The profit outcome (`cost_column`: the revenue table has one).
    pub profit: Option<ProfitSettings>,
    /// Upper capping quantile.
    pub cap: Option<f64>,
    /// Lower capping quantile.
    pub cap_lower: Option<f64>,
}

impl Outcomes {
    /// Whether capping is on.
    pub fn capping(&self) -> bool {
        self.cap.is_some() || self.cap_lower.is_some()
    }

    /// Whether the `cohort_outcomes` aggregate is needed.
    pub fn any(&self) -> bool {
        self.profit.is_some() || self.capping()
    }
}

/// The parts of the settings line written only when the profit outcome or
/// capping is on: a run must agree on them both ways (aggregates with caps
/// do not serve a run without, and the other way round).
pub const OUTCOME_PARTS: [&str; 6] = [
    "margin",
    "cost_per_order",
    "cost_per_refund",
    "cost_column",
    "cap",
    "cap_lower",
];

/// The settings line's `cost_column` part when the revenue table has one.
pub const COST_COLUMN_YES: &str = "yes";

/// The first part of the settings line: the format of the aggregates, raised
/// when a column is added or changes meaning. 3: `meta.tie_order`,
/// `attribution_totals.tied_conversions`, ties ordered by channel then
/// campaign (or by `--order-column`).
pub const AGGREGATES_FORMAT: &str = "uplift-aggregates 3";

/// How touches with the same timestamp were ordered, as `meta.tie_order`
/// records it: `channel, campaign`, or `order_column NAME`.
pub fn tie_order(order_column: Option<&str>) -> String {
    match order_column {
        None => TIES_BY_CHANNEL.to_string(),
        Some(c) => format!("{ORDER_COLUMN_PREFIX}{c}"),
    }
}

/// `meta.tie_order` without an order column.
pub const TIES_BY_CHANNEL: &str = "channel, campaign";

/// `meta.tie_order` with one: this, then the column's name.
pub const ORDER_COLUMN_PREFIX: &str = "order_column ";

/// The settings line of a set of aggregates: what must match between
/// `uplift sql` and `uplift run --from-aggregates`. Each part is
/// `name value`, parts separated by `, `; a model's parameter is written
/// only when the model is asked for, the profit settings only with the
/// profit outcome, a cap only when given.
pub fn settings_line(
    windows: &[Window],
    as_of: Option<&str>,
    models: &[Model],
    params: &Params,
    groups: &GroupLabels,
    outcomes: &Outcomes,
) -> String {
    let w: Vec<String> = windows.iter().map(Window::to_string).collect();
    let mut parts = vec![
        AGGREGATES_FORMAT.to_string(),
        format!("windows {}", w.join("/")),
        format!("as_of {}", as_of.unwrap_or("latest")),
    ];
    if models.contains(&Model::TimeDecay) {
        parts.push(format!("half_life {}", params.half_life_days));
    }
    if models.contains(&Model::PositionBased) {
        parts.push(format!(
            "position {}/{}",
            params.position_first, params.position_last
        ));
    }
    if models.contains(&Model::Markov) {
        parts.push(format!("markov_order {}", params.markov_order));
    }
    if let Some(p) = &outcomes.profit {
        parts.push(format!("margin {}", p.margin));
        parts.push(format!("cost_per_order {}", p.cost_per_order));
        parts.push(format!("cost_per_refund {}", p.cost_per_refund));
        parts.push(format!(
            "cost_column {}",
            if p.cost_column { COST_COLUMN_YES } else { "no" }
        ));
    }
    if let Some(q) = outcomes.cap {
        parts.push(format!("cap {q}"));
    }
    if let Some(q) = outcomes.cap_lower {
        parts.push(format!("cap_lower {q}"));
    }
    parts.push(format!("exposed [{}]", groups.exposed.join("|")));
    parts.push(format!("control [{}]", groups.control.join("|")));
    parts.join(", ")
}

/// The aggregates, in the order they are written: (name, SQL).
pub fn statements(spec: &Spec) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("meta", with(spec, &meta(spec))),
        ("channels", with(spec, CHANNELS)),
        ("cohorts", with(spec, COHORTS)),
    ];
    if spec.outcomes.any() {
        let (ctes, body) = cohort_outcomes(spec);
        out.push(("cohort_outcomes", with_ctes(spec, &ctes, &body)));
    }
    out.extend([
        ("attribution_totals", with(spec, ATTRIBUTION_TOTALS)),
        ("credits", with(spec, CREDITS)),
        ("calibration_credits", with(spec, CALIBRATION_CREDITS)),
    ]);
    if spec.models.contains(&Model::Markov) {
        out.push(("markov", with(spec, MARKOV)));
        out.push(("calibration_markov", with(spec, CALIBRATION_MARKOV)));
    }
    if spec.paths {
        out.push(("paths", with(spec, PATHS)));
    }
    out.push(("daily_revenue", with(spec, DAILY_REVENUE)));
    if spec.columns.ex_cost.is_some() {
        out.push(("exposure_cost", with(spec, EXPOSURE_COST)));
    }
    if let Some(t) = &spec.spend_table {
        out.push(("spend", spend(spec, t)));
    }
    if let Some(t) = &spec.finance_table {
        out.push(("finance", finance(spec, t)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dialect: Dialect) -> Spec {
        let groups = GroupLabels {
            exposed: vec!["test".into()],
            control: vec!["hold'out".into()],
        };
        Spec {
            dialect,
            exposures_table: "e".into(),
            order_column: None,
            revenue_table: "r".into(),
            spend_table: None,
            finance_table: None,
            columns: TableColumns {
                ex_user: "user id".into(),
                ex_channel: "channel".into(),
                ex_ts: "timestamp".into(),
                ex_group: Some("group".into()),
                ex_segment: None,
                ex_cost: None,
                ex_campaign: Some("campaign".into()),
                rv_user: "user_id".into(),
                rv_ts: "timestamp".into(),
                rv_revenue: "revenue".into(),
                rv_order_id: None,
                rv_cost: None,
                sp_date: "date".into(),
                sp_channel: "channel".into(),
                sp_spend: "spend".into(),
                fi_start: "period_start".into(),
                fi_end: "period_end".into(),
                fi_revenue: "revenue".into(),
            },
            settings: settings_line(
                &[Window(7), Window(30)],
                Some("2026-06-30"),
                &[Model::Linear, Model::PositionBased],
                &Params::default(),
                &groups,
                &Outcomes::default(),
            ),
            groups,
            windows: vec![Window(7), Window(30)],
            as_of: Some(1_782_863_999_000_000),
            models: vec![Model::Linear, Model::PositionBased],
            params: Params::default(),
            paths: false,
            outcomes: Outcomes::default(),
        }
    }

    #[test]
    fn labels_and_identifiers_are_quoted_for_each_dialect() {
        let pg = &statements(&spec(Dialect::Postgres))[0].1;
        assert!(pg.contains("gl IN ('hold''out')"), "{pg}");
        assert!(pg.contains("CAST(\"user id\" AS TEXT)"));
        let bq = &statements(&spec(Dialect::Bigquery))[0].1;
        assert!(bq.contains("gl IN ('hold\\'out')"), "{bq}");
        assert!(bq.contains("CAST(`user id` AS STRING)"));
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Snowflake.ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn the_settings_and_the_observation_end_are_written_in() {
        let s = spec(Dialect::Duckdb);
        assert_eq!(
            s.settings,
            "uplift-aggregates 3, windows 7/30, as_of 2026-06-30, position 0.4/0.4, exposed [test], control [hold'out]"
        );
        let sql = statements(&s);
        let names: Vec<&str> = sql.iter().map(|(n, _)| *n).collect();
        // No Markov, no cost column, no spend or finance table.
        assert_eq!(
            names,
            [
                "meta",
                "channels",
                "cohorts",
                "attribution_totals",
                "credits",
                "calibration_credits",
                "daily_revenue"
            ]
        );
        for (_, q) in &sql {
            assert!(q.contains("SELECT CAST(1782863999000000 AS BIGINT) AS a"));
            assert!(q.contains("SELECT 7 AS days UNION ALL SELECT 30 AS days"));
            assert!(
                !q.contains('{') && !q.contains('}'),
                "a placeholder is left: {q}"
            );
            // Position weights 0.4/0.4: two touches split 0.5/0.5, the middle shares 0.2.
            assert!(q.contains("WHEN n = 2 AND i = 1 THEN 0.5 WHEN n = 2 THEN 0.5"));
        }
    }

    #[test]
    fn profit_and_caps_add_their_settings_and_aggregate() {
        let mut s = spec(Dialect::Postgres);
        s.columns.rv_cost = Some("cost".into());
        s.outcomes = Outcomes {
            profit: Some(ProfitSettings {
                margin: 0.35,
                cost_per_order: 4.5,
                cost_per_refund: 0.0,
                cost_column: true,
            }),
            cap: None,
            cap_lower: Some(0.01),
        };
        let line = settings_line(
            &s.windows,
            Some("2026-06-30"),
            &s.models,
            &s.params,
            &s.groups,
            &s.outcomes,
        );
        assert!(
            line.contains(", margin 0.35, cost_per_order 4.5, cost_per_refund 0, cost_column yes, cap_lower 0.01"),
            "{line}"
        );
        assert!(!line.contains("cap "), "{line}");
        let sql = statements(&s);
        assert_eq!(sql[3].0, "cohort_outcomes");
        let q = &sql[3].1;
        // The profit of each order, kept once per order id (deterministically).
        assert!(q.contains("CASE WHEN \"cost\" IS NOT NULL THEN \"revenue\" - \"cost\" WHEN \"revenue\" >= 0 THEN CAST(0.35 AS DOUBLE PRECISION) * \"revenue\" - CAST(4.5 AS DOUBLE PRECISION) ELSE CAST(0.35 AS DOUBLE PRECISION) * \"revenue\" - CAST(0.0 AS DOUBLE PRECISION) END AS p"), "{q}");
        assert!(q.contains("ORDER BY t, r, u, p) END AS k"));
        assert!(q.contains("rv AS (SELECT u, t, r, p FROM rvd WHERE k < 2)"));
        // Lower caps only, by the exact percentile.
        assert!(q.contains("percentile_cont(0.01) WITHIN GROUP (ORDER BY xp) AS xp_lo"));
        assert!(q.contains("CASE WHEN uo.yp < caps.yp_lo THEN caps.yp_lo ELSE uo.yp END AS cyp"));
        assert!(q.contains("CAST(NULL AS DOUBLE PRECISION) AS y_upper"));
        assert!(
            !q.contains('{') && !q.contains('}'),
            "a placeholder is left: {q}"
        );
        // The other statements read the same orders, the profit column
        // aside.
        assert!(sql[0].1.contains("AS p\n  FROM r\n"));
    }

    #[test]
    fn the_settings_comment_stays_one_line() {
        let mut s = spec(Dialect::Postgres);
        s.settings = "exposed [a\nDROP TABLE users;--]".into();
        for (name, q) in statements(&s) {
            let first = q.lines().next().unwrap_or_default();
            assert!(first.starts_with("-- uplift"), "{first}");
            assert!(first.contains("[a\\u{a}DROP TABLE users;--]"), "{first}");
            let inside: usize = q
                .lines()
                .skip(1)
                .filter(|l| l.contains("DROP TABLE"))
                .count();
            if name == "meta" {
                // The settings as a literal, which may hold a line break.
                assert!(
                    q.contains("SELECT 'exposed [a\nDROP TABLE users;--]' AS settings"),
                    "{q}"
                );
                assert_eq!(inside, 1, "{q}");
            } else {
                assert_eq!(inside, 0, "{q}");
            }
        }
    }

    #[test]
    fn an_empty_label_list_matches_nothing() {
        let mut s = spec(Dialect::Postgres);
        s.groups.control.clear();
        let q = &statements(&s)[0].1;
        assert!(q.contains("WHEN 1 = 0 THEN 2"), "{q}");
    }
}
