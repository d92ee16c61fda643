//! Generated content as outside tools see it: `file`, `unzip -t`, and Python's parsers; videos
//! and disk images in [`media`].

mod media;

use std::path::{Path, PathBuf};
use std::process::Command;

use synthfs_model::FileType;
use synthfs_model::content::read_all;

use crate::common::{self, have, have_python_modules, small_tree};

/// Writes the first file of each type of the small test tree into `dir`.
fn one_of_each(dir: &Path) -> Vec<(FileType, PathBuf)> {
    let tree = small_tree(2000, 150, 7);
    let files = common::all_files(&tree);
    let mut out: Vec<(FileType, PathBuf)> = Vec::new();
    for a in files {
        if out.iter().any(|(t, _)| *t == a.ftype()) {
            continue;
        }
        let path = dir.join(format!("{:?}.{}", a.ftype(), a.ext));
        std::fs::write(&path, read_all(&a.content)).unwrap();
        out.push((a.ftype(), path));
    }
    out
}

/// What `file -b` says of each type it has a name for (any one of the phrases).
const FILE_SAYS: &[(FileType, &[&str])] = &[
    (FileType::Pdf, &["PDF document"]),
    (FileType::Docx, &["Microsoft Word 2007+"]),
    (FileType::Xlsx, &["Microsoft Excel 2007+"]),
    (FileType::Pptx, &["Microsoft PowerPoint 2007+"]),
    (FileType::Zip, &["Zip archive"]),
    (FileType::Jpg, &["JPEG image data"]),
    (FileType::Png, &["PNG image data"]),
    (FileType::Mp4, &["ISO Media"]),
    (FileType::Iso, &["ISO 9660"]),
    (FileType::Vmdk, &["VMware"]),
    (FileType::Vhdx, &["Microsoft Disk Image eXtended", "VHDX"]),
    (FileType::ThumbsDb, &["Composite Document File"]),
    (FileType::Eml, &["mail", "news"]),
    (FileType::Txt, &["text", "CSV"]),
    (FileType::Log, &["text", "CSV"]),
    (FileType::Csv, &["text", "CSV"]),
    (FileType::DesktopIni, &["desktop.ini"]),
];

/// Every type `file` has a name for is in the small tree and identified as such (the others,
/// backups, temp files, lock files and random bytes, have no magic to check).
#[test]
fn file_identifies_every_type() {
    if !have(&["file", "--version"], "file(1)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = one_of_each(dir.path());
    for (t, want) in FILE_SAYS {
        let Some((_, path)) = files.iter().find(|(f, _)| f == t) else {
            panic!("the small tree has no {t:?} to show file(1)");
        };
        let out = Command::new("file").arg("-b").arg(path).output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(want.iter().any(|w| said.contains(w)), "{t:?}: file says {said:?}");
    }
}

#[test]
fn zip_containers_pass_unzip_test() {
    if !have(&["unzip", "-v"], "unzip") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (t, path) in one_of_each(dir.path()) {
        if matches!(t, FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Zip) {
            let out = Command::new("unzip").arg("-t").arg(&path).output().unwrap();
            assert!(out.status.success(), "{t:?}: {}", String::from_utf8_lossy(&out.stdout));
            assert!(String::from_utf8_lossy(&out.stdout).contains("No errors detected"));
        }
    }
}

const PY_CHECK: &str = r#"
import sys, zipfile
from pypdf import PdfReader
import openpyxl, docx
from PIL import Image
kind, path = sys.argv[1], sys.argv[2]
if kind == "Pdf":
    r = PdfReader(path, strict=True)
    assert len(r.pages) == 1
    assert len(r.pages[0].extract_text()) > 20
elif kind == "Docx":
    d = docx.Document(path)
    assert len(d.paragraphs) >= 5
elif kind == "Xlsx":
    wb = openpyxl.load_workbook(path)
    assert wb.active.max_row >= 10
elif kind in ("Jpg", "Png"):
    im = Image.open(path)
    im.verify()
if kind in ("Docx", "Xlsx", "Pptx", "Zip"):
    assert zipfile.ZipFile(path).testzip() is None
print("ok")
"#;

#[test]
fn python_parsers_accept_documents_and_images() {
    if !have_python_modules("pypdf, openpyxl, docx, PIL", "python3 with pypdf, openpyxl, python-docx and pillow") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (t, path) in one_of_each(dir.path()) {
        let kind = format!("{t:?}");
        if !["Pdf", "Docx", "Xlsx", "Pptx", "Zip", "Jpg", "Png"].contains(&kind.as_str()) {
            continue;
        }
        let out = Command::new("python3").args(["-c", PY_CHECK, &kind]).arg(&path).output().unwrap();
        assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
