//! What one front end says of one node, as a [`Record`], and the readers that turn a front end's
//! output into records by path: a tree on disk ([`read_tree`]), the JSONL manifest
//! ([`read_manifest`]) and an archive's checksum manifest ([`read_checksums`]).

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// A time as the front end gives it: seconds since the epoch (floored) and nanoseconds.
pub type Time = (i64, u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// One node: what any front end could say of it. A reader fills in what its front end carries
/// and leaves the rest at the default; [`super::front_ends::Keeps`] says which fields count.
#[derive(Clone, Debug)]
pub struct Record {
    pub kind: Kind,
    /// Bytes (files).
    pub size: u64,
    pub mtime: Time,
    pub atime: Time,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits, setuid, setgid and sticky included (`0o7777`).
    pub mode: u32,
    /// The `user.*` extended attributes.
    pub xattrs: BTreeMap<String, Vec<u8>>,
    /// SHA-256 of the content in hex (files).
    pub sha256: Option<String>,
}

impl Record {
    pub fn new(kind: Kind) -> Record {
        Record {
            kind,
            size: 0,
            mtime: (0, 0),
            atime: (0, 0),
            uid: 0,
            gid: 0,
            mode: 0,
            xattrs: BTreeMap::new(),
            sha256: None,
        }
    }
}

/// Every node under `root` but `skip` (names at the top a front end adds of its own, such as
/// materialize's resume marker), by path relative to `root`.
///
/// A node is stat'ed before anything reads it: reading a file's content (for its digest) or
/// listing a folder moves its access time on a disk mounted `relatime`.
pub fn read_tree(root: &Path, skip: &[&str]) -> BTreeMap<String, Record> {
    let mut out = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(dir) = folders.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a folder entry").path();
            let rel = path.strip_prefix(root).expect("under the root").to_str().expect("a UTF-8 path").to_string();
            if skip.contains(&rel.as_str()) {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let kind = if meta.is_dir() {
                Kind::Dir
            } else {
                assert!(meta.is_file(), "{rel}: neither a file nor a folder (the conformance trees have no links)");
                Kind::File
            };
            let mut r = Record::new(kind);
            r.size = meta.len();
            r.mtime = (meta.mtime(), meta.mtime_nsec() as u32);
            r.atime = (meta.atime(), meta.atime_nsec() as u32);
            (r.uid, r.gid) = (meta.uid(), meta.gid());
            r.mode = meta.permissions().mode() & 0o7777;
            for name in xattr::list(&path).unwrap_or_else(|e| panic!("{rel}: {e}")) {
                let name = name.to_str().expect("a UTF-8 attribute name").to_string();
                if name.starts_with("user.") {
                    let value = xattr::get(&path, &name).unwrap_or_else(|e| panic!("{rel} {name}: {e}"));
                    r.xattrs.insert(name, value.unwrap_or_default());
                }
            }
            match kind {
                Kind::Dir => folders.push(path),
                Kind::File => files.push((rel.clone(), path)),
            }
            out.insert(rel, r);
        }
        // Contents last: every node of this folder has been stat'ed.
        for (rel, path) in files {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            out.get_mut(&rel).expect("recorded").sha256 = Some(crate::common::sha256_hex(&bytes));
        }
    }
    out
}

/// The records of `synthfs manifest --format jsonl`: one a file, with its times, owner ids,
/// mode and, as the extended attributes the other front ends carry them, the Windows owner,
/// department, SID, creation time, attributes and mark of the web.
pub fn read_manifest(jsonl: &str) -> BTreeMap<String, Record> {
    let mut out = BTreeMap::new();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let text = |key: &str| v[key].as_str().unwrap_or_else(|| panic!("no {key} in {line}")).to_string();
        let number = |key: &str| v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {line}"));
        let mut r = Record::new(Kind::File);
        r.size = number("size");
        r.mtime = parse_rfc3339(&text("modified"));
        r.atime = parse_rfc3339(&text("accessed"));
        (r.uid, r.gid) = (number("uid") as u32, number("gid") as u32);
        r.mode = u32::from_str_radix(&text("mode"), 8).unwrap_or_else(|e| panic!("{e}: {line}"));
        for (name, key) in [
            ("user.synthfs.owner", "owner"),
            ("user.synthfs.department", "department"),
            ("user.synthfs.sid", "sid"),
            ("user.synthfs.created", "created"),
        ] {
            r.xattrs.insert(name.into(), text(key).into_bytes());
        }
        let flags: Vec<&str> = [("hidden", "HIDDEN"), ("readonly", "READONLY")]
            .iter()
            .filter(|(k, _)| v[*k] == true)
            .map(|f| f.1)
            .collect();
        if !flags.is_empty() {
            r.xattrs.insert(synthfs_model::tree::ATTRIBUTES_XATTR.into(), flags.join(",").into_bytes());
        }
        if v["zone_identifier"] == true {
            r.xattrs.insert(synthfs_model::tree::ZONE_XATTR.into(), synthfs_model::tree::ZONE_TEXT.into());
        }
        out.insert(text("path"), r);
    }
    out
}

/// The records of an archive's checksum manifest (`OUT.manifest.csv`: path, size, sha256).
pub fn read_checksums(csv: &str) -> BTreeMap<String, Record> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("path,size,sha256"), "the header");
    lines
        .map(|line| {
            // Paths may hold commas (quoted); the size and digest never do.
            let mut f = line.rsplitn(3, ',');
            let (sha256, size, path) = (f.next(), f.next(), f.next());
            let (Some(sha256), Some(size), Some(path)) = (sha256, size, path) else { panic!("a short row: {line}") };
            let path = path
                .strip_prefix('"')
                .and_then(|p| p.strip_suffix('"'))
                .map_or(path.to_string(), |p| p.replace("\"\"", "\""));
            let mut r = Record::new(Kind::File);
            r.size = size.parse().unwrap_or_else(|e| panic!("{e}: {line}"));
            r.sha256 = Some(sha256.to_string());
            (path, r)
        })
        .collect()
}

/// `2021-03-15T08:19:37.781001067Z` as (seconds, nanoseconds).
pub fn parse_rfc3339(s: &str) -> Time {
    let (date, rest) = s.split_once('T').unwrap_or_else(|| panic!("not RFC 3339: {s}"));
    let day = synthfs_model::date::Date::parse(date).unwrap_or_else(|| panic!("not a date: {s}")).unix();
    let rest = rest.strip_suffix('Z').unwrap_or_else(|| panic!("not UTC: {s}"));
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    let hms: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap_or_else(|_| panic!("not a time: {s}"))).collect();
    let nanos: u32 = format!("{frac:0<9}")[..9].parse().unwrap_or_else(|_| panic!("not a fraction: {s}"));
    (day + hms[0] * 3600 + hms[1] * 60 + hms[2], nanos)
}
