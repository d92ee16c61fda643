//! Folders that move to another parent: a reorganisation takes a folder from under one
//! sub-folder of a folder to under another (`Finance/Budgets/2019` to `Finance/Archive/2019`),
//! with everything it holds, its inode and its NT security (a move on one NTFS volume keeps
//! the descriptor it had; nothing is inherited anew).
//!
//! The moves below a folder (the grandparent of the folders that move) are found from its own
//! clock (`Epochs::moves_by`, O(log) of the epoch) and replayed in order: a handful per folder
//! even at epoch 1,000, so the list is made once and kept in a bounded cache. A folder only
//! moves between sub-folders of one folder, so a listing asks one clock, and the depth of what
//! moves never changes (its plan is the same wherever it is).

use std::borrow::Cow;
use std::sync::Arc;

use super::Tree;
use crate::epoch::Epochs;
use crate::plan::{ChildDir, DirPlan};

/// One move below a folder: in `epoch`, folder `index`, planned as the `k`th sub-folder of
/// the folder's `planned`th sub-folder, went from under sub-folder `from` to under `to`
/// (positions among the folder's sub-folders).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderMove {
    pub epoch: u64,
    pub index: u64,
    pub planned: usize,
    pub k: usize,
    pub from: usize,
    pub to: usize,
}

/// The moves below a folder up to the tree's epoch, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moves(Vec<FolderMove>);

impl Moves {
    /// The moves up to epoch `now`.
    pub fn up_to(&self, now: u64) -> impl Iterator<Item = &FolderMove> {
        self.0.iter().take_while(move |m| m.epoch <= now)
    }

    /// Where (a position among the folder's sub-folders) the folder planned as the `k`th
    /// under sub-folder `planned` is at epoch `now`.
    pub fn place(&self, planned: usize, k: usize, now: u64) -> usize {
        self.up_to(now).filter(|m| m.planned == planned && m.k == k).last().map_or(planned, |m| m.to)
    }

    /// The last epoch in `(m, n]` folder `index` moved in.
    pub fn last_move(&self, index: u64, m: u64, n: u64) -> Option<u64> {
        self.up_to(n).filter(|x| x.index == index && x.epoch > m).map(|x| x.epoch).last()
    }

    /// The folders planned elsewhere that are under sub-folder `at` at epoch `now`, as
    /// (planned, k), in the order they last came.
    pub fn moved_in(&self, at: usize, now: u64) -> Vec<(usize, usize)> {
        // Each folder that moved, with where its last move took it, in that move's order.
        let mut last: Vec<(usize, usize, usize)> = Vec::new();
        for m in self.up_to(now) {
            last.retain(|(p, k, _)| (*p, *k) != (m.planned, m.k));
            last.push((m.planned, m.k, m.to));
        }
        last.into_iter().filter(|(p, _, to)| *to == at && *p != at).map(|(p, k, _)| (p, k)).collect()
    }

    /// Whether a move in `(m, n]` took a folder out of or into sub-folder `at`.
    pub fn touch_between(&self, at: usize, m: u64, n: u64) -> bool {
        self.up_to(n).any(|x| x.epoch > m && (x.from == at || x.to == at))
    }
}

/// The moves found below recently asked folders: a few shards of plain maps, each emptied
/// when full (a bounded cache that costs a hash and a lock; moka's upkeep cost more than the
/// replays it saved at 10^6 files).
#[derive(Default)]
pub(super) struct MovesCache(Vec<std::sync::Mutex<std::collections::HashMap<u64, Arc<Moves>>>>);

const MOVES_SHARDS: usize = 16;
const MOVES_PER_SHARD: usize = 1_024;

impl MovesCache {
    pub(super) fn new() -> MovesCache {
        MovesCache((0..MOVES_SHARDS).map(|_| Default::default()).collect())
    }

    fn shard(&self, g: u64) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, Arc<Moves>>> {
        let m = &self.0[(crate::rng::mix64(g) % MOVES_SHARDS as u64) as usize];
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, g: u64) -> Option<Arc<Moves>> {
        self.shard(g).get(&g).cloned()
    }

    fn put(&self, g: u64, moves: Arc<Moves>) {
        let mut shard = self.shard(g);
        if shard.len() >= MOVES_PER_SHARD {
            shard.clear();
        }
        shard.insert(g, moves);
    }
}

/// A folder's moves as one of its parent's sub-folders sees them: the parent, the folder's
/// position among the parent's sub-folders, the moves below the parent.
pub struct Around {
    pub parent: Arc<DirPlan>,
    pub at: usize,
    pub moves: Arc<Moves>,
}

/// A sub-folder as a folder's listing shows it at the tree's epoch.
#[derive(Clone, Debug)]
pub struct LiveChild<'a> {
    /// The plan that holds it, when that is not the folder listed (it moved in).
    pub planned_in: Option<Arc<DirPlan>>,
    /// Its position among that plan's sub-folders.
    pub k: usize,
    pub name: Cow<'a, str>,
    /// Where it moved in: the first file ordinal of the plan that holds it less the listed
    /// folder's (file ordinals, what shards split by, stay those of the plans).
    pub shift: i64,
}

impl LiveChild<'_> {
    /// The same, holding its name.
    pub fn into_owned(self) -> LiveChild<'static> {
        LiveChild {
            planned_in: self.planned_in,
            k: self.k,
            name: Cow::Owned(self.name.into_owned()),
            shift: self.shift,
        }
    }

    /// What the plans know of it, given the folder listed.
    pub fn child<'b>(&'b self, listed: &'b DirPlan) -> &'b ChildDir {
        &self.planned_in.as_deref().unwrap_or(listed).children[self.k]
    }

    /// Its node index.
    pub fn index(&self, listed: &DirPlan) -> u64 {
        self.child(listed).index
    }

    /// The first file ordinal of its subtree, given the listed folder's (`listed_base`) and
    /// its own sub-folders' (`own_bases`, by position).
    pub fn base(&self, own_bases: &[u64], listed_base: u64) -> u64 {
        match &self.planned_in {
            None => own_bases[self.k],
            Some(holder) => {
                let before: u64 = holder.children[..self.k].iter().map(|c| c.files).sum();
                listed_base.wrapping_add_signed(self.shift) + holder.files + before
            }
        }
    }
}

impl Tree {
    /// The plan of a sub-folder `listed` shows (cached).
    pub fn live_child_plan(&self, listed: &DirPlan, c: &LiveChild) -> Arc<DirPlan> {
        self.child_plan(c.planned_in.as_deref().unwrap_or(listed), c.k)
    }

    /// The plan of a sub-folder `listed` shows, for walks that visit each folder once.
    pub fn live_child_plan_uncached(&self, listed: &DirPlan, c: &LiveChild) -> Arc<DirPlan> {
        self.child_plan_uncached(c.planned_in.as_deref().unwrap_or(listed), c.k)
    }

    /// Folder `g`'s plan and the moves below it up to the tree's epoch (`None`: there were
    /// none). The moves are found once and kept; the plan is not (a cache of a folder of
    /// folders' plans for every folder that had a move would hold much of the tree), but a
    /// walk that lists `g`'s sub-folders has it among the recent plans.
    fn moves_below(&self, g: u64) -> Option<(Arc<DirPlan>, Arc<Moves>)> {
        let now = self.epochs().map(|ep| ep.now)?;
        let events = self.epochs.moves_by(g, now);
        if events.is_empty() {
            return None;
        }
        let plan = self.recent_plans.get(g).or_else(|| self.plan(g))?;
        if let Some(m) = self.moves.get(g) {
            return Some((plan, m));
        }
        let moves = Arc::new(self.replay_moves(&plan, &events));
        self.moves.put(g, moves.clone());
        Some((plan, moves))
    }

    /// The moves of `events`: each takes one of the folders below two of `g`'s sub-folders
    /// that may change and hold folders, still there then, to another of them.
    fn replay_moves(&self, g: &DirPlan, events: &[u64]) -> Moves {
        let may = |c: &ChildDir, depth| Epochs::folder_may_change(&c.ctx, depth);
        let among: Vec<usize> =
            (0..g.children.len()).filter(|j| g.children[*j].dirs > 0 && may(&g.children[*j], g.depth + 1)).collect();
        let mut moves = Moves::default();
        if among.len() < 2 {
            return moves;
        }
        for &e in events {
            let mut rng = self.epochs.move_draw(g.index, e);
            let planned = among[rng.below(among.len() as u64) as usize];
            // Kept among the recent plans only: a walk comes to it next.
            let p = self.child_plan_uncached(g, planned);
            let movable: Vec<usize> = (0..p.children.len()).filter(|k| may(&p.children[*k], g.depth + 2)).collect();
            if movable.is_empty() {
                continue;
            }
            let k = movable[rng.below(movable.len() as u64) as usize];
            let c = &p.children[k];
            if self.epochs.folder_fate(c.index, &c.ctx, g.depth + 2, c.dirs == 0, e).deleted.is_some() {
                continue;
            }
            let from = moves.place(planned, k, e);
            let to = among.iter().copied().filter(|j| *j != from).nth(rng.below(among.len() as u64 - 1) as usize);
            let Some(to) = to else { continue };
            moves.0.push(FolderMove { epoch: e, index: c.index, planned, k, from, to });
        }
        moves
    }

    /// The moves that concern folder `plan`'s sub-folders: `None` at epoch 0, for the root,
    /// and where its parent had none.
    pub fn around(&self, plan: &DirPlan) -> Option<Around> {
        let now = self.epochs().map(|ep| ep.now)?;
        // Only folders that may change and hold folders give or take them (see `replay_moves`):
        // most folders are known to have none without asking a clock.
        let takes_part = plan.subtree_dirs > 0 && Epochs::folder_may_change(&plan.ctx, plan.depth);
        if plan.index == 0 || !takes_part || now == 0 {
            return None;
        }
        let (parent, moves) = self.moves_below(plan.parent)?;
        let at = parent.children.binary_search_by_key(&plan.index, |c| c.index).ok()?;
        Some(Around { parent, at, moves })
    }

    /// The folder a folder is in at the tree's epoch.
    pub fn folder_parent(&self, dir: &DirPlan) -> u64 {
        if dir.index == 0 || dir.parent == 0 || self.epochs().is_none() {
            return dir.parent;
        }
        let Some(p) = self.plan(dir.parent) else { return dir.parent };
        let Some(a) = self.around(&p) else { return dir.parent };
        let Ok(k) = p.children.binary_search_by_key(&dir.index, |c| c.index) else { return dir.parent };
        a.parent.children[a.moves.place(a.at, k, self.epochs.now)].index
    }

    /// The last epoch in `(m, n]` folder `dir` moved in (`n` at most the tree's epoch).
    pub fn last_moved(&self, dir: &DirPlan, m: u64, n: u64) -> Option<u64> {
        let p = self.plan(dir.parent).filter(|_| dir.index != 0)?;
        self.around(&p)?.moves.last_move(dir.index, m, n)
    }

    /// Where each planned sub-folder of `planned` is at the tree's epoch, by position, and its
    /// name there: `None` if it was deleted; with the position among the sub-folders of
    /// `planned`'s parent of the folder it moved under, if it moved.
    pub fn sub_folders_now<'a>(&'a self, planned: &'a DirPlan) -> Vec<Option<(Option<usize>, Cow<'a, str>)>> {
        let a = self.around(planned);
        let mut under: Vec<(usize, Vec<LiveChild<'static>>)> = Vec::new();
        (0..planned.children.len())
            .map(|k| match a.as_ref().map(|a| (a, a.moves.place(a.at, k, self.epochs.now))) {
                Some((a, s)) if s != a.at => {
                    if !under.iter().any(|(x, _)| *x == s) {
                        let there = self.child_plan(&a.parent, s);
                        let kids = self.live_children(&there).into_iter().map(LiveChild::into_owned).collect();
                        under.push((s, kids));
                    }
                    let index = planned.children[k].index;
                    let kids = &under.iter().find(|(x, _)| *x == s)?.1;
                    let found =
                        kids.iter().find(|c| c.planned_in.as_ref().is_some_and(|p| p.children[c.k].index == index))?;
                    Some((Some(s), Cow::Owned(found.name.to_string())))
                }
                _ => Some((None, self.planned_name(planned, k)?)),
            })
            .collect()
    }
}
