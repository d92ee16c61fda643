//! Listings read ahead: when a listing is read from its start, the listings of its
//! sub-directories are built on a background thread, so a walker that descends into them next
//! finds them ready. The building (names need each file's attributes) then overlaps the
//! kernel's and the walker's own work instead of following it.
//!
//! The queue is a stack, served newest first with a folder's first sub-directory on top:
//! walkers (`find`, `du`, `ls -R`, scanners) go depth first, so the listing a walker needs
//! next is the first child of the folder it just read, not the next sibling of its parent.
//! A first-in, first-out queue had the builder working on siblings the walker would reach
//! only much later, and the walker waiting on every listing it entered.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Directories queued at most; beyond that the oldest asks are dropped (the folders a
/// depth-first walker reaches last, if it still wants them it builds them itself).
const QUEUE: usize = 256;

struct Queue {
    /// Newest at the back: a folder, and whether its attribute page is wanted too.
    dirs: VecDeque<(u64, bool)>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The read-ahead thread's queue. Dropping it lets the thread finish what is queued and end.
pub struct ListingsAhead {
    shared: Option<Arc<Shared>>,
}

impl ListingsAhead {
    /// Starts the thread, which calls `build(dir, attrs)` for each ask; without one (the OS
    /// refused it), asks are simply ignored.
    pub fn start(build: impl Fn(u64, bool) + Send + 'static) -> ListingsAhead {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue { dirs: VecDeque::new(), closed: false }),
            ready: Condvar::new(),
        });
        let worker = shared.clone();
        let spawned = std::thread::Builder::new().name("synthfs-listings".into()).spawn(move || {
            while let Some((dir, attrs)) = worker.next() {
                // Builds and caches unless someone already has.
                build(dir, attrs);
            }
        });
        match spawned {
            Ok(_) => ListingsAhead { shared: Some(shared) },
            Err(err) => {
                tracing::debug!(%err, "no listing read-ahead thread");
                ListingsAhead { shared: None }
            }
        }
    }

    /// Queues these directories' listings (model indices, in listing order), with `attrs`
    /// their attribute pages too: the first is built first.
    pub fn ask(&self, dirs: impl DoubleEndedIterator<Item = u64>, attrs: bool) {
        let Some(shared) = &self.shared else { return };
        let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let before = q.dirs.len();
        q.dirs.extend(dirs.rev().map(|d| (d, attrs)));
        let excess = q.dirs.len().saturating_sub(QUEUE);
        q.dirs.drain(..excess);
        if q.dirs.len() != before {
            shared.ready.notify_one();
        }
    }
}

impl Shared {
    /// The newest ask, waiting for one; `None` once the queue is closed and empty.
    fn next(&self) -> Option<(u64, bool)> {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(dir) = q.dirs.pop_back() {
                return Some(dir);
            }
            if q.closed {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for ListingsAhead {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            shared.queue.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
            shared.ready.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queue without a thread, to look at its order.
    fn queue_only() -> ListingsAhead {
        ListingsAhead {
            shared: Some(Arc::new(Shared {
                queue: Mutex::new(Queue { dirs: VecDeque::new(), closed: false }),
                ready: Condvar::new(),
            })),
        }
    }

    fn shared_of(p: &ListingsAhead) -> &Shared {
        p.shared.as_deref().expect("a read-ahead thread")
    }

    #[test]
    fn the_first_child_of_the_newest_folder_comes_first() {
        let p = queue_only();
        p.ask([10, 11, 12].into_iter(), false);
        p.ask([20, 21].into_iter(), true); // the walker entered 10, which holds 20 and 21
        let s = shared_of(&p);
        let order: Vec<(u64, bool)> = std::iter::from_fn(|| {
            let mut q = s.queue.lock().unwrap_or_else(PoisonError::into_inner);
            q.dirs.pop_back()
        })
        .collect();
        assert_eq!(order, [(20, true), (21, true), (10, false), (11, false), (12, false)]);
    }

    #[test]
    fn a_full_queue_drops_the_oldest_asks() {
        let p = queue_only();
        p.ask(0..QUEUE as u64, false);
        p.ask([1000, 1001].into_iter(), false);
        let q = shared_of(&p).queue.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(q.dirs.len(), QUEUE);
        let has = |d: u64| q.dirs.contains(&(d, false));
        assert_eq!(q.dirs.back(), Some(&(1000, false)), "the newest folder's first child is next");
        assert!(!has(QUEUE as u64 - 1) && !has(QUEUE as u64 - 2), "the last asks of the oldest batch went");
        assert!(has(0), "the oldest batch's first child stays");
    }
}
