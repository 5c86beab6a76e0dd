//! `uplift man`: the manual pages (roff), generated from the command-line
//! definition: `uplift(1)` and one page per subcommand, `uplift-run(1)` …,
//! with every flag.

use super::Outcome;
use crate::cli::{Cli, ManArgs};
use crate::error::Error;
use clap::CommandFactory;

/// The page of `cmd` (named `name`, e.g. `uplift-run`).
fn page(cmd: clap::Command, name: &str) -> Result<Vec<u8>, Error> {
    let cmd = cmd
        .name(name.to_string())
        .bin_name(name.replace('-', " "))
        .version(env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(out)
}

/// Every page: `uplift` and each subcommand, with its file name.
fn pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    let root = Cli::command();
    let mut out = vec![("uplift".to_string(), page(root.clone(), "uplift")?)];
    for sub in root.get_subcommands() {
        let name = format!("uplift-{}", sub.get_name());
        out.push((name.clone(), page(sub.clone(), &name)?));
    }
    Ok(out)
}

/// Runs `uplift man`.
pub fn run(a: &ManArgs) -> Result<Outcome, Error> {
    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let mut bytes = Vec::new();
        for (name, roff) in pages()? {
            let path = dir.join(format!("{name}.1"));
            super::write_atomic(&path, &roff)?;
            bytes.extend_from_slice(format!("{}\n", path.display()).as_bytes());
        }
        return Ok(Outcome {
            bytes,
            ..Outcome::default()
        });
    }
    let root = Cli::command();
    let roff = match a.command.as_deref() {
        None => page(root, "uplift")?,
        Some(c) => {
            let Some(sub) = root.find_subcommand(c) else {
                let names: Vec<&str> = root.get_subcommands().map(|s| s.get_name()).collect();
                return Err(Error::Usage(format!(
                    "uplift man {c}: no such command (expected one of {})",
                    names.join(", ")
                )));
            };
            page(sub.clone(), &format!("uplift-{c}"))?
        }
    };
    Ok(Outcome {
        bytes: roff,
        ..Outcome::default()
    })
}
