//! Bytes by depth: files near the root of a share are larger on average than files deep in it,
//! as the five-year study of Windows file systems measured (Agrawal et al., FAST 2007: mean
//! bytes per file fall from about 2^24.9 at depth 1 to 2^18.4 at depth 3 and 2^14 past depth
//! 20; Impressions encodes the study's values, `sizes.by_depth` carries them).
//!
//! The profile gives the log2 of the mean bytes per file at each depth; only their differences
//! count, the size law keeps setting the level. A file at depth `d` draws its normal score
//! `z' = a_d + b z` instead of `z`: `a_d` moves its depth's log-sizes by the profile's
//! difference, and `b` narrows each depth's spread so that over the whole tree the scores keep
//! mean 0 and variance 1; a monotone [`ScoreMap`] then makes them exactly standard normal. The
//! tree therefore keeps its size law (the published lognormal, or an empirical histogram) while
//! its bytes lean towards the root as the profile says. The centring, the narrowing and the map
//! need the share of files at each depth, which a tree's shape decides (a tree of a million
//! files is deeper than one of a hundred thousand): [`file_depths`] reads it off the tree's
//! plans, every file of a small tree and an even sample of a large one ([`depth_samples`]), on
//! the threads the front end lends ([`Workers`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::plan::DirPlan;
use super::sizing::normal_cdf;
use super::workers::Workers;

/// How many files (evenly spaced in index order) to sample to learn a tree of `files` files'
/// shares by depth: all of them up to 2^17 (a walk of the plans, tens of milliseconds; a small
/// fitted tree is lumpy, and 256 samples of a 50,000-file real tree missed its centre enough
/// to move its KS distance from 0.002 to 0.03), then fewer as each sample's path grows dearer:
/// 1,024 to 10^8 files (about 20 ms at 10^6, 60 ms at 10^7, cold), 256 beyond (about 0.2 s at
/// 10^9). On the `enterprise` tree 1,024 samples centre within 0.003 standard deviations.
pub fn depth_samples(files: u64) -> u64 {
    if files <= 131_072 {
        files
    } else if files <= 100_000_000 {
        1024
    } else {
        256
    }
}

/// The most a tilt may take of the scores' variance: each depth keeps at least half its
/// spread, however steep the profile's curve.
const MAX_TILT_VARIANCE: f64 = 0.75;

/// How one depth's files draw their normal score: `shift + spread * z`, then mapped by the
/// tree's [`ScoreMap`]; sizes drawn otherwise (the Pareto tail, types with a law of their own)
/// are multiplied by `factor`, the same move of log-size as the shift.
#[derive(Clone, Copy, Debug)]
pub struct Tilt<'a> {
    pub shift: f64,
    pub spread: f64,
    pub factor: f64,
    map: Option<&'a ScoreMap>,
}

impl Tilt<'_> {
    /// No tilt: the score is `z` itself (the same bits as an untilted draw).
    pub const NONE: Tilt<'static> = Tilt { shift: 0.0, spread: 1.0, factor: 1.0, map: None };

    /// Whether this is [`Tilt::NONE`].
    pub fn is_none(&self) -> bool {
        self.map.is_none() && self.shift == 0.0 && self.spread == 1.0 && self.factor == 1.0
    }

    /// A standard normal deviate `z` tilted.
    pub fn score(self, z: f64) -> f64 {
        let t = self.shift + self.spread * z;
        self.map.map_or(t, |m| m.apply(t))
    }
}

/// The tree's tilted scores are a mixture of normals, one per depth: standard normal in mean and
/// variance, not quite in shape when depths are far apart. This map (the inverse normal
/// distribution function of the mixture's) makes them exactly standard normal over the tree's
/// files by depth, so the tree keeps its size law whatever the curve; it is monotone, so each
/// depth keeps its order. It is a table of [`ScoreMap::POINTS`] points interpolated linearly,
/// each point computed when a score first falls next to it (a point takes a hundred normal
/// distribution functions, the whole table some tens of milliseconds, and a listing needs a
/// few points).
#[derive(Debug)]
pub struct ScoreMap {
    lo: f64,
    step: f64,
    /// The mixture: each depth's (weight, shift).
    shifts: Vec<(f64, f64)>,
    spread: f64,
    /// Each point's value as bits once computed, [`ScoreMap::UNSET`] before. Two threads that
    /// compute the same point store the same bits.
    values: Box<[AtomicU64]>,
}

impl ScoreMap {
    const HALF_WIDTH: f64 = 12.0;
    const POINTS: usize = 4801;
    /// A NaN that no point's value is.
    const UNSET: u64 = u64::MAX;

    fn new(shifts: &[(f64, f64)], spread: f64) -> ScoreMap {
        let (lo, step) = (-Self::HALF_WIDTH, 2.0 * Self::HALF_WIDTH / (Self::POINTS - 1) as f64);
        let values = (0..Self::POINTS).map(|_| AtomicU64::new(Self::UNSET)).collect();
        ScoreMap { lo, step, shifts: shifts.to_vec(), spread, values }
    }

    /// The value at point `i`: the standard normal quantile of the mixture's distribution
    /// function there.
    fn value(&self, i: usize) -> f64 {
        let bits = self.values[i].load(Ordering::Relaxed);
        if bits != Self::UNSET {
            return f64::from_bits(bits);
        }
        let x = self.lo + self.step * i as f64;
        let (shifts, spread) = (&self.shifts, self.spread);
        // Below and above x under the mixture, each from its own side for precision.
        let below: f64 = shifts.iter().map(|&(w, a)| w * normal_cdf((x - a) / spread)).sum();
        let above: f64 = shifts.iter().map(|&(w, a)| w * normal_cdf((a - x) / spread)).sum();
        let v = if below < above { inverse_normal_cdf(below) } else { -inverse_normal_cdf(above) };
        self.values[i].store(v.to_bits(), Ordering::Relaxed);
        v
    }

    fn apply(&self, x: f64) -> f64 {
        let last = self.values.len() - 1;
        let pos = (x - self.lo) / self.step;
        if pos <= 0.0 {
            return self.value(0) + (x - self.lo);
        }
        if pos >= last as f64 {
            return self.value(last) + (x - self.lo - self.step * last as f64);
        }
        let i = pos as usize;
        let f = pos - i as f64;
        let (a, b) = (self.value(i), self.value(i + 1));
        a + f * (b - a)
    }
}

/// The standard normal quantile of `p` (bisection: tables are built once per tree).
fn inverse_normal_cdf(p: f64) -> f64 {
    if p <= 0.0 {
        return -40.0;
    }
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        // Once the midpoint is an end, this step leaves (lo, hi) where every later one would:
        // unchanged, or both ends equal. Stopping after it gives what all 100 steps give.
        let last = mid == lo || mid == hi;
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if last {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The tilts of every depth of one tree.
#[derive(Debug)]
pub struct DepthTilts {
    /// Per depth (index = depth, 0 unused), the score shift.
    shifts: Vec<f64>,
    spread: f64,
    /// Per depth, the factor of sizes not drawn by score: `exp(sigma * shift)`, where `sigma`
    /// is the law's log-size spread.
    factors: Vec<f64>,
    map: ScoreMap,
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
        let spread = (1.0 - variance).sqrt();
        let mixture: Vec<(f64, f64)> = (1..depths).map(|d| (weight(d), shifts[d])).filter(|x| x.0 > 0.0).collect();
        let map = ScoreMap::new(&mixture, spread);
        let factors = shifts.iter().map(|s| libm::exp(sigma * s)).collect();
        DepthTilts { shifts, spread, factors, map }
    }

    /// The tilt of files at `depth` (the root's own files are at depth 1).
    pub fn at(&self, depth: u32) -> Tilt<'_> {
        let d = (depth as usize).clamp(1, self.shifts.len() - 1);
        Tilt { shift: self.shifts[d], spread: self.spread, factor: self.factors[d], map: Some(&self.map) }
    }
}

/// The share of a tree's files at each depth (index = depth; the root's files are at depth 1),
/// from `samples` files evenly spaced in index order: exact when `samples` is at least the
/// file count. Only the plans along the sampled files' paths are asked of `child` (the `k`th
/// sub-directory's plan of a plan). The root's sub-trees are visited on one thread per CPU,
/// the biggest first: at 10^9 files their plans are most of a mount's start-up.
pub fn file_depths(
    root: &DirPlan,
    samples: u64,
    child: &(impl Fn(&DirPlan, usize) -> Arc<DirPlan> + Sync),
    workers: &dyn Workers,
) -> Vec<f64> {
    let n = root.subtree_files;
    if n == 0 {
        return vec![0.0, 1.0];
    }
    let k = samples.clamp(1, n);
    // The file ranks sampled: the middle of each of `k` equal stretches.
    let ranks: Vec<u64> = (0..k).map(|i| ((2 * i as u128 + 1) * n as u128 / (2 * k as u128)) as u64).collect();
    let mut counts = vec![0u64; 2];
    let mut subtrees = Vec::new();
    own_and_subtrees(root, &ranks, &mut counts, |k, ranks| subtrees.push((k, ranks)));
    subtrees.sort_by_key(|(_, ranks)| std::cmp::Reverse(ranks.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parts = std::sync::Mutex::new(Vec::new());
    workers.run(subtrees.len(), &|| {
        let mut mine = Vec::new();
        while let Some((k, ranks)) = subtrees.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            visit(&child(root, *k), ranks, &mut mine, child);
        }
        parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(mine);
    });
    let parts = parts.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    for part in parts {
        if counts.len() < part.len() {
            counts.resize(part.len(), 0);
        }
        counts.iter_mut().zip(part).for_each(|(c, p)| *c += p);
    }
    counts.iter().map(|&c| c as f64 / k as f64).collect()
}

/// Counts the files at `ranks` that `plan` holds itself, and hands each sub-directory with
/// sampled files its index and their ranks within it.
fn own_and_subtrees(plan: &DirPlan, ranks: &[u64], counts: &mut Vec<u64>, mut each: impl FnMut(usize, Vec<u64>)) {
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
            each(k, rest[..here].iter().map(|&r| r - start).collect());
            rest = &rest[here..];
        }
        start = end;
    }
}

/// Counts the depth of each file at `ranks` (sorted, ranks among `plan`'s subtree files, its
/// own files first, then each child's subtree in order).
fn visit(plan: &DirPlan, ranks: &[u64], counts: &mut Vec<u64>, child: &impl Fn(&DirPlan, usize) -> Arc<DirPlan>) {
    let mut below = Vec::new();
    own_and_subtrees(plan, ranks, counts, |k, ranks| below.push((k, ranks)));
    for (k, ranks) in below {
        visit(&child(plan, k), &ranks, counts, child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::OnCallerThread;

    /// Stopping the bisection once the midpoint is an end gives, bit for bit, what all 100
    /// steps give (tiny, middle and near-one probabilities alike).
    #[test]
    fn the_bisection_stops_where_it_would_stay() {
        let full = |p: f64| {
            let (mut lo, mut hi) = (-40.0f64, 40.0f64);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if normal_cdf(mid) < p {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        let mut ps = vec![1e-300, 1e-30, 1e-9, 0.5, 0.5 + 1e-17, 0.5 - 1e-17, 1.0 - 1e-16, 1.0, 2.0, 0.0];
        ps.extend((1..5_000).map(|i| i as f64 / 5_000.0));
        ps.extend((1..300).map(|e| 10f64.powi(-e)));
        for p in ps {
            assert_eq!(inverse_normal_cdf(p).to_bits(), full(p).to_bits(), "{p}");
        }
    }

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
        assert_eq!(t.at(40).shift, t.at(20).shift);
        assert_eq!(t.at(0).shift, t.at(1).shift);
    }

    #[test]
    fn a_steep_curve_keeps_half_the_spread() {
        let t = DepthTilts::new(&[40.0, 0.0], 1.0, &[0.0, 0.5, 0.5]);
        assert!((t.spread - 0.5).abs() < 1e-12);
        let second: f64 = 0.5 * t.at(1).shift.powi(2) + 0.5 * t.at(2).shift.powi(2);
        assert!((second - MAX_TILT_VARIANCE).abs() < 1e-9);
    }

    #[test]
    fn an_even_tilt_changes_nothing() {
        let t = DepthTilts::new(&[17.0], 2.46, &[0.0, 0.2, 0.8]);
        let (a, b) = (t.at(1), t.at(2));
        assert_eq!((a.shift, a.spread, a.factor), (0.0, 1.0, 1.0));
        for z in [-5.0, -1.3, 0.0, 0.3, 2.2, 6.0] {
            assert!((a.score(z) - z).abs() < 1e-6 && (b.score(z) - z).abs() < 1e-6, "{z}");
        }
        assert!(Tilt::NONE.is_none() && !a.is_none());
        assert_eq!(Tilt::NONE.score(0.3), 0.3);
    }

    /// However steep the curve, the tree's scores (each depth by its share) are standard
    /// normal: the KS distance of 200,000 of them to the normal law is that of sampling.
    #[test]
    fn mapped_scores_are_standard_normal_over_the_tree() {
        let shares = [0.0, 0.3, 0.1, 0.6];
        let t = DepthTilts::new(&[26.0, 12.0, 17.0], 1.2, &shares);
        let mut scores = Vec::new();
        let mut rng = crate::rng::Rng::new(5, 5, crate::rng::Purpose::Size);
        for d in 1..4u32 {
            let n = (200_000.0 * shares[d as usize]) as usize;
            scores.extend((0..n).map(|_| t.at(d).score(rng.normal())));
        }
        scores.sort_by(f64::total_cmp);
        let ks = |v: &[f64]| {
            v.iter()
                .enumerate()
                .map(|(i, &x)| (normal_cdf(x) - (i as f64 + 0.5) / v.len() as f64).abs())
                .fold(0.0, f64::max)
        };
        assert!(ks(&scores) < 0.005, "mapped: KS {}", ks(&scores));
        // Without the map the mixture is visibly not normal.
        let mut raw: Vec<f64> = Vec::new();
        for d in 1..4u32 {
            let n = (200_000.0 * shares[d as usize]) as usize;
            let a = t.at(d);
            raw.extend((0..n).map(|_| a.shift + a.spread * rng.normal()));
        }
        raw.sort_by(f64::total_cmp);
        assert!(ks(&raw) > 0.02, "unmapped: KS {}", ks(&raw));
        // Depths keep their order.
        assert!(t.at(1).score(0.0) > t.at(3).score(0.0) && t.at(3).score(0.0) > t.at(2).score(0.0));
    }

    #[test]
    fn sampled_depths_are_the_trees_own() {
        fn count(tree: &crate::Tree, plan: &DirPlan, by_depth: &mut Vec<u64>) {
            let d = plan.depth as usize + 1;
            if by_depth.len() <= d {
                by_depth.resize(d + 1, 0);
            }
            by_depth[d] += plan.files;
            for k in 0..plan.children.len() {
                count(tree, &tree.child_plan(plan, k), by_depth);
            }
        }
        let mut p = crate::profile::Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(3000), None);
        let tree = crate::Tree::new(p).unwrap();
        let mut by_depth = Vec::new();
        count(&tree, tree.root(), &mut by_depth);
        assert_eq!(by_depth.iter().sum::<u64>(), 3000);
        let child = |p: &DirPlan, k: usize| tree.child_plan(p, k);
        let exact = file_depths(tree.root(), 1 << 20, &child, &OnCallerThread);
        assert!(exact.len() >= by_depth.len());
        for (d, &e) in exact.iter().enumerate() {
            let share = by_depth.get(d).copied().unwrap_or(0) as f64 / 3000.0;
            assert!((e - share).abs() < 1e-12, "depth {d}: {e} vs {share}");
        }
        /// Two real threads sharing the queue count what one does.
        struct TwoThreads;
        impl Workers for TwoThreads {
            fn run(&self, _n: usize, job: &(dyn Fn() + Sync)) {
                std::thread::scope(|s| {
                    s.spawn(job);
                    job();
                });
            }
        }
        assert_eq!(file_depths(tree.root(), 1 << 20, &child, &TwoThreads), exact);
        let sampled = file_depths(tree.root(), 500, &child, &OnCallerThread);
        for (d, (&a, &b)) in exact.iter().zip(&sampled).enumerate() {
            assert!((a - b).abs() < 0.02, "depth {d}: {a} vs {b}");
        }
    }
}
