//! A mount's life: readers at once, mount and unmount cycles, an outside `umount`, refused and
//! missing mount points, a billion files at once, and what a user without fusermount3 is told.

use std::path::Path;

use crate::common::{self, Mount, Run, have, is_root, sh, sh_ok, stderr};

#[test]
fn eight_concurrent_readers_finish_cleanly() {
    let Some(m) = Mount::small(&[]) else { return };
    let root = m.path().display().to_string();
    let cmds = [
        format!("find '{root}' > /dev/null"),
        format!("find '{root}' -type f -exec cat {{}} + > /dev/null"),
        format!("du -s '{root}' > /dev/null"),
        format!("ls -lR '{root}' > /dev/null"),
        format!("find '{root}' -type f -exec cat {{}} + | sha256sum > /dev/null"),
        format!("du -s --apparent-size '{root}' > /dev/null"),
        format!("find '{root}' -type f -name '*.docx' -exec head -c 100 {{}} + > /dev/null"),
        format!("find '{root}' -printf '%s %p\\n' | sort > /dev/null"),
    ];
    let children: Vec<_> = cmds.iter().map(|c| common::bash_pipefail(c).spawn().unwrap()).collect();
    for (mut child, cmd) in children.into_iter().zip(cmds.iter()) {
        assert!(child.wait().unwrap().success(), "{cmd}");
    }
}

#[test]
fn twenty_mount_cycles_leave_nothing_behind() {
    if !common::fuse_available() {
        return;
    }
    for _ in 0..20 {
        let mut m = Mount::start_small(&[]);
        assert!(m.path().join("Finance").is_dir());
        let pid = m.child.as_ref().unwrap().id();
        let status = m.stop();
        assert!(status.success(), "exit {status:?} after SIGTERM");
        assert!(!Mount::is_mounted(m.path()), "still mounted");
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "process {pid} left behind");
    }
}

#[test]
fn outside_umount_ends_the_mount_cleanly() {
    let Some(mut m) = Mount::small(&[]) else { return };
    sh_ok(&format!("umount '{}'", m.path().display()));
    let status = m.wait();
    assert!(status.success(), "{status:?}");
}

#[test]
fn bad_mount_points_are_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let cases = [
        (file.display().to_string(), "is not a directory"),
        (file.join("below").display().to_string(), "cannot make the mount point"),
        (dir.path().display().to_string(), "is not empty"),
        ("/proc".to_string(), "already a mount point"),
    ];
    for (path, want) in cases {
        Run::of(&["mount", &path, "--files", "100"]).fails(2, want);
    }
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = Run::of(&["mount", empty.to_str().unwrap(), "-o", "rw"]);
    assert_eq!(o.code(), Some(2));
    assert!(o.stderr().contains("read-only"), "{}", o.stderr());
}

/// A missing mount point is made, with its parents, and removed again after the unmount;
/// folders that were there stay.
#[test]
fn a_missing_mount_point_is_made_and_removed_after() {
    use std::io::BufRead;
    if !common::fuse_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let point = dir.path().join("mnt/share");
    let mut child = common::bin()
        .arg("mount")
        .arg(&point)
        .args(["--files", "1000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("mounted on "), "{line:?}");
    assert!(point.join("Finance").is_dir(), "the tree is served at the made mount point");
    assert!(common::signal(child.id(), "TERM"));
    assert!(child.wait().unwrap().success());
    assert!(!Mount::is_mounted(&point));
    assert!(!dir.path().join("mnt").exists(), "the made folders are removed");
    assert!(dir.path().exists());
}

#[test]
fn a_billion_files_mount_at_once() {
    let started = std::time::Instant::now();
    let Some(m) = Mount::try_start(&["--files", "1G"]) else { return };
    eprintln!("10^9-file mount served after {:?}: {}", started.elapsed(), m.banner.trim());
    assert!(m.banner.contains("1,000,000,000 files"));
    let names: Vec<String> =
        std::fs::read_dir(m.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|n| n == "Finance"), "{names:?}");
    let (ok, out, _) = sh(&format!("stat -f -c %c '{}'", m.path().display()));
    assert!(ok.success());
    assert_eq!(out.trim().parse::<u64>().unwrap(), tree_nodes_for_a_billion());
}

fn tree_nodes_for_a_billion() -> u64 {
    common::builtin_tree("enterprise", 1_000_000_000).node_count()
}

#[test]
fn a_non_root_user_without_fusermount3_is_told_what_to_install() {
    if !is_root() {
        eprintln!("skipping: needs root to run the binary as another user");
        return;
    }
    if !have(&["setpriv", "--version"], "setpriv (util-linux)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, _, _) = sh(&format!("chmod 777 '{}'", dir.path().display()));
    let o = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "env", "PATH=/nonexistent"])
        .arg(env!("CARGO_BIN_EXE_synthfs"))
        .arg("mount")
        .arg(dir.path())
        .output()
        .unwrap();
    if stderr(&o).contains("Permission denied") && !stderr(&o).contains("fusermount3") {
        eprintln!("skipping: user 65534 cannot run the test binary here: {}", stderr(&o));
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("needs fusermount3") && stderr(&o).contains("apt install fuse3"), "{}", stderr(&o));
}
