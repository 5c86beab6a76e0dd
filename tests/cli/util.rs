//! Helpers: the binary, run from the crate root so that `testdata/…` paths work.

use assert_cmd::Command;
use serde_json::Value;

/// The README's first command: `run` on testdata/sim with spend, finance,
/// its config and the 30/60/90-day windows.
pub const SIM_RUN: &[&str] = &[
    "run",
    "--exposures",
    "testdata/sim/exposures.csv.gz",
    "--revenue",
    "testdata/sim/revenue.csv.gz",
    "--spend",
    "testdata/sim/spend.csv",
    "--finance",
    "testdata/sim/finance.csv",
    "--config",
    "testdata/sim/uplift.toml",
    "--window",
    "30",
    "--window",
    "60",
    "--window",
    "90",
];

/// testdata/sim's four inputs and its config (of [`SIM_RUN`]).
pub const SIM_INPUTS: &[&str] = SIM_RUN.split_at(11).0.split_at(1).1;

/// The `uplift` binary, with the crate root as working directory.
pub fn uplift() -> Command {
    let mut c = Command::cargo_bin("uplift").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    // No colour, and the terminal report at its default width (100), whatever
    // the shell running the tests has set.
    c.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    c
}

/// Runs `uplift` with `args`, expects exit 0, parses stdout as JSON.
pub fn json(args: &[&str]) -> Value {
    let out = uplift().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The float at a JSON pointer.
pub fn f(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer}"))
}

/// Asserts `a ≈ b` to 1e-9 relative.
pub fn assert_close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{a} != {b}"
    );
}
