//! The mount's life: checking the mount point, mounting with the kernel options that make
//! walks fast, serving on several threads until a signal or an outside `umount`, unmounting.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fuser::{Config, INodeNo, MountOption, SessionACL};
use synthfs_fs::SynthFs;
use synthfs_model::Tree;

use crate::adapter::{FuseAdapter, StatDemand};
use crate::busy_poll::BusyPoll;
use crate::read_ahead::files::{FILE_AHEAD, FileAhead, Limits};
use crate::read_ahead::folders::{DIR_AHEAD, DirAhead};

/// How long the kernel may cache names and attributes: the tree never changes.
const TTL: Duration = Duration::from_secs(365 * 86_400);
/// The largest read we ask the kernel to send, and the readahead we ask for.
pub(crate) const MAX_READAHEAD: u32 = 4 << 20;
/// How long a serving thread keeps polling after a request ([`BusyPoll`]) unless told: not
/// at all. On the 2-vCPU VM we measure on, cold walks took as long with polling (5 ms) as
/// without, for 2-7 times the server's CPU (docs/performance.md, 2026-12-04).
pub const BUSY_POLL: Duration = Duration::ZERO;
/// Reads up to this size keep polling on (small files are read whole in one request).
pub(crate) const POLLED_READ: u32 = 256 << 10;
/// The largest file pushed ahead: the kernel's first readahead window. Larger files are read
/// in large requests, where a round trip is small next to making the bytes.
const FILE_AHEAD_MAX: u64 = 128 << 10;

/// Why a mount could not be made or served.
#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("mount point {0} does not exist")]
    NotFound(PathBuf),
    #[error("mount point {0} is not a directory")]
    NotDir(PathBuf),
    #[error("mount point {0} is not empty")]
    NotEmpty(PathBuf),
    #[error("{0} is already a mount point")]
    AlreadyMounted(PathBuf),
    #[error("mount option `{0}` {1}")]
    BadOption(String, &'static str),
    #[error("cannot read mount point {path}: {err}")]
    Inspect { path: PathBuf, err: io::Error },
    #[error("cannot mount on {path}: {err} (is /dev/fuse there, and are you root or is fusermount3 installed?)")]
    Mount { path: PathBuf, err: io::Error },
    #[error(
        "mounting as a non-root user needs fusermount3, which is not on PATH: install it (Debian and Ubuntu: apt install fuse3; Fedora: dnf install fuse3) or run as root"
    )]
    NoFusermount,
    #[error("cannot watch for signals: {0}")]
    Signals(io::Error),
    #[error("the filesystem session ended with an error: {0}")]
    Session(io::Error),
}

impl MountError {
    /// Errors the user can fix by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            MountError::NotFound(_)
                | MountError::NotDir(_)
                | MountError::NotEmpty(_)
                | MountError::AlreadyMounted(_)
                | MountError::BadOption(..)
                | MountError::NoFusermount
        )
    }
}

/// What the user asked of the mount.
#[derive(Clone, Debug, Default)]
pub struct MountSettings {
    pub threads: usize,
    pub allow_other: bool,
    /// `-o` options, each possibly comma-separated.
    pub options: Vec<String>,
    /// How long the kernel may keep entries and attributes [default: a year: nothing changes].
    pub ttl: Option<Duration>,
    /// How long one serving thread keeps polling after a request [default: [`BUSY_POLL`]];
    /// zero never polls.
    pub busy_poll: Option<Duration>,
    /// Files pushed ahead after a small file is read whole [default: [`FILE_AHEAD`]]; zero
    /// pushes none.
    pub file_ahead: Option<u64>,
    /// Folders listed ahead of a stat walk through the mount [default: [`DIR_AHEAD`]]; zero
    /// lists none.
    pub dir_ahead: Option<u32>,
    /// Also serve the xattrs Samba reads for Windows clients (`SynthFs::with_samba_xattrs`).
    pub samba_xattrs: bool,
}

/// Refuses mount points that do not exist, are not directories, are not empty or are already
/// mounted on.
pub fn check_mountpoint(path: &Path) -> Result<PathBuf, MountError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(MountError::NotFound(path.into())),
        Err(err) => return Err(MountError::Inspect { path: path.into(), err }),
    };
    if !meta.is_dir() {
        return Err(MountError::NotDir(path.into()));
    }
    let canonical = std::fs::canonicalize(path).map_err(|err| MountError::Inspect { path: path.into(), err })?;
    if is_mount_point(&canonical) {
        return Err(MountError::AlreadyMounted(path.into()));
    }
    let mut entries = std::fs::read_dir(path).map_err(|err| MountError::Inspect { path: path.into(), err })?;
    if entries.next().is_some() {
        return Err(MountError::NotEmpty(path.into()));
    }
    Ok(canonical)
}

/// Whether `path` (canonical) is a mount point, from /proc/self/mountinfo.
fn is_mount_point(path: &Path) -> bool {
    mount_device(path).is_some()
}

/// Turns the user's settings into fuser's configuration.
fn fuse_config(s: &MountSettings) -> Result<Config, MountError> {
    let mut cfg = Config::default();
    cfg.mount_options =
        vec![MountOption::RO, MountOption::FSName("synthfs".into()), MountOption::Subtype("synthfs".into())];
    cfg.n_threads = Some(s.threads.max(1));
    cfg.clone_fd = true;
    if s.allow_other {
        cfg.acl = SessionACL::All;
    }
    for opt in s.options.iter().flat_map(|o| o.split(',')).map(str::trim).filter(|o| !o.is_empty()) {
        let o = match opt {
            "ro" => continue,
            "rw" => return Err(MountError::BadOption(opt.into(), "is not possible: synthfs mounts are read-only")),
            "allow_other" => {
                cfg.acl = SessionACL::All;
                continue;
            }
            "allow_root" => {
                cfg.acl = SessionACL::RootAndOwner;
                continue;
            }
            "default_permissions" => MountOption::DefaultPermissions,
            "noatime" => MountOption::NoAtime,
            "atime" => MountOption::Atime,
            "nodev" => MountOption::NoDev,
            "dev" => MountOption::Dev,
            "nosuid" => MountOption::NoSuid,
            "suid" => MountOption::Suid,
            "noexec" => MountOption::NoExec,
            "exec" => MountOption::Exec,
            o if o.starts_with("fsname=") => {
                cfg.mount_options.retain(|m| !matches!(m, MountOption::FSName(_)));
                MountOption::FSName(o["fsname=".len()..].into())
            }
            o if o.starts_with("subtype=") => {
                cfg.mount_options.retain(|m| !matches!(m, MountOption::Subtype(_)));
                MountOption::Subtype(o["subtype=".len()..].into())
            }
            _ => {
                return Err(MountError::BadOption(
                    opt.into(),
                    "is not known (ro, allow_other, allow_root, default_permissions, noatime, nodev, nosuid, noexec, fsname=, subtype=)",
                ));
            }
        };
        cfg.mount_options.push(o);
    }
    Ok(cfg)
}

/// A mounted tree being served on background threads.
pub struct Mounted {
    session: fuser::BackgroundSession,
    /// Ends busy polling when the mount goes, however it goes.
    _poll: StopPoll,
    /// The listing read-ahead (set once serving), stopped before unmounting so no listing is
    /// left half done.
    dirs_ahead: Arc<std::sync::OnceLock<DirAhead>>,
    signals: signal_hook::iterator::Signals,
    pub mountpoint: PathBuf,
    /// The filesystem the adapter serves, to swap for a later epoch's.
    fs: Arc<arc_swap::ArcSwap<SynthFs>>,
    notifier: fuser::Notifier,
    samba_xattrs: bool,
    /// Set once the mount moved on: files pushed ahead would be the first tree's.
    ahead_off: Arc<std::sync::atomic::AtomicBool>,
}

/// The signal that moves a mount to its next epoch.
pub const NEXT_EPOCH_SIGNAL: i32 = signal_hook::consts::SIGUSR1;

/// What the kernel may hold that a move to another epoch made stale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// An inode's attributes and cached data (a folder's: its listing).
    Inode(u64),
    /// A name in a folder (present or negative).
    Entry { parent: u64, name: String },
}

/// Mounts `tree` on `mountpoint` (checked first) and starts serving.
pub fn mount(tree: Arc<Tree>, mountpoint: &Path, settings: &MountSettings) -> Result<Mounted, MountError> {
    let canonical = check_mountpoint(mountpoint)?;
    let cfg = fuse_config(settings)?;
    // As root fuser mounts directly; anyone else goes through the setuid fusermount3.
    if !rustix::process::geteuid().is_root() && !on_path("fusermount3") && !on_path("fusermount") {
        return Err(MountError::NoFusermount);
    }
    // Signals are caught from before the mount exists, so a SIGTERM that arrives as soon as
    // the mount is visible still unmounts cleanly instead of killing the process.
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, NEXT_EPOCH_SIGNAL])
        .map_err(MountError::Signals)?;
    let poll_slot = Arc::new(std::sync::OnceLock::new());
    // The session's notifier, to push files ahead with, exists only once the session does.
    let notifier: Arc<std::sync::OnceLock<fuser::Notifier>> = Arc::new(std::sync::OnceLock::new());
    let count = settings.file_ahead.unwrap_or(FILE_AHEAD);
    let ahead_off = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ahead = (count > 0).then(|| {
        let to = notifier.clone();
        let off = ahead_off.clone();
        FileAhead::start(tree.clone(), Limits { count, max_size: FILE_AHEAD_MAX }, move |ino, bytes| {
            if off.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            if let Some(n) = to.get()
                && let Err(err) = n.store(INodeNo(ino), 0, bytes)
            {
                tracing::debug!(ino, %err, "cannot push a file ahead");
            }
        })
    });
    // The listing read-ahead reads through the mount, so it starts once the mount serves.
    let dirs_ahead: Arc<std::sync::OnceLock<DirAhead>> = Arc::new(std::sync::OnceLock::new());
    let fs =
        Arc::new(arc_swap::ArcSwap::from_pointee(SynthFs::new(tree.clone()).with_samba_xattrs(settings.samba_xattrs)));
    let adapter = FuseAdapter {
        fs: fs.clone(),
        ahead,
        dirs_ahead: dirs_ahead.clone(),
        ttl: settings.ttl.unwrap_or(TTL),
        demand: StatDemand::new(),
        poll: poll_slot.clone(),
    };
    let mount_err = |err| MountError::Mount { path: mountpoint.into(), err };
    let session = fuser::Session::new(adapter, &canonical, &cfg).map_err(mount_err)?;
    let session_notifier = session.notifier();
    let _ = notifier.set(session.notifier());
    // Polling starts before serving does, on the descriptor the last serving thread reads.
    let poll = BusyPoll::start(&session, settings.busy_poll.unwrap_or(BUSY_POLL)).map_err(mount_err)?;
    if let Some(p) = &poll {
        let _ = poll_slot.set(p.clone());
    }
    let stop = StopPoll(poll);
    let session = session.spawn().map_err(mount_err)?;
    raise_readahead(&canonical);
    // Started once requests are served: cloning the mount must not wait on a request.
    if let Some(d) = DirAhead::start(tree, &canonical, settings.dir_ahead.unwrap_or(DIR_AHEAD)) {
        let _ = dirs_ahead.set(d);
    }
    Ok(Mounted {
        session,
        _poll: stop,
        dirs_ahead,
        signals,
        mountpoint: canonical,
        fs,
        notifier: session_notifier,
        samba_xattrs: settings.samba_xattrs,
        ahead_off,
    })
}

/// Raises the mount's readahead to [`MAX_READAHEAD`]. The kernel caps a FUSE mount's
/// readahead at the 128 KiB default whatever INIT asks for, so a sequential reader gets
/// 128 KiB requests one after another; the device's `read_ahead_kb` in sysfs lifts the cap
/// (as root: anyone else keeps the default), and reads then come as 1 MiB requests, several
/// in flight, made in parallel by the serving threads.
fn raise_readahead(mountpoint: &Path) {
    let Some(dev) = mount_device(mountpoint) else {
        tracing::debug!("mount not found in /proc/self/mountinfo; readahead left as is");
        return;
    };
    let knob = PathBuf::from(format!("/sys/class/bdi/{dev}/read_ahead_kb"));
    let want = MAX_READAHEAD / 1024;
    let now = std::fs::read_to_string(&knob).ok().and_then(|s| s.trim().parse::<u32>().ok());
    if now.is_some_and(|kb| kb >= want) {
        return;
    }
    match std::fs::write(&knob, want.to_string()) {
        Ok(()) => tracing::debug!(%dev, kb = want, "readahead raised"),
        Err(err) => tracing::debug!(%dev, %err, "readahead left at the kernel's default"),
    }
}

/// The `major:minor` of the filesystem mounted at `mountpoint`, from the process's mount
/// table (a `stat` would be a request to the mount itself).
fn mount_device(mountpoint: &Path) -> Option<String> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    device_in_mountinfo(&table, mountpoint)
}

/// The device of the last mount at `mountpoint` in a mountinfo table (the last is the one on
/// top, so the table is read from its end). Fields: id, parent id, `major:minor`, root, mount
/// point (octal escapes for space, tab, newline and backslash), ...
fn device_in_mountinfo(table: &str, mountpoint: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let want = mountpoint.as_os_str().as_bytes();
    table.lines().rev().find_map(|line| {
        let mut fields = line.split(' ');
        let dev = fields.nth(2)?;
        let at = fields.nth(1)?;
        (unescape_mountinfo(at) == want).then(|| dev.to_string())
    })
}

/// Undoes mountinfo's `\ooo` escapes.
fn unescape_mountinfo(field: &str) -> Vec<u8> {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let code = b.get(i + 1..i + 4).filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match code {
            Some(d) if b[i] == b'\\' => {
                out.push(d.iter().fold(0u8, |v, c| v.wrapping_mul(8).wrapping_add(c - b'0')));
                i += 4;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// Whether an executable of this name is on `PATH`.
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .any(|p| std::fs::metadata(&p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
    })
}

/// How serving ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// A signal asked us to stop; we unmounted.
    Signal(i32),
    /// Someone unmounted the filesystem from outside.
    Unmounted,
}

impl Mounted {
    /// Serves until SIGINT, SIGTERM or SIGHUP (then unmounts) or an outside unmount.
    pub fn serve_until_signal(self) -> Result<Ended, MountError> {
        self.serve(|_| {})
    }

    /// [`Mounted::serve_until_signal`], calling `on_usr1` for each SIGUSR1 (the mount's signal
    /// to move to its next epoch).
    pub fn serve(mut self, mut on_usr1: impl FnMut(&Mounted)) -> Result<Ended, MountError> {
        const SIGUSR1: i32 = NEXT_EPOCH_SIGNAL;
        loop {
            let pending: Vec<i32> = self.signals.pending().collect();
            for _ in pending.iter().filter(|s| **s == SIGUSR1) {
                on_usr1(&self);
            }
            if let Some(&sig) = pending.iter().find(|s| **s != SIGUSR1) {
                tracing::info!(signal = sig, "unmounting");
                if let Some(d) = self.dirs_ahead.get() {
                    d.stop();
                }
                self.session.umount_and_join().map_err(MountError::Session)?;
                return Ok(Ended::Signal(sig));
            }
            if self.session.guard.is_finished() {
                self.session.join().map_err(MountError::Session)?;
                return Ok(Ended::Unmounted);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Serves `tree` from now on (a later epoch of the same tree), and tells the kernel to
    /// forget what `stale` names: requests made from here on see the new tree; a file already
    /// open reads the new bytes. Files are no longer pushed ahead (the pusher holds the first
    /// tree).
    pub fn advance(&self, tree: Arc<Tree>, stale: &[Stale]) {
        self.ahead_off.store(true, std::sync::atomic::Ordering::Relaxed);
        let old = self.fs.swap(Arc::new(SynthFs::new(tree).with_samba_xattrs(self.samba_xattrs)));
        // A request still answering from the old tree would reply after the notices and leave
        // the kernel holding what they cleared: wait for the last one (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while Arc::strong_count(&old) > 1 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(old);
        for s in stale {
            let r = match s {
                Stale::Inode(ino) => self.notifier.inval_inode(INodeNo(*ino), 0, 0),
                Stale::Entry { parent, name } => {
                    self.notifier.inval_entry(INodeNo(*parent), std::ffi::OsStr::new(name))
                }
            };
            // The kernel not knowing a node is the common case: nothing of it to forget.
            if let Err(err) = r {
                tracing::trace!(?s, %err, "nothing to invalidate");
            }
        }
    }

    /// A signal (SIGINT, SIGTERM, SIGHUP) that arrived since the last call, if any: callers
    /// that do their own work while mounted poll this to stop early.
    pub fn pending_signal(&mut self) -> Option<i32> {
        self.signals.pending().find(|s| *s != NEXT_EPOCH_SIGNAL)
    }

    /// Every signal that arrived since the last call, [`NEXT_EPOCH_SIGNAL`] included: for
    /// callers that serve (and move on) by themselves.
    pub fn pending_signals(&mut self) -> Vec<i32> {
        self.signals.pending().collect()
    }

    /// Whether serving has ended: someone unmounted the filesystem from outside.
    pub fn ended(&self) -> bool {
        self.session.guard.is_finished()
    }

    /// Unmounts and waits for the serving threads.
    pub fn unmount(self) -> Result<(), MountError> {
        if let Some(d) = self.dirs_ahead.get() {
            d.stop();
        }
        self.session.umount_and_join().map_err(MountError::Session)
    }
}

/// Ends busy polling when serving ends, however it ends.
struct StopPoll(Option<Arc<BusyPoll>>);

impl Drop for StopPoll {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            p.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_of_a_mount_comes_from_mountinfo() {
        let table = "\
22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
46 27 0:41 / /tmp/a\\040b ro,nosuid,nodev,relatime shared:5 - fuse synthfs ro,user_id=0,group_id=0
47 22 0:44 / /mnt/x rw shared:6 - tmpfs tmpfs rw
48 47 0:45 / /mnt/x ro shared:7 - fuse synthfs ro
";
        assert_eq!(device_in_mountinfo(table, Path::new("/tmp/a b")).as_deref(), Some("0:41"));
        assert_eq!(device_in_mountinfo(table, Path::new("/mnt/x")).as_deref(), Some("0:45"), "the mount on top");
        assert_eq!(device_in_mountinfo(table, Path::new("/tmp/a")), None);
        assert_eq!(unescape_mountinfo("a\\011b\\134c\\9"), b"a\tb\\c\\9");
    }

    #[test]
    fn options_parse_and_refuse() {
        let s = |o: &str| MountSettings {
            threads: 2,
            allow_other: false,
            options: vec![o.into()],
            ttl: None,
            busy_poll: None,
            file_ahead: None,
            dir_ahead: None,
            samba_xattrs: false,
        };
        let cfg = fuse_config(&s("ro,allow_other,noatime,fsname=share")).unwrap();
        assert_eq!(cfg.acl, SessionACL::All);
        assert!(cfg.mount_options.contains(&MountOption::FSName("share".into())));
        assert!(cfg.mount_options.contains(&MountOption::NoAtime));
        assert!(matches!(fuse_config(&s("rw")), Err(MountError::BadOption(..))));
        assert!(matches!(fuse_config(&s("bogus")), Err(MountError::BadOption(..))));
    }

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mountinfo("/mnt/a\\040b"), b"/mnt/a b");
        assert_eq!(unescape_mountinfo("/plain"), b"/plain");
        assert_eq!(unescape_mountinfo("/d\u{e9}j\u{e0}"), "/d\u{e9}j\u{e0}".as_bytes(), "UTF-8 names stay bytes");
    }

    #[test]
    fn mountpoint_checks() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(check_mountpoint(&dir.path().join("nope")), Err(MountError::NotFound(_))));
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(check_mountpoint(&file), Err(MountError::NotDir(_))));
        assert!(matches!(check_mountpoint(dir.path()), Err(MountError::NotEmpty(_))));
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(check_mountpoint(&empty).is_ok());
        assert!(matches!(check_mountpoint(Path::new("/proc")), Err(MountError::AlreadyMounted(_))));
    }
}
