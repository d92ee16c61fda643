//! One archive entry in each output format (ZIP, tar, a folder on disk): folders, links and
//! files whose bytes are all in hand, and the folders and files synthfs adds itself.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use super::super::prepare::Blob;
use super::super::walk::LinkItem;
use super::super::zip::{CentralEntry, Framing, Known};
use super::super::{EntryMeta, Format, tar, zip};
use super::Writer;
use super::pieces::set_file_times;

impl Writer<'_> {
    /// Metadata of the entries synthfs adds (text folder and files, inside load files).
    pub(super) fn side_meta(&self, is_dir: bool) -> EntryMeta {
        let t = self.tree.now_secs();
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
    pub(super) fn make_dir(&mut self, path: &str) -> io::Result<()> {
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
    pub(super) fn side_entry(&mut self, path: &str, meta: &EntryMeta, blob: &Blob) -> io::Result<()> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.make_dir(parent)?;
        }
        self.whole_entry(path, meta, blob)?;
        self.sides.manifest_line(path, blob.size, &blob.sha256)
    }

    pub(super) fn dir_entry(&mut self, path: &str, meta: &EntryMeta) -> io::Result<()> {
        self.counts.entries += 1;
        match self.opts.format {
            Format::Dir => std::fs::create_dir_all(self.partial.join(path)),
            Format::Tar => {
                tar::headers(path, meta, 0, None, &mut self.stream.header);
                self.stream.emit_header()
            }
            Format::Zip => {
                let name = format!("{path}/");
                let e = ZipWhole {
                    name: &name,
                    method: zip::STORE,
                    crc: 0,
                    data: &[],
                    size: 0,
                    zip64: false,
                    symlink: false,
                };
                self.zip_whole(meta, e)
            }
        }
    }

    /// A symbolic link, or another name of a file stored earlier: a link entry in tar, a
    /// symbolic-link entry in ZIP (its data the target), a link in a folder output. Links are
    /// not documents: no load-file row, no manifest line.
    pub(super) fn link_entry(&mut self, path: &str, meta: &EntryMeta, link: &LinkItem) -> io::Result<()> {
        self.counts.entries += 1;
        let target = super::super::size::link_target(link, self.opts.format, path);
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
                tar::link_headers(path, meta, kind, &target, &mut self.stream.header);
                self.stream.emit_header()
            }
            Format::Zip => {
                let data = target.as_bytes();
                let crc = crc32fast::hash(data);
                let size = data.len() as u64;
                let e = ZipWhole { name: path, method: zip::STORE, crc, data, size, zip64: false, symlink: true };
                self.zip_whole(meta, e)
            }
        }
    }

    /// An entry whose bytes are all in hand.
    pub(super) fn whole_entry(&mut self, path: &str, meta: &EntryMeta, blob: &Blob) -> io::Result<()> {
        self.counts.entries += 1;
        self.listed.add(path, blob.size);
        match self.opts.format {
            Format::Dir => {
                let f = self.dir_file(path, meta)?;
                (&f).write_all(&blob.data)?;
                self.stream.offset += blob.size;
                set_file_times(&f, meta)
            }
            Format::Tar => {
                tar::headers(path, meta, blob.size, None, &mut self.stream.header);
                self.stream.emit_header()?;
                self.stream.emit(&blob.data)?;
                self.stream.emit(&[0u8; 512][..tar::padding(blob.size)])
            }
            Format::Zip => {
                let zip64 = zip::needs_zip64(blob.size);
                let (method, crc, size) = (blob.method, blob.crc, blob.size);
                let e = ZipWhole { name: path, method, crc, data: &blob.data, size, zip64, symlink: false };
                self.zip_whole(meta, e)
            }
        }
    }

    /// A ZIP entry whose bytes are all in hand: local header, data, central record.
    fn zip_whole(&mut self, meta: &EntryMeta, e: ZipWhole) -> io::Result<()> {
        let offset = self.stream.offset;
        let compressed = e.data.len() as u64;
        let known = Known { crc: e.crc, compressed, size: e.size };
        let framing = Framing { method: e.method, known: Some(known), zip64: e.zip64 };
        zip::local_header(e.name, meta, &framing, &mut self.stream.header);
        self.stream.emit_header()?;
        self.stream.emit(e.data)?;
        self.central.add(CentralEntry {
            name: e.name.into(),
            meta: meta.clone(),
            method: e.method,
            descriptor: false,
            zip64: e.zip64,
            crc: e.crc,
            compressed,
            size: e.size,
            offset,
            symlink: e.symlink,
        })
    }

    /// Adds a finished side file (the load file inside the archive) as a stored entry.
    pub(super) fn file_entry(&mut self, name: &str, path: &Path) -> io::Result<()> {
        let mut data = Vec::new();
        File::open(path)?.read_to_end(&mut data)?;
        let crc = crc32fast::hash(&data);
        let sha256: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&data).into();
        let size = data.len() as u64;
        let blob = Blob { data, method: zip::STORE, crc, size, sha256 };
        let meta = self.side_meta(false);
        self.whole_entry(name, &meta, &blob)?;
        self.sides.manifest_line(name, size, &sha256)
    }

    /// Creates a file of a directory output with the entry's permissions.
    pub(super) fn dir_file(&self, path: &str, meta: &EntryMeta) -> io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(meta.mode & 0o7777 | 0o200)
            .open(self.partial.join(path))
    }
}

/// A ZIP entry whose bytes are all in hand: a folder (no data), a symbolic link (its target as
/// data) or a file (stored or deflated).
struct ZipWhole<'a> {
    name: &'a str,
    method: u16,
    crc: u32,
    /// The bytes as stored (deflated or not).
    data: &'a [u8],
    /// The uncompressed size.
    size: u64,
    zip64: bool,
    symlink: bool,
}
