//! Epochs: the same share a day, a week, a year later (issue #36).
//!
//! Epoch 0 is the tree the profile describes; epoch N is `N x [churn] days` later. Nothing is
//! replayed: what happened to a file by epoch N is a pure function of (profile, seed, file,
//! N), found in O(log N) by [`clock::EventClock`], so epoch 1,000 costs what epoch 1 does.
//!
//! - A file is dormant, active or hot for life (a hash of its id). Dormant files are only ever
//!   deleted (a clean-up, a geometric draw: O(1)); active and hot ones also get new content,
//!   new names and new metadata, each kind on its own clock.
//! - New files appear in folders by a per-folder clock whose chance leans to hot folders; each
//!   event brings a small batch. A new file's id packs (folder, epoch, ordinal) above the
//!   depth-first indices ([`added_id`]), so every file keeps its inode for life, renamed or not.
//! - Folders below the top levels may be deleted with all they hold, or renamed in place;
//!   now and then one moves to a sibling of its parent (`tree/moves.rs`).
//!
//! This file holds the [`Epochs`] of a tree (rates, the times of an epoch, file and folder
//! fates); `rename.rs` makes the new names. The tree applies them (`tree/epoch.rs`).

use crate::attrs::Timestamp;
use crate::plan::{DirContext, DirKind};
use crate::profile::Churn;
use crate::rng::{Rng, key, mix64};

pub mod clock;
pub mod rename;

use clock::{EventClock, Odds};

/// The last epoch a tree can be asked for (new files' ids hold the epoch in 20 bits).
pub const MAX_EPOCH: u64 = (1 << 20) - 1;
/// Folders a tree may have for its files to change: new files' ids hold the folder in 34 bits.
pub const MAX_FOLDER_INDEX: u64 = (1 << 34) - 1;
/// At most this many files come into one folder in one epoch.
pub const MAX_BATCH: u64 = 64;

const ADDED: u64 = 1 << 63;

/// The id (node index) of the `k`th file added to `folder` in `epoch`: above every
/// depth-first index, and ascending by (folder, epoch, k).
pub fn added_id(folder: u64, epoch: u64, k: u64) -> u64 {
    ADDED | (folder << 29) | (epoch << 9) | k
}

/// The slot [`crate::Tree::file_attrs_in`] takes for file `index` of `plan`: an epoch-0
/// file's place among the folder's files, a newer file's own id.
pub fn slot_of(plan: &crate::plan::DirPlan, index: u64) -> u64 {
    if is_added(index) { index } else { index - plan.index - 1 }
}

/// Whether an id is an added file's.
pub fn is_added(id: u64) -> bool {
    id & ADDED != 0
}

/// (folder, epoch, k) of an added file's id.
pub fn unpack(id: u64) -> (u64, u64, u64) {
    ((id & !ADDED) >> 29, (id >> 9) & MAX_EPOCH, id & 511)
}

/// What happens to things, by kind (each its own stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Change {
    Modify = 0x6d6f_6469,
    Rename = 0x7265_6e61,
    Metadata = 0x6d65_7461,
    Delete = 0x6465_6c65,
    Add = 0x6164_6420,
    Tier = 0x7469_6572,
    Time = 0x7469_6d65,
    Batch = 0x6261_7463,
    /// A direct grant added to a folder.
    Grant = 0x6772_616e,
    /// A folder's inheritance broken.
    Protect = 0x7072_6f74,
    /// A folder moved to another parent.
    Move = 0x6d6f_7665,
}

/// How often a file changes, for life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// Never modified, renamed or re-owned; deleted now and then.
    Dormant,
    Active,
    /// Changes `hot_factor` times as often.
    Hot,
    /// Clutter (`~$` owner files, `*.tmp`): comes and goes.
    Temp,
    /// Never changes (folder junk, the torture layout's files).
    Fixed,
}

/// What has happened to a file by an epoch: the epoch of its last event of each kind after
/// its birth, and of its deletion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fate {
    pub deleted: Option<u64>,
    pub modified: Option<u64>,
    pub renamed: Option<u64>,
    pub metadata: Option<u64>,
}

/// The ACL changes a folder has had by an epoch (see `ntacl::child_security`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AclDrift {
    /// The epoch of the last direct grant added: it stands for any earlier one (the folder's
    /// access done again for whoever works there now).
    pub grant: Option<u64>,
    /// The epoch inheritance was broken in (for good: nobody turns it back on).
    pub protected: Option<u64>,
}

/// The epoch a tree is at, and the rates that move it.
#[derive(Clone, Debug)]
pub struct Epochs {
    /// The tree's epoch.
    pub now: u64,
    pub churn: Churn,
    seed: u64,
    /// The last second of epoch 0 (the end of the profile's `as_of` day).
    start: i64,
    /// Seconds per epoch.
    len: i64,
    /// New files per folder per epoch, on average.
    adds_per_folder: f64,
    /// The clocks' odds, made once per rate: by [`Epochs::slot`] for files, then a folder's
    /// rename, then new files in cold, cold personal, hot and hot personal folders.
    odds: Vec<Option<Odds>>,
    /// By tier, the chance that an epoch-0 file is still there at `now`, `(1 - p)^now`.
    survive_now: [f64; 5],
    /// By tier, `ln(1 - p)` of its deletion rate: a newer file's chance of being there at
    /// `now` is `exp` of it times its age.
    log_keep: [f64; 5],
    /// The same for a folder.
    folder_survives_now: f64,
}

/// The chance `(1 - p)^k` of no event in `k` epochs, computed one way wherever it is needed
/// (so every path agrees on who survives to the last bit).
fn survival(p: f64, k: u64) -> f64 {
    libm::exp(libm::log1p(-p) * k as f64)
}

/// Kinds of file events with clocks.
const CLOCKED: [Change; 3] = [Change::Modify, Change::Rename, Change::Metadata];
const FOLDER_RENAME: usize = 6;
const ADD: usize = 7;
const ACL_GRANT: usize = 11;
const FOLDER_MOVE: usize = 12;

/// The mean batch of files a folder gets when it gets any.
const MEAN_BATCH: f64 = 2.0;

impl Epochs {
    /// The epochs of a tree with `files` files in `dirs` folders whose epoch 0 ends at `start`.
    pub fn new(churn: &Churn, seed: u64, now: u64, start: i64, files: u64, dirs: u64) -> Epochs {
        let mut e = Epochs {
            now,
            churn: churn.clone(),
            seed,
            start,
            len: i64::from(churn.days.max(1)) * 86_400,
            adds_per_folder: churn.add * files as f64 / dirs.max(1) as f64,
            odds: Vec::new(),
            survive_now: [1.0; 5],
            log_keep: [0.0; 5],
            folder_survives_now: survival(churn.folder_delete, now),
        };
        for tier in [Tier::Dormant, Tier::Active, Tier::Hot, Tier::Temp, Tier::Fixed] {
            let p = e.rate(tier, Change::Delete);
            e.survive_now[tier as usize] = survival(p, now);
            e.log_keep[tier as usize] = libm::log1p(-p);
        }
        let made = |p: f64| (p > 0.0).then(|| Odds::new(p));
        let mut odds: Vec<Option<Odds>> = Vec::new();
        for tier in [Tier::Active, Tier::Hot] {
            for what in CLOCKED {
                odds.push(made(e.rate(tier, what)));
            }
        }
        odds.push(made(churn.folder_rename));
        for (hot, personal) in [(false, false), (false, true), (true, false), (true, true)] {
            odds.push(made(e.add_chance(hot, personal)));
        }
        debug_assert_eq!(odds.len(), ACL_GRANT);
        odds.push(made(churn.acl_grant));
        debug_assert_eq!(odds.len(), FOLDER_MOVE);
        odds.push(made(churn.folder_move));
        e.odds = odds;
        e
    }

    /// The odds of a file's clock of `what`, for a tier that has clocks.
    fn file_odds(&self, tier: Tier, what: Change) -> Option<&Odds> {
        let t = match tier {
            Tier::Active => 0,
            Tier::Hot => 3,
            _ => return None,
        };
        let k = CLOCKED.iter().position(|c| *c == what)?;
        self.odds.get(t + k)?.as_ref()
    }

    /// The chance per epoch that files come into a folder.
    fn add_chance(&self, hot: bool, personal: bool) -> f64 {
        let heat = if hot { 8.0 } else { 0.2 } * if personal { 1.5 } else { 1.0 };
        (self.adds_per_folder * heat / MEAN_BATCH).min(0.9)
    }

    /// The same rates at another epoch.
    pub fn at(&self, now: u64) -> Epochs {
        Epochs { now, ..self.clone() }
    }

    /// The last second of epoch `e`.
    pub fn end_of(&self, e: u64) -> i64 {
        self.start + e as i64 * self.len
    }

    fn unit(&self, id: u64, what: Change, salt: u64) -> f64 {
        Rng::from_key(key(self.seed, id, what as u64 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))).unit()
    }

    /// A time inside epoch `e` for event `salt` of `id`: mostly in working hours (07:00 to
    /// 19:00 UTC) on one of the epoch's days, now and then at any hour.
    pub fn time_in(&self, e: u64, id: u64, what: Change) -> Timestamp {
        let mut rng = Rng::from_key(key(self.seed, id, Change::Time as u64 ^ (what as u64) ^ (e << 40)));
        let day0 = self.start + 1 + (e.saturating_sub(1) as i64) * self.len;
        let day = rng.below((self.len / 86_400).max(1) as u64) as i64;
        let secs = if rng.chance(0.9) { 7 * 3600 + rng.below(12 * 3600) as i64 } else { rng.below(86_400) as i64 };
        Timestamp { secs: day0 + day * 86_400 + secs, nanos: (rng.below(10_000_000) * 100) as u32 }
    }

    /// How often file `id` changes: `temp` for clutter, `fixed` for what never changes.
    pub fn tier(&self, id: u64, temp: bool, fixed: bool) -> Tier {
        if fixed {
            return Tier::Fixed;
        }
        if temp {
            return Tier::Temp;
        }
        let u = self.unit(id, Change::Tier, 0);
        let c = &self.churn;
        if u >= c.active_share {
            Tier::Dormant
        } else if u < c.active_share * c.hot_share {
            Tier::Hot
        } else {
            Tier::Active
        }
    }

    fn rate(&self, tier: Tier, what: Change) -> f64 {
        let c = &self.churn;
        let base = match (tier, what) {
            (Tier::Fixed, _) => 0.0,
            (Tier::Temp, Change::Delete) => c.temp_delete,
            (Tier::Temp, _) => 0.0,
            (Tier::Dormant, Change::Delete) => c.delete_dormant,
            (Tier::Dormant, _) => 0.0,
            (_, Change::Modify) => c.modify,
            (_, Change::Rename) => c.rename,
            (_, Change::Metadata) => c.metadata,
            (_, Change::Delete) => c.delete,
            _ => 0.0,
        };
        if tier == Tier::Hot { (base * c.hot_factor).min(1.0) } else { base }
    }

    /// The epoch a thing born in `birth` is deleted in, with chance `p` per epoch: the first
    /// success of one coin per epoch, drawn at once (geometric).
    fn death(&self, id: u64, birth: u64, p: f64) -> Option<u64> {
        self.death_by(id, birth, p, MAX_EPOCH)
    }

    /// [`Epochs::death`] if it comes by epoch `by`, else `None`: a file that lives on costs
    /// a comparison, not a logarithm (the gap `ln u / ln(1 - p)` reaches `by - birth` exactly
    /// when `u <= (1 - p)^(by - birth)`).
    fn death_by(&self, id: u64, birth: u64, p: f64, by: u64) -> Option<u64> {
        self.death_within(id, birth, p, by, None)
    }

    /// [`Epochs::death_by`], given `(1 - p)^(by - birth)` when it is known.
    fn death_within(&self, id: u64, birth: u64, p: f64, by: u64, survive: Option<f64>) -> Option<u64> {
        if p <= 0.0 || by <= birth {
            return None;
        }
        if p >= 1.0 {
            return Some(birth + 1);
        }
        let u = 1.0 - self.unit(id, Change::Delete, 0);
        if u <= survive.unwrap_or_else(|| survival(p, by - birth)) {
            return None;
        }
        let gap = crate::rng::floor_non_negative(libm::log(u) / libm::log1p(-p));
        (gap < (MAX_EPOCH + 1) as f64).then(|| birth + 1 + gap as u64).filter(|d| *d <= by)
    }

    fn clock<'a>(&self, id: u64, what: Change, odds: &'a Odds) -> EventClock<'a> {
        EventClock::new(self.seed, mix64(id ^ (what as u64).wrapping_mul(0xd6e8_feb8_6659_fd93)), odds)
    }

    /// What has happened by epoch `now` to file `id`, born in `birth` (0: a file of epoch 0).
    pub fn fate(&self, id: u64, birth: u64, tier: Tier, now: u64) -> Fate {
        self.fate_with(id, birth, tier, now, true)
    }

    /// [`Epochs::fate`] without its rename (`renamed` is `None`): what a file's attributes
    /// need, for a walk that does not name files.
    pub fn fate_unnamed(&self, id: u64, birth: u64, tier: Tier, now: u64) -> Fate {
        self.fate_with(id, birth, tier, now, false)
    }

    fn fate_with(&self, id: u64, birth: u64, tier: Tier, now: u64, renames: bool) -> Fate {
        let mut f = Fate::default();
        if now <= birth || tier == Tier::Fixed {
            return f;
        }
        let survive = (now == self.now).then(|| match birth {
            0 => self.survive_now[tier as usize],
            _ => libm::exp(self.log_keep[tier as usize] * (now - birth) as f64),
        });
        f.deleted = self.death_within(id, birth, self.rate(tier, Change::Delete), now, survive);
        if matches!(tier, Tier::Dormant | Tier::Temp) {
            return f;
        }
        // A deleted file's last state is the one before its deletion.
        let last = f.deleted.map_or(now, |d| d - 1);
        let event = |what| {
            let odds = self.file_odds(tier, what)?;
            self.clock(id, what, odds).last_at_or_before(last).filter(|e| *e > birth)
        };
        f.modified = event(Change::Modify);
        f.renamed = if renames { event(Change::Rename) } else { None };
        f.metadata = event(Change::Metadata);
        f
    }

    /// The epochs in `(m, n]` in which file `id` had events of kind `what` (before its
    /// deletion): one record each in an audit stream.
    pub fn events_between(&self, id: u64, birth: u64, tier: Tier, what: Change, m: u64, n: u64) -> Vec<u64> {
        let Some(odds) = self.file_odds(tier, what) else { return Vec::new() };
        let death = self.death(id, birth, self.rate(tier, Change::Delete));
        let last = death.map_or(n, |d| n.min(d - 1));
        self.clock(id, what, odds).between(m.max(birth), last)
    }

    /// The key a folder's clocks and event times are drawn with.
    pub fn folder_key(index: u64) -> u64 {
        index ^ 0xf01d_e000_0000_0000
    }

    /// Whether file `id` has any event in `(m, n]`.
    pub fn changes_between(&self, id: u64, birth: u64, tier: Tier, m: u64, n: u64) -> bool {
        let (m, n) = (m.max(birth), n);
        if n <= m || tier == Tier::Fixed {
            return false;
        }
        // Its deletion if it comes by `n` (at the tree's epoch, against the survival made once).
        let survive = (birth == 0 && n == self.now).then(|| self.survive_now[tier as usize]);
        if let Some(d) = self.death_within(id, birth, self.rate(tier, Change::Delete), n, survive) {
            return d > m;
        }
        CLOCKED.into_iter().any(|what| {
            self.file_odds(tier, what)
                .is_some_and(|odds| self.clock(id, what, odds).first_after(m).is_some_and(|e| e <= n))
        })
    }

    /// Whether a folder of this kind may be deleted or renamed: not the top levels (the
    /// departments, homes and projects roots, events) nor the layouts made for scanners.
    pub fn folder_may_change(ctx: &DirContext, depth: u32) -> bool {
        depth >= 2
            && matches!(
                ctx.kind,
                DirKind::Project | DirKind::Shared | DirKind::Topic | DirKind::Year | DirKind::Period | DirKind::Sub
            )
    }

    /// Whether files may come into a folder of this kind.
    pub fn folder_takes_files(ctx: &DirContext) -> bool {
        !matches!(
            ctx.kind,
            DirKind::Root | DirKind::UsersRoot | DirKind::ProjectsRoot | DirKind::Batch | DirKind::Torture(_)
        )
    }

    /// The epochs a folder was deleted in (if by `now`) and last renamed in. Only folders
    /// without sub-folders (`leaf`) are deleted: a clean-up takes a folder of files, not a
    /// department's tree.
    pub fn folder_fate(&self, index: u64, ctx: &DirContext, depth: u32, leaf: bool, now: u64) -> Fate {
        let mut f = Fate::default();
        if now == 0 || !Epochs::folder_may_change(ctx, depth) {
            return f;
        }
        let key = Epochs::folder_key(index);
        if leaf {
            let survive = (now == self.now).then_some(self.folder_survives_now);
            f.deleted = self.death_within(key, 0, self.churn.folder_delete, now, survive);
        }
        let last = f.deleted.map_or(now, |d| d - 1);
        if let Some(Some(odds)) = self.odds.get(FOLDER_RENAME) {
            f.renamed = self.clock(key, Change::Rename, odds).last_at_or_before(last);
        }
        f
    }

    /// Whether a folder was deleted or renamed in `(m, n]`.
    pub fn folder_changes_between(&self, index: u64, ctx: &DirContext, depth: u32, leaf: bool, m: u64, n: u64) -> bool {
        self.folder_fate(index, ctx, depth, leaf, n) != self.folder_fate(index, ctx, depth, leaf, m)
    }

    /// The ACL changes folder `index` has had by epoch `now` (none at epoch 0). Whether the
    /// folder is one they apply to is the caller's (`ntacl::child_security`): these are its
    /// clocks only.
    pub fn acl_drift(&self, index: u64, now: u64) -> AclDrift {
        if now == 0 {
            return AclDrift::default();
        }
        let key = Epochs::folder_key(index);
        let grant = match self.odds.get(ACL_GRANT) {
            Some(Some(odds)) => self.clock(key, Change::Grant, odds).last_at_or_before(now),
            _ => None,
        };
        let protected = self.death_by(key ^ Change::Protect as u64, 0, self.churn.acl_protect, now);
        AclDrift { grant, protected }
    }

    /// The epochs in `(m, n]` in which folder `index`'s ACL was changed, in order.
    pub fn acl_events_between(&self, index: u64, m: u64, n: u64) -> Vec<u64> {
        let key = Epochs::folder_key(index);
        let mut at = match self.odds.get(ACL_GRANT) {
            Some(Some(odds)) => self.clock(key, Change::Grant, odds).between(m, n),
            _ => Vec::new(),
        };
        if let Some(p) = self.acl_drift(index, n).protected.filter(|p| *p > m) {
            at.push(p);
        }
        at.sort_unstable();
        at.dedup();
        at
    }

    /// The epochs up to `now`, in order, in which one of the folders two levels below folder
    /// `index` moved from one of its sub-folders to another (which, `tree/moves.rs` draws
    /// from [`Epochs::move_draw`]).
    pub fn moves_by(&self, index: u64, now: u64) -> Vec<u64> {
        match self.odds.get(FOLDER_MOVE) {
            Some(Some(odds)) if now > 0 => self.clock(Epochs::folder_key(index), Change::Move, odds).between(0, now),
            _ => Vec::new(),
        }
    }

    /// The draws of the move below folder `index` in epoch `e`.
    pub fn move_draw(&self, index: u64, e: u64) -> Rng {
        Rng::from_key(key(self.seed, Epochs::folder_key(index), Change::Move as u64 ^ (e << 32)))
    }

    /// A folder's clock of new files: hot folders (one in ten, and the personal ones more) get
    /// most of them.
    fn add_clock(&self, folder: u64, ctx: &DirContext) -> Option<EventClock<'_>> {
        if self.churn.add <= 0.0 || !Epochs::folder_takes_files(ctx) || folder > MAX_FOLDER_INDEX {
            return None;
        }
        let hot = self.unit(folder, Change::Add, 1) < 0.1;
        let personal = ctx.kind == DirKind::Home || ctx.owner.is_some();
        let odds = self.odds.get(ADD + 2 * usize::from(hot) + usize::from(personal))?.as_ref()?;
        Some(self.clock(folder, Change::Add, odds))
    }

    /// The epochs in `(m, n]` in which files came into a folder, and how many each time.
    pub fn batches(&self, folder: u64, ctx: &DirContext, m: u64, n: u64) -> Vec<(u64, u64)> {
        let Some(c) = self.add_clock(folder, ctx) else { return Vec::new() };
        c.between(m, n)
            .into_iter()
            .map(|e| {
                let mut rng = Rng::from_key(key(self.seed, folder, Change::Batch as u64 ^ (e << 32)));
                let mut k = 1;
                while k < MAX_BATCH && rng.chance(1.0 - 1.0 / MEAN_BATCH) {
                    k += 1;
                }
                (e, k)
            })
            .collect()
    }

    /// Whether a new file is clutter.
    pub fn added_is_temp(&self, id: u64) -> bool {
        self.unit(id, Change::Add, 2) < self.churn.temp_share
    }
}

#[cfg(test)]
mod tests;
