//! `synthfs verify`: walks a real directory against the model and reports what is missing,
//! extra or different (size, mtime, mode, owner, and the content digest with `--content`).
//! It is how a user proves that a copy (a materialize, a migration, a backup restore) lost
//! nothing. Each attribute is compared as the target keeps it ([`target`], found by
//! [`detect`]): times at its granularity, modes, owners and ACLs only where it holds them.

pub mod smb;

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::content_digest;
use crate::counters::Counters;
use crate::materialize::marker::MARKER;
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::ListedLink;
use synthfs_model::{FileAttrs, Listing, Timestamp, Tree};

pub mod detect;
pub mod target;

use target::{Granularity, Target};

/// What to compare.
#[derive(Clone, Debug)]
pub struct Options {
    pub dest: PathBuf,
    pub content: bool,
    pub owners: bool,
    pub times: bool,
    /// Compare times at this step (a second for what archives keep); `None`: the target's,
    /// as [`detect`] finds it.
    pub time_granularity: Option<Granularity>,
}

/// Problems listed by path in the report.
pub(super) const MAX_LISTED: usize = 50;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub dest: String,
    pub files_checked: u64,
    pub dirs_checked: u64,
    /// Symbolic links and extra names of files (hard links).
    pub links_checked: u64,
    pub missing: u64,
    pub extra: u64,
    pub different: u64,
    pub bytes_hashed: u64,
    pub first_problems: Vec<String>,
    /// The filesystem holding the copy (`ext4`, `fuseblk`, ...).
    pub filesystem: String,
    /// The step times were compared at, in nanoseconds.
    pub time_granularity_ns: u64,
    /// What the target does not keep, so was not compared: `modes`, `owners`, `acls`.
    pub not_kept: Vec<&'static str>,
    /// How that was found: `filesystem type`, `probe`, or why no probe could be made.
    pub target_detected_by: detect::How,
    pub ok: bool,
    pub elapsed_seconds: f64,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} is not a directory")]
pub struct NotADirectory(pub PathBuf);

/// One comparison: the model, what to compare and what the target keeps.
struct Check<'a> {
    tree: &'a Tree,
    opts: &'a Options,
    target: Target,
}

/// What the comparison counted and found, shared by the threads that walk the copy.
struct Findings<'a> {
    /// Files checked and bytes hashed, as the progress display reads them.
    progress: &'a Counters,
    dirs: AtomicU64,
    links: AtomicU64,
    missing: AtomicU64,
    extra: AtomicU64,
    different: AtomicU64,
    problems: Mutex<Vec<String>>,
}

impl Findings<'_> {
    fn note(&self, counter: &AtomicU64, by: u64, what: String) {
        counter.fetch_add(by, Ordering::Relaxed);
        if let Ok(mut p) = self.problems.lock() {
            if p.len() < MAX_LISTED {
                p.push(what);
            }
        }
    }
}

/// Compares `opts.dest` with the tree, counting files checked and bytes hashed in `progress`.
pub fn run(tree: &Tree, opts: &Options, progress: &Counters) -> Result<Report, NotADirectory> {
    let started = Instant::now();
    if !opts.dest.is_dir() {
        return Err(NotADirectory(opts.dest.clone()));
    }
    let detected = detect::detect(&opts.dest, opts.owners);
    let target = opts.time_granularity.map_or(detected.target, |g| detected.target.with_granularity(g));
    let check = Check { tree, opts, target };
    let findings = Findings {
        progress,
        dirs: AtomicU64::new(0),
        links: AtomicU64::new(0),
        missing: AtomicU64::new(0),
        extra: AtomicU64::new(0),
        different: AtomicU64::new(0),
        problems: Mutex::new(Vec::new()),
    };
    dir(&check, &findings, tree.root(), &opts.dest);
    let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let (missing, extra, different) = (g(&findings.missing), g(&findings.extra), g(&findings.different));
    let mut problems = findings.problems.into_inner().unwrap_or_default();
    problems.sort();
    Ok(Report {
        dest: opts.dest.display().to_string(),
        files_checked: g(&progress.files_written),
        dirs_checked: g(&findings.dirs),
        links_checked: g(&findings.links),
        missing,
        extra,
        different,
        bytes_hashed: g(&progress.bytes_written),
        first_problems: problems,
        filesystem: detected.filesystem,
        time_granularity_ns: target.granularity.nanos(),
        not_kept: target.not_kept(),
        target_detected_by: detected.how,
        ok: missing == 0 && extra == 0 && different == 0,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

fn dir(c: &Check, t: &Findings, plan: &DirPlan, path: &Path) {
    let tree = c.tree;
    t.dirs.fetch_add(1, Ordering::Relaxed);
    // Below a long path, calls go through the open directory (see `longpath`).
    let here = match crate::longpath::DirPath::new(path) {
        Ok(h) => h,
        Err(e) => return t.note(&t.different, 1, format!("{}: cannot open: {e}", path.display())),
    };
    let path = here.path();
    let on_disk: HashMap<String, Metadata> = match std::fs::read_dir(path) {
        Ok(rd) => rd
            .flatten()
            .filter_map(|e| Some((e.file_name().to_string_lossy().into_owned(), e.metadata().ok()?)))
            .collect(),
        Err(e) => {
            t.note(&t.different, 1, format!("{}: cannot list: {e}", path.display()));
            return;
        }
    };
    let (listing, attrs) = tree.build_listing_and_attrs(plan);
    let mut expected: std::collections::HashSet<&str> = listing.entries.iter().map(|e| &*e.name).collect();
    if plan.index == 0 {
        expected.insert(MARKER);
    }
    for name in on_disk.keys() {
        let probe = plan.index == 0 && name.starts_with(detect::PROBE_PREFIX);
        if !expected.contains(name.as_str()) && !probe {
            t.note(&t.extra, 1, format!("extra: {}", path.join(name).display()));
        }
    }
    let d = tree.dir_attrs(plan);
    if plan.index != 0 {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let mut why = Vec::new();
            access_differences(c, &meta, (d.mode, d.uid, d.gid), plan.index, path, &mut why);
            if !why.is_empty() {
                t.note(&t.different, 1, format!("different: {}/ ({})", path.display(), why.join(", ")));
            }
        }
    }
    links(c, t, &listing, path, &on_disk);
    let files: Vec<u64> = (0..listing.files as u64).collect();
    files.par_iter().with_min_len(8).for_each(|&slot| {
        let name = &listing.entries[slot as usize].name;
        let file = path.join(&**name);
        t.progress.files_written.fetch_add(1, Ordering::Relaxed);
        match on_disk.get(&**name) {
            None => t.note(&t.missing, 1, format!("missing: {}", file.display())),
            Some(meta) => {
                let why = compare_file(c, t, &file, meta, &attrs[slot as usize]);
                if !why.is_empty() {
                    t.note(&t.different, 1, format!("different: {} ({})", file.display(), why.join(", ")));
                }
            }
        }
    });
    tree.live_children(plan).into_par_iter().for_each(|live| {
        let entry = live.child(plan);
        let sub = path.join(&*live.name);
        match on_disk.get(&*live.name) {
            Some(m) if m.is_dir() => {
                let child = tree.live_child_plan_uncached(plan, &live);
                dir(c, t, &child, &sub);
            }
            Some(_) => t.note(&t.different, 1, format!("different: {} (not a directory)", sub.display())),
            None => {
                t.note(&t.missing, 1 + entry.files + entry.dirs, format!("missing: {}/ and all below", sub.display()))
            }
        }
    });
}

/// A folder's links: symbolic links point where the model says, extra names of a file are
/// the same inode as its first name.
fn links(c: &Check, t: &Findings, listing: &Listing, path: &Path, on_disk: &HashMap<String, Metadata>) {
    let (tree, opts) = (c.tree, c.opts);
    for (e, link) in tree.listed_links(listing) {
        t.links.fetch_add(1, Ordering::Relaxed);
        let at = path.join(&*e.name);
        let Some(meta) = on_disk.get(&*e.name) else {
            t.note(&t.missing, 1, format!("missing: {}", at.display()));
            continue;
        };
        let why = match link {
            ListedLink::Symbolic(l) => match std::fs::read_link(&at) {
                Ok(target) if target.as_os_str() == &*l.target => None,
                Ok(target) => Some(format!("points to {} instead of {}", target.display(), l.target)),
                Err(_) => Some("not a symbolic link".to_string()),
            },
            ListedLink::ExtraName => {
                let first = tree.path(e.index).map(|p| opts.dest.join(p));
                match first.map(std::fs::symlink_metadata) {
                    Some(Ok(m)) if m.is_file() && (m.dev(), m.ino()) == (meta.dev(), meta.ino()) => None,
                    _ => Some(format!("not a hard link to {}", tree.path(e.index).unwrap_or_default())),
                }
            }
        };
        if let Some(why) = why {
            t.note(&t.different, 1, format!("different: {} ({why})", at.display()));
        }
    }
}

/// Where a copy's mode, owner (with `--owners`) and ACLs differ from node `index`'s, each
/// where the target keeps it.
fn access_differences(
    c: &Check,
    meta: &Metadata,
    (mode, uid, gid): (u32, u32, u32),
    index: u64,
    path: &Path,
    why: &mut Vec<String>,
) {
    if !c.target.modes_equal(meta.mode(), mode) {
        why.push(format!("mode {:o} != {:o}", meta.mode() & 0o7777, mode));
    }
    if c.opts.owners && !c.target.owners_equal((meta.uid(), meta.gid()), (uid, gid)) {
        why.push(format!("owner {}:{} != {}:{}", meta.uid(), meta.gid(), uid, gid));
    }
    if c.target.keeps.posix_acls {
        why.extend(acl_difference(c.tree, index, path));
    }
    why.extend(windows_xattr_differences(c.tree, index, path));
}

fn compare_file(c: &Check, t: &Findings, path: &Path, meta: &Metadata, a: &FileAttrs) -> Vec<String> {
    let (tree, opts) = (c.tree, c.opts);
    let mut why = Vec::new();
    if !meta.is_file() {
        why.push("not a regular file".to_string());
        return why;
    }
    if meta.nlink() != u64::from(tree.nlink(a.index)) {
        why.push(format!("{} names != {}", meta.nlink(), tree.nlink(a.index)));
    }
    if meta.len() != a.size() {
        why.push(format!("size {} != {}", meta.len(), a.size()));
    }
    let mtime = Timestamp { secs: meta.mtime(), nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(u32::MAX) };
    if opts.times && !c.target.times_equal(mtime, a.modified) {
        why.push(format!(
            "mtime {}.{:09} != {}.{:09}",
            meta.mtime(),
            meta.mtime_nsec(),
            a.modified.secs,
            a.modified.nanos
        ));
    }
    access_differences(c, meta, (a.mode, a.uid, a.gid), a.index, path, &mut why);
    if opts.content && why.is_empty() {
        // Chunk digests: holes the filesystem reports are not read, the model's not made.
        match std::fs::File::open(path).and_then(|f| content_digest::of_file(&f, a.size())) {
            Ok((digest, n)) => {
                t.progress.bytes_written.fetch_add(n, Ordering::Relaxed);
                if digest != content_digest::of_model(tree, &a.content) {
                    why.push("content differs".to_string());
                }
            }
            Err(e) => why.push(format!("cannot read: {e}")),
        }
    }
    why
}

/// Whether a node's POSIX ACLs (access tiers) differ from the model's: checked only for trees
/// with tiers, since a plain tree says nothing of ACLs the target may add.
fn acl_difference(tree: &Tree, index: u64, path: &Path) -> Option<String> {
    if !tree.model.profile.acls.tiers {
        return None;
    }
    let want = synthfs_model::attrs::node_acl(tree, index);
    let read = |name: &str| xattr::get(path, name).ok().flatten();
    let (access, default) = (read("system.posix_acl_access"), read("system.posix_acl_default"));
    let same = match &want {
        Some(w) => access.as_ref() == Some(&w.access) && default == w.default,
        None => access.is_none() && default.is_none(),
    };
    (!same).then(|| "ACL differs (getfacl shows it)".to_string())
}

/// How a node's Windows xattrs differ from the model's, where the copy kept the
/// `user.synthfs.*` attributes (a target without them, or a copy made with `--no-xattrs`,
/// says nothing of them): its NT security descriptor (`user.synthfs.sddl`, for trees with
/// them) and its Windows attributes (`user.synthfs.attributes`: hidden, read-only; one the
/// model no longer has, a file made writable again, counts too). The copy's are read once,
/// the model's made once.
fn windows_xattr_differences(tree: &Tree, index: u64, path: &Path) -> Vec<String> {
    use synthfs_model::tree::{ATTRIBUTES_XATTR, SDDL_XATTR, XATTRS};
    let read = |n: &str| xattr::get(path, n).ok().flatten();
    let mut checked = vec![(ATTRIBUTES_XATTR, "Windows attributes differ (user.synthfs.attributes)")];
    if synthfs_model::ntacl::enabled(&tree.model) {
        checked.insert(0, (SDDL_XATTR, "NT ACL differs (user.synthfs.sddl)"));
    }
    let have: Vec<Option<Vec<u8>>> = checked.iter().map(|(name, _)| read(name)).collect();
    if have.iter().all(Option::is_none) && read(XATTRS[0]).is_none() {
        return Vec::new();
    }
    let Some(values) = tree.xattrs_where(index, |n| checked.iter().any(|(name, _)| *name == n)) else {
        return Vec::new();
    };
    let want = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_bytes().to_vec());
    checked
        .iter()
        .zip(have)
        .filter(|((name, _), have)| *have != want(name))
        .map(|((_, why), _)| why.to_string())
        .collect()
}
