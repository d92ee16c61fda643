//! `synthfs verify DEST`: compare a real directory with the model and report what is missing,
//! extra or different, with an exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use synthfs::verify::detect::How;
use synthfs::verify::smb::SmbVerifyOptions;
use synthfs::verify::target::{BadGranularity, Granularity};
use synthfs::verify::{self, Options, Report};
use synthfs_model::units::Count;

use super::errors::{BadInput, Incomplete};
use super::output::print_json;
use super::smb_target::SmbTargetArgs;
use super::threads::ThreadArgs;
use super::tree::{TreeArgs, TreeCommand, TreeJob};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs verify /mnt/share --files 100k               # names, sizes, times, modes, owners\n  synthfs verify /mnt/share --files 100k --content     # and every byte (SHA-256)\n  synthfs verify /mnt/usb --files 100k --time-granularity 100ns   # times as NTFS keeps them (found by itself by default)\n  SYNTHFS_SMB_PASSWORD=... synthfs verify smb://admin@nas/share/demo --nt-acls --files 10k --content\n                                                       # over SMB: owners, DACLs, attributes, streams, bytes"
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
    /// Compare times to the whole second (for trees extracted from ZIP or tar archives); the
    /// same as --time-granularity 1s.
    #[arg(long, help_heading = "Checks")]
    pub whole_seconds: bool,
    /// Compare times at this step: 1ns, 100ns (NTFS, SMB), 1s, 2s (FAT), ...; auto: the
    /// target's, found from its filesystem type or a probe file, which also finds whether it
    /// keeps modes, owners and ACLs (what it does not keep is not compared, and said once).
    #[arg(long, value_name = "STEP", default_value = "auto", value_parser = time_step, conflicts_with = "whole_seconds", help_heading = "Checks")]
    pub time_granularity: TimeStep,
    /// Print the report as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// `--time-granularity`: a step, or `None` for the target's own.
#[derive(Clone, Copy, Debug)]
pub struct TimeStep(Option<Granularity>);

fn time_step(s: &str) -> Result<TimeStep, BadGranularity> {
    if s == "auto" { Ok(TimeStep(None)) } else { s.parse().map(|g| TimeStep(Some(g))) }
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
            time_granularity: if args.whole_seconds { Some(Granularity::SECOND) } else { args.time_granularity.0 },
        };
        let task = match args.smb.resolve(&checks.dest)? {
            None => Target::Local(checks),
            Some(smb) => Target::Smb(SmbVerifyOptions {
                url: smb.url,
                creds: smb.creds,
                connections: smb.connections,
                retry_window: smb.retry_window,
                threads: super::smb_target::client_threads(args.threads.threads),
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
        print_report(&report, &config.task)?;
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

fn print_report(report: &Report, task: &Target) -> std::io::Result<()> {
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
        if task.content() { ", content included" } else { "" },
        Count(report.missing),
        Count(report.extra),
        Count(report.different),
        report.elapsed_seconds
    )?;
    match task {
        Target::Local(checks) => print_target(&mut out, report, checks),
        // What an SMB share keeps is what the protocol carries (docs/smb.md).
        Target::Smb(_) => Ok(()),
    }
}

/// What a local target cannot hold, once (not a difference on every file).
fn print_target(out: &mut impl Write, report: &Report, checks: &Options) -> std::io::Result<()> {
    let mut target = Vec::new();
    let unprobed = matches!(report.target_detected_by, How::NotProbed(_));
    if checks.times && checks.time_granularity.is_none() && (report.time_granularity_ns > 1 || unprobed) {
        let step = Granularity::from_nanos(report.time_granularity_ns).unwrap_or(Granularity::NANOSECOND);
        target.push(format!("times compared to {step}{}", if unprobed { " (--time-granularity to set)" } else { "" }));
    }
    if !report.not_kept.is_empty() {
        target.push(format!("not kept, so not compared: {}", report.not_kept.join(", ")));
    }
    if !target.is_empty() {
        writeln!(out, "target {} ({}): {}", report.filesystem, report.target_detected_by, target.join("; "))?;
    }
    Ok(())
}
