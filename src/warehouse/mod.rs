//! Warehouse mode: the heavy steps pushed to a SQL engine as statements that
//! return small aggregates (`sql`), and the report computed from those
//! aggregates alone (`aggregates`).

pub mod aggregates;
pub mod sql;
pub mod summary;
