//! The expected records: every node of the model's tree, computed in-process from the same
//! profile and options the front ends are given, with the SHA-256 of its content.

use std::collections::BTreeMap;

use sha2::Digest;
use synthfs_model::{Location, Timestamp, Tree};

use super::record::{Kind, Record};

/// Every node but the root (which no front end renders as an entry: materialize writes into a
/// folder that exists, archives have no root entry), by path.
pub fn records(tree: &Tree) -> BTreeMap<String, Record> {
    let mut out = BTreeMap::new();
    for i in 1..tree.node_count() {
        let path = tree.path(i).expect("every index has a path");
        let mut r = match tree.locate(i).expect("every index is a node") {
            Location::File { parent, slot } => {
                let a = tree.file_attrs_in(&parent, slot);
                let mut r = Record::new(Kind::File);
                r.size = a.size();
                (r.mtime, r.atime) = (time(a.modified), time(a.accessed));
                (r.uid, r.gid, r.mode) = (a.uid, a.gid, a.mode);
                r.sha256 = Some(sha256(tree, &a.content));
                r
            }
            Location::Dir(plan) => {
                let d = tree.dir_attrs(&plan);
                let mut r = Record::new(Kind::Dir);
                (r.mtime, r.atime) = (time(d.modified), time(d.accessed));
                (r.uid, r.gid, r.mode) = (d.uid, d.gid, d.mode);
                r
            }
            Location::Symlink(_) => panic!("{path}: the conformance trees have no links"),
        };
        for (name, value) in tree.xattrs(i).expect("every node has attributes") {
            r.xattrs.insert(name.to_string(), value.into_bytes());
        }
        out.insert(path, r);
    }
    out
}

fn time(t: Timestamp) -> (i64, u32) {
    (t.secs, t.nanos)
}

/// SHA-256 of a file's content, read from the model in 1 MiB pieces.
fn sha256(tree: &Tree, spec: &synthfs_model::ContentSpec) -> String {
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; spec.size.min(1 << 20) as usize];
    let mut off = 0;
    while off < spec.size {
        let n = tree.read_content(spec, off, &mut buf);
        assert!(n > 0, "the model reads short at {off} of {}", spec.size);
        h.update(&buf[..n]);
        off += n as u64;
    }
    crate::common::hex(&h.finalize())
}
