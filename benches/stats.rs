//! Statistics kernels on 10^6 users: moments, Welch, CUPED lift, bootstrap.
//! Run with `cargo bench --bench stats`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uplift::lift::{Arm, LiftSettings, estimate};
use uplift::stats::describe::BiMoments;

fn main() {
    divan::main();
}

fn data(n: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 100.0).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|v| 0.5 * v + rng.random::<f64>() * 50.0)
        .collect();
    let c = y.iter().map(|v| *v > 40.0).collect();
    (x, y, c)
}

#[divan::bench(args = [10_000, 1_000_000])]
fn moments(bencher: divan::Bencher, n: usize) {
    let (x, y, _) = data(n);
    bencher.bench(|| BiMoments::from_slices(divan::black_box(&x), divan::black_box(&y)));
}

#[divan::bench(args = [10_000, 1_000_000])]
fn cuped_lift(bencher: divan::Bencher, n: usize) {
    let (x, y, c) = data(n);
    let half = n / 2;
    let s = LiftSettings {
        confidence: 0.95,
        cuped: true,
        bootstrap: None,
        sequential: None,
    };
    bencher.bench(|| {
        let e = Arm {
            x: &x[..half],
            y: &y[..half],
            converted: &c[..half],
        };
        let k = Arm {
            x: &x[half..],
            y: &y[half..],
            converted: &c[half..],
        };
        estimate(&e, &k, &s)
    });
}

#[divan::bench(args = [10_000])]
fn bootstrap_1000(bencher: divan::Bencher, n: usize) {
    let (x, y, c) = data(n);
    let half = n / 2;
    let s = LiftSettings {
        confidence: 0.95,
        cuped: true,
        bootstrap: Some((1000, 1)),
        sequential: None,
    };
    bencher.bench(|| {
        let e = Arm {
            x: &x[..half],
            y: &y[..half],
            converted: &c[..half],
        };
        let k = Arm {
            x: &x[half..],
            y: &y[half..],
            converted: &c[half..],
        };
        estimate(&e, &k, &s)
    });
}

/// 200 placebo (A/A) splits of one control arm.
#[divan::bench(args = [100_000])]
fn placebo_200(bencher: divan::Bencher, n: usize) {
    let (_, y, _) = data(n);
    bencher.bench(|| uplift::stats::placebo::false_positives(divan::black_box(&y), 200, 1, 0.95));
}
