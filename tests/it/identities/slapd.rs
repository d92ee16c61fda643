//! A throwaway OpenLDAP server (Debian's `slapd`) on a loopback port, stopped on drop.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::directory::{ADMIN, BASE, PASSWORD};
use crate::common::{have_tool, sh, signal};

/// A throwaway slapd on a loopback port, stopped on drop.
pub struct Slapd {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Slapd {
    pub fn start(ldif: &str) -> Option<Slapd> {
        if !have_tool(Command::new("slapd").arg("-VV"), "slapd (Debian package slapd)") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("db")).unwrap();
        let conf = format!(
            "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
include /etc/ldap/schema/inetorgperson.schema\ninclude /etc/ldap/schema/nis.schema\n\
include /etc/ldap/schema/msuser.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n\
pidfile {0}/slapd.pid\ndatabase mdb\nsuffix \"{BASE}\"\nrootdn \"{ADMIN}\"\nrootpw {PASSWORD}\n\
directory {0}/db\nmaxsize 33554432\n",
            d.display()
        );
        std::fs::write(d.join("slapd.conf"), conf).unwrap();
        std::fs::write(d.join("data.ldif"), ldif).unwrap();
        let (ok, _, err) = sh(&format!("slapadd -q -f {0}/slapd.conf -l {0}/data.ldif", d.display()));
        assert!(ok.success(), "slapadd failed: {err}");
        let port = free_port();
        let log = std::fs::File::create(d.join("slapd.log")).unwrap();
        // -d 256: stay in the foreground and log every operation (the request count below).
        let child = Command::new("slapd")
            .args([
                "-f",
                &format!("{}/slapd.conf", d.display()),
                "-h",
                &format!("ldap://127.0.0.1:{port}/"),
                "-d",
                "256",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("slapd starts");
        let s = Slapd { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not listen: {}", s.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(s)
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    /// Operations of a kind (`BIND`, `SRCH`) the server received so far.
    pub fn operations(&self, kind: &str) -> usize {
        let ops: HashSet<String> = self
            .log()
            .lines()
            .filter(|l| l.contains(&format!(" {kind} ")))
            .filter_map(|l| {
                let conn = l.split_whitespace().find(|w| w.starts_with("conn="))?;
                let op = l.split_whitespace().find(|w| w.starts_with("op="))?;
                Some(format!("{conn} {op}"))
            })
            .collect();
        ops.len()
    }

    pub fn password_file(&self) -> PathBuf {
        let p = self.dir.path().join("bind.pw");
        std::fs::write(&p, format!("{PASSWORD}\n")).unwrap();
        p
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
