//! `synthfs archive`: the tree streamed into a ZIP or tar file, with a Concordance load file and
//! a checksum manifest, without a copy on disk.
//!
//! One walk lists the entries in archive order (a folder, its files, then its sub-folders).
//! Workers (rayon) turn batches of entries into ready-to-append bytes: generated, hashed and,
//! for deflate, compressed. One writer appends the batches in order through a bounded queue, so
//! the archive is byte-identical for any thread count and memory stays bounded. Files too big
//! to hold whole are streamed by the writer in pieces that are generated and compressed in
//! parallel (see [`deflate`]).

pub mod deflate;
pub mod docs;
pub mod loadfile;
pub mod meta;
mod prepare;
pub mod sink;
pub mod size;
pub mod tar;
pub mod text;
pub mod tiff;
mod walk;
mod writer;
pub mod zip;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::counters::Counters;
pub use loadfile::{DateFormat, Encoding};
pub use sink::Wrap;
use synthfs_model::Tree;

/// Archive containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Zip,
    Tar,
    /// Files in a directory (a production written to disk).
    Dir,
}

/// What `--format` and the output's name choose: a container and the whole-stream compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    /// tar compressed with gzip (parallel pieces, any gunzip reads it).
    TarGz,
    /// tar compressed with zstd (multithreaded).
    TarZst,
    /// A directory (with --production): the volumes as folders on disk.
    Dir,
}

impl Kind {
    /// The kind an output name implies: `.zip`, `.tar`, `.tar.gz` / `.tgz`, `.tar.zst` / `.tzst`.
    pub fn from_path(path: &Path) -> Option<Kind> {
        if path.as_os_str().to_string_lossy().ends_with('/') {
            return Some(Kind::Dir);
        }
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        [(".tar.gz", Kind::TarGz), (".tgz", Kind::TarGz), (".tar.zst", Kind::TarZst), (".tzst", Kind::TarZst)]
            .into_iter()
            .chain([(".zip", Kind::Zip), (".tar", Kind::Tar)])
            .find(|(ext, _)| name.ends_with(ext) && name.len() > ext.len())
            .map(|(_, k)| k)
    }

    /// The container and the stream compression.
    pub fn parts(self) -> (Format, Wrap) {
        match self {
            Kind::Zip => (Format::Zip, Wrap::None),
            Kind::Tar => (Format::Tar, Wrap::None),
            Kind::TarGz => (Format::Tar, Wrap::Gzip),
            Kind::TarZst => (Format::Tar, Wrap::Zstd),
            Kind::Dir => (Format::Dir, Wrap::None),
        }
    }
}

/// How entry data is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// As is (ZIP method 0; tar is never compressed).
    Store,
    /// Deflate (ZIP method 8); entries that would grow are stored.
    Deflate,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub format: Format,
    /// Compression of the whole stream (tar.gz, tar.zst).
    pub wrap: Wrap,
    pub compression: Compression,
    /// Deflate level, 1 (fast) to 9 (small).
    pub level: u32,
    /// A Concordance DAT (with an Opticon OPT for image documents).
    pub load_file: bool,
    /// A CSV load file beside the archive.
    pub csv: bool,
    /// An EDRM XML load file beside the archive.
    pub xml: bool,
    /// Bates numbers as BEGDOC / ENDDOC.
    pub bates: Option<loadfile::Bates>,
    /// The hash columns of the load files (MD5HASH, SHA1HASH), only when asked.
    pub hashes: loadfile::Hashes,
    /// Delimiters, line ends and byte-order mark of the DAT (line ends and BOM of the CSV too).
    pub style: loadfile::Style,
    pub load_file_inside: bool,
    pub encoding: Encoding,
    pub date_format: DateFormat,
    /// Prefix of control numbers (`DOC` gives DOC00000001).
    pub docid_prefix: String,
    /// Add an extracted-text file per document under `TEXT/`.
    pub text: bool,
    /// E-mail attachments as documents of their own, after their e-mail (families).
    pub families: bool,
    /// Page images: a multi-page TIFF per document, every page in the Opticon file.
    pub images: bool,
    /// The production layout (volumes of DATA, NATIVES, TEXT and IMAGES folders).
    pub production: Option<Production>,
    pub manifest: bool,
    /// Write `OUT.meta` (and hash the archive as it is written for it).
    pub meta: bool,
    pub force: bool,
    /// Set (by a signal handler) to stop early: the partial archive and side files are removed.
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Options {
    /// Whether any load file is written.
    pub fn any_load_file(&self) -> bool {
        self.load_file || self.csv || self.xml
    }

    /// The load files' columns.
    pub fn columns(&self) -> Vec<&'static str> {
        loadfile::columns(loadfile::ColumnSet {
            bates: self.bates.is_some(),
            families: self.families,
            pages: self.images,
            native: self.production.is_some(),
            hashes: self.hashes,
            text: self.text,
        })
    }

    /// Whether documents are hashed with MD5 (the MD5HASH column, the EDRM XML `Hash`).
    pub fn md5(&self) -> bool {
        self.any_load_file() && self.hashes.md5
    }

    /// Whether documents are hashed with SHA-1 (the SHA1HASH column).
    pub fn sha1(&self) -> bool {
        self.any_load_file() && self.hashes.sha1
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// How a production is laid out: volumes named `{prefix}001`, `{prefix}002`, ... each with
/// `DATA/` (its load files), `NATIVES/`, `TEXT/` and `IMAGES/`, documents named by their Bates
/// number (else their control number) in sub-folders of `folder_docs` documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Production {
    /// A volume is closed before a family that would take it past this many bytes.
    pub volume_size: Option<u64>,
    pub folder_docs: u64,
    pub volume_prefix: String,
}

/// Folder of e-mail attachments (by their e-mail's control number) outside a production.
pub const ATTACHMENTS_DIR: &str = "ATTACHMENTS";
/// Folder of page images outside a production.
pub const IMAGES_DIR: &str = "IMAGES";
/// Folder of extracted text inside the archive.
pub const TEXT_DIR: &str = "TEXT";
/// Opticon volume name.
pub const VOLUME: &str = "VOL001";

/// The metadata an entry header carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryMeta {
    pub is_dir: bool,
    /// The Windows hidden attribute (ZIP's DOS attribute byte carries it, and read-only).
    pub hidden: bool,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub user: Box<str>,
    pub group: Box<str>,
    pub modified: i64,
    pub accessed: i64,
}

/// Header metadata for the format modules' unit tests.
#[cfg(test)]
pub(crate) fn sample_meta(is_dir: bool) -> EntryMeta {
    EntryMeta {
        is_dir,
        hidden: false,
        mode: 0o640,
        uid: 10_001,
        gid: 20_002,
        user: "jdoe".into(),
        group: "Finance".into(),
        modified: 1_700_000_000,
        accessed: 1_700_000_100,
    }
}

/// Paths of the files written beside the archive.
#[derive(Clone, Debug, Serialize)]
pub struct SideFiles {
    pub dat: Option<String>,
    pub opt: Option<String>,
    pub csv: Option<String>,
    pub xml: Option<String>,
    pub manifest: Option<String>,
    pub meta: Option<String>,
}

/// The outcome of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub out: String,
    pub format: Format,
    /// `zip`, `tar`, `tar.gz` or `tar.zst`.
    pub kind: &'static str,
    pub compression: Compression,
    pub entries: u64,
    pub documents: u64,
    pub folders: u64,
    pub text_files: u64,
    /// Documents that are e-mail attachments (with families).
    pub attachments: u64,
    /// Documents listed in the Opticon file.
    pub image_documents: u64,
    /// TIFF pages (with images).
    pub pages: u64,
    /// Production volumes (0 outside a production).
    pub volumes: u64,
    /// Apparent bytes of the documents.
    pub bytes_in: u64,
    /// Bytes of the archive file.
    pub archive_bytes: u64,
    /// Bytes of the ZIP or tar stream (before gzip or zstd).
    pub stream_bytes: u64,
    /// Of the archive file, with `OUT.meta`.
    pub sha256: Option<String>,
    pub md5: Option<String>,
    pub zip64: bool,
    pub load_file_inside: bool,
    pub files: SideFiles,
    pub size_scale: f64,
    pub elapsed_seconds: f64,
    pub files_per_second: f64,
    pub bytes_per_second: f64,
}

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0} already exists; use --force to replace it")]
    Exists(PathBuf),
    #[error("cannot write {path}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0} is not an empty directory: a production is written into a new or empty one")]
    NotEmpty(PathBuf),
    #[error("interrupted: removed the partial archive and its side files")]
    Interrupted,
    #[error(
        "the archive's name {0} is also the name of its load file or manifest; name it .zip, .tar, .tar.gz or .tar.zst"
    )]
    Collides(PathBuf),
}

impl ArchiveError {
    /// Errors the user fixes by changing the command (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ArchiveError::Exists(_) | ArchiveError::Collides(_) | ArchiveError::NotEmpty(_))
    }
}

/// A path beside the archive: `out.zip` -> `out.dat`, `out.tar.gz` -> `out.dat`.
pub fn side_path(out: &Path, ext: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem = [".tar.gz", ".tar.zst"]
        .into_iter()
        .find(|e| lower.ends_with(e) && lower.len() > e.len())
        .map_or_else(|| Path::new(&name).with_extension(""), |e| PathBuf::from(&name[..name.len() - e.len()]));
    let mut side = stem.into_os_string();
    side.push(".");
    side.push(ext);
    out.with_file_name(side)
}

/// The `.meta` beside the archive: `out.tar.gz` -> `out.tar.gz.meta`.
pub fn meta_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".meta");
    PathBuf::from(s)
}

/// A file's data runs as `(offset, length)`: the form of tar's sparse map and of the pieces a
/// big file is streamed in (one run for a file without holes).
fn data_extents(spec: &synthfs_model::ContentSpec) -> Vec<(u64, u64)> {
    spec.data_runs().into_iter().map(|(start, end)| (start, end - start)).collect()
}

/// The control number of the document with this ordinal (from 0).
pub fn docid(prefix: &str, ordinal: u64) -> String {
    format!("{prefix}{:08}", ordinal + 1)
}

/// Writes the archive and its side files.
pub fn run(tree: &Tree, opts: &Options, counters: &Counters) -> Result<Summary, ArchiveError> {
    let started = Instant::now();
    let outputs = output_paths(opts);
    if let Some(p) = outputs.iter().skip(1).find(|p| **p == opts.out) {
        return Err(ArchiveError::Collides(p.clone()));
    }
    if opts.format == Format::Dir && opts.out.exists() && !is_empty_dir(&opts.out) {
        return Err(ArchiveError::NotEmpty(opts.out.clone()));
    }
    if !opts.force {
        let taken = |p: &&PathBuf| p.exists() && !(opts.format == Format::Dir && **p == opts.out);
        if let Some(p) = outputs.iter().find(taken) {
            return Err(ArchiveError::Exists(p.clone()));
        }
    }
    let partial = partial_path(&opts.out);
    let result = writer::write(tree, opts, counters, &partial);
    let written = match result {
        Ok(w) if !opts.cancelled() => w,
        Ok(_) => {
            writer::remove_partials(&partial);
            return Err(ArchiveError::Interrupted);
        }
        Err(e) => {
            writer::remove_partials(&partial);
            return Err(if opts.cancelled() { ArchiveError::Interrupted } else { e });
        }
    };
    let place = |from: &Path, to: &Path| {
        std::fs::rename(from, to).map_err(|source| ArchiveError::Io { path: to.into(), source })
    };
    if opts.format == Format::Dir && opts.out.exists() {
        // An empty directory: rename(2) replaces it.
        std::fs::remove_dir(&opts.out).map_err(|source| ArchiveError::Io { path: opts.out.clone(), source })?;
    }
    place(&partial, &opts.out)?;
    for (from, to) in [&written.dat, &written.opt, &written.csv, &written.xml, &written.manifest].into_iter().flatten()
    {
        place(from, to)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let show = |p: &Option<(PathBuf, PathBuf)>| p.as_ref().map(|(_, to)| to.display().to_string());
    let meta_to = meta_path(&opts.out);
    let summary = Summary {
        out: opts.out.display().to_string(),
        format: opts.format,
        kind: meta::format_name(opts.format, opts.wrap),
        compression: opts.compression,
        entries: written.counts.entries,
        documents: written.counts.documents,
        folders: written.counts.folders,
        text_files: written.counts.text_files,
        attachments: written.counts.attachments,
        image_documents: written.counts.images,
        pages: written.counts.pages,
        volumes: written.volumes,
        bytes_in: written.counts.bytes_in,
        archive_bytes: written.file.bytes,
        stream_bytes: written.stream_bytes,
        sha256: written.file.digests.map(|d| prepare::hex(&d.sha256)),
        md5: written.file.digests.map(|d| prepare::hex(&d.md5)),
        zip64: written.zip64,
        load_file_inside: opts.load_file && opts.load_file_inside,
        files: SideFiles {
            dat: show(&written.dat),
            opt: show(&written.opt),
            csv: show(&written.csv),
            xml: show(&written.xml),
            manifest: show(&written.manifest),
            meta: opts.meta.then(|| meta_to.display().to_string()),
        },
        size_scale: tree.model.profile.sizes.scale,
        elapsed_seconds: elapsed,
        files_per_second: written.counts.documents as f64 / elapsed.max(1e-9),
        bytes_per_second: written.file.bytes as f64 / elapsed.max(1e-9),
    };
    if let Some(digests) = written.file.digests {
        let described = meta::describe(opts, &summary, written.listed, written.file.bytes, &digests, tree);
        let meta_from = writer::temp_path(&partial, "meta");
        let json = serde_json::to_vec_pretty(&described)
            .map_err(|e| ArchiveError::Io { path: meta_to.clone(), source: e.into() })?;
        std::fs::write(&meta_from, json).map_err(|source| ArchiveError::Io { path: meta_to.clone(), source })?;
        place(&meta_from, &meta_to)?;
    }
    Ok(summary)
}

/// Every file a run creates, for the "already exists" check.
fn output_paths(opts: &Options) -> Vec<PathBuf> {
    let mut v = vec![opts.out.clone()];
    if opts.load_file && !opts.load_file_inside && opts.production.is_none() {
        v.push(side_path(&opts.out, "dat"));
        v.push(side_path(&opts.out, "opt"));
    }
    if opts.csv && opts.production.is_none() {
        v.push(side_path(&opts.out, "csv"));
    }
    if opts.xml && opts.production.is_none() {
        v.push(side_path(&opts.out, "xml"));
    }
    if opts.manifest {
        v.push(side_path(&opts.out, "manifest.csv"));
    }
    if opts.meta {
        v.push(meta_path(&opts.out));
    }
    v
}

fn is_empty_dir(p: &Path) -> bool {
    std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none())
}

/// Where the archive is written until it is complete.
fn partial_path(out: &Path) -> PathBuf {
    let out = Path::new(out.as_os_str().to_string_lossy().trim_end_matches('/')).to_path_buf();
    let mut s = out.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}
