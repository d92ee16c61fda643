//! Shards: `K/N` splits the files into N contiguous, count-balanced ranges of file ordinals
//! (the files numbered in index order), so N runs on N machines write the whole tree, each
//! file once.

use std::fmt;

/// One shard of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// A `--shard` value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--shard {0}: {1}")]
pub struct ShardError(pub String, pub String);

impl Shard {
    pub const ALL: Shard = Shard { k: 0, n: 1 };

    /// Parses `K/N` or `auto/N` (K from `JOB_COMPLETION_INDEX`, a Kubernetes Indexed Job, or
    /// `SLURM_ARRAY_TASK_ID`, a Slurm array job).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let err = |m: &str| ShardError(s.to_string(), m.to_string());
        let (k, n) = s.split_once('/').ok_or_else(|| err("expected K/N, e.g. 0/4 or auto/4"))?;
        let n: u64 = n.trim().parse().map_err(|_| err("N must be a whole number"))?;
        if n == 0 {
            return Err(err("N must be at least 1"));
        }
        let k: u64 = if k.trim() == "auto" {
            let var = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"]
                .iter()
                .find_map(|v| std::env::var(v).ok())
                .ok_or_else(|| err("auto needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment"))?;
            var.trim().parse().map_err(|_| err("the shard index in the environment is not a number"))?
        } else {
            k.trim().parse().map_err(|_| err("K must be a whole number or auto"))?
        };
        if k >= n {
            return Err(err("K must be below N (shards count from 0)"));
        }
        Ok(Shard { k, n })
    }

    /// The file ordinals `[lo, hi)` of this shard among `files`.
    pub fn range(&self, files: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(files) * u128::from(k) / u128::from(self.n)) as u64;
        (at(self.k), at(self.k + 1))
    }

    pub fn is_all(&self) -> bool {
        self.n == 1
    }
}

/// Whether a folder whose subtree holds `files` files from ordinal `base` on has work for
/// the shard of `range` (of `total` files). A subtree without files belongs to the shard
/// whose range holds its first ordinal, so empty folders are made once.
///
/// Past epoch 0 (`later`), a folder's new files go with the shard that holds its first
/// ordinal ([`anchors`]), so a subtree is wanted where any of its folders is anchored.
pub fn wants(range: (u64, u64), shard: Shard, total: u64, base: u64, files: u64, later: bool) -> bool {
    let (lo, hi) = range;
    if later {
        return shard.is_all() || ((base < hi || (base == hi && hi == total)) && base + files >= lo);
    }
    if files == 0 {
        return anchors(range, total, base) || shard.is_all();
    }
    base < hi && base + files > lo
}

/// Whether the shard of `range` (of `total` files) holds ordinal `base`, the last shard
/// also the end: the shard a folder without files of its own, or a folder's new files,
/// belong to.
pub fn anchors((lo, hi): (u64, u64), total: u64, base: u64) -> bool {
    (lo <= base && base < hi) || (base == hi && hi == total && lo < hi)
}

/// Whether file `a` of the folder `plan_index` (whose first file has ordinal `base`) is the
/// shard's: an epoch-0 file by its ordinal, a newer one by its folder's.
pub fn holds(range: (u64, u64), total: u64, base: u64, plan_index: u64, a: &synthfs_model::attrs::FileAttrs) -> bool {
    if synthfs_model::epoch::is_added(a.index) {
        return anchors(range, total, base);
    }
    let ordinal = base + (a.index - plan_index - 1);
    range.0 <= ordinal && ordinal < range.1
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once() {
        for files in [0u64, 1, 7, 1000, 1_000_003] {
            for n in [1u64, 2, 3, 4, 16] {
                let mut next = 0;
                for k in 0..n {
                    let (lo, hi) = Shard { k, n }.range(files);
                    assert_eq!(lo, next);
                    assert!(hi - lo <= files / n + 1);
                    next = hi;
                }
                assert_eq!(next, files);
            }
        }
    }

    #[test]
    fn parsing() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { k: 1, n: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("x/4").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("14").is_err());
    }
}
