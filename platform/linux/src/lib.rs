//! The Linux FUSE adapter (fuser): kernel requests in, `synthfs_fs::SynthFs` calls, errno out.
//!
//! It also owns the mount's life: checking the mount point, mounting, serving on several
//! threads until Ctrl-C, SIGTERM, SIGHUP or an outside `umount`, then unmounting cleanly.
//! The kernel is told to cache everything for a long time (nothing ever changes), to use
//! readdirplus (so a stat storm is not a lookup per file), and that open and opendir need no
//! round trip (so it keeps file pages and directory listings cached across opens). After a
//! small file is read whole, the next small files of its folder are pushed into the page
//! cache ([`read_ahead::files`], `FUSE_NOTIFY_STORE`). On request, one serving thread polls for the
//! next request instead of sleeping ([`busy_poll`]).
//!
//! Modules: [`mount`] (the mount's life), `adapter` (the `Filesystem` translation),
//! [`read_ahead`] (what the mount puts in the kernel's caches before it is asked),
//! [`busy_poll`].

mod adapter;
pub mod busy_poll;
pub mod mount;
pub mod read_ahead;

pub use mount::{
    BUSY_POLL, Ended, MountError, MountSettings, Mounted, NEXT_EPOCH_SIGNAL, Stale, check_mountpoint, mount,
};
pub use read_ahead::files::FILE_AHEAD;
pub use read_ahead::folders::DIR_AHEAD;
