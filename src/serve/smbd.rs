//! The Samba server `serve smb` runs: found on the machine, given its account and password,
//! started in the foreground in a process group of its own, waited for until it accepts
//! connections, and stopped with everything it started (`samba-dcerpcd` included).

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::samba_config::{READ_AS, SambaConfig};

/// Why the server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SmbdError {
    #[error(
        "smbd not found (or SYNTHFS_SMBD is not a program): install Samba's server (Debian and Ubuntu: apt install samba; Fedora: dnf install samba)"
    )]
    NotInstalled,
    #[error("{0} not found: install Samba's tools (Debian and Ubuntu: apt install samba-common-bin)")]
    ToolMissing(&'static str),
    #[error("serve smb must run as root: smbd starts as root to serve each client as a Unix user")]
    NotRoot,
    #[error("{0} is in use (another SMB server?); choose another with --listen ADDR:PORT")]
    PortInUse(SocketAddr),
    #[error("listening on port {} needs root", .0.port())]
    PortNeedsRoot(SocketAddr),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, io::Error),
    #[error("cannot write the server's configuration in {0}: {1}")]
    Setup(PathBuf, io::Error),
    #[error("cannot set the SMB password with smbpasswd: {0}")]
    Password(String),
    #[error("cannot start smbd: {0}")]
    Spawn(io::Error),
    #[error("smbd stopped ({status}){log}")]
    Exited { status: String, log: String },
    #[error("smbd did not accept connections on {addr} within {secs} s{log}")]
    NotListening { addr: SocketAddr, secs: u64, log: String },
}

impl SmbdError {
    /// Whether the user can fix it (exit code 2): root, a port, the package.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SmbdError::NotInstalled
                | SmbdError::ToolMissing(_)
                | SmbdError::NotRoot
                | SmbdError::PortInUse(_)
                | SmbdError::PortNeedsRoot(_)
        )
    }
}

/// Where a Samba program is: on `PATH`, or in the sbin folders a non-root `PATH` lacks.
pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/samba/sbin"].map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The environment variable that names the smbd to run, where it is not in the usual places.
pub const SMBD_ENV: &str = "SYNTHFS_SMBD";

/// The smbd to run: [`SMBD_ENV`] if set, else the one [`find`] finds.
pub fn smbd_path() -> Result<PathBuf, SmbdError> {
    match std::env::var_os(SMBD_ENV) {
        Some(p) if is_executable(Path::new(&p)) => Ok(PathBuf::from(p)),
        Some(_) => Err(SmbdError::NotInstalled),
        None => find("smbd").ok_or(SmbdError::NotInstalled),
    }
}

/// Checks what can be checked before anything is mounted: root, smbd, and a free port.
pub fn preflight(listen: SocketAddr) -> Result<PathBuf, SmbdError> {
    let smbd = smbd_path()?;
    if !rustix::process::geteuid().is_root() {
        return Err(SmbdError::NotRoot);
    }
    match TcpListener::bind(listen) {
        Ok(_) => Ok(smbd),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(SmbdError::PortInUse(listen)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(SmbdError::PortNeedsRoot(listen)),
        Err(e) => Err(SmbdError::Listen(listen, e)),
    }
}

/// Writes the configuration, its directories and the account's password.
pub fn prepare(config: &SambaConfig, password: Option<&str>) -> Result<(), SmbdError> {
    let setup = |p: &Path, e| SmbdError::Setup(p.to_path_buf(), e);
    for dir in config.dirs() {
        std::fs::create_dir_all(&dir).map_err(|e| setup(&dir, e))?;
    }
    let file = config.file();
    std::fs::write(&file, config.render()).map_err(|e| setup(&file, e))?;
    if let Some(map) = config.users_map() {
        let at = config.state_dir.join("users.map");
        std::fs::write(&at, map).map_err(|e| setup(&at, e))?;
    }
    match password {
        Some(p) => set_password(config, p),
        None => Ok(()),
    }
}

/// Adds [`READ_AS`] to the private passdb with `password`, given on smbpasswd's standard
/// input (never its command line, where `ps` would show it).
fn set_password(config: &SambaConfig, password: &str) -> Result<(), SmbdError> {
    let smbpasswd = find("smbpasswd").ok_or(SmbdError::ToolMissing("smbpasswd"))?;
    let mut child = Command::new(smbpasswd)
        .arg("-c")
        .arg(config.file())
        .args(["-s", "-a", READ_AS])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SmbdError::Password(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{password}\n{password}").map_err(|e| SmbdError::Password(e.to_string()))?;
    }
    let out = child.wait_with_output().map_err(|e| SmbdError::Password(e.to_string()))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    Err(SmbdError::Password(said.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// A running smbd.
pub struct Smbd {
    child: Option<Child>,
    log: PathBuf,
}

/// How long smbd may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// How long it has to stop after SIGTERM before it is killed.
const STOP_WITHIN: Duration = Duration::from_secs(5);

impl Smbd {
    /// Starts smbd on `config` (already prepared) and waits until it accepts connections.
    pub fn start(smbd: &Path, config: &SambaConfig) -> Result<Smbd, SmbdError> {
        use std::os::unix::process::CommandExt;
        let log = config.log_file();
        let child = Command::new(smbd)
            .args(["--foreground", "--no-process-group", "--configfile"])
            .arg(config.file())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own: a Ctrl-C at the terminal reaches us, and we stop the group.
            .process_group(0)
            .spawn()
            .map_err(SmbdError::Spawn)?;
        let mut server = Smbd { child: Some(child), log };
        let probe = match config.listen {
            a if a.ip().is_unspecified() && a.is_ipv4() => SocketAddr::from(([127, 0, 0, 1], a.port())),
            a if a.ip().is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port())),
            a => a,
        };
        let started = Instant::now();
        loop {
            if let Some(status) = server.exited() {
                return Err(SmbdError::Exited { status, log: server.log_tail() });
            }
            if TcpStream::connect_timeout(&probe, Duration::from_millis(200)).is_ok() {
                tracing::debug!(ms = started.elapsed().as_millis() as u64, "smbd accepts connections");
                return Ok(server);
            }
            if started.elapsed() > READY_WITHIN {
                let log = server.log_tail();
                server.stop();
                return Err(SmbdError::NotListening { addr: probe, secs: READY_WITHIN.as_secs(), log });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How smbd ended, if it has.
    pub fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// The end of smbd's log, as `: ...` for an error line (empty if there is none).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('[')).collect();
        match lines.len() {
            0 => String::new(),
            n => format!(": {}", lines[n.saturating_sub(3)..].join(" / ")),
        }
    }

    /// Stops smbd and every process it started: SIGTERM to the group, SIGKILL after
    /// [`STOP_WITHIN`].
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let group = rustix::process::Pid::from_raw(child.id() as i32);
        let signal = |s| {
            if let Some(g) = group {
                let _ = rustix::process::kill_process_group(g, s);
            }
        };
        signal(rustix::process::Signal::TERM);
        let asked = Instant::now();
        while asked.elapsed() < STOP_WITHIN {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // What smbd started (samba-dcerpcd, its workers) goes with it.
        signal(rustix::process::Signal::KILL);
        let _ = child.wait();
    }
}

impl Drop for Smbd {
    fn drop(&mut self) {
        self.stop();
    }
}
