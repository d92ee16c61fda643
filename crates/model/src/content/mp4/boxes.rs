//! ISO base media boxes (ISO/IEC 14496-12 §4.2) written in place: a box is opened with room
//! for its size, its content written after it, and its size filled in when it is closed, so
//! nested boxes cost one buffer and no copies.

/// A buffer of boxes being written.
pub struct Boxes {
    pub out: Vec<u8>,
    open: Vec<usize>,
}

impl Boxes {
    pub fn new(capacity: usize) -> Boxes {
        Boxes { out: Vec::with_capacity(capacity), open: Vec::new() }
    }

    /// Starts a box of type `kind`; what is written until its [`Boxes::close`] is its content.
    pub fn open(&mut self, kind: &[u8; 4]) -> &mut Boxes {
        self.open.push(self.out.len());
        self.out.extend_from_slice(&[0; 4]);
        self.out.extend_from_slice(kind);
        self
    }

    /// Ends the box opened last, setting its size.
    pub fn close(&mut self) -> &mut Boxes {
        if let Some(at) = self.open.pop() {
            let len = (self.out.len() - at) as u32;
            self.out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        self
    }

    /// A box holding `words` and nothing else.
    pub fn leaf(&mut self, kind: &[u8; 4], words: &[u32]) -> &mut Boxes {
        self.open(kind).words(words).close()
    }

    /// Big-endian 32-bit words.
    pub fn words(&mut self, words: &[u32]) -> &mut Boxes {
        for w in words {
            self.out.extend_from_slice(&w.to_be_bytes());
        }
        self
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Boxes {
        self.out.extend_from_slice(bytes);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_boxes_get_their_sizes() {
        let mut b = Boxes::new(64);
        b.open(b"moov").leaf(b"mvhd", &[7]).open(b"trak").bytes(b"xy").close().close();
        assert_eq!(b.out, b"\0\0\0\x1Emoov\0\0\0\x0Cmvhd\0\0\0\x07\0\0\0\x0Atrakxy");
    }
}
