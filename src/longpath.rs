//! Paths past PATH_MAX (4096 bytes). The kernel refuses a longer path in one call, yet a tree
//! may be deeper: a directory whose path grows long is opened while its path is still short
//! enough, and everything below is reached through `/proc/self/fd/N/...`, so every path handed
//! to the kernel stays short however deep the tree goes.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Paths longer than this are reached through an open directory.
pub const LONG: usize = 3072;

/// A directory's path for the calls below it: the path itself, or `/proc/self/fd/N` of the
/// directory held open while this value lives.
pub struct DirPath {
    path: PathBuf,
    open: Option<File>,
}

impl DirPath {
    /// `path` as is when short, else the open directory's alias. `path` itself must be below
    /// PATH_MAX: it is, when its parent was a `DirPath` (a short alias plus one name).
    pub fn new(path: &Path) -> io::Result<DirPath> {
        if path.as_os_str().len() <= LONG || !cfg!(target_os = "linux") {
            return Ok(DirPath { path: path.to_path_buf(), open: None });
        }
        let dir = File::open(path)?;
        // `/.` makes the alias the directory itself for calls that do not follow a last
        // symbolic link (lstat, lgetxattr), as well as for those that do.
        let path = PathBuf::from(format!("/proc/self/fd/{}/.", dir.as_raw_fd()));
        Ok(DirPath { path, open: Some(dir) })
    }

    /// `path`, already open as `dir`: the descriptor for calls relative to the directory
    /// (`openat`, `mkdirat`, ...), and a path short enough for the calls that take one.
    pub fn opened(path: &Path, dir: File) -> DirPath {
        let path = if path.as_os_str().len() <= LONG || !cfg!(target_os = "linux") {
            path.to_path_buf()
        } else {
            PathBuf::from(format!("/proc/self/fd/{}/.", dir.as_raw_fd()))
        };
        DirPath { path, open: Some(dir) }
    }

    /// `path` as is, whatever its length (for a directory that does not exist).
    pub fn plain(path: &Path) -> DirPath {
        DirPath { path: path.to_path_buf(), open: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open directory: always there when made by [`DirPath::opened`], and for a long path.
    pub fn dir(&self) -> Option<&File> {
        self.open.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_past_path_max_is_created_and_read_back() {
        let root = tempfile::tempdir().unwrap();
        let name = "d".repeat(200);
        let mut keep = Vec::new();
        let mut at = root.path().to_path_buf();
        let mut real_len = at.as_os_str().len();
        for _ in 0..30 {
            let next = at.join(&name);
            std::fs::create_dir(&next).unwrap();
            real_len += 1 + name.len();
            let d = DirPath::new(&next).unwrap();
            at = d.path().to_path_buf();
            assert!(at.as_os_str().len() < 4096);
            keep.push(d);
        }
        assert!(real_len > 6000);
        std::fs::write(at.join("deep.txt"), b"x").unwrap();
        assert!(std::fs::symlink_metadata(&at).unwrap().is_dir(), "the alias is the directory, not the link");
        assert_eq!(std::fs::read(at.join("deep.txt")).unwrap(), b"x");
    }
}
