//! Where the archive's bytes go: optionally through a whole-stream compressor (gzip made of
//! deflate pieces compressed in parallel, the way pigz works, or zstd in its multithreaded
//! mode), then into the file, while a thread of its own computes the SHA-256 and MD5 of the
//! bytes written for the `.meta` file (no second pass over the archive).
//!
//! Both compressors give the same bytes for any thread count: gzip pieces are cut at fixed
//! input offsets, and zstd's multithreaded mode cuts jobs by size, not by worker.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use md5::Digest as _;
use rayon::prelude::*;
use serde::Serialize;

use super::deflate;

/// Compression of the whole stream (tar only; ZIP compresses entry by entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wrap {
    None,
    Gzip,
    Zstd,
}

/// Bytes handed to the file (and the hashing thread) at a time.
const CHUNK: usize = 1 << 20;
/// Chunks queued for the hashing thread.
const HASH_QUEUE: usize = 4;

/// What was written: the file's length and, when hashed, its digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub digests: Option<Digests>,
}

/// SHA-256 and MD5 of the archive file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digests {
    pub sha256: [u8; 32],
    pub md5: [u8; 16],
}

/// The archive's output.
pub enum Sink {
    Plain(Hashed),
    Gzip(ParallelGzip<Hashed>),
    Zstd(Box<zstd::stream::write::Encoder<'static, Hashed>>),
    /// A directory output has no stream: nothing is written to it.
    Null,
    /// After [`Sink::finish`] took the output: writes fail.
    Finished,
}

impl Sink {
    /// Creates the output over `file`, compressing at `level` (1-9) when wrapped, and hashing
    /// what is written when `hash`.
    pub fn new(file: File, wrap: Wrap, level: u32, threads: usize, hash: bool) -> io::Result<Sink> {
        let hashed = Hashed::new(file, hash)?;
        Ok(match wrap {
            Wrap::None => Sink::Plain(hashed),
            Wrap::Gzip => Sink::Gzip(ParallelGzip::new(hashed, level, threads)),
            Wrap::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(hashed, level as i32)?;
                // Always the multithreaded mode (one worker at least): its output depends on
                // the job size only, so any --threads gives the same bytes.
                z.multithread(threads.max(1) as u32)?;
                z.include_checksum(true)?;
                Sink::Zstd(Box::new(z))
            }
        })
    }

    /// Ends the stream (compressor trailer), flushes and syncs nothing more: returns the
    /// length and digests of the file.
    pub fn finish(self) -> io::Result<Written> {
        match self {
            Sink::Plain(h) => h.finish(),
            Sink::Gzip(g) => g.finish()?.finish(),
            Sink::Zstd(z) => z.finish()?.finish(),
            Sink::Null => Ok(Written { bytes: 0, digests: None }),
            Sink::Finished => Err(finished()),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(h) => h.write(buf),
            Sink::Gzip(g) => g.write(buf),
            Sink::Zstd(z) => z.write(buf),
            Sink::Null => Ok(buf.len()),
            Sink::Finished => Err(finished()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(h) => h.flush(),
            Sink::Gzip(g) => g.flush(),
            Sink::Zstd(z) => z.flush(),
            Sink::Null => Ok(()),
            Sink::Finished => Err(finished()),
        }
    }
}

fn finished() -> io::Error {
    io::Error::other("the archive output is already finished")
}

/// A buffered file writer whose bytes are also hashed (SHA-256 and MD5) on another thread.
pub struct Hashed {
    file: File,
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    hasher: Option<JoinHandle<([u8; 32], [u8; 16])>>,
    bytes: u64,
}

impl Hashed {
    fn new(file: File, hash: bool) -> io::Result<Hashed> {
        if !hash {
            return Ok(Hashed { file, buf: Vec::with_capacity(CHUNK), tx: None, hasher: None, bytes: 0 });
        }
        let (tx, rx) = sync_channel::<Vec<u8>>(HASH_QUEUE);
        let hasher = std::thread::Builder::new().name("synthfs-hash".into()).spawn(move || {
            let mut sha = sha2::Sha256::new();
            let mut md5 = md5::Md5::new();
            for chunk in rx {
                sha.update(&chunk);
                md5.update(&chunk);
            }
            (sha.finalize().into(), md5.finalize().into())
        })?;
        Ok(Hashed { file, buf: Vec::with_capacity(CHUNK), tx: Some(tx), hasher: Some(hasher), bytes: 0 })
    }

    fn push_out(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.buf)?;
        self.bytes += self.buf.len() as u64;
        match &self.tx {
            Some(tx) => {
                let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
                tx.send(chunk).map_err(|_| io::Error::other("the hashing thread stopped"))
            }
            None => {
                self.buf.clear();
                Ok(())
            }
        }
    }

    fn finish(mut self) -> io::Result<Written> {
        self.push_out()?;
        self.file.flush()?;
        drop(self.tx.take());
        let digests = match self.hasher.take().map(JoinHandle::join) {
            None => None,
            Some(Ok((sha256, md5))) => Some(Digests { sha256, md5 }),
            Some(Err(_)) => return Err(io::Error::other("the hashing thread failed")),
        };
        Ok(Written { bytes: self.bytes, digests })
    }
}

impl Write for Hashed {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.push_out()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.push_out()?;
        self.file.flush()
    }
}

/// gzip (RFC 1952) of everything written, as one member whose deflate stream is made of
/// pieces of [`deflate::PIECE`] input bytes compressed in parallel.
pub struct ParallelGzip<W: Write> {
    out: W,
    level: u32,
    /// Input pieces waiting to be compressed; the last may be partly filled.
    pending: Vec<Vec<u8>>,
    /// Pieces compressed at once.
    window: usize,
    crc: crc32fast::Hasher,
    len: u64,
    started: bool,
}

impl<W: Write> ParallelGzip<W> {
    pub fn new(out: W, level: u32, threads: usize) -> Self {
        ParallelGzip {
            out,
            level,
            pending: Vec::new(),
            window: (threads * 2).max(2),
            crc: crc32fast::Hasher::new(),
            len: 0,
            started: false,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.started {
            // No name, no time (reproducible), maximum-compression flag unset, OS = Unix.
            self.out.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])?;
            self.started = true;
        }
        Ok(())
    }

    /// Compresses the full pieces waiting (all of them, the last as the final block, when
    /// `last`).
    fn compress(&mut self, last: bool) -> io::Result<()> {
        self.header()?;
        let mut pieces = std::mem::take(&mut self.pending);
        if !last && pieces.last().is_some_and(|p| p.len() < deflate::PIECE) {
            let partial = pieces.pop();
            self.pending.extend(partial);
        }
        if last && pieces.is_empty() {
            pieces.push(Vec::new());
        }
        let count = pieces.len();
        let level = self.level;
        let outs: Vec<io::Result<(Vec<u8>, crc32fast::Hasher)>> = pieces
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut z = Vec::new();
                deflate::piece(p, last && i + 1 == count, level, &mut z)?;
                let mut crc = crc32fast::Hasher::new();
                crc.update(p);
                Ok((z, crc))
            })
            .collect();
        for o in outs {
            let (z, crc) = o?;
            self.crc.combine(&crc);
            self.out.write_all(&z)?;
        }
        Ok(())
    }

    /// Writes the last pieces and the trailer; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.compress(true)?;
        let crc = self.crc.clone().finalize();
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.pending.last().is_none_or(|p| p.len() == deflate::PIECE) {
            if self.pending.len() == self.window {
                self.compress(false)?;
            }
            self.pending.push(Vec::with_capacity(deflate::PIECE));
        }
        let Some(piece) = self.pending.last_mut() else { return Ok(0) };
        let n = data.len().min(deflate::PIECE - piece.len());
        piece.extend_from_slice(&data[..n]);
        self.len += n as u64;
        Ok(n)
    }

    /// Pieces are cut at fixed offsets, so a flush cannot end one early: it only passes on
    /// what is already compressed.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gunzip(z: &[u8]) -> Vec<u8> {
        deflate::decoded(flate2::read::GzDecoder::new(z))
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8 ^ (i >> 12) as u8).collect()
    }

    #[test]
    fn parallel_gzip_round_trips_and_ignores_thread_count() {
        for len in [0, 1, 5000, deflate::PIECE, deflate::PIECE * 5 + 123] {
            let data = sample(len);
            let mut outs = Vec::new();
            for threads in [1, 2, 3] {
                let mut g = ParallelGzip::new(Vec::new(), 6, threads);
                // Odd write sizes, so pieces are filled across calls.
                for part in data.chunks(77_777) {
                    g.write_all(part).unwrap();
                }
                let z = g.finish().unwrap();
                assert_eq!(gunzip(&z), data, "len {len}");
                outs.push(z);
            }
            assert!(outs.windows(2).all(|w| w[0] == w[1]), "len {len}: bytes depend on threads");
        }
    }

    #[test]
    fn hashed_output_reports_length_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        let data = sample(3 * CHUNK + 17);
        for hash in [true, false] {
            let mut s = Sink::new(File::create(&path).unwrap(), Wrap::None, 6, 2, hash).unwrap();
            s.write_all(&data).unwrap();
            let w = s.finish().unwrap();
            let on_disk = std::fs::read(&path).unwrap();
            assert_eq!(on_disk, data);
            assert_eq!(w.bytes, data.len() as u64);
            match w.digests {
                Some(d) => {
                    assert!(hash);
                    assert_eq!(d.sha256, <[u8; 32]>::from(sha2::Sha256::digest(&on_disk)));
                    assert_eq!(d.md5, <[u8; 16]>::from(md5::Md5::digest(&on_disk)));
                }
                None => assert!(!hash),
            }
        }
    }

    #[test]
    fn zstd_output_decodes_and_ignores_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let data = sample(20 * CHUNK);
        let mut files = Vec::new();
        for threads in [1, 2, 4] {
            let path = dir.path().join(format!("z{threads}"));
            let mut s = Sink::new(File::create(&path).unwrap(), Wrap::Zstd, 3, threads, false).unwrap();
            s.write_all(&data).unwrap();
            let w = s.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(w.bytes, bytes.len() as u64);
            assert_eq!(zstd::stream::decode_all(&bytes[..]).unwrap(), data);
            files.push(bytes);
        }
        assert!(files.windows(2).all(|w| w[0] == w[1]), "zstd bytes depend on the worker count");
    }
}
