//! Exit codes per the contract: 0 report, 1 I/O failure, 2 bad usage or input.

use crate::util::uplift;

#[test]
fn a_report_exits_0() {
    uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
        ])
        .assert()
        .code(0);
}

#[test]
fn bad_usage_exits_2() {
    uplift().args(["run", "--window", "0"]).assert().code(2);
    uplift()
        .args([
            "run",
            "--confidence",
            "1.5",
            "--exposures",
            "a.csv",
            "--revenue",
            "b.csv",
        ])
        .assert()
        .code(2);
    uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--as-of",
            "June",
        ])
        .assert()
        .code(2);
    uplift().args(["frobnicate"]).assert().code(2);
}

#[test]
fn a_failed_write_to_stdout_exits_1_without_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not on this platform
    };
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("uplift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
        ])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("uplift: error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn output_is_written_atomically_to_the_file_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--format",
            "json",
            "-o",
        ])
        .arg(&path)
        .assert()
        .code(0)
        .stdout("");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn output_to_a_named_pipe_or_a_device_writes_into_it_and_leaves_it_in_place() {
    // `--output /dev/null` once replaced /dev/null with a plain file (the
    // atomic write renamed its temporary file over it); a named pipe shows
    // the same without touching the machine's devices.
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    uplift()
        .args([
            "run",
            "--exposures",
            "testdata/tiny/exposures.csv",
            "--revenue",
            "testdata/tiny/revenue.csv",
            "--format",
            "json",
            "-o",
        ])
        .arg(&fifo)
        .assert()
        .code(0);
    // Checked before the reader is joined: had the pipe been replaced, the
    // reader would wait for a writer forever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let bytes = reader.join().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["schema_version"], 1);
}
