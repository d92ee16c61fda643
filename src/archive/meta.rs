//! `<archive>.meta`: a JSON description of a finished archive, as ArchiveManager writes it
//! (file name, format, creation time, file count, uncompressed and compressed size, SHA-256
//! and MD5 of the archive, and the file list or, for big archives, its digest).

use serde::Serialize;
use sha2::Digest;

use super::sink::Wrap;
use super::{Format, Options, Summary};

/// File lists longer than this are given by their digest only.
pub const LIST_MAX: usize = 100_000;

/// The archive's file entries (documents, extracted text, load files inside) in archive order.
#[derive(Default)]
pub struct FileList {
    sha256: sha2::Sha256,
    count: u64,
    paths: Vec<(String, u64)>,
}

impl FileList {
    /// Records a file entry.
    pub fn add(&mut self, path: &str, size: u64) {
        self.sha256.update(path.as_bytes());
        self.sha256.update(b"\n");
        self.count += 1;
        if self.paths.len() < LIST_MAX {
            self.paths.push((path.to_owned(), size));
        }
    }
}

/// One listed file.
#[derive(Debug, Serialize)]
pub struct Listed {
    pub path: String,
    pub size: u64,
}

/// Checksums of the archive file.
#[derive(Debug, Serialize)]
pub struct Checksums {
    pub sha256: String,
    pub md5: String,
}

/// The `.meta` document.
#[derive(Debug, Serialize)]
pub struct Meta {
    pub filename: String,
    /// `zip`, `tar`, `tar.gz` or `tar.zst`.
    pub format: String,
    /// When the archive was written (UTC): the one field that differs between two runs.
    pub created_at: String,
    /// File entries (documents, extracted texts, load files inside); folders not counted.
    pub file_count: u64,
    pub document_count: u64,
    pub folder_count: u64,
    /// Apparent bytes of the documents.
    pub uncompressed_size: u64,
    /// Bytes of the ZIP or tar stream (before gzip or zstd).
    pub stream_size: u64,
    /// Bytes of the archive file.
    pub compressed_size: u64,
    pub checksums: Checksums,
    /// SHA-256 of the file entries' paths in archive order, each followed by a newline.
    pub files_sha256: String,
    /// The file entries in archive order, when there are at most [`LIST_MAX`] of them.
    pub files: Option<Vec<Listed>>,
    /// The tree: profile, seed and size scale (the same tree again from these).
    pub profile: String,
    pub seed: u64,
    pub size_scale: f64,
}

/// The format as the `.meta` names it.
pub fn format_name(format: Format, wrap: Wrap) -> &'static str {
    match (format, wrap) {
        (Format::Zip, _) => "zip",
        (Format::Tar, Wrap::None) => "tar",
        (Format::Tar, Wrap::Gzip) => "tar.gz",
        (Format::Tar, Wrap::Zstd) => "tar.zst",
        (Format::Dir, _) => "dir",
    }
}

/// The `.meta` of a finished archive.
pub fn describe(
    opts: &Options,
    summary: &Summary,
    list: FileList,
    bytes: u64,
    digests: &super::sink::Digests,
    tree: &synthfs_model::Tree,
) -> Meta {
    let FileList { sha256, count, paths } = list;
    let files =
        (count as usize <= LIST_MAX).then(|| paths.into_iter().map(|(path, size)| Listed { path, size }).collect());
    Meta {
        filename: opts.out.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        format: format_name(opts.format, opts.wrap).into(),
        created_at: now_utc(),
        file_count: count,
        document_count: summary.documents,
        folder_count: summary.folders,
        uncompressed_size: summary.bytes_in,
        stream_size: summary.stream_bytes,
        compressed_size: bytes,
        checksums: Checksums { sha256: super::prepare::hex(&digests.sha256), md5: super::prepare::hex(&digests.md5) },
        files_sha256: super::prepare::hex(&sha256.finalize()),
        files,
        profile: tree.model.profile.name.clone(),
        seed: tree.model.seed,
        size_scale: tree.model.profile.sizes.scale,
    }
}

/// The current time as RFC 3339 UTC, to the second.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let d = synthfs_model::date::Date::of_unix(secs as i64);
    let s = secs % 86_400;
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, s / 3600, s / 60 % 60, s % 60)
}
