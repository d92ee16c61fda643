//! One file onto the share: its compound chain (or, bigger than one, its handle held over
//! several), its stream before its descriptor, the removal of what a failed try left, and the
//! ladder of what a descriptor sets when the server refuses owners.

use std::future::Future;
use std::sync::atomic::Ordering;

use smb2::msg::create::CreateDisposition;
use smb2::types::FileId;
use smb2::types::flags::FileAccessMask;
use smb2::types::status::NtStatus;
use synthfs_model::FileAttrs;
use synthfs_model::tree::ZONE_TEXT;
use synthfs_model::windows::dos_attrib::{FILE_ATTRIBUTE_DIRECTORY, nttime};

use super::{Found, Run};
use crate::smb_client::SmbError;
use crate::smb_client::wire::{self, Open, Req};

/// The attributes a rerun compares: read-only, hidden, system, directory, archive, sparse.
const RESUME_ATTRIBUTES: u32 = 0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0020 | 0x0200;
/// [MS-FSCC] 2.6: no other attribute set.
const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;

/// How much of a descriptor the account may set: everything, or less once refused.
pub(super) const SET_ALL: u8 = 0;
pub(super) const SET_GROUP_AND_DACL: u8 = 1;
const SET_DACL: u8 = 2;

/// Removes file `path`, clearing the attributes that would refuse it (read-only, and hidden
/// or system, which refuse an overwrite).
fn remove_reqs(path: &str) -> [Req; 4] {
    [
        wire::create(Open {
            name: path,
            access: FileAccessMask::DELETE | FileAccessMask::FILE_WRITE_ATTRIBUTES | FileAccessMask::SYNCHRONIZE,
            disposition: CreateDisposition::FileOpen,
            directory: false,
            attributes: 0,
        }),
        wire::set_basic(FileId::SENTINEL, 0, 0, 0, FILE_ATTRIBUTE_NORMAL),
        wire::set_delete_on_close(FileId::SENTINEL),
        wire::close(FileId::SENTINEL),
    ]
}

/// Whether the server refused setting an owner or group (or opening with WRITE_OWNER).
fn is_refusal(e: &SmbError) -> bool {
    let SmbError::Status { what, status } = e else { return false };
    let refusal = [wire::STATUS_INVALID_OWNER, wire::STATUS_PRIVILEGE_NOT_HELD, NtStatus::ACCESS_DENIED];
    matches!(*what, "set security descriptor" | "create") && refusal.contains(status)
}

/// The access to open with at a security level: WRITE_OWNER only where owners are set.
fn access_at(access: u32, level: u8) -> u32 {
    if level == SET_ALL { access } else { access & !FileAccessMask::WRITE_OWNER }
}

impl Run<'_> {
    /// Writes file `a` as `path`; `Ok(false)` when it was already complete.
    pub(super) async fn file(&self, path: &str, a: &FileAttrs, found: Option<Found>) -> Result<bool, SmbError> {
        // Complete: the size, the attributes and the write time (set last) are the model's.
        // Without times nothing marks a file complete, so every file is written again.
        if let Some(f) = found.filter(|_| self.opts.times) {
            let kept = |attributes: u32| attributes & RESUME_ATTRIBUTES;
            if f.written == nttime(a.modified)
                && f.size == a.size()
                && kept(f.attributes) == kept(self.tree.file_windows_attributes(a))
            {
                return Ok(false);
            }
        }
        if self.opts.dry_run {
            return Ok(true);
        }
        if found.is_some() {
            // Another file under the name (a write cut short, another tree's): gone first, as
            // read-only, hidden or system attributes would refuse overwriting it.
            self.remove(path).await?;
        }
        let has_descriptor = self.tree.security_descriptor(a.index).is_some();
        self.with_refusals(path, has_descriptor, |level| self.write_file(path, a, level)).await?;
        Ok(true)
    }

    /// Runs `write` at the run's security level; where the server refuses what that level
    /// sets (an owner or group needs a privilege the account may lack: STATUS_INVALID_OWNER,
    /// PRIVILEGE_NOT_HELD, or ACCESS_DENIED on the descriptor or on opening with
    /// WRITE_OWNER), tries again setting less. Only when that then works does the whole run
    /// step down (so a folder whose DACL refuses the writer is an error, not a refusal of
    /// owners), and it says so once.
    async fn with_refusals<F, Fut>(&self, path: &str, has_descriptor: bool, write: F) -> Result<(), SmbError>
    where
        F: Fn(u8) -> Fut,
        Fut: Future<Output = Result<(), SmbError>>,
    {
        let mut level = self.security.load(Ordering::Relaxed);
        let mut tried_again = false;
        loop {
            match write(level).await {
                // A refused CREATE may be the file's own leftovers (removed on the failure):
                // once more as it was before setting less.
                Err(SmbError::Status { what: "create", .. }) if !tried_again => tried_again = true,
                Err(e) if level < SET_DACL && is_refusal(&e) => {
                    tracing::debug!("{path}: {e}; trying again without setting owners");
                    level += 1;
                }
                Err(e) => return Err(e),
                Ok(()) => {
                    if level != self.security.load(Ordering::Relaxed) {
                        self.security.fetch_max(level, Ordering::Relaxed);
                        self.said_owners_refused();
                    }
                    if self.opts.owners && level != SET_ALL && has_descriptor {
                        self.owners_not_set.fetch_add(1, Ordering::Relaxed);
                    }
                    return Ok(());
                }
            }
        }
    }

    fn said_owners_refused(&self) {
        if !self.opts.owners {
            return;
        }
        if let Ok(mut said) = self.owners_refused.lock() {
            if said.is_none() {
                let why = "the server refused to set owners: the account needs to be one of Samba's `admin users`, or to hold SeRestorePrivilege on Windows; files and folders keep the writer as owner, their DACLs are set".to_string();
                tracing::warn!("{why}");
                *said = Some(why);
            }
        }
    }

    /// The parts of a descriptor to set at `level`.
    fn security_info(level: u8) -> u32 {
        match level {
            SET_ALL => {
                wire::OWNER_SECURITY_INFORMATION | wire::GROUP_SECURITY_INFORMATION | wire::DACL_SECURITY_INFORMATION
            }
            SET_GROUP_AND_DACL => wire::GROUP_SECURITY_INFORMATION | wire::DACL_SECURITY_INFORMATION,
            _ => wire::DACL_SECURITY_INFORMATION,
        }
    }

    /// The metadata requests of a file or folder, on `file`: its descriptor, then its
    /// attributes and times.
    fn meta_reqs(&self, file: FileId, index: u64, attributes: u32, times: [u64; 3], level: u8) -> Vec<Req> {
        let mut reqs = Vec::with_capacity(2);
        if let Some(sd) = self.tree.security_descriptor(index) {
            let mut bytes = sd.to_self_relative();
            if sd.dacl_auto_inherited {
                // SE_DACL_AUTO_INHERIT_REQ (0x0100, the control's high byte): how a client asks a server to keep
                // SE_DACL_AUTO_INHERITED ([MS-DTYP] 2.4.6); without it Samba clears it.
                if let Some(high) = bytes.get_mut(3) {
                    *high |= 0x01;
                }
            }
            reqs.push(wire::set_security(file, bytes, Self::security_info(level)));
        }
        let [created, accessed, written] = if self.opts.times { times } else { [0; 3] };
        reqs.push(wire::set_basic(file, created, accessed, written, attributes));
        reqs
    }

    /// Writes the file ([`Run::write_one`]); one that failed halfway is removed, so that its
    /// times (which a server may set even after a request before them failed) never make it
    /// look complete.
    async fn write_file(&self, path: &str, a: &FileAttrs, level: u8) -> Result<(), SmbError> {
        let written = self.write_one(path, a, level).await;
        if written.is_err() {
            let _ = self.remove(path).await;
        }
        written
    }

    /// Removes file `path` (clearing the attributes that would refuse it); gone already is fine.
    pub(super) async fn remove(&self, path: &str) -> Result<(), SmbError> {
        match self.share.chain(&remove_reqs(path)).await {
            Err(e) if e.is_not_found() => Ok(()),
            done => done.map(|_| ()),
        }
    }

    async fn write_one(&self, path: &str, a: &FileAttrs, level: u8) -> Result<(), SmbError> {
        let access = access_at(wire::WRITE_ALL, level);
        let sparse = a.content.sparse.is_some();
        let runs = if sparse { a.content.data_runs() } else { vec![(0, a.size())] };
        let data: u64 = runs.iter().map(|(s, e)| e - s).sum();
        // SPARSE_FILE too: Windows ignores it here (FSCTL_SET_SPARSE set it), Samba would clear it.
        let attributes = self.tree.file_windows_attributes(a);
        let times = [nttime(a.created), nttime(a.accessed), nttime(a.modified)];
        let open = |name| Open {
            name,
            access,
            disposition: CreateDisposition::FileOverwriteIf,
            directory: false,
            attributes: 0,
        };
        let small = data <= self.share.max_io as u64;
        if small {
            let mut reqs = vec![wire::create(open(path))];
            if sparse {
                reqs.push(wire::set_sparse(FileId::SENTINEL));
            }
            for (start, end) in &runs {
                self.data_reqs(a, *start, *end, FileId::SENTINEL, &mut reqs);
            }
            if sparse {
                reqs.push(wire::set_end_of_file(FileId::SENTINEL, a.size()));
            }
            if !a.zone {
                reqs.extend(self.meta_reqs(FileId::SENTINEL, a.index, attributes, times, level));
                if sparse {
                    // Again: Samba clears the mark when the attributes are set.
                    reqs.push(wire::set_sparse(FileId::SENTINEL));
                }
            }
            reqs.push(wire::close(FileId::SENTINEL));
            // Sent again after a break, the chain may find the file it made (read-only, with
            // a DACL): that goes first.
            self.share.chain_again_after(&reqs, &remove_reqs(path)).await?;
        } else {
            self.write_large(path, a, &runs, access).await?;
        }
        if !a.zone {
            return if small { Ok(()) } else { self.set_meta(path, a.index, attributes, times, level, sparse).await };
        }
        let stream = format!("{path}:Zone.Identifier");
        let reqs = [
            wire::create(open(&stream)),
            wire::write(FileId::SENTINEL, 0, ZONE_TEXT.as_bytes().to_vec()),
            wire::close(FileId::SENTINEL),
        ];
        self.share.chain(&reqs).await?;
        self.set_meta(path, a.index, attributes, times, level, sparse).await
    }

    /// `[start, end)` of a file's bytes as WRITEs of at most the share's I/O size.
    fn data_reqs(&self, a: &FileAttrs, start: u64, end: u64, file: FileId, reqs: &mut Vec<Req>) {
        let mut off = start;
        while off < end {
            let n = ((end - off) as usize).min(self.share.max_io);
            let mut buf = vec![0u8; n];
            let got = self.tree.read_content(&a.content, off, &mut buf);
            buf.truncate(got);
            reqs.push(wire::write(file, off, buf));
            off += n as u64;
        }
    }

    /// A file bigger than one chain: open (sparse if it is), write its data ranges a chunk
    /// at a time, set its length, close. Its metadata follows in [`Run::set_meta`].
    async fn write_large(&self, path: &str, a: &FileAttrs, runs: &[(u64, u64)], access: u32) -> Result<(), SmbError> {
        let sparse = a.content.sparse.is_some();
        self.share
            .on_one_connection(|conn, tree, attempt| async move {
                if attempt > 0 {
                    let _ = wire::send_chain(&conn, tree, &remove_reqs(path)).await;
                }
                let mut reqs = vec![wire::create(Open {
                    name: path,
                    access,
                    disposition: CreateDisposition::FileOverwriteIf,
                    directory: false,
                    attributes: 0,
                })];
                if sparse {
                    reqs.push(wire::set_sparse(FileId::SENTINEL));
                }
                let replies = wire::send(&conn, tree, &reqs).await?;
                let id = wire::created_file_id(&replies[0])
                    .ok_or(SmbError::Status { what: "create", status: replies[0].status })?;
                let result = async {
                    if let Some(r) = replies.iter().find(|r| !r.status.is_success()) {
                        return Err(SmbError::Status { what: "fsctl", status: r.status });
                    }
                    for (start, end) in runs {
                        let mut off = *start;
                        while off < *end {
                            let mut one = Vec::with_capacity(1);
                            let next = (off + self.share.max_io as u64).min(*end);
                            self.data_reqs(a, off, next, id, &mut one);
                            let r = wire::send(&conn, tree, &one).await?;
                            if !r[0].status.is_success() {
                                return Err(SmbError::Status { what: "write", status: r[0].status });
                            }
                            off = next;
                        }
                    }
                    let r = wire::send(&conn, tree, &[wire::set_end_of_file(id, a.size())]).await?;
                    if !r[0].status.is_success() {
                        return Err(SmbError::Status { what: "set end of file", status: r[0].status });
                    }
                    Ok(())
                }
                .await;
                let closed = wire::send(&conn, tree, &[wire::close(id)]).await;
                result.and(closed.map(|_| ()))
            })
            .await
    }

    /// Opens `path` (a folder if `attributes` say so) and sets its descriptor, attributes
    /// and times; marks a sparse file sparse again after (Samba clears the mark when the
    /// attributes are set).
    async fn set_meta(
        &self,
        path: &str,
        index: u64,
        attributes: u32,
        times: [u64; 3],
        level: u8,
        sparse: bool,
    ) -> Result<(), SmbError> {
        let mut reqs = vec![wire::create(Open {
            name: path,
            access: access_at(wire::WRITE_META, level),
            disposition: CreateDisposition::FileOpen,
            directory: attributes & FILE_ATTRIBUTE_DIRECTORY != 0,
            attributes: 0,
        })];
        reqs.extend(self.meta_reqs(FileId::SENTINEL, index, attributes, times, level));
        if sparse {
            reqs.push(wire::set_sparse(FileId::SENTINEL));
        }
        reqs.push(wire::close(FileId::SENTINEL));
        self.share.chain(&reqs).await.map(|_| ())
    }

    /// A file whose bytes stay: its descriptor, attributes and times set through a handle.
    pub(super) async fn metadata_in_place(&self, path: &str, a: &FileAttrs) -> Result<(), SmbError> {
        let attributes = self.tree.file_windows_attributes(a);
        let times = [nttime(a.created), nttime(a.accessed), nttime(a.modified)];
        let has_descriptor = self.tree.security_descriptor(a.index).is_some();
        let sparse = a.content.sparse.is_some();
        self.with_refusals(path, has_descriptor, |level| self.set_meta(path, a.index, attributes, times, level, sparse))
            .await
    }

    pub(super) async fn folder_meta_job(&self, index: u64, path: String, times: [u64; 3]) {
        let has_descriptor = self.tree.security_descriptor(index).is_some();
        let set = |level| self.set_meta(&path, index, FILE_ATTRIBUTE_DIRECTORY, times, level, false);
        if let Err(e) = self.with_refusals(&path, has_descriptor, set).await {
            self.fail(&path, e);
        }
    }
}
