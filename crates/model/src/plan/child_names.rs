//! The names a statistical folder gives its sub-folders, one after the other: a word drawn
//! from a list is one not drawn yet where a few tries find one, and never the folder's own
//! name; a name that came before (without regard to case, as `str::to_lowercase` compares)
//! takes the first free suffix (`Budgets 2`, `Budgets 3`, ...).
//!
//! Names given are told apart by a 64-bit fingerprint of their lower case, so the common
//! case (a new name in ASCII) allocates and copies nothing; two names with one fingerprint
//! are compared in full, so a name is "taken" exactly when an earlier one has its lower case.
//! At 10^9 files this bookkeeping had been half of the start-up's survey of the tree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::names::{WordMap, fingerprint_lowered};
use crate::rng::Rng;

/// The names given so far in one folder.
pub(super) struct ChildNames {
    /// Fingerprint of a given name's lower case -> the first name given with it.
    taken: WordMap<u64, usize>,
    /// For a name that came again (by the position of its first holder): the next suffix
    /// to try. Every suffix below it was taken and stays so, so a folder of thousands of
    /// sub-folders drawn from a few dozen words does not try every suffix again per repeat.
    next_suffix: WordMap<u64, u64>,
    /// Words drawn so far, by a fingerprint of their bytes (the few that share one with an
    /// earlier word, never seen in practice, in `used_too`).
    used: WordMap<u64, &'static str>,
    used_too: Vec<&'static str>,
    /// The folder's own name's key ([`super::name_key`]), which a drawn word never has.
    parent: Option<u64>,
    /// Names given so far.
    given: usize,
    /// The word lists drawn from so far (one or two), and what is known of their words here.
    lists: Vec<ListState>,
}

/// A word list's keys, made once per list for the whole process: drawing a word then hashes
/// nothing.
struct ListKeys {
    /// Each word's [`super::name_key`], compared with the folder's own name's.
    names: Box<[u64]>,
    /// Each word's fingerprint of its bytes, the key of `ChildNames::used`.
    prints: Box<[u64]>,
}

impl ListKeys {
    /// The keys of `list`, made on its first use (the word lists are a few dozen statics).
    fn of(list: &'static [&'static str]) -> &'static ListKeys {
        type Lists = HashMap<(usize, usize), &'static ListKeys>;
        static LISTS: OnceLock<RwLock<Lists>> = OnceLock::new();
        let lists = LISTS.get_or_init(Default::default);
        let id = (list.as_ptr() as usize, list.len());
        if let Some(keys) = lists.read().unwrap_or_else(PoisonError::into_inner).get(&id) {
            return keys;
        }
        let mut lists = lists.write().unwrap_or_else(PoisonError::into_inner);
        lists.entry(id).or_insert_with(|| {
            Box::leak(Box::new(ListKeys {
                names: list.iter().map(|w| super::name_key(w)).collect(),
                prints: list.iter().map(|w| fingerprint_lowered(w.as_bytes(), false)).collect(),
            }))
        })
    }
}

/// One word list as one folder has drawn from it.
struct ListState {
    list: &'static [&'static str],
    keys: &'static ListKeys,
    /// The words (by position) known to be among the drawn ones.
    drawn: Vec<u64>,
    /// Words neither known drawn nor the folder's own name: at 0, no try for an undrawn word
    /// can succeed, and the tries are only their draws.
    left: usize,
}

impl ListState {
    fn new(list: &'static [&'static str], parent: Option<u64>) -> ListState {
        let keys = ListKeys::of(list);
        let left = keys.names.iter().filter(|&&k| Some(k) != parent).count();
        ListState { list, keys, drawn: vec![0; list.len().div_ceil(64)], left }
    }

    /// Marks the word at `i` (not the folder's name) as drawn.
    fn mark(&mut self, i: usize) {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        if self.drawn[word] & bit == 0 {
            self.drawn[word] |= bit;
            self.left -= 1;
        }
    }
}

impl ChildNames {
    /// Names for the sub-folders of a folder whose own name has `parent` as its key.
    pub(super) fn new(parent: Option<u64>) -> ChildNames {
        ChildNames {
            taken: WordMap::default(),
            next_suffix: WordMap::default(),
            used: WordMap::default(),
            used_too: Vec::new(),
            parent,
            given: 0,
            lists: Vec::new(),
        }
    }

    /// Room for `n` sub-folders, once their number is known.
    pub(super) fn reserve(&mut self, n: usize) {
        self.taken.reserve(n);
        self.used.reserve(n);
    }

    /// Draws a word from `list`: up to four tries for one not drawn yet, then up to sixteen
    /// for any but the folder's own name (the list's first word failing that).
    /// (Each draw is `rng.pick(list)`'s.)
    pub(super) fn fresh(&mut self, rng: &mut Rng, list: &'static [&'static str]) -> &'static str {
        let parent = self.parent;
        let at = match self.lists.iter().position(|l| std::ptr::eq(l.list, list)) {
            Some(at) => at,
            None => {
                self.lists.push(ListState::new(list, parent));
                self.lists.len() - 1
            }
        };
        let len = list.len() as u64;
        for _ in 0..4 {
            let i = rng.below(len) as usize;
            let state = &mut self.lists[at];
            if state.left == 0 || parent == Some(state.keys.names[i]) {
                continue;
            }
            let print = state.keys.prints[i];
            state.mark(i);
            if self.first_use(list[i], print) {
                return list[i];
            }
        }
        let names = &self.lists[at].keys.names;
        (0..16).map(|_| rng.below(len) as usize).find(|&i| parent != Some(names[i])).map_or(list[0], |i| list[i])
    }

    /// Records that `w` (whose fingerprint of its bytes is `print`) was drawn; `false` if it
    /// had been before.
    fn first_use(&mut self, w: &'static str, print: u64) -> bool {
        match self.used.entry(print) {
            Entry::Vacant(v) => {
                v.insert(w);
                true
            }
            Entry::Occupied(o) if *o.get() == w => false,
            Entry::Occupied(_) if self.used_too.contains(&w) => false,
            Entry::Occupied(_) => {
                self.used_too.push(w);
                true
            }
        }
    }

    /// The name the next sub-folder gets for `name`: itself when no earlier one has its lower
    /// case, else with the first free suffix. `earlier(i)` is the `i`th name given.
    pub(super) fn unique<'a>(
        &mut self,
        name: Cow<'static, str>,
        earlier: impl Fn(usize) -> &'a str,
    ) -> Cow<'static, str> {
        let key = lower_key(&name);
        let (unique, key) = match find(&self.taken, self.given, key, &name, &earlier) {
            None => (name, key),
            Some(first) => {
                let next = self.next_suffix.entry(first as u64).or_insert(2);
                let mut candidate = String::with_capacity(name.len() + 4);
                loop {
                    candidate.clear();
                    candidate.push_str(&name);
                    candidate.push(' ');
                    candidate.push_str(itoa::Buffer::new().format(*next));
                    *next += 1;
                    let key = lower_key(&candidate);
                    if find(&self.taken, self.given, key, &candidate, &earlier).is_none() {
                        break (Cow::Owned(candidate), key);
                    }
                }
            }
        };
        self.taken.entry(key).or_insert(self.given);
        self.given += 1;
        unique
    }
}

/// The first of the `given` names whose lower case is `name`'s (`key` its [`lower_key`]).
fn find<'a>(
    taken: &WordMap<u64, usize>,
    given: usize,
    key: u64,
    name: &str,
    earlier: &impl Fn(usize) -> &'a str,
) -> Option<usize> {
    let first = *taken.get(&key)?;
    if same_lower(earlier(first), name) {
        return Some(first);
    }
    // Another name with the same fingerprint (odds about 2^-64 a pair): look at every one.
    (0..given).find(|&i| same_lower(earlier(i), name))
}

/// A fingerprint of `name`'s lower case (`str::to_lowercase`): equal lower cases, equal keys.
fn lower_key(name: &str) -> u64 {
    if name.is_ascii() {
        fingerprint_lowered(name.as_bytes(), true)
    } else {
        fingerprint_lowered(name.to_lowercase().as_bytes(), false)
    }
}

/// Whether two names have the same lower case.
fn same_lower(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the names were before: a set of lower-case strings and suffixes by lower case.
    fn reference(names: &[&str]) -> Vec<String> {
        let mut taken = std::collections::HashSet::new();
        let mut next_suffix = std::collections::HashMap::new();
        names
            .iter()
            .map(|name| {
                let lower = name.to_lowercase();
                if taken.insert(lower.clone()) {
                    return name.to_string();
                }
                let next = next_suffix.entry(lower).or_insert(2u64);
                loop {
                    let candidate = format!("{name} {next}");
                    *next += 1;
                    if taken.insert(candidate.to_lowercase()) {
                        break candidate;
                    }
                }
            })
            .collect()
    }

    #[test]
    fn repeats_take_the_first_free_suffix_as_before() {
        let names = [
            "Budgets",
            "budgets",
            "Budgets 2",
            "BUDGETS",
            "Budgets 3",
            "Archive",
            "Σίσυφος",
            "ΣΊΣΥΦΟΣ",
            "σίσυφοσ",
            "\u{212a}elvin",
            "kelvin",
            "Kelvin 2",
            "Ünïcode",
            "ünïcode",
            "Budgets 2",
            "budgets 2 2",
            "Budgets",
        ];
        let mut n = ChildNames::new(None);
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let u = n.unique(Cow::Borrowed(name), |i| out[i].as_str());
            out.push(u.into_owned());
        }
        assert_eq!(out, reference(&names));
        let lower: std::collections::HashSet<String> = out.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(lower.len(), out.len(), "unique without regard to case: {out:?}");
    }

    /// Drawing as it was before the lists' keys were kept: every try hashes its word.
    fn fresh_as_before(
        used: &mut Vec<&'static str>,
        parent: Option<u64>,
        rng: &mut Rng,
        list: &'static [&'static str],
    ) -> &'static str {
        let not_parent = |w: &str| parent != Some(super::super::name_key(w));
        for _ in 0..4 {
            let w = *rng.pick(list);
            if not_parent(w) && !used.contains(&w) {
                used.push(w);
                return w;
            }
        }
        (0..16).map(|_| *rng.pick(list)).find(|w| not_parent(w)).unwrap_or(list[0])
    }

    /// The same words from the same draws, whatever the lists (a word twice in one, a word
    /// in both, the parent's name in any case) and however long a folder draws from them.
    #[test]
    fn drawn_words_are_those_drawn_before() {
        let a: &'static [&'static str] = &["Alpha", "Beta", "Alpha", "Gamma", "beta", "Delta"];
        let b: &'static [&'static str] = &["Gamma", "Epsilon", "Zeta", "Alpha"];
        for parent in [None, Some("Beta"), Some("alpha"), Some("Omega")] {
            let key = parent.map(super::super::name_key);
            for seed in 0..20 {
                let (mut r1, mut r2) =
                    (Rng::new(seed, 7, crate::rng::Purpose::Plan), Rng::new(seed, 7, crate::rng::Purpose::Plan));
                let mut names = ChildNames::new(key);
                let mut used = Vec::new();
                for k in 0..60 {
                    let list = if r1.chance(0.4) { a } else { b };
                    assert!(r2.chance(0.4) == std::ptr::eq(list, a));
                    let w = names.fresh(&mut r1, list);
                    assert_eq!(w, fresh_as_before(&mut used, key, &mut r2, list), "{parent:?} {seed} {k}");
                }
                assert_eq!(r1.next_u64(), r2.next_u64(), "the same draws");
            }
        }
    }

    #[test]
    fn drawn_words_avoid_repeats_and_the_parents_name() {
        let list: &'static [&'static str] = &["Alpha", "Beta", "Gamma"];
        let mut n = ChildNames::new(Some(super::super::name_key("beta")));
        let mut rng = Rng::new(1, 2, crate::rng::Purpose::Plan);
        let words: Vec<&str> = (0..40).map(|_| n.fresh(&mut rng, list)).collect();
        assert!(words.iter().all(|w| *w != "Beta"), "{words:?}");
        assert!(words.contains(&"Alpha") && words.contains(&"Gamma"), "{words:?}");
    }
}
