//! Finds what the filesystem holding a directory keeps ([`Target`]): by its type where that
//! says it all (ext4, XFS, Btrfs, tmpfs, ZFS, F2FS keep everything to the nanosecond), by a
//! probe otherwise. A FUSE filesystem (ntfs-3g, whose type is `fuseblk` or plain `fuse` and
//! says nothing of NTFS), an NTFS, SMB or NFS mount, or an overlay is asked directly: a probe
//! file is made at the directory's root, given a time with odd nanoseconds, mode 0640, an owner
//! (as root) and an ACL; what reads back is what the target keeps. The probe is removed and the
//! directory's times put back. Where no probe can be made (a read-only target) the type gives
//! the granularity and everything else is taken as kept.

use std::fs::{File, FileTimes, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use synthfs_model::Timestamp;

use super::target::{Granularity, Keeps, Target};

/// What [`detect`] found, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    pub target: Target,
    /// The filesystem's type as the kernel names it (`ext4`, `fuseblk`, `cifs`), or its magic
    /// number in hex.
    pub filesystem: String,
    pub how: How,
}

/// How a [`Detected`] target was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// A local POSIX filesystem, known by its type.
    FilesystemType,
    /// A probe file.
    Probe,
    /// The probe could not be made (the reason): times by the filesystem's type, everything
    /// else taken as kept.
    NotProbed(String),
    /// Known from the protocol the copy is read through (an SMB share's), not detected.
    Protocol,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::FilesystemType => f.write_str("filesystem type"),
            How::Probe => f.write_str("probe"),
            How::NotProbed(why) => write!(f, "not probed: {why}; times by filesystem type"),
            How::Protocol => f.write_str("protocol"),
        }
    }
}

impl serde::Serialize for How {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How a probe file's name begins (a verify running alongside does not count it as extra).
pub const PROBE_PREFIX: &str = ".synthfs-probe-";

/// The time a probe is given: odd nanoseconds (rounding and truncation read back differently)
/// and an odd second (for FAT's 2 s).
const PROBE_TIME: Timestamp = Timestamp { secs: 1_700_000_001, nanos: 123_456_789 };

/// Steps a probe's time is matched against, finest first.
const STEPS: [u64; 11] =
    [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 2_000_000_000];

/// What the filesystem holding `dir` keeps; owners are probed only where `probe_owners` (as
/// root: only root can give a file away).
pub fn detect(dir: &Path, probe_owners: bool) -> Detected {
    let magic = fs_magic(dir);
    let filesystem = magic.map_or_else(|| "unknown".to_string(), |m| fs_name(m, dir));
    if magic.is_some_and(|m| POSIX.contains(&m)) {
        return Detected { target: Target::POSIX, filesystem, how: How::FilesystemType };
    }
    match probe(dir, probe_owners) {
        Ok(target) => Detected { target, filesystem, how: How::Probe },
        Err(e) => {
            let granularity = by_type(magic, &filesystem);
            Detected {
                target: Target::POSIX.with_granularity(granularity),
                filesystem,
                how: How::NotProbed(e.to_string()),
            }
        }
    }
}

const EXT4: u64 = 0xEF53;
const XFS: u64 = 0x5846_5342;
const BTRFS: u64 = 0x9123_683E;
const TMPFS: u64 = 0x0102_1994;
const ZFS: u64 = 0x2FC1_2FC1;
const F2FS: u64 = 0xF2F5_2010;
const FUSE: u64 = 0x6573_5546;
const NTFS: u64 = 0x5346_544E;
const CIFS: u64 = 0xFF53_4D42;
const SMB2: u64 = 0xFE53_4D42;
const NFS: u64 = 0x6969;
const VFAT: u64 = 0x4D44;
const EXFAT: u64 = 0x2011_BAB0;
const OVERLAY: u64 = 0x794C_7630;

/// Local filesystems that keep every time, mode, owner and ACL as set.
const POSIX: [u64; 6] = [EXT4, XFS, BTRFS, TMPFS, ZFS, F2FS];

fn fs_name(magic: u64, dir: &Path) -> String {
    let known = [
        (EXT4, "ext4"),
        (XFS, "xfs"),
        (BTRFS, "btrfs"),
        (TMPFS, "tmpfs"),
        (ZFS, "zfs"),
        (F2FS, "f2fs"),
        (NTFS, "ntfs"),
        (CIFS, "cifs"),
        (SMB2, "smb2"),
        (NFS, "nfs"),
        (VFAT, "vfat"),
        (EXFAT, "exfat"),
        (OVERLAY, "overlay"),
    ];
    match known.iter().find(|(m, _)| *m == magic) {
        Some((_, name)) => (*name).to_string(),
        // All FUSE filesystems share one magic number; the mount table tells `fuseblk` (a
        // block device: ntfs-3g, exfat-fuse) and subtypes (`fuse.sshfs`) apart.
        None if magic == FUSE => mount_type(dir).unwrap_or_else(|| "fuse".to_string()),
        None => format!("{magic:#x}"),
    }
}

/// The granularity a filesystem's type implies, for a target that could not be probed.
fn by_type(magic: Option<u64>, filesystem: &str) -> Granularity {
    let nanos = match magic {
        Some(NTFS | CIFS | SMB2) => 100,
        Some(VFAT) => 2_000_000_000,
        Some(EXFAT) => 10_000_000,
        // ntfs-3g, the usual FUSE filesystem on a block device.
        Some(FUSE) if filesystem == "fuseblk" => 100,
        _ => 1,
    };
    Granularity::from_nanos(nanos).unwrap_or(Granularity::NANOSECOND)
}

#[cfg(target_os = "linux")]
fn fs_magic(dir: &Path) -> Option<u64> {
    let s = rustix::fs::statfs(dir).ok()?;
    // The kernel's magic numbers are 32-bit; f_type is a signed word.
    Some(s.f_type as u64 & 0xFFFF_FFFF)
}

#[cfg(not(target_os = "linux"))]
fn fs_magic(_dir: &Path) -> Option<u64> {
    None
}

/// The type `/proc/self/mountinfo` gives the mount holding `dir` (the last mount of its
/// device, the one on top).
fn mount_type(dir: &Path) -> Option<String> {
    let dev = std::fs::metadata(dir).ok()?.dev();
    let id = format!("{}:{}", rustix::fs::major(dev), rustix::fs::minor(dev));
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    table.lines().rfind(|l| l.split(' ').nth(2) == Some(id.as_str())).and_then(|line| {
        let (_, after) = line.split_once(" - ")?;
        after.split(' ').next().map(str::to_string)
    })
}

/// Why a probe could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot make a file there: {0}")]
    Create(std::io::Error),
    #[error("cannot set a file's time there: {0}")]
    Time(std::io::Error),
}

/// Makes a probe file in `dir` and reads back what of its time, mode, owner (where
/// `probe_owners`) and ACL the target kept; removes it and puts `dir`'s times back.
pub fn probe(dir: &Path, probe_owners: bool) -> Result<Target, ProbeError> {
    let before = std::fs::metadata(dir).ok();
    let file = tempfile::Builder::new()
        .prefix(PROBE_PREFIX)
        .tempfile_in(dir)
        // The OS's reason, without the random name tempfile adds.
        .map_err(|e| ProbeError::Create(e.kind().into()))?;
    let found = probe_file(file.as_file(), probe_owners);
    drop(file);
    if let Some(m) = before {
        // Making and removing the probe moved the folder's times; they were the copy's own.
        let times = FileTimes::new()
            .set_accessed(system_time(m.atime(), m.atime_nsec()))
            .set_modified(system_time(m.mtime(), m.mtime_nsec()));
        if let Err(e) = File::open(dir).and_then(|d| d.set_times(times)) {
            tracing::debug!("{}: times not put back after the probe: {e}", dir.display());
        }
    }
    found
}

fn probe_file(f: &File, probe_owners: bool) -> Result<Target, ProbeError> {
    let times = FileTimes::new().set_accessed(PROBE_TIME.to_system_time()).set_modified(PROBE_TIME.to_system_time());
    f.set_times(times).map_err(ProbeError::Time)?;
    let meta = f.metadata().map_err(ProbeError::Time)?;
    let have = Timestamp { secs: meta.mtime(), nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(u32::MAX) };
    let granularity =
        STEPS.iter().filter_map(|&n| Granularity::from_nanos(n)).find(|g| g.truncate(PROBE_TIME) == have).ok_or_else(
            || ProbeError::Time(std::io::Error::other(format!("read back as {}.{:09}", have.secs, have.nanos))),
        )?;
    let modes = f.set_permissions(Permissions::from_mode(0o640)).is_ok()
        && f.metadata().is_ok_and(|m| m.mode() & 0o7777 == 0o640);
    // 1:1 (daemon), which a target that keeps no owners shows as the mounting user or nobody.
    let owners = !probe_owners
        || (std::os::unix::fs::fchown(f, Some(1), Some(1)).is_ok()
            && f.metadata().is_ok_and(|m| (m.uid(), m.gid()) == (1, 1)));
    let posix_acls = keeps_acl(f);
    Ok(Target::new(granularity, Keeps { modes, owners, posix_acls }))
}

/// Whether an ACL with a named user set on `f` reads back as set (ntfs-3g refuses it when
/// mounted with `-o permissions`, and by default takes it and keeps nothing).
fn keeps_acl(f: &File) -> bool {
    use xattr::FileExt;
    const NAME: &str = "system.posix_acl_access";
    const UNDEFINED: u32 = u32::MAX;
    // user::rw- user:1:r-- group::r-- mask::r-- other::---, sorted as the kernel keeps them.
    let entries: [(u16, u16, u32); 5] =
        [(0x01, 6, UNDEFINED), (0x02, 4, 1), (0x04, 4, UNDEFINED), (0x10, 4, UNDEFINED), (0x20, 0, UNDEFINED)];
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in entries {
        acl.extend_from_slice(&tag.to_le_bytes());
        acl.extend_from_slice(&perm.to_le_bytes());
        acl.extend_from_slice(&id.to_le_bytes());
    }
    f.set_xattr(NAME, &acl).is_ok() && f.get_xattr(NAME).ok().flatten().is_some_and(|v| v == acl)
}

fn system_time(secs: i64, nanos: i64) -> std::time::SystemTime {
    Timestamp { secs, nanos: u32::try_from(nanos).unwrap_or(0) }.to_system_time()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posix_folder_keeps_everything_and_the_probe_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = crate::materialize::is_root();
        let before = std::fs::metadata(dir.path()).expect("its metadata");
        let probed = probe(dir.path(), root).expect("a probe on a local disk");
        let posix = ["ext4", "xfs", "btrfs", "tmpfs", "zfs", "f2fs"];
        let found = detect(dir.path(), root);
        if posix.contains(&found.filesystem.as_str()) {
            assert_eq!(probed, Target::POSIX, "{found:?}");
            assert_eq!((found.target, found.how), (Target::POSIX, How::FilesystemType));
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 0, "the probe is removed");
        let after = std::fs::metadata(dir.path()).expect("its metadata");
        assert_eq!((after.mtime(), after.mtime_nsec()), (before.mtime(), before.mtime_nsec()));
    }

    #[test]
    fn an_unprobed_target_takes_its_times_from_its_type() {
        assert_eq!(by_type(Some(NTFS), "ntfs"), Granularity::NTFS);
        assert_eq!(by_type(Some(FUSE), "fuseblk"), Granularity::NTFS);
        assert_eq!(by_type(Some(FUSE), "fuse.sshfs"), Granularity::NANOSECOND);
        assert_eq!(by_type(Some(VFAT), "vfat").nanos(), 2_000_000_000);
        assert_eq!(by_type(None, "unknown"), Granularity::NANOSECOND);
    }

    #[test]
    fn a_missing_folder_cannot_be_probed() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let gone = dir.path().join("gone");
        assert!(matches!(probe(&gone, false), Err(ProbeError::Create(_))));
        let found = detect(&gone, false);
        assert_eq!(found.target, Target::POSIX);
        assert!(matches!(found.how, How::NotProbed(_)), "{found:?}");
    }
}
