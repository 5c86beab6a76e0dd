//! Reading Parquet files with polars: the only part of the crate that
//! does. Only the wanted columns are read; timestamp, date and numeric
//! columns keep their types.

use super::first_rows::{FirstRows, SampleCell};
use super::header::locate;
use super::{At, Value, ValueKind, Wanted};
use crate::io::problem::Problem;
use crate::model::{MICROS_PER_DAY, Micros};
use polars::prelude::*;
use std::io::Cursor;

pub(super) fn parquet_first_rows(f: std::fs::File, n: usize) -> Option<FirstRows> {
    let mut reader = ParquetReader::new(f);
    let rows = reader.num_rows().ok()?;
    let df = reader.with_slice(Some((0, n))).finish().ok()?;
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            let cells = match s.dtype() {
                DataType::Datetime(unit, _) => {
                    let to_micros = |v: i64| match unit {
                        TimeUnit::Nanoseconds => v.div_euclid(1000),
                        TimeUnit::Microseconds => v,
                        TimeUnit::Milliseconds => v.saturating_mul(1000),
                    };
                    s.to_physical_repr().i64().map_or_else(
                        |_| Vec::new(),
                        |ca| {
                            ca.iter()
                                .map(|v| {
                                    v.map_or(SampleCell::Null, |v| {
                                        SampleCell::Timestamp(to_micros(v))
                                    })
                                })
                                .collect()
                        },
                    )
                }
                DataType::Date => s.to_physical_repr().i32().map_or_else(
                    |_| Vec::new(),
                    |ca| {
                        ca.iter()
                            .map(|v| {
                                v.map_or(SampleCell::Null, |d| {
                                    SampleCell::Date(i64::from(d) * MICROS_PER_DAY)
                                })
                            })
                            .collect()
                    },
                ),
                dt if dt.is_primitive_numeric() => s
                    .cast(&DataType::Float64)
                    .ok()
                    .and_then(|f| f.f64().ok().map(|ca| ca.iter().collect::<Vec<_>>()))
                    .map_or_else(Vec::new, |v| {
                        v.into_iter()
                            .map(|v| v.map_or(SampleCell::Null, SampleCell::Number))
                            .collect()
                    }),
                _ => s
                    .cast(&DataType::String)
                    .ok()
                    .and_then(|t| {
                        t.str().ok().map(|ca| {
                            ca.iter()
                                .map(|v| match v {
                                    None | Some("") => SampleCell::Null,
                                    Some(v) => SampleCell::Text(v.to_string()),
                                })
                                .collect()
                        })
                    })
                    .unwrap_or_default(),
            };
            (s.name().to_string(), cells)
        })
        .collect();
    Some(FirstRows {
        columns,
        rows: Some(rows as u64),
    })
}

/// A Parquet column, converted once to what the loaders read.
enum ParquetColumn {
    Text(StringChunked),
    Number(Vec<Option<f64>>),
    Micros(Vec<Option<Micros>>),
}

pub(super) fn scan_parquet(
    file: &str,
    raw: &[u8],
    wanted: &[Wanted],
    mut visit: impl FnMut(At, &[Value<'_>]),
) -> Result<usize, Problem> {
    let bad = |e: PolarsError| {
        Problem::file(
            file,
            format!("is not a readable Parquet file ({e}); expected .parquet to hold Parquet data"),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(raw));
    let schema = reader.schema().map_err(bad)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let index = locate(file, &header, wanted)?;
    let present: Vec<String> = wanted
        .iter()
        .zip(&index)
        .filter(|(_, i)| i.is_some())
        .map(|(w, _)| w.name.clone())
        .collect();
    let df = ParquetReader::new(Cursor::new(raw))
        .with_columns(Some(present))
        .finish()
        .map_err(bad)?;
    let rows = df.height();
    let mut columns: Vec<Option<ParquetColumn>> = Vec::with_capacity(wanted.len());
    for w in wanted {
        let Ok(c) = df.column(&w.name) else {
            columns.push(None);
            continue;
        };
        let s = c.as_materialized_series().rechunk();
        let wrong_type = |dtype: &DataType| Problem {
            file: file.to_string(),
            line: None,
            column: Some(w.name.clone()),
            value: None,
            message: format!(
                "has Parquet type {dtype}, which cannot be read as {:?}",
                w.kind
            ),
        };
        let col = match (w.kind, s.dtype()) {
            (_, DataType::String) => ParquetColumn::Text(s.str().map_err(bad)?.clone()),
            (ValueKind::Timestamp | ValueKind::Date, DataType::Datetime(unit, _)) => {
                let phys = s.to_physical_repr();
                let ca = phys.i64().map_err(bad)?;
                let to_micros = |v: i64| match unit {
                    TimeUnit::Nanoseconds => v.div_euclid(1000),
                    TimeUnit::Microseconds => v,
                    TimeUnit::Milliseconds => v.saturating_mul(1000),
                };
                ParquetColumn::Micros(ca.iter().map(|v| v.map(to_micros)).collect())
            }
            (ValueKind::Timestamp | ValueKind::Date, DataType::Date) => {
                let phys = s.to_physical_repr();
                let ca = phys.i32().map_err(bad)?;
                ParquetColumn::Micros(
                    ca.iter()
                        .map(|v| v.map(|d| i64::from(d) * MICROS_PER_DAY))
                        .collect(),
                )
            }
            (ValueKind::Number, dt) if dt.is_primitive_numeric() => {
                let f = s.cast(&DataType::Float64).map_err(bad)?;
                ParquetColumn::Number(f.f64().map_err(bad)?.iter().collect())
            }
            (ValueKind::Text, dt) if dt.is_primitive_numeric() || dt.is_bool() => {
                let t = s.cast(&DataType::String).map_err(bad)?;
                ParquetColumn::Text(t.str().map_err(bad)?.clone())
            }
            (_, dt) => return Err(wrong_type(dt)),
        };
        columns.push(Some(col));
    }
    let mut iters: Vec<Box<dyn Iterator<Item = Value<'_>> + '_>> = columns
        .iter()
        .map(|c| -> Box<dyn Iterator<Item = Value<'_>> + '_> {
            match c {
                None => Box::new(std::iter::repeat(Value::Absent)),
                Some(ParquetColumn::Text(ca)) => {
                    Box::new(ca.iter().map(|v| v.map_or(Value::Absent, Value::Text)))
                }
                Some(ParquetColumn::Number(v)) => {
                    Box::new(v.iter().map(|v| v.map_or(Value::Absent, Value::Number)))
                }
                Some(ParquetColumn::Micros(v)) => {
                    Box::new(v.iter().map(|v| v.map_or(Value::Absent, Value::Micros)))
                }
            }
        })
        .collect();
    let mut values = Vec::with_capacity(wanted.len());
    for row in 0..rows {
        values.clear();
        values.extend(
            iters
                .iter_mut()
                .map(|it| it.next().unwrap_or(Value::Absent)),
        );
        visit(
            At {
                row,
                line: row as u64 + 2,
            },
            &values,
        );
    }
    Ok(rows)
}
