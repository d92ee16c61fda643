//! `synthfs stats DIR`: the same totals over a real directory tree, so a synthetic tree and a
//! real one are described by the same numbers. A parallel walk (one task per folder) that
//! stats every entry without following symbolic links and reads no content.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{FileFacts, Kind, Stats};
use synthfs_model::FileType;

/// What a walk of a real tree found.
#[derive(Debug)]
pub struct DirStats {
    pub stats: Stats,
    /// Entries that could not be read (a folder without permission, a file gone meanwhile).
    pub errors: u64,
    /// Symbolic links, sockets, devices: seen, not counted as files.
    pub others: u64,
}

/// Walks `root` and totals it; ages are measured back from `as_of_end` (Unix seconds).
pub fn collect_dir(root: &Path, as_of_end: i64) -> io::Result<DirStats> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotADirectory, format!("{} is not a directory", root.display())));
    }
    std::fs::read_dir(root)?;
    // A copy made by materialize keeps its resume marker at the root: not part of the tree.
    let marker = crate::materialize::marker::read(root).ok().flatten().is_some();
    let counters = Counters { skip_marker: marker, ..Counters::default() };
    let stats = walk(root, "", 0, as_of_end, &counters);
    Ok(DirStats {
        stats,
        errors: counters.errors.load(Ordering::Relaxed),
        others: counters.others.load(Ordering::Relaxed),
    })
}

#[derive(Default)]
struct Counters {
    errors: AtomicU64,
    others: AtomicU64,
    /// Whether the root's `.synthfs.json` is materialize's marker, left out.
    skip_marker: bool,
    /// Files with several names already counted: (device, inode).
    linked: std::sync::Mutex<std::collections::HashSet<(u64, u64)>>,
}

impl Counters {
    /// Whether this is the first name of a file seen (a file with several names counts once,
    /// as `du` counts it).
    fn first_name(&self, meta: &std::fs::Metadata) -> bool {
        meta.nlink() < 2 || self.linked.lock().map(|mut s| s.insert((meta.dev(), meta.ino()))).unwrap_or(true)
    }
}

/// What following a symbolic link finds.
fn link_end(path: &Path) -> synthfs_model::torture::LinkEnd {
    use synthfs_model::torture::LinkEnd;
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => LinkEnd::Dir,
        Ok(_) => LinkEnd::File,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => LinkEnd::Loop,
        Err(_) => LinkEnd::Missing,
    }
}

/// The model's type and the role a name suggests.
pub fn classify(name: &str, ext: &str) -> (FileType, Kind) {
    match name {
        "Thumbs.db" => return (FileType::ThumbsDb, Kind::Junk),
        "desktop.ini" => return (FileType::DesktopIni, Kind::Junk),
        ".DS_Store" => return (FileType::DsStore, Kind::Junk),
        _ => {}
    }
    if name.starts_with("~$") {
        return (FileType::OfficeLock, Kind::Temp);
    }
    if ext == "tmp" {
        return (FileType::Tmp, Kind::Temp);
    }
    (FileType::for_ext(ext), Kind::Original)
}

/// The extension of a file name as reports show it: lower case, without the dot; `None` for
/// none (a leading dot alone, as in `.bashrc`, is not one, nor is a trailing dot) and for one
/// that is not UTF-8. `stats DIR` and `scan` group files by it.
pub fn file_extension(name: &OsStr) -> Option<String> {
    Path::new(name).extension().and_then(|e| e.to_str()).filter(|e| !e.is_empty()).map(str::to_ascii_lowercase)
}

/// A folder that could not be opened or listed: an error, and an empty folder.
fn unreadable(dir: &Path, what: &str, e: &io::Error, depth: u32, c: &Counters) -> Stats {
    tracing::debug!("cannot {what} {}: {e}", dir.display());
    c.errors.fetch_add(1, Ordering::Relaxed);
    let mut s = Stats::default();
    s.add_dir(depth, 0, 0);
    s
}

fn walk(dir: &Path, rel: &str, depth: u32, as_of_end: i64, c: &Counters) -> Stats {
    // Below a long path, calls go through the open directory (see `longpath`).
    let here = match crate::longpath::DirPath::new(dir) {
        Ok(h) => h,
        Err(e) => return unreadable(dir, "open", &e, depth, c),
    };
    let dir = here.path();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return unreadable(dir, "list", &e, depth, c),
    };
    let mut s = Stats::default();
    let mut subdirs = Vec::new();
    let mut files = 0u64;
    let entries: Vec<_> = entries.collect();
    let names: Vec<String> = entries.iter().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    let twins = synthfs_model::torture::case_twins(names.iter().map(String::as_str));
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(_) => {
                c.errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if depth == 0 && c.skip_marker && name == crate::materialize::marker::MARKER {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(_) => {
                c.errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        let (hidden, zone, created) =
            if meta.is_file() { windows_attributes(&entry.path()) } else { (false, false, None) };
        if meta.is_dir() || meta.is_file() {
            s.add_hostile(&synthfs_model::torture::Seen {
                path_len: path.len(),
                name: &name,
                is_dir: meta.is_dir(),
                mode: meta.mode(),
                size: meta.len(),
                modified: meta.mtime(),
                created,
                now: as_of_end,
                case_twin: twins.contains(&name),
                nlink: if meta.is_dir() { 1 } else { meta.nlink() as u32 },
            });
        }
        if meta.is_symlink() {
            use std::os::unix::ffi::OsStrExt;
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            let end = link_end(&entry.path());
            s.add_hostile_kinds(synthfs_model::torture::classify_symlink(target.as_os_str().as_bytes(), end));
        }
        if meta.is_dir() {
            subdirs.push((entry.path(), path));
        } else if meta.is_file() && !c.first_name(&meta) {
            // Another name of a file already counted.
        } else if meta.is_file() {
            files += 1;
            let ext = file_extension(name.as_ref()).unwrap_or_default();
            let (ftype, kind) = classify(&name, &ext);
            let size = meta.len();
            let allocated = meta.blocks() * 512;
            let facts = FileFacts {
                size,
                allocated,
                ext: &ext,
                ftype,
                owner: meta.uid(),
                depth: depth + 1,
                modified: meta.mtime(),
                kind,
                sparse: allocated < size,
                readonly: meta.mode() & 0o222 == 0,
                hidden,
                zone,
                // Whether an owner is a group takes the identity source: unknown here.
                group_owner: None,
            };
            s.add_file(&facts, as_of_end);
            s.consider(size, meta.mtime(), 0, || Some(Arc::from(path.as_str())));
        } else {
            c.others.fetch_add(1, Ordering::Relaxed);
        }
    }
    s.add_dir(depth, files, subdirs.len() as u64);
    subdirs.par_iter().map(|(p, r)| walk(p, r, depth + 1, as_of_end, c)).reduce(Stats::default, Stats::merge).merge(s)
}

/// Whether a file is marked hidden and carries a `Zone.Identifier`, as Samba-style xattrs say
/// (one `listxattr`, and a read only where the attributes are there).
/// Also the creation time synthfs records (`user.synthfs.created`), where there is one.
fn windows_attributes(path: &Path) -> (bool, bool, Option<i64>) {
    use synthfs_model::tree::{ATTRIBUTES_XATTR, XATTRS, ZONE_XATTR};
    let Ok(names) = xattr::list(path) else { return (false, false, None) };
    let (mut hidden, mut zone, mut created) = (false, false, None);
    for n in names {
        if n == ZONE_XATTR {
            zone = true;
        } else if n == ATTRIBUTES_XATTR {
            hidden = xattr::get(path, ATTRIBUTES_XATTR)
                .ok()
                .flatten()
                .is_some_and(|v| v.split(|b| *b == b',').any(|f| f == b"HIDDEN"));
        } else if n == XATTRS[3] {
            created = xattr::get(path, XATTRS[3]).ok().flatten().and_then(|v| parse_created(&v));
        }
    }
    (hidden, zone, created)
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` as seconds since the epoch.
fn parse_created(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let day = synthfs_model::date::Date::parse(s.get(..10)?)?;
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    Some(day.unix() + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

/// Account names of the host's uids (through NSS), for naming the owners of a real tree.
pub fn host_owner_names() -> HashMap<u32, String> {
    let ids = synthfs_model::profile::Identities {
        source: "system".into(),
        uid_range: Some(format!("0-{}", u32::MAX)),
        ..Default::default()
    };
    match crate::identity::load(&ids) {
        Ok(Some(r)) => r.people.iter().filter_map(|p| Some((p.uid?, p.account.clone()))).collect(),
        _ => HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_classified_like_the_model_names_them() {
        let ext = |name: &str| file_extension(name.as_ref());
        assert_eq!(ext("Report.final.DOCX").as_deref(), Some("docx"));
        assert_eq!(ext(".bashrc"), None);
        assert_eq!(ext("Makefile"), None);
        assert_eq!(ext("trailing."), None);
        assert_eq!(ext("..."), None);
        assert_eq!(ext("a..b").as_deref(), Some("b"));
        assert_eq!(classify("~$port.docx", "docx"), (FileType::OfficeLock, Kind::Temp));
        assert_eq!(classify("Thumbs.db", "db"), (FileType::ThumbsDb, Kind::Junk));
        assert_eq!(classify("a.tmp", "tmp"), (FileType::Tmp, Kind::Temp));
        assert_eq!(classify("x.pdf", "pdf"), (FileType::Pdf, Kind::Original));
        assert_eq!(classify("x.rs", "rs"), (FileType::Text, Kind::Original));
    }

    #[test]
    fn a_small_real_tree_is_totalled() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::create_dir(d.path().join("empty")).unwrap();
        std::fs::write(d.path().join("top.pdf"), vec![0u8; 100]).unwrap();
        std::fs::write(d.path().join("a/x.rs"), vec![0u8; 10]).unwrap();
        std::fs::write(d.path().join("a/b/y.rs"), vec![0u8; 3000]).unwrap();
        std::os::unix::fs::symlink("top.pdf", d.path().join("link")).unwrap();
        let r = collect_dir(d.path(), 0).unwrap();
        let s = &r.stats;
        assert_eq!((s.files, s.dirs, s.bytes, s.empty_dirs, s.max_depth), (3, 4, 3110, 1, 2));
        assert_eq!(r.others, 1, "the symlink");
        assert_eq!(s.by_ext["rs"].files, 2);
        assert_eq!(s.by_type[FileType::Pdf.ordinal()].files, 1);
        assert_eq!(s.by_type[FileType::Text.ordinal()].files, 2);
        assert_eq!(s.by_depth[3].files, 1);
        assert_eq!(s.files_per_dir, [1, 3]);
        assert_eq!(s.largest.as_ref().unwrap().path.as_deref(), Some("a/b/y.rs"));
        assert!(collect_dir(&d.path().join("top.pdf"), 0).is_err());
    }
}
