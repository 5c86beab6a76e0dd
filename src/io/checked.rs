//! `--on-bad-rows`: loading the inputs with the policy for rows that cannot
//! be read, and the warnings the revenue file's facts give.
//!
//! File-level problems (a missing column, an unreadable file, a file of
//! which no row could be used) always stop the run; row problems stop it
//! too under `error`, and are skipped with a warning under `skip`.

use super::{InputPaths, Loaded, LoadedFile, RevenueFacts};
use crate::config::Config;
use crate::error::{Error, InputError, MAX_LISTED_PROBLEMS};
use crate::warning::{Warning, WarningCode};
use schemars::JsonSchema;

/// What to do with rows that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnBadRows {
    /// Stop with exit code 2 and list the problems.
    Error,
    /// Skip them, count them in `inputs.*.rejected_rows` and list the first 20 as warnings.
    Skip,
}

/// Loads the inputs and applies `--on-bad-rows`: file-level problems are
/// always an error; row problems are an error, or skipped with warnings.
pub fn load_checked(
    paths: &InputPaths,
    cfg: &Config,
    on_bad_rows: OnBadRows,
    needs_rows: &[&str],
    warnings: &mut Vec<Warning>,
) -> Result<Loaded, Error> {
    let loaded = super::load(paths, cfg);
    let mut findings = Vec::new();
    let mut total = 0;
    for LoadedFile { kind, load: f } in &loaded.files {
        let file_level = f.info.is_none()
            || (needs_rows.contains(kind)
                && f.info.as_ref().is_some_and(|i| i.rows == i.rejected_rows));
        if f.problem_count > 0 && (on_bad_rows == OnBadRows::Error || file_level) {
            findings.extend(super::diagnose::findings(kind, paths.of(kind), f, cfg));
            total += f.problem_count;
        }
    }
    if total > 0 {
        return Err(InputError { findings, total }.into());
    }
    for LoadedFile { kind, load: f } in &loaded.files {
        if let Some(info) = f.info.as_ref().filter(|i| i.rejected_rows > 0) {
            {
                let listed: Vec<String> = f
                    .problems
                    .iter()
                    .take(MAX_LISTED_PROBLEMS)
                    .map(|p| p.to_string())
                    .collect();
                warnings.push(Warning::new(
                    WarningCode::SkippedRows,
                    format!(
                        "{} of {} rows of the {kind} file were skipped as bad ({} problems); the first: {}",
                        info.rejected_rows,
                        info.rows,
                        f.problem_count,
                        listed.join("; ")
                    ),
                ));
            }
        }
    }
    revenue_warnings(&loaded.revenue_facts, warnings);
    Ok(loaded)
}

/// The warnings of repeated order ids and refunds.
pub fn revenue_warnings(facts: &RevenueFacts, warnings: &mut Vec<Warning>) {
    if facts.duplicate_orders > 0 {
        warnings.push(Warning::new(
            WarningCode::DuplicateOrderId,
            format!("{} rows repeat an earlier order_id and were counted once (the first occurrence stays)", facts.duplicate_orders),
        ));
    }
    if facts.refunds > 0 {
        warnings.push(Warning::new(
            WarningCode::Refunds,
            format!(
                "{} orders have negative revenue (refunds, {:.2} in all): they count in net revenue but never as conversions",
                facts.refunds, facts.refund_total
            ),
        ));
    }
}
