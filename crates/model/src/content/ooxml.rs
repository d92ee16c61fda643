//! Office Open XML documents (`.docx`, `.xlsx`, `.pptx`) and plain ZIP archives: small stored
//! entries (content types, relationships, properties, the document's XML), then one bulk entry
//! generated on demand (see [`super::zipfile`]).

use super::ContentSpec;
use super::body::{self, Body};
use super::formats::{Envelope, Trailer, person, title};
use super::zipfile::{Container, Entry, entry_time};
use crate::decimal;
use crate::filetype::FileType;
use crate::rng::Rng;
use crate::words;

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const NS_PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn content_types(overrides: &[(&str, &str)]) -> String {
    let mut s = String::with_capacity(1024);
    s.push_str(XML_DECL);
    s.push_str(
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"bin\" ContentType=\"application/octet-stream\"/>",
    );
    for (part, ct) in overrides {
        s.extend(["<Override PartName=\"/", part, "\" ContentType=\"", ct, "\"/>"]);
    }
    s.push_str("<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>");
    s
}

fn rels(items: &[(&str, &str)]) -> String {
    let mut s = String::with_capacity(512);
    s.extend([XML_DECL, "<Relationships xmlns=\"", NS_PKG_REL, "\">"]);
    for (i, (ty, target)) in items.iter().enumerate() {
        s.push_str("<Relationship Id=\"rId");
        decimal::push(&mut s, i as u64 + 1);
        s.extend(["\" Type=\"", ty, "\" Target=\"", target, "\"/>"]);
    }
    s.push_str("</Relationships>");
    s
}

fn root_rels(main: &str) -> String {
    rels(&[
        ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument", main),
        ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
    ])
}

fn core_props(title: &str, author: &str, stamp: i64) -> String {
    let mut d = String::with_capacity(19);
    decimal::push_datetime(&mut d, stamp, 'T');
    let mut s = String::with_capacity(1024);
    s.extend([
        XML_DECL,
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>",
        title,
        "</dc:title><dc:creator>",
        author,
        "</dc:creator><cp:lastModifiedBy>",
        author,
        "</cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">",
        &d,
        "Z</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">",
        &d,
        "Z</dcterms:modified></cp:coreProperties>",
    ]);
    s
}

fn paragraphs(rng: &mut Rng, n: u64) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut buf = [0u8; body::REC_MAX];
            let mut r = body::Rec::new(&mut buf);
            body::sentence(rng, &mut r);
            // Sentences are made of the word lists' UTF-8: checked, not scanned for repairs.
            match std::str::from_utf8(r.as_bytes()) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(r.as_bytes()).into_owned(),
            }
        })
        .collect()
}

fn entry(name: &str, xml: String) -> Entry {
    Entry::new(name.to_string(), xml.into_bytes())
}

/// A part of a package: its name, content type and XML.
struct Part<'a> {
    name: &'a str,
    content_type: String,
    xml: String,
}

impl<'a> Part<'a> {
    /// A part of an Office document: `kind` names its content type
    /// (`spreadsheetml.worksheet`: `application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml`).
    fn office(name: &'a str, kind: &str, xml: String) -> Part<'a> {
        let content_type = ["application/vnd.openxmlformats-officedocument.", kind, "+xml"].concat();
        Part { name, content_type, xml }
    }

    /// The part's folder (`xl` for `xl/workbook.xml`) and its file name.
    fn split(&self) -> (&'a str, &'a str) {
        self.name.rsplit_once('/').expect("an Office document's parts are in its folder")
    }
}

/// A package's stored entries and the name of its bulk entry (an embedded object in the main
/// part's folder): content types, the root relationships, the main part, the main part's
/// relationships and the part it relates to (if any: a workbook's sheet, a presentation's
/// slide, with the relationship's type), and the core properties.
fn package(main: Part, related: Option<(&str, Part)>, core: String) -> (Vec<Entry>, String) {
    let (folder, file) = main.split();
    let mut types = vec![(main.name, main.content_type.as_str())];
    types.extend(related.as_ref().map(|(_, part)| (part.name, part.content_type.as_str())));
    let mut entries =
        vec![entry("[Content_Types].xml", content_types(&types)), entry("_rels/.rels", root_rels(main.name))];
    entries.push(entry(main.name, main.xml));
    if let Some((kind, part)) = related {
        // The main part's relationships are beside it, and name the part from its folder.
        let target = &part.name[folder.len() + 1..];
        let rels = rels(&[(&[NS_DOC_REL, "/", kind].concat(), target)]);
        entries.push(entry(&format!("{folder}/_rels/{file}.rels"), rels));
        entries.push(entry(part.name, part.xml));
    }
    entries.push(entry("docProps/core.xml", core));
    (entries, format!("{folder}/embeddings/oleObject1.bin"))
}

/// Office Open XML documents and plain ZIP archives: stored entries, then a bulk entry.
pub(super) fn ooxml(spec: &ContentSpec, rng: &mut Rng) -> Envelope {
    let title = title(rng);
    let (author, _) = person(rng);
    let texts = paragraphs(rng, 6);
    let core = core_props(&title, &author, spec.stamp);
    let (entries, bulk) = match spec.ftype {
        FileType::Docx => {
            let mut doc = String::with_capacity(2048);
            doc.push_str(XML_DECL);
            doc.push_str(
                "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
            );
            doc.extend(["<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>", &title, "</w:t></w:r></w:p>"]);
            for t in &texts {
                doc.extend(["<w:p><w:r><w:t>", t, "</w:t></w:r></w:p>"]);
            }
            doc.push_str("</w:body></w:document>");
            package(Part::office("word/document.xml", "wordprocessingml.document.main", doc), None, core)
        }
        FileType::Xlsx => {
            let mut sheet = String::with_capacity(2048);
            sheet.push_str(XML_DECL);
            sheet
                .push_str("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
            sheet.push_str("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Item</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>Amount</t></is></c></row>");
            for r in 2..=12u64 {
                // In the order of the draws: the item, the amount, its cents.
                let (item, amount, cents) = (rng.pick(words::PROSE), rng.below(100_000), rng.below(100));
                sheet.push_str("<row r=\"");
                decimal::push(&mut sheet, r);
                sheet.push_str("\"><c r=\"A");
                decimal::push(&mut sheet, r);
                sheet.push_str("\" t=\"inlineStr\"><is><t>");
                sheet.push_str(item);
                sheet.push_str("</t></is></c><c r=\"B");
                decimal::push(&mut sheet, r);
                sheet.push_str("\"><v>");
                decimal::push(&mut sheet, amount);
                sheet.push('.');
                decimal::push_padded(&mut sheet, cents, 2);
                sheet.push_str("</v></c></row>");
            }
            sheet.push_str("</sheetData></worksheet>");
            let workbook = [
                XML_DECL,
                "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"",
                NS_DOC_REL,
                "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
            ]
            .concat();
            let main = Part::office("xl/workbook.xml", "spreadsheetml.sheet.main", workbook);
            let sheet = Part::office("xl/worksheets/sheet1.xml", "spreadsheetml.worksheet", sheet);
            package(main, Some(("worksheet", sheet)), core)
        }
        FileType::Pptx => {
            let pres = [
                XML_DECL,
                "<p:presentation xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"",
                NS_DOC_REL,
                "\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst><p:sldSz cx=\"12192000\" cy=\"6858000\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>",
            ]
            .concat();
            let mut slide = String::with_capacity(2048);
            slide.extend([
                XML_DECL,
                "<p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"",
                NS_DOC_REL,
                "\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Title\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>",
                &title,
                "</a:t></a:r></a:p>",
            ]);
            for t in &texts[..3] {
                slide.extend(["<a:p><a:r><a:t>", t, "</a:t></a:r></a:p>"]);
            }
            slide.push_str("</p:txBody></p:sp></p:spTree></p:cSld></p:sld>");
            let main = Part::office("ppt/presentation.xml", "presentationml.presentation.main", pres);
            let slide = Part::office("ppt/slides/slide1.xml", "presentationml.slide", slide);
            package(main, Some(("slide", slide)), core)
        }
        _ => {
            let mut readme = [&title, "\r\n\r\n"].concat();
            for t in &texts[..2] {
                readme.push_str(t);
                readme.push_str("\r\n");
            }
            (vec![entry("README.txt", readme)], "data/part-0001.bin".to_string())
        }
    };
    let container = Container { entries, bulk_name: bulk, time: entry_time(spec.stamp) };
    Envelope { prefix: container.prefix().into(), body: Body::Random, trailer: Trailer::Zip(container) }
}
