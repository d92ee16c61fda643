//! `synthfs archive` on real archives, checked with outside tools (unzip, Python's zipfile and
//! tarfile, GNU tar, bsdtar) and by extracting them and verifying the tree against the model.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, fixture, have_tool, sh, signal, stderr, stdout};

fn profile() -> String {
    fixture("materialize.toml").display().to_string()
}

/// The tree options every test here uses: the materialize profile, N files, N/12 folders.
fn tree_args(files: u64) -> Vec<String> {
    let dirs = (files / 12).max(2);
    ["--profile".into(), profile(), "--files".into(), files.to_string(), "--dirs".into(), dirs.to_string()].into()
}

/// Runs `synthfs archive OUT --profile materialize.toml --files N ... --json`.
fn archive(out: &Path, files: u64, extra: &[&str]) -> Output {
    bin()
        .arg("archive")
        .arg(out)
        .args(tree_args(files))
        .arg("--json")
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "archive failed: {} / {}", stdout(o), stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {} / {}", stdout(o), stderr(o)))
}

/// `synthfs verify DIR` for the same tree, content included, times to the second.
fn verify_extracted(dir: &Path, files: u64, extra: &[&str]) {
    let o = bin()
        .arg("verify")
        .arg(dir)
        .args(tree_args(files))
        .args(["--content", "--whole-seconds"])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "extracted tree differs from the model: {} / {}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("OK:"), "{}", stdout(&o));
}

fn python(script: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new("python3").arg("-c").arg(script).args(args).output().unwrap();
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

fn have_python() -> bool {
    have_tool(Command::new("python3").arg("--version"), "python3")
}

const TESTZIP: &str = r#"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, f"bad entry {bad}"
print(len(z.infolist()))
"#;

/// Reads a DAT independently of synthfs: BOM, þ qualifiers, DC4 separators, CR LF records.
const PARSE_DAT: &str = r#"
import sys, json
raw = open(sys.argv[1], 'rb').read()
if raw.startswith(b'\xef\xbb\xbf'):
    text = raw[3:].decode('utf-8')
elif raw.startswith(b'\xff\xfe'):
    text = raw[2:].decode('utf-16-le')
else:
    text = raw.decode(sys.argv[2] if len(sys.argv) > 2 else 'utf-8')
assert text.endswith('\r\n')
rows = []
for line in text[:-2].split('\r\n'):
    fields = line.split('\x14')
    for f in fields:
        assert f.startswith('\u00fe') and f.endswith('\u00fe') and len(f) >= 2, repr(f)
    rows.append([f[1:-1] for f in fields])
print(json.dumps(rows))
"#;

fn parse_dat(path: &Path, encoding: Option<&str>) -> Vec<Vec<String>> {
    let p = path.display().to_string();
    let mut args = vec![p.as_str()];
    if let Some(e) = encoding {
        args.push(e);
    }
    let (ok, out) = python(PARSE_DAT, &args);
    assert!(ok, "the DAT does not parse: {out}");
    serde_json::from_str(&out).unwrap()
}

/// The names of a ZIP's file entries (not folders), as Python's zipfile reads them.
fn zip_file_names(zip: &Path) -> Vec<String> {
    let (ok, names) = python(
        "import sys, zipfile\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): print(n)",
        &[zip.to_str().unwrap()],
    );
    assert!(ok, "{names}");
    names.lines().filter(|n| !n.ends_with('/')).map(str::to_string).collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn extract_zip(zip: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let o = Command::new("unzip").arg("-q").arg(zip).arg("-d").arg(into).output().unwrap();
    assert!(o.status.success(), "unzip: {}", stderr(&o));
}

fn extract_tar(tar: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let o = Command::new("tar").arg("-xf").arg(tar).arg("--numeric-owner").arg("-C").arg(into).output().unwrap();
    assert!(o.status.success(), "tar -x: {}", stderr(&o));
}

#[test]
fn zip_of_1000_files_is_valid_and_extracts_to_the_model() {
    if !have_tool(Command::new("unzip").arg("-v"), "unzip") || !have_python() {
        return;
    }
    let t = tmp();
    for compression in ["store", "deflate"] {
        let out = t.path().join(format!("docs-{compression}.zip"));
        let s = json(&archive(&out, 1000, &["--compression", compression]));
        assert_eq!(s["documents"], 1000);
        assert_eq!(s["zip64"], false);
        let o = Command::new("unzip").arg("-t").arg("-q").arg(&out).output().unwrap();
        assert!(o.status.success() && stdout(&o).contains("No errors detected"), "unzip -t: {}", stdout(&o));
        let (ok, n) = python(TESTZIP, &[out.to_str().unwrap()]);
        assert!(ok, "zipfile: {n}");
        assert_eq!(n.trim().parse::<u64>().unwrap(), s["entries"].as_u64().unwrap());
        let dir = t.path().join(format!("x-{compression}"));
        extract_zip(&out, &dir);
        // unzip restores modes and times; owners need -X, so they are left out here.
        verify_extracted(&dir, 1000, &["--no-owners"]);
    }
    let stored = std::fs::metadata(t.path().join("docs-store.zip")).unwrap().len();
    let deflated = std::fs::metadata(t.path().join("docs-deflate.zip")).unwrap().len();
    assert!(deflated < stored * 9 / 10, "deflate {deflated} vs store {stored}");
}

#[test]
fn tar_of_1000_files_is_valid_sparse_and_extracts_to_the_model() {
    if !have_tool(Command::new("bsdtar").arg("--version"), "bsdtar") {
        return;
    }
    let t = tmp();
    let out = t.path().join("docs.tar");
    let s = json(&archive(&out, 1000, &[]));
    let size = std::fs::metadata(&out).unwrap().len();
    assert_eq!(size, s["archive_bytes"].as_u64().unwrap());
    assert_eq!(size % 10240, 0, "a tar is whole 10 KiB records");
    // Sparse files stay small: the archive is far below the apparent bytes.
    assert!(size < s["bytes_in"].as_u64().unwrap() / 2, "{size} vs {}", s["bytes_in"]);
    for tool in ["tar", "bsdtar"] {
        let (st, listing, err) = sh(&format!("{tool} -tf '{}' | wc -l", out.display()));
        assert!(st.success() && err.is_empty(), "{tool}: {err}");
        assert_eq!(listing.trim().parse::<u64>().unwrap(), s["entries"].as_u64().unwrap(), "{tool}");
    }
    let (_, verbose, _) = sh(&format!("tar -tvf '{}' | grep -c ' [a-z]*/[a-z-]* '", out.display()));
    assert!(verbose.trim().parse::<u64>().unwrap() > 900, "owner and group names: {verbose}");
    let dir = t.path().join("x");
    extract_tar(&out, &dir);
    verify_extracted(&dir, 1000, &[]);
    // Extracted sparse files keep their holes.
    let (_, du, _) =
        sh(&format!("du -sk '{}' | cut -f1; du -sk --apparent-size '{}' | cut -f1", dir.display(), dir.display()));
    let v: Vec<u64> = du.split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert!(v[0] * 2 < v[1], "allocated {} KiB vs apparent {} KiB", v[0], v[1]);
    if have_python() {
        // Python's tarfile reads the same names as GNU tar (nothing in the ustar prefix field).
        let (_, gnu, _) = sh(&format!("tar -tf '{}'", out.display()));
        let (ok, names) = python(
            "import sys, tarfile\nfor m in tarfile.open(sys.argv[1]): print(m.name + ('/' if m.isdir() else ''))",
            &[out.to_str().unwrap()],
        );
        assert!(ok, "{names}");
        assert_eq!(names.lines().collect::<Vec<_>>(), gnu.lines().collect::<Vec<_>>());
        let (ok, out) = python(
            "import sys, tarfile\nt = tarfile.open(sys.argv[1])\nsp = [m for m in t.getmembers() if m.issparse()]\nassert sp, 'no sparse members'\nf = t.extractfile(sp[0]); data = f.read()\nassert len(data) == sp[0].size\nprint(len(t.getmembers()))",
            &[t.path().join("docs.tar").to_str().unwrap()],
        );
        assert!(ok, "tarfile: {out}");
    }
}

#[test]
fn archives_of_100000_entries_use_zip64_and_read_back() {
    if !have_tool(Command::new("unzip").arg("-v"), "unzip") || !have_python() {
        return;
    }
    let t = tmp();
    let zip = t.path().join("big.zip");
    let tiny = ["--size-scale", "0.01", "--load-file", "none", "--manifest", "none"];
    let s = json(&archive(&zip, 100_000, &tiny));
    assert_eq!(s["documents"], 100_000);
    assert_eq!(s["zip64"], true, "past 65,535 entries the ZIP64 end records are needed");
    let bytes = std::fs::read(&zip).unwrap();
    assert!(bytes.windows(4).rev().take(200).any(|w| w == b"PK\x06\x06"), "ZIP64 end record");
    let o = Command::new("unzip").arg("-t").arg("-q").arg(&zip).output().unwrap();
    assert!(o.status.success() && stdout(&o).contains("No errors detected"), "unzip -t: {}", stdout(&o));
    let (ok, n) = python(TESTZIP, &[zip.to_str().unwrap()]);
    assert!(ok, "zipfile: {n}");
    assert_eq!(n.trim().parse::<u64>().unwrap(), s["entries"].as_u64().unwrap());
    // Extracting 100,000 files with unzip takes most of a minute here; the tar below is
    // extracted and verified instead (the 1,000-file test extracts ZIPs).
    std::fs::remove_file(&zip).unwrap();

    let tar = t.path().join("big.tar");
    let s = json(&archive(&tar, 100_000, &tiny));
    for tool in ["tar", "bsdtar"] {
        if tool == "bsdtar" && !have_tool(Command::new("bsdtar").arg("--version"), "bsdtar") {
            continue;
        }
        let (st, listing, err) = sh(&format!("{tool} -tf '{}' | wc -l", tar.display()));
        assert!(st.success() && err.is_empty(), "{tool}: {err}");
        assert_eq!(listing.trim().parse::<u64>().unwrap(), s["entries"].as_u64().unwrap(), "{tool}");
    }
    let dir = t.path().join("xt");
    extract_tar(&tar, &dir);
    verify_extracted(&dir, 100_000, &["--size-scale", "0.01"]);
}

#[test]
fn load_file_manifest_and_text_describe_the_archive() {
    if !have_python() || !have_tool(Command::new("unzip").arg("-v"), "unzip") {
        return;
    }
    let t = tmp();
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
    if !have_python() {
        return;
    }
    let t = tmp();
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

#[test]
fn archive_bytes_do_not_depend_on_threads_or_runs() {
    let t = tmp();
    let mut digests = Vec::new();
    for (k, threads) in ["1", "2", "3", "1"].iter().enumerate() {
        for fmt in ["zip", "tar"] {
            let out = t.path().join(format!("r{k}.{fmt}"));
            json(&archive(&out, 2000, &["--threads", threads, "--compression", "deflate", "--text"]));
            let data = std::fs::read(&out).unwrap();
            let dat = std::fs::read(t.path().join(format!("r{k}.dat"))).unwrap();
            let manifest = std::fs::read(t.path().join(format!("r{k}.manifest.csv"))).unwrap();
            digests.push((fmt, synthfs_sha(&data), synthfs_sha(&dat), synthfs_sha(&manifest)));
            std::fs::remove_file(&out).unwrap();
            for side in ["dat", "opt", "manifest.csv"] {
                let _ = std::fs::remove_file(t.path().join(format!("r{k}.{side}")));
            }
        }
    }
    for fmt in ["zip", "tar"] {
        let of: Vec<_> = digests.iter().filter(|d| d.0 == fmt).collect();
        assert!(of.windows(2).all(|w| w[0] == w[1]), "{fmt}: {of:?}");
    }
}

fn synthfs_sha(data: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(data))
}

#[test]
fn target_size_lands_within_one_percent() {
    let t = tmp();
    for (name, target) in [("z.zip", 40u64 << 20), ("t.tar", 25 << 20)] {
        let out = t.path().join(name);
        let o = archive(&out, 1000, &["--target-size", &target.to_string()]);
        let s = json(&o);
        let size = std::fs::metadata(&out).unwrap().len();
        let off = (size as f64 / target as f64 - 1.0).abs();
        assert!(off <= 0.01, "{name}: {size} vs {target}");
        assert_eq!(s["documents"], 1000, "the file count is kept");
        assert_ne!(s["size_scale"], 1.0);
    }
    // Too small: one clear line, exit 2.
    let o = archive(&t.path().join("tiny.zip"), 1000, &["--target-size", "1KB"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("below the smallest archive"), "{}", stderr(&o));
    let o = archive(&t.path().join("d.zip"), 1000, &["--target-size", "10MB", "--compression", "deflate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--compression store"), "{}", stderr(&o));
}

#[test]
fn bad_input_gets_one_line_and_a_nonzero_exit() {
    let t = tmp();
    let out = t.path().join("a.zip");
    json(&archive(&out, 50, &[]));
    // Existing OUT without --force.
    let o = archive(&out, 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists") && stderr(&o).contains("--force"), "{}", stderr(&o));
    json(&archive(&out, 50, &["--force"]));
    // Unknown format.
    let o = archive(&t.path().join("a.rar"), 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".zip, .tar, .tar.gz or .tar.zst"), "{}", stderr(&o));
    let o = bin().args(["archive", "x.zip", "--format", "7z"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A directory that does not exist, and one that cannot be written.
    let o = archive(&t.path().join("nope/a.zip"), 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    let ro = t.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let (st, _, _) = sh(&format!("mount -t tmpfs -o ro,size=1m tmpfs '{}'", ro.display()));
    if st.success() {
        let o = archive(&ro.join("a.tar"), 50, &[]);
        let _ = sh(&format!("umount '{}'", ro.display()));
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains("Read-only file system"), "{}", stderr(&o));
        assert!(!ro.join("a.tar.partial").exists());
    } else {
        eprintln!("skipping the read-only check: cannot mount a tmpfs here (not root?)");
    }
}

#[test]
fn ediscovery_profile_has_the_zipper_layout() {
    if !have_python() {
        return;
    }
    let t = tmp();
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

#[test]
fn sigterm_stops_cleanly_and_leaves_nothing() {
    let t = tmp();
    let out = t.path().join("big.zip");
    // The default profile's sparse images take minutes to hash: plenty of time to interrupt.
    let mut child = bin().arg("archive").arg(&out).args(["--files", "5000"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(signal(child.id(), "TERM"), "kill the archive");
    let started = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted runs exit 130");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "stopping took {:?}", started.elapsed());
    let left: Vec<_> = std::fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn large_ids_and_side_files_of_earlier_runs_survive() {
    let t = tmp();
    // AD-style ids (past 2^21) need base-256 in tar's 8-byte fields.
    let profile = t.path().join("bigid.toml");
    let text = std::fs::read_to_string(fixture("materialize.toml")).unwrap();
    std::fs::write(
        &profile,
        text.replace("[identities]", "[identities]\nuid_start = 1500000000\ngid_start = 1600000000"),
    )
    .unwrap();
    let out = t.path().join("ids.tar");
    let o = bin()
        .arg("archive")
        .arg(&out)
        .args(["--profile", profile.to_str().unwrap(), "--files", "50", "--load-file", "none", "--manifest", "none"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, listing, _) = sh(&format!("tar --numeric-owner -tvf '{}' | awk '{{print $2}}' | sort -u", out.display()));
    assert!(listing.lines().any(|l| l.starts_with("15000") && l.contains("/16000")), "owners: {listing}");
    assert!(!listing.lines().any(|l| l.starts_with("0/")), "ids lost: {listing}");

    // Files named like this run's side files, from elsewhere, survive an interrupted run.
    for side in ["keep.dat", "keep.opt", "keep.manifest.csv"] {
        std::fs::write(t.path().join(side), b"mine").unwrap();
    }
    let mut child =
        bin().arg("archive").arg(t.path().join("keep.tar")).args(["--files", "5000", "--force"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(signal(child.id(), "INT"), "kill the archive");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    for side in ["keep.dat", "keep.opt", "keep.manifest.csv"] {
        assert_eq!(std::fs::read(t.path().join(side)).unwrap(), b"mine", "{side} was touched");
    }
    assert!(!t.path().join("keep.tar").exists());

    // An archive named like its own load file is refused.
    let o = archive(&t.path().join("x.dat"), 50, &["--format", "tar"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("also the name of its load file"), "{}", stderr(&o));
}

/// Checks OUT.meta against the archive itself: checksums equal sha256sum and md5sum, sizes
/// equal the file's, and the file list (and its digest) equals the regular-file entries that
/// Python reads from the archive, in order.
fn check_meta(out: &Path, kind: &str, summary: &serde_json::Value) {
    let meta_path = PathBuf::from(format!("{}.meta", out.display()));
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    assert_eq!(meta["filename"], out.file_name().unwrap().to_str().unwrap());
    assert_eq!(meta["format"], kind);
    assert!(meta["created_at"].as_str().unwrap().ends_with('Z'), "{}", meta["created_at"]);
    let size = std::fs::metadata(out).unwrap().len();
    assert_eq!(meta["compressed_size"], size);
    assert_eq!(summary["archive_bytes"], size);
    assert_eq!(meta["uncompressed_size"], summary["bytes_in"]);
    for (tool, key) in [("sha256sum", "sha256"), ("md5sum", "md5")] {
        let (ok, sum, err) = sh(&format!("{tool} '{}' | cut -d' ' -f1", out.display()));
        assert!(ok.success(), "{err}");
        assert_eq!(meta["checksums"][key], sum.trim(), "{tool}");
        assert_eq!(summary[key], sum.trim(), "{tool} in the summary");
    }
    if !have_python() {
        return;
    }
    let script = r#"
import hashlib, json, sys, tarfile, zipfile
path, meta = sys.argv[1], json.load(open(sys.argv[2]))
if path.endswith(".zip"):
    z = zipfile.ZipFile(path)
    files = [(i.filename, i.file_size) for i in z.infolist() if not i.is_dir()]
elif path.endswith(".zst"):
    import subprocess, io
    raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    files = [(m.name, m.size) for m in tarfile.open(fileobj=io.BytesIO(raw)) if m.isreg()]
else:
    files = [(m.name, m.size) for m in tarfile.open(path) if m.isreg()]
listed = [(f["path"], f["size"]) for f in meta["files"]]
assert listed == files, (listed[:3], files[:3])
assert meta["file_count"] == len(files)
digest = hashlib.sha256("".join(p + "\n" for p, _ in files).encode()).hexdigest()
assert meta["files_sha256"] == digest
print(len(files))
"#;
    let (ok, n) = python(script, &[out.to_str().unwrap(), meta_path.to_str().unwrap()]);
    assert!(ok, "{n}");
}

#[test]
fn compressed_tars_extract_to_the_model_and_meta_describes_every_archive() {
    if !have_tool(Command::new("zstd").arg("--version"), "zstd") {
        return;
    }
    let t = tmp();
    let mut bytes_by_kind: Vec<(&str, Vec<String>)> = Vec::new();
    for (name, kind, untar) in [
        ("docs.tar.gz", "tar.gz", "tar -xzf"),
        ("docs.tar.zst", "tar.zst", "tar --zstd -xf"),
        ("docs.tgz", "tar.gz", "tar -xzf"),
    ] {
        let out = t.path().join(name);
        let s = json(&archive(&out, 600, &["--text"]));
        assert_eq!(s["kind"], kind);
        assert!(s["archive_bytes"].as_u64().unwrap() < s["stream_bytes"].as_u64().unwrap(), "{s}");
        // Side files are named after the archive without its compound extension.
        let stem = name.split('.').next().unwrap();
        for side in ["dat", "manifest.csv"] {
            assert!(t.path().join(format!("{stem}.{side}")).is_file(), "{stem}.{side}");
        }
        check_meta(&out, kind, &s);
        let dir = t.path().join(format!("x-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (ok, _, err) = sh(&format!("{untar} '{}' --numeric-owner -C '{}'", out.display(), dir.display()));
        assert!(ok.success(), "{untar}: {err}");
        std::fs::remove_dir_all(dir.join("TEXT")).unwrap();
        verify_extracted(&dir, 600, &[]);
        for side in ["dat", "opt", "manifest.csv"] {
            let _ = std::fs::remove_file(t.path().join(format!("{stem}.{side}")));
        }
    }
    let (ok, _, err) = sh(&format!("gzip -t '{}'", t.path().join("docs.tar.gz").display()));
    assert!(ok.success(), "gzip -t: {err}");
    // The same bytes for any thread count.
    for kind in ["tar.gz", "tar.zst"] {
        let mut sums = Vec::new();
        for threads in ["1", "2", "3"] {
            let out = t.path().join(format!("t{threads}.{kind}"));
            let s = json(&archive(&out, 600, &["--threads", threads, "--load-file", "none", "--manifest", "none"]));
            sums.push(s["sha256"].as_str().unwrap().to_owned());
        }
        bytes_by_kind.push((kind, sums));
    }
    for (kind, sums) in &bytes_by_kind {
        assert!(sums.windows(2).all(|w| w[0] == w[1]), "{kind}: {sums:?}");
    }
    // --meta none: no .meta, and no hashing.
    let out = t.path().join("nometa.tar.gz");
    let s = json(&archive(&out, 100, &["--meta", "none"]));
    assert!(s["sha256"].is_null() && s["files"]["meta"].is_null(), "{s}");
    assert!(!t.path().join("nometa.tar.gz.meta").exists());
    // ZIP and plain tar get a .meta too.
    for (name, kind) in [("plain.zip", "zip"), ("plain.tar", "tar")] {
        let out = t.path().join(name);
        let s = json(&archive(&out, 300, &["--load-file", "none", "--manifest", "none"]));
        assert_eq!(s["archive_bytes"], s["stream_bytes"]);
        check_meta(&out, kind, &s);
    }
}

#[test]
fn compressed_tars_refuse_entry_compression_and_target_sizes() {
    let t = tmp();
    for (name, extra) in [("a.tar.gz", vec!["--compression", "deflate"]), ("a.tar.zst", vec!["--target-size", "10MiB"])]
    {
        let o = archive(&t.path().join(name), 100, &extra);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!t.path().join(name).exists());
    }
}

/// CSV and EDRM XML load files beside the DAT, with Bates numbers: Python's csv and
/// xml.etree read them; every row names a document that is in the archive with the stated MD5;
/// the three files agree; Bates numbers run on without gaps.
#[test]
fn csv_and_edrm_xml_load_files_with_bates_numbers() {
    if !have_python() {
        return;
    }
    let t = tmp();
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
    let t = tmp();
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
    let mut pillow = Command::new("python3");
    pillow.args(["-c", "import PIL"]);
    if !have_tool(&mut pillow, "python3 with pillow") {
        return;
    }
    let t = tmp();
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
    if have_tool(Command::new("file").arg("--version"), "file(1)") {
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
    let t = tmp();
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

/// The torture tree's links in archives: tar stores symbolic links as `l` entries and the second
/// and third names of a file as hard-link entries (GNU tar restores one inode with three
/// names); ZIP, which has no hard links, stores every link as a symbolic-link entry (Unix mode
/// 0120000, data the target), the extra names pointing to the first name relative to their
/// folder, and unzip restores them as links.
#[test]
fn torture_links_survive_tar_and_zip() {
    let dir = tmp();
    let args = ["-p", "torture", "-n", "300", "--load-file", "none", "--manifest", "none", "--json"];
    let tar = dir.path().join("t.tar");
    let o = bin().arg("archive").arg(&tar).args(args).output().unwrap();
    json(&o);
    let (ok, listing, err) = sh(&format!("tar -tvf '{}' links", tar.display()));
    assert!(ok.success(), "{err}");
    let hard: Vec<&str> = listing.lines().filter(|l| l.starts_with('h')).collect();
    assert_eq!(hard.len(), 3, "{listing}");
    assert!(hard.iter().all(|l| l.contains(" link to links/")), "{listing}");
    assert_eq!(listing.lines().filter(|l| l.starts_with('l')).count(), 12, "{listing}");
    assert!(listing.contains("links/to-parent -> .."), "{listing}");
    let out = dir.path().join("x");
    std::fs::create_dir(&out).unwrap();
    let (ok, _, err) = sh(&format!("tar -xf '{}' -C '{}' links metadata", tar.display(), out.display()));
    assert!(ok.success(), "{err}");
    let (_, st, _) = sh(&format!(
        "cd '{}/links' && stat -c '%h %i' original.docx 'original (hard link).docx' 'elsewhere/same inode as original.docx' | sort -u; readlink to-deep-file.txt | wc -c; cat to-zero-bytes.txt | wc -c",
        out.display()
    ));
    let lines: Vec<&str> = st.lines().collect();
    assert_eq!(lines.len(), 3, "one inode for three names: {st}");
    assert!(lines[0].starts_with("3 "), "{st}");
    assert_eq!(lines[1], "323", "the 322-byte target, through a GNU long-link entry");
    assert_eq!(lines[2], "0", "a relative link into metadata/ resolves");

    let zip = dir.path().join("t.zip");
    let o = bin().arg("archive").arg(&zip).args(args).output().unwrap();
    json(&o);
    if have_python() {
        let script = r#"
import stat, sys, zipfile, posixpath
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
links = {i.filename: z.read(i).decode() for i in z.infolist() if stat.S_ISLNK(i.external_attr >> 16)}
hard = {n: t for n, t in links.items() if "hard link" in n or "same inode" in n}
for n, t in hard.items():
    assert posixpath.normpath(posixpath.join(posixpath.dirname(n), t)) in names, (n, t)
print(len(links), len(hard), links["links/loop-a"], links["links/absolute-folder"])
"#;
        let (ok, out) = python(script, &[zip.to_str().unwrap()]);
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "15 3 loop-b /usr/share");
    }
    // unzip warns (exit 1) about the deep chain's names past its own limit while it scans.
    let (ok, _, err) = sh(&format!("cd '{}' && mkdir z && cd z && unzip -q ../t.zip 'links/*'", dir.path().display()));
    assert!(matches!(ok.code(), Some(0 | 1)), "{err}");
    let (_, st, _) = sh(&format!(
        "cd '{}/z/links' && readlink 'elsewhere/same inode as original.docx' && cmp original.docx 'elsewhere/same inode as original.docx' && echo same",
        dir.path().display()
    ));
    assert_eq!(st, "../original.docx\nsame\n");
}
