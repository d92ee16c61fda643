//! The content digest of a file: BLAKE3 over the BLAKE3 of each 1 MiB chunk, in order.
//!
//! Defined by the bytes alone: a sparse file and a copy whose holes were filled agree, and a
//! chunk of zeros hashes the same wherever it lies. Yet it is cheap where the bytes are known
//! to be zero: a chunk that lies wholly in a hole (as the model says, or the filesystem with
//! `SEEK_DATA`) takes the known hash of a zero chunk without being made or read. The
//! terabytes of holes in a share's disk images and backups cost a few million 32-byte updates
//! instead of hours of hashing zeros.
//!
//! `digest = BLAKE3( BLAKE3(chunk 0) || BLAKE3(chunk 1) || ... )`, chunks of [`CHUNK`]
//! bytes from offset 0, the last one shorter (an empty file has no chunk). BLAKE3 (plain
//! hashing mode, 32-byte output) rather than SHA-256: the data ranges that remain are all real
//! bytes (136 GiB in the default 100k-file tree), and BLAKE3 hashes them about twice as fast
//! as SHA-256 does with the CPU's SHA extensions (docs/performance.md, "The tree digest").

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::sync::OnceLock;

use synthfs_model::{ContentSpec, Tree};

/// Bytes per chunk.
pub const CHUNK: u64 = 1 << 20;

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The hash of a chunk of `len` zero bytes (the full-size one computed once).
fn zero_chunk(len: u64) -> [u8; 32] {
    static FULL: OnceLock<[u8; 32]> = OnceLock::new();
    let hash = |len: u64| -> [u8; 32] { blake3::hash(&vec![0u8; len as usize]).into() };
    if len == CHUNK { *FULL.get_or_init(|| hash(CHUNK)) } else { hash(len) }
}

/// The chunks of a file of `size` bytes: `(start, end)`.
fn chunks(size: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..size.div_ceil(CHUNK)).map(move |i| (i * CHUNK, ((i + 1) * CHUNK).min(size)))
}

/// Hashes each chunk with `read` unless `in_hole(start, end)` says it is all hole.
fn digest_chunks(
    size: u64,
    in_hole: &mut dyn FnMut(u64, u64) -> io::Result<bool>,
    read: &mut dyn FnMut(u64, &mut [u8]) -> io::Result<()>,
) -> io::Result<[u8; 32]> {
    BUF.with_borrow_mut(|buf| {
        let mut outer = blake3::Hasher::new();
        for (start, end) in chunks(size) {
            if in_hole(start, end)? {
                outer.update(&zero_chunk(end - start));
                continue;
            }
            buf.resize((end - start) as usize, 0);
            read(start, buf)?;
            outer.update(blake3::hash(&buf[..]).as_bytes());
        }
        Ok(outer.finalize().into())
    })
}

/// Files of more chunks than this hash their chunks in parallel.
const PARALLEL_CHUNKS: u64 = 16;

/// The digest of a file of the model; its holes are neither made nor hashed. A file of many
/// chunks (a disk image's data ranges) hashes them on all threads: the chunks are independent
/// and only the outer hash is in order.
pub fn of_model(tree: &Tree, spec: &ContentSpec) -> [u8; 32] {
    let n = spec.size.div_ceil(CHUNK);
    let mut outer = blake3::Hasher::new();
    if n > PARALLEL_CHUNKS {
        use rayon::prelude::*;
        let hashes: Vec<[u8; 32]> = (0..n).into_par_iter().map(|i| model_chunk(tree, spec, i)).collect();
        hashes.iter().for_each(|h| {
            outer.update(h);
        });
    } else {
        (0..n).for_each(|i| {
            outer.update(&model_chunk(tree, spec, i));
        });
    }
    outer.finalize().into()
}

/// The hash of chunk `i` of a file of the model: the known zero chunk's where it lies in a
/// hole, else of its bytes.
fn model_chunk(tree: &Tree, spec: &ContentSpec, i: u64) -> [u8; 32] {
    let (start, end) = (i * CHUNK, ((i + 1) * CHUNK).min(spec.size));
    let (data, run_end) = spec.run_at(start);
    if !data && run_end >= end {
        return zero_chunk(end - start);
    }
    BUF.with_borrow_mut(|buf| {
        buf.resize((end - start) as usize, 0);
        let mut done = 0;
        while done < buf.len() {
            let n = tree.read_content(spec, start + done as u64, &mut buf[done..]);
            if n == 0 {
                // The model's size says there is more: a short read is a bug, not an I/O error.
                buf[done..].fill(0);
                break;
            }
            done += n;
        }
        blake3::hash(&buf[..]).into()
    })
}

/// The digest of the first `size` bytes of an open file, and how many bytes were read for it.
/// Chunks the filesystem reports as holes (`SEEK_DATA` finds no data in them) are not read;
/// where it reports none (a copy that filled its holes, a filesystem without `SEEK_DATA`),
/// every chunk is read.
pub fn of_file(file: &File, size: u64) -> io::Result<([u8; 32], u64)> {
    use std::os::unix::fs::FileExt;
    // The next data offset known at or after the last question, or `u64::MAX` for none.
    let mut next_data: Option<u64> = None;
    let mut in_hole = |start: u64, end: u64| -> io::Result<bool> {
        if next_data.is_none_or(|d| d < start) {
            next_data = Some(match rustix::fs::seek(file, rustix::fs::SeekFrom::Data(start)) {
                Ok(d) => d,
                Err(rustix::io::Errno::NXIO) => u64::MAX,
                // No SEEK_DATA here: take everything as data.
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::OPNOTSUPP) => start,
                Err(e) => return Err(e.into()),
            });
        }
        Ok(next_data.is_some_and(|d| d >= end))
    };
    let mut bytes_read = 0u64;
    let mut read = |start: u64, buf: &mut [u8]| -> io::Result<()> {
        bytes_read += buf.len() as u64;
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], start + done as u64) {
                Ok(0) => {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than its size"));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    };
    let digest = digest_chunks(size, &mut in_hole, &mut read)?;
    Ok((digest, bytes_read))
}

/// Lowercase hex of a digest.
pub fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};

    use super::*;
    use synthfs_model::Profile;

    /// The definition, over bytes in memory.
    fn by_definition(bytes: &[u8]) -> [u8; 32] {
        let mut outer = blake3::Hasher::new();
        for c in bytes.chunks(CHUNK as usize) {
            outer.update(blake3::hash(c).as_bytes());
        }
        outer.finalize().into()
    }

    #[test]
    fn a_sparse_file_of_the_model_digests_as_its_bytes() {
        let p = Profile::builtin_with_files("enterprise", 3000).unwrap();
        let tree = Tree::new(p).unwrap();
        // The smallest sparse file, and a plain one over a chunk.
        let files = (0..tree.node_count()).filter_map(|i| tree.file_attrs(i));
        let (sparse, plain): (Vec<_>, Vec<_>) = files.partition(|a| a.content.sparse.is_some());
        let sparse = sparse.into_iter().min_by_key(|a| a.size()).expect("a sparse file");
        let plain = plain.into_iter().find(|a| a.size() > 2 * CHUNK).expect("a plain file over two chunks");
        assert!(sparse.size() < 4 << 30, "the smallest sparse file has {} bytes", sparse.size());
        for a in [sparse, plain] {
            // The definition, every chunk made and hashed.
            let mut outer = blake3::Hasher::new();
            let mut buf = vec![0u8; CHUNK as usize];
            for (start, end) in chunks(a.size()) {
                let chunk = &mut buf[..(end - start) as usize];
                let mut done = 0;
                while done < chunk.len() {
                    done += tree.read_content(&a.content, start + done as u64, &mut chunk[done..]);
                }
                outer.update(blake3::hash(chunk).as_bytes());
            }
            assert_eq!(of_model(&tree, &a.content), <[u8; 32]>::from(outer.finalize()), "file {}", a.index);
        }
    }

    #[test]
    fn a_file_on_disk_skips_its_holes_and_sees_what_is_written_in_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let size = 5 * CHUNK + 123;
        let mut f = File::create(&path).unwrap();
        f.set_len(size).unwrap();
        f.write_all(b"head").unwrap();
        f.seek(SeekFrom::Start(3 * CHUNK + 7)).unwrap();
        f.write_all(b"data in the middle").unwrap();
        f.sync_all().unwrap();
        let read_back = std::fs::read(&path).unwrap();
        let f = File::open(&path).unwrap();
        let (digest, read) = of_file(&f, size).unwrap();
        assert_eq!(digest, by_definition(&read_back));
        assert!(read <= 2 * CHUNK, "the holes were read: {read} bytes");
        // A byte written into a hole changes the digest.
        let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        w.seek(SeekFrom::Start(CHUNK + 5)).unwrap();
        w.write_all(b"x").unwrap();
        drop(w);
        let (changed, _) = of_file(&File::open(&path).unwrap(), size).unwrap();
        assert_ne!(changed, by_definition(&read_back));
        assert_eq!(changed, by_definition(&std::fs::read(&path).unwrap()));
        // An empty file has no chunk.
        assert_eq!(of_file(&f, 0).unwrap(), (<[u8; 32]>::from(blake3::Hasher::new().finalize()), 0));
    }
}
