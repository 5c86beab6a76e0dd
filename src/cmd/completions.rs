//! `uplift completions SHELL`: the shell's completion script, generated
//! from the command-line definition so it cannot drift from it.

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Error;
use clap::CommandFactory;

/// Runs `uplift completions`.
pub fn run(a: &CompletionsArgs) -> Result<Outcome, Error> {
    let mut cmd = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "uplift", &mut bytes);
    Ok(Outcome {
        bytes,
        ..Outcome::default()
    })
}
