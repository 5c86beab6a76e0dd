//! Multi-touch attribution at 10k / 100k (and, with `UPLIFT_BENCH_LARGE=1`,
//! 1M) simulated users, plus sweeps over the number of channels.
//!
//! - `touchpoints`: `Touchpoints::from_exposures` (drops control rows).
//! - `build_paths_w30`, `build_paths_w90`: `attribution::build_paths`, every
//!   conversion's look-back path and every non-converting path, for a 30 and
//!   a 90-day window.
//! - `attribute_window::<model>`: `attribution::attribute_window` of each of
//!   the seven models on the 30-day paths.
//! - `markov_order`: the Markov model at order 1, 2 and 3 on 100k users.
//! - `run_all_3_windows`: `attribution::reference_run`, the seven models at 30, 60
//!   and 90 days, one model after the other (the reference implementation).
//! - `build_nested_3_windows`: `attribution::build_nested`, the paths of
//!   the 30, 60 and 90-day windows in one pass.
//! - `attribute_and_credit_3_windows`: `calibration::attribute_and_credit`,
//!   the seven models and the calibration credits of every channel's
//!   experiment in one pass over the 30, 60 and 90-day paths, on every
//!   core, as `uplift run` computes them.
//! - `markov_channels`, `shapley_channels`: 10⁵ random paths (1 to 8
//!   touches, 30% converting, seed 42) over 4 to 12 channels, through
//!   `attribution::attribute_paths`, to show how the cost grows with the
//!   number of channels.
//! - `long_paths`: display and retargeting, where a user sees hundreds of
//!   impressions: 2,000 paths of 2,000 touches over 200 channels (half
//!   converting; 500 paths of 500 touches over 100 channels unless
//!   `UPLIFT_BENCH_LARGE=1`), through `attribution::attribute_paths`: the
//!   linear model, and Markov at order 1 with the automatic and the
//!   infinite horizon. `benches/long_paths.py` writes the same shape as
//!   files, for timing the commands.
//!
//! Inputs: `uplift::simulate::generate(users, seed 42)`, written once per size
//! to `target/tmp/bench-data/` and reused. Throughput is in paths (or
//! touchpoints for `touchpoints` and `build_paths_*`).
//!
//! Run with `cargo bench --bench attribution`.

use divan::Bencher;
use divan::counter::ItemsCount;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uplift::attribution::{
    GroupedPath, Model, NestedPaths, Params, Touchpoints, WindowPaths, attribute_paths,
    attribute_window, build_nested, build_paths, reference_run,
};
use uplift::config::Config;
use uplift::io::{InputPaths, load};
use uplift::model::Dataset;
use uplift::reduce::attribution::{Experiment, attribute_and_credit, experiments_per_window};

mod common;
use common::{SEED, dataset, sizes};

fn main() {
    divan::main();
}

/// The data set of `users` with its touchpoints and 30-day paths (once per process).
struct Prepared {
    data: Dataset,
    touchpoints: Touchpoints,
    paths_30: WindowPaths,
    nested: NestedPaths,
}

impl Prepared {
    fn path_count(&self) -> usize {
        self.paths_30.conversions.len() + self.paths_30.non_converting.len()
    }
}

fn prepared(users: usize) -> Arc<Prepared> {
    static CACHE: Mutex<BTreeMap<usize, Arc<Prepared>>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().expect("the data cache");
    cache
        .entry(users)
        .or_insert_with(|| {
            let dir = dataset(users);
            let paths = InputPaths {
                exposures: Some(dir.join("exposures.csv")),
                revenue: Some(dir.join("revenue.csv")),
                spend: None,
                finance: None,
            };
            let loaded = load(&paths, &Config::default());
            assert_eq!(
                loaded.problem_count(),
                0,
                "the simulated data loads cleanly"
            );
            let touchpoints = Touchpoints::from_exposures(&loaded.data.exposures);
            let paths_30 = build_paths(&touchpoints, &loaded.data.orders, 30);
            let nested = build_nested(&touchpoints, &loaded.data.orders, &[30, 60, 90]);
            Arc::new(Prepared {
                data: loaded.data,
                touchpoints,
                paths_30,
                nested,
            })
        })
        .clone()
}

/// Touchpoints (exposed and organic rows) from the exposures.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn touchpoints(bencher: Bencher, users: usize) {
    let p = prepared(users);
    bencher
        .counter(ItemsCount::new(p.data.exposures.len()))
        .bench(|| Touchpoints::from_exposures(divan::black_box(&p.data.exposures)));
}

fn bench_build_paths(bencher: Bencher, users: usize, window_days: u16) {
    let p = prepared(users);
    bencher
        .counter(ItemsCount::new(p.touchpoints.len() + p.data.orders.len()))
        .bench(|| {
            build_paths(
                divan::black_box(&p.touchpoints),
                &p.data.orders,
                window_days,
            )
        });
}

/// Every path of a 30-day window (touchpoints + orders per second).
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn build_paths_w30(bencher: Bencher, users: usize) {
    bench_build_paths(bencher, users, 30);
}

/// Every path of a 90-day window.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn build_paths_w90(bencher: Bencher, users: usize) {
    bench_build_paths(bencher, users, 90);
}

/// One model on the 30-day paths, default parameters.
fn bench_model(bencher: Bencher, users: usize, model: Model, params: Params) {
    let p = prepared(users);
    let n_channels = p.data.channels.len();
    bencher.counter(ItemsCount::new(p.path_count())).bench(|| {
        attribute_window(
            divan::black_box(&p.touchpoints),
            &p.paths_30,
            model,
            &params,
            n_channels,
        )
    });
}

/// `attribute_window` of each model on the 30-day paths.
#[divan::bench_group(sample_count = 20, max_time = 60)]
mod attribute_window {
    use super::{Bencher, Model, Params, bench_model, sizes};

    #[divan::bench(args = sizes())]
    fn first_touch(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::FirstTouch, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn last_touch(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::LastTouch, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn linear(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::Linear, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn time_decay(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::TimeDecay, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn position_based(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::PositionBased, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn markov(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::Markov, Params::default());
    }

    #[divan::bench(args = sizes())]
    fn shapley(bencher: Bencher, users: usize) {
        bench_model(bencher, users, Model::Shapley, Params::default());
    }
}

/// The Markov model at order 1, 2 and 3, 100k users, 30-day paths.
#[divan::bench(args = [1, 2, 3], sample_count = 20, max_time = 60)]
fn markov_order(bencher: Bencher, order: usize) {
    let params = Params {
        markov_order: order,
        ..Params::default()
    };
    bench_model(bencher, 100_000, Model::Markov, params);
}

/// Seven models at 30, 60 and 90 days, paths included (as `uplift run`).
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn run_all_3_windows(bencher: Bencher, users: usize) {
    let p = prepared(users);
    let params = Params::default();
    bencher.counter(ItemsCount::new(users)).bench(|| {
        reference_run(
            divan::black_box(&p.data.exposures),
            &p.data.orders,
            p.data.channels.len(),
            &[30, 60, 90],
            &Model::ALL,
            &params,
        )
    });
}

/// The paths of the 30, 60 and 90-day windows in one pass.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn build_nested_3_windows(bencher: Bencher, users: usize) {
    let p = prepared(users);
    bencher
        .counter(ItemsCount::new(p.touchpoints.len()))
        .bench(|| {
            build_nested(
                divan::black_box(&p.touchpoints),
                &p.data.orders,
                &[30, 60, 90],
            )
        });
}

/// Seven models and every channel's experiment credits in one pass over
/// the 30, 60 and 90-day paths, on every core (as `uplift run` does).
/// Throughput is in 30-day paths.
#[divan::bench(args = sizes(), sample_count = 10, max_time = 60)]
fn attribute_and_credit_3_windows(bencher: Bencher, users: usize) {
    let p = prepared(users);
    let params = Params::default();
    let cohorts = uplift::reduce::cohort::build(&p.data.exposures, p.data.channels.len());
    let experiments =
        experiments_per_window(&cohorts, &p.nested.windows, |c| !c.control.is_empty());
    let refs: Vec<Vec<&Experiment<'_>>> = experiments.iter().map(|e| e.iter().collect()).collect();
    let as_of = p.data.max_revenue_ts.unwrap_or(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    bencher.counter(ItemsCount::new(p.path_count())).bench(|| {
        attribute_and_credit(
            divan::black_box(&p.touchpoints),
            &p.nested,
            &refs,
            &Model::ALL,
            &params,
            p.data.channels.len(),
            as_of,
            threads,
        )
    });
}

/// Paths for the channel sweeps.
const SWEEP_PATHS: usize = 100_000;

/// `SWEEP_PATHS` random paths over `channels` channels, one per row (not
/// grouped): 1 to 8 touches, 30% converting with revenue in [10, 110).
fn random_paths(channels: u16) -> Vec<GroupedPath> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..SWEEP_PATHS)
        .map(|_| {
            let len = rng.random_range(1..=8);
            let path = (0..len).map(|_| rng.random_range(0..channels)).collect();
            let converts = rng.random::<f64>() < 0.3;
            GroupedPath {
                channels: path,
                conversions: u64::from(converts),
                revenue: if converts {
                    10.0 + 100.0 * rng.random::<f64>()
                } else {
                    0.0
                },
                nulls: u64::from(!converts),
            }
        })
        .collect()
}

const CHANNEL_COUNTS: [u16; 5] = [4, 6, 8, 10, 12];

/// The Markov model (order 1) on 10⁵ paths over 4…12 channels.
#[divan::bench(args = CHANNEL_COUNTS, sample_count = 20, max_time = 60)]
fn markov_channels(bencher: Bencher, channels: u16) {
    let paths = random_paths(channels);
    let params = Params::default();
    bencher
        .counter(ItemsCount::new(paths.len()))
        .bench(|| attribute_paths(divan::black_box(&paths), Model::Markov, &params));
}

/// The Shapley model on 10⁵ paths over 4…12 channels.
#[divan::bench(args = CHANNEL_COUNTS, sample_count = 20, max_time = 60)]
fn shapley_channels(bencher: Bencher, channels: u16) {
    let paths = random_paths(channels);
    let params = Params::default();
    bencher
        .counter(ItemsCount::new(paths.len()))
        .bench(|| attribute_paths(divan::black_box(&paths), Model::Shapley, &params));
}

/// Paths of `touches` touches over `channels` channels, `users` of them,
/// every other one converting (seed 42).
fn long_paths() -> Vec<GroupedPath> {
    let large = std::env::var_os("UPLIFT_BENCH_LARGE").is_some();
    let (users, touches, channels) = if large {
        (2000, 2000, 200)
    } else {
        (500, 500, 100)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..users)
        .map(|u| {
            let converts = u % 2 == 0;
            GroupedPath {
                channels: (0..touches)
                    .map(|_| rng.random_range(0..channels))
                    .collect(),
                conversions: u64::from(converts),
                revenue: if converts { 100.0 } else { 0.0 },
                nulls: u64::from(!converts),
            }
        })
        .collect()
}

/// The linear model, Markov (automatic horizon) and Markov (infinite
/// horizon) on long paths.
#[divan::bench(args = ["linear", "markov", "markov_inf"], sample_count = 5, max_time = 60)]
fn long_paths_models(bencher: Bencher, model: &str) {
    let paths = long_paths();
    let (m, params) = match model {
        "linear" => (Model::Linear, Params::default()),
        "markov" => (Model::Markov, Params::default()),
        _ => (
            Model::Markov,
            Params {
                markov_horizon: uplift::attribution::Horizon::Infinite,
                ..Params::default()
            },
        ),
    };
    bencher
        .counter(ItemsCount::new(paths.len()))
        .bench(|| attribute_paths(divan::black_box(&paths), m, &params));
}
