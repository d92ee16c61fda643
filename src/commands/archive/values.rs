//! The values of `archive`'s options that name a choice, as clap parses them; each maps to the
//! library's own type, which knows nothing of the command line.

use clap::ValueEnum;
use synthfs::archive::{Compression, DateFormat, Encoding, Kind};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Zip,
    Tar,
    /// tar compressed with gzip (parallel pieces, any gunzip reads it).
    #[value(name = "tar.gz")]
    TarGz,
    /// tar compressed with zstd (multithreaded).
    #[value(name = "tar.zst")]
    TarZst,
    /// A directory (with --production): the volumes as folders on disk.
    Dir,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Zip => Kind::Zip,
            KindArg::Tar => Kind::Tar,
            KindArg::TarGz => Kind::TarGz,
            KindArg::TarZst => Kind::TarZst,
            KindArg::Dir => Kind::Dir,
        }
    }
}

/// `--compression`: how ZIP entries are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressionArg {
    /// As is (ZIP method 0; tar is never compressed).
    Store,
    /// Deflate (ZIP method 8); entries that would grow are stored.
    Deflate,
}

impl From<CompressionArg> for Compression {
    fn from(c: CompressionArg) -> Compression {
        match c {
            CompressionArg::Store => Compression::Store,
            CompressionArg::Deflate => Compression::Deflate,
        }
    }
}

/// `--encoding` of the DAT and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 with a byte-order mark (what review platforms detect most reliably).
    Utf8,
    /// UTF-8 without a byte-order mark.
    Utf8NoBom,
    /// UTF-16 little-endian with a byte-order mark.
    Utf16,
    /// Windows-1252 ("ANSI"); characters it lacks become '?'.
    Cp1252,
}

impl From<EncodingArg> for Encoding {
    fn from(e: EncodingArg) -> Encoding {
        match e {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Utf8NoBom => Encoding::Utf8NoBom,
            EncodingArg::Utf16 => Encoding::Utf16,
            EncodingArg::Cp1252 => Encoding::Cp1252,
        }
    }
}

/// `--date-format` of DATECREATED and DATELASTMOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateFormatArg {
    /// MM/DD/YYYY, as US production specifications ask.
    Us,
    /// YYYY-MM-DD.
    Iso,
}

impl From<DateFormatArg> for DateFormat {
    fn from(d: DateFormatArg) -> DateFormat {
        match d {
            DateFormatArg::Us => DateFormat::Us,
            DateFormatArg::Iso => DateFormat::Iso,
        }
    }
}

/// `--load-file`, one of a comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadFile {
    Dat,
    Csv,
    Xml,
    None,
}

/// `--hash-columns`, one of a comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashColumn {
    Md5,
    Sha1,
}

/// `--eol` of the DAT and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Eol {
    Crlf,
    Lf,
}

/// `--manifest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Manifest {
    Sha256,
    None,
}

/// `--meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Meta {
    Json,
    None,
}
