//! Just enough of the ZIP format to write stored (uncompressed) containers whose last entry,
//! the bulk of the file, is generated on demand.
//!
//! The small entries are complete in the prefix. The bulk entry sets general-purpose flag bit 3,
//! so its CRC and sizes live in a data descriptor after the data and in the central directory:
//! the prefix never needs the CRC, and only a read of the trailer pays for computing it.

/// A small entry known in full.
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
}

/// The MS-DOS time and date of Unix seconds (UTC), as ZIP stores them.
pub fn dos_time(t: i64) -> (u16, u16) {
    let d = super::super::date::Date::of_unix(t.max(315_532_800));
    let s = t.rem_euclid(86_400);
    let time = (((s / 3600) << 11) | (((s / 60) % 60) << 5) | ((s % 60) / 2)) as u16;
    let date = (((d.year - 1980).clamp(0, 127) as u32) << 9 | d.month << 5 | d.day) as u16;
    (time, date)
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;
/// Bytes of a local header before the name.
const LOCAL_FIXED: usize = 30;
const CENTRAL_FIXED: usize = 46;
const END_LEN: usize = 22;
const DESCRIPTOR_LEN: usize = 16;

/// A container: small entries, then one bulk entry of `bulk_len` bytes named `bulk_name`.
pub struct Container {
    pub entries: Vec<Entry>,
    pub bulk_name: String,
    pub time: (u16, u16),
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl Container {
    /// Local headers and data of the small entries, then the bulk entry's local header.
    pub fn prefix(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4096);
        for e in &self.entries {
            self.local_header(&mut v, &e.name, crc32fast::hash(&e.data), e.data.len() as u32, 0);
            v.extend_from_slice(&e.data);
        }
        self.local_header(&mut v, &self.bulk_name, 0, 0, 1 << 3);
        v
    }

    fn local_header(&self, v: &mut Vec<u8>, name: &str, crc: u32, size: u32, flags: u16) {
        put32(v, LOCAL);
        put16(v, 20);
        put16(v, flags | 1 << 11);
        put16(v, 0);
        put16(v, self.time.0);
        put16(v, self.time.1);
        put32(v, crc);
        put32(v, size);
        put32(v, size);
        put16(v, name.len() as u16);
        put16(v, 0);
        v.extend_from_slice(name.as_bytes());
    }

    /// Length of the trailer: data descriptor, central directory and end record.
    pub fn suffix_len(&self) -> usize {
        let names: usize = self.entries.iter().map(|e| e.name.len()).sum::<usize>() + self.bulk_name.len();
        DESCRIPTOR_LEN + CENTRAL_FIXED * (self.entries.len() + 1) + names + END_LEN
    }

    /// The trailer, given the bulk entry's length and CRC.
    pub fn suffix(&self, bulk_len: u32, bulk_crc: u32) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.suffix_len());
        put32(&mut v, DESCRIPTOR);
        put32(&mut v, bulk_crc);
        put32(&mut v, bulk_len);
        put32(&mut v, bulk_len);
        let mut offset = 0u32;
        let cd_start = v.len();
        let central = |v: &mut Vec<u8>, name: &str, crc: u32, size: u32, flags: u16, at: u32| {
            put32(v, CENTRAL);
            put16(v, 0x0314);
            put16(v, 20);
            put16(v, flags | 1 << 11);
            put16(v, 0);
            put16(v, self.time.0);
            put16(v, self.time.1);
            put32(v, crc);
            put32(v, size);
            put32(v, size);
            put16(v, name.len() as u16);
            put16(v, 0);
            put16(v, 0);
            put16(v, 0);
            put16(v, 0);
            put32(v, 0o100644 << 16);
            put32(v, at);
            v.extend_from_slice(name.as_bytes());
        };
        for e in &self.entries {
            central(&mut v, &e.name, crc32fast::hash(&e.data), e.data.len() as u32, 0, offset);
            offset += (LOCAL_FIXED + e.name.len() + e.data.len()) as u32;
        }
        central(&mut v, &self.bulk_name, bulk_crc, bulk_len, 1 << 3, offset);
        let cd_len = (v.len() - cd_start) as u32;
        let cd_offset = offset + (LOCAL_FIXED + self.bulk_name.len()) as u32 + bulk_len + DESCRIPTOR_LEN as u32;
        let n = (self.entries.len() + 1) as u16;
        put32(&mut v, END);
        put16(&mut v, 0);
        put16(&mut v, 0);
        put16(&mut v, n);
        put16(&mut v, n);
        put32(&mut v, cd_len);
        put32(&mut v, cd_offset);
        put16(&mut v, 0);
        debug_assert_eq!(v.len(), self.suffix_len());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_times() {
        // 2023-11-14 22:13:20 UTC
        let (t, d) = dos_time(1_700_000_000);
        assert_eq!(t >> 11, 22);
        assert_eq!((t >> 5) & 63, 13);
        assert_eq!(d >> 9, 43);
        assert_eq!((d >> 5) & 15, 11);
        assert_eq!(d & 31, 14);
    }
}
