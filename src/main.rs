//! The `uplift` binary: parse, run, write, map the result to an exit code.

use clap::Parser;
use std::process::ExitCode;
use uplift::{app, cli::Cli, cmd::Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    uplift::progress::enable_on_terminal();
    match app::run(cli).and_then(|o: Outcome| o.write().map(|()| o)) {
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
