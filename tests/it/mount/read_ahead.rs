//! Reading ahead of the kernel's requests: files after one read whole pushed into the page
//! cache, folders after a stat walk listed ahead (through a clone of the mount, so an outside
//! `umount` is never busy), and the device's readahead raised.

use std::path::Path;

use synthfs_model::{FileAttrs, Tree};

use super::{assert_reads_as_model, files_by_path};
use crate::common::{self, Mount, have, sh, sh_ok, small_profile_path, small_tree};

/// A reader going through a folder file by file finds the files after the one it read already
/// in the page cache (`fincore`), holding the model's bytes; `--file-ahead 0` pushes nothing,
/// and neither is anything pushed for a folder listed names only.
#[test]
fn files_after_a_small_file_read_whole_are_pushed_into_the_page_cache() {
    if !common::fuse_available() || !have(&["fincore", "--version"], "fincore") {
        return;
    }
    let tree = small_tree(2000, 150, 7);
    // Folders with at least 6 small files, each file with its model attributes, in listing order.
    let mut folders: std::collections::BTreeMap<String, Vec<(String, FileAttrs)>> = Default::default();
    for (path, a) in files_by_path(&tree) {
        let dir = Path::new(&path).parent().map(|d| d.display().to_string()).unwrap_or_default();
        folders.entry(dir).or_default().push((path, a));
    }
    let small = |a: &FileAttrs| a.size() > 0 && a.size() <= 128 << 10 && a.content.sparse.is_none();
    let mut folders: Vec<Vec<(String, FileAttrs)>> = folders
        .into_values()
        .map(|mut f| {
            f.sort_by_key(|(_, a)| a.index);
            f
        })
        // The first file is read whole in a request it does not fill (not a multiple of 4 KiB),
        // and the next 64 are all the batch looks at.
        .filter(|f| {
            let first = &f[0].1;
            f.len() >= 6
                && f.len() <= 65
                && f.iter().filter(|(_, a)| small(a)).count() >= 6
                && small(first)
                && first.size() % 4096 != 0
        })
        .collect();
    assert!(folders.len() >= 4, "the small tree has folders of small files");
    // A file elsewhere, whose stat tells the mount a stat walk is on.
    let probe = folders[0][0].0.clone();
    let resident = |m: &Mount, path: &str| -> u64 {
        let (ok, out, err) =
            sh(&format!("fincore --bytes --noheadings --output RES '{}'", m.path().join(path).display()));
        assert!(ok.success(), "fincore: {err}");
        out.trim().parse().unwrap_or_else(|_| panic!("fincore said {out:?}"))
    };
    // Reads the folder's first file whole after listing the folder with attributes (a stat of
    // any file first tells the mount a stat walk is on), then waits for the pushes.
    let read_first = |m: &Mount, folder: &[(String, FileAttrs)]| {
        let dir = Path::new(&folder[0].0).parent().unwrap().display().to_string();
        sh_ok(&format!(
            "stat '{}' > /dev/null && ls -l '{}' > /dev/null && cat '{}' > /dev/null",
            m.path().join(&probe).display(),
            m.path().join(&dir).display(),
            m.path().join(&folder[0].0).display()
        ));
    };
    // After time enough for pushes to land, were there any: none of the files after the first.
    let nothing_pushed = |m: &Mount, folder: &[(String, FileAttrs)]| {
        std::thread::sleep(std::time::Duration::from_secs(1));
        for (path, a) in folder[1..].iter().filter(|(_, a)| small(a)) {
            assert_eq!(resident(m, path), 0, "{path} ({} bytes) was pushed", a.size());
        }
    };
    let on = Mount::start_small(&[]);
    let folder = folders.pop().unwrap();
    read_first(&on, &folder);
    let pushed: Vec<&(String, FileAttrs)> = folder[1..].iter().filter(|(_, a)| small(a)).collect();
    // The pushes run on the mount's own thread: wait for them (up to 20 s on a loaded machine).
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for (path, a) in &pushed {
        while resident(&on, path) < a.size() && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(resident(&on, path) >= a.size(), "{path} ({} bytes) was not pushed", a.size());
    }
    // What was pushed is what a read returns: the model's bytes.
    for (path, a) in &pushed {
        assert_reads_as_model(&tree, on.path(), path, a);
    }
    // A folder listed names only (no stat walk on: a fresh mount, `ls` without -l): the kernel
    // lacks its files' inodes, so nothing is pushed.
    let fresh = Mount::start_small(&[]);
    let folder = folders.pop().unwrap();
    sh_ok(&format!(
        "ls '{}' > /dev/null && cat '{}' > /dev/null",
        fresh.path().join(Path::new(&folder[0].0).parent().unwrap()).display(),
        fresh.path().join(&folder[0].0).display()
    ));
    nothing_pushed(&fresh, &folder);
    // Turned off: nothing is pushed even after a listing with attributes.
    let off = Mount::start_small(&["--file-ahead", "0"]);
    let folder = folders.pop().unwrap();
    read_first(&off, &folder);
    nothing_pushed(&off, &folder);
}

/// Whether the tests run as root (the listing read-ahead reads through a clone of the mount,
/// which only root can make); prints why a test skips otherwise.
fn root_for_read_ahead() -> bool {
    let root = common::is_root();
    if !root {
        eprintln!("skipping: the listing read-ahead needs root (it clones the mount)");
    }
    root
}

/// A folder with at least three sub-folders, the last holding files, and a file elsewhere
/// whose `stat` tells the mount a stat walk is on; as (folder, its last sub-folder, the file).
fn folder_with_sub_folders(tree: &Tree) -> (u64, u64, String) {
    let found: Vec<(u64, u64)> = common::fold_dirs_of(tree, |p| {
        let last = p.children.last()?;
        let last_files = tree.plan(last.index)?.files;
        (p.index != 0 && p.children.len() >= 3 && last_files >= 3).then_some((p.index, last.index))
    });
    let (dir, last) = found.into_iter().min().expect("the small tree has a folder with sub-folders");
    let under = format!("{}/", tree.path(dir).unwrap());
    let probe = files_by_path(tree).into_keys().filter(|f| !f.starts_with(&under)).min().expect("a file elsewhere");
    (dir, last, probe)
}

/// The mount's log from byte `from` on, and its length.
fn log_since(log: &Path, from: usize) -> (String, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let len = text.len();
    (text.get(from..).unwrap_or_default().to_string(), len)
}

/// Whether the log has a request listing the folder of inode `ino`, or looking a name up in it.
fn lists_or_looks_up(log: &str, ino: u64) -> bool {
    let (listed, looked) = (format!(" ino={ino} "), format!("parent={ino} "));
    log.lines()
        .any(|l| (l.contains(" readdir") && l.contains(&listed)) || (l.contains(" lookup ") && l.contains(&looked)))
}

/// A walk that stats files (`ls -l`) has the mount list the folders after it, through the
/// mount, ahead of it: the kernel then has their listings and attributes, and the walker's own
/// `ls -l` of one of them makes no request. Turned off, nothing is listed ahead, and the same
/// `ls -l` is a request.
#[test]
fn a_stat_walk_finds_the_folders_after_it_listed_ahead() {
    if !common::fuse_available() || !root_for_read_ahead() {
        return;
    }
    let p = small_profile_path();
    let small_args = |extra: &[&'static str]| [&["--profile", p.as_str()][..], extra].concat();
    let tree = small_tree(2000, 150, 7);
    let (dir, last, probe) = folder_with_sub_folders(&tree);
    let (dir_path, last_path) = (tree.path(dir).unwrap(), tree.path(last).unwrap());
    let last_ino = last + 1;
    let entries = tree.listing(last).unwrap().entries.len();
    let logs = tempfile::tempdir().unwrap();
    let walk = |m: &Mount| {
        sh_ok(&format!(
            "stat '{}' > /dev/null && ls -l '{}' > /dev/null",
            m.path().join(&probe).display(),
            m.path().join(&dir_path).display()
        ));
    };
    let ls_last = |m: &Mount| {
        let (ok, out, err) = sh(&format!("ls -lA '{}'", m.path().join(&last_path).display()));
        assert!(ok.success() && err.is_empty(), "{err}");
        assert_eq!(out.lines().skip(1).count(), entries, "{out}");
    };

    let log = logs.path().join("on.log");
    let on = Mount::start_logged(&small_args(&[]), &log);
    walk(&on);
    // Listed ahead by the mount's own threads: no one else listed it.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !log_since(&log, 0).0.contains(&format!("readdirplus ino={last_ino} offset=0")) {
        assert!(std::time::Instant::now() < until, "{last_path} was not listed ahead");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (_, from) = log_since(&log, 0);
    ls_last(&on);
    let (after, _) = log_since(&log, from);
    assert!(!lists_or_looks_up(&after, last_ino), "ls -l {last_path} made requests:\n{after}");

    let log = logs.path().join("off.log");
    let off = Mount::start_logged(&small_args(&["--dir-ahead", "0"]), &log);
    walk(&off);
    std::thread::sleep(std::time::Duration::from_secs(1));
    let (before, from) = log_since(&log, 0);
    assert!(!lists_or_looks_up(&before, last_ino), "listed ahead with --dir-ahead 0");
    ls_last(&off);
    let (after, _) = log_since(&log, from);
    assert!(lists_or_looks_up(&after, last_ino), "ls -l {last_path} made no request:\n{after}");
}

/// The listing read-ahead goes on a little after a walk ends, and still an outside `umount`
/// right after the walk succeeds (it reads through a clone of the mount, never the mount
/// point); the mount then ends cleanly. Reading through the mount point instead failed this
/// 15 times in 20.
#[test]
fn an_outside_umount_right_after_a_stat_walk_is_not_busy() {
    if !common::fuse_available() || !root_for_read_ahead() {
        return;
    }
    // Folders of about 200 files, whose listings take the threads a while.
    let tree = small_tree(40_000, 200, 7);
    let (_, _, probe) = folder_with_sub_folders(&tree);
    for round in 0..5 {
        let mut m = Mount::start_small(&["--files", "40000", "--dirs", "200"]);
        let mnt = m.root();
        let (ok, _, err) =
            sh(&format!("stat '{mnt}/{probe}' > /dev/null && ls -l '{mnt}'/*/ > /dev/null && umount '{mnt}'"));
        assert!(ok.success(), "round {round}: {err}");
        let status = m.wait();
        assert!(status.success(), "round {round}: {status:?}");
        assert!(!Mount::is_mounted(m.path()), "round {round}: still mounted");
    }
}

/// As root the mount lifts the kernel's 128 KiB readahead cap for FUSE to 4 MiB (so sequential
/// reads come as 1 MiB requests, several in flight); the kernel's own view in sysfs says so.
#[test]
fn readahead_is_raised_to_four_mebibytes() {
    if !common::fuse_available() {
        return;
    }
    if !common::is_root() {
        eprintln!("skipping: only root may raise a device's readahead in sysfs");
        return;
    }
    let m = Mount::start_small(&[]);
    let dev = sh_ok(&format!("mountpoint -d '{}'", m.path().display()));
    let knob = format!("/sys/class/bdi/{}/read_ahead_kb", dev.trim());
    let kb = std::fs::read_to_string(&knob).unwrap_or_else(|e| panic!("{knob}: {e}"));
    assert_eq!(kb.trim(), "4096", "{knob}");
}

/// A second cold walk, after the kernel dropped its caches, gets the read-ahead the first got:
/// the folders listed on the first walk are forgotten when the walker lists one of them again.
#[test]
fn a_walk_after_the_caches_are_dropped_is_read_ahead_again() {
    if !common::fuse_available() || !root_for_read_ahead() {
        return;
    }
    let p = small_profile_path();
    let tree = small_tree(2000, 150, 7);
    let (dir, last, probe) = folder_with_sub_folders(&tree);
    let (dir_path, last_path) = (tree.path(dir).unwrap(), tree.path(last).unwrap());
    let listed_ahead = format!("readdirplus ino={} offset=0", last + 1);
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("again.log");
    let m = Mount::start_logged(&["--profile", p.as_str()], &log);
    let walk = || {
        sh_ok(&format!(
            "stat '{}' > /dev/null && ls -l '{}' > /dev/null",
            m.path().join(&probe).display(),
            m.path().join(&dir_path).display()
        ))
    };
    let wait_listed = |from: usize, what: &str| {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !log_since(&log, from).0.contains(&listed_ahead) {
            assert!(std::time::Instant::now() < until, "{last_path} was not listed ahead {what}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    walk();
    wait_listed(0, "on the first walk");
    std::thread::sleep(std::time::Duration::from_millis(200));
    sh_ok("sync && echo 3 > /proc/sys/vm/drop_caches");
    let (_, from) = log_since(&log, 0);
    walk();
    wait_listed(from, "after the caches were dropped");
}
