//! Helpers shared by the integration tests: the real binary, the test profiles, trees.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use synthfs::model::{Profile, Tree};

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
    Profile::from_file(&fixture("small.toml")).expect("the test profile is valid")
}

/// A tree of the small profile with the given counts and seed.
pub fn small_tree(files: u64, dirs: u64, seed: u64) -> Tree {
    let mut p = small_profile();
    p.seed = seed;
    p.set_counts(Some(files), Some(dirs));
    Tree::new(p).expect("valid tree")
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
