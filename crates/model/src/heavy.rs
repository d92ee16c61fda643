//! The few cache entries too heavy for the caches: a plan with tens of thousands of
//! sub-folders, a listing of a million files.
//!
//! The moka caches admit a new entry only if it is used more often than the entries it would
//! evict together, so once a cache is full an entry as heavy as thousands of others is
//! refused, and a walk through such a folder rebuilt it for every child it visited (a 10M-file
//! `panzura-demo` mount spent minutes on its acquisition folder's 64,000 sub-folders). Heavy
//! entries live here instead, by recency, within a weight budget (the most recent is always
//! kept), so memory stays bounded as in the caches.

use std::sync::{Arc, Mutex};

/// Heavy entries by key, least recently used first.
pub struct Heavy<T> {
    slots: Mutex<Vec<(u64, Arc<T>, u64)>>,
    budget: u64,
}

impl<T> Heavy<T> {
    pub fn new(budget: u64) -> Heavy<T> {
        Heavy { slots: Mutex::new(Vec::new()), budget }
    }

    /// The entry for `key`, now the most recent.
    pub fn get(&self, key: u64) -> Option<Arc<T>> {
        let mut slots = self.slots.lock().ok()?;
        let at = slots.iter().position(|s| s.0 == key)?;
        let slot = slots.remove(at);
        let value = slot.1.clone();
        slots.push(slot);
        Some(value)
    }

    /// Keeps `value` of `weight` as the most recent, dropping the oldest beyond the budget.
    pub fn put(&self, key: u64, value: Arc<T>, weight: u64) {
        let Ok(mut slots) = self.slots.lock() else { return };
        slots.retain(|s| s.0 != key);
        slots.push((key, value, weight));
        let mut total: u64 = slots.iter().map(|s| s.2).sum();
        while total > self.budget && slots.len() > 1 {
            total -= slots.remove(0).2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_recent_within_the_budget() {
        let h = Heavy::new(100);
        h.put(1, Arc::new("a"), 60);
        h.put(2, Arc::new("b"), 30);
        assert_eq!(h.get(1).as_deref(), Some(&"a"));
        // 1 was used last: 2 goes when 3 needs the room.
        h.put(3, Arc::new("c"), 40);
        assert!(h.get(2).is_none());
        assert!(h.get(1).is_some() && h.get(3).is_some());
        // One entry over the budget alone is still kept.
        h.put(4, Arc::new("d"), 500);
        assert_eq!(h.get(4).as_deref(), Some(&"d"));
        assert!(h.get(1).is_none() && h.get(3).is_none());
    }
}
