//! Progress on standard error: drawn on a terminal outside CI, never in a
//! pipe, a file or a CI log.

use crate::util::{SIM_RUN as RUN, uplift};
use std::path::Path;
use std::process::Command;

/// Anything a progress line is drawn with: carriage returns, escape
/// sequences, the bars' and spinners' characters.
fn progress_marks(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| matches!(c, '\r' | '\x1b' | '━' | '╸' | '✓') || ('⠁'..='⣿').contains(c))
        .collect()
}

#[test]
fn a_pipe_or_a_file_never_sees_a_progress_character() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    for (args, out_file) in [
        (RUN.to_vec(), None),
        ([RUN, &["--format", "json"]].concat(), None),
        ([RUN, &["-o", file.to_str().unwrap()]].concat(), Some(&file)),
        (
            vec![
                "attribute",
                "--exposures",
                "testdata/sim/exposures.csv.gz",
                "--revenue",
                "testdata/sim/revenue.csv.gz",
            ],
            None,
        ),
    ] {
        // CI unset: only the pipe keeps progress away.
        let out = uplift().env_remove("CI").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr, "", "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(progress_marks(&stdout), Vec::<char>::new(), "{args:?}");
        if let Some(f) = out_file {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(text.contains("Decisions"), "{text}");
            assert_eq!(progress_marks(&text), Vec::<char>::new());
        }
    }
}

/// `uplift run … -o FILE` under a pseudo-terminal (util-linux `script`), with
/// `CI` unset or set: what the terminal showed, and the report file.
fn on_a_terminal(ci: Option<&str>) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    let bin = assert_cmd::cargo::cargo_bin("uplift");
    let line = format!(
        "{} {} -o {}",
        bin.display(),
        RUN.join(" "),
        report.display()
    );
    let mut cmd = Command::new("script");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "-q",
            "-e",
            "-c",
            &format!("stty cols 100 rows 40; {line}"),
            "/dev/null",
        ])
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    if let Some(v) = ci {
        cmd.env("CI", v);
    }
    let out = cmd
        .output()
        .expect("util-linux script runs a pseudo-terminal");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&report).unwrap(),
    )
}

#[test]
fn a_terminal_sees_the_files_and_phases_unless_ci_is_set() {
    assert!(
        Path::new("/usr/bin/script").exists() || Path::new("/bin/script").exists(),
        "this test needs util-linux `script` for a pseudo-terminal"
    );
    let (shown, report) = on_a_terminal(None);
    // The first phase, and the first file's bar (drawn as it starts).
    for what in ["reading the inputs", "exposures.csv.gz", "KiB"] {
        assert!(shown.contains(what), "{what} not in {shown:?}");
    }
    assert!(!progress_marks(&shown).is_empty(), "{shown:?}");
    // The last line is cleared at the end, and the report file has none.
    assert!(shown.ends_with("\r\x1b[2K"), "{shown:?}");
    assert_eq!(progress_marks(&report), Vec::<char>::new());
    assert!(report.contains("Decisions"));

    let (shown, _) = on_a_terminal(Some("true"));
    assert_eq!(shown, "", "CI set: nothing drawn");
}
