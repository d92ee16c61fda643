//! The plans of the folders most recently planned, in a small direct-mapped table in front of
//! the plan cache. Walks plan each folder once and keep them out of the cache (its upkeep cost
//! more than it saved), yet a copy's original is mostly a few folders back: the table finds
//! those plans again for a few dozen instructions, where a cache lookup takes hundreds and a
//! plan thousands.

use std::sync::{Arc, Mutex, PoisonError};

use super::plan::DirPlan;

/// Slots in the table (a power of two).
const SLOTS: usize = 16384;

/// Recently planned folders, each in the slot its index hashes to (a newer plan takes the
/// slot).
pub struct RecentPlans {
    slots: Box<[Mutex<Option<Arc<DirPlan>>>]>,
}

impl Default for RecentPlans {
    fn default() -> Self {
        RecentPlans { slots: (0..SLOTS).map(|_| Mutex::new(None)).collect() }
    }
}

impl RecentPlans {
    /// The plan of the folder at `index`, if it is still in its slot.
    pub fn get(&self, index: u64) -> Option<Arc<DirPlan>> {
        let slot = self.slot(index).lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref().filter(|p| p.index == index).cloned()
    }

    /// Keeps `plan`, in place of whatever held its slot.
    pub fn put(&self, plan: &Arc<DirPlan>) {
        let mut slot = self.slot(plan.index).lock().unwrap_or_else(PoisonError::into_inner);
        if !slot.as_ref().is_some_and(|p| Arc::ptr_eq(p, plan)) {
            *slot = Some(plan.clone());
        }
    }

    fn slot(&self, index: u64) -> &Mutex<Option<Arc<DirPlan>>> {
        // Folder indices step by their files and sub-folders: a multiplicative hash spreads them.
        let h = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros());
        &self.slots[h as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_found_until_another_takes_its_slot() {
        let mut p = crate::model::Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(50_000), None);
        let tree = crate::model::Tree::new(p).unwrap();
        let recent = RecentPlans::default();
        let root = tree.root().clone();
        assert!(recent.get(root.index).is_none());
        recent.put(&root);
        assert!(Arc::ptr_eq(&recent.get(root.index).unwrap(), &root));
        // Another folder's index never answers with this plan.
        let child = tree.child_plan_uncached(&root, 0);
        assert!(recent.get(child.index).is_none());
        // Every folder's plan put is found again while it holds its slot; a plan that lost its
        // slot is gone, never answered for another index.
        let plans: Vec<Arc<DirPlan>> = (0..root.children.len()).map(|k| tree.child_plan_uncached(&root, k)).collect();
        for p in &plans {
            recent.put(p);
            assert!(Arc::ptr_eq(&recent.get(p.index).unwrap(), p));
        }
        for p in &plans {
            if let Some(found) = recent.get(p.index) {
                assert_eq!(found.index, p.index);
            }
        }
    }
}
