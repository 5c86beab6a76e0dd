//! `uplift man` and `uplift completions`: generated from the command-line
//! definition, so every subcommand and flag is in them.

use crate::util::uplift;
use clap::CommandFactory;
use uplift::cli::Cli;

/// Every long flag of a subcommand, as roff writes it (`\-\-as\-of`).
fn roff_flags(sub: &str) -> Vec<String> {
    let cmd = Cli::command();
    let sub = cmd.find_subcommand(sub).unwrap();
    sub.get_arguments()
        .filter_map(|a| a.get_long())
        .map(|l| format!("\\-\\-{}", l.replace('-', "\\-")))
        .collect()
}

fn stdout(args: &[&str]) -> String {
    let out = uplift().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_subcommand_page_documents_every_flag() {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    assert!(names.len() >= 9, "{names:?}");
    let main = stdout(&["man"]);
    assert!(main.contains(".TH uplift 1"), "{main}");
    for name in &names {
        assert!(
            main.contains(&format!("uplift\\-{}", name.replace('-', "\\-"))),
            "{name} is not listed"
        );
        let page = stdout(&["man", name]);
        assert!(page.contains(&format!(".TH uplift-{name} 1")), "{page}");
        assert!(
            page.contains(env!("CARGO_PKG_VERSION")),
            "no version in {name}"
        );
        for flag in roff_flags(name) {
            assert!(page.contains(&flag), "uplift-{name}(1) lacks {flag}");
        }
    }
    let run = roff_flags("run");
    assert!(
        run.iter().any(|f| f.contains("from\\-aggregates")),
        "{run:?}"
    );
}

#[test]
fn out_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let listed = stdout(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let expected = Cli::command().get_subcommands().count() + 1;
    assert_eq!(files.len(), expected, "{files:?}");
    assert!(files.contains(&"uplift.1".to_string()));
    assert!(files.contains(&"uplift-run.1".to_string()));
    assert_eq!(listed.lines().count(), expected);
}

#[test]
fn an_unknown_page_is_a_usage_error() {
    let out = uplift().args(["man", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope") && err.contains("run"), "{err}");
}

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell}: no {name}");
        }
        assert!(script.contains("--exposures"), "{shell}: no flags");
    }
    let bad = uplift().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
