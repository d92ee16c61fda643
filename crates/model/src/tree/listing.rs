//! Directory listings: a folder's entries in their stable order with unique names, lookups by
//! name, and the names and paths of nodes.

use std::sync::Arc;

use super::{HEAVY_LISTING, Location, NodeKind, Tree};
use crate::attrs::{self, FileAttrs};
use crate::names;
use crate::plan::{DirKind, DirPlan};
use crate::torture::Symlink;

/// A link in a directory listing (see [`Tree::listed_links`]).
#[derive(Clone, Copy, Debug)]
pub enum ListedLink<'a> {
    Symbolic(&'a Symlink),
    /// Another name of a file that has its first name elsewhere in the tree.
    ExtraName,
}

/// One entry of a directory listing.
#[derive(Clone, Debug)]
pub struct Entry {
    pub index: u64,
    pub name: Box<str>,
    pub kind: NodeKind,
}

/// A directory's entries in their stable order (files, then sub-directories, then symbolic
/// links, then extra names of files that live elsewhere: hard links), with names that are
/// unique case-insensitively (the torture layout's aside), and an index for lookups by name.
#[derive(Debug)]
pub struct Listing {
    pub dir: u64,
    pub entries: Vec<Entry>,
    /// The directory's own files: `entries[..files]`, in slot order (epoch-0 files, then the
    /// ones that came later).
    pub files: usize,
    /// Its sub-directories: `entries[files..files + dirs]`.
    pub dirs: usize,
    /// Entries before the hard links: their indices are distinct and ascending.
    own: usize,
    /// (hash of name, position in `entries`), sorted: made on the first lookup by name (a
    /// walk that only lists, such as `find`, never looks a name up).
    by_hash: std::sync::OnceLock<Vec<(u64, u32)>>,
}

fn name_hash(name: &[u8]) -> u64 {
    // FNV-1a then a finaliser: fast and stable; collisions are checked against the names.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    crate::rng::mix64(h)
}

impl Listing {
    /// The entry with exactly this name.
    pub fn find(&self, name: &[u8]) -> Option<&Entry> {
        let h = name_hash(name);
        let by_hash = self.by_hash.get_or_init(|| {
            let mut by_hash: Vec<(u64, u32)> =
                self.entries.iter().enumerate().map(|(i, e)| (name_hash(e.name.as_bytes()), i as u32)).collect();
            by_hash.sort_unstable();
            by_hash
        });
        let start = by_hash.partition_point(|(x, _)| *x < h);
        by_hash[start..]
            .iter()
            .take_while(|(x, _)| *x == h)
            .map(|(_, i)| &self.entries[*i as usize])
            .find(|e| e.name.as_bytes() == name)
    }

    /// Where the entry of node `index` (not a hard link's extra name) sits in `entries`:
    /// files and the entries after them each run in ascending order.
    pub fn position(&self, index: u64) -> Option<usize> {
        let files = &self.entries[..self.files];
        if let Ok(i) = files.binary_search_by_key(&index, |e| e.index) {
            return Some(i);
        }
        let rest = &self.entries[self.files..self.own];
        rest.binary_search_by_key(&index, |e| e.index).ok().map(|i| i + self.files)
    }

    /// Whether `entries[i]` is an extra name of a file (a hard link).
    pub fn is_extra_name(&self, i: usize) -> bool {
        i >= self.own
    }
}

impl Tree {
    /// The links among a listing's entries, in listing order: symbolic links with their
    /// target, and extra names of files (hard links).
    pub fn listed_links<'a>(&'a self, listing: &'a Listing) -> impl Iterator<Item = (&'a Entry, ListedLink<'a>)> {
        listing.entries.iter().enumerate().skip(listing.files).filter_map(move |(i, e)| match self.symlink(e.index) {
            Some(l) => Some((e, ListedLink::Symbolic(l))),
            None => listing.is_extra_name(i).then_some((e, ListedLink::ExtraName)),
        })
    }

    /// A directory's entries (cached).
    pub fn listing(&self, dir: u64) -> Option<Arc<Listing>> {
        if let Some(l) = self.listings.get(&dir) {
            return Some(l);
        }
        let plan = self.plan(dir)?;
        self.listing_keeping_attrs(&plan, |_| {})
    }

    /// A directory's entries (cached), handing its files' attributes (slot order) to `keep`
    /// when this call builds the listing; when it was cached, or is heavy, `keep` is not
    /// called.
    pub fn listing_keeping_attrs(&self, plan: &DirPlan, keep: impl FnMut(FileAttrs)) -> Option<Arc<Listing>> {
        let dir = plan.index;
        let entries = plan.files + plan.children.len() as u64;
        if entries >= HEAVY_LISTING {
            if let Some(l) = self.heavy_listings.get(dir) {
                return Some(l);
            }
            // One heavy listing is built at a time: readers of the same folder wait for it
            // instead of each building a million entries.
            let _building = self.heavy_build.lock().ok()?;
            if let Some(l) = self.heavy_listings.get(dir) {
                return Some(l);
            }
            let l = Arc::new(self.build_listing(plan));
            self.heavy_listings.put(dir, l.clone(), entries + 1);
            return Some(l);
        }
        Some(self.listings.get_with(dir, || Arc::new(self.listing_keeping(plan, keep))))
    }

    /// Builds a listing without caching it.
    pub fn build_listing(&self, plan: &DirPlan) -> Listing {
        self.listing_keeping(plan, |_| {})
    }

    /// Builds a listing and keeps the attributes of its files (in slot order), which naming
    /// them needed anyway: walks that write or check every file use both.
    pub fn build_listing_and_attrs(&self, plan: &DirPlan) -> (Listing, Vec<FileAttrs>) {
        let mut all = Vec::with_capacity(plan.files as usize);
        let listing = self.listing_keeping(plan, |a| all.push(a));
        (listing, all)
    }

    /// Builds a listing, handing each file's attributes to `keep`.
    fn listing_keeping(&self, plan: &DirPlan, mut keep: impl FnMut(FileAttrs)) -> Listing {
        let mut entries = Vec::with_capacity(plan.files as usize + plan.children.len());
        self.each_file(plan, |a, name| {
            entries.push(Entry { index: a.index, name: name.into(), kind: NodeKind::File });
            keep(a);
        });
        let files = entries.len();
        for c in self.live_children(plan) {
            entries.push(Entry { index: c.index(plan), name: c.name.into(), kind: NodeKind::Dir });
        }
        let dirs = entries.len() - files;
        for l in self.links.symlinks.iter().filter(|l| l.parent == plan.index) {
            entries.push(Entry { index: l.index, name: l.name.into(), kind: NodeKind::Symlink });
        }
        let own = entries.len();
        for h in self.links.hard.iter().filter(|h| h.parent == plan.index) {
            entries.push(Entry { index: h.target, name: h.name.into(), kind: NodeKind::File });
        }
        Listing { dir: plan.index, entries, files, dirs, own, by_hash: Default::default() }
    }

    /// The files of a directory in order, each with its attributes and its name (unique in
    /// the folder, as its listing has it), for walks that need no listing.
    pub fn each_file(&self, plan: &DirPlan, mut visit: impl FnMut(FileAttrs, &str)) {
        if self.epochs().is_some() {
            return self.each_file_at_epoch(plan, &mut visit);
        }
        let mut taken = names::Taken::with_capacity(plan.files as usize + plan.children.len());
        for c in &plan.children {
            taken.insert(&c.name);
        }
        let mut name = String::with_capacity(64);
        for slot in 0..plan.files {
            let (a, original) = attrs::file_attrs_and_original(self, plan, slot);
            names::file_name(self, plan, &a, original.as_ref(), &mut name);
            // Torture names are distinct byte for byte and meant to clash otherwise.
            if !matches!(plan.ctx.kind, DirKind::Torture(_)) {
                names::make_unique(&mut name, &mut taken);
                names::hostile(self, a.index, &mut name, &mut taken);
            }
            visit(a, &name);
        }
    }

    /// Looks a name up in a directory.
    pub fn lookup(&self, dir: u64, name: &[u8]) -> Option<u64> {
        self.listing(dir)?.find(name).map(|e| e.index)
    }

    /// The name of a node (the root's is empty).
    pub fn name(&self, index: u64) -> Option<Box<str>> {
        if index == 0 {
            return Some("".into());
        }
        if let Some(Location::Dir(dir)) = self.locate(index) {
            // A folder's name is among its parent's sub-folders: the files there need no names.
            let parent = self.plan(self.folder_parent(&dir))?;
            return self.live_children(&parent).into_iter().find(|c| c.index(&parent) == index).map(|c| c.name.into());
        }
        let parent = self.parent(index)?;
        let listing = self.listing(parent)?;
        Some(listing.entries[listing.position(index)?].name.clone())
    }

    /// The directory holding a node (the root is its own parent).
    pub fn parent(&self, index: u64) -> Option<u64> {
        Some(match self.locate(index)? {
            Location::Dir(p) => self.folder_parent(&p),
            Location::File { parent, .. } => parent.index,
            Location::Symlink(k) => self.links.symlinks.get(k)?.parent,
        })
    }

    /// The path of a node relative to the root, `/`-separated.
    pub fn path(&self, index: u64) -> Option<String> {
        let mut parts = Vec::new();
        let mut at = index;
        while at != 0 {
            parts.push(self.name(at)?);
            at = self.parent(at)?;
        }
        parts.reverse();
        Some(parts.join("/"))
    }
}
