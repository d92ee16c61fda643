//! Per-type framing: the header (prefix) and trailer (suffix) around a generated body, so
//! every file starts with its type's magic bytes and real parsers accept it.

use std::fmt::Write as _;

use super::super::date;
use super::super::filetype::FileType;
use super::super::rng::{Purpose, Rng, key};
use super::super::words;
use super::ContentSpec;
use super::body::{Body, csv_header};
use super::zipfile::{Container, Entry, dos_time};

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
    fn plain(prefix: Vec<u8>, body: Body) -> Envelope {
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

fn person(rng: &mut Rng) -> (String, String) {
    let first = rng.pick(words::FIRST_NAMES);
    let last = rng.pick(words::LAST_NAMES);
    let addr: String = format!("{first}.{last}").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    (format!("{first} {last}"), format!("{}@example.com", addr.to_ascii_lowercase()))
}

fn title(rng: &mut Rng) -> String {
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

/// An e-mail: headers and a plain-text body, and when it has attachments a `multipart/mixed`
/// message whose attachments follow the body as base64 parts.
fn eml(spec: &ContentSpec, rng: &mut Rng) -> Envelope {
    let mut prefix = mail_headers(spec, rng);
    let parts = attachments(spec);
    if parts.is_empty() {
        return Envelope::plain(prefix, Body::Prose);
    }
    let mime = Mime::new(spec.seed, parts);
    const PLAIN: &[u8] = b"Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
    prefix.truncate(prefix.len() - PLAIN.len());
    let b = &mime.boundary;
    prefix.extend_from_slice(
        format!(
            "Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--{b}\r\n"
        )
        .as_bytes(),
    );
    prefix.extend_from_slice(PLAIN);
    Envelope { prefix, body: Body::Prose, trailer: Trailer::Mime(mime) }
}

/// A file an e-mail carries: its name and content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub spec: ContentSpec,
}

/// Largest attachment: bigger e-mails have longer bodies, so reading one stays cheap.
pub const ATTACHMENT_MAX: u64 = 2 << 20;

/// The attachments of an e-mail, in order: up to `spec.attachments` files (PDF, Word, Excel,
/// JPEG, PowerPoint) sharing about 85% of the message's bytes once base64-encoded. Fewer when
/// the message is too small to hold them at their formats' minimum sizes.
pub fn attachments(spec: &ContentSpec) -> Vec<Attachment> {
    if spec.ftype != FileType::Eml || spec.attachments == 0 {
        return Vec::new();
    }
    let k = u64::from(spec.attachments);
    // Room for headers (< 1 KiB), a body of some length and each part's headers.
    let room = spec.size.saturating_sub(4096 + 400 * k);
    let budget = room / 100 * 85 / 78 * 57;
    let mut rng = Rng::from_key(key(spec.seed, u64::MAX - 1, Purpose::Attachments as u64));
    let weights: Vec<f64> = (0..k).map(|_| rng.lognormal(0.0, 0.6)).collect();
    let total: f64 = weights.iter().sum();
    let mut out = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, w) in weights.iter().enumerate() {
        let mut arng = Rng::from_key(key(spec.seed, i as u64, Purpose::Attachments as u64));
        let ftype = match arng.below(100) {
            0..35 => FileType::Pdf,
            35..60 => FileType::Docx,
            60..80 => FileType::Xlsx,
            80..92 => FileType::Jpg,
            _ => FileType::Pptx,
        };
        let size = ((budget as f64 * w / total) as u64).min(ATTACHMENT_MAX);
        if size < floor(ftype) {
            continue;
        }
        let mut name = format!("{}.{}", title(&mut arng), ftype.ext());
        if !names.insert(name.to_ascii_lowercase()) {
            name = format!("{} ({}).{}", name.trim_end_matches(&format!(".{}", ftype.ext())), i + 1, ftype.ext());
        }
        let stamp = spec.stamp - arng.range(600, 30 * 86_400) as i64;
        let seed = key(spec.seed, i as u64, Purpose::Content as u64);
        out.push(Attachment { name, spec: ContentSpec { ftype, size, seed, stamp, sparse: None, attachments: 0 } });
    }
    out
}

/// The smallest size of a type, computed once per type (it samples many framings).
fn floor(ftype: FileType) -> u64 {
    static FLOORS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    FLOORS.get_or_init(|| FileType::ALL.iter().map(|t| size_bounds(*t).0).collect())[ftype.ordinal()]
}

/// The MIME type of an attachment.
fn mime_type(t: FileType) -> &'static str {
    match t {
        FileType::Pdf => "application/pdf",
        FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileType::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        FileType::Jpg => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// The attachment parts that close a `multipart/mixed` e-mail.
pub struct Mime {
    boundary: String,
    parts: Vec<Attachment>,
}

/// Base64 line length (RFC 2045's limit).
const B64_LINE: u64 = 76;

impl Mime {
    fn new(seed: u64, parts: Vec<Attachment>) -> Mime {
        Mime { boundary: format!("----=_Part_{:016x}", seed), parts }
    }

    fn part_header(&self, a: &Attachment) -> String {
        let (b, n, t) = (&self.boundary, &a.name, mime_type(a.spec.ftype));
        format!(
            "\r\n--{b}\r\nContent-Type: {t}; name=\"{n}\"\r\nContent-Disposition: attachment; filename=\"{n}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        )
    }

    fn closing(&self) -> String {
        format!("\r\n--{}--\r\n", self.boundary)
    }

    /// Bytes of the parts, known without generating them.
    pub fn encoded_len(&self) -> u64 {
        let parts: u64 = self.parts.iter().map(|a| self.part_header(a).len() as u64 + base64_len(a.spec.size)).sum();
        parts + self.closing().len() as u64
    }

    /// The parts' bytes: every attachment generated and encoded.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len() as usize);
        for a in &self.parts {
            out.extend_from_slice(self.part_header(a).as_bytes());
            base64_lines(&super::read_all(&a.spec), &mut out);
        }
        out.extend_from_slice(self.closing().as_bytes());
        out
    }
}

/// Length of `n` bytes in base64, in lines of 76 characters separated by CR LF.
fn base64_len(n: u64) -> u64 {
    let chars = n.div_ceil(3) * 4;
    chars + 2 * chars.div_ceil(B64_LINE).saturating_sub(1)
}

/// Appends `data` in base64, in lines of 76 characters separated by CR LF.
fn base64_lines(data: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (i, chunk) in data.chunks(B64_LINE as usize / 4 * 3).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        for g in chunk.chunks(3) {
            let n = (u32::from(g[0]) << 16)
                | (u32::from(*g.get(1).unwrap_or(&0)) << 8)
                | u32::from(*g.get(2).unwrap_or(&0));
            out.push(ALPHABET[(n >> 18) as usize & 63]);
            out.push(ALPHABET[(n >> 12) as usize & 63]);
            out.push(if g.len() > 1 { ALPHABET[(n >> 6) as usize & 63] } else { b'=' });
            out.push(if g.len() > 2 { ALPHABET[n as usize & 63] } else { b'=' });
        }
    }
}

fn mail_headers(spec: &ContentSpec, rng: &mut Rng) -> Vec<u8> {
    let (from_name, from) = person(rng);
    let (to_name, to) = person(rng);
    let subject = title(rng);
    let mut h = String::new();
    let _ = write!(
        h,
        "Return-Path: <{from}>\r\nMessage-ID: <{:016x}@mail.example.com>\r\nDate: {}\r\nFrom: {from_name} <{from}>\r\nTo: {to_name} <{to}>\r\nSubject: {}{subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
        spec.seed,
        date::format_rfc2822(spec.stamp),
        if rng.chance(0.4) { "RE: " } else { "" },
    );
    h.into_bytes()
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

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const NS_PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn content_types(overrides: &[(&str, &str)]) -> String {
    let mut s = format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"bin\" ContentType=\"application/octet-stream\"/>"
    );
    for (part, ct) in overrides {
        let _ = write!(s, "<Override PartName=\"/{part}\" ContentType=\"{ct}\"/>");
    }
    s.push_str("<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>");
    s
}

fn rels(items: &[(&str, &str)]) -> String {
    let mut s = format!("{XML_DECL}<Relationships xmlns=\"{NS_PKG_REL}\">");
    for (i, (ty, target)) in items.iter().enumerate() {
        let _ = write!(s, "<Relationship Id=\"rId{}\" Type=\"{ty}\" Target=\"{target}\"/>", i + 1);
    }
    s.push_str("</Relationships>");
    s
}

fn root_rels(main: &str) -> String {
    rels(&[
        (&format!("{NS_DOC_REL}/officeDocument"), main),
        ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
    ])
}

fn core_props(title: &str, author: &str, stamp: i64) -> String {
    let d = date::format_datetime(stamp).replace(' ', "T");
    format!(
        "{XML_DECL}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">{d}Z</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{d}Z</dcterms:modified></cp:coreProperties>"
    )
}

fn paragraphs(rng: &mut Rng, n: u64) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut buf = [0u8; super::body::REC_MAX];
            let mut r = super::body::Rec::new(&mut buf);
            super::body::sentence(rng, &mut r);
            String::from_utf8_lossy(r.as_bytes()).into_owned()
        })
        .collect()
}

/// Office Open XML documents and plain ZIP archives: stored entries, then a bulk entry.
fn ooxml(spec: &ContentSpec, rng: &mut Rng) -> Envelope {
    let title = title(rng);
    let (author, _) = person(rng);
    let texts = paragraphs(rng, 6);
    let e = |name: &str, data: String| Entry { name: name.to_string(), data: data.into_bytes() };
    let (entries, bulk) = match spec.ftype {
        FileType::Docx => {
            let mut doc = String::from(XML_DECL);
            doc.push_str(
                "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
            );
            let _ = write!(doc, "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{title}</w:t></w:r></w:p>");
            for t in &texts {
                let _ = write!(doc, "<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
            }
            doc.push_str("</w:body></w:document>");
            (
                vec![
                    e(
                        "[Content_Types].xml",
                        content_types(&[(
                            "word/document.xml",
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                        )]),
                    ),
                    e("_rels/.rels", root_rels("word/document.xml")),
                    e("word/document.xml", doc),
                    e("docProps/core.xml", core_props(&title, &author, spec.stamp)),
                ],
                "word/embeddings/oleObject1.bin",
            )
        }
        FileType::Xlsx => {
            let mut sheet = String::from(XML_DECL);
            sheet
                .push_str("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
            sheet.push_str("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Item</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>Amount</t></is></c></row>");
            for r in 2..=12 {
                let _ = write!(
                    sheet,
                    "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{}</t></is></c><c r=\"B{r}\"><v>{}.{:02}</v></c></row>",
                    rng.pick(words::PROSE),
                    rng.below(100_000),
                    rng.below(100)
                );
            }
            sheet.push_str("</sheetData></worksheet>");
            let workbook = format!(
                "{XML_DECL}<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"{NS_DOC_REL}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            );
            (
                vec![
                    e(
                        "[Content_Types].xml",
                        content_types(&[
                            (
                                "xl/workbook.xml",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                            ),
                            (
                                "xl/worksheets/sheet1.xml",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
                            ),
                        ]),
                    ),
                    e("_rels/.rels", root_rels("xl/workbook.xml")),
                    e("xl/workbook.xml", workbook),
                    e(
                        "xl/_rels/workbook.xml.rels",
                        rels(&[(&format!("{NS_DOC_REL}/worksheet"), "worksheets/sheet1.xml")]),
                    ),
                    e("xl/worksheets/sheet1.xml", sheet),
                    e("docProps/core.xml", core_props(&title, &author, spec.stamp)),
                ],
                "xl/embeddings/oleObject1.bin",
            )
        }
        FileType::Pptx => {
            let pres = format!(
                "{XML_DECL}<p:presentation xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"{NS_DOC_REL}\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst><p:sldSz cx=\"12192000\" cy=\"6858000\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>"
            );
            let mut slide = format!(
                "{XML_DECL}<p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"{NS_DOC_REL}\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Title\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p>"
            );
            for t in &texts[..3] {
                let _ = write!(slide, "<a:p><a:r><a:t>{t}</a:t></a:r></a:p>");
            }
            slide.push_str("</p:txBody></p:sp></p:spTree></p:cSld></p:sld>");
            (
                vec![
                    e(
                        "[Content_Types].xml",
                        content_types(&[
                            (
                                "ppt/presentation.xml",
                                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                            ),
                            (
                                "ppt/slides/slide1.xml",
                                "application/vnd.openxmlformats-officedocument.presentationml.slide+xml",
                            ),
                        ]),
                    ),
                    e("_rels/.rels", root_rels("ppt/presentation.xml")),
                    e("ppt/presentation.xml", pres),
                    e(
                        "ppt/_rels/presentation.xml.rels",
                        rels(&[(&format!("{NS_DOC_REL}/slide"), "slides/slide1.xml")]),
                    ),
                    e("ppt/slides/slide1.xml", slide),
                    e("docProps/core.xml", core_props(&title, &author, spec.stamp)),
                ],
                "ppt/embeddings/oleObject1.bin",
            )
        }
        _ => {
            let mut readme = format!("{title}\r\n\r\n");
            for t in &texts[..2] {
                readme.push_str(t);
                readme.push_str("\r\n");
            }
            (vec![e("README.txt", readme)], "data/part-0001.bin")
        }
    };
    let container = Container { entries, bulk_name: bulk.to_string(), time: dos_time(spec.stamp) };
    Envelope { prefix: container.prefix(), body: Body::Random, trailer: Trailer::Zip(container) }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(size: u64, attachments: u8) -> ContentSpec {
        ContentSpec { ftype: FileType::Eml, size, seed: 77, stamp: 1_650_000_000, sparse: None, attachments }
    }

    #[test]
    fn base64_matches_the_rfc_examples_and_its_length() {
        for (raw, enc) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            let mut out = Vec::new();
            base64_lines(raw.as_bytes(), &mut out);
            assert_eq!(out, enc.as_bytes());
        }
        for n in [0u64, 1, 56, 57, 58, 114, 1000, 4097] {
            let mut out = Vec::new();
            base64_lines(&vec![7u8; n as usize], &mut out);
            assert_eq!(out.len() as u64, base64_len(n), "{n} bytes");
            assert!(out.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        }
    }

    #[test]
    fn an_email_carries_its_attachments_encoded_after_the_body() {
        let spec = mail(400_000, 3);
        let parts = attachments(&spec);
        assert_eq!(parts.len(), 3);
        let all = super::super::read_all(&spec);
        assert_eq!(all.len(), 400_000);
        let text = String::from_utf8(all).unwrap();
        assert!(text.contains("Content-Type: multipart/mixed; boundary=\"----=_Part_"));
        for a in &parts {
            let mut enc = Vec::new();
            base64_lines(&super::super::read_all(&a.spec), &mut enc);
            let enc = String::from_utf8(enc).unwrap();
            assert!(
                text.contains(&format!(
                    "filename=\"{}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc}\r\n--",
                    a.name
                ))
            );
        }
        assert!(text.ends_with("--\r\n"));
        // Attachments take most of the message.
        let raw: u64 = parts.iter().map(|a| a.spec.size).sum();
        assert!(raw * 4 / 3 > 400_000 * 7 / 10, "{raw}");
    }

    #[test]
    fn small_emails_carry_fewer_attachments_and_plain_ones_none() {
        assert!(attachments(&mail(5_000, 3)).is_empty());
        assert!(attachments(&mail(1 << 20, 0)).is_empty());
        let plain = String::from_utf8(super::super::read_all(&mail(20_000, 0))).unwrap();
        assert!(plain.contains("Content-Type: text/plain") && !plain.contains("multipart"));
        let big = attachments(&mail(200 << 20, 3));
        assert!(big.iter().all(|a| a.spec.size <= ATTACHMENT_MAX));
    }
}
