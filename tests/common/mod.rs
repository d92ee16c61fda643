//! Helpers shared by the integration tests: the real binary, the test profiles, trees.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use synthfs::walk::fold_dirs;
use synthfs_model::{FileAttrs, Profile, Tree};

/// The `synthfs` binary cargo built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_synthfs"))
}

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).env_remove("RUST_LOG").output().expect("the synthfs binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn small_profile_path() -> String {
    fixture("small.toml").display().to_string()
}

/// The small test profile.
pub fn small_profile() -> Profile {
    synthfs::profile_file::from_file(&fixture("small.toml")).expect("the test profile is valid")
}

/// A tree of the small profile with the given counts and seed.
pub fn small_tree(files: u64, dirs: u64, seed: u64) -> Tree {
    let mut p = small_profile();
    p.seed = seed;
    p.set_counts(Some(files), Some(dirs));
    Tree::new(p).expect("valid tree")
}

/// Whether the tests run as root.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Whether an outside tool is present. Missing tools skip a check with a printed reason,
/// except in CI (`SYNTHFS_REQUIRE_TOOLS=1`), where `.ci/run` installs them and a missing one
/// is a failure.
pub fn have_tool(check: &mut Command, what: &str) -> bool {
    let ok = check.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("SYNTHFS_REQUIRE_TOOLS").is_none(),
            "{what} is required (SYNTHFS_REQUIRE_TOOLS is set)"
        );
        eprintln!("skipping checks that need {what}: not installed");
    }
    ok
}

/// Whether FUSE mounts can be made here; prints why not when they cannot.
pub fn fuse_available() -> bool {
    if std::path::Path::new("/dev/fuse").exists() {
        return true;
    }
    assert!(std::env::var_os("SYNTHFS_REQUIRE_FUSE").is_none(), "/dev/fuse is required (SYNTHFS_REQUIRE_FUSE is set)");
    eprintln!("skipping: /dev/fuse is missing on this machine, so no FUSE mount can be made");
    false
}

/// A running `synthfs mount`, unmounted (SIGTERM, then a lazy umount if need be) on drop.
pub struct Mount {
    pub dir: tempfile::TempDir,
    pub child: Option<std::process::Child>,
    pub banner: String,
}

impl Mount {
    /// Mounts with `args` (tree options) on a fresh empty directory and waits until it serves.
    pub fn start(args: &[&str]) -> Mount {
        Mount::spawn(args, bin().stderr(std::process::Stdio::inherit()))
    }

    /// Like [`Mount::start`], with the mount's debug log (a line per request) in `log`.
    pub fn start_logged(args: &[&str], log: &std::path::Path) -> Mount {
        let file = std::fs::File::create(log).expect("create the log");
        Mount::spawn(args, bin().env("RUST_LOG", "debug").env("NO_COLOR", "1").stderr(file))
    }

    fn spawn(args: &[&str], command: &mut Command) -> Mount {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = command
            .arg("mount")
            .arg(dir.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn synthfs mount");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("banner");
        assert!(line.starts_with("mounted on "), "mount failed: {line:?}");
        Mount { dir, child: Some(child), banner: line }
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The mount process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    /// Sends SIGTERM and returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        signal(child.id(), "TERM");
        child.wait().expect("wait for synthfs")
    }

    pub fn is_mounted(path: &std::path::Path) -> bool {
        let want = std::fs::canonicalize(path).unwrap_or(path.to_path_buf());
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .any(|m| std::path::Path::new(m) == want)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        if Mount::is_mounted(self.dir.path()) {
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// Sends a signal (`TERM`, `INT`, `KILL`) with the shell's own `kill` (no procps needed);
/// false when it could not be sent, as to a process that has ended.
pub fn signal(pid: u32, sig: &str) -> bool {
    Command::new("sh").args(["-c", &format!("kill -{sig} {pid}")]).status().is_ok_and(|s| s.success())
}

/// Runs a shell command line and returns (status, stdout, stderr).
pub fn sh(script: &str) -> (std::process::ExitStatus, String, String) {
    shell(Command::new("sh").arg("-c").arg(script))
}

/// Like [`sh`], in bash with `pipefail`: a pipeline fails when any of its commands does, so a
/// reader's error (`tar -cf - MNT | tar -t | wc -l`) is not hidden by the last command's success.
pub fn sh_pipefail(script: &str) -> (std::process::ExitStatus, String, String) {
    shell(&mut bash_pipefail(script))
}

/// The command [`sh_pipefail`] runs, to spawn instead.
pub fn bash_pipefail(script: &str) -> Command {
    let mut bash = Command::new("bash");
    bash.args(["-o", "pipefail", "-c", script]);
    bash
}

fn shell(command: &mut Command) -> (std::process::ExitStatus, String, String) {
    let o = command.output().expect("the shell runs");
    (o.status, String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Every file's attributes, in index order.
pub fn all_files(tree: &Tree) -> Vec<FileAttrs> {
    let mut v = fold_dirs(
        tree,
        Vec::new,
        |acc: &mut Vec<FileAttrs>, plan| acc.extend((0..plan.files).map(|s| tree.file_attrs_in(plan, s))),
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    v.sort_by_key(|a| a.index);
    v
}

/// What `pick` returns for the tree's folders that it picks, in no particular order.
pub fn fold_dirs_of<T: Send>(tree: &Tree, pick: impl Fn(&synthfs_model::plan::DirPlan) -> Option<T> + Sync) -> Vec<T> {
    fold_dirs(
        tree,
        Vec::new,
        |acc, plan| acc.extend(pick(plan)),
        |mut a, b| {
            a.extend(b);
            a
        },
    )
}
