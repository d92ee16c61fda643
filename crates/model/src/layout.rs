//! The flat "folders" layout of e-discovery test sets (the Zipper tool's): files numbered
//! `00000001.pdf` ... spread over folders `folder_001` ... by a proportional, gaussian or
//! exponential distribution.

use serde::{Deserialize, Serialize};

/// How a profile lays out its tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Departments, homes, projects and shared areas.
    #[default]
    Share,
    /// Numbered folders at the root holding numbered files.
    Folders,
    /// A plain hierarchy of topic folders, split statistically from the root down (what
    /// `profile fit` writes for trees that are not company shares).
    Tree,
    /// The scanner-torture tree: hostile names, deep paths, odd metadata, a huge folder (see
    /// [`super::torture`]).
    Torture,
}

/// How files spread over the folders of the folders layout (file i of N goes to folder f(i)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// Round robin: as many files in every folder (give or take one).
    #[default]
    Proportional,
    /// Most files in the middle folders: folder = round(F/2 + F/6 z), z the normal quantile of i/N.
    Gaussian,
    /// Most files in the first folders: folder = ceil(-ln(1 - p) / (3/F)).
    Exponential,
}

/// Files per folder for `n` files in `folders` folders, as Zipper assigns them.
pub fn folder_counts(n: u64, folders: u64, d: Distribution) -> Vec<u64> {
    let f = folders.max(1);
    if d == Distribution::Proportional {
        return (1..=f).map(|k| if k > n { 0 } else { (n - k) / f + 1 }).collect();
    }
    // The folder of file i never decreases with i, so each folder's first file is found by a
    // binary search: O(F log N) whatever N.
    let first = |k: u64| -> u64 {
        let (mut lo, mut hi) = (1u64, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if folder_of(mid, n, f, d) >= k { hi = mid } else { lo = mid + 1 }
        }
        lo
    };
    let starts: Vec<u64> = (1..=f + 1).map(|k| if k > f { n + 1 } else { first(k) }).collect();
    starts.windows(2).map(|w| w[1] - w[0]).collect()
}

/// The folder (1-based) of file `i` (1-based) of `n`.
fn folder_of(i: u64, n: u64, f: u64, d: Distribution) -> u64 {
    if d == Distribution::Proportional {
        return (i - 1) % f + 1;
    }
    let p = if n <= 1 { 0.0 } else { (i - 1) as f64 / (n - 1) as f64 };
    let p = p.clamp(0.001, 0.999);
    let x = match d {
        Distribution::Gaussian => (f as f64 / 2.0 + f as f64 / 6.0 * normal_quantile(p)).round(),
        _ => (-libm::log(1.0 - p) / (3.0 / f as f64)).ceil(),
    };
    (x.max(1.0) as u64).min(f)
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * libm::log(p)).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * libm::log(1.0 - p)).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Name of folder `k` (1-based) of `folders`: the prefix and at least three digits.
pub fn folder_name(prefix: &str, k: u64, folders: u64) -> String {
    let width = folders.to_string().len().max(3);
    format!("{prefix}{k:0width$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_assigning_every_file() {
        for d in [Distribution::Proportional, Distribution::Gaussian, Distribution::Exponential] {
            for (n, f) in [(1000u64, 20u64), (7, 10), (1, 1), (12_345, 100)] {
                let counts = folder_counts(n, f, d);
                let mut want = vec![0u64; f as usize];
                for i in 1..=n {
                    want[folder_of(i, n, f, d) as usize - 1] += 1;
                }
                assert_eq!(counts, want, "{d:?} {n} {f}");
                assert_eq!(counts.iter().sum::<u64>(), n);
            }
        }
    }

    #[test]
    fn shapes_are_the_documented_ones() {
        let g = folder_counts(100_000, 20, Distribution::Gaussian);
        assert!(g[9] > 5 * g[1] && g[10] > 5 * g[18], "{g:?}");
        let e = folder_counts(100_000, 20, Distribution::Exponential);
        // Decreasing, but the last folder takes the clamped tail (p up to 0.999), as in Zipper.
        assert!(e[..19].windows(2).all(|w| w[0] > w[1]) && e[0] > 5 * e[15], "{e:?}");
        let p = folder_counts(100_003, 20, Distribution::Proportional);
        assert!(p.iter().all(|&c| c == 5000 || c == 5001), "{p:?}");
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert_eq!(folder_name("folder_", 7, 20), "folder_007");
        assert_eq!(folder_name("folder_", 7, 2000), "folder_0007");
    }
}
