//! Just enough of the ZIP format to write stored (uncompressed) containers whose last entry,
//! the bulk of the file, is generated on demand.
//!
//! The small entries are complete in the prefix. The bulk entry sets general-purpose flag bit 3,
//! so its CRC and sizes live in a data descriptor after the data and in the central directory:
//! the prefix never needs the CRC, and only a read of the trailer pays for computing it. The
//! records' bytes are written by [`crate::zip_records`].

use crate::zip_records::{
    self, CENTRAL_RECORD_LEN, CentralRecord, DESCRIPTOR_LEN, END_RECORD_LEN, EntryFields, FLAG_DESCRIPTOR, FLAG_UTF8,
    LOCAL_HEADER_LEN, LocalHeader,
};

/// A small entry known in full.
pub struct Entry {
    name: String,
    data: Vec<u8>,
    /// The CRC-32 of `data` (both the local header and the central directory carry it).
    crc: u32,
}

impl Entry {
    pub fn new(name: String, data: Vec<u8>) -> Entry {
        let crc = crc32fast::hash(&data);
        Entry { name, data, crc }
    }
}

/// The MS-DOS time and date a container's entries carry for Unix seconds (UTC): the date no
/// earlier than 1980-01-01, the time of day kept even before it (where an archive's entries
/// take [`zip_records::dos_time`], midnight).
pub fn entry_time(t: i64) -> (u16, u16) {
    (zip_records::dos_clock(t), zip_records::dos_date(t.max(zip_records::DOS_EPOCH)))
}

/// Made by Unix (3), APPNOTE 2.0.
const MADE_BY: u16 = 0x0314;
/// Version needed to extract: 2.0 (stored entries, no ZIP64).
const VERSION: u16 = 20;
/// Unix mode of every entry: a regular file, rw-r--r--.
const EXTERNAL: u32 = 0o100644 << 16;

/// A container: small entries, then one bulk entry of `bulk_len` bytes named `bulk_name`.
pub struct Container {
    pub entries: Vec<Entry>,
    pub bulk_name: String,
    pub time: (u16, u16),
}

impl Container {
    /// Local headers and data of the small entries, then the bulk entry's local header.
    pub fn prefix(&self) -> Vec<u8> {
        let names: usize = self.entries.iter().map(|e| e.name.len()).sum::<usize>() + self.bulk_name.len();
        let data: usize = self.entries.iter().map(|e| e.data.len()).sum();
        let mut v = Vec::with_capacity(LOCAL_HEADER_LEN * (self.entries.len() + 1) + names + data);
        for e in &self.entries {
            let fields = self.fields(e.crc, e.data.len() as u32, 0);
            LocalHeader { fields, name: &e.name, extra: &[] }.encode(&mut v);
            v.extend_from_slice(&e.data);
        }
        let fields = self.fields(0, 0, FLAG_DESCRIPTOR);
        LocalHeader { fields, name: &self.bulk_name, extra: &[] }.encode(&mut v);
        v
    }

    /// The fields of a stored entry's records (sizes zero and `FLAG_DESCRIPTOR` in the bulk
    /// entry's local header).
    fn fields(&self, crc: u32, size: u32, flags: u16) -> EntryFields {
        EntryFields {
            version: VERSION,
            flags: flags | FLAG_UTF8,
            method: 0,
            time: self.time,
            crc,
            compressed: size,
            size,
        }
    }

    /// Length of the trailer: data descriptor, central directory and end record.
    pub fn suffix_len(&self) -> usize {
        let names: usize = self.entries.iter().map(|e| e.name.len()).sum::<usize>() + self.bulk_name.len();
        DESCRIPTOR_LEN + CENTRAL_RECORD_LEN * (self.entries.len() + 1) + names + END_RECORD_LEN
    }

    /// The trailer, given the bulk entry's length and CRC.
    pub fn suffix(&self, bulk_len: u32, bulk_crc: u32) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.suffix_len());
        zip_records::data_descriptor(false, bulk_crc, u64::from(bulk_len), u64::from(bulk_len), &mut v);
        let mut offset = 0u32;
        let cd_start = v.len();
        let central = |v: &mut Vec<u8>, name: &str, crc: u32, size: u32, flags: u16, at: u32| {
            let fields = self.fields(crc, size, flags);
            let record = CentralRecord { made_by: MADE_BY, fields, name, extra: &[], external: EXTERNAL, offset: at };
            record.encode(v);
        };
        for e in &self.entries {
            central(&mut v, &e.name, e.crc, e.data.len() as u32, 0, offset);
            offset += (LOCAL_HEADER_LEN + e.name.len() + e.data.len()) as u32;
        }
        central(&mut v, &self.bulk_name, bulk_crc, bulk_len, FLAG_DESCRIPTOR, offset);
        let cd_len = (v.len() - cd_start) as u32;
        let cd_offset = offset + (LOCAL_HEADER_LEN + self.bulk_name.len()) as u32 + bulk_len + DESCRIPTOR_LEN as u32;
        let n = (self.entries.len() + 1) as u16;
        zip_records::end_record(n, cd_len, cd_offset, &mut v);
        debug_assert_eq!(v.len(), self.suffix_len());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_times() {
        // 2023-11-14 22:13:20 UTC
        let (t, d) = entry_time(1_700_000_000);
        assert_eq!(t >> 11, 22);
        assert_eq!((t >> 5) & 63, 13);
        assert_eq!(d >> 9, 43);
        assert_eq!((d >> 5) & 15, 11);
        assert_eq!(d & 31, 14);
    }
}
