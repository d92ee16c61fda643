//! `synthfs materialize smb://server/share/path`: the tree written straight onto an SMB share
//! from user space, with what a Windows scanner reads: owners, groups and DACLs (with
//! `--nt-acls`), attributes, creation times and `Zone.Identifier` streams, holes kept.
//!
//! One file is one compound chain where it fits ([`wire::IO_CHUNK`] of data, no stream):
//! CREATE, FSCTL_SET_SPARSE for a sparse file, its data ranges, its end of file, its security
//! descriptor, then FileBasicInformation (attributes and the creation, access and write
//! times, last, so nothing bumps them) and CLOSE, one round trip. A bigger file holds its
//! handle over several; a file with a stream gets its stream before its descriptor (a DACL
//! set first could refuse the writer the stream). Many chains are in flight at once over
//! several connections; the walk of the model runs ahead of them in the same task, and makes
//! each folder before the files in it. Folders get their descriptors, attributes and times
//! after every file is written (writing into a folder changes its write time).
//!
//! Resumable: the write time, set last, marks a complete file. A rerun lists each folder that
//! was there already and skips the files whose size and write time are the model's; any
//! other file under the name is written again over it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Instant;

use futures_util::future::join_all;
use serde::Serialize;
use smb2::msg::create::{CreateAction, CreateDisposition};
use smb2::types::FileId;
use smb2::types::flags::FileAccessMask;
use synthfs_model::plan::DirPlan;
use synthfs_model::windows::dos_attrib::nttime;
use synthfs_model::{FileAttrs, Tree};

mod apply;
mod file;

use file::{SET_ALL, SET_GROUP_AND_DACL};

use super::marker::{MARKER, Marker};
use super::{Counters, Shard};
use crate::smb_client::in_flight::InFlight;
use crate::smb_client::wire::{self, Open};
use crate::smb_client::{Credentials, Share, SmbError, SmbUrl};

/// What to write where, and how.
#[derive(Clone, Debug)]
pub struct SmbOptions {
    pub url: SmbUrl,
    pub creds: Credentials,
    pub shard: Shard,
    pub connections: usize,
    /// How long a broken connection is made again before the run gives up.
    pub retry_window: std::time::Duration,
    /// Worker threads of the client's runtime.
    pub threads: usize,
    pub times: bool,
    /// Try to set owners (a privileged account can; others are told once, and keep going).
    pub owners: bool,
    pub dry_run: bool,
    pub force: bool,
}

/// The outcome of a run onto SMB.
#[derive(Clone, Debug, Serialize)]
pub struct SmbSummary {
    /// Set when the run moved a copy of another epoch on to this one.
    pub moved: Option<super::Moved>,
    pub dest: String,
    pub shard: String,
    pub connections: usize,
    pub files_in_shard: u64,
    pub files_written: u64,
    pub files_skipped: u64,
    pub bytes_written: u64,
    pub dirs: u64,
    pub errors: u64,
    pub first_errors: Vec<String>,
    /// Files and folders whose owner (and group) the account could not set.
    pub owners_not_set: u64,
    /// Why owners could not be set, once.
    pub owners_refused: Option<String>,
    /// Symbolic links and extra names of files (hard links): not written to SMB.
    pub links_not_written: u64,
    /// Chains sent again after a connection broke.
    pub retries: u64,
    pub dry_run: bool,
    pub elapsed_seconds: f64,
    pub files_per_second: f64,
    pub bytes_per_second: f64,
}

/// Errors that stop a run onto SMB.
#[derive(Debug, thiserror::Error)]
pub enum SmbMaterializeError {
    #[error(transparent)]
    Smb(#[from] SmbError),
    #[error("{url} holds another tree ({found}); use --force to write this one over it")]
    DifferentTree { url: String, found: String },
    #[error("{0} is not empty and holds no synthfs tree; choose an empty folder or use --force")]
    NotEmpty(String),
    #[error("the share is full (writing {path}): {status}; free space or use a bigger share")]
    NoSpace { path: String, status: String },
    #[error("cannot write {path} on {url}: {error}")]
    Write { url: String, path: String, error: Box<SmbError> },
    #[error("cannot start the SMB client: {0}")]
    Runtime(std::io::Error),
    #[error(
        "{url} was being moved from epoch {from} to {to} when a run stopped; run again with --epoch {to} to finish"
    )]
    Interrupted { url: String, from: u64, to: u64 },
    #[error("moving a copy to another epoch is one run's work: drop --shard")]
    ShardedMove,
    #[error("cannot build the copy's epoch: {0}")]
    Epoch(String),
    #[error(
        "{url} holds an unfinished copy of epoch {epoch}: finish it first with `synthfs materialize` at --epoch {epoch} without --shard (it skips what is there), then move it"
    )]
    Unfinished { url: String, epoch: u64 },
}

impl SmbMaterializeError {
    /// Errors the user fixes by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SmbMaterializeError::DifferentTree { .. }
                | SmbMaterializeError::NotEmpty(_)
                | SmbMaterializeError::Interrupted { .. }
                | SmbMaterializeError::ShardedMove
                | SmbMaterializeError::Unfinished { .. }
        )
    }
}

/// What a folder listing says of one name.
#[derive(Clone, Copy, Debug)]
struct Found {
    size: u64,
    written: u64,
    attributes: u32,
}

struct Run<'a> {
    tree: &'a Tree,
    opts: &'a SmbOptions,
    share: Share,
    counters: &'a Counters,
    range: (u64, u64),
    resuming: bool,
    security: AtomicU8,
    owners_not_set: AtomicU64,
    owners_refused: Mutex<Option<String>>,
    links_not_written: u64,
    stop: AtomicBool,
    fatal: Mutex<Option<SmbMaterializeError>>,
    errors: Mutex<Vec<String>>,
}

/// Writes the tree (or this shard of it) onto the share.
pub fn run(tree: &Tree, opts: &SmbOptions, counters: &Counters) -> Result<SmbSummary, SmbMaterializeError> {
    let started = Instant::now();
    let runtime = crate::smb_client::runtime(opts.threads).map_err(SmbMaterializeError::Runtime)?;
    runtime.block_on(async {
        let share = Share::connect(&opts.url, &opts.creds, opts.connections, opts.retry_window).await?;
        let moving = if opts.force { None } else { apply::moving_from(tree, &share).await? };
        if moving.is_some() && !opts.shard.is_all() {
            return Err(SmbMaterializeError::ShardedMove);
        }
        let resuming = match moving {
            Some(_) => true,
            None if opts.dry_run => false,
            None => claim(tree, &share, opts.force).await?,
        };
        let run = Run {
            tree,
            opts,
            share,
            counters,
            range: opts.shard.range(tree.file_count()),
            resuming,
            security: AtomicU8::new(if opts.owners { SET_ALL } else { SET_GROUP_AND_DACL }),
            owners_not_set: AtomicU64::new(0),
            owners_refused: Mutex::new(None),
            links_not_written: tree.links().symlinks.len() as u64 + tree.links().hard.len() as u64,
            stop: AtomicBool::new(false),
            fatal: Mutex::new(None),
            errors: Mutex::new(Vec::new()),
        };
        let moved = match moving {
            Some((from, stage)) => Some(run.move_on(from, stage).await?),
            None => {
                run.walk().await;
                None
            }
        };
        if let Some(e) = run.fatal.lock().ok().and_then(|mut f| f.take()) {
            return Err(e);
        }
        // The whole tree written without an error: a copy that can be moved on by its change.
        let whole = !opts.dry_run && opts.shard.is_all() && counters.errors.load(Ordering::Relaxed) == 0;
        if moved.is_none() && whole {
            apply::write_marker(&run.share, &Marker { complete: true, ..Marker::of(tree) }).await?;
        }
        Ok(SmbSummary { moved, ..run.summary(started) })
    })
}

/// Makes the target folder (and its parents) and claims it for this tree: writes the marker
/// into an empty folder, accepts one that holds this tree (`true`: a resume), refuses
/// anything else unless `force`.
async fn claim(tree: &Tree, share: &Share, force: bool) -> Result<bool, SmbMaterializeError> {
    let url = &share.url;
    let mut path = String::new();
    for part in &url.path {
        path = SmbUrl::join(&path, part);
        make_dir(share, &path).await.map_err(|source| write_error(url, &path, source))?;
    }
    let base = url.base();
    let listing = list(share, &base).await.map_err(|source| write_error(url, &base, source))?;
    let mine = Marker::of(tree);
    let marker_path = SmbUrl::join(&base, MARKER);
    if listing.contains_key(MARKER) {
        let bytes = read_small(share, &marker_path).await.map_err(|source| write_error(url, &marker_path, source))?;
        match serde_json::from_slice::<Marker>(&bytes) {
            Ok(m) if mine.same_copy(&m) => return Ok(true),
            Ok(m) if !force => {
                let found = format!("profile {}, seed {}, {} files", m.profile, m.seed, m.files);
                return Err(SmbMaterializeError::DifferentTree { url: url.to_string(), found });
            }
            _ => {}
        }
    } else if !listing.is_empty() && !force {
        return Err(SmbMaterializeError::NotEmpty(url.to_string()));
    }
    apply::write_marker(share, &mine).await?;
    Ok(force && !listing.is_empty())
}

fn write_error(url: &SmbUrl, path: &str, source: SmbError) -> SmbMaterializeError {
    if source.is_disk_full() {
        return SmbMaterializeError::NoSpace { path: crate::smb_client::shown(path), status: source.to_string() };
    }
    match source {
        SmbError::Status { .. } => SmbMaterializeError::Write {
            url: url.to_string(),
            path: crate::smb_client::shown(path),
            error: Box::new(source),
        },
        other => SmbMaterializeError::Smb(other),
    }
}

/// Makes folder `path` unless it is there; `true` when it was.
async fn make_dir(share: &Share, path: &str) -> Result<bool, SmbError> {
    let reqs = [
        wire::create(Open {
            name: path,
            access: FileAccessMask::FILE_READ_ATTRIBUTES | FileAccessMask::SYNCHRONIZE,
            disposition: CreateDisposition::FileOpenIf,
            directory: true,
            attributes: 0,
        }),
        wire::close(FileId::SENTINEL),
    ];
    let replies = share.chain(&reqs).await?;
    Ok(wire::create_response(&replies[0])?.create_action != CreateAction::FileCreated)
}

/// The names in folder `path` (not `.` and `..`).
async fn list(share: &Share, path: &str) -> Result<HashMap<String, Found>, SmbError> {
    let entries = crate::smb_client::listing::list_folder(share, path).await?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let found = Found { size: e.end_of_file, written: e.last_write_time.0, attributes: e.file_attributes };
            (e.file_name, found)
        })
        .collect())
}

/// A small file's bytes (the marker).
async fn read_small(share: &Share, path: &str) -> Result<Vec<u8>, SmbError> {
    let reqs = [
        wire::open_file(path, wire::READ_ALL),
        wire::read(FileId::SENTINEL, 0, 1 << 16),
        wire::close(FileId::SENTINEL),
    ];
    let replies = share.chain(&reqs).await?;
    wire::read_data(&replies[1])
}

impl<'a> Run<'a> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records a per-file error, or stops the run for one no other file will escape.
    fn fail(&self, path: &str, e: SmbError) {
        if e.is_fatal() || self.stopped() {
            self.stop.store(true, Ordering::Relaxed);
            if let Ok(mut slot) = self.fatal.lock() {
                slot.get_or_insert_with(|| write_error(&self.opts.url, path, e));
            }
            return;
        }
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{path}: {e}");
        if let Ok(mut list) = self.errors.lock() {
            if list.len() < super::MAX_LISTED_ERRORS {
                list.push(format!("{path}: {e}"));
            }
        }
    }

    /// Whether a folder's subtree has work for this shard (as [`super::Run`] decides it).
    fn wanted(&self, base: u64, files: u64) -> bool {
        let later = self.tree.epochs().is_some();
        super::shard::wants(self.range, self.opts.shard, self.tree.file_count(), base, files, later)
    }

    /// The walk: folders depth first, each made before its files are sent, every file a job
    /// in flight; then the folders' own metadata.
    async fn walk(&'a self) {
        let mut inflight = InFlight::over(self.opts.connections);
        let root = self.tree.root().clone();
        let mut stack = vec![(root, self.opts.url.base(), 0u64, self.resuming)];
        // Folders made or found, for their metadata once all files are written.
        let mut folders = Vec::new();
        if !self.wanted(0, self.tree.root().subtree_files) {
            stack.clear();
        }
        while let Some((plan, path, base, existed)) = stack.pop() {
            if self.stopped() {
                break;
            }
            self.counters.dirs.fetch_add(1, Ordering::Relaxed);
            let found = if existed && !self.opts.dry_run {
                match inflight.drive(list(&self.share, &path)).await {
                    Ok(f) => f,
                    Err(e) => {
                        self.fail(&path, e);
                        continue;
                    }
                }
            } else {
                HashMap::new()
            };
            let children = self.made_children(&mut inflight, &plan, &path, base).await;
            self.send_files(&mut inflight, &plan, &path, base, &found).await;
            if plan.index != 0 {
                let d = self.tree.dir_attrs(&plan);
                let times = [nttime(d.created), nttime(d.accessed), nttime(d.modified)];
                folders.push((plan.index, path, times));
            }
            stack.extend(children.into_iter().rev());
        }
        inflight.finish().await;
        if self.opts.dry_run || self.stopped() {
            return;
        }
        for (index, path, times) in folders {
            if self.stopped() {
                break;
            }
            inflight.push(Box::pin(self.folder_meta_job(index, path, times))).await;
        }
        inflight.finish().await;
    }

    /// Makes the sub-folders of `plan` with work for this shard, together; each one made (or
    /// found) is returned to be walked, with whether it was there before.
    async fn made_children(
        &self,
        inflight: &mut InFlight<'a>,
        plan: &DirPlan,
        path: &str,
        base: u64,
    ) -> Vec<(std::sync::Arc<DirPlan>, String, u64, bool)> {
        let mut wanted = Vec::new();
        let mut bases = Vec::with_capacity(plan.children.len());
        let mut next = base + plan.files;
        for c in &plan.children {
            bases.push(next);
            next += c.files;
        }
        for c in self.tree.live_children(plan) {
            let b = c.base(&bases, base);
            if self.wanted(b, c.child(plan).files) {
                wanted.push((self.tree.live_child_plan_uncached(plan, &c), b, SmbUrl::join(path, &c.name)));
            }
        }
        if self.opts.dry_run {
            return wanted.into_iter().map(|(child, b, p)| (child, p, b, false)).collect();
        }
        let made = inflight.drive(join_all(wanted.iter().map(|(_, _, p)| make_dir(&self.share, p)))).await;
        let mut out = Vec::with_capacity(wanted.len());
        for ((child, b, p), m) in wanted.into_iter().zip(made) {
            match m {
                Ok(existed) => out.push((child, p, b, existed)),
                Err(e) => self.fail(&p, e),
            }
        }
        out
    }

    /// The files of one folder in this shard, each sent as a job.
    async fn send_files(
        &'a self,
        inflight: &mut InFlight<'a>,
        plan: &DirPlan,
        path: &str,
        base: u64,
        found: &HashMap<String, Found>,
    ) {
        let (lo, hi) = self.range;
        let later = self.tree.epochs().is_some();
        if !later && lo.saturating_sub(base).min(plan.files) >= hi.saturating_sub(base).min(plan.files) {
            return;
        }
        let (listing, attrs) = self.tree.build_listing_and_attrs(plan);
        let total = self.tree.file_count();
        for (entry, a) in listing.entries.iter().zip(&attrs) {
            if self.stopped() {
                return;
            }
            if !super::shard::holds(self.range, total, base, plan.index, a) {
                continue;
            }
            let name = &*entry.name;
            let a = a.clone();
            let there = found.get(name).copied();
            inflight.push(Box::pin(self.file_job(SmbUrl::join(path, name), a, there))).await;
        }
    }

    async fn file_job(&self, path: String, a: FileAttrs, found: Option<Found>) {
        if self.stopped() {
            return;
        }
        match self.file(&path, &a, found).await {
            Ok(true) => {
                self.counters.files_written.fetch_add(1, Ordering::Relaxed);
                self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
            }
            Ok(false) => {
                self.counters.files_skipped.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => self.fail(&path, e),
        }
    }

    fn summary(self, started: Instant) -> SmbSummary {
        let elapsed = started.elapsed().as_secs_f64();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let written = get(&self.counters.files_written);
        let bytes = get(&self.counters.bytes_written);
        SmbSummary {
            moved: None,
            dest: self.opts.url.to_string(),
            shard: self.opts.shard.to_string(),
            connections: self.opts.connections,
            files_in_shard: self.range.1 - self.range.0,
            files_written: written,
            files_skipped: get(&self.counters.files_skipped),
            bytes_written: bytes,
            dirs: get(&self.counters.dirs),
            errors: get(&self.counters.errors),
            first_errors: self.errors.into_inner().unwrap_or_default(),
            owners_not_set: get(&self.owners_not_set),
            owners_refused: self.owners_refused.into_inner().unwrap_or_default(),
            links_not_written: self.links_not_written,
            retries: self.share.retries.load(Ordering::Relaxed),
            dry_run: self.opts.dry_run,
            elapsed_seconds: elapsed,
            files_per_second: written as f64 / elapsed.max(1e-9),
            bytes_per_second: bytes as f64 / elapsed.max(1e-9),
        }
    }
}
