//! The command line: clap definitions. The doc comment on each item is its help text.

use clap::{Args, Parser, Subcommand};

/// A realistic enterprise file share that is never stored.
///
/// Every name, attribute and byte is computed from a profile and a seed: the same profile and
/// seed give the byte-identical tree in every command, on every machine.
#[derive(Debug, Parser)]
#[command(name = "synthfs", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise the tree a profile describes: counts, bytes, types, owners, ages, sizes.
    #[command(
        after_long_help = "Examples:\n  synthfs stats                          # the built-in enterprise profile\n  synthfs stats --files 2.5M --json      # a bigger tree, as JSON for scripts\n  synthfs stats --profile my.toml --seed 7 --digest"
    )]
    Stats(StatsArgs),
    /// Mount the tree read-only with FUSE; every byte is computed when it is read.
    #[command(
        after_long_help = "Examples:\n  synthfs mount /mnt/share                     # serve until Ctrl-C or umount\n  synthfs mount /mnt/share --files 100M        # mounts instantly at any size\n  synthfs mount /mnt/share -o allow_other      # let other users in"
    )]
    Mount(MountArgs),
    /// List or print the profiles: the TOML that describes a tree.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the built-in profiles.
    List,
    /// Print a profile as TOML (a built-in with its comments, or a file with defaults filled in).
    #[command(
        after_long_help = "Example:\n  synthfs profile show enterprise > my.toml && synthfs stats --profile my.toml"
    )]
    Show {
        /// A built-in profile name or a TOML file.
        #[arg(default_value = "enterprise")]
        profile: String,
    },
}

/// Options that choose the tree; the same for every command.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Tree")]
pub struct TreeArgs {
    /// Built-in profile name or path to a profile TOML file.
    #[arg(long, short = 'p', default_value = "enterprise", value_name = "NAME|FILE")]
    pub profile: String,
    /// Seed: another seed gives another tree of the same shape [default: the profile's].
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Exact number of files (2.5M, 250k, 1G) [default: the profile's].
    #[arg(long, short = 'n', value_name = "N", value_parser = parse_count)]
    pub files: Option<u64>,
    /// Exact number of directories, the root included [default: keeps the profile's files per directory].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub dirs: Option<u64>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Print one JSON object instead of the table.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Also compute the tree digest: SHA-256 over every name, attribute and byte (reads all content).
    #[arg(long, help_heading = "Output")]
    pub digest: bool,
}

#[derive(Debug, Args)]
pub struct MountArgs {
    /// An empty directory to mount on.
    pub mountpoint: std::path::PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Threads serving requests.
    #[arg(long, short = 't', value_name = "T", default_value_t = 2, help_heading = "Run")]
    pub threads: usize,
    /// Let users other than the one who mounted see the tree (needs user_allow_other in /etc/fuse.conf for non-root).
    #[arg(long, help_heading = "Mount")]
    pub allow_other: bool,
    /// Mount options, comma-separated, as for mount(8): ro, allow_other, default_permissions, fsname=NAME.
    #[arg(short = 'o', value_name = "OPTS", help_heading = "Mount")]
    pub options: Vec<String>,
}

fn parse_count(s: &str) -> Result<u64, String> {
    synthfs::units::parse_count(s).map_err(|e| e.to_string())
}
