//! `synthfs serve smb`: the real smbd over the real mount, read with Samba's own clients
//! (smbclient, smbcacls) and with Python's smbprotocol, an independent client. Skipped, with
//! the reason printed, only where there is no root, /dev/fuse, smbd or smbprotocol.
//!
//! smbcacls speaks only to port 445, so the tests here run one at a time (the `smb` test
//! group in .config/nextest.toml).

mod epochs;
mod identities;
mod lifecycle;
mod materialize;
mod metadata;
mod storylines;
mod writable;
mod xattrs;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use crate::common::{bin, fuse_available, have, have_python_modules, is_root, signal, small_profile_path};

/// The password the tests' SMB account has.
const PASSWORD: &str = "Test-pw-2026";
/// The account.
const USER: &str = "auditor";

/// Whether `serve smb` can run here: root, /dev/fuse, smbd, smbclient and smbcacls.
fn can_serve() -> bool {
    if !is_root() {
        eprintln!("skipping: serve smb needs root (smbd starts as root)");
        return false;
    }
    fuse_available()
        && have(&["/usr/sbin/smbd", "--version"], "smbd (Debian: samba)")
        && have(&["smbclient", "--version"], "smbclient")
        && have(&["smbcacls", "--help"], "smbcacls")
}

/// A running `synthfs serve smb`, stopped with SIGTERM on drop.
struct Served {
    child: Option<Child>,
    /// The JSON line `--json` printed once the share was ready.
    ready: serde_json::Value,
    pub port: u16,
}

impl Served {
    /// Serves the small test profile (2,000 files) with NT ACLs and `extra` options on `port`,
    /// as [`USER`] with [`PASSWORD`].
    fn small(port: u16, extra: &[&str]) -> Served {
        let p = small_profile_path();
        let listen = format!("127.0.0.1:{port}");
        let args = [&["--profile", p.as_str(), "--listen", listen.as_str(), "--user", USER][..], extra].concat();
        Served::start(port, &args, &[("SYNTHFS_SMB_PASSWORD", PASSWORD)])
    }

    fn start(port: u16, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut child = bin()
            .args(["serve", "smb", "--json"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn synthfs serve smb");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufReader::new(stdout).read_line(&mut line).expect("the ready line");
        let ready: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                let status = child.wait().expect("wait");
                panic!("serve smb did not start ({status}): {line:?}");
            }
        };
        Served { child: Some(child), ready, port }
    }

    /// `smbclient //127.0.0.1/share -c COMMANDS` as the test account; stdout and stderr.
    fn smbclient(&self, commands: &str) -> (bool, String) {
        let o = Command::new("smbclient")
            .arg("//127.0.0.1/share")
            .args(["-p", &self.port.to_string(), "-U", &format!("{USER}%{PASSWORD}"), "-c", commands])
            .output()
            .expect("smbclient runs");
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    }

    /// Every folder and file as Python's smbprotocol sees it, one JSON value each.
    fn walk(&self) -> Vec<serde_json::Value> {
        let out = crate::common::python_ok(
            include_str!("walk_share.py"),
            &["127.0.0.1", &self.port.to_string(), "share", USER, PASSWORD],
        );
        out.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
    }

    /// Sends SIGTERM and returns how the server ended.
    fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        signal(child.id(), "TERM");
        child.wait().expect("wait for synthfs")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}

/// Whether smbprotocol is importable (`pip install smbprotocol`).
fn have_smbprotocol() -> bool {
    have_python_modules("smbprotocol", "Python's smbprotocol (pip install smbprotocol)")
}

/// NT ticks (100 ns since 1601) of a manifest's time, `2024-07-01T09:12:45.123456789Z`
/// (times before 1601 are 0, as the encoders clamp them).
fn nt_ticks(rfc3339: &str) -> u64 {
    fn bad(s: &str) -> ! {
        panic!("not a manifest time: {s}")
    }
    let (day, rest) = rfc3339.split_once('T').unwrap_or_else(|| bad(rfc3339));
    let days = synthfs_model::date::Date::parse(day).unwrap_or_else(|| bad(rfc3339)).unix();
    let field = |range: std::ops::Range<usize>| -> i64 {
        rest.get(range).and_then(|f| f.parse().ok()).unwrap_or_else(|| bad(rfc3339))
    };
    let (h, m, s, nanos) = (field(0..2), field(3..5), field(6..8), field(9..18));
    let secs = days + h * 3600 + m * 60 + s + 11_644_473_600;
    if secs < 0 { 0 } else { secs as u64 * 10_000_000 + nanos as u64 / 100 }
}

/// The README's `serve smb` line, run as written (it takes port 445, hence here): the share
/// answers `smbclient` as the default account with the password from the environment, and
/// SIGTERM ends it cleanly.
#[test]
fn the_readme_serve_line_runs_as_written() {
    use crate::readme::{Kind, Machine, lines};
    if !can_serve() {
        return;
    }
    let line = lines().into_iter().find(|l| l.kind() == Kind::Serve).expect("a serve line in the README");
    let m = Machine::set_up();
    let mut child = bin()
        .args(m.args(&line))
        .envs(line.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(m.dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the README's serve line");
    let mut said = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let linux = loop {
        let Some(Ok(l)) = said.next() else {
            panic!("`{}` ended ({:?}) before it said how to connect", line.text, child.wait());
        };
        if let Some(rest) = l.trim().strip_prefix("Linux:") {
            break rest.trim().to_string();
        }
    };
    let password = &line.env.iter().find(|(k, _)| k == "SYNTHFS_SMB_PASSWORD").expect("the password variable").1;
    // The printed smbclient line, with the password given.
    let words: Vec<&str> = linux.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"smbclient"), "{linux}");
    let mut args: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
    let at = args.iter().position(|w| w == "-U").expect("the printed line names the account") + 1;
    args[at] = format!("{}%{password}", args[at]);
    let o = Command::new("smbclient").args(&args).args(["-c", "ls"]).output().expect("smbclient runs");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "`{linux}`: {out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.lines().filter(|l| l.contains(" D ")).count() >= 3, "{out}");
    signal(child.id(), "TERM");
    let status = child.wait().expect("wait");
    assert!(status.success(), "`{}` after SIGTERM: {status}", line.text);
}
