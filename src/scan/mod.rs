//! A file-share scanner over a real directory: what a scanning product does first. A parallel
//! walk that stats every entry, reads a sample of files, and finds duplicates by size, then by
//! content hash. `synthfs demo` points it at a fresh mount.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::stats::real::file_extension;

/// Files up to this size are hashed whole when they are duplicate candidates; bigger ones by
/// their first and last MiB (what scanners call a partial hash).
pub const FULL_HASH_MAX: u64 = 2 << 20;
const PARTIAL: usize = 1 << 20;
/// Bytes read from each sampled file: as much as content classifiers look at.
pub const SAMPLE_MAX: u64 = 8 << 20;

/// What to scan and how much to read.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Read one file in this many (up to [`SAMPLE_MAX`] of each; 1 reads every file, 0 none).
    pub sample_every: u64,
    /// Find duplicates (hash the files that share a size).
    pub duplicates: bool,
}

/// Files and bytes of one extension.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ExtensionTotals {
    pub name: String,
    pub files: u64,
    pub bytes: u64,
}

/// A file picked out by the scan (oldest, newest, largest).
#[derive(Clone, Debug, Serialize)]
pub struct Found {
    pub path: String,
    pub size: u64,
    pub mtime: i64,
}

/// What the scan saw.
#[derive(Clone, Debug, Serialize)]
pub struct ScanReport {
    pub root: String,
    pub files: u64,
    /// Directories, the root included.
    pub dirs: u64,
    /// Apparent bytes of the files.
    pub bytes: u64,
    /// Bytes the files take on disk (`st_blocks` x 512).
    pub allocated_bytes: u64,
    pub by_extension: Vec<ExtensionTotals>,
    /// By numeric uid (named by the caller).
    pub by_uid: Vec<(u32, u64, u64)>,
    pub oldest: Option<Found>,
    pub newest: Option<Found>,
    pub largest: Option<Found>,
    pub files_read: u64,
    pub bytes_read: u64,
    /// Redundant copies: in a set of k identical files, k - 1.
    pub duplicate_files: u64,
    pub duplicate_bytes: u64,
    pub duplicate_sets: u64,
    pub errors: u64,
    pub walk_seconds: f64,
    pub read_seconds: f64,
    pub dedup_seconds: f64,
    pub interrupted: bool,
}

/// A file as the walk records it for the later phases.
struct Seen {
    path: PathBuf,
    size: u64,
    ino: u64,
}

#[derive(Default)]
struct Acc {
    files: AtomicU64,
    dirs: AtomicU64,
    bytes: AtomicU64,
    allocated: AtomicU64,
    errors: AtomicU64,
    per_dir: Mutex<Vec<DirSummary>>,
}

/// What one directory's files add, merged once per directory (no lock per file).
#[derive(Default)]
struct DirSummary {
    by_ext: HashMap<String, (u64, u64)>,
    by_uid: HashMap<u32, (u64, u64)>,
    oldest: Option<Found>,
    newest: Option<Found>,
    largest: Option<Found>,
    seen: Vec<Seen>,
}

/// Scans `root`; stops early (with what it has) when `stop` is set.
pub fn scan(root: &Path, opts: &ScanOptions, stop: &AtomicBool) -> io::Result<ScanReport> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotADirectory, format!("{} is not a directory", root.display())));
    }
    let started = Instant::now();
    let acc = Acc::default();
    walk_dir(root, &acc, stop);
    let walk_seconds = started.elapsed().as_secs_f64();
    let summaries = acc.per_dir.into_inner().unwrap_or_default();
    let mut total = DirSummary::default();
    for s in summaries {
        merge(&mut total, s);
    }
    // Deterministic order for everything that follows.
    total.seen.sort_unstable_by(|a, b| a.path.cmp(&b.path));

    let read_started = Instant::now();
    let (files_read, bytes_read) = read_sample(&total.seen, opts.sample_every, stop);
    let read_seconds = read_started.elapsed().as_secs_f64();

    let dedup_started = Instant::now();
    let dups = if opts.duplicates { find_duplicates(&total.seen, stop) } else { Duplicates::default() };
    let dedup_seconds = dedup_started.elapsed().as_secs_f64();

    let mut by_extension: Vec<ExtensionTotals> =
        total.by_ext.into_iter().map(|(name, (files, bytes))| ExtensionTotals { name, files, bytes }).collect();
    by_extension.sort_by(|a, b| b.files.cmp(&a.files).then_with(|| a.name.cmp(&b.name)));
    let mut by_uid: Vec<(u32, u64, u64)> = total.by_uid.into_iter().map(|(u, (f, b))| (u, f, b)).collect();
    by_uid.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
    Ok(ScanReport {
        root: root.display().to_string(),
        files: g(&acc.files),
        dirs: g(&acc.dirs),
        bytes: g(&acc.bytes),
        allocated_bytes: g(&acc.allocated),
        by_extension,
        by_uid,
        oldest: total.oldest,
        newest: total.newest,
        largest: total.largest,
        files_read,
        bytes_read,
        duplicate_files: dups.files,
        duplicate_bytes: dups.bytes,
        duplicate_sets: dups.sets,
        errors: g(&acc.errors) + dups.errors,
        walk_seconds,
        read_seconds,
        dedup_seconds,
        interrupted: stop.load(Ordering::Relaxed),
    })
}

fn walk_dir(dir: &Path, acc: &Acc, stop: &AtomicBool) {
    if stop.load(Ordering::Relaxed) {
        return;
    }
    acc.dirs.fetch_add(1, Ordering::Relaxed);
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(_) => {
            acc.errors.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let mut subdirs = Vec::new();
    let mut s = DirSummary::default();
    for e in entries {
        let Ok(e) = e else {
            acc.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let path = e.path();
        // DirEntry::metadata is an lstat: links are not followed.
        let Ok(m) = e.metadata() else {
            acc.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        if m.is_dir() {
            subdirs.push(path);
        } else if m.is_file() {
            let size = m.len();
            acc.files.fetch_add(1, Ordering::Relaxed);
            acc.bytes.fetch_add(size, Ordering::Relaxed);
            acc.allocated.fetch_add(m.blocks() * 512, Ordering::Relaxed);
            let ext = extension_key(&path);
            let t = s.by_ext.entry(ext).or_default();
            t.0 += 1;
            t.1 += size;
            let u = s.by_uid.entry(m.uid()).or_default();
            u.0 += 1;
            u.1 += size;
            let found = || Found { path: path.display().to_string(), size, mtime: m.mtime() };
            if s.oldest.as_ref().is_none_or(|o| (m.mtime(), path.display().to_string()) < (o.mtime, o.path.clone())) {
                s.oldest = Some(found());
            }
            if s.newest.as_ref().is_none_or(|o| (m.mtime(), path.display().to_string()) > (o.mtime, o.path.clone())) {
                s.newest = Some(found());
            }
            if s.largest.as_ref().is_none_or(|o| (size, &o.path) > (o.size, &path.display().to_string())) {
                s.largest = Some(found());
            }
            s.seen.push(Seen { path, size, ino: m.ino() });
        }
    }
    if let Ok(mut list) = acc.per_dir.lock() {
        list.push(s);
    }
    subdirs.par_iter().for_each(|d| walk_dir(d, acc, stop));
}

fn merge(total: &mut DirSummary, s: DirSummary) {
    for (k, (f, b)) in s.by_ext {
        let t = total.by_ext.entry(k).or_default();
        t.0 += f;
        t.1 += b;
    }
    for (k, (f, b)) in s.by_uid {
        let t = total.by_uid.entry(k).or_default();
        t.0 += f;
        t.1 += b;
    }
    let older = |a: &Found, b: &Found| (a.mtime, &a.path) < (b.mtime, &b.path);
    if let Some(o) = s.oldest {
        if total.oldest.as_ref().is_none_or(|t| older(&o, t)) {
            total.oldest = Some(o);
        }
    }
    if let Some(n) = s.newest {
        if total.newest.as_ref().is_none_or(|t| older(t, &n)) {
            total.newest = Some(n);
        }
    }
    if let Some(l) = s.largest {
        if total.largest.as_ref().is_none_or(|t| (l.size, &t.path) > (t.size, &l.path)) {
            total.largest = Some(l);
        }
    }
    total.seen.extend(s.seen);
}

/// The lower-cased extension a scanner groups by (`(none)` without one, or past 12 bytes).
fn extension_key(path: &Path) -> String {
    match path.file_name().and_then(file_extension) {
        Some(e) if e.len() <= 12 => e,
        _ => "(none)".into(),
    }
}

/// Reads every `every`-th file (by inode, so the sample does not depend on walk order), up to
/// [`SAMPLE_MAX`] bytes of each.
fn read_sample(seen: &[Seen], every: u64, stop: &AtomicBool) -> (u64, u64) {
    if every == 0 {
        return (0, 0);
    }
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    seen.par_iter().filter(|s| s.ino % every == 0).for_each(|s| {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(n) = File::open(&s.path).and_then(|f| io::copy(&mut f.take(SAMPLE_MAX), &mut io::sink())) {
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(n, Ordering::Relaxed);
        }
    });
    (files.into_inner(), bytes.into_inner())
}

#[derive(Default)]
struct Duplicates {
    files: u64,
    bytes: u64,
    sets: u64,
    errors: u64,
}

/// Files that share a size are hashed (whole up to [`FULL_HASH_MAX`], else their first and
/// last MiB); equal hashes are duplicates. Empty files are not duplicates of each other.
fn find_duplicates(seen: &[Seen], stop: &AtomicBool) -> Duplicates {
    let mut by_size: HashMap<u64, Vec<&Seen>> = HashMap::new();
    for s in seen.iter().filter(|s| s.size > 0) {
        by_size.entry(s.size).or_default().push(s);
    }
    let candidates: Vec<&Seen> = by_size.into_values().filter(|v| v.len() > 1).flatten().collect();
    let hashed: Vec<Option<(u64, [u8; 32])>> =
        candidates
            .par_iter()
            .map(|s| {
                if stop.load(Ordering::Relaxed) {
                    None
                } else {
                    content_hash(&s.path, s.size).ok().map(|h| (s.size, h))
                }
            })
            .collect();
    let mut d = Duplicates { errors: hashed.iter().filter(|h| h.is_none()).count() as u64, ..Default::default() };
    let mut sets: HashMap<(u64, [u8; 32]), u64> = HashMap::new();
    for h in hashed.into_iter().flatten() {
        *sets.entry(h).or_default() += 1;
    }
    for ((size, _), n) in sets {
        if n > 1 {
            d.sets += 1;
            d.files += n - 1;
            d.bytes += (n - 1) * size;
        }
    }
    d
}

fn content_hash(path: &Path, size: u64) -> io::Result<[u8; 32]> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    if size <= FULL_HASH_MAX {
        let mut buf = vec![0u8; size as usize];
        f.read_exact(&mut buf)?;
        h.update(&buf);
    } else {
        let mut buf = vec![0u8; PARTIAL];
        f.read_exact(&mut buf)?;
        h.update(&buf);
        f.seek(SeekFrom::End(-(PARTIAL as i64)))?;
        f.read_exact(&mut buf)?;
        h.update(&buf);
    }
    Ok(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sizes_extensions_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/x.TXT"), b"hello").unwrap();
        std::fs::write(d.join("a/b/y.txt"), b"hello").unwrap();
        std::fs::write(d.join("a/b/z.pdf"), b"world").unwrap();
        std::fs::write(d.join("noext"), b"").unwrap();
        let stop = AtomicBool::new(false);
        let r = scan(d, &ScanOptions { sample_every: 1, duplicates: true }, &stop).unwrap();
        assert_eq!((r.files, r.dirs, r.bytes), (4, 3, 15));
        assert_eq!(r.by_extension[0], ExtensionTotals { name: "txt".into(), files: 2, bytes: 10 });
        assert_eq!((r.duplicate_files, r.duplicate_bytes, r.duplicate_sets), (1, 5, 1));
        assert_eq!(r.files_read, 4);
        assert_eq!(r.bytes_read, 15);
        assert!(r.largest.is_some() && r.oldest.is_some());
        assert!(scan(&d.join("noext"), &ScanOptions { sample_every: 0, duplicates: false }, &stop).is_err());
    }
}
