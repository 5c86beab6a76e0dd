//! The stages of `uplift run` after loading, and the whole run, at 10k / 100k
//! (and, with `UPLIFT_BENCH_LARGE=1`, 1M) simulated users.
//!
//! - `cohort_build`: `cohort::build`, exposed / control / contaminated users
//!   and entry times of every channel (one pass over the sorted exposures).
//! - `cohort_outcomes`: `cohort::outcomes` of both arms of every channel for
//!   the windows 30, 60 and 90 (order index included).
//! - `lift_estimate`: `lift::estimate` (Welch + CUPED + conversion lift) of
//!   every (channel, window) on the outcomes above, all users.
//! - `lift_rows`: the run's whole lift section, per segment too
//!   (`reduce::cells::cells`, then `analysis::lift_rows::rows`: outcomes,
//!   subsets, moments, estimates, Holm).
//! - `run`: the stages of `uplift run --exposures … --revenue … --spend …
//!   --finance … --config … --window 30 --window 60 --window 90 --format
//!   json`, called as the command calls them (settings, load, reduce to a
//!   summary, analysis, report, rendering; not the file write).
//!
//! Inputs: `uplift::simulate::generate(users, seed 42)`, written once per size
//! to `target/tmp/bench-data/` and reused. Throughput is in users.
//!
//! Run with `cargo bench --bench pipeline`.

use clap::Parser;
use divan::Bencher;
use divan::counter::ItemsCount;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uplift::cli::RunArgs;
use uplift::cli::{Cli, Command};
use uplift::config::Config;
use uplift::io::{InputPaths, load};
use uplift::lift::{Arm, LiftSettings, estimate};
use uplift::model::{Dataset, Window};
use uplift::reduce::cohort::{self, ArmOutcomes, OrderIndex};
use uplift::settings::RunSettings;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

mod common;
use common::{dataset, sizes};

fn main() {
    divan::main();
}

/// The windows of the comparison run.
const WINDOWS: [Window; 3] = [Window(30), Window(60), Window(90)];

/// The loaded data set of `users` (loaded once per process).
fn data(users: usize) -> Arc<Dataset> {
    static CACHE: Mutex<BTreeMap<usize, Arc<Dataset>>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().expect("the data cache");
    cache
        .entry(users)
        .or_insert_with(|| {
            let dir = dataset(users);
            let paths = InputPaths {
                exposures: Some(dir.join("exposures.csv")),
                revenue: Some(dir.join("revenue.csv")),
                spend: Some(dir.join("spend.csv")),
                finance: Some(dir.join("finance.csv")),
            };
            let loaded = load(&paths, &Config::default());
            assert_eq!(
                loaded.problem_count(),
                0,
                "the simulated data loads cleanly"
            );
            Arc::new(loaded.data)
        })
        .clone()
}

/// `uplift run` of the comparison, parsed by the CLI's own parser.
fn run_args(users: usize) -> RunArgs {
    let dir = dataset(users);
    let file = |name: &str| dir.join(name).display().to_string();
    let argv = [
        "uplift".to_string(),
        "run".to_string(),
        "--exposures".to_string(),
        file("exposures.csv"),
        "--revenue".to_string(),
        file("revenue.csv"),
        "--spend".to_string(),
        file("spend.csv"),
        "--finance".to_string(),
        file("finance.csv"),
        "--config".to_string(),
        file("uplift.toml"),
        "--window".to_string(),
        "30".to_string(),
        "--window".to_string(),
        "60".to_string(),
        "--window".to_string(),
        "90".to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    match Cli::try_parse_from(argv)
        .expect("valid run arguments")
        .command
    {
        Command::Run(args) => args,
        _ => unreachable!("the command is run"),
    }
}

fn as_of(data: &Dataset) -> i64 {
    data.max_revenue_ts.expect("the data has orders")
}

/// `cohort::build` over every exposures row.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn cohort_build(bencher: Bencher, users: usize) {
    let data = data(users);
    bencher
        .counter(ItemsCount::new(data.exposures.len()))
        .bench(|| cohort::build(divan::black_box(&data.exposures), data.channels.len()));
}

/// Outcomes (X, Y, converted) of both arms of every channel, windows 30/60/90.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn cohort_outcomes(bencher: Bencher, users: usize) {
    let data = data(users);
    let cohorts = cohort::build(&data.exposures, data.channels.len());
    let as_of = as_of(&data);
    let members: usize = cohorts
        .iter()
        .map(|c| c.exposed.len() + c.control.len())
        .sum();
    bencher.counter(ItemsCount::new(members)).bench(|| {
        let index = OrderIndex::new(&data.orders, data.users.len());
        cohorts
            .iter()
            .map(|c| {
                let e = cohort::outcomes(&c.exposed, &data.orders, None, &index, &WINDOWS, as_of);
                let k = cohort::outcomes(&c.control, &data.orders, None, &index, &WINDOWS, as_of);
                (e, k)
            })
            .collect::<Vec<_>>()
    });
}

fn arm(o: &ArmOutcomes) -> Arm<'_> {
    Arm {
        x: &o.x,
        y: &o.y,
        converted: &o.converted,
    }
}

/// `lift::estimate` (CUPED on) of every channel and window, all users.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn lift_estimate(bencher: Bencher, users: usize) {
    let data = data(users);
    let cohorts = cohort::build(&data.exposures, data.channels.len());
    let index = OrderIndex::new(&data.orders, data.users.len());
    let as_of = as_of(&data);
    let arms: Vec<(ArmOutcomes, ArmOutcomes)> = cohorts
        .iter()
        .filter(|c| !c.exposed.is_empty() && !c.control.is_empty())
        .flat_map(|c| {
            let e = cohort::outcomes(&c.exposed, &data.orders, None, &index, &WINDOWS, as_of);
            let k = cohort::outcomes(&c.control, &data.orders, None, &index, &WINDOWS, as_of);
            e.into_iter().zip(k)
        })
        .collect();
    let settings = LiftSettings {
        confidence: 0.95,
        cuped: true,
        bootstrap: None,
        sequential: None,
    };
    let n: usize = arms.iter().map(|(e, k)| e.y.len() + k.y.len()).sum();
    bencher.counter(ItemsCount::new(n)).bench(|| {
        arms.iter()
            .map(|(e, k)| estimate(&arm(e), &arm(k), &settings))
            .collect::<Vec<_>>()
    });
}

/// The run's lift section: every channel, window and segment, with Holm.
#[divan::bench(args = sizes(), sample_count = 20, max_time = 60)]
fn lift_rows_all_segments(bencher: Bencher, users: usize) {
    let data = data(users);
    let args = run_args(users);
    let cfg = Config::default();
    let settings = RunSettings::resolve(&args, &cfg).expect("valid settings");
    let cohorts = cohort::build(&data.exposures, data.channels.len());
    let as_of = as_of(&data);
    bencher.counter(ItemsCount::new(users)).bench(|| {
        let (cells, users) = uplift::reduce::cells::cells(
            &data,
            &cohorts,
            &settings.windows,
            as_of,
            uplift::reduce::cells::Keep::Nothing,
            &Default::default(),
        );
        let summary = uplift::summary::Summary {
            channels: data.channels.clone(),
            cohorts: uplift::reduce::cells::counts(&cohorts),
            cells,
            users,
            ..Default::default()
        };
        let mut warnings = Vec::new();
        uplift::analysis::lift_rows::rows(&summary, &settings, &mut warnings)
    });
}

/// `uplift run` as the command runs it, through the library's stages.
fn run_report(args: &RunArgs) -> Vec<u8> {
    let cfg = uplift::settings::config(args.input.config.as_deref()).expect("the config loads");
    let settings = RunSettings::resolve(args, &cfg).expect("valid settings");
    let mut warnings = Vec::new();
    let loaded = uplift::io::load_checked(
        &args.input.paths(),
        &cfg,
        settings.on_bad_rows,
        &["exposures", "revenue"],
        &mut warnings,
    )
    .expect("the inputs load");
    let given = uplift::reduce::Given {
        spend: args.input.spend.is_some(),
        finance: args.input.finance.is_some(),
    };
    let summary =
        uplift::reduce::summarize(&loaded, &settings, given, warnings).expect("the run succeeds");
    let sections = uplift::analysis::analyze(&summary, &settings);
    let format = settings.format;
    let report = uplift::report::Report::assemble(
        sections,
        summary.as_of,
        summary.inputs,
        uplift::report::Settings::Run(Box::new(settings)),
    );
    uplift::export::render(&report, format, &uplift::export::Terminal::default())
        .expect("the report renders")
}

/// The whole `uplift run` (JSON rendered in memory, not written).
#[divan::bench(args = sizes(), sample_count = 5, max_time = 120)]
fn run(bencher: Bencher, users: usize) {
    let args = run_args(users);
    assert!(!run_report(&args).is_empty());
    bencher
        .counter(ItemsCount::new(users))
        .bench(|| run_report(divan::black_box(&args)).len());
}
