//! Load files beside and inside the archive: DAT, Opticon, CSV and EDRM XML with Bates
//! numbers, hash columns and the manifest of SHA-256s, read back independently of synthfs.

use std::path::{Path, PathBuf};

use super::*;
use crate::common::{TestEnv, python};

#[test]
fn load_file_manifest_and_text_describe_the_archive() {
    let Some(t) = unzip_env() else { return };
    let out = t.path().join("prod.zip");
    let s = json(&archive(&out, 1000, &["--text", "--compression", "deflate", "--hash-columns", "md5,sha1"]));
    let dat = PathBuf::from(s["files"]["dat"].as_str().unwrap());
    assert_eq!(dat, t.path().join("prod.dat"));
    let rows = parse_dat(&dat, None);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    for c in ["DOCID", "FILENAME", "FILEEXT", "FILESIZE", "FILEPATH", "CUSTODIAN", "AUTHOR", "DATECREATED"] {
        col(c);
    }
    assert_eq!(rows.len(), 1001, "one row per document and a header");
    let dir = t.path().join("x");
    extract_zip(&out, &dir);
    for (k, row) in rows[1..].iter().enumerate() {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[col("DOCID")], format!("DOC{:08}", k + 1), "control numbers are sequential");
        let path = dir.join(&row[col("FILEPATH")]);
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(meta.len().to_string(), row[col("FILESIZE")]);
        assert!(row[col("FILEPATH")].ends_with(&row[col("FILENAME")]));
        assert_eq!(row[col("MD5HASH")].len(), 32);
        assert_eq!(row[col("SHA1HASH")].len(), 40);
        assert!(row[col("DATELASTMOD")].len() == 10 && row[col("DATELASTMOD")].as_bytes()[2] == b'/');
        let text = &row[col("TEXTPATH")];
        if !text.is_empty() {
            assert!(dir.join(text).is_file(), "{text}");
        }
    }
    let with_text = rows[1..].iter().filter(|r| !r[col("TEXTPATH")].is_empty()).count() as u64;
    assert_eq!(with_text, s["text_files"].as_u64().unwrap());
    assert!(with_text > 500, "documents with text: {with_text}");
    // MD5 and SHA-1 are of the extracted bytes.
    let (ok, out_py) = python(
        "import sys, json, hashlib\nrows = json.load(open(sys.argv[1]))\nh = rows[0]\nfor r in rows[1:50]:\n    b = open(sys.argv[2] + '/' + r[h.index('FILEPATH')], 'rb').read()\n    assert hashlib.md5(b).hexdigest() == r[h.index('MD5HASH')], r\n    assert hashlib.sha1(b).hexdigest() == r[h.index('SHA1HASH')], r\nprint('ok')",
        &[&write_json(t.path(), &rows), dir.to_str().unwrap()],
    );
    assert!(ok, "{out_py}");
    // The manifest: one line per file entry (documents and texts), SHA-256 of the extracted bytes.
    let manifest = t.path().join("prod.manifest.csv");
    let (ok, out_py) = python(
        "import sys, csv, hashlib, os\nrows = list(csv.reader(open(sys.argv[1], newline='')))\nassert rows[0] == ['path', 'size', 'sha256']\nfor p, size, digest in rows[1:]:\n    b = open(os.path.join(sys.argv[2], p), 'rb').read()\n    assert len(b) == int(size) and hashlib.sha256(b).hexdigest() == digest, p\nprint(len(rows) - 1)",
        &[manifest.to_str().unwrap(), dir.to_str().unwrap()],
    );
    assert!(ok, "{out_py}");
    assert_eq!(out_py.trim().parse::<u64>().unwrap(), 1000 + with_text);
    // Image documents are in the Opticon file, with their control numbers.
    let opt = std::fs::read_to_string(t.path().join("prod.opt")).unwrap();
    let lines: Vec<&str> = opt.split_terminator("\r\n").collect();
    assert_eq!(lines.len() as u64, s["image_documents"].as_u64().unwrap());
    assert!(!lines.is_empty());
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 7, "{l}");
        assert!(f[0].starts_with("DOC") && f[3] == "Y" && f[6] == "1", "{l}");
        assert!(dir.join(f[2]).is_file(), "{l}");
    }
}

fn write_json(dir: &Path, rows: &[Vec<String>]) -> String {
    let p = dir.join("rows.json");
    std::fs::write(&p, serde_json::to_string(rows).unwrap()).unwrap();
    p.display().to_string()
}

#[test]
fn load_file_inside_in_utf16_and_cp1252() {
    let Some(t) = python_env() else { return };
    let out = t.path().join("inside.tar");
    let s = json(&archive(&out, 300, &["--load-file-inside", "--encoding", "utf16", "--date-format", "iso"]));
    assert!(s["files"]["dat"].is_null(), "no DAT beside the archive");
    assert!(!t.path().join("inside.dat").exists());
    let dir = t.path().join("x");
    extract_tar(&out, &dir);
    let rows = parse_dat(&dir.join("inside.dat"), None);
    assert_eq!(rows.len(), 301);
    assert_eq!(&rows[1][7][4..5], "-", "ISO dates: {:?}", rows[1]);
    let out = t.path().join("ansi.zip");
    json(&archive(&out, 300, &["--encoding", "cp1252", "--docid-prefix", "ABC"]));
    let rows = parse_dat(&t.path().join("ansi.dat"), Some("cp1252"));
    assert_eq!(rows[300][0], "ABC00000300");
}

/// CSV and EDRM XML load files beside the DAT, with Bates numbers: Python's csv and
/// xml.etree read them; every row names a document that is in the archive with the stated MD5;
/// the three files agree; Bates numbers run on without gaps.
#[test]
fn csv_and_edrm_xml_load_files_with_bates_numbers() {
    let Some(t) = python_env() else { return };
    let out = t.path().join("prod.zip");
    let extra = [
        "--load-file",
        "dat,csv,xml",
        "--bates-prefix",
        "ACME",
        "--bates-start",
        "100",
        "--bates-digits",
        "6",
        "--hash-columns",
        "md5",
    ];
    let s = json(&archive(&out, 1000, &[&extra[..], &["--text"]].concat()));
    assert_eq!(s["files"]["csv"], t.path().join("prod.csv").display().to_string());
    let script = r##"
import csv, hashlib, sys, zipfile
import xml.etree.ElementTree as ET
z, csv_path, xml_path = zipfile.ZipFile(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(csv_path, encoding="utf-8-sig", newline="")))
names = set(z.namelist())
for i, r in enumerate(rows):
    assert r["DOCID"] == "DOC%08d" % (i + 1), r["DOCID"]
    assert r["BEGDOC"] == r["ENDDOC"] == "ACME%06d" % (100 + i), (r["BEGDOC"], i)
    assert r["FILEPATH"] in names, r["FILEPATH"]
    data = z.read(r["FILEPATH"])
    assert len(data) == int(r["FILESIZE"])
    assert hashlib.md5(data).hexdigest() == r["MD5HASH"]
    assert not r["TEXTPATH"] or r["TEXTPATH"] in names, r["TEXTPATH"]
assert sum(1 for r in rows if r["TEXTPATH"]) > len(rows) // 2
docs = ET.parse(xml_path).getroot().findall("./Batch/Documents/Document")
assert len(docs) == len(rows), (len(docs), len(rows))
for d, r in zip(docs, rows):
    assert d.get("DocID") == r["DOCID"]
    tags = {t.get("TagName"): t.get("TagValue") for t in d.find("Tags")}
    assert tags["#BEGDOC"] == r["BEGDOC"] and tags["#FILENAME"] == r["FILENAME"], tags
    native = d.find("./Files/File[@FileType='Native']/ExternalFile")
    path = (native.get("FilePath") + "/" if native.get("FilePath") else "") + native.get("FileName")
    assert path == r["FILEPATH"], (path, r["FILEPATH"])
    assert native.get("Hash") == r["MD5HASH"]
print(len(rows))
"##;
    let csv_path = t.path().join("prod.csv");
    let xml_path = t.path().join("prod.xml");
    let (ok, n) = python(script, &[out.to_str().unwrap(), csv_path.to_str().unwrap(), xml_path.to_str().unwrap()]);
    assert!(ok, "{n}");
    assert_eq!(n.trim(), "1000");
    // The DAT has the same Bates columns.
    let dat = parse_dat(&t.path().join("prod.dat"), None);
    assert_eq!(dat[0][..3], ["DOCID", "BEGDOC", "ENDDOC"]);
    assert_eq!(dat[1000][1], "ACME001099");
    // Refusals: one line, exit 2, nothing written.
    for (name, bad) in [
        ("a.zip", vec!["--load-file", "dat,csv", "--load-file-inside"]),
        ("b.zip", vec!["--load-file", "none,csv"]),
        ("c.zip", vec!["--bates-prefix", "X", "--bates-digits", "2"]),
    ] {
        let o = archive(&t.path().join(name), 1000, &bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
        assert!(!t.path().join(name).exists());
    }
}

/// The DAT's delimiters, line ends and byte-order mark as asked, and no hash columns (nor
/// hashing) unless asked; a bad delimiter is one line and exit 2.
#[test]
fn dat_delimiters_line_ends_bom_and_hash_columns_are_choices() {
    let t = TestEnv::new();
    let out = t.path().join("d.tar");
    let args =
        ["--dat-separator", "char:|", "--dat-quote", "ascii:94", "--eol", "lf", "--no-bom", "--load-file", "dat,csv"];
    json(&archive(&out, 200, &args));
    let dat = std::fs::read_to_string(t.path().join("d.dat")).unwrap();
    assert!(dat.starts_with("^DOCID^|^FILENAME^|"), "{}", &dat[..40]);
    assert!(!dat.contains('\r') && !dat.contains("MD5HASH") && !dat.contains("SHA1HASH"));
    assert_eq!(dat.lines().count(), 201);
    assert!(dat.lines().all(|l| l.starts_with('^') && l.ends_with('^')));
    let csv = std::fs::read(t.path().join("d.csv")).unwrap();
    assert!(csv.starts_with(b"DOCID,FILENAME,") && !csv.contains(&b'\r'));
    for bad in [
        &["--dat-separator", "ascii:999"][..],
        &["--dat-quote", "char:"],
        &["--dat-separator", "char:^", "--dat-quote", "ascii:94"],
    ] {
        let o = archive(&t.path().join("bad.tar"), 10, bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
}
