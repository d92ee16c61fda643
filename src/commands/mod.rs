//! One module per subcommand, each in three steps: its clap `Args` (the help text), a `Config`
//! that `TryFrom<Args>` validates and decides once (bad input is exit code 2), and
//! `run(Config)` that does the work and prints. The rest are the pieces they share.

pub mod archive;
pub mod completions;
pub mod demo;
pub mod diff;
pub mod man;
pub mod manifest;
pub mod materialize;
pub mod mount;
pub mod profile;
pub mod report;
pub mod serve;
pub mod stats;
pub mod verify;

pub mod errors;
pub mod output;
pub mod smb_target;
pub mod threads;
pub mod tree;
