//! Loading the inputs: CSV against Parquet, at 10k / 100k (and, with
//! `UPLIFT_BENCH_LARGE=1`, 1M) simulated users.
//!
//! - `load_csv`, `load_parquet`: `uplift::io::load` of exposures + revenue,
//!   everything `uplift run` does before the analysis (read, SHA-256, parse
//!   and check every value, intern ids, sort by user and time).
//! - `read_csv_exposures`, `read_parquet_exposures`: `io::read::scan`
//!   alone on the exposures file (the file parse, before uplift's own
//!   conversion of every value), to split the load into parse and convert.
//!
//! Inputs: `uplift::simulate::generate(users, seed 42)`, written once per size
//! to `target/tmp/bench-data/` and reused; the Parquet copies (native
//! `timestamp[us, UTC]` and `float64` columns) are written beside the CSV
//! files from them. Throughput is reported in input bytes and rows.
//!
//! Run with `cargo bench --bench ingest`.

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use polars::prelude::*;
use std::fs;
use std::path::PathBuf;
use uplift::config::Config;
use uplift::io::read::{ValueKind, Wanted, scan};
use uplift::io::{InputPaths, load};

mod common;
use common::{dataset, sizes};

fn main() {
    divan::main();
}

/// `name.csv` of the data set of `users`, with its Parquet copy written on
/// first use: every column as in the CSV file, `timestamp` as
/// `timestamp[us, UTC]` and money as `float64` (zstd, polars' default).
fn parquet_copy(users: usize, name: &str) -> PathBuf {
    let dir = dataset(users);
    let out = dir.join(format!("{name}.parquet"));
    if out.exists() {
        return out;
    }
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(dir.join(format!("{name}.csv"))))
        .and_then(|r| r.finish())
        .expect("read the simulated CSV file");
    let micros: Int64Chunked = df
        .column("timestamp")
        .and_then(|c| c.str().cloned())
        .expect("a text timestamp column")
        .iter()
        .map(|s| s.and_then(uplift::io::time::parse_timestamp))
        .collect();
    let ts = micros
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_series()
        .with_name("timestamp".into());
    df.with_column(ts.into())
        .expect("replace the timestamp column");
    let tmp = out.with_extension(format!("tmp-{}", std::process::id()));
    let file = fs::File::create(&tmp).expect("create the Parquet file");
    ParquetWriter::new(file)
        .finish(&mut df)
        .expect("write the Parquet file");
    fs::rename(&tmp, &out).expect("move the Parquet file into place");
    out
}

/// Exposures and revenue of the data set of `users` in one format.
fn inputs(users: usize, parquet: bool) -> InputPaths {
    let path = |name: &str| {
        if parquet {
            parquet_copy(users, name)
        } else {
            dataset(users).join(format!("{name}.csv"))
        }
    };
    InputPaths {
        exposures: Some(path("exposures")),
        revenue: Some(path("revenue")),
        spend: None,
        finance: None,
    }
}

fn file_bytes(paths: &[&Option<PathBuf>]) -> usize {
    paths
        .iter()
        .filter_map(|p| p.as_ref())
        .map(|p| fs::metadata(p).map_or(0, |m| m.len() as usize))
        .sum()
}

fn bench_load(bencher: Bencher, users: usize, parquet: bool) {
    let paths = inputs(users, parquet);
    let cfg = Config::default();
    let loaded = load(&paths, &cfg);
    assert_eq!(
        loaded.problem_count(),
        0,
        "the simulated data loads cleanly"
    );
    let rows = loaded.data.exposures.len() + loaded.data.orders.len();
    bencher
        .counter(BytesCount::new(file_bytes(&[
            &paths.exposures,
            &paths.revenue,
        ])))
        .counter(ItemsCount::new(rows))
        .bench(|| load(divan::black_box(&paths), &cfg));
}

/// `io::load` of exposures.csv + revenue.csv.
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn load_csv(bencher: Bencher, users: usize) {
    bench_load(bencher, users, false);
}

/// `io::load` of exposures.parquet + revenue.parquet.
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn load_parquet(bencher: Bencher, users: usize) {
    bench_load(bencher, users, true);
}

/// The exposures columns `io::load` asks for.
fn exposures_columns() -> Vec<Wanted> {
    [
        ("user_id", true, ValueKind::Text),
        ("channel", true, ValueKind::Text),
        ("timestamp", true, ValueKind::Timestamp),
        ("group", false, ValueKind::Text),
        ("campaign", false, ValueKind::Text),
        ("segment", false, ValueKind::Text),
        ("cost", false, ValueKind::Number),
    ]
    .into_iter()
    .map(|(name, required, kind)| Wanted {
        canonical: name,
        name: name.to_string(),
        required,
        kind,
    })
    .collect()
}

fn bench_read(bencher: Bencher, users: usize, parquet: bool) {
    let path = inputs(users, parquet).exposures.expect("an exposures path");
    let wanted = exposures_columns();
    let read = |path: &std::path::Path| {
        scan(path, &wanted, |_, v| {
            divan::black_box(v);
        })
    };
    let rows = read(&path).expect("the simulated exposures parse").rows;
    bencher
        .counter(BytesCount::new(file_bytes(&[&Some(path.clone())])))
        .counter(ItemsCount::new(rows))
        .bench(|| read(divan::black_box(&path)).map(|m| m.rows));
}

/// `io::read::scan` of exposures.csv (CSV parse + hash, no conversion).
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn read_csv_exposures(bencher: Bencher, users: usize) {
    bench_read(bencher, users, false);
}

/// `io::read::scan` of exposures.parquet.
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn read_parquet_exposures(bencher: Bencher, users: usize) {
    bench_read(bencher, users, true);
}
