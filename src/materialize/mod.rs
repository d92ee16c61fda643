//! `synthfs materialize`: the tree written to real storage, in parallel, resumable, shardable.
//!
//! One pass over the model (rayon): each directory is made and held open, its files are
//! written in parallel with its sub-directories, and then its own xattrs, mode, owner and times
//! are set through its descriptor, so directory times are applied deepest first and no later
//! write bumps them. Every file is made relative to its open folder (`openat`: no path is
//! resolved twice, none grows past PATH_MAX) with its data runs only (sparse files keep their
//! holes); how a file is committed so that a rerun never takes a half file for a complete one
//! is in [`file`]. A rerun skips files whose size and mtime already match.

mod apply;
pub use apply::Moved;
mod file;
mod links;
pub mod marker;
mod meta;
pub mod onto_smb;
pub mod shard;

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use crate::counters::Counters;
use crate::longpath::DirPath;
pub use shard::Shard;
use synthfs_model::plan::DirPlan;
use synthfs_model::{Timestamp, Tree};

/// Suffix of temporary files; a rerun removes leftovers.
pub const TMP_SUFFIX: &str = ".synthfs-tmp";
/// Per-file errors listed in the summary.
pub(super) const MAX_LISTED_ERRORS: usize = 20;
/// Files of one folder a worker takes at a time. Making a file holds its folder's lock (most
/// of `openat` on tmpfs), so two workers making files in one folder wait on each other: a
/// folder of up to this many files is one worker's, the others work in other folders; a
/// bigger one is still shared.
const FILES_PER_TASK: usize = 64;

/// What to write and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub dest: PathBuf,
    pub shard: Shard,
    /// chown files and directories (root only).
    pub owners: bool,
    pub times: bool,
    pub xattrs: bool,
    /// Count what would be written, write nothing.
    pub dry_run: bool,
    /// On resume, compare the bytes of files that look complete.
    pub check_content: bool,
    /// Write even into a DEST that holds another tree.
    pub force: bool,
}

/// The outcome of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Set when the run moved a copy of another epoch on to this one.
    pub moved: Option<Moved>,
    pub dest: String,
    pub shard: String,
    pub files_in_shard: u64,
    pub files_written: u64,
    pub files_skipped: u64,
    /// Apparent bytes of the files written.
    pub bytes_written: u64,
    pub dirs: u64,
    /// Symbolic links and extra names of files (hard links) made or found in place.
    pub links: u64,
    pub errors: u64,
    pub first_errors: Vec<String>,
    pub xattrs_unsupported: u64,
    pub temp_removed: u64,
    pub dry_run: bool,
    pub elapsed_seconds: f64,
    pub files_per_second: f64,
    pub bytes_per_second: f64,
}

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
pub enum MaterializeError {
    #[error("destination {0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("{path} holds another tree ({found}); use --force to write this one over it")]
    DifferentTree { path: PathBuf, found: String },
    #[error("{0} is not empty and holds no synthfs tree; choose an empty directory or use --force")]
    NotEmpty(PathBuf),
    #[error("no space left on the destination (writing {0}); free space or use a bigger target")]
    NoSpace(PathBuf),
    #[error("the destination is read-only (writing {0})")]
    ReadOnly(PathBuf),
    #[error("cannot write to {path}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{path} was being moved from epoch {from} to {to} when a run stopped; run again with --epoch {to} to finish"
    )]
    Interrupted { path: PathBuf, from: u64, to: u64 },
    #[error("moving a copy to another epoch is one run's work: drop --shard")]
    ShardedMove,
    #[error(
        "{path} holds an unfinished copy of epoch {epoch}: finish it first with `synthfs materialize` at --epoch {epoch} without --shard (it skips what is there), then move it"
    )]
    Unfinished { path: PathBuf, epoch: u64 },
}

impl MaterializeError {
    /// Errors the user fixes by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            MaterializeError::NotADirectory(_)
                | MaterializeError::DifferentTree { .. }
                | MaterializeError::NotEmpty(_)
                | MaterializeError::Interrupted { .. }
                | MaterializeError::ShardedMove
                | MaterializeError::Unfinished { .. }
        )
    }
}

struct Run<'a> {
    tree: &'a Tree,
    opts: &'a Options,
    counters: &'a Counters,
    range: (u64, u64),
    is_root: bool,
    resuming: bool,
    /// Where files are made with their mode (see [`meta::umask_for_creation`]).
    umask: Option<u32>,
    stop: AtomicBool,
    fatal: Mutex<Option<MaterializeError>>,
    errors: Mutex<Vec<String>>,
}

/// Writes the tree (or this shard of it) under `opts.dest`.
pub fn run(tree: &Tree, opts: &Options, counters: &Counters) -> Result<Summary, MaterializeError> {
    let started = Instant::now();
    prepare_dest(&opts.dest, opts.dry_run)?;
    // A copy of this tree at another epoch is moved on, not written again.
    let moving = if opts.force { None } else { apply::moving_from(tree, &opts.dest)? };
    if moving.is_some() && !opts.shard.is_all() {
        return Err(MaterializeError::ShardedMove);
    }
    let resuming = match moving {
        Some(_) => true,
        None if opts.dry_run => false,
        None => marker::claim(tree, &opts.dest, opts.force)?,
    };
    let root = if opts.dry_run { None } else { Some(open_dest(&opts.dest)?) };
    let umask = root.as_ref().and_then(|f| meta::umask_for_creation(tree, f, resuming));
    let run = Run {
        tree,
        opts,
        counters,
        range: opts.shard.range(tree.file_count()),
        is_root: is_root(),
        resuming,
        umask,
        stop: AtomicBool::new(false),
        fatal: Mutex::new(None),
        errors: Mutex::new(Vec::new()),
    };
    let mut moved = None;
    if let Some((from, stage)) = moving {
        moved = Some(run.move_on(from, stage)?);
    } else if run.wanted(0, tree.root().subtree_files) {
        let here = match root {
            Some(f) => DirPath::opened(&opts.dest, f),
            None => DirPath::plain(&opts.dest),
        };
        run.dir(tree.root(), &here, 0);
    }
    if let Some(e) = run.fatal.lock().map(|mut f| f.take()).unwrap_or(None) {
        return Err(e);
    }
    // The whole tree written without an error: a copy that can be moved on by its change.
    if moved.is_none() && !opts.dry_run && opts.shard.is_all() && counters.errors.load(Ordering::Relaxed) == 0 {
        marker::write(&opts.dest, &marker::Marker { complete: true, ..marker::Marker::of(tree) })?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let written = get(&counters.files_written);
    let bytes = get(&counters.bytes_written);
    Ok(Summary {
        dest: opts.dest.display().to_string(),
        shard: opts.shard.to_string(),
        files_in_shard: run.range.1 - run.range.0,
        files_written: written,
        files_skipped: get(&counters.files_skipped),
        bytes_written: bytes,
        dirs: get(&counters.dirs),
        links: get(&counters.links),
        errors: get(&counters.errors),
        first_errors: run.errors.into_inner().unwrap_or_default(),
        xattrs_unsupported: get(&counters.xattrs_unsupported),
        temp_removed: get(&counters.temp_removed),
        dry_run: opts.dry_run,
        elapsed_seconds: elapsed,
        files_per_second: written as f64 / elapsed.max(1e-9),
        bytes_per_second: bytes as f64 / elapsed.max(1e-9),
        moved,
    })
}

/// Makes `dest` (and its parents) when it is not there yet, as `cp -r`, `rsync` and `rclone`
/// do; a dry run makes nothing. Anything but a directory in the way is refused.
fn prepare_dest(dest: &Path, dry_run: bool) -> Result<(), MaterializeError> {
    match std::fs::metadata(dest) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(MaterializeError::NotADirectory(dest.into())),
        Err(e) if e.kind() == io::ErrorKind::NotFound && dry_run => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dest).map_err(|source| MaterializeError::Io { path: dest.into(), source })?;
            tracing::info!(dest = %dest.display(), "made the destination");
            Ok(())
        }
        Err(source) => Err(MaterializeError::Io { path: dest.into(), source }),
    }
}

/// Opens the destination, the folder every path of the run is made relative to.
fn open_dest(dest: &Path) -> Result<File, MaterializeError> {
    File::open(dest).map_err(|source| MaterializeError::Io { path: dest.into(), source })
}

/// Sets a symbolic link's own times (not its target's).
pub(crate) fn set_link_times(path: &Path, accessed: Timestamp, modified: Timestamp) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, utimensat};
    let ts = |t: Timestamp| Timespec { tv_sec: t.secs, tv_nsec: t.nanos.into() };
    let times = Timestamps { last_access: ts(accessed), last_modification: ts(modified) };
    utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW).map_err(io::Error::from)
}

/// Whether this process runs as root (and so may chown).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

impl Run<'_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records a per-file error, or stops the run for errors no other file will escape.
    fn fail(&self, path: &Path, e: io::Error) {
        let fatal = match e.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => Some(MaterializeError::NoSpace(path.into())),
            Some(libc::EROFS) => Some(MaterializeError::ReadOnly(path.into())),
            _ => None,
        };
        if let Some(f) = fatal {
            self.stop.store(true, Ordering::Relaxed);
            if let Ok(mut slot) = self.fatal.lock() {
                slot.get_or_insert(f);
            }
            return;
        }
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{}: {e}", path.display());
        if let Ok(mut list) = self.errors.lock() {
            if list.len() < MAX_LISTED_ERRORS {
                list.push(format!("{}: {e}", path.display()));
            }
        }
    }

    /// Whether a directory's subtree has work for this shard ([`shard::wants`]).
    fn wanted(&self, base: u64, files: u64) -> bool {
        shard::wants(self.range, self.opts.shard, self.tree.file_count(), base, files, self.tree.epochs().is_some())
    }

    /// One directory, made and opened by the caller: its files and its sub-directories (in
    /// parallel), then its own metadata.
    fn dir(&self, plan: &DirPlan, here: &DirPath, base: u64) {
        self.counters.dirs.fetch_add(1, Ordering::Relaxed);
        if self.resuming {
            self.remove_leftovers(here.path());
        }
        rayon::join(
            || self.files(plan, here, base),
            || {
                self.symlinks(plan, here.path());
                self.children(plan, here, base);
            },
        );
        if !self.opts.dry_run && !self.stopped() && plan.index != 0 {
            if let Err(e) = self.dir_meta(plan, here) {
                self.fail(here.path(), e);
            }
        }
    }

    /// The files of a directory that are this shard's ([`shard::holds`]), in parallel.
    fn files(&self, plan: &DirPlan, here: &DirPath, base: u64) {
        let (lo, hi) = self.range;
        let later = self.tree.epochs().is_some();
        if self.stopped()
            || (!later && lo.saturating_sub(base).min(plan.files) >= hi.saturating_sub(base).min(plan.files))
        {
            return;
        }
        let (listing, attrs) = self.tree.build_listing_and_attrs(plan);
        let total = self.tree.file_count();
        let slots: Vec<usize> =
            (0..attrs.len()).filter(|i| shard::holds(self.range, total, base, plan.index, &attrs[*i])).collect();
        slots.into_par_iter().with_min_len(FILES_PER_TASK).for_each(|slot| {
            if self.stopped() {
                return;
            }
            let a = &attrs[slot];
            let name = &*listing.entries[slot].name;
            match self.file(plan, here, name, a) {
                Ok(true) => {
                    self.counters.files_written.fetch_add(1, Ordering::Relaxed);
                    self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
                }
                Ok(false) => {
                    self.counters.files_skipped.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => return self.fail(&here.path().join(name), e),
            }
            self.hard_names(a.index, here, name);
        });
    }

    /// The sub-directories of a directory (those with work for this shard), in parallel.
    fn children(&self, plan: &DirPlan, here: &DirPath, base: u64) {
        let mut bases = Vec::with_capacity(plan.children.len());
        let mut next = base + plan.files;
        for c in &plan.children {
            bases.push(next);
            next += c.files;
        }
        self.tree.live_children(plan).into_par_iter().for_each(|c| {
            let b = c.base(&bases, base);
            if self.stopped() || !self.wanted(b, c.child(plan).files) {
                return;
            }
            let child = self.tree.live_child_plan_uncached(plan, &c);
            if let Some(there) = self.enter(here, &c.name) {
                self.dir(&child, &there, b);
            }
        });
    }

    /// Makes (unless it is there) and opens the directory `name` in `parent`; `None` when that
    /// failed, which is recorded.
    fn enter(&self, parent: &DirPath, name: &str) -> Option<DirPath> {
        use rustix::fs::{Mode, OFlags, mkdirat, openat};
        let path = parent.path().join(name);
        if self.opts.dry_run {
            return Some(DirPath::plain(&path));
        }
        let opened = parent.dir().ok_or_else(not_open).and_then(|at| {
            match mkdirat(at, name, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
            Ok(File::from(openat(at, name, flags, Mode::empty())?))
        });
        match opened {
            Ok(dir) => Some(DirPath::opened(&path, dir)),
            Err(e) => {
                self.fail(&path, e);
                None
            }
        }
    }

    /// A directory's xattrs, mode, owner and times, once everything below it is written.
    fn dir_meta(&self, plan: &DirPlan, here: &DirPath) -> io::Result<()> {
        let d = self.tree.dir_attrs(plan);
        let f = here.dir().ok_or_else(not_open)?;
        if self.opts.xattrs {
            let acl = synthfs_model::attrs::node_acl(self.tree, plan.index);
            self.set_xattrs(f, self.tree.xattrs(plan.index).unwrap_or_default(), acl)?;
        }
        self.set_meta(f, (d.uid, d.gid), Some(d.mode), d.accessed, d.modified)
    }

    /// Removes temporary files an interrupted run left in `dir`.
    fn remove_leftovers(&self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().ends_with(TMP_SUFFIX) && std::fs::remove_file(e.path()).is_ok() {
                self.counters.temp_removed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A directory that should be open is not (a dry run opens none, and writes nothing).
fn not_open() -> io::Error {
    io::Error::other("the folder is not open")
}
