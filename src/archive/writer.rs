//! The one writer: appends prepared entries in order, streams big files, writes the load file,
//! the Opticon file and the manifest, and ends the archive (ZIP central directory or tar end).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::materialize::Counters;
use synthfs_model::Tree;

use super::deflate::Piece;
use super::docs::{self, Family, Fields, Numberer, Numbers};
use super::loadfile::{CsvWriter, DatWriter, XmlDocument, XmlWriter, page_line};
use super::meta::FileList;
use super::prepare::{Blob, Hashes, Job, Payload, Prepared, PreparedAttachment, WHOLE_MAX, hex, is_image, prepare};
use super::sink::{self, Sink};
use super::walk::{Item, LinkItem, walk};
use super::zip::{CentralEntry, Framing, Known};
use super::{
    ATTACHMENTS_DIR, ArchiveError, Compression, EntryMeta, Format, IMAGES_DIR, Options, TEXT_DIR, VOLUME, data_extents,
    deflate, side_path, tar, tiff, zip,
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
    /// Documents that are e-mail attachments.
    pub attachments: u64,
    pub folders: u64,
    pub text_files: u64,
    /// Documents listed in the Opticon file.
    pub images: u64,
    /// Page images (TIFF pages).
    pub pages: u64,
    pub volumes: u64,
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
            let mut batch: Vec<Job> = Vec::with_capacity(BATCH_ENTRIES);
            let mut bytes = 0u64;
            let mut numberer = Numberer::default();
            let send = |batch: Vec<Job>| -> ControlFlow<()> {
                let prepared = batch.into_par_iter().map(|j| prepare(tree, opts, j)).collect();
                if tx.send(prepared).is_err() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            };
            walk(tree, &mut |item| {
                if stop.load(Ordering::Relaxed) || opts.cancelled() {
                    return ControlFlow::Break(());
                }
                let job = match &item.file {
                    Some(f) => {
                        bytes += f.attrs.size().min(WHOLE_MAX);
                        let (numbers, attachments) = numberer.family(opts, &f.attrs.content);
                        bytes += attachments.iter().map(|(a, _)| a.spec.size).sum::<u64>();
                        if opts.images {
                            let pages = attachments.iter().map(|(_, n)| n.pages).sum::<u32>() + numbers.pages;
                            bytes += u64::from(pages) * tiff::PAGE_BYTES;
                        }
                        Job { item, numbers, attachments }
                    }
                    None => Job { item, numbers: Numbers::default(), attachments: Vec::new() },
                };
                batch.push(job);
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

/// The temporary files a run may leave, by their suffix on the partial archive's name.
const TEMPORARIES: [&str; 11] =
    ["cd", "dat", "opt", "csv", "xml", "manifest.csv", "meta", "vol.dat", "vol.opt", "vol.csv", "vol.xml"];

/// Removes what a failed run left: the partial archive and its temporary files. Side files are
/// written under temporary names too, so files of an earlier run stay untouched.
pub fn remove_partials(partial: &Path) {
    for what in TEMPORARIES {
        let _ = std::fs::remove_file(temp_path(partial, what));
    }
    // A directory output's partial directory is this run's own (created new).
    if partial.is_dir() {
        let _ = std::fs::remove_dir_all(partial);
    } else {
        let _ = std::fs::remove_file(partial);
    }
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

/// The load files being written: beside the archive for a plain run, one set per volume for a
/// production (then added to the volume's `DATA/` folder).
struct LoadFiles {
    partial: PathBuf,
    /// Prefix of the temporary files' suffixes (`vol.` for a production's volumes).
    tag: &'static str,
    dat: Option<(DatWriter<BufWriter<File>>, PathBuf)>,
    csv: Option<(CsvWriter<BufWriter<File>>, PathBuf)>,
    xml: Option<(XmlWriter<BufWriter<File>>, PathBuf)>,
    /// Created at the first image line.
    opt: Option<(BufWriter<File>, PathBuf)>,
}

/// The finished load files' temporary paths.
#[derive(Default)]
struct LoadPaths {
    dat: Option<PathBuf>,
    opt: Option<PathBuf>,
    csv: Option<PathBuf>,
    xml: Option<PathBuf>,
}

impl LoadFiles {
    fn open(partial: &Path, opts: &Options, tag: &'static str) -> io::Result<LoadFiles> {
        let header = opts.columns();
        let path = |ext: &str| temp_path(partial, &format!("{tag}{ext}"));
        let dat = match opts.load_file {
            true => Some((DatWriter::new(create(&path("dat"))?, opts.encoding, &header, opts.style)?, path("dat"))),
            false => None,
        };
        let csv = match opts.csv {
            true => Some((CsvWriter::new(create(&path("csv"))?, opts.encoding, &header, opts.style)?, path("csv"))),
            false => None,
        };
        let xml = match opts.xml {
            true => Some((XmlWriter::new(create(&path("xml"))?)?, path("xml"))),
            false => None,
        };
        Ok(LoadFiles { partial: partial.to_path_buf(), tag, dat, csv, xml, opt: None })
    }

    fn row(&mut self, row: &[String]) -> io::Result<()> {
        if let Some((d, _)) = &mut self.dat {
            d.row(row)?;
        }
        if let Some((c, _)) = &mut self.csv {
            c.row(row)?;
        }
        Ok(())
    }

    fn opt_line(&mut self, line: &str) -> io::Result<()> {
        if self.opt.is_none() {
            let path = temp_path(&self.partial, &format!("{}opt", self.tag));
            self.opt = Some((create(&path)?, path));
        }
        match &mut self.opt {
            Some((o, _)) => o.write_all(line.as_bytes()),
            None => Err(io::Error::other("no Opticon file")),
        }
    }

    fn finish(self) -> io::Result<LoadPaths> {
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

/// Where a production stands: the open volume and what it holds.
#[derive(Default)]
struct Volume {
    /// From 1; 0 before the first document.
    number: u32,
    bytes: u64,
    documents: u64,
}

/// Where a document's files go in the archive, and how the load files name them.
struct Placed {
    native: String,
    text: String,
    image: String,
    /// As the load files give them: the archive path outside a production, else the path from
    /// the volume's folder with backslashes (as Windows review platforms read them).
    native_link: String,
    text_link: String,
    image_link: String,
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
    loads: Option<LoadFiles>,
    /// A plain run's finished load files.
    load_paths: LoadPaths,
    volume: Volume,
    /// Folders already given an entry (those synthfs adds: attachments, images, volumes).
    made_dirs: std::collections::HashSet<String>,
    manifest: Option<BufWriter<File>>,
    manifest_path: Option<PathBuf>,
    header: Vec<u8>,
    entries: u64,
    documents: u64,
    attachments: u64,
    folders: u64,
    text_files: u64,
    images: u64,
    pages: u64,
    bytes_in: u64,
}

impl<'a> Writer<'a> {
    fn create(tree: &'a Tree, opts: &'a Options, counters: &'a Counters, partial: &Path) -> io::Result<Writer<'a>> {
        let out = if opts.format == Format::Dir {
            std::fs::create_dir(partial)?;
            Sink::Null
        } else {
            let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(partial)?;
            Sink::new(file, opts.wrap, opts.level, rayon::current_num_threads(), opts.meta)?
        };
        let central = match opts.format {
            Format::Zip => Some(create(&temp_path(partial, "cd"))?),
            Format::Tar | Format::Dir => None,
        };
        let loads = match opts.production {
            None if opts.any_load_file() => Some(LoadFiles::open(partial, opts, "")?),
            _ => None,
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
            loads,
            load_paths: LoadPaths::default(),
            volume: Volume::default(),
            made_dirs: std::collections::HashSet::new(),
            manifest,
            manifest_path,
            header: Vec::with_capacity(1024),
            entries: 0,
            documents: 0,
            attachments: 0,
            folders: 0,
            text_files: 0,
            images: 0,
            pages: 0,
            bytes_in: 0,
        })
    }

    /// Entries that come before the tree: the folder of extracted text.
    fn begin(&mut self) -> io::Result<()> {
        if self.opts.text && self.opts.production.is_none() {
            self.make_dir(TEXT_DIR)?;
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

    /// An entry for a folder synthfs adds, and for its parents, unless they have one.
    fn make_dir(&mut self, path: &str) -> io::Result<()> {
        if self.made_dirs.contains(path) {
            return Ok(());
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.make_dir(parent)?;
        }
        self.made_dirs.insert(path.to_owned());
        let meta = self.side_meta(true);
        self.dir_entry(path, &meta)
    }

    /// An entry synthfs adds inside a folder of its own.
    fn side_entry(&mut self, path: &str, meta: &EntryMeta, blob: &Blob) -> io::Result<()> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.make_dir(parent)?;
        }
        self.whole_entry(path, meta, blob)?;
        self.manifest_line(path, blob.size, &blob.sha256)
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
        let item = &p.item;
        if item.file.is_none() {
            if self.opts.production.is_some() {
                return Ok(());
            }
            if let Some(link) = &item.link {
                return self.link_entry(&item.path, &item.meta, link);
            }
            self.folders += 1;
            return self.dir_entry(&item.path, &item.meta);
        }
        if self.opts.production.is_some() {
            self.next_volume_for(&p)?;
        }
        let placed = self.place(p.numbers, &item.path, item.file.as_ref().map_or("", |f| f.attrs.ext), None);
        let hashes = match &p.payload {
            Payload::Dir => return Ok(()),
            Payload::Whole { blob, digests } => {
                if self.opts.production.is_some() {
                    self.side_entry(&placed.native, &item.meta, blob)?;
                } else {
                    self.whole_entry(&placed.native, &item.meta, blob)?;
                    self.manifest_line(&placed.native, blob.size, &blob.sha256)?;
                }
                *digests
            }
            Payload::Stream { digests } => {
                if let Some((parent, _)) = placed.native.rsplit_once('/') {
                    if self.opts.production.is_some() {
                        self.make_dir(parent)?;
                    }
                }
                self.stream_entry(item, &placed.native, digests)?;
                self.manifest_line(&placed.native, item.file.as_ref().map_or(0, |f| f.attrs.size()), &digests.sha256)?;
                *digests
            }
        };
        self.family(p, placed, hashes)
    }

    /// Opens the first volume, or the next one when this family would take the open one past
    /// its size (a family never spans volumes).
    fn next_volume_for(&mut self, p: &Prepared) -> io::Result<()> {
        let Some(prod) = &self.opts.production else { return Ok(()) };
        let blob_len = |b: &Option<Blob>| b.as_ref().map_or(0, |b| b.data.len() as u64);
        let own = p.item.file.as_ref().map_or(0, |f| f.attrs.size()) + blob_len(&p.text) + blob_len(&p.image);
        let bytes = own
            + p.attachments
                .iter()
                .map(|a| a.blob.data.len() as u64 + blob_len(&a.text) + blob_len(&a.image))
                .sum::<u64>();
        let full = prod.volume_size.is_some_and(|max| self.volume.bytes > 0 && self.volume.bytes + bytes > max);
        if self.volume.number == 0 || full {
            self.close_volume()?;
            self.volume = Volume { number: self.volume.number + 1, bytes: 0, documents: 0 };
            self.loads = Some(LoadFiles::open(&self.partial, self.opts, "vol.")?);
        }
        self.volume.bytes += bytes;
        Ok(())
    }

    /// The open volume's name (`VOL001`), or the Opticon volume of a plain run.
    fn volume_name(&self) -> String {
        match &self.opts.production {
            Some(prod) => format!("{}{:03}", prod.volume_prefix, self.volume.number),
            None => VOLUME.to_string(),
        }
    }

    /// Adds the open volume's load files to its `DATA/` folder.
    fn close_volume(&mut self) -> io::Result<()> {
        let Some(loads) = self.loads.take() else { return Ok(()) };
        let paths = loads.finish()?;
        let vol = self.volume_name();
        for (path, ext) in [(paths.dat, "dat"), (paths.opt, "opt"), (paths.csv, "csv"), (paths.xml, "xml")] {
            if let Some(p) = path {
                self.make_dir(&format!("{vol}/DATA"))?;
                self.file_entry(&format!("{vol}/DATA/{vol}.{ext}"), &p)?;
                std::fs::remove_file(&p)?;
            }
        }
        Ok(())
    }

    /// Where a document's native, text and images go. `parent` names an attachment's e-mail.
    fn place(&mut self, n: Numbers, path: &str, ext: &str, attachment_of: Option<(&str, &str)>) -> Placed {
        let id = docs::control(self.opts, n);
        let Some(prod) = &self.opts.production else {
            let native = match attachment_of {
                Some((parent_id, name)) => format!("{ATTACHMENTS_DIR}/{parent_id}/{name}"),
                None => path.to_string(),
            };
            let text = format!("{TEXT_DIR}/{id}.txt");
            let image = format!("{IMAGES_DIR}/{id}.tif");
            return Placed {
                native_link: native.clone(),
                text_link: text.clone(),
                image_link: image.clone(),
                native,
                text,
                image,
            };
        };
        let base = match &self.opts.bates {
            Some(b) => b.number(n.page),
            None => id,
        };
        let folder = format!("{:04}", self.volume.documents / prod.folder_docs.max(1) + 1);
        self.volume.documents += 1;
        let dot_ext = if ext.is_empty() { String::new() } else { format!(".{ext}") };
        let vol = self.volume_name();
        let rel =
            |kind: &str, name: String| (format!("{vol}/{kind}/{folder}/{name}"), format!("{kind}\\{folder}\\{name}"));
        let (native, native_link) = rel("NATIVES", format!("{base}{dot_ext}"));
        let (text, text_link) = rel("TEXT", format!("{base}.txt"));
        let (image, image_link) = rel("IMAGES", format!("{base}.tif"));
        Placed { native, text, image, native_link, text_link, image_link }
    }

    fn dir_entry(&mut self, path: &str, meta: &EntryMeta) -> io::Result<()> {
        self.entries += 1;
        match self.opts.format {
            Format::Dir => std::fs::create_dir_all(self.partial.join(path)),
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
                    symlink: false,
                })
            }
        }
    }

    /// A symbolic link, or another name of a file stored earlier: a link entry in tar, a
    /// symbolic-link entry in ZIP (its data the target), a link in a folder output. Links are
    /// not documents: no load-file row, no manifest line.
    fn link_entry(&mut self, path: &str, meta: &EntryMeta, link: &LinkItem) -> io::Result<()> {
        self.entries += 1;
        let target = super::size::link_target(link, self.opts.format, path);
        match self.opts.format {
            Format::Dir => {
                let at = self.partial.join(path);
                match link {
                    LinkItem::Symbolic(t) => {
                        std::os::unix::fs::symlink(&**t, &at)?;
                        let t = |secs| synthfs_model::Timestamp { secs, nanos: 0 };
                        crate::materialize::set_link_times(&at, t(meta.accessed), t(meta.modified))
                    }
                    LinkItem::Hard(first) => std::fs::hard_link(self.partial.join(first), &at),
                }
            }
            Format::Tar => {
                let kind = match link {
                    LinkItem::Symbolic(_) => tar::Link::Symbolic,
                    LinkItem::Hard(_) => tar::Link::Hard,
                };
                tar::link_headers(path, meta, kind, &target, &mut self.header);
                self.emit_header()
            }
            Format::Zip => {
                let data = target.as_bytes();
                let offset = self.offset;
                let crc = crc32fast::hash(data);
                let known = Known { crc, compressed: data.len() as u64, size: data.len() as u64 };
                let f = Framing { method: zip::STORE, known: Some(known), zip64: false };
                zip::local_header(path, meta, &f, &mut self.header);
                self.emit_header()?;
                self.emit(data)?;
                self.central(CentralEntry {
                    name: path.into(),
                    meta: meta.clone(),
                    method: zip::STORE,
                    descriptor: false,
                    zip64: false,
                    crc,
                    compressed: data.len() as u64,
                    size: data.len() as u64,
                    offset,
                    symlink: true,
                })
            }
        }
    }

    /// An entry whose bytes are all in hand.
    fn whole_entry(&mut self, path: &str, meta: &EntryMeta, blob: &Blob) -> io::Result<()> {
        self.entries += 1;
        self.listed.add(path, blob.size);
        match self.opts.format {
            Format::Dir => {
                let f = self.dir_file(path, meta)?;
                (&f).write_all(&blob.data)?;
                self.offset += blob.size;
                set_file_times(&f, meta)
            }
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
                    symlink: false,
                })
            }
        }
    }

    /// A file too big to hold: generated (and compressed) again in parallel pieces and written
    /// in order; its digests were computed by a worker. Holes of sparse files are not generated:
    /// tar leaves them out (sparse entry), ZIP deflates them from one cached piece of zeros.
    fn stream_entry(&mut self, item: &Item, path: &str, h: &Hashes) -> io::Result<()> {
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
        if self.opts.format == Format::Dir {
            self.entries += 1;
            self.listed.add(path, size);
            return self.dir_stream(path, &item.meta, a, &pieces);
        }
        let offset = self.offset;
        self.entries += 1;
        self.listed.add(path, size);
        if zip {
            zip::local_header(path, &item.meta, &Framing { method, known, zip64 }, &mut self.header);
        } else {
            tar::headers(path, &item.meta, size, sparse.then_some(&data_runs[..]), &mut self.header);
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
                name: path.into(),
                meta: item.meta.clone(),
                method,
                descriptor: known.is_none(),
                zip64,
                crc: h.crc,
                compressed: stored,
                size,
                offset,
                symlink: false,
            })
        } else {
            self.emit(&[0u8; 512][..tar::padding(stored)])
        }
    }

    /// Creates a file of a directory output with the entry's permissions.
    fn dir_file(&self, path: &str, meta: &EntryMeta) -> io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(meta.mode & 0o7777 | 0o200)
            .open(self.partial.join(path))
    }

    /// A big or sparse file of a directory output: pieces generated in parallel and written at
    /// their offsets; holes are left unwritten, so they stay holes.
    fn dir_stream(
        &mut self,
        path: &str,
        meta: &EntryMeta,
        a: &synthfs_model::FileAttrs,
        pieces: &[Piece],
    ) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        let f = self.dir_file(path, meta)?;
        f.set_len(a.size())?;
        let window = (rayon::current_num_threads() * 2).max(2);
        let tree = self.tree;
        for chunk in pieces.chunks(window) {
            if self.opts.cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            let outs: Vec<io::Result<PieceOut>> =
                chunk.par_iter().map(|p| make_piece(tree, a, *p, false, false, (0, 0))).collect();
            for (p, o) in chunk.iter().zip(outs) {
                if let Some(raw) = o?.raw {
                    f.write_all_at(&raw, p.start)?;
                }
            }
        }
        self.offset += a.size();
        set_file_times(&f, meta)
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

    /// A document's extracted text, page images and load-file records, then its attachments'.
    fn family(&mut self, p: Prepared, placed: Placed, h: Hashes) -> io::Result<()> {
        let Prepared { item, numbers, author, text, image, attachments, .. } = p;
        let Some(file) = &item.file else { return Ok(()) };
        let a = &file.attrs;
        let custodian = docs::custodian(self.tree, a.owner);
        let family = match (attachments.last(), self.opts.families) {
            (Some(last), true) => Some(Family::new(self.opts, numbers, last.numbers, attachments.len())),
            _ => None,
        };
        let fields = Fields {
            numbers,
            name: item.name().to_string(),
            ext: a.ext.to_string(),
            size: a.size(),
            path: item.path.clone(),
            native_path: placed.native_link.clone(),
            author: author.unwrap_or_else(|| custodian.clone()),
            custodian: custodian.clone(),
            created: a.created.secs,
            modified: a.modified.secs,
            md5: h.md5.map(|m| hex(&m)).unwrap_or_default(),
            sha1: h.sha1.map(|s| hex(&s)).unwrap_or_default(),
            text_path: String::new(),
        };
        let mut meta = item.meta.clone();
        meta.mode = 0o644;
        meta.hidden = false;
        let image_doc = is_image(a.ftype());
        self.document(fields, family.as_ref(), false, &placed, &meta, text, image, image_doc)?;
        let parent_id = docs::control(self.opts, numbers);
        for att in attachments {
            let PreparedAttachment { attachment, numbers, blob, digests, author, text, image } = att;
            let ext = attachment.spec.ftype.ext();
            let placed = self.place(numbers, &item.path, ext, Some((&parent_id, &attachment.name)));
            let mut meta = meta.clone();
            meta.modified = attachment.spec.stamp;
            meta.accessed = attachment.spec.stamp;
            self.side_entry(&placed.native, &meta, &blob)?;
            self.attachments += 1;
            let fields = Fields {
                numbers,
                name: attachment.name.clone(),
                ext: ext.to_string(),
                size: attachment.spec.size,
                path: item.path.clone(),
                native_path: placed.native_link.clone(),
                author: author.unwrap_or_else(|| custodian.clone()),
                custodian: custodian.clone(),
                created: attachment.spec.stamp,
                modified: attachment.spec.stamp,
                md5: digests.md5.map(|m| hex(&m)).unwrap_or_default(),
                sha1: digests.sha1.map(|s| hex(&s)).unwrap_or_default(),
                text_path: String::new(),
            };
            let image_doc = is_image(attachment.spec.ftype);
            self.document(fields, family.as_ref(), true, &placed, &meta, text, image, image_doc)?;
            if let (Some(loads), Some(f)) = (&mut self.loads, &family) {
                if let Some((x, _)) = &mut loads.xml {
                    x.attachment(&f.parent_id, &docs::control(self.opts, numbers));
                }
            }
        }
        Ok(())
    }

    /// One document's text and image entries and its load-file records.
    #[allow(clippy::too_many_arguments)]
    fn document(
        &mut self,
        mut fields: Fields,
        family: Option<&Family>,
        is_attachment: bool,
        placed: &Placed,
        meta: &EntryMeta,
        text: Option<Blob>,
        image: Option<Blob>,
        image_doc: bool,
    ) -> io::Result<()> {
        self.documents += 1;
        self.bytes_in += fields.size;
        self.counters.files_written.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes_written.fetch_add(fields.size, Ordering::Relaxed);
        if let Some(blob) = text {
            self.side_entry(&placed.text, meta, &blob)?;
            self.text_files += 1;
            fields.text_path = placed.text_link.clone();
        }
        let imaged = image.is_some();
        if let Some(blob) = image {
            self.side_entry(&placed.image, meta, &blob)?;
            self.pages += u64::from(fields.numbers.pages);
        }
        if self.loads.is_none() {
            return Ok(());
        }
        let row = docs::row(self.opts, &fields, family, is_attachment);
        let volume = self.volume_name();
        let opts = self.opts;
        let Some(loads) = &mut self.loads else { return Ok(()) };
        loads.row(&row)?;
        let text_path = opts.text.then_some(fields.text_path.as_str()).filter(|t| !t.is_empty());
        if let Some((x, _)) = &mut loads.xml {
            let columns = opts.columns();
            let (folder, name) = fields.native_path.rsplit_once(['/', '\\']).unwrap_or(("", &fields.native_path));
            x.document(&XmlDocument {
                docid: &row[0],
                tags: columns.iter().zip(&row).skip(1).map(|(c, v)| (*c, v.as_str())).collect(),
                folder,
                name,
                size: fields.size,
                md5: &fields.md5,
                text_path,
                image: imaged.then_some((placed.image_link.as_str(), fields.numbers.pages)),
            })?;
        }
        if opts.load_file && (imaged || image_doc) {
            self.images += 1;
            let lines: String = if imaged {
                (0..fields.numbers.pages)
                    .map(|p| {
                        let key = docs::page_key(opts, fields.numbers, p);
                        page_line(&key, &volume, &placed.image_link, (p == 0).then_some(fields.numbers.pages))
                    })
                    .collect()
            } else {
                page_line(&docs::page_key(opts, fields.numbers, 0), &volume, &placed.native_link, Some(1))
            };
            if let Some(loads) = &mut self.loads {
                loads.opt_line(&lines)?;
            }
        }
        Ok(())
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
        if self.opts.production.is_some() {
            self.close_volume()?;
        } else if let Some(loads) = self.loads.take() {
            self.load_paths = loads.finish()?;
        }
        if self.opts.load_file_inside && self.opts.production.is_none() {
            for ext in ["dat", "opt"] {
                let path = if ext == "dat" { self.load_paths.dat.take() } else { self.load_paths.opt.take() };
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
            Format::Dir => {}
        }
        if let Some(mut m) = self.manifest.take() {
            m.flush()?;
        }
        let out = std::mem::replace(&mut self.out, Sink::Finished);
        let mut file = out.finish()?;
        if self.opts.format == Format::Dir {
            file.bytes = self.offset;
        }
        let paths = std::mem::take(&mut self.load_paths);
        let beside = |p: Option<PathBuf>, ext: &str| p.map(|p| (p, side_path(&self.opts.out, ext)));
        Ok(Written {
            entries: self.entries,
            documents: self.documents,
            attachments: self.attachments,
            folders: self.folders,
            text_files: self.text_files,
            images: self.images,
            pages: self.pages,
            volumes: u64::from(self.volume.number),
            bytes_in: self.bytes_in,
            stream_bytes: self.offset,
            file,
            listed: std::mem::take(&mut self.listed),
            zip64: self.zip64,
            dat: beside(paths.dat, "dat"),
            opt: beside(paths.opt, "opt"),
            csv: beside(paths.csv, "csv"),
            xml: beside(paths.xml, "xml"),
            manifest: self.manifest_path.take().map(|p| (p, side_path(&self.opts.out, "manifest.csv"))),
        })
    }
}

/// Gives a file of a directory output its entry's modification and access times.
fn set_file_times(f: &File, meta: &EntryMeta) -> io::Result<()> {
    let at = |secs: i64| {
        let d = std::time::Duration::from_secs(secs.unsigned_abs());
        if secs >= 0 { std::time::UNIX_EPOCH + d } else { std::time::UNIX_EPOCH - d }
    };
    f.set_times(std::fs::FileTimes::new().set_modified(at(meta.modified)).set_accessed(at(meta.accessed)))
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
    a: &synthfs_model::FileAttrs,
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
