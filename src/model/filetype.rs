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
}

impl FileType {
    /// Every type, in a fixed order (used for per-type tables).
    pub const ALL: [FileType; 21] = [
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
        }
    }

    /// The type for a mixable extension name.
    pub fn from_ext(ext: &str) -> Option<FileType> {
        FileType::MIXABLE.iter().copied().find(|t| t.ext() == ext)
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
}
