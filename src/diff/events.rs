//! `diff --events`: the changes between two epochs as a Windows file server's object-access
//! audit would log them, for SIEM and file-activity tools to ingest.
//!
//! One record per operation, in time order, each inside the interval and carried out by an
//! account that works there (a home's user, a member of the folder's department; never a
//! leaver: see `attrs::actor`):
//! - 4663 (an attempt was made to access an object) with `WriteData (or AddFile)` for a file
//!   made or written (one per modification: a file saved three times in a week has three),
//!   `DELETE` for a file or folder deleted or renamed (then `AddFile` on its folder),
//!   `WRITE_OWNER` or `WriteAttributes` for a metadata change;
//! - 4660 (an object was deleted) after each deletion's 4663;
//! - 4670 (permissions on an object were changed) for an owner handed over, with the old and
//!   new owner as SDDL, and for a DACL changed (a direct grant added to a folder, its
//!   inheritance broken), with the old and new DACL: one on the folder and one on each file
//!   and folder below whose DACL changed with it, as a client propagating inherited ACEs
//!   writes each one, at the time of the folder's last change in the interval.

use serde::Serialize;
use synthfs_model::attrs::{self, FileAttrs, Timestamp};
use synthfs_model::epoch::{Change as Kind, Epochs, Tier};
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::{Location, Tree};
use synthfs_model::windows::SecurityDescriptor;

use super::{Change, ChangeKind, Diff};

/// One audit record, with the fields Windows puts in its event data.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEvent {
    #[serde(rename = "TimeCreated")]
    pub time_created: String,
    #[serde(rename = "EventID")]
    pub event_id: u32,
    #[serde(rename = "Computer")]
    pub computer: String,
    #[serde(rename = "SubjectUserSid")]
    pub user_sid: String,
    #[serde(rename = "SubjectUserName")]
    pub user_name: String,
    #[serde(rename = "SubjectDomainName")]
    pub domain: String,
    #[serde(rename = "SubjectLogonId")]
    pub logon_id: String,
    #[serde(rename = "ObjectServer")]
    pub object_server: &'static str,
    #[serde(rename = "ObjectType", skip_serializing_if = "Option::is_none")]
    pub object_type: Option<&'static str>,
    #[serde(rename = "ObjectName", skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    #[serde(rename = "HandleId")]
    pub handle_id: String,
    #[serde(rename = "AccessList", skip_serializing_if = "Option::is_none")]
    pub access_list: Option<&'static str>,
    #[serde(rename = "AccessMask", skip_serializing_if = "Option::is_none")]
    pub access_mask: Option<&'static str>,
    #[serde(rename = "ProcessId")]
    pub process_id: &'static str,
    #[serde(rename = "OldSd", skip_serializing_if = "Option::is_none")]
    pub old_sd: Option<String>,
    #[serde(rename = "NewSd", skip_serializing_if = "Option::is_none")]
    pub new_sd: Option<String>,
    /// When, for ordering (not printed).
    #[serde(skip)]
    pub at: Timestamp,
}

/// What an operation did to its object.
#[derive(Clone, Copy)]
enum Access {
    Write,
    Delete,
    WriteOwner,
    WriteDac,
    WriteAttributes,
}

impl Access {
    fn list_and_mask(self) -> (&'static str, &'static str) {
        match self {
            Access::Write => ("%%4417", "0x2"),
            Access::Delete => ("%%1537", "0x10000"),
            Access::WriteOwner => ("%%1540", "0x80000"),
            Access::WriteDac => ("%%1539", "0x40000"),
            Access::WriteAttributes => ("%%4424", "0x100"),
        }
    }
}

/// Builds the events of one diff.
struct Log<'a> {
    diff: &'a Diff<'a>,
    ep: &'a Epochs,
    out: Vec<AuditEvent>,
    computer: String,
    domain: String,
    share: String,
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffZ`, as Windows writes an event's SystemTime.
fn system_time(t: Timestamp) -> String {
    let mut s = synthfs_model::date::format_rfc3339(t.secs, t.nanos);
    if let Some(dot) = s.find('.') {
        s.truncate((dot + 8).min(s.len()));
        s.push('Z');
    }
    s
}

/// `ns` nanoseconds after `at` (within its second): the record that follows another.
fn just_after(at: Timestamp, ns: u32) -> Timestamp {
    Timestamp { nanos: (at.nanos + ns).min(999_999_999), ..at }
}

/// The audit stream of `diff` (whose `from` must come before its `to`), in time order.
pub fn events(diff: &Diff<'_>, changes: &[Change]) -> Vec<AuditEvent> {
    let accounts = diff.to.model.accounts();
    let mut log = Log {
        diff,
        ep: diff.to.churn(),
        out: Vec::new(),
        computer: format!("FS01.{}", accounts.domain().to_ascii_lowercase()),
        domain: accounts.domain().to_string(),
        share: format!("D:\\Shares\\{}", diff.to.model.profile.name),
    };
    drop(accounts);
    // Folders deleted: their contents go with them, at their time.
    let mut gone: Vec<(String, Timestamp, u32)> = Vec::new();
    for c in changes {
        log.change(c, &mut gone);
    }
    let mut out = log.out;
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.handle_id.cmp(&b.handle_id)).then(a.event_id.cmp(&b.event_id)));
    out
}

impl Log<'_> {
    fn object(&self, path: &str) -> String {
        if path.is_empty() { self.share.clone() } else { format!("{}\\{}", self.share, path.replace('/', "\\")) }
    }

    /// One record for `who` (an owner slot) at `at` on `path`.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        event_id: u32,
        who: u32,
        at: Timestamp,
        path: &str,
        access: Option<Access>,
        handle: u64,
        sd: Option<(String, String)>,
    ) {
        let tree = self.diff.to;
        let accounts = tree.model.accounts();
        let name = accounts.owner_name(who);
        let user = name.rsplit('\\').next().unwrap_or(&name).to_string();
        let (access_list, access_mask) = access.map(Access::list_and_mask).unzip();
        let (old_sd, new_sd) = sd.unzip();
        self.out.push(AuditEvent {
            time_created: system_time(at),
            event_id,
            computer: self.computer.clone(),
            user_sid: accounts.sid(who),
            user_name: user,
            domain: self.domain.clone(),
            logon_id: format!("0x{:x}", 0x3e7_0000 + u64::from(who) * 0x1d),
            object_server: "Security",
            object_type: (event_id != 4660).then_some("File"),
            object_name: (event_id != 4660).then(|| self.object(path)),
            handle_id: format!("0x{:x}", 0x100 + (handle % 0xffff) * 4),
            access_list,
            access_mask,
            process_id: "0x4",
            old_sd,
            new_sd,
            at,
        });
    }

    /// A deletion: DELETE, then "object deleted".
    fn delete(&mut self, who: u32, at: Timestamp, path: &str, handle: u64) {
        self.push(4663, who, at, path, Some(Access::Delete), handle, None);
        self.push(4660, who, just_after(at, 100), path, None, handle, None);
    }

    /// A rename: DELETE on the old name, then AddFile on its folder.
    fn rename(&mut self, who: u32, at: Timestamp, old: &str, new: &str, handle: u64) {
        self.push(4663, who, at, old, Some(Access::Delete), handle, None);
        let folder = new.rsplit_once('/').map_or("", |(d, _)| d);
        self.push(4663, who, just_after(at, 200), folder, Some(Access::Write), handle + 1, None);
    }

    fn file_at(&self, tree: &Tree, index: u64) -> Option<(std::sync::Arc<DirPlan>, FileAttrs)> {
        match tree.locate(index)? {
            Location::File { parent, slot } => {
                let a = tree.file_attrs_in(&parent, slot);
                Some((parent, a))
            }
            _ => None,
        }
    }

    fn change(&mut self, c: &Change, gone: &mut Vec<(String, Timestamp, u32)>) {
        let (from, to) = (self.diff.from, self.diff.to);
        let (m, n) = (from.epoch(), to.epoch());
        let index = c.inode - 1;
        if c.kind == "dir" {
            let Some(plan) = to.plan(index) else { return };
            let Some(parent) = to.plan(plan.parent) else { return };
            let f = self.ep.folder_fate(index, &plan.ctx, plan.depth, plan.subtree_dirs == 0, n);
            let key = Epochs::folder_key(index);
            let who = attrs::actor(to, &parent, to.dir_attrs(&plan).owner.unwrap_or(0), key);
            match c.change {
                ChangeKind::Deleted => {
                    // A folder inside one deleted goes with it, at its time.
                    let inside =
                        gone.iter().find(|(p, _, _)| c.path.starts_with(&format!("{p}/"))).map(|(_, t, w)| (*t, *w));
                    let (at, who) = match (inside, f.deleted) {
                        (Some(x), _) => x,
                        (None, Some(e)) => (self.ep.time_in(e, key, Kind::Delete), who),
                        (None, None) => return,
                    };
                    gone.push((c.path.clone(), at, who));
                    self.delete(who, at, &c.path, c.inode);
                }
                ChangeKind::Renamed => {
                    // Renamed in place, moved to another folder, or both: the last of them.
                    let renamed = f.renamed.filter(|e| *e > m).map(|e| (e, Kind::Rename));
                    let moved = to.last_moved(&plan, m, n).map(|e| (e, Kind::Move));
                    let last = match (renamed, moved) {
                        (Some(r), Some(v)) => Some(if v.0 >= r.0 { v } else { r }),
                        (r, v) => r.or(v),
                    };
                    let Some((e, kind)) = last.or(f.renamed.map(|e| (e, Kind::Rename))) else { return };
                    let at = self.ep.time_in(e, key, kind);
                    self.rename(who, at, c.old_path.as_deref().unwrap_or_default(), &c.path, c.inode);
                }
                _ => self.acl(c),
            }
            return;
        }
        self.acl(c);
        // A file: its state at the later epoch where it is there, else at the earlier one.
        let Some((plan, a)) = self.file_at(if c.change == ChangeKind::Deleted { from } else { to }, index) else {
            return;
        };
        let birth = attrs::birth(index);
        let tier = attrs::tier_of(self.ep, &plan, &a);
        let key = |e: u64| index ^ (e << 40);
        match c.change {
            ChangeKind::Added => {
                let who = attrs::actor(to, &plan, a.owner, index);
                self.push(4663, who, a.created, &c.path, Some(Access::Write), c.inode, None);
                self.writes(&plan, &a, tier, birth, &c.path);
            }
            ChangeKind::Modified => {
                if self.writes(&plan, &a, tier, m.max(birth), &c.path) == 0 {
                    let who = attrs::actor(to, &plan, a.owner, index);
                    self.push(4663, who, a.modified, &c.path, Some(Access::Write), c.inode, None);
                }
            }
            ChangeKind::Deleted => {
                let inside =
                    gone.iter().find(|(p, _, _)| c.path.starts_with(&format!("{p}/"))).map(|(_, t, w)| (*t, *w));
                let (at, who) = match inside {
                    Some(x) => x,
                    None => {
                        let e = self.ep.fate(index, birth, tier, n).deleted.unwrap_or(n);
                        (self.ep.time_in(e, index, Kind::Delete), attrs::actor(to, &plan, a.owner, key(e)))
                    }
                };
                self.delete(who, at, &c.path, c.inode);
            }
            ChangeKind::Renamed => {
                // A name made unique again after another's rename has no event of its own:
                // it is logged at the interval's end.
                for e in self.events_or_end(index, birth, tier, Kind::Rename, m, n) {
                    let at = self.ep.time_in(e, index, Kind::Rename);
                    let who = attrs::actor(to, &plan, a.owner, key(e));
                    self.rename(who, at, c.old_path.as_deref().unwrap_or_default(), &c.path, c.inode);
                }
            }
            ChangeKind::Metadata if c.fields == ["acl"] => {}
            ChangeKind::Metadata => {
                let before = self.file_at(from, index).map(|(_, b)| b);
                for e in self.events_or_end(index, birth, tier, Kind::Metadata, m, n) {
                    let at = self.ep.time_in(e, index, Kind::Metadata);
                    let who = attrs::actor(to, &plan, a.owner, key(e));
                    let owner_changed = before.as_ref().is_some_and(|b| b.owner != a.owner);
                    if owner_changed {
                        let sid =
                            |t: &Tree, x: &FileAttrs| t.windows_owner(Some(x.owner), plan.ctx.department, false).sid;
                        let old = before.as_ref().map(|b| format!("O:{}", sid(from, b))).unwrap_or_default();
                        let new = format!("O:{}", sid(to, &a));
                        self.permissions_changed(who, at, &c.path, c.inode, Access::WriteOwner, (old, new));
                    } else {
                        self.push(4663, who, at, &c.path, Some(Access::WriteAttributes), c.inode, None);
                    }
                }
            }
        }
    }

    /// A DACL changed by the ACL change of folder `c.acl_source`: WRITE_DAC, then "permissions
    /// changed" with the DACL before and after, by someone who works there.
    fn acl(&mut self, c: &Change) {
        let Some(source) = c.acl_source else { return };
        let (from, to) = (self.diff.from, self.diff.to);
        let Some(e) = self.ep.acl_events_between(source, from.epoch(), to.epoch()).last().copied() else { return };
        let Some(plan) = to.plan(source) else { return };
        let Some(parent) = to.plan(plan.parent) else { return };
        let key = Epochs::folder_key(source) ^ (e << 40);
        let who = attrs::actor(to, &parent, to.dir_attrs(&plan).owner.unwrap_or(0), key);
        let at = self.ep.time_in(e, key, Kind::Grant);
        let dacl = |t: &Tree| {
            t.security_descriptor(c.inode - 1)
                .map(|sd| SecurityDescriptor { owner: None, group: None, ..sd }.to_sddl())
                .unwrap_or_default()
        };
        self.permissions_changed(who, at, &c.path, c.inode, Access::WriteDac, (dacl(from), dacl(to)));
    }

    /// A change of owner or DACL: the access (`WRITE_OWNER`, `WRITE_DAC`), then "permissions
    /// on an object were changed" with the descriptor's part before and after, as SDDL.
    fn permissions_changed(
        &mut self,
        who: u32,
        at: Timestamp,
        path: &str,
        inode: u64,
        access: Access,
        sd: (String, String),
    ) {
        self.push(4663, who, at, path, Some(access), inode, None);
        self.push(4670, who, just_after(at, 100), path, None, inode, Some(sd));
    }

    /// The epochs in `(m, n]` of file `index`'s events of kind `what`, or `n` alone where it
    /// has none (a name made unique again after another's rename, say): a change always has
    /// an event to log.
    fn events_or_end(&self, index: u64, birth: u64, tier: Tier, what: Kind, m: u64, n: u64) -> Vec<u64> {
        let at = self.ep.events_between(index, birth, tier, what, m, n);
        if at.is_empty() { vec![n] } else { at }
    }

    /// One WriteData per modification of a file after epoch `after`; how many.
    fn writes(&mut self, plan: &DirPlan, a: &FileAttrs, tier: Tier, after: u64, path: &str) -> usize {
        let index = a.index;
        let n = self.diff.to.epoch();
        let epochs = self.ep.events_between(index, attrs::birth(index), tier, Kind::Modify, after, n);
        for e in &epochs {
            let at = self.ep.time_in(*e, index, Kind::Modify);
            let who = attrs::actor(self.diff.to, plan, a.owner, index ^ (e << 40));
            self.push(4663, who, at, path, Some(Access::Write), index + 1 + e, None);
        }
        epochs.len()
    }
}
