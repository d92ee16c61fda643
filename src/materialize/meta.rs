//! A node's metadata, set through its open descriptor (a file's, a folder's): extended
//! attributes and POSIX ACLs, then owner, mode and times last, the order that leaves the
//! model's times (writing an xattr bumps the change time, and on some servers the modified
//! time) and that makes a file's mtime the mark that it is complete (see `file.rs`).

use std::fs::File;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::Ordering;

use rustix::fs::{Timespec, Timestamps, XattrFlags, fgetxattr, fsetxattr, futimens};
use synthfs_model::acl::NodeAcl;
use synthfs_model::{Timestamp, Tree};

use super::Run;

/// The umask, when a run can give each new file its mode as it is made instead of by a
/// later chmod: a fresh run (no folder from before) of a tree without access tiers, into a
/// destination without a default ACL. A default ACL, which a new file inherits instead of the
/// umask, then sits on no folder the run writes into.
pub(super) fn umask_for_creation(tree: &Tree, dest: &File, resuming: bool) -> Option<u32> {
    if resuming || tree.model.profile.acls.tiers {
        return None;
    }
    let mut probe = [0u8; 64];
    match fgetxattr(dest, "system.posix_acl_default", &mut probe[..]) {
        Err(rustix::io::Errno::NODATA) | Err(rustix::io::Errno::NOTSUP) => process_umask(),
        _ => None,
    }
}

/// This process's umask (`Umask:` in /proc/self/status, Linux 4.7 on), read without
/// changing it.
fn process_umask() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}

impl Run<'_> {
    /// A node's extended attributes (`user.synthfs.*`, the mark of the web, NT descriptors,
    /// as [`synthfs_model::Tree::xattrs`] gives them) and POSIX ACLs, as the mount shows them.
    pub(super) fn set_xattrs(&self, f: &File, values: Vec<(&str, String)>, acl: Option<NodeAcl>) -> io::Result<()> {
        for (name, value) in values {
            if !self.set_xattr(f, name, value.as_bytes())? {
                break;
            }
        }
        if let Some(acl) = acl {
            if self.set_xattr(f, "system.posix_acl_access", &acl.access)? {
                if let Some(default) = &acl.default {
                    self.set_xattr(f, "system.posix_acl_default", default)?;
                }
            }
        }
        Ok(())
    }

    /// Removes the xattrs a node may lose between epochs (its Windows attributes once none is
    /// set, the mark of the web) where `values` no longer has them: a file whose bytes stay
    /// keeps its xattrs, so a move must take these away itself.
    pub(super) fn drop_stale_xattrs(&self, f: &File, values: &[(&str, String)]) -> io::Result<()> {
        use synthfs_model::tree::{ATTRIBUTES_XATTR, ZONE_XATTR};
        for name in [ATTRIBUTES_XATTR, ZONE_XATTR] {
            if values.iter().any(|(n, _)| *n == name) {
                continue;
            }
            match rustix::fs::fremovexattr(f, name) {
                Ok(()) | Err(rustix::io::Errno::NODATA | rustix::io::Errno::NOTSUP) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Sets one extended attribute; `Ok(false)` (counted) where the target does not support it.
    fn set_xattr(&self, f: &File, name: &str, value: &[u8]) -> io::Result<bool> {
        match fsetxattr(f, name, value, XattrFlags::empty()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOTSUP) => {
                self.counters.xattrs_unsupported.fetch_add(1, Ordering::Relaxed);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The mode to make a file with, and whether a chmod must still set `mode`: the mode itself
    /// where making the file gives it exactly, else 0600 (owner only, until it is complete).
    /// Not exactly: under a umask that takes bits of it, or with setuid, setgid or sticky bits
    /// (dropped on making or by the chown), or with an ACL to set (which rewrites the group
    /// bits); nor, for a user other than root writing xattrs, without the owner's write bit
    /// (setting a `user.*` xattr needs it).
    pub(super) fn creation_mode(&self, mode: u32, acl: bool) -> (u32, bool) {
        let Some(umask) = self.umask else { return (0o600, true) };
        let exact =
            mode & 0o7000 == 0 && mode & umask == 0 && !acl && (self.is_root || !self.opts.xattrs || mode & 0o200 != 0);
        if exact { (mode, false) } else { (0o600, true) }
    }

    /// Owner (when asked and root), mode (unless the node was made with it), then times last.
    pub(super) fn set_meta(
        &self,
        f: &File,
        owner: (u32, u32),
        mode: Option<u32>,
        accessed: Timestamp,
        modified: Timestamp,
    ) -> io::Result<()> {
        if self.opts.owners && self.is_root {
            std::os::unix::fs::fchown(f, Some(owner.0), Some(owner.1))?;
        }
        if let Some(mode) = mode {
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        self.set_times(f, accessed, modified)
    }

    /// Access and modification times (when asked): the last thing set on a node.
    pub(super) fn set_times(&self, f: &File, accessed: Timestamp, modified: Timestamp) -> io::Result<()> {
        if self.opts.times {
            let ts = |t: Timestamp| Timespec { tv_sec: t.secs, tv_nsec: t.nanos.into() };
            futimens(f, &Timestamps { last_access: ts(accessed), last_modification: ts(modified) })?;
        }
        Ok(())
    }
}
