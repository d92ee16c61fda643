//! The plans of the folders most recently planned, in a small direct-mapped table in front of
//! the plan cache. Walks plan each folder once and keep them out of the cache (its upkeep cost
//! more than it saved), yet a copy's original is mostly a few folders back: the table finds
//! those plans again for a few dozen instructions, where a cache lookup takes hundreds and a
//! plan thousands.

use std::sync::{Arc, Mutex, PoisonError};

use super::plan::DirPlan;

/// Slots in the table.
const SLOTS: usize = 16384;
const _: () = assert!(SLOTS.is_power_of_two());

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

    /// A plan of the tree's root, moved to `index`.
    fn plan_at(root: &DirPlan, index: u64) -> Arc<DirPlan> {
        Arc::new(DirPlan { index, ..root.clone() })
    }

    #[test]
    fn a_plan_is_found_until_another_takes_its_slot() {
        let mut p = crate::Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(1_000), None);
        let tree = crate::Tree::new(p).unwrap();
        let recent = RecentPlans::default();
        let a = plan_at(tree.root(), 12_345);
        assert!(recent.get(a.index).is_none());
        recent.put(&a);
        assert!(Arc::ptr_eq(&recent.get(a.index).unwrap(), &a));
        // Two indices that share a slot: the newer plan takes it, and neither index is ever
        // answered with the other's plan.
        let b_index = (a.index + 1..).find(|&i| std::ptr::eq(recent.slot(i), recent.slot(a.index))).unwrap();
        assert!(recent.get(b_index).is_none(), "a slot answers only for its own index");
        let b = plan_at(tree.root(), b_index);
        recent.put(&b);
        assert!(recent.get(a.index).is_none(), "the older plan lost its slot");
        assert!(Arc::ptr_eq(&recent.get(b_index).unwrap(), &b));
        // Plans in other slots stay.
        let others: Vec<Arc<DirPlan>> = (1..=SLOTS as u64 / 4).map(|i| plan_at(tree.root(), i * 7)).collect();
        for p in &others {
            recent.put(p);
        }
        let kept = others.iter().filter(|p| recent.get(p.index).is_some_and(|f| Arc::ptr_eq(&f, p))).count();
        assert!(kept > others.len() * 3 / 4, "{kept} of {} kept: the hash does not spread", others.len());
    }
}
