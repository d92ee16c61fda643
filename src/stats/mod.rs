//! `synthfs stats`: a parallel walk over the whole model that totals what a scanner would
//! find (files, folders, bytes apparent and allocated) with breakdowns by type, owner, depth,
//! age and size.

pub mod digest;
pub mod plot;
pub mod real;
pub mod render;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::walk::fold_dirs_counting;
use synthfs_model::torture::{Hostile, Seen, case_twins, classify};
use synthfs_model::tree::ListedLink;
use synthfs_model::{FileType, Role, Tree};

/// Size histogram buckets: powers of two, `0` first (empty files).
pub const SIZE_BUCKETS: usize = 48;
pub use synthfs_model::buckets::{FINE_BUCKETS, FINE_PER_OCTAVE, fine_bucket, fine_bucket_start};
/// Directories with this many files (or sub-folders) or more share the last histogram slot.
pub const PER_DIR_CAP: usize = 1 << 16;

/// Count and bytes of a group of files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FilesAndBytes {
    pub files: u64,
    pub bytes: u64,
}

impl FilesAndBytes {
    /// Counts one file of `size` bytes.
    pub fn add(&mut self, size: u64) {
        self.files += 1;
        self.bytes += size;
    }

    pub fn merge(&mut self, o: FilesAndBytes) {
        self.files += o.files;
        self.bytes += o.bytes;
    }
}

/// A file singled out (largest, oldest, newest): the value, and the node (a model index, or
/// a path for real trees). Ties go to the lowest index, then path, so the result never
/// depends on the walk's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extreme {
    pub value: i64,
    pub index: u64,
    pub path: Option<Arc<str>>,
}

/// What a file is there for, as far as a walk can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Original,
    Duplicate,
    Temp,
    Junk,
}

/// One file as the totals see it, from the model or from a real directory.
pub struct FileFacts<'a> {
    pub size: u64,
    pub allocated: u64,
    pub ext: &'a str,
    /// The model's type ([`FileType::for_ext`] for real files).
    pub ftype: FileType,
    /// Owner key: a model owner slot, or a uid for real trees.
    pub owner: u32,
    pub depth: u32,
    pub modified: i64,
    pub kind: Kind,
    pub sparse: bool,
    /// Windows attributes: no write bits, hidden, a `Zone.Identifier`.
    pub readonly: bool,
    pub hidden: bool,
    pub zone: bool,
    /// Whether the Windows owner is a group; `None` where a walk cannot tell.
    pub group_owner: Option<bool>,
}

/// Files with each Windows attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttributeCounts {
    pub readonly: u64,
    pub hidden: u64,
    pub zone: u64,
    /// `None` when some file's owner kind was unknown (a plain walk of a real tree).
    pub group_owner: Option<u64>,
}

/// Everything `stats` totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
    pub allocated: u64,
    /// By model type ([`FileType::ordinal`]).
    pub by_type: Vec<FilesAndBytes>,
    pub by_owner: HashMap<u32, FilesAndBytes>,
    /// By extension (lower case, without the dot; empty for none).
    pub by_ext: HashMap<Box<str>, FilesAndBytes>,
    /// Files by depth (the root's files are at depth 1).
    pub by_depth: Vec<FilesAndBytes>,
    /// Per depth, over its non-empty files: their count, and in `bytes` the sum of their
    /// [`fine_bucket`]s (a mean log2 size by depth, for `profile fit`'s `sizes.by_depth`).
    pub depth_fine: Vec<FilesAndBytes>,
    /// Files by age of their modified time in whole years before `as_of`.
    pub by_age_years: Vec<FilesAndBytes>,
    /// Files by size: bucket 0 is empty files, bucket k holds sizes in [2^(k-1), 2^k).
    pub by_size: Vec<FilesAndBytes>,
    /// File counts by [`fine_bucket`].
    pub size_fine: Vec<u64>,
    /// Directories by how many files they hold directly (capped at [`PER_DIR_CAP`]).
    pub files_per_dir: Vec<u64>,
    /// Directories by how many sub-folders they hold.
    pub subdirs_per_dir: Vec<u64>,
    /// Whether duplicates were looked for (the model knows them; a plain walk does not).
    pub duplicates_known: bool,
    pub duplicates: FilesAndBytes,
    pub temp: FilesAndBytes,
    pub junk: FilesAndBytes,
    pub sparse: FilesAndBytes,
    pub sparse_allocated: u64,
    pub attributes: AttributeCounts,
    /// Files and folders of each hostile kind (see [`synthfs_model::torture::classify`]).
    pub hostile: std::collections::BTreeMap<Hostile, u64>,
    pub empty_dirs: u64,
    pub max_depth: u32,
    pub largest: Option<Extreme>,
    pub oldest: Option<Extreme>,
    pub newest: Option<Extreme>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            files: 0,
            dirs: 0,
            bytes: 0,
            allocated: 0,
            by_type: vec![FilesAndBytes::default(); FileType::ALL.len()],
            by_owner: HashMap::new(),
            by_ext: HashMap::new(),
            by_depth: Vec::new(),
            depth_fine: Vec::new(),
            by_age_years: Vec::new(),
            by_size: vec![FilesAndBytes::default(); SIZE_BUCKETS],
            size_fine: vec![0; FINE_BUCKETS],
            files_per_dir: Vec::new(),
            subdirs_per_dir: Vec::new(),
            duplicates_known: false,
            duplicates: FilesAndBytes::default(),
            temp: FilesAndBytes::default(),
            junk: FilesAndBytes::default(),
            sparse: FilesAndBytes::default(),
            sparse_allocated: 0,
            attributes: AttributeCounts { group_owner: Some(0), ..AttributeCounts::default() },
            hostile: Default::default(),
            empty_dirs: 0,
            max_depth: 0,
            largest: None,
            oldest: None,
            newest: None,
        }
    }
}

impl Stats {
    fn merge(mut self, o: Stats) -> Stats {
        self.files += o.files;
        self.dirs += o.dirs;
        self.bytes += o.bytes;
        self.allocated += o.allocated;
        merge_vec(&mut self.by_type, &o.by_type);
        for (k, t) in o.by_owner {
            self.by_owner.entry(k).or_default().merge(t);
        }
        for (k, t) in o.by_ext {
            self.by_ext.entry(k).or_default().merge(t);
        }
        merge_vec(&mut self.by_depth, &o.by_depth);
        merge_vec(&mut self.depth_fine, &o.depth_fine);
        merge_vec(&mut self.by_age_years, &o.by_age_years);
        merge_vec(&mut self.by_size, &o.by_size);
        merge_counts(&mut self.size_fine, &o.size_fine);
        merge_counts(&mut self.files_per_dir, &o.files_per_dir);
        merge_counts(&mut self.subdirs_per_dir, &o.subdirs_per_dir);
        self.duplicates_known |= o.duplicates_known;
        self.duplicates.merge(o.duplicates);
        self.temp.merge(o.temp);
        self.junk.merge(o.junk);
        self.sparse.merge(o.sparse);
        self.sparse_allocated += o.sparse_allocated;
        let (a, b) = (&mut self.attributes, o.attributes);
        a.readonly += b.readonly;
        a.hidden += b.hidden;
        a.zone += b.zone;
        a.group_owner = a.group_owner.zip(b.group_owner).map(|(x, y)| x + y);
        for (k, n) in o.hostile {
            *self.hostile.entry(k).or_default() += n;
        }
        self.empty_dirs += o.empty_dirs;
        self.max_depth = self.max_depth.max(o.max_depth);
        self.largest = pick(self.largest, o.largest, |a, b| a > b);
        self.oldest = pick(self.oldest, o.oldest, |a, b| a < b);
        self.newest = pick(self.newest, o.newest, |a, b| a > b);
        self
    }

    /// Counts a directory at `depth` holding `files` files and `subdirs` folders.
    pub fn add_dir(&mut self, depth: u32, files: u64, subdirs: u64) {
        self.dirs += 1;
        self.max_depth = self.max_depth.max(depth);
        if files == 0 && subdirs == 0 {
            self.empty_dirs += 1;
        }
        count(&mut self.files_per_dir, (files as usize).min(PER_DIR_CAP));
        count(&mut self.subdirs_per_dir, (subdirs as usize).min(PER_DIR_CAP));
    }

    /// Counts a file; `as_of_end` is the instant ages are measured from.
    pub fn add_file(&mut self, f: &FileFacts, as_of_end: i64) {
        let size = f.size;
        self.files += 1;
        self.bytes += size;
        self.allocated += f.allocated;
        self.by_type[f.ftype.ordinal()].add(size);
        self.by_owner.entry(f.owner).or_default().add(size);
        match self.by_ext.get_mut(f.ext) {
            Some(t) => t.add(size),
            None => {
                self.by_ext.insert(f.ext.into(), FilesAndBytes { files: 1, bytes: size });
            }
        }
        bump(&mut self.by_depth, f.depth as usize, size);
        if size > 0 {
            bump(&mut self.depth_fine, f.depth as usize, fine_bucket(size) as u64);
        }
        let age = ((as_of_end - f.modified).max(0) / (365 * 86_400 + 21_600)) as usize;
        bump(&mut self.by_age_years, age, size);
        self.by_size[size_bucket(size)].add(size);
        self.size_fine[fine_bucket(size)] += 1;
        match f.kind {
            Kind::Duplicate => self.duplicates.add(size),
            Kind::Temp => self.temp.add(size),
            Kind::Junk => self.junk.add(size),
            Kind::Original => {}
        }
        if f.sparse {
            self.sparse.add(size);
            self.sparse_allocated += f.allocated;
        }
        let a = &mut self.attributes;
        a.readonly += u64::from(f.readonly);
        a.hidden += u64::from(f.hidden);
        a.zone += u64::from(f.zone);
        a.group_owner = a.group_owner.zip(f.group_owner).map(|(n, g)| n + u64::from(g));
    }

    /// Counts an entry's hostile kinds.
    pub fn add_hostile(&mut self, seen: &Seen) {
        self.add_hostile_kinds(classify(seen));
    }

    pub fn add_hostile_kinds(&mut self, kinds: impl IntoIterator<Item = synthfs_model::torture::Hostile>) {
        for k in kinds {
            *self.hostile.entry(k).or_default() += 1;
        }
    }

    /// Keeps a file as largest, oldest or newest if it is; `path` is asked only then.
    pub fn consider(&mut self, size: u64, modified: i64, index: u64, path: impl Fn() -> Option<Arc<str>>) {
        let gt: fn(i64, i64) -> bool = |a, b| a > b;
        let lt: fn(i64, i64) -> bool = |a, b| a < b;
        for (slot, value, better) in
            [(&mut self.largest, size as i64, gt), (&mut self.oldest, modified, lt), (&mut self.newest, modified, gt)]
        {
            let wins = match slot.as_ref() {
                None => true,
                Some(e) => {
                    better(value, e.value)
                        || (value == e.value && (index < e.index || (index == e.index && path() < e.path)))
                }
            };
            if wins {
                *slot = Some(Extreme { value, index, path: path() });
            }
        }
    }

    /// Mean files per directory.
    pub fn mean_files_per_dir(&self) -> f64 {
        if self.dirs == 0 { 0.0 } else { self.files as f64 / self.dirs as f64 }
    }

    /// Mean depth of files (the root's files are at depth 1).
    pub fn mean_depth(&self) -> f64 {
        let sum: u64 = self.by_depth.iter().enumerate().map(|(d, t)| d as u64 * t.files).sum();
        if self.files == 0 { 0.0 } else { sum as f64 / self.files as f64 }
    }
}

fn merge_vec(a: &mut Vec<FilesAndBytes>, b: &[FilesAndBytes]) {
    if a.len() < b.len() {
        a.resize(b.len(), FilesAndBytes::default());
    }
    for (x, y) in a.iter_mut().zip(b) {
        x.merge(*y);
    }
}

fn merge_counts(a: &mut Vec<u64>, b: &[u64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn bump(v: &mut Vec<FilesAndBytes>, i: usize, size: u64) {
    if v.len() <= i {
        v.resize(i + 1, FilesAndBytes::default());
    }
    v[i].add(size);
}

fn count(v: &mut Vec<u64>, i: usize) {
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    v[i] += 1;
}

/// Keeps the better extreme; equal values keep the lower index, then the lower path.
fn pick(a: Option<Extreme>, b: Option<Extreme>, better: impl Fn(i64, i64) -> bool) -> Option<Extreme> {
    match (a, b) {
        (Some(x), Some(y)) => {
            let tie = y.value == x.value && (y.index, &y.path) < (x.index, &x.path);
            if better(y.value, x.value) || tie { Some(y) } else { Some(x) }
        }
        (x, None) => x,
        (None, y) => y,
    }
}

/// The size-histogram bucket of a size.
pub fn size_bucket(size: u64) -> usize {
    ((64 - size.leading_zeros()) as usize).min(SIZE_BUCKETS - 1)
}

/// The mean log2 size of the non-empty files at each depth (index = depth), where at least
/// `min_files` are: from [`Stats::depth_fine`], a fine bucket being an eighth of an octave.
pub fn mean_log2_by_depth(s: &Stats, min_files: u64) -> Vec<Option<f64>> {
    s.depth_fine
        .iter()
        .map(|t| {
            (t.files >= min_files.max(1)).then(|| {
                (t.bytes as f64 / t.files as f64 - 1.0) / FINE_PER_OCTAVE as f64 + 0.5 / FINE_PER_OCTAVE as f64
            })
        })
        .collect()
}

/// The Kolmogorov-Smirnov distance between two trees' file-size distributions: the largest
/// gap between their cumulative shares, checked at every fine-bucket edge (so within an
/// eighth of an octave of the exact statistic).
pub fn ks_distance(a: &Stats, b: &Stats) -> f64 {
    cdf_distance(&a.size_fine, &b.size_fine)
}

/// The largest gap between the cumulative shares of two histograms over the same buckets.
pub fn cdf_distance(a: &[u64], b: &[u64]) -> f64 {
    let (ta, tb) = (a.iter().sum::<u64>().max(1) as f64, b.iter().sum::<u64>().max(1) as f64);
    let (mut ca, mut cb, mut d) = (0u64, 0u64, 0f64);
    for i in 0..a.len().max(b.len()) {
        ca += a.get(i).copied().unwrap_or(0);
        cb += b.get(i).copied().unwrap_or(0);
        d = d.max((ca as f64 / ta - cb as f64 / tb).abs());
    }
    d
}

/// The model's view of a file.
fn model_facts(a: &synthfs_model::FileAttrs) -> FileFacts<'static> {
    FileFacts {
        size: a.size(),
        allocated: a.allocated(),
        // `.DS_Store` carries no extension (a leading dot alone is not one), as a walk sees it.
        ext: if a.ftype() == FileType::DsStore { "" } else { a.ext },
        ftype: a.ftype(),
        owner: a.owner,
        depth: a.depth,
        modified: a.modified.secs,
        kind: match a.role {
            Role::Original => Kind::Original,
            Role::Duplicate { .. } => Kind::Duplicate,
            Role::Temp => Kind::Temp,
            Role::Junk => Kind::Junk,
        },
        sparse: a.content.sparse.is_some(),
        readonly: a.mode & 0o222 == 0,
        hidden: a.hidden,
        zone: a.zone,
        group_owner: Some(a.group_owner),
    }
}

/// Walks the whole tree and totals it. Hostile kinds that depend on names and path lengths are
/// counted for the torture layout and trees with hostile names mixed in; other layouts' names are
/// Windows-safe by construction and building every name would triple the walk (`stats DIR` of
/// a mount or a copy counts their path lengths). Kinds from times, sizes and modes are counted
/// everywhere.
pub fn collect(tree: &Tree) -> Stats {
    let as_of_end = tree.now_secs();
    // Names are built where they may be hostile: the torture layout, and trees with
    // `[torture] hostile_names`.
    let torture = tree.model.profile.template.layout == synthfs_model::layout::Layout::Torture
        || tree.model.profile.torture.hostile_names > 0.0;
    fold_dirs_counting(
        tree,
        || Stats { duplicates_known: true, ..Stats::default() },
        |s, plan, folders| {
            if torture {
                s.add_dir(plan.depth, plan.files, plan.children.len() as u64);
                return torture_dir(tree, s, plan, as_of_end);
            }
            let mut files = 0;
            // No name: only the kinds from times, sizes and modes can show.
            tree.each_file_attrs(plan, |a| {
                files += 1;
                s.add_model_file(tree, &a, as_of_end, "", 0, false);
            });
            s.add_dir(plan.depth, files, folders as u64);
        },
        Stats::merge,
    )
}

/// A folder of the torture layout, names and paths included.
fn torture_dir(tree: &Tree, s: &mut Stats, plan: &synthfs_model::plan::DirPlan, as_of_end: i64) {
    let path = tree.path(plan.index).unwrap_or_default();
    if plan.index != 0 {
        let d = tree.dir_attrs(plan);
        let name = path.rsplit('/').next().unwrap_or(&path);
        s.add_hostile(&Seen {
            path_len: path.len(),
            name,
            is_dir: true,
            mode: d.mode,
            size: 0,
            modified: d.modified.secs,
            created: None,
            now: as_of_end,
            case_twin: false,
            nlink: 1,
        });
    }
    let (listing, attrs) = tree.build_listing_and_attrs(plan);
    let twins = case_twins(listing.entries.iter().map(|e| &*e.name));
    let prefix = if path.is_empty() { 0 } else { path.len() + 1 };
    for (a, e) in attrs.iter().zip(&listing.entries) {
        s.add_model_file(tree, a, as_of_end, &e.name, prefix + e.name.len(), twins.contains(&*e.name));
    }
    // Links: a symbolic link by its target, an extra name of a file as one more hard link (the
    // file itself is counted once, under its first name, as `du` counts it).
    for (_, link) in tree.listed_links(&listing) {
        match link {
            ListedLink::Symbolic(l) => {
                s.add_hostile_kinds(synthfs_model::torture::classify_symlink(l.target.as_bytes(), l.end))
            }
            ListedLink::ExtraName => s.add_hostile_kinds([synthfs_model::torture::Hostile::HardLink]),
        }
    }
}

impl Stats {
    /// One file of the model: its totals, and its hostile kinds from its name (when given),
    /// path length and attributes.
    fn add_model_file(
        &mut self,
        tree: &Tree,
        a: &synthfs_model::FileAttrs,
        as_of_end: i64,
        name: &str,
        path_len: usize,
        case_twin: bool,
    ) {
        self.add_file(&model_facts(a), as_of_end);
        self.consider(a.size(), a.modified.secs, a.index, || None);
        let nlink = tree.nlink(a.index);
        self.add_hostile(&Seen {
            path_len,
            name,
            is_dir: false,
            mode: a.mode,
            size: a.size(),
            modified: a.modified.secs,
            created: Some(a.created.secs),
            now: as_of_end,
            case_twin,
            nlink,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_distance_is_the_largest_cumulative_gap() {
        assert_eq!(cdf_distance(&[1, 1], &[1, 1]), 0.0);
        assert_eq!(cdf_distance(&[1, 0], &[0, 1]), 1.0);
        assert!((cdf_distance(&[2, 1, 1], &[1, 1, 2]) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn fine_buckets_are_ordered_and_their_starts_belong_to_them() {
        let mut last = 0;
        for size in (0..5000u64).chain([u32::MAX as u64, 1 << 40, (1 << 40) + (1 << 37), u64::MAX]) {
            let b = fine_bucket(size);
            assert!(b >= last || size < 5000, "{size}");
            assert!(
                fine_bucket_start(b) <= size && (b + 1 == FINE_BUCKETS || size < fine_bucket_start(b + 1)),
                "{size}"
            );
            last = b;
        }
        assert_eq!(fine_bucket(1), 1);
        assert_eq!(fine_bucket(8), 1 + 3 * 8);
        assert_eq!(fine_bucket(9), 1 + 3 * 8 + 1);
        assert_eq!(fine_bucket(u64::MAX), FINE_BUCKETS - 1);
    }
}
