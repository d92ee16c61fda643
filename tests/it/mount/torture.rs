//! The torture tree through the mount: every hostile entry as outside tools see it, a folder
//! of a million entries, and sixteen readers at once.

use synthfs_model::Tree;
use synthfs_model::torture::LinkEnd;

use crate::common::{self, Mount, have, python_ok, sh, sh_pipefail};

/// The torture tree (control characters included) through the tools scanners are built on:
/// find sees every entry the model has, du the sizes and the holes, tar archives it all, and
/// Python's os.walk and rsync stop only where the OS refuses a path longer than PATH_MAX.
#[test]
fn torture_tree_through_outside_tools() {
    let mut p = common::builtin_profile("torture", 3000);
    p.torture.control_chars = true;
    let tree = Tree::new(p).unwrap();
    let model_stats = synthfs::stats::collect(&tree);
    let Some(m) = Mount::try_start(&["--profile", "torture", "--files", "3000", "--control-chars"]) else { return };
    let root = m.root();
    // find: every path of the model, byte for byte (NUL-separated: names hold newlines).
    let o =
        std::process::Command::new("find").arg(&root).args(["-mindepth", "1", "-printf", "%P\\0"]).output().unwrap();
    assert!(o.status.success(), "find: {}", String::from_utf8_lossy(&o.stderr));
    let found: std::collections::BTreeSet<String> =
        o.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()).map(|p| String::from_utf8(p.to_vec()).unwrap()).collect();
    // Every entry of every folder: files, folders, symbolic links and extra names of files.
    let mut model = std::collections::BTreeSet::new();
    for i in 0..tree.node_count() {
        if tree.kind(i) == Some(synthfs_model::NodeKind::Dir) {
            let dir = tree.path(i).unwrap();
            for e in &tree.listing(i).unwrap().entries {
                model.insert(if dir.is_empty() { e.name.to_string() } else { format!("{dir}/{}", e.name) });
            }
        }
    }
    assert_eq!(found, model);
    let files = common::all_files(&tree).len() as u64;
    assert_eq!(files, 3000);
    let links = tree.links();
    // Links: symbolic links are links, a file's names share its inode and count in st_nlink.
    let (_, l, _) = sh(&format!("find '{root}' -type l | wc -l"));
    assert_eq!(l.trim().parse::<usize>().unwrap(), links.symlinks.len());
    let (_, same, _) = sh(&format!("find '{root}' -samefile '{root}/links/original.docx' -links 3 | wc -l"));
    assert_eq!(same.trim(), "3", "original.docx has three names, one inode");
    let (_, target, _) = sh(&format!("readlink '{root}/links/to-deep-file.txt'"));
    assert!(target.trim().len() > 260 && target.starts_with("../deep/Level 01"), "{target}");
    let (_, through, _) =
        sh(&format!("cat '{root}/links/to-original.docx' | cmp - '{root}/links/original.docx' && echo same"));
    assert_eq!(through.trim(), "same", "reading through a symbolic link reads its target");
    let (ok, _, err) = sh(&format!("cat '{root}/links/loop-a'"));
    assert!(!ok.success() && err.contains("Too many levels of symbolic links"), "{err}");
    // du: apparent bytes of the files (each inode once), and the 9 GiB of sparse files costing
    // next to nothing.
    let (_, apparent, _) =
        sh(&format!("find '{root}' -type f -printf '%i %s\\n' | sort -u | awk '{{s+=$2}} END {{printf \"%.0f\", s}}'"));
    assert_eq!(apparent.trim().parse::<u64>().unwrap(), model_stats.bytes);
    let (_, used, _) = sh(&format!("du -s -B1 '{root}' | cut -f1"));
    assert!(used.trim().parse::<u64>().unwrap() < model_stats.bytes / 100, "du {used} of {}", model_stats.bytes);
    // tar: every entry archived (holes detected), listed back.
    let (ok, listed, err) = sh_pipefail(&format!("tar -S -cf - -C '{root}' . | tar -tf - | wc -l"));
    assert!(ok.success(), "{err}");
    assert!(!err.contains("Cannot") && !err.to_lowercase().contains("error"), "tar: {err}");
    assert_eq!(listed.trim().parse::<usize>().unwrap(), model.len() + 1, "tar entries (./ included)");
    // tar stores the second and third names of a file as hard-link entries, and symbolic links
    // as links, without following any.
    let (_, verbose, _) = sh(&format!("tar -S -cf - -C '{root}' links | tar -tvf -"));
    assert_eq!(verbose.matches(" link to ").count(), links.hard.len(), "{verbose}");
    assert_eq!(verbose.lines().filter(|l| l.starts_with('l')).count(), links.symlinks.len(), "{verbose}");
    // The files whose folder's absolute path reaches PATH_MAX: what path-based walkers miss.
    let too_long =
        common::all_files(&tree).iter().filter(|a| root.len() + 1 + tree.path(a.parent).unwrap().len() >= 4096).count();
    assert!(too_long > 0, "the deep chain passes PATH_MAX");
    let walk = r#"
import errno, json, os, sys
seen, errors = 0, []
for d, ds, fs in os.walk(sys.argv[1].encode(), onerror=errors.append):
    seen += len(fs)
print(json.dumps({"files": seen, "errors": sorted({e.errno for e in errors})}))
"#;
    let w: serde_json::Value = serde_json::from_str(&python_ok(walk, &[&root])).unwrap();
    // os.walk lists symbolic links to folders with the folders (and does not follow them),
    // every other link and name with the files.
    let non_dirs = links.hard.len() + links.symlinks.iter().filter(|l| l.end != LinkEnd::Dir).count();
    assert_eq!(w["files"].as_u64().unwrap(), files + non_dirs as u64 - too_long as u64, "{w}");
    assert_eq!(w["errors"], serde_json::json!([36]), "only ENAMETOOLONG: {w}");
    if have(&["rsync", "--version"], "rsync") {
        let dest = tempfile::tempdir().unwrap();
        let o = std::process::Command::new("rsync")
            .args(["-an", "--stats"])
            .arg(format!("{root}/"))
            .arg(dest.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(matches!(o.status.code(), Some(0 | 23)), "rsync: {err}");
        for line in err.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                line.contains("overflows max-path")
                    || line.contains("File name too long")
                    || line.starts_with("rsync error: some files"),
                "rsync: {line}"
            );
        }
    }
}

/// The torture tree's huge folder at a million files lists fully through the mount (getdents
/// in pages: every name exactly once, in a stable order), and names anywhere in it are looked
/// up (the timing is `bench/huge_dir.sh`'s, not this test's).
#[test]
fn a_million_entry_folder_lists_fully() {
    let Some(m) = Mount::try_start(&["--profile", "torture", "--files", "1000000"]) else { return };
    let huge = m.path().join("huge").display().to_string();
    let script = r#"
import os, sys
d = sys.argv[1]
names = os.listdir(d)
again = os.listdir(d)
assert names == again, "a second listing gives the same order"
assert len(set(names)) == len(names), "no name twice"
for k in (0, 1, 499_999, len(names) - 1):
    st = os.stat(os.path.join(d, "file-%07d.txt" % k))
    assert st.st_size < 1024
print(len(names))
"#;
    // A million less the 87 files the rest of the frame places.
    assert_eq!(python_ok(script, &[&huge]).trim(), "999913");
    let (_, n, _) = sh(&format!("ls -f '{huge}' | wc -l"));
    assert_eq!(n.trim(), "999915", "ls -f: every entry, . and .. included");
}

/// Sixteen readers at once on one torture mount for a bounded time: find walks, du, stat storms
/// on random names (the huge folder included), random reads at random offsets (sparse files
/// past 4 GiB included) and listings of the huge folder. No error, no crash, the mount's
/// memory stays under its cap, and it unmounts cleanly after.
#[test]
fn sixteen_readers_hammer_one_mount() {
    // With busy polling on (off by default), so its non-blocking reads of the device are
    // hammered too.
    let Some(mut m) = Mount::try_start(&["--profile", "torture", "--files", "300000", "--busy-poll", "5"]) else {
        return;
    };
    let root = m.root();
    let pid = m.pid();
    let script = r#"
import os, random, subprocess, sys, threading, time
root, seconds = sys.argv[1], float(sys.argv[2])
deadline = time.time() + seconds
errors, done = [], {}
names = [p for p in (os.path.join(root, "names", n) for n in os.listdir(os.path.join(root, "names"))) if os.path.isfile(p)]
huge = os.path.join(root, "huge")
count = len(os.listdir(huge))
meta = [os.path.join(root, "metadata", n) for n in ("over-4GiB.vhdx", "exactly-4GiB.iso", "modified-before-created.docx")]
def loop(kind, step):
    n = 0
    rng = random.Random(kind + str(threading.get_ident()))
    while time.time() < deadline:
        try:
            step(rng)
            n += 1
        except Exception as e:
            errors.append(f"{kind}: {e!r}")
    done[kind + str(threading.get_ident())] = n
def find(rng):
    out = subprocess.run(["find", root, "-type", "f"], capture_output=True)
    assert out.returncode == 0 and out.stdout.count(b"\n") >= count, out.stderr[-300:]
def du(rng):
    out = subprocess.run(["du", "-s", root], capture_output=True)
    assert out.returncode == 0, out.stderr[-300:]
def stats(rng):
    for _ in range(200):
        if rng.random() < 0.5:
            os.stat(os.path.join(huge, "file-%07d.txt" % rng.randrange(count)))
        else:
            os.lstat(rng.choice(names))
def reads(rng):
    path = rng.choice(meta + names[:10])
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        for _ in range(20):
            f.seek(rng.randrange(max(size, 1)))
            f.read(rng.choice([1, 4096, 65536, 1 << 20]))
def listing(rng):
    got = len(os.listdir(huge))
    assert got == count, (got, count)
work = [("find", find)] * 2 + [("du", du)] * 2 + [("stat", stats)] * 4 + [("read", reads)] * 4 + [("list", listing)] * 4
threads = [threading.Thread(target=loop, args=w) for w in work]
for t in threads: t.start()
for t in threads: t.join()
print(len(threads), sum(done.values()), len(errors))
for e in errors[:5]: print(e)
"#;
    // Sample the mount's resident memory while the readers run.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                let rss = status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                peak = peak.max(rss);
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            peak
        })
    };
    let o = std::process::Command::new("python3").arg("-c").arg(script).arg(&root).arg("8").output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak_kb = sampler.join().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    let fields: Vec<u64> = out.lines().next().unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
    eprintln!(
        "{} readers, {} operations, {} errors; mount peak RSS {} MB",
        fields[0],
        fields[1],
        fields[2],
        peak_kb / 1024
    );
    assert_eq!(fields[0], 16);
    assert_eq!(fields[2], 0, "{out}");
    assert!(fields[1] > 16, "every reader got work done: {out}");
    assert!(peak_kb > 0 && peak_kb < 300 * 1024, "peak RSS {} MB", peak_kb / 1024);
    assert!(m.stop().success(), "SIGTERM unmounts and exits 0");
    assert!(!Mount::is_mounted(m.path()));
}
