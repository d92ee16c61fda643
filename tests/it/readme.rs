//! The README's commands run as written: every command line of its code blocks, through the
//! real binary, its absolute paths (`/mnt/share`, `/data/share`, `/srv/share`) put under a
//! temporary folder and its outputs (`share.zip`, `prod/`, `truth.jsonl`) written there.
//! `/srv/share`, "a real tree", is one made first; `users.csv` is a small AD export. Left out,
//! and said so: `.ci/run` (CI itself) and the shard line (an NFS share of a terabyte). `serve
//! smb` runs in `smb::` (it takes port 445, one test at a time).
//!
//! The parse is deliberately plain (words split at spaces; `NAME=VALUE` and `sudo` before the
//! program; `> FILE`); a README line it cannot read fails the test instead of being skipped.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::common::{Mount, bin, fuse_available, signal, stderr, stdout};

/// One command line of the README.
#[derive(Clone, Debug)]
pub struct Line {
    pub text: String,
    pub env: Vec<(String, String)>,
    /// The arguments after `synthfs` (or `cargo run --`).
    pub args: Vec<String>,
    pub stdout_to: Option<String>,
}

/// What a line needs to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Runs to its end.
    Batch,
    /// Mounts and stays (mount, demo --keep): run until ready, looked at, then SIGTERM.
    Stays,
    /// `serve smb`: in the smb group.
    Serve,
    /// Not run here, for the reason given.
    Skip(&'static str),
}

impl Line {
    pub fn kind(&self) -> Kind {
        let has = |a: &str| self.args.iter().any(|x| x == a);
        match self.args.first().map(String::as_str) {
            None => Kind::Skip("CI itself (.ci/run)"),
            Some(_) if has("--shard") => Kind::Skip("an eighth of a 10M-file share: an NFS share of a terabyte"),
            Some(_) if self.args.iter().any(|a| a.starts_with("smb://")) => {
                Kind::Skip("an SMB server named nas (tests/it/smb/materialize.rs writes to a real one)")
            }
            Some("serve") => Kind::Serve,
            Some("mount") => Kind::Stays,
            Some("demo") if has("--keep") => Kind::Stays,
            Some(_) => Kind::Batch,
        }
    }
}

/// Every command line of the README's `sh` blocks.
pub fn lines() -> Vec<Line> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
    let mut out = Vec::new();
    let mut in_block = false;
    for raw in readme.lines() {
        if raw.starts_with("```") {
            in_block = raw == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        let text = raw.split(" #").next().unwrap_or("").trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        assert!(!text.contains(['"', '\'', '\\', '|', '&', ';', '$']), "a README line this parse cannot read: {raw}");
        let mut words = text.split_whitespace().peekable();
        let mut env = Vec::new();
        while let Some(w) = words.peek() {
            if *w == "sudo" {
                words.next();
            } else if let Some((k, v)) =
                w.split_once('=').filter(|(k, _)| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            {
                env.push((k.to_string(), v.to_string()));
                words.next();
            } else {
                break;
            }
        }
        let rest: Vec<&str> = words.collect();
        let args: Vec<&str> = match rest.as_slice() {
            ["synthfs", args @ ..] => args.to_vec(),
            ["cargo", "run", "--", args @ ..] => args.to_vec(),
            [".ci/run"] => Vec::new(),
            _ => panic!("a README line that runs neither synthfs nor .ci/run: {raw}"),
        };
        let (args, stdout_to) = match args.iter().position(|a| *a == ">") {
            Some(i) => (args[..i].to_vec(), args.get(i + 1).map(|f| f.to_string())),
            None => (args, None),
        };
        out.push(Line { text: text.to_string(), env, args: args.iter().map(|a| a.to_string()).collect(), stdout_to });
    }
    assert!(out.len() >= 10, "the README's command lines: {out:?}");
    out
}

/// A folder standing for the README user's machine: absolute paths live under it, and the
/// commands run in it.
pub struct Machine {
    pub dir: tempfile::TempDir,
}

impl Machine {
    /// A fresh one, with the `users.csv` the README's lines point at.
    pub fn set_up() -> Machine {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("users.csv"),
            "\"Department\",\"Enabled\",\"Name\",\"SamAccountName\",\"SID\",\"Title\"\r\n\
             \"Finance\",\"True\",\"Ada Lovelace\",\"alovelace\",\"S-1-5-21-11-22-33-1101\",\"Analyst\"\r\n\
             \"Legal\",\"True\",\"Alan Turing\",\"aturing\",\"S-1-5-21-11-22-33-1102\",\"Counsel\"\r\n",
        )
        .unwrap();
        Machine { dir }
    }

    /// `/srv/share`, the real tree `--compare` and `profile fit` read: another profile's, on
    /// disk, made the first time a line names it.
    fn real_tree_for(&self, line: &Line) {
        let srv = self.path_of("/srv/share");
        if !line.args.iter().any(|a| a == "/srv/share") || srv.exists() {
            return;
        }
        let o = bin()
            .args(["materialize", srv.to_str().unwrap(), "-p", "ediscovery", "--files", "2000", "--size-scale", "0.1"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }

    /// Where an absolute path of the README lives here.
    pub fn path_of(&self, abs: &str) -> PathBuf {
        self.dir.path().join(abs.trim_start_matches('/'))
    }

    /// A line's arguments with its absolute paths put here.
    pub fn args(&self, line: &Line) -> Vec<String> {
        line.args
            .iter()
            .map(|a| if a.starts_with('/') { self.path_of(a).display().to_string() } else { a.clone() })
            .collect()
    }

    fn command(&self, line: &Line) -> std::process::Command {
        let mut c = bin();
        c.args(self.args(line)).current_dir(self.dir.path()).env_remove("RUST_LOG");
        c.envs(line.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }

    /// Runs a line to its end: exit 0, and output (printed or in its `> FILE`).
    pub fn run_batch(&self, line: &Line) {
        self.real_tree_for(line);
        let started = std::time::Instant::now();
        let o = self.command(line).output().unwrap();
        assert!(o.status.success(), "`{}` failed ({}): {}", line.text, o.status, stderr(&o));
        match &line.stdout_to {
            Some(file) => {
                std::fs::write(self.dir.path().join(file), &o.stdout).unwrap();
                assert!(!o.stdout.is_empty(), "`{}` printed nothing", line.text);
            }
            None => assert!(!o.stdout.is_empty() || !o.stderr.is_empty(), "`{}` said nothing", line.text),
        }
        eprintln!("ran `{}` in {:.1} s", line.text, started.elapsed().as_secs_f64());
    }

    /// Runs a line that mounts and stays until its mount serves, then ends it with SIGTERM
    /// and checks that it ended well and left no mount.
    pub fn run_staying(&self, line: &Line) {
        let mut child: Child = self.command(line).stdout(Stdio::piped()).spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mountpoint = loop {
            let Some(Ok(said)) = lines.next() else {
                let status = child.wait().unwrap();
                panic!("`{}` ended ({status}) before it was mounted", line.text);
            };
            let at = said.strip_prefix("mounted on ").or_else(|| said.strip_prefix("still mounted on "));
            if let Some(rest) = at {
                break PathBuf::from(rest.split([':', ' ']).next().unwrap());
            }
        };
        let top = std::fs::read_dir(&mountpoint).unwrap().count();
        assert!(top > 3, "`{}`: {top} entries at the top of {}", line.text, mountpoint.display());
        assert!(signal(child.id(), "TERM"));
        let status = child.wait().unwrap();
        assert!(status.success(), "`{}` after SIGTERM: {status}", line.text);
        assert!(!Mount::is_mounted(&mountpoint), "{} still mounted", mountpoint.display());
        eprintln!("ran `{}`: {top} entries at the top, ended by SIGTERM", line.text);
    }
}

/// Whether a line writes or reads the copy on disk (`materialize` then `verify`: they run in
/// that order, in one test).
fn on_disk(l: &Line) -> bool {
    l.args.iter().any(|a| a == "/data/share")
}

/// Runs every line of `kind` that `pick` picks, in README order, and says which were left out
/// and why.
fn run_kind(want: Kind, pick: fn(&Line) -> bool) {
    let all = lines();
    for l in &all {
        if let Kind::Skip(why) = l.kind() {
            eprintln!("not run: `{}`: {why}", l.text);
        }
    }
    let m = Machine::set_up();
    let mine: Vec<&Line> = all.iter().filter(|l| l.kind() == want && pick(l)).collect();
    assert!(!mine.is_empty(), "no README line of {want:?}");
    for l in mine {
        match want {
            Kind::Batch => m.run_batch(l),
            Kind::Stays => m.run_staying(l),
            _ => unreachable!(),
        }
    }
    // What the lines wrote is there.
    for l in all.iter().filter(|l| l.kind() == want && pick(l)) {
        if l.args.first().is_some_and(|a| a == "archive") {
            let out = m.dir.path().join(&l.args[1]);
            assert!(out.exists(), "`{}` wrote no {}", l.text, out.display());
        }
    }
}

#[test]
fn the_readme_commands_that_end_run_as_written() {
    run_kind(Kind::Batch, |l| !on_disk(l));
}

#[test]
fn the_readme_copy_on_disk_is_made_and_verified_as_written() {
    run_kind(Kind::Batch, on_disk);
}

#[test]
fn the_readme_mounts_run_as_written() {
    if !fuse_available() {
        return;
    }
    run_kind(Kind::Stays, |_| true);
}

/// The parse sees the lines a reader sees.
#[test]
fn the_readme_lines_are_read_as_a_shell_would() {
    let all = lines();
    let serve = all.iter().find(|l| l.kind() == Kind::Serve).expect("a serve smb line");
    assert!(serve.env.iter().any(|(k, _)| k == "SYNTHFS_SMB_PASSWORD"), "{serve:?}");
    let manifest = all.iter().find(|l| l.args.first().is_some_and(|a| a == "manifest")).unwrap();
    assert_eq!(manifest.stdout_to.as_deref(), Some("truth.jsonl"));
    assert!(!manifest.args.iter().any(|a| a == ">"));
    assert_eq!(all.iter().filter(|l| matches!(l.kind(), Kind::Skip(_))).count(), 3, "{all:#?}");
    let out = stdout(&bin().arg("--version").output().unwrap());
    assert!(out.starts_with("synthfs "), "{out}");
}
