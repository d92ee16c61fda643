//! One manifest record, written straight into the output buffer: a file's values as JSON or
//! CSV, with the escaping, times and flags each format wants.

use synthfs_model::{FileAttrs, Role, Timestamp};

use super::{Format, RECORD_BYTES};

/// The ends of records outside any event's cohort, rendered once for each set of flags.
pub(super) fn tails(format: Format) -> Vec<Vec<u8>> {
    (0..16)
        .map(|flags| {
            let mut out = Vec::new();
            tail(format, "", flags, &mut out);
            out
        })
        .collect()
}

/// The end of a record: its event and its four flags (see [`Fields::flags`]).
pub(super) fn tail(format: Format, event: &str, flags: usize, out: &mut Vec<u8>) {
    let [hidden, readonly, zone, sparse] = [0, 1, 2, 3].map(|bit| bool_str(flags & (1 << bit) != 0).as_bytes());
    format.before(b"\",\"event\":", out);
    if event.is_empty() {
        format.none(out);
    } else {
        format.text(event, out);
    }
    for (key, value) in [
        (&b",\"hidden\":"[..], hidden),
        (b",\"readonly\":", readonly),
        (b",\"zone_identifier\":", zone),
        (b",\"sparse\":", sparse),
    ] {
        format.before(key, out);
        out.extend_from_slice(value);
    }
    out.extend_from_slice(match format {
        Format::Jsonl => b"}\n",
        Format::Csv => b"\r\n",
    });
}

/// How each format spells what lies between a record's values.
impl Format {
    /// What goes before a value: in JSON its key, with the quote that closes the string value
    /// before it and the one that opens its own (`json`); in CSV a comma.
    #[inline]
    pub(super) fn before(self, json: &[u8], out: &mut Vec<u8>) {
        match self {
            Format::Jsonl => out.extend_from_slice(json),
            Format::Csv => out.push(b','),
        }
    }

    /// Text from the tree (an extension, a department, an owner): quoted and escaped in JSON,
    /// quoted where it needs to be in CSV.
    #[inline]
    pub(super) fn text(self, s: &str, out: &mut Vec<u8>) {
        match self {
            Format::Jsonl => json_str(s, out),
            Format::Csv => csv_str(s, out),
        }
    }

    /// No value: JSON's `null`, CSV's empty field.
    #[inline]
    fn none(self, out: &mut Vec<u8>) {
        if self == Format::Jsonl {
            out.extend_from_slice(b"null");
        }
    }
}

/// One file's values, written straight into the output.
pub(super) struct Fields<'a> {
    pub(super) a: &'a FileAttrs,
    /// The folder's path with a trailing `/` (empty at the root), escaped for JSON records.
    pub(super) dir: &'a [u8],
    pub(super) name: &'a str,
    /// The owner columns, rendered (see `owner_columns`).
    pub(super) owner: &'a [u8],
    pub(super) department: &'a str,
    /// The file's timestamp class (see `model::classes`).
    pub(super) class: &'static str,
    /// The `[[event]]` whose cohort the file is in, or "".
    pub(super) event: &'a str,
    /// The ends of records outside any event's cohort (see [`tails`]).
    pub(super) tails: &'a [Vec<u8>],
}

impl Fields<'_> {
    /// Hidden, read-only, zone identifier and sparse, one bit each.
    fn flags(&self) -> usize {
        let a = self.a;
        usize::from(a.hidden)
            | usize::from(a.readonly) << 1
            | usize::from(a.zone) << 2
            | usize::from(a.content.sparse.is_some()) << 3
    }

    /// The event and the flags: rendered once for records outside any event's cohort.
    fn tail(&self, format: Format, out: &mut Vec<u8>) {
        let flags = self.flags();
        match self.tails.get(flags).filter(|_| self.event.is_empty()) {
            Some(t) => out.extend_from_slice(t),
            None => tail(format, self.event, flags, out),
        }
    }

    fn role(&self) -> &'static str {
        match self.a.role {
            Role::Original => "original",
            Role::Duplicate { .. } => "duplicate",
            Role::Temp => "temp",
            Role::Junk => "junk",
        }
    }

    fn duplicate_of(&self) -> Option<u64> {
        match self.a.role {
            Role::Duplicate { of } => Some(of + 1),
            _ => None,
        }
    }

    /// The record's path: the folder's part (escaped already for JSON), then the name.
    fn path(&self, format: Format, out: &mut Vec<u8>) {
        match format {
            Format::Jsonl => {
                out.extend_from_slice(b"{\"path\":\"");
                out.extend_from_slice(self.dir);
                json_chars(self.name, out);
            }
            Format::Csv if csv_quoted(self.dir) || csv_quoted(self.name.as_bytes()) => {
                let mut path = String::from_utf8_lossy(self.dir).into_owned();
                path.push_str(self.name);
                csv_str(&path, out);
            }
            Format::Csv => {
                out.extend_from_slice(self.dir);
                out.extend_from_slice(self.name.as_bytes());
            }
        }
    }

    /// The record, a JSON object or a CSV row: its values in [`COLUMNS`](super::COLUMNS) order.
    pub(super) fn write(&self, format: Format, out: &mut Vec<u8>) {
        let a = self.a;
        let mut num = itoa::Buffer::new();
        out.reserve(RECORD_BYTES + self.dir.len() + self.name.len());
        self.path(format, out);
        for (key, n) in
            [(&b"\",\"inode\":"[..], a.index + 1), (b",\"size\":", a.size()), (b",\"allocated\":", a.allocated())]
        {
            format.before(key, out);
            out.extend_from_slice(num.format(n).as_bytes());
        }
        format.before(b",\"type\":\"", out);
        out.extend_from_slice(type_name(a.ftype()).as_bytes());
        format.before(b"\",\"ext\":", out);
        format.text(a.ext, out);
        format.before(b",\"role\":\"", out);
        out.extend_from_slice(self.role().as_bytes());
        format.before(b"\",\"duplicate_of\":", out);
        match self.duplicate_of() {
            Some(d) => out.extend_from_slice(num.format(d).as_bytes()),
            None => format.none(out),
        }
        out.extend_from_slice(self.owner);
        for (key, n) in [(&b",\"uid\":"[..], a.uid), (b",\"gid\":", a.gid)] {
            format.before(key, out);
            out.extend_from_slice(num.format(n).as_bytes());
        }
        format.before(b",\"department\":", out);
        format.text(self.department, out);
        format.before(b",\"mode\":\"", out);
        mode(a.mode, out);
        for (key, t) in [
            (&b"\",\"created\":\""[..], a.created),
            (b"\",\"modified\":\"", a.modified),
            (b"\",\"accessed\":\"", a.accessed),
        ] {
            format.before(key, out);
            rfc3339(t, out);
        }
        format.before(b"\",\"file_class\":\"", out);
        out.extend_from_slice(self.class.as_bytes());
        self.tail(format, out);
    }
}

/// A JSON string: quotes, backslashes and control characters escaped.
pub(super) fn json_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    json_chars(s, out);
    out.push(b'"');
}

/// The inside of a JSON string (no quotes): quotes, backslashes and control characters escaped.
pub(super) fn json_chars(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    // Almost every name needs no escape: one scan (a fold, not `any`, so it vectorises), one
    // copy.
    if !bytes.iter().fold(false, |seen, &b| seen | (b == b'"') | (b == b'\\') | (b < 0x20)) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Whether a CSV field must be quoted: it holds a comma, a quote or a line break.
pub(super) fn csv_quoted(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub(super) fn csv_str(s: &str, out: &mut Vec<u8>) {
    if csv_quoted(s.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Four octal digits.
pub(super) fn mode(m: u32, out: &mut Vec<u8>) {
    for shift in [9, 6, 3, 0] {
        out.push(b'0' + ((m >> shift) & 7) as u8);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC), as [`synthfs_model::date::format_rfc3339`] writes it.
pub(super) fn rfc3339(t: Timestamp, out: &mut Vec<u8>) {
    let d = synthfs_model::date::Date::of_unix(t.secs);
    if !(0..=9999).contains(&d.year) || t.nanos >= 1_000_000_000 {
        return out.extend_from_slice(synthfs_model::date::format_rfc3339(t.secs, t.nanos).as_bytes());
    }
    let s = t.secs.rem_euclid(86_400) as u32;
    let year = d.year as u32;
    // `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, two digits at a time, built in place and copied once.
    let mut buf = *b"0000-00-00T00:00:00.000000000Z";
    let nanos = t.nanos;
    for (at, v) in [
        (0, year / 100),
        (2, year % 100),
        (5, d.month),
        (8, d.day),
        (11, s / 3600),
        (14, s / 60 % 60),
        (17, s % 60),
        (21, nanos / 1_000_000 % 100),
        (23, nanos / 10_000 % 100),
        (25, nanos / 100 % 100),
        (27, nanos % 100),
    ] {
        buf[at..at + 2].copy_from_slice(&synthfs_model::date::DIGIT_PAIRS[v as usize]);
    }
    buf[20] = b'0' + (nanos / 100_000_000) as u8;
    out.extend_from_slice(&buf);
}

pub(super) fn type_name(t: synthfs_model::FileType) -> &'static str {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        synthfs_model::FileType::ALL
            .iter()
            .map(|t| serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
            .collect()
    });
    names.get(t.ordinal()).map_or("", String::as_str)
}

pub(super) fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}
