//! The names a statistical folder gives its sub-folders, one after the other: a word drawn
//! from a list is one not drawn yet where a few tries find one, and never the folder's own
//! name; a name that came before (without regard to case, as `str::to_lowercase` compares)
//! takes the first free suffix (`Budgets 2`, `Budgets 3`, ...).
//!
//! Names given are told apart by a 64-bit fingerprint of their lower case, so the common
//! case (a new name in ASCII) allocates and copies nothing; two names with one fingerprint
//! are compared in full, so a name is "taken" exactly when an earlier one has its lower case.
//! At 10^9 files this bookkeeping had been half of the start-up's survey of the tree.

use std::collections::hash_map::Entry;

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
        }
    }

    /// Room for `n` sub-folders, once their number is known.
    pub(super) fn reserve(&mut self, n: usize) {
        self.taken.reserve(n);
        self.used.reserve(n);
    }

    /// Draws a word from `list`: up to four tries for one not drawn yet, then up to sixteen
    /// for any but the folder's own name (the list's first word failing that).
    pub(super) fn fresh(&mut self, rng: &mut Rng, list: &'static [&'static str]) -> String {
        let parent = self.parent;
        let not_parent = |w: &str| parent != Some(super::name_key(w));
        for _ in 0..4 {
            let w = *rng.pick(list);
            if not_parent(w) && self.first_use(w) {
                return w.to_string();
            }
        }
        (0..16).map(|_| *rng.pick(list)).find(|w| not_parent(w)).unwrap_or(list[0]).to_string()
    }

    /// Records that `w` was drawn; `false` if it had been before.
    fn first_use(&mut self, w: &'static str) -> bool {
        match self.used.entry(fingerprint_lowered(w.as_bytes(), false)) {
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
    pub(super) fn unique<'a>(&mut self, name: String, earlier: impl Fn(usize) -> &'a str) -> String {
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
                        break (candidate, key);
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
            let u = n.unique(name.to_string(), |i| out[i].as_str());
            out.push(u);
        }
        assert_eq!(out, reference(&names));
        let lower: std::collections::HashSet<String> = out.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(lower.len(), out.len(), "unique without regard to case: {out:?}");
    }

    #[test]
    fn drawn_words_avoid_repeats_and_the_parents_name() {
        let list: &'static [&'static str] = &["Alpha", "Beta", "Gamma"];
        let mut n = ChildNames::new(Some(super::super::name_key("beta")));
        let mut rng = Rng::new(1, 2, crate::rng::Purpose::Plan);
        let words: Vec<String> = (0..40).map(|_| n.fresh(&mut rng, list)).collect();
        assert!(words.iter().all(|w| w != "Beta"), "{words:?}");
        assert!(words.contains(&"Alpha".to_string()) && words.contains(&"Gamma".to_string()), "{words:?}");
    }
}
