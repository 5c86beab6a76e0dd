//! The `uplift` binary: parse, run, write, map the result to an exit code.

use clap::Parser;
use std::process::ExitCode;
use uplift::{app, cli::Cli, cmd::Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = uplift::progress::on_terminal();
    let outcome = app::run(cli);
    // Every progress line is gone before the report or an error is written.
    drop(progress);
    match outcome.and_then(|o: Outcome| o.write().map(|()| o)) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(uplift::error::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("uplift: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
