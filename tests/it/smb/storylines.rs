//! The permission stories `synthfs report` counts are there for a scanner reading the share
//! over SMB: broken inheritance, Everyone-modify folders, direct grants to people (some of
//! whom have left) and files owned by leavers. A SID is classified the way a scanner with the
//! directory's accounts would: the model's roster says which SIDs are people and which of
//! them still have an account.

use std::collections::HashSet;

use super::metadata::{TREE, nt_tree};
use super::{PASSWORD, Served, USER, can_serve, have_smbprotocol};
use crate::common::Run;

const EVERYONE: &str = "S-1-1-0";
/// FILE_WRITE_DATA, FILE_APPEND_DATA, DELETE: what "may modify" means to an audit.
const WRITE: u64 = 0x0001_0006;
const INHERITED: u64 = 0x10;
const PROTECTED: u64 = 0x1000;

#[test]
fn the_reports_storylines_are_found_over_smb_in_the_same_numbers() {
    if !can_serve() || !have_smbprotocol() {
        return;
    }
    let port = super::lifecycle::free_port();
    let listen = format!("127.0.0.1:{port}");
    let served = Served::start(
        port,
        &[&TREE[..], &["--listen", &listen, "--user", USER]].concat(),
        &[("SYNTHFS_SMB_PASSWORD", PASSWORD)],
    );
    let walked = served.walk();
    drop(served);
    let tree = nt_tree();
    let accounts = tree.model.accounts();
    let slots = 0..accounts.slots() as u32;
    let people: HashSet<String> = slots.clone().map(|s| accounts.sid(s)).collect();
    let left: HashSet<String> = slots.filter(|s| accounts.account(*s).is_none()).map(|s| accounts.sid(s)).collect();
    assert!(!left.is_empty(), "the roster has leavers");

    let (mut protected, mut everyone_modify, mut user_aces, mut deleted_user_aces, mut orphan_files) = (0, 0, 0, 0, 0);
    for r in &walked {
        let explicit =
            || r["aces"].as_array().expect("aces").iter().filter(|a| a[1].as_u64().expect("flags") & INHERITED == 0);
        if r["dir"] == false {
            orphan_files += u64::from(left.contains(r["owner"].as_str().expect("owner")));
            continue;
        }
        if r["path"] == "" {
            continue;
        }
        protected += u64::from(r["control"].as_u64().expect("control") & PROTECTED != 0);
        everyone_modify +=
            u64::from(explicit().any(|a| a[0] == 0 && a[3] == EVERYONE && a[2].as_u64().expect("mask") & WRITE != 0));
        for a in explicit() {
            let sid = a[3].as_str().expect("a SID");
            user_aces += u64::from(people.contains(sid));
            deleted_user_aces += u64::from(left.contains(sid));
        }
    }
    let report = Run::of(&[&["report", "--json", "--nt-acls"][..], &TREE].concat()).json();
    let acls = &report["acls"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or_else(|| panic!("a count: {v}"));
    assert!(n(&acls["broken_inheritance"]) > 0 && n(&acls["everyone_modify"]) > 0, "the tree has the stories: {acls}");
    assert_eq!(protected, n(&acls["broken_inheritance"]), "folders that stop inheriting");
    assert_eq!(everyone_modify, n(&acls["everyone_modify"]), "Everyone-modify folders");
    assert_eq!(user_aces, n(&acls["user_aces"]), "direct grants to people");
    assert_eq!(deleted_user_aces, n(&acls["deleted_user_aces"]), "grants to people who left");
    assert_eq!(orphan_files, n(&report["owner_kinds"]["orphan"]["files"]), "files owned by leavers");
}
