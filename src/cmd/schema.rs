//! `uplift schema`: the JSON Schema (draft 2020-12) of the JSON report,
//! generated from the report's types ([`crate::report::json_schema`]) so
//! that it cannot drift from them; with `--diff`, that of `uplift diff`'s
//! JSON ([`crate::diff::json_schema`]).

use super::Outcome;
use crate::cli::SchemaArgs;
use crate::error::Error;

/// Runs `uplift schema`.
pub fn run(a: &SchemaArgs) -> Result<Outcome, Error> {
    Ok(Outcome {
        bytes: crate::export::json(&if a.diff {
            crate::diff::json_schema()
        } else {
            crate::report::json_schema()
        })?,
        output: a.output.clone(),
        ..Outcome::default()
    })
}
