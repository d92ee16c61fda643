//! Identity sources over SMB: with `--identities` (an Active Directory export as CSV, or an
//! LDAP directory with `objectSid`), the owners and DACL SIDs a client reads are the source's,
//! node for node as the mount gives them; a leaver's SID resolves to no account (smbcacls
//! prints it bare) while the well-known SIDs resolve to their names.

use std::collections::HashMap;
use std::path::Path;

use super::{PASSWORD, Served, USER, can_serve, have_smbprotocol, metadata::walked_sddl};
use crate::common::Mount;
use crate::identities::directory::{ADMIN, BASE, ldif, users};
use crate::identities::{csv_export, slapd::Slapd};

/// The tree: 2,000 files of the Panzura demo profile with NT ACLs.
const TREE: [&str; 5] = ["--profile", "panzura-demo", "--files", "2000", "--nt-acls"];

/// What the mount says of a node: its SDDL (owner and DACL), and its owner's name and SID.
struct Reference {
    sddl: String,
    owner: String,
    sid: String,
}

/// Every folder and file of a mount of `args` (symbolic links aside), by share path.
fn mount_reference(args: &[&str]) -> HashMap<String, Reference> {
    fn get(p: &Path, name: &str) -> String {
        let v = xattr::get(p, name).expect("getxattr").unwrap_or_else(|| panic!("{name} on {}", p.display()));
        String::from_utf8(v).expect("UTF-8")
    }
    let mount = Mount::start(args);
    let mut out = HashMap::new();
    let mut stack = vec![mount.path().to_path_buf()];
    while let Some(p) = stack.pop() {
        let rel = p.strip_prefix(mount.path()).expect("inside").to_string_lossy().into_owned();
        out.insert(
            rel,
            Reference {
                sddl: get(&p, "user.synthfs.sddl"),
                owner: get(&p, "user.synthfs.owner"),
                sid: get(&p, "user.synthfs.sid"),
            },
        );
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                let e = e.expect("an entry");
                if !e.file_type().expect("a type").is_symlink() {
                    stack.push(e.path());
                }
            }
        }
    }
    out
}

/// `smbcacls` (names resolved, as an administrator reads them) of one path.
fn smbcacls(path: &str) -> String {
    let o = std::process::Command::new("smbcacls")
        .args(["//127.0.0.1/share", &path.replace('/', "\\"), "-U", &format!("{USER}%{PASSWORD}")])
        .output()
        .expect("smbcacls runs");
    assert!(o.status.success(), "smbcacls {path}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Serves the tree with `source` (the `--identities` options), walks it with smbprotocol and
/// checks every node against a mount with the same options. Returns the owner SIDs seen.
fn served_as_mounted(label: &str, source: &[&str]) -> Vec<String> {
    let args = [&TREE[..], source].concat();
    let served = Served::start(
        445,
        &[&args[..], &["--listen", "127.0.0.1:445", "--user", USER]].concat(),
        &[("SYNTHFS_SMB_PASSWORD", PASSWORD)],
    );
    let walked = served.walk();
    let reference = mount_reference(&args);
    // A leaver's SID resolves to no account, the well-known SIDs to their names.
    let (leaver_path, leaver) = reference.iter().find(|(_, r)| r.owner == r.sid).expect("a file of someone who left");
    let acl = smbcacls(leaver_path);
    assert!(acl.contains(&format!("OWNER:{}\n", leaver.sid)), "{label}: {leaver_path}: {acl}");
    let root = smbcacls("");
    // As Samba names them (its own spelling of NT AUTHORITY); the domain's groups stay SIDs.
    for named in ["NT Authority\\SYSTEM:ALLOWED", "BUILTIN\\Administrators:ALLOWED"] {
        assert!(root.contains(named), "{label}: the root's ACL names {named}: {root}");
    }
    drop(served);

    assert_eq!(walked.len(), reference.len(), "{label}: nodes over SMB and through the mount");
    let top = walked.iter().find(|r| r["path"] == "").expect("the root");
    let domain_group = top["group"].as_str().expect("a group").to_string();
    let mut wrong = Vec::new();
    let mut owners = Vec::new();
    for r in &walked {
        let path = r["path"].as_str().expect("a path");
        let Some(want) = reference.get(path) else {
            wrong.push(format!("{path}: not in the mount"));
            continue;
        };
        let sddl = walked_sddl(r);
        let group = format!("G:{domain_group}");
        let without_group = sddl.replacen(&group, "", 1);
        if without_group != want.sddl || !sddl.contains(&group) {
            wrong.push(format!("{path}: {sddl} != mount {} with {group}", want.sddl));
        }
        owners.push(r["owner"].as_str().expect("an owner").to_string());
    }
    assert!(wrong.is_empty(), "{label}: {} mismatches:\n{}", wrong.len(), wrong[..wrong.len().min(20)].join("\n"));
    // Domain Users of the source's domain (a Unix source's groups have only Samba's S-1-22-2
    // SIDs, which must not stand in for a domain).
    let users_domain = users()[1].sid().rsplit_once('-').map(|(d, _)| d.to_string()).expect("a SID");
    assert_eq!(domain_group, format!("{users_domain}-513"), "{label}: the group is the domain's Domain Users");
    owners
}

#[test]
fn the_sids_of_an_ad_export_and_an_ldap_directory_reach_smb_clients() {
    if !can_serve() || !have_smbprotocol() {
        return;
    }
    let people = users();
    let is_theirs = |owners: &[String]| people.iter().filter(|u| u.ad).filter(|u| owners.contains(&u.sid())).count();

    let (_dir, export) = csv_export(&people);
    let owners = served_as_mounted("CSV", &["--identities", &export]);
    assert!(is_theirs(&owners) >= 30, "owners are the export's SIDs: {} of them", is_theirs(&owners));

    let Some(ldap) = Slapd::start(&ldif(&people)) else { return };
    let (url, pw) = (ldap.url(), ldap.password_file().display().to_string());
    let source = ["--identities", &url, "--ldap-base", BASE, "--ldap-bind-dn", ADMIN, "--ldap-password-file", &pw];
    let owners = served_as_mounted("LDAP", &source);
    assert!(is_theirs(&owners) >= 30, "owners are the directory's objectSids: {} of them", is_theirs(&owners));
}
