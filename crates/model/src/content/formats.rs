//! Per-type framing: the header (prefix) and trailer (suffix) around a generated body, so
//! every file starts with its type's magic bytes and real parsers accept it.
//!
//! E-mails (headers and MIME attachments) are framed in `email.rs`, Office Open XML documents
//! and ZIP archives in `ooxml.rs`, videos in `mp4/`, disk and disc images in [`super::disk`];
//! the other types here.

use std::sync::OnceLock;

use super::super::date;
use super::super::filetype::FileType;
use super::super::rng::{Purpose, Rng, key};
use super::super::words;
use super::ContentSpec;
use super::body::{Body, csv_header};
use super::email::eml;
pub use super::email::{ATTACHMENT_MAX, Attachment, Mime, attachments};
use super::header::Header;
use super::ooxml::ooxml;
use super::prefix::Prefix;
use super::zipfile::Container;
use super::{disk, mp4};
use crate::decimal;

const TINY_JPEG: &[u8] = include_bytes!("assets/tiny.jpg");
const TINY_PNG: &[u8] = include_bytes!("assets/tiny.png");
const DESKTOP_INI: &[u8] =
    b"\r\n[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-112\r\n[ViewState]\r\nMode=\r\nVid=\r\nFolderType=Documents\r\n";

/// How a file is framed.
pub struct Envelope {
    pub prefix: Prefix,
    pub body: Body,
    pub trailer: Trailer,
}

/// What comes after the body.
pub enum Trailer {
    None,
    Bytes(Vec<u8>),
    /// A ZIP trailer, which needs the CRC of the body.
    Zip(Container),
    /// An e-mail's attachments as base64 MIME parts, generated only when read.
    Mime(Mime),
}

impl Trailer {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> u64 {
        match self {
            Trailer::None => 0,
            Trailer::Bytes(b) => b.len() as u64,
            Trailer::Zip(c) => c.suffix_len() as u64,
            Trailer::Mime(m) => m.encoded_len(),
        }
    }
}

impl Envelope {
    pub(super) fn plain(prefix: impl Into<Prefix>, body: Body) -> Envelope {
        Envelope { prefix: prefix.into(), body, trailer: Trailer::None }
    }

    /// The length of the body for a file of `size` bytes.
    pub fn body_len(&self, size: u64) -> u64 {
        size.saturating_sub(self.prefix.len() + self.trailer.len())
    }
}

/// The framing of a file.
pub fn envelope(spec: &ContentSpec) -> Envelope {
    let mut rng = Rng::from_key(key(spec.seed, u64::MAX, Purpose::Content as u64));
    match spec.ftype {
        FileType::Txt => Envelope::plain(Vec::new(), Body::Prose),
        FileType::Csv => {
            let schema = (spec.seed % 3) as u8;
            Envelope::plain(csv_header(schema).as_bytes().to_vec(), Body::Csv(schema))
        }
        FileType::Log => Envelope::plain(Vec::new(), Body::Log),
        FileType::Eml => eml(spec, &mut rng),
        FileType::Pdf => pdf(spec, &mut rng),
        FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Zip => ooxml(spec, &mut rng),
        FileType::Jpg => Envelope::plain(TINY_JPEG.to_vec(), Body::Random),
        FileType::Png => Envelope::plain(TINY_PNG.to_vec(), Body::Random),
        FileType::Mp4 => Envelope::plain(mp4::prefix(spec, &mut rng), Body::Random),
        FileType::Iso => Envelope::plain(disk::iso::header(spec), Body::Random),
        FileType::Vhdx => Envelope::plain(disk::vhdx::prefix(spec, &mut rng), Body::Random),
        FileType::Vmdk => Envelope::plain(disk::vmdk::prefix(spec, &mut rng), Body::Random),
        FileType::Bak => Envelope::plain(mtf_header(spec), Body::Random),
        FileType::Tmp => Envelope::plain(Vec::new(), Body::Random),
        FileType::OfficeLock => Envelope::plain(office_lock(&mut rng), Body::Random),
        FileType::ThumbsDb => Envelope::plain(ole_header(), Body::Random),
        FileType::DesktopIni => Envelope::plain(DESKTOP_INI.to_vec(), Body::Prose),
        FileType::Text => Envelope::plain(Vec::new(), Body::Prose),
        FileType::Binary => Envelope::plain(Vec::new(), Body::Random),
        FileType::DsStore => {
            Envelope::plain(b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00\x00\x00\x08\x00".to_vec(), Body::Random)
        }
    }
}

/// Per type, computed on first use: what [`size_bounds`] and [`frame_bounds`] answer. Each
/// samples its type's framings over many seeds (all types together took 4-5 ms of every
/// start-up), so a tree computes only the types it draws, when it first draws them.
static SIZE_BOUNDS: [OnceLock<(u64, u64)>; FileType::ALL.len()] = [const { OnceLock::new() }; FileType::ALL.len()];
static FRAME_BOUNDS: [OnceLock<(u64, u64)>; FileType::ALL.len()] = [const { OnceLock::new() }; FileType::ALL.len()];

/// The size a file of this type has at least, and fixed sizes for fixed-size types.
pub fn size_bounds(ftype: FileType) -> (u64, u64) {
    *SIZE_BOUNDS[ftype.ordinal()].get_or_init(|| sample_size_bounds(ftype))
}

fn sample_size_bounds(ftype: FileType) -> (u64, u64) {
    const ZIP_MAX: u64 = (4 << 30) - (1 << 20);
    match ftype {
        FileType::OfficeLock => (162, 162),
        FileType::DesktopIni => (DESKTOP_INI.len() as u64, DESKTOP_INI.len() as u64),
        FileType::DsStore => (6148, 6148),
        FileType::ThumbsDb => (4096, 8 << 20),
        FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Zip => (envelope_floor(ftype), ZIP_MAX),
        FileType::Iso => (64 << 10, u64::MAX),
        FileType::Vhdx => (4 << 20, u64::MAX),
        // The floor of the earlier framing (an `ftyp` and an `mdat` header, and 256 bytes), so
        // trees keep their sizes: a file too small for the video keeps what fits (see `mp4`).
        FileType::Mp4 => (288, u64::MAX),
        // No format to frame: any size, empty included.
        FileType::Text | FileType::Binary => (0, u64::MAX),
        _ => (envelope_floor(ftype), u64::MAX),
    }
}

/// The largest framing among many seeds, plus room for a few records of body (nothing for
/// formats without a frame: a text file may be empty).
fn envelope_floor(ftype: FileType) -> u64 {
    let (p, t) = frame_bounds(ftype);
    if p + t == 0 { 0 } else { p + t + 256 }
}

/// The longest prefix and trailer a type has (sampled over many seeds; variable parts are
/// bounded). Sparse layouts keep data where these lie.
pub fn frame_bounds(ftype: FileType) -> (u64, u64) {
    *FRAME_BOUNDS[ftype.ordinal()].get_or_init(|| sample_frame_bounds(ftype))
}

fn sample_frame_bounds(ftype: FileType) -> (u64, u64) {
    (0..32u64)
        .map(|seed| {
            let spec = ContentSpec { ftype, size: 1 << 20, seed, stamp: 1_600_000_000, sparse: None, attachments: 0 };
            let e = envelope(&spec);
            (e.prefix.head(), e.trailer.len())
        })
        .fold((0, 0), |(p, t), (a, b)| (p.max(a), t.max(b)))
}

pub(super) fn person(rng: &mut Rng) -> (String, String) {
    let first = rng.pick(words::FIRST_NAMES);
    let last = rng.pick(words::LAST_NAMES);
    // `first.last@example.com` in lower case, of the name's ASCII letters and digits only.
    let mut addr = String::with_capacity(first.len() + last.len() + 13);
    for c in first.chars().chain(std::iter::once('.')).chain(last.chars()) {
        if c.is_ascii_alphanumeric() || c == '.' {
            addr.push(c.to_ascii_lowercase());
        }
    }
    addr.push_str("@example.com");
    ([first, " ", last].concat(), addr)
}

pub(super) fn title(rng: &mut Rng) -> String {
    let n = rng.range(3, 6);
    let mut s = String::new();
    for i in 0..n {
        let w = rng.pick(words::PROSE);
        if i > 0 {
            s.push(' ');
        }
        let mut c = w.chars();
        if let Some(f) = c.next() {
            s.push(f.to_ascii_uppercase());
            s.push_str(c.as_str());
        }
    }
    s
}

fn pdf(spec: &ContentSpec, rng: &mut Rng) -> Envelope {
    let head_objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    ];
    // The stream length depends on the prefix and trailer lengths, which depend on the digits of
    // the offsets; iterate to the fixed point (two rounds always suffice).
    let title = title(rng);
    let mut body_len = spec.size;
    for _ in 0..3 {
        let (prefix, trailer) = pdf_parts(&head_objs, body_len, &title, spec.stamp);
        let new_len = spec.size.saturating_sub((prefix.len() + trailer.len()) as u64);
        if new_len == body_len {
            return Envelope { prefix: prefix.into(), body: Body::PdfText, trailer: Trailer::Bytes(trailer) };
        }
        body_len = new_len;
    }
    let (prefix, trailer) = pdf_parts(&head_objs, body_len, &title, spec.stamp);
    Envelope { prefix: prefix.into(), body: Body::PdfText, trailer: Trailer::Bytes(trailer) }
}

fn pdf_parts(head_objs: &[&str], stream_len: u64, title: &str, stamp: i64) -> (Vec<u8>, Vec<u8>) {
    let mut p = String::with_capacity(512);
    p.push_str("%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n");
    let mut offsets = Vec::with_capacity(6);
    for (i, o) in head_objs.iter().enumerate() {
        offsets.push(p.len() as u64);
        decimal::push(&mut p, i as u64 + 1);
        p.extend([" 0 obj\n", o, "\nendobj\n"]);
    }
    offsets.push(p.len() as u64);
    p.push_str("4 0 obj\n<< /Length ");
    decimal::push(&mut p, stream_len);
    p.push_str(" >>\nstream\n");
    let stream_end = p.len() as u64 + stream_len;
    let d = date::Date::of_unix(stamp);
    let mut t = String::with_capacity(512 + title.len());
    t.push_str("\nendstream\nendobj\n");
    offsets.push(stream_end + t.len() as u64);
    t.push_str("5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    offsets.push(stream_end + t.len() as u64);
    t.extend(["6 0 obj\n<< /Title (", title, ") /Producer (synthfs) /CreationDate (D:"]);
    decimal::push_year(&mut t, d.year);
    decimal::push_padded(&mut t, u64::from(d.month), 2);
    decimal::push_padded(&mut t, u64::from(d.day), 2);
    t.push_str("000000Z) >>\nendobj\n");
    let xref = stream_end + t.len() as u64;
    t.push_str("xref\n0 7\n0000000000 65535 f \n");
    for &o in &offsets {
        decimal::push_padded(&mut t, o, 10);
        t.push_str(" 00000 n \n");
    }
    t.push_str("trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>\nstartxref\n");
    decimal::push(&mut t, xref);
    t.push_str("\n%%EOF\n");
    (p.into_bytes(), t.into_bytes())
}

/// A Microsoft Tape Format header, as SQL Server backups start.
fn mtf_header(spec: &ContentSpec) -> Vec<u8> {
    let mut h = Header::zeroed(1024);
    h.put(0, b"TAPE").le(4, &[(4, 0x0003_0000), (8, u64::from(spec.stamp as u32))]);
    h.utf16(64, "Microsoft SQL Server".encode_utf16());
    h.0
}

/// An Office owner file: the user's name, once as bytes and once as UTF-16.
fn office_lock(rng: &mut Rng) -> Vec<u8> {
    let first = rng.pick(words::FIRST_NAMES);
    let last = rng.pick(words::LAST_NAMES);
    let name = format!("{first} {last}");
    let n = name.len().min(53);
    let mut h = Header(vec![b' '; 162]);
    h.put(0, &[n as u8]).put(1, &name.as_bytes()[..n]).put(54, &[n as u8, 0]);
    h.utf16(56, name.encode_utf16().take(53));
    h.0
}

/// An OLE compound file header (Thumbs.db).
fn ole_header() -> Vec<u8> {
    let mut h = Header::zeroed(512);
    h.put(0, &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    // Minor and major version, byte order, sector and mini-sector shifts.
    h.le(2, &[(24, 0x003E), (26, 3), (28, 0xFFFE), (30, 9), (32, 6)]);
    // One FAT sector, no directory chain, the mini-stream cutoff, no mini FAT, no DIFAT
    // sectors; the DIFAT's first entry is sector 0, the other 108 are free.
    h.le(4, &[(44, 1), (48, 0xFFFF_FFFE), (56, 4096), (60, 0xFFFF_FFFE), (68, 0xFFFF_FFFE), (76, 0)]);
    h.put(80, &[0xFF; 4 * 108]);
    h.0
}
