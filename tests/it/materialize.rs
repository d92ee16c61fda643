//! materialize and verify on real directories: complete, identical for any thread count,
//! resumable after kill -9, shardable, sparse, and clear about full or read-only targets.

use std::path::Path;

use crate::common::{
    Ntfs, TestEnv, Tmpfs, bin, builtin_tree, fixture, sh, sh_pipefail, signal, small_profile_path, stats_json, stderr,
    stdout,
};

fn profile() -> String {
    fixture("materialize.toml").display().to_string()
}

fn materialize(dest: &Path, extra: &[&str]) -> std::process::Output {
    let p = profile();
    bin()
        .arg("materialize")
        .arg(dest)
        .args(["--profile", &p, "--files", "20000", "--dirs", "1500", "--json"])
        .args(extra)
        .output()
        .unwrap()
}

/// The run failed (with `code`, where given) and said why in one line that holds `needle`.
fn one_line_failure(o: &std::process::Output, code: Option<i32>, needle: &str) {
    let err = stderr(o);
    match code {
        Some(c) => assert_eq!(o.status.code(), Some(c), "{}{err}", stdout(o)),
        None => assert!(!o.status.success(), "{}{err}", stdout(o)),
    }
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.to_lowercase().contains(needle), "{err}");
}

fn verify(dest: &Path, extra: &[&str]) -> std::process::Output {
    let p = profile();
    bin()
        .arg("verify")
        .arg(dest)
        .args(["--profile", &p, "--files", "20000", "--dirs", "1500"])
        .args(extra)
        .output()
        .unwrap()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {} / {}", stdout(o), stderr(o)))
}

/// Names, sizes, times, modes, owners and a digest of every file: what two copies share.
fn listing(dest: &Path) -> String {
    let (ok, out, err) = sh_pipefail(&format!(
        "cd '{}' && find . -mindepth 1 -type d -printf '%T@ %m %U %G %p\\n' | sort && find . -type f -not -name .synthfs.json -printf '%s %T@ %m %U %G %p\\n' | sort && find . -type f -exec sha256sum {{}} + | sort",
        dest.display()
    ));
    assert!(ok.success(), "{err}");
    out
}

/// Materializes the tree `tree` names into a fresh directory, which `verify` then passes; the
/// directory and its path.
fn materialized_and_verified(tree: &[&str]) -> (TestEnv, String) {
    let env = TestEnv::new();
    let d = env.path().display().to_string();
    let o = bin().arg("materialize").arg(&d).args(tree).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let o = bin().arg("verify").arg(&d).args(tree).output().unwrap();
    assert!(o.status.success() && stdout(&o).starts_with("OK:"), "{}{}", stdout(&o), stderr(&o));
    (env, d)
}

fn no_temp_files(dest: &Path) {
    let (ok, out, err) = sh(&format!("find '{}' -name '*.synthfs-tmp'", dest.display()));
    assert!(ok.success(), "{err}");
    assert!(out.trim().is_empty(), "temporary files remain: {out}");
}

#[test]
fn materialize_then_verify_content_and_threads_agree() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let o = materialize(a.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = json(&o);
    assert_eq!(s["files_written"], 20000);
    assert_eq!(s["errors"], 0);
    let v = verify(a.path(), &["--content"]);
    assert!(v.status.success(), "{}", stdout(&v));
    assert!(stdout(&v).starts_with("OK: 20,000 files and 1,500 folders checked, content included"), "{}", stdout(&v));
    let o = materialize(b.path(), &["--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (la, lb) = (listing(a.path()), listing(b.path()));
    let differing: Vec<_> = la.lines().zip(lb.lines()).filter(|(x, y)| x != y).take(5).collect();
    assert!(differing.is_empty() && la.lines().count() == lb.lines().count(), "listings differ: {differing:?}");
    no_temp_files(a.path());

    // Sparse files keep their holes on disk.
    let (_, out, _) = sh(&format!(
        "find '{}' -type f \\( -name '*.vhdx' -o -name '*.iso' -o -name '*.vmdk' -o -name '*.bak' \\) -printf '%s %b\\n'",
        a.path().display()
    ));
    let mut sparse = 0;
    for line in out.lines() {
        let mut f = line.split(' ');
        let (size, blocks): (u64, u64) = (f.next().unwrap().parse().unwrap(), f.next().unwrap().parse().unwrap());
        if size > 1 << 20 {
            assert!(blocks * 512 * 2 < size, "{line}: not sparse on disk");
            sparse += 1;
        }
    }
    assert!(sparse > 10, "only {sparse} large sparse files");
    let (_, du, _) = sh(&format!("du -s --block-size=1 '{}' | cut -f1", a.path().display()));
    let (_, apparent, _) = sh(&format!("du -s --apparent-size --block-size=1 '{}' | cut -f1", a.path().display()));
    assert!(du.trim().parse::<u64>().unwrap() < apparent.trim().parse::<u64>().unwrap());

    // A change on disk is found.
    let (_, victim, _) = sh(&format!("find '{}' -type f -name '*.pdf' | head -1", a.path().display()));
    let victim = victim.trim().to_string();
    std::fs::OpenOptions::new().append(true).open(&victim).unwrap();
    let (ok, _, _) = sh(&format!("printf x | dd of='{victim}' bs=1 seek=100 conv=notrunc status=none"));
    assert!(ok.success());
    let v = verify(a.path(), &["--content", "--no-times"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(stdout(&v).contains("content differs"), "{}", stdout(&v));
    std::fs::remove_file(&victim).unwrap();
    std::fs::write(a.path().join("stray.txt"), b"x").unwrap();
    let v = verify(a.path(), &[]);
    assert_eq!(v.status.code(), Some(1));
    let out = stdout(&v);
    assert!(out.contains("missing: ") && out.contains("extra: ") && out.contains("stray.txt"), "{out}");
}

#[test]
fn a_file_cut_short_before_its_times_is_written_again() {
    // What a write killed at each step leaves under a file's real name: all of its bytes but
    // not yet its times (the model's mtime is the mark of a complete file), or half of them.
    let p = profile();
    let tree = ["--profile", p.as_str(), "--files", "400", "--dirs", "30"];
    let (_env, d) = materialized_and_verified(&tree);
    let (ok, out, err) = sh(&format!("find '{d}' -type f -size +1k -not -name .synthfs.json | sort | head -2"));
    assert!(ok.success(), "{err}");
    let victims: Vec<&str> = out.lines().collect();
    assert_eq!(victims.len(), 2, "{out}");
    let before: Vec<Vec<u8>> = victims.iter().map(|v| std::fs::read(v).unwrap()).collect();
    // The first: as long as it should be, its bytes zeros, its mtime the time of that write.
    std::fs::write(victims[0], vec![0u8; before[0].len()]).unwrap();
    // The second: half of its bytes.
    std::fs::write(victims[1], &before[1][..before[1].len() / 2]).unwrap();
    let o = bin().arg("materialize").arg(&d).args(tree).arg("--json").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let s = json(&o);
    assert_eq!(s["files_written"], 2, "{s}");
    assert_eq!(s["files_skipped"], 398, "{s}");
    for (v, want) in victims.iter().zip(&before) {
        assert!(std::fs::read(v).unwrap() == *want, "{v} was not written again");
    }
    let v = bin().arg("verify").arg(&d).args(tree).arg("--content").output().unwrap();
    assert!(v.status.success(), "{}", stdout(&v));
}

#[test]
fn kill_9_then_rerun_completes() {
    let dest = tempfile::tempdir().unwrap();
    let p = profile();
    let mut child = bin()
        .arg("materialize")
        .arg(dest.path())
        .args(["--profile", &p, "--files", "20000", "--dirs", "1500", "--threads", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it is well under way, then kill it without warning.
    for _ in 0..200 {
        let (_, n, _) = sh(&format!("find '{}' -type f | wc -l", dest.path().display()));
        if n.trim().parse::<u64>().unwrap_or(0) > 2000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(signal(child.id(), "KILL"), "kill -KILL materialize");
    child.wait().unwrap();
    let (_, n, _) = sh(&format!("find '{}' -type f | wc -l", dest.path().display()));
    let before: u64 = n.trim().parse().unwrap();
    assert!(before > 0 && before < 20001, "killed too late to test a resume ({before} files)");
    let o = materialize(dest.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = json(&o);
    assert!(s["files_skipped"].as_u64().unwrap() > 0, "{s}");
    assert_eq!(s["files_skipped"].as_u64().unwrap() + s["files_written"].as_u64().unwrap(), 20000);
    let v = verify(dest.path(), &["--content"]);
    assert!(v.status.success(), "{}", stdout(&v));
    no_temp_files(dest.path());
}

#[test]
fn four_shards_make_one_tree_writing_each_file_once() {
    let dest = tempfile::tempdir().unwrap();
    let mut written = 0;
    for k in 0..4 {
        let o = materialize(dest.path(), &["--shard", &format!("{k}/4")]);
        assert!(o.status.success(), "{}", stderr(&o));
        let s = json(&o);
        assert_eq!(s["files_skipped"], 0, "shard {k} found files already written: {s}");
        written += s["files_written"].as_u64().unwrap();
    }
    assert_eq!(written, 20000);
    let v = verify(dest.path(), &["--content"]);
    assert!(v.status.success(), "{}", stdout(&v));
    // auto/N reads the index that Kubernetes or Slurm gives.
    let again = tempfile::tempdir().unwrap();
    let p = profile();
    let o = bin()
        .arg("materialize")
        .arg(again.path())
        .args(["--profile", &p, "--files", "20000", "--dirs", "1500", "--json", "--shard", "auto/4"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["shard"], "2/4");
}

#[test]
fn another_tree_is_refused_unless_forced_and_dry_run_writes_nothing() {
    let dest = tempfile::tempdir().unwrap();
    let o = materialize(dest.path(), &["--dry-run"]);
    assert!(o.status.success());
    assert_eq!(json(&o)["files_written"], 20000);
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0, "dry run wrote something");
    assert!(materialize(dest.path(), &[]).status.success());
    let o = materialize(dest.path(), &["--seed", "8"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds another tree"), "{}", stderr(&o));
    let full = tempfile::tempdir().unwrap();
    std::fs::write(full.path().join("important.doc"), b"x").unwrap();
    let o = materialize(full.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
}

/// A destination that is not there yet is made, parents and all, as `cp -r` and `rsync` make
/// theirs; a dry run makes nothing; a file in the way is one clear line and exit code 2.
#[test]
fn a_missing_destination_is_made_and_a_file_in_the_way_refused() {
    let root = tempfile::tempdir().unwrap();
    let nested = root.path().join("new/share");
    let o = materialize(&nested, &["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!root.path().join("new").exists(), "a dry run made the destination");
    let o = materialize(&nested, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["files_written"], 20000);
    let v = verify(&nested, &[]);
    assert!(v.status.success(), "{}{}", stdout(&v), stderr(&v));
    let file = root.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    one_line_failure(&materialize(&file, &[]), Some(2), "is not a directory");
}

#[test]
fn a_full_target_stops_with_one_clear_line() {
    let Some(t) = Tmpfs::new("size=20m") else { return };
    one_line_failure(&materialize(t.path(), &[]), Some(1), "no space left");
}

#[test]
fn a_read_only_target_is_a_clear_error() {
    let Some(t) = Tmpfs::new("size=1m,ro") else { return };
    one_line_failure(&materialize(t.path(), &[]), None, "read-only");
}

/// The torture tree onto ext4: every hostile name, the chain past PATH_MAX (written through
/// open folders), modes 000 and setgid, times before 1970 and after 2038, sparse files past
/// 4 GiB; verify passes, and `stats` of the copy counts the same hostile kinds as the model.
#[test]
fn torture_tree_materializes_and_verifies() {
    let tree = ["-p", "torture", "-n", "2000", "--control-chars"];
    let (_dest, d) = materialized_and_verified(&tree);
    let model = stats_json(&tree)["hostile"].clone();
    let copy = stats_json(&[d.as_str()])["hostile"].clone();
    assert_eq!(copy, model);
    for kind in ["path-over-4096", "control-characters", "case-twins", "decomposed-nfd", "mode-000", "setgid-folder"] {
        assert!(model[kind].as_u64().unwrap_or(0) > 0, "{kind} in {model}");
    }
    // Outside tools agree: the deepest file (find walks below PATH_MAX), modes, times, holes.
    let (_, deepest, _) = sh(&format!("find '{d}' -name level-30.txt | wc -l"));
    assert_eq!(deepest.trim(), "1");
    let (_, out, _) = sh(&format!(
        "cd '{d}/metadata' && stat -c '%n %a %Y' mode-000.txt before-1970.txt after-2038.txt setgid locked && du -B1 over-4GiB.vhdx | cut -f1"
    ));
    let lines: Vec<&str> = out.lines().collect();
    let stat = |k: usize| -> (&str, &str, &str) {
        let f: Vec<&str> = lines[k].split(' ').collect();
        (f[0], f[1], f[2])
    };
    assert_eq!(stat(0).1, "0", "mode-000.txt");
    assert_eq!(stat(1), ("before-1970.txt", "644", "-14182940"));
    assert_eq!(stat(2), ("after-2038.txt", "644", "2177452800"));
    assert_eq!((stat(3).0, stat(3).1), ("setgid", "2775"));
    assert_eq!((stat(4).0, stat(4).1), ("locked", "0"));
    assert!(lines[5].parse::<u64>().unwrap() < 64 << 20, "over-4GiB.vhdx allocates {}", lines[5]);
    // Links: symbolic links point where the model says, with the model's times (not the time
    // of the run); a file's three names are one inode with a link count of three.
    let (_, n, _) = sh(&format!("find '{d}' -type l | wc -l"));
    assert_eq!(n.trim(), "12");
    let (_, out, _) = sh(&format!(
        "cd '{d}/links' && readlink to-parent dangling.txt absolute-folder && stat -c '%h %i' original.docx 'original (hard link).docx' 'elsewhere/same inode as original.docx' | sort -u && stat -c %Y to-folder ."
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..3], ["..", "no-such-file.txt", "/usr/share"]);
    assert!(lines[3].starts_with("3 "), "{out}");
    assert_eq!(lines.len(), 6, "one inode for the three names: {out}");
    assert_eq!(lines[4], lines[5], "a link's times are its folder's");
    // A copy where a hard link was, and a symbolic link pointing elsewhere: verify names both;
    // a second run puts them right.
    let (ok, _, err) = sh(&format!(
        "cd '{d}/links' && cp --remove-destination 'pair.txt' 'pair (hard link).txt' && ln -sfn original.docx to-folder"
    ));
    assert!(ok.success(), "{err}");
    let o = bin().arg("verify").arg(&d).args(tree).output().unwrap();
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("pair (hard link).txt (not a hard link to links/pair.txt)"), "{out}");
    assert!(out.contains("to-folder (points to original.docx instead of elsewhere)"), "{out}");
    let o = bin().arg("materialize").arg(&d).args(tree).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let o = bin().arg("verify").arg(&d).args(tree).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// The torture tree onto NTFS (ntfs-3g with `windows_names`, a FUSE filesystem that refuses
/// what Windows cannot hold): each refused name is reported on its own line, every other file
/// is written, and verify finds exactly those missing.
#[test]
fn torture_onto_ntfs_reports_each_refused_name() {
    let Some(ntfs) = Ntfs::new("12G", "windows_names,permissions") else { return };
    let mnt = ntfs.path();
    let tree = ["-p", "torture", "-n", "500"];
    let o = bin().arg("materialize").arg(mnt).args(tree).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    // The names Windows cannot hold, from the model.
    let t = builtin_tree("torture", 500);
    let unsafe_nodes: Vec<u64> =
        (1..t.node_count()).filter(|&i| !synthfs_model::names::is_windows_safe(&t.name(i).unwrap())).collect();
    let refused: Vec<String> = unsafe_nodes.iter().map(|&i| t.path(i).unwrap()).collect();
    let refused_files = unsafe_nodes.iter().filter(|&&i| t.kind(i) == Some(synthfs_model::NodeKind::File)).count();
    assert!(refused.len() >= 15, "{refused:?}");
    let text = format!("{}{}", stdout(&o), stderr(&o));
    for path in &refused {
        let line = format!("error: {}: Invalid argument", mnt.join(path).display());
        assert!(text.contains(&line), "{line} not reported in:\n{text}");
    }
    assert!(text.contains(&format!("wrote {} files", 500 - refused_files)), "{text}");
    let written = std::fs::read_dir(mnt.join("names")).unwrap().count();
    assert!(written > 20, "the rest of names/ is written: {written}");
    // Verify finds exactly the refused entries missing, nothing else different (times compared
    // at NTFS's 100 ns, which verify finds by itself).
    let o = bin().arg("verify").arg(mnt).args(tree).arg("--no-owners").output().unwrap();
    let report = stdout(&o);
    assert!(report.contains(&format!("{} missing, 0 extra, 0 different", refused.len())), "{report}{}", stderr(&o));
}

/// Hostile names and odd metadata mixed into an ordinary share (`--hostile-names`,
/// `--odd-metadata`): the copy verifies, `stats` of the copy counts the same hostile kinds as
/// the model, and outside tools see them (names with a trailing space or dot, a leading dash,
/// a device stem; mode 000; times before 1970).
#[test]
fn hostile_names_and_odd_metadata_mix_into_any_profile() {
    let tree = ["-n", "3000", "--dirs", "200", "--hostile-names", "5", "--odd-metadata", "5"];
    let (dest, d) = materialized_and_verified(&tree);
    let model = stats_json(&tree);
    // The resume marker is materialize's, not the tree's (and written today: in the future).
    std::fs::remove_file(dest.path().join(".synthfs.json")).unwrap();
    let copy = stats_json(&[d.as_str(), "--as-of", model["as_of"].as_str().unwrap()]);
    assert_eq!(copy["hostile"], model["hostile"]);
    let h = &model["hostile"];
    for kind in ["trailing-dot-or-space", "leading-dash", "windows-reserved-name", "mode-000", "time-before-1970"] {
        let n = h[kind].as_u64().unwrap_or(0);
        assert!(n > 0 && n < 60, "{kind}: {n} of 3000 at 5% over a dozen kinds");
    }
    let plain = stats_json(&["-n", "3000", "--dirs", "200"]);
    assert_eq!(plain["hostile"].get("leading-dash"), None, "nothing hostile unless asked");
    assert_eq!(plain["files"], model["files"]);
    let (_, n, _) = sh(&format!("find '{d}' -type f \\( -name '* ' -o -name '-*' -o -name 'NUL.*' \\) | wc -l"));
    assert!(n.trim().parse::<u64>().unwrap() > 0);
    let (_, n, _) = sh(&format!("find '{d}' -type f -perm 000 | wc -l"));
    assert_eq!(n.trim().parse::<u64>().unwrap(), h["mode-000"].as_u64().unwrap());
    let o = bin().arg("stats").args(["-n", "10", "--hostile-names", "101"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--hostile-names 101: expected a percentage from 0 to 100"), "{}", stderr(&o));
}

/// Shards of the torture tree, run in any order, make its links once: the shard that writes a
/// file makes its other names (making their folder if it is not there yet), every shard that
/// makes a folder makes its symbolic links, and the whole verifies.
#[test]
fn torture_shards_in_any_order_make_the_links() {
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path().display().to_string();
    let tree = ["-p", "torture", "-n", "500", "--json"];
    let mut links = 0;
    for k in ["3/4", "1/4", "0/4", "2/4"] {
        let o = bin().arg("materialize").arg(&d).args(tree).args(["--shard", k]).output().unwrap();
        let s = json(&o);
        assert_eq!(s["errors"], 0, "{s}");
        links += s["links"].as_u64().unwrap();
    }
    assert_eq!(links, 15, "twelve symbolic links and three extra names, once");
    let o = bin().arg("verify").arg(&d).args(&tree[..4]).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// The small tree onto NTFS as ntfs-3g mounts it by default, which keeps times in 100 ns ticks
/// (truncated), shows every mode as 777 and keeps no owners: verify with the options
/// materialize used passes, comparing what the volume keeps and saying once what it does not,
/// and still finds a changed byte, a time moved by a second and a missing file.
#[test]
fn verify_of_an_ntfs_copy_compares_what_ntfs_keeps() {
    let Some(ntfs) = Ntfs::new("2G", "") else { return };
    let (p, mnt) = (small_profile_path(), ntfs.path());
    let tree = ["--profile", p.as_str()];
    let o = bin().arg("materialize").arg(mnt).args(tree).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let verify = |extra: &[&str]| bin().arg("verify").arg(mnt).args(tree).args(extra).output().unwrap();
    let o = verify(&["--content"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0]
            .starts_with("OK: 2,000 files and 150 folders checked, content included; 0 missing, 0 extra, 0 different"),
        "{out}"
    );
    // What NTFS cannot hold is one line, not a difference on each file.
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[1].contains("times compared to 100 ns; not kept, so not compared: modes, owners"), "{out}");
    let j = json(&verify(&["--json"]));
    assert_eq!((j["ok"].as_bool(), j["time_granularity_ns"].as_u64()), (Some(true), Some(100)), "{j}");
    let not_kept = j["not_kept"].as_array().unwrap();
    assert!(["modes", "owners"].iter().all(|k| not_kept.iter().any(|n| n == k)), "{j}");
    // Compared to the nanosecond instead, nearly every time is off by its truncated part.
    let j = json(&verify(&["--json", "--time-granularity", "1ns"]));
    assert!(j["different"].as_u64().unwrap() > 1_900, "{j}");

    let (ok, out, err) = sh(&format!("find '{}' -type f -name '*.pdf' -size +1k | sort | head -3", mnt.display()));
    assert!(ok.success(), "{err}");
    let victims: Vec<&str> = out.lines().collect();
    assert_eq!(victims.len(), 3, "{out}");
    // A byte changed, its mtime put back as it was: only the content tells.
    let mtime = std::fs::metadata(victims[0]).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(victims[0]).unwrap();
    bytes[100] ^= 0xFF;
    std::fs::write(victims[0], &bytes).unwrap();
    std::fs::File::options().write(true).open(victims[0]).unwrap().set_modified(mtime).unwrap();
    // A time one second later, its 100 ns ticks kept.
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(victims[1]).unwrap();
    let (ok, _, err) = sh(&format!("touch -m -d '@{}.{:09}' '{}'", m.mtime() + 1, m.mtime_nsec(), victims[1]));
    assert!(ok.success(), "{err}");
    std::fs::remove_file(victims[2]).unwrap();
    let o = verify(&["--content"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains(&format!("different: {} (content differs)", victims[0])), "{out}");
    let moved = format!("different: {} (mtime {}.{:09} != {}.", victims[1], m.mtime() + 1, m.mtime_nsec(), m.mtime());
    assert!(out.contains(&moved), "{moved} not in {out}");
    assert!(out.contains(&format!("missing: {}", victims[2])), "{out}");
    assert!(out.contains("1 missing, 0 extra, 2 different"), "{out}");
}
