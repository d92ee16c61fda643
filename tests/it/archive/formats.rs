//! ZIP and tar, plain and compressed, as outside tools read them: valid, extracted to the
//! model (sparse files, ZIP64, links), the same bytes for any thread count, described by .meta.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::common::{TestEnv, bin, have, python, sh, sha256_hex};

#[test]
fn zip_of_1000_files_is_valid_and_extracts_to_the_model() {
    let Some(t) = unzip_env() else { return };
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
    if !have(&["bsdtar", "--version"], "bsdtar") {
        return;
    }
    let t = TestEnv::new();
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
    let Some(t) = unzip_env() else { return };
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
        if tool == "bsdtar" && !have(&["bsdtar", "--version"], "bsdtar") {
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
fn archive_bytes_do_not_depend_on_threads_or_runs() {
    let t = TestEnv::new();
    let mut digests = Vec::new();
    for (k, threads) in ["1", "2", "3", "1"].iter().enumerate() {
        for fmt in ["zip", "tar"] {
            let out = t.path().join(format!("r{k}.{fmt}"));
            json(&archive(&out, 2000, &["--threads", threads, "--compression", "deflate", "--text"]));
            let data = std::fs::read(&out).unwrap();
            let dat = std::fs::read(t.path().join(format!("r{k}.dat"))).unwrap();
            let manifest = std::fs::read(t.path().join(format!("r{k}.manifest.csv"))).unwrap();
            digests.push((fmt, sha256_hex(&data), sha256_hex(&dat), sha256_hex(&manifest)));
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
    if !have(&["zstd", "--version"], "zstd") {
        return;
    }
    let t = TestEnv::new();
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
    let t = TestEnv::new();
    for (name, extra) in [("a.tar.gz", vec!["--compression", "deflate"]), ("a.tar.zst", vec!["--target-size", "10MiB"])]
    {
        let o = archive(&t.path().join(name), 100, &extra);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!t.path().join(name).exists());
    }
}

/// The torture tree's links in archives: tar stores symbolic links as `l` entries and the second
/// and third names of a file as hard-link entries (GNU tar restores one inode with three
/// names); ZIP, which has no hard links, stores every link as a symbolic-link entry (Unix mode
/// 0120000, data the target), the extra names pointing to the first name relative to their
/// folder, and unzip restores them as links.
#[test]
fn torture_links_survive_tar_and_zip() {
    let dir = TestEnv::new();
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
