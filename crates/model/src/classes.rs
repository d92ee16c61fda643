//! File classes: how a file's three times behave (written once and never read, read for years
//! after its last change, untouched for years, ...), as a storage dashboard buckets them.
//!
//! A class is a rule over (created, modified, accessed) and the tree's present (the last second
//! of its range), so a scanner that knows nothing of the model computes it from `stat` and the
//! creation time: [`classify`] is that rule, and the manifest and `report` use it too. With a
//! `[classes]` section the model draws each file's class first (by the profile's shares, or a
//! top-level folder's own) and then times that the rule puts in that class; where a folder's
//! period cannot hold a class (an `Active` file in a 2019 folder), the first class of
//! [`FALLBACK`] that fits is taken instead. Without the section times come from `[dates]` as
//! before, and [`classify`] still names each file's class.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::date::DAY;
use super::rng::Rng;

const YEAR: i64 = 365 * DAY;

/// A file's timestamp class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileClass {
    /// Modified in the last 90 days.
    Active,
    /// Never read after it was written: accessed at its modification second.
    WriteOnceNeverRead,
    /// Created and modified in the same second, read within the last year.
    WriteOnceReadMany,
    /// Changed 90 days ago or more, read within the last year.
    Reference,
    /// Not read for a year, changed less than five years ago.
    Aging,
    /// Not read for a year, changed ten or more years ago.
    LegacyArchive,
    /// Not read for a year, changed five to ten years ago.
    Dormant,
}

/// Every class, in the order [`classify`] tests them.
pub const ALL: [FileClass; 7] = [
    FileClass::Active,
    FileClass::WriteOnceNeverRead,
    FileClass::WriteOnceReadMany,
    FileClass::Reference,
    FileClass::Aging,
    FileClass::LegacyArchive,
    FileClass::Dormant,
];

/// Classes tried, in order, when a folder's period cannot hold the drawn one. `Active` fits any
/// period that reaches the last 90 days and `WriteOnceNeverRead` any other.
const FALLBACK: [FileClass; 7] = [
    FileClass::Dormant,
    FileClass::LegacyArchive,
    FileClass::Aging,
    FileClass::Reference,
    FileClass::WriteOnceReadMany,
    FileClass::Active,
    FileClass::WriteOnceNeverRead,
];

impl FileClass {
    /// The name in profiles, the manifest and reports.
    pub fn name(self) -> &'static str {
        match self {
            FileClass::Active => "active",
            FileClass::WriteOnceNeverRead => "write-once-never-read",
            FileClass::WriteOnceReadMany => "write-once-read-many",
            FileClass::Reference => "reference",
            FileClass::Aging => "aging",
            FileClass::LegacyArchive => "legacy-archive",
            FileClass::Dormant => "dormant",
        }
    }

    pub fn from_name(s: &str) -> Option<FileClass> {
        ALL.into_iter().find(|c| c.name() == s)
    }

    /// Times of this class, `[created, modified, accessed]` in Unix seconds, with the
    /// modification inside `[lo, hi]` (then moved by `shift`, which must stay inside the range
    /// it is given); `None` when the window cannot hold the class. `now` is the tree's present.
    /// Classes that may be either are drawn idle for three years where the window allows, so
    /// dormancy is as high as the shares allow.
    pub fn draw(
        self,
        (lo, hi): (i64, i64),
        now: i64,
        rng: &mut Rng,
        shift: &mut dyn FnMut(i64, i64, i64, &mut Rng) -> i64,
    ) -> Option<[i64; 3]> {
        let fits = |from: i64, to: i64| from.max(lo) <= to.min(hi);
        let mut within = |from: i64, to: i64, rng: &mut Rng| -> Option<i64> {
            let (from, to) = (from.max(lo), to.min(hi));
            (from <= to).then(|| shift(from + (rng.unit() * (to - from) as f64) as i64, from, to, rng))
        };
        let between = |from: i64, to: i64, rng: &mut Rng| from + (rng.unit() * (to - from).max(0) as f64) as i64;
        // Created before the change (not in its second: that is "write once"), in the window.
        let before = |m: i64, rng: &mut Rng| (m - DAY - rng.exponential(40.0 * DAY as f64) as i64).max(lo).min(m);
        let any = i64::MIN / 4;
        let recent_read = now - YEAR + DAY;
        let idle = now - 3 * YEAR - DAY;
        // Idle for three years if the window reaches back that far, else as old as it goes.
        let stale =
            |oldest: i64, newest: i64| if fits(oldest, idle - DAY) { (oldest, idle - DAY) } else { (oldest, newest) };
        Some(match self {
            FileClass::Active => {
                let m = within(now - 89 * DAY, now, rng)?;
                [before(m, rng), m, between(m, now, rng)]
            }
            FileClass::WriteOnceNeverRead => {
                let (from, to) = stale(any, now - 91 * DAY);
                let m = within(from, to, rng)?;
                [m, m, m]
            }
            FileClass::WriteOnceReadMany => {
                let m = within(any, now - 91 * DAY, rng)?;
                [m, m, between(recent_read.max(m + DAY), now, rng)]
            }
            FileClass::Reference => {
                let m = within(any, now - 91 * DAY, rng)?;
                [before(m, rng), m, between(recent_read.max(m + DAY), now, rng)]
            }
            FileClass::Aging => {
                let (from, to) = stale(now - 5 * YEAR + DAY, now - YEAR - 2 * DAY);
                let m = within(from, to, rng)?;
                let last = if m + DAY <= idle { idle } else { now - YEAR - DAY };
                [before(m, rng), m, between(m + DAY, last, rng)]
            }
            FileClass::LegacyArchive => {
                let m = within(any, now - 10 * YEAR - DAY, rng)?;
                [before(m, rng), m, between(m + DAY, idle, rng)]
            }
            FileClass::Dormant => {
                let m = within(now - 10 * YEAR + DAY, now - 5 * YEAR - DAY, rng)?;
                [before(m, rng), m, between(m + DAY, idle, rng)]
            }
        })
    }
}

/// The class of a file with these times (Unix seconds) in a tree whose present is `now`: the
/// first rule of [`ALL`]'s order that holds.
pub fn classify(created: i64, modified: i64, accessed: i64, now: i64) -> FileClass {
    if now - modified < 90 * DAY {
        FileClass::Active
    } else if accessed == modified {
        FileClass::WriteOnceNeverRead
    } else if now - accessed < YEAR {
        if created == modified { FileClass::WriteOnceReadMany } else { FileClass::Reference }
    } else if now - modified < 5 * YEAR {
        FileClass::Aging
    } else if now - modified >= 10 * YEAR {
        FileClass::LegacyArchive
    } else {
        FileClass::Dormant
    }
}

/// `[classes]`: the share of files in each class, for the whole tree and per top-level folder.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Classes {
    /// Class name to weight (normalised); empty: times from `[dates]` alone.
    #[serde(default)]
    pub shares: BTreeMap<String, f64>,
    /// Top-level folder name to its own class weights.
    #[serde(default)]
    pub folders: BTreeMap<String, BTreeMap<String, f64>>,
}

impl Classes {
    pub fn is_default(&self) -> bool {
        self.shares.is_empty() && self.folders.is_empty()
    }

    /// Checks names and weights; the message names the key.
    pub fn check(&self) -> Result<(), (String, String)> {
        if self.is_default() {
            return Ok(());
        }
        if self.shares.is_empty() {
            return Err(("classes.folders".into(), "needs classes.shares for the other folders".into()));
        }
        let tables = std::iter::once(("classes.shares".to_string(), &self.shares))
            .chain(self.folders.iter().map(|(f, t)| (format!("classes.folders.{f}"), t)));
        for (key, table) in tables {
            for (name, w) in table {
                if FileClass::from_name(name).is_none() {
                    let known: Vec<&str> = ALL.iter().map(|c| c.name()).collect();
                    return Err((format!("{key}.{name}"), format!("unknown class (known: {})", known.join(", "))));
                }
                if !(w.is_finite() && *w >= 0.0) {
                    return Err((format!("{key}.{name}"), "must be a weight of 0 or more".into()));
                }
            }
            if table.values().sum::<f64>() <= 0.0 {
                return Err((key, "needs a class with a weight above 0".into()));
            }
        }
        Ok(())
    }
}

/// The class draws of a model: table 0 is the tree's, then one per `classes.folders` entry.
#[derive(Clone, Debug, Default)]
pub struct ClassTables {
    /// Cumulative weights in [`ALL`]'s order, the last one the total.
    tables: Vec<[f64; 7]>,
    folders: BTreeMap<String, u8>,
}

impl ClassTables {
    /// `None` without a `[classes]` section.
    pub fn new(c: &Classes) -> Option<ClassTables> {
        if c.shares.is_empty() {
            return None;
        }
        let cumulative = |t: &BTreeMap<String, f64>| {
            let mut acc = 0.0;
            ALL.map(|class| {
                acc += t.get(class.name()).copied().unwrap_or(0.0);
                acc
            })
        };
        let mut tables = vec![cumulative(&c.shares)];
        let mut folders = BTreeMap::new();
        for (name, t) in c.folders.iter().take(254) {
            folders.insert(name.to_lowercase(), tables.len() as u8);
            tables.push(cumulative(t));
        }
        Some(ClassTables { tables, folders })
    }

    /// The table of a top-level folder named `name` (case ignored), 0 if it has none.
    pub fn folder(&self, name: &str) -> u8 {
        self.folders.get(&name.to_lowercase()).copied().unwrap_or(0)
    }

    /// A class drawn from table `k`.
    pub fn pick(&self, k: u8, rng: &mut Rng) -> FileClass {
        let t = self.tables.get(usize::from(k)).unwrap_or(&self.tables[0]);
        let x = rng.unit() * t[6];
        ALL[t.iter().position(|&c| x < c).unwrap_or(6)]
    }
}

/// Times of a file drawn as `class`, or of the first fallback class the window holds.
pub fn draw_times(
    class: FileClass,
    window: (i64, i64),
    now: i64,
    rng: &mut Rng,
    shift: &mut dyn FnMut(i64, i64, i64, &mut Rng) -> i64,
) -> [i64; 3] {
    std::iter::once(class)
        .chain(FALLBACK)
        .find_map(|c| c.draw(window, now, rng, shift))
        .unwrap_or([window.1, window.1, window.1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    #[test]
    fn every_class_draws_times_its_rule_names() {
        let now = 1_782_863_999; // 2026-06-30 23:59:59
        let windows = [(now - 12 * YEAR, now), (now - 4 * YEAR, now - 3 * YEAR), (now - 30 * DAY, now)];
        let mut rng = Rng::new(1, 2, Purpose::Times);
        let mut keep = |m: i64, _: i64, _: i64, _: &mut Rng| m;
        for class in ALL {
            for _ in 0..500 {
                let [c, m, a] = class.draw(windows[0], now, &mut rng, &mut keep).unwrap();
                assert!(c <= m && m <= a && a <= now, "{class:?}: {c} {m} {a}");
                assert_eq!(classify(c, m, a, now), class, "{c} {m} {a}");
            }
        }
        // A period four to three years back holds no active or dormant file: the fallback's
        // first fit is aging; the last 30 days hold only active ones.
        let t = draw_times(FileClass::Active, windows[1], now, &mut rng, &mut keep);
        assert_eq!(classify(t[0], t[1], t[2], now), FileClass::Aging);
        // Classes that may be idle are, where the window allows.
        for class in [FileClass::Aging, FileClass::WriteOnceNeverRead, FileClass::Dormant, FileClass::LegacyArchive] {
            let [_, _, a] = class.draw(windows[0], now, &mut rng, &mut keep).unwrap();
            assert!(now - a > 3 * YEAR, "{class:?}");
        }
        let t = draw_times(FileClass::LegacyArchive, windows[2], now, &mut rng, &mut keep);
        assert_eq!(classify(t[0], t[1], t[2], now), FileClass::Active);
    }

    #[test]
    fn tables_pick_by_weight_and_folder() {
        let c = Classes {
            shares: [("dormant".to_string(), 3.0), ("active".to_string(), 1.0)].into(),
            folders: [("Archive".to_string(), [("legacy-archive".to_string(), 1.0)].into())].into(),
        };
        assert!(c.check().is_ok());
        let t = ClassTables::new(&c).unwrap();
        let mut rng = Rng::new(3, 3, Purpose::Times);
        let dormant = (0..4000).filter(|_| t.pick(0, &mut rng) == FileClass::Dormant).count();
        assert!((2800..3200).contains(&dormant), "{dormant}");
        let k = t.folder("ARCHIVE");
        assert!(k > 0 && (0..100).all(|_| t.pick(k, &mut rng) == FileClass::LegacyArchive));
        assert_eq!(t.folder("Finance"), 0);
        let bad = Classes { shares: [("hot".to_string(), 1.0)].into(), ..Default::default() };
        assert_eq!(bad.check().unwrap_err().0, "classes.shares.hot");
        assert!(ClassTables::new(&Classes::default()).is_none());
    }
}
