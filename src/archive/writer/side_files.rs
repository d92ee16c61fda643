//! What the writer writes beside the archive: the load files (DAT, Opticon, CSV, EDRM XML),
//! beside it for a plain run or one set per production volume, and the checksum manifest.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::super::Options;
use super::super::loadfile::{RowFormat, RowWriter, XmlWriter, csv_field};
use super::super::prepare::hex;
use super::{create, temp_path};

/// The side files being written.
pub(super) struct SideWriters {
    /// The open load files: a plain run's, or the open volume's.
    pub(super) loads: Option<LoadFiles>,
    /// A plain run's finished load files.
    pub(super) load_paths: LoadPaths,
    manifest: Option<ManifestWriter>,
}

/// The checksum manifest (`path,size,sha256`) being written, and its temporary path.
struct ManifestWriter {
    file: BufWriter<File>,
    path: PathBuf,
}

impl SideWriters {
    /// Opens a plain run's load files and the manifest (a production opens its load files per
    /// volume).
    pub(super) fn open(partial: &Path, opts: &Options) -> io::Result<SideWriters> {
        let loads = match opts.production {
            None if opts.any_load_file() => Some(LoadFiles::open(partial, opts, "")?),
            _ => None,
        };
        let manifest = if opts.manifest {
            let path = temp_path(partial, "manifest.csv");
            let mut file = create(&path)?;
            file.write_all(b"path,size,sha256\n")?;
            Some(ManifestWriter { file, path })
        } else {
            None
        };
        Ok(SideWriters { loads, load_paths: LoadPaths::default(), manifest })
    }

    pub(super) fn manifest_line(&mut self, path: &str, size: u64, sha256: &[u8; 32]) -> io::Result<()> {
        if let Some(m) = &mut self.manifest {
            writeln!(m.file, "{},{size},{}", csv_field(path), hex(sha256))?;
        }
        Ok(())
    }

    /// Flushes the manifest; its temporary path.
    pub(super) fn finish_manifest(&mut self) -> io::Result<Option<PathBuf>> {
        let Some(mut m) = self.manifest.take() else { return Ok(None) };
        m.file.flush()?;
        Ok(Some(m.path))
    }
}

/// The load files being written: beside the archive for a plain run, one set per volume for a
/// production (then added to the volume's `DATA/` folder).
pub(super) struct LoadFiles {
    partial: PathBuf,
    /// Prefix of the temporary files' suffixes (`vol.` for a production's volumes).
    tag: &'static str,
    dat: Option<(RowWriter<BufWriter<File>>, PathBuf)>,
    csv: Option<(RowWriter<BufWriter<File>>, PathBuf)>,
    pub(super) xml: Option<(XmlWriter<BufWriter<File>>, PathBuf)>,
    /// Created at the first image line.
    opt: Option<(BufWriter<File>, PathBuf)>,
}

/// The finished load files' temporary paths.
#[derive(Default)]
pub(super) struct LoadPaths {
    pub(super) dat: Option<PathBuf>,
    pub(super) opt: Option<PathBuf>,
    pub(super) csv: Option<PathBuf>,
    pub(super) xml: Option<PathBuf>,
}

impl LoadFiles {
    pub(super) fn open(partial: &Path, opts: &Options, tag: &'static str) -> io::Result<LoadFiles> {
        let header = opts.columns();
        let path = |ext: &str| temp_path(partial, &format!("{tag}{ext}"));
        let rows = |on: bool, format: RowFormat, ext: &str| -> io::Result<_> {
            if !on {
                return Ok(None);
            }
            let writer = RowWriter::new(create(&path(ext))?, format, opts.encoding, &header, opts.style)?;
            Ok(Some((writer, path(ext))))
        };
        let dat = rows(opts.load_file, RowFormat::Dat, "dat")?;
        let csv = rows(opts.csv, RowFormat::Csv, "csv")?;
        let xml = match opts.xml {
            true => Some((XmlWriter::new(create(&path("xml"))?)?, path("xml"))),
            false => None,
        };
        Ok(LoadFiles { partial: partial.to_path_buf(), tag, dat, csv, xml, opt: None })
    }

    pub(super) fn row(&mut self, row: &[String]) -> io::Result<()> {
        if let Some((d, _)) = &mut self.dat {
            d.row(row)?;
        }
        if let Some((c, _)) = &mut self.csv {
            c.row(row)?;
        }
        Ok(())
    }

    pub(super) fn opt_line(&mut self, line: &str) -> io::Result<()> {
        if self.opt.is_none() {
            let path = temp_path(&self.partial, &format!("{}opt", self.tag));
            self.opt = Some((create(&path)?, path));
        }
        match &mut self.opt {
            Some((o, _)) => o.write_all(line.as_bytes()),
            None => Err(io::Error::other("no Opticon file")),
        }
    }

    pub(super) fn finish(self) -> io::Result<LoadPaths> {
        let mut paths = LoadPaths::default();
        if let Some((d, p)) = self.dat {
            d.finish()?;
            paths.dat = Some(p);
        }
        if let Some((mut o, p)) = self.opt {
            o.flush()?;
            paths.opt = Some(p);
        }
        if let Some((c, p)) = self.csv {
            c.finish()?;
            paths.csv = Some(p);
        }
        if let Some((x, p)) = self.xml {
            x.finish()?;
            paths.xml = Some(p);
        }
        Ok(paths)
    }
}
