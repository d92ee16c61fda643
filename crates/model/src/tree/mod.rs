//! [`Tree`]: the model plus bounded caches, answering every front end's questions by index.
//!
//! Any index is decoded by descending from the root through directory plans; plans and
//! listings of recently used directories are kept in bounded caches (moka), so memory does not
//! grow with the tree and a billion-file tree costs what is actually looked at.
//!
//! This file holds the [`Tree`], its caches and the descent that decodes an index; listings
//! and names are in `listing.rs`, what a node shows Windows tools (owner, extended
//! attributes, NT security) in `xattrs.rs`.

use std::cell::RefCell;
use std::sync::Arc;

use moka::sync::Cache;

use super::attrs::{self, DirAttrs, FileAttrs};
use super::content::{self, ContentSpec, Reader};
use super::depth_sizes::{DepthTilts, Tilt, depth_samples, file_depths};
use super::heavy::Heavy;
use super::ntacl::DirSecurity;
use super::plan::{DirContext, DirKind, DirPlan, DirSeed, plan_dir};
use super::recent::RecentPlans;
use super::torture::{Links, Symlink, TortureDir};
use super::workers::{OnCallerThread, Workers};
use super::{Model, Profile, ProfileError};

mod epoch;
mod listing;
mod moves;
mod windows_xattrs;
mod xattrs;

pub use listing::{Entry, ListedLink, Listing};
pub use moves::{Around, FolderMove, LiveChild, Moves};
pub use xattrs::{ATTRIBUTES_XATTR, SDDL_SIDS_XATTR, SDDL_XATTR, WindowsOwner, XATTRS, ZONE_TEXT, ZONE_XATTR};

/// Where an index lives.
#[derive(Clone, Debug)]
pub enum Location {
    /// A directory: its own plan.
    Dir(Arc<DirPlan>),
    /// A file: its directory's plan and its slot among that directory's files.
    File { parent: Arc<DirPlan>, slot: u64 },
    /// A symbolic link: its position in [`Links::symlinks`].
    Symlink(usize),
}

/// Whether a node is a file or a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    File,
    Dir,
    Symlink,
}

/// The model with its caches.
pub struct Tree {
    pub model: Model,
    root: Arc<DirPlan>,
    plans: Cache<u64, Arc<DirPlan>, IndexHasher>,
    listings: Cache<u64, Arc<Listing>, IndexHasher>,
    /// Plans and listings too heavy for the caches' admission (see [`super::heavy`]).
    heavy_plans: Heavy<DirPlan>,
    heavy_listings: Heavy<Listing>,
    heavy_build: std::sync::Mutex<()>,
    crcs: Cache<ContentSpec, u32, IndexHasher>,
    /// The folder moves below recently used folders, where there were any (see `moves.rs`).
    moves: moves::MovesCache,
    /// NT security of recently used folders (`[acls] windows`).
    securities: Cache<u64, Arc<DirSecurity>, IndexHasher>,
    /// Symbolic and hard links (the torture layout has them).
    links: Links,
    /// How sizes lean by depth (`sizes.by_depth`), learned from this tree's files by depth
    /// when a size is first drawn (see [`Tree::size_tilt`]).
    depth_tilts: std::sync::OnceLock<Option<DepthTilts>>,
    /// The threads the front end lends for the depth survey (none unless given).
    workers: Arc<dyn Workers>,
    /// Per thread, the plans from the root down to the folder of its last [`Tree::locate`]:
    /// most lookups land near the last one (a folder's files one after the other, a copy's
    /// original a few files back), so a descent starts from the deepest of them that holds
    /// the index instead of going through the caches from the root.
    recent: thread_local::ThreadLocal<RefCell<Vec<Arc<DirPlan>>>>,
    /// The last plans made or found, walks' included (see [`super::recent`]).
    recent_plans: RecentPlans,
    /// The tree's epoch and the rates of change (see [`super::epoch`]).
    epochs: super::epoch::Epochs,
}

/// A fast hasher for cache keys that are (mostly) node indices: keys are not attacker-chosen,
/// so SipHash's protection buys nothing and costs a good share of a lookup.
#[derive(Clone, Copy, Default)]
pub struct IndexHasher;

/// The state of [`IndexHasher`].
#[derive(Default)]
pub struct IndexHash(u64);

impl std::hash::BuildHasher for IndexHasher {
    type Hasher = IndexHash;
    fn build_hasher(&self) -> IndexHash {
        IndexHash(0)
    }
}

impl std::hash::Hasher for IndexHash {
    fn finish(&self) -> u64 {
        super::rng::mix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = super::rng::mix64(self.0 ^ x);
    }
}

/// Cache caps, in entries (a plan weighs one per child, a listing one per entry).
const PLAN_CACHE_WEIGHT: u64 = 400_000;
const LISTING_CACHE_WEIGHT: u64 = 800_000;
/// Plans with this many sub-folders, and listings with this many entries, or more: heavy.
const HEAVY_PLAN: u64 = PLAN_CACHE_WEIGHT / 64;
const HEAVY_LISTING: u64 = LISTING_CACHE_WEIGHT / 64;
const CRC_CACHE_ENTRIES: u64 = 10_000;
const SECURITY_CACHE_ENTRIES: u64 = 20_000;

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree").field("files", &self.model.files).field("dirs", &self.model.dirs).finish()
    }
}

impl Tree {
    /// The tree of a profile with synthetic owners.
    pub fn new(profile: Profile) -> Result<Tree, ProfileError> {
        Tree::with_roster(profile, None)
    }

    /// The tree of a profile whose owners are `roster`'s accounts (synthetic when `None`).
    pub fn with_roster(profile: Profile, roster: Option<Arc<super::accounts::Roster>>) -> Result<Tree, ProfileError> {
        let model = Model::new(profile, roster)?;
        if model.profile.epoch > 0 && model.files + model.dirs > super::epoch::MAX_FOLDER_INDEX {
            return Err(ProfileError::Invalid {
                key: "epoch".into(),
                message: format!(
                    "epochs past 0 need a tree of at most {} files and folders",
                    super::epoch::MAX_FOLDER_INDEX
                ),
            });
        }
        let epochs = super::epoch::Epochs::new(
            &model.profile.churn,
            model.seed,
            model.profile.epoch,
            model.range.1,
            model.files,
            model.dirs,
        );
        let root_ctx = DirContext {
            kind: DirKind::Root,
            mix: model.mix_index("default"),
            department: None,
            owner: None,
            year: None,
            months: None,
            classes: 0,
        };
        let root = Arc::new(plan_dir(
            &model,
            DirSeed {
                index: 0,
                parent: 0,
                depth: 0,
                files: model.files,
                dirs: model.dirs - 1,
                ctx: root_ctx,
                kind: 1.0,
                name_key: None,
            },
        ));
        let links = find_links(&model, &root);
        Ok(Tree {
            epochs,
            model,
            root,
            links,
            depth_tilts: std::sync::OnceLock::new(),
            workers: Arc::new(OnCallerThread),
            recent: thread_local::ThreadLocal::new(),
            recent_plans: RecentPlans::default(),
            plans: Cache::builder()
                .max_capacity(PLAN_CACHE_WEIGHT)
                .weigher(|_, p: &Arc<DirPlan>| 1 + p.children.len() as u32)
                .build_with_hasher(IndexHasher),
            listings: Cache::builder()
                .max_capacity(LISTING_CACHE_WEIGHT)
                .weigher(|_, l: &Arc<Listing>| 1 + l.entries.len() as u32)
                .build_with_hasher(IndexHasher),
            crcs: Cache::builder().max_capacity(CRC_CACHE_ENTRIES).build_with_hasher(IndexHasher),
            securities: Cache::builder().max_capacity(SECURITY_CACHE_ENTRIES).build_with_hasher(IndexHasher),
            moves: moves::MovesCache::new(),
            heavy_plans: Heavy::new(PLAN_CACHE_WEIGHT),
            heavy_listings: Heavy::new(LISTING_CACHE_WEIGHT),
            heavy_build: std::sync::Mutex::new(()),
        })
    }

    /// Lends the tree threads for its one parallel computation (see [`super::workers`]); the
    /// answers are the same with any threads or none.
    pub fn with_workers(mut self, workers: Arc<dyn Workers>) -> Tree {
        self.workers = workers;
        self
    }

    /// How the sizes of files at `depth` lean (see [`super::depth_sizes`]). The first call
    /// surveys the tree's files by depth (a walk of the plans of a small tree, of the paths to
    /// a sample of files in a large one: 12 to 55 ms of CPU from 10^5 to 10^9 files, shared
    /// by the tree's [`Workers`]), and every file's size and type waits for it, so the root's
    /// first listing does too.
    pub fn size_tilt(&self, depth: u32) -> Tilt<'_> {
        let tilts = self.depth_tilts.get_or_init(|| {
            let by_depth = &self.model.profile.sizes.by_depth;
            (!by_depth.is_empty()).then(|| {
                // The sampled files' paths are planned once each, kept out of the plan cache
                // (whose upkeep costs more than a plan). A survey of every file (a small tree)
                // keeps its plans among the recent ones, where the walk that mostly follows
                // finds them again; a sampled one keeps only the top two levels (what the
                // first listings ask for next): the rest, thousands of plans never asked for
                // again, would only grow the heap (with them kept, a 10^7-file mount's first
                // listing took 42 ms; without, 33 ms).
                let samples = depth_samples(self.model.files);
                let every_file = samples >= self.model.files;
                let shares = file_depths(
                    &self.root,
                    samples,
                    &|p: &DirPlan, k| {
                        if every_file || p.depth < 2 {
                            self.child_plan_uncached(p, k)
                        } else {
                            Arc::new(plan_dir(&self.model, p.children[k].seed(p)))
                        }
                    },
                    &*self.workers,
                );
                DepthTilts::new(by_depth, self.model.law.log_spread(), &shares)
            })
        });
        tilts.as_ref().map_or(Tilt::NONE, |t| t.at(depth))
    }

    pub fn file_count(&self) -> u64 {
        self.model.files
    }

    pub fn dir_count(&self) -> u64 {
        self.model.dirs
    }

    /// Files, directories and symbolic links: indices run from 0 to `node_count() - 1`
    /// (files and directories first, symbolic links after them).
    pub fn node_count(&self) -> u64 {
        self.model.files + self.model.dirs + self.links.symlinks.len() as u64
    }

    /// The tree's symbolic and hard links.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// How many names a file has (`st_nlink`).
    pub fn nlink(&self, file: u64) -> u32 {
        if self.links.hard.is_empty() { 1 } else { self.links.nlink(file) }
    }

    /// The symbolic link with this index.
    pub fn symlink(&self, index: u64) -> Option<&Symlink> {
        self.links.symlink(index)
    }

    pub fn root(&self) -> &Arc<DirPlan> {
        &self.root
    }

    /// The plan of the `k`th sub-directory of `parent` (cached).
    pub fn child_plan(&self, parent: &DirPlan, k: usize) -> Arc<DirPlan> {
        let c = &parent.children[k];
        if let Some(p) = self.recent_plans.get(c.index) {
            return p;
        }
        if let Some(p) = self.plans.get(&c.index).or_else(|| self.heavy_plans.get(c.index)) {
            self.remember(&p);
            return p;
        }
        let p = Arc::new(plan_dir(&self.model, c.seed(parent)));
        let weight = 1 + p.children.len() as u64;
        if weight >= HEAVY_PLAN {
            self.heavy_plans.put(c.index, p.clone(), weight);
        } else {
            self.plans.insert(c.index, p.clone());
        }
        self.remember(&p);
        p
    }

    /// The plan of the `k`th sub-directory of `parent`, for walks that visit each directory
    /// once: kept out of the cache, only among the recent plans (where a copy's lookup of its
    /// original a few folders back finds it).
    pub fn child_plan_uncached(&self, parent: &DirPlan, k: usize) -> Arc<DirPlan> {
        let c = &parent.children[k];
        if let Some(p) = self.recent_plans.get(c.index) {
            return p;
        }
        let p = Arc::new(plan_dir(&self.model, c.seed(parent)));
        self.remember(&p);
        p
    }

    /// Keeps a plan among the recent ones, unless it is heavy (its own cache keeps it).
    fn remember(&self, plan: &Arc<DirPlan>) {
        if (plan.children.len() as u64) < HEAVY_PLAN {
            self.recent_plans.put(plan);
        }
    }

    /// Decodes an index by descending from the root: O(depth x log fan-out), less the part of
    /// the path it shares with this thread's last lookup.
    pub fn locate(&self, index: u64) -> Option<Location> {
        if super::epoch::is_added(index) {
            // A file that came after epoch 0: its id names its folder.
            if self.epochs.now == 0 {
                return None;
            }
            let (folder, _, _) = super::epoch::unpack(index);
            return Some(Location::File { parent: self.plan(folder)?, slot: index });
        }
        if index >= self.node_count() {
            return None;
        }
        if index >= self.model.files + self.model.dirs {
            return Some(Location::Symlink((index - self.model.files - self.model.dirs) as usize));
        }
        let cell = self.recent.get_or_default();
        // Taken out for the descent, so a lookup made while planning finds it empty (and
        // starts from the root) instead of borrowing it twice.
        let mut path = std::mem::take(&mut *cell.borrow_mut());
        while path.last().is_some_and(|p| index < p.index || index > p.last_index()) {
            path.pop();
        }
        if path.is_empty() {
            path.push(self.root.clone());
        }
        let found = loop {
            let Some(plan) = path.last() else { break None };
            if index == plan.index {
                break Some(Location::Dir(plan.clone()));
            }
            if index <= plan.index + plan.files {
                let slot = index - plan.index - 1;
                break Some(Location::File { parent: plan.clone(), slot });
            }
            let Some(k) = plan.child_containing(index) else { break None };
            let child = self.child_plan(plan, k);
            path.push(child);
        };
        *cell.borrow_mut() = path;
        found
    }

    /// The plan of a directory, `None` if `index` is not one.
    pub fn plan(&self, index: u64) -> Option<Arc<DirPlan>> {
        match self.locate(index)? {
            Location::Dir(p) => Some(p),
            Location::File { .. } | Location::Symlink(_) => None,
        }
    }

    pub fn kind(&self, index: u64) -> Option<NodeKind> {
        Some(match self.locate(index)? {
            Location::Dir(_) => NodeKind::Dir,
            Location::File { .. } => NodeKind::File,
            Location::Symlink(_) => NodeKind::Symlink,
        })
    }

    /// The attributes of a file, `None` if `index` is not one (past epoch 0: not one then).
    pub fn file_attrs(&self, index: u64) -> Option<FileAttrs> {
        if self.epochs().is_some() && !self.exists(index) {
            return None;
        }
        match self.locate(index)? {
            Location::File { parent, slot } => Some(attrs::file_attrs(self, &parent, slot)),
            Location::Dir(_) | Location::Symlink(_) => None,
        }
    }

    /// The attributes of file `slot` of a directory whose plan the caller holds.
    pub fn file_attrs_in(&self, plan: &DirPlan, slot: u64) -> FileAttrs {
        attrs::file_attrs(self, plan, slot)
    }

    /// A file's timestamp class, by the rule a scanner applies (see [`super::classes`]).
    pub fn file_class(&self, a: &FileAttrs) -> super::classes::FileClass {
        super::classes::classify(a.created.secs, a.modified.secs, a.accessed.secs, self.model.range.1)
    }

    /// The name of the `[[event]]` a folder belongs to, or "".
    pub fn event_of(&self, ctx: &super::plan::DirContext) -> &str {
        match ctx.kind {
            DirKind::Event(k) | DirKind::EventSub(k) => {
                self.model.profile.events.get(usize::from(k)).map_or("", |e| e.name.as_str())
            }
            _ => "",
        }
    }

    /// A folder's attributes at the tree's epoch.
    pub fn dir_attrs(&self, plan: &DirPlan) -> DirAttrs {
        let d = attrs::dir_attrs(self, plan);
        match self.epochs() {
            Some(ep) => self.dir_attrs_at_epoch(ep, plan, d),
            None => d,
        }
    }

    /// The CRC of a file's body (cached; only ZIP-framed files ask for it).
    pub fn body_crc(&self, spec: &ContentSpec) -> u32 {
        self.crcs.get_with(*spec, || content::body_crc(spec))
    }

    /// Reads a file's bytes at `offset`; returns how many were read.
    pub fn read_content(&self, spec: &ContentSpec, offset: u64, buf: &mut [u8]) -> usize {
        Reader::new(spec).read_at(offset, buf, &|s| self.body_crc(s))
    }

    /// Reads file `index` at `offset`; `None` if it is not a file.
    pub fn read_at(&self, index: u64, offset: u64, buf: &mut [u8]) -> Option<usize> {
        let a = self.file_attrs(index)?;
        Some(self.read_content(&a.content, offset, buf))
    }
}

/// The links of a torture tree (none for other layouts): the folders that hold them are found
/// under the root, and symbolic links take the indices after every file and folder.
fn find_links(model: &Model, root: &DirPlan) -> Links {
    if model.profile.template.layout != super::layout::Layout::Torture {
        return Links::default();
    }
    let is = |c: &&super::plan::ChildDir, d: TortureDir| c.ctx.kind == DirKind::Torture(d);
    let Some(links) = root.children.iter().find(|c| is(c, TortureDir::Links)) else { return Links::default() };
    let plan = plan_dir(model, links.seed(root));
    let Some(elsewhere) = plan.children.iter().find(|c| is(c, TortureDir::Elsewhere)) else {
        return Links::default();
    };
    Links::new(&model.profile.torture, plan.index, elsewhere.index, model.files + model.dirs)
}

#[cfg(test)]
mod tests;
