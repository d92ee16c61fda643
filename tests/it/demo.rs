//! `synthfs demo` end to end: mounts, scans, unmounts, leaves nothing behind, and what it prints
//! equals `stats` for the same tree.

use std::io::BufRead;
use std::process::{Command, Stdio};

use crate::common::{Mount, TestEnv, bin, fuse_available, signal, stats_json, stderr, stdout};

#[test]
fn demo_scans_what_stats_counts_and_leaves_nothing() {
    if !fuse_available() {
        return;
    }
    let tmp = TestEnv::new();
    let o = bin()
        .args(["demo", "--files", "20000", "--json"])
        .env("TMPDIR", tmp.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(o.status.success(), "demo failed: {} / {}", stdout(&o), stderr(&o));
    let demo: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let stats = stats_json(&["--files", "20000"]);
    for (d, s) in [("files", "files"), ("dirs", "dirs"), ("bytes", "bytes"), ("allocated_bytes", "allocated_bytes")] {
        assert_eq!(demo[d], stats[s], "{d}: the scan saw {} where stats counts {}", demo[d], stats[s]);
    }
    // Every byte-identical copy the model made is found (constant files such as desktop.ini
    // are duplicates of each other too).
    let model_dups = stats["duplicates"]["files"].as_u64().unwrap();
    let found = demo["duplicate_files"].as_u64().unwrap();
    // The rest are a few constant small files (folder junk, lock files): under 1% of the files.
    assert!(found >= model_dups && found < model_dups + 200, "found {found}, model {model_dups}");
    assert_eq!(demo["model_duplicates"].as_u64(), Some(model_dups), "demo names the count stats gives");
    assert!(demo["files_read"].as_u64().unwrap() > 500, "a sample was read: {}", demo["files_read"]);
    assert_eq!(demo["errors"], 0);
    // Extensions and owners add up.
    let ext_files: u64 = demo["by_extension"].as_array().unwrap().iter().map(|t| t["files"].as_u64().unwrap()).sum();
    assert_eq!(ext_files, 20_000);
    let owner_files: u64 = demo["owners"].as_array().unwrap().iter().map(|t| t["files"].as_u64().unwrap()).sum();
    assert_eq!(owner_files, 20_000);
    assert!(demo["owners"][0]["account"].as_str().unwrap().starts_with("CORP\\"), "{}", demo["owners"][0]);
    assert_eq!(demo["oldest"]["mtime"], stats["oldest"]["modified"], "{} vs {}", demo["oldest"], stats["oldest"]);
    // Nothing left: no mount point, no mount.
    assert!(tmp.entries().is_empty(), "left behind: {:?}", tmp.entries());
    let mp = demo["mountpoint"].as_str().unwrap();
    assert!(!Mount::is_mounted(std::path::Path::new(mp)), "{mp} is still mounted");
    assert!(stderr(&o).contains("unmounted and removed"), "{}", stderr(&o));
}

#[test]
fn demo_prints_a_report_for_people() {
    if !fuse_available() {
        return;
    }
    let tmp = TestEnv::new();
    let o = bin().args(["demo", "--files", "3000"]).env("TMPDIR", tmp.path()).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in ["What a scanner sees", "3,000", "top extensions", "top owners", "oldest file", "How fast", "unmounted"]
    {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(tmp.entries().is_empty());
}

#[test]
fn demo_keep_stays_mounted_until_sigterm() {
    if !fuse_available() {
        return;
    }
    let tmp = TestEnv::new();
    let mut child = bin()
        .args(["demo", "--files", "2000", "--keep", "--no-duplicates", "--sample", "0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mountpoint = loop {
        let line = lines.next().expect("demo ended before saying where it stays mounted").unwrap();
        if let Some(rest) = line.strip_prefix("still mounted on ") {
            break rest.split(':').next().unwrap().to_string();
        }
    };
    let o = Command::new("find").arg(&mountpoint).args(["-type", "f"]).output().unwrap();
    assert_eq!(stdout(&o).lines().count(), 2000);
    assert!(signal(child.id(), "TERM"), "kill -TERM the demo");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!Mount::is_mounted(std::path::Path::new(&mountpoint)));
    assert!(tmp.entries().is_empty(), "left behind: {:?}", tmp.entries());
}
