//! E-discovery load files: Concordance DAT (þ-qualified fields separated by U+0014, CR LF
//! records, a header row) and Opticon OPT (one comma-separated line per page image).

use std::io::{self, Write};

/// Text encodings a DAT may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 with a byte-order mark (what review platforms detect most reliably).
    Utf8,
    /// UTF-8 without a byte-order mark.
    Utf8NoBom,
    /// UTF-16 little-endian with a byte-order mark.
    Utf16,
    /// Windows-1252 ("ANSI"); characters it lacks become '?'.
    Cp1252,
}

/// How dates are written in the DAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateFormat {
    /// MM/DD/YYYY, as US production specifications ask.
    Us,
    /// YYYY-MM-DD.
    Iso,
}

pub const SEPARATOR: char = '\u{14}';
pub const QUOTE: char = '\u{fe}';
/// What a line break inside a value becomes.
pub const NEWLINE: char = '\u{ae}';

/// Which hash columns a load file carries (each costs hashing every document).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hashes {
    pub md5: bool,
    pub sha1: bool,
}

impl Hashes {
    pub const BOTH: Hashes = Hashes { md5: true, sha1: true };
}

/// How a DAT (and the CSV's line ends and byte-order mark) is written: Concordance's defaults
/// are þ, DC4, ® and CR LF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub separator: char,
    pub quote: char,
    /// What a line break inside a value becomes.
    pub newline: char,
    /// CR LF (the default), or LF.
    pub crlf: bool,
    /// Start with the encoding's byte-order mark (UTF-8, UTF-16), the default.
    pub bom: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style { separator: SEPARATOR, quote: QUOTE, newline: NEWLINE, crlf: true, bom: true }
    }
}

impl Style {
    fn eol(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }
}

/// A delimiter as the command line gives it: `ascii:N` (a code point from 0 to 255, as in
/// Concordance's settings: ascii:20 is DC4, ascii:254 is þ) or `char:C`.
pub fn parse_delimiter(spec: &str) -> Result<char, String> {
    if let Some(n) = spec.strip_prefix("ascii:") {
        let n: u8 = n.parse().map_err(|_| format!("{spec}: ascii:N takes a number from 0 to 255"))?;
        return Ok(char::from(n));
    }
    if let Some(c) = spec.strip_prefix("char:") {
        let mut chars = c.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(c);
        }
    }
    Err(format!("{spec}: expected ascii:N or char:C (one character)"))
}

/// Which optional columns a load file carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColumnSet {
    /// BEGDOC and ENDDOC (Bates numbers).
    pub bates: bool,
    /// BEGATTACH, ENDATTACH, PARENTID and ATTACHCOUNT (e-mail families).
    pub families: bool,
    /// PGCOUNT (documents imaged as pages).
    pub pages: bool,
    /// NATIVEPATH (a production's native files).
    pub native: bool,
    pub hashes: Hashes,
    /// TEXTPATH (extracted text).
    pub text: bool,
}

/// The columns, in order: DOCID, BEGDOC and ENDDOC with Bates numbers, the family columns, the
/// document's fields, the hash columns asked for, TEXTPATH with extracted text.
pub fn columns(set: ColumnSet) -> Vec<&'static str> {
    let mut c = vec!["DOCID"];
    if set.bates {
        c.extend(["BEGDOC", "ENDDOC"]);
    }
    if set.families {
        c.extend(["BEGATTACH", "ENDATTACH", "PARENTID", "ATTACHCOUNT"]);
    }
    c.extend(["FILENAME", "FILEEXT", "FILESIZE"]);
    if set.pages {
        c.push("PGCOUNT");
    }
    c.push("FILEPATH");
    if set.native {
        c.push("NATIVEPATH");
    }
    c.extend(["CUSTODIAN", "AUTHOR", "DATECREATED", "DATELASTMOD"]);
    if set.hashes.md5 {
        c.push("MD5HASH");
    }
    if set.hashes.sha1 {
        c.push("SHA1HASH");
    }
    if set.text {
        c.push("TEXTPATH");
    }
    c
}

/// The columns of the plainest load file, with text, Bates and hash columns as asked.
pub fn columns_for(text: bool, bates: bool, hashes: Hashes) -> Vec<&'static str> {
    columns(ColumnSet { bates, hashes, text, ..ColumnSet::default() })
}

/// How a load file's records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowFormat {
    /// Concordance DAT: every value qualified, line breaks inside values replaced.
    Dat,
    /// RFC 4180 CSV: values quoted only when they need it.
    Csv,
}

/// Writes the rows of a DAT or CSV load file in one encoding.
pub struct RowWriter<W: Write> {
    out: W,
    format: RowFormat,
    encoding: Encoding,
    style: Style,
    line: String,
    bytes: Vec<u8>,
}

impl<W: Write> RowWriter<W> {
    /// Starts a load file: the byte-order mark if the encoding has one, and the header row.
    pub fn new(
        mut out: W,
        format: RowFormat,
        encoding: Encoding,
        header: &[&str],
        style: Style,
    ) -> io::Result<RowWriter<W>> {
        out.write_all(bom(encoding, style))?;
        let mut w = RowWriter { out, format, encoding, style, line: String::new(), bytes: Vec::new() };
        w.row(header)?;
        Ok(w)
    }

    /// One record.
    pub fn row<S: AsRef<str>>(&mut self, values: &[S]) -> io::Result<()> {
        match self.format {
            RowFormat::Dat => format_row(values, &mut self.line, self.style),
            RowFormat::Csv => format_csv_row(values, &mut self.line, self.style),
        }
        encode(&self.line, self.encoding, &mut self.bytes);
        self.out.write_all(&self.bytes)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A record as text: every value qualified, line breaks inside values replaced, CR LF at the end.
fn format_row<S: AsRef<str>>(values: &[S], line: &mut String, style: Style) {
    line.clear();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            line.push(style.separator);
        }
        line.push(style.quote);
        let mut chars = v.as_ref().chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line.push(style.newline);
                }
                '\n' => line.push(style.newline),
                c if c == style.quote || c == style.separator => line.push('?'),
                c => line.push(c),
            }
        }
        line.push(style.quote);
    }
    line.push_str(style.eol());
}

/// Bytes a record takes in an encoding.
pub fn row_len<S: AsRef<str>>(values: &[S], encoding: Encoding, style: Style) -> usize {
    let mut line = String::new();
    format_row(values, &mut line, style);
    let mut bytes = Vec::new();
    encode(&line, encoding, &mut bytes);
    bytes.len()
}

/// Bytes of the byte-order mark and header row.
pub fn preamble_len(encoding: Encoding, header: &[&str], style: Style) -> usize {
    bom(encoding, style).len() + row_len(header, encoding, style)
}

/// A date as the DAT writes it.
pub fn format_date(secs: i64, f: DateFormat) -> String {
    let d = synthfs_model::date::Date::of_unix(secs);
    match f {
        DateFormat::Us => format!("{:02}/{:02}/{:04}", d.month, d.day, d.year),
        DateFormat::Iso => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
    }
}

/// The byte-order mark a load file in this encoding starts with (none for some).
fn bom(encoding: Encoding, style: Style) -> &'static [u8] {
    if !style.bom {
        return b"";
    }
    match encoding {
        Encoding::Utf8 => b"\xEF\xBB\xBF",
        Encoding::Utf16 => b"\xFF\xFE",
        Encoding::Utf8NoBom | Encoding::Cp1252 => b"",
    }
}

/// Encodes text into `out` (cleared first).
pub fn encode(s: &str, encoding: Encoding, out: &mut Vec<u8>) {
    out.clear();
    match encoding {
        Encoding::Utf8 | Encoding::Utf8NoBom => out.extend_from_slice(s.as_bytes()),
        Encoding::Utf16 => {
            for u in s.encode_utf16() {
                out.extend_from_slice(&u.to_le_bytes());
            }
        }
        Encoding::Cp1252 => out.extend(s.chars().map(cp1252)),
    }
}

/// Windows-1252 byte of a character ('?' when it has none).
fn cp1252(c: char) -> u8 {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) {
        return u as u8;
    }
    HIGH.iter().position(|&h| h == c).map_or(b'?', |i| 0x80 + i as u8)
}

/// One Opticon line for a single-page image document.
pub fn opt_line(docid: &str, volume: &str, image_path: &str) -> String {
    page_line(docid, volume, image_path, Some(1))
}

/// One Opticon line: a page's image key, volume and image path; the first page of a document
/// carries the document break (`Y`) and the page count, later pages leave both empty.
pub fn page_line(key: &str, volume: &str, image_path: &str, first_of: Option<u32>) -> String {
    match first_of {
        Some(pages) => format!("{key},{volume},{image_path},Y,,,{pages}\r\n"),
        None => format!("{key},{volume},{image_path},,,,\r\n"),
    }
}

/// Parses a DAT back into rows (the header first); for tests and for users' checks.
pub fn parse_dat(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8(rest.to_vec()).map_err(|e| e.to_string())?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|e| e.to_string())?
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?
    };
    let mut rows = Vec::new();
    for (n, line) in text.split("\r\n").enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut row = Vec::new();
        for field in line.split(SEPARATOR) {
            let inner = field
                .strip_prefix(QUOTE)
                .and_then(|f| f.strip_suffix(QUOTE))
                .ok_or_else(|| format!("line {}: field {field:?} is not qualified with þ", n + 1))?;
            row.push(inner.replace(NEWLINE, "\n"));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Bates numbering: a prefix and a zero-padded number per document, from `start`. Natives are
/// produced one number each (one slip-sheet page), so BEGDOC and ENDDOC are equal and the
/// numbers run on without gaps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bates {
    pub prefix: String,
    pub start: u64,
    pub digits: u32,
}

impl Bates {
    /// The number of the document with this ordinal (from 0).
    pub fn number(&self, ordinal: u64) -> String {
        format!("{}{:0width$}", self.prefix, self.start + ordinal, width = self.digits as usize)
    }

    /// Whether `documents` numbers fit in the digits.
    pub fn fits(&self, documents: u64) -> bool {
        let last = self.start.saturating_add(documents.saturating_sub(1));
        10u64.checked_pow(self.digits).is_none_or(|limit| last < limit)
    }
}

/// A record as CSV text: RFC 4180 quoting (a value is quoted when it holds a comma, a quote
/// or a line break), the style's line end.
fn format_csv_row<S: AsRef<str>>(values: &[S], line: &mut String, style: Style) {
    line.clear();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_field(v.as_ref()));
    }
    line.push_str(style.eol());
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180): the CSV load
/// file's values and the checksum manifest's paths.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")).into() } else { s.into() }
}

/// One document of an EDRM XML load file.
pub struct XmlDocument<'a> {
    pub docid: &'a str,
    /// Column names and values, as in the DAT (DOCID excluded).
    pub tags: Vec<(&'a str, &'a str)>,
    pub folder: &'a str,
    pub name: &'a str,
    pub size: u64,
    /// MD5 of the native, hex; empty when not computed.
    pub md5: &'a str,
    pub text_path: Option<&'a str>,
    /// The page images (a multi-page TIFF) and their count.
    pub image: Option<(&'a str, u32)>,
}

/// An EDRM XML 1.2 load file (UTF-8): a batch of documents, each with its fields as tags and
/// its native (and extracted text) as external files.
pub struct XmlWriter<W: Write> {
    out: W,
    buf: String,
    /// Families as (parent, attachment) control numbers, written after the documents.
    relationships: Vec<(String, String)>,
}

impl<W: Write> XmlWriter<W> {
    pub fn new(mut out: W) -> io::Result<XmlWriter<W>> {
        out.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Root DataInterchangeType=\"Update\" Description=\"synthfs\">\r\n  <Batch>\r\n    <Documents>\r\n",
        )?;
        Ok(XmlWriter { out, buf: String::new(), relationships: Vec::new() })
    }

    pub fn document(&mut self, d: &XmlDocument) -> io::Result<()> {
        use std::fmt::Write as _;
        let b = &mut self.buf;
        b.clear();
        let _ = write!(b, "      <Document DocID=\"{}\" DocType=\"File\">\r\n        <Tags>\r\n", xml_escape(d.docid));
        for (name, value) in &d.tags {
            let kind = if name.starts_with("DATE") {
                "DateTime"
            } else if *name == "FILESIZE" {
                "Integer"
            } else {
                "Text"
            };
            let _ = write!(
                b,
                "          <Tag TagName=\"#{}\" TagDataType=\"{kind}\" TagValue=\"{}\"/>\r\n",
                xml_escape(name),
                xml_escape(value)
            );
        }
        b.push_str("        </Tags>\r\n        <Files>\r\n");
        let _ = write!(
            b,
            "          <File FileType=\"Native\">\r\n            <ExternalFile FilePath=\"{}\" FileName=\"{}\" FileSize=\"{}\"{}/>\r\n          </File>\r\n",
            xml_escape(d.folder),
            xml_escape(d.name),
            d.size,
            if d.md5.is_empty() { String::new() } else { format!(" Hash=\"{}\"", xml_escape(d.md5)) }
        );
        if let Some((path, pages)) = d.image {
            let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
            let _ = write!(
                b,
                "          <File FileType=\"Image\">\r\n            <ExternalFile FilePath=\"{}\" FileName=\"{}\" PageCount=\"{pages}\"/>\r\n          </File>\r\n",
                xml_escape(folder),
                xml_escape(name)
            );
        }
        if let Some(t) = d.text_path {
            let (folder, name) = t.rsplit_once('/').unwrap_or(("", t));
            let _ = write!(
                b,
                "          <File FileType=\"Text\">\r\n            <ExternalFile FilePath=\"{}\" FileName=\"{}\"/>\r\n          </File>\r\n",
                xml_escape(folder),
                xml_escape(name)
            );
        }
        b.push_str("        </Files>\r\n      </Document>\r\n");
        self.out.write_all(b.as_bytes())
    }

    /// Records that `child` is an attachment of `parent` (control numbers).
    pub fn attachment(&mut self, parent: &str, child: &str) {
        self.relationships.push((parent.to_owned(), child.to_owned()));
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"    </Documents>\r\n")?;
        if !self.relationships.is_empty() {
            self.out.write_all(b"    <Relationships>\r\n")?;
            for (parent, child) in &self.relationships {
                writeln!(
                    self.out,
                    "      <Relationship Type=\"Attachment\" ParentDocID=\"{}\" ChildDocID=\"{}\"/>\r",
                    xml_escape(parent),
                    xml_escape(child)
                )?;
            }
            self.out.write_all(b"    </Relationships>\r\n")?;
        }
        self.out.write_all(b"  </Batch>\r\n</Root>\r\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Text as an XML attribute value: markup escaped, characters XML 1.0 forbids replaced.
fn xml_escape(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || (c < ' ' && !matches!(c, '\t' | '\n' | '\r'));
    if !s.contains(bad) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c < ' ' && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DAT in `encoding` with the header row and one record.
    fn dat(encoding: Encoding, row: &[&str]) -> Vec<u8> {
        let header = columns_for(false, false, Hashes::BOTH);
        let mut w = RowWriter::new(Vec::new(), RowFormat::Dat, encoding, &header, Style::default()).unwrap();
        w.row(row).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn dat_round_trips_in_every_encoding() {
        for enc in [Encoding::Utf8, Encoding::Utf8NoBom, Encoding::Utf16] {
            let bytes = dat(enc, &["DOC00000001", "Müller\r\nnotes.docx", ""]);
            let rows = parse_dat(&bytes).unwrap();
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[0][0], "DOCID");
            assert_eq!(rows[1], vec!["DOC00000001", "Müller\nnotes.docx", ""]);
        }
    }

    #[test]
    fn bytes_are_the_concordance_ones() {
        let bytes = dat(Encoding::Cp1252, &["a", "€"]);
        assert!(bytes.ends_with(b"\xFEa\xFE\x14\xFE\x80\xFE\r\n"));
        let bytes = dat(Encoding::Utf8, &["a"]);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF\xC3\xBEDOCID\xC3\xBE\x14"));
        assert!(bytes.ends_with(b"\xC3\xBEa\xC3\xBE\r\n"));
    }

    #[test]
    fn opticon_line() {
        assert_eq!(opt_line("DOC1", "VOL001", "f/1.jpg"), "DOC1,VOL001,f/1.jpg,Y,,,1\r\n");
    }

    #[test]
    fn bates_numbers_run_on_and_know_their_width() {
        let b = Bates { prefix: "ABC".into(), start: 998, digits: 4 };
        assert_eq!(b.number(0), "ABC0998");
        assert_eq!(b.number(3), "ABC1001");
        assert!(b.fits(9002) && !b.fits(9003));
        assert_eq!(columns_for(false, true, Hashes::default())[..3], ["DOCID", "BEGDOC", "ENDDOC"]);
        assert!(!columns_for(false, false, Hashes::default()).contains(&"MD5HASH"));
        assert_eq!(parse_delimiter("ascii:20"), Ok('\u{14}'));
        assert_eq!(parse_delimiter("ascii:254"), Ok('þ'));
        assert_eq!(parse_delimiter("char:|"), Ok('|'));
        assert!(
            parse_delimiter("ascii:300").is_err()
                && parse_delimiter("char:ab").is_err()
                && parse_delimiter("|").is_err()
        );
    }

    #[test]
    fn csv_and_xml_escape_what_they_must() {
        let mut csv =
            RowWriter::new(Vec::new(), RowFormat::Csv, Encoding::Utf8NoBom, &["A", "B"], Style::default()).unwrap();
        csv.row(&["x,y", "say \"hi\""]).unwrap();
        let text = String::from_utf8(csv.finish().unwrap()).unwrap();
        assert_eq!(text, "A,B\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\u{fffd}");
        assert_eq!(xml_escape("plain"), "plain");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a/b.txt"), "a/b.txt");
        assert_eq!(csv_field("a, \"b\".txt"), "\"a, \"\"b\"\".txt\"");
    }
}
