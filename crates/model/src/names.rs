//! File names: believable stems by type and folder theme, decorated copies, clutter names,
//! and the Windows rules every generated name obeys.

use super::attrs::{FileAttrs, Original, Role};
use super::date::Date;
use super::filetype::FileType;
use super::plan::{DirKind, DirPlan};
use super::rng::{Purpose, Rng};
use super::tree::Tree;
use super::words;

/// Whether a name is valid on Windows (NTFS / SMB): no reserved characters, no trailing dot
/// or space, not a reserved device name, at most 255 characters.
pub fn is_windows_safe(name: &str) -> bool {
    if name.is_empty() || name.chars().count() > 255 || name.ends_with('.') || name.ends_with(' ') {
        return false;
    }
    if name.chars().any(|c| (c as u32) < 32 || "<>:\"/\\|?*".contains(c)) {
        return false;
    }
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    const RESERVED: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
        "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    !RESERVED.contains(&stem.as_str())
}

/// Makes the unique name in `name` hostile for the share of files `[torture] hostile_names`
/// asks for: a twist of it, kept only while it is unique in its folder too.
pub fn hostile(tree: &Tree, index: u64, name: &mut String, taken: &mut Taken) {
    let t = &tree.model.profile.torture;
    if t.hostile_names <= 0.0 {
        return;
    }
    let mut rng = Rng::new(tree.model.seed, index, Purpose::Hostile);
    if !rng.chance(t.hostile_names) {
        return;
    }
    let twisted = super::torture::twist_name(name, rng.next_u64(), t.control_chars);
    if taken.insert(&twisted) {
        *name = twisted;
    }
}

/// Writes into `out` (emptied first) the name of a file of directory `dir` before it is made
/// unique in its folder; for a copy, `original` is the original
/// [`super::attrs::file_attrs_and_original`] found for it. Every file listed is named, so the
/// name is built in place: one buffer serves a whole folder.
pub fn file_name(tree: &Tree, dir: &DirPlan, a: &FileAttrs, original: Option<&Original>, out: &mut String) {
    out.clear();
    let mix = tree.model.mix_name(dir.ctx.mix);
    if let DirKind::Torture(t) = dir.ctx.kind {
        out.push_str(&super::torture::file_name(&tree.model.profile.torture, t, a.index - dir.index - 1).0);
        return;
    }
    if dir.ctx.kind == DirKind::Batch {
        Build(out).z(batch_ordinal(tree, dir, a) + 1, 8);
        return push_ext(out, a.ext);
    }
    let mut rng = Rng::new(tree.model.seed, a.index, Purpose::Name);
    match a.content.ftype {
        FileType::ThumbsDb => return out.push_str("Thumbs.db"),
        FileType::DesktopIni => return out.push_str("desktop.ini"),
        FileType::DsStore => return out.push_str(".DS_Store"),
        FileType::OfficeLock => {
            // Word shortens the owner file's name to fit, as `~$` replaces the first letters.
            out.push_str("~$");
            stem(tree, mix, a, &mut rng, out);
            if out[2..].chars().count() > 8 {
                let second = out[2..].char_indices().nth(2).map_or(out.len(), |(i, _)| i + 2);
                out.replace_range(2..second, "");
            }
            return push_ext_always(out, a.ext);
        }
        FileType::Tmp => {
            match rng.below(3) {
                0 => {
                    let n = rng.below(10_000);
                    Build(out).s("~WRL").z(n, 4);
                }
                1 => {
                    out.push('~');
                    stem(tree, mix, a, &mut rng, out);
                }
                _ => {
                    let n = rng.next_u64() as u32;
                    out.push_str(&format!("{n:X}"));
                }
            }
            return out.push_str(".tmp");
        }
        _ => {}
    }
    // A copy is named after the original its attributes were drawn from.
    if let (Role::Duplicate { .. }, Some(Original { attrs: orig, parent })) = (a.role, original) {
        let parent = parent.as_deref().unwrap_or(dir);
        let orig_mix = tree.model.mix_name(parent.ctx.mix);
        let decoration = rng.below(7);
        if decoration == 0 {
            out.push_str("Copy of ");
        }
        push_prefix(tree, parent, orig, out);
        stem(tree, orig_mix, orig, &mut Rng::new(tree.model.seed, orig.index, Purpose::Name), out);
        out.push_str(match decoration {
            1 => " - Copy",
            2 => " (1)",
            3 => " - Final",
            _ => "",
        });
        return push_ext(out, a.ext);
    }
    push_prefix(tree, dir, a, out);
    stem(tree, mix, a, &mut rng, out);
    push_ext(out, a.ext)
}

/// A department's name prefix on a share of its documents (its own random stream, so trees
/// without prefixes keep every other name).
fn push_prefix(tree: &Tree, dir: &DirPlan, a: &FileAttrs, out: &mut String) {
    let m = &tree.model;
    let Some(d) = dir.ctx.department_area().and_then(|d| m.profile.template.departments.get(d as usize)) else {
        return;
    };
    if d.prefixes.is_empty() {
        return;
    }
    let mut rng = Rng::new(m.seed, a.index, Purpose::NamePrefix);
    if rng.chance(m.profile.names.prefix_share) {
        out.push_str(&d.prefixes[rng.below(d.prefixes.len() as u64) as usize]);
    }
}

/// `.ext`, for files with an extension.
fn push_ext(out: &mut String, ext: &str) {
    if !ext.is_empty() {
        push_ext_always(out, ext);
    }
}

/// `.ext`, even an empty one.
fn push_ext_always(out: &mut String, ext: &str) {
    out.push('.');
    out.push_str(ext);
}

/// The file ordinal (from 0) of a file in a numbered folder: its index less the directories
/// before it (the root and the folders up to its own).
fn batch_ordinal(tree: &Tree, dir: &DirPlan, a: &FileAttrs) -> u64 {
    let position = tree.root().children.partition_point(|c| c.index < dir.index) as u64 + 1;
    a.index - 1 - position
}

/// Appends to `out` a stem for a document of this type in this folder.
fn stem(tree: &Tree, mix: &str, a: &FileAttrs, rng: &mut Rng, out: &mut String) {
    let start = out.len();
    let d = Date::of_unix(a.modified.secs);
    let noun = *rng.pick(words::doc_nouns(mix));
    let topic = *rng.pick(words::topics(mix));
    let quarter = (d.month - 1) / 3 + 1;
    let month = words::MONTHS[d.month as usize - 1];
    let b = Build(out);
    match a.content.ftype {
        FileType::Jpg => match rng.below(4) {
            0 => b.s("IMG_").z(rng.below(10_000), 4),
            1 => b.s("DSC").z(rng.below(100_000), 5),
            2 => b.s("IMG_").year(d.year).z(d.month.into(), 2).z(d.day.into(), 2).s("_").z(rng.below(240_000), 6),
            _ => b.s(topic).s(" ").date(d),
        },
        FileType::Png => match rng.below(3) {
            0 => b.s("Screenshot ").date(d).s(" ").z(rng.below(24), 2).z(rng.below(60), 2).z(rng.below(60), 2),
            1 => b.s(noun).s(" diagram"),
            _ => b.s("image").z(rng.below(1000), 3),
        },
        FileType::Pdf => match rng.below(5) {
            0 => b.s("Invoice_").z(rng.range(10_000, 99_999), 0),
            1 => b.s("Scan_").year(d.year).z(d.month.into(), 2).z(d.day.into(), 2).s("_").z(rng.below(10_000), 4),
            2 => b.s(noun).s(" - ").s(rng.word(words::COMPANIES)),
            3 => b.s(topic).s(" ").s(noun).s(" ").int(d.year),
            _ => b.s(noun).s(" ").date(d),
        },
        FileType::Xlsx | FileType::Csv => match rng.below(5) {
            0 => b.s("Q").z(quarter.into(), 0).s(" ").s(noun),
            1 => b.s(noun).s(" ").int(d.year),
            2 => b.s(noun).s(" ").s(month).s(" ").int(d.year),
            3 => b.s("export_").year(d.year).z(d.month.into(), 2).z(d.day.into(), 2),
            _ => b.s(topic).s(" ").s(noun),
        },
        FileType::Log => match rng.below(3) {
            0 => b.s(rng.word(words::LOG_COMPONENTS)).s("_").year(d.year).z(d.month.into(), 2).z(d.day.into(), 2),
            1 => b.s("server-").z(rng.below(40), 2),
            _ => b.s(rng.word(words::LOG_COMPONENTS)).s("-").date(d),
        },
        FileType::Eml => b.s(if rng.chance(0.5) { "RE" } else { "FW" }).s(" ").s(noun),
        FileType::Zip => match rng.below(3) {
            0 => b.s(topic).s(" ").int(d.year),
            1 => b.s("backup_").year(d.year).z(d.month.into(), 2).z(d.day.into(), 2),
            _ => b.s(noun).s(" files"),
        },
        FileType::Mp4 => match rng.below(2) {
            0 => b.s("Recording ").date(d),
            _ => b.s("Training - ").s(topic),
        },
        FileType::Iso => b
            .s(rng.word(&[
                "SW_DVD9_Win_Server_2019",
                "ubuntu-22.04-server",
                "SQLServer2019",
                "Office_2021",
                "rhel-9.2-x86_64",
                "VMware-VCSA",
            ]))
            .s("_")
            .s(rng.word(&["English", "x64", "dvd", "amd64"]))
            .s(".")
            .z(rng.below(10), 0),
        FileType::Vhdx | FileType::Vmdk => b
            .s(rng.word(&["VM", "SRV", "APP", "DC", "SQL", "WEB"]))
            .s("-")
            .s(rng.word(&["PRD", "DEV", "TST"]))
            .z(rng.below(100), 2),
        FileType::Bak => b
            .s(rng.word(&["CRM", "ERP", "HRIS", "Finance", "Sales", "DW"]))
            .s("_FULL_")
            .year(d.year)
            .z(d.month.into(), 2)
            .z(d.day.into(), 2),
        FileType::Txt => match rng.below(3) {
            0 => b.s(topic).s(" notes"),
            1 => b.s("README"),
            _ => b.s(noun).s(" ").date(d),
        },
        _ => match rng.below(6) {
            0 => b.s("Meeting Notes ").date(d),
            1 => b.s("Q").z(quarter.into(), 0).s(" ").s(noun),
            2 => b.s(noun).s(" ").int(d.year),
            3 => b.s(topic).s(" ").s(noun),
            4 => b.s(noun).s(" - ").s(rng.word(words::COMPANIES)),
            _ => b.s(noun),
        },
    };
    let names = &tree.model.profile.names;
    if rng.chance(names.suffix_share) {
        match &names.suffixes {
            Some(own) => out.push_str(&own[rng.below(own.len() as u64) as usize]),
            None => out.push_str(rng.word(words::NAME_SUFFIXES)),
        }
    }
    // All ASCII, so a byte scan finds them (no UTF-8 byte of another character matches): one
    // table load a byte, and no early exit, so the scan vectorises.
    if out[start..].bytes().fold(false, |seen, b| seen | RESERVED_BYTE[usize::from(b)]) {
        let fixed = out[start..].replace(RESERVED, "-");
        out.truncate(start);
        out.push_str(&fixed);
    }
}

/// The characters Windows does not allow in names.
const RESERVED: [char; 9] = ['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// Whether a byte is one of [`RESERVED`], by value.
const RESERVED_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < RESERVED.len() {
        table[RESERVED[i] as usize] = true;
        i += 1;
    }
    table
};

/// A name built piece by piece at the end of a buffer: what `format!` gives, without its
/// machinery (a name is made for every file listed).
struct Build<'a>(&'a mut String);

impl Build<'_> {
    fn s(self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    /// `v` in decimal, zero-padded to `width` digits (`{:0width$}`).
    fn z(self, v: u64, width: usize) -> Self {
        crate::decimal::push_padded(self.0, v, width);
        self
    }

    /// A signed number (`{}`).
    fn int(self, v: i32) -> Self {
        self.0.push_str(itoa::Buffer::new().format(v));
        self
    }

    /// A year in four digits at least (`{:04}`).
    fn year(self, y: i32) -> Self {
        crate::decimal::push_year(self.0, y);
        self
    }

    /// `YYYY-MM-DD`, as [`Date`] displays.
    fn date(self, d: Date) -> Self {
        crate::decimal::push_date(self.0, d);
        self
    }
}

/// Names already used in one folder, compared case-insensitively (as Windows and SMB compare
/// them), kept as 64-bit fingerprints of the lower-cased name so a check allocates nothing.
/// Two different names with one fingerprint (odds about 2^-64 per pair) would only give the
/// second a ` (2)`: names stay unique and deterministic.
#[derive(Default)]
pub struct Taken {
    set: WordSet<u64>,
    /// Where [`make_unique`] builds its candidates.
    scratch: String,
}

impl Taken {
    /// A set with room for `n` names.
    pub fn with_capacity(n: usize) -> Taken {
        Taken {
            set: std::collections::HashSet::with_capacity_and_hasher(n, Default::default()),
            scratch: String::new(),
        }
    }

    /// Records `name`; `false` if a name equal to it but for case was there already.
    pub fn insert(&mut self, name: &str) -> bool {
        self.set.insert(fingerprint_folded(name))
    }
}

/// A 64-bit hash of the UTF-8 of the lower-cased characters, eight bytes at a step.
fn fingerprint_folded(name: &str) -> u64 {
    if name.is_ascii() {
        return fingerprint_lowered(name.as_bytes(), true);
    }
    let lower: String = name.chars().flat_map(char::to_lowercase).collect();
    fingerprint_lowered(lower.as_bytes(), false)
}

/// Hashes `bytes` a word at a time, ASCII upper case lowered first when `ascii` (every byte
/// below 0x80 then, so adding to a byte never carries into the next).
pub(crate) fn fingerprint_lowered(bytes: &[u8], ascii: bool) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let lower = |w: u64| {
        if !ascii {
            return w;
        }
        // High bit set in bytes >= 'A' and in bytes > 'Z': upper case is the first without the
        // second; its 0x80 shifted down is the 0x20 that lowers it.
        let from_a = w.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
        let past_z = w.wrapping_add(0x2525_2525_2525_2525);
        w | ((from_a & !past_z & HIGH) >> 2)
    };
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = super::rng::mix64(h ^ lower(u64::from_le_bytes(word)));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = super::rng::mix64(h ^ lower(tail_word(rest)));
    }
    h
}

/// The bytes of `rest` (fewer than eight) as a little-endian word, zero above them: what
/// copying them into a zeroed `[u8; 8]` and reading it gives, without the copy (whose small
/// stores the wide load then waits for: a quarter of the time of naming sub-folders).
#[inline]
fn tail_word(rest: &[u8]) -> u64 {
    let mut word = 0u64;
    let mut shift = 0;
    let mut rest = rest;
    if let Some((four, tail)) = rest.split_first_chunk::<4>() {
        word = u64::from(u32::from_le_bytes(*four));
        (shift, rest) = (32, tail);
    }
    if let Some((two, tail)) = rest.split_first_chunk::<2>() {
        word |= u64::from(u16::from_le_bytes(*two)) << shift;
        (shift, rest) = (shift + 16, tail);
    }
    if let Some(&one) = rest.first() {
        word |= u64::from(one) << shift;
    }
    word
}

/// A fast hasher for sets of names the model made (no untrusted keys, so no need for
/// SipHash's resistance to flooding): bytes hashed a word at a time, and a `u64` key (a
/// [`Taken`] name's fingerprint, a hash already) passed through.
#[derive(Default)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = super::rng::mix64(self.0 ^ fingerprint_lowered(bytes, false));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of strings (or of their fingerprints) hashed with [`WordHasher`].
pub type WordSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<WordHasher>>;

/// A map from strings hashed with [`WordHasher`].
pub type WordMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

/// Makes `name` unique among `taken` by adding ` (2)`, ` (3)`, ... before the extension, as
/// Windows Explorer does.
pub fn make_unique(name: &mut String, taken: &mut Taken) {
    if taken.insert(name) {
        return;
    }
    let dot = match name.rfind('.') {
        Some(i) if i > 0 => i,
        _ => name.len(),
    };
    // Candidates are built in the set's own buffer: no allocation per try.
    let mut candidate = std::mem::take(&mut taken.scratch);
    for k in 2u64.. {
        candidate.clear();
        candidate.push_str(&name[..dot]);
        candidate.push_str(" (");
        candidate.push_str(itoa::Buffer::new().format(k));
        candidate.push(')');
        candidate.push_str(&name[dot..]);
        if taken.insert(&candidate) {
            break;
        }
    }
    std::mem::swap(name, &mut candidate);
    taken.scratch = candidate;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `build` appends to an empty buffer.
    fn built(build: impl FnOnce(Build<'_>) -> Build<'_>) -> String {
        let mut out = String::new();
        build(Build(&mut out));
        out
    }

    /// The tail's word is the zero-padded copy's, for every length and every byte.
    #[test]
    fn a_tail_reads_as_its_zero_padded_copy() {
        let bytes: Vec<u8> = (0..=255u8).rev().chain(0..=255).collect();
        for len in 0..8 {
            for start in 0..bytes.len() - len {
                let rest = &bytes[start..start + len];
                let mut word = [0u8; 8];
                word[..len].copy_from_slice(rest);
                assert_eq!(tail_word(rest), u64::from_le_bytes(word), "{rest:?}");
            }
        }
    }

    #[test]
    fn names_built_piece_by_piece_read_as_format_writes_them() {
        for v in [0u64, 7, 42, 999, 1_000, 99_999, 240_000, u64::from(u32::MAX)] {
            for w in [0, 2, 4, 6] {
                assert_eq!(built(|b| b.z(v, w)), format!("{v:0w$}"));
            }
        }
        for y in [-44, 0, 7, 999, 1999, 2026, 10_000] {
            assert_eq!(built(|b| b.year(y)), format!("{y:04}"));
            assert_eq!(built(|b| b.int(y)), format!("{y}"));
            let d = Date { year: y, month: 3, day: 9 };
            assert_eq!(built(|b| b.s("x ").date(d)), format!("x {d}"));
        }
    }

    /// The byte table marks exactly the characters Windows refuses (profiles are checked for
    /// them, so the stem's scan is the last guard).
    #[test]
    fn the_reserved_byte_table_marks_the_reserved_characters() {
        for b in 0..=255u8 {
            assert_eq!(RESERVED_BYTE[usize::from(b)], RESERVED.contains(&char::from(b)), "{b}");
        }
    }

    #[test]
    fn windows_rules() {
        assert!(is_windows_safe("Q3 Budget Forecast v2.xlsx"));
        assert!(is_windows_safe("~$port.docx"));
        assert!(!is_windows_safe("CON"));
        assert!(!is_windows_safe("nul.txt"));
        assert!(!is_windows_safe("a:b"));
        assert!(!is_windows_safe("trailing."));
        assert!(!is_windows_safe("trailing "));
        assert!(!is_windows_safe(""));
    }

    #[test]
    fn unique_names_follow_explorer() {
        let mut taken = Taken::default();
        let mut unique = |name: &str| {
            let mut name = name.to_string();
            make_unique(&mut name, &mut taken);
            name
        };
        assert_eq!(unique("Report.docx"), "Report.docx");
        assert_eq!(unique("report.DOCX"), "report (2).DOCX");
        assert_eq!(unique("Report.docx"), "Report (3).docx");
        assert_eq!(unique(".DS_Store"), ".DS_Store");
        // Non-ASCII names fold case too, the same way as ASCII ones.
        assert_eq!(unique("Übersicht.pdf"), "Übersicht.pdf");
        assert_eq!(unique("übersicht.PDF"), "übersicht (2).PDF");
        assert!(taken.insert("Résumé 2.docx") && !taken.insert("RÉSUMÉ 2.DOCX"));
        // A non-ASCII name whose lower case is ASCII clashes with that ASCII name.
        assert!(taken.insert("Kelvin.txt") && !taken.insert("\u{212A}elvin.txt"));
    }

    /// The word-at-a-time lowering agrees with `to_ascii_lowercase` for every ASCII byte at
    /// every position of a word, and only case makes two names' fingerprints equal.
    #[test]
    fn fingerprints_fold_ascii_case_only() {
        for b in 0u8..128 {
            for at in 0..9 {
                let mut name = vec![b'x'; 9];
                name[at] = b;
                let lowered: Vec<u8> = name.iter().map(u8::to_ascii_lowercase).collect();
                assert_eq!(fingerprint_lowered(&name, true), fingerprint_lowered(&lowered, false), "{b} at {at}");
            }
        }
        let names =
            ["a", "b", "ab", "ba", "a ", "abcdefgh", "abcdefgh1", "abcdefgi", "Q3 Budget.xlsx", "Q3 Budget.xls"];
        for (i, x) in names.iter().enumerate() {
            for y in &names[i + 1..] {
                assert_ne!(fingerprint_folded(x), fingerprint_folded(y), "{x} / {y}");
            }
            assert_eq!(fingerprint_folded(x), fingerprint_folded(&x.to_uppercase()));
        }
        // A name and the same name padded with NULs to a whole word differ.
        assert_ne!(fingerprint_folded("abc"), fingerprint_folded("abc\0\0\0\0\0"));
    }
}
