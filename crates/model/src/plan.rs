//! Directory plans: how a directory's quota of files and sub-directories is split.
//!
//! A directory knows the size of its subtree (`files` regular files and `dirs` directories
//! below it). [`plan_dir`] decides, from a generator keyed by the directory's index alone, how
//! many files it holds itself, which sub-directories it has (their names, kinds and quotas),
//! and so the global index at which each child's subtree starts. Indices are depth-first
//! pre-order: a directory, then its own files, then each child's subtree in turn.

use super::Model;
use super::layout::{self, Layout};
use super::profile::FolderLaw;
use super::rng::{Purpose, Rng};
use super::words;

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
    pub name: Box<str>,
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
        }
    }
}

/// A child before its quota is known.
struct Spec {
    name: String,
    ctx: DirContext,
    /// Relative share of the directories.
    weight: f64,
    /// Relative density of files per directory.
    density: f64,
    /// Multiplier by the name's kind.
    kind: f64,
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
        let f = (libm::round(e.share * s.files as f64) as u64).min(files);
        // The event's folder and its sub-folders, leaving the rest of the tree a folder each.
        let d = (libm::round(f as f64 / mean) as u64).clamp(1, dirs.saturating_sub(1).max(1)).min(dirs);
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
    // Files held directly; statistical folders draw them from the profile's law.
    let mean = s.files as f64 / (s.dirs + 1) as f64;
    let law = FolderDraw::new(&m.profile.files_per_folder, mean, m.files as f64 / m.dirs.max(1) as f64);
    let own = if n == 0 {
        s.files
    } else if s.ctx.kind == DirKind::Root {
        let t = &m.profile.template;
        let share = libm::round(t.loose_root_share * m.files as f64) as u64;
        s.files.min(u64::from(t.loose_root_files) + share)
    } else if own_density < 1.0 {
        let x = mean * own_density * f64::from(s.kind) * rng.lognormal(-0.18, 0.6);
        (libm::round(x) as u64).min(s.files)
    } else {
        law.sample(rng.unit(), f64::from(s.kind)).min(s.files)
    };
    // Directories: drawn by attachment, or each child takes one and the rest is shared by
    // weight.
    let child_dirs = match subtrees {
        Some(subtrees) if subtrees.len() == specs.len() => subtrees.into_iter().map(|m| m - 1).collect(),
        _ => split(s.dirs - n, &specs.iter().map(|c| c.weight).collect::<Vec<f64>>()),
    };
    // Files: a folder without sub-folders draws its count from the same law; subtrees share
    // what is left by their folders' worth. When there is no subtree to take the rest (or the
    // draws overshoot), every child shares by weight instead.
    let draws: Vec<Option<u64>> = specs
        .iter()
        .zip(&child_dirs)
        .map(|(c, &d)| (d == 0 && c.density >= 1.0).then(|| law.sample(rng.unit(), c.kind)))
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
            let c = ChildDir {
                index: next,
                files,
                dirs,
                ctx: spec.ctx,
                name: spec.name.into_boxed_str(),
                kind: spec.kind as f32,
            };
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
            children.push(ChildDir { index: next, files, dirs: 0, ctx, name: name.into_boxed_str(), kind: 1.0 });
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
            let c = ChildDir { index: next, files, dirs, ctx, name: name.into_boxed_str(), kind: 1.0 };
            next += 1 + files + dirs;
            c
        })
        .collect();
    s.plan(own, 0, children)
}

/// The offset of Impressions' files-per-directory law: P(k files) is proportional to
/// 1 / (k + 2.36)^2 (Agrawal et al., FAST 2009), truncated so that its mean is the folder's.
pub const FILES_PER_DIR_OFFSET: f64 = 2.36;

/// Impressions' files-per-directory law truncated at `cap` so that its mean is a folder's.
#[derive(Clone, Copy, Debug)]
pub struct FilesPerDir {
    cap: f64,
}

impl FilesPerDir {
    /// The law with mean `mean` (the cap found by bisection on the continuous law's
    /// closed-form mean; means beyond about 65 files need caps past 10^12 and stop there).
    pub fn new(mean: f64) -> FilesPerDir {
        let a = FILES_PER_DIR_OFFSET;
        let mean_of = |k: f64| {
            let c = 1.0 / (1.0 / a - 1.0 / (k + a));
            c * (libm::log((k + a) / a) + a / (k + a) - 1.0)
        };
        // 30 halvings of the log range leave K within 1e-7 of itself: plenty.
        let (mut lo, mut hi) = (1e-6f64, 1e12f64);
        for _ in 0..30 {
            let mid = libm::sqrt(lo * hi);
            if mean_of(mid) < mean {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        FilesPerDir { cap: hi }
    }

    /// The count at quantile `u`.
    pub fn sample(self, u: f64) -> f64 {
        let a = FILES_PER_DIR_OFFSET;
        let x = 1.0 / (1.0 / a - u * (1.0 / a - 1.0 / (self.cap + a))) - a;
        libm::floor(x.max(0.0) + 0.5)
    }

    /// The share of folders with at most `k` files.
    pub fn cdf(self, k: f64) -> f64 {
        let a = FILES_PER_DIR_OFFSET;
        let x = (k + 0.5).clamp(0.0, self.cap);
        (1.0 / a - 1.0 / (x + a)) / (1.0 / a - 1.0 / (self.cap + a))
    }
}

/// A folder's count of files: the profile's law at a subtree's mean, times the folder's kind,
/// clamped to the profile's bounds.
#[derive(Clone, Copy, Debug)]
struct FolderDraw {
    law: Law,
    min: f64,
    max: f64,
}

#[derive(Clone, Copy, Debug)]
enum Law {
    Impressions(FilesPerDir),
    Normal { mean: f64, std: f64 },
}

impl FolderDraw {
    /// The law at `mean` files per folder; a normal law's spread scales with `mean / overall`.
    fn new(f: &super::profile::FilesPerFolder, mean: f64, overall: f64) -> FolderDraw {
        let law = match f.law {
            FolderLaw::Impressions => Law::Impressions(FilesPerDir::new(mean)),
            FolderLaw::Normal => Law::Normal { mean, std: f.std * mean / overall.max(1e-9) },
        };
        FolderDraw { law, min: f.min.map_or(0.0, |v| v as f64), max: f.max.map_or(f64::INFINITY, |v| v as f64) }
    }

    /// The count at quantile `u` for a folder of kind multiplier `kind`.
    fn sample(&self, u: f64, kind: f64) -> u64 {
        let x = match self.law {
            Law::Impressions(l) => l.sample(u),
            Law::Normal { mean, std } => mean + std * super::layout::normal_quantile(u.clamp(1e-9, 1.0 - 1e-9)),
        };
        libm::round(x * kind).clamp(self.min, self.max) as u64
    }
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

/// How many sub-directories a statistical directory gets; by attachment, `subtrees` also
/// receives each one's subtree in folders (itself included).
fn fan_out(m: &Model, s: &DirSeed, rng: &mut Rng, subtrees: &mut Option<Vec<u64>>) -> u64 {
    use super::fanout::{self, FanoutLaw};
    if s.dirs == 0 {
        return 0;
    }
    if s.depth + 1 >= m.profile.max_depth {
        return s.dirs;
    }
    let t = &m.profile.template;
    match t.fanout_law {
        FanoutLaw::Power => fanout::power(s.dirs, t.fanout, t.fanout_cap, rng),
        FanoutLaw::Attachment => subtrees.insert(fanout::attachment(s.dirs, t.attachment_offset, rng)).len() as u64,
    }
}

/// Heavy-tailed weight for splitting directories among siblings.
fn skew(rng: &mut Rng) -> f64 {
    rng.pareto(1.0, 1.4).min(30.0)
}

fn child_specs(m: &Model, s: &DirSeed, rng: &mut Rng, subtrees: &mut Option<Vec<u64>>) -> Vec<Spec> {
    let p = &m.profile;
    let t = &p.template;
    let ctx = s.ctx;
    let inherit = |kind: DirKind| DirContext { kind, ..ctx };
    let mut out: Vec<Spec> = Vec::new();
    let mut taken = super::names::WordSet::default();
    // For each name (lower case) that clashed, the first suffix not yet tried: every one below
    // was taken, and stays so. Without it a folder of thousands of sub-folders drawn from a
    // few dozen words tried every suffix again for each repeat (quadratic).
    let mut next_suffix: super::names::WordMap<String, u64> = Default::default();
    let mut push = |out: &mut Vec<Spec>, name: String, ctx: DirContext, weight: f64, density: f64| {
        let lower = name.to_lowercase();
        let unique = if !taken.contains(&lower) {
            taken.insert(lower);
            name
        } else {
            let next = next_suffix.entry(lower).or_insert(2);
            let mut candidate = String::with_capacity(name.len() + 4);
            loop {
                candidate.clear();
                candidate.push_str(&name);
                candidate.push(' ');
                candidate.push_str(itoa::Buffer::new().format(*next));
                *next += 1;
                if taken.insert(candidate.to_lowercase()) {
                    break candidate;
                }
            }
        };
        let kind = p.files_per_folder.multiplier(&unique);
        out.push(Spec { name: unique, ctx, weight, density, kind });
    };
    // Picks a word not yet used among a few tries, so repeats ("Budgets 2") stay rare.
    let mut used = super::names::WordSet::default();
    let mut fresh = |rng: &mut Rng, list: &'static [&'static str]| -> String {
        for _ in 0..4 {
            let w = *rng.pick(list);
            if used.insert(w) {
                return w.to_string();
            }
        }
        rng.pick(list).to_string()
    };
    match ctx.kind {
        DirKind::Root if t.layout == Layout::Tree => {
            let n = fan_out(m, s, rng, subtrees);
            let topics = words::topics(m.mix_name(ctx.mix));
            for _ in 0..n {
                let name = if rng.chance(0.5) { fresh(rng, topics) } else { fresh(rng, words::SUBFOLDERS) };
                push(&mut out, name, inherit(DirKind::Sub), skew(rng), 1.0);
            }
        }
        DirKind::Root => {
            let w = &t.weights;
            let nd: f64 = t.departments.iter().map(|d| d.weight).sum::<f64>().max(1e-9);
            for (i, d) in t.departments.iter().enumerate() {
                let c = DirContext {
                    kind: DirKind::Department,
                    mix: m.mix_index(&d.mix),
                    department: Some(i as u16),
                    ..ctx
                };
                push(&mut out, d.name.clone(), c, w.departments / nd * d.weight * rng.lognormal(0.0, 0.35), 1.0);
            }
            let users = DirContext { kind: DirKind::UsersRoot, mix: m.mix_index("home"), ..ctx };
            push(&mut out, t.users_folder.clone(), users, w.users, 0.8);
            let projects = DirContext { kind: DirKind::ProjectsRoot, mix: m.mix_index("projects"), ..ctx };
            push(&mut out, t.projects_folder.clone(), projects, w.projects, 1.0);
            let ns = t.shared.len().max(1) as f64;
            for name in &t.shared {
                let c = DirContext { kind: DirKind::Shared, mix: m.mix_index("shared"), ..ctx };
                push(&mut out, name.clone(), c, w.shared / ns, 0.8);
            }
        }
        DirKind::UsersRoot => {
            let n = (m.identities.users.len() as u64).min(s.dirs);
            for u in 0..n as u32 {
                let user = &m.identities.users[u as usize];
                let c = DirContext { kind: DirKind::Home, owner: Some(u), department: user.department, ..ctx };
                push(&mut out, user.account.clone(), c, rng.lognormal(0.0, 0.5), 1.0);
            }
        }
        DirKind::ProjectsRoot => {
            let n = u64::from(t.projects).min(s.dirs);
            for k in 0..n {
                let name = project_name(rng, k);
                let dept = (!t.departments.is_empty()).then(|| rng.below(t.departments.len() as u64) as u16);
                let c = DirContext { kind: DirKind::Project, department: dept, ..ctx };
                push(&mut out, name, c, skew(rng), 1.0);
            }
        }
        DirKind::Home => {
            let n = fan_out(m, s, rng, subtrees);
            let fixed = ["Documents", "Desktop", "Downloads", "Pictures"];
            for k in 0..n {
                let name = match fixed.get(k as usize) {
                    Some(f) => (*f).to_string(),
                    None => fresh(rng, words::topics("home")),
                };
                push(&mut out, name, inherit(DirKind::Sub), skew(rng), 1.0);
            }
        }
        DirKind::Project => {
            let n = fan_out(m, s, rng, subtrees);
            let phases = words::topics("projects");
            for k in 0..n {
                let name = match phases.get(k as usize) {
                    Some(f) => (*f).to_string(),
                    None => fresh(rng, words::SUBFOLDERS),
                };
                push(&mut out, name, inherit(DirKind::Topic), skew(rng), 1.0);
            }
        }
        DirKind::Year => {
            let n = fan_out(m, s, rng, subtrees);
            let year = ctx.year.unwrap_or(2020);
            let quarters = n <= 4 || rng.chance(0.5);
            // No period folder reaches past the reference date.
            let last_month = if year == m.as_of.year { m.as_of.month as u64 } else { 12 };
            let periods = if quarters { last_month.div_ceil(3) } else { last_month };
            for k in 0..n {
                if k < periods {
                    let (name, months) = if quarters {
                        let q = k as u8;
                        (format!("Q{} {year}", q + 1), (q * 3 + 1, q * 3 + 3))
                    } else {
                        let mo = k as usize;
                        (format!("{year}-{:02} {}", mo + 1, words::MONTHS[mo]), (mo as u8 + 1, mo as u8 + 1))
                    };
                    let c = DirContext { kind: DirKind::Period, months: Some(months), ..ctx };
                    push(&mut out, name, c, skew(rng), 1.0);
                } else {
                    let name = fresh(rng, words::SUBFOLDERS);
                    push(&mut out, name, inherit(DirKind::Sub), skew(rng), 1.0);
                }
            }
        }
        DirKind::Batch | DirKind::Torture(_) | DirKind::Event(_) | DirKind::EventSub(_) => {}
        DirKind::Department | DirKind::Shared | DirKind::Topic | DirKind::Period | DirKind::Sub => {
            let n = fan_out(m, s, rng, subtrees);
            let mix = m.mix_name(ctx.mix);
            let topics = words::topics(mix);
            let newest = m.as_of.year;
            let oldest = m.range_start_year();
            let mut next_year = newest;
            // Topics and shared areas get up to three year folders, none where the profile
            // wants none.
            let max_years =
                if ctx.kind == DirKind::Department { u64::from(t.years) } else { u64::from(t.years.min(3)) };
            let mut years_made = 0;
            let year_chance = match ctx.kind {
                DirKind::Department => 0.35,
                DirKind::Topic | DirKind::Shared => 0.15,
                _ => 0.0,
            };
            // A department's standing folders (`Board`, `Temp`) come first.
            let fixed: Vec<&String> = match (ctx.kind, ctx.department.and_then(|d| t.departments.get(d as usize))) {
                (DirKind::Department, Some(d)) => d.folders.iter().chain(&t.department_folders).collect(),
                _ => Vec::new(),
            };
            for k in 0..n {
                if let Some(name) = fixed.get(k as usize) {
                    push(&mut out, (*name).clone(), inherit(DirKind::Topic), skew(rng), 1.0);
                    continue;
                }
                if ctx.year.is_none() && years_made < max_years && next_year >= oldest && rng.chance(year_chance) {
                    let c = DirContext { kind: DirKind::Year, year: Some(next_year), ..ctx };
                    push(&mut out, next_year.to_string(), c, skew(rng), 1.0);
                    next_year -= 1;
                    years_made += 1;
                    continue;
                }
                let name = if ctx.kind == DirKind::Department || ctx.kind == DirKind::Shared || rng.chance(0.35) {
                    fresh(rng, topics)
                } else {
                    fresh(rng, words::SUBFOLDERS)
                };
                let kind = if ctx.kind == DirKind::Department { DirKind::Topic } else { DirKind::Sub };
                push(&mut out, name, inherit(kind), skew(rng), 1.0);
            }
        }
    }
    out
}

fn project_name(rng: &mut Rng, k: u64) -> String {
    let name = rng.pick(words::PROJECT_NAMES);
    let kind = rng.pick(words::PROJECT_KINDS);
    match rng.below(3) {
        0 => format!("PRJ-{} {name} {kind}", 1001 + k * 7 + rng.below(7)),
        1 => format!("{} - {name} {kind}", rng.pick(words::COMPANIES)),
        _ => format!("{name} {kind}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a folder of thousands of sub-folders named from a few dozen words, repeats take the
    /// smallest free suffix (`Budgets`, `Budgets 2`, `Budgets 3`, ...), as trying every suffix
    /// in turn gives, and names stay unique without regard to case.
    #[test]
    fn repeated_folder_names_take_the_smallest_free_suffix() {
        let mut p = crate::Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(1_000_000_000), None);
        let tree = crate::Tree::new(p).unwrap();
        let root = tree.root();
        let widest =
            (0..root.children.len()).map(|k| tree.child_plan(root, k)).max_by_key(|c| c.children.len()).unwrap();
        assert!(widest.children.len() > 1_000, "{} sub-folders", widest.children.len());
        let names: Vec<String> = widest.children.iter().map(|c| c.name.to_lowercase()).collect();
        let all: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(all.len(), names.len(), "names are unique without regard to case");
        let mut suffixed = 0;
        for name in &names {
            let Some((base, k)) = name.rsplit_once(' ').and_then(|(b, k)| Some((b, k.parse::<u64>().ok()?))) else {
                continue;
            };
            if all.contains(base) {
                suffixed += 1;
                for j in 2..k {
                    assert!(all.contains(format!("{base} {j}").as_str()), "{name} without {base} {j}");
                }
            }
        }
        assert!(suffixed > 500, "{suffixed} repeats");
    }

    #[test]
    fn split_is_exact_and_proportional() {
        assert_eq!(split(10, &[1.0, 1.0]), vec![5, 5]);
        assert_eq!(split(7, &[0.0, 0.0, 0.0]).iter().sum::<u64>(), 7);
        assert_eq!(split(0, &[1.0, 2.0]), vec![0, 0]);
        assert_eq!(split(100, &[0.0, 1.0]), vec![0, 100]);
        assert_eq!(split(u64::MAX / 2, &[1.0, 3.0]).iter().sum::<u64>(), u64::MAX / 2);
        assert!(split(5, &[]).is_empty());
    }
}
