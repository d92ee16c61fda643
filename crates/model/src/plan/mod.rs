//! Directory plans: how a directory's quota of files and sub-directories is split.
//!
//! A directory knows the size of its subtree (`files` regular files and `dirs` directories
//! below it). [`plan_dir`] decides, from a generator keyed by the directory's index alone, how
//! many files it holds itself, which sub-directories it has (their names, kinds and quotas),
//! and so the global index at which each child's subtree starts. Indices are depth-first
//! pre-order: a directory, then its own files, then each child's subtree in turn.
//!
//! This file holds the plan types and the planning of each layout; the children a
//! statistical folder gets (names, kinds, weights) are drawn in `children.rs`, and how many
//! files a folder holds in `files_per_folder.rs`.

use std::borrow::Cow;

use super::Model;
use super::layout::{self, Layout};
use super::rng::{Purpose, Rng};

mod child_names;
mod children;
mod files_per_folder;

use children::child_specs;
use files_per_folder::FolderDraw;
pub use files_per_folder::{FILES_PER_DIR_OFFSET, FilesPerDir};

/// What a directory is, which decides its children's names and its files' mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DirKind {
    Root,
    Department,
    UsersRoot,
    Home,
    ProjectsRoot,
    Project,
    Shared,
    Topic,
    Year,
    Period,
    Sub,
    /// A numbered folder of the `folders` layout.
    Batch,
    /// A folder of the scanner-torture layout.
    Torture(super::torture::TortureDir),
    /// An event's top-level folder (`[[event]]`, by position).
    Event(u8),
    /// A sub-folder of an event's folder (no sub-folders of its own).
    EventSub(u8),
}

/// What a directory passes down to its files and sub-directories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirContext {
    pub kind: DirKind,
    /// Index into the model's extension mixes.
    pub mix: u16,
    pub department: Option<u16>,
    /// The user whose home this is below.
    pub owner: Option<u32>,
    /// The year a year folder (or anything below it) is about.
    pub year: Option<i32>,
    /// Months (1..=12) a period folder covers, inclusive.
    pub months: Option<(u8, u8)>,
    /// The file-class table of the top-level folder this is in (0: the tree's).
    pub classes: u8,
}

impl DirContext {
    /// The department whose shared area this is: homes carry their user's department for
    /// ownership, but their files are not the department's (no tiers, prefixes or group owner).
    pub fn department_area(&self) -> Option<u16> {
        self.department.filter(|_| self.owner.is_none())
    }
}

/// A sub-directory as its parent plans it.
#[derive(Clone, Debug)]
pub struct ChildDir {
    /// Global index of the sub-directory itself.
    pub index: u64,
    /// Regular files in its subtree.
    pub files: u64,
    /// Directories in its subtree, itself excluded.
    pub dirs: u64,
    pub ctx: DirContext,
    /// Its name: a word of the word lists as it is (most sub-folders), made otherwise.
    pub name: Cow<'static, str>,
    /// Multiplier of its files per folder by its name's kind (`files_per_folder.kinds`).
    pub kind: f32,
}

/// Everything decided about one directory.
#[derive(Clone, Debug)]
pub struct DirPlan {
    pub index: u64,
    pub parent: u64,
    pub depth: u32,
    /// Files held directly; they take indices `index + 1 ..= index + files`.
    pub files: u64,
    /// Regular files in the subtree.
    pub subtree_files: u64,
    /// Directories in the subtree, itself excluded.
    pub subtree_dirs: u64,
    pub ctx: DirContext,
    /// Folder junk held as the first files: bit 0 Thumbs.db, 1 desktop.ini, 2 .DS_Store.
    pub junk: u8,
    pub children: Vec<ChildDir>,
}

impl DirPlan {
    /// Number of folder-junk files (they come first among the files).
    pub fn junk_count(&self) -> u64 {
        u64::from(self.junk.count_ones())
    }

    /// The child whose subtree holds `index` (which must be past this directory's files).
    pub fn child_containing(&self, index: u64) -> Option<usize> {
        let k = self.children.partition_point(|c| c.index <= index);
        let k = k.checked_sub(1)?;
        let c = &self.children[k];
        (index <= c.index + c.files + c.dirs).then_some(k)
    }

    /// The last index of this directory's subtree.
    pub fn last_index(&self) -> u64 {
        self.index + self.subtree_files + self.subtree_dirs
    }
}

/// What a parent passes to [`plan_dir`] for a child.
#[derive(Clone, Copy, Debug)]
pub struct DirSeed {
    pub index: u64,
    pub parent: u64,
    pub depth: u32,
    pub files: u64,
    pub dirs: u64,
    pub ctx: DirContext,
    /// Multiplier of its own files by its kind.
    pub kind: f32,
    /// Its name as a [`name_key`] (`None` for the root): its sub-folders' names avoid it.
    pub name_key: Option<u64>,
}

/// A folder name's key, the same for any case (FNV-1a of its lower-case bytes): what a child
/// compares with its parent's name.
pub fn name_key(name: &str) -> u64 {
    name.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3))
}

impl DirSeed {
    /// The plan of this directory: `files` of its own, `junk` bits, its children.
    fn plan(&self, files: u64, junk: u8, children: Vec<ChildDir>) -> DirPlan {
        DirPlan {
            index: self.index,
            parent: self.parent,
            depth: self.depth,
            files,
            subtree_files: self.files,
            subtree_dirs: self.dirs,
            ctx: self.ctx,
            junk,
            children,
        }
    }
}

impl ChildDir {
    pub fn seed(&self, parent: &DirPlan) -> DirSeed {
        DirSeed {
            index: self.index,
            parent: parent.index,
            depth: parent.depth + 1,
            files: self.files,
            dirs: self.dirs,
            ctx: self.ctx,
            kind: self.kind,
            name_key: Some(name_key(&self.name)),
        }
    }
}

/// Plans one directory.
pub fn plan_dir(m: &Model, s: DirSeed) -> DirPlan {
    if m.profile.template.layout == Layout::Folders {
        return plan_folders(m, s);
    }
    if m.profile.template.layout == Layout::Torture {
        return plan_torture(m, s);
    }
    if s.ctx.kind == DirKind::Root && !m.profile.events.is_empty() {
        return plan_root_with_events(m, s);
    }
    plan_statistical(m, s)
}

/// The root of a tree with events: each event's folder takes its share of the files (and
/// folders to hold them at the tree's mean), then the root is planned as without them and the
/// events' folders come after its other children.
fn plan_root_with_events(m: &Model, s: DirSeed) -> DirPlan {
    let events = &m.profile.events;
    let mean = m.files as f64 / m.dirs.max(1) as f64;
    let mut quotas = Vec::with_capacity(events.len());
    let (mut files, mut dirs) = (s.files, s.dirs);
    for e in events {
        let f = ((e.share * s.files as f64).round() as u64).min(files);
        // The event's folder and its sub-folders, leaving the rest of the tree a folder each.
        let d = ((f as f64 / mean).round() as u64).clamp(1, dirs.saturating_sub(1).max(1)).min(dirs);
        files -= f;
        dirs -= d;
        quotas.push((f, d));
    }
    let mut plan = plan_statistical(m, DirSeed { files, dirs, ..s });
    let mut next = plan.last_index() + 1;
    for (k, (e, (f, d))) in events.iter().zip(quotas).enumerate() {
        if d == 0 {
            continue;
        }
        let ctx = DirContext {
            kind: DirKind::Event(k as u8),
            mix: m.mix_index("shared"),
            // The owning group: a department's, or the everyone group (no department).
            department: m.profile.template.departments.iter().position(|d| d.name == e.owner).map(|d| d as u16),
            owner: None,
            year: Some(e.year),
            months: None,
            classes: m.classes.as_ref().map_or(0, |t| t.folder(&e.name)),
        };
        plan.children.push(ChildDir {
            index: next,
            files: f,
            dirs: d - 1,
            ctx,
            name: e.name.clone().into(),
            kind: 1.0,
        });
        next += d + f;
    }
    plan.subtree_files = s.files;
    plan.subtree_dirs = s.dirs;
    plan
}

/// An event's folder: sub-folders named as an acquired share's, holding its files; the
/// folder itself keeps a few loose ones.
fn plan_event(m: &Model, s: DirSeed, k: u8) -> DirPlan {
    const NAMES: [&str; 16] = [
        "Finance",
        "Sales",
        "Operations",
        "Engineering",
        "HR",
        "Legal",
        "Marketing",
        "IT",
        "Shared",
        "Projects",
        "Archive",
        "Scans",
        "Contracts",
        "Customers",
        "Reports",
        "Old Server",
    ];
    let mut rng = Rng::new(m.seed, s.index, Purpose::Plan);
    let n = s.dirs as usize;
    let own = if n == 0 { s.files } else { s.files.min(rng.range(0, 20)) };
    let weights: Vec<f64> = (0..n).map(|_| rng.lognormal(0.0, 0.6)).collect();
    let shares = split(s.files - own, &weights);
    let mut next = s.index + 1 + own;
    let children = shares
        .into_iter()
        .enumerate()
        .map(|(i, files)| {
            let name = match NAMES.get(i) {
                Some(n) => (*n).to_string(),
                None => format!("Share {:03}", i + 1),
            };
            let ctx = DirContext { kind: DirKind::EventSub(k), ..s.ctx };
            let c = ChildDir { index: next, files, dirs: 0, ctx, name: name.into(), kind: 1.0 };
            next += 1 + files;
            c
        })
        .collect();
    s.plan(own, 0, children)
}

/// A folder of the statistical layouts: its own files, its children and their quotas.
fn plan_statistical(m: &Model, s: DirSeed) -> DirPlan {
    match s.ctx.kind {
        DirKind::Event(k) => return plan_event(m, s, k),
        DirKind::EventSub(_) => return s.plan(s.files, 0, Vec::new()),
        _ => {}
    }
    let mut rng = Rng::new(m.seed, s.index, Purpose::Plan);
    let mut subtrees = None;
    let mut specs = child_specs(m, &s, &mut rng, &mut subtrees);
    if let (DirKind::Root, Some(t)) = (s.ctx.kind, &m.classes) {
        for spec in &mut specs {
            spec.ctx.classes = t.folder(&spec.name);
        }
    }
    specs.truncate(s.dirs.min(specs.len() as u64) as usize);
    let n = specs.len() as u64;
    let own_density = match s.ctx.kind {
        DirKind::Root => 0.0,
        DirKind::UsersRoot | DirKind::ProjectsRoot => 0.0,
        DirKind::Department | DirKind::Home | DirKind::Project => 0.3,
        _ => 1.0,
    };
    // Files held directly; statistical folders draw them from the profile's law, made when
    // first drawn from (a folder without sub-folders draws nothing).
    let mean = s.files as f64 / (s.dirs + 1) as f64;
    let law = std::cell::OnceCell::new();
    let law = || {
        *law.get_or_init(|| FolderDraw::new(&m.profile.files_per_folder, mean, m.files as f64 / m.dirs.max(1) as f64))
    };
    let own = if n == 0 {
        s.files
    } else if s.ctx.kind == DirKind::Root {
        let t = &m.profile.template;
        let share = (t.loose_root_share * m.files as f64).round() as u64;
        s.files.min(u64::from(t.loose_root_files) + share)
    } else if own_density < 1.0 {
        let x = mean * own_density * f64::from(s.kind) * rng.lognormal(-0.18, 0.6);
        (x.round() as u64).min(s.files)
    } else {
        law().sample(rng.unit(), f64::from(s.kind)).min(s.files)
    };
    // Directories: drawn by attachment, or each child takes one and the rest is shared by
    // weight.
    let child_dirs = match subtrees {
        Some(subtrees) if subtrees.len() == specs.len() => subtrees.into_iter().map(|m| m - 1).collect(),
        _ => split(s.dirs - n, &specs.iter().map(|c| c.weight.value()).collect::<Vec<f64>>()),
    };
    // Files: a folder without sub-folders draws its count from the same law; subtrees share
    // what is left by their folders' worth. When there is no subtree to take the rest (or the
    // draws overshoot), every child shares by weight instead.
    let draws: Vec<Option<u64>> = specs
        .iter()
        .zip(&child_dirs)
        .map(|(c, &d)| (d == 0 && c.density >= 1.0).then(|| law().sample(rng.unit(), c.kind)))
        .collect();
    let subtree_weights: Vec<f64> = specs
        .iter()
        .zip(&child_dirs)
        .zip(&draws)
        .map(|((c, &d), draw)| match draw {
            Some(_) => 0.0,
            None => (d + 1) as f64 * mean * c.density * c.kind * rng.lognormal(-0.08, 0.4),
        })
        .collect();
    let mut own = own;
    let kinds_differ = specs.iter().any(|c| c.kind != f64::from(s.kind));
    let remaining = s.files - own;
    let drawn: u64 = draws.iter().flatten().sum();
    let child_files = if subtree_weights.iter().any(|w| *w > 0.0) && drawn <= remaining {
        let rest = split(remaining - drawn, &subtree_weights);
        rest.iter().zip(&draws).map(|(r, d)| r + d.unwrap_or(0)).collect()
    } else if kinds_differ && own_density >= 1.0 && s.ctx.kind != DirKind::Root {
        // Nothing below to take the rest, and folder kinds in play: the folder and its
        // children share every file by their draws (and worth), so a kind still shows against
        // its parent (an only child would otherwise take everything whatever its kind).
        let weights: Vec<f64> = std::iter::once(own as f64 + 1e-6)
            .chain(draws.iter().zip(&subtree_weights).map(|(d, w)| d.map_or(*w, |k| k as f64 + 1e-6)))
            .collect();
        let mut parts = split(s.files, &weights);
        own = parts.remove(0);
        parts
    } else {
        let weights: Vec<f64> =
            draws.iter().zip(&subtree_weights).map(|(d, w)| d.map_or(*w, |k| k as f64 + 1e-6)).collect();
        split(remaining, &weights)
    };
    let mut junk = 0u8;
    if own > 0 && rng.chance(m.profile.clutter.folder_junk_rate) {
        junk = match rng.below(10) {
            0..=4 => 1,
            5..=7 => 2,
            8 => 4,
            _ => 3,
        };
        while u64::from(junk.count_ones()) > own {
            junk &= junk - 1;
        }
    }
    let mut next = s.index + 1 + own;
    let children = specs
        .into_iter()
        .zip(child_dirs.into_iter().zip(child_files))
        .map(|(spec, (dirs, files))| {
            let c = ChildDir { index: next, files, dirs, ctx: spec.ctx, name: spec.name, kind: spec.kind as f32 };
            next += 1 + files + dirs;
            c
        })
        .collect();
    s.plan(own, junk, children)
}

/// The `folders` layout: the root holds the numbered folders, each folder its files.
fn plan_folders(m: &Model, s: DirSeed) -> DirPlan {
    let t = &m.profile.template;
    let mut children = Vec::new();
    if s.ctx.kind == DirKind::Root && s.dirs > 0 {
        let counts = layout::folder_counts(s.files, s.dirs, t.distribution);
        let ctx = DirContext { kind: DirKind::Batch, mix: m.mix_index("default"), ..s.ctx };
        let mut next = s.index + 1;
        for (k, files) in counts.into_iter().enumerate() {
            let name = layout::folder_name(&t.folder_prefix, k as u64 + 1, s.dirs);
            children.push(ChildDir { index: next, files, dirs: 0, ctx, name: name.into(), kind: 1.0 });
            next += 1 + files;
        }
    }
    let files = if children.is_empty() { s.files } else { 0 };
    s.plan(files, 0, children)
}

/// The `torture` layout: a fixed frame (see [`super::torture`]) whose `huge/` folder takes
/// every file the frame does not place.
fn plan_torture(m: &Model, s: DirSeed) -> DirPlan {
    use super::torture::{self as t, TortureDir as T};
    let tp = &m.profile.torture;
    let levels = tp.deep_levels as u16;
    let names = t::names(tp.control_chars).len() as u64;
    // (name, kind, subtree files, subtree folders below it)
    let (own, specs): (u64, Vec<(String, T, u64, u64)>) = match s.ctx.kind {
        DirKind::Root => {
            let deep = u64::from(levels);
            let meta = t::METADATA.len() as u64 + 2;
            let linked = t::LINKED_FILES.len() as u64;
            let huge = s.files.saturating_sub(tp.fixed_files());
            (
                0,
                vec![
                    ("names".into(), T::Names, names, t::NAMED_DIRS.len() as u64),
                    ("deep".into(), T::Deep(0), deep, deep),
                    ("metadata".into(), T::Metadata, meta, 2),
                    ("links".into(), T::Links, linked, 1),
                    ("huge".into(), T::Huge, huge, 0),
                ],
            )
        }
        DirKind::Torture(T::Names) => {
            (names, t::NAMED_DIRS.iter().map(|n| (n.to_string(), T::NamedDir, 0, 0)).collect())
        }
        DirKind::Torture(T::Deep(k)) => {
            let own = u64::from(k > 0);
            let below = if k < levels {
                vec![(t::deep_name(k + 1), T::Deep(k + 1), s.files - own, s.dirs.saturating_sub(1))]
            } else {
                Vec::new()
            };
            (own, below)
        }
        DirKind::Torture(T::Metadata) => {
            (t::METADATA.len() as u64, vec![("locked".into(), T::Locked, 1, 0), ("setgid".into(), T::Setgid, 1, 0)])
        }
        DirKind::Torture(T::Links) => (t::LINKED_FILES.len() as u64, vec![("elsewhere".into(), T::Elsewhere, 0, 0)]),
        DirKind::Torture(T::Elsewhere) => (0, Vec::new()),
        _ => (s.files, Vec::new()),
    };
    let mut next = s.index + 1 + own;
    let children = specs
        .into_iter()
        .map(|(name, kind, files, dirs)| {
            let ctx = DirContext { kind: DirKind::Torture(kind), ..s.ctx };
            let c = ChildDir { index: next, files, dirs, ctx, name: name.into(), kind: 1.0 };
            next += 1 + files + dirs;
            c
        })
        .collect();
    s.plan(own, 0, children)
}

/// Splits `total` into integer parts proportional to `weights`, exactly (the parts sum to
/// `total`). Non-positive weights get nothing unless all are, then all share equally.
pub fn split(total: u64, weights: &[f64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let positive = weights.iter().any(|w| *w > 0.0);
    let scaled: Vec<u128> =
        weights.iter().map(|&w| if positive { if w > 0.0 { (w * 1e9) as u128 + 1 } else { 0 } } else { 1 }).collect();
    let sum: u128 = scaled.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let mut acc = 0u128;
    let mut given = 0u64;
    for w in scaled {
        acc += w;
        let upto = (u128::from(total) * acc / sum) as u64;
        out.push(upto - given);
        given = upto;
    }
    out
}

#[cfg(test)]
mod tests;
