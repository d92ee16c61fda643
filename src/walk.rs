//! Parallel walks over the whole tree (rayon), visiting every directory plan exactly once.
//!
//! Plans are computed without the cache (each is needed once), so a full walk holds only the
//! plans on the paths being worked on: memory stays flat whatever the tree's size.

use rayon::prelude::*;

use synthfs_model::plan::DirPlan;
use synthfs_model::tree::Tree;

/// Folds every directory of the tree into accumulators and merges them. `visit` sees each
/// directory once, in no particular order; use commutative accumulation for deterministic
/// results.
pub fn fold_dirs<A, I, V, M>(tree: &Tree, init: I, visit: V, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync,
    V: Fn(&mut A, &DirPlan) + Sync,
    M: Fn(A, A) -> A + Sync,
{
    fold_subtree(tree, tree.root(), init, visit, merge)
}

/// [`fold_dirs`] where `visit` is also told how many sub-folders the folder has at the tree's
/// epoch (found once for the walk and the visit both).
pub fn fold_dirs_counting<A, I, V, M>(tree: &Tree, init: I, visit: V, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync,
    V: Fn(&mut A, &DirPlan, usize) + Sync,
    M: Fn(A, A) -> A + Sync,
{
    let mut acc = init();
    walk_into(tree, tree.root(), &mut acc, &init, &visit, &merge);
    acc
}

/// [`fold_dirs`] over the subtree of one folder (its plan included).
pub fn fold_subtree<A, I, V, M>(tree: &Tree, plan: &DirPlan, init: I, visit: V, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync,
    V: Fn(&mut A, &DirPlan) + Sync,
    M: Fn(A, A) -> A + Sync,
{
    let visit = |a: &mut A, p: &DirPlan, _: usize| visit(a, p);
    let mut acc = init();
    walk_into(tree, plan, &mut acc, &init, &visit, &merge);
    acc
}

/// Subtrees of fewer files (as planned) are walked on one thread: a folder of a million-file
/// tree holds about 12 files, and `stats` spent a sixth of its time making and merging an
/// accumulator for each folder that has sub-folders.
const SPLIT_ABOVE_FILES: u64 = 4096;

fn walk_into<A, I, V, M>(tree: &Tree, plan: &DirPlan, acc: &mut A, init: &I, visit: &V, merge: &M)
where
    A: Send,
    I: Fn() -> A + Sync,
    V: Fn(&mut A, &DirPlan, usize) + Sync,
    M: Fn(A, A) -> A + Sync,
{
    let kids = tree.live_children(plan);
    visit(acc, plan, kids.len());
    match kids.len() {
        0 => {}
        // A small subtree is walked on this thread into this accumulator: splitting it would
        // cost more in accumulators made and merged than the work it shares out.
        _ if plan.subtree_files < SPLIT_ABOVE_FILES => {
            for c in &kids {
                let child = tree.live_child_plan_uncached(plan, c);
                walk_into(tree, &child, acc, init, visit, merge);
            }
        }
        1 => {
            let child = tree.live_child_plan_uncached(plan, &kids[0]);
            walk_into(tree, &child, acc, init, visit, merge);
        }
        _ => {
            let sub = kids
                .into_par_iter()
                .fold(init, |mut a, c| {
                    let child = tree.live_child_plan_uncached(plan, &c);
                    walk_into(tree, &child, &mut a, init, visit, merge);
                    a
                })
                .reduce(init, merge);
            let mine = std::mem::replace(acc, init());
            *acc = merge(mine, sub);
        }
    }
}

/// Maps every directory to a value, in depth-first pre-order, recursively combining each
/// directory's value with its children's in order: `combine(dir, own, children)`. Used for
/// Merkle digests, where order matters.
pub fn map_ordered<T, F, C>(tree: &Tree, own: &F, combine: &C) -> T
where
    T: Send,
    F: Fn(&DirPlan) -> T + Sync,
    C: Fn(&DirPlan, T, Vec<T>) -> T + Sync,
{
    ordered(tree, tree.root(), own, combine)
}

fn ordered<T, F, C>(tree: &Tree, plan: &DirPlan, own: &F, combine: &C) -> T
where
    T: Send,
    F: Fn(&DirPlan) -> T + Sync,
    C: Fn(&DirPlan, T, Vec<T>) -> T + Sync,
{
    let (mine, kids) = rayon::join(
        || own(plan),
        || {
            tree.live_children(plan)
                .into_par_iter()
                .map(|c| {
                    let child = tree.live_child_plan_uncached(plan, &c);
                    ordered(tree, &child, own, combine)
                })
                .collect::<Vec<T>>()
        },
    );
    combine(plan, mine, kids)
}
