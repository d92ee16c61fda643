//! What an e-discovery processor extracts from a document: its author and its text, read from
//! the bytes the archive holds (the first part of the file), not from the model's internals.

use synthfs_model::FileType;

/// Bytes of a file's start that extraction looks at.
pub const SCAN: usize = 256 << 10;
/// Longest extracted text written per document.
const MAX_TEXT: usize = 1 << 20;

/// The author a review tool would show, if the document names one.
pub fn author(ftype: FileType, head: &[u8]) -> Option<String> {
    match ftype {
        FileType::Docx | FileType::Xlsx | FileType::Pptx => between(head, b"<dc:creator>", b"</dc:creator>"),
        FileType::Eml => header_value(head, b"From: ").map(|v| v.split(" <").next().unwrap_or(&v).to_string()),
        _ => None,
    }
}

/// The document's text, as a text extractor would produce it (CRLF lines); `None` for types
/// without text (images, media, archives, disk images).
pub fn extract(ftype: FileType, head: &[u8]) -> Option<String> {
    let text = match ftype {
        FileType::Txt | FileType::Csv | FileType::Log | FileType::Eml => {
            let head = if ftype == FileType::Eml { mail_text(head) } else { head };
            let s = String::from_utf8_lossy(&head[..head.len().min(MAX_TEXT)]);
            s.lines().map(str::trim_end).collect::<Vec<_>>().join("\r\n")
        }
        FileType::Pdf => tagged(head, b"(", b") Tj"),
        FileType::Docx => tagged(head, b"<w:t>", b"</w:t>"),
        FileType::Pptx => tagged(head, b"<a:t>", b"</a:t>"),
        FileType::Xlsx => tagged(head, b"<t>", b"</t>"),
        _ => return None,
    };
    Some(text)
}

/// An e-mail's headers and text without its attachments: a multipart message ends its text
/// at the second boundary line (the first opens the text part).
fn mail_text(head: &[u8]) -> &[u8] {
    let Some(b) = between(head, b"boundary=\"", b"\"") else { return head };
    let delimiter = format!("\r\n--{b}");
    match find(head, delimiter.as_bytes()).map(|first| first + delimiter.len()) {
        Some(after) => find(&head[after..], delimiter.as_bytes()).map_or(head, |second| &head[..after + second]),
        None => head,
    }
}

/// Every run of text between `open` and `close`, one per line.
fn tagged(head: &[u8], open: &[u8], close: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = head;
    while let Some(start) = find(rest, open) {
        let after = &rest[start + open.len()..];
        let Some(end) = find(after, close) else { break };
        let piece = String::from_utf8_lossy(&after[..end]);
        let piece = piece.trim();
        if !piece.is_empty() && !piece.contains('<') {
            out.push_str(&unescape(piece));
            out.push_str("\r\n");
            if out.len() >= MAX_TEXT {
                break;
            }
        }
        rest = &after[end + close.len()..];
    }
    out
}

fn between(head: &[u8], open: &[u8], close: &[u8]) -> Option<String> {
    let start = find(head, open)? + open.len();
    let end = find(&head[start..], close)?;
    Some(unescape(&String::from_utf8_lossy(&head[start..start + end])))
}

fn header_value(head: &[u8], name: &[u8]) -> Option<String> {
    let start = find(head, name)? + name.len();
    let end = find(&head[start..], b"\r\n")?;
    Some(String::from_utf8_lossy(&head[start..start + end]).into_owned())
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use synthfs_model::ContentSpec;
    use synthfs_model::content::read_all;

    fn bytes(ftype: FileType, size: u64) -> Vec<u8> {
        read_all(&ContentSpec { ftype, size, seed: 42, stamp: 1_600_000_000, sparse: None, attachments: 0 })
    }

    #[test]
    fn office_documents_give_author_and_text() {
        let docx = bytes(FileType::Docx, 40_000);
        let who = author(FileType::Docx, &docx).unwrap();
        assert!(who.contains(' '), "{who}");
        let text = extract(FileType::Docx, &docx).unwrap();
        assert!(text.lines().count() >= 6, "{text}");
        let pdf = bytes(FileType::Pdf, 40_000);
        let text = extract(FileType::Pdf, &pdf).unwrap();
        assert!(text.lines().count() > 50 && !text.contains("Tj"), "{text}");
    }

    #[test]
    fn mail_author_is_the_sender_name() {
        let eml = bytes(FileType::Eml, 5000);
        let who = author(FileType::Eml, &eml).unwrap();
        assert!(!who.contains('<') && who.contains(' '), "{who}");
        assert!(extract(FileType::Jpg, &bytes(FileType::Jpg, 5000)).is_none());
    }

    #[test]
    fn mail_text_leaves_the_attachments_out() {
        let spec = ContentSpec {
            ftype: FileType::Eml,
            size: 200_000,
            seed: 9,
            stamp: 1_600_000_000,
            sparse: None,
            attachments: 2,
        };
        let eml = read_all(&spec);
        let text = extract(FileType::Eml, &eml).unwrap();
        assert!(text.contains("Subject: ") && text.contains("text/plain"), "{text}");
        assert!(!text.contains("base64") && text.len() < 200_000 / 4, "{} bytes", text.len());
    }
}
