//! Read-ahead of listings through the mount itself, so the kernel holds a folder's entries
//! and inodes before a stat walker gets there.
//!
//! A cold `du` spends most of its time in the kernel making an inode and a dentry for every
//! entry of each `readdirplus` page, in its own context, and the rest waiting for two replies
//! per folder; the server's part is small. When a walk that stats files reads a folder from
//! its start, these threads list the folder's sub-folders through the mount: the kernel makes
//! their inodes on these threads, on the other CPUs, and keeps each listing whole in its
//! readdir cache (opendir is not implemented, so every directory is opened with the cache
//! on). A walker that reaches such a folder finds its listing and every entry's attributes in
//! the kernel: no request and no inode to make.
//!
//! The threads start from the far end: the last sub-folder first, and down its sub-tree last
//! sub-folder first. The walker goes forward from the first, so the two meet in the middle
//! instead of reading the same folder at the same time (started at the first sub-folder, the
//! threads were hardly ever ahead of a walker that sped through what they had listed, and a
//! cold `du` gained nothing).
//!
//! Bounded: the threads list at most `lead` folders after the walker's latest listing of its
//! own, so a walker that stops leaves at most that many folders listed in vain; a folder is
//! listed once (a table of the folders listed lately), until the walker lists one of them again,
//! which means the kernel dropped its caches and the table is forgotten.
//!
//! The threads never hold the mount busy. They read through a detached clone of it
//! (`open_tree(OPEN_TREE_CLONE)`, which needs root), opened when there is work and closed when
//! there is none, so a `umount` right after a walk succeeds even while they still list: the
//! clone keeps the filesystem alive until their last folder is done, then serving ends. Where
//! no clone can be made (not root, an old kernel) there is no read-ahead: through the mount
//! point itself, a `umount` just after a walk found the mount busy 15 times in 20.

use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use rustix::fs::{CWD, Mode, OFlags, RawDir};
use rustix::mount::{OpenTreeFlags, open_tree};

use synthfs_fs::dir_blksize;
use synthfs_model::Tree;

/// Folders a mount lists ahead of a walk that stats files, after the walker's latest listing
/// of its own, unless told (the mount's `--dir-ahead`).
pub const DIR_AHEAD: u32 = 32;
/// Listing threads (on a machine with more than one CPU). One took a cold `du` of the bench
/// tree from 1.08 to 0.85 s, two to 0.73 s, three 0.76 s (2 vCPUs, medians of 7).
const THREADS: usize = 2;
/// Folders queued at most; beyond that the oldest asks are dropped.
const QUEUE: usize = 256;
/// Slots of the table of folders listed lately, by the walker or the threads.
const SEEN: usize = 8_192;
/// Each thread's `getdents` buffer, the largest [`dir_blksize`] (of which a folder's listing
/// uses what glibc would: the kernel allocates as much for each request).
const LIST_BUF: usize = 1 << 20;

struct Queue {
    /// Folders to list, the next at the back.
    dirs: VecDeque<u64>,
    /// Folders listed since the walker's latest listing.
    lead: u32,
    /// How many may be.
    max_lead: u32,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// The threads' ids as the kernel puts them in requests (0 until a thread runs).
    tids: [AtomicU32; THREADS],
    /// Folders listed lately, direct-mapped by index (holding index + 1; 0 is empty): a folder
    /// listed already is not listed again, nor are its sub-folders queued twice. A slot taken
    /// over by another folder costs at most a listing the kernel serves from its cache.
    seen: Box<[AtomicU64]>,
}

impl Shared {
    fn new(max_lead: u32) -> Shared {
        Shared {
            queue: Mutex::new(Queue { dirs: VecDeque::new(), lead: 0, max_lead, closed: false }),
            ready: Condvar::new(),
            tids: std::array::from_fn(|_| AtomicU32::new(0)),
            seen: (0..SEEN).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks `dir` listed; whether it was not marked yet.
    fn first_listing(&self, dir: u64) -> bool {
        let slot = &self.seen[(dir % SEEN as u64) as usize];
        slot.swap(dir + 1, Ordering::Relaxed) != dir + 1
    }

    /// The walker listed `dir` itself. A folder listed before (by the walker or the threads)
    /// comes back only when the kernel lost its listing: it dropped its caches (`drop_caches`,
    /// memory pressure), and the folders listed lately went with it. So the table is forgotten
    /// and the read-ahead starts over from here; otherwise a second cold walk would find every
    /// folder marked and get no read-ahead at all. (A walker that reaches a folder while a
    /// thread is still listing it costs a few listings the kernel answers from its cache.)
    fn walker_listed(&self, dir: u64) {
        if !self.first_listing(dir) {
            tracing::debug!(dir, "a folder listed before is asked again: forgetting the folders listed");
            for slot in self.seen.iter() {
                slot.store(0, Ordering::Relaxed);
            }
            self.first_listing(dir);
        }
    }

    /// The next folder to list, waiting while there is none or the lead is used up (calling
    /// `idle` before it waits); `None` once closed.
    fn next(&self, idle: &mut dyn FnMut()) -> Option<u64> {
        let mut q = self.lock();
        loop {
            if q.closed {
                return None;
            }
            if q.lead < q.max_lead
                && let Some(dir) = q.dirs.pop_back()
            {
                q.lead += 1;
                return Some(dir);
            }
            idle();
            q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Queues the sub-folders `dirs` (in listing order) with the last on top.
    fn push(q: &mut Queue, dirs: impl Iterator<Item = u64>) {
        q.dirs.extend(dirs);
        let excess = q.dirs.len().saturating_sub(QUEUE);
        q.dirs.drain(..excess);
    }

    /// One listing thread: lists what is asked, then queues the sub-folders of what it listed.
    fn work(&self, slot: usize, tree: &Tree, mountpoint: &Path) {
        let tid = rustix::thread::gettid().as_raw_nonzero().get();
        self.tids[slot].store(tid.unsigned_abs(), Ordering::Relaxed);
        let mut buf = vec![MaybeUninit::<u8>::uninit(); LIST_BUF];
        // The clone of the mount, held only while there is work.
        let mut clone: Option<OwnedFd> = None;
        loop {
            let Some(dir) = self.next(&mut || clone = None) else { return };
            if !self.first_listing(dir) {
                continue;
            }
            if clone.is_none() {
                clone = match clone_of(mountpoint) {
                    Ok(fd) => Some(fd),
                    Err(err) => {
                        tracing::debug!(%err, "listing read-ahead: no clone of the mount");
                        continue;
                    }
                };
            }
            let Some(plan) = tree.plan(dir) else { continue };
            if let Some(root) = &clone {
                let entries = plan.children.len() as u64 + plan.files;
                let size = (dir_blksize(entries) as usize).min(LIST_BUF);
                list(tree, root, dir, &mut buf[..size]);
            }
            Shared::push(&mut self.lock(), plan.children.iter().map(|c| c.index));
            self.ready.notify_one();
        }
    }
}

/// A detached clone of the mount at `mountpoint`: the same filesystem, and files opened
/// through it do not hold the mount point busy.
fn clone_of(mountpoint: &Path) -> std::io::Result<OwnedFd> {
    Ok(open_tree(CWD, mountpoint, OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC)?)
}

/// The listing read-ahead threads of a mount.
pub struct DirAhead {
    shared: Arc<Shared>,
    tree: Arc<Tree>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl DirAhead {
    /// Starts the threads for the mount at `mountpoint` (mounted already), listing at most
    /// `lead` folders after the walker's latest listing; `None` (no read-ahead) when `lead` is
    /// 0, on a single CPU (a thread would only take turns with the walker), where the mount
    /// cannot be cloned, or when the OS refuses a thread.
    pub fn start(tree: Arc<Tree>, mountpoint: &Path, lead: u32) -> Option<DirAhead> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        if lead == 0 || cpus < 2 {
            return None;
        }
        if let Err(err) = clone_of(mountpoint) {
            tracing::debug!(%err, "no listing read-ahead: the mount cannot be cloned");
            return None;
        }
        let shared = Arc::new(Shared::new(lead));
        let mountpoint = Arc::new(mountpoint.to_path_buf());
        let mut threads = Vec::with_capacity(THREADS);
        for slot in 0..THREADS {
            let (worker, model, at) = (shared.clone(), tree.clone(), mountpoint.clone());
            let spawned = std::thread::Builder::new()
                .name("synthfs-dir-ahead".into())
                .spawn(move || worker.work(slot, &model, &at));
            match spawned {
                Ok(t) => threads.push(t),
                Err(err) => tracing::debug!(%err, "a listing read-ahead thread fewer"),
            }
        }
        if threads.is_empty() {
            return None;
        }
        Some(DirAhead { shared, tree, threads: Mutex::new(threads) })
    }

    /// Whether a request comes from one of these threads (`pid` is the requesting thread's id).
    pub fn is_own(&self, pid: u32) -> bool {
        pid != 0 && self.shared.tids.iter().any(|t| t.load(Ordering::Relaxed) == pid)
    }

    /// A walker read `dir` from its start and wants attributes: its sub-folders are listed
    /// next, ahead of what was queued before, and the lead starts again.
    pub fn walked(&self, dir: u64) {
        self.shared.walker_listed(dir);
        let plan = self.tree.plan(dir);
        let mut q = self.shared.lock();
        q.lead = 0;
        if let Some(plan) = plan {
            Shared::push(&mut q, plan.children.iter().map(|c| c.index));
        }
        drop(q);
        self.shared.ready.notify_all();
    }

    /// Stops the threads and waits for them (a listing under way finishes first).
    pub fn stop(&self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_all();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for DirAhead {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Lists folder `dir` to its end, through `root` (a clone of the mount). Failures only cost
/// speed: a path too long, a mount gone.
fn list(tree: &Tree, root: &OwnedFd, dir: u64, buf: &mut [MaybeUninit<u8>]) {
    let Some(path) = tree.path(dir) else { return };
    let path = if path.is_empty() { ".".to_string() } else { path };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(root.as_fd(), path.as_str(), flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(err) => {
            tracing::debug!(dir, %err, "listing read-ahead skipped a folder");
            return;
        }
    };
    let mut entries = RawDir::new(fd, buf);
    while let Some(entry) = entries.next() {
        if let Err(err) = entry {
            tracing::debug!(dir, %err, "listing read-ahead stopped in a folder");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_sub_folder_is_listed_first_and_the_lead_is_bounded() {
        fn idle() {
            panic!("work is queued");
        }
        let s = Shared::new(2);
        let mut idle = idle;
        Shared::push(&mut s.lock(), [10, 11, 12].into_iter());
        assert_eq!(s.next(&mut idle), Some(12), "from the far end");
        Shared::push(&mut s.lock(), [20, 21].into_iter());
        assert_eq!(s.next(&mut idle), Some(21), "down the newest folder's sub-tree, last first");
        s.lock().closed = true;
        assert_eq!(s.next(&mut idle), None, "closed, with the lead used up");
        let mut q = s.lock();
        assert_eq!(q.lead, 2);
        assert_eq!(q.dirs.iter().rev().copied().collect::<Vec<_>>(), [20, 11, 10]);
        q.dirs.clear();
        Shared::push(&mut q, 0..(QUEUE as u64 + 5));
        assert_eq!(q.dirs.len(), QUEUE);
        assert_eq!(q.dirs.front(), Some(&5), "the oldest asks went");
    }

    #[test]
    fn an_idle_thread_lets_go_before_it_waits_and_a_walk_wakes_it() {
        let s = Arc::new(Shared::new(1));
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = s.clone();
        let t = std::thread::spawn(move || {
            worker.next(&mut || {
                let _ = tx.send("idle");
            })
        });
        assert_eq!(rx.recv().ok(), Some("idle"), "nothing queued: the thread lets go first");
        Shared::push(&mut s.lock(), [5].into_iter());
        s.ready.notify_all();
        assert_eq!(t.join().ok(), Some(Some(5)));
    }

    #[test]
    fn a_folder_is_listed_once_until_its_slot_is_taken() {
        let s = Shared::new(1);
        assert!(s.first_listing(7));
        assert!(!s.first_listing(7));
        assert!(s.first_listing(7 + SEEN as u64), "another folder in the same slot");
        assert!(s.first_listing(7), "listed again once forgotten");
    }

    #[test]
    fn a_folder_the_walker_lists_again_starts_the_read_ahead_over() {
        let s = Shared::new(1);
        s.walker_listed(1);
        assert!(s.first_listing(2) && s.first_listing(3), "the threads list 2 and 3");
        assert!(!s.first_listing(2), "listed lately");
        // The kernel dropped its caches: the walker lists 1 again, so 2 and 3 are gone too.
        s.walker_listed(1);
        assert!(s.first_listing(2) && s.first_listing(3), "listed again on the second walk");
        assert!(!s.first_listing(1), "the walker's folder stays marked");
    }
}
