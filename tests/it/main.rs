//! The integration tests, one binary (one link of the crate) with a module per area: each runs
//! the real `synthfs` binary, real mounts and outside tools, through the helpers in [`common`].
//!
//! Components a machine lacks (root, /dev/fuse, unzip, slapd, ...) skip the checks that need
//! them with the reason printed; `SYNTHFS_REQUIRE_TOOLS=1` and `SYNTHFS_REQUIRE_FUSE=1` (set
//! in CI) make a missing one a failure instead.

mod common;

mod archive;
mod cli;
mod conformance;
mod demo;
mod epochs;
mod formats;
mod golden;
mod identities;
mod materialize;
mod model;
mod mount;
pub mod readme;
mod realism;
mod smb;
