//! The tree digest: one hash over every name, attribute and byte of the tree (SHA-256 of the
//! names and attributes and of BLAKE3 content digests).
//!
//! A Merkle hash over directories in depth-first order (each directory's own entries, then its
//! children's digests in order), so it is computed in parallel yet independent of thread count.
//! Two runs, two machines or two front ends agree on it exactly when they agree on the tree.
//!
//! A file's bytes enter as their [`content_digest`] (BLAKE3 over the BLAKE3 of each 1 MiB
//! chunk), so a chunk inside one of the model's holes costs a known constant instead of a MiB
//! of zeros: the terabytes of sparse disk images in a share's default tree hash in seconds.

use std::sync::atomic::Ordering;

use sha2::{Digest, Sha256};

use crate::content_digest;
use crate::counters::Counters;
use crate::walk::map_ordered;
use synthfs_model::{ContentSpec, NodeKind, Timestamp, Tree};

/// SHA-256 of a file's bytes, as `sha256sum` would print it (holes hashed as zeros: for
/// tests and small files; the tree digest uses [`content_digest`]).
pub fn content_sha256(tree: &Tree, spec: &ContentSpec) -> [u8; 32] {
    let mut h = Sha256::new();
    // Sized to the file: zeroing a full 1 MiB for every small file used to be half the work.
    let mut buf = vec![0u8; spec.size.min(1 << 20) as usize];
    let mut off = 0u64;
    while off < spec.size {
        let n = tree.read_content(spec, off, &mut buf);
        h.update(&buf[..n]);
        off += n as u64;
    }
    h.finalize().into()
}

fn put_time(h: &mut Sha256, t: Timestamp) {
    h.update(t.secs.to_le_bytes());
    h.update(t.nanos.to_le_bytes());
}

/// A node's mode, uid and gid, then its created, modified and accessed times.
fn put_owner_and_times(h: &mut Sha256, (mode, uid, gid): (u32, u32, u32), times: [Timestamp; 3]) {
    h.update(mode.to_le_bytes());
    h.update(uid.to_le_bytes());
    h.update(gid.to_le_bytes());
    for t in times {
        put_time(h, t);
    }
}

/// The digest of the whole tree, as lowercase hex; files and their bytes are counted in
/// `progress` as they are hashed.
pub fn tree_digest(tree: &Tree, progress: &Counters) -> String {
    let root: [u8; 32] = map_ordered(
        tree,
        &|plan| {
            let mut h = Sha256::new();
            let d = tree.dir_attrs(plan);
            put_owner_and_times(&mut h, (d.mode, d.uid, d.gid), [d.created, d.modified, d.accessed]);
            // The files' attributes as the listing made them (past epoch 0, new files' ids are
            // no slots of the folder).
            let (listing, attrs) = tree.build_listing_and_attrs(plan);
            for (i, e) in listing.entries.iter().enumerate() {
                h.update(e.name.as_bytes());
                let kind = match e.kind {
                    NodeKind::File => 0,
                    NodeKind::Dir => 1,
                    NodeKind::Symlink => 2,
                };
                h.update([0, kind]);
                h.update(e.index.to_le_bytes());
                if let Some(l) = tree.symlink(e.index) {
                    h.update(l.target.as_bytes());
                } else if listing.is_extra_name(i) {
                    // Another name of a file hashed where it lives: its index says which.
                } else if let Some(a) = attrs.get(i).filter(|_| e.kind == NodeKind::File) {
                    h.update(a.size().to_le_bytes());
                    h.update(a.allocated().to_le_bytes());
                    put_owner_and_times(&mut h, (a.mode, a.uid, a.gid), [a.created, a.modified, a.accessed]);
                    h.update(content_digest::of_model(tree, &a.content));
                    progress.files_written.fetch_add(1, Ordering::Relaxed);
                    progress.bytes_written.fetch_add(a.size(), Ordering::Relaxed);
                }
            }
            let out: [u8; 32] = h.finalize().into();
            out
        },
        &|_, own, kids| {
            let mut h = Sha256::new();
            h.update(own);
            for k in kids {
                h.update(k);
            }
            h.finalize().into()
        },
    );
    root.iter().map(|b| format!("{b:02x}")).collect()
}
