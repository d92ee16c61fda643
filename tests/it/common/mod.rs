//! Helpers shared by the integration tests: the real binary ([`TestEnv`], [`run`]), the test
//! profiles and their trees, shells, outside tools ([`tools`]) and mounts ([`Mount`],
//! [`Tmpfs`]) that come down on drop.

mod mounts;
mod testenv;
pub mod tools;

use std::path::PathBuf;
use std::process::{Command, Output};

use synthfs::walk::fold_dirs;
use synthfs_model::{FileAttrs, Profile, Tree};

pub use mounts::{Mount, Ntfs, Tmpfs};
pub use testenv::{Run, TestEnv};
pub use tools::{
    fuse_available, have, have_python_modules, have_tool, is_root, python, python_ok, python_ok_with_input,
};

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

/// `synthfs stats --json ARGS`, which must succeed.
pub fn stats_json(args: &[&str]) -> serde_json::Value {
    Run::of(&[&["stats", "--json"], args].concat()).json()
}

/// Path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Path of a golden file (`tests/golden`).
pub fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
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

/// A built-in profile set to `files` files (and its usual files per folder).
pub fn builtin_profile(profile: &str, files: u64) -> Profile {
    let mut p = Profile::builtin(profile).expect("a built-in profile");
    p.set_counts(Some(files), None);
    p
}

/// The tree of [`builtin_profile`].
pub fn builtin_tree(profile: &str, files: u64) -> Tree {
    Tree::new(builtin_profile(profile, files)).expect("valid tree")
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

/// [`sh`] for a command line that must succeed: its stdout.
pub fn sh_ok(script: &str) -> String {
    let (ok, out, err) = sh(script);
    assert!(ok.success(), "{script}: {err}");
    out
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

/// Lower-case hex of bytes (a digest as `sha256sum` prints it).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of bytes, in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}
