//! The one writer: appends prepared entries in order, streams big files, writes the load file,
//! the Opticon file and the manifest, and ends the archive (ZIP central directory or tar end).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::materialize::Counters;
use crate::model::Tree;

use super::deflate::Piece;
use super::loadfile::{CsvWriter, DatWriter, XmlDocument, XmlWriter, format_date, opt_line};
use super::meta::FileList;
use super::prepare::{Blob, Hashes, Payload, Prepared, WHOLE_MAX, hex, is_image, prepare};
use super::sink::{self, Sink};
use super::walk::{Item, walk};
use super::zip::{CentralEntry, Framing, Known};
use super::{
    ArchiveError, Compression, EntryMeta, Format, Options, TEXT_DIR, VOLUME, data_extents, deflate, docid, side_path,
    tar, zip,
};

/// Entries per batch handed to the workers, and bytes of small files per batch.
const BATCH_ENTRIES: usize = 256;
const BATCH_BYTES: u64 = 32 << 20;
/// Batches prepared ahead of the writer.
const QUEUE: usize = 2;
const OUT_BUFFER: usize = 1 << 20;

/// What the writer produced.
pub struct Written {
    pub entries: u64,
    pub documents: u64,
    pub folders: u64,
    pub text_files: u64,
    pub images: u64,
    pub bytes_in: u64,
    /// Bytes of the archive stream before whole-stream compression.
    pub stream_bytes: u64,
    /// The archive file: length and digests.
    pub file: sink::Written,
    pub listed: FileList,
    pub zip64: bool,
    /// Side files as (temporary, final) paths: renamed once the archive is in place.
    pub dat: Option<(PathBuf, PathBuf)>,
    pub opt: Option<(PathBuf, PathBuf)>,
    pub csv: Option<(PathBuf, PathBuf)>,
    pub xml: Option<(PathBuf, PathBuf)>,
    pub manifest: Option<(PathBuf, PathBuf)>,
}

/// Writes the whole archive to `partial`.
pub fn write(tree: &Tree, opts: &Options, counters: &Counters, partial: &Path) -> Result<Written, ArchiveError> {
    let io_err = |source: io::Error| ArchiveError::Io { path: opts.out.clone(), source };
    let mut w = Writer::create(tree, opts, counters, partial).map_err(io_err)?;
    let stop = AtomicBool::new(false);
    let outcome = std::thread::scope(|s| -> io::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<Prepared>>>(QUEUE);
        let stop = &stop;
        s.spawn(move || {
            let mut batch: Vec<Item> = Vec::with_capacity(BATCH_ENTRIES);
            let mut bytes = 0u64;
            let send = |batch: Vec<Item>| -> ControlFlow<()> {
                let prepared = batch.into_par_iter().map(|i| prepare(tree, opts, i)).collect();
                if tx.send(prepared).is_err() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            };
            walk(tree, &mut |item| {
                if stop.load(Ordering::Relaxed) || opts.cancelled() {
                    return ControlFlow::Break(());
                }
                bytes += item.file.as_ref().map_or(0, |f| f.attrs.size().min(WHOLE_MAX));
                batch.push(item);
                if batch.len() >= BATCH_ENTRIES || bytes >= BATCH_BYTES {
                    bytes = 0;
                    return send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ENTRIES)));
                }
                ControlFlow::Continue(())
            });
            if !batch.is_empty() && !stop.load(Ordering::Relaxed) {
                let _ = send(batch);
            }
        });
        w.begin()?;
        for batch in rx {
            if opts.cancelled() {
                stop.store(true, Ordering::Relaxed);
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            let result = batch.and_then(|b| b.into_iter().try_for_each(|p| w.add(p)));
            if let Err(e) = result {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    });
    outcome.map_err(io_err)?;
    w.finish().map_err(io_err)
}

/// Removes what a failed run left: the partial archive and its temporary files. Side files are
/// written under temporary names too, so files of an earlier run stay untouched.
pub fn remove_partials(partial: &Path) {
    for what in ["cd", "dat", "opt", "csv", "xml", "manifest.csv", "meta"] {
        let _ = std::fs::remove_file(temp_path(partial, what));
    }
    let _ = std::fs::remove_file(partial);
}

/// Where a side file (or the spooled central directory) is written until the run completes.
pub(super) fn temp_path(partial: &Path, what: &str) -> PathBuf {
    let mut s = partial.as_os_str().to_owned();
    s.push(".");
    s.push(what);
    PathBuf::from(s)
}

/// Creates (truncates) a file for writing, readable too (spooled files are read back).
fn create(path: &Path) -> io::Result<BufWriter<File>> {
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
    Ok(BufWriter::with_capacity(OUT_BUFFER, f))
}

struct Writer<'a> {
    tree: &'a Tree,
    opts: &'a Options,
    counters: &'a Counters,
    partial: PathBuf,
    out: Sink,
    /// Bytes of the archive stream (before any whole-stream compression).
    offset: u64,
    /// The file entries' paths in archive order, for the `.meta` file.
    listed: FileList,
    /// ZIP central directory records, spooled to a temporary file.
    central: Option<BufWriter<File>>,
    central_len: u64,
    zip64: bool,
    dat: Option<DatWriter<BufWriter<File>>>,
    csv: Option<CsvWriter<BufWriter<File>>>,
    csv_path: Option<PathBuf>,
    xml: Option<XmlWriter<BufWriter<File>>>,
    xml_path: Option<PathBuf>,
    dat_path: Option<PathBuf>,
    opt: Option<BufWriter<File>>,
    opt_path: Option<PathBuf>,
    manifest: Option<BufWriter<File>>,
    manifest_path: Option<PathBuf>,
    header: Vec<u8>,
    entries: u64,
    documents: u64,
    folders: u64,
    text_files: u64,
    images: u64,
    bytes_in: u64,
}

impl<'a> Writer<'a> {
    fn create(tree: &'a Tree, opts: &'a Options, counters: &'a Counters, partial: &Path) -> io::Result<Writer<'a>> {
        let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(partial)?;
        let out = Sink::new(file, opts.wrap, opts.level, rayon::current_num_threads(), opts.meta)?;
        let central = match opts.format {
            Format::Zip => Some(create(&temp_path(partial, "cd"))?),
            Format::Tar => None,
        };
        let header = opts.columns();
        let (dat, dat_path) = if opts.load_file {
            let path = temp_path(partial, "dat");
            (Some(DatWriter::new(create(&path)?, opts.encoding, &header, opts.style)?), Some(path))
        } else {
            (None, None)
        };
        let (csv, csv_path) = if opts.csv {
            let path = temp_path(partial, "csv");
            (Some(CsvWriter::new(create(&path)?, opts.encoding, &header, opts.style)?), Some(path))
        } else {
            (None, None)
        };
        let (xml, xml_path) = if opts.xml {
            let path = temp_path(partial, "xml");
            (Some(XmlWriter::new(create(&path)?)?), Some(path))
        } else {
            (None, None)
        };
        let (manifest, manifest_path) = if opts.manifest {
            let path = temp_path(partial, "manifest.csv");
            let mut m = create(&path)?;
            m.write_all(b"path,size,sha256\n")?;
            (Some(m), Some(path))
        } else {
            (None, None)
        };
        Ok(Writer {
            tree,
            opts,
            counters,
            partial: partial.to_path_buf(),
            out,
            offset: 0,
            listed: FileList::default(),
            central,
            central_len: 0,
            zip64: false,
            dat,
            dat_path,
            csv,
            csv_path,
            xml,
            xml_path,
            opt: None,
            opt_path: None,
            manifest,
            manifest_path,
            header: Vec::with_capacity(1024),
            entries: 0,
            documents: 0,
            folders: 0,
            text_files: 0,
            images: 0,
            bytes_in: 0,
        })
    }

    /// Entries that come before the tree: the folder of extracted text.
    fn begin(&mut self) -> io::Result<()> {
        if self.opts.text {
            let meta = self.side_meta(true);
            self.dir_entry(TEXT_DIR, &meta)?;
        }
        Ok(())
    }

    /// Metadata of the entries synthfs adds (text folder and files, inside load files).
    fn side_meta(&self, is_dir: bool) -> EntryMeta {
        let t = self.tree.model.range.1;
        EntryMeta {
            is_dir,
            hidden: false,
            mode: if is_dir { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
            user: "root".into(),
            group: "root".into(),
            modified: t,
            accessed: t,
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn emit_header(&mut self) -> io::Result<()> {
        let h = std::mem::take(&mut self.header);
        let r = self.emit(&h);
        self.header = h;
        self.header.clear();
        r
    }

    fn add(&mut self, p: Prepared) -> io::Result<()> {
        let item = p.item;
        let hashes = match p.payload {
            Payload::Dir => {
                self.folders += 1;
                return self.dir_entry(&item.path, &item.meta);
            }
            Payload::Whole { blob, digests } => {
                self.whole_entry(&item.path, &item.meta, &blob)?;
                digests
            }
            Payload::Stream { digests } => {
                self.stream_entry(&item, &digests)?;
                digests
            }
        };
        self.document(&item, &hashes, p.author, p.text)
    }

    fn dir_entry(&mut self, path: &str, meta: &EntryMeta) -> io::Result<()> {
        self.entries += 1;
        match self.opts.format {
            Format::Tar => {
                tar::headers(path, meta, 0, None, &mut self.header);
                self.emit_header()
            }
            Format::Zip => {
                let name = format!("{path}/");
                let offset = self.offset;
                let known = Known { crc: 0, compressed: 0, size: 0 };
                let f = Framing { method: zip::STORE, known: Some(known), zip64: false };
                zip::local_header(&name, meta, &f, &mut self.header);
                self.emit_header()?;
                self.central(CentralEntry {
                    name: name.into(),
                    meta: meta.clone(),
                    method: zip::STORE,
                    descriptor: false,
                    zip64: false,
                    crc: 0,
                    compressed: 0,
                    size: 0,
                    offset,
                })
            }
        }
    }

    /// An entry whose bytes are all in hand.
    fn whole_entry(&mut self, path: &str, meta: &EntryMeta, blob: &Blob) -> io::Result<()> {
        self.entries += 1;
        self.listed.add(path, blob.size);
        match self.opts.format {
            Format::Tar => {
                tar::headers(path, meta, blob.size, None, &mut self.header);
                self.emit_header()?;
                self.emit(&blob.data)?;
                self.emit(&[0u8; 512][..tar::padding(blob.size)])
            }
            Format::Zip => {
                let offset = self.offset;
                let zip64 = zip::needs_zip64(blob.size);
                let known = Known { crc: blob.crc, compressed: blob.data.len() as u64, size: blob.size };
                zip::local_header(
                    path,
                    meta,
                    &Framing { method: blob.method, known: Some(known), zip64 },
                    &mut self.header,
                );
                self.emit_header()?;
                self.emit(&blob.data)?;
                self.central(CentralEntry {
                    name: path.into(),
                    meta: meta.clone(),
                    method: blob.method,
                    descriptor: false,
                    zip64,
                    crc: blob.crc,
                    compressed: blob.data.len() as u64,
                    size: blob.size,
                    offset,
                })
            }
        }
    }

    /// A file too big to hold: generated (and compressed) again in parallel pieces and written
    /// in order; its digests were computed by a worker. Holes of sparse files are not generated:
    /// tar leaves them out (sparse entry), ZIP deflates them from one cached piece of zeros.
    fn stream_entry(&mut self, item: &Item, h: &Hashes) -> io::Result<()> {
        let Some(file) = &item.file else { return Err(io::Error::other("not a file")) };
        let a = &file.attrs;
        let size = a.size();
        let sparse = a.content.sparse.is_some();
        let data_runs = data_extents(&a.content);
        let pieces = deflate::pieces(size, &data_runs);
        let zip = self.opts.format == Format::Zip;
        let deflate = zip && (self.opts.compression == Compression::Deflate || sparse);
        let zip64 = zip::needs_zip64(size);
        let method = if deflate { zip::DEFLATE } else { zip::STORE };
        // Stored sizes are known up front; deflated ones follow the data in a descriptor.
        let known = (!deflate).then_some(Known { crc: h.crc, compressed: size, size });
        let offset = self.offset;
        self.entries += 1;
        self.listed.add(&item.path, size);
        if zip {
            zip::local_header(&item.path, &item.meta, &Framing { method, known, zip64 }, &mut self.header);
        } else {
            tar::headers(&item.path, &item.meta, size, sparse.then_some(&data_runs[..]), &mut self.header);
        }
        self.emit_header()?;
        let mut stored = 0u64;
        let window = (rayon::current_num_threads() * 2).max(2);
        // Stored archives keep data as stored deflate blocks (exact, predictable sizes); holes
        // always deflate.
        let data_level = if self.opts.compression == Compression::Store { 0 } else { self.opts.level };
        let levels = (data_level, self.opts.level);
        let tree = self.tree;
        let count = pieces.len();
        for (ci, chunk) in pieces.chunks(window).enumerate() {
            if self.opts.cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            let outs: Vec<io::Result<PieceOut>> = chunk
                .par_iter()
                .enumerate()
                .map(|(j, p)| make_piece(tree, a, *p, ci * window + j + 1 == count, deflate, levels))
                .collect();
            for o in outs {
                let o = o?;
                let bytes: &[u8] = match (&o.compressed, &o.raw) {
                    (Some(z), _) => z,
                    (None, Some(r)) => r,
                    (None, None) if zip => &deflate::ZEROS[..o.len],
                    (None, None) => continue,
                };
                stored += bytes.len() as u64;
                self.emit(bytes)?;
            }
        }
        if zip {
            if known.is_none() {
                zip::descriptor(zip64, h.crc, stored, size, &mut self.header);
                self.emit_header()?;
            }
            self.central(CentralEntry {
                name: item.path.as_str().into(),
                meta: item.meta.clone(),
                method,
                descriptor: known.is_none(),
                zip64,
                crc: h.crc,
                compressed: stored,
                size,
                offset,
            })
        } else {
            self.emit(&[0u8; 512][..tar::padding(stored)])
        }
    }

    fn central(&mut self, e: CentralEntry) -> io::Result<()> {
        self.zip64 |= e.zip64 || e.offset >= u64::from(u32::MAX);
        zip::central_header(&e, &mut self.header);
        if let Some(c) = &mut self.central {
            c.write_all(&self.header)?;
        }
        self.central_len += self.header.len() as u64;
        self.header.clear();
        Ok(())
    }

    /// The load file row, Opticon line, manifest line and extracted text of a document.
    fn document(&mut self, item: &Item, h: &Hashes, author: Option<String>, text: Option<Blob>) -> io::Result<()> {
        let Some(file) = &item.file else { return Ok(()) };
        let a = &file.attrs;
        self.documents += 1;
        self.bytes_in += a.size();
        self.counters.files_written.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
        let id = docid(&self.opts.docid_prefix, file.ordinal);
        self.manifest_line(&item.path, a.size(), &h.sha256)?;
        let text_path = match text {
            Some(blob) => {
                let path = format!("{TEXT_DIR}/{id}.txt");
                let mut meta = item.meta.clone();
                meta.mode = 0o644;
                self.whole_entry(&path, &meta, &blob)?;
                self.manifest_line(&path, blob.size, &blob.sha256)?;
                self.text_files += 1;
                path
            }
            None => String::new(),
        };
        if self.opts.any_load_file() {
            let md5 = h.md5.map(|m| hex(&m)).unwrap_or_default();
            let sha1 = h.sha1.map(|s| hex(&s)).unwrap_or_default();
            let row = dat_row(self.tree, self.opts, item, &id, author, md5.clone(), sha1, text_path);
            if let Some(d) = &mut self.dat {
                d.row(&row)?;
            }
            if let Some(c) = &mut self.csv {
                c.row(&row)?;
            }
            if let Some(x) = &mut self.xml {
                let columns = self.opts.columns();
                let text_path = self.opts.text.then(|| row[row.len() - 1].as_str()).filter(|t| !t.is_empty());
                let (folder, name) = item.path.rsplit_once('/').unwrap_or(("", item.path.as_str()));
                x.document(&XmlDocument {
                    docid: &id,
                    tags: columns.iter().zip(&row).skip(1).map(|(c, v)| (*c, v.as_str())).collect(),
                    folder,
                    name,
                    size: a.size(),
                    md5: &md5,
                    text_path,
                })?;
            }
            if self.opts.load_file && is_image(a.ftype()) {
                self.images += 1;
                let line = opt_line(&id, VOLUME, &item.path);
                self.opt_writer()?.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }

    fn opt_writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.opt.is_none() {
            let path = temp_path(&self.partial, "opt");
            self.opt = Some(create(&path)?);
            self.opt_path = Some(path);
        }
        match &mut self.opt {
            Some(o) => Ok(o),
            None => Err(io::Error::other("no Opticon file")),
        }
    }

    fn manifest_line(&mut self, path: &str, size: u64, sha256: &[u8; 32]) -> io::Result<()> {
        if let Some(m) = &mut self.manifest {
            writeln!(m, "{},{size},{}", csv_field(path), hex(sha256))?;
        }
        Ok(())
    }

    /// Adds a finished side file (the load file inside the archive) as a stored entry.
    fn file_entry(&mut self, name: &str, path: &Path) -> io::Result<()> {
        let mut data = Vec::new();
        File::open(path)?.read_to_end(&mut data)?;
        let crc = crc32fast::hash(&data);
        let sha256: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&data).into();
        let size = data.len() as u64;
        let blob = Blob { data, method: zip::STORE, crc, size, sha256 };
        let meta = self.side_meta(false);
        self.whole_entry(name, &meta, &blob)?;
        self.manifest_line(name, size, &sha256)
    }

    fn finish(mut self) -> io::Result<Written> {
        // The names the side files would have beside the archive (`share.tar.gz` -> `share.dat`).
        let inside_name = |ext: &str| {
            side_path(&self.opts.out, ext)
                .file_name()
                .map_or_else(|| format!("loadfile.{ext}"), |n| n.to_string_lossy().into_owned())
        };
        let mut dat_path = None;
        if let Some(d) = self.dat.take() {
            d.finish()?;
            dat_path = self.dat_path.take();
        }
        let mut opt_path = None;
        if let Some(mut o) = self.opt.take() {
            o.flush()?;
            opt_path = self.opt_path.take();
        }
        if let Some(c) = self.csv.take() {
            c.finish()?;
        }
        if let Some(x) = self.xml.take() {
            x.finish()?;
        }
        if self.opts.load_file_inside {
            for (path, ext) in [(dat_path.take(), "dat"), (opt_path.take(), "opt")] {
                if let Some(p) = path {
                    self.file_entry(&inside_name(ext), &p)?;
                    std::fs::remove_file(&p)?;
                }
            }
        }
        match self.opts.format {
            Format::Zip => {
                let cd_offset = self.offset;
                if let Some(c) = self.central.take() {
                    let mut f = c.into_inner().map_err(|e| e.into_error())?;
                    f.rewind()?;
                    let n = io::copy(&mut f, &mut self.out)?;
                    self.offset += n;
                    drop(f);
                    std::fs::remove_file(temp_path(&self.partial, "cd"))?;
                }
                let mut end = Vec::new();
                zip::end_records(self.entries, cd_offset, self.central_len, &mut end);
                self.zip64 |= end.len() > 22;
                self.emit(&end)?;
            }
            Format::Tar => {
                let n = tar::end_len(self.offset) as usize;
                self.emit(&vec![0u8; n])?;
            }
        }
        if let Some(mut m) = self.manifest.take() {
            m.flush()?;
        }
        let out = std::mem::replace(&mut self.out, Sink::Finished);
        let file = out.finish()?;
        Ok(Written {
            entries: self.entries,
            documents: self.documents,
            folders: self.folders,
            text_files: self.text_files,
            images: self.images,
            bytes_in: self.bytes_in,
            stream_bytes: self.offset,
            file,
            listed: std::mem::take(&mut self.listed),
            zip64: self.zip64,
            dat: dat_path.map(|p| (p, side_path(&self.opts.out, "dat"))),
            opt: opt_path.map(|p| (p, side_path(&self.opts.out, "opt"))),
            csv: self.csv_path.take().map(|p| (p, side_path(&self.opts.out, "csv"))),
            xml: self.xml_path.take().map(|p| (p, side_path(&self.opts.out, "xml"))),
            manifest: self.manifest_path.take().map(|p| (p, side_path(&self.opts.out, "manifest.csv"))),
        })
    }
}

struct PieceOut {
    len: usize,
    /// Generated bytes (`None` for a hole).
    raw: Option<Vec<u8>>,
    compressed: Option<Vec<u8>>,
}

/// Generates (and deflates, at `levels` (data, holes)) one piece.
fn make_piece(
    tree: &Tree,
    a: &crate::model::FileAttrs,
    p: Piece,
    last: bool,
    deflate: bool,
    levels: (u32, u32),
) -> io::Result<PieceOut> {
    let level = if p.data { levels.0 } else { levels.1 };
    if p.data {
        let mut raw = vec![0u8; p.len];
        let n = tree.read_content(&a.content, p.start, &mut raw);
        raw.truncate(n);
        let compressed = if deflate {
            let mut z = Vec::new();
            deflate::piece(&raw, last, level, &mut z)?;
            Some(z)
        } else {
            None
        };
        return Ok(PieceOut { len: raw.len(), raw: Some(raw), compressed });
    }
    let compressed = match deflate {
        false => None,
        true if !last && p.len == deflate::PIECE => Some(deflate::zero_piece(level)?.to_vec()),
        true => {
            let mut z = Vec::new();
            deflate::piece(&deflate::ZEROS[..p.len], last, level, &mut z)?;
            Some(z)
        }
    };
    Ok(PieceOut { len: p.len, raw: None, compressed })
}

/// A document's load-file record, in [`super::loadfile::columns`] order.
#[allow(clippy::too_many_arguments)]
pub(super) fn dat_row(
    tree: &Tree,
    opts: &Options,
    item: &Item,
    id: &str,
    author: Option<String>,
    md5: String,
    sha1: String,
    text_path: String,
) -> Vec<String> {
    let Some(file) = &item.file else { return Vec::new() };
    let a = &file.attrs;
    let custodian = tree.model.accounts().account(a.owner).map_or_else(String::new, |u| u.display.clone());
    let date = |secs: i64| format_date(secs, opts.date_format);
    let mut row = vec![id.to_string()];
    if let Some(b) = &opts.bates {
        let n = b.number(file.ordinal);
        row.extend([n.clone(), n]);
    }
    row.extend([
        item.name().to_string(),
        a.ext.to_string(),
        a.size().to_string(),
        item.path.clone(),
        custodian.to_string(),
        author.unwrap_or_else(|| custodian.to_string()),
        date(a.created.secs),
        date(a.modified.secs),
    ]);
    if opts.hashes.md5 {
        row.push(md5);
    }
    if opts.hashes.sha1 {
        row.push(sha1);
    }
    if opts.text {
        row.push(text_path);
    }
    row
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")).into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a/b.txt"), "a/b.txt");
        assert_eq!(csv_field("a, \"b\".txt"), "\"a, \"\"b\"\".txt\"");
    }
}
