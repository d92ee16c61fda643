//! The `synthfs` binary: parses the command line, runs the command, and turns errors into one
//! clear line and an exit code.

mod cli;
mod config;
mod exit_codes;

use std::io::Write;

use clap::Parser;
use synthfs::model::Profile;
use synthfs::model::profile::builtin_names;
use synthfs::stats;

use cli::{Cli, Command, MountArgs, ProfileCommand, StatsArgs};
use config::BadInput;
use exit_codes::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::Success.into(),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::Success.into();
            }
            let code = if e.downcast_ref::<BadInput>().is_some() { ExitCode::BadInput } else { ExitCode::Failure };
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("synthfs: error: {}", chain.join(": "));
            code.into()
        }
    }
}

/// Logs go to stderr through `tracing`; `RUST_LOG` chooses the level (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// `synthfs stats | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Stats(args) => run_stats(args),
        Command::Mount(args) => run_mount(args),
        Command::Profile(ProfileCommand::List) => {
            let mut out = std::io::stdout().lock();
            for name in builtin_names() {
                let p = Profile::builtin(name).ok_or_else(|| anyhow::anyhow!("built-in profile {name} is missing"))?;
                writeln!(out, "{name:<12} {} files, {} dirs: {}", p.files, p.dir_count(), p.description)?;
            }
            Ok(())
        }
        Command::Profile(ProfileCommand::Show { profile }) => {
            let text = match Profile::builtin_text(&profile) {
                Some(t) => t.to_string(),
                None => Profile::load(&profile).map_err(|e| BadInput(e.to_string()))?.to_toml(),
            };
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

fn run_stats(args: StatsArgs) -> anyhow::Result<()> {
    config::set_threads(args.threads)?;
    let tree = config::resolve_tree(&args.tree)?;
    let started = std::time::Instant::now();
    let s = stats::collect(&tree);
    let digest = args.digest.then(|| stats::digest::tree_digest(&tree));
    let elapsed = started.elapsed();
    tracing::info!(files = s.files, dirs = s.dirs, elapsed_ms = elapsed.as_millis() as u64, "stats walked the tree");
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &stats::report::to_json(&tree, &s, digest.as_deref()))?;
        writeln!(out)?;
    } else {
        out.write_all(stats::report::to_text(&tree, &s, digest.as_deref()).as_bytes())?;
        let secs = elapsed.as_secs_f64();
        writeln!(out, "\nwalked in {secs:.2} s ({:.0} files/s)", s.files as f64 / secs.max(1e-9))?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn run_mount(args: MountArgs) -> anyhow::Result<()> {
    use std::sync::Arc;
    use synthfs::platform::linux::{self, Ended, MountError, MountSettings};
    use synthfs::units::Count;

    let lift =
        |e: MountError| -> anyhow::Error { if e.is_bad_input() { BadInput(e.to_string()).into() } else { e.into() } };
    let tree = Arc::new(config::resolve_tree(&args.tree)?);
    let settings =
        MountSettings { threads: args.threads, allow_other: args.allow_other, options: args.options.clone() };
    let started = std::time::Instant::now();
    let mounted = linux::mount(tree.clone(), &args.mountpoint, &settings).map_err(lift)?;
    let took = started.elapsed();
    let p = &tree.model.profile;
    println!(
        "mounted on {} in {:.1} ms: {} files in {} folders (profile {}, seed {}); Ctrl-C or `umount {}` to stop",
        mounted.mountpoint.display(),
        took.as_secs_f64() * 1000.0,
        Count(tree.file_count()),
        Count(tree.dir_count()),
        p.name,
        p.seed,
        mounted.mountpoint.display()
    );
    std::io::stdout().flush()?;
    match mounted.serve_until_signal().map_err(lift)? {
        Ended::Signal(sig) => tracing::info!(signal = sig, "unmounted after a signal"),
        Ended::Unmounted => tracing::info!("unmounted from outside"),
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run_mount(_args: MountArgs) -> anyhow::Result<()> {
    Err(BadInput("mount is available on Linux only for now".into()).into())
}
