//! A temporary directory to run the real binary in, after fd's `tests/testenv`: a test reads as
//! "in this directory, this command prints this" or "fails with this one line", and a failed
//! assertion shows the command with everything it printed.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::bin;

/// A fresh temporary directory (removed on drop) to run `synthfs` in and write its output to.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the directory.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `rel` inside the directory, as a command-line argument.
    pub fn arg(&self, rel: &str) -> String {
        self.join(rel).display().to_string()
    }

    /// Runs `synthfs ARGS` with the directory as its working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::new(args, Some(self.dir.path()))
    }

    /// The names in the directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read the test directory")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

/// A finished run of `synthfs`, with assertions that show the command and its output.
pub struct Run {
    pub output: Output,
    command: String,
}

impl Run {
    /// Runs `synthfs ARGS` in the tests' working directory.
    pub fn of(args: &[&str]) -> Run {
        Run::new(args, None)
    }

    /// Runs `synthfs ARGS` with the environment variables `env` set.
    pub fn with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = bin();
        command.args(args).env_remove("RUST_LOG").envs(env.iter().copied());
        let output = command.output().expect("the synthfs binary runs");
        Run { output, command: format!("synthfs {}", args.join(" ")) }
    }

    fn new(args: &[&str], dir: Option<&Path>) -> Run {
        let mut command = bin();
        command.args(args).env_remove("RUST_LOG");
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let output = command.output().expect("the synthfs binary runs");
        Run { output, command: format!("synthfs {}", args.join(" ")) }
    }

    pub fn stdout(&self) -> String {
        super::stdout(&self.output)
    }

    pub fn stderr(&self) -> String {
        super::stderr(&self.output)
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn context(&self) -> String {
        format!("{} ({:?})\nstdout: {}\nstderr: {}", self.command, self.output.status, self.stdout(), self.stderr())
    }

    /// Asserts the command succeeded; its stdout.
    pub fn ok(&self) -> String {
        assert!(self.output.status.success(), "{}", self.context());
        self.stdout()
    }

    /// Asserts the command succeeded; its stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        let out = self.ok();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {}", self.context()))
    }

    /// Asserts the command exited with `code`, saying one line on stderr that mentions
    /// `needle`; that line.
    pub fn fails(&self, code: i32, needle: &str) -> String {
        assert_eq!(self.code(), Some(code), "{}", self.context());
        let err = self.stderr();
        assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {}", self.context());
        assert!(err.contains(needle), "{needle:?} expected: {}", self.context());
        err.trim_end().to_string()
    }
}
