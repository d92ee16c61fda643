//! Owners from real directories: a throwaway OpenLDAP server (Debian's `slapd`) with 200 users
//! in 8 departments, half described with RFC 2307 attributes and half with Active Directory's
//! (sAMAccountName, binary objectSid, department, memberOf); a CSV export of the same users;
//! the host's NSS accounts. Checked on real mounts with `stat` data and xattrs.

pub mod directory;
pub mod slapd;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use directory::*;
use slapd::{Slapd, free_port};

use crate::common::*;

/// Every node under `root`: relative path -> (is_dir, uid, gid, size, mtime, owner xattr, sid
/// xattr, manager xattr).
type Node = (bool, u32, u32, u64, i64, String, String, String);

fn walk(root: &Path) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            let x = |name: &str| String::from_utf8(xattr::get(e.path(), name).unwrap().unwrap_or_default()).unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            out.insert(
                rel,
                (
                    m.is_dir(),
                    m.uid(),
                    m.gid(),
                    m.len(),
                    m.mtime(),
                    x("user.synthfs.owner"),
                    x("user.synthfs.sid"),
                    x("user.synthfs.manager"),
                ),
            );
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

/// Checks the placement rules on a walked mount of the enterprise profile over the test users;
/// returns (files checked, files of people who left).
fn check_placement(
    nodes: &BTreeMap<String, Node>,
    users: &[TestUser],
    domain: &str,
    ldap_groups: bool,
) -> (usize, usize) {
    let by_uid: HashMap<u32, &TestUser> = users.iter().map(|u| (u.uid(), u)).collect();
    let mut files = 0;
    let mut departed = 0;
    let mut dept_gid: HashMap<usize, HashSet<u32>> = HashMap::new();
    let mut owners = HashSet::new();
    for (path, (is_dir, uid, gid, _, _, owner, sid, manager)) in nodes {
        match by_uid.get(uid) {
            Some(u) => {
                owners.insert(*uid);
                assert_eq!(owner, &format!("{domain}\\{}", u.account), "{path}");
                let want = head(users, u).map(|h| format!("{domain}\\{}", users[h].account)).unwrap_or_default();
                assert_eq!(manager, &want, "{path}: the owner's manager");
                let want_sid = if u.ad || domain == "CORP" { u.sid() } else { format!("S-1-22-1-{uid}") };
                assert_eq!(sid, &want_sid, "{path}");
            }
            None if *uid == 0 => assert_eq!(owner, "BUILTIN\\Administrators", "{path}"),
            None => {
                assert!(*uid >= UID_START, "{path}: uid {uid} is neither a test user nor someone who left");
                assert_eq!(owner, sid, "{path}: someone who left is named by SID");
                assert!(sid.starts_with("S-1-5-21-11-22-33-"), "{path}: {sid} in the directory's domain");
                if !is_dir {
                    departed += 1;
                }
            }
        }
        let top = path.split('/').next().unwrap();
        if let Some(d) = DEPTS.iter().position(|x| *x == top) {
            if let Some(u) = by_uid.get(uid) {
                assert_eq!(u.dept, d, "{path} is owned by {} of {}", u.account, DEPTS[u.dept]);
            }
            dept_gid.entry(d).or_default().insert(*gid);
            if ldap_groups {
                assert_eq!(*gid, 7000 + d as u32, "{path}: the department's group");
            }
        }
        if !is_dir {
            files += 1;
        }
    }
    for (d, gids) in &dept_gid {
        assert_eq!(gids.len(), 1, "{}: one group for the whole department", DEPTS[*d]);
    }
    let distinct: HashSet<u32> = dept_gid.values().flatten().copied().collect();
    assert_eq!(distinct.len(), dept_gid.len(), "each department its own group");
    assert!(owners.len() >= 100, "most of the 200 users own something: {}", owners.len());
    // Homes: the folder is its user's, and so are most files in it.
    let (mut own, mut in_homes) = (0, 0);
    for (path, (is_dir, uid, ..)) in nodes {
        let parts: Vec<&str> = path.split('/').collect();
        if parts[0] != "Users" || parts.len() < 2 {
            continue;
        }
        let home_uid = nodes[&format!("Users/{}", parts[1])].1;
        assert!(by_uid.contains_key(&home_uid), "Users/{} belongs to a directory user", parts[1]);
        if *is_dir {
            assert_eq!(*uid, home_uid, "{path}: folders in a home are its user's");
        } else {
            in_homes += 1;
            own += usize::from(*uid == home_uid);
        }
    }
    assert!(in_homes > 50, "homes hold files: {in_homes}");
    assert!(own * 100 >= in_homes * 75, "most home files are the user's: {own} of {in_homes}");
    (files, departed)
}

/// A fresh directory holding the test users' CSV export (as `Export-Csv` writes it); the
/// directory and the export's path.
pub fn csv_export(users: &[TestUser]) -> (TestEnv, String) {
    let dir = TestEnv::new();
    std::fs::write(dir.join("users.csv"), csv(users)).unwrap();
    let export = dir.arg("users.csv");
    (dir, export)
}

/// The test users and a slapd serving them, for a test that mounts with them; `None` (the
/// reason printed) where FUSE mounts cannot be made or slapd is missing.
fn directory_to_mount() -> Option<(Vec<TestUser>, Slapd)> {
    if !fuse_available() {
        return None;
    }
    let users = users();
    let ldap = Slapd::start(&ldif(&users))?;
    Some((users, ldap))
}

#[test]
fn ldap_and_csv_owners_on_a_real_mount() {
    let Some((users, ldap)) = directory_to_mount() else { return };
    let pw = ldap.password_file();
    let tree = ["--files", "3000", "--seed", "7"];
    let binds_before = ldap.operations("BIND");
    let mut args = tree.to_vec();
    let url = ldap.url();
    let pw_arg = pw.display().to_string();
    args.extend(["--identities", &url, "--ldap-base", BASE, "--ldap-bind-dn", ADMIN, "--ldap-password-file", &pw_arg]);
    let mounted = Mount::start(&args);
    let over_ldap = walk(mounted.path());
    // The directory was read once: one bind, one page of users, one of groups, whatever
    // the number of files.
    let (binds, searches) = (ldap.operations("BIND") - binds_before, ldap.operations("SRCH"));
    eprintln!("LDAP requests for a {}-node mount: {binds} bind, {searches} searches", over_ldap.len());
    assert_eq!(binds, 1);
    assert!(searches <= 2, "{searches} searches");
    drop(mounted);
    let (files, departed) = check_placement(&over_ldap, &users, "EXAMPLE", true);
    assert_eq!(files, 3000);
    assert!(departed > 0 && departed * 100 < files * 6, "a few files of people who left: {departed}");

    // The same people from a CSV export: the same owners, the same tree.
    let (_dir, export_arg) = csv_export(&users);
    let mut args = tree.to_vec();
    args.extend(["--identities", &export_arg]);
    let mounted = Mount::start(&args);
    let over_csv = walk(mounted.path());
    drop(mounted);
    check_placement(&over_csv, &users, "CORP", false);
    let uids = |n: &BTreeMap<String, Node>| n.iter().map(|(p, x)| (p.clone(), x.1)).collect::<Vec<_>>();
    assert_eq!(uids(&over_ldap), uids(&over_csv), "the same people in the same places");

    // Identities never change the tree: names, sizes and times equal the synthetic mount's.
    let mounted = Mount::start(&tree);
    let synthetic = walk(mounted.path());
    drop(mounted);
    let shape = |n: &BTreeMap<String, Node>| n.iter().map(|(p, x)| (p.clone(), x.0, x.3, x.4)).collect::<Vec<_>>();
    assert_eq!(shape(&synthetic), shape(&over_ldap));
    assert_ne!(uids(&synthetic), uids(&over_ldap));

    // A wrong password: one line, exit 2, nothing mounted.
    let target = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("mount")
        .arg(target.path())
        .args(["--identities", &url, "--ldap-base", BASE, "--ldap-bind-dn", ADMIN, "--ldap-password-env", "SYNTHFS_PW"])
        .env("SYNTHFS_PW", "wrong")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        format!("synthfs: error: LDAP bind as {ADMIN} refused by {url}: invalid credentials (LDAP result 49)")
    );
    assert!(!Mount::is_mounted(target.path()));
    assert_eq!(std::fs::read_dir(target.path()).unwrap().count(), 0);
}

#[test]
fn bad_identity_sources_are_one_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on a port just freed.
    let url = format!("ldap://127.0.0.1:{}", free_port());
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mnt_arg = mnt.display().to_string();
    let o = run(&["mount", &mnt_arg, "--identities", &url, "--ldap-base", BASE]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with(&format!("synthfs: error: cannot reach LDAP server {url}: ")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!Mount::is_mounted(&mnt));

    let export = dir.path().join("users.csv");
    std::fs::write(&export, "Name,Department,Title,SID\nJohn Smith,Finance,Clerk,S-1-5-21-1-2-3-1105\n").unwrap();
    let dest = dir.path().join("dest");
    let dest_arg = dest.display().to_string();
    let export_arg = export.display().to_string();
    let o = run(&["materialize", &dest_arg, "--files", "100", "--identities", &export_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "synthfs: error: {export_arg} has no column SamAccountName (export with: Get-ADUser -Filter * -Properties Department,Title | Export-Csv)\n"
        )
    );
    assert!(!dest.exists(), "nothing written");

    let zip = dir.path().join("out.zip");
    let zip_arg = zip.display().to_string();
    let o = run(&[
        "archive",
        &zip_arg,
        "--files",
        "100",
        "--identities",
        "ldap://x",
        "--ldap-base",
        BASE,
        "--ldap-bind-dn",
        ADMIN,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("needs a password: --ldap-password-env VAR or --ldap-password-file FILE"),
        "{}",
        stderr(&o)
    );
    assert!(!zip.exists());

    let o = run(&["stats", "--files", "100", "--identities", "system", "--ldap-base", BASE]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "synthfs: error: --ldap-base applies to --identities ldap://..., not `system`\n");
}

#[test]
fn the_hosts_accounts_own_the_tree() {
    // root is in every NSS database; --uid-range 0-0 keeps only it.
    let v = Run::of(&["stats", "--files", "2000", "--identities", "system", "--uid-range", "0-0", "--json"]).json();
    let owners = v["by_owner"].as_object().unwrap();
    let root = owners["root"]["files"].as_u64().unwrap();
    let others: u64 = owners.iter().filter(|(k, _)| *k != "root").map(|(_, x)| x["files"].as_u64().unwrap()).sum();
    assert_eq!(root + others, 2000);
    assert!(owners.keys().filter(|k| *k != "root").all(|k| k.starts_with("S-1-5-21-")), "{owners:?}");
    assert!(others > 0 && others < 100, "people who left own a few: {others}");
}

#[test]
fn archives_name_the_exported_owners() {
    let users = users();
    let (dir, export_arg) = csv_export(&users);
    let out_arg = dir.arg("share.tar");
    Run::of(&["archive", &out_arg, "--files", "600", "--size-scale", "0.01", "--identities", &export_arg]).ok();
    let accounts: HashSet<&str> = users.iter().map(|u| u.account.as_str()).collect();
    let displays: HashSet<&str> = users.iter().map(|u| u.display.as_str()).collect();

    // tar headers carry the accounts' names (GNU tar reads them back).
    let (ok, listing, err) = sh(&format!("tar -tvf {out_arg}"));
    assert!(ok.success(), "{err}");
    let mut named = 0;
    for line in listing.lines().filter(|l| l.starts_with('-')) {
        let owner = line.split_whitespace().nth(1).unwrap();
        let (user, _) = owner.split_once('/').unwrap();
        if user.parse::<u32>().is_err() {
            assert!(accounts.contains(user), "{line}");
            named += 1;
        }
    }
    assert!(named >= 550, "all but the files of people who left are named: {named} of 600");

    // The load file's custodians are the exported people.
    let dat = synthfs::archive::loadfile::parse_dat(&std::fs::read(dir.path().join("share.dat")).unwrap()).unwrap();
    let custodian = dat[0].iter().position(|c| c == "CUSTODIAN").unwrap();
    let known = dat[1..].iter().filter(|r| displays.contains(r[custodian].as_str())).count();
    assert_eq!(dat.len() - 1, 600);
    assert!(dat[1..].iter().all(|r| r[custodian].is_empty() || displays.contains(r[custodian].as_str())));
    assert!(known >= 550, "{known}");
}

/// A long-running mount re-reads the directory: owners changed in LDAP show without a remount,
/// at the cost of one bind and two searches per refresh.
#[test]
fn a_mount_refreshes_its_owners_from_ldap() {
    let Some((users, ldap)) = directory_to_mount() else { return };
    let url = ldap.url();
    let pw = ldap.password_file().display().to_string();
    let args = [
        "--files",
        "2000",
        "--identities",
        &url,
        "--ldap-base",
        BASE,
        "--ldap-bind-dn",
        ADMIN,
        "--ldap-password-file",
        &pw,
        "--identities-refresh",
        "1",
    ];
    let mounted = Mount::start(&args);
    // Renumber every RFC 2307 user: uidNumber 5000+i becomes 15000+i.
    let mut conn = ldap3::LdapConn::new(&url).unwrap();
    conn.simple_bind(ADMIN, PASSWORD).unwrap().success().unwrap();
    for u in users.iter().filter(|u| !u.ad) {
        let new = (u.uid() + 10_000).to_string();
        let m = ldap3::Mod::Replace("uidNumber", std::collections::HashSet::from([new.as_str()]));
        conn.modify(&dn(u), vec![m]).unwrap().success().unwrap();
    }
    conn.unbind().unwrap();
    // Attributes are kept a second (the refresh interval); then stat sees the new numbers.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let nodes = walk(mounted.path());
        let renumbered = nodes.values().filter(|n| (15_000..15_200).contains(&n.1)).count();
        let old = nodes.values().filter(|n| (5_000..5_200).contains(&n.1)).count();
        if renumbered > 100 && old == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "owners not refreshed: {renumbered} new, {old} old uids");
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(mounted);
    let searches = ldap.operations("SRCH");
    eprintln!("LDAP searches during the refreshing mount: {searches}");
    assert!(searches >= 4, "at least one refresh read the directory again: {searches}");
}

/// materialize chowns to the exported people's uids, and verify (with the same source) proves
/// the copy; without it, the owners differ and verify says so.
#[test]
fn materialize_and_verify_with_exported_owners() {
    let users = users();
    let (dir, export_arg) = csv_export(&users);
    let dest_arg = dir.arg("share");
    std::fs::create_dir(&dest_arg).unwrap();
    let tree = ["--files", "400", "--size-scale", "0.01", "--identities", export_arg.as_str()];
    Run::of(&[&["materialize", dest_arg.as_str()], &tree[..]].concat()).ok();
    let (ok, out, err) = sh(&format!("find {dest_arg} -type f ! -name .synthfs.json -printf '%U\\n' | sort -u"));
    assert!(ok.success(), "{err}");
    let known: HashSet<u32> = users.iter().map(|u| u.uid()).collect();
    let uids: Vec<u32> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert!(uids.iter().filter(|u| known.contains(u)).count() >= 50, "files belong to the exported people: {uids:?}");
    assert!(uids.iter().all(|u| known.contains(u) || *u >= UID_START), "{uids:?}");
    let o = run(&[&["verify", dest_arg.as_str()], &tree[..]].concat());
    assert!(o.status.success(), "verify with the same owners: {}", stderr(&o));
    let o = run(&["verify", &dest_arg, "--files", "400", "--size-scale", "0.01"]);
    assert!(!o.status.success(), "synthetic owners are not the exported ones");
}
