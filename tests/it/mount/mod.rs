//! The mount as users and their tools see it: real FUSE mounts of the real binary, checked with
//! find, stat, du, cp, cat and Python. Skipped (with the reason printed) only where /dev/fuse
//! is missing.

mod acls;
mod lifecycle;
mod model;
mod read_ahead;
mod scanners;
mod torture;

use std::collections::HashMap;
use std::path::Path;

use synthfs::stats::digest::content_sha256;
use synthfs_model::{FileAttrs, Tree};

/// The bytes read through the mount at `path` hash to the model's content digest.
fn assert_reads_as_model(tree: &Tree, root: &Path, path: &str, a: &FileAttrs) {
    use sha2::Digest;
    let bytes = std::fs::read(root.join(path)).unwrap();
    let got: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    assert_eq!(got, content_sha256(tree, &a.content), "{path}");
}

/// Every file of the model by path.
fn files_by_path(tree: &Tree) -> HashMap<String, FileAttrs> {
    let all = crate::common::all_files(tree);
    all.into_iter().map(|a| (tree.path(a.index).unwrap(), a)).collect()
}
