//! The tree at its epoch: which files and folders are still there, under which names, the
//! files that came since, and the folders' times that their changes moved. The rates and
//! fates are in [`crate::epoch`], a file's attributes at an epoch in `attrs/epoch.rs`.

use std::borrow::Cow;
use std::sync::Arc;

use super::moves::LiveChild;
use super::{Location, Tree};
use crate::attrs::{self, DirAttrs, FileAttrs, Timestamp};
use crate::epoch::{self, Change, Epochs, rename};
use crate::names;
use crate::plan::{DirKind, DirPlan};
use crate::rng::key;

impl Tree {
    /// The epoch machinery when the tree is past epoch 0 (`None` at epoch 0, where every
    /// answer is the profile's own).
    pub fn epochs(&self) -> Option<&Epochs> {
        (self.epochs.now > 0).then_some(&self.epochs)
    }

    /// The tree's epoch.
    pub fn epoch(&self) -> u64 {
        self.epochs.now
    }

    /// The last second of the tree's epoch: the tree's now, which ages count from.
    pub fn now_secs(&self) -> i64 {
        self.epochs.end_of(self.epochs.now)
    }

    /// The rates and clocks of change, whatever the tree's epoch.
    pub fn churn(&self) -> &Epochs {
        &self.epochs
    }

    /// The name the `k`th planned sub-folder of `plan` has at the tree's epoch where it was
    /// planned, `None` if it was deleted by then (where it is now: [`Tree::sub_folders_now`]).
    pub fn planned_name<'a>(&self, plan: &'a DirPlan, k: usize) -> Option<Cow<'a, str>> {
        let c = &plan.children[k];
        let f = self.epochs.folder_fate(c.index, &c.ctx, plan.depth + 1, c.dirs == 0, self.epochs.now);
        if f.deleted.is_some() {
            return None;
        }
        let Some(e) = f.renamed else { return Some(Cow::Borrowed(&c.name)) };
        let name = rename::renamed(&c.name, key(self.model.seed, c.index, e), false);
        // Unique among the folder's sub-folders as they were (a twin's rename aside).
        Some(Cow::Owned(numbered(name, |n| plan.children.iter().any(|o| o.name.eq_ignore_ascii_case(n)))))
    }

    /// The sub-folders of `plan` there at the tree's epoch, by index: its own that stayed and
    /// those that moved in from its siblings (named after its own: a name taken already gets
    /// " (2)").
    pub fn live_children<'a>(&'a self, plan: &'a DirPlan) -> Vec<LiveChild<'a>> {
        let own = |k, name| LiveChild { planned_in: None, k, name, shift: 0 };
        if self.epochs().is_none() {
            return plan.children.iter().enumerate().map(|(k, c)| own(k, Cow::Borrowed(&*c.name))).collect();
        }
        let now = self.epochs.now;
        let around = self.around(plan);
        let stays = |k| around.as_ref().is_none_or(|a| a.moves.place(a.at, k, now) == a.at);
        let mut out: Vec<LiveChild<'a>> = (0..plan.children.len())
            .filter(|k| stays(*k))
            .filter_map(|k| Some(own(k, self.planned_name(plan, k)?)))
            .collect();
        let Some(a) = around else { return out };
        for (planned, k) in a.moves.moved_in(a.at, now) {
            let from = self.child_plan_uncached(&a.parent, planned);
            let Some(name) = self.planned_name(&from, k) else { continue };
            let name = numbered(name.into_owned(), |n| out.iter().any(|c| c.name.eq_ignore_ascii_case(n)));
            let files_before = |j: usize| a.parent.children[..j].iter().map(|c| c.files).sum::<u64>() as i64;
            let shift = files_before(planned) - files_before(a.at);
            out.push(LiveChild { planned_in: Some(from), k, name: Cow::Owned(name), shift });
        }
        // By index, as every listing is (lookups by index search it).
        out.sort_by_key(|c| c.index(plan));
        out
    }

    /// The ids of the files that came into a folder in `(m, n]`, in order, with their births.
    pub fn added_between(&self, plan: &DirPlan, m: u64, n: u64) -> Vec<u64> {
        let mut ids = Vec::new();
        for (e, k) in self.epochs.batches(plan.index, &plan.ctx, m, n) {
            ids.extend((0..k).map(|j| epoch::added_id(plan.index, e, j)));
        }
        ids
    }

    /// Whether node `index` is there at the tree's epoch (its folders included).
    pub fn exists(&self, index: u64) -> bool {
        let Some(loc) = self.locate(index) else { return false };
        let Some(ep) = self.epochs() else { return true };
        let (plan, file) = match &loc {
            Location::Dir(p) => (p.clone(), None),
            Location::File { parent, slot } => (parent.clone(), Some(*slot)),
            Location::Symlink(_) => return true,
        };
        if let Some(slot) = file {
            // Its fate needs its tier only, not its attributes.
            let id = if epoch::is_added(slot) { slot } else { plan.index + 1 + slot };
            let tier = attrs::tier_of_file(ep, &plan, slot);
            if ep.fate(id, attrs::birth(id), tier, ep.now).deleted.is_some() {
                return false;
            }
            if epoch::is_added(slot) && !self.added_between(&plan, 0, ep.now).contains(&slot) {
                return false;
            }
        }
        self.folder_exists(&plan)
    }

    /// Whether a folder and every folder above it (where they are at the tree's epoch) are
    /// there at the tree's epoch.
    fn folder_exists(&self, plan: &DirPlan) -> bool {
        let now = self.epochs.now;
        let mut at = plan.index;
        while at != 0 {
            let Some(p) = self.plan(at) else { return false };
            if self.epochs.folder_fate(p.index, &p.ctx, p.depth, p.subtree_dirs == 0, now).deleted.is_some() {
                return false;
            }
            at = self.folder_parent(&p);
        }
        true
    }

    /// The files of a folder at the tree's epoch, each with its attributes and name.
    pub(super) fn each_file_at_epoch(&self, plan: &DirPlan, visit: &mut dyn FnMut(FileAttrs, &str)) {
        for (a, name) in self.files_at_epochs(plan, &[self]).into_iter().flatten() {
            visit(a, &name);
        }
    }

    /// The files of a folder in each of `trees` (this tree's profile at any epochs), each list
    /// as [`Tree::each_file`] gives it. Every epoch-0 file is named first (deleted ones too),
    /// so the names of the files that stay never move; renamed and new files then take names
    /// unique against all of them. The epoch-0 files' attributes and names are made once for
    /// all the trees (what `diff` compares costs one listing, not two).
    pub fn files_at_epochs(&self, plan: &DirPlan, trees: &[&Tree]) -> Vec<Vec<(FileAttrs, String)>> {
        struct Side {
            taken: names::Taken,
            rows: Vec<(FileAttrs, String, Option<u64>)>,
        }
        let torture = matches!(plan.ctx.kind, DirKind::Torture(_));
        let mut sides: Vec<Side> = trees
            .iter()
            .map(|t| {
                let mut taken = names::Taken::with_capacity(plan.files as usize + plan.children.len());
                for c in &plan.children {
                    taken.insert(&c.name);
                }
                for c in t.live_children(plan) {
                    taken.insert(&c.name);
                }
                Side { taken, rows: Vec::with_capacity(plan.files as usize) }
            })
            .collect();
        let mut name = String::with_capacity(64);
        for slot in 0..plan.files {
            let (a, original) = attrs::file_attrs_and_original(self, plan, slot);
            names::file_name(self, plan, &a, original.as_ref(), &mut name);
            let tier = attrs::tier_of(&self.epochs, plan, &a);
            for (t, side) in trees.iter().zip(&mut sides) {
                let mut named = name.clone();
                if !torture {
                    names::make_unique(&mut named, &mut side.taken);
                    names::hostile(t, a.index, &mut named, &mut side.taken);
                }
                let fate = t.epochs.fate(a.index, 0, tier, t.epochs.now);
                if fate.deleted.is_none() {
                    side.rows.push((attrs::apply_fate(t, &t.epochs, plan, a.clone(), &fate), named, fate.renamed));
                }
            }
        }
        let mut out = Vec::with_capacity(trees.len());
        for (t, mut side) in trees.iter().zip(sides) {
            let (ep, taken) = (&t.epochs, &mut side.taken);
            for (a, name, renamed) in &mut side.rows {
                if let Some(e) = *renamed {
                    *name = rename::renamed(name, key(self.model.seed, a.index, e), true);
                    names::make_unique(name, taken);
                }
            }
            for id in t.added_between(plan, 0, ep.now) {
                let a = attrs::added_file_attrs(t, ep, plan, id);
                names::file_name(t, plan, &a, None, &mut name);
                names::make_unique(&mut name, taken);
                let fate = attrs::fate_of(ep, plan, &a, ep.now);
                if fate.deleted.is_some() {
                    continue;
                }
                if let Some(e) = fate.renamed {
                    name = rename::renamed(&name, key(self.model.seed, id, e), true);
                    names::make_unique(&mut name, taken);
                }
                side.rows.push((attrs::apply_fate(t, ep, plan, a, &fate), name.clone(), None));
            }
            out.push(side.rows.into_iter().map(|(a, name, _)| (a, name)).collect());
        }
        out
    }

    /// The attributes of a folder's files at the tree's epoch, in listing order, without
    /// their names (what a walk that only counts needs).
    pub fn each_file_attrs(&self, plan: &DirPlan, mut visit: impl FnMut(FileAttrs)) {
        let Some(ep) = self.epochs() else {
            for slot in 0..plan.files {
                visit(attrs::file_attrs(self, plan, slot));
            }
            return;
        };
        // Names aside, a rename changes nothing: its clock is not asked.
        for slot in 0..plan.files {
            let f = ep.fate_unnamed(plan.index + 1 + slot, 0, attrs::tier_of_slot(ep, plan, slot), ep.now);
            if f.deleted.is_none() {
                visit(attrs::apply_fate(self, ep, plan, attrs::base_file_attrs(self, plan, slot), &f));
            }
        }
        for id in self.added_between(plan, 0, ep.now) {
            let a = attrs::added_file_attrs(self, ep, plan, id);
            let f = ep.fate_unnamed(id, attrs::birth(id), attrs::tier_of(ep, plan, &a), ep.now);
            if f.deleted.is_none() {
                visit(attrs::apply_fate(self, ep, plan, a, &f));
            }
        }
    }

    /// A folder's attributes at the tree's epoch: a file or sub-folder added, deleted or
    /// renamed in it moves its modification time, as on any filesystem.
    pub(super) fn dir_attrs_at_epoch(&self, ep: &Epochs, plan: &DirPlan, mut d: DirAttrs) -> DirAttrs {
        let now = ep.now;
        let mut last: Option<Timestamp> = None;
        let mut seen = |t: Timestamp| last = Some(last.map_or(t, |l| l.max(t)));
        for slot in 0..plan.files {
            let index = plan.index + 1 + slot;
            let f = ep.fate(index, 0, attrs::tier_of_slot(ep, plan, slot), now);
            if let Some(e) = f.deleted {
                seen(ep.time_in(e, index, Change::Delete));
            }
            if let Some(e) = f.renamed {
                seen(ep.time_in(e, index, Change::Rename));
            }
        }
        for id in self.added_between(plan, 0, now) {
            let born = epoch::unpack(id).1;
            seen(ep.time_in(born, id, Change::Add));
            let f = ep.fate(id, born, attrs::tier_of_file(ep, plan, id), now);
            if let Some(e) = f.deleted {
                seen(ep.time_in(e, id, Change::Delete));
            }
            if let Some(e) = f.renamed {
                seen(ep.time_in(e, id, Change::Rename));
            }
        }
        // Sub-folders deleted or renamed while here, and those that moved out or in.
        let around = self.around(plan);
        let mut subs: Vec<(usize, usize, Arc<DirPlan>)> = Vec::new();
        let at = around.as_ref().map_or(0, |a| a.at);
        if let Some(a) = &around {
            for (planned, k) in
                a.moves.up_to(now).filter(|m| m.to == a.at && m.planned != a.at).map(|m| (m.planned, m.k))
            {
                if !subs.iter().any(|(p, x, _)| (*p, *x) == (planned, k)) {
                    subs.push((planned, k, self.child_plan(&a.parent, planned)));
                }
            }
            for m in a.moves.up_to(now).filter(|m| m.from == a.at || m.to == a.at) {
                seen(ep.time_in(m.epoch, Epochs::folder_key(m.index), Change::Move));
            }
        }
        let here =
            |planned: usize, k: usize, e: u64| around.as_ref().is_none_or(|a| a.moves.place(planned, k, e) == a.at);
        let own = (0..plan.children.len()).map(|k| (at, k, plan));
        for (planned, k, holder) in own.chain(subs.iter().map(|(p, k, h)| (*p, *k, &**h))) {
            let c = &holder.children[k];
            let f = ep.folder_fate(c.index, &c.ctx, plan.depth + 1, c.dirs == 0, now);
            let key = Epochs::folder_key(c.index);
            if let Some(e) = f.deleted.filter(|e| here(planned, k, *e)) {
                seen(ep.time_in(e, key, Change::Delete));
            } else if let Some(e) = f.renamed.filter(|e| here(planned, k, *e)) {
                seen(ep.time_in(e, key, Change::Rename));
            }
        }
        if let Some(t) = last.filter(|t| *t > d.modified) {
            d.modified = t;
            d.accessed = d.accessed.max(t);
        }
        d
    }
}

/// `name`, else the first of `name (2)`, `name (3)`, ... that `taken` does not hold.
fn numbered(name: String, taken: impl Fn(&str) -> bool) -> String {
    let mut out = name.clone();
    let mut k = 2;
    while taken(&out) {
        out = format!("{name} ({k})");
        k += 1;
    }
    out
}
