//! Mounts a test makes and must not leave behind: a running `synthfs mount`, a tmpfs and an
//! NTFS volume, each unmounted on drop.

use std::path::Path;
use std::process::Command;

use super::{bin, fuse_available, have, is_root, sh, small_profile_path};

/// A running `synthfs mount`, unmounted (SIGTERM, then a lazy umount if need be) on drop.
pub struct Mount {
    pub dir: tempfile::TempDir,
    pub child: Option<std::process::Child>,
    pub banner: String,
}

impl Mount {
    /// Mounts with `args` (tree options) on a fresh empty directory and waits until it serves.
    pub fn start(args: &[&str]) -> Mount {
        Mount::spawn(args, bin().stderr(std::process::Stdio::inherit()))
    }

    /// [`Mount::start`] where FUSE mounts can be made; `None` (the reason printed) where not.
    pub fn try_start(args: &[&str]) -> Option<Mount> {
        fuse_available().then(|| Mount::start(args))
    }

    /// The small test profile (2,000 files in 150 folders) mounted with `extra` options, where
    /// FUSE mounts can be made.
    pub fn small(extra: &[&str]) -> Option<Mount> {
        fuse_available().then(|| Mount::start_small(extra))
    }

    /// [`Mount::small`] where a mount was made already.
    pub fn start_small(extra: &[&str]) -> Mount {
        let p = small_profile_path();
        Mount::start(&[&["--profile", p.as_str()][..], extra].concat())
    }

    /// Like [`Mount::start`], with the mount's debug log (a line per request) in `log`.
    pub fn start_logged(args: &[&str], log: &Path) -> Mount {
        let file = std::fs::File::create(log).expect("create the log");
        Mount::spawn(args, bin().env("RUST_LOG", "debug").env("NO_COLOR", "1").stderr(file))
    }

    fn spawn(args: &[&str], command: &mut Command) -> Mount {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = command
            .arg("mount")
            .arg(dir.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn synthfs mount");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("banner");
        assert!(line.starts_with("mounted on "), "mount failed: {line:?}");
        Mount { dir, child: Some(child), banner: line }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The mount point as a string, for command lines.
    pub fn root(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// The mount process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    /// Sends SIGTERM and returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        super::signal(child.id(), "TERM");
        child.wait().expect("wait for synthfs")
    }

    /// Waits for the mount process to end by itself (an outside `umount`) and returns its status.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.take().expect("running").wait().expect("wait for synthfs")
    }

    pub fn is_mounted(path: &Path) -> bool {
        let want = std::fs::canonicalize(path).unwrap_or(path.to_path_buf());
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .any(|m| Path::new(m) == want)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        if Mount::is_mounted(self.dir.path()) {
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// A tmpfs mounted for one test (root only), unmounted on drop.
pub struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    /// A tmpfs with mount options `opts` (`size=20m`, `ro`); `None`, with the reason printed,
    /// when the tests do not run as root.
    pub fn new(opts: &str) -> Option<Tmpfs> {
        if !is_root() {
            eprintln!("skipping: mounting a tmpfs needs root");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", opts, "tmpfs"]).arg(dir.path()).status().unwrap();
        assert!(ok.success(), "mount tmpfs");
        Some(Tmpfs(dir))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// An NTFS volume in a sparse image file, mounted with the real ntfs-3g (a FUSE filesystem,
/// whose type says nothing of NTFS), unmounted on drop.
pub struct Ntfs {
    mnt: std::path::PathBuf,
    _work: tempfile::TempDir,
}

impl Ntfs {
    /// A volume of `size` (`truncate -s`), mounted with ntfs-3g's options `opts` (`""`: as
    /// ntfs-3g mounts by default); `None`, with the reason printed, where ntfs-3g, /dev/fuse or
    /// root is missing.
    pub fn new(size: &str, opts: &str) -> Option<Ntfs> {
        let tools = have(&["mkntfs", "--version"], "mkntfs (ntfs-3g)") && have(&["ntfs-3g", "--version"], "ntfs-3g");
        if !tools || !fuse_available() || !is_root() {
            eprintln!("skipping: needs ntfs-3g, /dev/fuse and root");
            return None;
        }
        let work = tempfile::tempdir().expect("temp dir");
        let (img, mnt) = (work.path().join("ntfs.img"), work.path().join("mnt"));
        std::fs::create_dir(&mnt).expect("the mount point");
        let opts = if opts.is_empty() { String::new() } else { format!("-o {opts}") };
        let (ok, _, err) = sh(&format!(
            "truncate -s {size} '{0}' && mkntfs -F -f -q '{0}' >/dev/null 2>&1 && ntfs-3g {opts} '{0}' '{1}'",
            img.display(),
            mnt.display()
        ));
        assert!(ok.success(), "ntfs-3g: {err}");
        Some(Ntfs { mnt, _work: work })
    }

    pub fn path(&self) -> &Path {
        &self.mnt
    }
}

impl Drop for Ntfs {
    fn drop(&mut self) {
        // Root (above): umount needs no fusermount3.
        let _ = Command::new("umount").arg(&self.mnt).status();
    }
}
