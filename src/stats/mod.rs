//! `synthfs stats`: a parallel walk over the whole model that totals what a scanner would
//! find (files, folders, bytes apparent and allocated) with breakdowns by type, owner, depth,
//! age and size.

pub mod digest;
pub mod report;

use crate::model::walk::fold_dirs;
use crate::model::{FileType, Role, Tree};

/// Size histogram buckets: powers of two, `0` first (empty files).
pub const SIZE_BUCKETS: usize = 48;

/// Count and bytes of a group of files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub files: u64,
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, size: u64) {
        self.files += 1;
        self.bytes += size;
    }
    fn merge(&mut self, o: Tally) {
        self.files += o.files;
        self.bytes += o.bytes;
    }
}

/// A file singled out (largest, oldest, newest): the value and the index, ties to the
/// lowest index so the result never depends on the walk's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extreme {
    pub value: i64,
    pub index: u64,
}

/// Everything `stats` totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
    pub allocated: u64,
    pub by_type: Vec<Tally>,
    pub by_owner: Vec<Tally>,
    /// Files by depth (the root's files are at depth 1).
    pub by_depth: Vec<Tally>,
    /// Files by age of their modified time in whole years before `as_of`.
    pub by_age_years: Vec<Tally>,
    /// Files by size: bucket 0 is empty files, bucket k holds sizes in [2^(k-1), 2^k).
    pub by_size: Vec<Tally>,
    pub duplicates: Tally,
    pub temp: Tally,
    pub junk: Tally,
    pub sparse: Tally,
    pub sparse_allocated: u64,
    pub empty_dirs: u64,
    pub max_depth: u32,
    pub largest: Option<Extreme>,
    pub oldest: Option<Extreme>,
    pub newest: Option<Extreme>,
}

impl Stats {
    fn new(users: usize) -> Stats {
        Stats {
            files: 0,
            dirs: 0,
            bytes: 0,
            allocated: 0,
            by_type: vec![Tally::default(); FileType::ALL.len()],
            by_owner: vec![Tally::default(); users],
            by_depth: Vec::new(),
            by_age_years: Vec::new(),
            by_size: vec![Tally::default(); SIZE_BUCKETS],
            duplicates: Tally::default(),
            temp: Tally::default(),
            junk: Tally::default(),
            sparse: Tally::default(),
            sparse_allocated: 0,
            empty_dirs: 0,
            max_depth: 0,
            largest: None,
            oldest: None,
            newest: None,
        }
    }

    fn merge(mut self, o: Stats) -> Stats {
        self.files += o.files;
        self.dirs += o.dirs;
        self.bytes += o.bytes;
        self.allocated += o.allocated;
        merge_vec(&mut self.by_type, &o.by_type);
        merge_vec(&mut self.by_owner, &o.by_owner);
        merge_vec(&mut self.by_depth, &o.by_depth);
        merge_vec(&mut self.by_age_years, &o.by_age_years);
        merge_vec(&mut self.by_size, &o.by_size);
        self.duplicates.merge(o.duplicates);
        self.temp.merge(o.temp);
        self.junk.merge(o.junk);
        self.sparse.merge(o.sparse);
        self.sparse_allocated += o.sparse_allocated;
        self.empty_dirs += o.empty_dirs;
        self.max_depth = self.max_depth.max(o.max_depth);
        self.largest = pick(self.largest, o.largest, |a, b| a > b);
        self.oldest = pick(self.oldest, o.oldest, |a, b| a < b);
        self.newest = pick(self.newest, o.newest, |a, b| a > b);
        self
    }
}

fn merge_vec(a: &mut Vec<Tally>, b: &[Tally]) {
    if a.len() < b.len() {
        a.resize(b.len(), Tally::default());
    }
    for (x, y) in a.iter_mut().zip(b) {
        x.merge(*y);
    }
}

fn bump(v: &mut Vec<Tally>, i: usize, size: u64) {
    if v.len() <= i {
        v.resize(i + 1, Tally::default());
    }
    v[i].add(size);
}

/// Keeps the better extreme; equal values keep the lower index.
fn pick(a: Option<Extreme>, b: Option<Extreme>, better: impl Fn(i64, i64) -> bool) -> Option<Extreme> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if better(y.value, x.value) || (y.value == x.value && y.index < x.index) {
                Some(y)
            } else {
                Some(x)
            }
        }
        (x, None) => x,
        (None, y) => y,
    }
}

/// The size-histogram bucket of a size.
pub fn size_bucket(size: u64) -> usize {
    ((64 - size.leading_zeros()) as usize).min(SIZE_BUCKETS - 1)
}

/// Walks the whole tree and totals it.
pub fn collect(tree: &Tree) -> Stats {
    let users = tree.model.accounts.slots();
    let as_of_end = tree.model.range.1;
    fold_dirs(
        tree,
        || Stats::new(users),
        |s, plan| {
            s.dirs += 1;
            s.max_depth = s.max_depth.max(plan.depth);
            if plan.files == 0 && plan.children.is_empty() {
                s.empty_dirs += 1;
            }
            for slot in 0..plan.files {
                let a = tree.file_attrs_in(plan, slot);
                let size = a.size();
                let alloc = a.allocated();
                s.files += 1;
                s.bytes += size;
                s.allocated += alloc;
                s.by_type[a.ftype().ordinal()].add(size);
                if let Some(t) = s.by_owner.get_mut(a.owner as usize) {
                    t.add(size);
                }
                bump(&mut s.by_depth, a.depth as usize, size);
                let age = ((as_of_end - a.modified.secs).max(0) / (365 * 86_400 + 21_600)) as usize;
                bump(&mut s.by_age_years, age, size);
                s.by_size[size_bucket(size)].add(size);
                match a.role {
                    Role::Duplicate { .. } => s.duplicates.add(size),
                    Role::Temp => s.temp.add(size),
                    Role::Junk => s.junk.add(size),
                    Role::Original => {}
                }
                if a.content.sparse.is_some() {
                    s.sparse.add(size);
                    s.sparse_allocated += alloc;
                }
                let i = a.index;
                s.largest = pick(s.largest, Some(Extreme { value: size as i64, index: i }), |x, y| x > y);
                let m = a.modified.secs;
                s.oldest = pick(s.oldest, Some(Extreme { value: m, index: i }), |x, y| x < y);
                s.newest = pick(s.newest, Some(Extreme { value: m, index: i }), |x, y| x > y);
            }
        },
        Stats::merge,
    )
}
