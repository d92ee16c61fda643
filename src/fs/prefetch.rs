//! Read-ahead for directories: when a listing is read from its start, the listings of its
//! sub-directories are built on a background thread, so a walker that descends into them next
//! finds them ready. The building (names need each file's attributes) then overlaps the
//! kernel's and the walker's own work instead of following it.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use crate::model::Tree;

/// Directories queued at most; when the queue is full, further asks are dropped (a walker
/// that far behind is better served by its own requests than by a long backlog).
const QUEUE: usize = 256;

/// The prefetching thread's queue. Dropping it lets the thread finish what is queued and end.
pub struct Prefetch {
    tx: Option<SyncSender<u64>>,
}

impl Prefetch {
    /// Starts the thread; without one (the OS refused it), asks are simply ignored.
    pub fn start(tree: Arc<Tree>) -> Prefetch {
        let (tx, rx) = sync_channel::<u64>(QUEUE);
        let spawned = std::thread::Builder::new().name("synthfs-prefetch".into()).spawn(move || {
            for dir in rx {
                // Builds and caches the listing unless someone already has.
                let _ = tree.listing(dir);
            }
        });
        match spawned {
            Ok(_) => Prefetch { tx: Some(tx) },
            Err(err) => {
                tracing::debug!(%err, "no prefetch thread");
                Prefetch { tx: None }
            }
        }
    }

    /// Queues these directories' listings (model indices), as many as fit.
    pub fn ask(&self, dirs: impl IntoIterator<Item = u64>) {
        let Some(tx) = &self.tx else { return };
        for dir in dirs {
            if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = tx.try_send(dir) {
                break;
            }
        }
    }
}
