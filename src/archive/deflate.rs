//! Deflate in independent pieces: each piece is compressed by a fresh (reset) compressor and
//! ends on a full flush, the last one with the final block, so pieces compress in parallel and
//! their concatenation is one valid deflate stream, identical whatever the thread count (the
//! way pigz works). A piece of zeros compresses to the same bytes wherever it appears, so holes
//! of sparse files cost one cached copy.

use std::cell::RefCell;
use std::io;
use std::sync::OnceLock;

use flate2::{Compress, Compression, FlushCompress, Status};

/// Bytes per piece.
pub const PIECE: usize = 1 << 20;

thread_local! {
    static COMPRESSOR: RefCell<Option<(u32, Compress)>> = const { RefCell::new(None) };
}

/// Appends the raw deflate of `data` to `out`: a full flush after it, or the final block if
/// `last`.
pub fn piece(data: &[u8], last: bool, level: u32, out: &mut Vec<u8>) -> io::Result<()> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !matches!(&*slot, Some((l, _)) if *l == level) {
            *slot = Some((level, Compress::new(Compression::new(level), false)));
        }
        let Some((_, c)) = slot.as_mut() else { return Err(io::Error::other("no deflate compressor")) };
        c.reset();
        let flush = if last { FlushCompress::Finish } else { FlushCompress::Full };
        out.reserve(data.len() + data.len() / 512 + 64);
        loop {
            let done = c.total_in() as usize;
            let status = c.compress_vec(&data[done..], out, flush).map_err(io::Error::other)?;
            let consumed = c.total_in() as usize == data.len();
            let room_left = out.len() < out.capacity();
            if (last && status == Status::StreamEnd) || (!last && consumed && room_left) {
                return Ok(());
            }
            out.reserve(64 << 10);
        }
    })
}

/// The deflate of one whole piece of zeros, not last (cached per level).
pub fn zero_piece(level: u32) -> io::Result<&'static [u8]> {
    static CACHE: [OnceLock<Vec<u8>>; 10] = [const { OnceLock::new() }; 10];
    let cell = &CACHE[level.min(9) as usize];
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let mut out = Vec::new();
    piece(&ZEROS[..], false, level, &mut out)?;
    Ok(cell.get_or_init(|| out))
}

/// Bytes `piece` produces for `len` bytes at `level` when the output length does not depend on
/// the content: level 0 (stored blocks) for any data, any level for zeros. Cached.
pub fn framed_len(len: usize, last: bool, level: u32) -> io::Result<usize> {
    thread_local! {
        static LENS: RefCell<std::collections::HashMap<(usize, bool, u32), usize>> = RefCell::default();
    }
    if let Some(n) = LENS.with(|m| m.borrow().get(&(len, last, level)).copied()) {
        return Ok(n);
    }
    let mut out = Vec::new();
    piece(&ZEROS[..len.min(PIECE)], last, level, &mut out)?;
    LENS.with(|m| m.borrow_mut().insert((len, last, level), out.len()));
    Ok(out.len())
}

/// A piece of a file: where it starts, how long, whether it is data (else a hole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub start: u64,
    pub len: usize,
    pub data: bool,
}

/// Cuts a file into pieces of at most [`PIECE`] bytes, data runs `(start, len)` and holes apart.
pub fn pieces(size: u64, data_runs: &[(u64, u64)]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut push = |start: u64, end: u64, data: bool| {
        let mut at = start;
        while at < end {
            let len = (end - at).min(PIECE as u64);
            out.push(Piece { start: at, len: len as usize, data });
            at += len;
        }
    };
    let mut at = 0;
    for &(start, len) in data_runs {
        push(at, start, false);
        push(start, start + len, true);
        at = start + len;
    }
    push(at, size, false);
    out
}

/// A piece of zeros, for holes.
pub static ZEROS: [u8; PIECE] = [0; PIECE];

/// The CRC-32 state of `len` zero bytes (`len` at most a piece; a whole piece is cached).
pub fn zeros_crc(len: usize) -> crc32fast::Hasher {
    static WHOLE: OnceLock<crc32fast::Hasher> = OnceLock::new();
    let compute = |len: usize| {
        let mut h = crc32fast::Hasher::new();
        h.update(&ZEROS[..len]);
        h
    };
    if len == PIECE { WHOLE.get_or_init(|| compute(PIECE)).clone() } else { compute(len) }
}

/// Everything a decoder gives: for the tests of the compressed streams (raw here, gzip in
/// `sink.rs`).
#[cfg(test)]
pub(crate) fn decoded(mut decoder: impl std::io::Read) -> Vec<u8> {
    let mut out = Vec::new();
    decoder.read_to_end(&mut out).expect("the stream decodes");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(data: &[u8]) -> Vec<u8> {
        decoded(flate2::read::DeflateDecoder::new(data))
    }

    #[test]
    fn pieces_concatenate_into_one_stream() {
        let a: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let b = b"the quick brown fox jumps over the lazy dog ".repeat(5000);
        let mut z = Vec::new();
        piece(&a, false, 6, &mut z).unwrap();
        z.extend_from_slice(zero_piece(6).unwrap());
        piece(&b, true, 6, &mut z).unwrap();
        let mut want = a.clone();
        want.extend_from_slice(&ZEROS);
        want.extend_from_slice(&b);
        assert_eq!(inflate(&z), want);
        assert!(zero_piece(6).unwrap().len() < 4096);
    }

    #[test]
    fn stored_length_does_not_depend_on_content() {
        let random: Vec<u8> = (0..PIECE as u64).map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8).collect();
        for (len, last) in [(PIECE, false), (PIECE, true), (65_536, false), (12_345, true), (0, true)] {
            let mut z = Vec::new();
            piece(&random[..len], last, 0, &mut z).unwrap();
            assert_eq!(z.len(), framed_len(len, last, 0).unwrap(), "{len} {last}");
        }
    }

    #[test]
    fn pieces_cover_the_file() {
        let runs = [(0, 3 << 20), (10 << 20, 100), ((20 << 20) - 10, 10)];
        let p = pieces(20 << 20, &runs);
        let mut at = 0;
        for x in &p {
            assert_eq!(x.start, at);
            assert!(x.len <= PIECE && x.len > 0);
            at += x.len as u64;
        }
        assert_eq!(at, 20 << 20);
        let data: u64 = p.iter().filter(|x| x.data).map(|x| x.len as u64).sum();
        assert_eq!(data, (3 << 20) + 110);
    }

    #[test]
    fn empty_last_piece_is_valid() {
        let mut z = Vec::new();
        piece(b"", true, 1, &mut z).unwrap();
        assert_eq!(inflate(&z), b"");
    }
}
