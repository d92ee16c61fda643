//! File sizes and types drawn together, so that the whole tree follows the profile's size law
//! (the published lognormal and tail, or an empirical histogram) while each folder keeps its
//! extension mix and each type keeps sizes it can have.
//!
//! A file's size is drawn first from the global law; its type is then drawn from the folder's
//! mix *given that size*: only types whose format allows the size, weighted by how much the type
//! likes it (`sizes.prefer`: a photo is rather megabytes, a log rather kilobytes). Per mix, the
//! weights for every size bucket are balanced once (Sinkhorn scaling) so that over the whole
//! law each type keeps its share of the mix, as far as sizes it plausibly has allow (within
//! [`PREFER_REACH`] of its preference). Types with a size law of their own
//! (`sizes.by_ext`: disk images, backups) are drawn by weight first and keep their law.

use super::depth_sizes::Tilt;
use super::filetype::FileType;
use super::profile::Sizes;
use super::rng::Rng;
use crate::buckets::{FINE_BUCKETS, fine_bucket, fine_bucket_start};

/// The global size law (before a format's bounds apply).
#[derive(Clone, Debug)]
pub struct SizeLaw {
    mu: f64,
    sigma: f64,
    tail_share: f64,
    tail_min: f64,
    tail_alpha: f64,
    histogram: Vec<(u64, f64)>,
    scale: f64,
}

impl SizeLaw {
    pub fn new(s: &Sizes) -> SizeLaw {
        SizeLaw {
            mu: s.mu,
            sigma: s.sigma,
            tail_share: s.tail_share,
            tail_min: s.tail_min.0 as f64,
            tail_alpha: s.tail_alpha,
            histogram: s.histogram.clone(),
            scale: s.scale,
        }
    }

    /// A size drawn from the law, scaled, its normal score tilted (see [`super::depth_sizes`];
    /// a tail size is multiplied by the tilt's factor). [`Tilt::NONE`] draws exactly as an
    /// untilted law.
    pub fn draw(&self, rng: &mut Rng, tilt: Tilt<'_>) -> f64 {
        let x = if !self.histogram.is_empty() {
            let u = if tilt.is_none() { rng.unit() } else { normal_cdf(tilt.score(rng.normal())) };
            from_histogram(&self.histogram, u)
        } else if rng.chance(self.tail_share) {
            rng.pareto(self.tail_min, self.tail_alpha) * tilt.factor
        } else {
            libm::exp(self.mu + self.sigma * tilt.score(rng.normal()))
        };
        x * self.scale
    }

    /// The standard deviation of the natural log of sizes: the lognormal's sigma, or the
    /// histogram's (log-uniform between its points, of size + 1).
    pub fn log_spread(&self) -> f64 {
        if self.histogram.is_empty() {
            return self.sigma;
        }
        let (mut m1, mut m2, mut lo, mut cum) = (0.0, 0.0, 0.0f64, 0.0);
        for &(size, share) in &self.histogram {
            let (a, b, mass) = (lo, libm::log(size as f64 + 1.0), share - cum);
            m1 += mass * (a + b) / 2.0;
            m2 += mass * (a * a + a * b + b * b) / 3.0;
            (lo, cum) = (libm::log(size as f64 + 2.0), share);
        }
        (m2 - m1 * m1).max(0.0).sqrt()
    }

    /// The share of sizes below `x` (scaled sizes).
    pub fn cdf(&self, x: f64) -> f64 {
        let x = x / self.scale;
        if x <= 0.0 {
            return 0.0;
        }
        if !self.histogram.is_empty() {
            let h = &self.histogram;
            let i = h.partition_point(|&(size, _)| (size as f64) < x);
            if i >= h.len() {
                return 1.0;
            }
            let (hi, cum_hi) = (h[i].0 as f64, h[i].1);
            let (lo, cum_lo) = if i == 0 { (0.0, 0.0) } else { (h[i - 1].0 as f64 + 1.0, h[i - 1].1) };
            if x < lo || hi <= lo {
                return cum_lo;
            }
            let f = (libm::log(x + 1.0) - libm::log(lo + 1.0)) / (libm::log(hi + 1.0) - libm::log(lo + 1.0));
            return cum_lo + f.clamp(0.0, 1.0) * (cum_hi - cum_lo);
        }
        let body = 0.5 * libm::erfc(-(libm::log(x) - self.mu) / (self.sigma * std::f64::consts::SQRT_2));
        let tail = if x < self.tail_min { 0.0 } else { 1.0 - libm::pow(self.tail_min / x, self.tail_alpha) };
        (1.0 - self.tail_share) * body + self.tail_share * tail
    }
}

/// The standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The size at quantile `u` of an empirical law (see `sizes.histogram`): log-uniform between
/// the two points around it.
pub fn from_histogram(h: &[(u64, f64)], u: f64) -> f64 {
    let i = h.partition_point(|&(_, share)| share < u).min(h.len() - 1);
    let (hi, cum_hi) = h[i];
    let (lo, cum_lo) = if i == 0 { (0, 0.0) } else { (h[i - 1].0 + 1, h[i - 1].1) };
    if hi <= lo || cum_hi <= cum_lo {
        return hi as f64;
    }
    let f = (u - cum_lo) / (cum_hi - cum_lo);
    let (a, b) = (libm::log(lo as f64 + 1.0), libm::log(hi as f64 + 1.0));
    (libm::exp(a + f * (b - a)) - 1.0).clamp(lo as f64, hi as f64)
}

/// One type of a mix: its format, the extension it carries, its weight, and its size
/// preference `(ln median, sigma)` if the profile gives one.
#[derive(Clone, Debug)]
pub struct MixType {
    pub ftype: FileType,
    pub ext: &'static str,
    pub weight: u64,
    pub prefer: Option<(f64, f64)>,
    /// A size law of its own (`sizes.by_ext`): drawn by weight, not by size.
    pub own: Option<(f64, f64)>,
    /// The sizes its format allows.
    pub bounds: (u64, u64),
}

/// How a mix draws a file's type and size.
#[derive(Clone, Debug)]
pub struct Coupling {
    pub types: Vec<MixType>,
    /// Cumulative weights of every type (own-law types are drawn by them).
    cumulative: Vec<u64>,
    /// Per fine size bucket: cumulative balanced weights over `types` (zero for own-law ones).
    by_bucket: Vec<Vec<u64>>,
    /// The largest bucket some type of the mix may take: a larger drawn size is drawn again.
    top_bucket: Option<usize>,
}

/// How many times a size too large for every type of a mix is drawn again before the file
/// falls back to [`FALLBACK`].
const REDRAWS: u32 = 16;

/// How far (in its sigmas) from its preferred median a type may be sized. Beyond it the type is
/// never drawn: where the law puts sizes that no type of a mix plausibly has (a 300-byte file in
/// a folder of photos and videos), the file is [`FALLBACK`] text, not a 300-byte video.
pub const PREFER_REACH: f64 = 4.0;

/// The type drawn for sizes no type of a mix allows: plain text allows any size.
pub const FALLBACK: (FileType, &str) = (FileType::Txt, "txt");

impl Coupling {
    pub fn new(types: Vec<MixType>, law: &SizeLaw) -> Coupling {
        let mut cumulative = Vec::with_capacity(types.len());
        let mut acc = 0u64;
        for t in &types {
            acc += t.weight;
            cumulative.push(acc);
        }
        // Probability of each fine bucket under the law.
        let edges: Vec<f64> = (0..=FINE_BUCKETS).map(|b| law.cdf(bucket_edge(b))).collect();
        let p: Vec<f64> = (0..FINE_BUCKETS).map(|b| (edges[b + 1] - edges[b]).max(0.0)).collect();
        // Affinity of each coupled type for each bucket.
        let coupled: Vec<usize> = (0..types.len()).filter(|&i| types[i].own.is_none()).collect();
        let affinity: Vec<Vec<f64>> = coupled
            .iter()
            .map(|&i| {
                let t = &types[i];
                (0..FINE_BUCKETS)
                    .map(|b| {
                        let mid = bucket_mid(b);
                        if mid < t.bounds.0 as f64 || mid > t.bounds.1 as f64 {
                            return 0.0;
                        }
                        match t.prefer {
                            None => 1.0,
                            Some((m, s)) => {
                                let z = (libm::log(mid.max(1.0)) - m) / s;
                                if z.abs() > PREFER_REACH { 0.0 } else { libm::exp(-0.5 * z * z) }
                            }
                        }
                    })
                    .collect()
            })
            .collect();
        // Sinkhorn: scale each type so that its share over the law is its share of the mix.
        let total: f64 = coupled.iter().map(|&i| types[i].weight as f64).sum();
        let target: Vec<f64> = coupled.iter().map(|&i| types[i].weight as f64 / total.max(1.0)).collect();
        let mut c = vec![1.0f64; coupled.len()];
        // The buckets that can count (some probability, some type's affinity; the scales stay
        // positive, so the others always have nothing or a zero denominator), each with its
        // types' affinities side by side: the same sums in the same order as over every
        // bucket, for a fraction of the work (most mixes run all 300 rounds).
        let active: Vec<(f64, Vec<f64>)> = (0..FINE_BUCKETS)
            .filter(|&b| p[b] > 0.0 && affinity.iter().any(|a| a[b] != 0.0))
            .map(|b| (p[b], affinity.iter().map(|a| a[b]).collect()))
            .collect();
        for _ in 0..300 {
            let mut got = vec![0.0f64; coupled.len()];
            for (pb, aff) in &active {
                let denom: f64 = c.iter().zip(aff).map(|(ck, a)| ck * a).sum();
                if denom > 0.0 {
                    for ((g, ck), a) in got.iter_mut().zip(&c).zip(aff) {
                        *g += pb * ck * a / denom;
                    }
                }
            }
            let mut worst = 0.0f64;
            for k in 0..coupled.len() {
                if got[k] > 0.0 {
                    let r = target[k] / got[k];
                    worst = worst.max((r - 1.0).abs());
                    c[k] *= r.clamp(0.05, 20.0);
                }
            }
            if worst < 1e-4 {
                break;
            }
        }
        let by_bucket: Vec<Vec<u64>> = (0..FINE_BUCKETS)
            .map(|b| {
                let mut acc = 0u64;
                let mut row = vec![0u64; types.len()];
                let w: Vec<f64> = (0..coupled.len()).map(|k| c[k] * affinity[k][b]).collect();
                let sum: f64 = w.iter().sum();
                for (k, &i) in coupled.iter().enumerate() {
                    if sum > 0.0 {
                        acc += (w[k] / sum * 1e12) as u64;
                    }
                    row[i] = acc;
                }
                // Keep the row cumulative over all slots (own-law ones add nothing).
                let mut run = 0;
                for v in &mut row {
                    run = run.max(*v);
                    *v = run;
                }
                row
            })
            .collect();
        let top_bucket = by_bucket.iter().rposition(|row| row.last().is_some_and(|&sum| sum > 0));
        Coupling { types, cumulative, by_bucket, top_bucket }
    }

    /// Draws a type (index into `types`, or `None` for [`FALLBACK`]) and its size before the
    /// format's bounds: an own-law type by weight, else a size from `law` and a type for it.
    pub fn draw(&self, law: &SizeLaw, tilt: Tilt<'_>, core: &mut Rng, size_rng: &mut Rng) -> (Option<usize>, f64) {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return (None, law.draw(size_rng, tilt));
        }
        let r = core.below(total);
        let i = self.cumulative.partition_point(|&c| c <= r);
        if let Some((mu, sigma)) = self.types.get(i).and_then(|t| t.own) {
            return (Some(i), size_rng.lognormal(mu, sigma) * tilt.factor * law.scale);
        }
        let bucket = |x: f64| fine_bucket(if x.is_finite() { x.round().clamp(0.0, 1.8e19) as u64 } else { u64::MAX });
        let mut x = law.draw(size_rng, tilt);
        // A folder of documents holds no 36 GiB file: a size past every type's reach (the
        // law's Pareto tail, mostly) is drawn again; the tail lives in the types that have it.
        for _ in 0..REDRAWS {
            if self.top_bucket.is_none_or(|top| bucket(x) <= top) {
                break;
            }
            x = law.draw(size_rng, tilt);
        }
        let row = &self.by_bucket[bucket(x)];
        match row.last().copied().unwrap_or(0) {
            0 => (None, x),
            sum => {
                let v = core.below(sum);
                (Some(row.partition_point(|&c| c <= v)), x)
            }
        }
    }
}

/// The start of fine bucket `b` as a size (the end of the last is "infinite").
fn bucket_edge(b: usize) -> f64 {
    if b >= FINE_BUCKETS { f64::INFINITY } else { fine_bucket_start(b) as f64 - 0.5 }
}

/// A size in the middle of a fine bucket (geometric for buckets above 1).
fn bucket_mid(b: usize) -> f64 {
    let lo = fine_bucket_start(b) as f64;
    let hi = if b + 1 < FINE_BUCKETS { fine_bucket_start(b + 1) as f64 } else { lo * 1.09 };
    if lo < 1.0 { 0.0 } else { (lo * (hi - 1.0).max(lo)).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    #[test]
    fn an_empirical_law_gives_its_quantiles() {
        let h = [(0, 0.1), (100, 0.5), (10_000, 1.0)];
        assert_eq!(from_histogram(&h, 0.05), 0.0);
        let mid = from_histogram(&h, 0.3);
        assert!((1.0..=100.0).contains(&mid), "{mid}");
        let top = from_histogram(&h, 0.99);
        assert!((101.0..=10_000.0).contains(&top), "{top}");
        assert_eq!(from_histogram(&h, 1.0), 10_000.0);
    }

    /// Two depths tilted apart, half the files each: each depth's sizes move, the whole keeps
    /// the law (lognormal and empirical alike).
    #[test]
    fn tilted_draws_keep_the_law_over_the_tree() {
        use crate::depth_sizes::DepthTilts;
        let mut sizes = Profile::builtin("enterprise").unwrap().sizes;
        sizes.tail_share = 0.0;
        let lognormal = SizeLaw::new(&sizes);
        sizes.histogram = vec![(100, 0.05), (1_000, 0.3), (100_000, 0.8), (10_000_000, 1.0)];
        let empirical = SizeLaw::new(&sizes);
        for law in [empirical, lognormal] {
            let tilts = DepthTilts::new(&[18.0, 16.0], law.log_spread(), &[0.0, 0.5, 0.5]);
            let n = 40_000u64;
            let mut by_depth = [Vec::new(), Vec::new()];
            for k in 0..n {
                let d = 1 + (k % 2) as u32;
                let x = law.draw(&mut Rng::new(3, k, crate::rng::Purpose::Size), tilts.at(d));
                by_depth[d as usize - 1].push(x);
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let (m1, m2) = (median(&mut by_depth[0]), median(&mut by_depth[1]));
            assert!(m1 > 2.0 * m2, "depth 1 is larger: {m1} vs {m2}");
            let mut all: Vec<f64> = by_depth.concat();
            all.sort_by(f64::total_cmp);
            let ks = all
                .iter()
                .enumerate()
                .map(|(i, &x)| (law.cdf(x) - (i as f64 + 0.5) / all.len() as f64).abs())
                .fold(0.0, f64::max);
            assert!(ks < 0.02, "KS {ks}");
        }
    }

    #[test]
    fn the_lognormal_cdf_is_right() {
        let law = SizeLaw::new(&Profile::builtin("enterprise").unwrap().sizes);
        let median = libm::exp(9.48);
        assert!((law.cdf(median) - 0.5).abs() < 1e-3);
        assert!((law.cdf(median * libm::exp(2.46)) - 0.8413).abs() < 1e-3);
        assert!(law.cdf(1e15) > 0.99999);
    }

    #[test]
    fn types_keep_their_share_and_their_sizes() {
        let law = SizeLaw::new(&Profile::builtin("enterprise").unwrap().sizes);
        let t = |ftype: FileType, weight, prefer: Option<(f64, f64)>, lo| MixType {
            ftype,
            ext: ftype.ext(),
            weight,
            prefer,
            own: None,
            bounds: (lo, u64::MAX),
        };
        let c = Coupling::new(
            vec![
                t(FileType::Txt, 30, None, 0),
                t(FileType::Docx, 50, None, 4000),
                t(FileType::Jpg, 20, Some((libm::log(1.8e6), 1.0)), 200),
            ],
            &law,
        );
        let (mut count, mut sizes) = ([0u64; 3], [0f64; 3]);
        for k in 0..200_000u64 {
            let (i, x) = c.draw(
                &law,
                Tilt::NONE,
                &mut Rng::new(1, k, crate::rng::Purpose::FileCore),
                &mut Rng::new(1, k, crate::rng::Purpose::Size),
            );
            let i = i.unwrap();
            count[i] += 1;
            sizes[i] += libm::log(x.max(1.0));
        }
        let share = |i: usize| count[i] as f64 / 200_000.0;
        assert!(
            (share(0) - 0.3).abs() < 0.02 && (share(1) - 0.5).abs() < 0.02 && (share(2) - 0.2).abs() < 0.02,
            "{count:?}"
        );
        let median = |i: usize| libm::exp(sizes[i] / count[i] as f64);
        assert!(median(2) > median(1) && median(1) > median(0), "photos > documents > text");
    }

    /// A mix of videos and a little text, under a law with many small files and a heavy tail:
    /// the small sizes become text (or the fallback), never a video a few hundred bytes long,
    /// and no file is larger than the video's reach (a larger size is drawn again).
    #[test]
    fn a_type_is_never_sized_far_from_its_preference() {
        let mut sizes = Profile::builtin("enterprise").unwrap().sizes;
        sizes.tail_share = 0.05;
        let law = SizeLaw::new(&sizes);
        let (median, sigma) = (libm::log(24.0 * 1048576.0), 1.5);
        let mp4 = MixType {
            ftype: FileType::Mp4,
            ext: "mp4",
            weight: 90,
            prefer: Some((median, sigma)),
            own: None,
            bounds: (288, u64::MAX),
        };
        let txt = MixType { prefer: Some((libm::log(2048.0), 2.0)), ..mp4.clone() };
        let txt = MixType { ftype: FileType::Txt, ext: "txt", weight: 10, bounds: (0, u64::MAX), ..txt };
        let c = Coupling::new(vec![mp4, txt], &law);
        let floor = libm::exp(median - PREFER_REACH * sigma) / 1.1;
        let ceiling = libm::exp(median + PREFER_REACH * sigma) * 1.1;
        let (mut videos, mut small, mut tail) = (0, 0, 0);
        for k in 0..50_000u64 {
            let (i, x) = c.draw(
                &law,
                Tilt::NONE,
                &mut Rng::new(1, k, crate::rng::Purpose::FileCore),
                &mut Rng::new(1, k, crate::rng::Purpose::Size),
            );
            assert!(x <= ceiling, "a file of {x} bytes (ceiling {ceiling})");
            if i == Some(0) {
                videos += 1;
                assert!(x >= floor, "a video of {x} bytes (floor {floor})");
                tail += usize::from(x > 512.0 * 1048576.0);
            } else if x < 10_000.0 {
                small += 1;
            }
        }
        assert!(
            videos > 1_000 && small > 10_000 && tail > 100,
            "{videos} videos, {small} small texts, {tail} over 512 MiB"
        );
    }
}
