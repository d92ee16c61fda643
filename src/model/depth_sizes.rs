//! Bytes by depth: files near the root of a share are larger on average than files deep in it,
//! as the five-year study of Windows file systems measured (Agrawal et al., FAST 2007: mean
//! bytes per file fall from about 2^24.9 at depth 1 to 2^18.4 at depth 3 and 2^14 past depth
//! 20; Impressions encodes the study's values, `sizes.by_depth` carries them).
//!
//! The profile gives the log2 of the mean bytes per file at each depth; only their differences
//! count, the size law keeps setting the level. A file at depth `d` draws its normal score
//! `z' = a_d + b z` instead of `z`: `a_d` moves its depth's log-sizes by the profile's
//! difference, and `b` narrows each depth's spread so that over the whole tree the scores are
//! still standard normal. The tree therefore keeps its size law (the published lognormal, or an
//! empirical histogram) while its bytes lean towards the root as the profile says. The centring
//! and the narrowing need the share of files at each depth, which a tree's shape decides (a
//! tree of a million files is deeper than one of a hundred thousand): [`file_depths`] reads it
//! off the tree's plans with a systematic sample of files.

use std::sync::Arc;

use super::plan::DirPlan;

/// Files sampled (in index order, evenly spaced) to learn a tree's files by depth.
pub const DEPTH_SAMPLES: u64 = 256;

/// The most a tilt may take of the scores' variance: each depth keeps at least half its
/// spread, however steep the profile's curve.
const MAX_TILT_VARIANCE: f64 = 0.75;

/// How one depth's files draw their normal score: `shift + spread * z`; sizes drawn otherwise
/// (the Pareto tail, types with a law of their own) are multiplied by `factor`, the same move
/// of log-size as the shift.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tilt {
    pub shift: f64,
    pub spread: f64,
    pub factor: f64,
}

impl Tilt {
    /// No tilt: the score is `z` itself (the same bits as an untilted draw).
    pub const NONE: Tilt = Tilt { shift: 0.0, spread: 1.0, factor: 1.0 };

    /// A standard normal deviate `z` tilted.
    pub fn score(self, z: f64) -> f64 {
        self.shift + self.spread * z
    }
}

/// The tilts of every depth of one tree.
#[derive(Clone, Debug)]
pub struct DepthTilts {
    /// Per depth (index = depth, 0 unused), the score shift.
    shifts: Vec<f64>,
    spread: f64,
    /// The law's log-size spread: a score shift of 1 moves log-sizes by this much.
    sigma: f64,
}

impl DepthTilts {
    /// Tilts for the profile's `log2_means` (depth 1 first; the last holds for every deeper
    /// level) over a law whose log-sizes have standard deviation `sigma` (natural log), given
    /// the share of files at each depth (`shares[d]`, index = depth).
    pub fn new(log2_means: &[f64], sigma: f64, shares: &[f64]) -> DepthTilts {
        let depths = shares.len().max(log2_means.len() + 1);
        let at = |d: usize| log2_means[d.clamp(1, log2_means.len()) - 1];
        let total: f64 = shares.iter().sum();
        let weight = |d: usize| if total > 0.0 { shares.get(d).copied().unwrap_or(0.0) / total } else { 0.0 };
        let centre: f64 = (1..depths).map(|d| weight(d) * at(d)).sum();
        let mut shifts: Vec<f64> = (0..depths)
            .map(|d| if d == 0 { 0.0 } else { std::f64::consts::LN_2 * (at(d) - centre) / sigma.max(1e-9) })
            .collect();
        let mut variance: f64 = (1..depths).map(|d| weight(d) * shifts[d] * shifts[d]).sum();
        if variance > MAX_TILT_VARIANCE {
            let k = (MAX_TILT_VARIANCE / variance).sqrt();
            shifts.iter_mut().for_each(|s| *s *= k);
            variance = MAX_TILT_VARIANCE;
        }
        DepthTilts { shifts, spread: (1.0 - variance).sqrt(), sigma }
    }

    /// The tilt of files at `depth` (the root's own files are at depth 1).
    pub fn at(&self, depth: u32) -> Tilt {
        let shift = self.shifts[(depth as usize).clamp(1, self.shifts.len() - 1)];
        Tilt { shift, spread: self.spread, factor: libm::exp(self.sigma * shift) }
    }
}

/// The share of a tree's files at each depth (index = depth; the root's files are at depth 1),
/// from `samples` files evenly spaced in index order: exact when `samples` is at least the
/// file count. Only the plans along the sampled files' paths are asked of `child` (the `k`th
/// sub-directory's plan of a plan).
pub fn file_depths(root: &DirPlan, samples: u64, child: &impl Fn(&DirPlan, usize) -> Arc<DirPlan>) -> Vec<f64> {
    let n = root.subtree_files;
    if n == 0 {
        return vec![0.0, 1.0];
    }
    let k = samples.clamp(1, n);
    // The file ranks sampled: the middle of each of `k` equal stretches.
    let ranks: Vec<u64> = (0..k).map(|i| ((2 * i as u128 + 1) * n as u128 / (2 * k as u128)) as u64).collect();
    let mut counts = vec![0u64; 2];
    visit(root, &ranks, &mut counts, child);
    counts.iter().map(|&c| c as f64 / k as f64).collect()
}

/// Counts the depth of each file at `ranks` (sorted, ranks among `plan`'s subtree files, its
/// own files first, then each child's subtree in order).
fn visit(plan: &DirPlan, ranks: &[u64], counts: &mut Vec<u64>, child: &impl Fn(&DirPlan, usize) -> Arc<DirPlan>) {
    let own = ranks.partition_point(|&r| r < plan.files);
    let depth = plan.depth as usize + 1;
    if own > 0 {
        if counts.len() <= depth {
            counts.resize(depth + 1, 0);
        }
        counts[depth] += own as u64;
    }
    let (mut rest, mut start) = (&ranks[own..], plan.files);
    for (k, c) in plan.children.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        let end = start + c.files;
        let here = rest.partition_point(|&r| r < end);
        if here > 0 {
            let shifted: Vec<u64> = rest[..here].iter().map(|&r| r - start).collect();
            visit(&child(plan, k), &shifted, counts, child);
            rest = &rest[here..];
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The study's values as Impressions encodes them (log2 of mean bytes per file, depth 1..20).
    const STUDY: [f64; 20] = [
        24.86384, 21.09487, 18.4079, 18.56599, 17.91258, 17.3991, 16.78398, 16.69379, 16.55786, 16.44346, 16.21963,
        16.14762, 16.51491, 16.39439, 16.40987, 15.76278, 15.58079, 14.625, 14.68678, 14.0497,
    ];

    #[test]
    fn tilts_keep_the_scores_standard_normal_over_the_tree() {
        let shares = [0.0, 0.01, 0.05, 0.1, 0.2, 0.25, 0.2, 0.1, 0.05, 0.03, 0.01];
        let t = DepthTilts::new(&STUDY, 2.46, &shares);
        let mean: f64 = (1..shares.len()).map(|d| shares[d] * t.at(d as u32).shift).sum();
        let second: f64 = (1..shares.len()).map(|d| shares[d] * t.at(d as u32).shift.powi(2)).sum();
        assert!(mean.abs() < 1e-12, "centred: {mean}");
        assert!((second + t.spread * t.spread - 1.0).abs() < 1e-12, "variance kept");
        // Differences between depths are the profile's, in natural log over sigma.
        let d3_d7 = (t.at(3).shift - t.at(7).shift) * 2.46 / std::f64::consts::LN_2;
        assert!((d3_d7 - (STUDY[2] - STUDY[6])).abs() < 1e-9);
        let ratio = (t.at(3).factor / t.at(7).factor).log2();
        assert!((ratio - (STUDY[2] - STUDY[6])).abs() < 1e-9, "other draws move alike: {ratio}");
        // Deeper than the profile's list: its last value.
        assert_eq!(t.at(40), t.at(20));
        assert_eq!(t.at(0), t.at(1));
    }

    #[test]
    fn a_steep_curve_keeps_half_the_spread() {
        let t = DepthTilts::new(&[40.0, 0.0], 1.0, &[0.0, 0.5, 0.5]);
        assert!((t.spread - 0.5).abs() < 1e-12);
        let second: f64 = 0.5 * t.at(1).shift.powi(2) + 0.5 * t.at(2).shift.powi(2);
        assert!((second - MAX_TILT_VARIANCE).abs() < 1e-9);
    }

    #[test]
    fn an_even_tilt_is_none() {
        let t = DepthTilts::new(&[17.0], 2.46, &[0.0, 0.2, 0.8]);
        assert_eq!(t.at(1), Tilt::NONE);
        assert_eq!(Tilt::NONE.score(0.3), 0.3);
    }

    #[test]
    fn sampled_depths_are_the_trees_own() {
        let mut p = crate::model::profile::Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(3000), None);
        let tree = crate::model::Tree::new(p).unwrap();
        let stats = crate::stats::collect(&tree);
        let child = |p: &DirPlan, k: usize| tree.child_plan(p, k);
        let exact = file_depths(tree.root(), 1 << 20, &child);
        assert!(exact.len() >= stats.by_depth.len());
        for (d, &e) in exact.iter().enumerate() {
            let share = stats.by_depth.get(d).map_or(0, |t| t.files) as f64 / 3000.0;
            assert!((e - share).abs() < 1e-12, "depth {d}: {e} vs {share}");
        }
        let sampled = file_depths(tree.root(), 500, &child);
        for (d, (&a, &b)) in exact.iter().zip(&sampled).enumerate() {
            assert!((a - b).abs() < 0.02, "depth {d}: {a} vs {b}");
        }
    }
}
