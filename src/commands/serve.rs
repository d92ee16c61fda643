//! `synthfs serve smb`: the tree shared over SMB by Samba's own server, with the model's
//! owners, DACLs, attributes, creation times and alternate streams, until Ctrl-C.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use synthfs::serve::Access;
use synthfs_model::Profile;

use super::errors::BadInput;
use super::tree::TreeArgs;

/// The environment variable that holds the SMB account's password.
pub const PASSWORD_ENV: &str = "SYNTHFS_SMB_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Share the tree over SMB with Samba (smbd), read-only, with its owners, NT ACLs, attributes, creation times and streams.
    #[command(after_long_help = SMB_EXAMPLES)]
    Smb(SmbArgs),
}

/// `serve`'s own help.
pub const SERVE_EXAMPLES: &str = "\
Examples (as root):
  synthfs serve smb --guest -p panzura-demo       # \\\\127.0.0.1\\share for Windows scanners
More: synthfs serve smb --help, docs/smb.md.";

const SMB_EXAMPLES: &str = "\
Examples (as root; the password in SYNTHFS_SMB_PASSWORD):
  synthfs serve smb                                   # \\\\127.0.0.1\\share, user synthfs
  synthfs serve smb --guest --listen 127.0.0.1:4450 -n 20k   # no password, another port
  synthfs serve smb --listen 0.0.0.0 --password-file pw.txt  # reachable from the network

Every folder and file carries the NT security descriptor the model gives it (--nt-acls is
always on): a scanner sees the model's owners and DACLs, its read-only, hidden, system,
archive and sparse bits, creation times and Zone.Identifier streams. Clients read the share
with the server's rights, as a backup operator would. Needs root, smbd (Debian: apt install
samba) and /dev/fuse. More: docs/smb.md.";

#[derive(Debug, Args)]
pub struct SmbArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The address and port to listen on. Anything but a loopback address makes the share reachable from the network.
    #[arg(long, value_name = "ADDR[:PORT]", default_value = "127.0.0.1:445", help_heading = "Serve")]
    pub listen: String,
    /// The share's name: \\HOST\NAME.
    #[arg(long, value_name = "NAME", default_value = "share", help_heading = "Serve")]
    pub share: String,
    /// Let anyone connect without a password.
    #[arg(long, help_heading = "Serve")]
    pub guest: bool,
    /// The SMB account clients connect as; its password comes from SYNTHFS_SMB_PASSWORD or --password-file.
    #[arg(long, value_name = "NAME", default_value = "synthfs", conflicts_with = "guest", help_heading = "Serve")]
    pub user: String,
    /// A file whose first line is the SMB account's password (instead of SYNTHFS_SMB_PASSWORD).
    #[arg(long, value_name = "FILE", conflicts_with = "guest", help_heading = "Serve")]
    pub password_file: Option<PathBuf>,
    /// Threads serving the mount's requests.
    #[arg(long, short = 't', value_name = "T", default_value_t = 2, help_heading = "Serve")]
    pub threads: usize,
    /// Print one JSON line (unc, url, listen, share, user, files, folders) once the share is ready.
    #[arg(long)]
    pub json: bool,
}

/// What `serve smb` does, decided from its options.
pub struct Config {
    profile: Profile,
    listen: SocketAddr,
    share: String,
    access: Access,
    password: Option<String>,
    threads: usize,
    json: bool,
}

impl TryFrom<ServeCommand> for Config {
    type Error = BadInput;

    fn try_from(command: ServeCommand) -> Result<Config, BadInput> {
        let ServeCommand::Smb(args) = command;
        let mut profile = args.tree.profile()?;
        // A Windows share has a descriptor on everything; without one Samba would invent
        // owners and DACLs from the mode bits.
        profile.acls.windows = true;
        check_share_name(&args.share)?;
        let (access, password) = if args.guest {
            (Access::Guest, None)
        } else {
            check_account_name(&args.user)?;
            (Access::User { name: args.user }, Some(password(args.password_file.as_ref())?))
        };
        Ok(Config {
            profile,
            listen: parse_listen(&args.listen)?,
            share: args.share,
            access,
            password,
            threads: args.threads.max(1),
            json: args.json,
        })
    }
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT` or a bare V6 address; port 445 unless given.
fn parse_listen(s: &str) -> Result<SocketAddr, BadInput> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 445))
        .map_err(|_| BadInput(format!("--listen {s:?} is not ADDR[:PORT] (127.0.0.1, 0.0.0.0:4450, [::1]:445)")))
}

/// Names Windows accepts for a share.
fn check_share_name(name: &str) -> Result<(), BadInput> {
    let bad = |c: char| c.is_control() || "\\/:*?\"<>|[]".contains(c);
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(bad) {
        return Err(BadInput(format!(
            "--share {name:?} is not a share name (1 to 80 characters, none of \\ / : * ? \" < > | [ ])"
        )));
    }
    Ok(())
}

fn check_account_name(name: &str) -> Result<(), BadInput> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if name.is_empty() || name.len() > 20 || !name.chars().all(ok) {
        return Err(BadInput(format!("--user {name:?} is not an account name (1 to 20 of a-z, 0-9, . _ -)")));
    }
    Ok(())
}

/// The SMB account's password: from `--password-file` (its first line), else the environment.
fn password(file: Option<&PathBuf>) -> Result<String, BadInput> {
    let pw = match file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| BadInput(format!("cannot read --password-file {}: {e}", f.display())))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => std::env::var(PASSWORD_ENV).map_err(|_| {
            BadInput(format!("the SMB account needs a password: set {PASSWORD_ENV}, or give --password-file FILE, or serve without one with --guest"))
        })?,
    };
    if pw.is_empty() || pw.contains('\n') {
        return Err(BadInput("the SMB password is empty".into()));
    }
    Ok(pw)
}

#[cfg(target_os = "linux")]
pub fn run(config: Config) -> anyhow::Result<()> {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use anyhow::Context;
    use synthfs::serve::{SambaConfig, Smbd, smbd};
    use synthfs_fuse::MountSettings;

    use super::errors::lift;

    let Config { profile, listen, share, access, password, threads, json } = config;
    let smbd_path = smbd::preflight(listen).map_err(lift)?;
    let started = Instant::now();
    let tree = Arc::new(super::tree::load(profile)?);
    let state = tempfile::Builder::new().prefix("synthfs-smb-").tempdir().context("cannot make a temporary folder")?;
    let mountpoint = state.path().join("share");
    std::fs::create_dir(&mountpoint).with_context(|| format!("cannot make {}", mountpoint.display()))?;
    let settings = MountSettings {
        threads,
        // smbd reads the tree as the client's Unix user.
        allow_other: true,
        options: vec!["fsname=synthfs-smb".into()],
        ttl: None,
        busy_poll: None,
        file_ahead: None,
        dir_ahead: None,
        samba_xattrs: true,
    };
    let mut mounted = synthfs_fuse::mount(tree.clone(), &mountpoint, &settings).map_err(lift)?;
    let p = &tree.model.profile;
    let samba = SambaConfig {
        listen,
        share: share.clone(),
        path: mounted.mountpoint.clone(),
        state_dir: state.path().to_path_buf(),
        access: access.clone(),
        workgroup: tree.model.accounts().domain().to_string(),
        comment: format!("synthfs {} seed {}", p.name, p.seed),
    };
    let served =
        smbd::prepare(&samba, password.as_deref()).and_then(|()| Smbd::start(&smbd_path, &samba)).map_err(lift);
    let mut server = match served {
        Ok(s) => s,
        Err(e) => {
            let _ = mounted.unmount();
            return Err(e);
        }
    };
    let ready = Ready::new(listen, share, &access, &tree, started.elapsed());
    let printed = ready.print(json);
    let mut at = tree.clone();
    let outcome = printed.map_err(anyhow::Error::from).and_then(|()| {
        loop {
            let signals = mounted.pending_signals();
            for _ in signals.iter().filter(|s| **s == synthfs_fuse::NEXT_EPOCH_SIGNAL) {
                super::mount::next_epoch(&mounted, &mut at);
            }
            if let Some(sig) = signals.iter().find(|s| **s != synthfs_fuse::NEXT_EPOCH_SIGNAL) {
                tracing::info!(signal = sig, "stopping");
                break Ok(());
            }
            if let Some(status) = server.exited() {
                break Err(anyhow::anyhow!("smbd stopped ({status}){}", server.log_tail()));
            }
            if mounted.ended() {
                break Err(anyhow::anyhow!("the tree was unmounted from outside; smbd stopped"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    server.stop();
    let unmounted = mounted.unmount().map_err(lift);
    drop(state);
    outcome?;
    unmounted
}

#[cfg(not(target_os = "linux"))]
pub fn run(_config: Config) -> anyhow::Result<()> {
    Err(BadInput("serve smb is available on Linux only for now".into()).into())
}

/// What a client needs to connect, printed once the share accepts connections.
#[derive(serde::Serialize)]
struct Ready {
    unc: String,
    url: String,
    listen: String,
    share: String,
    user: Option<String>,
    files: u64,
    folders: u64,
    #[serde(skip)]
    ready_ms: f64,
    #[serde(skip)]
    network: bool,
    #[serde(skip)]
    port: u16,
}

impl Ready {
    fn new(
        listen: SocketAddr,
        share: String,
        access: &Access,
        tree: &synthfs_model::Tree,
        took: std::time::Duration,
    ) -> Ready {
        let ip = listen.ip();
        let host = match ip {
            ip if ip.is_unspecified() => hostname(),
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        };
        let port = listen.port();
        let user = match access {
            Access::User { name } => Some(name.clone()),
            Access::Guest => None,
        };
        let at = if port == 445 { host.clone() } else { format!("{host}:{port}") };
        let who = user.as_ref().map_or(String::new(), |u| format!("{u}@"));
        Ready {
            unc: format!("\\\\{host}\\{share}"),
            url: format!("smb://{who}{at}/{share}"),
            listen: listen.to_string(),
            share,
            user,
            files: tree.file_count(),
            folders: tree.dir_count(),
            ready_ms: took.as_secs_f64() * 1000.0,
            network: !ip.is_loopback(),
            port,
        }
    }

    fn print(&self, json: bool) -> std::io::Result<()> {
        use synthfs_model::units::Count;
        let mut out = std::io::stdout().lock();
        if json {
            serde_json::to_writer(&mut out, self).map_err(std::io::Error::from)?;
            writeln!(out)?;
            return out.flush();
        }
        let (files, folders) = (Count(self.files), Count(self.folders));
        writeln!(
            out,
            "serving {} ({}) in {:.0} ms: {files} files in {folders} folders, read-only",
            self.unc, self.url, self.ready_ms
        )?;
        if self.network {
            writeln!(out, "  the share is reachable from the network on {}", self.listen)?;
        }
        let login = self.user.as_ref().map_or(String::new(), |u| format!(" /user:{u}"));
        let port = if self.port == 445 { String::new() } else { format!(" /TCPPORT:{}", self.port) };
        writeln!(out, "  Windows:  net use Z: {}{login}{port}", self.unc)?;
        let mac_at = self.url.trim_start_matches("smb:");
        writeln!(
            out,
            "  macOS:    Finder > Go > Connect to Server: {}  (or mount_smbfs {mac_at} /Volumes/{})",
            self.url, self.share
        )?;
        let smbclient_login = self.user.as_ref().map_or(" -N".to_string(), |u| format!(" -U {u}"));
        let smbclient_port = if self.port == 445 { String::new() } else { format!(" -p {}", self.port) };
        let host = self.unc.trim_start_matches('\\').split('\\').next().unwrap_or_default();
        writeln!(out, "  Linux:    smbclient //{host}/{}{smbclient_login}{smbclient_port}", self.share)?;
        writeln!(out, "Ctrl-C to stop.")?;
        out.flush()
    }
}

/// This machine's name, for a share that listens on every address.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    match name.trim() {
        "" => "localhost".into(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_parse_with_445_by_default() {
        assert_eq!(parse_listen("127.0.0.1").unwrap(), "127.0.0.1:445".parse().unwrap());
        assert_eq!(parse_listen("0.0.0.0:4450").unwrap(), "0.0.0.0:4450".parse().unwrap());
        assert_eq!(parse_listen("[::1]:4450").unwrap(), "[::1]:4450".parse().unwrap());
        assert_eq!(parse_listen("::1").unwrap(), "[::1]:445".parse().unwrap());
        assert!(parse_listen("localhost:x").is_err());
    }

    #[test]
    fn share_and_account_names_are_checked() {
        assert!(check_share_name("share").is_ok());
        assert!(check_share_name("Dept Files$").is_ok());
        for bad in ["", "a/b", "a\\b", "x]", "a:b", &"n".repeat(81)] {
            assert!(check_share_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_account_name("demo.user").is_ok());
        assert!(check_account_name("a b").is_err());
    }
}
