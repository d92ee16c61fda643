//! `serve smb` moved on to its next epoch with SIGUSR1 while a client has walked it: a second
//! walk over SMB is the next epoch, node for node.

use std::collections::{BTreeSet, HashMap};

use super::metadata::{WalkCheck, check_walk};
use super::{Served, can_serve, have_smbprotocol};
use crate::common::{Run, signal, small_profile_path};

#[test]
fn serve_smb_moves_on_to_the_next_epoch_by_signal() {
    if !can_serve() || !have_smbprotocol() {
        return;
    }
    let small = small_profile_path();
    let tree_args = ["--profile", small.as_str(), "--nt-acls", "--churn", "20"];
    let mut served = Served::small(4461, &["--nt-acls", "--churn", "20"]);
    let before: BTreeSet<String> = served.walk().iter().map(|r| r["path"].as_str().unwrap().to_string()).collect();
    // The next epoch, as the model has it.
    let mut p = synthfs_model::Profile::from_toml(&std::fs::read_to_string(&small).unwrap(), "small").unwrap();
    p.acls.windows = true;
    p.churn = p.churn.scaled(20.0);
    p.epoch = 1;
    let later = synthfs_model::Tree::new(p).unwrap();
    let files: HashMap<String, serde_json::Value> = Run::of(&[&["manifest", "--epoch", "1"][..], &tree_args].concat())
        .ok()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| (v["path"].as_str().unwrap().trim_start_matches('/').to_string(), v))
        .collect();
    let pid = served.child.as_ref().unwrap().id();
    assert!(signal(pid, "USR1"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let walked = loop {
        let walked = served.walk();
        let paths: BTreeSet<&str> =
            walked.iter().filter(|r| r["dir"] != true).map(|r| r["path"].as_str().unwrap()).collect();
        let want: BTreeSet<&str> = files.keys().map(String::as_str).collect();
        if paths == want || std::time::Instant::now() > deadline {
            break walked;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    let after: BTreeSet<String> = walked.iter().map(|r| r["path"].as_str().unwrap().to_string()).collect();
    assert_ne!(before, after, "the share changed");
    let WalkCheck { wrong, files: n, .. } = check_walk(&walked, &later, &files, true);
    assert!(wrong.is_empty(), "{} differences from epoch 1, first: {:?}", wrong.len(), &wrong[..wrong.len().min(5)]);
    assert_eq!(n as usize, files.len());
    assert!(served.stop().success());
}
