//! Read-ahead: what the mount puts in the kernel's caches before a walker or reader asks.
//!
//! Two kinds, each bounded and each off with a count of 0 (the mount's `--dir-ahead` and
//! `--file-ahead`):
//! - [`folders`]: when a walk that stats files reads a folder, two threads list the folders it
//!   will reach next through the mount, so the kernel holds their entries and inodes;
//! - [`files`]: after a small file is read whole, the next small files of its folder are made
//!   and pushed into the page cache (`FUSE_NOTIFY_STORE`).
//!
//! The platform-neutral layer reads ahead too, inside the server: listings are built on a
//! background thread before their folders are asked for (`synthfs_fs::read_ahead`).

pub mod files;
pub mod folders;
