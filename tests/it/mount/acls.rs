//! Access control on the mount and on a materialized copy: POSIX ACLs (access tiers) and NT
//! security descriptors in SDDL (`user.synthfs.sddl`), each copied byte for byte and checked by
//! `verify`.

use crate::common::{Mount, Run, TestEnv, have, python_ok, sh, sh_ok, small_profile_path};

/// The tree these options name, materialized into a fresh directory (returned with its path).
fn materialized(tree: &[&str]) -> (TestEnv, String) {
    let env = TestEnv::new();
    let d = env.path().display().to_string();
    Run::of(&[&["materialize", &d][..], tree].concat()).ok();
    (env, d)
}

/// `verify` passes on the copy at `d`, and after `tamper` (a shell command) reports `what`.
fn verify_finds_tampering(d: &str, tree: &[&str], tamper: &str, what: &str) {
    let verify = || Run::of(&[&["verify", d][..], tree].concat());
    verify().ok();
    sh_ok(tamper);
    let o = verify();
    assert_eq!(o.code(), Some(1));
    assert!(o.stdout().contains(what), "{}", o.stdout());
}

/// Access tiers: `getfacl` shows each department's read, modify and full-control groups on the
/// mount (default ACLs on folders, the mask in the mode's group bits), materialize sets the
/// same ACLs byte for byte on ext4, and a tree without tiers has no ACLs to show.
#[test]
fn access_tiers_are_posix_acls_on_the_mount_and_on_a_materialized_tree() {
    if !have(&["getfacl", "--version"], "getfacl") {
        return;
    }
    let Some(m) = Mount::small(&["--acl-tiers"]) else { return };
    let root = m.root();
    let facl = sh_ok(&format!("cd '{root}' && getfacl -n Finance"));
    for want in ["group:30000:r-x", "group:30001:rwx", "group:30002:rwx", "mask::rwx", "default:group:30001:rwx"] {
        assert!(facl.lines().any(|l| l == want), "{want} missing from\n{facl}");
    }
    // Legal is the second department: its tiers are 30003-30005. Files: rw for modify and full.
    let (_, file, _) = sh(&format!("cd '{root}' && find Legal -maxdepth 1 -type f -perm -u+w | head -1"));
    let (_, facl, _) = sh(&format!("cd '{root}' && getfacl -n '{}'", file.trim()));
    for want in ["group:30003:r--", "group:30004:rw-", "group:30005:rw-", "mask::rw-"] {
        assert!(facl.lines().any(|l| l == want), "{want} missing from\n{facl}");
    }
    let (_, ls, _) = sh(&format!("cd '{root}' && ls -ld '{}'", file.trim()));
    assert!(ls.starts_with("-rw-rw----+") || ls.starts_with("-rw-rw-r--+"), "{ls}");
    // Materialized on the local disk, every node carries the same ACL bytes as the mount.
    let p = small_profile_path();
    let tree = ["--profile", p.as_str(), "--acl-tiers"];
    let (_dest, d) = materialized(&tree);
    let script = r#"
import os, sys
a, b = sys.argv[1], sys.argv[2]
def acl(path, name):
    try:
        return os.getxattr(path, name)
    except OSError:
        return None
nodes = with_acl = 0
for dirpath, dirs, files in os.walk(a):
    for n in dirs + files:
        pa = os.path.join(dirpath, n)
        pb = os.path.join(b, os.path.relpath(pa, a))
        for name in ("system.posix_acl_access", "system.posix_acl_default"):
            x, y = acl(pa, name), acl(pb, name)
            assert x == y, (pa, name, x, y)
        nodes += 1
        with_acl += acl(pa, "system.posix_acl_access") is not None
        assert os.lstat(pa).st_mode == os.lstat(pb).st_mode, pa
print(nodes, with_acl)
"#;
    let counts: Vec<u64> = python_ok(script, &[&root, &d]).split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert_eq!(counts[0], 2149);
    assert!(counts[1] > 500 && counts[1] < counts[0], "{counts:?}: departments only");
    // verify checks the ACLs: one removed tier is reported.
    verify_finds_tampering(&d, &tree, &format!("setfacl -x g:30001 '{d}/Finance'"), "ACL differs");
    // Without tiers: no ACL at all (getfacl shows the mode only).
    let plain = Mount::start_small(&[]);
    let facl = sh_ok(&format!("getfacl -n '{}/Finance'", plain.path().display()));
    assert!(!facl.contains("group:3000") && !facl.contains("mask::"), "{facl}");
}

/// NT ACLs: every folder and file of the panzura-demo mount has an SDDL descriptor and its SIDs
/// resolved, as `getfattr` shows; a Temp folder stops inheriting, denies the contractors and
/// lets Everyone modify; files inherit their folder's; materialize copies the descriptors; a
/// tree without them has none (`--nt-acls` turns them on).
#[test]
fn nt_acls_are_sddl_on_the_mount_and_on_a_materialized_tree() {
    if !have(&["getfattr", "--version"], "getfattr") {
        return;
    }
    let tree = ["--profile", "panzura-demo", "--files", "5000", "--size-scale", "0.001"];
    let Some(m) = Mount::try_start(&tree) else { return };
    let root = m.root();
    let get = |path: &str, name: &str| {
        let (ok, out, err) = sh(&format!("cd '{root}' && getfattr --only-values -n user.synthfs.{name} '{path}'"));
        assert!(ok.success(), "{path} {name}: {err}");
        out
    };
    let temp = get("Finance/Temp", "sddl");
    assert!(temp.starts_with("O:S-1-5-21-"), "{temp}");
    let dacl = &temp[temp.find("D:").unwrap()..];
    assert!(dacl.starts_with("D:PAI(D;OICI;0x1301bf;;;S-1-5-21-"), "inheritance broken, the deny first: {dacl}");
    assert!(dacl.contains("(A;OICI;0x1301bf;;;WD)") && dacl.contains("(A;OICI;FA;;;SY)"), "{dacl}");
    assert!(!dacl.contains("ID;"), "nothing inherited: {dacl}");
    let sids = get("Finance/Temp", "sddl_sids");
    assert!(sids.lines().any(|l| l.ends_with("\tAlias\tCORP\\contractors")), "{sids}");
    assert!(sids.lines().any(|l| l.ends_with("\tAlias\tCORP\\dl-finance-modify")), "{sids}");
    let finance = get("Finance", "sddl");
    assert!(finance.contains("D:AI(A;OICI;0x1200a9;;;S-1-5-21-"), "the read tier, explicit: {finance}");
    assert!(finance.contains("(A;OICIID;FA;;;SY)") && !finance.contains(";AU)"), "{finance}");
    // A file: its owner, and its folder's inheritable ACEs, inherited.
    let (_, file, _) = sh(&format!("cd '{root}' && find Finance -maxdepth 1 -type f | head -1"));
    let (sddl, owner_sid) = (get(file.trim(), "sddl"), get(file.trim(), "sid"));
    let file = sddl;
    assert!(file.starts_with(&format!("O:{owner_sid}D:AI(A;ID;0x1200a9;;;")), "{file}");
    assert!(file.ends_with("(A;ID;FA;;;SY)(A;ID;FA;;;BA)"), "{file}");
    let (ok, names, _) = sh(&format!("cd '{root}' && getfattr -d -m '^user\\.synthfs\\.sddl' Public"));
    assert!(
        ok.success() && names.contains("user.synthfs.sddl=") && names.contains("user.synthfs.sddl_sids="),
        "{names}"
    );
    // Materialized, every folder and file carries the same descriptor.
    let (_dest, d) = materialized(&tree);
    let script = r#"
import os, sys
a, b = sys.argv[1], sys.argv[2]
nodes = 0
for dirpath, dirs, files in os.walk(a):
    for n in dirs + files:
        pa = os.path.join(dirpath, n)
        pb = os.path.join(b, os.path.relpath(pa, a))
        for name in ("user.synthfs.sddl", "user.synthfs.sddl_sids"):
            assert os.getxattr(pa, name) == os.getxattr(pb, name), (pa, name)
        nodes += 1
print(nodes)
"#;
    assert!(python_ok(script, &[&root, &d]).trim().parse::<u64>().unwrap() > 5000);
    // verify checks the descriptors: one folder's, edited, is reported.
    let tamper = format!("setfattr -n user.synthfs.sddl -v 'O:BAD:AI(A;OICI;FA;;;WD)' '{d}/Finance/Temp'");
    verify_finds_tampering(&d, &tree, &tamper, "Finance/Temp/ (NT ACL differs");
    // Without them (the small profile), no descriptor; `--nt-acls` adds them.
    let plain = Mount::start_small(&[]);
    let (ok, _, err) = sh(&format!("getfattr -n user.synthfs.sddl '{}/Finance'", plain.path().display()));
    assert!(!ok.success() && err.contains("No such attribute"), "{err}");
    let nt = Mount::start_small(&["--nt-acls"]);
    let (ok, out, err) = sh(&format!("getfattr --only-values -n user.synthfs.sddl '{}/Finance'", nt.path().display()));
    assert!(ok.success() && out.contains("D:AI("), "{out}{err}");
}
