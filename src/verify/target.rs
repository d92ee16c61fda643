//! What a target keeps of the tree: the step its times are kept in, and whether it holds POSIX
//! modes, owners and ACLs. `verify` compares a copy with the model at what its target can hold,
//! so an NTFS volume's 100 ns times match, and modes it cannot hold are one line of the report
//! instead of a difference on every file and folder.
//!
//! The type is pure: [`detect`](super::detect) finds a local directory's, and a verifier of
//! another kind of target (an SMB client, say) makes its own with [`Target::new`]:
//!
//! ```
//! use synthfs::verify::target::{Granularity, Keeps, Target};
//! use synthfs_model::Timestamp;
//! let smb = Target::new(Granularity::NTFS, Keeps { modes: false, owners: false, posix_acls: false });
//! let want = Timestamp { secs: 1_700_000_000, nanos: 123_456_789 };
//! assert!(smb.times_equal(Timestamp { secs: 1_700_000_000, nanos: 123_456_700 }, want));
//! assert!(!smb.times_equal(Timestamp { secs: 1_700_000_001, nanos: 123_456_700 }, want));
//! assert!(smb.modes_equal(0o777, 0o640));
//! assert_eq!(smb.not_kept(), ["modes", "owners", "acls"]);
//! ```
//!
//! Times are compared truncated to the tick, toward the past, which is what NTFS does: through
//! ntfs-3g (2022.10.3) a time set to 1700000000.123456789 reads back as .123456700, and
//! .999999999 as .999999900, never rounded up. (ntfs-3g also reads a time before 1970 that has
//! a fraction of a second as the whole second toward 1970, dropping the fraction it stored; the
//! model's times before 1970 are whole seconds.)

use std::fmt;
use std::str::FromStr;

use synthfs_model::Timestamp;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// The step a target keeps times in, in nanoseconds: 1 on ext4, XFS, Btrfs and tmpfs, 100 on
/// NTFS and over SMB, a second in ZIP and tar archives, 2 s on FAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Granularity(u64);

impl Granularity {
    /// Times kept as they are.
    pub const NANOSECOND: Granularity = Granularity(1);
    /// NTFS's and SMB's 100 ns ticks.
    pub const NTFS: Granularity = Granularity(100);
    /// Whole seconds, as archives keep them.
    pub const SECOND: Granularity = Granularity(NANOS_PER_SEC);

    /// A step of `nanos` nanoseconds; `None` for 0.
    pub const fn from_nanos(nanos: u64) -> Option<Granularity> {
        if nanos == 0 { None } else { Some(Granularity(nanos)) }
    }

    pub const fn nanos(self) -> u64 {
        self.0
    }

    /// `t` truncated to the tick it falls in (toward the past, times before 1970 included).
    pub fn truncate(self, t: Timestamp) -> Timestamp {
        let (step, per_sec) = (i128::from(self.0), i128::from(NANOS_PER_SEC));
        let ns = i128::from(t.secs) * per_sec + i128::from(t.nanos);
        let kept = ns.div_euclid(step) * step;
        // In range: `kept` lies between `ns` - step and `ns`, and secs is an i64.
        let secs = i64::try_from(kept.div_euclid(per_sec)).unwrap_or(t.secs);
        let nanos = u32::try_from(kept.rem_euclid(per_sec)).unwrap_or(0);
        Timestamp { secs, nanos }
    }
}

impl fmt::Display for Granularity {
    /// The largest unit that divides it: `1 ns`, `100 ns`, `10 ms`, `1 s`, `2 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = UNITS.iter().rev().find(|(_, n)| self.0 % n == 0).unwrap_or(&UNITS[0]);
        write!(f, "{} {}", self.0 / unit.1, unit.0)
    }
}

const UNITS: [(&str, u64); 4] = [("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", NANOS_PER_SEC)];

/// A granularity that is not a whole number with a unit (`100ns`, `1s`, `10ms`, `2s`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?}: expected a step such as 1ns, 100ns, 10ms, 1s or 2s")]
pub struct BadGranularity(pub String);

impl FromStr for Granularity {
    type Err = BadGranularity;

    fn from_str(s: &str) -> Result<Granularity, BadGranularity> {
        let bad = || BadGranularity(s.to_string());
        let t = s.trim();
        let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(digits);
        let n: u64 = number.parse().map_err(|_| bad())?;
        let per = UNITS.iter().find(|(u, _)| *u == unit.trim()).ok_or_else(bad)?.1;
        n.checked_mul(per).and_then(Granularity::from_nanos).ok_or_else(bad)
    }
}

/// Which of the model's POSIX attributes a target holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Keeps {
    /// Permission bits (and setuid, setgid, sticky) as set.
    pub modes: bool,
    /// Numeric owners and groups as set.
    pub owners: bool,
    /// POSIX ACLs (`system.posix_acl_access` and `_default`).
    pub posix_acls: bool,
}

impl Keeps {
    pub const ALL: Keeps = Keeps { modes: true, owners: true, posix_acls: true };
}

/// What a target keeps: the comparisons `verify` makes, at the target's granularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub granularity: Granularity,
    pub keeps: Keeps,
}

impl Target {
    /// A local POSIX filesystem (ext4, XFS, Btrfs, tmpfs): everything, to the nanosecond.
    pub const POSIX: Target = Target::new(Granularity::NANOSECOND, Keeps::ALL);

    pub const fn new(granularity: Granularity, keeps: Keeps) -> Target {
        Target { granularity, keeps }
    }

    /// The same target, its times compared at `granularity` instead.
    pub const fn with_granularity(self, granularity: Granularity) -> Target {
        Target { granularity, ..self }
    }

    /// Whether a time read from the target (`have`) is the model's (`want`) as the target
    /// keeps it: both truncated to the tick. A target that keeps finer times than its
    /// granularity says matches too, so a coarser granularity only ever forgives.
    pub fn times_equal(&self, have: Timestamp, want: Timestamp) -> bool {
        self.granularity.truncate(have) == self.granularity.truncate(want)
    }

    /// Whether a mode read from the target matches the model's: always, where modes are not
    /// kept. Compares the permission, setuid, setgid and sticky bits.
    pub fn modes_equal(&self, have: u32, want: u32) -> bool {
        !self.keeps.modes || have & 0o7777 == want & 0o7777
    }

    /// Whether an owner and group read from the target match the model's: always, where
    /// POSIX owners are not kept.
    pub fn owners_equal(&self, have: (u32, u32), want: (u32, u32)) -> bool {
        !self.keeps.owners || have == want
    }

    /// What the target does not keep, as the report names it: `modes`, `owners`, `acls`.
    pub fn not_kept(&self) -> Vec<&'static str> {
        let k = self.keeps;
        [(k.modes, "modes"), (k.owners, "owners"), (k.posix_acls, "acls")]
            .into_iter()
            .filter_map(|(kept, name)| (!kept).then_some(name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, nanos: u32) -> Timestamp {
        Timestamp { secs, nanos }
    }

    #[test]
    fn truncates_toward_the_past_at_the_tick() {
        let t = at(1_700_000_000, 123_456_789);
        assert_eq!(Granularity::NANOSECOND.truncate(t), t);
        assert_eq!(Granularity::NTFS.truncate(t), at(1_700_000_000, 123_456_700));
        assert_eq!(Granularity::NTFS.truncate(at(5, 999_999_999)), at(5, 999_999_900));
        assert_eq!(Granularity::SECOND.truncate(t), at(1_700_000_000, 0));
        let two = Granularity::from_nanos(2 * NANOS_PER_SEC).unwrap();
        assert_eq!(two.truncate(at(1_700_000_001, 5)), at(1_700_000_000, 0));
        // Before 1970: -1.5 s is (secs -2, nanos 500_000_000); its second is -2.
        assert_eq!(Granularity::SECOND.truncate(at(-2, 500_000_000)), at(-2, 0));
        assert_eq!(Granularity::NTFS.truncate(at(-2, 150)), at(-2, 100));
        assert_eq!(Granularity::NTFS.truncate(at(i64::MIN, 0)), at(i64::MIN, 0));
    }

    #[test]
    fn times_equal_at_the_granularity_only() {
        let ntfs = Target::POSIX.with_granularity(Granularity::NTFS);
        let want = at(1_603_124_042, 241_303_533);
        assert!(ntfs.times_equal(at(1_603_124_042, 241_303_500), want));
        assert!(ntfs.times_equal(want, want));
        assert!(!ntfs.times_equal(at(1_603_124_042, 241_303_400), want));
        assert!(!ntfs.times_equal(at(1_603_124_043, 241_303_500), want));
        assert!(!Target::POSIX.times_equal(at(1_603_124_042, 241_303_500), want));
    }

    #[test]
    fn modes_and_owners_compared_only_where_kept() {
        assert!(!Target::POSIX.modes_equal(0o777, 0o640));
        assert!(Target::POSIX.modes_equal(0o100640, 0o640));
        assert!(!Target::POSIX.owners_equal((0, 0), (10_003, 20_001)));
        let none = Target::new(Granularity::NTFS, Keeps { modes: false, owners: false, posix_acls: true });
        assert!(none.modes_equal(0o777, 0o640) && none.owners_equal((0, 0), (10_003, 20_001)));
        assert_eq!(none.not_kept(), ["modes", "owners"]);
        assert!(Target::POSIX.not_kept().is_empty());
    }

    #[test]
    fn parses_and_prints_steps() {
        let p = |s: &str| s.parse::<Granularity>().map(Granularity::nanos);
        assert_eq!(p("1ns"), Ok(1));
        assert_eq!(p("100ns"), Ok(100));
        assert_eq!(p("10ms"), Ok(10_000_000));
        assert_eq!(p("1s"), Ok(NANOS_PER_SEC));
        assert_eq!(p("2s"), Ok(2 * NANOS_PER_SEC));
        for bad in ["", "0s", "1", "s", "1 h", "-1s", "99999999999999999999s", "100 ns x"] {
            assert!(p(bad).is_err(), "{bad}");
        }
        let shown: Vec<String> = ["1ns", "100ns", "1000ns", "10ms", "1s", "2s"]
            .iter()
            .map(|s| s.parse::<Granularity>().unwrap().to_string())
            .collect();
        assert_eq!(shown, ["1 ns", "100 ns", "1 us", "10 ms", "1 s", "2 s"]);
    }
}
