//! Read-ahead across files: when a reader reads a small file whole, the next small files of
//! its folder are made on a background thread and handed to the platform, which puts them in
//! the kernel's page cache (on Linux `FUSE_NOTIFY_STORE`). A reader going through a folder
//! file by file (`cat`, `tar`, a virus or DLP scanner) then finds them there: a cold read of
//! many small files costs a round trip per file otherwise, and that round trip, not making
//! the bytes, is most of its time.
//!
//! The kernel keeps stored bytes only for inodes it already has, so only files it was given
//! with their attributes (a `readdirplus` page) are pushed: a reader that looks every file up
//! by name (its folder was listed names only) gets nothing pushed, and next to no work is
//! spent on it. Pushes are bounded: `count` files after each read that the page cache did
//! not answer, each at most `max_size` bytes and without holes; a read elsewhere ends the
//! batch under way.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use synthfs_model::{FileAttrs, Location, Tree};

/// How many files after a small file read whole are looked at for pushing, unless told (the
/// mount's `--file-ahead`).
pub const FILE_AHEAD: u64 = 64;
/// Slots of the table of inode blocks given to the kernel with attributes.
const GIVEN_SLOTS: usize = 4096;
/// Inodes per block of that table (one bit each): a folder's files have consecutive inodes.
const BLOCK_SHIFT: u32 = 6;

/// Which inodes the kernel was given with attributes: blocks of 64 consecutive inodes, a bit
/// per inode, in a direct-mapped table. A block lost to a collision means fewer pushes; two
/// serving threads marking colliding blocks at once can leave a stray bit, which costs one
/// store the kernel ignores. Neither changes what a read returns.
struct Given {
    /// Block number plus one (zero: no block), per slot.
    tags: Vec<AtomicU64>,
    /// The given inodes of that block, per slot.
    bits: Vec<AtomicU64>,
}

impl Given {
    fn new() -> Given {
        let zeros = || (0..GIVEN_SLOTS).map(|_| AtomicU64::new(0)).collect();
        Given { tags: zeros(), bits: zeros() }
    }

    /// The slot, the tag and the bit of `ino`.
    fn place(ino: u64) -> (usize, u64, u64) {
        let block = ino >> BLOCK_SHIFT;
        ((block % GIVEN_SLOTS as u64) as usize, block + 1, 1 << (ino & ((1 << BLOCK_SHIFT) - 1)))
    }

    fn mark(&self, ino: u64) {
        let (slot, tag, bit) = Self::place(ino);
        if self.tags[slot].load(Ordering::Relaxed) != tag {
            self.bits[slot].store(0, Ordering::Relaxed);
            self.tags[slot].store(tag, Ordering::Relaxed);
        }
        self.bits[slot].fetch_or(bit, Ordering::Relaxed);
    }

    fn has(&self, ino: u64) -> bool {
        let (slot, tag, bit) = Self::place(ino);
        self.tags[slot].load(Ordering::Relaxed) == tag && self.bits[slot].load(Ordering::Relaxed) & bit != 0
    }
}

#[derive(Default)]
struct Ask {
    /// The latest file read whole, if the worker has not taken it yet.
    after: Option<u64>,
    closed: bool,
}

struct Shared {
    ask: Mutex<Ask>,
    wake: Condvar,
    given: Given,
}

impl Shared {
    /// Waits for the next file read whole; `None` once closed.
    fn next(&self) -> Option<u64> {
        let mut ask = self.ask.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if ask.closed {
                return None;
            }
            if let Some(ino) = ask.after.take() {
                return Some(ino);
            }
            ask = self.wake.wait(ask).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether a newer read (or the end) should interrupt the batch under way.
    fn interrupted(&self) -> bool {
        let ask = self.ask.lock().unwrap_or_else(PoisonError::into_inner);
        ask.after.is_some() || ask.closed
    }
}

/// How far ahead to push, and what.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Files after the one read (pushed or not).
    pub count: u64,
    /// The largest file pushed, in bytes.
    pub max_size: u64,
}

/// The files to push after `ino` was read whole: the next `count` files of its folder, those
/// of 1 to `max_size` bytes without holes that `given` says the kernel has, skipping those up
/// to `done` (pushed by the batch before, when it was in the same folder).
pub fn batch(tree: &Tree, ino: u64, done: u64, limits: Limits, given: impl Fn(u64) -> bool) -> Vec<FileAttrs> {
    let Some(Location::File { parent, slot }) = ino.checked_sub(1).and_then(|i| tree.locate(i)) else {
        return Vec::new();
    };
    // A folder's files take inodes first ..= first + files - 1.
    let first = parent.index + 2;
    let start = if done > ino && done < first + parent.files { done - first + 1 } else { slot + 1 };
    let end = parent.files.min(slot.saturating_add(1).saturating_add(limits.count));
    (start..end)
        .filter(|&s| given(first + s))
        .map(|s| tree.file_attrs_in(&parent, s))
        .filter(|a| a.size() > 0 && a.size() <= limits.max_size && a.content.sparse.is_none())
        .collect()
}

/// The read-ahead thread. Dropping it ends the thread after the file it is making.
pub struct FileAhead {
    shared: Arc<Shared>,
}

impl FileAhead {
    /// Starts the thread, which calls `push(ino, bytes)` for each file it makes; without a
    /// thread (the OS refused one), files read whole are simply not followed.
    pub fn start(tree: Arc<Tree>, limits: Limits, push: impl Fn(u64, &[u8]) + Send + 'static) -> FileAhead {
        let shared = Arc::new(Shared { ask: Mutex::new(Ask::default()), wake: Condvar::new(), given: Given::new() });
        let worker = shared.clone();
        let spawned = std::thread::Builder::new().name("synthfs-ahead".into()).spawn(move || {
            let mut buf = Vec::new();
            let mut done = 0;
            while let Some(ino) = worker.next() {
                for a in batch(&tree, ino, done, limits, |i| worker.given.has(i)) {
                    if worker.interrupted() {
                        break;
                    }
                    let size = a.size() as usize;
                    buf.resize(size, 0);
                    let n = tree.read_content(&a.content, 0, &mut buf[..size]);
                    push(a.index + 1, &buf[..n]);
                    done = a.index + 1;
                }
            }
        });
        if let Err(err) = spawned {
            tracing::debug!(%err, "no file read-ahead thread");
            shared.ask.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        }
        FileAhead { shared }
    }

    /// The kernel was given this inode with its attributes (a `readdirplus` entry).
    pub fn given(&self, ino: u64) {
        self.shared.given.mark(ino);
    }

    /// A file the kernel has was read whole: push the files after it.
    pub fn read_whole(&self, ino: u64) {
        if !self.shared.given.has(ino) {
            return;
        }
        let mut ask = self.shared.ask.lock().unwrap_or_else(PoisonError::into_inner);
        if !ask.closed {
            ask.after = Some(ino);
            self.shared.wake.notify_one();
        }
    }
}

impl Drop for FileAhead {
    fn drop(&mut self) {
        self.shared.ask.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        self.shared.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};
    use synthfs_model::Profile;

    fn tree() -> Arc<Tree> {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(3000), Some(100));
        Arc::new(Tree::new(p).unwrap())
    }

    /// A folder with at least `n` files, and its files' attributes in listing order.
    fn folder_with(tree: &Tree, n: u64) -> Vec<FileAttrs> {
        (0..tree.node_count())
            .find_map(|i| match tree.locate(i) {
                Some(Location::Dir(plan)) if plan.files >= n => {
                    Some((0..plan.files).map(|s| tree.file_attrs_in(&plan, s)).collect())
                }
                _ => None,
            })
            .expect("a big enough folder")
    }

    fn pushable(a: &FileAttrs, max: u64) -> bool {
        a.size() > 0 && a.size() <= max && a.content.sparse.is_none()
    }

    #[test]
    fn given_inodes_are_told_apart_within_a_block_and_across_colliding_blocks() {
        let g = Given::new();
        assert!(!g.has(0) && !g.has(1));
        g.mark(130);
        assert!(g.has(130) && !g.has(129) && !g.has(131), "one bit per inode");
        g.mark(131);
        assert!(g.has(130) && g.has(131));
        // A block that takes the same slot replaces the first one.
        let colliding = 130 + ((GIVEN_SLOTS as u64) << BLOCK_SHIFT);
        g.mark(colliding);
        assert!(g.has(colliding) && !g.has(130) && !g.has(131));
    }

    #[test]
    fn a_batch_is_the_next_small_files_of_the_folder() {
        let tree = tree();
        let files = folder_with(&tree, 12);
        let limits = Limits { count: 8, max_size: 1 << 20 };
        let read = files[2].index + 1;
        let got: Vec<u64> = batch(&tree, read, 0, limits, |_| true).iter().map(|a| a.index).collect();
        let want: Vec<u64> =
            files[3..11.min(files.len())].iter().filter(|a| pushable(a, limits.max_size)).map(|a| a.index).collect();
        assert_eq!(got, want);
        assert!(!got.is_empty(), "the folder has small files after the third");
        // The last file of a folder has nothing after it; a directory is not a file read.
        let last = files.last().map(|a| a.index + 1).unwrap_or_default();
        assert!(batch(&tree, last, 0, limits, |_| true).is_empty());
        assert!(batch(&tree, 1, 0, limits, |_| true).is_empty());
        assert!(batch(&tree, 0, 0, limits, |_| true).is_empty());
    }

    #[test]
    fn a_batch_skips_what_the_kernel_lacks_and_what_was_pushed() {
        let tree = tree();
        let files = folder_with(&tree, 12);
        let limits = Limits { count: 10, max_size: u64::MAX };
        let read = files[0].index + 1;
        let odd = batch(&tree, read, 0, limits, |ino| ino % 2 == 1);
        assert!(!odd.is_empty() && odd.iter().all(|a| (a.index + 1) % 2 == 1));
        assert!(batch(&tree, read, 0, limits, |_| false).is_empty());
        // Pushed up to the sixth file already: the batch goes on from the seventh.
        let done = files[5].index + 1;
        let rest = batch(&tree, read, done, limits, |_| true);
        assert_eq!(rest.first().map(|a| a.index), files[6..].iter().find(|a| pushable(a, u64::MAX)).map(|a| a.index));
        // A `done` from another folder is ignored.
        assert_eq!(batch(&tree, read, u64::MAX, limits, |_| true).len(), batch(&tree, read, 0, limits, |_| true).len());
    }

    #[test]
    fn the_thread_pushes_the_models_bytes_for_given_files_only() {
        let tree = tree();
        let files = folder_with(&tree, 12);
        let limits = Limits { count: 8, max_size: 1 << 20 };
        let pushed = Arc::new(Mutex::new(Vec::new()));
        let sink = pushed.clone();
        let ahead = FileAhead::start(tree.clone(), limits, move |ino, bytes| {
            sink.lock().unwrap().push((ino, bytes.to_vec()));
        });
        let read = files[1].index + 1;
        // Not given: nothing happens.
        ahead.read_whole(read);
        std::thread::sleep(Duration::from_millis(50));
        assert!(pushed.lock().unwrap().is_empty());
        for a in &files {
            ahead.given(a.index + 1);
        }
        ahead.read_whole(read);
        let want = batch(&tree, read, 0, limits, |_| true);
        let until = Instant::now() + Duration::from_secs(10);
        while pushed.lock().unwrap().len() < want.len() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        let got = pushed.lock().unwrap().clone();
        assert_eq!(got.len(), want.len());
        for ((ino, bytes), a) in got.iter().zip(&want) {
            assert_eq!(*ino, a.index + 1);
            let mut model = vec![0; a.size() as usize];
            tree.read_content(&a.content, 0, &mut model);
            assert!(bytes == &model, "file {ino}");
        }
        drop(ahead);
    }
}
