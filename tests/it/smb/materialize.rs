//! `synthfs materialize smb://` and `synthfs verify smb://` against the real smbd (a writable
//! share, [`WritableSamba`]), read back with Python's smbprotocol (every node), smbcacls (a
//! sample), smbclient (streams and every byte) and the server's own disk (holes).

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use synthfs_model::tree::ZONE_TEXT;
use synthfs_model::windows::SecurityDescriptor;

use super::metadata::{TREE, WalkCheck, check_walk, indices_by_path, manifest, model_sddl, nt_tree};
use super::writable::{ADMIN, PASSWORD, PLAIN, WritableSamba};
use super::{can_serve, have_smbprotocol};
use crate::common::{Run, bin, signal, small_profile_path};

/// `synthfs ARGS` with the SMB password in the environment.
fn synthfs(args: &[&str]) -> std::process::Output {
    bin().args(args).env("SYNTHFS_SMB_PASSWORD", PASSWORD).output().expect("synthfs runs")
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `materialize URL TREE --nt-acls --json EXTRA`: its JSON summary, the run having succeeded.
fn materialize_ok(url: &str, extra: &[&str]) -> serde_json::Value {
    let o = synthfs(&[&["materialize", url, "--nt-acls", "--json"][..], &TREE, extra].concat());
    assert!(o.status.success(), "materialize {url}: {}", text(&o));
    serde_json::from_slice(&o.stdout).expect("a JSON summary")
}

fn verify(url: &str, extra: &[&str]) -> std::process::Output {
    synthfs(&[&["verify", url, "--nt-acls"][..], &TREE, extra].concat())
}

fn smbclient(share: &str, commands: &str) -> String {
    let o = Command::new("smbclient")
        .args([&format!("//127.0.0.1/{share}"), "-U", &format!("{ADMIN}%{PASSWORD}"), "-c", commands])
        .output()
        .expect("smbclient runs");
    assert!(o.status.success(), "smbclient {commands}: {}", text(&o));
    text(&o)
}

/// The model written onto a share as a privileged account: every owner, group, DACL,
/// attribute, time and size reads back as the model through smbprotocol; descriptors through
/// smbcacls; streams and every byte through smbclient; holes are holes on the server's disk;
/// `verify` passes, with `--content` too, and catches a changed byte, a time a second off and
/// a missing file.
#[test]
fn materialize_onto_smb_keeps_every_owner_acl_attribute_time_stream_and_byte() {
    if !can_serve() || !have_smbprotocol() {
        return;
    }
    let samba = WritableSamba::start();
    let url = format!("smb://{ADMIN}@127.0.0.1/share");
    let summary = materialize_ok(&url, &[]);
    let stats = Run::of(&[&["stats", "--json", "--nt-acls"][..], &TREE].concat()).json();
    assert_eq!(summary["files_written"], stats["files"], "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");

    // Every node through smbprotocol, before anything reads a byte (reads move access times).
    let walked =
        crate::common::python_ok(include_str!("walk_share.py"), &["127.0.0.1", "445", "share", ADMIN, PASSWORD]);
    let walked: Vec<serde_json::Value> = walked
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .filter(|r: &serde_json::Value| r["path"] != ".synthfs.json")
        .collect();
    let tree = nt_tree();
    let files = manifest();
    let WalkCheck { wrong, files: n_files, dirs, bytes } = check_walk(&walked, &tree, &files, false);
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong[..wrong.len().min(20)].join("\n"));
    assert_eq!(n_files, stats["files"].as_u64().expect("files"));
    assert_eq!(dirs + 1, stats["dirs"].as_u64().expect("dirs"));
    assert_eq!(bytes, stats["bytes"].as_u64().expect("bytes"));

    // smbcacls, Samba's own descriptor tool, for every 40th node.
    let at = indices_by_path(&tree);
    let mut sample: Vec<(&String, u64)> = at.iter().map(|(p, i)| (p, *i)).filter(|(p, _)| !p.is_empty()).collect();
    sample.sort_by_key(|(_, i)| *i);
    for (path, index) in sample.into_iter().step_by(40) {
        let o = Command::new("smbcacls")
            .args(["//127.0.0.1/share", &path.replace('/', "\\"), "--sddl", "-U", &format!("{ADMIN}%{PASSWORD}")])
            .output()
            .expect("smbcacls runs");
        let out = String::from_utf8_lossy(&o.stdout);
        let got = SecurityDescriptor::from_sddl(out.trim()).map(|sd| sd.to_sddl());
        assert_eq!(got.as_deref().ok(), Some(model_sddl(&tree, index).as_str()), "{path}: smbcacls said {out}");
    }

    // Holes: every sparse file takes less room on the server's disk than its length.
    let on_disk = samba.path("share");
    let mut sparse = 0;
    for (path, m) in &files {
        if m["sparse"] == true {
            use std::os::unix::fs::MetadataExt;
            let st = std::fs::metadata(on_disk.join(path)).expect("on the server's disk");
            assert!(st.blocks() * 512 < st.size(), "{path}: {} blocks for {} bytes", st.blocks(), st.size());
            sparse += 1;
        }
    }
    assert!(sparse > 0, "the tree has sparse files");

    // Each Zone.Identifier stream's bytes, and every file's, through smbclient.
    let got = tempfile::tempdir().expect("a temporary folder");
    let zoned: Vec<&String> = files.iter().filter(|(_, m)| m["zone_identifier"] == true).map(|(p, _)| p).collect();
    assert!(!zoned.is_empty(), "the tree has files from the internet");
    let gets: String = zoned
        .iter()
        .enumerate()
        .map(|(k, p)| format!("get \"{}:Zone.Identifier\" z{k}; ", p.replace('/', "\\")))
        .collect();
    smbclient("share", &format!("lcd {}; {gets}", got.path().display()));
    for (k, path) in zoned.iter().enumerate() {
        let bytes = std::fs::read(got.path().join(format!("z{k}"))).unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&bytes), ZONE_TEXT, "{path}: its Zone.Identifier stream");
    }
    // Every file that is not sparse, read back whole (a sparse one's holes would come over the
    // wire as gigabytes of zeros: `verify --content` below reads its allocated ranges).
    let mut whole: Vec<&String> = files.iter().filter(|(_, m)| m["sparse"] == false).map(|(p, _)| p).collect();
    whole.sort();
    let script: String = whole
        .iter()
        .enumerate()
        .map(|(k, p)| format!("get \"{}\" {}/f{k}\n", p.replace('/', "\\"), got.path().display()))
        .collect();
    let commands = got.path().join("commands");
    std::fs::write(&commands, script).expect("the commands");
    let o = Command::new("smbclient")
        .args(["//127.0.0.1/share", "-U", &format!("{ADMIN}%{PASSWORD}")])
        .stdin(std::fs::File::open(&commands).expect("the commands"))
        .output()
        .expect("smbclient runs");
    assert!(o.status.success(), "smbclient get: {}", text(&o));
    let by_path: HashMap<String, u64> = at;
    let mut buf = Vec::new();
    for (k, path) in whole.iter().enumerate() {
        let size = files[*path]["size"].as_u64().expect("size") as usize;
        let Some(synthfs_model::tree::Location::File { parent, slot }) = tree.locate(by_path[*path]) else {
            panic!("{path}: not a file of the model")
        };
        buf.resize(size, 0);
        let a = tree.file_attrs_in(&parent, slot);
        let n = tree.read_content(&a.content, 0, &mut buf);
        let have = std::fs::read(got.path().join(format!("f{k}"))).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(have == buf[..n], "{path}: the bytes smbclient read differ from the model's");
    }

    let o = verify(&url, &["--content"]);
    assert!(o.status.success(), "verify --content: {}", text(&o));
    // A changed byte, a write time one second off, a missing file: each named.
    let mut plain: Vec<&String> =
        files.iter().filter(|(_, m)| m["sparse"] == false && m["size"].as_u64() > Some(100)).map(|(p, _)| p).collect();
    plain.sort();
    let (changed, moved, gone) = (plain[0], plain[1], plain[2]);
    let f = std::fs::OpenOptions::new().write(true).open(on_disk.join(changed)).expect("open on the server");
    let when = f.metadata().and_then(|m| m.modified()).expect("mtime");
    std::os::unix::fs::FileExt::write_all_at(&f, b"\x00\xff", 10).expect("change a byte");
    f.set_modified(when).expect("keep its time");
    let f = std::fs::File::options().write(true).open(on_disk.join(moved)).expect("open");
    let t = f.metadata().and_then(|m| m.modified()).expect("mtime");
    f.set_modified(t + Duration::from_secs(1)).expect("a second later");
    std::fs::remove_file(on_disk.join(gone)).expect("remove");
    let o = verify(&url, &["--content"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let said = text(&o);
    for (path, what) in [(changed, "content differs"), (moved, "write time"), (gone, "missing")] {
        assert!(said.lines().any(|l| l.contains(path.as_str()) && l.contains(what)), "{path} {what}: {said}");
    }
    // The two files, and the folder the missing one was removed from (its write time moved).
    assert!(said.contains("1 missing, 0 extra, 3 different"), "{said}");
}

/// An account that may not set owners (the share's ACL grants all but WRITE_OWNER, as a NAS
/// does without SeRestorePrivilege): the run finishes, says so once, sets every DACL, and
/// `verify` finds exactly the owners (and groups) different.
#[test]
fn materialize_onto_smb_without_the_right_to_set_owners_says_so_once() {
    if !can_serve() {
        return;
    }
    let _samba = WritableSamba::start();
    let url = format!("smb://{PLAIN}@127.0.0.1/strict");
    let o = synthfs(&[&["materialize", &url, "--nt-acls"][..], &TREE].concat());
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert_eq!(said.matches("refused to set owners").count(), 2, "the warning and the summary line: {said}");
    assert!(said.lines().any(|l| l.starts_with("owners not set on ")), "{said}");
    let o =
        synthfs(&[&["verify", &format!("smb://{ADMIN}@127.0.0.1/strict"), "--nt-acls", "--json"][..], &TREE].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    let stats = Run::of(&[&["stats", "--json", "--nt-acls"][..], &TREE].concat()).json();
    let nodes = stats["files"].as_u64().expect("files") + stats["dirs"].as_u64().expect("dirs") - 1;
    assert_eq!((report["missing"].as_u64(), report["extra"].as_u64()), (Some(0), Some(0)), "{report}");
    assert_eq!(report["different"].as_u64(), Some(nodes), "every file and folder but the root: {report}");
    for p in report["first_problems"].as_array().expect("problems") {
        let p = p.as_str().expect("a line");
        let (_, why) = p.split_once(": ").expect("path: why");
        assert!(why.split(", ").all(|w| w.starts_with("owner ") || w.starts_with("group ")), "{p}");
    }
}

/// Waits until the server's folder holds at least `n` files.
fn wait_for_files(dir: &std::path::Path, n: usize, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        let count = walk_count(dir);
        if count >= n {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("materialize ended ({status}) after {count} files, before it could be stopped");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "only {count} files written in a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn walk_count(dir: &std::path::Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else { return 0 };
    rd.flatten().map(|e| if e.path().is_dir() { walk_count(&e.path()) } else { 1 }).sum()
}

/// kill -9 midway, then the same command: complete files are skipped, the rest written, and
/// `verify --content` passes. The connection dropped midway (the smbd serving it killed): the
/// run makes it again and finishes. The server stopped midway: a clear error once the retry
/// window is over, a non-zero exit; the server back and the command again: `verify` passes.
#[test]
fn materialize_onto_smb_resumes_after_kill_a_dropped_connection_and_a_stopped_server() {
    if !can_serve() {
        return;
    }
    let mut samba = WritableSamba::start();
    let small = small_profile_path();
    let tree = ["--profile", small.as_str(), "--files", "6000", "--nt-acls"];
    for (folder, how) in [("killed", "kill"), ("dropped", "drop"), ("stopped", "stop")] {
        let url = format!("smb://{ADMIN}@127.0.0.1/share/{folder}");
        let mut child = bin()
            .args([&["materialize", &url, "--connections", "1", "--retry-for", "3"][..], &tree].concat())
            .env("SYNTHFS_SMB_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("materialize starts");
        wait_for_files(&samba.path("share").join(folder), 300, &mut child);
        if how == "kill" {
            signal(child.id(), "KILL");
            child.wait().expect("wait");
        } else if how == "drop" {
            assert!(samba.drop_connections() >= 1, "an smbd served the run");
            let o = child.wait_with_output().expect("wait");
            assert!(o.status.success(), "the run after its connection dropped: {}", text(&o));
            let said = String::from_utf8_lossy(&o.stdout);
            assert!(said.contains("requests sent again after a connection broke"), "{said}");
        } else {
            samba.stop_smbd();
            let started = Instant::now();
            let o = child.wait_with_output().expect("wait");
            let said = text(&o);
            assert_eq!(o.status.code(), Some(1), "{said}");
            assert!(started.elapsed() < Duration::from_secs(30), "it gave up within the retry window");
            let errors: Vec<&str> = said.lines().filter(|l| l.contains("error")).collect();
            assert_eq!(errors.len(), 1, "one error line: {said}");
            assert!(errors[0].contains("lost the connection to 127.0.0.1:445"), "{said}");
            samba.start_smbd();
        }
        let o = synthfs(&[&["materialize", &url, "--json"][..], &tree].concat());
        assert!(o.status.success(), "the rerun after {how}: {}", text(&o));
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert!(summary["files_skipped"].as_u64() >= Some(200), "complete files were skipped: {summary}");
        let o = synthfs(&[&["verify", &url, "--content"][..], &tree].concat());
        assert!(o.status.success(), "verify after {how}: {}", text(&o));
    }
}

/// A share with no room, and one the account may not write: one clear line each, and a
/// non-zero exit.
#[test]
fn materialize_onto_a_full_or_read_only_smb_share_says_so_in_one_line() {
    if !can_serve() {
        return;
    }
    let _samba = WritableSamba::start();
    for (share, says) in [
        ("tiny", "synthfs: error: the share is full"),
        ("readonly", "synthfs: error: cannot write .synthfs.json on smb://filer@127.0.0.1/readonly: create: STATUS_"),
    ] {
        let o =
            synthfs(&[&["materialize", &format!("smb://{ADMIN}@127.0.0.1/{share}"), "--nt-acls"][..], &TREE].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{share}: {}", text(&o));
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{share}: one line: {err}");
        assert!(lines[0].starts_with(says), "{share}: {err}");
    }
}

/// Two shards written one after the other into the same folder make the whole tree: each
/// writes its half (the second takes the first's marker as its own tree), and `verify
/// --content` of the whole passes.
#[test]
fn materialize_onto_smb_in_two_shards_makes_the_whole_tree() {
    if !can_serve() {
        return;
    }
    let _samba = WritableSamba::start();
    let small = small_profile_path();
    let tree = ["--profile", small.as_str(), "--nt-acls"];
    let url = format!("smb://{ADMIN}@127.0.0.1/share/sharded");
    let mut written = 0;
    for shard in ["0/2", "1/2"] {
        let o = synthfs(&[&["materialize", &url, "--shard", shard, "--json"][..], &tree].concat());
        assert!(o.status.success(), "shard {shard}: {}", text(&o));
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(summary["files_written"], summary["files_in_shard"], "{summary}");
        written += summary["files_written"].as_u64().expect("a count");
    }
    let stats = Run::of(&[&["stats", "--json"][..], &tree].concat()).json();
    assert_eq!(Some(written), stats["files"].as_u64(), "each file written once");
    let o = synthfs(&[&["verify", &url, "--content"][..], &tree].concat());
    assert!(o.status.success(), "verify: {}", text(&o));
}

/// A copy on the share moved on to epoch 5 (`--churn 10`, so folders are renamed, moved to
/// other parents and deleted too) by the change alone: the counts are `diff`'s, only changed
/// files are written, and `verify --epoch 5 --content` over the wire passes.
#[test]
fn materialize_moves_a_copy_on_the_share_on_by_exactly_the_change() {
    if !can_serve() {
        return;
    }
    let _samba = WritableSamba::start();
    let profile = crate::common::fixture("materialize.toml").display().to_string();
    let tree = ["--profile", profile.as_str(), "--files", "3k", "--nt-acls", "--churn", "10"];
    let url = format!("smb://{ADMIN}@127.0.0.1/share/epochs");
    let o = synthfs(&[&["materialize", &url][..], &tree].concat());
    assert!(o.status.success(), "epoch 0: {}", text(&o));
    let o = synthfs(&[&["materialize", &url, "--epoch", "5", "--json"][..], &tree].concat());
    assert!(o.status.success(), "move to 5: {}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let o = synthfs(&[&["diff", "--to", "5", "--summary", "--json"][..], &tree].concat());
    let counts: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON counts");
    assert_eq!(summary["moved"]["changes"], counts, "{summary}");
    assert!(counts["renamed"].as_u64().unwrap() > 0 && counts["deleted"].as_u64().unwrap() > 0, "{counts}");
    // DACLs changed too (a grant added, inheritance broken): set on the share as descriptors.
    let o = synthfs(&[&["diff", "--to", "5"][..], &tree].concat());
    assert!(String::from_utf8_lossy(&o.stdout).contains(r#""acl""#), "a DACL changed in the interval");
    assert!(crate::epochs::folder_moved(&String::from_utf8_lossy(&o.stdout)), "a folder moved to another parent");
    let changed = ["added", "modified", "metadata"].iter().map(|k| counts[k].as_u64().unwrap()).sum::<u64>();
    assert!(summary["files_written"].as_u64().unwrap() <= changed, "{summary}");
    let o = synthfs(&[&["verify", &url, "--epoch", "5", "--content"][..], &tree].concat());
    assert!(o.status.success(), "verify at 5: {}", text(&o));
    let o = synthfs(&[&["verify", &url][..], &tree].concat());
    assert!(!o.status.success(), "the copy is epoch 5 now, not 0");
}
