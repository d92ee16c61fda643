//! One tree, every front end: the conformance suite, after rclone's `vfstest`.
//!
//! Each front end renders the same profile and seed: the mount, a materialized copy, a ZIP and
//! a tar extracted by the usual tools, `synthfs manifest` and an archive's checksum manifest.
//! What it gives is read into records by path ([`record`]); its description ([`front_ends`])
//! says which fields it keeps and how finely; and one comparison ([`front_ends::differences`])
//! checks those fields against the model's records ([`expected`]): paths, kinds, sizes, times,
//! owners, modes, `user.*` extended attributes and SHA-256 of the content. A failure lists the
//! first differences.

mod expected;
mod front_ends;
mod record;

use std::collections::BTreeMap;
use std::path::Path;

use synthfs_model::{Profile, Tree};

use crate::common::{Mount, Run, TestEnv, fixture, fuse_available, have, is_root, sh_ok};
use front_ends::Keeps;
use record::{Kind, Record, read_checksums, read_manifest, read_tree};

/// A tree every front end renders: its options on the command line, and the same tree built
/// in-process for the expected records.
struct Case {
    name: &'static str,
    args: Vec<String>,
    profile: fn() -> Profile,
    /// Why the case needs root, if it does.
    needs_root: Option<&'static str>,
}

/// The trees: the small test profile with Windows attributes (hidden, read-only, the mark of
/// the web, group owners) and NT security descriptors on every node; and the default profile
/// with hostile names and odd metadata mixed in (mode 000, times at the epoch, before 1970,
/// after 2038 and in the future).
fn cases() -> Vec<Case> {
    let attributes = fixture("attributes.toml").display().to_string();
    let all = vec![
        Case {
            name: "attributes.toml, 300 files in 30 folders, NT ACLs",
            args: ["--profile", attributes.as_str(), "--files", "300", "--dirs", "30", "--nt-acls"]
                .map(String::from)
                .to_vec(),
            profile: || {
                let mut p =
                    synthfs::profile_file::from_file(&fixture("attributes.toml")).expect("the test profile is valid");
                p.set_counts(Some(300), Some(30));
                p.acls.windows = true;
                p
            },
            needs_root: None,
        },
        Case {
            name: "enterprise, 300 files, sizes x0.001, 10% hostile names and odd metadata",
            args: ["--files", "300", "--size-scale", "0.001", "--hostile-names", "10", "--odd-metadata", "10"]
                .map(String::from)
                .to_vec(),
            profile: || {
                let mut p = crate::common::builtin_profile("enterprise", 300);
                p.sizes.scale = 0.001;
                (p.torture.hostile_names, p.torture.odd_metadata) = (0.1, 0.1);
                p
            },
            needs_root: Some("its mode-000 files can be read (for their digests) by root only"),
        },
    ];
    let root = is_root();
    all.into_iter()
        .filter(|case| match case.needs_root {
            Some(why) if !root => {
                eprintln!("skipping the tree of {}: {why}", case.name);
                false
            }
            _ => true,
        })
        .collect()
}

impl Case {
    /// `synthfs COMMAND ... TREE-OPTIONS EXTRA`, as arguments.
    fn command<'a>(&'a self, before: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        let tree: Vec<&str> = self.args.iter().map(String::as_str).collect();
        [before, &tree[..], extra].concat()
    }

    fn expected(&self) -> BTreeMap<String, Record> {
        expected::records(&Tree::new((self.profile)()).expect("a valid tree"))
    }

    /// Fails with the first differences between what a front end gave and the model.
    fn check(&self, keeps: &Keeps, found: &BTreeMap<String, Record>) {
        let diffs = front_ends::differences(&self.expected(), found, keeps);
        let first: Vec<&str> = diffs.iter().take(25).map(String::as_str).collect();
        assert!(
            diffs.is_empty(),
            "{} of the tree of {} differs from the model in {} places; the first:\n{}",
            keeps.name,
            self.name,
            diffs.len(),
            first.join("\n")
        );
        eprintln!("{} of the tree of {}: {} entries agree with the model", keeps.name, self.name, found.len());
    }
}

#[test]
fn the_mount_agrees_with_the_model() {
    // Root: a mount without it takes fusermount3 and a /dev/fuse open to all, which a
    // container rarely has; and the odd tree's mode-000 files are readable by root only.
    if !fuse_available() {
        return;
    }
    if !is_root() {
        let required = std::env::var_os("SYNTHFS_REQUIRE_FUSE").is_some();
        assert!(!required, "the conformance suite mounts as root (SYNTHFS_REQUIRE_FUSE is set)");
        eprintln!("skipping: the conformance suite mounts as root");
        return;
    }
    for case in cases() {
        let m = Mount::start(&case.command(&[], &[]));
        case.check(&front_ends::MOUNT, &read_tree(m.path(), &[]));
    }
}

#[test]
fn a_materialized_copy_agrees_with_the_model() {
    for case in cases() {
        let env = TestEnv::new();
        let copy = env.arg("copy");
        std::fs::create_dir(&copy).expect("the destination");
        env.run(&case.command(&["materialize", &copy], &[])).ok();
        // The resume marker is materialize's own, not the tree's.
        case.check(&front_ends::materialized(is_root()), &read_tree(Path::new(&copy), &[".synthfs.json"]));
    }
}

#[test]
fn an_extracted_zip_and_its_checksums_agree_with_the_model() {
    if !have(&["unzip", "-v"], "unzip") {
        return;
    }
    // -X: the owners too (from the Unix extra field), where the extractor may chown.
    let owners = if is_root() { "-X" } else { "" };
    for case in cases() {
        let env = TestEnv::new();
        env.run(&case.command(&["archive", "t.zip"], &["--load-file", "none"])).ok();
        let x = env.arg("x");
        sh_ok(&format!("unzip {owners} -q '{}' -d '{x}'", env.arg("t.zip")));
        case.check(&front_ends::zip(is_root()), &read_tree(Path::new(&x), &[]));
        let checksums = std::fs::read_to_string(env.join("t.manifest.csv")).expect("the checksum manifest");
        case.check(&front_ends::CHECKSUMS, &read_checksums(&checksums));
    }
}

#[test]
fn an_extracted_tar_and_its_checksums_agree_with_the_model() {
    // Owners by number (the accounts are not this machine's) where the extractor may chown,
    // modes as stored, and any extended attributes the archive holds.
    let owners = if is_root() { "--same-owner --numeric-owner" } else { "--no-same-owner" };
    let mut extractors = vec![("a tar extracted by GNU tar", "tar")];
    if have(&["bsdtar", "--version"], "bsdtar") {
        extractors.push(("a tar extracted by bsdtar", "bsdtar"));
    }
    for case in cases() {
        let env = TestEnv::new();
        env.run(&case.command(&["archive", "t.tar"], &["--load-file", "none"])).ok();
        let tar = env.arg("t.tar");
        for (name, extractor) in &extractors {
            let x = env.arg(extractor);
            std::fs::create_dir(&x).expect("the destination");
            sh_ok(&format!("{extractor} -x --xattrs {owners} -p -f '{tar}' -C '{x}'"));
            case.check(&front_ends::tar(name, is_root()), &read_tree(Path::new(&x), &[]));
        }
        let checksums = std::fs::read_to_string(env.join("t.manifest.csv")).expect("the checksum manifest");
        case.check(&front_ends::CHECKSUMS, &read_checksums(&checksums));
    }
}

#[test]
fn the_manifest_agrees_with_the_model() {
    for case in cases() {
        let jsonl = Run::of(&case.command(&["manifest", "--format", "jsonl"], &[])).ok();
        case.check(&front_ends::MANIFEST, &read_manifest(&jsonl));
    }
}

/// The comparison sees a change in each field a front end keeps, and none in a field it does
/// not keep: the suite cannot pass by comparing nothing.
#[test]
fn the_comparison_sees_every_kept_field() {
    use front_ends::{CHECKSUMS, MANIFEST, MOUNT, differences, zip};
    let case = cases().swap_remove(0);
    let expected = case.expected();
    let (path, _) = expected.iter().find(|(_, r)| r.kind == Kind::File && r.mtime.1 != 0).expect("a file");
    type Change = fn(&mut Record);
    let changes: [(&str, Change); 7] = [
        ("size", |r| r.size += 1),
        ("mtime", |r| r.mtime.0 += 1),
        ("atime", |r| r.atime.0 -= 1),
        ("owner", |r| r.gid += 1),
        ("mode", |r| r.mode ^= 0o200),
        ("user.synthfs.department", |r| r.xattrs.get_mut("user.synthfs.department").expect("one").push(b'x')),
        ("sha256", |r| r.sha256 = Some("0".repeat(64))),
    ];
    for (field, change) in changes {
        let mut found = expected.clone();
        change(found.get_mut(path).expect("the file"));
        let diffs = differences(&expected, &found, &MOUNT);
        assert!(diffs.len() == 1 && diffs[0].starts_with(&format!("{path}: {field} ")), "{field}: {diffs:?}");
        // The checksum manifest keeps sizes and digests only.
        let checksums = differences(&expected, &found, &CHECKSUMS);
        assert_eq!(checksums.len(), usize::from(matches!(field, "size" | "sha256")), "{field}: {checksums:?}");
    }
    // A ZIP keeps whole seconds: the model's nanoseconds are not missed, a second is.
    let mut found = expected.clone();
    for r in found.values_mut() {
        (r.mtime.1, r.atime.1) = (0, 0);
    }
    assert_eq!(differences(&expected, &found, &zip(true)), Vec::<String>::new());
    assert!(!differences(&expected, &found, &MOUNT).is_empty());
    found.get_mut(path).expect("the file").mtime.0 += 1;
    assert_eq!(differences(&expected, &found, &zip(true)).len(), 1);
    // Paths: one missing, one the model does not have.
    let mut found = expected.clone();
    let moved = found.remove(path).expect("the file");
    found.insert(format!("{path}.moved"), moved);
    let diffs = differences(&expected, &found, &MANIFEST);
    assert_eq!(diffs, [format!("{path}: missing"), format!("{path}.moved: not in the model")]);
}
