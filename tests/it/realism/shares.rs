//! The profiles' stated shares: homes and their owners, Windows attributes on a real copy and
//! in a ZIP, the Panzura toolkit's shares and files per folder, an acquisition event.

use std::process::Command;

use serde_json::Value;

use super::materialized_stats;
use crate::common::*;

/// Every home's files belong to its user when the profile says so (`home_share = 1`, nobody
/// left); by default most of them do, the rest are colleagues' and leavers'.
#[test]
fn homes_belong_to_their_users() {
    use synthfs_model::{Location, Tree};
    for (home_share, departed_share, at_least) in [(1.0, 0.0, 1.0), (0.9, 0.02, 0.85)] {
        let mut p = crate::common::builtin_profile("enterprise", 60_000);
        p.identities.home_share = home_share;
        p.identities.departed_share = departed_share;
        let tree = Tree::new(p).unwrap();
        let users = tree.listing(0).unwrap().entries.iter().find(|e| &*e.name == "Users").unwrap().index;
        let (mut own, mut all) = (0u64, 0u64);
        for home in tree.listing(users).unwrap().entries.iter() {
            let home_uid = tree.dir_attrs(&tree.plan(home.index).unwrap()).uid;
            let mut stack = vec![home.index];
            while let Some(d) = stack.pop() {
                for e in tree.listing(d).unwrap().entries.iter() {
                    match tree.locate(e.index).unwrap() {
                        Location::Dir(plan) => {
                            assert_eq!(tree.dir_attrs(&plan).uid, home_uid, "folders in a home are its user's");
                            stack.push(e.index);
                        }
                        Location::File { .. } => {
                            all += 1;
                            own += u64::from(tree.file_attrs(e.index).unwrap().uid == home_uid);
                        }
                        Location::Symlink(_) => panic!("the enterprise layout has no links"),
                    }
                }
            }
        }
        assert!(all > 1000, "homes hold files: {all}");
        assert!(own as f64 >= at_least * all as f64, "home_share {home_share}: {own} of {all} are the user's");
    }
}

/// Windows attributes by profile share: the model's counts are near the knobs, a materialized
/// tree read back by `stats DIR` (mode bits and xattrs) has exactly the model's, `getfattr`
/// shows the Zone.Identifier text, and group-owned files name their department's group.
#[test]
fn windows_attribute_shares_survive_materialize() {
    let profile = fixture("attributes.toml").display().to_string();
    let tree = ["--profile", profile.as_str(), "--files", "6000"];
    let model = stats_json(&tree);
    let files = model["files"].as_f64().unwrap();
    let at = &model["attributes"];
    // Read-only applies to originals only (not copies, temp files or junk); group owners to
    // department files only.
    for (key, want, tolerance) in [
        ("readonly", 0.05, 0.012),
        ("hidden", 0.02 + 0.02, 0.02),
        ("zone_identifier", 0.15, 0.015),
        ("group_owner", 0.6, 0.15),
    ] {
        let share = at[key].as_f64().unwrap() / files;
        assert!((share - want).abs() < tolerance, "{key}: {share:.4}, about {want} expected");
    }
    let (dest, real) = materialized_stats(&tree, &[]);
    let d = dest.path().display().to_string();
    for key in ["readonly", "hidden", "zone_identifier"] {
        assert_eq!(real["attributes"][key], at[key], "{key}");
    }
    assert_eq!(real["attributes"]["group_owner"], Value::Null, "a plain walk cannot tell groups from people");
    if have_tool(Command::new("getfattr").arg("--version"), "getfattr (attr)") {
        let (ok, out, err) =
            sh(&format!("cd '{d}' && getfattr -R -n user.Zone.Identifier --only-values . 2>/dev/null | head -c 26"));
        assert!(ok.success(), "{err}");
        assert_eq!(out, "[ZoneTransfer]\r\nZoneId=3\r\n");
        let (_, out, _) = sh(&format!(
            "cd '{d}' && getfattr -R -d -m user.synthfs.owner . 2>/dev/null | grep -cF 'owner=\"CORP\\\\finance\"'"
        ));
        let group_owned: u64 = out.trim().parse().unwrap();
        assert!(group_owned > 100, "files owned by CORP\\finance: {group_owned}");
    }
    // A ZIP of the same tree carries them as DOS attributes (read-only 0x01, hidden 0x02).
    let zip = dest.path().join("t.zip");
    Run::of(
        &[&["archive", zip.to_str().unwrap(), "--load-file", "none", "--manifest", "none"][..], &tree[..]].concat(),
    )
    .ok();
    let o = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = [i for i in zipfile.ZipFile(sys.argv[1]).infolist() if not i.is_dir()]\nprint(sum(i.external_attr & 1 for i in z), sum(i.external_attr >> 1 & 1 for i in z))",
            zip.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let counts = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(counts, format!("{} {}", at["readonly"], at["hidden"]), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The built-in `panzura-demo` profile has the toolkit's stated shares, read back from a
/// materialized copy by `stats DIR` (read-only, hidden, Zone.Identifier) and counted by the
/// model (group owners, which a plain walk cannot tell), with access tiers on its folders.
#[test]
fn panzura_demo_matches_the_toolkits_shares() {
    // Sizes scaled down: the shares do not depend on them, the test's disk use does.
    let tree = ["--profile", "panzura-demo", "--files", "4000", "--size-scale", "0.01"];
    let model = stats_json(&tree);
    let files = model["files"].as_f64().unwrap();
    // The storyline's ownership mix: department groups own 55% (the acquisition's included).
    let group = model["attributes"]["group_owner"].as_f64().unwrap() / files;
    assert!((group - 0.55).abs() < 0.03, "group owners {group:.3}");
    let (dest, real) = materialized_stats(&tree, &[]);
    let d = dest.path().display().to_string();
    for (key, want, tolerance) in [("readonly", 0.05, 0.012), ("hidden", 0.02, 0.008), ("zone_identifier", 0.15, 0.015)]
    {
        let share = real["attributes"][key].as_f64().unwrap() / files;
        assert!((share - want).abs() < tolerance, "{key}: {share:.4}, {want} stated");
        assert_eq!(real["attributes"][key], model["attributes"][key], "{key}");
    }
    // Access tiers on the departments.
    if have_tool(Command::new("getfacl").arg("--version"), "getfacl") {
        let (ok, facl, err) = sh(&format!("getfacl -n '{d}/Finance'"));
        assert!(ok.success(), "{err}");
        assert!(facl.lines().any(|l| l == "group:30001:rwx"), "{facl}");
    }
}

/// A folder of the model: its own files, whether it has sub-folders, its parent and top folder.
struct Folder {
    name: String,
    files: u64,
    leaf: bool,
    parent: usize,
    top: String,
}

fn folders(tree: &synthfs_model::Tree, plan: &synthfs_model::plan::DirPlan, me: Folder, out: &mut Vec<Folder>) {
    let at = out.len();
    let top = me.top.clone();
    out.push(me);
    for k in 0..plan.children.len() {
        let child = tree.child_plan_uncached(plan, k);
        let name = plan.children[k].name.to_string();
        let top = if at == 0 { name.clone() } else { top.clone() };
        let f = Folder { name, files: child.files, leaf: child.children.is_empty(), parent: at, top };
        folders(tree, &child, f, out);
    }
}

/// The Panzura toolkit's files per folder: a normal law (mean 15, std 8) clamped to 0..100, and
/// folder kinds multiplying it (projects 1.8, archive 1.5, backup 2.0, sensitive 0.5). Measured
/// two ways on a 300,000-file tree: a kind-named folder against its plain sibling folders (both
/// drawn in the same place), and the top-level Projects, Archive, Backup and Sensitive folders'
/// files per folder against the departments' (Projects) or Public's (the shared ones). Each
/// within 25% of the profile's multiplier.
#[test]
fn panzura_files_per_folder_follow_kind_multipliers() {
    let p = crate::common::builtin_profile("panzura-demo", 300_000);
    let tree = synthfs_model::Tree::new(p.clone()).unwrap();
    let mut all = Vec::new();
    let root = Folder { name: String::new(), files: tree.root().files, leaf: false, parent: 0, top: String::new() };
    folders(&tree, tree.root(), root, &mut all);
    let kinds = &p.files_per_folder.kinds;
    let kind_of = |name: &str| {
        let lower = name.to_lowercase();
        kinds.keys().find(|k| lower.contains(k.trim_end_matches('s'))).map(String::as_str)
    };
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len().max(1) as f64;
    // The law: plain leaf folders' counts.
    let plain: Vec<u64> = all.iter().filter(|f| f.leaf && kind_of(&f.name).is_none()).map(|f| f.files).collect();
    let (m, n) = (mean(&plain), plain.len() as f64);
    let sd = (plain.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n).sqrt();
    let over = plain.iter().filter(|&&x| x > 100).count();
    eprintln!("plain leaf folders: {} with mean {m:.1}, std {sd:.1}, {over} above 100", plain.len());
    assert!((m - 15.0).abs() < 15.0 * 0.15, "mean {m}");
    assert!(over as f64 / n < 0.01, "{over} folders above 100 (only an exact subtree total may push one past)");
    // Siblings.
    let mut sums: std::collections::BTreeMap<&str, (u64, u64, u64, u64)> = Default::default();
    for (i, parent) in all.iter().enumerate() {
        let _ = parent;
        let kids: Vec<&Folder> = all.iter().skip(i + 1).filter(|f| f.parent == i && f.leaf).collect();
        if kids.len() < 2 {
            continue;
        }
        for k in kinds.keys() {
            let (named, plain): (Vec<&&Folder>, Vec<&&Folder>) = kids
                .iter()
                .filter(|f| kind_of(&f.name).is_none_or(|x| x == k))
                .partition(|f| kind_of(&f.name).is_some());
            if named.is_empty() || plain.is_empty() {
                continue;
            }
            let e = sums.entry(k.as_str()).or_default();
            e.0 += named.iter().map(|f| f.files).sum::<u64>();
            e.1 += named.len() as u64;
            e.2 += plain.iter().map(|f| f.files).sum::<u64>();
            e.3 += plain.len() as u64;
        }
    }
    for (k, (a, na, b, nb)) in &sums {
        let ratio = (*a as f64 / *na as f64) / (*b as f64 / *nb as f64);
        eprintln!("{k}: {na} named leaf folders against {nb} plain siblings: {ratio:.2}x");
        if *na >= 30 {
            assert!((ratio / kinds[*k] - 1.0).abs() < 0.25, "{k}: {ratio:.2}x, the profile says {}x", kinds[*k]);
        }
    }
    assert!(sums.get("backup").is_some_and(|s| s.1 >= 30) && sums.get("archive").is_some_and(|s| s.1 >= 30));
    // Top-level folders of a kind, their whole subtree. One tree gives one noisy draw per top
    // folder (each subtree's worth has a lognormal spread), so the ratio is the geometric mean
    // over 24 seeds.
    let departments: Vec<String> = p.template.departments.iter().map(|d| d.name.clone()).collect();
    let tops = [("Projects", 1.8), ("Archive", 1.5), ("Backup", 2.0), ("Sensitive", 0.5)];
    let mut log_ratio = [0f64; 4];
    let seeds = 24;
    for seed in 1..=seeds {
        let mut q = p.clone();
        q.seed = seed;
        q.set_counts(Some(50_000), None);
        let tree = synthfs_model::Tree::new(q).unwrap();
        let mut all = Vec::new();
        let root = Folder { name: String::new(), files: 0, leaf: false, parent: 0, top: String::new() };
        folders(&tree, tree.root(), root, &mut all);
        let per_folder = |top: &dyn Fn(&str) -> bool| {
            let v: Vec<u64> = all.iter().skip(1).filter(|f| top(&f.top)).map(|f| f.files).collect();
            mean(&v)
        };
        let dept = per_folder(&|t| departments.iter().any(|d| d == t));
        let public = per_folder(&|t| t == "Public");
        for (i, (top, _)) in tops.iter().enumerate() {
            // Projects sits beside the departments; the shared folders beside Public.
            let base = if i == 0 { dept } else { public };
            log_ratio[i] += (per_folder(&|t| t == *top) / base).ln() / seeds as f64;
        }
    }
    for ((top, want), l) in tops.iter().zip(log_ratio) {
        let ratio = l.exp();
        eprintln!("/{top}: {ratio:.2}x files per folder (over {seeds} seeds)");
        assert!((ratio / want - 1.0).abs() < 0.25, "/{top}: {ratio:.2}x, the profile says {want}x");
    }
}

/// An `[[event]]` cohort: an acquisition's files dumped near the root of a panzura-demo share.
/// Its folder holds exactly its share of the files, all created in its year and owned by the
/// everyone group, none deeper than one sub-folder; the year stands out at least 2x against
/// each neighbour in `report`'s files by creation year; counts and the index bijection hold.
#[test]
fn an_acquisition_event_stands_out_in_its_year() {
    use synthfs_model::profile::{DatePreset, Event};
    use synthfs_model::{Location, Tree};
    let mut p = crate::common::builtin_profile("panzura-demo", 40_000);
    p.max_age_years = 9;
    p.dates.preset = DatePreset::Aging;
    let name = "_Acquired - Northwind 2019";
    p.events.push(Event { name: name.into(), year: 2019, share: 0.096, owner: "all-employees".into() });
    let dirs = p.dir_count();
    let tree = Tree::new(p.clone()).unwrap();
    assert_eq!((tree.file_count(), tree.dir_count()), (40_000, dirs));
    let event = tree.lookup(0, name.as_bytes()).expect("the event's folder sits at the root");
    let plan = tree.plan(event).unwrap();
    assert_eq!(plan.subtree_files, 3_840, "9.6% of 40,000");
    let everyone = tree.windows_owner(None, None, true).name;
    let (mut seen, mut stack) = (0u64, vec![event]);
    while let Some(d) = stack.pop() {
        let dp = tree.plan(d).unwrap();
        assert!(dp.depth <= 2, "within two levels of the root");
        for e in tree.listing(d).unwrap().entries.iter() {
            match tree.locate(e.index).unwrap() {
                Location::Dir(_) => stack.push(e.index),
                Location::File { .. } => {
                    let a = tree.file_attrs(e.index).unwrap();
                    let created = synthfs_model::date::Date::of_unix(a.created.secs).year;
                    assert_eq!((created, a.group_owner), (2019, true), "{}", e.name);
                    assert_eq!(tree.xattrs(e.index).unwrap()[0].1, everyone);
                    seen += 1;
                }
                Location::Symlink(_) => unreachable!(),
            }
        }
    }
    assert_eq!(seen, 3_840);
    for i in (0..tree.node_count()).step_by(97) {
        crate::model::assert_found_under_its_name(&tree, i);
    }
    let r = synthfs::report::collect(&tree, 3);
    let year = |y: i32| r.created_by_year.get(&y).copied().unwrap_or(0);
    assert!(year(2019) >= 2 * year(2018).max(year(2020)), "{:?}", r.created_by_year);
    // Refusals name the key.
    let mut bad = p.clone();
    bad.events[0].year = 2001;
    assert!(Tree::new(bad).unwrap_err().to_string().contains("event[0].year"));
    let mut bad = p.clone();
    bad.events[0].owner = "Nobody".into();
    assert!(Tree::new(bad).unwrap_err().to_string().contains("event[0].owner"));
    let mut bad = p;
    bad.events.push(bad.events[0].clone());
    bad.events[1].share = 0.85;
    assert!(Tree::new(bad).unwrap_err().to_string().contains("less than 0.9"));
}
