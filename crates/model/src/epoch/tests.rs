//! Unit tests of epochs: what changes, how much, and that identity and names hold.

use std::collections::BTreeMap;

use crate::attrs::FileAttrs;
use crate::tree::{NodeKind, Tree};
use crate::{Profile, plan::DirPlan};

/// Every file of the tree at its epoch: index -> (path, attributes).
fn files(tree: &Tree) -> BTreeMap<u64, (String, FileAttrs)> {
    fn walk(tree: &Tree, plan: &DirPlan, path: &str, out: &mut BTreeMap<u64, (String, FileAttrs)>) {
        tree.each_file(plan, |a, name| {
            out.insert(a.index, (format!("{path}/{name}"), a));
        });
        for c in tree.live_children(plan) {
            let child = tree.live_child_plan(plan, &c);
            walk(tree, &child, &format!("{path}/{}", c.name), out);
        }
    }
    let mut out = BTreeMap::new();
    walk(tree, tree.root(), "", &mut out);
    out
}

fn at(files: u64, epoch: u64) -> Tree {
    let mut p = Profile::builtin_with_files("enterprise", files).unwrap();
    p.epoch = epoch;
    Tree::new(p).unwrap()
}

#[test]
fn a_month_of_work_changes_a_share_the_way_people_do() {
    let before = files(&at(20_000, 0));
    let after = files(&at(20_000, 30));
    let kept = before.keys().filter(|i| after.contains_key(i)).count();
    let deleted = before.len() - kept;
    let added: Vec<u64> = after.keys().copied().filter(|i| !before.contains_key(i)).collect();
    let modified =
        before.iter().filter(|(i, (_, a))| after.get(i).is_some_and(|(_, b)| b.content != a.content)).count();
    let renamed = before
        .iter()
        .filter(|(i, (p, _))| after.get(i).is_some_and(|(q, _)| q.rsplit('/').next() != p.rsplit('/').next()))
        .count();
    // The defaults: 0.1 x (0.9 + 0.1 x 8) x 0.02 of the files modified per epoch at first
    // (hot files are modified again rather than new ones), about 0.04% new a day.
    assert!((300..1_500).contains(&modified), "modified {modified}");
    assert!((50..1_000).contains(&deleted), "deleted {deleted}");
    assert!((100..600).contains(&added.len()), "added {}", added.len());
    assert!((5..200).contains(&renamed), "renamed {renamed}");
    // New files are ids above every epoch-0 index, decode to their folder, and carry a time
    // inside the month.
    let t = at(20_000, 30);
    let (start, end) = (t.model.range.1, t.model.range.1 + 30 * 86_400);
    for id in &added {
        assert!(crate::epoch::is_added(*id));
        let (path, a) = &after[id];
        assert!((start..=end).contains(&a.modified.secs), "{path}: {:?}", a.modified);
        assert_eq!(t.kind(*id), Some(NodeKind::File));
        assert_eq!(t.path(*id).map(|p| format!("/{p}")).as_deref(), Some(path.as_str()));
        assert!(t.exists(*id) && t.file_attrs(*id).as_ref() == Some(a));
    }
    // A modified file's modification time is in the month, after its epoch-0 one.
    for (i, (_, a)) in &before {
        if let Some((_, b)) = after.get(i).filter(|(_, b)| b.content != a.content) {
            assert!(b.modified > a.modified && (start..=end).contains(&b.modified.secs));
        }
    }
    // Deleted files are gone by index too.
    let gone = before.keys().find(|i| !after.contains_key(i)).unwrap();
    assert!(!t.exists(*gone) && t.file_attrs(*gone).is_none());
}

#[test]
fn an_epoch_is_the_same_whatever_was_asked_before() {
    let direct = files(&at(5_000, 12));
    let t = at(5_000, 12);
    // Ask about random files first, then walk.
    for i in (1..5_000).step_by(97) {
        let _ = t.file_attrs(i);
    }
    assert!(direct == files(&t));
    // And a file's name at epoch 12 is found by looking it up.
    for (i, (path, _)) in direct.iter().step_by(211) {
        let (dir, name) = path.rsplit_once('/').unwrap();
        let parent = t.parent(*i).unwrap();
        assert_eq!(t.lookup(parent, name.as_bytes()), Some(*i), "{dir}");
    }
}

#[test]
fn a_thousand_epochs_do_not_grow_the_share_much() {
    let base = files(&at(10_000, 0)).len() as f64;
    let later = files(&at(10_000, 1_000)).len() as f64;
    assert!((0.9..1.25).contains(&(later / base)), "{base} files became {later}");
}

#[test]
fn folders_are_renamed_and_deleted_with_what_they_hold() {
    let mut p = Profile::builtin_with_files("enterprise", 20_000).unwrap();
    p.churn = p.churn.scaled(50.0);
    let mut later = p.clone();
    later.epoch = 20;
    let (t0, t1) = (Tree::new(p).unwrap(), Tree::new(later).unwrap());
    let (f0, f1) = (files(&t0), files(&t1));
    // Files that stay keep their index; a folder renamed moves its files' paths.
    let moved = f0.iter().filter(|(i, (p, _))| {
        f1.get(i).is_some_and(|(q, _)| {
            let (a, b) = (p.rsplit_once('/').unwrap(), q.rsplit_once('/').unwrap());
            a.0 != b.0
        })
    });
    assert!(moved.count() > 0, "some folder was renamed");
    assert!(f1.len() < f0.len() + f0.len() / 2);
}

#[test]
fn acl_changes_come_at_their_rates_and_the_events_say_when() {
    let ep = at(20_000, 0).churn().clone();
    let (grant, protect) = (ep.churn.acl_grant, ep.churn.acl_protect);
    let (folders, n) = (200_000u64, 400u64);
    let (mut granted, mut protected) = (0u64, 0u64);
    for index in 1..=folders {
        let d = ep.acl_drift(index, n);
        assert_eq!(ep.acl_drift(index, 0), super::AclDrift::default(), "epoch 0 is the profile's own");
        granted += u64::from(d.grant.is_some());
        protected += u64::from(d.protected.is_some());
        // The events in an interval are exactly where the drift moves.
        let (m, k) = (index % 97, 150 + index % 200);
        let events = ep.acl_events_between(index, m, k);
        assert_eq!(events.is_empty(), ep.acl_drift(index, m) == ep.acl_drift(index, k), "folder {index}");
        assert!(events.iter().all(|e| (m + 1..=k).contains(e)) && events.windows(2).all(|w| w[0] < w[1]));
        if let Some(last) = events.last() {
            assert!(d.grant == Some(*last) || d.protected == Some(*last) || *last > n || k < n || m >= n);
        }
    }
    let share = |p: f64| 1.0 - (1.0 - p).powf(n as f64);
    let near = |what: &str, got: u64, p: f64| {
        let got = got as f64 / folders as f64;
        assert!((got - share(p)).abs() < 0.15 * share(p), "{what}: {got} vs {}", share(p));
    };
    near("grants", granted, grant);
    near("broken inheritance", protected, protect);
}

#[test]
fn folders_move_between_siblings_keeping_their_inode_and_are_found_where_they_are() {
    let mut p = Profile::builtin_with_files("enterprise", 20_000).unwrap();
    p.churn = p.churn.scaled(20.0);
    p.epoch = 60;
    let t = Tree::new(p).unwrap();
    // Every folder a walk finds: (index) -> (parent by the walk, path by the walk).
    fn walk(t: &Tree, plan: &DirPlan, path: &str, out: &mut BTreeMap<u64, (u64, String)>) {
        let kids = t.live_children(plan);
        let mut seen = std::collections::HashSet::new();
        for c in &kids {
            assert!(seen.insert(c.name.to_lowercase()), "{path}/{} twice", c.name);
        }
        assert!(kids.windows(2).all(|w| w[0].index(plan) < w[1].index(plan)), "{path}: by index");
        for c in kids {
            let child = t.live_child_plan(plan, &c);
            let sub = format!("{path}/{}", c.name);
            assert!(out.insert(child.index, (plan.index, sub.clone())).is_none(), "{sub}: listed twice");
            walk(t, &child, &sub, out);
        }
    }
    let mut found = BTreeMap::new();
    walk(&t, t.root(), "", &mut found);
    let mut moved = 0;
    for index in 1..t.node_count() {
        let Some(plan) = t.plan(index) else { continue };
        match found.get(&index) {
            Some((parent, path)) => {
                assert!(t.exists(index), "{path}");
                assert_eq!(t.parent(index), Some(*parent), "{path}");
                assert_eq!(t.path(index).map(|p| format!("/{p}")).as_deref(), Some(path.as_str()));
                moved += usize::from(plan.parent != *parent);
                // Its files are found under it, by name.
                if let Some(e) = t.listing(index).and_then(|l| l.entries.first().cloned()) {
                    assert_eq!(t.lookup(index, e.name.as_bytes()), Some(e.index), "{path}");
                }
            }
            None => assert!(!t.exists(index), "folder {index} exists but no walk finds it"),
        }
    }
    assert!(moved >= 3, "{moved} folders moved");
    // The same moves whatever was asked first.
    let mut p = Profile::builtin_with_files("enterprise", 20_000).unwrap();
    p.churn = p.churn.scaled(20.0);
    p.epoch = 60;
    let fresh = Tree::new(p).unwrap();
    let mut again = BTreeMap::new();
    walk(&fresh, fresh.root(), "", &mut again);
    assert!(again == found);
}

#[test]
fn files_listed_for_two_epochs_at_once_are_each_epochs_own() {
    let at_epoch = |e: u64| {
        let mut p = Profile::builtin_with_files("enterprise", 5_000).unwrap();
        p.churn = p.churn.scaled(20.0);
        p.epoch = e;
        Tree::new(p).unwrap()
    };
    let (t0, t7, t30) = (at_epoch(0), at_epoch(7), at_epoch(30));
    let own = |t: &Tree, plan: &DirPlan| {
        let mut v = Vec::new();
        t.each_file(plan, |a, name| v.push((a, name.to_string())));
        v
    };
    let mut compared = 0;
    for index in 0..t0.node_count() {
        let Some(plan) = t0.plan(index) else { continue };
        let both = t30.files_at_epochs(&plan, &[&t0, &t7, &t30]);
        assert_eq!(both.len(), 3);
        assert!(both[0] == own(&t0, &plan), "epoch 0, folder {index}");
        assert!(both[1] == own(&t7, &plan), "epoch 7, folder {index}");
        assert!(both[2] == own(&t30, &plan), "epoch 30, folder {index}");
        compared += usize::from(both[0] != both[2]);
    }
    assert!(compared > 20, "{compared} folders changed");
}
