//! [`Tree`]: the model plus bounded caches, answering every front end's questions by index.
//!
//! Any index is decoded by descending from the root through directory plans; plans and
//! listings of recently used directories are kept in bounded caches (moka), so memory does not
//! grow with the tree and a billion-file tree costs what is actually looked at.

use std::cell::RefCell;
use std::sync::Arc;

use moka::sync::Cache;

use super::attrs::{self, DirAttrs, FileAttrs};
use super::content::{self, ContentSpec, Reader};
use super::depth_sizes::{DepthTilts, Tilt, depth_samples, file_depths};
use super::heavy::Heavy;
use super::names;
use super::ntacl::{self, DirSecurity};
use super::plan::{DirContext, DirKind, DirPlan, DirSeed, plan_dir};
use super::recent::RecentPlans;
use super::torture::{Links, Symlink, TortureDir};
use super::workers::{OnCallerThread, Workers};
use super::{Model, Profile, ProfileError};

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
    /// The directory's own files: `entries[..files]`, in slot order.
    pub files: usize,
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
    super::rng::mix64(h)
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

    /// Where the entry of node `index` (not a hard link's extra name) sits in `entries`.
    pub fn position(&self, index: u64) -> Option<usize> {
        self.entries[..self.own].binary_search_by_key(&index, |e| e.index).ok()
    }

    /// Whether `entries[i]` is an extra name of a file (a hard link).
    pub fn is_extra_name(&self, i: usize) -> bool {
        i >= self.own
    }
}

/// An owner as Windows tools show it (see [`Tree::windows_owner`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsOwner {
    pub name: String,
    pub sid: String,
    pub manager: String,
    pub department: String,
    /// `user`, `group`, `orphan` (an account that no longer resolves), `builtin` or `service`.
    pub kind: &'static str,
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
    /// NT security of recently used folders (`[acls] windows`).
    securities: Cache<u64, Arc<DirSecurity>, IndexHasher>,
    /// Symbolic and hard links (the torture layout has them).
    links: Links,
    /// How sizes lean by depth (`sizes.by_depth`), learned from this tree's files by depth
    /// when a size is first drawn (at 10^9 files the sample takes 0.2-0.4 s).
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

/// Windows attributes other than archive, where a file has any: `HIDDEN`, `READONLY` or both.
pub const ATTRIBUTES_XATTR: &str = "user.synthfs.attributes";
/// The mark of the web, as Samba and WSL store the `Zone.Identifier` stream.
pub const ZONE_XATTR: &str = "user.Zone.Identifier";
/// The `Zone.Identifier` text Windows writes for a file from the internet.
pub const ZONE_TEXT: &str = "[ZoneTransfer]\r\nZoneId=3\r\n";

/// A node's NT security descriptor in SDDL, where the tree has them (`[acls] windows`).
pub const SDDL_XATTR: &str = "user.synthfs.sddl";
/// The SIDs of [`SDDL_XATTR`]'s DACL as they resolve: `SID<TAB>use<TAB>DOMAIN\name` lines.
pub const SDDL_SIDS_XATTR: &str = "user.synthfs.sddl_sids";

/// Names of the extended attributes every node has, in the order [`Tree::xattrs`] gives them
/// (some nodes have [`SDDL_XATTR`] and [`SDDL_SIDS_XATTR`] after them, and some files
/// [`ATTRIBUTES_XATTR`] and [`ZONE_XATTR`]).
pub const XATTRS: [&str; 5] = [
    "user.synthfs.owner",
    "user.synthfs.department",
    "user.synthfs.sid",
    "user.synthfs.created",
    "user.synthfs.manager",
];

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
            },
        ));
        let links = find_links(&model, &root);
        Ok(Tree {
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

    /// How the sizes of files at `depth` lean (see [`super::depth_sizes`]).
    pub fn size_tilt(&self, depth: u32) -> Tilt<'_> {
        let tilts = self.depth_tilts.get_or_init(|| {
            let by_depth = &self.model.profile.sizes.by_depth;
            (!by_depth.is_empty()).then(|| {
                let shares = file_depths(
                    &self.root,
                    depth_samples(self.model.files),
                    &|p: &DirPlan, k| self.child_plan(p, k),
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

    /// The links among a listing's entries, in listing order: symbolic links with their
    /// target, and extra names of files (hard links).
    pub fn listed_links<'a>(&'a self, listing: &'a Listing) -> impl Iterator<Item = (&'a Entry, ListedLink<'a>)> {
        listing.entries.iter().enumerate().skip(listing.files).filter_map(move |(i, e)| match self.symlink(e.index) {
            Some(l) => Some((e, ListedLink::Symbolic(l))),
            None => listing.is_extra_name(i).then_some((e, ListedLink::ExtraName)),
        })
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

    /// The attributes of a file, `None` if `index` is not one.
    pub fn file_attrs(&self, index: u64) -> Option<FileAttrs> {
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

    pub fn dir_attrs(&self, plan: &DirPlan) -> DirAttrs {
        attrs::dir_attrs(self, plan)
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
        for c in &plan.children {
            entries.push(Entry { index: c.index, name: c.name.clone(), kind: NodeKind::Dir });
        }
        for l in self.links.symlinks.iter().filter(|l| l.parent == plan.index) {
            entries.push(Entry { index: l.index, name: l.name.into(), kind: NodeKind::Symlink });
        }
        let own = entries.len();
        for h in self.links.hard.iter().filter(|h| h.parent == plan.index) {
            entries.push(Entry { index: h.target, name: h.name.into(), kind: NodeKind::File });
        }
        Listing { dir: plan.index, entries, files: plan.files as usize, own, by_hash: Default::default() }
    }

    /// The files of a directory in order, each with its attributes and its name (unique in
    /// the folder, as its listing has it), for walks that need no listing.
    pub fn each_file(&self, plan: &DirPlan, mut visit: impl FnMut(FileAttrs, &str)) {
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
        let parent = self.parent(index)?;
        let listing = self.listing(parent)?;
        Some(listing.entries[listing.position(index)?].name.clone())
    }

    /// The directory holding a node (the root is its own parent).
    pub fn parent(&self, index: u64) -> Option<u64> {
        Some(match self.locate(index)? {
            Location::Dir(p) => p.parent,
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

    /// A node's owner as Windows tools show it: the account (`DOMAIN\\name`), the department's
    /// group where it owns the file, the bare SID of someone who left, or the built-in
    /// administrators for the top folders; with its SID, its manager and the department (the
    /// folder's, else the owner's own).
    pub fn windows_owner(&self, owner: Option<u32>, department: Option<u16>, group_owner: bool) -> WindowsOwner {
        let accounts = self.model.accounts();
        let user = owner.and_then(|o| accounts.account(o));
        let dept = match department.and_then(|d| self.model.profile.template.departments.get(d as usize)) {
            Some(d) => d.name.clone(),
            None => user.map(|u| u.department.clone()).unwrap_or_default(),
        };
        let (name, sid, manager, kind) = match owner {
            _ if group_owner => {
                let g = accounts.department_group(department);
                (format!("{}\\{}", accounts.domain(), g.name), g.sid.clone(), String::new(), "group")
            }
            Some(o) => {
                let kind = if user.is_some() { "user" } else { "orphan" };
                (accounts.owner_name(o), accounts.sid(o), accounts.manager_name(o), kind)
            }
            None => ("BUILTIN\\Administrators".into(), "S-1-5-32-544".into(), String::new(), "builtin"),
        };
        WindowsOwner { name, sid, manager, department: dept, kind }
    }

    /// The Windows owner of a file owned by the built-in administrators or a service account,
    /// in a folder of `department`.
    pub fn special_windows_owner(&self, special: super::attrs::SpecialOwner, department: Option<u16>) -> WindowsOwner {
        let dept = department
            .and_then(|d| self.model.profile.template.departments.get(d as usize))
            .map_or_else(String::new, |d| d.name.clone());
        match special {
            super::attrs::SpecialOwner::Builtin => WindowsOwner {
                name: "BUILTIN\\Administrators".into(),
                sid: "S-1-5-32-544".into(),
                manager: String::new(),
                department: dept,
                kind: "builtin",
            },
            super::attrs::SpecialOwner::Service(k) => {
                let accounts = self.model.accounts();
                let domain_sid = accounts.domain_sid();
                let name = self.model.profile.attributes.service_accounts.get(k as usize).map_or("svc", String::as_str);
                WindowsOwner {
                    name: format!("{}\\{name}", accounts.domain()),
                    // Service accounts' RIDs sit past the people's and groups'.
                    sid: format!("{domain_sid}-{}", 9000 + u32::from(k)),
                    manager: String::new(),
                    department: dept,
                    kind: "service",
                }
            }
        }
    }

    /// The extended attributes of a node (`user.synthfs.*`): the owner's account, department,
    /// Windows-style SID and the original creation time; the NT security descriptor where the
    /// tree has them; a file's Windows attributes and mark of the web.
    pub fn xattrs(&self, index: u64) -> Option<Vec<(&'static str, String)>> {
        self.xattrs_where(index, |_| true)
    }

    /// [`Tree::xattrs`], computing the NT security descriptor only if `wanted` asks for one of
    /// its names: a `getxattr` of the owner does not format a DACL.
    pub fn xattrs_where(&self, index: u64, wanted: impl Fn(&str) -> bool) -> Option<Vec<(&'static str, String)>> {
        let location = self.locate(index)?;
        let (owner, created, department, file) = match &location {
            Location::File { parent, slot } => {
                let a = self.file_attrs_in(parent, *slot);
                (Some(a.owner), a.created, parent.ctx.department, Some(a))
            }
            Location::Dir(plan) => {
                let d = self.dir_attrs(plan);
                (d.owner, d.created, plan.ctx.department, None)
            }
            // Linux keeps `user.*` attributes off symbolic links.
            Location::Symlink(_) => return Some(Vec::new()),
        };
        let group_owner = file.as_ref().is_some_and(|a| a.group_owner);
        let w = match file.as_ref().and_then(|a| a.special_owner) {
            Some(special) => self.special_windows_owner(special, department),
            None => self.windows_owner(owner, department, group_owner),
        };
        let created = super::date::format_rfc3339(created.secs, created.nanos);
        let mut all = vec![
            (XATTRS[0], w.name),
            (XATTRS[1], w.department),
            (XATTRS[2], w.sid.clone()),
            (XATTRS[3], created),
            (XATTRS[4], w.manager),
        ];
        if ntacl::enabled(&self.model) && (wanted(SDDL_XATTR) || wanted(SDDL_SIDS_XATTR)) {
            let parent = match &location {
                Location::File { parent, .. } => parent.index,
                _ => index,
            };
            let sec = self.dir_security(parent)?;
            let r = ntacl::Resolver::new(&self.model);
            let (protected, aces) = match file {
                Some(_) => (false, ntacl::file_aces(&sec)),
                None => (sec.protected, sec.aces.clone()),
            };
            all.push((SDDL_XATTR, r.sddl(&w.sid, protected, &aces)));
            all.push((SDDL_SIDS_XATTR, r.lookups(&aces)));
        }
        if let Some(a) = file {
            let flags: Vec<&str> = [(a.hidden, "HIDDEN"), (a.readonly, "READONLY")]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
            if !flags.is_empty() {
                all.push((ATTRIBUTES_XATTR, flags.join(",")));
            }
            if a.zone {
                all.push((ZONE_XATTR, ZONE_TEXT.to_string()));
            }
        }
        Some(all)
    }

    /// The NT security of folder `index` (`None` if it is not one), from the root's down
    /// through each folder on its path (cached).
    pub fn dir_security(&self, index: u64) -> Option<Arc<DirSecurity>> {
        if let Some(s) = self.securities.get(&index) {
            return Some(s);
        }
        let mut plan = self.root.clone();
        let mut sec = self.securities.get_with(0, || Arc::new(ntacl::root_security()));
        while plan.index != index {
            if index <= plan.index + plan.files {
                return None;
            }
            let k = plan.child_containing(index)?;
            let child = &plan.children[k];
            sec = self.securities.get_with(child.index, || Arc::new(ntacl::child_security(&self.model, &sec, child)));
            plan = self.child_plan(&plan, k);
        }
        Some(sec)
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
mod tests {
    use super::*;

    fn summary(l: Option<Location>) -> Option<(u8, u64, u64)> {
        l.map(|l| match l {
            Location::Dir(p) => (0, p.index, p.files),
            Location::File { parent, slot } => (1, parent.index, slot),
            Location::Symlink(k) => (2, k as u64, 0),
        })
    }

    /// A lookup starts from the path of the thread's last one: whatever came before, every
    /// index decodes to the same place (nodes in order, scrambled, and past the end).
    #[test]
    fn locate_does_not_depend_on_the_lookups_before() {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(20_000), None);
        let (in_order, scrambled) = (Tree::new(p.clone()).unwrap(), Tree::new(p).unwrap());
        let n = in_order.node_count();
        let expected: Vec<_> = (0..n + 2).map(|i| summary(in_order.locate(i))).collect();
        assert!(expected[..n as usize].iter().all(Option::is_some) && expected[n as usize].is_none());
        for k in 0..n + 2 {
            let i = (k * 7_919) % (n + 2);
            assert_eq!(summary(scrambled.locate(i)), expected[i as usize], "index {i}");
        }
        // Another thread keeps a path of its own.
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in (0..n).rev().step_by(13) {
                    assert_eq!(summary(scrambled.locate(i)), expected[i as usize], "index {i}");
                }
            });
        });
    }

    /// The acquisition folder of a 10M-file panzura-demo tree has about 64,000 sub-folders:
    /// its plan and listing are kept (heavy), not rebuilt for each child a walk visits.
    #[test]
    fn heavy_plans_and_listings_are_kept() {
        let mut p = Profile::builtin("panzura-demo").unwrap();
        p.set_counts(Some(10_000_000), None);
        let tree = Tree::new(p).unwrap();
        let root = tree.root().clone();
        let k = root.children.iter().position(|c| c.name.starts_with("Acquired")).unwrap();
        let plan = tree.child_plan(&root, k);
        assert!(plan.children.len() as u64 >= HEAVY_PLAN, "{} sub-folders", plan.children.len());
        // Kept aside, where a full cache's admission cannot refuse it.
        assert!(tree.plans.get(&plan.index).is_none() && tree.heavy_plans.get(plan.index).is_some());
        assert!(Arc::ptr_eq(&plan, &tree.child_plan(&root, k)), "the plan is built once");
        let listing = tree.listing(plan.index).unwrap();
        assert!(tree.listings.get(&plan.index).is_none() && tree.heavy_listings.get(plan.index).is_some());
        assert!(Arc::ptr_eq(&listing, &tree.listing(plan.index).unwrap()), "the listing is built once");
        let child = tree.child_plan(&plan, plan.children.len() - 1);
        assert_eq!(tree.parent(child.index), Some(plan.index));
    }
}
