//! synthfs: a realistic enterprise file share that is never stored.
//!
//! Every name, attribute and byte is a pure function of a profile, a seed and a node index
//! ([`model`]). Front ends show the same tree: [`stats`] summarises it; the mount,
//! materialize and archive front ends walk the same model.

pub mod archive;
pub mod fit;
pub mod fs;
pub mod identity;
pub mod longpath;
#[cfg(unix)]
pub mod manifest;
#[cfg(unix)]
pub mod materialize;
pub mod model;
pub mod platform;
pub mod report;
pub mod scan;
pub mod stats;
pub mod units;
#[cfg(unix)]
pub mod verify;
