//! uplift: marketing incrementality measurement.
//!
//! Loads exposure and order exports, builds exposed and control (holdout)
//! cohorts per channel, measures the causal lift, runs multi-touch
//! attribution, and reconciles revenue against finance's books.
//!
//! Layers, top to bottom (each uses only those below it):
//! `cmd` → (`io` | domain: `cohort`, `lift`, `attribution`, `simulate`) → `stats`;
//! `report` → `export`. Only `io` touches polars.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod app;
pub mod attribution;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diff;
pub mod economics;
pub mod error;
pub mod export;
pub mod io;
pub mod lift;
pub mod model;
pub mod parallel;
pub mod problem;
pub mod progress;
pub mod reconcile;
pub mod reduce;
pub mod report;
pub mod settings;
pub mod simulate;
pub mod stats;
pub mod summary;
pub mod warehouse;
pub mod warning;
