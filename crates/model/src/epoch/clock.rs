//! When something changes, epoch by epoch, found without replaying the epochs before: the
//! clock under the epochs, where epoch N of a share costs no more than a logarithm of N.
//!
//! A key (a file, a folder) has a chance `p` of an event (a modification, a rename, a
//! deletion) in each epoch 1, 2, 3, ... independently: one coin per epoch. Tossing those coins
//! one by one would make epoch 1,000 cost a thousand times epoch 1. Here they are drawn top
//! down instead, over binary trees of epoch blocks. The epochs 1 to 2^20 (a million: the last
//! a tree takes) are cut into blocks that double: epoch 1, epoch 2, epochs 3-4, 5-8, 9-16,
//! ..., up to 2^19+1 to 2^20, each block aligned to its size. Then
//! - each of those blocks holds at least one event with probability `1 - (1 - p)^len`, on a
//!   coin of its own;
//! - a block that holds one holds one in its left half with probability
//!   `(1 - (1 - p)^(len/2)) / (1 - (1 - p)^len)`; if the left half holds none, the right half
//!   holds one; if it does, the right half holds one with its own `1 - (1 - p)^(len/2)`;
//! - a block that holds none has none in its halves.
//!
//! That is exactly the law of one coin per epoch (disjoint blocks are independent, the halves
//! of a block are independent given the block's count, and "at least one" splits this way),
//! but whether a block holds an event follows from its ancestors' coins alone, each a hash of
//! (seed, key, level, block). So whether epoch `e` has an event, the last event at or before
//! `n` and the events in `(m, n]` each take a walk down the levels of the block that holds
//! the epoch: O(log n), and the same answer whichever is asked first (nothing is cached or
//! replayed). Epoch 1,000 walks 10 levels, epoch 10 four.

use crate::rng::mix64;

/// log2 of the epochs the clock covers (epochs 1 to 2^20).
pub const HORIZON_LOG2: u32 = 20;
/// The last epoch the clock covers.
pub const LAST_EPOCH: u64 = 1 << HORIZON_LOG2;

/// The chance `p` of an event per epoch as the clock uses it: the chance of at least one
/// event in a block of `2^level` epochs, for every level (made once per rate, shared by every
/// key's clock: a walk down the blocks then costs hashes and no logarithms).
#[derive(Clone, Debug)]
pub struct Odds {
    any: [f64; HORIZON_LOG2 as usize + 1],
    /// By level, the chance that the left half of a block that holds an event holds one:
    /// `any[level - 1] / any[level]`.
    left: [f64; HORIZON_LOG2 as usize + 1],
}

impl Odds {
    /// The odds of chance `p` per epoch (clamped to 0..=1).
    pub fn new(p: f64) -> Odds {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let log_none = libm::log1p(-p);
        let mut any = [0.0; HORIZON_LOG2 as usize + 1];
        for (level, a) in any.iter_mut().enumerate() {
            *a = if p >= 1.0 { 1.0 } else { -libm::expm1((1u64 << level) as f64 * log_none) };
        }
        let mut left = [0.0; HORIZON_LOG2 as usize + 1];
        for level in 1..left.len() {
            left[level] = if any[level] > 0.0 { any[level - 1] / any[level] } else { 0.0 };
        }
        Odds { any, left }
    }
}

/// One key's events over the epochs: a chance in each, given by its [`Odds`].
#[derive(Clone, Copy, Debug)]
pub struct EventClock<'a> {
    /// (seed, key) mixed once: each block's coin is one more mix of it.
    base: u64,
    odds: &'a Odds,
}

/// A block of epochs: `2^level` of them, the `index`-th (from 0) at its level; it covers
/// epochs `index * 2^level + 1` to `(index + 1) * 2^level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    level: u32,
    index: u64,
}

/// Top block `i` of the blocks the epochs are cut into, in order: epoch 1 (level 0, index 0),
/// then for `i` from 1 the block of `2^(i-1)` epochs from `2^(i-1) + 1` (index 1).
fn top(i: usize) -> Block {
    if i == 0 { Block { level: 0, index: 0 } } else { Block { level: i as u32 - 1, index: 1 } }
}

/// How many top blocks there are.
const TOPS: usize = HORIZON_LOG2 as usize + 1;

/// The last top block that starts at or before epoch `n` (`n` at least 1).
fn top_of(n: u64) -> usize {
    // Epoch 1 is top 0, epoch 2 top 1, epochs 2^l+1 to 2^(l+1) top l+1.
    let n = n.clamp(1, LAST_EPOCH);
    if n == 1 { 0 } else { (64 - (n - 1).leading_zeros()) as usize }
}

impl Block {
    fn first(self) -> u64 {
        (self.index << self.level) + 1
    }

    fn last(self) -> u64 {
        (self.index + 1) << self.level
    }

    fn halves(self) -> (Block, Block) {
        let level = self.level - 1;
        (Block { level, index: 2 * self.index }, Block { level, index: 2 * self.index + 1 })
    }
}

impl<'a> EventClock<'a> {
    /// The clock of `key` under `seed` (keys and seeds as [`crate::rng::key`] takes them), with
    /// the chance of an event in each epoch that `odds` holds.
    pub fn new(seed: u64, key: u64, odds: &'a Odds) -> EventClock<'a> {
        EventClock { base: mix64(crate::rng::key(seed, key, 0x6570_6f63_6800_0000)), odds }
    }

    /// The chance of at least one event in a block of `2^level` epochs.
    fn any(&self, level: u32) -> f64 {
        self.odds.any[level as usize]
    }

    /// The block's coin: a uniform number in [0, 1) of (seed, key, block).
    fn coin(&self, b: Block) -> f64 {
        let block = (u64::from(b.level) << 40) ^ b.index;
        let bits = mix64(self.base ^ block.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Whether a top block holds an event (its own coin).
    fn holds(&self, top: Block) -> bool {
        self.coin(top) < self.any(top.level)
    }

    /// Whether the left half of a block that holds an event holds one.
    fn left_holds(&self, b: Block) -> bool {
        self.coin(b.halves().0) < self.odds.left[b.level as usize]
    }

    /// Whether the right half of a block that holds an event holds one, given the left's.
    fn right_holds(&self, b: Block, left: bool) -> bool {
        !left || self.coin(b.halves().1) < self.any(b.level - 1)
    }

    /// Whether epoch `e` has an event (epoch 0, the start, has none).
    pub fn at(&self, e: u64) -> bool {
        e >= 1 && self.last_at_or_before(e) == Some(e)
    }

    /// The last epoch at or before `n` with an event.
    pub fn last_at_or_before(&self, n: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let n = n.min(LAST_EPOCH);
        (0..=top_of(n)).rev().map(top).filter(|t| self.holds(*t)).find_map(|t| self.last_in(t, n))
    }

    /// The last event at or before `n` in `b`, which holds at least one. A right half that
    /// starts after `n` is not drawn.
    fn last_in(&self, b: Block, n: u64) -> Option<u64> {
        if b.first() > n {
            return None;
        }
        if b.level == 0 {
            return Some(b.first());
        }
        let (left, right) = b.halves();
        let l = self.left_holds(b);
        if right.first() <= n && self.right_holds(b, l) {
            if let Some(e) = self.last_in(right, n) {
                return Some(e);
            }
        }
        if l { self.last_in(left, n) } else { None }
    }

    /// The first epoch after `m` with an event.
    pub fn first_after(&self, m: u64) -> Option<u64> {
        if m >= LAST_EPOCH {
            return None;
        }
        (top_of(m + 1)..TOPS).map(top).filter(|t| self.holds(*t)).find_map(|t| self.first_in(t, m))
    }

    fn first_in(&self, b: Block, m: u64) -> Option<u64> {
        if b.last() <= m {
            return None;
        }
        if b.level == 0 {
            return Some(b.first());
        }
        let (left, right) = b.halves();
        let l = self.left_holds(b);
        if l && left.last() > m {
            if let Some(e) = self.first_in(left, m) {
                return Some(e);
            }
        }
        if self.right_holds(b, l) { self.first_in(right, m) } else { None }
    }

    /// The epochs in `(m, n]` with an event, in order: O(log) for each one found.
    pub fn between(&self, m: u64, n: u64) -> Vec<u64> {
        let mut out = Vec::new();
        let n = n.min(LAST_EPOCH);
        if m < n {
            for t in (top_of(m + 1)..TOPS).map(top).take_while(|t| t.first() <= n) {
                if self.holds(t) {
                    self.collect(t, m, n, &mut out);
                }
            }
        }
        out
    }

    fn collect(&self, b: Block, m: u64, n: u64, out: &mut Vec<u64>) {
        if b.last() <= m || b.first() > n {
            return;
        }
        if b.level == 0 {
            out.push(b.first());
            return;
        }
        let (left, right) = b.halves();
        let l = self.left_holds(b);
        if l {
            self.collect(left, m, n, out);
        }
        if right.first() <= n && right.last() > m && self.right_holds(b, l) {
            self.collect(right, m, n, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every way of asking agrees: the events in (0, n] are the epochs `at` says have one,
        /// the last of them is `last_at_or_before(n)`, and `first_after` walks them in order.
        #[test]
        fn every_question_gets_the_same_events(seed in any::<u64>(), k in any::<u64>(), p in 0.0f64..0.6, n in 1u64..300) {
            let odds = Odds::new(p);
            let c = EventClock::new(seed, k, &odds);
            let all = c.between(0, n);
            let by_epoch: Vec<u64> = (1..=n).filter(|e| c.at(*e)).collect();
            prop_assert_eq!(&all, &by_epoch);
            prop_assert_eq!(c.last_at_or_before(n), all.last().copied());
            let mut walked = Vec::new();
            let mut at = 0;
            while let Some(e) = c.first_after(at).filter(|e| *e <= n) {
                walked.push(e);
                at = e;
            }
            prop_assert_eq!(&walked, &all);
            let m = n / 2;
            let later: Vec<u64> = all.iter().copied().filter(|e| *e > m).collect();
            prop_assert_eq!(c.between(m, n), later);
        }
    }

    /// The law is one coin per epoch: each epoch has an event with chance p, whatever the
    /// epoch, and a key's events are as frequent early as late.
    #[test]
    fn each_epoch_has_an_event_with_chance_p() {
        for p in [0.01, 0.1, 0.5] {
            let odds = Odds::new(p);
            let keys = 20_000u64;
            for e in [1u64, 2, 7, 1_000, 123_456, LAST_EPOCH] {
                let hits = (0..keys).filter(|k| EventClock::new(7, *k, &odds).at(e)).count() as f64;
                let sd = (keys as f64 * p * (1.0 - p)).sqrt();
                assert!((hits - keys as f64 * p).abs() < 5.0 * sd, "p {p}, epoch {e}: {hits} of {keys}");
            }
            // Two neighbouring epochs are independent: both with chance p².
            let both = (0..keys)
                .filter(|k| EventClock::new(9, *k, &odds).at(500) && EventClock::new(9, *k, &odds).at(501))
                .count() as f64;
            let want = keys as f64 * p * p;
            assert!((both - want).abs() < 5.0 * want.sqrt().max(1.0), "p {p}: {both} pairs against {want}");
        }
    }

    #[test]
    fn the_edges_hold() {
        let (zero, one, nan) = (Odds::new(0.0), Odds::new(1.0), Odds::new(f64::NAN));
        let never = EventClock::new(1, 2, &zero);
        assert_eq!((never.last_at_or_before(LAST_EPOCH), never.first_after(0)), (None, None));
        let always = EventClock::new(1, 2, &one);
        assert_eq!(always.between(0, 5), [1, 2, 3, 4, 5]);
        assert_eq!(always.last_at_or_before(1_000_000), Some(1_000_000));
        assert_eq!(always.first_after(LAST_EPOCH - 1), Some(LAST_EPOCH));
        assert_eq!(always.first_after(LAST_EPOCH), None);
        assert!(!always.at(0));
        assert_eq!(EventClock::new(1, 2, &nan).between(0, 100), Vec::<u64>::new());
    }
}
