//! Per-type framing: the header (prefix) and trailer (suffix) around a generated body, so
//! every file starts with its type's magic bytes and real parsers accept it.
//!
//! E-mails (headers and MIME attachments) are framed in `email.rs`, Office Open XML documents
//! and ZIP archives in `ooxml.rs`; the other types here.

use std::fmt::Write as _;

use super::super::date;
use super::super::filetype::FileType;
use super::super::rng::{Purpose, Rng, key};
use super::super::words;
use super::ContentSpec;
use super::body::{Body, csv_header};
use super::email::eml;
pub use super::email::{ATTACHMENT_MAX, Attachment, Mime, attachments};
use super::ooxml::ooxml;
use super::zipfile::Container;

const TINY_JPEG: &[u8] = include_bytes!("assets/tiny.jpg");
const TINY_PNG: &[u8] = include_bytes!("assets/tiny.png");
const DESKTOP_INI: &[u8] =
    b"\r\n[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-112\r\n[ViewState]\r\nMode=\r\nVid=\r\nFolderType=Documents\r\n";

/// How a file is framed.
pub struct Envelope {
    pub prefix: Vec<u8>,
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
    pub(super) fn plain(prefix: Vec<u8>, body: Body) -> Envelope {
        Envelope { prefix, body, trailer: Trailer::None }
    }

    /// The length of the body for a file of `size` bytes.
    pub fn body_len(&self, size: u64) -> u64 {
        size.saturating_sub(self.prefix.len() as u64 + self.trailer.len())
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
        FileType::Mp4 => mp4(spec),
        FileType::Iso => Envelope::plain(iso_header(spec), Body::Random),
        FileType::Vhdx => Envelope::plain(vhdx_header(), Body::Random),
        FileType::Vmdk => Envelope::plain(vmdk_header(spec, &mut rng), Body::Random),
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

/// The size a file of this type has at least, and fixed sizes for fixed-size types.
pub fn size_bounds(ftype: FileType) -> (u64, u64) {
    const ZIP_MAX: u64 = (4 << 30) - (1 << 20);
    match ftype {
        FileType::OfficeLock => (162, 162),
        FileType::DesktopIni => (DESKTOP_INI.len() as u64, DESKTOP_INI.len() as u64),
        FileType::DsStore => (6148, 6148),
        FileType::ThumbsDb => (4096, 8 << 20),
        FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Zip => (envelope_floor(ftype), ZIP_MAX),
        FileType::Iso => (64 << 10, u64::MAX),
        FileType::Vhdx => (4 << 20, u64::MAX),
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
    (0..32u64)
        .map(|seed| {
            let spec = ContentSpec { ftype, size: 1 << 20, seed, stamp: 1_600_000_000, sparse: None, attachments: 0 };
            let e = envelope(&spec);
            (e.prefix.len() as u64, e.trailer.len())
        })
        .fold((0, 0), |(p, t), (a, b)| (p.max(a), t.max(b)))
}

pub(super) fn person(rng: &mut Rng) -> (String, String) {
    let first = rng.pick(words::FIRST_NAMES);
    let last = rng.pick(words::LAST_NAMES);
    let addr: String = format!("{first}.{last}").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    (format!("{first} {last}"), format!("{}@example.com", addr.to_ascii_lowercase()))
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
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
    ];
    // The stream length depends on the prefix and trailer lengths, which depend on the digits of
    // the offsets; iterate to the fixed point (two rounds always suffice).
    let title = title(rng);
    let mut body_len = spec.size;
    for _ in 0..3 {
        let (prefix, trailer) = pdf_parts(&head_objs, body_len, &title, spec.stamp);
        let new_len = spec.size.saturating_sub((prefix.len() + trailer.len()) as u64);
        if new_len == body_len {
            return Envelope { prefix, body: Body::PdfText, trailer: Trailer::Bytes(trailer) };
        }
        body_len = new_len;
    }
    let (prefix, trailer) = pdf_parts(&head_objs, body_len, &title, spec.stamp);
    Envelope { prefix, body: Body::PdfText, trailer: Trailer::Bytes(trailer) }
}

fn pdf_parts(head_objs: &[String], stream_len: u64, title: &str, stamp: i64) -> (Vec<u8>, Vec<u8>) {
    let mut p = String::from("%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n");
    let mut offsets = Vec::new();
    for (i, o) in head_objs.iter().enumerate() {
        offsets.push(p.len() as u64);
        let _ = write!(p, "{} 0 obj\n{o}\nendobj\n", i + 1);
    }
    offsets.push(p.len() as u64);
    let _ = write!(p, "4 0 obj\n<< /Length {stream_len} >>\nstream\n");
    let stream_end = p.len() as u64 + stream_len;
    let d = date::Date::of_unix(stamp);
    let mut t = String::from("\nendstream\nendobj\n");
    offsets.push(stream_end + t.len() as u64);
    t.push_str("5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    offsets.push(stream_end + t.len() as u64);
    let _ = write!(
        t,
        "6 0 obj\n<< /Title ({title}) /Producer (synthfs) /CreationDate (D:{:04}{:02}{:02}000000Z) >>\nendobj\n",
        d.year, d.month, d.day
    );
    let xref = stream_end + t.len() as u64;
    t.push_str("xref\n0 7\n0000000000 65535 f \n");
    for o in &offsets {
        let _ = writeln!(t, "{o:010} 00000 n ");
    }
    let _ = write!(t, "trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n");
    (p.into_bytes(), t.into_bytes())
}

fn mp4(spec: &ContentSpec) -> Envelope {
    let mut v = Vec::new();
    v.extend_from_slice(&24u32.to_be_bytes());
    v.extend_from_slice(b"ftypisom\x00\x00\x02\x00isommp41");
    let rest = spec.size.saturating_sub(v.len() as u64);
    if rest >= 1 << 32 {
        v.extend_from_slice(&1u32.to_be_bytes());
        v.extend_from_slice(b"mdat");
        v.extend_from_slice(&rest.to_be_bytes());
    } else {
        v.extend_from_slice(&(rest as u32).to_be_bytes());
        v.extend_from_slice(b"mdat");
    }
    Envelope::plain(v, Body::Random)
}

/// ISO 9660: 32 KiB system area, a primary volume descriptor and the set terminator.
fn iso_header(spec: &ContentSpec) -> Vec<u8> {
    let mut v = vec![0u8; 32768];
    let mut pvd = vec![0u8; 2048];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[6] = 1;
    pvd[8..40].copy_from_slice(&pad(b"LINUX", 32));
    let label = format!("SYNTHFS_{:08X}", spec.seed as u32);
    pvd[40..72].copy_from_slice(&pad(label.as_bytes(), 32));
    let blocks = (spec.size / 2048) as u32;
    pvd[80..84].copy_from_slice(&blocks.to_le_bytes());
    pvd[84..88].copy_from_slice(&blocks.to_be_bytes());
    pvd[120..122].copy_from_slice(&1u16.to_le_bytes());
    pvd[122..124].copy_from_slice(&1u16.to_be_bytes());
    pvd[124..126].copy_from_slice(&1u16.to_le_bytes());
    pvd[126..128].copy_from_slice(&1u16.to_be_bytes());
    pvd[128..130].copy_from_slice(&2048u16.to_le_bytes());
    pvd[130..132].copy_from_slice(&2048u16.to_be_bytes());
    pvd[881] = 1;
    v.extend_from_slice(&pvd);
    let mut term = vec![0u8; 2048];
    term[0] = 255;
    term[1..6].copy_from_slice(b"CD001");
    term[6] = 1;
    v.extend_from_slice(&term);
    v
}

fn pad(s: &[u8], n: usize) -> Vec<u8> {
    let mut v = s.to_vec();
    v.resize(n, b' ');
    v
}

/// VHDX: the file type identifier ("vhdxfile" and a UTF-16 creator), two headers and two
/// region tables (BAT and metadata), each in its 64 KiB block as MS-VHDX lays them out.
fn vhdx_header() -> Vec<u8> {
    const K64: usize = 64 << 10;
    let mut v = vec![0u8; 5 * K64];
    v[..8].copy_from_slice(b"vhdxfile");
    for (i, c) in "Microsoft Windows 10.0.19045.0".encode_utf16().enumerate() {
        v[8 + 2 * i..10 + 2 * i].copy_from_slice(&c.to_le_bytes());
    }
    for (seq, at) in [(1u64, K64), (2, 2 * K64)] {
        v[at..at + 4].copy_from_slice(b"head");
        v[at + 8..at + 16].copy_from_slice(&seq.to_le_bytes());
        v[at + 66..at + 68].copy_from_slice(&1u16.to_le_bytes());
        v[at + 68..at + 72].copy_from_slice(&(1u32 << 20).to_le_bytes());
        v[at + 72..at + 80].copy_from_slice(&(1u64 << 20).to_le_bytes());
    }
    // Region GUIDs in their on-disk (mixed-endian) byte order.
    const BAT: [u8; 16] =
        [0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08];
    const META: [u8; 16] =
        [0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B, 0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E];
    for at in [3 * K64, 4 * K64] {
        v[at..at + 4].copy_from_slice(b"regi");
        v[at + 8..at + 12].copy_from_slice(&2u32.to_le_bytes());
        for (k, (guid, offset)) in [(BAT, 3u64 << 20), (META, 2u64 << 20)].into_iter().enumerate() {
            let e = at + 16 + 32 * k;
            v[e..e + 16].copy_from_slice(&guid);
            v[e + 16..e + 24].copy_from_slice(&offset.to_le_bytes());
            v[e + 24..e + 28].copy_from_slice(&(1u32 << 20).to_le_bytes());
            v[e + 28..e + 32].copy_from_slice(&1u32.to_le_bytes());
        }
    }
    v
}

/// VMDK monolithic sparse extent: header then the embedded descriptor.
fn vmdk_header(spec: &ContentSpec, rng: &mut Rng) -> Vec<u8> {
    let mut v = vec![0u8; 512];
    v[0..4].copy_from_slice(b"KDMV");
    v[4..8].copy_from_slice(&1u32.to_le_bytes());
    v[8..12].copy_from_slice(&3u32.to_le_bytes());
    let sectors = spec.size / 512;
    v[12..20].copy_from_slice(&sectors.to_le_bytes());
    v[20..28].copy_from_slice(&128u64.to_le_bytes());
    v[28..36].copy_from_slice(&1u64.to_le_bytes());
    v[36..44].copy_from_slice(&20u64.to_le_bytes());
    v[44..48].copy_from_slice(&512u32.to_le_bytes());
    v[73..77].copy_from_slice(b"\n \r\n");
    let desc = format!(
        "# Disk DescriptorFile\nversion=1\nCID={:08x}\nparentCID=ffffffff\ncreateType=\"monolithicSparse\"\n\n# Extent description\nRW {sectors} SPARSE \"disk.vmdk\"\n\n# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = \"14\"\nddb.adapterType = \"lsilogic\"\n",
        rng.next_u64() as u32
    );
    let mut d = desc.into_bytes();
    d.resize(20 * 512, 0);
    v.extend_from_slice(&d);
    v
}

/// A Microsoft Tape Format header, as SQL Server backups start.
fn mtf_header(spec: &ContentSpec) -> Vec<u8> {
    let mut v = vec![0u8; 1024];
    v[0..4].copy_from_slice(b"TAPE");
    v[4..8].copy_from_slice(&0x0003_0000u32.to_le_bytes());
    v[8..12].copy_from_slice(&(spec.stamp as u32).to_le_bytes());
    for (i, c) in "Microsoft SQL Server".encode_utf16().enumerate() {
        v[64 + 2 * i..66 + 2 * i].copy_from_slice(&c.to_le_bytes());
    }
    v
}

/// An Office owner file: the user's name, once as bytes and once as UTF-16.
fn office_lock(rng: &mut Rng) -> Vec<u8> {
    let first = rng.pick(words::FIRST_NAMES);
    let last = rng.pick(words::LAST_NAMES);
    let name = format!("{first} {last}");
    let mut v = vec![0x20u8; 162];
    let n = name.len().min(53);
    v[0] = n as u8;
    v[1..1 + n].copy_from_slice(&name.as_bytes()[..n]);
    v[54] = n as u8;
    v[55] = 0;
    for (i, c) in name.encode_utf16().take(53).enumerate() {
        v[56 + 2 * i..58 + 2 * i].copy_from_slice(&c.to_le_bytes());
    }
    v
}

/// An OLE compound file header (Thumbs.db).
fn ole_header() -> Vec<u8> {
    let mut v = vec![0u8; 512];
    v[0..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    v[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    v[26..28].copy_from_slice(&3u16.to_le_bytes());
    v[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    v[30..32].copy_from_slice(&9u16.to_le_bytes());
    v[32..34].copy_from_slice(&6u16.to_le_bytes());
    v[44..48].copy_from_slice(&1u32.to_le_bytes());
    v[48..52].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    v[56..60].copy_from_slice(&4096u32.to_le_bytes());
    v[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    v[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 0..109 {
        v[76 + 4 * i..80 + 4 * i].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    v[76..80].copy_from_slice(&0u32.to_le_bytes());
    v
}
