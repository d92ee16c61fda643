//! How many files a folder holds: Impressions' files-per-directory law, or a normal law, at
//! a subtree's mean, times the folder's kind, within the profile's bounds.

use crate::profile::FolderLaw;

/// The offset of Impressions' files-per-directory law: P(k files) is proportional to
/// 1 / (k + 2.36)^2 (Agrawal et al., FAST 2009), truncated so that its mean is the folder's.
pub const FILES_PER_DIR_OFFSET: f64 = 2.36;

/// The bisection's range of caps and its number of halvings.
const BISECT_FROM: (f64, f64) = (1e-6, 1e12);
const BISECT_STEPS: usize = 30;
/// Halvings whose midpoints are tabled ([`top_levels`]): 1,023 of them, made in microseconds.
const TABLED: usize = 10;

/// The mean of the law truncated at cap `k` (closed form of the continuous law).
fn law_mean(k: f64) -> f64 {
    let a = FILES_PER_DIR_OFFSET;
    let c = 1.0 / (1.0 / a - 1.0 / (k + a));
    c * (libm::log((k + a) / a) + a / (k + a) - 1.0)
}

/// The first [`TABLED`] levels of the bisection as a heap (node 1 the first step; a node's
/// lower half `2n`, its upper half `2n + 1`): each node's midpoint and the law's mean there.
fn top_levels() -> &'static [(f64, f64)] {
    fn fill(table: &mut [(f64, f64)], node: usize, lo: f64, hi: f64) {
        if node >= table.len() {
            return;
        }
        let mid = (lo * hi).sqrt();
        table[node] = (mid, law_mean(mid));
        fill(table, 2 * node, lo, mid);
        fill(table, 2 * node + 1, mid, hi);
    }
    static TOP: std::sync::OnceLock<Box<[(f64, f64)]>> = std::sync::OnceLock::new();
    TOP.get_or_init(|| {
        let mut table = vec![(0.0, 0.0); 1 << TABLED];
        fill(&mut table, 1, BISECT_FROM.0, BISECT_FROM.1);
        table.into_boxed_slice()
    })
}

/// Impressions' files-per-directory law truncated at `cap` so that its mean is a folder's.
#[derive(Clone, Copy, Debug)]
pub struct FilesPerDir {
    cap: f64,
}

impl FilesPerDir {
    /// The law with mean `mean` (the cap found by bisection on the continuous law's
    /// closed-form mean; means beyond about 65 files need caps past 10^12 and stop there).
    /// The bisection is 30 logarithms, and folders of one mean are common (a sub-tree of 30
    /// files in 3 folders is one of many), so this thread's recent means are kept in a small
    /// table and found again (about a twentieth of `stats`' time, measured).
    pub fn new(mean: f64) -> FilesPerDir {
        const SLOTS: usize = 1024;
        /// Bits no mean has (a NaN): an empty slot.
        const EMPTY: u64 = u64::MAX;
        thread_local! {
            static RECENT: std::cell::RefCell<[(u64, f64); SLOTS]> =
                const { std::cell::RefCell::new([(EMPTY, 0.0); SLOTS]) };
        }
        let bits = mean.to_bits();
        let slot = (crate::rng::mix64(bits) % SLOTS as u64) as usize;
        RECENT.with_borrow_mut(|recent| match recent[slot] {
            (b, cap) if b == bits => FilesPerDir { cap },
            _ => {
                let law = FilesPerDir::bisected(mean);
                recent[slot] = (bits, law.cap);
                law
            }
        })
    }

    /// The cap by bisection: 30 halvings of the log range leave it within 1e-7 of itself.
    /// The first [`TABLED`] steps are looked up: their midpoints and the law's means there
    /// are the same for every folder (only which branch a mean takes differs), so they are
    /// made once, by the same arithmetic, and give the same bits.
    fn bisected(mean: f64) -> FilesPerDir {
        let top = top_levels();
        let (mut lo, mut hi) = (BISECT_FROM.0, BISECT_FROM.1);
        let mut node = 1;
        for step in 0..BISECT_STEPS {
            let (mid, at_mid) = match top.get(node) {
                Some(&known) if step < TABLED => known,
                _ => {
                    let mid = (lo * hi).sqrt();
                    (mid, law_mean(mid))
                }
            };
            if at_mid < mean {
                lo = mid;
                node = 2 * node + 1;
            } else {
                hi = mid;
                node *= 2;
            }
        }
        FilesPerDir { cap: hi }
    }

    /// The count at quantile `u`.
    pub fn sample(self, u: f64) -> f64 {
        let a = FILES_PER_DIR_OFFSET;
        let x = 1.0 / (1.0 / a - u * (1.0 / a - 1.0 / (self.cap + a))) - a;
        (x.max(0.0) + 0.5).floor()
    }

    /// The share of folders with at most `k` files.
    pub fn cdf(self, k: f64) -> f64 {
        let a = FILES_PER_DIR_OFFSET;
        let x = (k + 0.5).clamp(0.0, self.cap);
        (1.0 / a - 1.0 / (x + a)) / (1.0 / a - 1.0 / (self.cap + a))
    }
}

/// A folder's count of files: the profile's law at a subtree's mean, times the folder's kind,
/// clamped to the profile's bounds.
#[derive(Clone, Copy, Debug)]
pub(super) struct FolderDraw {
    law: Law,
    min: f64,
    max: f64,
}

#[derive(Clone, Copy, Debug)]
enum Law {
    Impressions(FilesPerDir),
    Normal { mean: f64, std: f64 },
}

impl FolderDraw {
    /// The law at `mean` files per folder; a normal law's spread scales with `mean / overall`.
    pub(super) fn new(f: &crate::profile::FilesPerFolder, mean: f64, overall: f64) -> FolderDraw {
        let law = match f.law {
            FolderLaw::Impressions => Law::Impressions(FilesPerDir::new(mean)),
            FolderLaw::Normal => Law::Normal { mean, std: f.std * mean / overall.max(1e-9) },
        };
        FolderDraw { law, min: f.min.map_or(0.0, |v| v as f64), max: f.max.map_or(f64::INFINITY, |v| v as f64) }
    }

    /// The count at quantile `u` for a folder of kind multiplier `kind`.
    pub(super) fn sample(&self, u: f64, kind: f64) -> u64 {
        let x = match self.law {
            Law::Impressions(l) => l.sample(u),
            Law::Normal { mean, std } => mean + std * crate::layout::normal_quantile(u.clamp(1e-9, 1.0 - 1e-9)),
        };
        (x * kind).round().clamp(self.min, self.max) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A law found among the recent ones is the one the bisection gives, bit for bit, for
    /// repeated means, means that share a slot, and means met again after being pushed out.
    /// The bisection as it was, every step computed.
    fn plain_bisection(mean: f64) -> f64 {
        let (mut lo, mut hi) = BISECT_FROM;
        for _ in 0..BISECT_STEPS {
            let mid = (lo * hi).sqrt();
            if law_mean(mid) < mean {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }

    /// The tabled first steps give, bit for bit, what computing every step gives: means
    /// across the whole range, at the table's own midpoints' means and a hair either side.
    #[test]
    fn tabled_steps_give_the_computed_cap() {
        let mut means: Vec<f64> = (0..4000).map(|k| 10f64.powf(k as f64 / 4000.0 * 14.0 - 7.0)).collect();
        means.extend((1..2000).map(|k| k as f64 / 13.0));
        for &(_, m) in top_levels().iter().skip(1) {
            means.extend([m, f64::from_bits(m.to_bits() + 1), f64::from_bits(m.to_bits() - 1)]);
        }
        means.extend([0.0, 1.0, 65.0, 1e300]);
        for m in means {
            assert_eq!(FilesPerDir::bisected(m).cap.to_bits(), plain_bisection(m).to_bits(), "{m}");
        }
    }

    #[test]
    fn recent_laws_are_the_bisections_own() {
        let mut means: Vec<f64> = (1..3000).map(|k| k as f64 / 7.0).collect();
        means.extend((1..200).map(|k| 1.0 + k as f64 * 1e-13));
        means.extend([0.0, 1e-9, 65.0, 1e6, 1e12]);
        for round in 0..3 {
            for &m in means.iter().rev().skip(round) {
                assert_eq!(FilesPerDir::new(m).cap.to_bits(), FilesPerDir::bisected(m).cap.to_bits(), "{m}");
            }
        }
    }
}
