//! The tree at its epoch: which files and folders are still there, under which names, the
//! files that came since, and the folders' times that their changes moved. The rates and
//! fates are in [`crate::epoch`], a file's attributes at an epoch in `attrs/epoch.rs`.

use std::borrow::Cow;

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

    /// The name sub-folder `k` of `plan` has at epoch `now`, `None` if it was deleted by then.
    pub fn child_name_at<'a>(&self, plan: &'a DirPlan, k: usize, now: u64) -> Option<Cow<'a, str>> {
        let c = &plan.children[k];
        let f = self.epochs.folder_fate(c.index, &c.ctx, plan.depth + 1, c.dirs == 0, now);
        if f.deleted.is_some() {
            return None;
        }
        let Some(e) = f.renamed else { return Some(Cow::Borrowed(&c.name)) };
        let mut name = rename::renamed(&c.name, key(self.model.seed, c.index, e), false);
        // Unique among the folder's sub-folders as they were (a twin's rename aside).
        let clash = |n: &str| plan.children.iter().any(|o| o.name.eq_ignore_ascii_case(n));
        let stem = name.clone();
        let mut k = 2;
        while clash(&name) {
            name = format!("{stem} ({k})");
            k += 1;
        }
        Some(Cow::Owned(name))
    }

    /// The sub-folders of `plan` there at the tree's epoch: (position in `plan.children`,
    /// name then).
    pub fn live_children<'a>(&'a self, plan: &'a DirPlan) -> Vec<(usize, Cow<'a, str>)> {
        if self.epochs().is_none() {
            return plan.children.iter().enumerate().map(|(k, c)| (k, Cow::Borrowed(&*c.name))).collect();
        }
        (0..plan.children.len()).filter_map(|k| Some((k, self.child_name_at(plan, k, self.epochs.now)?))).collect()
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

    /// Whether a folder and every folder above it are there at the tree's epoch.
    fn folder_exists(&self, plan: &DirPlan) -> bool {
        let mut at = plan.index;
        while at != 0 {
            let Some(p) = self.plan(at) else { return false };
            let Some(parent) = self.plan(p.parent) else { return false };
            let Some(k) = parent.children.iter().position(|c| c.index == at) else { return false };
            if self.child_name_at(&parent, k, self.epochs.now).is_none() {
                return false;
            }
            at = parent.index;
        }
        true
    }

    /// The files of a folder at the tree's epoch, each with its attributes and name. Every
    /// epoch-0 file is named first (deleted ones too), so the names of the files that stay
    /// never move; renamed and new files then take names unique against all of them.
    pub(super) fn each_file_at_epoch(&self, ep: &Epochs, plan: &DirPlan, visit: &mut dyn FnMut(FileAttrs, &str)) {
        let torture = matches!(plan.ctx.kind, DirKind::Torture(_));
        let mut taken = names::Taken::with_capacity(plan.files as usize + plan.children.len());
        for c in &plan.children {
            taken.insert(&c.name);
        }
        for (_, name) in self.live_children(plan) {
            taken.insert(&name);
        }
        let mut rows: Vec<(FileAttrs, String, Option<u64>)> = Vec::with_capacity(plan.files as usize);
        let mut name = String::with_capacity(64);
        for slot in 0..plan.files {
            let (a, original) = attrs::file_attrs_and_original(self, plan, slot);
            names::file_name(self, plan, &a, original.as_ref(), &mut name);
            if !torture {
                names::make_unique(&mut name, &mut taken);
                names::hostile(self, a.index, &mut name, &mut taken);
            }
            let fate = attrs::fate_of(ep, plan, &a, ep.now);
            if fate.deleted.is_none() {
                rows.push((attrs::apply_fate(self, ep, plan, a, &fate), name.clone(), fate.renamed));
            }
        }
        for (a, name, renamed) in &mut rows {
            if let Some(e) = *renamed {
                *name = rename::renamed(name, key(self.model.seed, a.index, e), true);
                names::make_unique(name, &mut taken);
            }
        }
        for id in self.added_between(plan, 0, ep.now) {
            let a = attrs::added_file_attrs(self, ep, plan, id);
            names::file_name(self, plan, &a, None, &mut name);
            names::make_unique(&mut name, &mut taken);
            let fate = attrs::fate_of(ep, plan, &a, ep.now);
            if fate.deleted.is_some() {
                continue;
            }
            if let Some(e) = fate.renamed {
                name = rename::renamed(&name, key(self.model.seed, id, e), true);
                names::make_unique(&mut name, &mut taken);
            }
            rows.push((attrs::apply_fate(self, ep, plan, a, &fate), name.clone(), None));
        }
        for (a, name, _) in rows {
            visit(a, &name);
        }
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
        for c in &plan.children {
            let f = ep.folder_fate(c.index, &c.ctx, plan.depth + 1, c.dirs == 0, now);
            let key = Epochs::folder_key(c.index);
            if let Some(e) = f.deleted {
                seen(ep.time_in(e, key, Change::Delete));
            } else if let Some(e) = f.renamed {
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
