//! `synthfs profile fit DIR`: a profile whose trees have a real tree's shape.
//!
//! From the totals of a walk ([`crate::stats::real`]) it keeps statistics only, never a name or
//! a byte of the real tree: file and folder counts (so the mean files per folder), the size
//! distribution as an empirical law (plus the fitted lognormal for reference), the extension
//! mix, the files at the root, the depth (by calibrating the fan-out on the model itself), the
//! age range and the share of temp files.

use crate::stats::{FINE_BUCKETS, Stats, fine_bucket_start};
use crate::walk::fold_dirs;
use synthfs_model::layout::Layout;
use synthfs_model::profile::{Profile, Template};
use synthfs_model::{ProfileError, Tree};

/// Extensions kept in the fitted mix (the rest, a small share in real trees, is dropped).
pub const TOP_EXTENSIONS: usize = 80;
/// Files the depth calibration simulates at most (the mean depth settles well before).
const CALIBRATION_FILES: u64 = 200_000;

/// What a fit is asked for.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub name: String,
    /// The real tree's date (`YYYY-MM-DD`): ages are kept relative to it.
    pub as_of: String,
    /// The `as_of` instant, Unix seconds (end of day).
    pub as_of_end: i64,
    pub seed: u64,
}

/// Why a tree cannot be fitted.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("the tree has no files to fit")]
    Empty,
    #[error("the fitted profile is invalid: {0}")]
    Profile(#[from] ProfileError),
}

/// The fitted profile of a walked tree.
pub fn fit(s: &Stats, opts: &FitOptions) -> Result<Profile, FitError> {
    if s.files == 0 {
        return Err(FitError::Empty);
    }
    let mut p = Profile::builtin("enterprise").expect("the enterprise profile is built in");
    p.name = opts.name.clone();
    p.description = format!("Fitted by synthfs profile fit: {} files in {} folders; statistics only", s.files, s.dirs);
    p.seed = opts.seed;
    p.files = s.files;
    p.dirs = Some(s.dirs.max(1));
    p.files_per_dir = None;
    p.as_of = opts.as_of.clone();
    p.max_age_years = age_years(s);
    // Room below the deepest folder seen, within what a profile allows (a flat tree still fits).
    p.max_depth = (s.max_depth + 2).clamp(4, 200);

    let (mu, sigma) = lognormal(s);
    p.sizes.mu = mu;
    p.sizes.sigma = sigma;
    p.sizes.tail_share = 0.0;
    p.sizes.histogram = histogram(s);
    p.sizes.by_depth = by_depth(s);
    p.sizes.max = synthfs_model::profile::Size(s.largest.as_ref().map_or(0, |e| e.value as u64).max(4096));
    p.sizes.by_ext.clear();

    p.template = Template {
        layout: Layout::Tree,
        loose_root_files: s.by_depth.get(1).map_or(0, |t| t.files).min(u64::from(u32::MAX)) as u32,
        years: 0,
        projects: 0,
        // A power law: its exponent is the knob that sets the depth (calibrated below).
        fanout_law: synthfs_model::fanout::FanoutLaw::Power,
        // The widest folder's sub-folders bound the typical fan-out.
        fanout_cap: (s.subdirs_per_dir.len().saturating_sub(1) / 4).clamp(2, 100_000) as u32,
        ..Template::default()
    };
    p.mix.clear();
    p.mix.insert("default".into(), mix(s));
    p.clutter.duplicate_rate = 0.0;
    p.clutter.temp_rate = (s.temp.files as f64 / s.files as f64).min(0.5);
    p.clutter.folder_junk_rate = 0.0;
    p.sparse.rate = 0.0;
    p.validate()?;
    p.template.fanout = calibrate_fanout(&p, s.mean_depth())?;
    Ok(p)
}

/// The empirical size law: one point per non-empty fine bucket (its largest size and the
/// share of files up to it).
fn histogram(s: &Stats) -> Vec<(u64, f64)> {
    let total = s.size_fine.iter().sum::<u64>().max(1) as f64;
    let mut out = Vec::new();
    let mut cum = 0u64;
    for (b, &n) in s.size_fine.iter().enumerate().filter(|(_, n)| **n > 0) {
        cum += n;
        let share = (cum as f64 / total * 1e6).round() / 1e6;
        let end = if b + 1 < FINE_BUCKETS { fine_bucket_start(b + 1).saturating_sub(1) } else { u64::MAX };
        let end = end.min(s.largest.as_ref().map_or(u64::MAX, |e| e.value as u64));
        match out.last_mut() {
            Some((last, last_share)) if *last >= end => *last_share = share,
            _ => out.push((end, share)),
        }
    }
    if let Some(last) = out.last_mut() {
        last.1 = 1.0;
    }
    out
}

/// Mean log2 size by depth (`sizes.by_depth`): depths with too few files to say take the
/// value above them; past the deepest well-filled depth, the last value holds.
fn by_depth(s: &Stats) -> Vec<f64> {
    const MIN_FILES: u64 = 20;
    let means = crate::stats::mean_log2_by_depth(s, MIN_FILES);
    let last = means.iter().rposition(Option::is_some).unwrap_or(0);
    let Some(first) = means.iter().flatten().next().copied() else { return Vec::new() };
    let mut out = Vec::with_capacity(last);
    let mut current = first;
    for m in means.iter().take(last + 1).skip(1).take(64) {
        current = m.unwrap_or(current);
        out.push((current.clamp(0.0, 64.0) * 100.0).round() / 100.0);
    }
    if out.len() < 2 { Vec::new() } else { out }
}

/// The lognormal (mu, sigma of the natural log of bytes) of the non-empty files, from the
/// fine buckets' geometric midpoints.
fn lognormal(s: &Stats) -> (f64, f64) {
    let mut n = 0f64;
    let (mut sum, mut sq) = (0f64, 0f64);
    for (b, &k) in s.size_fine.iter().enumerate().skip(1).filter(|(_, k)| **k > 0) {
        let lo = fine_bucket_start(b) as f64;
        let hi = if b + 1 < FINE_BUCKETS { fine_bucket_start(b + 1) as f64 } else { lo * 1.09 };
        let x = 0.5 * (libm::log(lo) + libm::log(hi.max(lo + 1.0)));
        n += k as f64;
        sum += k as f64 * x;
        sq += k as f64 * x * x;
    }
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let mu = sum / n;
    let var = (sq / n - mu * mu).max(1e-6);
    ((mu * 1000.0).round() / 1000.0, (var.sqrt() * 1000.0).round() / 1000.0)
}

/// The extension mix, as integer weights (files per 100,000).
fn mix(s: &Stats) -> std::collections::BTreeMap<String, u32> {
    let mut exts: Vec<(&str, u64)> = s.by_ext.iter().map(|(e, t)| (&**e, t.files)).collect();
    exts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    exts.into_iter()
        .filter(|(e, _)| synthfs_model::FileType::valid_ext(e))
        .take(TOP_EXTENSIONS)
        .map(|(e, n)| (e.to_string(), ((n as f64 / s.files as f64 * 100_000.0).round() as u32).max(1)))
        .collect()
}

/// The age range: whole years back to the oldest 0.5% of files.
fn age_years(s: &Stats) -> u32 {
    let keep = s.files - s.files / 200;
    let mut seen = 0;
    for (y, t) in s.by_age_years.iter().enumerate() {
        seen += t.files;
        if seen >= keep {
            return (y as u32 + 1).clamp(1, 100);
        }
    }
    (s.by_age_years.len() as u32).clamp(1, 100)
}

/// The model's mean file depth for a profile (plans only: no file is drawn).
pub fn model_mean_depth(p: &Profile) -> Result<f64, ProfileError> {
    let tree = Tree::new(p.clone())?;
    let (files, depth) = fold_dirs(
        &tree,
        || (0u64, 0u64),
        |acc, plan| {
            acc.0 += plan.files;
            acc.1 += plan.files * u64::from(plan.depth + 1);
        },
        |a, b| (a.0 + b.0, a.1 + b.1),
    );
    Ok(if files == 0 { 0.0 } else { depth as f64 / files as f64 })
}

/// The fan-out whose trees have the wanted mean depth (wider trees are shallower), found by
/// bisection on the model at up to [`CALIBRATION_FILES`] files.
fn calibrate_fanout(p: &Profile, want: f64) -> Result<f64, ProfileError> {
    let mut q = p.clone();
    if q.files > CALIBRATION_FILES {
        let dirs = q.dirs.unwrap_or(1);
        q.dirs = Some(((dirs as f64 * CALIBRATION_FILES as f64 / q.files as f64).round() as u64).max(1));
        q.files = CALIBRATION_FILES;
    }
    let (mut lo, mut hi) = (0.05f64, 0.95f64);
    for _ in 0..14 {
        let mid = 0.5 * (lo + hi);
        q.template.fanout = mid;
        if model_mean_depth(&q)? > want {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((0.5 * (lo + hi) * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_tree_fits_back_to_its_own_shape() {
        let p = Profile::builtin_with_files("enterprise", 20_000).unwrap();
        let tree = Tree::new(p.clone()).unwrap();
        let s = crate::stats::collect(&tree);
        let opts = FitOptions { name: "refit".into(), as_of: p.as_of.clone(), as_of_end: tree.model.range.1, seed: 3 };
        let f = fit(&s, &opts).unwrap();
        assert_eq!((f.files, f.dirs), (20_000, Some(s.dirs)));
        assert_eq!(f.sizes.histogram.last().unwrap().1, 1.0);
        let again = crate::stats::collect(&Tree::new(f.clone()).unwrap());
        assert!(crate::stats::ks_distance(&s, &again) < 0.05, "{}", crate::stats::ks_distance(&s, &again));
        let (a, b) = (s.mean_depth(), again.mean_depth());
        assert!((a - b).abs() / a < 0.1, "depth {a} vs {b}");
        // Bytes by depth come back: log2 means by depth differ from depth 5's as the source's.
        let (src, back) = (crate::stats::mean_log2_by_depth(&s, 500), crate::stats::mean_log2_by_depth(&again, 500));
        let mut checked = 0;
        for d in 2..src.len().min(back.len()) {
            if let (Some(x), Some(y), Some(x5), Some(y5)) = (src[d], back[d], src[5], back[5]) {
                assert!(((x - x5) - (y - y5)).abs() < 0.35, "depth {d}: {:+.2} vs {:+.2}", x - x5, y - y5);
                checked += 1;
            }
        }
        assert!(checked >= 4, "{checked} depths compared");
        // Only statistics: no folder or file name of the walked tree is in the profile.
        let text = f.to_toml();
        assert!(!text.contains("Finance") && !text.contains("Budget"), "{text}");
        assert!(Profile::from_toml(&text, "fitted.toml").is_ok());
    }
}
