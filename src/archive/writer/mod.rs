//! The one writer: appends prepared entries in order, streams big files, writes the load file,
//! the Opticon file and the manifest, and ends the archive (ZIP central directory or tar end).
//!
//! This file holds the run (the walk, the workers and the queue), the [`Writer`]'s state and
//! its start and end. The writer's other work has a file each: `entries.rs` (one archive entry
//! in each format), `pieces.rs` (files too big to hold whole), `production.rs` (volumes and
//! where a document's files go), `documents.rs` (a document's text, images and load-file
//! records, then its attachments'), `side_files.rs` (the load files and the manifest), and
//! `stream.rs` (the archive stream and the spooled ZIP central directory).

mod documents;
mod entries;
mod pieces;
mod production;
mod side_files;
mod stream;

use std::fs::File;
use std::io::{self, BufWriter};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::counters::Counters;
use synthfs_model::Tree;

use super::docs::{Numberer, Numbers};
use super::meta::FileList;
use super::prepare::{Job, Payload, Prepared, WHOLE_MAX, prepare};
use super::sink::{self, Sink};
use super::walk::walk;
use super::{ArchiveError, Format, Options, TEXT_DIR, side_path, tar, tiff};
use production::Volume;
use side_files::SideWriters;
use stream::{ArchiveStream, CentralDirectory};

/// Entries per batch handed to the workers, and bytes of small files per batch.
const BATCH_ENTRIES: usize = 256;
const BATCH_BYTES: u64 = 32 << 20;
/// Batches prepared ahead of the writer.
const QUEUE: usize = 2;
const OUT_BUFFER: usize = 1 << 20;

/// What the archive holds, counted as it is written.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArchiveCounts {
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
    /// Apparent bytes of the documents.
    pub bytes_in: u64,
}

/// What the writer produced.
pub struct Written {
    pub counts: ArchiveCounts,
    pub volumes: u64,
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

/// The writer's state: what it reads, where it writes, and what it has written so far.
struct Writer<'a> {
    tree: &'a Tree,
    opts: &'a Options,
    counters: &'a Counters,
    partial: PathBuf,
    /// The archive stream and where it stands.
    stream: ArchiveStream,
    /// ZIP central directory records, spooled to a temporary file.
    central: CentralDirectory,
    /// The load files and the manifest.
    sides: SideWriters,
    volume: Volume,
    /// Folders already given an entry (those synthfs adds: attachments, images, volumes).
    made_dirs: std::collections::HashSet<String>,
    /// The file entries' paths in archive order, for the `.meta` file.
    listed: FileList,
    counts: ArchiveCounts,
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
        Ok(Writer {
            tree,
            opts,
            counters,
            partial: partial.to_path_buf(),
            stream: ArchiveStream::new(out),
            central: CentralDirectory::new(central),
            sides: SideWriters::open(partial, opts)?,
            volume: Volume::default(),
            made_dirs: std::collections::HashSet::new(),
            listed: FileList::default(),
            counts: ArchiveCounts::default(),
        })
    }

    /// Entries that come before the tree: the folder of extracted text.
    fn begin(&mut self) -> io::Result<()> {
        if self.opts.text && self.opts.production.is_none() {
            self.make_dir(TEXT_DIR)?;
        }
        Ok(())
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
            self.counts.folders += 1;
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
                    self.sides.manifest_line(&placed.native, blob.size, &blob.sha256)?;
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
                self.sides.manifest_line(
                    &placed.native,
                    item.file.as_ref().map_or(0, |f| f.attrs.size()),
                    &digests.sha256,
                )?;
                *digests
            }
        };
        self.family(p, placed, hashes)
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
        } else if let Some(loads) = self.sides.loads.take() {
            self.sides.load_paths = loads.finish()?;
        }
        if self.opts.load_file_inside && self.opts.production.is_none() {
            for ext in ["dat", "opt"] {
                let path =
                    if ext == "dat" { self.sides.load_paths.dat.take() } else { self.sides.load_paths.opt.take() };
                if let Some(p) = path {
                    self.file_entry(&inside_name(ext), &p)?;
                    std::fs::remove_file(&p)?;
                }
            }
        }
        match self.opts.format {
            Format::Zip => {
                self.central.append_to(&mut self.stream, &temp_path(&self.partial, "cd"), self.counts.entries)?
            }
            Format::Tar => {
                let n = tar::end_len(self.stream.offset) as usize;
                self.stream.emit(&vec![0u8; n])?;
            }
            Format::Dir => {}
        }
        let manifest = self.sides.finish_manifest()?;
        let out = std::mem::replace(&mut self.stream.out, Sink::Finished);
        let mut file = out.finish()?;
        if self.opts.format == Format::Dir {
            file.bytes = self.stream.offset;
        }
        let paths = std::mem::take(&mut self.sides.load_paths);
        let beside = |p: Option<PathBuf>, ext: &str| p.map(|p| (p, side_path(&self.opts.out, ext)));
        Ok(Written {
            counts: self.counts,
            volumes: u64::from(self.volume.number),
            stream_bytes: self.stream.offset,
            file,
            listed: std::mem::take(&mut self.listed),
            zip64: self.central.zip64,
            dat: beside(paths.dat, "dat"),
            opt: beside(paths.opt, "opt"),
            csv: beside(paths.csv, "csv"),
            xml: beside(paths.xml, "xml"),
            manifest: beside(manifest, "manifest.csv"),
        })
    }
}
