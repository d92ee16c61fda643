//! The model's invariants (DESIGN.md), checked over whole trees and with proptest.

use std::collections::HashSet;

use proptest::prelude::*;
use std::sync::Arc;

use synthfs::walk::fold_dirs;
use synthfs_model::accounts::{Person, Roster};
use synthfs_model::content::{Reader, body_crc, read_all};
use synthfs_model::names::is_windows_safe;
use synthfs_model::{FileType, Location, NodeKind, Profile, Role, Tree};

use crate::common::{all_files, builtin_tree, small_profile, small_tree};

/// Looking node `i`'s name up in its parent finds it (the root has neither).
pub(crate) fn assert_found_under_its_name(tree: &Tree, i: u64) {
    if i != 0 {
        let (parent, name) = (tree.parent(i).expect("a parent"), tree.name(i).expect("a name"));
        assert_eq!(tree.lookup(parent, name.as_bytes()), Some(i), "{name}");
    }
}

fn counts(tree: &Tree) -> (u64, u64) {
    fold_dirs(
        tree,
        || (0u64, 0u64),
        |acc, plan| {
            acc.0 += plan.files;
            acc.1 += 1;
        },
        |a, b| (a.0 + b.0, a.1 + b.1),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The exact numbers of files and directories asked for, whatever the mix of counts.
    #[test]
    fn exact_counts(files in 1u64..20_000, dirs in 1u64..3_000, seed in any::<u64>()) {
        let tree = small_tree(files, dirs, seed);
        prop_assert_eq!(counts(&tree), (files, dirs));
    }

    /// Another identity source changes owners only: every name, size, time, mode and byte stays.
    #[test]
    fn identities_change_owners_only(
        seed in any::<u64>(),
        people in proptest::collection::vec((0usize..6, any::<bool>(), 1u32..1_000_000), 1..40),
    ) {
        let departments = ["Finance", "legal", "IT", "Plumbing", "", "Sales"];
        let roster = Roster {
            source: "test".into(),
            domain: Some("TEST".into()),
            people: people
                .iter()
                .enumerate()
                .map(|(i, (d, has_uid, n))| Person {
                    account: format!("p{i}"),
                    department: departments[*d].into(),
                    uid: has_uid.then_some(*n),
                    sid: (!has_uid).then(|| format!("S-1-5-21-7-8-9-{n}")),
                    ..Person::default()
                })
                .collect(),
            groups: Vec::new(),
        };
        let mut p = small_profile();
        p.seed = seed;
        p.set_counts(Some(400), Some(40));
        let synthetic = Tree::new(p.clone()).unwrap();
        let other = Tree::with_roster(p, Some(Arc::new(roster))).unwrap();
        let accounts = other.model.accounts();
        for i in 0..synthetic.node_count() {
            prop_assert_eq!(synthetic.path(i), other.path(i));
            if let (Some(mut a), Some(b)) = (synthetic.file_attrs(i), other.file_attrs(i)) {
                prop_assert_eq!(read_all(&a.content), read_all(&b.content));
                match accounts.account(b.owner) {
                    Some(acct) => prop_assert_eq!(acct.uid, b.uid),
                    None => prop_assert!(accounts.user_by_uid(b.uid).is_none(), "someone who left resolves"),
                }
                (a.uid, a.gid) = (b.uid, b.gid);
                prop_assert_eq!(a, b);
            }
        }
    }

    /// Any index of a billion-file tree decodes to a node that encodes back to it.
    #[test]
    fn index_node_bijection_on_a_billion_files(seed in any::<u64>(), picks in proptest::collection::vec(any::<u64>(), 32)) {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.seed = seed;
        p.set_counts(Some(1_000_000_000), None);
        let tree = Tree::new(p).unwrap();
        let n = tree.node_count();
        for x in picks {
            let i = x % n;
            match tree.locate(i).unwrap() {
                Location::Dir(plan) => {
                    prop_assert_eq!(plan.index, i);
                    if i != 0 {
                        let parent = tree.plan(plan.parent).unwrap();
                        prop_assert!(parent.children.iter().any(|c| c.index == i));
                    }
                }
                Location::File { parent, slot } => {
                    prop_assert_eq!(parent.index + 1 + slot, i);
                    prop_assert!(slot < parent.files);
                }
                Location::Symlink(_) => prop_assert!(false, "the enterprise layout has no links"),
            }
        }
        prop_assert!(tree.locate(n).is_none());
    }
}

/// Every node of a torture tree, links included, is found under its name in its parent; each
/// extra name of a file leads to the file, whose link count counts its names.
#[test]
fn every_node_of_a_torture_tree_round_trips() {
    let tree = builtin_tree("torture", 500);
    let links = tree.links().clone();
    assert_eq!(tree.node_count(), tree.file_count() + tree.dir_count() + links.symlinks.len() as u64);
    let mut symlinks = 0;
    for i in 0..tree.node_count() {
        if let Location::Symlink(k) = tree.locate(i).unwrap() {
            assert_eq!(links.symlinks[k].index, i);
            assert_eq!(tree.kind(i), Some(synthfs_model::NodeKind::Symlink));
            symlinks += 1;
        }
        assert_found_under_its_name(&tree, i);
    }
    assert_eq!(symlinks, 12);
    let mut names = std::collections::HashMap::<u64, u32>::new();
    for h in &links.hard {
        assert_eq!(tree.lookup(h.parent, h.name.as_bytes()), Some(h.target));
        assert!(tree.file_attrs(h.target).is_some());
        *names.entry(h.target).or_insert(1) += 1;
    }
    for (file, n) in names {
        assert_eq!(tree.nlink(file), n);
    }
    assert_eq!(links.hard.len(), 3);
}

#[test]
fn every_index_of_a_small_tree_round_trips() {
    let tree = small_tree(3000, 300, 11);
    let mut seen_dirs = 0;
    for i in 0..tree.node_count() {
        match tree.locate(i).unwrap() {
            Location::Dir(p) => {
                assert_eq!(p.index, i);
                seen_dirs += 1;
            }
            Location::File { parent, slot } => assert_eq!(parent.index + 1 + slot, i),
            Location::Symlink(_) => panic!("the enterprise layout has no links"),
        }
        // Listing the parent finds the node under its name, and looking the name up finds it.
        assert_found_under_its_name(&tree, i);
    }
    assert_eq!(seen_dirs, 300);
}

#[test]
fn names_are_unique_case_insensitively_and_windows_safe() {
    let tree = builtin_tree("enterprise", 100_000);
    let bad = fold_dirs(
        &tree,
        Vec::new,
        |acc: &mut Vec<String>, plan| {
            let listing = tree.build_listing(plan);
            let mut seen = HashSet::new();
            for e in &listing.entries {
                if !seen.insert(e.name.to_lowercase()) {
                    acc.push(format!("duplicate {:?} in {}", e.name, plan.index));
                }
                if !is_windows_safe(&e.name) {
                    acc.push(format!("unsafe {:?}", e.name));
                }
            }
            if listing.entries.len() as u64 != plan.files + plan.children.len() as u64 {
                acc.push(format!("listing of {} has the wrong length", plan.index));
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    assert!(bad.is_empty(), "{:?}", &bad[..bad.len().min(10)]);
}

#[test]
fn times_are_ordered_and_in_range() {
    let tree = builtin_tree("enterprise", 50_000);
    let (lo, hi) = tree.model.range;
    for a in all_files(&tree) {
        assert!(a.created <= a.modified && a.modified <= a.accessed, "{a:?}");
        assert!(a.created.secs >= lo && a.accessed.secs <= hi, "{a:?}");
    }
}

#[test]
fn year_folders_hold_files_of_their_year() {
    let tree = builtin_tree("enterprise", 30_000);
    let mut checked = 0;
    for a in all_files(&tree) {
        let plan = tree.plan(a.parent).unwrap();
        if let Some(y) = plan.ctx.year {
            let year = |t: i64| synthfs_model::date::Date::of_unix(t).year;
            assert_eq!(year(a.modified.secs), y, "{}", tree.path(a.index).unwrap());
            assert_eq!(year(a.created.secs), y, "{}", tree.path(a.index).unwrap());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} files in year folders");
}

fn magic(t: FileType) -> Option<&'static [u8]> {
    Some(match t {
        FileType::Pdf => b"%PDF-",
        FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Zip => b"PK\x03\x04",
        FileType::Jpg => b"\xFF\xD8\xFF",
        FileType::Png => b"\x89PNG\r\n\x1a\n",
        FileType::Mp4 => b"\x00\x00\x00\x18ftyp",
        FileType::Vhdx => b"vhdxfile",
        FileType::Vmdk => b"KDMV",
        FileType::Bak => b"TAPE",
        FileType::ThumbsDb => b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        FileType::Eml => b"Return-Path: <",
        FileType::DsStore => b"\x00\x00\x00\x01Bud1",
        FileType::DesktopIni => b"\r\n[.ShellClassInfo]",
        _ => return None,
    })
}

#[test]
fn content_starts_with_magic_and_reads_agree_at_any_offset() {
    let tree = small_tree(2000, 150, 7);
    let mut seen = HashSet::new();
    let mut rng = 0x1234_5678u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for a in all_files(&tree) {
        let spec = a.content;
        let full = read_all(&spec);
        assert_eq!(full.len() as u64, a.size());
        seen.insert(a.ftype());
        if let Some(m) = magic(a.ftype()) {
            assert!(full.starts_with(m), "{:?} {}", a.ftype(), tree.path(a.index).unwrap());
        }
        if a.ftype() == FileType::Iso {
            assert_eq!(&full[0x8001..0x8006], b"CD001");
        }
        if matches!(a.ftype(), FileType::Txt | FileType::Csv | FileType::Log) {
            assert!(full.iter().all(|b| b.is_ascii()), "{:?}", a.ftype());
        }
        for _ in 0..4 {
            let off = next() % a.size().max(1);
            let len = (next() % 200_000) as usize;
            let mut part = vec![0xEEu8; len];
            let n = tree.read_content(&spec, off, &mut part);
            let end = (off as usize + len).min(full.len());
            assert_eq!(&part[..n], &full[off as usize..end], "{:?} at {off}+{len}", a.ftype());
        }
        if let Some(layout) = spec.sparse {
            assert!(a.allocated() < a.size());
            let (s, e) = (layout.head as usize, (layout.head + layout.hole) as usize);
            assert!(full[s..e].iter().all(|b| *b == 0), "hole holds data");
            assert_eq!(spec.seek_hole(0), Some(layout.head));
        }
    }
    for t in FileType::ALL {
        assert!(
            seen.contains(&t) || matches!(t, FileType::Mp4 | FileType::Pptx | FileType::DsStore),
            "no {t:?} in the test tree"
        );
    }
}

#[test]
fn zip_containers_have_correct_crcs() {
    let tree = small_tree(2000, 150, 7);
    let files = all_files(&tree);
    let zipped: Vec<_> =
        files.iter().filter(|a| matches!(a.ftype(), FileType::Docx | FileType::Zip)).take(20).collect();
    assert!(!zipped.is_empty());
    for a in zipped {
        let full = read_all(&a.content);
        // The central directory records the bulk entry's CRC, which must be the data's.
        let mut reader = Reader::new(&a.content);
        let (start, len) = reader.body_range();
        let mut body = vec![0u8; len as usize];
        reader.read_at(start, &mut body, &body_crc);
        let crc = crc32fast::hash(&body);
        let eocd = full.len() - 22;
        assert_eq!(&full[eocd..eocd + 4], b"PK\x05\x06");
        let cd = u32::from_le_bytes(full[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        let entries = u16::from_le_bytes(full[eocd + 10..eocd + 12].try_into().unwrap());
        let mut at = cd;
        let mut last_crc = 0;
        for _ in 0..entries {
            assert_eq!(&full[at..at + 4], b"PK\x01\x02");
            last_crc = u32::from_le_bytes(full[at + 16..at + 20].try_into().unwrap());
            let name_len = u16::from_le_bytes(full[at + 28..at + 30].try_into().unwrap()) as usize;
            at += 46 + name_len;
        }
        assert_eq!(last_crc, crc);
    }
}

#[test]
fn duplicates_equal_their_originals() {
    let tree = small_tree(8000, 500, 3);
    let files = all_files(&tree);
    let mut n = 0;
    for a in &files {
        if let Role::Duplicate { of } = a.role {
            let orig = tree.file_attrs(of).unwrap();
            assert_eq!(orig.role, Role::Original);
            assert!(of < a.index);
            assert_eq!(read_all(&a.content), read_all(&orig.content));
            assert_eq!(a.ext, orig.ext);
            n += 1;
        }
    }
    assert!(n > 300, "only {n} duplicates");
}

#[test]
fn inodes_and_names_are_stable_across_tree_instances() {
    let a = small_tree(2000, 150, 5);
    let b = small_tree(2000, 150, 5);
    for i in (0..a.node_count()).step_by(7) {
        assert_eq!(a.path(i), b.path(i));
        assert_eq!(a.kind(i), b.kind(i));
        if a.kind(i) == Some(NodeKind::File) {
            assert_eq!(a.file_attrs(i), b.file_attrs(i));
        }
    }
}

#[test]
fn golden_listing_of_a_small_tree() {
    // Path, size and SHA-256 of every file of a small tree: a change that moves this file is a
    // change users will see. Regenerate with SYNTHFS_BLESS=1 only when that is intended.
    use sha2::{Digest, Sha256};
    let mut p = small_profile();
    p.set_counts(Some(120), Some(12));
    let tree = Tree::new(p).unwrap();
    let mut out = String::new();
    for a in all_files(&tree) {
        let hash = Sha256::digest(read_all(&a.content));
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{} {} {}\n", hex, a.size(), tree.path(a.index).unwrap()));
    }
    let path = crate::common::golden("small-120.txt");
    if std::env::var_os("SYNTHFS_BLESS").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file (SYNTHFS_BLESS=1 to create)");
    assert_eq!(out, want, "the tree changed: review, then SYNTHFS_BLESS=1 cargo test golden");
}

/// Modification times of the files whose folder spans the tree's whole range (year and quarter
/// folders narrow theirs), and every file's (created, modified).
fn dated(tree: &Tree) -> (Vec<i64>, Vec<(i64, i64)>) {
    use synthfs_model::attrs::time_window;
    fold_dirs(
        tree,
        || (Vec::new(), Vec::new()),
        |acc: &mut (Vec<i64>, Vec<(i64, i64)>), plan| {
            let whole = time_window(&tree.model, &plan.ctx) == tree.model.range;
            for s in 0..plan.files {
                let a = tree.file_attrs_in(plan, s);
                if whole {
                    acc.0.push(a.modified.secs);
                }
                acc.1.push((a.created.secs, a.modified.secs));
            }
        },
        |mut a, b| {
            a.0.extend(b.0);
            a.1.extend(b.1);
            a
        },
    )
}

fn preset_tree(preset: &str, extra: &str) -> Tree {
    let mut p = crate::common::builtin_profile("enterprise", 200_000);
    let text = format!("preset = \"{preset}\"\n{extra}");
    p.dates = toml::from_str(&text).unwrap();
    p.validate().unwrap();
    Tree::new(p).unwrap()
}

#[test]
fn date_presets_have_their_stated_shapes() {
    // recent-skew: the bias is the share in the newest fifth of the range.
    for (bias, extra) in [(0.7, ""), (0.4, "recent_bias = 0.4")] {
        let t = preset_tree("recent-skew", extra);
        let (lo, hi) = t.model.range;
        let (m, _) = dated(&t);
        let cut = hi - (hi - lo) / 5;
        let share = m.iter().filter(|&&s| s >= cut).count() as f64 / m.len() as f64;
        assert!((share - bias).abs() < 0.01, "recent-skew {bias}: {share:.4} of {} files in the newest fifth", m.len());
        assert!(m.iter().all(|s| (lo..=hi).contains(s)));
    }
    // uniform: every fifth holds a fifth.
    let t = preset_tree("uniform", "");
    let (lo, hi) = t.model.range;
    let (m, _) = dated(&t);
    for k in 0..5 {
        let (a, b) = (lo + (hi - lo) * k / 5, lo + (hi - lo) * (k + 1) / 5);
        let share = m.iter().filter(|&&s| s >= a && s < b).count() as f64 / m.len() as f64;
        assert!((share - 0.2).abs() < 0.01, "uniform fifth {k}: {share:.4}");
    }
    // year-spread: as many files in each calendar year (the partial first and last ones too).
    let t = preset_tree("year-spread", "min = \"2018-07-01\"\nmax = \"2024-03-31\"");
    let (m, _) = dated(&t);
    let mut per_year = std::collections::BTreeMap::new();
    for s in &m {
        *per_year.entry(synthfs_model::date::Date::of_unix(*s).year).or_insert(0u64) += 1;
    }
    assert_eq!(per_year.keys().copied().collect::<Vec<_>>(), (2018..=2024).collect::<Vec<_>>());
    let each = m.len() as f64 / 7.0;
    for (y, n) in &per_year {
        assert!((*n as f64 / each - 1.0).abs() < 0.05, "year {y}: {n} files, {each:.0} expected");
    }
    // legacy-mess: 15% stamped at the migration, half modified before it and created at it.
    let t = preset_tree("legacy-mess", "");
    let migration = synthfs_model::attrs::legacy_migration(&t.model);
    let (m, all) = dated(&t);
    let stamped = m.iter().filter(|&&s| s == migration).count() as f64 / m.len() as f64;
    let before = m.iter().filter(|&&s| s < migration).count() as f64 / m.len() as f64;
    assert!((stamped - 0.15).abs() < 0.01, "stamped {stamped:.4}");
    assert!((before - 0.5).abs() < 0.015, "before the migration {before:.4}");
    let copied = all.iter().filter(|(c, md)| c > md).count() as f64 / all.len() as f64;
    assert!(copied > 0.3, "created after modified: {copied:.4}");
    assert!(all.iter().filter(|(c, md)| c > md).all(|(c, md)| *md < migration && *c >= migration));
    // Nothing is read before it exists, copies included.
    assert!(all_files(&t).iter().all(|a| a.accessed >= a.created && a.accessed >= a.modified));
}

#[test]
fn the_aging_preset_is_the_default_and_bad_dates_are_refused() {
    let mut p = Profile::builtin("enterprise").unwrap();
    assert_eq!(p.dates.preset, synthfs_model::profile::DatePreset::Aging);
    for bad in ["recent_bias = 1.5", "min = \"2020-02-30\"", "min = \"2025-01-01\"\nmax = \"2024-01-01\""] {
        p.dates = toml::from_str(bad).unwrap();
        let err = p.validate().unwrap_err().to_string();
        assert!(err.contains("dates"), "{bad}: {err}");
    }
}

#[test]
fn department_prefixes_and_own_suffixes_decorate_names() {
    let mut p = crate::common::builtin_profile("enterprise", 40_000);
    p.template.departments[0].prefixes = vec!["FIN_".into(), "AP-".into()];
    p.names = toml::from_str("suffixes = [\" - draft\", \" (final)\", \" v3\"]\nsuffix_share = 0.3").unwrap();
    p.validate().unwrap();
    let t = Tree::new(p).unwrap();
    // Files whose folder is Finance's area (its share and the projects it owns; not homes).
    let in_finance: HashSet<u64> = fold_dirs(
        &t,
        HashSet::new,
        |acc: &mut HashSet<u64>, plan| {
            if plan.ctx.department_area() == Some(0) {
                acc.extend((0..plan.files).map(|s| plan.index + 1 + s));
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    let (mut fin_docs, mut fin_prefixed, mut other_prefixed, mut docs, mut suffixed, mut foreign) = (0, 0, 0, 0, 0, 0);
    for a in all_files(&t) {
        if a.role != Role::Original || matches!(a.ftype(), FileType::Tmp | FileType::OfficeLock) {
            continue;
        }
        let path = t.path(a.index).unwrap();
        let name = path.rsplit('/').next().unwrap();
        let stem = name.strip_suffix(&format!(".{}", a.ext)).unwrap_or(name);
        let prefixed = stem.starts_with("FIN_") || stem.starts_with("AP-");
        if in_finance.contains(&a.index) {
            fin_docs += 1;
            fin_prefixed += u32::from(prefixed);
        } else {
            other_prefixed += u32::from(prefixed);
        }
        docs += 1;
        let core = stem.trim_end_matches(|c: char| c == ')' || c.is_ascii_digit()).trim_end_matches(" (");
        suffixed += u32::from([" - draft", " (final)", " v3"].iter().any(|s| core.ends_with(s) || stem.ends_with(s)));
        foreign += u32::from(["_FINAL", " - reviewed", " signed", " - old", " v1.1"].iter().any(|s| stem.ends_with(s)));
    }
    let share = f64::from(fin_prefixed) / f64::from(fin_docs);
    assert!((share - 0.5).abs() < 0.04, "{fin_prefixed} of {fin_docs} Finance documents prefixed");
    assert_eq!(other_prefixed, 0, "prefixes outside Finance's area");
    let share = f64::from(suffixed) / f64::from(docs);
    assert!((share - 0.3).abs() < 0.04, "{suffixed} of {docs} names with one of the profile's suffixes");
    assert_eq!(foreign, 0, "built-in suffixes where the profile gave its own");
}

/// The mount's `statfs` totals (a walk of the plans in synthfs-fs) are the stats walk's bytes.
#[test]
fn the_mounts_totals_are_the_stats_totals() {
    for name in ["enterprise", "torture"] {
        let mut p = synthfs_model::Profile::builtin(name).unwrap();
        p.set_counts(Some(3000), None);
        let tree = synthfs_model::Tree::new(p).unwrap();
        let s = synthfs::stats::collect(&tree);
        assert_eq!(synthfs_fs::totals::of(&tree), (s.bytes, s.allocated), "{name}");
    }
}
