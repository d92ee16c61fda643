//! The part of a file before its body: a format's header and, for disk images, the tables and
//! regions that follow it. Those are mostly zeros (an unallocated grain directory, a BAT whose
//! blocks are all absent, a log with nothing to replay), so a prefix holds only its non-zero
//! pieces and its length: a read anywhere in it costs what it copies, not the prefix's size.

/// A prefix: `len` bytes, zeros except where `pieces` put bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefix {
    /// Bytes at their offsets, in order, not overlapping, all below `len`.
    pieces: Vec<(u64, Vec<u8>)>,
    len: u64,
    /// The span from offset 0 that must lie in data in a sparse file (see
    /// [`super::formats::frame_bounds`]); pieces past it are placed by their format in the
    /// sparse layout's data runs.
    head: u64,
}

impl Prefix {
    /// A prefix of `len` bytes, all zeros so far, whose first `head` bytes must be data.
    pub fn zeros(len: u64, head: u64) -> Prefix {
        Prefix { pieces: Vec::new(), len, head: head.min(len) }
    }

    /// Puts `bytes` at `at`, after every piece put so far.
    ///
    /// # Panics
    /// If the piece overlaps an earlier one or passes the end: a format's layout is wrong.
    pub fn put(&mut self, at: u64, bytes: Vec<u8>) -> &mut Prefix {
        let end = at + bytes.len() as u64;
        assert!(end <= self.len, "a piece at {at}..{end} passes the prefix's end {}", self.len);
        if let Some((last, b)) = self.pieces.last() {
            assert!(at >= last + b.len() as u64, "pieces must come in order: {at} after {last}");
        }
        if !bytes.is_empty() {
            self.pieces.push((at, bytes));
        }
        self
    }

    /// The prefix's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The span from offset 0 that a sparse layout must keep in data.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// Fills `out` with the prefix's bytes from `off` (`off + out.len()` at most [`Self::len`]).
    pub fn fill(&self, off: u64, out: &mut [u8]) {
        let end = off + out.len() as u64;
        out.fill(0);
        // Pieces are few (one for most types, a handful for disk images): a scan is cheapest.
        for (at, bytes) in &self.pieces {
            let piece_end = at + bytes.len() as u64;
            if piece_end <= off {
                continue;
            }
            if *at >= end {
                break;
            }
            let from = off.max(*at);
            let to = end.min(piece_end);
            out[(from - off) as usize..(to - off) as usize]
                .copy_from_slice(&bytes[(from - at) as usize..(to - at) as usize]);
        }
    }

    /// The whole prefix as bytes (tests, and formats that build on a smaller one).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0; self.len as usize];
        self.fill(0, &mut v);
        v
    }
}

impl From<Vec<u8>> for Prefix {
    /// Plain bytes from offset 0, all of which must be data.
    fn from(bytes: Vec<u8>) -> Prefix {
        let len = bytes.len() as u64;
        let mut p = Prefix::zeros(len, len);
        p.put(0, bytes);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pieces_and_zeros_at_any_offset() {
        let mut p = Prefix::zeros(100, 10);
        p.put(2, vec![1, 2, 3]).put(50, vec![9; 10]).put(99, vec![7]);
        let all = p.to_vec();
        assert_eq!(&all[..6], &[0, 0, 1, 2, 3, 0]);
        assert_eq!(&all[49..61], &[0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0]);
        assert_eq!(all[99], 7);
        for off in 0..100 {
            for n in [1usize, 3, 17, 60] {
                let n = n.min(100 - off);
                let mut part = vec![0xAA; n];
                p.fill(off as u64, &mut part);
                assert_eq!(part, &all[off..off + n], "at {off}, {n}");
            }
        }
        assert_eq!(Prefix::from(vec![5u8; 8]).to_vec(), vec![5u8; 8]);
        assert_eq!(Prefix::from(vec![5u8; 8]).head(), 8);
    }

    #[test]
    #[should_panic(expected = "in order")]
    fn overlapping_pieces_are_a_bug() {
        Prefix::zeros(100, 0).put(10, vec![1; 10]).put(15, vec![2]);
    }
}
