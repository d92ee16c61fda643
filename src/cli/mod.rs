//! The command line: the top-level [`Cli`] and one [`Command`] per subcommand. Each command's
//! options live with it in `commands/`; the doc comment on each item is its help text.

#[cfg(test)]
mod tests;
mod usage;

use clap::{Parser, Subcommand};

use crate::commands::{
    archive::ArchiveArgs, completions::CompletionsArgs, demo::DemoArgs, diff::DiffArgs, man::ManArgs,
    manifest::ManifestArgs, materialize::MaterializeArgs, mount::MountArgs, profile::ProfileCommand,
    report::ReportArgs, serve::ServeCommand, stats::StatsArgs, verify::VerifyArgs,
};
pub use usage::{is_usage_error, one_line};

/// A realistic enterprise file share that is never stored.
///
/// Every name, attribute and byte is computed from a profile and a seed: the same profile and
/// seed give the byte-identical tree in every command, on every machine.
#[derive(Debug, Parser)]
#[command(
    name = "synthfs",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SYNTHFS_COMMIT"), ")"),
    propagate_version = true,
    max_term_width = 100,
    after_help = "Start with `synthfs demo`. Every command takes the same tree options, so the same options\nname the same tree everywhere. Logs: RUST_LOG=debug. More: `synthfs <command> --help`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Parsed once per run, so the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// See the point in one command: mount a share, scan it as a file scanner would, show what it found.
    Demo(DemoArgs),
    /// Summarise the tree a profile describes: counts, bytes, types, owners, ages, sizes.
    Stats(StatsArgs),
    /// Mount the tree read-only with FUSE; every byte is computed when it is read.
    Mount(MountArgs),
    /// Write the tree to real storage: fast, parallel, resumable, shardable across machines.
    Materialize(MaterializeArgs),
    /// Stream the tree into a ZIP or tar file, with an e-discovery load file and a checksum manifest.
    Archive(ArchiveArgs),
    /// Print the ground truth: one record per file (path, inode, size, type, owner and SID, owner kind, department, times, attributes), straight from the model.
    Manifest(ManifestArgs),
    /// Print the ground truth of what changed between two epochs of the tree: added, deleted, renamed, modified, metadata; one record per change, from the model.
    Diff(DiffArgs),
    /// Print the storyline metrics a scanner's dashboard should show: files by creation year, dormancy by top-level folder, owner kinds, top orphaned owners, bytes by department.
    Report(ReportArgs),
    /// Share the tree over SMB with Windows metadata intact: owners, NT ACLs, attributes, creation times, streams.
    #[command(subcommand, after_help = crate::commands::serve::SERVE_EXAMPLES)]
    Serve(ServeCommand),
    /// Compare a real directory with the model: missing, extra and different files.
    Verify(VerifyArgs),
    /// List or print the profiles: the TOML that describes a tree.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print a man page (roff), generated from this help: synthfs(1), or one command's.
    Man(ManArgs),
}
