//! `uplift sql`: the SQL that computes the report's aggregates where the data
//! lives (warehouse mode).

use super::Outcome;
use crate::cli::SqlArgs;
use crate::config::Config;
use crate::error::Error;
use crate::settings::{self, parse_as_of, resolve_profit, resolve_windows, with_cost_column};
use crate::warehouse::sql::{self, OptionalColumn, Outcomes, Spec, TableColumns};

/// The column names in force: the `[columns.*]` mapping, else the canonical
/// names; optional columns named by `--missing-column` are left out. The
/// revenue table's `cost` column is read only when `[columns.revenue] cost`
/// names it (most revenue tables have none).
pub fn table_columns(cfg: &Config, missing: &[OptionalColumn]) -> TableColumns {
    let c = &cfg.columns;
    let name = |v: &Option<String>, canonical: &str| v.clone().unwrap_or_else(|| canonical.into());
    let optional = |v: &Option<String>, canonical: &str, col: OptionalColumn| {
        (!missing.contains(&col)).then(|| name(v, canonical))
    };
    TableColumns {
        ex_user: name(&c.exposures.user_id, "user_id"),
        ex_channel: name(&c.exposures.channel, "channel"),
        ex_ts: name(&c.exposures.timestamp, "timestamp"),
        ex_group: optional(&c.exposures.group, "group", OptionalColumn::Group),
        ex_segment: optional(&c.exposures.segment, "segment", OptionalColumn::Segment),
        ex_cost: optional(&c.exposures.cost, "cost", OptionalColumn::Cost),
        ex_campaign: optional(&c.exposures.campaign, "campaign", OptionalColumn::Campaign),
        rv_user: name(&c.revenue.user_id, "user_id"),
        rv_ts: name(&c.revenue.timestamp, "timestamp"),
        rv_revenue: name(&c.revenue.revenue, "revenue"),
        rv_order_id: optional(&c.revenue.order_id, "order_id", OptionalColumn::OrderId),
        rv_cost: c.revenue.cost.clone().filter(|s| !s.is_empty()),
        sp_date: name(&c.spend.date, "date"),
        sp_channel: name(&c.spend.channel, "channel"),
        sp_spend: name(&c.spend.spend, "spend"),
        fi_start: name(&c.finance.period_start, "period_start"),
        fi_end: name(&c.finance.period_end, "period_end"),
        fi_revenue: name(&c.finance.revenue, "revenue"),
    }
}

/// Runs `uplift sql`.
pub fn run(a: &SqlArgs) -> Result<Outcome, Error> {
    // The table names first: nothing is read or written for a name that
    // is not an identifier.
    let d = a.dialect;
    let exposures_table = d.table_name("exposures-table", &a.exposures_table)?;
    let revenue_table = d.table_name("revenue-table", &a.revenue_table)?;
    let spend_table = a
        .spend_table
        .as_deref()
        .map(|t| d.table_name("spend-table", t))
        .transpose()?;
    let finance_table = a
        .finance_table
        .as_deref()
        .map(|t| d.table_name("finance-table", t))
        .transpose()?;
    if a.order_column.as_deref().is_some_and(str::is_empty) {
        return Err(Error::Usage(
            "--order-column \"\": is empty (expected the name of a column of the exposures table, like event_id)".into(),
        ));
    }
    let cfg = settings::config(a.config.as_deref())?;
    let windows = resolve_windows(&a.windows, &cfg)?;
    let (models, params) = settings::attribution(&a.attribution, &cfg)?;
    let as_of = a.as_of.as_deref().map(parse_as_of).transpose()?;
    let groups = cfg.groups.labels();
    let columns = table_columns(&cfg, &a.missing_column);
    let beyond = resolve_profit(&a.profit, &cfg)?;
    let mut outcomes = Outcomes {
        profit: beyond.profit,
        cap: beyond.cap,
        cap_lower: beyond.cap_lower,
    };
    with_cost_column(&mut outcomes.profit, columns.rv_cost.is_some());
    let spec = Spec {
        dialect: a.dialect,
        exposures_table,
        revenue_table,
        spend_table,
        finance_table,
        columns,
        order_column: a.order_column.clone(),
        settings: sql::settings_line(
            &windows,
            a.as_of.as_deref(),
            &models,
            &params,
            &groups,
            &outcomes,
        ),
        outcomes,
        groups,
        windows,
        as_of,
        models,
        params,
        paths: a.paths,
    };
    let statements = sql::statements(&spec);
    let mut bytes = Vec::new();
    match &a.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
            for (name, sql) in &statements {
                let path = dir.join(format!("{name}.sql"));
                super::write_atomic(&path, sql.as_bytes())?;
                bytes.extend_from_slice(format!("{}\n", path.display()).as_bytes());
            }
        }
        None => {
            for (name, sql) in &statements {
                bytes.extend_from_slice(
                    format!("-- uplift:aggregate {name}\n{sql};\n\n").as_bytes(),
                );
            }
        }
    }
    Ok(Outcome {
        bytes,
        ..Outcome::default()
    })
}
