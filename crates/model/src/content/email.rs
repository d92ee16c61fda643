//! E-mails (`.eml`): headers, a plain-text body and, for messages with attachments, a
//! `multipart/mixed` message whose attachments (PDF, Word, Excel, JPEG, PowerPoint) follow the
//! body as base64 MIME parts generated only when read.

use std::fmt::Write as _;

use super::ContentSpec;
use super::body::Body;
use super::formats::{Envelope, Trailer, person, size_bounds, title};
use crate::date;
use crate::filetype::FileType;
use crate::rng::{Purpose, Rng, key};

/// An e-mail: headers and a plain-text body, and when it has attachments a `multipart/mixed`
/// message whose attachments follow the body as base64 parts.
pub(super) fn eml(spec: &ContentSpec, rng: &mut Rng) -> Envelope {
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
    Envelope { prefix: prefix.into(), body: Body::Prose, trailer: Trailer::Mime(mime) }
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

/// The smallest size of a type (computed once per type: it samples many framings).
fn floor(ftype: FileType) -> u64 {
    size_bounds(ftype).0
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
    let mut h = String::with_capacity(512);
    h.extend(["Return-Path: <", &from, ">\r\nMessage-ID: <"]);
    let _ = write!(h, "{:016x}", spec.seed);
    let date = date::format_rfc2822(spec.stamp);
    let re = if rng.chance(0.4) { "RE: " } else { "" };
    h.extend([
        "@mail.example.com>\r\nDate: ",
        &date,
        "\r\nFrom: ",
        &from_name,
        " <",
        &from,
        ">\r\nTo: ",
        &to_name,
        " <",
        &to,
        ">\r\nSubject: ",
        re,
        &subject,
        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
    ]);
    h.into_bytes()
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
