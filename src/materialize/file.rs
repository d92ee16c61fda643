//! One file: skipped when it is already complete, else written relative to its open folder
//! and committed so that a rerun never takes a half-written file for a complete one.
//!
//! Two commits, as DESIGN.md allows:
//! - With times (the default), the file is made under its real name and its modification
//!   time, set after everything else (bytes, length, xattrs, owner, mode), is the mark that it
//!   is complete. A rerun takes a file as complete only when its size and mtime are the
//!   model's; any other file under that name (a write cut short by a crash, another tree's, a
//!   hard link to another file) is removed and written afresh, never written through. A file
//!   whose write fails is removed. So no rename: on tmpfs it was a third of the kernel's work
//!   per file (docs/performance.md).
//! - Without times (`--no-times`) there is no such mark: the file is written under a
//!   temporary name ([`TMP_SUFFIX`]) and renamed when complete, so an interrupted run never
//!   leaves a half file under a real name.

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, openat, renameat, statat, unlinkat};
use synthfs_model::FileAttrs;
use synthfs_model::acl::NodeAcl;
use synthfs_model::plan::DirPlan;

use super::{Run, TMP_SUFFIX, not_open};
use crate::longpath::DirPath;

/// Bytes generated and written per call.
const CHUNK: usize = 1 << 20;

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What a rerun finds under a file's name.
enum Found {
    Nothing,
    /// This file, complete.
    Complete,
    /// Anything else: to be removed before the file is written.
    Other,
}

impl Run<'_> {
    /// Writes file `a` (of the folder `parent`, open as `dir`) as `name`; `Ok(false)` when it
    /// was already complete.
    pub(super) fn file(&self, parent: &DirPlan, dir: &DirPath, name: &str, a: &FileAttrs) -> io::Result<bool> {
        let found = if self.resuming { self.found(dir, name, a)? } else { Found::Nothing };
        if matches!(found, Found::Complete) {
            return Ok(false);
        }
        if self.opts.dry_run {
            return Ok(true);
        }
        let at = dir.dir().ok_or_else(not_open)?;
        let acl = if self.opts.xattrs { synthfs_model::attrs::file_acl(self.tree, parent, a) } else { None };
        let (mode, chmod) = self.creation_mode(a.mode, acl.is_some());
        let new = New { parent, acl, chmod };
        if !self.opts.times {
            let tmp = format!(".{:x}{TMP_SUFFIX}", a.index);
            let f = File::from(openat(at, &tmp, OFlags::TRUNC | create_flags(), Mode::from_raw_mode(mode))?);
            let result = self.fill(&f, a, new).and_then(|()| Ok(renameat(at, &tmp, at, name)?));
            if result.is_err() {
                let _ = unlinkat(at, &tmp, AtFlags::empty());
            }
            return result.map(|()| true);
        }
        if matches!(found, Found::Other) {
            remove(at, name)?;
        }
        let f = match create(at, name, mode) {
            // Not there when the run began (or it would have been found): a concurrent shard's
            // half file, or a folder's extra name made early; replaced all the same.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                remove(at, name)?;
                create(at, name, mode)?
            }
            made => made?,
        };
        let result = self.fill(&f, a, new);
        if result.is_err() {
            let _ = unlinkat(at, name, AtFlags::empty());
        }
        result.map(|()| true)
    }

    /// What a rerun finds under `name`: nothing, this file complete (size and mtime match, and
    /// the bytes with `--check-content`), or something else.
    fn found(&self, dir: &DirPath, name: &str, a: &FileAttrs) -> io::Result<Found> {
        let Some(at) = dir.dir() else { return Ok(Found::Nothing) };
        let st = match statat(at, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT) => return Ok(Found::Nothing),
            Err(e) => return Err(e.into()),
        };
        let times_match = !self.opts.times
            || (st.st_mtime as i64, st.st_mtime_nsec as i64) == (a.modified.secs, i64::from(a.modified.nanos));
        let complete = FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
            && st.st_size as u64 == a.size()
            && times_match
            && (!self.opts.check_content || self.same_bytes(at, name, a)?);
        Ok(if complete { Found::Complete } else { Found::Other })
    }

    fn same_bytes(&self, at: &File, name: &str, a: &FileAttrs) -> io::Result<bool> {
        let f = File::from(openat(at, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?);
        BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            buf.resize(2 * CHUNK, 0);
            let (want, got) = buf.split_at_mut(CHUNK);
            let mut off = 0u64;
            while off < a.size() {
                let n = self.tree.read_content(&a.content, off, want);
                f.read_exact_at(&mut got[..n], off)?;
                if want[..n] != got[..n] {
                    return Ok(false);
                }
                off += n as u64;
            }
            Ok(true)
        })
    }

    /// Gives the new file `f` its bytes (data runs only: holes stay holes), its length, then
    /// its xattrs, owner, mode and times (last).
    fn fill(&self, f: &File, a: &FileAttrs, new: New) -> io::Result<()> {
        BUF.with(|cell| -> io::Result<()> {
            let mut buf = cell.borrow_mut();
            let whole = (a.size() as usize).min(CHUNK);
            if buf.len() < whole {
                buf.resize(whole, 0);
            }
            let mut write_run = |(start, end): (u64, u64)| -> io::Result<()> {
                let mut off = start;
                while off < end {
                    let n = ((end - off) as usize).min(CHUNK);
                    let got = self.tree.read_content(&a.content, off, &mut buf[..n]);
                    f.write_all_at(&buf[..got], off)?;
                    off += n as u64;
                }
                Ok(())
            };
            match a.content.sparse {
                None => write_run((0, a.size())),
                Some(_) => a.content.data_runs().into_iter().try_for_each(write_run),
            }
        })?;
        if a.content.sparse.is_some() {
            f.set_len(a.size())?;
        }
        if self.opts.xattrs {
            self.set_xattrs(f, self.tree.file_xattrs(new.parent, a), new.acl)?;
        }
        let mode = new.chmod.then_some(a.mode);
        self.set_meta(f, (a.uid, a.gid), mode, a.accessed, a.modified)
    }
}

/// How a file being written was made: its folder, its ACL, and whether its mode is still to set.
struct New<'p> {
    parent: &'p DirPlan,
    acl: Option<NodeAcl>,
    chmod: bool,
}

fn create_flags() -> OFlags {
    OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC
}

/// Makes `name` in `at` with `mode`; it must not be there: the file is this run's from its
/// first byte.
fn create(at: &File, name: &str, mode: u32) -> io::Result<File> {
    Ok(File::from(openat(at, name, OFlags::EXCL | create_flags(), Mode::from_raw_mode(mode))?))
}

/// Removes `name` from `at`; already gone is fine.
fn remove(at: &File, name: &str) -> io::Result<()> {
    match unlinkat(at, name, AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
