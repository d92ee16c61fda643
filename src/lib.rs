//! synthfs: a realistic enterprise file share that is never stored.
//!
//! Every name, attribute and byte is a pure function of a profile, a seed and a node index
//! (the `synthfs-model` crate). This crate holds the front ends, each a walk over the same
//! model: [`stats`] summarises it, [`materialize`] writes it to disk, [`archive`] streams it
//! into ZIP or tar with load files, [`manifest`] prints the ground truth, [`verify`] checks a
//! copy (on local disk or, through [`smb_client`], on an SMB share), [`serve`] runs a real server (Samba) over a mount. The mount lives in `synthfs-fuse`
//! (platform/linux) over `synthfs-fs`.
//!
//! ```
//! use synthfs_model::{Profile, Tree};
//! let mut profile = Profile::builtin("enterprise").unwrap();
//! profile.set_counts(Some(500), None);
//! let stats = synthfs::stats::collect(&Tree::new(profile).unwrap());
//! assert_eq!(stats.files, 500);
//! ```

pub mod archive;
#[cfg(unix)]
pub mod content_digest;
pub mod counters;
pub mod diff;
pub mod fit;
pub mod identity;
pub mod longpath;
#[cfg(unix)]
pub mod manifest;
#[cfg(unix)]
pub mod materialize;
pub mod profile_file;
pub mod report;
pub mod scan;
#[cfg(unix)]
pub mod serve;
pub mod smb_client;
pub mod stats;
#[cfg(unix)]
pub mod verify;
pub mod walk;
pub mod workers;
