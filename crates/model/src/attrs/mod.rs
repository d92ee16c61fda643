//! File and directory attributes: type, size, sparseness, times, owner and mode.
//!
//! One function answers each question for every front end: [`file_attrs`] for a file slot of
//! a planned directory, [`dir_attrs`] for a directory.
//!
//! The three times of files and folders are drawn in `times.rs`.

use std::sync::Arc;

use super::Model;
use super::content::{ContentSpec, SparseLayout};
use super::depth_sizes::Tilt;
use super::filetype::FileType;
use super::plan::{DirContext, DirKind, DirPlan};
use super::rng::{Purpose, Rng, key};
use super::tree::{Location, Tree};

mod epoch;
mod times;

pub use epoch::{actor, added_file_attrs, apply_fate, birth, fate_of, tier_of, tier_of_file, tier_of_slot};
use times::{class_times, draw_times};
pub use times::{legacy_migration, time_window};

/// A point in time: seconds since the Unix epoch and nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    /// The same instant as a `SystemTime` (times before 1970 included).
    pub fn to_system_time(self) -> std::time::SystemTime {
        use std::time::{Duration, UNIX_EPOCH};
        if self.secs >= 0 {
            UNIX_EPOCH + Duration::new(self.secs as u64, self.nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(self.secs.unsigned_abs()) + Duration::from_nanos(u64::from(self.nanos))
        }
    }
}

/// Why a file exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Original,
    /// A byte-identical copy of the file at this index.
    Duplicate {
        of: u64,
    },
    /// Temp clutter: `~$` owner files and `*.tmp`.
    Temp,
    /// Folder junk: Thumbs.db, desktop.ini, .DS_Store.
    Junk,
}

/// Everything known about a file but its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileAttrs {
    pub index: u64,
    pub parent: u64,
    pub depth: u32,
    pub role: Role,
    /// The extension the name carries.
    pub ext: &'static str,
    pub content: ContentSpec,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub accessed: Timestamp,
    pub mode: u32,
    /// The owner slot (see [`super::accounts`]): a cast member or someone who left.
    pub owner: u32,
    pub uid: u32,
    pub gid: u32,
    pub hidden: bool,
    pub readonly: bool,
    /// Carries a `Zone.Identifier` (downloaded from the internet).
    pub zone: bool,
    /// Its Windows owner is its department's group, not a person.
    pub group_owner: bool,
    /// Its Windows owner is the built-in administrators or a service account (neither a
    /// person nor a department's group).
    pub special_owner: Option<SpecialOwner>,
}

/// A Windows owner that is neither a person nor a department's group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecialOwner {
    /// `BUILTIN\Administrators` (S-1-5-32-544): what an admin's copy or a restore leaves.
    Builtin,
    /// A service account (`[attributes] service_accounts`, by position).
    Service(u8),
}

impl FileAttrs {
    pub fn ftype(&self) -> FileType {
        self.content.ftype
    }
    pub fn size(&self) -> u64 {
        self.content.size
    }
    pub fn allocated(&self) -> u64 {
        self.content.allocated()
    }
}

/// Attributes of a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirAttrs {
    pub index: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub owner: Option<u32>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub accessed: Timestamp,
}

/// The owner slot (see [`super::accounts`]) of something in this context: now and then
/// someone who left; in a home folder mostly its user; in a department one of its members.
fn pick_owner(m: &Model, ctx: &DirContext, rng: &mut Rng) -> u32 {
    let ids = &m.profile.identities;
    let departed = rng.chance(ids.departed_share);
    let colleague = rng.unit();
    let pick = rng.next_u64();
    if departed {
        return m.accounts().departed_slot((pick % u64::from(ids.departed.max(1))) as u32);
    }
    if let Some(u) = ctx.owner.filter(|_| colleague < ids.home_share) {
        return u;
    }
    if let Some(d) = ctx.department {
        if let Some(users) = m.identities.by_department.get(d as usize).filter(|u| !u.is_empty()) {
            return users[(pick % users.len() as u64) as usize];
        }
    }
    (pick % m.identities.users.len() as u64) as u32
}

/// The uid and gid a slot owns things with in a context: the group of the folder's
/// department, else of the owner's own.
fn owner_ids(m: &Model, ctx: &DirContext, slot: u32) -> (u32, u32) {
    let department = ctx.department.or_else(|| m.identities.users.get(slot as usize).and_then(|u| u.department));
    {
        let a = m.accounts();
        (a.uid(slot), a.department_gid(department))
    }
}

fn is_sensitive(m: &Model, ctx: &DirContext) -> bool {
    matches!(m.mix_name(ctx.mix), "hr" | "legal" | "finance")
}

/// The size of a file whose type was chosen without its size (clutter): from the global law,
/// within the format's bounds.
fn clutter_size(m: &Model, t: FileType, tilt: Tilt<'_>, rng: &mut Rng) -> u64 {
    let (lo, hi) = m.size_bounds(t);
    if lo == hi {
        return lo;
    }
    m.clamp_size(t, m.law.draw(rng, tilt))
}

fn sparse_layout(m: &Model, t: FileType, size: u64, rng: &mut Rng) -> Option<SparseLayout> {
    let sp = &m.profile.sparse;
    if !m.is_sparse_type(t) || !rng.chance(sp.rate) {
        return None;
    }
    // Headers and trailers always stay in data, however small the profile's head and tail.
    let (prefix, trailer) = m.frame_bounds(t);
    let head = sp.head.0.max(prefix.next_multiple_of(4096));
    let tail = sp.tail.0.max((trailer + 4096).next_multiple_of(4096));
    SparseLayout::new(size, head, sp.hole.0, sp.data.0, tail)
}

/// The attributes of file `slot` of a planned directory at the tree's epoch (`slot` may be
/// a new file's id, see [`crate::epoch::added_id`]); a file deleted by then gets its last
/// attributes.
pub fn file_attrs(tree: &Tree, plan: &DirPlan, slot: u64) -> FileAttrs {
    let Some(ep) = tree.epochs() else { return base_file_attrs(tree, plan, slot) };
    let a = if crate::epoch::is_added(slot) {
        added_file_attrs(tree, ep, plan, slot)
    } else {
        base_file_attrs(tree, plan, slot)
    };
    let fate = fate_of(ep, plan, &a, ep.now);
    apply_fate(tree, ep, plan, a, &fate)
}

/// The attributes of file `slot` of a planned directory at epoch 0.
pub fn base_file_attrs(tree: &Tree, plan: &DirPlan, slot: u64) -> FileAttrs {
    file_attrs_and_original(tree, plan, slot).0
}

/// The original a copy was found to copy, and the folder holding it (`None`: the copy's own).
pub struct Original {
    pub attrs: FileAttrs,
    pub parent: Option<Arc<DirPlan>>,
}

/// The attributes of file `slot` of a planned directory at epoch 0 and, for a copy, its
/// original (which naming the copy needs too: handing it on saves finding it again).
pub fn file_attrs_and_original(tree: &Tree, plan: &DirPlan, slot: u64) -> (FileAttrs, Option<Original>) {
    let m = &tree.model;
    let index = plan.index + 1 + slot;
    let ctx = &plan.ctx;
    let mut rng = Rng::new(m.seed, index, Purpose::FileCore);
    let c = &m.profile.clutter;
    let junk = plan.junk_count();
    let r = rng.unit();
    let mut original: Option<Original> = None;
    let mut srng = Rng::new(m.seed, index, Purpose::Size);
    let tilt = tree.size_tilt(plan.depth + 1);
    // Originals draw their size with their type (see `sizing`); clutter sizes come later.
    let mut sized: Option<u64> = None;
    let (role, ftype, ext) = if slot < junk {
        let bit = (0..3).filter(|b| plan.junk & (1 << b) != 0).nth(slot as usize).unwrap_or(0);
        let t = [FileType::ThumbsDb, FileType::DesktopIni, FileType::DsStore][bit];
        (Role::Junk, t, t.ext())
    } else if r < c.temp_rate {
        if rng.chance(0.5) {
            (Role::Temp, FileType::OfficeLock, *rng.pick(&["docx", "xlsx", "pptx"]))
        } else {
            (Role::Temp, FileType::Tmp, "tmp")
        }
    } else if r < c.temp_rate + c.duplicate_rate {
        match find_original(tree, plan, index) {
            Some(orig) => {
                let r = (Role::Duplicate { of: orig.attrs.index }, orig.attrs.content.ftype, orig.attrs.ext);
                original = Some(orig);
                r
            }
            None => {
                let (t, ext, size) = m.draw_type_and_size(ctx.mix, tilt, &mut rng, &mut srng);
                sized = Some(size);
                (Role::Original, t, ext)
            }
        }
    } else {
        let (t, ext, size) = m.draw_type_and_size(ctx.mix, tilt, &mut rng, &mut srng);
        sized = Some(size);
        (Role::Original, t, ext)
    };
    let [created, modified, accessed] = match &m.classes {
        Some(t) => class_times(m, ctx, t, &mut Rng::new(m.seed, index, Purpose::Times)),
        None => draw_times(m, ctx, &mut Rng::new(m.seed, index, Purpose::Times)),
    };
    let content = original.as_ref().map(|o| o.attrs.content).unwrap_or_else(|| {
        let size = sized.unwrap_or_else(|| clutter_size(m, ftype, tilt, &mut srng));
        let sparse = sparse_layout(m, ftype, size, &mut srng);
        let attachments = attachment_count(m, ftype, index);
        let seed = key(m.seed, index, Purpose::Content as u64);
        ContentSpec { ftype, size, seed, stamp: created.secs, sparse, attachments }
    });
    let mut orng = Rng::new(m.seed, index, Purpose::Owner);
    let owner = pick_owner(m, ctx, &mut orng);
    let (uid, gid) = owner_ids(m, ctx, owner);
    let at = &m.profile.attributes;
    let readonly = role == Role::Original && orng.chance(at.readonly_share);
    // The draws added with the Windows attributes have a stream of their own, so trees
    // without them keep every other value.
    let mut arng = Rng::new(m.seed, index, Purpose::Attributes);
    let (hide, zone, group) = (arng.unit(), arng.unit(), arng.unit());
    let always_hidden = matches!(role, Role::Junk) || ftype == FileType::OfficeLock;
    let mut mode = if is_sensitive(m, ctx) { 0o640 } else { 0o644 };
    if readonly {
        mode &= !0o222;
    }
    let mode = super::acl::mode_with_tiers(m, ctx, mode, false);
    let a = FileAttrs {
        index,
        parent: plan.index,
        depth: plan.depth + 1,
        role,
        ext,
        content,
        created,
        modified,
        accessed,
        mode,
        owner,
        uid,
        gid,
        hidden: always_hidden || hide < at.hidden_share,
        readonly,
        zone: !always_hidden && zone < at.zone_share,
        // An event's files all belong to its group (a department's, or everyone).
        group_owner: matches!(ctx.kind, DirKind::Event(_) | DirKind::EventSub(_))
            || (ctx.department_area().is_some() && group < at.group_owner_share),
        special_owner: None,
    };
    let a = if matches!(ctx.kind, DirKind::Event(_) | DirKind::EventSub(_)) { a } else { special_owner(m, a) };
    let a = match ctx.kind {
        DirKind::Torture(t) => torture_file(m, t, slot, a),
        _ if m.profile.torture.odd_metadata > 0.0 => odd_metadata(m, a),
        _ => a,
    };
    (a, original)
}

/// For the shares of files `[attributes] builtin_owner_share` and `service_owner_share` ask
/// for, the built-in administrators or a service account as the Windows owner (its own
/// stream: other values stay put). An event's files keep their group.
fn special_owner(m: &Model, mut a: FileAttrs) -> FileAttrs {
    let at = &m.profile.attributes;
    let service = if at.service_accounts.is_empty() { 0.0 } else { at.service_owner_share };
    if at.builtin_owner_share + service <= 0.0 {
        return a;
    }
    let mut rng = Rng::new(m.seed, a.index, Purpose::SpecialOwner);
    let u = rng.unit();
    a.special_owner = if u < at.builtin_owner_share {
        Some(SpecialOwner::Builtin)
    } else if u < at.builtin_owner_share + service {
        Some(SpecialOwner::Service(rng.below(at.service_accounts.len() as u64) as u8))
    } else {
        None
    };
    if a.special_owner.is_some() {
        a.group_owner = false;
    }
    a
}

/// For the share of files `[torture] odd_metadata` asks for (any layout), one oddity: mode 000,
/// a modification at the epoch, before 1970, after 2038 or in the future, or a creation after
/// the modification. Its own stream: other values stay put.
fn odd_metadata(m: &Model, mut a: FileAttrs) -> FileAttrs {
    use super::torture::{AFTER_2038, MOON_LANDING};
    let mut rng = Rng::new(m.seed, a.index, Purpose::OddMetadata);
    if !rng.chance(m.profile.torture.odd_metadata) {
        return a;
    }
    let at = |secs: i64| Timestamp { secs, nanos: 0 };
    match rng.below(6) {
        0 => {
            a.mode = 0;
            a.readonly = true;
        }
        5 => a.created = at(a.modified.secs + rng.range(1, 90) as i64 * 86_400),
        k => {
            let t = match k {
                1 => 0,
                2 => MOON_LANDING,
                3 => AFTER_2038,
                _ => m.range.1 + rng.range(1, 400) as i64 * 86_400,
            };
            (a.created, a.modified, a.accessed) = (at(t.min(a.created.secs)), at(t), at(t));
        }
    }
    a
}

/// A file of the torture layout: its name's type, a small size (or the odd file's own), and the
/// odd files' modes and times.
fn torture_file(m: &Model, t: super::torture::TortureDir, slot: u64, mut a: FileAttrs) -> FileAttrs {
    use super::torture::{METADATA, TortureDir, When};
    let (_, ext) = super::torture::file_name(&m.profile.torture, t, slot);
    let mut rng = Rng::new(m.seed, a.index, Purpose::Size);
    let mut ftype = FileType::for_ext(ext);
    let mut size = m.size_bounds(ftype).0 + rng.range(64, 4096);
    let mut sparse = None;
    a.role = Role::Original;
    a.mode = 0o644;
    a.hidden = false;
    a.readonly = false;
    if t == TortureDir::Huge {
        size = rng.range(0, 1024);
    }
    if let (TortureDir::Metadata, Some(odd)) = (t, METADATA.get(slot as usize)) {
        ftype = odd.ftype;
        size = odd.size;
        if odd.sparse {
            // The enterprise profile's extents: holes of 255 MiB between data runs of 1 MiB
            // (room for a VHDX's metadata region), its headers and trailer kept in data.
            let (prefix, trailer) = m.frame_bounds(ftype);
            let head = (1u64 << 20).max(prefix.next_multiple_of(4096));
            let tail = (64u64 << 10).max((trailer + 4096).next_multiple_of(4096));
            sparse = SparseLayout::new(size, head, 255 << 20, 1 << 20, tail);
        }
        a.mode = odd.mode;
        a.readonly = odd.mode & 0o222 == 0;
        let modified = match odd.modified {
            When::Model => a.modified.secs,
            When::At(t) => t,
            When::Future(d) => m.range.1 + d,
        };
        a.modified = Timestamp { secs: modified, nanos: 0 };
        a.accessed = Timestamp { secs: modified.max(a.modified.secs), nanos: 0 };
        a.created = Timestamp { secs: modified + odd.created_after_modified, nanos: 0 };
    }
    a.ext = ext;
    a.content = ContentSpec { ftype, size, seed: a.content.seed, stamp: a.created.secs, sparse, attachments: 0 };
    a
}

/// Picks the original a duplicate copies: an earlier file, mostly nearby (same folder or
/// project), sometimes farther. Clutter is never copied. Returns an original, never a copy.
fn find_original(tree: &Tree, plan: &DirPlan, index: u64) -> Option<Original> {
    if index < 2 {
        return None;
    }
    let mut rng = Rng::new(tree.model.seed, index, Purpose::Duplicate);
    for _ in 0..4 {
        // Most copies sit near their original (the same folder, a sibling, the same project);
        // some travel across the share. Nearby originals also keep decoding in cached plans.
        let limit = if rng.chance(0.75) { 2_000 } else { 200_000 };
        let reach = (index - 1).min(limit) as f64;
        let d = (libm::exp(rng.unit() * libm::log(reach)) as u64).clamp(1, index - 1);
        // An original earlier in the copy's own folder needs no lookup.
        let (parent, slot) = match index - d {
            at if at > plan.index => (None, at - plan.index - 1),
            at => match tree.locate(at) {
                Some(Location::File { parent, slot }) => (Some(parent), slot),
                _ => continue,
            },
        };
        let a = base_file_attrs(tree, parent.as_deref().unwrap_or(plan), slot);
        match a.role {
            Role::Original => return Some(Original { attrs: a, parent }),
            Role::Duplicate { of } => {
                let Some(Location::File { parent, slot }) = tree.locate(of) else { return None };
                return Some(Original { attrs: base_file_attrs(tree, &parent, slot), parent: Some(parent) });
            }
            Role::Temp | Role::Junk => {}
        }
    }
    None
}

/// A folder's mode before access tiers widen its group bits.
fn dir_base_mode(m: &Model, ctx: &DirContext) -> u32 {
    match ctx.kind {
        DirKind::Home => 0o700,
        _ if is_sensitive(m, ctx) => 0o750,
        _ => 0o755,
    }
}

/// The POSIX ACLs of a file or folder (access tiers), or `None`.
pub fn node_acl(tree: &Tree, index: u64) -> Option<super::acl::NodeAcl> {
    let m = &tree.model;
    // Without tiers there is nothing to compute: no locating, no attributes.
    if !m.profile.acls.tiers {
        return None;
    }
    match tree.locate(index)? {
        Location::File { parent, slot } => file_acl(tree, &parent, &file_attrs(tree, &parent, slot)),
        Location::Dir(plan) => {
            let d = dir_attrs(tree, &plan);
            let group = ((dir_base_mode(m, &plan.ctx) >> 3) & 7) as u16;
            super::acl::node_acl(m, &plan.ctx, d.mode, group, true)
        }
        Location::Symlink(_) => None,
    }
}

/// [`node_acl`] of file `a` in the folder `parent`, both already at hand.
pub fn file_acl(tree: &Tree, parent: &DirPlan, a: &FileAttrs) -> Option<super::acl::NodeAcl> {
    if !tree.model.profile.acls.tiers {
        return None;
    }
    // The owning group's own rights, before the mask took the mode's group bits: files are
    // rw-r--r-- or rw-r----- (sensitive), so the group reads.
    super::acl::node_acl(&tree.model, &parent.ctx, a.mode, 0o4, false)
}

/// The attributes of a directory.
pub fn dir_attrs(tree: &Tree, plan: &DirPlan) -> DirAttrs {
    let m = &tree.model;
    let ctx = &plan.ctx;
    let mut rng = Rng::new(m.seed, plan.index, Purpose::DirAttrs);
    let [created, modified, accessed] = draw_times(m, ctx, &mut rng);
    let top = matches!(ctx.kind, DirKind::Root | DirKind::UsersRoot | DirKind::ProjectsRoot);
    let (owner, uid, gid) = if top {
        (None, 0, 0)
    } else {
        // A home and its folders are its user's; only files inside vary.
        let o = ctx.owner.unwrap_or_else(|| pick_owner(m, ctx, &mut rng));
        let (uid, gid) = owner_ids(m, ctx, o);
        (Some(o), uid, gid)
    };
    let mode = match ctx.kind {
        DirKind::Torture(super::torture::TortureDir::Locked) => 0o000,
        DirKind::Torture(super::torture::TortureDir::Setgid) => 0o2775,
        _ => super::acl::mode_with_tiers(m, ctx, dir_base_mode(m, ctx), true),
    };
    DirAttrs { index: plan.index, mode, uid, gid, owner, created, modified, accessed }
}

/// How many attachments an original e-mail carries: none for most, else one and each further
/// one (up to the profile's most) 40% as likely. Its own draw, so other values stay put.
fn attachment_count(m: &Model, ftype: FileType, index: u64) -> u8 {
    let e = &m.profile.email;
    if ftype != FileType::Eml || e.attachment_rate <= 0.0 {
        return 0;
    }
    let mut rng = Rng::new(m.seed, index, Purpose::Attachments);
    if !rng.chance(e.attachment_rate) {
        return 0;
    }
    let mut k = 1;
    while k < e.max_attachments && rng.chance(0.4) {
        k += 1;
    }
    k
}
