//! Moving a copy on from one epoch to another: only what changed is done, as the changes
//! themselves (see `synthfs diff`): folders deleted and renamed (as renames), files deleted,
//! renamed (as renames), written anew where their bytes changed, their metadata set in place
//! where only that changed, and the folders' own metadata last (their times alone where only
//! those moved).
//!
//! The marker says `applying` while the move is under way; every step can be done twice
//! (a rename whose source is gone is done already, a deletion of what is not there is done,
//! a file that is complete is skipped), so a run after a crash finishes the move.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::Serialize;

use super::marker::{self, Marker};
use super::*;
use crate::diff::{Change, ChangeKind, Counts, Diff};
use synthfs_model::attrs::FileAttrs;

/// What moving a copy on did: the epochs and the changes applied.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Moved {
    pub from: u64,
    pub to: u64,
    pub changes: Counts,
}

/// The epoch the copy at `dest` is to be moved on from, and how far an interrupted move got:
/// `Some` when it holds this tree, whole, at another epoch (or a move to this one was
/// interrupted).
pub(super) fn moving_from(tree: &Tree, dest: &Path) -> Result<Option<(u64, u8)>, MaterializeError> {
    let Some(found) = marker::read(dest)? else { return Ok(None) };
    if !found.same_tree(&Marker::of(tree)) {
        return Ok(None);
    }
    match found.applying {
        Some(to) if to != tree.epoch() => {
            Err(MaterializeError::Interrupted { path: dest.into(), from: found.epoch, to })
        }
        Some(_) => Ok(Some((found.epoch, found.stage))),
        None if found.epoch == tree.epoch() => Ok(None),
        None if !found.complete => Err(MaterializeError::Unfinished { path: dest.into(), epoch: found.epoch }),
        None => Ok(Some((found.epoch, 0))),
    }
}

/// A move's plan: the tree at epoch `from` (the copy's), the changes from it to `tree`'s
/// epoch, and their counts.
pub(super) fn planned_move(tree: &Tree, from: u64) -> Result<(Tree, Vec<Change>, Moved), synthfs_model::ProfileError> {
    let mut earlier = tree.model.profile.clone();
    earlier.epoch = from;
    let before = Tree::with_roster(earlier, tree.model.roster.clone())?;
    let changes = Diff { from: &before, to: tree }.changes();
    let mut counts = Counts::default();
    changes.iter().for_each(|c| counts.add(c));
    let moved = Moved { from, to: tree.epoch(), changes: counts };
    Ok((before, changes, moved))
}

/// Every folder a change touches (its own, its parent at either epoch): their metadata is set
/// again at the end of a move, whichever steps a resumed move skips.
pub(super) fn touched_folders(before: &Tree, after: &Tree, changes: &[Change]) -> BTreeSet<u64> {
    let mut touched = BTreeSet::new();
    for c in changes {
        let index = c.inode - 1;
        if c.kind == "dir" {
            // A folder may have moved: its parents at both epochs.
            touched.insert(index);
            touched.extend(before.parent(index));
            touched.extend(after.parent(index));
        } else {
            // A file never changes folders.
            touched.extend(c.folder.or_else(|| after.parent(index)).or_else(|| before.parent(index)));
        }
    }
    touched
}

/// The touched folders still there at the tree's epoch, deepest first (the root aside): the
/// order their own metadata is set in at the end of a move, so no later change moves it.
pub(super) fn deepest_first(
    tree: &Tree,
    touched: BTreeSet<u64>,
    changes: &[Change],
) -> Vec<(std::sync::Arc<DirPlan>, String)> {
    // A folder's path now is its files' paths' folder (they are at the tree's epoch, but for
    // deletions); the others' are found in the tree.
    let known: std::collections::HashMap<u64, &str> = changes
        .iter()
        .filter(|c| c.change != ChangeKind::Deleted)
        .filter_map(|c| Some((c.folder?, parent_dir(&c.path))))
        .collect();
    // Each folder's plan, existence and path on its own (in parallel), then the order.
    let mut dirs: Vec<(u32, u64, std::sync::Arc<DirPlan>, String)> = touched
        .into_par_iter()
        .filter(|i| *i != 0)
        .filter_map(|i| {
            let plan = tree.plan(i)?;
            tree.exists(i).then_some(())?;
            let path = match known.get(&i) {
                Some(p) => p.to_string(),
                None => tree.path(i)?,
            };
            Some((plan.depth, i, plan, path))
        })
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse((d.0, d.1)));
    dirs.into_iter().map(|(_, _, plan, path)| (plan, path)).collect()
}

/// The folders whose own metadata changed past their times (made again, a new owner, mode or
/// DACL): those get everything set again at the end of a move, the rest their times.
fn whole_folder_changes(changes: &[Change]) -> BTreeSet<u64> {
    changes
        .iter()
        .filter(|c| c.kind == "dir")
        .filter(|c| c.change == ChangeKind::Added || c.fields.iter().any(|f| !matches!(*f, "modified" | "accessed")))
        .map(|c| c.inode - 1)
        .collect()
}

/// Where `p` (a path of the earlier epoch) is now: under the longest renamed folder above it.
pub(super) fn placed(renames: &[(String, String)], p: &str) -> String {
    let above = |old: &String| p.starts_with(old.as_str()) && p[old.len()..].starts_with('/');
    match renames.iter().filter(|(old, _)| above(old)).max_by_key(|(old, _)| old.len()) {
        Some((old, new)) => format!("{new}{}", &p[old.len()..]),
        None => p.to_string(),
    }
}

pub(super) fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

pub(super) fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

/// Gone already is done.
fn gone_ok(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

impl Run<'_> {
    /// Moves the copy on from epoch `from` to the tree's; `stage` says how far an interrupted
    /// move got (see [`Marker::stage`]).
    pub(super) fn move_on(&self, from: u64, stage: u8) -> Result<Moved, MaterializeError> {
        let tree = self.tree;
        let dest = &self.opts.dest;
        let (before, changes, moved) = planned_move(tree, from)
            .map_err(|e| MaterializeError::Io { path: dest.clone(), source: io::Error::other(e) })?;
        if self.opts.dry_run {
            return Ok(moved);
        }
        let at_stage = |stage| Marker { epoch: from, applying: Some(tree.epoch()), stage, ..Marker::of(tree) };
        marker::write(dest, &at_stage(stage))?;
        // Folders whose own metadata is set again at the end: every one something was done in.
        let touched = touched_folders(&before, tree, &changes);
        let errors = || self.counters.errors.load(Ordering::Relaxed);
        if stage < 1 {
            let renames = self.folders(&changes);
            self.stage_files(&changes, &|p| placed(&renames, p));
            if errors() == 0 {
                marker::write(dest, &at_stage(1))?;
            }
        }
        if stage < 2 && errors() == 0 {
            self.rename_staged(&changes);
            if errors() == 0 {
                marker::write(dest, &at_stage(2))?;
            }
        }
        self.file_writes(&changes);
        // The folders last: nothing below them changes any more, so in any order. Where only
        // their times moved (a file written or renamed in them), only the times are set.
        let whole = whole_folder_changes(&changes);
        deepest_first(tree, touched, &changes).into_par_iter().for_each(|(plan, path)| {
            let at = dest.join(&path);
            let result = File::open(&at).and_then(|f| {
                if whole.contains(&plan.index) {
                    self.dir_meta(&plan, &DirPath::opened(&at, f))
                } else {
                    self.dir_times(&plan, &f)
                }
            });
            if let Err(e) = result {
                self.fail(&at, e);
            }
        });
        if errors() == 0 {
            marker::write(dest, &Marker { complete: true, ..Marker::of(tree) })?;
        }
        Ok(moved)
    }

    /// Folders deleted, renamed and made, in the order of the changes (a folder before what
    /// it holds); returns the renames (earlier path, path now).
    fn folders(&self, changes: &[Change]) -> Vec<(String, String)> {
        let dest = &self.opts.dest;
        let mut renames: Vec<(String, String)> = Vec::new();
        for c in changes.iter().filter(|c| c.kind == "dir") {
            let result = match c.change {
                ChangeKind::Deleted => gone_ok(std::fs::remove_dir_all(dest.join(placed(&renames, &c.path)))),
                ChangeKind::Renamed => {
                    let old = c.old_path.clone().unwrap_or_default();
                    let (src, dst) = (dest.join(placed(&renames, &old)), dest.join(&c.path));
                    let r = if src.exists() || !dst.exists() { std::fs::rename(&src, &dst) } else { Ok(()) };
                    renames.push((old, c.path.clone()));
                    r
                }
                ChangeKind::Added => std::fs::create_dir_all(dest.join(&c.path)),
                ChangeKind::Modified | ChangeKind::Metadata => Ok(()),
            };
            if let Err(e) = result {
                self.fail(&dest.join(&c.path), e);
            }
        }
        renames
    }

    /// Files deleted, then the renamed ones put under temporary names (so a file may take the
    /// name another leaves); stage 1 of a move.
    fn stage_files(&self, changes: &[Change], now: &dyn Fn(&str) -> String) {
        let dest = &self.opts.dest;
        let files = || changes.iter().filter(|c| c.kind == "file");
        for c in files().filter(|c| c.change == ChangeKind::Deleted) {
            let path = dest.join(now(&c.path));
            if let Err(e) = gone_ok(std::fs::remove_file(&path)) {
                self.fail(&path, e);
            }
        }
        for c in files().filter(|c| c.change == ChangeKind::Renamed) {
            let old = c.old_path.as_deref().unwrap_or_default();
            let src = dest.join(parent_dir(&c.path)).join(base_name(old));
            if let Err(e) = gone_ok(std::fs::rename(&src, self.staged(c))) {
                self.fail(&src, e);
            }
        }
    }

    /// Where a renamed file waits between its two names.
    fn staged(&self, c: &Change) -> std::path::PathBuf {
        self.opts.dest.join(parent_dir(&c.path)).join(format!(".synthfs-move-{:x}", c.inode))
    }

    /// The staged files under their new names; stage 2 of a move.
    fn rename_staged(&self, changes: &[Change]) {
        for c in changes.iter().filter(|c| c.kind == "file" && c.change == ChangeKind::Renamed) {
            let dst = self.opts.dest.join(&c.path);
            if let Err(e) = gone_ok(std::fs::rename(self.staged(c), &dst)) {
                self.fail(&dst, e);
            }
        }
    }

    /// New and modified files written (their folders' in parallel), and metadata set in place
    /// where only that changed.
    fn file_writes(&self, changes: &[Change]) {
        let mut by_folder: std::collections::BTreeMap<u64, Vec<&Change>> = Default::default();
        for c in changes.iter().filter(|c| c.kind == "file") {
            if matches!(c.change, ChangeKind::Added | ChangeKind::Modified | ChangeKind::Metadata) {
                if let Some(p) = c.folder.or_else(|| self.tree.parent(c.inode - 1)) {
                    by_folder.entry(p).or_default().push(c);
                }
            }
        }
        by_folder.into_par_iter().for_each(|(folder, list)| {
            let Some(plan) = self.tree.plan(folder) else { return };
            // The folder's path now: its files' paths are at the tree's epoch.
            let at = self.opts.dest.join(parent_dir(&list[0].path));
            let here = match File::open(&at) {
                Ok(f) => DirPath::opened(&at, f),
                Err(e) => return self.fail(&at, e),
            };
            for c in list {
                let Some(a) = self.tree.file_attrs(c.inode - 1) else { continue };
                let name = base_name(&c.path);
                let result = if c.change == ChangeKind::Metadata {
                    self.metadata_in_place(&plan, &here, name, &a).map(|()| true)
                } else {
                    self.file(&plan, &here, name, &a)
                };
                match result {
                    Ok(true) => {
                        self.counters.files_written.fetch_add(1, Ordering::Relaxed);
                        self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
                    }
                    Ok(false) => {
                        self.counters.files_skipped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => self.fail(&at.join(name), e),
                }
            }
        });
    }

    /// A folder whose times alone moved: its times set again.
    fn dir_times(&self, plan: &DirPlan, f: &File) -> io::Result<()> {
        let d = self.tree.dir_attrs(plan);
        self.set_times(f, d.accessed, d.modified)
    }

    /// A file whose bytes stay: its xattrs, owner, mode and times set through a descriptor.
    fn metadata_in_place(&self, plan: &DirPlan, here: &DirPath, name: &str, a: &FileAttrs) -> io::Result<()> {
        use rustix::fs::{Mode, OFlags, openat};
        let at = here.dir().ok_or_else(not_open)?;
        let f = File::from(openat(at, name, OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())?);
        if self.opts.xattrs {
            let acl = synthfs_model::attrs::file_acl(self.tree, plan, a);
            let values = self.tree.file_xattrs(plan, a);
            self.drop_stale_xattrs(&f, &values)?;
            self.set_xattrs(&f, values, acl)?;
        }
        self.set_meta(&f, (a.uid, a.gid), Some(a.mode), a.accessed, a.modified)
    }
}
