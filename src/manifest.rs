//! `synthfs manifest`: the ground truth, one record per file, streamed from the model with no
//! disk involved: what a scanner of the mount (or of a copy) must find, file by file.
//!
//! Files come in index order (their ordinals), so shards `K/N` split the same records the way
//! materialize splits the files, and their outputs concatenated are the whole manifest. Folders
//! are gathered in batches; a batch's records are formatted in parallel and written in order,
//! so the output is identical for any thread count.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::materialize::shard::Shard;
use crate::model::attrs::SpecialOwner;
use crate::model::plan::DirPlan;
use crate::model::tree::WindowsOwner;
use crate::model::{FileAttrs, Role, Timestamp, Tree};

/// Record formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, u64)>(4);
        let writer = scope.spawn(move || -> io::Result<Written> {
            let mut written = Written::default();
            if format == Format::Csv {
                let header = format!("{}\r\n", COLUMNS.join(","));
                out.write_all(header.as_bytes())?;
                written.bytes += header.len() as u64;
            }
            for (bytes, n) in rx {
                out.write_all(&bytes)?;
                written.bytes += bytes.len() as u64;
                written.records += n;
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
                batch.par_iter().map(|j| records(tree, &owners, j, (lo, hi), format)).collect();
            if parts.into_iter().try_for_each(|p| tx.send(p)).is_err() {
                break;
            }
        }
        drop(tx);
        writer.join().unwrap_or_else(|_| Err(io::Error::other("the manifest writer panicked")))
    })
}

/// Owners as records name them, computed once per owner slot and department (with
/// [`Tree::windows_owner`]), so a record borrows them.
pub(crate) struct Owners {
    /// By owner slot: the person (or the SID of someone who left), department unset.
    slots: Vec<WindowsOwner>,
    /// By department + 1 (0 for none): its group as owner.
    groups: Vec<WindowsOwner>,
    /// Department names, by department.
    departments: Vec<String>,
    /// The built-in administrators and the service accounts, department unset.
    builtin: WindowsOwner,
    services: Vec<WindowsOwner>,
}

impl Owners {
    pub(crate) fn new(tree: &Tree) -> Owners {
        let depts = tree.model.profile.template.departments.len();
        let slots = tree.model.accounts().slots() as u32;
        Owners {
            slots: (0..slots).map(|o| tree.windows_owner(Some(o), None, false)).collect(),
            groups: std::iter::once(None)
                .chain((0..depts as u16).map(Some))
                .map(|d| tree.windows_owner(None, d, true))
                .collect(),
            departments: tree.model.profile.template.departments.iter().map(|d| d.name.clone()).collect(),
            builtin: tree.special_windows_owner(SpecialOwner::Builtin, None),
            services: (0..tree.model.profile.attributes.service_accounts.len().min(255))
                .map(|k| tree.special_windows_owner(SpecialOwner::Service(k as u8), None))
                .collect(),
        }
    }

    /// The owner of a file in a folder of `department`, and the department the record names.
    pub(crate) fn of(&self, a: &FileAttrs, department: Option<u16>) -> (&WindowsOwner, &str) {
        let person = self.slots.get(a.owner as usize);
        let special = match a.special_owner {
            Some(SpecialOwner::Builtin) => Some(&self.builtin),
            Some(SpecialOwner::Service(k)) => self.services.get(k as usize),
            None => None,
        };
        if let Some(owner) = special {
            let dept = department.and_then(|d| self.departments.get(d as usize)).map_or("", String::as_str);
            return (owner, dept);
        }
        let owner = if a.group_owner {
            let i = department.map_or(0, |d| d as usize + 1);
            self.groups.get(i).unwrap_or(&self.groups[0])
        } else {
            person.unwrap_or(&self.groups[0])
        };
        let dept = match department.and_then(|d| self.departments.get(d as usize)) {
            Some(d) => d.as_str(),
            None => person.map_or("", |p| p.department.as_str()),
        };
        (owner, dept)
    }
}

/// Visits, in index order, every folder holding files of the ordinal range `[lo, hi)`.
fn walk(
    tree: &Tree,
    plan: Arc<DirPlan>,
    path: String,
    base: u64,
    (lo, hi): (u64, u64),
    visit: &mut dyn FnMut(Job) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if base >= hi || base + plan.subtree_files <= lo {
        return ControlFlow::Continue(());
    }
    let mut next = base + plan.files;
    let children: Vec<(Arc<DirPlan>, String, u64)> = (0..plan.children.len())
        .map(|k| {
            let c = &plan.children[k];
            let at = next;
            next += c.files;
            let sub = if path.is_empty() { c.name.to_string() } else { format!("{path}/{}", c.name) };
            // Each folder is visited once: its plan skips the cache (and its upkeep).
            (Arc::new(tree.child_plan_uncached(&plan, k)), sub, at)
        })
        .collect();
    if plan.files > 0 && base < hi && base + plan.files > lo {
        visit(Job { plan, path, base })?;
    }
    for (child, sub, at) in children {
        walk(tree, child, sub, at, (lo, hi), visit)?;
    }
    ControlFlow::Continue(())
}

/// The records of one folder's files within the range.
fn records(tree: &Tree, owners: &Owners, job: &Job, (lo, hi): (u64, u64), format: Format) -> (Vec<u8>, u64) {
    let (listing, attrs) = tree.build_listing_and_attrs(&job.plan);
    let first = lo.saturating_sub(job.base) as usize;
    let last = (hi.saturating_sub(job.base)).min(job.plan.files) as usize;
    let mut out = Vec::with_capacity((last.saturating_sub(first)) * 512);
    let mut path = String::new();
    for (a, entry) in attrs.iter().zip(&listing.entries).take(last).skip(first) {
        path.clear();
        if !job.path.is_empty() {
            path.push_str(&job.path);
            path.push('/');
        }
        path.push_str(&entry.name);
        let (owner, department) = owners.of(a, job.plan.ctx.department);
        let class = tree.file_class(a).name();
        let r = Fields { a, path: &path, owner, department, class, event: tree.event_of(&job.plan.ctx) };
        match format {
            Format::Jsonl => r.json(&mut out),
            Format::Csv => r.csv(&mut out),
        }
    }
    (out, last.saturating_sub(first) as u64)
}

/// One file's values, written straight into the output.
struct Fields<'a> {
    a: &'a FileAttrs,
    path: &'a str,
    owner: &'a WindowsOwner,
    department: &'a str,
    /// The file's timestamp class (see `model::classes`).
    class: &'static str,
    /// The `[[event]]` whose cohort the file is in, or "".
    event: &'a str,
}

impl Fields<'_> {
    fn role(&self) -> &'static str {
        match self.a.role {
            Role::Original => "original",
            Role::Duplicate { .. } => "duplicate",
            Role::Temp => "temp",
            Role::Junk => "junk",
        }
    }

    fn duplicate_of(&self) -> Option<u64> {
        match self.a.role {
            Role::Duplicate { of } => Some(of + 1),
            _ => None,
        }
    }

    fn json(&self, out: &mut Vec<u8>) {
        let a = self.a;
        let mut num = itoa::Buffer::new();
        out.extend_from_slice(b"{\"path\":");
        json_str(self.path, out);
        for (key, n) in
            [(&b",\"inode\":"[..], a.index + 1), (b",\"size\":", a.size()), (b",\"allocated\":", a.allocated())]
        {
            out.extend_from_slice(key);
            out.extend_from_slice(num.format(n).as_bytes());
        }
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(type_name(a.ftype()).as_bytes());
        out.extend_from_slice(b"\",\"ext\":");
        json_str(a.ext, out);
        out.extend_from_slice(b",\"role\":\"");
        out.extend_from_slice(self.role().as_bytes());
        out.extend_from_slice(b"\",\"duplicate_of\":");
        match self.duplicate_of() {
            Some(d) => out.extend_from_slice(num.format(d).as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"owner\":");
        json_str(&self.owner.name, out);
        out.extend_from_slice(b",\"sid\":");
        json_str(&self.owner.sid, out);
        out.extend_from_slice(b",\"owner_kind\":\"");
        out.extend_from_slice(self.owner.kind.as_bytes());
        out.extend_from_slice(b"\",\"uid\":");
        out.extend_from_slice(num.format(a.uid).as_bytes());
        out.extend_from_slice(b",\"gid\":");
        out.extend_from_slice(num.format(a.gid).as_bytes());
        out.extend_from_slice(b",\"department\":");
        json_str(self.department, out);
        out.extend_from_slice(b",\"mode\":\"");
        mode(a.mode, out);
        for (key, t) in [
            (&b"\",\"created\":\""[..], a.created),
            (b"\",\"modified\":\"", a.modified),
            (b"\",\"accessed\":\"", a.accessed),
        ] {
            out.extend_from_slice(key);
            rfc3339(t, out);
        }
        out.extend_from_slice(b"\",\"file_class\":\"");
        out.extend_from_slice(self.class.as_bytes());
        out.extend_from_slice(b"\",\"event\":");
        if self.event.is_empty() {
            out.extend_from_slice(b"null");
        } else {
            json_str(self.event, out);
        }
        for (key, b) in [
            (&b",\"hidden\":"[..], a.hidden),
            (b",\"readonly\":", a.readonly),
            (b",\"zone_identifier\":", a.zone),
            (b",\"sparse\":", a.content.sparse.is_some()),
        ] {
            out.extend_from_slice(key);
            out.extend_from_slice(bool_str(b).as_bytes());
        }
        out.extend_from_slice(b"}\n");
    }

    /// A CSV row, in [`COLUMNS`] order.
    fn csv(&self, out: &mut Vec<u8>) {
        let a = self.a;
        let mut num = itoa::Buffer::new();
        csv_str(self.path, out);
        for n in [a.index + 1, a.size(), a.allocated()] {
            out.push(b',');
            out.extend_from_slice(num.format(n).as_bytes());
        }
        out.push(b',');
        out.extend_from_slice(type_name(a.ftype()).as_bytes());
        out.push(b',');
        csv_str(a.ext, out);
        out.push(b',');
        out.extend_from_slice(self.role().as_bytes());
        out.push(b',');
        if let Some(d) = self.duplicate_of() {
            out.extend_from_slice(num.format(d).as_bytes());
        }
        for s in [self.owner.name.as_str(), self.owner.sid.as_str(), self.owner.kind] {
            out.push(b',');
            csv_str(s, out);
        }
        for n in [a.uid, a.gid] {
            out.push(b',');
            out.extend_from_slice(num.format(n).as_bytes());
        }
        out.push(b',');
        csv_str(self.department, out);
        out.push(b',');
        mode(a.mode, out);
        for t in [a.created, a.modified, a.accessed] {
            out.push(b',');
            rfc3339(t, out);
        }
        out.push(b',');
        out.extend_from_slice(self.class.as_bytes());
        out.push(b',');
        csv_str(self.event, out);
        for b in [a.hidden, a.readonly, a.zone, a.content.sparse.is_some()] {
            out.push(b',');
            out.extend_from_slice(bool_str(b).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// A JSON string: quotes, backslashes and control characters escaped.
fn json_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Almost every name needs no escape: one scan (vectorised), one copy.
    if !bytes.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_str(s: &str, out: &mut Vec<u8>) {
    if s.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Four octal digits.
fn mode(m: u32, out: &mut Vec<u8>) {
    for shift in [9, 6, 3, 0] {
        out.push(b'0' + ((m >> shift) & 7) as u8);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC), as [`crate::model::date::format_rfc3339`] writes it.
fn rfc3339(t: Timestamp, out: &mut Vec<u8>) {
    let d = crate::model::date::Date::of_unix(t.secs);
    if !(0..=9999).contains(&d.year) {
        return out.extend_from_slice(crate::model::date::format_rfc3339(t.secs, t.nanos).as_bytes());
    }
    let s = t.secs.rem_euclid(86_400) as u32;
    // `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, built in place and copied once.
    let mut buf = *b"0000-00-00T00:00:00.000000000Z";
    for (v, at, n) in [
        (d.year as u32, 0, 4),
        (d.month, 5, 2),
        (d.day, 8, 2),
        (s / 3600, 11, 2),
        (s / 60 % 60, 14, 2),
        (s % 60, 17, 2),
        (t.nanos, 20, 9),
    ] {
        digits(v, &mut buf[at..at + n]);
    }
    out.extend_from_slice(&buf);
}

/// `v` in decimal, zero-padded to fill `into`.
fn digits(mut v: u32, into: &mut [u8]) {
    for d in into.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn type_name(t: crate::model::FileType) -> &'static str {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        crate::model::FileType::ALL
            .iter()
            .map(|t| serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
            .collect()
    });
    names.get(t.ordinal()).map_or("", String::as_str)
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_and_shards_concatenate_to_the_whole() {
        let mut p = crate::model::Profile::builtin("torture").unwrap();
        p.set_counts(Some(500), None);
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
                    crate::model::Location::File { parent, .. } => parent.ctx.department,
                    _ => None,
                }),
                a.group_owner,
            );
            assert_eq!((r["owner"].as_str().unwrap(), r["sid"].as_str().unwrap()), (w.name.as_str(), w.sid.as_str()));
            assert_eq!(r["department"], w.department);
            assert_eq!(r["modified"], crate::model::date::format_rfc3339(a.modified.secs, a.modified.nanos));
        }
        let mut csv = Vec::new();
        write(&tree, Format::Csv, Shard::ALL, &mut csv).unwrap();
        // The CSV: a header and one record per file (names with line breaks are quoted).
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("path,inode,size,") && csv.matches("\r\n").count() >= 501);
    }
}
