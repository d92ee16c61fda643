//! `synthfs materialize DEST`: write the tree to real storage, in parallel, resumably, one
//! shard of it if asked.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use synthfs::materialize::onto_smb::{self, SmbOptions, SmbSummary};
use synthfs::materialize::{self, Options, Summary};
use synthfs_model::units::{Bytes, Count};

use super::errors::{BadInput, Incomplete, lift};
use super::output::print_json;
use super::smb_target::SmbTargetArgs;
use super::threads::ThreadArgs;
use super::tree::{TreeArgs, TreeCommand, TreeJob, parse_shard};
use crate::progress;

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs materialize /mnt/share --files 100k           # write 100,000 files\n  synthfs materialize /mnt/share --files 100k           # again after Ctrl-C: resumes\n  synthfs materialize /mnt/share --files 10M --shard 3/8  # machine 3 of 8\n  synthfs materialize /data --dry-run --json            # what would be written\n  SYNTHFS_SMB_PASSWORD=... synthfs materialize smb://admin@nas/share/demo --nt-acls -n 10k\n                                                        # onto SMB: owners, ACLs, streams"
)]
pub struct MaterializeArgs {
    /// The directory to write into, made (with its parents) if it is not there yet; or smb://[USER@]SERVER[:PORT]/SHARE[/PATH] to write onto an SMB share.
    pub dest: PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub smb: SmbTargetArgs,
    /// Write only shard K of N (K from 0), or auto/N to read K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", help_heading = "Run")]
    pub shard: Option<String>,
    /// Do not set owners (on local disks they are set only when running as root; on smb:// the owners' SIDs).
    #[arg(long, help_heading = "What to keep")]
    pub no_owners: bool,
    /// Do not set access and modification times.
    #[arg(long, help_heading = "What to keep")]
    pub no_times: bool,
    /// Do not write the user.synthfs.* extended attributes.
    #[arg(long, help_heading = "What to keep")]
    pub no_xattrs: bool,
    /// On resume, compare the bytes of files whose size and mtime already match.
    #[arg(long, help_heading = "Run")]
    pub check_content: bool,
    /// Write even into a directory that holds another tree or other files.
    #[arg(long, help_heading = "Run")]
    pub force: bool,
    /// Walk and count, write nothing.
    #[arg(long, help_heading = "Run")]
    pub dry_run: bool,
    /// Print the summary as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// Where the tree goes: a local folder, or an SMB share.
pub enum Target {
    Local(Options),
    Smb(SmbOptions),
}

/// What `materialize` does, decided from its options; the task: where to write, which shard, and what to keep.
pub type Config = TreeCommand<Target>;

impl TryFrom<MaterializeArgs> for Config {
    type Error = BadInput;

    fn try_from(args: MaterializeArgs) -> Result<Config, BadInput> {
        let job = TreeJob::new(&args.tree, &args.threads)?;
        let shard = parse_shard(args.shard.as_deref())?;
        let writing = match args.smb.resolve(&args.dest)? {
            Some(smb) => {
                if args.check_content {
                    return Err(BadInput(
                        "--check-content is for local targets; check an SMB copy with `synthfs verify smb://... --content`".into(),
                    ));
                }
                Target::Smb(SmbOptions {
                    url: smb.url,
                    creds: smb.creds,
                    shard,
                    connections: smb.connections,
                    retry_window: smb.retry_window,
                    threads: super::smb_target::client_threads(args.threads.threads),
                    times: !args.no_times,
                    owners: !args.no_owners,
                    dry_run: args.dry_run,
                    force: args.force,
                })
            }
            None => Target::Local(Options {
                dest: args.dest,
                shard,
                owners: !args.no_owners,
                times: !args.no_times,
                xattrs: !args.no_xattrs,
                dry_run: args.dry_run,
                check_content: args.check_content,
                force: args.force,
            }),
        };
        Ok(Config { job, task: writing, json: args.json })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let tree = config.job.start()?;
    let errors = match &config.task {
        Target::Local(o) => {
            let (lo, hi) = o.shard.range(tree.file_count());
            let summary =
                progress::track(hi - lo, "written", |counters| materialize::run(&tree, o, counters)).map_err(lift)?;
            if config.json {
                print_json(&summary)?
            } else {
                print_summary(&summary)?
            }
            summary.errors
        }
        Target::Smb(o) => {
            let (lo, hi) = o.shard.range(tree.file_count());
            let summary =
                progress::track(hi - lo, "written", |counters| onto_smb::run(&tree, o, counters)).map_err(lift)?;
            if config.json {
                print_json(&summary)?
            } else {
                print_smb_summary(&summary)?
            }
            summary.errors
        }
    };
    if errors > 0 {
        return Err(Incomplete(format!("{errors} files or folders could not be written")).into());
    }
    Ok(())
}

fn print_smb_summary(s: &SmbSummary) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    print_moved(&mut out, &s.dest, s.moved.as_ref(), s.dry_run)?;
    let verb = if s.dry_run { "would write" } else { "wrote" };
    writeln!(
        out,
        "{verb} {} files ({}) and {} folders onto {} (shard {}, {} connections); {} already complete; {} errors; {:.1} s, {} files/s, {}/s",
        Count(s.files_written),
        Bytes(s.bytes_written),
        Count(s.dirs),
        s.dest,
        s.shard,
        s.connections,
        Count(s.files_skipped),
        Count(s.errors),
        s.elapsed_seconds,
        Count(s.files_per_second as u64),
        Bytes(s.bytes_per_second as u64)
    )?;
    if let Some(why) = &s.owners_refused {
        writeln!(out, "owners not set on {} files and folders: {why}", Count(s.owners_not_set))?;
    }
    if s.links_not_written > 0 {
        writeln!(
            out,
            "{} symbolic links and extra hard-link names not written (SMB shares do not hold them)",
            Count(s.links_not_written)
        )?;
    }
    if s.retries > 0 {
        writeln!(out, "{} requests sent again after a connection broke", Count(s.retries))?;
    }
    for e in &s.first_errors {
        writeln!(out, "  error: {e}")?;
    }
    Ok(())
}

/// What a run that moved a copy on to another epoch did, as `diff` counts it.
fn print_moved(
    out: &mut dyn Write,
    dest: &str,
    moved: Option<&materialize::Moved>,
    dry_run: bool,
) -> std::io::Result<()> {
    let Some(m) = moved else { return Ok(()) };
    let c = &m.changes;
    let verb = if dry_run { "would move" } else { "moved" };
    writeln!(
        out,
        "{verb} {dest} from epoch {} to {}: {} added, {} deleted, {} renamed, {} modified, {} metadata (as `synthfs diff --from {} --to {}` lists them)",
        m.from,
        m.to,
        Count(c.added),
        Count(c.deleted),
        Count(c.renamed),
        Count(c.modified),
        Count(c.metadata),
        m.from,
        m.to
    )
}

fn print_summary(summary: &Summary) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    print_moved(&mut out, &summary.dest, summary.moved.as_ref(), summary.dry_run)?;
    let verb = if summary.dry_run { "would write" } else { "wrote" };
    writeln!(
        out,
        "{verb} {} files ({}) and {} folders into {} (shard {}); {} already complete; {} errors; {:.1} s, {} files/s, {}/s",
        Count(summary.files_written),
        Bytes(summary.bytes_written),
        Count(summary.dirs),
        summary.dest,
        summary.shard,
        Count(summary.files_skipped),
        Count(summary.errors),
        summary.elapsed_seconds,
        Count(summary.files_per_second as u64),
        Bytes(summary.bytes_per_second as u64)
    )?;
    if summary.temp_removed > 0 {
        writeln!(out, "removed {} temporary files left by an interrupted run", Count(summary.temp_removed))?;
    }
    if summary.xattrs_unsupported > 0 {
        writeln!(
            out,
            "the destination does not support extended attributes ({} files without them)",
            Count(summary.xattrs_unsupported)
        )?;
    }
    for e in &summary.first_errors {
        writeln!(out, "  error: {e}")?;
    }
    Ok(())
}
