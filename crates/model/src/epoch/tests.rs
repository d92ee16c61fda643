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
        for (k, name) in tree.live_children(plan) {
            let child = tree.child_plan(plan, k);
            walk(tree, &child, &format!("{path}/{name}"), out);
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
