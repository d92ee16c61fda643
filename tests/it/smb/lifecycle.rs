//! The server's life as a user sees it: who may connect, writes refused, a clean stop after
//! SIGTERM and a second run right after, and one-line errors.

use std::net::TcpListener;

use super::{PASSWORD, Served, USER, can_serve};
use crate::common::{Run, small_profile_path};

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The smbd processes running now.
fn smbd_count() -> usize {
    let (_, out, _) = crate::common::sh("pgrep -x smbd || true");
    out.lines().count()
}

#[test]
fn the_account_needs_its_password_and_a_guest_share_needs_none() {
    if !can_serve() {
        return;
    }
    let port = free_port();
    let served = Served::small(port, &[]);
    let (ok, out) = served.smbclient("ls");
    assert!(ok, "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("Finance")), "{out}");
    let wrong = std::process::Command::new("smbclient")
        .args(["//127.0.0.1/share", "-p", &port.to_string(), "-U", &format!("{USER}%not-it"), "-c", "ls"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("LOGON_FAILURE"), "{wrong:?}");
    let anonymous = std::process::Command::new("smbclient")
        .args(["//127.0.0.1/share", "-p", &port.to_string(), "-N", "-c", "ls"])
        .output()
        .unwrap();
    assert!(!anonymous.status.success(), "no guest access unless asked");
    drop(served);

    let port = free_port();
    let p = small_profile_path();
    let listen = format!("127.0.0.1:{port}");
    let guest = Served::start(port, &["--profile", &p, "--listen", &listen, "--guest"], &[]);
    assert_eq!(guest.ready["user"], serde_json::Value::Null);
    let o = std::process::Command::new("smbclient")
        .args(["//127.0.0.1/share", "-p", &port.to_string(), "-N", "-c", "ls"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{o:?}");
    assert!(listing.lines().any(|l| l.trim_start().starts_with("Finance")), "{listing}");
}

#[test]
fn writes_over_smb_are_refused_and_the_tree_is_unchanged() {
    if !can_serve() {
        return;
    }
    let served = Served::small(free_port(), &[]);
    let (_, before) = served.smbclient("recurse; ls");
    let (_, first) = served.smbclient("ls");
    let file = first
        .lines()
        .filter_map(|l| l.trim_start().split("  ").next())
        .find(|n| n.contains('.') && *n != "." && *n != "..")
        .map(str::to_string);
    let mut attempts =
        vec!["put /etc/hostname new.txt".to_string(), "mkdir NewFolder".to_string(), "rmdir Finance".to_string()];
    if let Some(f) = &file {
        attempts.push(format!("del \"{f}\""));
        attempts.push(format!("rename \"{f}\" renamed.txt"));
        attempts.push(format!("setmode \"{f}\" +h"));
    }
    for cmd in &attempts {
        let (_, out) = served.smbclient(cmd);
        assert!(
            out.contains("NT_STATUS_ACCESS_DENIED") || out.contains("NT_STATUS_MEDIA_WRITE_PROTECTED"),
            "{cmd}: {out}"
        );
    }
    let acl = std::process::Command::new("smbcacls")
        .args(["//127.0.0.1/share", "Finance", "-p", &served.port.to_string(), "-U", &format!("{USER}%{PASSWORD}")])
        .args(["-a", "ACL:S-1-1-0:ALLOWED/OI|CI/FULL"])
        .output()
        .unwrap();
    assert!(!acl.status.success(), "setting an ACL must fail: {acl:?}");
    let (_, after) = served.smbclient("recurse; ls");
    let strip = |s: &str| s.lines().filter(|l| !l.contains("blocks of size")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&before), strip(&after));
}

#[test]
fn sigterm_stops_smbd_and_unmounts_and_a_second_run_serves_again() {
    if !can_serve() {
        return;
    }
    let port = free_port();
    let before = smbd_count();
    let temp_dirs = || crate::common::sh("ls -d ${TMPDIR:-/tmp}/synthfs-smb-*/ 2>/dev/null | wc -l").1;
    let dirs_before = temp_dirs();
    for round in 0..2 {
        let mut served = Served::small(port, &[]);
        assert!(served.smbclient("ls").0, "round {round}");
        let status = served.stop();
        assert!(status.success(), "round {round}: {status}");
        assert_eq!(smbd_count(), before, "round {round}: smbd left running");
        let (_, mounts, _) = crate::common::sh("grep -c synthfs-smb /proc/self/mountinfo || true");
        assert_eq!(mounts.trim(), "0", "round {round}: mount left behind");
        assert_eq!(temp_dirs(), dirs_before, "round {round}: temporary folder left behind");
    }
}

#[test]
fn misuse_is_one_line_and_a_nonzero_exit() {
    if !can_serve() {
        return;
    }
    let p = small_profile_path();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let pw = [("SYNTHFS_SMB_PASSWORD", PASSWORD)];
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["serve", "smb", "--profile", &p];
        all.extend_from_slice(args);
        Run::with_env(&all, env)
    };
    run(&["--listen", &listen], &pw).fails(2, "is in use");
    run(&["--listen", "127.0.0.1:4451"], &[]).fails(2, "SYNTHFS_SMB_PASSWORD");
    run(&["--listen", "nowhere"], &pw).fails(2, "--listen");
    run(&["--share", "a/b", "--listen", "127.0.0.1:4451"], &pw).fails(2, "--share");
    let missing = [("SYNTHFS_SMB_PASSWORD", PASSWORD), ("SYNTHFS_SMBD", "/nonexistent/smbd")];
    run(&["--listen", "127.0.0.1:4451"], &missing).fails(2, "apt install samba");
}
