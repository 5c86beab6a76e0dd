//! The lift rows, flattened, as CSV: nested fields are joined with `_`
//! (`revenue_per_user_lift.ci_low` → `revenue_per_user_lift_ci_low`).

use crate::error::Error;
use crate::report::{
    CapValues, Capping, Decision, Interval, LiftRow, Placebo, PlanStatus, Report, Tested,
};
use serde_json::Value;
use std::collections::HashMap;

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}_{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn cells(row: &LiftRow) -> Result<Vec<(String, String)>, Error> {
    let v = serde_json::to_value(row).map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::new();
    flatten("", &v, &mut out);
    Ok(out)
}

/// Renders the lift rows as CSV, one column per leaf field. The columns are
/// those of a row with every optional object present, so that a row whose
/// `iroas` is null has empty `iroas_estimate`, `iroas_ci_low`, … cells.
pub fn render(report: &Report) -> Result<Vec<u8>, Error> {
    let internal = |e: csv::Error| Error::Internal(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    if let Some(first) = report.lift.first() {
        let mut template = first.clone();
        template.iroas = Some(Interval::default());
        template.ipoas = Some(Interval::default());
        template.net_return = Some(Interval::default());
        template.profit_per_user_lift = Some(Tested::default());
        template.profit_per_user_lift_raw = Some(Tested::default());
        template.incremental_profit = Some(Interval::default());
        template.status = Some(PlanStatus::default());
        template.placebo = Some(Placebo::default());
        template.capping = Some(Capping {
            profit: Some(CapValues::default()),
            ..Capping::default()
        });
        template.decision = Some(Decision {
            basis: String::new(),
            hurdle_iroas: 0.0,
            hurdle_ipoas: Some(0.0),
            verdict: String::new(),
        });
        if template.bootstrap.is_none() {
            template.bootstrap = report.lift.iter().find_map(|r| r.bootstrap);
        }
        let header: Vec<String> = cells(&template)?.into_iter().map(|(k, _)| k).collect();
        w.write_record(&header).map_err(internal)?;
        for row in &report.lift {
            let map: HashMap<String, String> = cells(row)?.into_iter().collect();
            let record = header.iter().map(|h| map.get(h).map_or("", String::as_str));
            w.write_record(record).map_err(internal)?;
        }
    }
    w.into_inner().map_err(|e| Error::Internal(e.to_string()))
}
