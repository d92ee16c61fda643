//! `synthfs verify DEST`: compare a real directory with the model and report what is missing,
//! extra or different, with an exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use synthfs::verify::smb::SmbVerifyOptions;
use synthfs::verify::{self, Options, Report};
use synthfs_model::units::Count;

use super::errors::{BadInput, Incomplete};
use super::output::print_json;
use super::smb_target::SmbTargetArgs;
use super::threads::ThreadArgs;
use super::tree::{TreeArgs, TreeCommand, TreeJob};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs verify /mnt/share --files 100k               # names, sizes, times, modes, owners\n  synthfs verify /mnt/share --files 100k --content     # and every byte (SHA-256)"
)]
pub struct VerifyArgs {
    /// The directory holding the tree, or smb://[USER@]SERVER[:PORT]/SHARE[/PATH] for a copy on an SMB share.
    pub dest: PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub smb: SmbTargetArgs,
    /// Also compare every file's SHA-256 with the model's.
    #[arg(long, help_heading = "Checks")]
    pub content: bool,
    /// Do not compare owners (compared by default when running as root).
    #[arg(long, help_heading = "Checks")]
    pub no_owners: bool,
    /// Do not compare modification times.
    #[arg(long, help_heading = "Checks")]
    pub no_times: bool,
    /// Compare times to the whole second (for trees extracted from ZIP or tar archives).
    #[arg(long, help_heading = "Checks")]
    pub whole_seconds: bool,
    /// Print the report as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// Where the copy is: a local folder, or an SMB share.
pub enum Target {
    Local(Options),
    Smb(SmbVerifyOptions),
}

impl Target {
    fn content(&self) -> bool {
        match self {
            Target::Local(o) => o.content,
            Target::Smb(o) => o.content,
        }
    }
}

/// What `verify` does, decided from its options; the task: what to compare, and where.
pub type Config = TreeCommand<Target>;

impl TryFrom<VerifyArgs> for Config {
    type Error = BadInput;

    fn try_from(args: VerifyArgs) -> Result<Config, BadInput> {
        let job = TreeJob::new(&args.tree, &args.threads)?;
        let checks = Options {
            dest: args.dest,
            content: args.content,
            // materialize sets owners only as root, so only then can they match.
            owners: !args.no_owners && synthfs::materialize::is_root(),
            times: !args.no_times,
            whole_seconds: args.whole_seconds,
        };
        let task = match args.smb.resolve(&checks.dest)? {
            None => Target::Local(checks),
            Some(smb) => Target::Smb(SmbVerifyOptions {
                url: smb.url,
                creds: smb.creds,
                connections: smb.connections,
                retry_window: smb.retry_window,
                threads: args
                    .threads
                    .threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
                content: checks.content,
                // The descriptors' owners: what a Windows scanner reads, whoever verifies.
                owners: !args.no_owners,
                times: checks.times,
            }),
        };
        Ok(Config { job, task, json: args.json })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let tree = config.job.start()?;
    let hashing = if config.task.content() { "hashed" } else { "checked" };
    let report = match &config.task {
        Target::Local(o) => {
            crate::progress::track(tree.file_count(), hashing, |progress| verify::run(&tree, o, progress))
                .map_err(|e| BadInput(e.to_string()))?
        }
        Target::Smb(o) => {
            crate::progress::track(tree.file_count(), hashing, |progress| verify::smb::run(&tree, o, progress))?
        }
    };
    if config.json {
        print_json(&report)?;
    } else {
        print_report(&report, config.task.content())?;
    }
    if !report.ok {
        return Err(Incomplete(format!(
            "{} does not match the model ({} missing, {} extra, {} different)",
            report.dest, report.missing, report.extra, report.different
        ))
        .into());
    }
    Ok(())
}

fn print_report(report: &Report, content: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for p in &report.first_problems {
        writeln!(out, "{p}")?;
    }
    writeln!(
        out,
        "{}: {} files and {} folders checked{}; {} missing, {} extra, {} different ({:.1} s)",
        if report.ok { "OK" } else { "MISMATCH" },
        Count(report.files_checked),
        Count(report.dirs_checked),
        if content { ", content included" } else { "" },
        Count(report.missing),
        Count(report.extra),
        Count(report.different),
        report.elapsed_seconds
    )
}
