//! The entries of an archive in order: each folder, then its files, then its sub-folders, so
//! documents come in control-number order (their file ordinals).

use std::ops::ControlFlow;

use synthfs_model::plan::DirPlan;
use synthfs_model::tree::ListedLink;
use synthfs_model::{FileAttrs, Tree};

use super::EntryMeta;

/// One archive entry as the walk finds it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Path inside the archive, `/`-separated, no leading or trailing slash.
    pub path: String,
    pub meta: EntryMeta,
    pub file: Option<FileItem>,
    /// A link rather than a folder (when `file` is `None`).
    pub link: Option<LinkItem>,
}

/// A link entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkItem {
    /// A symbolic link and its target as it reads.
    Symbolic(Box<str>),
    /// Another name of a file: the path of its first name, stored earlier in the archive.
    Hard(String),
}

#[derive(Clone, Debug)]
pub struct FileItem {
    pub attrs: FileAttrs,
    /// File ordinal (from 0): the document's control number less one.
    pub ordinal: u64,
    /// Where the file name starts in `path`.
    pub name_at: usize,
}

impl Item {
    pub fn name(&self) -> &str {
        match &self.file {
            Some(f) => &self.path[f.name_at..],
            None => self.path.rsplit('/').next().unwrap_or(&self.path),
        }
    }
}

/// Calls `visit` on every entry in archive order until it breaks.
pub fn walk(tree: &Tree, visit: &mut dyn FnMut(Item) -> ControlFlow<()>) {
    let mut ordinal = 0;
    let _ = dir(tree, tree.root(), "", &mut ordinal, visit);
}

fn dir(
    tree: &Tree,
    plan: &DirPlan,
    path: &str,
    ordinal: &mut u64,
    visit: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if plan.index != 0 {
        let d = tree.dir_attrs(plan);
        let meta = meta(tree, true, d.mode, d.uid, d.gid, d.modified.secs, d.accessed.secs);
        visit(Item { path: path.to_string(), meta, file: None, link: None })?;
    }
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let (listing, attrs) = tree.build_listing_and_attrs(plan);
    for (slot, a) in attrs.into_iter().enumerate() {
        let file_path = format!("{prefix}{}", listing.entries[slot].name);
        let mut meta = meta(tree, false, a.mode, a.uid, a.gid, a.modified.secs, a.accessed.secs);
        meta.hidden = a.hidden;
        let file = FileItem { attrs: a, ordinal: *ordinal, name_at: prefix.len() };
        *ordinal += 1;
        visit(Item { path: file_path, meta, file: Some(file), link: None })?;
    }
    // Links after the folder's files, so a hard link's first name (stored in this folder or an
    // earlier one) comes before it.
    for (e, link) in tree.listed_links(&listing) {
        let (meta, link) = match link {
            ListedLink::Symbolic(l) => {
                let d = tree.dir_attrs(plan);
                (
                    meta(tree, false, 0o777, d.uid, d.gid, d.modified.secs, d.accessed.secs),
                    LinkItem::Symbolic(l.target.clone()),
                )
            }
            ListedLink::ExtraName => {
                let (Some(a), Some(first)) = (tree.file_attrs(e.index), tree.path(e.index)) else { continue };
                (meta(tree, false, a.mode, a.uid, a.gid, a.modified.secs, a.accessed.secs), LinkItem::Hard(first))
            }
        };
        visit(Item { path: format!("{prefix}{}", e.name), meta, file: None, link: Some(link) })?;
    }
    for c in tree.live_children(plan) {
        let child = tree.live_child_plan_uncached(plan, &c);
        dir(tree, &child, &format!("{prefix}{}", c.name), ordinal, visit)?;
    }
    ControlFlow::Continue(())
}

/// Header metadata with the owner's account and group names (empty when they have none).
fn meta(tree: &Tree, is_dir: bool, mode: u32, uid: u32, gid: u32, modified: i64, accessed: i64) -> EntryMeta {
    let ids = tree.model.accounts();
    let user = match uid {
        0 => "root",
        _ => ids.user_by_uid(uid).map_or("", |u| u.name.as_str()),
    };
    let group = match gid {
        0 => "root",
        _ => ids.group_by_gid(gid).map_or("", |g| g.name.as_str()),
    };
    EntryMeta { is_dir, hidden: false, mode, uid, gid, user: user.into(), group: group.into(), modified, accessed }
}
