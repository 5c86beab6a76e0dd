//! Dispatch: one subcommand → its `cmd::<name>::run`.

use crate::cli::{Cli, Command};
use crate::cmd::{self, Outcome};
use crate::error::Error;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Command::Run(a) => cmd::run::run(&a),
        Command::Attribute(a) => cmd::attribute::run(&a),
        Command::Reconcile(a) => cmd::reconcile::run(&a),
        Command::Validate(a) => cmd::validate::run(&a),
        Command::Simulate(a) => cmd::simulate::run(&a),
        Command::Power(a) => cmd::power::run(&a),
        Command::Sql(a) => cmd::sql::run(&a),
        Command::Diff(a) => cmd::diff::run(&a),
        Command::Schema(a) => cmd::schema::run(&a),
        Command::Completions(a) => cmd::completions::run(&a),
        Command::Man(a) => cmd::man::run(&a),
    }
}
