//! Live counters of a long run (materialize, archive, verify, a digest), kept by the library
//! and read by whoever shows progress.

use std::sync::atomic::AtomicU64;

/// Live counters, read by whoever shows progress: files done (written, checked or hashed),
/// files found complete, and their bytes.
#[derive(Debug, Default)]
pub struct Counters {
    pub files_written: AtomicU64,
    pub files_skipped: AtomicU64,
    pub bytes_written: AtomicU64,
    pub dirs: AtomicU64,
    pub errors: AtomicU64,
    pub xattrs_unsupported: AtomicU64,
    pub temp_removed: AtomicU64,
    /// Symbolic links and extra names of files (hard links) made or found in place.
    pub links: AtomicU64,
}
