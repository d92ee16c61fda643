//! The `synthfs` binary: parses the command line, runs the command, and turns errors into one
//! clear line and an exit code.

mod cli;
mod commands;
mod exit_codes;
mod progress;

use clap::Parser;

use cli::{Cli, Command};
use commands::errors;
use exit_codes::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !cli::is_usage_error(&e) => e.exit(),
        Err(e) => {
            eprintln!("synthfs: error: {}", cli::one_line(&e));
            return ExitCode::BadInput.into();
        }
    };
    init_logging();
    match run(cli.command) {
        Ok(()) => ExitCode::Success.into(),
        Err(e) if errors::is_broken_pipe(&e) => ExitCode::Success.into(),
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            match errors::hint(&e) {
                Some(h) => eprintln!("synthfs: error: {}; {h}", chain.join(": ")),
                None => eprintln!("synthfs: error: {}", chain.join(": ")),
            }
            errors::exit_code(&e).into()
        }
    }
}

/// Logs go to stderr through `tracing`; `RUST_LOG` chooses the level (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// Decides the command's configuration from its options, then runs it.
fn run(command: Command) -> anyhow::Result<()> {
    use commands::*;
    match command {
        Command::Demo(args) => demo::run(args.try_into()?),
        Command::Stats(args) => stats::run(args.try_into()?),
        Command::Mount(args) => mount::run(args.try_into()?),
        Command::Materialize(args) => materialize::run(args.try_into()?),
        Command::Archive(args) => archive::run(args.try_into()?),
        Command::Manifest(args) => manifest::run(args.try_into()?),
        Command::Diff(args) => diff::run(args.try_into()?),
        Command::Report(args) => report::run(args.try_into()?),
        Command::Verify(args) => verify::run(args.try_into()?),
        Command::Serve(command) => serve::run(command.try_into()?),
        Command::Profile(command) => profile::run(command.try_into()?),
        Command::Completions(args) => completions::run(args.into()),
        Command::Man(args) => man::run(args.try_into()?),
    }
}
