//! Unit tests of the tree: decoding indices, and the caches of heavy plans and listings.

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
    let p = Profile::builtin_with_files("enterprise", 20_000).unwrap();
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
    let p = Profile::builtin_with_files("panzura-demo", 10_000_000).unwrap();
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
