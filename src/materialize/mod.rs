//! `synthfs materialize`: the tree written to real storage, in parallel, resumable, shardable.
//!
//! One pass over the model (rayon): each directory is created, its files are written in
//! parallel, its sub-directories are done, and then its own mode, owner and times are set, so
//! directory times are applied deepest first and no later write bumps them. A file is written
//! under a temporary name in its directory (data runs only, so sparse files keep their holes),
//! given its owner, xattrs, mode and times, then renamed: an interrupted run never leaves a half
//! file under a real name, and a rerun skips files whose size and mtime already match.

pub mod marker;
pub mod shard;

use std::fs::{File, FileTimes, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use crate::counters::Counters;
pub use shard::Shard;
use synthfs_model::plan::DirPlan;
use synthfs_model::{FileAttrs, Timestamp, Tree};

/// Suffix of temporary files; a rerun removes leftovers.
pub const TMP_SUFFIX: &str = ".synthfs-tmp";
/// Per-file errors listed in the summary.
const MAX_LISTED_ERRORS: usize = 20;
/// Bytes generated and written per call.
const CHUNK: usize = 1 << 20;

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
}

impl MaterializeError {
    /// Errors the user fixes by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            MaterializeError::NotADirectory(_) | MaterializeError::DifferentTree { .. } | MaterializeError::NotEmpty(_)
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
    stop: AtomicBool,
    fatal: Mutex<Option<MaterializeError>>,
    errors: Mutex<Vec<String>>,
}

thread_local! {
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes the tree (or this shard of it) under `opts.dest`.
pub fn run(tree: &Tree, opts: &Options, counters: &Counters) -> Result<Summary, MaterializeError> {
    let started = Instant::now();
    prepare_dest(&opts.dest, opts.dry_run)?;
    let resuming = if opts.dry_run { false } else { marker::claim(tree, &opts.dest, opts.force)? };
    let run = Run {
        tree,
        opts,
        counters,
        range: opts.shard.range(tree.file_count()),
        is_root: is_root(),
        resuming,
        stop: AtomicBool::new(false),
        fatal: Mutex::new(None),
        errors: Mutex::new(Vec::new()),
    };
    run.dir(tree.root(), &opts.dest, 0);
    if let Some(e) = run.fatal.lock().map(|mut f| f.take()).unwrap_or(None) {
        return Err(e);
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

/// Gives the file at `file` the other name `name` in `dir`, making `dir` if it is not there yet;
/// a name already on the same file is kept, one on another file replaced.
fn hard_link(file: &Path, dir: &Path, name: &Path) -> io::Result<()> {
    let want = std::fs::metadata(file)?;
    match std::fs::symlink_metadata(name) {
        Ok(m) if m.dev() == want.dev() && m.ino() == want.ino() => return Ok(()),
        Ok(_) => std::fs::remove_file(name)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Err(e) = std::fs::create_dir(dir) {
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
            }
        }
        Err(e) => return Err(e),
    }
    std::fs::hard_link(file, name)
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

    /// Whether a directory's subtree has work for this shard. A subtree without files belongs
    /// to the shard whose range holds its first ordinal, so empty folders are made once.
    fn wanted(&self, base: u64, files: u64) -> bool {
        let (lo, hi) = self.range;
        if files == 0 {
            return (lo <= base && base < hi)
                || (base == hi && hi == self.tree.file_count() && lo < hi)
                || (self.opts.shard.is_all());
        }
        base < hi && base + files > lo
    }

    /// One directory: create it, write its files, recurse, then set its own metadata.
    fn dir(&self, plan: &DirPlan, path: &Path, base: u64) {
        if self.stopped() || !self.wanted(base, plan.subtree_files) {
            return;
        }
        if plan.index != 0 && !self.opts.dry_run {
            if let Err(e) = std::fs::create_dir(path) {
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return self.fail(path, e);
                }
            }
        }
        self.counters.dirs.fetch_add(1, Ordering::Relaxed);
        // Below a long path, calls go through the open directory (see `longpath`).
        let opened = if self.opts.dry_run {
            Ok(crate::longpath::DirPath::plain(path))
        } else {
            crate::longpath::DirPath::new(path)
        };
        let here = match opened {
            Ok(h) => h,
            Err(e) => return self.fail(path, e),
        };
        let path = here.path();
        if self.resuming {
            self.remove_leftovers(path);
        }
        let (lo, hi) = self.range;
        let first = lo.saturating_sub(base).min(plan.files);
        let last = hi.saturating_sub(base).min(plan.files);
        if first < last {
            let (listing, attrs) = self.tree.build_listing_and_attrs(plan);
            (first as usize..last as usize).into_par_iter().with_min_len(8).for_each(|slot| {
                let slot = slot as u64;
                if self.stopped() {
                    return;
                }
                let a = &attrs[slot as usize];
                let name = &listing.entries[slot as usize].name;
                let file = path.join(&**name);
                match self.file(path, &file, a) {
                    Ok(true) => {
                        self.counters.files_written.fetch_add(1, Ordering::Relaxed);
                        self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
                    }
                    Ok(false) => {
                        self.counters.files_skipped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => return self.fail(&file, e),
                }
                self.hard_names(a.index, &file);
            });
        }
        self.symlinks(plan, path);
        let mut bases = Vec::with_capacity(plan.children.len());
        let mut next = base + plan.files;
        for c in &plan.children {
            bases.push(next);
            next += c.files;
        }
        (0..plan.children.len()).into_par_iter().for_each(|k| {
            let child = self.tree.child_plan_uncached(plan, k);
            self.dir(&child, &path.join(&*plan.children[k].name), bases[k]);
        });
        if !self.opts.dry_run && !self.stopped() && plan.index != 0 {
            if let Err(e) = self.dir_meta(plan, path) {
                self.fail(path, e);
            }
        }
    }

    /// The other names of a file, made by whoever wrote it (so a shard links only what it has
    /// written); a folder not made yet is made here and finished when its turn comes.
    fn hard_names(&self, file: u64, path: &Path) {
        for h in self.tree.links().hard.iter().filter(|h| h.target == file) {
            let Some(dir) = self.tree.path(h.parent) else { continue };
            let dir = self.opts.dest.join(dir);
            let name = dir.join(h.name);
            let made = if self.opts.dry_run { Ok(()) } else { hard_link(path, &dir, &name) };
            match made {
                Ok(()) => {
                    self.counters.links.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => self.fail(&name, e),
            }
        }
    }

    /// A folder's symbolic links, with its owner and times (any shard that makes the folder
    /// makes them; one already right is left alone).
    fn symlinks(&self, plan: &DirPlan, dir: &Path) {
        for l in self.tree.links().symlinks.iter().filter(|l| l.parent == plan.index) {
            let path = dir.join(l.name);
            let made = if self.opts.dry_run { Ok(()) } else { self.symlink(plan, &l.target, &path) };
            match made {
                Ok(()) => {
                    self.counters.links.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => self.fail(&path, e),
            }
        }
    }

    fn symlink(&self, plan: &DirPlan, target: &str, path: &Path) -> io::Result<()> {
        match std::fs::read_link(path) {
            Ok(t) if t.as_os_str() == target => {}
            Ok(_) => {
                std::fs::remove_file(path)?;
                std::os::unix::fs::symlink(target, path)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => std::os::unix::fs::symlink(target, path)?,
            Err(e) => return Err(e),
        }
        let d = self.tree.dir_attrs(plan);
        if self.opts.owners && self.is_root {
            std::os::unix::fs::lchown(path, Some(d.uid), Some(d.gid))?;
        }
        if self.opts.times {
            set_link_times(path, d.accessed, d.modified)?;
        }
        Ok(())
    }

    /// A directory's mode, owner and times, once everything below it is written.
    fn dir_meta(&self, plan: &DirPlan, path: &Path) -> io::Result<()> {
        let d = self.tree.dir_attrs(plan);
        let f = File::open(path)?;
        if self.opts.xattrs {
            self.set_xattrs(&f, plan.index)?;
        }
        self.set_meta(&f, (d.uid, d.gid), d.mode, d.accessed, d.modified)
    }

    /// Owner (when asked and root), mode, then times last: the order that leaves the times the
    /// model's, for files and directories alike.
    fn set_meta(
        &self,
        f: &File,
        owner: (u32, u32),
        mode: u32,
        accessed: Timestamp,
        modified: Timestamp,
    ) -> io::Result<()> {
        if self.opts.owners && self.is_root {
            std::os::unix::fs::fchown(f, Some(owner.0), Some(owner.1))?;
        }
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if self.opts.times {
            f.set_times(
                FileTimes::new().set_accessed(accessed.to_system_time()).set_modified(modified.to_system_time()),
            )?;
        }
        Ok(())
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

    /// Writes one file; `Ok(false)` when it was already complete.
    fn file(&self, dir: &Path, path: &Path, a: &FileAttrs) -> io::Result<bool> {
        if self.resuming && self.is_complete(path, a)? {
            return Ok(false);
        }
        if self.opts.dry_run {
            return Ok(true);
        }
        let tmp = dir.join(format!(".{:x}{TMP_SUFFIX}", a.index));
        let result = self.write_new(&tmp, a).and_then(|()| std::fs::rename(&tmp, path));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| true)
    }

    /// Whether `path` already holds this file: size and mtime match (and bytes, if asked).
    fn is_complete(&self, path: &Path, a: &FileAttrs) -> io::Result<bool> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let times_match =
            !self.opts.times || (meta.mtime(), meta.mtime_nsec()) == (a.modified.secs, i64::from(a.modified.nanos));
        if !meta.is_file() || meta.len() != a.size() || !times_match {
            return Ok(false);
        }
        if self.opts.check_content {
            return self.same_bytes(path, a);
        }
        Ok(true)
    }

    fn same_bytes(&self, path: &Path, a: &FileAttrs) -> io::Result<bool> {
        let f = File::open(path)?;
        BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            buf.resize(2 * CHUNK, 0);
            let (want, got) = buf.split_at_mut(CHUNK);
            let mut off = 0u64;
            while off < a.size() {
                let n = self.tree.read_content(&a.content, off, want);
                f.read_exact_at(&mut got[..n], off)?;
                if want[..n] != got[..n] {
                    return Ok(false);
                }
                off += n as u64;
            }
            Ok(true)
        })
    }

    /// Creates `tmp` with the file's bytes (data runs only: holes stay holes) and metadata.
    fn write_new(&self, tmp: &Path, a: &FileAttrs) -> io::Result<()> {
        let f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(tmp)?;
        BUF.with(|cell| -> io::Result<()> {
            let mut buf = cell.borrow_mut();
            if buf.len() < CHUNK {
                buf.resize(CHUNK, 0);
            }
            for (start, end) in a.content.data_runs() {
                let mut off = start;
                while off < end {
                    let n = ((end - off) as usize).min(CHUNK);
                    let got = self.tree.read_content(&a.content, off, &mut buf[..n]);
                    f.write_all_at(&buf[..got], off)?;
                    off += n as u64;
                }
            }
            Ok(())
        })?;
        if a.content.sparse.is_some() {
            f.set_len(a.size())?;
        }
        if self.opts.xattrs {
            self.set_xattrs(&f, a.index)?;
        }
        self.set_meta(&f, (a.uid, a.gid), a.mode, a.accessed, a.modified)
    }

    /// A node's extended attributes (`user.synthfs.*`, the mark of the web, NT descriptors)
    /// and POSIX ACLs, as the mount shows them.
    fn set_xattrs(&self, f: &File, index: u64) -> io::Result<()> {
        if let Some(values) = self.tree.xattrs(index) {
            for (name, value) in values {
                if !self.set_xattr(f, name, value.as_bytes())? {
                    break;
                }
            }
        }
        self.set_acl(f, index)
    }

    /// Sets one extended attribute; `Ok(false)` (counted) where the target does not support it.
    fn set_xattr(&self, f: &File, name: &str, value: &[u8]) -> io::Result<bool> {
        match xattr::FileExt::set_xattr(f, name, value) {
            Ok(()) => Ok(true),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTSUP)) => {
                self.counters.xattrs_unsupported.fetch_add(1, Ordering::Relaxed);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The node's POSIX ACLs (access tiers), as `setfacl` would set them.
    fn set_acl(&self, f: &File, index: u64) -> io::Result<()> {
        if let Some(acl) = synthfs_model::attrs::node_acl(self.tree, index) {
            if self.set_xattr(f, "system.posix_acl_access", &acl.access)? {
                if let Some(default) = &acl.default {
                    self.set_xattr(f, "system.posix_acl_default", default)?;
                }
            }
        }
        Ok(())
    }
}
