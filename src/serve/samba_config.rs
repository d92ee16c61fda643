//! The Samba configuration `serve smb` writes: one read-only share of the mounted tree, whose
//! owners, DACLs, attributes, creation times and alternate streams Samba reads from the
//! mount's extended attributes (`security.NTACL`, `user.DOSATTRIB`, `user.DosStream.*`), and
//! every directory the server keeps state in under one throwaway folder.

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Who may connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a password (`--guest`).
    Guest,
    /// One SMB account, `name`, whose password is in the server's private passdb.
    User { name: String },
}

/// One share of one folder, served by an smbd whose state lives under `state_dir`.
#[derive(Clone, Debug)]
pub struct SambaConfig {
    pub listen: SocketAddr,
    /// The share's name (`\\host\NAME`).
    pub share: String,
    /// The folder shared: the mounted tree.
    pub path: PathBuf,
    /// Private, lock, state, cache, pid and log directories go here.
    pub state_dir: PathBuf,
    pub access: Access,
    /// The NetBIOS workgroup clients see (the profile's domain).
    pub workgroup: String,
    /// One line about the share (`net view`, Finder's info).
    pub comment: String,
}

/// The Unix account the share is read as: the tree is served read-only, and reading it as the
/// superuser is what makes Samba skip its access checks, as a backup operator's scanner
/// would, so every folder is listed whatever its DACL says.
pub const READ_AS: &str = "root";

impl SambaConfig {
    /// The directories smbd needs, each to be made before it starts.
    pub fn dirs(&self) -> [PathBuf; 6] {
        ["private", "lock", "state", "cache", "pid", "ncalrpc"].map(|d| self.state_dir.join(d))
    }

    /// The passdb file of the private directory (the SMB account and its password hash).
    pub fn passdb(&self) -> PathBuf {
        self.state_dir.join("private").join("passdb.tdb")
    }

    /// smbd's log file.
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("smbd.log")
    }

    /// The path of the configuration file in the state directory.
    pub fn file(&self) -> PathBuf {
        self.state_dir.join("smb.conf")
    }

    /// The `smb.conf` text.
    pub fn render(&self) -> String {
        let mut c = String::from("# Written by synthfs serve smb; removed when it stops.\n[global]\n");
        for (key, value) in self.global() {
            let _ = writeln!(c, "  {key} = {}", ini(&value));
        }
        let _ = writeln!(c, "\n[{}]", ini(&self.share));
        for (key, value) in self.share_options() {
            let _ = writeln!(c, "  {key} = {}", ini(&value));
        }
        c
    }

    /// The server's options: loopback (or the address asked for), SMB2 and later, every
    /// state directory under [`SambaConfig::state_dir`], no printers, and who may connect.
    fn global(&self) -> Vec<(&'static str, String)> {
        let dir = |name: &str| self.state_dir.join(name).display().to_string();
        let mut o: Vec<(&'static str, String)> = vec![
            ("server role", "standalone server".into()),
            ("workgroup", self.workgroup.clone()),
            ("netbios name", "SYNTHFS".into()),
            ("server string", self.comment.clone()),
            ("smb ports", self.listen.port().to_string()),
            ("interfaces", self.listen.ip().to_string()),
        ];
        if !self.listen.ip().is_unspecified() {
            o.push(("bind interfaces only", "yes".into()));
        }
        o.extend([
            ("disable netbios", "yes".into()),
            ("server min protocol", "SMB2_02".into()),
            ("private dir", dir("private")),
            ("lock directory", dir("lock")),
            ("state directory", dir("state")),
            ("cache directory", dir("cache")),
            ("pid directory", dir("pid")),
            ("ncalrpc dir", dir("ncalrpc")),
            ("passdb backend", format!("tdbsam:{}", self.passdb().display())),
            ("log file", self.log_file().display().to_string()),
            ("max log size", "10000".into()),
            ("load printers", "no".into()),
            ("printing", "bsd".into()),
            ("printcap name", "/dev/null".into()),
            ("disable spoolss", "yes".into()),
        ]);
        match &self.access {
            Access::Guest => o.extend([("map to guest", "Bad User".into()), ("guest account", "nobody".into())]),
            // The client's account name maps onto the Unix account the passdb entry is for.
            Access::User { .. } => {
                o.extend([("map to guest", "Never".into()), ("username map", dir("users.map"))]);
            }
        }
        o
    }

    /// The share's options: read-only, read as [`READ_AS`], and every piece of Windows
    /// metadata from the mount's xattrs.
    fn share_options(&self) -> Vec<(&'static str, String)> {
        let mut o: Vec<(&'static str, String)> = vec![
            ("path", self.path.display().to_string()),
            ("comment", self.comment.clone()),
            ("read only", "yes".into()),
            ("force user", READ_AS.into()),
        ];
        match &self.access {
            Access::Guest => o.extend([("guest ok", "yes".into()), ("guest only", "yes".into())]),
            // The client's name was mapped onto READ_AS before the share is checked.
            Access::User { .. } => o.push(("valid users", READ_AS.into())),
        }
        let fixed = [
            // Owners, groups and DACLs from security.NTACL, never from the mode bits.
            ("vfs objects", "acl_xattr streams_xattr"),
            ("acl_xattr:ignore system acls", "yes"),
            // Attributes and creation times from user.DOSATTRIB, as the model has them, and
            // nothing derived from the mode bits or a leading dot.
            ("store dos attributes", "yes"),
            ("map archive", "no"),
            ("map hidden", "no"),
            ("map system", "no"),
            ("map readonly", "no"),
            ("hide dot files", "no"),
            // The tree's own user.synthfs.* attributes are not Windows extended attributes,
            // and sizing them would cost two requests per file of every listing.
            ("ea support", "no"),
            // A FUSE mount has no kernel leases or share modes to take.
            ("kernel oplocks", "no"),
            ("kernel share modes", "no"),
            ("posix locking", "no"),
        ];
        o.extend(fixed.map(|(k, v)| (k, v.to_string())));
        o
    }

    /// The `username map` file: the client's account name is served as [`READ_AS`].
    pub fn users_map(&self) -> Option<String> {
        match &self.access {
            Access::Guest => None,
            Access::User { name } => Some(format!("{READ_AS} = {}\n", ini(name))),
        }
    }
}

/// A value for one smb.conf line: values run to the end of the line, so only a newline could
/// break one.
fn ini(value: &str) -> String {
    value.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(access: Access, listen: &str) -> SambaConfig {
        SambaConfig {
            listen: listen.parse().unwrap(),
            share: "share".into(),
            path: "/tmp/s/share".into(),
            state_dir: "/tmp/s".into(),
            access,
            workgroup: "CORP".into(),
            comment: "synthfs enterprise\nseed 1".into(),
        }
    }

    #[test]
    fn the_share_is_read_only_and_reads_windows_metadata() {
        let text = config(Access::Guest, "127.0.0.1:4450").render();
        for line in [
            "smb ports = 4450",
            "interfaces = 127.0.0.1",
            "bind interfaces only = yes",
            "[share]",
            "path = /tmp/s/share",
            "read only = yes",
            "guest ok = yes",
            "vfs objects = acl_xattr streams_xattr",
            "store dos attributes = yes",
            "hide dot files = no",
            "private dir = /tmp/s/private",
            "passdb backend = tdbsam:/tmp/s/private/passdb.tdb",
        ] {
            assert!(text.lines().any(|l| l.trim() == line), "missing {line:?} in\n{text}");
        }
        assert!(text.contains("server string = synthfs enterprise seed 1\n"), "a newline in a value stays on its line");
    }

    #[test]
    fn a_user_share_maps_one_account_and_all_addresses_bind_everywhere() {
        let c = config(Access::User { name: "demo".into() }, "0.0.0.0:445");
        let text = c.render();
        assert!(text.contains("valid users = root"));
        assert!(text.contains("map to guest = Never"));
        assert!(!text.contains("guest ok"));
        assert!(!text.contains("bind interfaces only"), "0.0.0.0 listens on every interface");
        assert_eq!(c.users_map().as_deref(), Some("root = demo\n"));
        assert_eq!(config(Access::Guest, "127.0.0.1:445").users_map(), None);
    }
}
