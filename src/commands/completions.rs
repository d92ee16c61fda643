//! `synthfs completions SHELL`: a shell completion script, generated from the command line.

use std::io::Write;

use clap::{Args, CommandFactory};

use crate::cli::Cli;

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs completions bash > /etc/bash_completion.d/synthfs\n  synthfs completions zsh > \"${fpath[1]}/_synthfs\"\n  synthfs completions fish > ~/.config/fish/completions/synthfs.fish"
)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

/// What `completions` does: nothing to decide but the shell.
pub struct Config {
    shell: clap_complete::Shell,
}

impl From<CompletionsArgs> for Config {
    fn from(args: CompletionsArgs) -> Config {
        Config { shell: args.shell }
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    // clap_complete panics when a write fails: write to memory, then to a stdout that may be
    // a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(config.shell, &mut Cli::command(), "synthfs", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(())
}
