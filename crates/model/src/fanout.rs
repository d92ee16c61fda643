//! How many sub-folders a statistical folder gets, and how its folders are shared among them.
//!
//! Two laws (`template.fanout_law`):
//!
//! - `attachment`: Impressions' generative model (Agrawal et al., FAST 2007 and 2009). Folders
//!   are created one at a time, each under an existing folder chosen with probability
//!   proportional to its sub-folder count plus `attachment_offset` (2 in the study), so a
//!   folder with more sub-folders is likelier to get another. The model plans top-down, each
//!   folder from its own random stream, so it cannot replay that sequence; it draws the same
//!   tree instead. Below a folder with `D` folders in its subtree, the subtrees of its children
//!   partition those `D` folders as the tables of a Pitman-Yor restaurant with discount
//!   `1 / (1 + b)` and concentration `b / (1 + b)` (a subtree of `m` folders has weight
//!   `(1 + b) m - 1`, the folder's own weight `c + b` opens a new child): the first child's
//!   subtree holds `1 + BetaBinomial(D - 1, 1 - discount, concentration + discount)` folders
//!   and the rest is again such a partition with the concentration raised by the discount.
//!   The test `attachment_matches_the_sequential_process` checks this against a direct
//!   simulation. The subtrees are then shuffled: the first-created child is the largest on
//!   average, but the folder's first name (a department's newest year folder, say) should not
//!   be.
//! - `power`: about `D^fanout` sub-folders (lognormal spread, at most `fanout_cap`, a few up to
//!   20 times that), folders shared by heavy-tailed weights. `profile fit` uses it: its
//!   exponent is the one knob that sets a tree's depth.

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// The law of statistical folders' fan-out (`template.fanout_law`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FanoutLaw {
    /// Preferential attachment, Impressions' generative model.
    #[default]
    Attachment,
    /// A power of the folders below (`fanout`, `fanout_cap`).
    Power,
}

/// The subtrees (folders each, itself included; they sum to `folders`) of the children of a
/// folder with `folders` folders below it, under attachment weight `sub-folders + offset`.
pub fn attachment(folders: u64, offset: f64, rng: &mut Rng) -> Vec<u64> {
    let discount = 1.0 / (1.0 + offset);
    let mut concentration = offset / (1.0 + offset);
    let mut rest = folders;
    let mut out = Vec::new();
    while rest > 0 {
        let p = rng.beta(1.0 - discount, concentration + discount);
        let m = 1 + rng.binomial(rest - 1, p);
        out.push(m);
        rest -= m;
        concentration += discount;
    }
    // Creation order favours the first children; siblings are listed in any order.
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i as u64 + 1) as usize);
    }
    out
}

/// About `folders^exponent` sub-folders with a lognormal spread, the typical count capped at
/// `cap` and any count at `20 * cap` and at `folders`.
pub fn power(folders: u64, exponent: f64, cap: u32, rng: &mut Rng) -> u64 {
    if folders == 0 {
        return 0;
    }
    let median = libm::pow(folders as f64, exponent).clamp(1.2, f64::from(cap).max(1.2));
    let x = (median * rng.lognormal(0.0, 0.55)).round() as u64;
    x.clamp(1, folders.min(u64::from(cap) * 20))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// Sub-folder counts of every folder of a tree of `n` folders grown one folder at a time,
    /// each under a folder drawn with weight `sub-folders + offset`.
    fn sequential(n: usize, offset: f64, rng: &mut Rng) -> Vec<u64> {
        let mut children = vec![0u64; 1];
        let mut total = offset;
        for _ in 1..n {
            let mut x = rng.unit() * total;
            let mut parent = children.len() - 1;
            for (i, &c) in children.iter().enumerate() {
                let w = c as f64 + offset;
                if x < w {
                    parent = i;
                    break;
                }
                x -= w;
            }
            children[parent] += 1;
            children.push(0);
            total += 1.0 + offset;
        }
        children
    }

    /// The same counts from the top-down sampler, applied recursively.
    fn top_down(n: u64, offset: f64, rng: &mut Rng) -> Vec<u64> {
        let mut out = Vec::new();
        let mut stack = vec![n - 1];
        while let Some(below) = stack.pop() {
            let subtrees = attachment(below, offset, rng);
            out.push(subtrees.len() as u64);
            stack.extend(subtrees.into_iter().map(|m| m - 1));
        }
        out
    }

    /// Share of folders with 0, 1, 2, 3-4, 5-8, 9+ sub-folders.
    fn shape(counts: &[u64]) -> [f64; 6] {
        let mut h = [0f64; 6];
        for &c in counts {
            let b = match c {
                0..=2 => c as usize,
                3..=4 => 3,
                5..=8 => 4,
                _ => 5,
            };
            h[b] += 1.0;
        }
        h.map(|x| x / counts.len() as f64)
    }

    #[test]
    fn attachment_matches_the_sequential_process() {
        for offset in [2.0, 0.5] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut roots = (0f64, 0f64);
            for k in 0..60 {
                let s = sequential(600, offset, &mut Rng::new(1, k, Purpose::Plan));
                roots.0 += s[0] as f64;
                a.extend(s);
                let t = top_down(600, offset, &mut Rng::new(2, k, Purpose::Plan));
                roots.1 += t[0] as f64;
                b.extend(t);
            }
            assert_eq!(a.len(), b.len());
            let (sa, sb) = (shape(&a), shape(&b));
            for (x, y) in sa.iter().zip(&sb) {
                assert!((x - y).abs() < 0.01, "offset {offset}: sequential {sa:?} vs top-down {sb:?}");
            }
            // The root's sub-folders grow like n^(1/(1+offset)): a wrong partition shows here.
            let (ra, rb) = (roots.0 / 60.0, roots.1 / 60.0);
            assert!((ra / rb - 1.0).abs() < 0.15, "offset {offset}: root fan-out {ra} vs {rb}");
        }
    }

    #[test]
    fn attachment_partitions_exactly() {
        let mut rng = Rng::new(5, 5, Purpose::Plan);
        for n in [0u64, 1, 2, 17, 10_000, 100_000_000] {
            let parts = attachment(n, 2.0, &mut rng);
            assert_eq!(parts.iter().sum::<u64>(), n);
            assert!(parts.iter().all(|&m| m >= 1));
        }
        // About 2.7 n^(1/3) children at n = 10^8: hundreds, not millions.
        let wide = attachment(100_000_000, 2.0, &mut rng).len();
        assert!((200..5_000).contains(&wide), "{wide}");
    }
}
