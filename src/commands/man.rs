//! `synthfs man [COMMAND]`: a man page (roff) generated from the help, synthfs(1) or
//! synthfs-COMMAND(1).

use clap::{Args, CommandFactory};

use super::errors::BadInput;
use crate::cli::Cli;

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs man | man -l -\n  synthfs man archive | man -l -\n  synthfs man > /usr/local/share/man/man1/synthfs.1"
)]
pub struct ManArgs {
    /// A command (archive, mount, ...) for its own page, synthfs-COMMAND(1).
    pub command: Option<String>,
}

/// The command whose page to print.
pub struct Config {
    page: clap::Command,
}

impl TryFrom<ManArgs> for Config {
    type Error = BadInput;

    fn try_from(args: ManArgs) -> Result<Config, BadInput> {
        let top = Cli::command();
        let page = match args.command {
            None => top,
            Some(name) => {
                let names: Vec<String> = top.get_subcommands().map(|c| c.get_name().to_string()).collect();
                let sub = top
                    .find_subcommand(&name)
                    .cloned()
                    .ok_or_else(|| BadInput(format!("no command {name:?}; the commands are {}", names.join(", "))))?;
                let version = top.get_version().unwrap_or_default().to_string();
                sub.name(format!("synthfs-{name}")).version(version)
            }
        };
        Ok(Config { page })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    clap_mangen::Man::new(config.page).render(&mut std::io::stdout().lock())?;
    Ok(())
}
