//! The scanner-torture layout: the impolite parts of real shares, on demand. Under the root:
//!
//! - `names/`: files (and a few folders) whose names break naive tools: the same-looking name in
//!   NFC and NFD, right-to-left text and a right-to-left override, emoji, combining marks, names
//!   differing only in case, trailing dots and spaces, leading dashes, Windows reserved names and
//!   characters, names of exactly 255 bytes (ASCII and multi-byte), and with `control_chars`
//!   newlines, tabs and escape sequences;
//! - `deep/`: a chain of folders with 150-byte names, so paths pass Windows' MAX_PATH (260) at
//!   the second level and Linux's PATH_MAX (4096) below the 27th, with a file at every level;
//! - `metadata/`: mode 000, a locked (000) and a setgid folder, zero bytes, 4 GiB and 5 GiB
//!   sparse files, times at the epoch, before 1970, after 2038, in the future, a modification
//!   before the creation;
//! - `links/`: symbolic links (relative and absolute, to files and folders, dangling, in a
//!   loop, to their own parent) and hard links (one file under three names, one in the
//!   sub-folder `elsewhere/`; another under two);
//! - `huge/`: every remaining file, in one folder.
//!
//! Links are not files: `files` counts file inodes (what `du` counts), so a file with three
//! names is one file, and symbolic links are nodes of their own (inodes after every file and
//! folder). [`Links`] is the table every front end reads them from.
//!
//! [`classify`] names the hostile kinds of any entry from its path, name and metadata, so
//! `stats` counts them the same way for the model and for a real tree.
//!
//! This file holds the layout's knobs, names, specimens and links; the classification of
//! hostile entries is in `hostile.rs`.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::filetype::FileType;

mod hostile;

pub use hostile::{Hostile, Seen, case_twins, classify, classify_symlink};

/// The torture layout's knobs (`[torture]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Torture {
    /// Names with newlines, tabs, escape sequences and other control characters (POSIX only:
    /// Windows and most scanners' reports cannot hold them).
    #[serde(default)]
    pub control_chars: bool,
    /// Levels of the `deep/` chain (150-byte names: 27 and more pass PATH_MAX).
    #[serde(default = "default_deep_levels")]
    pub deep_levels: u32,
    /// In any layout: the share of files whose name gets a hostile twist (NFD, right-to-left,
    /// emoji, combining marks, a trailing dot or space, a leading dash or space, a Windows
    /// device stem or forbidden character, an invisible space, 255 bytes; control characters
    /// with `control_chars`).
    #[serde(default)]
    pub hostile_names: f64,
    /// In any layout: the share of files with odd metadata (mode 000, a time at the epoch,
    /// before 1970, after 2038 or in the future, a modification before the creation).
    #[serde(default)]
    pub odd_metadata: f64,
}

fn default_deep_levels() -> u32 {
    30
}

impl Default for Torture {
    fn default() -> Self {
        Torture { control_chars: false, deep_levels: default_deep_levels(), hostile_names: 0.0, odd_metadata: 0.0 }
    }
}

impl Torture {
    pub fn is_default(&self) -> bool {
        *self == Torture::default()
    }

    /// Folders of the layout, the root included.
    pub fn dir_count(&self) -> u64 {
        // root, names, its folders, deep and its levels, metadata, locked, setgid, links,
        // elsewhere, huge
        1 + 1 + NAMED_DIRS.len() as u64 + 1 + u64::from(self.deep_levels) + 3 + 2 + 1
    }

    /// Files the layout places before `huge/` takes the rest.
    pub fn fixed_files(&self) -> u64 {
        names(self.control_chars).len() as u64
            + u64::from(self.deep_levels)
            + METADATA.len() as u64
            + 2
            + LINKED_FILES.len() as u64
    }
}

/// The folders of the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TortureDir {
    Names,
    /// A folder with a hostile name inside `names/` (no files).
    NamedDir,
    Deep(u16),
    Metadata,
    /// Mode 000.
    Locked,
    /// Setgid (02775).
    Setgid,
    /// Symbolic and hard links, and the files they name.
    Links,
    /// Inside `links/`: a hard link from another folder, a symbolic link upwards.
    Elsewhere,
    Huge,
}

/// Folders with hostile names inside `names/`.
pub const NAMED_DIRS: [&str; 4] = ["-rf dir", "COM1", "\u{1f4c1} Dossier été", "trailing dot dir."];

/// The names of `names/`'s files, in order; all distinct byte for byte.
pub fn names(control_chars: bool) -> &'static [String] {
    static PLAIN: OnceLock<Vec<String>> = OnceLock::new();
    static CONTROL: OnceLock<Vec<String>> = OnceLock::new();
    let build = |control: bool| {
        let mut v: Vec<String> = [
            // The same-looking name, composed (NFC) and decomposed (NFD).
            "café.txt",
            "cafe\u{301}.txt",
            "Résumé 2024.docx",
            "Re\u{301}sume\u{301} 2024.docx",
            // Right to left, and an override that hides an executable's extension.
            "تقرير الميزانية.pdf",
            "דוח רבעוני.xlsx",
            "invoice\u{202e}fdp.exe",
            // Emoji, a joined sequence, combining marks.
            "\u{1f4c1} Budget 2024 \u{1f4b0}.xlsx",
            "family \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}.jpg",
            "Z\u{335}\u{31b}a\u{337}l\u{336}g\u{334}o\u{338} notes.txt",
            // Only case differs (not Windows-safe).
            "Report.docx",
            "report.docx",
            "REPORT.docx",
            // Trailing dots and spaces, leading dashes and spaces.
            "notes.",
            "draft ",
            "...",
            "-rf",
            "--help",
            "-n.log",
            " leading space.txt",
            // Windows reserved device names and characters.
            "CON",
            "NUL.txt",
            "com1.log",
            "LPT9.pdf",
            "aux.c",
            "what?.txt",
            "a:b.txt",
            "star*.csv",
            "\"quoted\".txt",
            "<tag>.html",
            "pipe|name.log",
            "back\\slash.txt",
            // Look-alikes and invisible characters.
            "no\u{a0}break space.txt",
            "zero\u{200b}width.txt",
            "\u{212b}ngström.txt",
            "\u{fb01}nance.pdf",
            ".hidden",
            "#hash; semi & amp %20.txt",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Exactly 255 bytes: ASCII, two-, three- and four-byte characters.
        v.push(format!("{}.txt", "a".repeat(251)));
        v.push(format!("{}.md", "é".repeat(126)));
        v.push(format!("{}.md", "日".repeat(84)));
        v.push(format!("{}.md", "\u{1f600}".repeat(63)));
        if control {
            for s in
                ["line\nbreak.txt", "tab\tname.txt", "carriage\rreturn.txt", "bell\u{7}.txt", "esc\u{1b}[31mred.txt"]
            {
                v.push(s.to_string());
            }
        }
        v
    };
    if control_chars { CONTROL.get_or_init(|| build(true)) } else { PLAIN.get_or_init(|| build(false)) }
}

/// A `metadata/` file: its name, type, size, mode and times (as offsets or absolute).
pub struct Odd {
    pub name: &'static str,
    pub ftype: FileType,
    pub size: u64,
    pub sparse: bool,
    pub mode: u32,
    pub modified: When,
    /// The creation time against the modification time, in seconds.
    pub created_after_modified: i64,
}

/// A modification time: the model's own, or a fixed one.
#[derive(Clone, Copy)]
pub enum When {
    Model,
    At(i64),
    /// This long after the tree's reference date.
    Future(i64),
}

/// 1969-07-20 20:17:40 UTC.
pub const MOON_LANDING: i64 = -14_182_940;
/// 2039-01-01 00:00:00 UTC: past 2^31 - 1 seconds.
pub const AFTER_2038: i64 = 2_177_452_800;

pub const METADATA: [Odd; 11] = [
    odd("zero-bytes.txt", FileType::Txt, 0, 0o644, When::Model),
    odd("mode-000.txt", FileType::Txt, 2_000, 0o000, When::Model),
    odd("read-only.txt", FileType::Txt, 2_000, 0o444, When::Model),
    odd("epoch.txt", FileType::Txt, 1_000, 0o644, When::At(0)),
    odd("before-1970.txt", FileType::Txt, 1_000, 0o644, When::At(MOON_LANDING)),
    odd("after-2038.txt", FileType::Txt, 1_000, 0o644, When::At(AFTER_2038)),
    odd("in-the-future.txt", FileType::Txt, 1_000, 0o644, When::Future(400 * 86_400)),
    Odd {
        name: "modified-before-created.docx",
        ftype: FileType::Docx,
        size: 40_000,
        sparse: false,
        mode: 0o644,
        modified: When::Model,
        created_after_modified: 30 * 86_400,
    },
    Odd {
        name: "exactly-4GiB.iso",
        ftype: FileType::Iso,
        size: 4 << 30,
        sparse: true,
        mode: 0o644,
        modified: When::Model,
        created_after_modified: -86_400,
    },
    Odd {
        name: "over-4GiB.vhdx",
        ftype: FileType::Vhdx,
        size: 5 << 30,
        sparse: true,
        mode: 0o644,
        modified: When::Model,
        created_after_modified: -86_400,
    },
    odd("run-me.sh", FileType::Text, 300, 0o755, When::Model),
];

const fn odd(name: &'static str, ftype: FileType, size: u64, mode: u32, modified: When) -> Odd {
    Odd { name, ftype, size, sparse: false, mode, modified, created_after_modified: -3600 }
}

/// The file in the locked (000) and in the setgid folder.
pub const LOCKED_FILE: &str = "inside-a-locked-folder.txt";
pub const SETGID_FILE: &str = "inherits-the-group.txt";

/// The name of level `k` (from 1) of the `deep/` chain: 150 bytes.
pub fn deep_name(k: u16) -> String {
    let base = format!(
        "Level {k:02} - Quarterly Financial Reports and Supporting Documentation for the Fiscal Year Ending December 31 Archive Copy"
    );
    let mut s = base;
    while s.len() < 150 {
        s.push('_');
    }
    s.truncate(150);
    s
}

/// The name of the file at level `k` of the chain.
pub fn deep_file(k: u16) -> String {
    format!("level-{k:02}.txt")
}

/// The name of file `slot` of `huge/`.
pub fn huge_name(slot: u64) -> String {
    format!("file-{slot:07}.txt")
}

/// The name of file `slot` of a torture folder, and the extension it carries (as `stats` reads
/// one: after the last dot, unless the dot leads or ends the name).
pub fn file_name(t: &Torture, dir: TortureDir, slot: u64) -> (std::borrow::Cow<'static, str>, &'static str) {
    use std::borrow::Cow;
    match dir {
        TortureDir::Names => {
            let name: &'static str = names(t.control_chars).get(slot as usize).map_or("", String::as_str);
            let ext = match name.rfind('.') {
                Some(i) if i > 0 && i + 1 < name.len() => &name[i + 1..],
                _ => "",
            };
            (Cow::Borrowed(name), ext)
        }
        TortureDir::Metadata => {
            let odd = &METADATA[(slot as usize).min(METADATA.len() - 1)];
            (Cow::Borrowed(odd.name), odd.name.rsplit_once('.').map_or("", |(_, e)| e))
        }
        TortureDir::Deep(k) => (Cow::Owned(deep_file(k)), "txt"),
        TortureDir::Locked => (Cow::Borrowed(LOCKED_FILE), "txt"),
        TortureDir::Setgid => (Cow::Borrowed(SETGID_FILE), "txt"),
        TortureDir::Links | TortureDir::Elsewhere => {
            let name = LINKED_FILES[(slot as usize).min(LINKED_FILES.len() - 1)];
            (Cow::Borrowed(name), name.rsplit_once('.').map_or("", |(_, e)| e))
        }
        TortureDir::Huge | TortureDir::NamedDir => (Cow::Owned(huge_name(slot)), "txt"),
    }
}

/// The files of `links/` that have more than one name.
pub const LINKED_FILES: [&str; 2] = ["original.docx", "pair.txt"];

/// Extra names of linked files: (folder, name, slot of the file in `links/`).
pub const HARD_NAMES: [(TortureDir, &str, usize); 3] = [
    (TortureDir::Links, "original (hard link).docx", 0),
    (TortureDir::Links, "pair (hard link).txt", 1),
    (TortureDir::Elsewhere, "same inode as original.docx", 0),
];

/// What a symbolic link leads to, as a walk that follows it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkEnd {
    File,
    Dir,
    /// Nothing: the link dangles.
    Missing,
    /// Itself, through other links (ELOOP).
    Loop,
}

/// The symbolic links of the layout: (folder, name, target, what the target is).
pub fn symlink_specs(t: &Torture) -> Vec<(TortureDir, &'static str, String, LinkEnd)> {
    let deep = (1..=t.deep_levels.min(2) as u16).map(deep_name).collect::<Vec<_>>().join("/");
    let deep_file = deep_file(t.deep_levels.min(2) as u16);
    let l = TortureDir::Links;
    vec![
        (l, "to-original.docx", "original.docx".into(), LinkEnd::File),
        (l, "to-zero-bytes.txt", "../metadata/zero-bytes.txt".into(), LinkEnd::File),
        (l, "to-deep-file.txt", format!("../deep/{deep}/{deep_file}"), LinkEnd::File),
        (l, "to-folder", "elsewhere".into(), LinkEnd::Dir),
        (l, "to-parent", "..".into(), LinkEnd::Dir),
        (l, "absolute-file", "/etc/passwd".into(), LinkEnd::File),
        (l, "absolute-folder", "/usr/share".into(), LinkEnd::Dir),
        (l, "dangling.txt", "no-such-file.txt".into(), LinkEnd::Missing),
        (l, "loop-a", "loop-b".into(), LinkEnd::Loop),
        (l, "loop-b", "loop-a".into(), LinkEnd::Loop),
        (l, "self-loop", "self-loop".into(), LinkEnd::Loop),
        (TortureDir::Elsewhere, "up-to-original.docx", "../original.docx".into(), LinkEnd::File),
    ]
}

/// One symbolic link of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symlink {
    /// Its node index (after every file and folder).
    pub index: u64,
    /// The folder holding it.
    pub parent: u64,
    pub name: &'static str,
    pub target: Box<str>,
    pub end: LinkEnd,
}

/// One extra name of a file (a hard link).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardName {
    pub parent: u64,
    pub name: &'static str,
    /// The file's index.
    pub target: u64,
}

/// A tree's links, resolved to node indices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub symlinks: Vec<Symlink>,
    pub hard: Vec<HardName>,
}

impl Links {
    /// The links of the torture layout, given its link folders' indices and the index the
    /// first symbolic link takes.
    pub fn new(t: &Torture, links_dir: u64, elsewhere_dir: u64, first_symlink: u64) -> Links {
        let dir = |d: TortureDir| if d == TortureDir::Elsewhere { elsewhere_dir } else { links_dir };
        let symlinks = symlink_specs(t)
            .into_iter()
            .enumerate()
            .map(|(k, (d, name, target, end))| Symlink {
                index: first_symlink + k as u64,
                parent: dir(d),
                name,
                target: target.into_boxed_str(),
                end,
            })
            .collect();
        let hard = HARD_NAMES
            .iter()
            .map(|&(d, name, slot)| HardName { parent: dir(d), name, target: links_dir + 1 + slot as u64 })
            .collect();
        Links { symlinks, hard }
    }

    /// How many names a file has.
    pub fn nlink(&self, file: u64) -> u32 {
        1 + self.hard.iter().filter(|h| h.target == file).count() as u32
    }

    /// The symbolic link with this index.
    pub fn symlink(&self, index: u64) -> Option<&Symlink> {
        let first = self.symlinks.first()?.index;
        self.symlinks.get(usize::try_from(index.checked_sub(first)?).ok()?)
    }
}

/// A hostile twist of a Windows-safe, unique name (see `Torture::hostile_names`); `pick` chooses
/// the twist. Each twist is one-to-one, so distinct names stay distinct.
pub fn twist_name(name: &str, pick: u64, control_chars: bool) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    let twists = if control_chars { 14 } else { 13 };
    match pick % twists {
        0 => format!("{stem} Re\u{301}sume\u{301}{ext}"),
        1 => format!("{stem} \u{62a}\u{642}\u{631}\u{64a}\u{631}{ext}"),
        2 => format!("{stem} \u{1f4c1}{ext}"),
        3 => format!("{stem} Z\u{335}\u{31b}a\u{337}l\u{336}g\u{334}o\u{338}{ext}"),
        4 => format!("{name}."),
        5 => format!("{name} "),
        6 => format!("-{name}"),
        7 => format!(" {name}"),
        // Windows reads the stem before the first dot: `NUL.Report.docx` is the device.
        8 => format!("{}.{name}", ["CON", "NUL", "AUX", "PRN", "COM1", "LPT1"][(pick / 16 % 6) as usize]),
        9 => format!("{stem}{}{ext}", [":", "?", "*", "\"", "<", ">", "|", "\\"][(pick / 16 % 8) as usize]),
        10 => format!("{stem}\u{a0}copy{ext}"),
        11 => format!("{stem}\u{200b}{ext}"),
        12 => {
            // Exactly 255 bytes, padded after a space (so the padding cannot join the stem).
            let room = 255usize.saturating_sub(stem.len() + ext.len() + 1);
            if room == 0 { name.to_string() } else { format!("{stem} {}{ext}", "_".repeat(room)) }
        }
        _ => format!("{stem}\nline two{ext}"),
    }
}

#[cfg(test)]
mod tests;
