//! The one integration-test binary (one link step with polars).
//!
//! Where tests go: one file per subcommand (`run.rs`, `validate.rs`, …);
//! every malformed input in `bad_input.rs`; exit codes in `exit_codes.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attribute;
mod bad_input;
mod diff;
mod exit_codes;
mod formats;
mod help;
mod layers;
mod man;
mod mutations;
mod power;
mod progress;
mod properties;
mod reading;
mod reconcile;
mod run;
mod schema;
mod terminal;
mod truth;
mod util;
mod validate;
mod warehouse;
