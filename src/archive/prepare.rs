//! The workers' share: an entry's bytes generated, hashed, compressed and framed, ready for the
//! writer to append. Files too big to hold whole are left to the writer to stream.

use std::io;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use synthfs_model::content::formats::Attachment;
use synthfs_model::content::read_all;
use synthfs_model::{FileAttrs, FileType, Tree};

use super::docs::{Numbers, page_keys};
use super::walk::Item;
use super::{Compression, Format, Options, deflate, text, tiff, zip};

/// Files up to this size are prepared whole by a worker.
pub const WHOLE_MAX: u64 = 4 << 20;

/// An entry as the walk hands it to the workers: with its numbers and, for an e-mail whose
/// family is extracted, its attachments.
pub struct Job {
    pub item: Item,
    pub numbers: Numbers,
    pub attachments: Vec<(Attachment, Numbers)>,
}

/// An entry ready to append.
pub struct Prepared {
    pub item: Item,
    pub numbers: Numbers,
    pub payload: Payload,
    pub renditions: Renditions,
    pub attachments: Vec<PreparedAttachment>,
}

/// What review tools get of a document besides its native: its author as they read it, its
/// extracted-text entry (when asked for and the type has text) and its page images (a
/// multi-page TIFF, when asked for).
#[derive(Default)]
pub struct Renditions {
    pub author: Option<String>,
    pub text: Option<Blob>,
    pub image: Option<Blob>,
}

impl Renditions {
    /// A document's renditions, from the head of its bytes.
    fn of(opts: &Options, ftype: FileType, head: &[u8], seed: u64, numbers: Numbers) -> io::Result<Renditions> {
        let author = text::author(ftype, head);
        let text = if opts.text { text::extract(ftype, head).map(|t| text_blob(opts, t)).transpose()? } else { None };
        let image = page_images(opts, seed, ftype, numbers)?;
        Ok(Renditions { author, text, image })
    }

    /// Bytes of the text and image entries.
    pub fn bytes(&self) -> u64 {
        let len = |b: &Option<Blob>| b.as_ref().map_or(0, |b| b.data.len() as u64);
        len(&self.text) + len(&self.image)
    }
}

/// An e-mail attachment ready to append as a document of its own.
pub struct PreparedAttachment {
    pub attachment: Attachment,
    pub numbers: Numbers,
    pub blob: Blob,
    pub digests: Hashes,
    pub renditions: Renditions,
}

pub enum Payload {
    Dir,
    Whole {
        blob: Blob,
        digests: Hashes,
    },
    /// Too big to hold: hashed here, generated again by the writer piece by piece.
    Stream {
        digests: Hashes,
    },
}

/// Data as stored in the archive, with what its headers need.
pub struct Blob {
    pub data: Vec<u8>,
    pub method: u16,
    pub crc: u32,
    pub size: u64,
    /// SHA-256 of the uncompressed bytes (zero without a manifest).
    pub sha256: [u8; 32],
}

/// The digests of a document's bytes.
#[derive(Clone, Copy, Debug)]
pub struct Hashes {
    pub crc: u32,
    pub sha256: [u8; 32],
    pub md5: Option<[u8; 16]>,
    pub sha1: Option<[u8; 20]>,
}

/// Running digests: SHA-256 only for a manifest, MD5 and SHA-1 only for a load file.
pub struct Digests {
    crc: crc32fast::Hasher,
    sha256: Option<Sha256>,
    md5: Option<Md5>,
    sha1: Option<Sha1>,
}

impl Digests {
    pub fn new(opts: &Options) -> Digests {
        Digests {
            crc: crc32fast::Hasher::new(),
            sha256: opts.manifest.then(Sha256::new),
            md5: opts.md5().then(Md5::new),
            sha1: opts.sha1().then(Sha1::new),
        }
    }

    /// Whether anything beyond the CRC is computed.
    pub fn any_cryptographic(opts: &Options) -> bool {
        opts.manifest || opts.md5() || opts.sha1()
    }

    /// Adds bytes to every digest.
    pub fn update(&mut self, data: &[u8]) {
        self.crc.update(data);
        self.update_without_crc(data);
    }

    /// Adds bytes to the cryptographic digests only (the CRC is combined separately).
    pub fn update_without_crc(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        if let Some(m) = &mut self.md5 {
            m.update(data);
        }
        if let Some(s) = &mut self.sha1 {
            s.update(data);
        }
    }

    pub fn combine_crc(&mut self, piece: &crc32fast::Hasher) {
        self.crc.combine(piece);
    }

    pub fn finish(self) -> Hashes {
        Hashes {
            crc: self.crc.finalize(),
            sha256: self.sha256.map(|h| h.finalize().into()).unwrap_or_default(),
            md5: self.md5.map(|m| m.finalize().into()),
            sha1: self.sha1.map(|s| s.finalize().into()),
        }
    }
}

/// Prepares one entry.
pub fn prepare(tree: &Tree, opts: &Options, job: Job) -> io::Result<Prepared> {
    let Job { item, numbers, attachments } = job;
    let Some(file) = &item.file else {
        return Ok(Prepared {
            item,
            numbers,
            payload: Payload::Dir,
            renditions: Renditions::default(),
            attachments: Vec::new(),
        });
    };
    let a = &file.attrs;
    let ftype = a.ftype();
    let whole = a.content.sparse.is_none() && a.size() <= WHOLE_MAX;
    let (payload, head) = if whole {
        let mut raw = vec![0u8; a.size() as usize];
        let n = tree.read_content(&a.content, 0, &mut raw);
        raw.truncate(n);
        let mut d = Digests::new(opts);
        d.update(&raw);
        let digests = d.finish();
        let head = raw[..raw.len().min(text::SCAN)].to_vec();
        let blob = blob(opts, raw, digests.crc, digests.sha256)?;
        (Payload::Whole { blob, digests }, head)
    } else {
        let mut head = vec![0u8; text::SCAN.min(a.size() as usize)];
        let n = tree.read_content(&a.content, 0, &mut head);
        head.truncate(n);
        (Payload::Stream { digests: stream_digests(tree, a, opts) }, head)
    };
    let renditions = Renditions::of(opts, ftype, &head, a.content.seed, numbers)?;
    let attachments =
        attachments.into_iter().map(|(att, n)| prepare_attachment(opts, att, n)).collect::<io::Result<_>>()?;
    Ok(Prepared { item, numbers, payload, renditions, attachments })
}

/// An attachment: generated whole (attachments are small), hashed, its text and pages.
fn prepare_attachment(opts: &Options, attachment: Attachment, numbers: Numbers) -> io::Result<PreparedAttachment> {
    let raw = read_all(&attachment.spec);
    let mut d = Digests::new(opts);
    d.update(&raw);
    let digests = d.finish();
    let ftype = attachment.spec.ftype;
    let head = &raw[..raw.len().min(text::SCAN)];
    let renditions = Renditions::of(opts, ftype, head, attachment.spec.seed, numbers)?;
    let blob = blob(opts, raw, digests.crc, digests.sha256)?;
    Ok(PreparedAttachment { attachment, numbers, blob, digests, renditions })
}

/// A document's pages as one multi-page TIFF, stamped with their numbers (when asked for).
fn page_images(opts: &Options, seed: u64, ftype: FileType, numbers: Numbers) -> io::Result<Option<Blob>> {
    if !opts.images {
        return Ok(None);
    }
    let raw = tiff::document(seed, &page_keys(opts, numbers), tiff::slip_sheet(ftype));
    let crc = crc32fast::hash(&raw);
    let sha256 = if opts.manifest { Sha256::digest(&raw).into() } else { [0; 32] };
    blob(opts, raw, crc, sha256).map(Some)
}

/// The digests of a file read piece by piece; holes are hashed as zeros without being generated.
/// A tar without load file or manifest needs none of them, so the file is not read at all.
fn stream_digests(tree: &Tree, a: &FileAttrs, opts: &Options) -> Hashes {
    let mut d = Digests::new(opts);
    if opts.format == Format::Tar && !Digests::any_cryptographic(opts) {
        return d.finish();
    }
    let mut buf = vec![0u8; deflate::PIECE];
    let size = a.size();
    let mut at = 0;
    while at < size && !opts.cancelled() {
        let (data, run_end) = a.content.run_at(at);
        let end = run_end.min(size).min(at + deflate::PIECE as u64);
        let len = (end - at) as usize;
        if data {
            let n = tree.read_content(&a.content, at, &mut buf[..len]);
            d.update(&buf[..n]);
        } else {
            d.update_without_crc(&deflate::ZEROS[..len]);
            d.combine_crc(&deflate::zeros_crc(len));
        }
        at = end;
    }
    d.finish()
}

/// Data framed for the archive: deflated when asked and smaller, else as is.
fn blob(opts: &Options, raw: Vec<u8>, crc: u32, sha256: [u8; 32]) -> io::Result<Blob> {
    let size = raw.len() as u64;
    if opts.format == Format::Zip && opts.compression == Compression::Deflate && !raw.is_empty() {
        let mut z = Vec::new();
        deflate::piece(&raw, true, opts.level, &mut z)?;
        if z.len() < raw.len() {
            return Ok(Blob { data: z, method: zip::DEFLATE, crc, size, sha256 });
        }
    }
    Ok(Blob { data: raw, method: zip::STORE, crc, size, sha256 })
}

fn text_blob(opts: &Options, t: String) -> io::Result<Blob> {
    let raw = t.into_bytes();
    let crc = crc32fast::hash(&raw);
    let sha256 = Sha256::digest(&raw).into();
    blob(opts, raw, crc, sha256)
}

/// Whether a type is an image document (listed in the Opticon file).
pub fn is_image(t: FileType) -> bool {
    matches!(t, FileType::Jpg | FileType::Png)
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
