//! The lift rows, flattened, as CSV: nested fields are joined with `_`
//! (`revenue_per_user_lift.ci_low` → `revenue_per_user_lift_ci_low`).

use crate::error::Error;
use crate::report::Report;
use serde_json::Value;

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

/// Renders the lift rows as CSV, one column per leaf field. Null objects
/// (e.g. `iroas` without spend) get the columns their non-null form has.
pub fn render(report: &Report) -> Result<Vec<u8>, Error> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(e.to_string());
    let rows: Vec<Vec<(String, String)>> = report
        .lift
        .iter()
        .map(|r| {
            let v = serde_json::to_value(r).map_err(|e| internal(&e))?;
            let mut cells = Vec::new();
            flatten("", &v, &mut cells);
            Ok(cells)
        })
        .collect::<Result<_, Error>>()?;
    // The header is the union of keys in first-seen order, so that rows with
    // null objects line up with rows where they are present.
    let mut header: Vec<String> = Vec::new();
    for r in &rows {
        for (k, _) in r {
            if !header.contains(k) {
                let pos = header
                    .iter()
                    .position(|h| k.starts_with(&format!("{h}_")))
                    .map(|p| {
                        header.remove(p);
                        p
                    });
                match pos {
                    Some(p) => header.insert(p, k.clone()),
                    None => header.push(k.clone()),
                }
            }
        }
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(|e| internal(&e))?;
    for r in &rows {
        let cells: Vec<&str> = header
            .iter()
            .map(|h| {
                r.iter()
                    .find(|(k, _)| k == h || h.starts_with(&format!("{k}_")))
                    .map_or("", |(_, v)| v.as_str())
            })
            .collect();
        w.write_record(&cells).map_err(|e| internal(&e))?;
    }
    w.into_inner().map_err(|e| internal(&e))
}
