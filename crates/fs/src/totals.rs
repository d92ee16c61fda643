//! The tree's byte totals for `statfs` (`df`): computed exactly by a background walk for trees
//! small enough to walk in a moment, estimated from an even sample of files otherwise (and
//! until the walk is done). The walk starts once the mount has served its first listing (or
//! a `statfs`), so it never competes with the requests of a mount coming up.

use std::sync::{Arc, Once, OnceLock};

use synthfs_model::plan::DirPlan;
use synthfs_model::{Location, Tree};

/// Trees up to this many files get exact totals (a walk of about a second).
pub const EXACT_LIMIT: u64 = 2_000_000;
/// Files sampled for the estimate.
const SAMPLES: u64 = 256;

pub struct Totals {
    tree: Arc<Tree>,
    exact: OnceLock<(u64, u64)>,
    estimate: OnceLock<(u64, u64)>,
    walk: Once,
}

impl Totals {
    /// Nothing computed yet: estimated when first asked, exact once [`Totals::start`]'s walk is
    /// done.
    pub fn new(tree: Arc<Tree>) -> Arc<Totals> {
        Arc::new(Totals { tree, exact: OnceLock::new(), estimate: OnceLock::new(), walk: Once::new() })
    }

    /// Starts the exact walk in the background when the tree is small enough; once.
    pub fn start(self: &Arc<Self>) {
        if self.tree.file_count() > EXACT_LIMIT {
            return;
        }
        self.walk.call_once(|| {
            let t = self.clone();
            let spawned = std::thread::Builder::new().name("synthfs-totals".into()).spawn(move || {
                let (bytes, allocated) = exact(&t.tree);
                let _ = t.exact.set((bytes, allocated));
                tracing::debug!(bytes, allocated, "exact totals ready");
            });
            if let Err(e) = spawned {
                tracing::warn!("cannot start the totals walk, statfs will estimate: {e}");
            }
        });
    }

    /// (apparent, allocated) bytes: exact when known, else the estimate.
    pub fn bytes(&self) -> (u64, u64) {
        if let Some(v) = self.exact.get() {
            return *v;
        }
        *self.estimate.get_or_init(|| sample(&self.tree))
    }
}

/// (apparent, allocated) bytes of a tree, now: exact up to [`EXACT_LIMIT`] files (a walk of
/// about a second), estimated from a sample beyond.
pub fn of(tree: &Tree) -> (u64, u64) {
    if tree.file_count() <= EXACT_LIMIT {
        return exact(tree);
    }
    sample(tree)
}

/// (apparent, allocated) bytes of every file, summed over a walk of the plans (on the calling
/// thread: the mount's totals are computed in the background, and the model's own walks are
/// the front ends').
fn exact(tree: &Tree) -> (u64, u64) {
    fn into(tree: &Tree, plan: &DirPlan, sum: &mut (u64, u64)) {
        tree.each_file_attrs(plan, |a| {
            sum.0 += a.size();
            sum.1 += a.allocated();
        });
        for c in tree.live_children(plan) {
            into(tree, &tree.live_child_plan_uncached(plan, &c), sum);
        }
    }
    let mut sum = (0, 0);
    into(tree, tree.root(), &mut sum);
    sum
}

/// Totals estimated from an even sample of nodes.
fn sample(t: &Tree) -> (u64, u64) {
    let n = t.node_count();
    let (mut files, mut bytes, mut alloc) = (0u64, 0u128, 0u128);
    for k in 0..SAMPLES.min(n) {
        let i = (u128::from(k) * u128::from(n) / u128::from(SAMPLES.min(n))) as u64;
        if let Some(Location::File { parent, slot }) = t.locate(i) {
            let a = t.file_attrs_in(&parent, slot);
            files += 1;
            bytes += u128::from(a.size());
            alloc += u128::from(a.allocated());
        }
    }
    if files == 0 {
        return (0, 0);
    }
    let scale = |x: u128| (x * u128::from(t.file_count()) / u128::from(files)).min(u128::from(u64::MAX)) as u64;
    (scale(bytes), scale(alloc))
}
