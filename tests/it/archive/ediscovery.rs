//! The e-discovery shapes: the zipper layout of the ediscovery profile, families of e-mails and
//! attachments, page images, and productions in volumes.

use std::path::Path;

use super::*;
use crate::common::{TestEnv, bin, have, have_python_modules, python, sh, stderr, stdout};

#[test]
fn ediscovery_profile_has_the_zipper_layout() {
    let Some(t) = python_env() else { return };
    let out = t.path().join("prod.zip");
    let o = bin()
        .arg("archive")
        .arg(&out)
        .args(["--profile", "ediscovery", "--files", "1000", "--dirs", "11", "--size-scale", "0.05", "--json"])
        .output()
        .unwrap();
    let s = json(&o);
    assert_eq!(s["folders"], 10);
    let names = zip_file_names(&out);
    let files: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(files.len(), 1000);
    for (k, name) in files.iter().enumerate() {
        let (folder, file) = name.split_once('/').unwrap();
        assert!(folder.starts_with("folder_0") && folder.len() == 10, "{name}");
        let (number, ext) = file.split_once('.').unwrap();
        assert_eq!(number, format!("{:08}", k + 1), "files are numbered in archive order: {name}");
        assert!(["pdf", "docx", "xlsx", "eml", "jpg"].contains(&ext), "{name}");
    }
    // Proportional: every folder holds 100.
    let per_folder = |names: &[&str]| -> Vec<usize> {
        let mut counts = std::collections::BTreeMap::new();
        for n in names {
            *counts.entry(n.split('/').next().unwrap().to_string()).or_insert(0) += 1;
        }
        counts.into_values().collect()
    };
    assert_eq!(per_folder(&files), vec![100; 10]);
    // Control numbers match the file numbers.
    let rows = parse_dat(&t.path().join("prod.dat"), None);
    for row in &rows[1..] {
        assert_eq!(row[0][3..], row[1][..8], "{row:?}");
    }
    // Gaussian: the middle folders are the fullest.
    let profile = t.path().join("gauss.toml");
    let shown = bin().args(["profile", "show", "ediscovery"]).output().unwrap();
    let toml = stdout(&shown).replace("distribution = \"proportional\"", "distribution = \"gaussian\"");
    std::fs::write(&profile, toml).unwrap();
    let out = t.path().join("gauss.zip");
    let o = bin()
        .arg("archive")
        .arg(&out)
        .args(["--profile", profile.to_str().unwrap(), "--files", "1000", "--dirs", "11", "--size-scale", "0.05"])
        .args(["--load-file", "none", "--manifest", "none", "--json"])
        .output()
        .unwrap();
    json(&o);
    let names = zip_file_names(&out);
    let files: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = per_folder(&files);
    assert!(c[4] > 3 * c[0] && c[5] > 3 * c[9], "{c:?}");
}

/// Checks a production ZIP with Python alone: volumes, Bates numbers across them, families
/// against the e-mails' own MIME parts, TIFF page counts (Pillow), Opticon and EDRM XML.
const CHECK_PRODUCTION: &str = r##"
import csv, email, hashlib, io, json, sys, zipfile
import xml.etree.ElementTree as ET
from email import policy
from PIL import Image
z = zipfile.ZipFile(sys.argv[1])
volume_size, prefix, start, digits = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
names = set(z.namelist())
vols = sorted({n.split("/")[0] for n in names})
rows, by_vol = [], {}
for v in vols:
    text = z.read(f"{v}/DATA/{v}.csv").decode("utf-8-sig")
    vr = list(csv.DictReader(io.StringIO(text, newline="")))
    for r in vr:
        r["VOL"] = v
    by_vol[v] = vr
    rows += vr
bates = lambda s: int(s[len(prefix):])
assert bates(rows[0]["BEGDOC"]) == start
for a, b in zip(rows, rows[1:]):
    assert bates(b["BEGDOC"]) == bates(a["ENDDOC"]) + 1, (a["ENDDOC"], b["BEGDOC"])
for r in rows:
    assert len(r["BEGDOC"]) == len(prefix) + digits
    assert bates(r["ENDDOC"]) - bates(r["BEGDOC"]) + 1 == int(r["PGCOUNT"]), r
    native = r["VOL"] + "/" + r["NATIVEPATH"].replace("\\", "/")
    data = z.read(native)
    assert len(data) == int(r["FILESIZE"]) and hashlib.md5(data).hexdigest() == r["MD5HASH"], native
    assert not r["TEXTPATH"] or (r["VOL"] + "/" + r["TEXTPATH"].replace("\\", "/")) in names
ids = {r["DOCID"]: r for r in rows}
children = [r for r in rows if r["PARENTID"]]
assert children, "no attachments"
for c in children:
    p = ids[c["PARENTID"]]
    assert p["FILEEXT"] == "eml" and int(p["ATTACHCOUNT"]) > 0 and not p["PARENTID"], p
    assert (c["BEGATTACH"], c["ENDATTACH"], c["VOL"]) == (p["BEGATTACH"], p["ENDATTACH"], p["VOL"])
    assert p["BEGATTACH"] == p["BEGDOC"]
    msg = email.message_from_bytes(z.read(p["VOL"] + "/" + p["NATIVEPATH"].replace("\\", "/")), policy=policy.default)
    parts = {a.get_filename(): a.get_payload(decode=True) for a in msg.iter_attachments()}
    assert parts[c["FILENAME"]] == z.read(c["VOL"] + "/" + c["NATIVEPATH"].replace("\\", "/")), c["FILENAME"]
for p in rows:
    n = int(p["ATTACHCOUNT"] or 0)
    if n:
        kids = [c for c in children if c["PARENTID"] == p["DOCID"]]
        assert len(kids) == n and kids[-1]["ENDDOC"] == p["ENDATTACH"], (p["DOCID"], len(kids), n)
pages = 0
for v in vols:
    lines = z.read(f"{v}/DATA/{v}.opt").decode().split("\r\n")
    assert lines[-1] == ""
    fields = [l.split(",") for l in lines[:-1]]
    assert all(len(f) == 7 and f[1] == v for f in fields)
    breaks = [f for f in fields if f[3] == "Y"]
    assert [f[0] for f in breaks] == [r["BEGDOC"] for r in by_vol[v]]
    for f, r in zip(breaks, by_vol[v]):
        assert int(f[6]) == int(r["PGCOUNT"])
        tif = Image.open(io.BytesIO(z.read(v + "/" + f[2].replace("\\", "/"))))
        assert tif.n_frames == int(r["PGCOUNT"]) and tif.size == (1700, 2200) and tif.mode == "1", f
    assert [f[0] for f in fields] == [prefix + str(n).zfill(digits) for n in range(bates(fields[0][0]), bates(fields[-1][0]) + 1)]
    pages += len(fields)
    root = ET.fromstring(z.read(f"{v}/DATA/{v}.xml"))
    docs = root.findall("./Batch/Documents/Document")
    assert [d.get("DocID") for d in docs] == [r["DOCID"] for r in by_vol[v]]
    rel = [(x.get("ParentDocID"), x.get("ChildDocID")) for x in root.findall("./Batch/Relationships/Relationship")]
    assert rel == [(r["PARENTID"], r["DOCID"]) for r in by_vol[v] if r["PARENTID"]]
    held = sum(i.file_size for i in z.infolist() if i.filename.startswith(v + "/") and "/DATA/" not in i.filename)
    families = sum(1 for r in by_vol[v] if not r["PARENTID"])
    assert held <= volume_size or families == 1, (v, held)
print(json.dumps({"volumes": len(vols), "documents": len(rows), "attachments": len(children), "pages": pages}))
"##;

/// `--families --images --production`: e-mails with their attachments as family members,
/// multi-page TIFFs, volumes of DATA/NATIVES/TEXT/IMAGES, Bates numbers running on across
/// volumes; all of it read back with Python's zipfile, csv, email, xml.etree and Pillow.
#[test]
fn families_images_and_a_production_in_volumes() {
    if !have_python_modules("PIL", "python3 with pillow") {
        return;
    }
    let t = TestEnv::new();
    let out = t.path().join("prod.zip");
    let args = |out: &Path| -> Vec<String> {
        [
            "archive",
            out.to_str().unwrap(),
            "--profile",
            "ediscovery",
            "--files",
            "300",
            "--attachment-rate",
            "60",
            "--families",
            "--images",
            "--production",
            "--volume-size",
            "8MB",
            "--bates-prefix",
            "ABC",
            "--bates-start",
            "7",
            "--bates-digits",
            "7",
            "--load-file",
            "dat,csv,xml",
            "--hash-columns",
            "md5",
            "--text",
            "--json",
        ]
        .map(String::from)
        .to_vec()
    };
    let o = bin().args(args(&out)).output().unwrap();
    let s = json(&o);
    let (ok, report) = python(CHECK_PRODUCTION, &[out.to_str().unwrap(), "8000000", "ABC", "7", "7"]);
    assert!(ok, "{report}");
    let r: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert!(r["volumes"].as_u64().unwrap() >= 2, "{r}");
    assert_eq!(r["volumes"], s["volumes"]);
    assert_eq!(r["documents"], s["documents"]);
    assert_eq!(r["attachments"], s["attachments"]);
    assert_eq!(r["pages"], s["pages"]);
    assert_eq!(s["documents"].as_u64().unwrap(), 300 + s["attachments"].as_u64().unwrap());
    // The DAT in each volume is the CSV's twin.
    let (ok, dat) = python(
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nopen(sys.argv[2], 'wb').write(z.read('VOL001/DATA/VOL001.dat'))",
        &[out.to_str().unwrap(), t.path().join("v1.dat").to_str().unwrap()],
    );
    assert!(ok, "{dat}");
    let dat = parse_dat(&t.path().join("v1.dat"), None);
    assert_eq!(dat[0][..7], ["DOCID", "BEGDOC", "ENDDOC", "BEGATTACH", "ENDATTACH", "PARENTID", "ATTACHCOUNT"]);
    assert_eq!(dat[1][1], "ABC0000007");
    // Same bytes with one thread: numbering happens in order, not in the workers.
    let again = t.path().join("again.zip");
    let o = bin().args(args(&again)).args(["--threads", "1"]).output().unwrap();
    json(&o);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    // The same production written into a directory: the same files, byte for byte, with the
    // natives' modification times; TIFFs as `file` knows them.
    let dir = t.path().join("prod-dir");
    let o = bin().args(args(Path::new(&format!("{}/", dir.display())))).output().unwrap();
    let d = json(&o);
    assert_eq!((d["kind"].as_str(), &d["documents"], &d["pages"]), (Some("dir"), &s["documents"], &s["pages"]));
    let same = r#"
import calendar, os, sys, zipfile
z, root = zipfile.ZipFile(sys.argv[1]), sys.argv[2]
files = [i for i in z.infolist() if not i.is_dir()]
on_disk = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
assert on_disk == sorted(i.filename for i in files), set(on_disk) ^ {i.filename for i in files}
for i in files:
    p = os.path.join(root, i.filename)
    assert open(p, "rb").read() == z.read(i), i.filename
    if "/NATIVES/" in i.filename:
        # ZIP keeps DOS times (UTC here, two-second steps).
        assert abs(os.stat(p).st_mtime - calendar.timegm(i.date_time + (0, 0, 0))) <= 2, i.filename
print(len(files))
"#;
    let (ok, n) = python(same, &[out.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(ok, "{n}");
    if have(&["file", "--version"], "file(1)") {
        let (_, kinds, _) = sh(&format!("file -b {}/VOL001/IMAGES/0001/*.tif | sort -u", dir.display()));
        assert!(kinds.lines().all(|l| l.starts_with("TIFF image data, little-endian")), "{kinds}");
    }
    // Not into a directory that holds something, and not without --production.
    let o = bin().args(args(Path::new(&format!("{}/", dir.display())))).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not an empty directory"), "{}", stderr(&o));
    let o = bin().args(["archive", &format!("{}/", t.path().join("plain").display()), "-n", "10"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!t.path().join("plain").exists());
}

/// Outside a production: attachments under ATTACHMENTS/DOCID/, page images under IMAGES/,
/// every page in the Opticon file; and the refusals that go with these options.
#[test]
fn families_and_images_in_a_plain_tar() {
    let t = TestEnv::new();
    let out = t.path().join("plain.tar");
    let o = bin()
        .args(["archive", out.to_str().unwrap(), "-p", "ediscovery", "-n", "200", "--attachment-rate", "80"])
        .args(["--families", "--images", "--json"])
        .output()
        .unwrap();
    let s = json(&o);
    let (status, listing, err) = sh(&format!("tar -tf {}", out.display()));
    assert!(status.success(), "tar -tf: {err}");
    let dat = parse_dat(&t.path().join("plain.dat"), None);
    let col = |name: &str| dat[0].iter().position(|c| c == name).unwrap();
    let (parent, path, pages) = (col("PARENTID"), col("FILEPATH"), col("PGCOUNT"));
    let mut attachments = 0;
    for row in &dat[1..] {
        if row[parent].is_empty() {
            assert!(listing.lines().any(|l| l == row[path]), "{} not in the tar", row[path]);
        } else {
            attachments += 1;
            let want = format!("ATTACHMENTS/{}/{}", row[parent], row[col("FILENAME")]);
            assert!(listing.lines().any(|l| l == want), "{want} not in the tar");
        }
        assert!(listing.lines().any(|l| l == format!("IMAGES/{}.tif", row[0])), "no image for {}", row[0]);
    }
    assert!(attachments > 10 && s["attachments"] == attachments, "{attachments} / {s}");
    let opt = std::fs::read_to_string(t.path().join("plain.opt")).unwrap();
    let total: u64 = dat[1..].iter().map(|r| r[pages].parse::<u64>().unwrap()).sum();
    assert_eq!(opt.lines().count() as u64, total);
    assert_eq!(opt.lines().filter(|l| l.split(',').nth(3) == Some("Y")).count(), dat.len() - 1);
    for bad in [
        &["--families", "--target-size", "10MB"][..],
        &["--volume-size", "10MB"],
        &["--production", "--load-file-inside"],
        &["--attachment-rate", "120"],
    ] {
        let o =
            bin().args(["archive", t.path().join("bad.zip").to_str().unwrap(), "-n", "20"]).args(bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(!t.path().join("bad.zip").exists());
    }
}
