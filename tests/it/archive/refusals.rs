//! What `archive` refuses and how it stops: target sizes it cannot reach, bad output paths,
//! signals mid-run (nothing left behind, other runs' side files untouched), large ids.

use super::*;
use crate::common::{TestEnv, Tmpfs, bin, fixture, sh, signal, stderr};

#[test]
fn target_size_lands_within_one_percent() {
    let t = TestEnv::new();
    for (name, target) in [("z.zip", 40u64 << 20), ("t.tar", 25 << 20)] {
        let out = t.path().join(name);
        let o = archive(&out, 1000, &["--target-size", &target.to_string()]);
        let s = json(&o);
        let size = std::fs::metadata(&out).unwrap().len();
        let off = (size as f64 / target as f64 - 1.0).abs();
        assert!(off <= 0.01, "{name}: {size} vs {target}");
        assert_eq!(s["documents"], 1000, "the file count is kept");
        assert_ne!(s["size_scale"], 1.0);
    }
    // Too small: one clear line, exit 2.
    let o = archive(&t.path().join("tiny.zip"), 1000, &["--target-size", "1KB"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("below the smallest archive"), "{}", stderr(&o));
    let o = archive(&t.path().join("d.zip"), 1000, &["--target-size", "10MB", "--compression", "deflate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--compression store"), "{}", stderr(&o));
}

#[test]
fn bad_input_gets_one_line_and_a_nonzero_exit() {
    let t = TestEnv::new();
    let out = t.path().join("a.zip");
    json(&archive(&out, 50, &[]));
    // Existing OUT without --force.
    let o = archive(&out, 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists") && stderr(&o).contains("--force"), "{}", stderr(&o));
    json(&archive(&out, 50, &["--force"]));
    // Unknown format.
    let o = archive(&t.path().join("a.rar"), 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".zip, .tar, .tar.gz or .tar.zst"), "{}", stderr(&o));
    let o = bin().args(["archive", "x.zip", "--format", "7z"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A directory that does not exist, and one that cannot be written.
    let o = archive(&t.path().join("nope/a.zip"), 50, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    if let Some(ro) = Tmpfs::new("ro,size=1m") {
        let o = archive(&ro.path().join("a.tar"), 50, &[]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains("Read-only file system"), "{}", stderr(&o));
        assert!(!ro.path().join("a.tar.partial").exists());
    }
}

#[test]
fn sigterm_stops_cleanly_and_leaves_nothing() {
    let t = TestEnv::new();
    let out = t.path().join("big.zip");
    // The default profile's sparse images take minutes to hash: plenty of time to interrupt.
    let mut child = bin().arg("archive").arg(&out).args(["--files", "5000"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(signal(child.id(), "TERM"), "kill the archive");
    let started = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted runs exit 130");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "stopping took {:?}", started.elapsed());
    let left = t.entries();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn large_ids_and_side_files_of_earlier_runs_survive() {
    let t = TestEnv::new();
    // AD-style ids (past 2^21) need base-256 in tar's 8-byte fields.
    let profile = t.path().join("bigid.toml");
    let text = std::fs::read_to_string(fixture("materialize.toml")).unwrap();
    std::fs::write(
        &profile,
        text.replace("[identities]", "[identities]\nuid_start = 1500000000\ngid_start = 1600000000"),
    )
    .unwrap();
    let out = t.path().join("ids.tar");
    let o = bin()
        .arg("archive")
        .arg(&out)
        .args(["--profile", profile.to_str().unwrap(), "--files", "50", "--load-file", "none", "--manifest", "none"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, listing, _) = sh(&format!("tar --numeric-owner -tvf '{}' | awk '{{print $2}}' | sort -u", out.display()));
    assert!(listing.lines().any(|l| l.starts_with("15000") && l.contains("/16000")), "owners: {listing}");
    assert!(!listing.lines().any(|l| l.starts_with("0/")), "ids lost: {listing}");

    // Files named like this run's side files, from elsewhere, survive an interrupted run.
    for side in ["keep.dat", "keep.opt", "keep.manifest.csv"] {
        std::fs::write(t.path().join(side), b"mine").unwrap();
    }
    let mut child =
        bin().arg("archive").arg(t.path().join("keep.tar")).args(["--files", "5000", "--force"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(signal(child.id(), "INT"), "kill the archive");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    for side in ["keep.dat", "keep.opt", "keep.manifest.csv"] {
        assert_eq!(std::fs::read(t.path().join(side)).unwrap(), b"mine", "{side} was touched");
    }
    assert!(!t.path().join("keep.tar").exists());

    // An archive named like its own load file is refused.
    let o = archive(&t.path().join("x.dat"), 50, &["--format", "tar"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("also the name of its load file"), "{}", stderr(&o));
}
