//! What the mount shows of the model: counts, every file's stat and bytes, holes, mappings,
//! extended attributes and statfs, listings with and without attributes, one tree per seed;
//! and that it refuses every write.

use std::os::unix::fs::MetadataExt;

use synthfs::stats::digest::content_sha256;
use synthfs_model::FileAttrs;

use super::{assert_reads_as_model, files_by_path};
use crate::common::{Mount, hex, python_ok, python_ok_with_input, sh, sh_ok, small_tree};

#[test]
fn find_counts_files_and_directories() {
    let Some(m) = Mount::small(&[]) else { return };
    let root = m.path().display().to_string();
    let (_, files, _) = sh(&format!("find '{root}' -type f | wc -l"));
    let (_, dirs, _) = sh(&format!("find '{root}' -type d | wc -l"));
    assert_eq!(files.trim(), "2000");
    assert_eq!(dirs.trim(), "150");
    assert!(m.banner.contains("2,000 files in 150 folders"), "{}", m.banner);
}

#[test]
fn every_file_matches_the_model() {
    let tree = small_tree(2000, 150, 7);
    let model = files_by_path(&tree);
    let Some(m) = Mount::small(&[]) else { return };
    let root = m.path().to_path_buf();
    // stat(1)-level view through find -printf: inode, size, mtime, mode, uid, path.
    let listing = sh_ok(&format!("cd '{}' && find . -type f -printf '%i %s %T@ %m %U %P\\n'", root.display()));
    let mut seen = 0;
    for line in listing.lines() {
        let mut f = line.splitn(6, ' ');
        let (ino, size, mtime, mode, uid, path) = (
            f.next().unwrap(),
            f.next().unwrap(),
            f.next().unwrap(),
            f.next().unwrap(),
            f.next().unwrap(),
            f.next().unwrap(),
        );
        let a = model.get(path).unwrap_or_else(|| panic!("{path} is not in the model"));
        assert_eq!(ino.parse::<u64>().unwrap(), a.index + 1, "{path}");
        assert_eq!(size.parse::<u64>().unwrap(), a.size(), "{path}");
        // find prints %T@ with ten fractional digits: seconds and nanoseconds, then a zero.
        assert_eq!(mtime, format!("{}.{:09}0", a.modified.secs, a.modified.nanos), "{path}");
        assert_eq!(u32::from_str_radix(mode, 8).unwrap(), a.mode, "{path}");
        assert_eq!(uid.parse::<u32>().unwrap(), a.uid, "{path}");
        // Times to the nanosecond, through the metadata call itself.
        let meta = std::fs::metadata(root.join(path)).unwrap();
        assert_eq!((meta.mtime(), meta.mtime_nsec() as u32), (a.modified.secs, a.modified.nanos), "{path}");
        assert_eq!(meta.gid(), a.gid);
        assert_eq!(meta.blocks(), a.allocated() / 512, "{path}");
        // Content: SHA-256 of the bytes read through the mount equals the model's digest.
        assert_reads_as_model(&tree, &root, path, a);
        seen += 1;
    }
    assert_eq!(seen, 2000);
}

#[test]
fn sparse_files_have_real_holes() {
    let tree = small_tree(2000, 150, 7);
    let sparse: Vec<(String, FileAttrs)> =
        files_by_path(&tree).into_iter().filter(|(_, a)| a.content.sparse.is_some()).take(5).collect();
    assert!(!sparse.is_empty());
    let Some(m) = Mount::small(&[]) else { return };
    let out = tempfile::tempdir().unwrap();
    for (path, a) in &sparse {
        let file = m.path().join(path);
        // du counts allocated blocks: far below the apparent size.
        let (_, du, _) = sh(&format!("du --block-size=1 '{}' | cut -f1", file.display()));
        let du: u64 = du.trim().parse().unwrap();
        assert_eq!(du, a.allocated(), "{path}");
        assert!(du * 2 < a.size(), "{path}: du {du} of {}", a.size());
        // SEEK_HOLE / SEEK_DATA tell the truth.
        let layout = a.content.sparse.unwrap();
        let script = format!(
            "import os; fd = os.open({:?}, os.O_RDONLY); print(os.lseek(fd, 0, os.SEEK_HOLE), os.lseek(fd, {}, os.SEEK_DATA))",
            file.display().to_string(),
            layout.head
        );
        let said = python_ok(&script, &[]).trim().to_string();
        assert_eq!(said, format!("{} {}", layout.head, layout.head + layout.hole), "{path}");
        // cp --sparse=always keeps the holes on a real disk.
        let copy = out.path().join("copy");
        sh_ok(&format!("cp --sparse=always '{}' '{}'", file.display(), copy.display()));
        let meta = std::fs::metadata(&copy).unwrap();
        assert_eq!(meta.len(), a.size());
        assert!(meta.blocks() * 512 < a.size() / 2, "{path}: the copy is not sparse");
        std::fs::remove_file(&copy).unwrap();
    }
}

/// Scanners map files instead of reading them (ClamAV, ripgrep on large files): the pages a
/// mapping faults in come from the same reads and hold the model's bytes, holes included.
#[test]
fn mapped_files_hold_the_models_bytes() {
    let tree = small_tree(2000, 150, 7);
    let mut files: Vec<(String, FileAttrs)> = files_by_path(&tree).into_iter().filter(|(_, a)| a.size() > 0).collect();
    files.sort_by_key(|(path, _)| path.clone());
    // Every sparse file, and a spread of the others.
    let chosen: Vec<_> =
        files.iter().enumerate().filter(|(i, (_, a))| a.content.sparse.is_some() || i % 10 == 0).collect();
    assert!(chosen.iter().any(|(_, (_, a))| a.content.sparse.is_some()));
    let Some(m) = Mount::small(&[]) else { return };
    let script = "import hashlib, mmap, sys\n\
        for p in sys.stdin.read().split('\\0')[:-1]:\n\
        \x20   with open(p, 'rb') as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:\n\
        \x20       print(hashlib.sha256(m).hexdigest())\n";
    let paths: String = chosen.iter().map(|(_, (path, _))| format!("{}\0", m.path().join(path).display())).collect();
    let out = python_ok_with_input(script, &[], paths.as_bytes());
    let digests: Vec<String> = out.lines().map(str::to_string).collect();
    assert_eq!(digests.len(), chosen.len());
    for ((_, (path, a)), got) in chosen.iter().zip(&digests) {
        let want = hex(&content_sha256(&tree, &a.content));
        assert_eq!(got, &want, "{path}");
    }
}

#[test]
fn two_mounts_of_one_seed_agree_and_another_seed_differs() {
    let listing = |m: &Mount| {
        let (ok, out, err) =
            sh(&format!("cd '{}' && find . -printf '%i %s %T@ %m %U %p\\n' | sort", m.path().display()));
        assert!(ok.success(), "{err}");
        out
    };
    let Some(first) = Mount::small(&[]) else { return };
    let a = listing(&first);
    // Busy polling and the thread count change how requests are served, never what they see.
    let b = listing(&Mount::start_small(&["--busy-poll", "5", "--threads", "1"]));
    let c = listing(&Mount::start_small(&["--seed", "99"]));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.lines().count(), 2150);
}

#[test]
fn writes_fail_with_erofs() {
    let Some(m) = Mount::small(&[]) else { return };
    let root = m.path().display().to_string();
    let (_, file, _) = sh(&format!("find '{root}' -type f -name '*.pdf' | head -1"));
    let file = file.trim();
    assert!(!file.is_empty());
    for cmd in [
        format!("touch '{root}/new.txt'"),
        format!("mkdir '{root}/newdir'"),
        format!("rm -f '{file}'"),
        format!("echo more >> '{file}'"),
        format!("chmod 600 '{file}'"),
        format!("mv '{file}' '{root}/moved.pdf'"),
        format!("touch '{file}'"),
    ] {
        let (ok, _, err) = sh(&cmd);
        assert!(!ok.success(), "{cmd} succeeded");
        assert!(err.contains("Read-only file system"), "{cmd}: {err}");
    }
    // access(2) as a shell's tests ask it, twice (the second answered by the kernel alone):
    // readable and searchable, never writable.
    for _ in 0..2 {
        let (ok, out, err) = sh(&format!(
            "test -r '{file}' && test -r '{root}' && test -x '{root}' && cd '{root}' && ! test -w '{file}' && ! test -w '{root}' && echo fine"
        ));
        assert!(ok.success() && out.trim() == "fine", "{out} {err}");
    }
    let out =
        sh_ok(&format!("python3 -c \"import os; print(os.access('{file}', os.R_OK), os.access('{file}', os.W_OK))\""));
    assert_eq!(out.trim(), "True False", "os.access on the read-only mount");
}

#[test]
fn extended_attributes_and_statfs() {
    let Some(m) = Mount::small(&[]) else { return };
    let finance = m.path().join("Finance");
    let script = format!(
        "import os; p = {:?}; print(sorted(os.listxattr(p))); print(os.getxattr(p, 'user.synthfs.department').decode()); print(os.getxattr(p, 'user.synthfs.sid').decode()[:9])",
        finance.display().to_string()
    );
    let out = python_ok(&script, &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "['user.synthfs.created', 'user.synthfs.department', 'user.synthfs.manager', 'user.synthfs.owner', 'user.synthfs.sid']"
    );
    assert_eq!(lines[1], "Finance");
    assert_eq!(lines[2], "S-1-5-21-");
    // statfs: total blocks are the model's allocated bytes once the background walk is done.
    let tree = small_tree(2000, 150, 7);
    let s = synthfs::stats::collect(&tree);
    let want = s.allocated.div_ceil(4096);
    let mut got = 0;
    for _ in 0..50 {
        let (_, out, _) = sh(&format!("stat -f -c '%b %c %S' '{}'", m.path().display()));
        let f: Vec<u64> = out.split_whitespace().map(|x| x.parse().unwrap()).collect();
        assert_eq!(f[1], 2150);
        assert_eq!(f[2], 4096);
        got = f[0];
        if got == want {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(got, want);
}

/// Names-only listings (a walk that never stats) and attribute listings (one that does) give
/// the same inodes and kinds, whichever comes first on a fresh mount; namespaces the tree has
/// nothing in answer "not supported", and `ls -lR` shows every entry without a stat failure.
#[test]
fn listings_with_and_without_attributes_agree() {
    let Some(m) = Mount::small(&[]) else { return };
    let script = r#"
import errno, os, stat, sys
root = sys.argv[1]
seen = []
def walk(d):
    with os.scandir(d) as it:
        for e in it:
            seen.append((e.path, e.inode(), e.is_dir(follow_symlinks=False)))
            if e.is_dir(follow_symlinks=False):
                walk(e.path)
walk(root)
for path, ino, is_dir in seen:
    st = os.lstat(path)
    assert st.st_ino == ino, (path, st.st_ino, ino)
    assert stat.S_ISDIR(st.st_mode) == is_dir, path
    if is_dir:
        # st_blksize sizes the getdents buffer: a power of two from 32 KiB that holds the
        # listing with attributes (about 192 bytes an entry), and small folders get no more.
        b, n = st.st_blksize, len(os.listdir(path)) + 2
        assert b & (b - 1) == 0 and 32768 <= b <= 1048576, (path, b)
        assert b >= min(192 * n, 1048576) * 0.9 and (b == 32768 or b < 2 * 192 * n * 1.1), (path, b, n)
for name in ("security.selinux", "system.posix_acl_access", "trusted.x"):
    try:
        os.getxattr(seen[0][0], name)
        raise SystemExit(f"{name} answered")
    except OSError as e:
        assert e.errno == errno.EOPNOTSUPP, (name, e)
print(len(seen), sum(1 for s in seen if not s[2]))
"#;
    assert_eq!(python_ok(script, &[&m.root()]).trim(), "2149 2000");
    // A stat walk on a fresh mount: every entry listed with its attributes.
    let m2 = Mount::start_small(&[]);
    let (ok, out, err) = sh(&format!("ls -lRnA '{}'", m2.path().display()));
    assert!(ok.success() && err.is_empty(), "{err}");
    let entries = out.lines().filter(|l| l.starts_with('-') || l.starts_with('d')).count();
    assert_eq!(entries, 2149);
    assert!(!out.lines().any(|l| l.starts_with('?') || l.contains(" ? ")), "an entry failed to stat");
}
