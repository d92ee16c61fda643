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
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Instant;

use futures_util::future::join_all;
use serde::Serialize;
use smb2::msg::create::{CreateAction, CreateDisposition};
use smb2::types::FileId;
use smb2::types::flags::FileAccessMask;
use smb2::types::status::NtStatus;
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::ZONE_TEXT;
use synthfs_model::windows::dos_attrib::{FILE_ATTRIBUTE_DIRECTORY, nttime};
use synthfs_model::{FileAttrs, Tree};

use super::marker::{MARKER, Marker};
use super::{Counters, Shard};
use crate::smb_client::in_flight::InFlight;
use crate::smb_client::wire::{self, Open, Req};
use crate::smb_client::{Credentials, Share, SmbError, SmbUrl};

/// Per-file errors listed in the summary.
const MAX_LISTED_ERRORS: usize = 20;
/// Chains in flight per connection.
const IN_FLIGHT_PER_CONNECTION: usize = 16;

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
}

impl SmbMaterializeError {
    /// Errors the user fixes by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, SmbMaterializeError::DifferentTree { .. } | SmbMaterializeError::NotEmpty(_))
    }
}

/// What a folder listing says of one name.
#[derive(Clone, Copy, Debug)]
struct Found {
    size: u64,
    written: u64,
    attributes: u32,
}

/// The attributes a rerun compares: read-only, hidden, system, directory, archive, sparse.
const RESUME_ATTRIBUTES: u32 = 0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0020 | 0x0200;
/// [MS-FSCC] 2.6: no other attribute set.
const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;

/// How much of a descriptor the account may set: everything, or less once refused.
const SET_ALL: u8 = 0;
const SET_GROUP_AND_DACL: u8 = 1;
const SET_DACL: u8 = 2;

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
    links_not_written: AtomicU64,
    stop: AtomicBool,
    fatal: Mutex<Option<SmbMaterializeError>>,
    errors: Mutex<Vec<String>>,
    /// Folders made or found, for their metadata once all files are written.
    folders: Mutex<Vec<(u64, String, [u64; 3])>>,
}

/// Writes the tree (or this shard of it) onto the share.
pub fn run(tree: &Tree, opts: &SmbOptions, counters: &Counters) -> Result<SmbSummary, SmbMaterializeError> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.threads.max(1))
        .enable_all()
        .build()
        .map_err(SmbMaterializeError::Runtime)?;
    runtime.block_on(async {
        let mut share = Share::connect(&opts.url, &opts.creds, opts.connections).await?;
        share.retry_window = opts.retry_window;
        let resuming = if opts.dry_run { false } else { claim(tree, &share, opts.force).await? };
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
            links_not_written: AtomicU64::new(tree.links().symlinks.len() as u64 + tree.links().hard.len() as u64),
            stop: AtomicBool::new(false),
            fatal: Mutex::new(None),
            errors: Mutex::new(Vec::new()),
            folders: Mutex::new(Vec::new()),
        };
        run.walk().await;
        if let Some(e) = run.fatal.lock().ok().and_then(|mut f| f.take()) {
            return Err(e);
        }
        Ok(run.summary(started))
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
            Ok(m) if m == mine => return Ok(true),
            Ok(m) if !force => {
                let found = format!("profile {}, seed {}, {} files", m.profile, m.seed, m.files);
                return Err(SmbMaterializeError::DifferentTree { url: url.to_string(), found });
            }
            _ => {}
        }
    } else if !listing.is_empty() && !force {
        return Err(SmbMaterializeError::NotEmpty(url.to_string()));
    }
    let json = serde_json::to_vec_pretty(&mine).unwrap_or_default();
    let reqs = [
        wire::create(Open {
            name: &marker_path,
            access: FileAccessMask::FILE_WRITE_DATA | FileAccessMask::SYNCHRONIZE,
            disposition: CreateDisposition::FileOverwriteIf,
            directory: false,
            attributes: 0,
        }),
        wire::write(FileId::SENTINEL, 0, json),
        wire::close(FileId::SENTINEL),
    ];
    share.chain(&reqs).await.map_err(|source| write_error(url, &marker_path, source))?;
    Ok(force && !listing.is_empty())
}

fn write_error(url: &SmbUrl, path: &str, source: SmbError) -> SmbMaterializeError {
    if source.is_disk_full() {
        return SmbMaterializeError::NoSpace { path: path.replace('\\', "/"), status: source.to_string() };
    }
    match source {
        SmbError::Status { .. } => {
            SmbMaterializeError::Write { url: url.to_string(), path: path.replace('\\', "/"), error: Box::new(source) }
        }
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

/// Removes file `path`, clearing the attributes that would refuse it (read-only, and hidden
/// or system, which refuse an overwrite).
fn remove_reqs(path: &str) -> [Req; 4] {
    [
        wire::create(Open {
            name: path,
            access: FileAccessMask::DELETE | FileAccessMask::FILE_WRITE_ATTRIBUTES | FileAccessMask::SYNCHRONIZE,
            disposition: CreateDisposition::FileOpen,
            directory: false,
            attributes: 0,
        }),
        wire::set_basic(FileId::SENTINEL, 0, 0, 0, FILE_ATTRIBUTE_NORMAL),
        wire::set_delete_on_close(FileId::SENTINEL),
        wire::close(FileId::SENTINEL),
    ]
}

/// Whether the server refused setting an owner or group (or opening with WRITE_OWNER).
fn is_refusal(e: &SmbError) -> bool {
    let SmbError::Status { what, status } = e else { return false };
    let refusal = [wire::STATUS_INVALID_OWNER, wire::STATUS_PRIVILEGE_NOT_HELD, NtStatus::ACCESS_DENIED];
    matches!(*what, "set security descriptor" | "create") && refusal.contains(status)
}

/// The access to open with at a security level: WRITE_OWNER only where owners are set.
fn access_at(access: u32, level: u8) -> u32 {
    if level == SET_ALL { access } else { access & !FileAccessMask::WRITE_OWNER }
}

impl<'a> Run<'a> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn limit(&self) -> usize {
        self.opts.connections.max(1) * IN_FLIGHT_PER_CONNECTION
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
            if list.len() < MAX_LISTED_ERRORS {
                list.push(format!("{path}: {e}"));
            }
        }
    }

    /// Whether a folder's subtree has work for this shard (as [`super::Run`] decides it).
    fn wanted(&self, base: u64, files: u64) -> bool {
        super::shard::wants(self.range, self.opts.shard, self.tree.file_count(), base, files)
    }

    /// The walk: folders depth first, each made before its files are sent, every file a job
    /// in flight; then the folders' own metadata.
    async fn walk(&'a self) {
        let mut inflight = InFlight::new(self.limit());
        let root = self.tree.root().clone();
        let mut stack = vec![(root, self.opts.url.base(), 0u64, self.resuming)];
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
                if let Ok(mut f) = self.folders.lock() {
                    f.push((plan.index, path, times));
                }
            }
            stack.extend(children.into_iter().rev());
        }
        inflight.finish().await;
        if self.opts.dry_run || self.stopped() {
            return;
        }
        let folders = self.folders.lock().map(|mut f| std::mem::take(&mut *f)).unwrap_or_default();
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
        let mut next = base + plan.files;
        for (k, c) in plan.children.iter().enumerate() {
            if self.wanted(next, c.files) {
                wanted.push((k, next, SmbUrl::join(path, &c.name)));
            }
            next += c.files;
        }
        if self.opts.dry_run {
            return wanted.into_iter().map(|(k, b, p)| (self.tree.child_plan_uncached(plan, k), p, b, false)).collect();
        }
        let made = inflight.drive(join_all(wanted.iter().map(|(_, _, p)| make_dir(&self.share, p)))).await;
        let mut out = Vec::with_capacity(wanted.len());
        for ((k, b, p), m) in wanted.into_iter().zip(made) {
            match m {
                Ok(existed) => out.push((self.tree.child_plan_uncached(plan, k), p, b, existed)),
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
        let first = lo.saturating_sub(base).min(plan.files) as usize;
        let last = hi.saturating_sub(base).min(plan.files) as usize;
        if first >= last {
            return;
        }
        let (listing, attrs) = self.tree.build_listing_and_attrs(plan);
        for (entry, a) in listing.entries[first..last].iter().zip(&attrs[first..last]) {
            if self.stopped() {
                return;
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

    /// Writes file `a` as `path`; `Ok(false)` when it was already complete.
    async fn file(&self, path: &str, a: &FileAttrs, found: Option<Found>) -> Result<bool, SmbError> {
        // Complete: the size, the attributes and the write time (set last) are the model's.
        // Without times nothing marks a file complete, so every file is written again.
        if let Some(f) = found.filter(|_| self.opts.times) {
            let kept = |attributes: u32| attributes & RESUME_ATTRIBUTES;
            if f.written == nttime(a.modified)
                && f.size == a.size()
                && kept(f.attributes) == kept(self.tree.file_windows_attributes(a))
            {
                return Ok(false);
            }
        }
        if self.opts.dry_run {
            return Ok(true);
        }
        if found.is_some() {
            // Another file under the name (a write cut short, another tree's): gone first, as
            // read-only, hidden or system attributes would refuse overwriting it.
            self.remove(path).await?;
        }
        let has_descriptor = self.tree.security_descriptor(a.index).is_some();
        self.with_refusals(path, has_descriptor, |level| self.write_file(path, a, level)).await?;
        Ok(true)
    }

    /// Runs `write` at the run's security level; where the server refuses what that level
    /// sets (an owner or group needs a privilege the account may lack: STATUS_INVALID_OWNER,
    /// PRIVILEGE_NOT_HELD, or ACCESS_DENIED on the descriptor or on opening with
    /// WRITE_OWNER), tries again setting less. Only when that then works does the whole run
    /// step down (so a folder whose DACL refuses the writer is an error, not a refusal of
    /// owners), and it says so once.
    async fn with_refusals<F, Fut>(&self, path: &str, has_descriptor: bool, write: F) -> Result<(), SmbError>
    where
        F: Fn(u8) -> Fut,
        Fut: Future<Output = Result<(), SmbError>>,
    {
        let mut level = self.security.load(Ordering::Relaxed);
        let mut tried_again = false;
        loop {
            match write(level).await {
                // A refused CREATE may be the file's own leftovers (removed on the failure):
                // once more as it was before setting less.
                Err(SmbError::Status { what: "create", .. }) if !tried_again => tried_again = true,
                Err(e) if level < SET_DACL && is_refusal(&e) => {
                    tracing::debug!("{path}: {e}; trying again without setting owners");
                    level += 1;
                }
                Err(e) => return Err(e),
                Ok(()) => {
                    if level != self.security.load(Ordering::Relaxed) {
                        self.security.fetch_max(level, Ordering::Relaxed);
                        self.said_owners_refused();
                    }
                    if self.opts.owners && level != SET_ALL && has_descriptor {
                        self.owners_not_set.fetch_add(1, Ordering::Relaxed);
                    }
                    return Ok(());
                }
            }
        }
    }

    fn said_owners_refused(&self) {
        if !self.opts.owners {
            return;
        }
        if let Ok(mut said) = self.owners_refused.lock() {
            if said.is_none() {
                let why = "the server refused to set owners: the account needs to be one of Samba's `admin users`, or to hold SeRestorePrivilege on Windows; files and folders keep the writer as owner, their DACLs are set".to_string();
                tracing::warn!("{why}");
                *said = Some(why);
            }
        }
    }

    /// The parts of a descriptor to set at `level`.
    fn security_info(level: u8) -> u32 {
        match level {
            SET_ALL => {
                wire::OWNER_SECURITY_INFORMATION | wire::GROUP_SECURITY_INFORMATION | wire::DACL_SECURITY_INFORMATION
            }
            SET_GROUP_AND_DACL => wire::GROUP_SECURITY_INFORMATION | wire::DACL_SECURITY_INFORMATION,
            _ => wire::DACL_SECURITY_INFORMATION,
        }
    }

    /// The metadata requests of a file or folder, on `file`: its descriptor, then its
    /// attributes and times.
    fn meta_reqs(&self, file: FileId, index: u64, attributes: u32, times: [u64; 3], level: u8) -> Vec<Req> {
        let mut reqs = Vec::with_capacity(2);
        if let Some(sd) = self.tree.security_descriptor(index) {
            let mut bytes = sd.to_self_relative();
            if sd.dacl_auto_inherited {
                // SE_DACL_AUTO_INHERIT_REQ (0x0100, the control's high byte): how a client asks a server to keep
                // SE_DACL_AUTO_INHERITED ([MS-DTYP] 2.4.6); without it Samba clears it.
                if let Some(high) = bytes.get_mut(3) {
                    *high |= 0x01;
                }
            }
            reqs.push(wire::set_security(file, bytes, Self::security_info(level)));
        }
        let [created, accessed, written] = if self.opts.times { times } else { [0; 3] };
        reqs.push(wire::set_basic(file, created, accessed, written, attributes));
        reqs
    }

    /// Writes the file ([`Run::write_one`]); one that failed halfway is removed, so that its
    /// times (which a server may set even after a request before them failed) never make it
    /// look complete.
    async fn write_file(&self, path: &str, a: &FileAttrs, level: u8) -> Result<(), SmbError> {
        let written = self.write_one(path, a, level).await;
        if written.is_err() {
            let _ = self.remove(path).await;
        }
        written
    }

    /// Removes file `path` (clearing the attributes that would refuse it); gone already is fine.
    async fn remove(&self, path: &str) -> Result<(), SmbError> {
        match self.share.chain(&remove_reqs(path)).await {
            Err(e) if e.is_not_found() => Ok(()),
            done => done.map(|_| ()),
        }
    }

    async fn write_one(&self, path: &str, a: &FileAttrs, level: u8) -> Result<(), SmbError> {
        let access = access_at(wire::WRITE_ALL, level);
        let sparse = a.content.sparse.is_some();
        let runs = if sparse { a.content.data_runs() } else { vec![(0, a.size())] };
        let data: u64 = runs.iter().map(|(s, e)| e - s).sum();
        // SPARSE_FILE too: Windows ignores it here (FSCTL_SET_SPARSE set it), Samba would clear it.
        let attributes = self.tree.file_windows_attributes(a);
        let times = [nttime(a.created), nttime(a.accessed), nttime(a.modified)];
        let open = |name| Open {
            name,
            access,
            disposition: CreateDisposition::FileOverwriteIf,
            directory: false,
            attributes: 0,
        };
        let small = data <= self.share.max_io as u64;
        if small {
            let mut reqs = vec![wire::create(open(path))];
            if sparse {
                reqs.push(wire::set_sparse(FileId::SENTINEL));
            }
            for (start, end) in &runs {
                self.data_reqs(a, *start, *end, FileId::SENTINEL, &mut reqs);
            }
            if sparse {
                reqs.push(wire::set_end_of_file(FileId::SENTINEL, a.size()));
            }
            if !a.zone {
                reqs.extend(self.meta_reqs(FileId::SENTINEL, a.index, attributes, times, level));
                if sparse {
                    // Again: Samba clears the mark when the attributes are set.
                    reqs.push(wire::set_sparse(FileId::SENTINEL));
                }
            }
            reqs.push(wire::close(FileId::SENTINEL));
            // Sent again after a break, the chain may find the file it made (read-only, with
            // a DACL): that goes first.
            self.share.chain_again_after(&reqs, &remove_reqs(path)).await?;
        } else {
            self.write_large(path, a, &runs, access).await?;
        }
        if !a.zone {
            return if small { Ok(()) } else { self.set_meta(path, a.index, attributes, times, level, sparse).await };
        }
        let stream = format!("{path}:Zone.Identifier");
        let reqs = [
            wire::create(open(&stream)),
            wire::write(FileId::SENTINEL, 0, ZONE_TEXT.as_bytes().to_vec()),
            wire::close(FileId::SENTINEL),
        ];
        self.share.chain(&reqs).await?;
        self.set_meta(path, a.index, attributes, times, level, sparse).await
    }

    /// `[start, end)` of a file's bytes as WRITEs of at most the share's I/O size.
    fn data_reqs(&self, a: &FileAttrs, start: u64, end: u64, file: FileId, reqs: &mut Vec<Req>) {
        let mut off = start;
        while off < end {
            let n = ((end - off) as usize).min(self.share.max_io);
            let mut buf = vec![0u8; n];
            let got = self.tree.read_content(&a.content, off, &mut buf);
            buf.truncate(got);
            reqs.push(wire::write(file, off, buf));
            off += n as u64;
        }
    }

    /// A file bigger than one chain: open (sparse if it is), write its data ranges a chunk
    /// at a time, set its length, close. Its metadata follows in [`Run::set_meta`].
    async fn write_large(&self, path: &str, a: &FileAttrs, runs: &[(u64, u64)], access: u32) -> Result<(), SmbError> {
        let sparse = a.content.sparse.is_some();
        self.share
            .on_one_connection(|conn, tree, attempt| async move {
                if attempt > 0 {
                    let _ = wire::send_chain(&conn, tree, &remove_reqs(path)).await;
                }
                let mut reqs = vec![wire::create(Open {
                    name: path,
                    access,
                    disposition: CreateDisposition::FileOverwriteIf,
                    directory: false,
                    attributes: 0,
                })];
                if sparse {
                    reqs.push(wire::set_sparse(FileId::SENTINEL));
                }
                let replies = wire::send(&conn, tree, &reqs).await?;
                let id = wire::created_file_id(&replies[0])
                    .ok_or(SmbError::Status { what: "create", status: replies[0].status })?;
                let result = async {
                    if let Some(r) = replies.iter().find(|r| !r.status.is_success()) {
                        return Err(SmbError::Status { what: "fsctl", status: r.status });
                    }
                    for (start, end) in runs {
                        let mut off = *start;
                        while off < *end {
                            let mut one = Vec::with_capacity(1);
                            let next = (off + self.share.max_io as u64).min(*end);
                            self.data_reqs(a, off, next, id, &mut one);
                            let r = wire::send(&conn, tree, &one).await?;
                            if !r[0].status.is_success() {
                                return Err(SmbError::Status { what: "write", status: r[0].status });
                            }
                            off = next;
                        }
                    }
                    let r = wire::send(&conn, tree, &[wire::set_end_of_file(id, a.size())]).await?;
                    if !r[0].status.is_success() {
                        return Err(SmbError::Status { what: "set end of file", status: r[0].status });
                    }
                    Ok(())
                }
                .await;
                let closed = wire::send(&conn, tree, &[wire::close(id)]).await;
                result.and(closed.map(|_| ()))
            })
            .await
    }

    /// Opens `path` (a folder if `attributes` say so) and sets its descriptor, attributes
    /// and times; marks a sparse file sparse again after (Samba clears the mark when the
    /// attributes are set).
    async fn set_meta(
        &self,
        path: &str,
        index: u64,
        attributes: u32,
        times: [u64; 3],
        level: u8,
        sparse: bool,
    ) -> Result<(), SmbError> {
        let mut reqs = vec![wire::create(Open {
            name: path,
            access: access_at(wire::WRITE_META, level),
            disposition: CreateDisposition::FileOpen,
            directory: attributes & FILE_ATTRIBUTE_DIRECTORY != 0,
            attributes: 0,
        })];
        reqs.extend(self.meta_reqs(FileId::SENTINEL, index, attributes, times, level));
        if sparse {
            reqs.push(wire::set_sparse(FileId::SENTINEL));
        }
        reqs.push(wire::close(FileId::SENTINEL));
        self.share.chain(&reqs).await.map(|_| ())
    }

    async fn folder_meta_job(&self, index: u64, path: String, times: [u64; 3]) {
        let has_descriptor = self.tree.security_descriptor(index).is_some();
        let set = |level| self.set_meta(&path, index, FILE_ATTRIBUTE_DIRECTORY, times, level, false);
        if let Err(e) = self.with_refusals(&path, has_descriptor, set).await {
            self.fail(&path, e);
        }
    }

    fn summary(self, started: Instant) -> SmbSummary {
        let elapsed = started.elapsed().as_secs_f64();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let written = get(&self.counters.files_written);
        let bytes = get(&self.counters.bytes_written);
        SmbSummary {
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
            links_not_written: get(&self.links_not_written),
            retries: self.share.retries.load(Ordering::Relaxed),
            dry_run: self.opts.dry_run,
            elapsed_seconds: elapsed,
            files_per_second: written as f64 / elapsed.max(1e-9),
            bytes_per_second: bytes as f64 / elapsed.max(1e-9),
        }
    }
}
