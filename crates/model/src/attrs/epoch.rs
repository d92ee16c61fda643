//! A file's attributes at an epoch: a new file's, drawn as its folder's files are, and what
//! its fate changes (content, size and times for a modification; owner and attributes for a
//! metadata change). Renames are names, made in the listing.

use super::*;
use crate::epoch::{self, Change, Epochs, Fate, Tier};

/// How often a file changes: folder junk and the torture and folders layouts never do.
pub fn tier_of(ep: &Epochs, plan: &DirPlan, a: &FileAttrs) -> Tier {
    let fixed = matches!(a.role, Role::Junk) || !Epochs::folder_takes_files(&plan.ctx);
    // New clutter comes and goes; what the share had at epoch 0 is stale clutter, as
    // lasting as anything dormant.
    ep.tier(a.index, a.role == Role::Temp && epoch::is_added(a.index), fixed)
}

/// How often file `slot` of `plan` (an epoch-0 file) changes, without drawing its attributes.
pub fn tier_of_slot(ep: &Epochs, plan: &DirPlan, slot: u64) -> Tier {
    let index = plan.index + 1 + slot;
    if slot < plan.junk_count() || !Epochs::folder_takes_files(&plan.ctx) {
        return Tier::Fixed;
    }
    ep.tier(index, false, false)
}

/// How often the file in `slot` of `plan` changes (an epoch-0 slot or a new file's id),
/// without drawing its attributes: what [`tier_of`] says of them.
pub fn tier_of_file(ep: &Epochs, plan: &DirPlan, slot: u64) -> Tier {
    if epoch::is_added(slot) { ep.tier(slot, ep.added_is_temp(slot), false) } else { tier_of_slot(ep, plan, slot) }
}

/// The epoch a file was born in (0 for the files of epoch 0).
pub fn birth(index: u64) -> u64 {
    if epoch::is_added(index) { epoch::unpack(index).1 } else { 0 }
}

/// What has happened to file `a` of `plan` by `now`.
pub fn fate_of(ep: &Epochs, plan: &DirPlan, a: &FileAttrs, now: u64) -> Fate {
    ep.fate(a.index, birth(a.index), tier_of(ep, plan, a), now)
}

/// The attributes a file added to `plan` (its id from [`epoch::added_id`]) is born with.
pub fn added_file_attrs(tree: &Tree, ep: &Epochs, plan: &DirPlan, id: u64) -> FileAttrs {
    let m = &tree.model;
    let ctx = &plan.ctx;
    let (_, born, _) = epoch::unpack(id);
    let mut rng = Rng::new(m.seed, id, Purpose::FileCore);
    let mut srng = Rng::new(m.seed, id, Purpose::Size);
    let tilt = tree.size_tilt(plan.depth + 1);
    let (role, ftype, ext, size) = if ep.added_is_temp(id) {
        let (t, ext) = if rng.chance(0.5) {
            (FileType::OfficeLock, *rng.pick(&["docx", "xlsx", "pptx"]))
        } else {
            (FileType::Tmp, "tmp")
        };
        (Role::Temp, t, ext, clutter_size(m, t, tilt, &mut srng))
    } else {
        let (t, ext, size) = m.draw_type_and_size(ctx.mix, tilt, &mut rng, &mut srng);
        (Role::Original, t, ext, size)
    };
    let t = ep.time_in(born, id, Change::Add);
    let sparse = sparse_layout(m, ftype, size, &mut srng);
    let attachments = attachment_count(m, ftype, id);
    let seed = key(m.seed, id, Purpose::Content as u64);
    let content = ContentSpec { ftype, size, seed, stamp: t.secs, sparse, attachments };
    // Whoever made it: someone who works there now.
    let mut orng = Rng::new(m.seed, id, Purpose::Owner);
    let owner = actor(tree, plan, pick_owner(m, ctx, &mut orng), id);
    let (uid, gid) = owner_ids(m, ctx, owner);
    let hidden = ftype == FileType::OfficeLock;
    let zone = Rng::new(m.seed, id, Purpose::Attributes).unit() < m.profile.attributes.zone_share;
    let mode = crate::acl::mode_with_tiers(m, ctx, if is_sensitive(m, ctx) { 0o640 } else { 0o644 }, false);
    FileAttrs {
        index: id,
        parent: plan.index,
        depth: plan.depth + 1,
        role,
        ext,
        content,
        created: t,
        modified: t,
        accessed: t,
        mode,
        owner,
        uid,
        gid,
        hidden,
        readonly: false,
        zone: !hidden && zone,
        group_owner: false,
        special_owner: None,
    }
}

/// Who acts on a file of `plan` (whose owner is `owner`) in an event keyed `k`: someone who
/// can and who still works there: a home's own user; in a department's area the owner when a
/// current member (seven times in ten), else a member; elsewhere the owner or anyone.
pub fn actor(tree: &Tree, plan: &DirPlan, owner: u32, k: u64) -> u32 {
    let m = &tree.model;
    let ctx = &plan.ctx;
    if let Some(u) = ctx.owner {
        return u;
    }
    let mut rng = Rng::from_key(key(m.seed, k, (Purpose::Owner as u64) ^ 0x6163_746f_7200));
    let current = m.accounts().account(owner).is_some();
    let members = ctx.department.and_then(|d| m.identities.by_department.get(d as usize)).filter(|u| !u.is_empty());
    match members {
        Some(users) if current && users.contains(&owner) && rng.chance(0.7) => owner,
        Some(users) => users[rng.below(users.len() as u64) as usize],
        None if current && rng.chance(0.7) => owner,
        None => rng.below(m.identities.users.len().max(1) as u64) as u32,
    }
}

/// Logs, mailboxes and text notes grow when written; other documents are saved anew.
fn grows(t: FileType) -> bool {
    matches!(t, FileType::Log | FileType::Txt | FileType::Csv | FileType::Text)
}

/// File `a` of `plan` as its fate leaves it: its last modification (new bytes, a new size
/// unless it is a sparse image, its times) and its last metadata change (another owner, the
/// read-only bit).
pub fn apply_fate(tree: &Tree, ep: &Epochs, plan: &DirPlan, mut a: FileAttrs, f: &Fate) -> FileAttrs {
    let m = &tree.model;
    if let Some(e) = f.modified {
        let t = ep.time_in(e, a.index, Change::Modify);
        let mut rng = Rng::from_key(key(m.seed, a.index, (Purpose::Content as u64) ^ (e << 40)));
        let size = if a.content.sparse.is_some() {
            a.content.size
        } else if grows(a.ftype()) {
            let days = (e - birth(a.index)) as f64;
            m.clamp_size(a.ftype(), a.content.size as f64 * (1.0 + 0.004 * days) + 4096.0 * rng.unit())
        } else {
            m.clamp_size(a.ftype(), a.content.size as f64 * (0.8 + 0.5 * rng.unit()))
        };
        a.content = ContentSpec { size, seed: rng.next_u64(), ..a.content };
        a.modified = t;
        a.accessed = a.accessed.max(t);
        // A copy written to is a copy no longer.
        if let Role::Duplicate { .. } = a.role {
            a.role = Role::Original;
        }
    }
    if let Some(e) = f.metadata {
        // Handed over: a leaver's files to a colleague, a document to its department.
        let mut rng = Rng::from_key(key(m.seed, a.index, (Purpose::Owner as u64) ^ (e << 40)));
        a.owner = pick_owner(m, &plan.ctx, &mut rng);
        (a.uid, a.gid) = owner_ids(m, &plan.ctx, a.owner);
        a.readonly = a.role == Role::Original && rng.chance(0.25);
        a.mode = if a.readonly { a.mode & !0o222 } else { a.mode | 0o200 };
        a.group_owner = false;
        a.special_owner = None;
    }
    a
}
