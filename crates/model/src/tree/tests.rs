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

/// A walk's shortcuts (a file's xattrs and ACLs from its folder's plan and its attributes)
/// give what the lookups by index give, NT descriptors and access tiers included.
#[test]
fn file_xattrs_and_acls_from_the_plan_match_the_lookups() {
    let mut p = Profile::builtin_with_files("enterprise", 3_000).unwrap();
    p.acls.tiers = true;
    p.acls.windows = true;
    let t = Tree::new(p).unwrap();
    let mut files = 0;
    let mut stack = vec![t.root().clone()];
    while let Some(plan) = stack.pop() {
        let (_, attrs) = t.build_listing_and_attrs(&plan);
        for a in &attrs {
            assert_eq!(Some(t.file_xattrs(&plan, a)), t.xattrs(a.index), "file {}", a.index);
            assert_eq!(crate::attrs::file_acl(&t, &plan, a), crate::attrs::node_acl(&t, a.index), "file {}", a.index);
            files += 1;
        }
        stack.extend((0..plan.children.len()).map(|k| t.child_plan(&plan, k)));
    }
    assert_eq!(files, 3_000);
}
