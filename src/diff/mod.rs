//! `diff`: the ground truth of what changed between two epochs of a tree, from the model
//! alone (no disk is walked).
//!
//! Both epochs share the tree's plans; a folder is compared entry by entry only where
//! something may have changed in it between the two (a file's or sub-folder's clock has an
//! event in the interval, or files came), which the clocks tell without naming anything, so
//! the cost follows the change, not the tree. Where a folder is compared, its two listings
//! are the ones every front end shows, so the records are exactly what a walk of the two
//! trees finds: by inode, added, deleted, renamed (new parent or name), modified (new bytes,
//! size or modification time) and metadata (anything else: owner, mode, attributes, the DACL:
//! an ACL change on a folder reaches every node below that inherits it).

use std::collections::HashMap;

mod events;
pub use events::{AuditEvent, events};

use rayon::prelude::*;
use serde::Serialize;
use synthfs_model::attrs::{self, FileAttrs};
use synthfs_model::epoch::{self, Epochs};
use synthfs_model::ntacl;
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::Tree;

/// What happened to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Deleted,
    Renamed,
    Modified,
    Metadata,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Modified => "modified",
            ChangeKind::Metadata => "metadata",
        }
    }
}

/// One change: a record of `diff`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    /// "file" or "dir".
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub inode: u64,
    /// The path at the later epoch (at the earlier one for a deletion).
    pub path: String,
    /// A rename's path before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// What a modification or metadata change touched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
    /// A file's size after (before, for a deletion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where the field `acl` is set: the folder whose ACL was changed (this one, or the one
    /// above it whose change it inherits), for the audit stream.
    #[serde(skip)]
    pub acl_source: Option<u64>,
    /// For a file, the folder holding it (a file never changes folders): what a move writes
    /// in, known here without finding it again.
    #[serde(skip)]
    pub folder: Option<u64>,
}

/// Counts of changes by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: u64,
    pub deleted: u64,
    pub renamed: u64,
    pub modified: u64,
    pub metadata: u64,
}

impl Counts {
    pub fn add(&mut self, c: &Change) {
        match c.change {
            ChangeKind::Added => self.added += 1,
            ChangeKind::Deleted => self.deleted += 1,
            ChangeKind::Renamed => self.renamed += 1,
            ChangeKind::Modified => self.modified += 1,
            ChangeKind::Metadata => self.metadata += 1,
        }
    }
}

/// The fields in which two states of a file differ, split into content (modified) and
/// metadata.
pub fn file_fields(a: &FileAttrs, b: &FileAttrs) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut content = Vec::new();
    if a.content != b.content {
        content.push("content");
    }
    if a.size() != b.size() {
        content.push("size");
    }
    if a.modified != b.modified {
        content.push("modified");
    }
    let mut meta = Vec::new();
    for (name, differs) in [
        ("accessed", a.accessed != b.accessed),
        ("created", a.created != b.created),
        ("owner", a.owner != b.owner || a.group_owner != b.group_owner || a.special_owner != b.special_owner),
        ("uid", a.uid != b.uid),
        ("gid", a.gid != b.gid),
        ("mode", a.mode != b.mode),
        ("readonly", a.readonly != b.readonly),
        ("hidden", a.hidden != b.hidden),
        ("zone", a.zone != b.zone),
    ] {
        if differs {
            meta.push(name);
        }
    }
    (content, meta)
}

/// The two trees, `from` and `to`, of one profile at two epochs.
pub struct Diff<'a> {
    pub from: &'a Tree,
    pub to: &'a Tree,
}

/// Where a folder is at each epoch: its path there, `None` where it is gone.
#[derive(Clone)]
struct Sides {
    from: Option<String>,
    to: Option<String>,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}/{name}") }
}

impl Diff<'_> {
    /// Every change from `from` to `to`, in depth-first order of the tree.
    pub fn changes(&self) -> Vec<Change> {
        let sides = Sides { from: Some(String::new()), to: Some(String::new()) };
        self.folder(self.to.root(), &sides, &[], None)
    }

    /// Whether folder `plan`'s NT security differs between the epochs, given the folder above
    /// whose differs (`above`), and if so the folder whose ACL change it comes from. A
    /// folder's security is its parent's passed on plus its own changes, so one whose parent's
    /// is the same and whose own ACL did not change is the same: only those are compared.
    fn acl_source(&self, plan: &DirPlan, above: Option<u64>) -> Option<u64> {
        if !ntacl::enabled(&self.to.model) || plan.index == 0 {
            return None;
        }
        let (lo, hi) = self.lo_hi();
        let ep = self.to.churn();
        let own = ep.acl_drift(plan.index, lo) != ep.acl_drift(plan.index, hi);
        let source = if own { Some(plan.index) } else { above }?;
        (self.from.dir_security(plan.index) != self.to.dir_security(plan.index)).then_some(source)
    }

    /// Whether the files of a folder whose security differs get different DACLs.
    fn file_acls_differ(&self, plan: &DirPlan) -> bool {
        match (self.from.dir_security(plan.index), self.to.dir_security(plan.index)) {
            (Some(a), Some(b)) => ntacl::file_aces(&a) != ntacl::file_aces(&b),
            _ => false,
        }
    }

    fn lo_hi(&self) -> (u64, u64) {
        let (m, n) = (self.from.epoch(), self.to.epoch());
        (m.min(n), m.max(n))
    }

    /// Whether anything in the folder itself (its files, its sub-folders' names) may differ
    /// between the epochs: clocks only, nothing named (a folder among whose sub-folders
    /// folders moved is compared).
    fn may_differ(&self, plan: &DirPlan) -> bool {
        let (lo, hi) = self.lo_hi();
        if lo == hi {
            return false;
        }
        let ep: &Epochs = self.to.churn();
        let depth = plan.depth + 1;
        // Folders moved out or in, or, moved in, renamed or deleted.
        let later = if self.to.epoch() > self.from.epoch() { self.to } else { self.from };
        if let Some(a) = later.around(plan) {
            if a.moves.touch_between(a.at, lo, hi) {
                return true;
            }
            let moved_in = a.moves.moved_in(a.at, lo).into_iter().chain(a.moves.moved_in(a.at, hi));
            for (planned, k) in moved_in {
                let c = &later.child_plan(&a.parent, planned).children[k];
                if ep.folder_changes_between(c.index, &c.ctx, depth, c.dirs == 0, lo, hi) {
                    return true;
                }
            }
        }
        if plan.children.iter().any(|c| ep.folder_changes_between(c.index, &c.ctx, depth, c.dirs == 0, lo, hi)) {
            return true;
        }
        let files = (0..plan.files).any(|slot| {
            let tier = attrs::tier_of_slot(ep, plan, slot);
            ep.changes_between(plan.index + 1 + slot, 0, tier, lo, hi)
        });
        files
            || self.to.added_between(plan, 0, hi).into_iter().any(|id| {
                let born = epoch::unpack(id).1;
                born > lo || ep.changes_between(id, born, attrs::tier_of_file(ep, plan, id), lo, hi)
            })
    }

    /// The changes in and below folder `plan`; `siblings`: where its parent's sub-folders
    /// are at each epoch, by position in the plans (where its sub-folders may have moved);
    /// `acl_above`: the folder whose ACL change the parent's security shows, if it differs.
    fn folder(&self, plan: &DirPlan, sides: &Sides, siblings: &[Sides], acl_above: Option<u64>) -> Vec<Change> {
        let mut out = Vec::new();
        let both = sides.from.is_some() && sides.to.is_some();
        let acl = if both { self.acl_source(plan, acl_above) } else { None };
        let file_acl = acl.filter(|_| self.file_acls_differ(plan));
        match (&sides.from, &sides.to) {
            (Some(_), Some(path)) if file_acl.is_some() || acl.is_some() || self.may_differ(plan) => {
                if plan.index != 0 {
                    self.dir_meta(plan, path, acl, &mut out);
                }
                self.files(plan, sides, file_acl, &mut out);
            }
            (Some(_), Some(_)) => {}
            _ => self.files(plan, sides, None, &mut out),
        }
        // Sub-folders: where each is at each side (under this folder or, moved, under a
        // sibling) and its name there, then each walked in parallel, in order.
        let (was_now, is_now) = (self.from.sub_folders_now(plan), self.to.sub_folders_now(plan));
        let at = |now: &[Option<(Option<usize>, std::borrow::Cow<str>)>],
                  here: &Option<String>,
                  k: usize,
                  side: fn(&Sides) -> &Option<String>| {
            let (moved, name) = now[k].as_ref()?;
            let parent = match moved {
                None => here.as_ref()?,
                Some(s) => side(siblings.get(*s)?).as_ref()?,
            };
            Some((*moved, name.to_string(), join(parent, name)))
        };
        let mut kids = Vec::new();
        let mut all = Vec::with_capacity(plan.children.len());
        for (k, c) in plan.children.iter().enumerate() {
            let was = at(&was_now, &sides.from, k, |s| &s.from);
            let is = at(&is_now, &sides.to, k, |s| &s.to);
            let inode = c.index + 1;
            let record = |change, path: &String, old_path| Change {
                change,
                kind: "dir",
                inode,
                path: path.clone(),
                old_path,
                fields: Vec::new(),
                size: None,
                acl_source: None,
                folder: None,
            };
            match (&was, &is) {
                (Some((p, a, from)), Some((q, b, to))) if p != q || a != b => {
                    out.push(record(ChangeKind::Renamed, to, Some(from.clone())))
                }
                (Some((_, _, from)), None) => out.push(record(ChangeKind::Deleted, from, None)),
                (None, Some((_, _, to))) => out.push(record(ChangeKind::Added, to, None)),
                _ => {}
            }
            let s = Sides { from: was.map(|w| w.2), to: is.map(|i| i.2) };
            if s.from.is_some() || s.to.is_some() {
                kids.push(k);
            }
            all.push(s);
        }
        let below: Vec<Vec<Change>> = kids
            .into_par_iter()
            .map(|k| {
                let child = self.to.child_plan_uncached(plan, k);
                self.folder(&child, &all[k], &all, acl)
            })
            .collect();
        for v in below {
            out.extend(v);
        }
        out
    }

    /// A folder's own metadata (its times move with what changes in it, its DACL with an ACL
    /// change, `acl`).
    fn dir_meta(&self, plan: &DirPlan, path: &str, acl: Option<u64>, out: &mut Vec<Change>) {
        let (a, b) = (self.from.dir_attrs(plan), self.to.dir_attrs(plan));
        let mut fields = Vec::new();
        for (name, differs) in [
            ("modified", a.modified != b.modified),
            ("accessed", a.accessed != b.accessed),
            ("owner", a.owner != b.owner),
            ("mode", a.mode != b.mode),
            ("acl", acl.is_some()),
        ] {
            if differs {
                fields.push(name);
            }
        }
        if !fields.is_empty() {
            let kind = if a.modified != b.modified { ChangeKind::Modified } else { ChangeKind::Metadata };
            let inode = plan.index + 1;
            out.push(Change {
                change: kind,
                kind: "dir",
                inode,
                path: path.to_string(),
                old_path: None,
                fields,
                size: None,
                acl_source: acl,
                folder: None,
            });
        }
    }

    /// The folder's files at both sides, compared by inode; `acl`: the folder whose ACL change
    /// gives every file here a new DACL.
    fn files(&self, plan: &DirPlan, sides: &Sides, acl: Option<u64>, out: &mut Vec<Change>) {
        // The folder's files at each side where it is there, made in one pass.
        let trees: Vec<&Tree> = [(self.from, &sides.from), (self.to, &sides.to)]
            .into_iter()
            .filter(|(_, path)| path.is_some())
            .map(|(t, _)| t)
            .collect();
        let mut lists = self.to.files_at_epochs(plan, &trees).into_iter();
        let before = if sides.from.is_some() { lists.next().unwrap_or_default() } else { Vec::new() };
        let after = lists.next().unwrap_or_default();
        let mut was: HashMap<u64, (&str, &FileAttrs)> =
            before.iter().map(|(a, n)| (a.index, (n.as_str(), a))).collect();
        let file = |change, path: String, old_path, fields, size| Change {
            change,
            kind: "file",
            inode: 0,
            path,
            old_path,
            fields,
            size: Some(size),
            acl_source: None,
            folder: Some(plan.index),
        };
        let empty = String::new();
        let (from_dir, to_dir) = (sides.from.as_ref().unwrap_or(&empty), sides.to.as_ref().unwrap_or(&empty));
        for (b, name) in &after {
            // The path is made only for a record (most files of a folder compared are the same).
            let path = || join(to_dir, name);
            let inode = b.index + 1;
            let Some((old, a)) = was.remove(&b.index) else {
                out.push(Change { inode, ..file(ChangeKind::Added, path(), None, Vec::new(), b.size()) });
                continue;
            };
            if old != name {
                out.push(Change {
                    inode,
                    ..file(ChangeKind::Renamed, path(), Some(join(from_dir, old)), Vec::new(), b.size())
                });
            }
            if a == b && acl.is_none() {
                continue;
            }
            let (content, mut meta) = file_fields(a, b);
            if acl.is_some() {
                meta.push("acl");
            }
            let path = path();
            if !content.is_empty() {
                let fields = content.into_iter().chain(meta).collect();
                out.push(Change { inode, acl_source: acl, ..file(ChangeKind::Modified, path, None, fields, b.size()) });
            } else if !meta.is_empty() {
                out.push(Change { inode, acl_source: acl, ..file(ChangeKind::Metadata, path, None, meta, b.size()) });
            }
        }
        for (a, name) in &before {
            if was.contains_key(&a.index) {
                out.push(Change {
                    inode: a.index + 1,
                    ..file(ChangeKind::Deleted, join(from_dir, name), None, Vec::new(), a.size())
                });
            }
        }
    }
}
