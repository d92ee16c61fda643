//! Files too big to hold whole: generated (and deflated) again in parallel pieces and written
//! in order to the archive, or at their offsets in a folder output (holes left as holes).

use std::fs::File;
use std::io;

use rayon::prelude::*;

use synthfs_model::Tree;
use synthfs_model::zip_records;

use super::super::deflate::{self, Piece};
use super::super::prepare::Hashes;
use super::super::walk::Item;
use super::super::zip::{self, CentralEntry, Framing, Known};
use super::super::{Compression, EntryMeta, Format, data_extents, tar};
use super::Writer;

impl Writer<'_> {
    /// A file too big to hold: generated (and compressed) again in parallel pieces and written
    /// in order; its digests were computed by a worker. Holes of sparse files are not generated:
    /// tar leaves them out (sparse entry), ZIP deflates them from one cached piece of zeros.
    pub(super) fn stream_entry(&mut self, item: &Item, path: &str, h: &Hashes) -> io::Result<()> {
        let Some(file) = &item.file else { return Err(io::Error::other("not a file")) };
        let a = &file.attrs;
        let size = a.size();
        let sparse = a.content.sparse.is_some();
        let data_runs = data_extents(&a.content);
        let pieces = deflate::pieces(size, &data_runs);
        let zip = self.opts.format == Format::Zip;
        let deflate = zip && (self.opts.compression == Compression::Deflate || sparse);
        let zip64 = zip::needs_zip64(size);
        let method = if deflate { zip::DEFLATE } else { zip::STORE };
        // Stored sizes are known up front; deflated ones follow the data in a descriptor.
        let known = (!deflate).then_some(Known { crc: h.crc, compressed: size, size });
        if self.opts.format == Format::Dir {
            self.counts.entries += 1;
            self.listed.add(path, size);
            return self.dir_stream(path, &item.meta, a, &pieces);
        }
        let offset = self.stream.offset;
        self.counts.entries += 1;
        self.listed.add(path, size);
        if zip {
            zip::local_header(path, &item.meta, &Framing { method, known, zip64 }, &mut self.stream.header);
        } else {
            tar::headers(path, &item.meta, size, sparse.then_some(&data_runs[..]), &mut self.stream.header);
        }
        self.stream.emit_header()?;
        let mut stored = 0u64;
        let window = (rayon::current_num_threads() * 2).max(2);
        // Stored archives keep data as stored deflate blocks (exact, predictable sizes); holes
        // always deflate.
        let data_level = if self.opts.compression == Compression::Store { 0 } else { self.opts.level };
        let levels = (data_level, self.opts.level);
        let tree = self.tree;
        let count = pieces.len();
        for (ci, chunk) in pieces.chunks(window).enumerate() {
            if self.opts.cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            let outs: Vec<io::Result<PieceOut>> = chunk
                .par_iter()
                .enumerate()
                .map(|(j, p)| make_piece(tree, a, *p, ci * window + j + 1 == count, deflate, levels))
                .collect();
            for o in outs {
                let o = o?;
                let bytes: &[u8] = match (&o.compressed, &o.raw) {
                    (Some(z), _) => z,
                    (None, Some(r)) => r,
                    (None, None) if zip => &deflate::ZEROS[..o.len],
                    (None, None) => continue,
                };
                stored += bytes.len() as u64;
                self.stream.emit(bytes)?;
            }
        }
        if zip {
            if known.is_none() {
                zip_records::data_descriptor(zip64, h.crc, stored, size, &mut self.stream.header);
                self.stream.emit_header()?;
            }
            self.central.add(CentralEntry {
                name: path.into(),
                meta: item.meta.clone(),
                method,
                descriptor: known.is_none(),
                zip64,
                crc: h.crc,
                compressed: stored,
                size,
                offset,
                symlink: false,
            })
        } else {
            self.stream.emit(&[0u8; 512][..tar::padding(stored)])
        }
    }

    /// A big or sparse file of a directory output: pieces generated in parallel and written at
    /// their offsets; holes are left unwritten, so they stay holes.
    fn dir_stream(
        &mut self,
        path: &str,
        meta: &EntryMeta,
        a: &synthfs_model::FileAttrs,
        pieces: &[Piece],
    ) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        let f = self.dir_file(path, meta)?;
        f.set_len(a.size())?;
        let window = (rayon::current_num_threads() * 2).max(2);
        let tree = self.tree;
        for chunk in pieces.chunks(window) {
            if self.opts.cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            let outs: Vec<io::Result<PieceOut>> =
                chunk.par_iter().map(|p| make_piece(tree, a, *p, false, false, (0, 0))).collect();
            for (p, o) in chunk.iter().zip(outs) {
                if let Some(raw) = o?.raw {
                    f.write_all_at(&raw, p.start)?;
                }
            }
        }
        self.stream.offset += a.size();
        set_file_times(&f, meta)
    }
}

/// Gives a file of a directory output its entry's modification and access times.
pub(super) fn set_file_times(f: &File, meta: &EntryMeta) -> io::Result<()> {
    let at = |secs: i64| {
        let d = std::time::Duration::from_secs(secs.unsigned_abs());
        if secs >= 0 { std::time::UNIX_EPOCH + d } else { std::time::UNIX_EPOCH - d }
    };
    f.set_times(std::fs::FileTimes::new().set_modified(at(meta.modified)).set_accessed(at(meta.accessed)))
}

struct PieceOut {
    len: usize,
    /// Generated bytes (`None` for a hole).
    raw: Option<Vec<u8>>,
    compressed: Option<Vec<u8>>,
}

/// Generates (and deflates, at `levels` (data, holes)) one piece.
fn make_piece(
    tree: &Tree,
    a: &synthfs_model::FileAttrs,
    p: Piece,
    last: bool,
    deflate: bool,
    levels: (u32, u32),
) -> io::Result<PieceOut> {
    let level = if p.data { levels.0 } else { levels.1 };
    if p.data {
        let mut raw = vec![0u8; p.len];
        let n = tree.read_content(&a.content, p.start, &mut raw);
        raw.truncate(n);
        let compressed = if deflate {
            let mut z = Vec::new();
            deflate::piece(&raw, last, level, &mut z)?;
            Some(z)
        } else {
            None
        };
        return Ok(PieceOut { len: raw.len(), raw: Some(raw), compressed });
    }
    let compressed = match deflate {
        false => None,
        true if !last && p.len == deflate::PIECE => Some(deflate::zero_piece(level)?.to_vec()),
        true => {
            let mut z = Vec::new();
            deflate::piece(&deflate::ZEROS[..p.len], last, level, &mut z)?;
            Some(z)
        }
    };
    Ok(PieceOut { len: p.len, raw: None, compressed })
}
