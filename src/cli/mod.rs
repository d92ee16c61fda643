//! The command line: clap definitions. The doc comment on each item is its help text.

use clap::{Args, Parser, Subcommand};

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
    #[command(
        after_long_help = "Mounts the tree on a fresh temporary directory, walks it in parallel (a stat of every entry),\nreads a sample of files (the first 8 MiB of one in 20), finds duplicates by size and content hash, prints what a scanner\nwould report, then unmounts and removes the directory.\n\nExamples:\n  synthfs demo                          # the built-in enterprise share, 100,000 files\n  synthfs demo --files 1M               # a bigger share: still mounts instantly\n  synthfs demo --keep                   # stay mounted afterwards for your own tools (Ctrl-C ends)\n  synthfs demo --files 20k --json       # the scan as JSON"
    )]
    Demo(DemoArgs),
    /// Summarise the tree a profile describes: counts, bytes, types, owners, ages, sizes.
    #[command(
        after_long_help = "Examples:\n  synthfs stats                          # the built-in enterprise profile\n  synthfs stats --files 2.5M --json      # a bigger tree, as JSON for scripts\n  synthfs stats --profile my.toml --seed 7 --digest\n  synthfs stats /srv/share --json        # the same report over a real directory\n  synthfs stats --plot share.svg --compare /srv/share   # the model beside a real share"
    )]
    Stats(StatsArgs),
    /// Mount the tree read-only with FUSE; every byte is computed when it is read.
    #[command(
        after_long_help = "Examples:\n  synthfs mount /mnt/share                     # serve until Ctrl-C or umount\n  synthfs mount /mnt/share --files 100M        # mounts instantly at any size\n  synthfs mount /mnt/share -o allow_other      # let other users in\n  synthfs mount /mnt/share --identities users.csv   # owners from an AD export (also system, ldap://)"
    )]
    Mount(MountArgs),
    /// Write the tree to real storage: fast, parallel, resumable, shardable across machines.
    #[command(
        after_long_help = "Examples:\n  synthfs materialize /mnt/share --files 100k           # write 100,000 files\n  synthfs materialize /mnt/share --files 100k           # again after Ctrl-C: resumes\n  synthfs materialize /mnt/share --files 10M --shard 3/8  # machine 3 of 8\n  synthfs materialize /data --dry-run --json            # what would be written"
    )]
    Materialize(MaterializeArgs),
    /// Stream the tree into a ZIP or tar file, with an e-discovery load file and a checksum manifest.
    #[command(
        after_long_help = "Writes OUT, and beside it OUT's stem with .dat (Concordance load file), .opt (Opticon, for\nimage documents) and .manifest.csv (path, size, SHA-256 of every entry).\n\nExamples:\n  synthfs archive share.zip --files 100k                       # stored ZIP, load file beside it\n  synthfs archive share.tar --files 1M                         # GNU tar, sparse files stay small\n  synthfs archive prod.zip -p ediscovery --text --load-file-inside --compression deflate\n  synthfs archive 10g.zip -p ediscovery --target-size 10GiB    # scales file sizes to land on 10 GiB\n  synthfs archive prod/ -p ediscovery --production --families --images --bates-prefix ACME --volume-size 4GiB\n                                          # a production on disk: VOL001/DATA, NATIVES, TEXT, IMAGES"
    )]
    Archive(ArchiveArgs),
    /// Print the ground truth: one record per file (path, inode, size, type, owner and SID, owner kind, department, times, attributes), straight from the model.
    #[command(
        after_long_help = "Records come in file order; shards split them as materialize splits the files, so the outputs of
--shard 0/N ... N-1/N concatenated are the whole manifest.

Examples:
  synthfs manifest --files 1M > truth.jsonl
  synthfs manifest -p panzura-demo --format csv -o truth.csv
  synthfs manifest --files 100M --shard 3/8 > part3.jsonl"
    )]
    Manifest(ManifestArgs),
    /// Print the storyline metrics a scanner's dashboard should show: files by creation year, dormancy by top-level folder, owner kinds, top orphaned owners, bytes by department.
    #[command(
        after_long_help = "Every figure is one a scanner computes from stat and the user.synthfs.* attributes of a mount or a copy (creation year from user.synthfs.created, dormancy from the access time, owner kind and department from user.synthfs.owner, .sid and .department).\n\nExamples:\n  synthfs report -p panzura-demo\n  synthfs report -p panzura-demo --files 10M --json > expected.json\n  synthfs report --dormant-years 5"
    )]
    Report(ReportArgs),
    /// Compare a real directory with the model: missing, extra and different files.
    #[command(
        after_long_help = "Examples:\n  synthfs verify /mnt/share --files 100k               # names, sizes, times, modes, owners\n  synthfs verify /mnt/share --files 100k --content     # and every byte (SHA-256)"
    )]
    Verify(VerifyArgs),
    /// List or print the profiles: the TOML that describes a tree.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_long_help = "Examples:\n  synthfs completions bash > /etc/bash_completion.d/synthfs\n  synthfs completions zsh > \"${fpath[1]}/_synthfs\"\n  synthfs completions fish > ~/.config/fish/completions/synthfs.fish"
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff), generated from this help: synthfs(1), or one command's.
    #[command(
        after_long_help = "Examples:\n  synthfs man | man -l -\n  synthfs man archive | man -l -\n  synthfs man > /usr/local/share/man/man1/synthfs.1"
    )]
    Man {
        /// A command (archive, mount, ...) for its own page, synthfs-COMMAND(1).
        command: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the built-in profiles.
    #[command(
        after_long_help = "Examples:\n  synthfs profile list\n  synthfs profile show ediscovery     # then print one"
    )]
    List,
    /// Print a profile as TOML (a built-in with its comments, or a file with defaults filled in).
    #[command(
        after_long_help = "Examples:\n  synthfs profile show enterprise > my.toml && synthfs stats --profile my.toml\n  synthfs profile show my.toml        # a file, with every default filled in"
    )]
    Show {
        /// A built-in profile name or a TOML file.
        #[arg(default_value = "enterprise")]
        profile: String,
    },
    /// Write a profile whose trees have the shape of a real directory (statistics only).
    #[command(
        after_long_help = "Walks DIR (a parallel walk that reads no content) and prints a profile on stdout: the file and\nfolder counts, the size distribution, the extension mix, the depth and the age range of DIR. No name or byte of\nDIR is kept: only statistics (and the extensions' names).\n\nExamples:\n  synthfs profile fit /srv/share > share.toml && synthfs stats --profile share.toml\n  synthfs profile fit /srv/share --files 10M > big.toml   # the same shape, ten million files\n  synthfs stats --profile share.toml --plot fit.svg --compare /srv/share"
    )]
    Fit {
        /// The directory to imitate.
        dir: std::path::PathBuf,
        /// Scale to this many files (the folders follow, to keep files per folder) [default: DIR's].
        #[arg(long, short = 'n', value_name = "N", value_parser = parse_count)]
        files: Option<u64>,
        /// The profile's name [default: fitted].
        #[arg(long, default_value = "fitted")]
        name: String,
        /// The profile's seed.
        #[arg(long, short = 's', default_value_t = 1)]
        seed: u64,
        /// The date DIR's ages are measured from (YYYY-MM-DD or today) [default: today].
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
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
    /// Multiply every file size by X (what `archive --target-size` reports) [default: the profile's].
    #[arg(long, value_name = "X")]
    pub size_scale: Option<f64>,
    /// The tree's today, YYYY-MM-DD or `today`: ages count from it and the date range ends on it
    /// [default: the profile's]. With `stats DIR`: the date DIR's ages count from [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub dates: DateArgs,
    /// Grant each department's read, modify and full-control groups (gids from 30000) as POSIX ACLs on its folders and files, for permission scanners [default: the profile's acls.tiers].
    #[arg(long, help_heading = "Permissions")]
    pub acl_tiers: bool,
    /// Give every folder and file an NT security descriptor (SDDL in user.synthfs.sddl, its SIDs resolved in user.synthfs.sddl_sids), with the profile's [acls] anti-patterns; `report` counts them [default: the profile's acls.windows].
    #[arg(long, help_heading = "Permissions")]
    pub nt_acls: bool,
    /// With the torture profile: also names with newlines, tabs, carriage returns and escape sequences (POSIX only) [default: the profile's torture.control_chars].
    #[arg(long)]
    pub control_chars: bool,
    /// In any profile: the percentage of files whose name gets a hostile twist (NFD, right-to-left, emoji, combining marks, trailing dot or space, leading dash, a Windows device stem or forbidden character, an invisible space, 255 bytes) [default: the profile's torture.hostile_names].
    #[arg(long, value_name = "PCT")]
    pub hostile_names: Option<f64>,
    /// In any profile: the percentage of files with odd metadata (mode 000, times at 1970, before 1970, after 2038 or in the future, modified before created) [default: the profile's torture.odd_metadata].
    #[arg(long, value_name = "PCT")]
    pub odd_metadata: Option<f64>,
    /// The percentage of e-mails (.eml) that carry attachments as MIME parts; `archive --families` extracts them as documents [default: the profile's email.attachment_rate].
    #[arg(long, value_name = "PCT")]
    pub attachment_rate: Option<f64>,
    #[command(flatten)]
    pub identities: IdentityArgs,
}

/// When files were modified; names, sizes and owners stay the same whatever the dates.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Dates")]
pub struct DateArgs {
    /// How modification times spread over the range: aging (most recent, a long tail), uniform, recent-skew, year-spread or legacy-mess [default: the profile's].
    #[arg(long, value_enum, value_name = "PRESET")]
    pub date_preset: Option<synthfs_model::profile::DatePreset>,
    /// With recent-skew: the percentage of files modified in the newest fifth of the range [default: 70].
    #[arg(long, value_name = "PCT")]
    pub recent_bias: Option<f64>,
    /// Hot data: a further percentage of files modified in the last 30 days (`[dates] hot_days`) of the range, whatever the preset [default: the profile's, 0].
    #[arg(long, value_name = "PCT")]
    pub hot_share: Option<f64>,
    /// First day of the range, YYYY-MM-DD [default: the profile's max_age_years before --as-of].
    #[arg(long, value_name = "DATE")]
    pub min_date: Option<String>,
    /// Last day of the range, YYYY-MM-DD or `today`; after --as-of gives files from the future [default: --as-of].
    #[arg(long, value_name = "DATE")]
    pub max_date: Option<String>,
}

/// Where the owners come from; names, sizes and bytes stay the same whatever the source.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Owners")]
pub struct IdentityArgs {
    /// Accounts that own the files: synthetic, system (the host's NSS accounts), FILE.csv (an AD export) or ldap[s]://HOST[:PORT] [default: the profile's].
    #[arg(long, value_name = "SOURCE")]
    pub identities: Option<String>,
    /// With `system`: only accounts with a uid in this range [default: 1000-60000].
    #[arg(long, value_name = "FIRST-LAST")]
    pub uid_range: Option<String>,
    /// With `system`: only members of this group.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// With LDAP: the search base (dc=corp,dc=example,dc=com).
    #[arg(long, value_name = "DN")]
    pub ldap_base: Option<String>,
    /// With LDAP: the DN to bind as [default: anonymous].
    #[arg(long, value_name = "DN")]
    pub ldap_bind_dn: Option<String>,
    /// With LDAP: the environment variable that holds the bind password.
    #[arg(long, value_name = "VAR")]
    pub ldap_password_env: Option<String>,
    /// With LDAP: a file whose first line is the bind password.
    #[arg(long, value_name = "FILE")]
    pub ldap_password_file: Option<String>,
    /// With a mount: re-read the accounts every SECS seconds (new owners show as the kernel's cached attributes, kept SECS, expire).
    #[arg(long, value_name = "SECS")]
    pub identities_refresh: Option<u64>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A real directory to total instead of the model (the same report, the same JSON keys).
    #[arg(value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Also draw the distributions (sizes, ages, files and sub-folders per folder, depth, extensions) to FILE.svg or FILE.html.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub plot: Option<std::path::PathBuf>,
    /// Draw a second tree beside the first: a real directory, or a profile (with the same --files and --seed).
    #[arg(long, value_name = "DIR|PROFILE", requires = "plot", help_heading = "Output")]
    pub compare: Option<String>,
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
pub struct DemoArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Stay mounted after the scan until Ctrl-C, and print where.
    #[arg(long, help_heading = "Demo")]
    pub keep: bool,
    /// Read one file in N during the scan, its first 8 MiB (1 reads every file, 0 none).
    #[arg(long, value_name = "N", default_value_t = 20, help_heading = "Demo")]
    pub sample: u64,
    /// Do not look for duplicates (they are found by size, then by content hash).
    #[arg(long, help_heading = "Demo")]
    pub no_duplicates: bool,
    /// Scanner threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Print the scan as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
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
    /// After each request, one serving thread polls for the next for this many milliseconds
    /// instead of sleeping, so a walk's requests need no wake-up across CPUs. It keeps a CPU
    /// busy while a walk goes on, and on the 2-vCPU VM we measure on it no longer makes walks
    /// faster (docs/performance.md), so it is off (0) unless asked for; try 5 on a machine
    /// where waking a sleeping CPU is slow. Always off on a single CPU.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Run")]
    pub busy_poll: u64,
    /// When a file is read whole in one request, the files of up to 128 KiB among the next N of
    /// its folder are made on a background thread and put in the kernel's page cache, so a
    /// reader going file by file (cat, tar, a virus or DLP scanner) finds them there instead of
    /// waiting for each. Only files the kernel already knows from a listing with attributes
    /// (as a walk that stats files gets them); 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = synthfs_fuse::FILE_AHEAD, help_heading = "Run")]
    pub file_ahead: u64,
    /// When a walk that stats files (du, ls -l, a scanner) reads a folder, two background
    /// threads list the folders it will reach next through the mount, from the far end of that
    /// folder's sub-tree, so the kernel has their entries and attributes when the walker gets
    /// there. N: how many folders they may list after the walker's latest listing of its own;
    /// 0 turns it off. Never on a single CPU.
    #[arg(long, value_name = "N", default_value_t = synthfs_fuse::DIR_AHEAD, help_heading = "Run")]
    pub dir_ahead: u32,
    /// Let users other than the one who mounted see the tree (needs user_allow_other in /etc/fuse.conf for non-root).
    #[arg(long, help_heading = "Mount")]
    pub allow_other: bool,
    /// Mount options, comma-separated, as for mount(8): ro, allow_other, default_permissions, fsname=NAME.
    #[arg(short = 'o', value_name = "OPTS", help_heading = "Mount")]
    pub options: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MaterializeArgs {
    /// The directory to write into (created trees live below it; it must exist).
    pub dest: std::path::PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Write only shard K of N (K from 0), or auto/N to read K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", help_heading = "Run")]
    pub shard: Option<String>,
    /// Do not chown files and folders (owners are set only when running as root).
    #[arg(long, help_heading = "What to keep")]
    pub no_owners: bool,
    /// Do not set access and modification times.
    #[arg(long, help_heading = "What to keep")]
    pub no_times: bool,
    /// Do not write the user.synthfs.* extended attributes.
    #[arg(long, help_heading = "What to keep")]
    pub no_xattrs: bool,
    /// On resume, compare the bytes of files whose size and mtime already match.
    #[arg(long, help_heading = "Run")]
    pub check_content: bool,
    /// Write even into a directory that holds another tree or other files.
    #[arg(long, help_heading = "Run")]
    pub force: bool,
    /// Walk and count, write nothing.
    #[arg(long, help_heading = "Run")]
    pub dry_run: bool,
    /// Print the summary as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The archive to write: .zip, .tar, .tar.gz (.tgz) or .tar.zst (.tzst); OUT.meta is written
    /// beside it (size, SHA-256, MD5, file list). With --production, DIR/ writes the volumes
    /// into a new or empty directory instead.
    pub out: std::path::PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Archive format [default: from OUT's extension].
    #[arg(long, value_enum, help_heading = "Archive")]
    pub format: Option<synthfs::archive::Kind>,
    /// How ZIP entries are stored (sparse files are always deflated in a ZIP).
    #[arg(long, value_enum, default_value = "store", help_heading = "Archive")]
    pub compression: synthfs::archive::Compression,
    /// Compression level, 1 (fastest) to 9 (smallest): deflate for ZIP entries and tar.gz, zstd
    /// for tar.zst.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9), help_heading = "Archive")]
    pub level: u32,
    /// Scale file sizes so the archive lands within 1% of SIZE (10GiB, 500MB); stored archives only.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Archive")]
    pub target_size: Option<u64>,
    /// Load files, comma-separated: dat (Concordance, with an Opticon OPT for image documents), csv, xml (EDRM XML 1.2), or none.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "dat", help_heading = "Load file")]
    pub load_file: Vec<LoadFile>,
    /// Put the DAT and OPT inside the archive (at its root) instead of beside it.
    #[arg(long, help_heading = "Load file")]
    pub load_file_inside: bool,
    /// Bates numbers as BEGDOC and ENDDOC: this prefix, then a zero-padded number per document.
    #[arg(long, value_name = "PREFIX", help_heading = "Load file")]
    pub bates_prefix: Option<String>,
    /// The first Bates number.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "bates_prefix", help_heading = "Load file")]
    pub bates_start: u64,
    /// Digits of a Bates number (zero-padded).
    #[arg(long, value_name = "D", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=18), requires = "bates_prefix", help_heading = "Load file")]
    pub bates_digits: u32,
    /// Hash columns of the load files, comma-separated: md5 (MD5HASH; also the EDRM XML Hash), sha1 (SHA1HASH); none by default (hashing every document takes time).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "HASHES", help_heading = "Load file")]
    pub hash_columns: Vec<HashColumn>,
    /// DAT field separator: ascii:N (a code point 0-255) or char:C.
    #[arg(long, value_name = "SPEC", default_value = "ascii:20", help_heading = "Load file")]
    pub dat_separator: String,
    /// DAT text qualifier: ascii:N or char:C.
    #[arg(long, value_name = "SPEC", default_value = "ascii:254", help_heading = "Load file")]
    pub dat_quote: String,
    /// What a line break inside a DAT value becomes: ascii:N or char:C.
    #[arg(long, value_name = "SPEC", default_value = "ascii:174", help_heading = "Load file")]
    pub dat_newline: String,
    /// Line ends of the DAT and CSV.
    #[arg(long, value_enum, default_value = "crlf", help_heading = "Load file")]
    pub eol: Eol,
    /// No byte-order mark at the start of the DAT and CSV (whatever the encoding).
    #[arg(long, help_heading = "Load file")]
    pub no_bom: bool,
    /// Text encoding of the DAT and CSV.
    #[arg(long, value_enum, default_value = "utf8", help_heading = "Load file")]
    pub encoding: synthfs::archive::Encoding,
    /// Date format of DATECREATED and DATELASTMOD.
    #[arg(long, value_enum, default_value = "us", help_heading = "Load file")]
    pub date_format: synthfs::archive::DateFormat,
    /// Prefix of control numbers (DOCID): DOC gives DOC00000001.
    #[arg(long, default_value = "DOC", value_name = "PREFIX", help_heading = "Load file")]
    pub docid_prefix: String,
    /// Add an extracted-text file per document (TEXT/DOCID.txt) and a TEXTPATH column.
    #[arg(long, help_heading = "Load file")]
    pub text: bool,
    /// Extract e-mail attachments as documents of their own, each after its e-mail (columns BEGATTACH, ENDATTACH, PARENTID, ATTACHCOUNT; natives under ATTACHMENTS/DOCID/). How many e-mails have attachments is the tree's --attachment-rate.
    #[arg(long, help_heading = "Production")]
    pub families: bool,
    /// Image every document as a multi-page TIFF (bilevel, 200 dpi, each page stamped with its number; spreadsheets, media and archives get one slip sheet) under IMAGES/, every page in the Opticon file, and a PGCOUNT column. With Bates numbers a document takes one number per page.
    #[arg(long, help_heading = "Production")]
    pub images: bool,
    /// Lay the archive out as a production: VOL001/DATA (the volume's load files), VOL001/NATIVES, TEXT and IMAGES, documents named by Bates number (else control number) in sub-folders of --folder-docs.
    #[arg(long, help_heading = "Production")]
    pub production: bool,
    /// With --production: start a new volume before a family would take the open one past SIZE (650MB, 4GiB) [default: one volume].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, requires = "production", help_heading = "Production")]
    pub volume_size: Option<u64>,
    /// With --production: documents per sub-folder of NATIVES, TEXT and IMAGES.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..), requires = "production", help_heading = "Production")]
    pub folder_docs: u64,
    /// With --production: the volumes' name before their number (VOL gives VOL001).
    #[arg(long, value_name = "PREFIX", default_value = "VOL", requires = "production", help_heading = "Production")]
    pub volume_prefix: String,
    /// Checksum manifest beside the archive (OUT.manifest.csv: path, size, SHA-256), or none.
    #[arg(long, value_enum, default_value = "sha256", help_heading = "Load file")]
    pub manifest: Manifest,
    /// OUT.meta beside the archive (JSON: format, counts, sizes, SHA-256 and MD5 of the archive, file list), or none (the archive is then not hashed).
    #[arg(long, value_enum, default_value = "json", help_heading = "Load file")]
    pub meta: Meta,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Replace OUT and its side files if they exist.
    #[arg(long, help_heading = "Run")]
    pub force: bool,
    /// Print the summary as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Files not accessed for this many years count as dormant.
    #[arg(long, value_name = "YEARS", default_value_t = 3)]
    pub dormant_years: u32,
    /// Print the report as JSON.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Record format: jsonl (one JSON object per line) or csv (with a header row).
    #[arg(long, value_enum, default_value = "jsonl", help_heading = "Output")]
    pub format: synthfs::manifest::Format,
    /// Write to FILE (and print a summary) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<std::path::PathBuf>,
    /// Only shard K of N (K from 0), or auto/N to read K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", help_heading = "Run")]
    pub shard: Option<String>,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HashColumn {
    Md5,
    Sha1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Eol {
    Crlf,
    Lf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadFile {
    Dat,
    Csv,
    Xml,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Meta {
    Json,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Manifest {
    Sha256,
    None,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The directory holding the tree.
    pub dest: std::path::PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
    /// Also compare every file's SHA-256 with the model's.
    #[arg(long, help_heading = "Checks")]
    pub content: bool,
    /// Do not compare owners (compared by default when running as root).
    #[arg(long, help_heading = "Checks")]
    pub no_owners: bool,
    /// Do not compare modification times.
    #[arg(long, help_heading = "Checks")]
    pub no_times: bool,
    /// Compare times to the whole second (for trees extracted from ZIP or tar archives).
    #[arg(long, help_heading = "Checks")]
    pub whole_seconds: bool,
    /// Print the report as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    synthfs_model::units::parse_size(s).map_err(|e| e.to_string())
}

fn parse_count(s: &str) -> Result<u64, String> {
    synthfs_model::units::parse_count(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `synthfs ...` command lines in the fenced code blocks of a Markdown file: comments
    /// dropped, pipes, redirections and `&&` chains cut at the synthfs part.
    fn command_lines(markdown: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut in_code = false;
        let mut pending = String::new();
        for line in markdown.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if !in_code {
                continue;
            }
            // Continued lines (`\` at the end) make one command.
            let line = line.split(" #").next().unwrap_or("");
            if let Some(head) = line.trim_end().strip_suffix('\\') {
                pending.push_str(head);
                pending.push(' ');
                continue;
            }
            let line = std::mem::take(&mut pending) + line;
            for part in line.split("&&").flat_map(|p| p.split('|')).flat_map(|p| p.split(';')) {
                let mut part = part.split('>').next().unwrap_or("").trim();
                // Leading environment assignments (`LDAP_PW=... synthfs ...`).
                while let Some((_, rest)) = part.split_once(' ').filter(|(w, _)| {
                    w.split_once('=')
                        .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                }) {
                    part = rest.trim_start();
                }
                if let Some(rest) = part.strip_prefix("synthfs ") {
                    out.push(format!("synthfs {rest}"));
                } else if let Some(rest) = part.strip_prefix("cargo run --release -- ") {
                    out.push(format!("synthfs {rest}"));
                }
            }
        }
        out
    }

    /// Splits like a shell for the simple quoting the docs use.
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut quote = None;
        for c in line.chars() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, ' ') => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                _ => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    #[test]
    fn continued_lines_and_environment_prefixes_are_one_command() {
        let md =
            "```sh\nPW=x synthfs mount /m \\\n    --identities ldap://h \\\n    --ldap-base dc=x   # note\nls\n```\n";
        assert_eq!(command_lines(md), ["synthfs mount /m      --identities ldap://h      --ldap-base dc=x"]);
    }

    #[test]
    fn every_command_in_the_docs_parses() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md")];
        for e in std::fs::read_dir(root.join("docs")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                files.push(p);
            }
        }
        let mut checked = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for line in command_lines(&text) {
                let args = words(&line);
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("{}: `{line}` does not parse:\n{e}", f.display());
                }
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} command lines found");
    }
}
