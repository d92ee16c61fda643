//! `synthfs verify smb://server/share/path`: a copy on an SMB share checked against the model
//! over the wire, as a Windows scanner would read it. Each folder is listed (names, sizes,
//! attributes, creation and write times, in a few round trips); where the tree has NT
//! security descriptors, each file's and folder's descriptor is read back (owner, group,
//! DACL and its protection), and each file's named streams; with `--content` every byte
//! the server holds is compared (the allocated ranges of a sparse file only: a hole reads as
//! zeros, and the model's zeros need not be stored).
//!
//! Times compare at 100 ns, what SMB carries. Modes and POSIX owners are not compared: an SMB
//! share shows neither. Symbolic links and hard links are not written to SMB, nor checked.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use smb2::msg::create::CreateDisposition;
use smb2::msg::directory_info::DirectoryInfoEntry;
use smb2::types::FileId;
use smb2::types::status::NtStatus;
use synthfs_model::tree::ZONE_TEXT;
use synthfs_model::windows::descriptor::SecurityDescriptor;
use synthfs_model::windows::dos_attrib::{FILE_ATTRIBUTE_DIRECTORY, nttime};
use synthfs_model::{FileAttrs, Tree};

use super::Report;
use super::detect::How;
use super::target::{Granularity, Keeps, Target};
use crate::counters::Counters;
use crate::materialize::marker::MARKER;
use crate::smb_client::in_flight::InFlight;
use crate::smb_client::listing::list_folder;
use crate::smb_client::wire::{self, Open, Req};
use crate::smb_client::{Credentials, Share, SmbError, SmbUrl, shown};

/// Attribute bits compared: read-only, hidden, system, directory, archive, sparse. (A server
/// may add others of its own, such as NORMAL or NOT_CONTENT_INDEXED.)
const COMPARED_ATTRIBUTES: u32 = 0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0020 | 0x0200;

/// What to compare on which share.
#[derive(Clone, Debug)]
pub struct SmbVerifyOptions {
    pub url: SmbUrl,
    pub creds: Credentials,
    pub connections: usize,
    /// How long a broken connection is made again before the run gives up.
    pub retry_window: std::time::Duration,
    pub threads: usize,
    pub content: bool,
    /// Compare owners and groups of the descriptors.
    pub owners: bool,
    pub times: bool,
}

struct Check<'a> {
    tree: &'a Tree,
    opts: &'a SmbVerifyOptions,
    share: Share,
    progress: &'a Counters,
    descriptors: bool,
    dirs: AtomicU64,
    missing: AtomicU64,
    extra: AtomicU64,
    different: AtomicU64,
    problems: Mutex<Vec<String>>,
}

/// What an SMB share keeps, as the report says it: NT times (100 ns), no POSIX modes, owners
/// or ACLs (owners and ACLs are the descriptors', compared as such).
const SMB: Target = Target::new(Granularity::NTFS, Keeps { modes: false, owners: false, posix_acls: false });

/// Compares the share's copy with the tree.
pub fn run(tree: &Tree, opts: &SmbVerifyOptions, progress: &Counters) -> Result<Report, SmbError> {
    let started = Instant::now();
    let runtime = crate::smb_client::runtime(opts.threads).map_err(|e| SmbError::Connect {
        server: opts.url.address(),
        user: opts.creds.user.clone(),
        why: e.to_string(),
    })?;
    runtime.block_on(async {
        let share = Share::connect(&opts.url, &opts.creds, opts.connections, opts.retry_window).await?;
        let check = Check {
            tree,
            opts,
            share,
            progress,
            descriptors: synthfs_model::ntacl::enabled(&tree.model),
            dirs: AtomicU64::new(0),
            missing: AtomicU64::new(0),
            extra: AtomicU64::new(0),
            different: AtomicU64::new(0),
            problems: Mutex::new(Vec::new()),
        };
        check.walk().await?;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (missing, extra, different) = (g(&check.missing), g(&check.extra), g(&check.different));
        let mut problems = check.problems.into_inner().unwrap_or_default();
        problems.sort();
        Ok(Report {
            dest: opts.url.to_string(),
            files_checked: g(&progress.files_written),
            dirs_checked: g(&check.dirs),
            links_checked: 0,
            missing,
            extra,
            different,
            bytes_hashed: g(&progress.bytes_written),
            first_problems: problems,
            filesystem: "smb".to_string(),
            time_granularity_ns: SMB.granularity.nanos(),
            not_kept: SMB.not_kept(),
            target_detected_by: How::Protocol,
            ok: missing == 0 && extra == 0 && different == 0,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        })
    })
}

impl<'a> Check<'a> {
    fn note(&self, counter: &AtomicU64, what: String) {
        counter.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut p) = self.problems.lock() {
            if p.len() < super::MAX_LISTED {
                p.push(what);
            }
        }
    }

    /// Folders depth first: each listed and compared name by name; the checks that need a
    /// handle (descriptors, streams, bytes) go out as jobs in flight.
    async fn walk(&'a self) -> Result<(), SmbError> {
        let mut inflight = InFlight::over(self.opts.connections);
        let mut stack = vec![(self.tree.root().clone(), self.opts.url.base())];
        while let Some((plan, path)) = stack.pop() {
            self.dirs.fetch_add(1, Ordering::Relaxed);
            let listed = match inflight.drive(list_folder(&self.share, &path)).await {
                Ok(l) => l,
                Err(e) if e.is_fatal() || matches!(e, SmbError::Lost { .. }) => return Err(e),
                Err(e) => {
                    self.note(&self.different, format!("{}: cannot list: {e}", shown(&path)));
                    continue;
                }
            };
            let mut there: HashMap<String, DirectoryInfoEntry> =
                listed.into_iter().map(|e| (e.file_name.clone(), e)).collect();
            if plan.index == 0 {
                there.remove(MARKER);
            }
            let (listing, attrs) = self.tree.build_listing_and_attrs(&plan);
            let links: HashSet<&str> = self
                .tree
                .links()
                .symlinks
                .iter()
                .filter(|l| l.parent == plan.index)
                .map(|l| l.name)
                .chain(self.tree.links().hard.iter().filter(|h| h.parent == plan.index).map(|h| h.name))
                .collect();
            for (entry, a) in listing.entries.iter().zip(attrs) {
                let name = &*entry.name;
                let file = SmbUrl::join(&path, name);
                match there.remove(name) {
                    None => self.note(&self.missing, format!("{}: missing", shown(&file))),
                    Some(e) => {
                        self.compare_listed_file(&file, &e, &a);
                        if self.descriptors || a.zone || self.opts.content {
                            inflight.push(Box::pin(self.file_job(file, a))).await;
                        } else {
                            self.progress.files_written.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            for c in self.tree.live_children(&plan) {
                let sub = SmbUrl::join(&path, &c.name);
                let child = self.tree.live_child_plan_uncached(&plan, &c);
                match there.remove(&*c.name) {
                    None => {
                        self.note(&self.missing, format!("{}: missing folder", shown(&sub)));
                        continue;
                    }
                    Some(e) => {
                        let d = self.tree.dir_attrs(&child);
                        let mut why = Vec::new();
                        if e.file_attributes & FILE_ATTRIBUTE_DIRECTORY == 0 {
                            why.push("not a folder".to_string());
                        }
                        self.compare_times(&e, [d.created, d.modified].map(nttime), &mut why);
                        if !why.is_empty() {
                            self.note(&self.different, format!("{}: {}", shown(&sub), why.join(", ")));
                        }
                    }
                }
                if self.descriptors {
                    inflight.push(Box::pin(self.folder_job(child.index, sub.clone()))).await;
                }
                stack.push((child, sub));
            }
            for name in there.keys().filter(|n| !links.contains(n.as_str())) {
                self.note(&self.extra, format!("{}: not in the model", shown(&SmbUrl::join(&path, name))));
            }
        }
        inflight.finish().await;
        Ok(())
    }

    /// What the folder listing tells of a file: size, attributes, creation and write times.
    fn compare_listed_file(&self, path: &str, e: &DirectoryInfoEntry, a: &FileAttrs) {
        let mut why = Vec::new();
        if e.file_attributes & FILE_ATTRIBUTE_DIRECTORY != 0 {
            why.push("a folder where a file should be".to_string());
        }
        if e.end_of_file != a.size() {
            why.push(format!("size {} != {}", e.end_of_file, a.size()));
        }
        let want = self.tree.file_windows_attributes(a) & COMPARED_ATTRIBUTES;
        let have = e.file_attributes & COMPARED_ATTRIBUTES;
        if have != want {
            why.push(format!("attributes 0x{have:x} != 0x{want:x}"));
        }
        self.compare_times(e, [a.created, a.modified].map(nttime), &mut why);
        if !why.is_empty() {
            self.note(&self.different, format!("{}: {}", shown(path), why.join(", ")));
        }
    }

    fn compare_times(&self, e: &DirectoryInfoEntry, [created, written]: [u64; 2], why: &mut Vec<String>) {
        if !self.opts.times {
            return;
        }
        if e.last_write_time.0 != written {
            why.push(format!("write time {} != {}", ticks(e.last_write_time.0), ticks(written)));
        }
        if e.creation_time.0 != created {
            why.push(format!("creation time {} != {}", ticks(e.creation_time.0), ticks(created)));
        }
    }

    async fn file_job(&self, path: String, a: FileAttrs) {
        let mut why = Vec::new();
        if let Err(e) = self.check_handle(&path, a.index, Some(&a), &mut why).await {
            why.push(format!("cannot read: {e}"));
        }
        if self.opts.content && why.is_empty() {
            match self.same_bytes(&path, &a).await {
                Ok(true) => {}
                Ok(false) => why.push("content differs".into()),
                Err(e) => why.push(format!("cannot read its bytes: {e}")),
            }
        }
        self.progress.files_written.fetch_add(1, Ordering::Relaxed);
        if !why.is_empty() {
            self.note(&self.different, format!("{}: {}", shown(&path), why.join(", ")));
        }
    }

    async fn folder_job(&self, index: u64, path: String) {
        let mut why = Vec::new();
        if let Err(e) = self.check_handle(&path, index, None, &mut why).await {
            why.push(format!("cannot read: {e}"));
        }
        if !why.is_empty() {
            self.note(&self.different, format!("{}: {}", shown(&path), why.join(", ")));
        }
    }

    /// The descriptor and (for a file) the named streams, in one chain.
    async fn check_handle(
        &self,
        path: &str,
        index: u64,
        file: Option<&FileAttrs>,
        why: &mut Vec<String>,
    ) -> Result<(), SmbError> {
        let info =
            wire::OWNER_SECURITY_INFORMATION | wire::GROUP_SECURITY_INFORMATION | wire::DACL_SECURITY_INFORMATION;
        let mut reqs = vec![wire::create(Open {
            name: path,
            access: wire::READ_ALL & !smb2::types::flags::FileAccessMask::FILE_READ_DATA,
            disposition: CreateDisposition::FileOpen,
            directory: file.is_none(),
            attributes: 0,
        })];
        if self.descriptors {
            reqs.push(wire::query_security(FileId::SENTINEL, info));
        }
        if file.is_some() {
            reqs.push(wire::query_file_info(FileId::SENTINEL, wire::FILE_STREAM_INFORMATION));
        }
        reqs.push(wire::close(FileId::SENTINEL));
        let replies = self.share.chain(&reqs).await?;
        let mut k = 1;
        if self.descriptors {
            let have = SecurityDescriptor::from_self_relative(&wire::query_output(&replies[k])?);
            k += 1;
            match (have, self.tree.security_descriptor(index)) {
                (Ok(have), Some(want)) => self.compare_descriptors(&have, &want, why),
                (Err(e), _) => why.push(format!("descriptor does not parse: {e}")),
                (Ok(_), None) => {}
            }
        }
        if let Some(a) = file {
            let streams = parse_streams(&wire::query_output(&replies[k])?);
            let named: Vec<&(String, u64)> = streams.iter().filter(|(n, _)| n != "::$DATA").collect();
            let want: Vec<(String, u64)> =
                if a.zone { vec![(":Zone.Identifier:$DATA".into(), ZONE_TEXT.len() as u64)] } else { Vec::new() };
            if named.iter().map(|s| (*s).clone()).collect::<Vec<_>>() != want {
                let have: Vec<String> = named.iter().map(|(n, s)| format!("{n} ({s} bytes)")).collect();
                why.push(format!(
                    "streams [{}] != [{}]",
                    have.join(", "),
                    want.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                ));
            } else if a.zone && self.opts.content {
                let bytes = self.read_range(&format!("{path}:Zone.Identifier"), 0, ZONE_TEXT.len() as u32).await?;
                if bytes != ZONE_TEXT.as_bytes() {
                    why.push("Zone.Identifier stream content differs".into());
                }
            }
        }
        Ok(())
    }

    fn compare_descriptors(&self, have: &SecurityDescriptor, want: &SecurityDescriptor, why: &mut Vec<String>) {
        if self.opts.owners && have.owner != want.owner {
            why.push(format!("owner {} != {}", sid_text(have.owner.as_ref()), sid_text(want.owner.as_ref())));
        }
        if self.opts.owners && have.group != want.group {
            why.push(format!("group {} != {}", sid_text(have.group.as_ref()), sid_text(want.group.as_ref())));
        }
        if have.dacl != want.dacl
            || have.dacl_protected != want.dacl_protected
            || have.dacl_auto_inherited != want.dacl_auto_inherited
        {
            let dacl_only =
                |sd: &SecurityDescriptor| SecurityDescriptor { owner: None, group: None, ..sd.clone() }.to_sddl();
            why.push(format!("DACL {} != {}", dacl_only(have), dacl_only(want)));
        }
    }

    /// Whether the bytes the server holds are the model's: every allocated range read and
    /// compared, and the model holding only zeros where the server has holes.
    async fn same_bytes(&self, path: &str, a: &FileAttrs) -> Result<bool, SmbError> {
        let allocated =
            if a.content.sparse.is_some() { self.allocated(path, a.size()).await? } else { vec![(0, a.size())] };
        let mut want = vec![0u8; self.share.max_io];
        let mut covered = 0u64;
        for (start, end) in &allocated {
            let mut off = *start;
            if covered < off && !self.model_zeros(a, covered, off, &mut want) {
                return Ok(false);
            }
            while off < *end {
                let n = ((end - off) as usize).min(self.share.max_io);
                let have = self.read_range(path, off, n as u32).await?;
                let got = self.tree.read_content(&a.content, off, &mut want[..n]);
                if have.len() != got || have[..] != want[..got] {
                    return Ok(false);
                }
                self.progress.bytes_written.fetch_add(n as u64, Ordering::Relaxed);
                off += n as u64;
            }
            covered = *end;
        }
        Ok(covered >= a.size() || self.model_zeros(a, covered, a.size(), &mut want))
    }

    /// Whether the model's bytes of `[from, to)` are all zeros (a hole on the server there is
    /// right).
    fn model_zeros(&self, a: &FileAttrs, from: u64, to: u64, buf: &mut [u8]) -> bool {
        let mut off = from;
        while off < to {
            if let Some(data) = a.content.seek_data(off).filter(|d| *d < to) {
                let n = ((to - data) as usize).min(buf.len());
                let got = self.tree.read_content(&a.content, data, &mut buf[..n]);
                if buf[..got].iter().any(|b| *b != 0) {
                    return false;
                }
                off = data + n as u64;
            } else {
                return true;
            }
        }
        true
    }

    /// The allocated ranges of `path`'s first `size` bytes, asked for again from the end of
    /// the last one while the server says there are more (STATUS_BUFFER_OVERFLOW).
    async fn allocated(&self, path: &str, size: u64) -> Result<Vec<(u64, u64)>, SmbError> {
        self.share
            .on_one_connection(|conn, tree, _| async move {
                let first = [
                    wire::open_file(path, wire::READ_ALL),
                    wire::query_allocated_ranges(FileId::SENTINEL, 0, size, 4096),
                ];
                let replies = wire::send(&conn, tree, &first).await?;
                let id = wire::created_file_id(&replies[0])
                    .ok_or(SmbError::Status { what: "create", status: replies[0].status })?;
                let mut ranges = Vec::new();
                let mut reply = replies.into_iter().nth(1);
                let result = loop {
                    let Some(r) = reply.take() else { break Ok(()) };
                    let more = r.status == NtStatus::BUFFER_OVERFLOW;
                    if !more && !r.status.is_success() {
                        break Err(SmbError::Status { what: "fsctl", status: r.status });
                    }
                    let out = match wire::ioctl_output(&r) {
                        Ok(out) => out,
                        Err(e) => break Err(e),
                    };
                    let batch: Vec<(u64, u64)> = out
                        .chunks_exact(16)
                        .map(|c| {
                            let off = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                            let len = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
                            (off, off.saturating_add(len))
                        })
                        .collect();
                    let from = batch.last().map(|r| r.1);
                    ranges.extend(batch);
                    match from.filter(|f| more && *f < size) {
                        None => break Ok(()),
                        Some(from) => {
                            let ask = wire::query_allocated_ranges(id, from, size - from, 4096);
                            match wire::send(&conn, tree, &[ask]).await {
                                Ok(mut next) => reply = next.pop(),
                                Err(e) => break Err(e),
                            }
                        }
                    }
                };
                let _ = wire::send(&conn, tree, &[wire::close(id)]).await;
                result.map(|()| ranges)
            })
            .await
    }

    async fn read_range(&self, path: &str, offset: u64, len: u32) -> Result<Vec<u8>, SmbError> {
        let reqs: [Req; 3] = [
            wire::open_file(path, wire::READ_ALL),
            wire::read(FileId::SENTINEL, offset, len),
            wire::close(FileId::SENTINEL),
        ];
        let replies = self.share.chain(&reqs).await?;
        wire::read_data(&replies[1])
    }
}

/// FILE_STREAM_INFORMATION ([MS-FSCC] 2.4.49): each stream's name and size.
fn parse_streams(buf: &[u8]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(head) = buf.get(at..at + 24) {
        let next = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let name_len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let size = u64::from_le_bytes([head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15]]);
        let Some(name) = buf.get(at + 24..at + 24 + name_len) else { break };
        let units: Vec<u16> = name.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        out.push((String::from_utf16_lossy(&units), size));
        if next == 0 {
            break;
        }
        at += next;
    }
    out
}

fn sid_text(s: Option<&synthfs_model::windows::sid::Sid>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "(none)".into())
}

/// An NT time as the report shows it: `2024-07-01T09:12:45.1234567Z`.
fn ticks(t: u64) -> String {
    let secs = (t / 10_000_000) as i64 - 11_644_473_600;
    let frac = t % 10_000_000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = synthfs_model::date::Date::from_days(days);
    format!("{date}T{:02}:{:02}:{:02}.{frac:07}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_information_lists_every_stream() {
        let mut buf = Vec::new();
        for (k, (name, size)) in [("::$DATA", 10u64), (":Zone.Identifier:$DATA", 26)].iter().enumerate() {
            let units: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            let entry_len = (24 + units.len()).next_multiple_of(8);
            let next = if k == 0 { entry_len as u32 } else { 0 };
            buf.extend_from_slice(&next.to_le_bytes());
            buf.extend_from_slice(&(units.len() as u32).to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&units);
            buf.resize(buf.len().next_multiple_of(8), 0);
        }
        assert_eq!(parse_streams(&buf), [("::$DATA".to_string(), 10), (":Zone.Identifier:$DATA".to_string(), 26)]);
    }

    #[test]
    fn ticks_show_as_utc_with_100ns() {
        // 2019-03-04T05:06:07Z, the REFERENCE's DOSATTRIB golden time.
        assert_eq!(ticks(0x01d4_d247_f970_8980), "2019-03-04T05:06:07.0000000Z");
    }
}
