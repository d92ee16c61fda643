//! Epochs: `diff` is the ground truth of what two manifests show, and `materialize --epoch`
//! moves a copy on by exactly that change.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{fixture, have, run, stderr, stdout};

/// A manifest's records by inode.
fn manifest(args: &[&str]) -> BTreeMap<u64, serde_json::Value> {
    let o = run(&[&["manifest"], args].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).expect("a JSON record");
            (r["inode"].as_u64().expect("an inode"), r)
        })
        .collect()
}

/// The changes between two manifests, found independently of the model: by inode, a file only
/// in the later one is added, only in the earlier deleted; one in both is renamed if its name
/// changed, modified if its size or modification time did, else metadata if any other column
/// did (its folder's path aside: a folder renamed is the folder's change).
fn manifest_changes(
    a: &BTreeMap<u64, serde_json::Value>,
    b: &BTreeMap<u64, serde_json::Value>,
) -> BTreeSet<(String, u64)> {
    let name = |r: &serde_json::Value| r["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let mut out = BTreeSet::new();
    for (i, r) in a {
        let Some(s) = b.get(i) else {
            out.insert(("deleted".into(), *i));
            continue;
        };
        if name(r) != name(s) {
            out.insert(("renamed".into(), *i));
        }
        let differ = |keys: &[&str]| keys.iter().any(|k| r[k] != s[k]);
        if differ(&["size", "modified", "allocated"]) {
            out.insert(("modified".into(), *i));
        } else {
            let all: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).filter(|k| *k != "path").collect();
            if differ(&all) {
                out.insert(("metadata".into(), *i));
            }
        }
    }
    for i in b.keys().filter(|i| !a.contains_key(i)) {
        out.insert(("added".into(), *i));
    }
    out
}

/// Whether `diff`'s JSON lines hold a folder moved to another parent.
pub(crate) fn folder_moved(jsonl: &str) -> bool {
    jsonl.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).any(|r| {
        let parent = |k: &str| r[k].as_str().map(|p| p.rsplit_once('/').map_or("", |(d, _)| d).to_string());
        r["type"] == "dir" && r["change"] == "renamed" && parent("path") != parent("old_path")
    })
}

/// `diff`'s file records as (change, inode).
fn diff_changes(args: &[&str]) -> BTreeSet<(String, u64)> {
    let o = run(&[&["diff"], args].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON record"))
        .filter(|r| r["type"] == "file")
        .map(|r| (r["change"].as_str().unwrap().to_string(), r["inode"].as_u64().unwrap()))
        .collect()
}

#[test]
fn diff_is_the_difference_of_two_manifests() {
    for (m, n, churn) in [("0", "5", "1"), ("3", "17", "1"), ("17", "3", "1"), ("2", "40", "10")] {
        let tree = ["--files", "20k", "--churn", churn];
        let a = manifest(&[&tree[..], &["--epoch", m]].concat());
        let b = manifest(&[&tree[..], &["--epoch", n]].concat());
        let want = manifest_changes(&a, &b);
        let got = diff_changes(&[&tree[..], &["--from", m, "--to", n]].concat());
        let kinds: BTreeSet<&str> = want.iter().map(|(k, _)| k.as_str()).collect();
        // Every kind of change happens over these intervals, and they are exactly the diff.
        assert!(kinds.len() >= 4, "{m} -> {n}: only {kinds:?}");
        assert_eq!(
            got.difference(&want).count() + want.difference(&got).count(),
            0,
            "{m} -> {n}: diff {} against manifests {}; only in diff {:?}; only in manifests {:?}",
            got.len(),
            want.len(),
            got.difference(&want).take(5).collect::<Vec<_>>(),
            want.difference(&got).take(5).collect::<Vec<_>>()
        );
    }
}

#[test]
fn diff_speaks_csv_and_counts() {
    let o = run(&["diff", "--files", "5k", "--to", "9", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("change,type,inode,path,old_path,fields,size"));
    let rows = lines.count();
    let o = run(&["diff", "--files", "5k", "--to", "9", "--summary", "--json"]);
    let c: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("counts as JSON");
    let total: u64 =
        ["added", "deleted", "renamed", "modified", "metadata"].iter().map(|k| c[k].as_u64().unwrap()).sum();
    assert_eq!(total as usize, rows);
    let o = run(&["diff", "--files", "5k", "--to", "9", "--threads", "1", "--format", "csv"]);
    assert!(o.status.success(), "--threads: {}", stderr(&o));
    assert_eq!(stdout(&o), text, "the same changes with one thread");
    let o = run(&["diff", "--files", "5k", "--to", "9", "--epoch", "3"]);
    assert_eq!(o.status.code(), Some(2), "--epoch is refused: {}", stderr(&o));
}

/// Materialize epoch 0, move it on to epoch 5: the moved copy is epoch 5 by `verify`, by
/// rsync against a fresh epoch-5 copy, and the counts printed are `diff`'s.
#[test]
fn materialize_moves_a_copy_on_by_exactly_the_change() {
    let profile = fixture("materialize.toml").display().to_string();
    let tree = ["-p", profile.as_str(), "--files", "20k", "--churn", "5", "--nt-acls"];
    let dir = tempfile::tempdir().unwrap();
    let (moved, fresh) = (dir.path().join("moved"), dir.path().join("fresh"));
    let (moved_s, fresh_s) = (moved.display().to_string(), fresh.display().to_string());
    let o = run(&[&["materialize", &moved_s], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[&["materialize", &moved_s, "--epoch", "5", "--json"], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let o = run(&[&["diff", "--from", "0", "--to", "5", "--summary", "--json"], &tree[..]].concat());
    let counts: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(summary["moved"]["changes"], counts, "the move applied what diff lists");
    assert!(counts["renamed"].as_u64().unwrap() > 0 && counts["deleted"].as_u64().unwrap() > 0, "{counts}");
    let o = run(&[&["diff", "--from", "0", "--to", "5"], &tree[..]].concat());
    assert!(stdout(&o).lines().any(|l| l.contains(r#""type":"dir""#) && l.contains(r#""acl""#)), "a DACL changed");
    assert!(folder_moved(&stdout(&o)), "a folder moved to another parent");
    // Written: the new and modified files only, not the tree.
    let written = summary["files_written"].as_u64().unwrap();
    let changed =
        counts["added"].as_u64().unwrap() + counts["modified"].as_u64().unwrap() + counts["metadata"].as_u64().unwrap();
    assert!(written <= changed && written < 2_000, "{written} written for {counts}");
    let o = run(&[&["verify", &moved_s, "--epoch", "5", "--content"], &tree[..]].concat());
    assert!(o.status.success(), "verify at epoch 5: {}{}", stdout(&o), stderr(&o));
    // Against epoch 0 the moved copy is different.
    let o = run(&[&["verify", &moved_s], &tree[..]].concat());
    assert!(!o.status.success(), "the copy is no longer epoch 0");
    let o = run(&[&["materialize", &fresh_s, "--epoch", "5"], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    if have(&["rsync", "--version"], "rsync") {
        // DEST's own folder and the marker are the run's, not the tree's.
        let o = std::process::Command::new("rsync")
            .args(["-aniX", "--checksum", "--exclude=/.synthfs.json", &format!("{fresh_s}/"), &format!("{moved_s}/")])
            .output()
            .unwrap();
        assert!(o.status.success());
        let listed: Vec<String> = stdout(&o).lines().filter(|l| !l.ends_with(" ./")).map(String::from).collect();
        assert!(listed.is_empty(), "rsync lists {} differences: {:?}", listed.len(), &listed[..listed.len().min(10)]);
    }
    // A second run finds nothing to move.
    let o = run(&[&["materialize", &moved_s, "--epoch", "5", "--json"], &tree[..]].concat());
    let again: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(again["moved"].is_null() && again["files_written"] == 0, "{again}");
    // A Windows attribute the model does not have (a stale read-only mark) is a difference.
    let file = std::fs::read_dir(&moved)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_file() && !p.ends_with(".synthfs.json"))
        .expect("a file at the top");
    assert!(xattr::get(&file, "user.synthfs.attributes").unwrap().is_none());
    xattr::set(&file, "user.synthfs.attributes", b"READONLY").unwrap();
    let o = run(&[&["verify", &moved_s, "--epoch", "5"], &tree[..]].concat());
    assert!(!o.status.success() && stdout(&o).contains("Windows attributes differ"), "{}", stdout(&o));
}

/// A move that stopped half-way leaves the marker saying so; the next run finishes it, and a
/// run to another epoch is refused.
#[test]
fn an_interrupted_move_is_finished_by_the_next_run() {
    let profile = fixture("materialize.toml").display().to_string();
    let tree = ["-p", profile.as_str(), "--files", "5k", "--churn", "5"];
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().display().to_string();
    assert!(run(&[&["materialize", &dest, "--epoch", "2"], &tree[..]].concat()).status.success());
    // As a crash leaves it: the marker says the move to 9 began, part of it is done.
    let marker = dir.path().join(".synthfs.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&marker).unwrap()).unwrap();
    m["applying"] = 9.into();
    std::fs::write(&marker, serde_json::to_vec(&m).unwrap()).unwrap();
    let o = run(&[&["materialize", &dest, "--epoch", "4"], &tree[..]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--epoch 9"), "{}", stderr(&o));
    let o = run(&[&["materialize", &dest, "--epoch", "9"], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[&["verify", &dest, "--epoch", "9", "--content"], &tree[..]].concat());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn stats_and_report_count_the_later_share() {
    let at = |e: &str| crate::common::stats_json(&["--files", "20k", "--epoch", e]);
    let (s0, s30) = (at("0"), at("30"));
    let files = |s: &serde_json::Value| s["files"].as_u64().unwrap();
    let m = manifest(&["--files", "20k", "--epoch", "30"]);
    assert_eq!(files(&s30), m.len() as u64, "stats and manifest agree on the later share");
    assert_ne!(files(&s0), files(&s30));
}

/// Every file, folder and link under `root` (not `root` itself), with its metadata, walked
/// depth first through the kernel. An entry gone between its listing and its `lstat` or its
/// own listing (a mount moving on under the walk: ENOENT or ESTALE) is passed over; any other
/// error fails the test.
fn each_node(root: &std::path::Path, mut visit: impl FnMut(&std::path::Path, &std::fs::Metadata)) {
    use std::io::ErrorKind;
    let mut stack = vec![root.to_path_buf()];
    let gone = |err: &std::io::Error| matches!(err.kind(), ErrorKind::NotFound | ErrorKind::StaleNetworkFileHandle);
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if gone(&err) => continue,
            Err(err) => panic!("list {}: {err}", dir.display()),
        };
        for e in entries.flatten() {
            let meta = match std::fs::symlink_metadata(e.path()) {
                Ok(meta) => meta,
                Err(err) if gone(&err) => continue,
                Err(err) => panic!("lstat {}: {err}", e.path().display()),
            };
            if meta.is_dir() {
                stack.push(e.path());
            }
            visit(&e.path(), &meta);
        }
    }
}

/// Asserts that what `diff` names (`got`) is exactly what the mounts show (`want`), naming a
/// few of each side's extras otherwise.
fn same_as_the_mounts<T: Ord + std::fmt::Debug>(got: &BTreeSet<T>, want: &BTreeSet<T>, what: &str) {
    assert!(
        got == want,
        "diff names {} {what}, the mounts show {}; only in diff {:?}, only on the mounts {:?}",
        got.len(),
        want.len(),
        got.difference(want).take(5).collect::<Vec<_>>(),
        want.difference(got).take(5).collect::<Vec<_>>()
    );
}

/// Every node's DACL under a mount, by inode, as `user.synthfs.sddl` gives it (the owner, a
/// field of its own, left out).
fn dacls_by_inode(root: &std::path::Path) -> BTreeMap<u64, String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    each_node(root, |path, meta| {
        if meta.is_symlink() {
            return;
        }
        let sddl = xattr::get(path, "user.synthfs.sddl").unwrap().expect("every node has a DACL");
        let sddl = String::from_utf8(sddl).unwrap();
        let dacl = &sddl[sddl.find("D:").expect("a DACL")..];
        out.insert(meta.ino(), dacl.to_string());
    });
    out
}

/// ACL drift: the nodes `diff` says have a new DACL (field `acl`) are exactly those whose
/// `user.synthfs.sddl` differs between mounts of the two epochs, read through the kernel.
#[test]
fn diff_names_every_dacl_that_two_mounts_of_the_epochs_show_changed() {
    let tree = ["--files", "20k", "--nt-acls", "--churn", "3"];
    let (m, n) = ("3", "30");
    let Some(a) = crate::common::Mount::try_start(&[&tree[..], &["--epoch", m]].concat()) else { return };
    let b = crate::common::Mount::start(&[&tree[..], &["--epoch", n]].concat());
    let (before, after) = (dacls_by_inode(a.path()), dacls_by_inode(b.path()));
    let want: BTreeSet<u64> =
        before.iter().filter(|(i, d)| after.get(i).is_some_and(|e| e != *d)).map(|(i, _)| *i).collect();
    let o = run(&[&["diff", "--from", m, "--to", n], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let records: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let acl = |r: &&serde_json::Value| r["fields"].as_array().is_some_and(|f| f.iter().any(|x| x == "acl"));
    let got: BTreeSet<u64> = records.iter().filter(acl).map(|r| r["inode"].as_u64().unwrap()).collect();
    let dirs = records.iter().filter(acl).filter(|r| r["type"] == "dir").count();
    assert!(dirs > 0 && got.len() > dirs, "folders and the files below them: {dirs} of {}", got.len());
    same_as_the_mounts(&got, &want, "new DACLs");
}

/// Every folder under a mount, by inode: (its parent's inode, its name), through the kernel.
fn folders_by_inode(root: &std::path::Path) -> BTreeMap<u64, (u64, String)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    each_node(root, |path, meta| {
        if meta.is_dir() {
            let parent = std::fs::metadata(path.parent().unwrap()).unwrap().ino();
            out.insert(meta.ino(), (parent, path.file_name().unwrap().to_string_lossy().into_owned()));
        }
    });
    out
}

/// Folders: `diff` renames exactly the folders whose parent or name differs between mounts of
/// the two epochs (by inode, through the kernel), moves to another parent among them, and
/// deletes exactly those gone.
#[test]
fn diff_names_every_folder_that_two_mounts_show_moved_renamed_or_gone() {
    let tree = ["--files", "20k", "--churn", "10"];
    let (m, n) = ("2", "40");
    let Some(a) = crate::common::Mount::try_start(&[&tree[..], &["--epoch", m]].concat()) else { return };
    let b = crate::common::Mount::start(&[&tree[..], &["--epoch", n]].concat());
    let (before, after) = (folders_by_inode(a.path()), folders_by_inode(b.path()));
    let mut want = BTreeSet::new();
    for (ino, place) in &before {
        match after.get(ino) {
            None => want.insert(("deleted".to_string(), *ino)),
            Some(now) if now != place => want.insert(("renamed".to_string(), *ino)),
            Some(_) => false,
        };
    }
    want.extend(after.keys().filter(|i| !before.contains_key(i)).map(|i| ("added".to_string(), *i)));
    let moved = before.iter().filter(|(i, (p, _))| after.get(i).is_some_and(|(q, _)| q != p)).count();
    assert!(moved >= 5, "{moved} folders moved to another parent");
    let o = run(&[&["diff", "--from", m, "--to", n], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let got: BTreeSet<(String, u64)> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["type"] == "dir" && ["renamed", "deleted", "added"].contains(&r["change"].as_str().unwrap()))
        .map(|r| (r["change"].as_str().unwrap().to_string(), r["inode"].as_u64().unwrap()))
        .collect();
    same_as_the_mounts(&got, &want, "folder records");
}

/// A mount of epoch 3 shows exactly the manifest of epoch 3: every path, size and inode, the
/// new files with their inodes above every epoch-0 one.
#[test]
fn a_mount_of_an_epoch_is_its_manifest() {
    let Some(m) = crate::common::Mount::try_start(&["--files", "5k", "--epoch", "3"]) else { return };
    let mut seen = BTreeSet::new();
    each_node(m.path(), |path, meta| {
        use std::os::unix::fs::MetadataExt;
        if !meta.is_dir() {
            let rel = path.strip_prefix(m.path()).unwrap().display().to_string();
            seen.insert((rel, meta.size(), meta.ino()));
        }
    });
    let want: BTreeSet<(String, u64, u64)> = manifest(&["--files", "5k", "--epoch", "3"])
        .into_values()
        .map(|r| (r["path"].as_str().unwrap().to_string(), r["size"].as_u64().unwrap(), r["inode"].as_u64().unwrap()))
        .collect();
    assert!(want.iter().any(|(_, _, ino)| *ino > 1 << 63), "epoch 3 has new files");
    assert!(
        seen == want,
        "mount and manifest differ: {:?} / {:?}",
        seen.difference(&want).take(3).collect::<Vec<_>>(),
        want.difference(&seen).take(3).collect::<Vec<_>>()
    );
}

/// The audit stream explains every change of `diff`, inside the interval, in time order, by
/// accounts that work there: a home's own user in a home, never someone who left.
#[test]
fn events_explain_every_change_in_order_by_people_who_work_there() {
    // Busy enough that folders move to other parents in the interval.
    let tree = ["--files", "20k", "--churn", "10", "--nt-acls"];
    let o = run(&[&["diff", "--from", "20", "--to", "30", "--events"], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let events: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let o = run(&[&["diff", "--from", "20", "--to", "30"], &tree[..]].concat());
    let changes: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(folder_moved(&stdout(&o)), "a folder moved to another parent");
    assert!(
        events.len() >= changes.len() / 2 && !changes.is_empty(),
        "{} events, {} changes",
        events.len(),
        changes.len()
    );
    let mut p = synthfs_model::Profile::builtin_with_files("enterprise", 20_000).unwrap();
    p.churn = p.churn.scaled(10.0);
    let at = |e: u64| {
        let mut q = p.clone();
        q.epoch = e;
        synthfs_model::Tree::new(q).unwrap()
    };
    let (t20, t30) = (at(20), at(30));
    let (lo, hi) = (t20.now_secs(), t30.now_secs());
    let secs = |s: &str| {
        let d = synthfs_model::date::Date::parse(&s[..10]).unwrap();
        let hms: Vec<i64> = s[11..19].split(':').map(|x| x.parse().unwrap()).collect();
        d.unix() + hms[0] * 3600 + hms[1] * 60 + hms[2]
    };
    let times: Vec<&str> = events.iter().map(|e| e["TimeCreated"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "events are in time order");
    for t in &times {
        assert!((lo + 1..=hi).contains(&secs(t)), "{t} outside ({lo}, {hi}]");
    }
    // Every actor is a current account; in a home, its user.
    let accounts = t30.model.accounts();
    let current: std::collections::HashMap<String, String> = (0..t30.model.identities.users.len() as u32)
        .filter(|s| accounts.account(*s).is_some())
        .map(|s| (accounts.sid(s), accounts.owner_name(s)))
        .collect();
    for e in &events {
        let sid = e["SubjectUserSid"].as_str().unwrap();
        assert!(current.contains_key(sid), "{sid} is not someone who works here: {e}");
        let object = e["ObjectName"].as_str().unwrap_or_default();
        if let Some(home) = object
            .split("\\Users\\")
            .nth(1)
            .and_then(|r| r.split('\\').next())
            .filter(|h| object.contains(&format!("\\Users\\{h}\\")))
        {
            assert!(current[sid].ends_with(&format!("\\{home}")), "{} acts in {home}'s home: {e}", current[sid]);
        }
    }
    // Every change is explained by an event on its object (or, for a rename, the old name).
    let objects: BTreeSet<String> = events.iter().filter_map(|e| e["ObjectName"].as_str()).map(String::from).collect();
    let named = |path: &str| objects.iter().any(|o| o.ends_with(&format!("\\{}", path.replace('/', "\\"))));
    // (A folder's times move with what is done inside it: no event of its own; its DACL has.)
    let acl = |c: &serde_json::Value| c["fields"].as_array().is_some_and(|f| f.iter().any(|x| x == "acl"));
    let own = |c: &&serde_json::Value| {
        !(c["type"] == "dir" && (c["change"] == "modified" || c["change"] == "metadata")) || acl(c)
    };
    for c in changes.iter().filter(own) {
        let old = c["old_path"].as_str();
        assert!(named(c["path"].as_str().unwrap()) || old.is_some_and(named), "no event for {c}");
    }
    // A DACL changed is logged with the DACL before and after, on each node whose DACL moved.
    let dacl_events: BTreeSet<String> = events
        .iter()
        .filter(|e| e["EventID"] == 4670 && e["NewSd"].as_str().is_some_and(|s| s.starts_with("D:")))
        .map(|e| e["ObjectName"].as_str().unwrap().to_string())
        .collect();
    let dacl_changes = changes.iter().filter(|c| acl(c)).count();
    assert!(
        dacl_changes > 0 && dacl_events.len() == dacl_changes,
        "{} events, {dacl_changes} changes",
        dacl_events.len()
    );
    let ids: BTreeSet<u64> = events.iter().map(|e| e["EventID"].as_u64().unwrap()).collect();
    assert!(ids.contains(&4663) && ids.contains(&4660), "{ids:?}");
    let o = run(&[&["diff", "--from", "30", "--to", "20", "--events"], &tree[..]].concat());
    assert_eq!(o.status.code(), Some(2));
}

/// Every node of a mount as `find -printf '%P %s %i %T@ %m %U'` sees it, through the kernel.
fn walk_mount(root: &std::path::Path) -> BTreeSet<(String, u64, u64, i64, i64, u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = BTreeSet::new();
    each_node(root, |path, m| {
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        let size = if m.is_dir() { 0 } else { m.size() };
        seen.insert((rel, size, m.ino(), m.mtime(), m.mtime_nsec(), m.mode(), m.uid()));
    });
    seen
}

/// A mount moved on with SIGUSR1, three times, while a walker has its caches full: each time
/// a walk through the kernel equals a fresh mount of that epoch, without a remount (folders
/// moved to other parents included: both parents' entries are invalidated).
#[test]
fn a_mount_moves_on_by_signal_and_shows_the_next_epoch() {
    use crate::common::{Mount, signal};
    // Busy enough that folders move to other parents in each of the three epochs.
    let tree = ["--files", "20k", "--churn", "30"];
    let Some(mut m) = Mount::try_start(&tree) else { return };
    let before = walk_mount(m.path());
    for e in 1..=3 {
        let o = run(&[&["diff", "--from", &(e - 1).to_string(), "--to", &e.to_string()], &tree[..]].concat());
        assert!(folder_moved(&stdout(&o)), "a folder moves to another parent in epoch {e}");
        let fresh = Mount::start(&[&tree[..], &["--epoch", &e.to_string()]].concat());
        let want = walk_mount(fresh.path());
        drop(fresh);
        assert!(signal(m.pid(), "USR1"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut got = walk_mount(m.path());
        while got != want && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
            got = walk_mount(m.path());
        }
        assert!(
            got == want,
            "epoch {e}: {} nodes only on the moved mount, {} only on a fresh one: {:?} / {:?}",
            got.difference(&want).count(),
            want.difference(&got).count(),
            got.difference(&want).take(3).collect::<Vec<_>>(),
            want.difference(&got).take(3).collect::<Vec<_>>()
        );
    }
    assert_ne!(before, walk_mount(m.path()));
    assert!(m.stop().success());
}

/// The digest of a later epoch is a pure function of it (any threads) and not epoch 0's; its
/// files' attributes are the listing's, new files included.
#[test]
fn the_digest_of_a_later_epoch_is_its_own() {
    let digest = |args: &[&str]| {
        let o = run(&[&["stats", "--json", "--digest", "--files", "3k"][..], args].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["digest"].as_str().expect("a digest").to_string()
    };
    let later = digest(&["--epoch", "9", "--threads", "1"]);
    assert_eq!(later, digest(&["--epoch", "9", "--threads", "3"]));
    assert_ne!(later, digest(&[]));
}

/// Only a whole copy is moved on by its change: one shard of it (or a run cut short) is
/// refused, saying how to finish it; finished, it moves.
#[test]
fn an_unfinished_copy_is_not_moved_on() {
    let profile = fixture("materialize.toml").display().to_string();
    let tree = ["-p", profile.as_str(), "--files", "3k"];
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().display().to_string();
    assert!(run(&[&["materialize", &dest, "--shard", "0/2"], &tree[..]].concat()).status.success());
    let o = run(&[&["materialize", &dest, "--epoch", "3"], &tree[..]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("unfinished copy of epoch 0"), "{}", stderr(&o));
    assert!(run(&[&["materialize", &dest], &tree[..]].concat()).status.success());
    let o = run(&[&["materialize", &dest, "--epoch", "3"], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[&["verify", &dest, "--epoch", "3", "--content"], &tree[..]].concat());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// A later epoch written in three shards (out of order) is the whole tree once, folders moved
/// to other parents included: each file falls to exactly one shard.
#[test]
fn shards_of_a_later_epoch_with_moved_folders_make_the_whole_tree_once() {
    let profile = fixture("materialize.toml").display().to_string();
    let tree = ["-p", profile.as_str(), "--files", "5k", "--churn", "20", "--epoch", "5"];
    let o = run(&[&["diff", "--from", "0", "--to", "5"], &tree[..6]].concat());
    assert!(folder_moved(&stdout(&o)), "a folder moved to another parent by epoch 5");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().display().to_string();
    let mut written = 0;
    for k in ["2", "0", "1"] {
        let o = run(&[&["materialize", &dest, "--shard", &format!("{k}/3"), "--json"], &tree[..]].concat());
        assert!(o.status.success(), "shard {k}: {}", stderr(&o));
        let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        written += s["files_written"].as_u64().unwrap();
    }
    let stats = crate::common::stats_json(&tree);
    assert_eq!(Some(written), stats["files"].as_u64(), "every file written once");
    let o = run(&[&["verify", &dest], &tree[..]].concat());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}
