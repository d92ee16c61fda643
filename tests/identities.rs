//! Owners from real directories: a throwaway OpenLDAP server (Debian's `slapd`) with 200 users
//! in 8 departments, half described with RFC 2307 attributes and half with Active Directory's
//! (sAMAccountName, binary objectSid, department, memberOf); a CSV export of the same users;
//! the host's NSS accounts. Checked on real mounts with `stat` data and xattrs.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const BASE: &str = "dc=example,dc=com";
const ADMIN: &str = "cn=admin,dc=example,dc=com";
const PASSWORD: &str = "s3cret-for-tests";
const DEPTS: [&str; 8] =
    ["Finance", "Human Resources", "Legal", "Sales", "Marketing", "Engineering", "IT", "Operations"];
const FIRST: [&str; 10] = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jon"];
const LAST: [&str; 20] = [
    "Adams", "Baker", "Clark", "Davis", "Evans", "Foster", "Garcia", "Hughes", "Ito", "Jones", "Khan", "Lopez",
    "Moore", "Nagy", "Olsen", "Patel", "Quinn", "Reyes", "Silva", "Turner",
];
/// The profile's uid_start: AD users without uidNumber get uid_start + RID.
const UID_START: u32 = 10_000;

/// One test user, as the LDIF and the CSV describe it.
struct TestUser {
    account: String,
    display: String,
    dept: usize,
    /// Active Directory style (SID, no uidNumber) or RFC 2307 (uidNumber, gidNumber).
    ad: bool,
    rid: u32,
}

impl TestUser {
    fn uid(&self) -> u32 {
        if self.ad { UID_START + self.rid } else { 5000 + self.rid - 2000 }
    }
    fn sid(&self) -> String {
        format!("S-1-5-21-11-22-33-{}", self.rid)
    }
}

fn users() -> Vec<TestUser> {
    (0..200)
        .map(|i| {
            let (first, last) = (FIRST[i % 10], LAST[i / 10]);
            TestUser {
                account: format!("{}{}", first.to_lowercase(), last.to_lowercase()),
                display: format!("{first} {last}"),
                dept: i % 8,
                ad: i % 2 == 1,
                rid: 2000 + i as u32,
            }
        })
        .collect()
}

fn binary_sid(rid: u32) -> Vec<u8> {
    let mut b = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
    for sub in [21u32, 11, 22, 33, rid] {
        b.extend(sub.to_le_bytes());
    }
    b
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The DN of a test user's entry.
fn dn(u: &TestUser) -> String {
    if u.ad { format!("cn={},ou=People,{BASE}", u.account) } else { format!("uid={},ou=People,{BASE}", u.account) }
}

/// Each department's first user heads it; the others report to the head.
fn head(users: &[TestUser], u: &TestUser) -> Option<usize> {
    (users[u.dept].account != u.account).then_some(u.dept)
}

fn ldif(users: &[TestUser]) -> String {
    let mut s = format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
dn: ou=People,{BASE}\nobjectClass: organizationalUnit\nou: People\n\n\
dn: ou=Groups,{BASE}\nobjectClass: organizationalUnit\nou: Groups\n\n"
    );
    for (d, name) in DEPTS.iter().enumerate() {
        s += &format!(
            "dn: cn={name},ou=Groups,{BASE}\nobjectClass: posixGroup\ncn: {name}\ngidNumber: {}\n\n",
            7000 + d
        );
    }
    for u in users {
        let (first, last) = u.display.split_once(' ').unwrap();
        let dept = DEPTS[u.dept];
        let manager = head(users, u).map(|h| format!("manager: {}\n", dn(&users[h]))).unwrap_or_default();
        if u.ad {
            s += &format!(
                "dn: cn={},ou=People,{BASE}\nobjectClass: inetOrgPerson\nobjectClass: extensibleObject\ncn: {}\nsn: {last}\n\
givenName: {first}\nsAMAccountName: {}\ndisplayName: {}\ntitle: Analyst\ndepartment: {dept}\nobjectSid:: {}\n\
memberOf: cn={dept},ou=Groups,{BASE}\n{manager}\n",
                u.account,
                u.account,
                u.account,
                u.display,
                base64(&binary_sid(u.rid))
            );
        } else {
            s += &format!(
                "dn: uid={},ou=People,{BASE}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {}\ncn: {}\n\
sn: {last}\ndisplayName: {}\ntitle: Engineer\ndepartmentNumber: {dept}\nuidNumber: {}\ngidNumber: {}\n\
homeDirectory: /home/{}\n{manager}\n",
                u.account,
                u.account,
                u.display,
                u.display,
                u.uid(),
                7000 + u.dept,
                u.account
            );
        }
    }
    s
}

fn csv(users: &[TestUser]) -> String {
    let mut s = String::from(
        "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"Department\",\"Enabled\",\"Name\",\"SamAccountName\",\"SID\",\"Title\",\"uidNumber\",\"Manager\"\r\n",
    );
    for u in users {
        let uid = if u.ad { String::new() } else { u.uid().to_string() };
        // Export-Csv writes the manager's DN; its CN is the manager's Name.
        let manager =
            head(users, u).map(|h| format!("CN={},OU=People,DC=example,DC=com", users[h].display)).unwrap_or_default();
        s += &format!(
            "\"{}\",\"True\",\"{}\",\"{}\",\"{}\",\"Analyst\",\"{uid}\",\"{manager}\"\r\n",
            DEPTS[u.dept],
            u.display,
            u.account,
            u.sid()
        );
    }
    s
}

/// A throwaway slapd on a loopback port, stopped on drop.
struct Slapd {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Slapd {
    fn start(ldif: &str) -> Option<Slapd> {
        if !have_tool(Command::new("slapd").arg("-VV"), "slapd (Debian package slapd)") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("db")).unwrap();
        let conf = format!(
            "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
include /etc/ldap/schema/inetorgperson.schema\ninclude /etc/ldap/schema/nis.schema\n\
include /etc/ldap/schema/msuser.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n\
pidfile {0}/slapd.pid\ndatabase mdb\nsuffix \"{BASE}\"\nrootdn \"{ADMIN}\"\nrootpw {PASSWORD}\n\
directory {0}/db\nmaxsize 33554432\n",
            d.display()
        );
        std::fs::write(d.join("slapd.conf"), conf).unwrap();
        std::fs::write(d.join("data.ldif"), ldif).unwrap();
        let (ok, _, err) = sh(&format!("slapadd -q -f {0}/slapd.conf -l {0}/data.ldif", d.display()));
        assert!(ok.success(), "slapadd failed: {err}");
        let port = free_port();
        let log = std::fs::File::create(d.join("slapd.log")).unwrap();
        // -d 256: stay in the foreground and log every operation (the request count below).
        let child = Command::new("slapd")
            .args([
                "-f",
                &format!("{}/slapd.conf", d.display()),
                "-h",
                &format!("ldap://127.0.0.1:{port}/"),
                "-d",
                "256",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("slapd starts");
        let s = Slapd { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not listen: {}", s.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(s)
    }

    fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    /// Operations of a kind (`BIND`, `SRCH`) the server received so far.
    fn operations(&self, kind: &str) -> usize {
        let ops: HashSet<String> = self
            .log()
            .lines()
            .filter(|l| l.contains(&format!(" {kind} ")))
            .filter_map(|l| {
                let conn = l.split_whitespace().find(|w| w.starts_with("conn="))?;
                let op = l.split_whitespace().find(|w| w.starts_with("op="))?;
                Some(format!("{conn} {op}"))
            })
            .collect();
        ops.len()
    }

    fn password_file(&self) -> PathBuf {
        let p = self.dir.path().join("bind.pw");
        std::fs::write(&p, format!("{PASSWORD}\n")).unwrap();
        p
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

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

#[test]
fn ldap_and_csv_owners_on_a_real_mount() {
    if !fuse_available() {
        return;
    }
    let users = users();
    let Some(ldap) = Slapd::start(&ldif(&users)) else { return };
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
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("users.csv");
    std::fs::write(&export, csv(&users)).unwrap();
    let mut args = tree.to_vec();
    let export_arg = export.display().to_string();
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
    let o = run(&["stats", "--files", "2000", "--identities", "system", "--uid-range", "0-0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
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
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("users.csv");
    std::fs::write(&export, csv(&users)).unwrap();
    let out = dir.path().join("share.tar");
    let (out_arg, export_arg) = (out.display().to_string(), export.display().to_string());
    let o = run(&["archive", &out_arg, "--files", "600", "--size-scale", "0.01", "--identities", &export_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
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
    if !fuse_available() {
        return;
    }
    let users = users();
    let Some(ldap) = Slapd::start(&ldif(&users)) else { return };
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
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("users.csv");
    std::fs::write(&export, csv(&users)).unwrap();
    let dest = dir.path().join("share");
    std::fs::create_dir(&dest).unwrap();
    let (dest_arg, export_arg) = (dest.display().to_string(), export.display().to_string());
    let tree = ["--files", "400", "--size-scale", "0.01", "--identities", export_arg.as_str()];
    let o = run(&[&["materialize", dest_arg.as_str()], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
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
