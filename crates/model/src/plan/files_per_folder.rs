//! How many files a folder holds: Impressions' files-per-directory law, or a normal law, at
//! a subtree's mean, times the folder's kind, within the profile's bounds.

use crate::profile::FolderLaw;

/// The offset of Impressions' files-per-directory law: P(k files) is proportional to
/// 1 / (k + 2.36)^2 (Agrawal et al., FAST 2009), truncated so that its mean is the folder's.
pub const FILES_PER_DIR_OFFSET: f64 = 2.36;

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
    /// table and found again: a tenth of `stats`' time had been these bisections.
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

    fn bisected(mean: f64) -> FilesPerDir {
        let a = FILES_PER_DIR_OFFSET;
        let mean_of = |k: f64| {
            let c = 1.0 / (1.0 / a - 1.0 / (k + a));
            c * (libm::log((k + a) / a) + a / (k + a) - 1.0)
        };
        // 30 halvings of the log range leave K within 1e-7 of itself: plenty.
        let (mut lo, mut hi) = (1e-6f64, 1e12f64);
        for _ in 0..30 {
            let mid = (lo * hi).sqrt();
            if mean_of(mid) < mean {
                lo = mid;
            } else {
                hi = mid;
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
