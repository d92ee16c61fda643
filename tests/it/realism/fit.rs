//! `profile fit` on real trees no one here wrote: the fitted profile's tree against the tree.

use std::process::Command;

use crate::common::*;

/// How a fitted profile's tree compares with the real tree it was fitted to.
struct FitCheck {
    ks: f64,
    fpd: (f64, f64),
    depth: (f64, f64),
    /// (extension, real share %, model share %) for the ten most common.
    exts: Vec<(String, f64, f64)>,
    /// (depth, real, model): mean log2 size at the depth less the tree's, where both trees
    /// hold 2% of their files.
    by_depth: Vec<(usize, f64, f64)>,
}

fn fit_and_compare(dir: &std::path::Path) -> FitCheck {
    use synthfs_model::{Profile, Tree};
    let d = dir.display().to_string();
    // The real command, as a user runs it, and its TOML read back.
    let text = Run::of(&["profile", "fit", &d, "--as-of", "2026-11-23"]).ok();
    assert!(text.starts_with("# Fitted by `synthfs profile fit`"));
    let fitted = Profile::from_toml(&text, "fitted.toml").expect("the fitted profile loads");
    let end = synthfs_model::date::Date::parse("2026-11-23").unwrap().unix() + 86_399;
    let real = synthfs::stats::real::collect_dir(dir, end).unwrap().stats;
    let model = synthfs::stats::collect(&Tree::new(fitted).unwrap());
    assert_eq!(model.files, real.files);
    let share =
        |s: &synthfs::stats::Stats, e: &str| 100.0 * s.by_ext.get(e).map_or(0, |t| t.files) as f64 / s.files as f64;
    let exts = synthfs::stats::render::extensions(&real)
        .into_iter()
        .take(10)
        .map(|(e, _)| (e.to_string(), share(&real, e), share(&model, e)))
        .collect();
    // Mean log2 size by depth, less the tree's, where both trees hold 2% of their files.
    let relative = |s: &synthfs::stats::Stats| {
        let means = synthfs::stats::mean_log2_by_depth(s, 1);
        let n: u64 = s.depth_fine.iter().map(|x| x.files).sum();
        let overall: f64 =
            means.iter().zip(&s.depth_fine).map(|(m, x)| m.unwrap_or(0.0) * x.files as f64).sum::<f64>() / n as f64;
        means
            .iter()
            .zip(&s.depth_fine)
            .map(|(m, x)| m.filter(|_| x.files * 50 >= n).map(|m| m - overall))
            .collect::<Vec<_>>()
    };
    let (r, m) = (relative(&real), relative(&model));
    let by_depth = (0..r.len().min(m.len())).filter_map(|d| Some((d, r[d]?, m[d]?))).collect();
    FitCheck {
        by_depth,
        ks: synthfs::stats::ks_distance(&real, &model),
        fpd: (real.mean_files_per_dir(), model.mean_files_per_dir()),
        depth: (real.mean_depth(), model.mean_depth()),
        exts,
    }
}

/// `profile fit` on trees no one here wrote: the fitted tree matches within the stated
/// tolerances (KS 0.05 on sizes, 10% on files per folder and depth, 2 points per extension,
/// 0.8 on the mean log2 size of each depth holding 2% of the files, against the tree's).
#[test]
fn fitted_profiles_reproduce_real_trees() {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().ok().filter(|o| o.status.success());
    let mut dirs = vec![std::path::PathBuf::from("/usr/share")];
    match sysroot {
        Some(o) => dirs.push(std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        None => eprintln!("skipping the Rust toolchain tree: rustc is not on PATH"),
    }
    for dir in dirs {
        let c = fit_and_compare(&dir);
        let rel = |(a, b): (f64, f64)| (a - b).abs() / a;
        eprintln!(
            "{}: KS {:.4}; files/folder {:.2} vs {:.2}; depth {:.3} vs {:.3}; extensions {:?}",
            dir.display(),
            c.ks,
            c.fpd.0,
            c.fpd.1,
            c.depth.0,
            c.depth.1,
            c.exts
        );
        assert!(c.ks < 0.05, "{}: KS {}", dir.display(), c.ks);
        assert!(rel(c.fpd) < 0.10, "{}: files per folder {:?}", dir.display(), c.fpd);
        assert!(rel(c.depth) < 0.10, "{}: depth {:?}", dir.display(), c.depth);
        for (e, real, model) in &c.exts {
            assert!((real - model).abs() < 2.0, "{}: .{e} {real:.2}% vs {model:.2}%", dir.display());
        }
        for (d, real, model) in &c.by_depth {
            eprintln!("  depth {d}: mean log2 size against the tree's {real:+.2} real, {model:+.2} fitted");
            // Steep real curves are flattened where a depth would take over 3/4 of the spread.
            assert!((real - model).abs() < 0.8, "{}: bytes at depth {d}: {real:+.2} vs {model:+.2}", dir.display());
        }
        assert!(c.by_depth.len() >= 3, "{}: {:?}", dir.display(), c.by_depth);
    }
}

/// A profile fitted today (the default) makes trees with no file newer than now, all day.
#[test]
fn a_profile_fitted_today_has_no_file_from_the_future() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let real = tempfile::tempdir().unwrap();
    for k in 0..40 {
        let dir = real.path().join(format!("d{}/e{}/f{}", k % 3, k % 5, k % 2));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{k}.txt")), vec![b'x'; 100 + k * 37]).unwrap();
    }
    let fitted = Run::of(&["profile", "fit", &real.path().display().to_string()]).ok();
    let file = real.path().join("fitted.toml");
    std::fs::write(&file, fitted).unwrap();
    let s = stats_json(&["--profile", &file.display().to_string(), "--files", "5000"]);
    let newest = s["newest"]["modified"].as_i64().expect("the newest file's time");
    assert!(newest <= now, "newest file at {newest}, now {now}");
}

/// A flat tree (files in one level of folders, as an e-discovery export holds them) fits to a
/// profile that loads: its depth is within what a profile allows.
#[test]
fn a_flat_tree_fits_a_valid_profile() {
    let real = tempfile::tempdir().unwrap();
    for d in 0..5 {
        let dir = real.path().join(format!("folder_{d}"));
        std::fs::create_dir(&dir).unwrap();
        for f in 0..20 {
            std::fs::write(dir.join(format!("doc{f}.txt")), vec![b'x'; 100 * (f + 1)]).unwrap();
        }
    }
    let text = Run::of(&["profile", "fit", real.path().to_str().unwrap()]).ok();
    let fitted = synthfs_model::Profile::from_toml(&text, "fitted.toml").expect("the fitted profile loads");
    assert_eq!(fitted.files, 100);
    assert!(fitted.max_depth >= 4, "{}", fitted.max_depth);
}
