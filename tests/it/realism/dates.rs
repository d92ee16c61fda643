//! Times as people make them: the working week, hot data, date presets on a real copy.

use std::process::Command;

use crate::common::*;

/// Files change when people work: mostly on weekdays and in office hours.
#[test]
fn modification_times_follow_the_working_week() {
    let tree = builtin_tree("enterprise", 20_000);
    let (mut weekday, mut office, mut all) = (0u64, 0u64, 0u64);
    for a in all_files(&tree) {
        let day = a.modified.secs.div_euclid(86_400);
        let hour = a.modified.secs.rem_euclid(86_400) / 3_600;
        all += 1;
        weekday += u64::from((day + 3).rem_euclid(7) < 5);
        office += u64::from((8..18).contains(&hour));
    }
    let (weekday, office) = (weekday as f64 / all as f64, office as f64 / all as f64);
    eprintln!("weekdays {weekday:.3}, office hours {office:.3}");
    // Uniform times would give 5/7 = 0.71 and 10/24 = 0.42.
    assert!(weekday > 0.9, "{weekday}");
    assert!(office > 0.8, "{office}");
}

/// Hot data (`--hot-share`, `[dates] hot_share`): that share of the files whose folder reaches
/// the present is modified in the last 30 days, on top of what the preset puts there; a
/// materialized copy shows exactly the model's count to `find -newermt`.
#[test]
fn hot_data_sits_in_the_last_days() {
    let recent = |hot: f64| {
        let mut p = crate::common::builtin_profile("enterprise", 3_000);
        p.dates.hot_share = hot;
        let tree = synthfs_model::Tree::new(p).unwrap();
        let since = tree.model.range.1 - 30 * 86_400;
        // As `find -newermt` compares: strictly later, nanoseconds included.
        let n = all_files(&tree).iter().filter(|a| (a.modified.secs, a.modified.nanos) > (since, 0)).count() as f64;
        (n / tree.model.files as f64, since)
    };
    let (base, _) = recent(0.0);
    let (hot, since) = recent(0.25);
    eprintln!("modified in the last 30 days: {base:.3} without hot data, {hot:.3} with 25%");
    // Year folders of past years (about a tenth of the files) keep their dates.
    assert!((0.15..0.28).contains(&(hot - base)), "{base} -> {hot}");

    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    Run::of(&["materialize", d.to_str().unwrap(), "-n", "3000", "--hot-share", "25", "--no-owners"]).ok();
    let newer = format!("@{since}");
    let (st, out, err) =
        sh(&format!("find '{}' -type f -newermt '{newer}' ! -name .synthfs.json | wc -l", d.display()));
    assert!(st.success(), "{err}");
    assert_eq!(out.trim().parse::<f64>().unwrap(), (hot * 3_000.0).round());
    let o = run(&["stats", "-n", "10", "--hot-share", "120"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--hot-share 120"), "{}", stderr(&o));
}

/// The date options end to end: a materialized tree's modification times (read back by `find`)
/// stay in `--min-date`..`--max-date` and have the preset's shape; bad values get one line.
#[test]
fn date_presets_shape_a_materialized_tree() {
    let profile = fixture("dates.toml").display().to_string();
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path().display().to_string();
    let args = [
        "materialize",
        d.as_str(),
        "--profile",
        profile.as_str(),
        "--files",
        "4000",
        "--date-preset",
        "recent-skew",
        "--recent-bias",
        "80",
        "--min-date",
        "2019-01-01",
        "--max-date",
        "2023-12-31",
    ];
    Run::of(&args).ok();
    let o = Command::new("find")
        .args([d.as_str(), "-type", "f", "!", "-name", ".synthfs.json", "-printf", "%T@\n"])
        .output()
        .unwrap();
    let times: Vec<f64> = String::from_utf8_lossy(&o.stdout).lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(times.len(), 4000);
    let (lo, hi) = (1_546_300_800.0, 1_704_067_200.0); // 2019-01-01 and 2024-01-01, UTC
    assert!(times.iter().all(|t| (lo..hi).contains(t)), "a time outside the range");
    let cut = hi - (hi - lo) / 5.0;
    let share = times.iter().filter(|&&t| t >= cut).count() as f64 / times.len() as f64;
    assert!((share - 0.8).abs() < 0.03, "{share:.3} in the newest fifth, 0.80 asked");
    // `today` ends the range today; bad values are refused with one line and exit 2.
    let today = stats_json(&["--profile", profile.as_str(), "--as-of", "today", "--files", "100"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(today["as_of"], synthfs_model::date::Date::of_unix(now).to_string());
    for bad in [
        &["--recent-bias", "150"][..],
        &["--min-date", "2020-13-01"],
        &["--min-date", "2025-01-01", "--max-date", "2024-01-01"],
    ] {
        let o = run(&[&["stats", "--profile", profile.as_str()][..], bad].concat());
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{bad:?}: {}", stderr(&o));
    }
    // An unknown preset is clap's usage error, which lists the presets.
    let o = run(&["stats", "--date-preset", "chaos"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("recent-skew") && stderr(&o).contains("legacy-mess"), "{}", stderr(&o));
    let o = run(&["stats", "/usr/share", "--date-preset", "uniform"]);
    assert_eq!(o.status.code(), Some(2), "a date preset means nothing for a real directory");
}

/// `--as-of today` (and `--max-date today`) never gives a file a time after now: today is not
/// over, so the range ends with yesterday, and the tree stays the same all day.
#[test]
fn as_of_today_has_no_file_from_the_future() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for args in [&["--as-of", "today"][..], &["--as-of", "today", "--max-date", "today"]] {
        let s = crate::common::stats_json(&[&["--files", "5000"][..], args].concat());
        let newest = s["newest"]["modified"].as_i64().expect("the newest file's time");
        assert!(newest <= now, "{args:?}: newest file at {newest}, now {now}");
        assert!(newest > now - 3 * 86_400, "{args:?}: the range still reaches yesterday: {newest}");
    }
}
