//! The file types the model produces: their extensions and how their bytes are laid out.

use serde::Serialize;

/// A file type. Each has a real on-disk format (see `content::formats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    Txt,
    Csv,
    Log,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Jpg,
    Png,
    Eml,
    Zip,
    Mp4,
    Iso,
    Vhdx,
    Vmdk,
    Bak,
    /// Temporary files (`*.tmp`, `~WRL1234.tmp`).
    Tmp,
    /// Office owner files (`~$Report.docx`): 162 bytes naming the user who has it open.
    OfficeLock,
    /// `Thumbs.db` (an OLE compound file).
    ThumbsDb,
    /// `desktop.ini`.
    DesktopIni,
    /// `.DS_Store`.
    DsStore,
    /// Any other extension whose files are text (source, configuration, markup): prose.
    Text,
    /// Any other extension: bytes without a format.
    Binary,
}

impl FileType {
    /// Every type, in a fixed order (used for per-type tables).
    pub const ALL: [FileType; 23] = [
        FileType::Txt,
        FileType::Csv,
        FileType::Log,
        FileType::Pdf,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Pptx,
        FileType::Jpg,
        FileType::Png,
        FileType::Eml,
        FileType::Zip,
        FileType::Mp4,
        FileType::Iso,
        FileType::Vhdx,
        FileType::Vmdk,
        FileType::Bak,
        FileType::Tmp,
        FileType::OfficeLock,
        FileType::ThumbsDb,
        FileType::DesktopIni,
        FileType::DsStore,
        FileType::Text,
        FileType::Binary,
    ];

    /// The types a profile's extension mix may name: the first sixteen of [`FileType::ALL`]
    /// (the rest are clutter the model adds by itself).
    pub const MIXABLE: &'static [FileType] = FileType::ALL.split_at(16).0;

    /// The extension, without the dot (empty for names that have none of their own).
    pub fn ext(self) -> &'static str {
        match self {
            FileType::Txt => "txt",
            FileType::Csv => "csv",
            FileType::Log => "log",
            FileType::Pdf => "pdf",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Pptx => "pptx",
            FileType::Jpg => "jpg",
            FileType::Png => "png",
            FileType::Eml => "eml",
            FileType::Zip => "zip",
            FileType::Mp4 => "mp4",
            FileType::Iso => "iso",
            FileType::Vhdx => "vhdx",
            FileType::Vmdk => "vmdk",
            FileType::Bak => "bak",
            FileType::Tmp => "tmp",
            FileType::OfficeLock => "docx",
            FileType::ThumbsDb => "db",
            FileType::DesktopIni => "ini",
            FileType::DsStore => "DS_Store",
            FileType::Text => "text",
            FileType::Binary => "bin",
        }
    }

    /// The type for a mixable extension name with a format of its own.
    pub fn from_ext(ext: &str) -> Option<FileType> {
        FileType::MIXABLE.iter().copied().find(|t| t.ext() == ext)
    }

    /// The type of any extension: its own format, else [`FileType::Text`] for extensions
    /// that name text, else [`FileType::Binary`].
    pub fn for_ext(ext: &str) -> FileType {
        FileType::from_ext(ext).unwrap_or_else(|| {
            let lower = ext.to_ascii_lowercase();
            if TEXT_EXTS.contains(&lower.as_str()) { FileType::Text } else { FileType::Binary }
        })
    }

    /// Whether a profile may name this extension: up to 16 letters, digits, `_`, `-` or `+`
    /// (empty for files without one).
    pub fn valid_ext(ext: &str) -> bool {
        ext.len() <= 16 && ext.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
    }

    /// Position in [`FileType::ALL`].
    pub fn ordinal(self) -> usize {
        self as usize
    }

    /// A short label for reports (`~$ lock`, `Thumbs.db`, or the extension).
    pub fn label(self) -> &'static str {
        match self {
            FileType::OfficeLock => "~$lock",
            FileType::ThumbsDb => "Thumbs.db",
            FileType::DesktopIni => "desktop.ini",
            FileType::DsStore => ".DS_Store",
            FileType::Text => "other text",
            FileType::Binary => "other binary",
            t => t.ext(),
        }
    }

    /// Types that exist as Office documents (and so get `~$` owner files while open).
    pub fn is_office(self) -> bool {
        matches!(self, FileType::Docx | FileType::Xlsx | FileType::Pptx)
    }

    /// Clutter: temp files, lock files and folder junk.
    pub fn is_clutter(self) -> bool {
        matches!(
            self,
            FileType::Tmp | FileType::OfficeLock | FileType::ThumbsDb | FileType::DesktopIni | FileType::DsStore
        )
    }
}

/// The one `'static` copy of an extension a profile names (each distinct one is kept once for
/// the life of the process: profiles name a few hundred at most).
pub fn intern(ext: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    if let Some(t) = FileType::ALL.iter().find(|t| t.ext() == ext) {
        return t.ext();
    }
    static EXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = EXTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    match set.get(ext) {
        Some(s) => s,
        None => {
            let s: &'static str = Box::leak(ext.to_string().into_boxed_str());
            set.insert(s);
            s
        }
    }
}

/// Extensions whose files are text, for [`FileType::for_ext`].
const TEXT_EXTS: &[&str] = &[
    "md",
    "rst",
    "json",
    "xml",
    "html",
    "htm",
    "css",
    "js",
    "ts",
    "py",
    "rs",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "java",
    "cs",
    "go",
    "rb",
    "pl",
    "pm",
    "php",
    "sh",
    "bash",
    "ps1",
    "bat",
    "cmd",
    "sql",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "properties",
    "vim",
    "lua",
    "tex",
    "svg",
    "rtf",
    "tsv",
    "json5",
    "el",
    "lisp",
    "scm",
    "m4",
    "in",
    "am",
    "ac",
    "mk",
    "cmake",
    "gradle",
    "kt",
    "swift",
    "scala",
    "hs",
    "ml",
    "r",
    "jl",
    "dart",
    "erl",
    "ex",
    "exs",
    "vb",
    "vbs",
    "asp",
    "aspx",
    "jsp",
    "xsl",
    "xslt",
    "dtd",
    "xsd",
    "wsdl",
    "desktop",
    "service",
    "policy",
    "rules",
    "list",
    "pod",
    "po",
    "pot",
    "csv",
    "log",
    "txt",
    "nfo",
    "diz",
    "readme",
    "license",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_match_all() {
        for (i, t) in FileType::ALL.iter().enumerate() {
            assert_eq!(t.ordinal(), i);
        }
        for &t in FileType::MIXABLE {
            assert_eq!(FileType::from_ext(t.ext()), Some(t));
        }
        assert_eq!(FileType::from_ext("exe"), None);
    }

    #[test]
    fn any_extension_has_a_type_and_one_static_copy() {
        assert_eq!(FileType::for_ext("pdf"), FileType::Pdf);
        assert_eq!(FileType::for_ext("rs"), FileType::Text);
        assert_eq!(FileType::for_ext("H"), FileType::Text);
        assert_eq!(FileType::for_ext("dwg"), FileType::Binary);
        assert!(std::ptr::eq(intern("dwg"), intern(&String::from("dwg"))));
        assert!(std::ptr::eq(intern("pdf"), FileType::Pdf.ext()));
        assert!(FileType::valid_ext("tar-gz") && FileType::valid_ext("c++"));
        assert!(FileType::valid_ext("") && !FileType::valid_ext("a.b") && !FileType::valid_ext("x y"));
    }
}
