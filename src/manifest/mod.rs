//! `synthfs manifest`: the ground truth, one record per file, streamed from the model with no
//! disk involved: what a scanner of the mount (or of a copy) must find, file by file.
//!
//! Files come in index order (their ordinals), so shards `K/N` split the same records the way
//! materialize splits the files, and their outputs concatenated are the whole manifest. Folders
//! are gathered in batches; a batch's records are formatted in parallel and written in order,
//! so the output is identical for any thread count.

use std::io::{self, IoSlice, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

mod fields;

use crate::materialize::shard::Shard;
use fields::{Fields, json_chars, tails};
use synthfs_model::attrs::SpecialOwner;
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::WindowsOwner;
use synthfs_model::{FileAttrs, Tree};

/// Record formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// The columns, in CSV order (the JSONL keys are the same).
pub const COLUMNS: [&str; 24] = [
    "path",
    "inode",
    "size",
    "allocated",
    "type",
    "ext",
    "role",
    "duplicate_of",
    "owner",
    "sid",
    "owner_kind",
    "uid",
    "gid",
    "department",
    "mode",
    "created",
    "modified",
    "accessed",
    "file_class",
    "event",
    "hidden",
    "readonly",
    "zone_identifier",
    "sparse",
];

/// What a run wrote.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Written {
    pub records: u64,
    pub bytes: u64,
}

/// Folders per batch, and files: a batch is formatted in parallel, then written.
const BATCH_DIRS: usize = 512;
const BATCH_FILES: u64 = 64 << 10;

/// A folder with files of the shard: its plan, path and first file ordinal.
struct Job {
    plan: Arc<DirPlan>,
    path: String,
    base: u64,
}

/// Writes the records of shard `shard` (every file with `Shard::ALL`). A thread of its own
/// writes while the next batch is formatted.
pub fn write(tree: &Tree, format: Format, shard: Shard, out: &mut (dyn Write + Send)) -> io::Result<Written> {
    let (lo, hi) = shard.range(tree.file_count());
    let owners = Owners::new(tree);
    let text = Text { owner_columns: owner_columns(&owners, format), owners, tails: tails(format) };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Vec<u8>, u64)>>(2);
        let writer = scope.spawn(move || -> io::Result<Written> {
            let mut written = Written::default();
            if format == Format::Csv {
                let header = format!("{}\r\n", COLUMNS.join(","));
                out.write_all(header.as_bytes())?;
                written.bytes += header.len() as u64;
            }
            for parts in rx {
                // A batch goes out in one gathered write (far larger than any buffer on the
                // way, so no layer copies it).
                let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|(b, _)| IoSlice::new(b)).collect();
                write_all_vectored(out, &mut slices)?;
                for (bytes, n) in &parts {
                    written.bytes += bytes.len() as u64;
                    written.records += n;
                }
            }
            out.flush()?;
            Ok(written)
        });
        // The walk (planning folders) runs on a thread of its own, ahead of the formatting.
        let (jobs_tx, jobs_rx) = std::sync::mpsc::sync_channel::<Vec<Job>>(2);
        scope.spawn(move || {
            let mut batch: Vec<Job> = Vec::new();
            let mut files = 0u64;
            let root = tree.root().clone();
            let done = walk(tree, root, String::new(), 0, (lo, hi), &mut |job| {
                files += job.plan.files;
                batch.push(job);
                if batch.len() >= BATCH_DIRS || files >= BATCH_FILES {
                    files = 0;
                    if jobs_tx.send(std::mem::take(&mut batch)).is_err() {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            if done.is_continue() && !batch.is_empty() {
                let _ = jobs_tx.send(batch);
            }
        });
        for batch in jobs_rx {
            let parts: Vec<(Vec<u8>, u64)> =
                batch.par_iter().map(|j| records(tree, &text, j, (lo, hi), format)).collect();
            if tx.send(parts).is_err() {
                break;
            }
        }
        drop(tx);
        writer.join().unwrap_or_else(|_| Err(io::Error::other("the manifest writer panicked")))
    })
}

/// Writes every byte of `slices` (what `Write::write_all_vectored` does, not yet stable).
fn write_all_vectored(out: &mut (dyn Write + Send), mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "failed to write the whole manifest")),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Owners as records name them, computed once per owner slot and department (with
/// [`Tree::windows_owner`]), so a record borrows them.
pub(crate) struct Owners {
    /// Every owner a record can name: by owner slot the person (or the SID of someone who
    /// left), then each department's group (the first for none), then the built-in
    /// administrators, then the service accounts. Department unset in all.
    all: Vec<WindowsOwner>,
    groups_at: usize,
    builtin_at: usize,
    services_at: usize,
    /// Department names, by department.
    departments: Vec<String>,
}

impl Owners {
    pub(crate) fn new(tree: &Tree) -> Owners {
        let depts = tree.model.profile.template.departments.len();
        let slots = tree.model.accounts().slots() as u32;
        let mut all: Vec<WindowsOwner> = (0..slots).map(|o| tree.windows_owner(Some(o), None, false)).collect();
        let groups_at = all.len();
        all.extend(std::iter::once(None).chain((0..depts as u16).map(Some)).map(|d| tree.windows_owner(None, d, true)));
        let builtin_at = all.len();
        all.push(tree.special_windows_owner(SpecialOwner::Builtin, None));
        let services_at = all.len();
        let services = tree.model.profile.attributes.service_accounts.len().min(255);
        all.extend((0..services).map(|k| tree.special_windows_owner(SpecialOwner::Service(k as u8), None)));
        Owners {
            all,
            groups_at,
            builtin_at,
            services_at,
            departments: tree.model.profile.template.departments.iter().map(|d| d.name.clone()).collect(),
        }
    }

    /// Every owner, in the order [`Owners::which`] counts them.
    pub(crate) fn all(&self) -> &[WindowsOwner] {
        &self.all
    }

    /// The owner of a file in a folder of `department`, and the department the record names.
    pub(crate) fn of(&self, a: &FileAttrs, department: Option<u16>) -> (&WindowsOwner, &str) {
        let (i, dept) = self.which(a, department);
        (&self.all[i], dept)
    }

    /// Where in [`Owners::all`] the owner of a file in a folder of `department` is, and the
    /// department the record names.
    pub(crate) fn which(&self, a: &FileAttrs, department: Option<u16>) -> (usize, &str) {
        let person = (a.owner as usize) < self.groups_at;
        let named = department.and_then(|d| self.departments.get(d as usize)).map(String::as_str);
        let special = match a.special_owner {
            Some(SpecialOwner::Builtin) => Some(self.builtin_at),
            Some(SpecialOwner::Service(k)) => Some(self.services_at + k as usize).filter(|&i| i < self.all.len()),
            None => None,
        };
        if let Some(i) = special {
            return (i, named.unwrap_or(""));
        }
        let i = if a.group_owner {
            let i = department.map_or(self.groups_at, |d| self.groups_at + d as usize + 1);
            if i < self.builtin_at { i } else { self.groups_at }
        } else if person {
            a.owner as usize
        } else {
            self.groups_at
        };
        let dept = match named {
            Some(d) => d,
            None if person => self.all[a.owner as usize].department.as_str(),
            None => "",
        };
        (i, dept)
    }
}

/// Visits, in index order, every folder holding files of the ordinal range `[lo, hi)`. Past
/// epoch 0 the files that came into a folder since go with the shard holding the folder's
/// first ordinal (its anchor), so every shard is still a pure function of the tree.
fn walk(
    tree: &Tree,
    plan: Arc<DirPlan>,
    path: String,
    base: u64,
    (lo, hi): (u64, u64),
    visit: &mut dyn FnMut(Job) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let later = tree.epochs().is_some();
    let anchor = |b: u64| b.min(tree.file_count().saturating_sub(1));
    let outside = if later {
        anchor(base) >= hi || anchor(base + plan.subtree_files) < lo
    } else {
        base >= hi || base + plan.subtree_files <= lo
    };
    if outside {
        return ControlFlow::Continue(());
    }
    let mut next = base + plan.files;
    let mut bases = Vec::with_capacity(plan.children.len());
    for c in &plan.children {
        bases.push(next);
        next += c.files;
    }
    let children: Vec<(Arc<DirPlan>, String, u64)> = tree
        .live_children(&plan)
        .into_iter()
        .map(|c| {
            let sub = if path.is_empty() { c.name.to_string() } else { format!("{path}/{}", c.name) };
            // Each folder is visited once: its plan skips the cache (and its upkeep; at 10M files
            // inserting every plan cost more than the copies' lookups it saves) and stays only
            // among the recent plans, where copies find their originals' folders.
            (tree.live_child_plan_uncached(&plan, &c), sub, c.base(&bases, base))
        })
        .collect();
    let own = plan.files > 0 && base < hi && base + plan.files > lo;
    if own || (later && (lo..hi).contains(&anchor(base))) {
        visit(Job { plan, path, base })?;
    }
    for (child, sub, at) in children {
        walk(tree, child, sub, at, (lo, hi), visit)?;
    }
    ControlFlow::Continue(())
}

/// The text of a record's owner columns (owner, sid, owner_kind, each with its leading
/// separator), rendered once per owner.
fn owner_columns(owners: &Owners, format: Format) -> Vec<Box<[u8]>> {
    owners
        .all()
        .iter()
        .map(|o| {
            let mut out = Vec::new();
            for (key, s) in
                [(&b",\"owner\":"[..], o.name.as_str()), (b",\"sid\":", &o.sid), (b",\"owner_kind\":", o.kind)]
            {
                format.before(key, &mut out);
                format.text(s, &mut out);
            }
            out.into_boxed_slice()
        })
        .collect()
}

/// The records of one folder's files within the range.
fn records(tree: &Tree, text: &Text, job: &Job, (lo, hi): (u64, u64), format: Format) -> (Vec<u8>, u64) {
    let first = lo.saturating_sub(job.base);
    let last = (hi.saturating_sub(job.base)).min(job.plan.files);
    let anchored = (lo..hi).contains(&job.base.min(tree.file_count().saturating_sub(1)));
    // The folder's part of every path, escaped once for all its files.
    let mut dir = Vec::with_capacity(job.path.len() + 1);
    if !job.path.is_empty() {
        match format {
            Format::Jsonl => json_chars(&job.path, &mut dir),
            Format::Csv => dir.extend_from_slice(job.path.as_bytes()),
        }
        dir.push(b'/');
    }
    let mut out = Vec::with_capacity(last.saturating_sub(first) as usize * (RECORD_BYTES + dir.len()));
    let event = tree.event_of(&job.plan.ctx);
    let mut count = 0;
    // Every file is named (a name is made unique against the ones before it); those of the
    // range get a record: epoch-0 files by their ordinal, later ones by their folder's.
    tree.each_file(&job.plan, |a, name| {
        let inside = if synthfs_model::epoch::is_added(a.index) {
            anchored
        } else {
            (first..last).contains(&(a.index - job.plan.index - 1))
        };
        if inside {
            let (owner, department) = text.owners.which(&a, job.plan.ctx.department);
            let r = Fields {
                a: &a,
                dir: &dir,
                name,
                owner: &text.owner_columns[owner],
                department,
                class: tree.file_class(&a).name(),
                event,
                tails: &text.tails,
            };
            r.write(format, &mut out);
            count += 1;
        }
    });
    (out, count)
}

/// About how long a record is, its folder's path aside (for sizing buffers).
const RECORD_BYTES: usize = 600;

/// What every record of a run draws on: the owners, and their columns as text.
struct Text {
    owners: Owners,
    owner_columns: Vec<Box<[u8]>>,
    /// The end of a record outside any event's cohort, by [`Fields::flags`].
    tails: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::fields::rfc3339;
    use super::*;
    use synthfs_model::Timestamp;

    /// A writer that takes at most 7 bytes a call, from one slice at a time.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn timestamps_read_as_the_model_formats_them() {
        let cases = [(0i64, 0u32), (59, 5), (1_764_547_199, 999_999_999), (951_782_400, 123_456_789), (-86_401, 10)];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        // Every second of 0000-01-01 to 9999-12-31 is as likely, and any nanosecond.
        let spread = (0..100_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x % 315_537_897_600) as i64 - 62_167_219_200, (x >> 32) as u32 % 1_000_000_000)
        });
        for (secs, nanos) in cases.into_iter().chain(spread) {
            let mut out = Vec::new();
            rfc3339(Timestamp { secs, nanos }, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), synthfs_model::date::format_rfc3339(secs, nanos));
        }
    }

    #[test]
    fn gathered_writes_survive_short_writes() {
        let parts: Vec<Vec<u8>> = (0..50u8).map(|k| vec![k; usize::from(k % 11)]).collect();
        let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let mut out = Trickle(Vec::new());
        write_all_vectored(&mut out, &mut slices).unwrap();
        assert_eq!(out.0, parts.concat());
    }

    #[test]
    fn records_parse_and_shards_concatenate_to_the_whole() {
        let mut p = synthfs_model::Profile::builtin_with_files("torture", 500).unwrap();
        p.torture.control_chars = true;
        let tree = Tree::new(p).unwrap();
        let mut whole = Vec::new();
        write(&tree, Format::Jsonl, Shard::ALL, &mut whole).unwrap();
        let mut parts = Vec::new();
        for k in 0..3 {
            write(&tree, Format::Jsonl, Shard { k, n: 3 }, &mut parts).unwrap();
        }
        assert_eq!(parts, whole);
        let text = String::from_utf8(whole).unwrap();
        let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 500);
        let all: Vec<FileAttrs> = (1..tree.node_count()).filter_map(|i| tree.file_attrs(i)).collect();
        for (r, a) in rows.iter().zip(&all) {
            assert_eq!(r["path"], tree.path(a.index).unwrap());
            assert_eq!(r["inode"], a.index + 1);
            assert_eq!(r["size"], a.size());
            let w = tree.windows_owner(
                Some(a.owner),
                tree.locate(a.index).and_then(|l| match l {
                    synthfs_model::Location::File { parent, .. } => parent.ctx.department,
                    _ => None,
                }),
                a.group_owner,
            );
            assert_eq!((r["owner"].as_str().unwrap(), r["sid"].as_str().unwrap()), (w.name.as_str(), w.sid.as_str()));
            assert_eq!(r["department"], w.department);
            assert_eq!(r["modified"], synthfs_model::date::format_rfc3339(a.modified.secs, a.modified.nanos));
        }
        let mut csv = Vec::new();
        write(&tree, Format::Csv, Shard::ALL, &mut csv).unwrap();
        // The CSV: a header and one record per file (names with line breaks are quoted).
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("path,inode,size,") && csv.matches("\r\n").count() >= 501);
    }
}
