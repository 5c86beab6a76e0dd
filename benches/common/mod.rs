//! What every benchmark shares: the sizes, and the simulated data sets
//! (`uplift simulate --seed 42`), generated once and cached.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use uplift::simulate::{SimOptions, Truth, generate};

/// The seed of every benchmark data set.
pub const SEED: u64 = 42;

/// Simulated users: 10k and 100k; 1M too with `UPLIFT_BENCH_LARGE=1`.
pub fn sizes() -> Vec<usize> {
    let mut sizes = vec![10_000, 100_000];
    if std::env::var("UPLIFT_BENCH_LARGE").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    sizes
}

/// The generator's version, from a one-user data set (a few milliseconds).
pub fn generator_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        generate(
            &SimOptions {
                users: 1,
                seed: SEED,
            },
            dir.path(),
        )
        .expect("simulate 1 user");
        Truth::read(&dir.path().join("truth.json"))
            .expect("truth.json of 1 user")
            .generator
    })
}

/// The directory holding `uplift simulate --users N --seed 42`'s files,
/// generated on first use and kept under `target/tmp/bench-data/` (it is
/// regenerated when the generator's version changes).
pub fn dataset(users: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-data")
        .join(format!("users-{users}-seed-{SEED}"));
    let fresh = Truth::read(&dir.join("truth.json")).is_ok_and(|t| {
        t.users == users as u64 && t.seed == SEED && t.generator == generator_version()
    });
    if !fresh {
        let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        generate(&SimOptions { users, seed: SEED }, &tmp).expect("simulate the benchmark data");
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&tmp, &dir).expect("move the benchmark data into place");
    }
    dir
}
