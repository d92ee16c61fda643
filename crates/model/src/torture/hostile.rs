//! What makes an entry hostile to scanners, from its path, name and metadata (or a symbolic
//! link's target): [`classify`] names the kinds, so `stats` counts them the same way for the
//! model and for a real tree.

use super::LinkEnd;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hostile {
    /// A name of exactly 255 bytes (the Linux and NTFS limit).
    Name255Bytes,
    /// The same, in multi-byte UTF-8.
    Name255BytesMultibyte,
    /// A path longer than Windows' MAX_PATH (260 characters).
    PathOver260,
    /// A path longer than Linux's PATH_MAX (4096 bytes).
    PathOver4096,
    /// A decomposed (NFD) name: the same-looking NFC name may sit beside it.
    Decomposed,
    RightToLeft,
    Emoji,
    CombiningMarks,
    /// Another entry of the folder has the same name but for case.
    CaseTwins,
    TrailingDotOrSpace,
    LeadingDash,
    LeadingSpace,
    ControlCharacters,
    WindowsReservedName,
    WindowsForbiddenCharacter,
    /// No-break or zero-width spaces, compatibility look-alikes.
    InvisibleOrLookalike,
    Mode000,
    SetgidFolder,
    ZeroBytes,
    /// 4 GiB or more (ZIP needs ZIP64, FAT32 refuses it).
    Over4GiB,
    TimeAtEpoch,
    TimeBefore1970,
    TimeAfter2038,
    TimeInFuture,
    ModifiedBeforeCreated,
    /// A name of a file that has several (`st_nlink` above 1).
    HardLink,
    Symlink,
    /// A symbolic link to an absolute path (it leaves the share).
    SymlinkAbsolute,
    SymlinkToFolder,
    SymlinkDangling,
    /// A symbolic link that resolves to itself through others (ELOOP).
    SymlinkLoop,
}

impl Hostile {
    /// The kind's name in `stats` and its JSON.
    pub fn key(self) -> &'static str {
        match self {
            Hostile::Name255Bytes => "name-255-bytes",
            Hostile::Name255BytesMultibyte => "name-255-bytes-multibyte",
            Hostile::PathOver260 => "path-over-260",
            Hostile::PathOver4096 => "path-over-4096",
            Hostile::Decomposed => "decomposed-nfd",
            Hostile::RightToLeft => "right-to-left",
            Hostile::Emoji => "emoji",
            Hostile::CombiningMarks => "combining-marks",
            Hostile::CaseTwins => "case-twins",
            Hostile::TrailingDotOrSpace => "trailing-dot-or-space",
            Hostile::LeadingDash => "leading-dash",
            Hostile::LeadingSpace => "leading-space",
            Hostile::ControlCharacters => "control-characters",
            Hostile::WindowsReservedName => "windows-reserved-name",
            Hostile::WindowsForbiddenCharacter => "windows-forbidden-character",
            Hostile::InvisibleOrLookalike => "invisible-or-lookalike",
            Hostile::Mode000 => "mode-000",
            Hostile::SetgidFolder => "setgid-folder",
            Hostile::ZeroBytes => "zero-bytes",
            Hostile::Over4GiB => "over-4gib",
            Hostile::TimeAtEpoch => "time-at-epoch",
            Hostile::TimeBefore1970 => "time-before-1970",
            Hostile::TimeAfter2038 => "time-after-2038",
            Hostile::TimeInFuture => "time-in-future",
            Hostile::ModifiedBeforeCreated => "modified-before-created",
            Hostile::HardLink => "hard-link",
            Hostile::Symlink => "symlink",
            Hostile::SymlinkAbsolute => "symlink-absolute",
            Hostile::SymlinkToFolder => "symlink-to-folder",
            Hostile::SymlinkDangling => "symlink-dangling",
            Hostile::SymlinkLoop => "symlink-loop",
        }
    }
}

/// What [`classify`] looks at.
pub struct Seen<'a> {
    pub path_len: usize,
    pub name: &'a str,
    pub is_dir: bool,
    pub mode: u32,
    pub size: u64,
    pub modified: i64,
    /// When known.
    pub created: Option<i64>,
    /// The end of the tree's date range (later is the future).
    pub now: i64,
    /// Whether another entry of the folder differs only in case.
    pub case_twin: bool,
    /// Names the file has (`st_nlink`; 1 for folders).
    pub nlink: u32,
}

/// The hostile kinds of one entry.
pub fn classify(s: &Seen) -> Vec<Hostile> {
    let mut k = Vec::new();
    let n = s.name;
    if n.len() == 255 {
        k.push(if n.is_ascii() { Hostile::Name255Bytes } else { Hostile::Name255BytesMultibyte });
    }
    if s.path_len > 260 {
        k.push(Hostile::PathOver260);
    }
    if s.path_len > 4096 {
        k.push(Hostile::PathOver4096);
    }
    let combining = |c: char| matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF);
    if n.chars().zip(n.chars().skip(1)).any(|(a, b)| a.is_ascii_alphabetic() && combining(b))
        && n.chars().filter(|c| combining(*c)).count() <= 2
    {
        k.push(Hostile::Decomposed);
    }
    if n.chars().any(|c| matches!(c as u32, 0x590..=0x8FF | 0x202A..=0x202E | 0x2066..=0x2069)) {
        k.push(Hostile::RightToLeft);
    }
    if n.chars().any(|c| matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF)) {
        k.push(Hostile::Emoji);
    }
    if n.chars().filter(|c| combining(*c)).count() > 2 {
        k.push(Hostile::CombiningMarks);
    }
    if s.case_twin {
        k.push(Hostile::CaseTwins);
    }
    if n.ends_with('.') || n.ends_with(' ') {
        k.push(Hostile::TrailingDotOrSpace);
    }
    if n.starts_with('-') {
        k.push(Hostile::LeadingDash);
    }
    if n.starts_with(' ') {
        k.push(Hostile::LeadingSpace);
    }
    if n.chars().any(|c| (c as u32) < 32 || c == '\u{7f}') {
        k.push(Hostile::ControlCharacters);
    }
    let stem = n.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    const RESERVED: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1",
        "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    if RESERVED.contains(&stem.as_str()) {
        k.push(Hostile::WindowsReservedName);
    }
    if n.contains(['<', '>', ':', '"', '\\', '|', '?', '*']) {
        k.push(Hostile::WindowsForbiddenCharacter);
    }
    if n.chars()
        .any(|c| matches!(c as u32, 0xA0 | 0x200B..=0x200D | 0x2060 | 0xFEFF | 0x212A | 0x212B | 0xFB00..=0xFB06))
    {
        k.push(Hostile::InvisibleOrLookalike);
    }
    if s.mode & 0o777 == 0 {
        k.push(Hostile::Mode000);
    }
    if s.is_dir && s.mode & 0o2000 != 0 {
        k.push(Hostile::SetgidFolder);
    }
    if !s.is_dir {
        if s.size == 0 {
            k.push(Hostile::ZeroBytes);
        }
        if s.size >= 4 << 30 {
            k.push(Hostile::Over4GiB);
        }
        if s.modified == 0 {
            k.push(Hostile::TimeAtEpoch);
        }
        if s.modified < 0 {
            k.push(Hostile::TimeBefore1970);
        }
        if s.modified > i64::from(i32::MAX) {
            k.push(Hostile::TimeAfter2038);
        }
        if s.modified > s.now {
            k.push(Hostile::TimeInFuture);
        }
        if s.created.is_some_and(|c| c > s.modified) {
            k.push(Hostile::ModifiedBeforeCreated);
        }
        if s.nlink > 1 {
            k.push(Hostile::HardLink);
        }
    }
    k
}

/// The hostile kinds of a symbolic link, from its target and what following it found.
pub fn classify_symlink(target: &[u8], end: LinkEnd) -> Vec<Hostile> {
    let mut k = vec![Hostile::Symlink];
    if target.first() == Some(&b'/') {
        k.push(Hostile::SymlinkAbsolute);
    }
    k.push(match end {
        LinkEnd::File => return k,
        LinkEnd::Dir => Hostile::SymlinkToFolder,
        LinkEnd::Missing => Hostile::SymlinkDangling,
        LinkEnd::Loop => Hostile::SymlinkLoop,
    });
    k
}

/// Which names of a folder have a twin differing only in case.
pub fn case_twins<'a>(names: impl Iterator<Item = &'a str>) -> std::collections::HashSet<String> {
    let mut seen: std::collections::HashMap<String, Vec<&'a str>> = std::collections::HashMap::new();
    for n in names {
        seen.entry(n.to_lowercase()).or_default().push(n);
    }
    seen.into_values().filter(|v| v.len() > 1).flatten().map(str::to_owned).collect()
}
