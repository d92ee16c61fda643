//! Moving a copy on an SMB share on to another epoch, as `materialize/apply.rs` does on a
//! local disk, over the wire: folders renamed (FileRenameInformation), files deleted (their
//! attributes cleared, then delete-on-close), renamed through a temporary name, written anew
//! where their bytes changed, their descriptor, attributes and times set in place where only
//! those changed; deleted folders last among the removals (deepest first), and the metadata of
//! every folder touched at the end. The marker says `applying` while the move is under way;
//! every step can be done twice, so a rerun finishes it.

use std::collections::BTreeSet;

use super::*;
use crate::diff::{Change, ChangeKind};
use crate::materialize::Moved;
use crate::materialize::apply::{base_name, deepest_first, parent_dir, placed, planned_move, touched_folders};

/// The epoch the copy on the share is to be moved on from, and how far an interrupted move
/// got (see `materialize::apply`).
pub(super) async fn moving_from(tree: &Tree, share: &Share) -> Result<Option<(u64, u8)>, SmbMaterializeError> {
    let path = SmbUrl::join(&share.url.base(), MARKER);
    let bytes = match read_small(share, &path).await {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(write_error(&share.url, &path, e)),
    };
    let Ok(found) = serde_json::from_slice::<Marker>(&bytes) else { return Ok(None) };
    if !found.same_tree(&Marker::of(tree)) {
        return Ok(None);
    }
    match found.applying {
        Some(to) if to != tree.epoch() => {
            Err(SmbMaterializeError::Interrupted { url: share.url.to_string(), from: found.epoch, to })
        }
        Some(_) => Ok(Some((found.epoch, found.stage))),
        None if found.epoch == tree.epoch() => Ok(None),
        None if !found.complete => {
            Err(SmbMaterializeError::Unfinished { url: share.url.to_string(), epoch: found.epoch })
        }
        None => Ok(Some((found.epoch, 0))),
    }
}

/// Writes the marker (overwriting the one there).
pub(super) async fn write_marker(share: &Share, marker: &Marker) -> Result<(), SmbMaterializeError> {
    let path = SmbUrl::join(&share.url.base(), MARKER);
    let json = serde_json::to_vec_pretty(marker).unwrap_or_default();
    let reqs = [
        wire::create(Open {
            name: &path,
            access: FileAccessMask::FILE_WRITE_DATA | FileAccessMask::SYNCHRONIZE,
            disposition: CreateDisposition::FileOverwriteIf,
            directory: false,
            attributes: 0,
        }),
        wire::write(FileId::SENTINEL, 0, json),
        wire::close(FileId::SENTINEL),
    ];
    share.chain(&reqs).await.map(|_| ()).map_err(|e| write_error(&share.url, &path, e))
}

/// Gone already is done.
fn gone_ok(r: Result<(), SmbError>) -> Result<(), SmbError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        r => r,
    }
}

impl<'a> Run<'a> {
    /// A path of the tree (`/`-separated, from its root) on the share.
    fn on_share(&self, path: &str) -> String {
        SmbUrl::join(&self.opts.url.base(), &path.replace('/', "\\"))
    }

    async fn rename(&self, from: &str, to: &str, directory: bool) -> Result<(), SmbError> {
        let reqs = [
            wire::create(Open {
                name: from,
                access: FileAccessMask::DELETE | FileAccessMask::FILE_READ_ATTRIBUTES | FileAccessMask::SYNCHRONIZE,
                disposition: CreateDisposition::FileOpen,
                directory,
                attributes: 0,
            }),
            wire::set_rename(FileId::SENTINEL, to),
            wire::close(FileId::SENTINEL),
        ];
        self.share.chain(&reqs).await.map(|_| ())
    }

    async fn remove_folder(&self, path: &str) -> Result<(), SmbError> {
        let reqs = [
            wire::create(Open {
                name: path,
                access: FileAccessMask::DELETE | FileAccessMask::SYNCHRONIZE,
                disposition: CreateDisposition::FileOpen,
                directory: true,
                attributes: 0,
            }),
            wire::set_delete_on_close(FileId::SENTINEL),
            wire::close(FileId::SENTINEL),
        ];
        self.share.chain(&reqs).await.map(|_| ())
    }

    /// Moves the copy on from epoch `from` to the tree's; `stage` says how far an interrupted
    /// move got.
    pub(super) async fn move_on(&'a self, from: u64, stage: u8) -> Result<Moved, SmbMaterializeError> {
        let tree = self.tree;
        let (before, changes, moved) =
            planned_move(tree, from).map_err(|e| SmbMaterializeError::Epoch(e.to_string()))?;
        if self.opts.dry_run {
            return Ok(moved);
        }
        let at_stage = |stage| Marker { epoch: from, applying: Some(tree.epoch()), stage, ..Marker::of(tree) };
        write_marker(&self.share, &at_stage(stage)).await?;
        let touched = touched_folders(&before, tree, &changes);
        let errors = || self.counters.errors.load(Ordering::Relaxed);
        let is = |c: &&Change, kind: &str, change: ChangeKind| c.kind == kind && c.change == change;
        let renamed: Vec<&Change> = changes.iter().filter(|c| is(c, "file", ChangeKind::Renamed)).collect();
        let temp = |c: &Change| self.on_share(&format!("{}/.synthfs-move-{:x}", parent_dir(&c.path), c.inode));
        if stage < 1 {
            self.stage_changes(&changes, &renamed, &temp).await;
            if errors() == 0 {
                write_marker(&self.share, &at_stage(1)).await?;
            }
        }
        if stage < 2 && errors() == 0 {
            for c in &renamed {
                let dst = self.on_share(&c.path);
                if let Err(e) = gone_ok(self.rename(&temp(c), &dst, false).await) {
                    self.fail(&dst, e);
                }
            }
            if errors() == 0 {
                write_marker(&self.share, &at_stage(2)).await?;
            }
        }
        self.write_changes(&changes, touched).await;
        if errors() == 0 && !self.stopped() {
            write_marker(&self.share, &Marker { complete: true, ..Marker::of(tree) }).await?;
        }
        Ok(moved)
    }

    /// Stage 1 of a move: folders renamed (in order: a folder before what it holds) and
    /// made again, files deleted, emptied folders deleted (deepest first), and the renamed
    /// files put under temporary names.
    async fn stage_changes(&self, changes: &[Change], renamed: &[&Change], temp: &dyn Fn(&Change) -> String) {
        let is = |c: &&Change, kind: &str, change: ChangeKind| c.kind == kind && c.change == change;
        // Folders renamed, in order (a folder before what it holds).
        let mut renames: Vec<(String, String)> = Vec::new();
        for c in changes.iter().filter(|c| is(c, "dir", ChangeKind::Renamed)) {
            let old = c.old_path.clone().unwrap_or_default();
            let (src, dst) = (self.on_share(&placed(&renames, &old)), self.on_share(&c.path));
            if let Err(e) = gone_ok(self.rename(&src, &dst, true).await) {
                self.fail(&dst, e);
            }
            renames.push((old, c.path.clone()));
        }
        // Folders that come back (a move to an earlier epoch), in order.
        for c in changes.iter().filter(|c| is(c, "dir", ChangeKind::Added)) {
            let path = self.on_share(&c.path);
            if let Err(e) = make_dir(&self.share, &path).await {
                self.fail(&path, e);
            }
        }
        // Files deleted (those of deleted folders too), then the folders, deepest first.
        for c in changes.iter().filter(|c| is(c, "file", ChangeKind::Deleted)) {
            let path = self.on_share(&placed(&renames, &c.path));
            if let Err(e) = self.remove(&path).await {
                self.fail(&path, e);
            }
        }
        let mut gone: Vec<&Change> = changes.iter().filter(|c| is(c, "dir", ChangeKind::Deleted)).collect();
        gone.sort_by_key(|c| std::cmp::Reverse(c.path.matches('/').count()));
        for c in gone {
            let path = self.on_share(&placed(&renames, &c.path));
            if let Err(e) = gone_ok(self.remove_folder(&path).await) {
                self.fail(&path, e);
            }
        }
        // Files renamed: each to a temporary name first.
        for c in renamed {
            let old = c.old_path.as_deref().unwrap_or_default();
            let src = self.on_share(&format!("{}/{}", parent_dir(&c.path), base_name(old)));
            if let Err(e) = gone_ok(self.rename(&src, &temp(c), false).await) {
                self.fail(&src, e);
            }
        }
    }

    /// New and modified files written, metadata set in place, then the touched folders' own
    /// metadata, deepest first.
    async fn write_changes(&self, changes: &[Change], touched: BTreeSet<u64>) {
        let tree = self.tree;
        // New and modified files written; metadata set in place.
        let forced = Found { size: u64::MAX, written: 0, attributes: 0 };
        for c in changes.iter().filter(|c| c.kind == "file") {
            let Some(a) = tree.file_attrs(c.inode - 1) else { continue };
            let path = self.on_share(&c.path);
            let result = match c.change {
                ChangeKind::Added | ChangeKind::Modified => self.file(&path, &a, Some(forced)).await.map(|_| true),
                ChangeKind::Metadata => self.metadata_in_place(&path, &a).await.map(|()| true),
                // A renamed sparse .vhdx read back as 0x20, not 0x220, after the move onto
                // smbd 4.17 (renamed by FileRenameInformation alone): its attributes, times
                // and descriptor are set again, as for a metadata change.
                ChangeKind::Renamed => self.metadata_in_place(&path, &a).await.map(|()| false),
                ChangeKind::Deleted => Ok(false),
            };
            match result {
                Ok(true) => {
                    self.counters.files_written.fetch_add(1, Ordering::Relaxed);
                    self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
                }
                Ok(false) => {}
                Err(e) => self.fail(&path, e),
            }
        }
        // The folders' own metadata last, deepest first.
        for (plan, path) in deepest_first(tree, touched, changes) {
            let d = tree.dir_attrs(&plan);
            self.folder_meta_job(
                plan.index,
                self.on_share(&path),
                [nttime(d.created), nttime(d.accessed), nttime(d.modified)],
            )
            .await;
        }
    }
}
