//! Links: the extra names of files (hard links, made by whoever writes the file) and a
//! folder's symbolic links (made by whoever makes the folder), each left alone when already
//! right.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::atomic::Ordering;

use synthfs_model::plan::DirPlan;

use super::{Run, set_link_times};
use crate::longpath::DirPath;

impl Run<'_> {
    /// The other names of file `file`, just written as `name` in `dir` (so a shard links only
    /// what it has written); a folder not made yet is made here and finished when its turn
    /// comes.
    pub(super) fn hard_names(&self, file: u64, dir: &DirPath, name: &str) {
        for h in self.tree.links().hard.iter().filter(|h| h.target == file) {
            let Some(other_dir) = self.tree.path(h.parent) else { continue };
            let other_dir = self.opts.dest.join(other_dir);
            let other = other_dir.join(h.name);
            let made = if self.opts.dry_run { Ok(()) } else { hard_link(&dir.path().join(name), &other_dir, &other) };
            match made {
                Ok(()) => {
                    self.counters.links.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => self.fail(&other, e),
            }
        }
    }

    /// A folder's symbolic links, with its owner and times (any shard that makes the folder
    /// makes them; one already right is left alone).
    pub(super) fn symlinks(&self, plan: &DirPlan, dir: &Path) {
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
