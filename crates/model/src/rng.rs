//! Keyed, counter-based randomness: every draw is a pure function of `(seed, index, purpose)`.
//!
//! Nothing here depends on iteration order, threads, caches or the clock, which is what makes
//! the tree identical in every front end and on every machine. The generator is wyrand (one
//! multiply per 64 bits, fast enough to fill file bodies at several GB/s) keyed through
//! SplitMix64 finalisers. Floating-point helpers use `libm`, a pure-Rust libm, so that
//! transcendental functions round the same way on every platform.

/// What a stream of random numbers is for; part of the key so two purposes never share draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Plan = 1,
    FileCore = 2,
    Times = 3,
    Size = 4,
    Name = 5,
    DirName = 6,
    Owner = 7,
    Content = 8,
    Identity = 9,
    Duplicate = 10,
    DirAttrs = 11,
    Attributes = 12,
    NamePrefix = 13,
    Attachments = 14,
    Hostile = 15,
    OddMetadata = 16,
    SpecialOwner = 17,
    Acl = 18,
}

/// The SplitMix64 finaliser: a bijective, well-mixing 64-bit hash.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `x.floor()` for `x` not below zero (a zero's sign aside), without a call to the C
/// library (no SSE4.1 rounding instruction in the baseline x86-64): below 2^52 the
/// truncation is the floor, and from there on every double is a whole number.
#[inline]
pub fn floor_non_negative(x: f64) -> f64 {
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0; // 2^52
    if x < WHOLE_FROM { (x as u64) as f64 } else { x }
}

/// The Pareto deviate of scale `xm` and shape `alpha` that the uniform `u` in `(0, 1]` gives
/// ([`Rng::pareto`]'s, for a draw whose value is made later or not at all).
pub fn pareto_at(u: f64, xm: f64, alpha: f64) -> f64 {
    xm / libm::pow(u, 1.0 / alpha)
}

/// Combines key parts into one 64-bit key.
#[inline]
pub fn key(seed: u64, index: u64, purpose: u64) -> u64 {
    mix64(
        mix64(seed ^ 0x5157_4e46_5359_4e54).wrapping_add(index).rotate_left(17)
            ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15),
    )
}

/// A small deterministic generator (wyrand).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The stream for `(seed, index, purpose)`.
    pub fn new(seed: u64, index: u64, purpose: Purpose) -> Self {
        Self::from_key(key(seed, index, purpose as u64))
    }

    pub fn from_key(k: u64) -> Self {
        Rng { state: mix64(k) }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`, safe to take the logarithm of.
    #[inline]
    pub fn unit_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `[0, n)` (Lemire's multiply-shift; `n == 0` gives 0).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in `[lo, hi]`.
    #[inline]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal deviate (Box-Muller, one of the pair).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit_open();
        let u2 = self.unit();
        (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
    }

    /// A lognormal deviate `exp(mu + sigma * z)`.
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        libm::exp(mu + sigma * self.normal())
    }

    /// A Pareto deviate with scale `xm` and shape `alpha`.
    pub fn pareto(&mut self, xm: f64, alpha: f64) -> f64 {
        pareto_at(self.unit_open(), xm, alpha)
    }

    /// An exponential deviate with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open())
    }

    /// A gamma deviate of shape `shape` (> 0) and scale 1 (Marsaglia and Tsang; shapes under 1
    /// boosted by `U^(1/shape)`).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let boost = libm::pow(self.unit_open(), 1.0 / shape);
            return self.gamma(shape + 1.0) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.unit_open();
            if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
                return d * v;
            }
        }
    }

    /// A beta deviate with shapes `a` and `b` (both > 0).
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        if x + y > 0.0 { x / (x + y) } else { 0.5 }
    }

    /// A binomial deviate: successes in `n` trials of probability `p`. Exact (geometric skips)
    /// while the expected count of the rarer outcome is under 30, a rounded normal beyond.
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        let mean = n as f64 * p;
        if mean < 30.0 {
            let log_q = libm::log1p(-p);
            let (mut count, mut at) = (0u64, 0f64);
            loop {
                at += floor_non_negative(libm::log(self.unit_open()) / log_q) + 1.0;
                if at > n as f64 {
                    return count;
                }
                count += 1;
            }
        }
        let x = mean + (mean * (1.0 - p)).sqrt() * self.normal();
        x.round().clamp(0.0, n as f64) as u64
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// One word of a non-empty word list.
    pub fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given cumulative weights (last element is the total).
    pub fn pick_cumulative(&mut self, cumulative: &[u64]) -> usize {
        let total = *cumulative.last().unwrap_or(&0);
        if total == 0 {
            return 0;
        }
        let x = self.below(total);
        cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> =
            (0..4).map(|_| 0).scan(Rng::new(1, 2, Purpose::Plan), |r, _: u64| Some(r.next_u64())).collect();
        let b: Vec<u64> =
            (0..4).map(|_| 0).scan(Rng::new(1, 2, Purpose::Plan), |r, _: u64| Some(r.next_u64())).collect();
        let c: Vec<u64> =
            (0..4).map(|_| 0).scan(Rng::new(1, 2, Purpose::Size), |r, _: u64| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn golden_values_never_change() {
        // A change here changes every tree users have ever generated: do not update lightly.
        let mut r = Rng::new(42, 7, Purpose::Plan);
        let v = [r.next_u64(), r.next_u64()];
        assert_eq!(v, [12_043_746_189_839_272_599, 3_055_507_106_291_319_419]);
        assert_eq!(mix64(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf); // SplitMix64(0), first output
    }

    #[test]
    fn floor_of_non_negatives_is_floor() {
        let mut r = Rng::new(1, 1, Purpose::Size);
        let mut xs = vec![0.0, -0.0, 0.5, 1.0, 1.0 - f64::EPSILON, 2.5, 4503599627370495.5, 4503599627370496.0];
        xs.extend([9.1e15, 1e300, f64::MAX, f64::INFINITY, f64::MIN_POSITIVE, 5e-324]);
        xs.extend((0..10_000).map(|i| r.unit() * 10f64.powi(i % 20)));
        for x in xs {
            assert_eq!(floor_non_negative(x), x.floor(), "{x}");
        }
        assert!(floor_non_negative(f64::NAN).is_nan());
    }

    #[test]
    fn unit_and_below_stay_in_range() {
        let mut r = Rng::new(3, 0, Purpose::Size);
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(7) < 7);
            assert!(r.unit_open() > 0.0);
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn normal_has_roughly_unit_variance() {
        let mut r = Rng::new(9, 9, Purpose::Size);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn gamma_beta_and_binomial_have_their_means() {
        let mut r = Rng::new(11, 4, Purpose::Plan);
        let n = 40_000;
        for shape in [0.4, 1.0, 2.5, 9.0] {
            let m = (0..n).map(|_| r.gamma(shape)).sum::<f64>() / n as f64;
            assert!((m / shape - 1.0).abs() < 0.04, "gamma({shape}) mean {m}");
        }
        let m = (0..n).map(|_| r.beta(2.0 / 3.0, 1.0)).sum::<f64>() / n as f64;
        assert!((m - 0.4).abs() < 0.01, "beta mean {m}");
        for (trials, p) in [(10u64, 0.3), (1_000, 0.01), (1_000_000, 0.2), (500, 0.9)] {
            let draws: Vec<u64> = (0..4_000).map(|_| r.binomial(trials, p)).collect();
            assert!(draws.iter().all(|&k| k <= trials));
            let m = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
            let want = trials as f64 * p;
            let sd = (want * (1.0 - p)).sqrt();
            assert!(
                (m - want).abs() < 4.0 * sd / (draws.len() as f64).sqrt() + 1e-9,
                "binomial({trials}, {p}) mean {m}"
            );
        }
        assert_eq!(r.binomial(0, 0.5), 0);
        assert_eq!(r.binomial(7, 1.0), 7);
    }

    #[test]
    fn pick_cumulative_respects_weights() {
        let mut r = Rng::new(5, 5, Purpose::FileCore);
        let cum = [0u64, 10, 10, 40];
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[r.pick_cumulative(&cum)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[2], 0);
        assert!(counts[1] > 800 && counts[1] < 1200, "{counts:?}");
    }
}
