//! `synthfs demo`: mount a tree on a fresh temporary directory, scan it as a file scanner would,
//! show what it found, unmount and clean up (or stay mounted with `--keep`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use synthfs::scan::{self, ScanOptions, ScanReport};
use synthfs_model::Tree;
use synthfs_model::units::{Bytes, Count};

use super::errors::BadInput;
#[cfg(target_os = "linux")]
use super::errors::lift;
use super::output::print_json;
use super::threads::Threads;
use super::tree::{TreeArgs, TreeCommand, TreeJob};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Mounts the tree on a fresh temporary directory, walks it in parallel (a stat of every entry),\nreads a sample of files (the first 8 MiB of one in 20), finds duplicates by size and content hash, prints what a scanner\nwould report, then unmounts and removes the directory.\n\nExamples:\n  synthfs demo                          # the built-in enterprise share, 100,000 files\n  synthfs demo --files 1M               # a bigger share: still mounts instantly\n  synthfs demo --keep                   # stay mounted afterwards for your own tools (Ctrl-C ends)\n  synthfs demo --files 20k --json       # the scan as JSON"
)]
pub struct DemoArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Stay mounted after the scan until Ctrl-C, and print where.
    #[arg(long, help_heading = "Demo")]
    pub keep: bool,
    /// Read one file in N during the scan, its first 8 MiB (1 reads every file, 0 none).
    #[arg(long, value_name = "N", default_value_t = 20, help_heading = "Demo")]
    pub sample: u64,
    /// Do not look for duplicates (they are found by size, then by content hash).
    #[arg(long, help_heading = "Demo")]
    pub no_duplicates: bool,
    /// Scanner threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Print the scan as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// What `demo` does, decided from its options.
pub type Config = TreeCommand<Demo>;

/// The demo's task: how to scan the mount, and whether to stay mounted afterwards.
pub struct Demo {
    scan: ScanOptions,
    keep: bool,
}

impl TryFrom<DemoArgs> for Config {
    type Error = BadInput;

    fn try_from(args: DemoArgs) -> Result<Config, BadInput> {
        let job = TreeJob::with_threads(&args.tree, Threads::new(args.threads)?)?;
        let scan = ScanOptions { sample_every: args.sample, duplicates: !args.no_duplicates };
        Ok(Config { job, task: Demo { scan, keep: args.keep }, json: args.json })
    }
}

/// The temporary mount point: created empty, removed when dropped (after the unmount).
struct DemoDir(PathBuf);

impl DemoDir {
    fn create() -> anyhow::Result<DemoDir> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let p = base.join(format!("synthfs-demo-{}-{attempt}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(DemoDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot create a mount point in {}", base.display())),
            }
        }
        anyhow::bail!("cannot create a mount point in {}: too many demo directories left there", base.display())
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir(&self.0) {
            tracing::warn!("cannot remove {}: {e}", self.0.display());
        }
    }
}

/// What `--json` prints: the scan, owners named through the profile's directory.
#[derive(Serialize)]
struct DemoJson<'a> {
    mountpoint: String,
    mount_ms: f64,
    profile: &'a str,
    seed: u64,
    owners: Vec<Owner>,
    /// The copies the model made of other files, as `synthfs stats` counts them (the scan's
    /// `duplicate_files` also counts byte-identical small files: folder junk, lock files).
    model_duplicates: u64,
    #[serde(flatten)]
    scan: &'a ScanReport,
}

#[derive(Serialize)]
struct Owner {
    uid: u32,
    account: String,
    files: u64,
    bytes: u64,
}

#[cfg(target_os = "linux")]
pub fn run(config: Config) -> anyhow::Result<()> {
    use synthfs_fuse::MountSettings;

    let tree = Arc::new(config.job.start()?);
    let dir = DemoDir::create()?;
    let settings = MountSettings {
        threads: 2,
        allow_other: false,
        options: Vec::new(),
        ttl: None,
        busy_poll: None,
        file_ahead: None,
        dir_ahead: None,
        samba_xattrs: false,
    };
    let started = Instant::now();
    let mut mounted = synthfs_fuse::mount(tree.clone(), &dir.0, &settings).map_err(lift)?;
    let mount_ms = started.elapsed().as_secs_f64() * 1000.0;
    let p = &tree.model.profile;
    let say = |line: String| {
        // With --json, stdout is the JSON alone; the narrative goes to stderr.
        if config.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    say(format!(
        "mounted {} files in {} folders (profile {}, seed {}) on {} in {mount_ms:.1} ms; scanning as a file scanner would ...",
        Count(tree.file_count()),
        Count(tree.dir_count()),
        p.name,
        p.seed,
        dir.0.display()
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let scan_root = dir.0.clone();
    let scan_stop = stop.clone();
    let find_duplicates = config.task.scan.duplicates;
    let worker = std::thread::Builder::new()
        .name("synthfs-scan".into())
        .spawn(move || scan::scan(&scan_root, &config.task.scan, &scan_stop))
        .context("cannot start the scan")?;
    let mut signal = None;
    while !worker.is_finished() {
        if let Some(sig) = mounted.pending_signal() {
            signal = Some(sig);
            stop.store(true, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = worker.join().map_err(|_| anyhow::anyhow!("the scan thread panicked"));
    if let Some(sig) = signal {
        mounted.unmount()?;
        anyhow::bail!("interrupted by signal {sig}: unmounted and removed {}", dir.0.display());
    }
    let report = match report {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            mounted.unmount()?;
            return Err(e).context("the scan failed");
        }
        Err(e) => {
            mounted.unmount()?;
            return Err(e);
        }
    };
    let owners = owners(&tree, &report);
    let model_duplicates = if find_duplicates { synthfs::stats::collect(&tree).duplicates.files } else { 0 };
    if config.json {
        let j = DemoJson {
            mountpoint: dir.0.display().to_string(),
            mount_ms,
            profile: &p.name,
            seed: p.seed,
            owners,
            model_duplicates,
            scan: &report,
        };
        print_json(&j)?;
    } else {
        print_report(&report, &owners, model_duplicates, &dir.0)?;
    }
    if config.task.keep {
        say(format!(
            "still mounted on {}: point your scanner, indexer or backup tool at it; Ctrl-C (or `umount {}`) ends the demo",
            dir.0.display(),
            dir.0.display()
        ));
        std::io::stdout().flush()?;
        mounted.serve_until_signal()?;
    } else {
        mounted.unmount()?;
    }
    say(format!("unmounted and removed {}", dir.0.display()));
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn run(_config: Config) -> anyhow::Result<()> {
    Err(BadInput("demo mounts the tree, which is available on Linux only for now".into()).into())
}

/// Owners named as an AD-joined host would name them (the profile's directory).
fn owners(tree: &Tree, r: &ScanReport) -> Vec<Owner> {
    let ids = tree.model.accounts();
    r.by_uid
        .iter()
        .map(|&(uid, files, bytes)| {
            let account = match uid {
                0 => "root".to_string(),
                _ => ids.user_by_uid(uid).map_or_else(|| uid.to_string(), |u| format!("{}\\{}", ids.domain, u.name)),
            };
            Owner { uid, account, files, bytes }
        })
        .collect()
}

fn rate(n: f64, secs: f64) -> f64 {
    n / secs.max(1e-6)
}

fn print_report(r: &ScanReport, owners: &[Owner], model_duplicates: u64, root: &Path) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let rel = |p: &str| p.strip_prefix(&format!("{}/", root.display())).unwrap_or(p).to_string();
    let date = |t: i64| synthfs_model::date::format_datetime(t);
    writeln!(out)?;
    writeln!(out, "What a scanner sees")?;
    writeln!(out, "  files              {:>14}", Count(r.files).to_string())?;
    writeln!(out, "  folders            {:>14}", Count(r.dirs).to_string())?;
    writeln!(out, "  apparent size      {:>14}   ({} bytes)", Bytes(r.bytes).to_string(), Count(r.bytes))?;
    writeln!(
        out,
        "  on disk            {:>14}   (sparse disk images and backups hold holes)",
        Bytes(r.allocated_bytes).to_string()
    )?;
    if r.duplicate_sets > 0 || r.duplicate_files > 0 {
        writeln!(
            out,
            "  duplicates         {:>14}   redundant copies in {} sets, {} wasted",
            Count(r.duplicate_files).to_string(),
            Count(r.duplicate_sets),
            Bytes(r.duplicate_bytes)
        )?;
        // What `synthfs stats` calls duplicates is the first part of this: say so.
        writeln!(
            out,
            "                                      byte-identical files: {} copies of documents (what `synthfs stats`\n                                      counts) and {} identical small files (desktop.ini, Office lock files and the like)",
            Count(model_duplicates.min(r.duplicate_files)),
            Count(r.duplicate_files.saturating_sub(model_duplicates))
        )?;
    }
    writeln!(out, "\n  top extensions          files        bytes")?;
    for t in r.by_extension.iter().take(10) {
        writeln!(out, "    {:<14} {:>12} {:>12}", t.name, Count(t.files).to_string(), Bytes(t.bytes).to_string())?;
    }
    writeln!(out, "\n  top owners              files        bytes   (of {})", owners.len())?;
    for o in owners.iter().take(8) {
        writeln!(out, "    {:<18} {:>8} {:>12}", o.account, Count(o.files).to_string(), Bytes(o.bytes).to_string())?;
    }
    writeln!(out)?;
    if let Some(f) = &r.oldest {
        writeln!(out, "  oldest file    {}  {}", date(f.mtime), rel(&f.path))?;
    }
    if let Some(f) = &r.newest {
        writeln!(out, "  newest file    {}  {}", date(f.mtime), rel(&f.path))?;
    }
    if let Some(f) = &r.largest {
        writeln!(out, "  largest file   {:>19}  {}", Bytes(f.size).to_string(), rel(&f.path))?;
    }
    writeln!(out, "\nHow fast")?;
    let entries = (r.files + r.dirs) as f64;
    writeln!(
        out,
        "  walk (stat every entry)   {:.2} s   {} entries/s",
        r.walk_seconds,
        Count(rate(entries, r.walk_seconds) as u64)
    )?;
    if r.files_read > 0 {
        writeln!(
            out,
            "  read sample               {:.2} s   {} files, {}, {}/s",
            r.read_seconds,
            Count(r.files_read),
            Bytes(r.bytes_read),
            Bytes(rate(r.bytes_read as f64, r.read_seconds) as u64)
        )?;
    }
    if r.dedup_seconds > 0.0 {
        writeln!(out, "  duplicate search          {:.2} s", r.dedup_seconds)?;
    }
    if r.errors > 0 {
        writeln!(out, "  errors: {}", Count(r.errors))?;
    }
    writeln!(out)?;
    Ok(())
}
