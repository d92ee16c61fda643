//! A writable Samba server for `materialize smb://` and `verify smb://`: the real smbd on
//! 127.0.0.1:445 (smbcacls speaks only to 445) with a throwaway configuration and state under
//! a temporary folder, as a NAS exports a share to Windows clients: NT ACLs in
//! `security.NTACL` (acl_xattr), streams in xattrs (streams_xattr), DOS attributes and
//! creation times stored. Three shares:
//! - `share`: where [`ADMIN`] (mapped to root, one of the `admin users`) may set any owner;
//! - `strict`: a share ACL that grants everything but WRITE_OWNER, so [`PLAIN`] (mapped to
//!   nobody) cannot set owners or groups, as on a NAS without SeRestorePrivilege;
//! - `tiny`: a 20 MB tmpfs, to fill;
//! - `readonly`: a share no one may write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The privileged account (Samba's `admin users`) and the plain one, and their password.
pub const ADMIN: &str = "filer";
pub const PLAIN: &str = "clerk";
pub const PASSWORD: &str = "Write-pw-2026";

pub struct WritableSamba {
    pub dir: tempfile::TempDir,
    smbd: Option<Child>,
}

impl WritableSamba {
    pub fn start() -> WritableSamba {
        let dir = tempfile::Builder::new().prefix("synthfs-writable-share-").tempdir().expect("a temporary folder");
        let d = dir.path();
        for sub in ["private", "lock", "state", "cache", "pid", "ncalrpc", "share", "strict", "tiny", "readonly"] {
            std::fs::create_dir_all(d.join(sub)).expect("a state folder");
        }
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=20m", "tmpfs"])
            .arg(d.join("tiny"))
            .status()
            .expect("mount runs");
        assert!(ok.success(), "mount a 20 MB tmpfs");
        for share in ["share", "strict", "tiny"] {
            chmod_777(&d.join(share));
        }
        std::fs::write(d.join("users.map"), format!("root = {ADMIN}\nnobody = {PLAIN}\n")).expect("users.map");
        std::fs::write(d.join("smb.conf"), config(d)).expect("smb.conf");
        let conf = d.join("smb.conf");
        for unix in ["root", "nobody"] {
            let mut c = Command::new("smbpasswd")
                .arg("-c")
                .arg(&conf)
                .args(["-s", "-a", unix])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("smbpasswd runs");
            writeln!(c.stdin.take().expect("stdin"), "{PASSWORD}\n{PASSWORD}").expect("the password");
            assert!(c.wait().expect("smbpasswd").success(), "smbpasswd -a {unix}");
        }
        // Everyone: full control but WRITE_OWNER (0x001F01FF without 0x00080000).
        let o = Command::new("sharesec")
            .arg("-s")
            .arg(&conf)
            .args(["strict", "-R", "S-1-1-0:ALLOWED/0x0/0x001701ff"])
            .output()
            .expect("sharesec runs");
        assert!(o.status.success(), "sharesec: {}", String::from_utf8_lossy(&o.stderr));
        let mut s = WritableSamba { dir, smbd: None };
        s.start_smbd();
        s
    }

    /// The folder a share writes into on the server.
    pub fn path(&self, share: &str) -> PathBuf {
        self.dir.path().join(share)
    }

    /// Starts smbd (again) and waits until it takes connections. An smbd that exits at once
    /// (the one before still letting go of its pid file) is started again.
    pub fn start_smbd(&mut self) {
        use std::os::unix::process::CommandExt;
        let started = Instant::now();
        loop {
            let mut child = Command::new("/usr/sbin/smbd")
                .args(["--foreground", "--no-process-group", "--configfile"])
                .arg(self.dir.path().join("smb.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("smbd starts");
            loop {
                if std::net::TcpStream::connect("127.0.0.1:445").is_ok() {
                    self.smbd = Some(child);
                    return;
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                let log = std::fs::read_to_string(self.dir.path().join("smbd.log")).unwrap_or_default();
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "smbd did not listen on 445; its log ends:\n{}",
                    &log[log.len().saturating_sub(3000)..]
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Kills the smbd processes that serve connections (one each), as a dropped network would
    /// end them, and leaves the server listening for new ones; how many were killed.
    pub fn drop_connections(&self) -> usize {
        let Some(main) = self.smbd.as_ref().map(|c| c.id().to_string()) else { return 0 };
        let o = Command::new("pgrep").args(["-x", "-P", &main, "smbd"]).output().expect("pgrep runs");
        let pids: Vec<String> = String::from_utf8_lossy(&o.stdout).split_whitespace().map(String::from).collect();
        for pid in &pids {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
        pids.len()
    }

    /// Stops smbd and every process it forked (one per connection), and waits until they are
    /// gone and the port is free.
    pub fn stop_smbd(&mut self) {
        if let Some(mut child) = self.smbd.take() {
            let group = child.id().to_string();
            let _ = Command::new("pkill").args(["-KILL", "-g", &group]).status();
            let _ = child.wait();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                let alive = Command::new("pgrep").args(["-g", &group]).output().map(|o| !o.stdout.is_empty());
                let listening = std::net::TcpStream::connect("127.0.0.1:445").is_ok();
                if !listening && !alive.unwrap_or(false) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for WritableSamba {
    fn drop(&mut self) {
        self.stop_smbd();
        // Lazily: a forked smbd may still be closing its files there.
        let _ = Command::new("umount").arg("-l").arg(self.dir.path().join("tiny")).status();
    }
}

fn chmod_777(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777)).expect("chmod");
}

fn config(d: &Path) -> String {
    let at = |s: &str| d.join(s).display().to_string();
    let share = |name: &str| {
        format!(
            "[{name}]\n  path = {}\n  read only = {}\n  vfs objects = acl_xattr streams_xattr\n  acl_xattr:ignore system acls = yes\n  store dos attributes = yes\n  map archive = no\n  map hidden = no\n  map system = no\n  map readonly = no\n  hide dot files = no\n  admin users = root\n",
            at(name),
            if name == "readonly" { "yes" } else { "no" }
        )
    };
    format!(
        "[global]\n  server role = standalone server\n  workgroup = CORP\n  smb ports = 445\n  interfaces = 127.0.0.1\n  bind interfaces only = yes\n  disable netbios = yes\n  server min protocol = SMB2_02\n  private dir = {}\n  lock directory = {}\n  state directory = {}\n  cache directory = {}\n  pid directory = {}\n  ncalrpc dir = {}\n  passdb backend = tdbsam:{}\n  log file = {}\n  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n  disable spoolss = yes\n  map to guest = Never\n  username map = {}\n{}{}{}{}",
        at("private"),
        at("lock"),
        at("state"),
        at("cache"),
        at("pid"),
        at("ncalrpc"),
        at("private/passdb.tdb"),
        at("smbd.log"),
        at("users.map"),
        share("share"),
        share("strict"),
        share("tiny"),
        share("readonly"),
    )
}
