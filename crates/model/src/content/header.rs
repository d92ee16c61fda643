//! A binary header being filled in field by field: the framing of disk images, backups and
//! OLE files, and the structures of ISO 9660, VHDX and VMDK.

/// Bytes padded with spaces to `n` (ISO 9660's a- and d-character fields).
pub(super) fn pad(s: &[u8], n: usize) -> Vec<u8> {
    let mut v = s.to_vec();
    v.resize(n, b' ');
    v
}

/// A binary header being filled in, each field at its offset: the framing of disk images,
/// backups and OLE files.
pub(super) struct Header(pub(super) Vec<u8>);

impl Header {
    pub(super) fn zeroed(len: usize) -> Header {
        Header(vec![0; len])
    }

    /// Bytes at `at`.
    pub(super) fn put(&mut self, at: usize, bytes: &[u8]) -> &mut Header {
        self.0[at..at + bytes.len()].copy_from_slice(bytes);
        self
    }

    /// Unsigned integers `width` bytes wide (2, 4 or 8), little-endian, at their offsets.
    pub(super) fn le(&mut self, width: usize, fields: &[(usize, u64)]) -> &mut Header {
        for &(at, v) in fields {
            self.put(at, &v.to_le_bytes()[..width]);
        }
        self
    }

    /// ISO 9660's both-byte-order integers: little-endian, then the same big-endian.
    pub(super) fn both(&mut self, width: usize, fields: &[(usize, u64)]) -> &mut Header {
        for &(at, v) in fields {
            self.put(at, &v.to_le_bytes()[..width]).put(at + width, &v.to_be_bytes()[8 - width..]);
        }
        self
    }

    /// UTF-16LE code units from `at`.
    pub(super) fn utf16(&mut self, at: usize, units: impl IntoIterator<Item = u16>) -> &mut Header {
        for (i, c) in units.into_iter().enumerate() {
            self.put(at + 2 * i, &c.to_le_bytes());
        }
        self
    }
}
