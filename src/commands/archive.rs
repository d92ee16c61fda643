//! `synthfs archive OUT`: stream the tree into a ZIP or tar file (or a production directory)
//! with e-discovery load files, a checksum manifest and OUT.meta.

mod summary;
mod values;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use synthfs::archive::{self, Compression, Format, Kind, Options, Wrap, loadfile};
use synthfs_model::Profile;
use synthfs_model::Tree;
use synthfs_model::units::Bytes;
use values::{CompressionArg, DateFormatArg, EncodingArg, Eol, HashColumn, KindArg, LoadFile, Manifest, Meta};

use super::errors::{BadInput, lift};
use super::output::print_json;
use super::threads::{ThreadArgs, Threads};
use super::tree::{self, TreeArgs};
use crate::progress;

#[derive(Debug, Args)]
#[command(
    after_long_help = "Writes OUT, and beside it OUT's stem with .dat (Concordance load file), .opt (Opticon, for\nimage documents) and .manifest.csv (path, size, SHA-256 of every entry).\n\nExamples:\n  synthfs archive share.zip --files 100k                       # stored ZIP, load file beside it\n  synthfs archive share.tar --files 1M                         # GNU tar, sparse files stay small\n  synthfs archive prod.zip -p ediscovery --text --load-file-inside --compression deflate\n  synthfs archive 10g.zip -p ediscovery --target-size 10GiB    # scales file sizes to land on 10 GiB\n  synthfs archive prod/ -p ediscovery --production --families --images --bates-prefix ACME --volume-size 4GiB\n                                          # a production on disk: VOL001/DATA, NATIVES, TEXT, IMAGES"
)]
pub struct ArchiveArgs {
    /// The archive to write: .zip, .tar, .tar.gz (.tgz) or .tar.zst (.tzst); OUT.meta is written
    /// beside it (size, SHA-256, MD5, file list). With --production, DIR/ writes the volumes
    /// into a new or empty directory instead.
    pub out: PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Archive format [default: from OUT's extension].
    #[arg(long, value_enum, help_heading = "Archive")]
    pub format: Option<KindArg>,
    /// How ZIP entries are stored (sparse files are always deflated in a ZIP).
    #[arg(long, value_enum, default_value = "store", help_heading = "Archive")]
    pub compression: CompressionArg,
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
    pub encoding: EncodingArg,
    /// Date format of DATECREATED and DATELASTMOD.
    #[arg(long, value_enum, default_value = "us", help_heading = "Load file")]
    pub date_format: DateFormatArg,
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
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Replace OUT and its side files if they exist.
    #[arg(long, help_heading = "Run")]
    pub force: bool,
    /// Print the summary as one JSON object.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// What `archive` does, decided from its options.
pub struct Config {
    threads: Threads,
    profile: Profile,
    /// Its `cancel` flag is set by signals once the run starts.
    opts: Options,
    target_size: Option<u64>,
    json: bool,
}

impl TryFrom<ArchiveArgs> for Config {
    type Error = BadInput;

    fn try_from(args: ArchiveArgs) -> Result<Config, BadInput> {
        let threads = Threads::try_from(&args.threads)?;
        let Some(kind) = args.format.map(Kind::from).or_else(|| Kind::from_path(&args.out)) else {
            return Err(BadInput(format!(
                "cannot tell the format of {}: name it .zip, .tar, .tar.gz or .tar.zst (or DIR/ with --production), or pass --format zip|tar|tar.gz|tar.zst|dir",
                args.out.display()
            )));
        };
        let (format, wrap) = kind.parts();
        let compression = Compression::from(args.compression);
        let refuse = |why: &str| Err(BadInput(why.into()));
        if format == Format::Dir && !args.production {
            return refuse(
                "a directory output is a production: add --production (to copy the tree itself, use synthfs materialize)",
            );
        }
        if wrap != Wrap::None && compression != Compression::Store {
            return refuse(
                "--compression applies to ZIP entries; a tar.gz or tar.zst compresses the whole stream (set --level)",
            );
        }
        if args.target_size.is_some() && (args.families || args.images || args.production) {
            return refuse(
                "--target-size plans plain archives: it cannot be combined with --families, --images or --production",
            );
        }
        if args.production && args.load_file_inside {
            return refuse("--production puts every volume's load files in its DATA folder; drop --load-file-inside");
        }
        if wrap != Wrap::None && args.target_size.is_some() {
            return refuse(
                "--target-size needs a stored archive (zip or tar): a compressed stream's size is known only after compressing",
            );
        }
        let dir = match args.out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(BadInput(format!("{} is not a directory", dir.display())));
        }
        let formats = &args.load_file;
        if formats.contains(&LoadFile::None) && formats.len() > 1 {
            return refuse("--load-file none cannot be combined with other load files");
        }
        if args.load_file_inside && (formats.contains(&LoadFile::Csv) || formats.contains(&LoadFile::Xml)) {
            return refuse(
                "--load-file-inside puts the DAT and OPT in the archive; CSV and XML load files are written beside it",
            );
        }
        let delimiter =
            |flag: &str, spec: &str| loadfile::parse_delimiter(spec).map_err(|e| BadInput(format!("{flag} {e}")));
        let style = loadfile::Style {
            separator: delimiter("--dat-separator", &args.dat_separator)?,
            quote: delimiter("--dat-quote", &args.dat_quote)?,
            newline: delimiter("--dat-newline", &args.dat_newline)?,
            crlf: args.eol == Eol::Crlf,
            bom: !args.no_bom,
        };
        if style.separator == style.quote || [style.separator, style.quote].iter().any(|c| matches!(c, '\r' | '\n')) {
            return refuse("--dat-separator and --dat-quote must differ from each other and from line breaks");
        }
        let opts = Options {
            // `prod/` names the directory `prod`.
            out: PathBuf::from(args.out.as_os_str().to_string_lossy().trim_end_matches('/')),
            format,
            wrap,
            compression,
            level: args.level,
            load_file: formats.contains(&LoadFile::Dat),
            csv: formats.contains(&LoadFile::Csv),
            xml: formats.contains(&LoadFile::Xml),
            hashes: loadfile::Hashes {
                md5: args.hash_columns.contains(&HashColumn::Md5),
                sha1: args.hash_columns.contains(&HashColumn::Sha1),
            },
            style,
            bates: args.bates_prefix.map(|prefix| loadfile::Bates {
                prefix,
                start: args.bates_start,
                digits: args.bates_digits,
            }),
            load_file_inside: args.load_file_inside,
            encoding: args.encoding.into(),
            date_format: args.date_format.into(),
            docid_prefix: args.docid_prefix,
            text: args.text,
            families: args.families,
            images: args.images,
            production: args.production.then_some(archive::Production {
                volume_size: args.volume_size,
                folder_docs: args.folder_docs,
                volume_prefix: args.volume_prefix,
            }),
            manifest: args.manifest == Manifest::Sha256,
            // A directory has no archive file to describe.
            meta: args.meta == Meta::Json && format != Format::Dir,
            force: args.force,
            cancel: Arc::new(AtomicBool::new(false)),
        };
        let profile = args.tree.profile()?;
        Ok(Config { threads, profile, opts, target_size: args.target_size, json: args.json })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let Config { threads, mut profile, opts, target_size, json } = config;
    threads.apply()?;
    cancel_on_signal(&opts.cancel)?;
    let roster = tree::load_identities(&profile)?;
    if let Some(target) = target_size {
        let (scale, len) =
            archive::size::solve_scale(&profile, roster.clone(), &opts, target).map_err(|e| BadInput(e.to_string()))?;
        tracing::info!(scale, planned = len, "file sizes scaled to meet the target");
        if len.abs_diff(target) as f64 > target as f64 * 0.01 {
            return Err(BadInput(format!(
                "cannot land within 1% of {}: the closest this tree gives is {} (archives grow in steps: headers, tar records); change --files or the target",
                Bytes(target),
                Bytes(len)
            ))
            .into());
        }
        profile.sizes.scale = scale;
    }
    let tree = tree::build(profile, roster)?;
    if let Some(b) = &opts.bates {
        let needed = archive::docs::bates_needed(&tree, &opts);
        if !b.fits(needed) {
            let what = if opts.images { "pages" } else { "documents" };
            return Err(BadInput(format!(
                "{needed} {what} do not fit in {} Bates digits from {}: raise --bates-digits",
                b.digits, b.start
            ))
            .into());
        }
    }
    if opts.md5() || opts.sha1() || opts.manifest {
        warn_if_hashing_is_long(&tree);
    }
    let summary =
        progress::track(tree.file_count(), "written", |counters| archive::run(&tree, &opts, counters)).map_err(lift)?;
    if json {
        print_json(&summary)?;
    } else {
        summary::print(&summary, target_size)?;
    }
    Ok(())
}

/// Lets Ctrl-C, SIGTERM or SIGHUP set `flag` (instead of killing the process), so the run
/// stops cleanly and removes what it had written.
fn cancel_on_signal(flag: &Arc<AtomicBool>) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        use anyhow::Context;
        signal_hook::flag::register(sig, flag.clone()).context("cannot watch for signals")?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = flag;
    Ok(())
}

/// The load file and the manifest hash every byte of every file, sparse holes included: say so
/// before a run that would spend hours on it.
fn warn_if_hashing_is_long(tree: &Tree) {
    /// Rough rate of MD5 + SHA-1 + SHA-256 over zeros on two cores.
    const HASH_BYTES_PER_SEC: f64 = 0.6e9;
    let (apparent, allocated) = synthfs_fs::totals::of(tree);
    let hours = apparent as f64 / HASH_BYTES_PER_SEC / 3600.0;
    if hours >= 0.25 {
        eprintln!(
            "synthfs: warning: the load file and manifest hash every byte: {} here ({} of it data, the rest sparse holes), about {hours:.1} h; --load-file none --manifest none skips the hashing",
            Bytes(apparent),
            Bytes(allocated)
        );
    }
}

/// A size with an optional unit: 10GiB, 500MB.
fn parse_size(s: &str) -> Result<u64, String> {
    synthfs_model::units::parse_size(s).map_err(|e| e.to_string())
}
