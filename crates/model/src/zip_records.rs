//! ZIP records (APPNOTE 6.3) as bytes: the local file header, the data descriptor, the central
//! directory record, the end of central directory record with its ZIP64 twins, and MS-DOS
//! times.
//!
//! Pure encoding into a `Vec`: what goes in the fields (sizes or the ZIP64 marker, flags,
//! extra fields) is the writer's choice. The model's own containers ([`crate::content::zipfile`],
//! the bulk of `.docx` and `.zip` files) and `synthfs archive` both write their records here.

use crate::date::Date;

/// Bytes of a local file header before its name and extra field.
pub const LOCAL_HEADER_LEN: usize = 30;
/// Bytes of a central directory record before its name and extra field.
pub const CENTRAL_RECORD_LEN: usize = 46;
/// Bytes of the end of central directory record (no comment).
pub const END_RECORD_LEN: usize = 22;
/// Bytes of the ZIP64 end of central directory record and its locator.
pub const ZIP64_END_RECORDS_LEN: usize = 56 + 20;
/// Bytes of a data descriptor with 32-bit sizes (its signature included).
pub const DESCRIPTOR_LEN: usize = 16;

/// General-purpose flag bit 3: the CRC and sizes follow the data in a data descriptor.
pub const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// General-purpose flag bit 11: the name is UTF-8.
pub const FLAG_UTF8: u16 = 1 << 11;

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;

/// 1980-01-01 00:00:00 UTC, the first moment MS-DOS times can hold.
pub const DOS_EPOCH: i64 = 315_532_800;

/// The fields a local file header and a central directory record share, as they are written.
#[derive(Clone, Copy, Debug)]
pub struct EntryFields {
    /// Version needed to extract (20; 45 for ZIP64).
    pub version: u16,
    pub flags: u16,
    pub method: u16,
    /// MS-DOS (time, date).
    pub time: (u16, u16),
    pub crc: u32,
    pub compressed: u32,
    pub size: u32,
}

impl EntryFields {
    /// The fields, then the lengths of the name and the extra field that follow the record.
    fn encode(&self, name: &str, extra: &[u8], out: &mut Vec<u8>) {
        put16(out, self.version);
        put16(out, self.flags);
        put16(out, self.method);
        put16(out, self.time.0);
        put16(out, self.time.1);
        put32(out, self.crc);
        put32(out, self.compressed);
        put32(out, self.size);
        put16(out, name.len() as u16);
        put16(out, extra.len() as u16);
    }
}

/// A local file header.
#[derive(Clone, Copy, Debug)]
pub struct LocalHeader<'a> {
    pub fields: EntryFields,
    pub name: &'a str,
    pub extra: &'a [u8],
}

impl LocalHeader<'_> {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put32(out, LOCAL_SIGNATURE);
        self.fields.encode(self.name, self.extra, out);
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(self.extra);
    }
}

/// A central directory record.
#[derive(Clone, Copy, Debug)]
pub struct CentralRecord<'a> {
    /// Version made by: the host system in the high byte, the APPNOTE version in the low.
    pub made_by: u16,
    pub fields: EntryFields,
    pub name: &'a str,
    pub extra: &'a [u8],
    /// External attributes: the Unix mode in the high 16 bits, DOS attributes in the low byte.
    pub external: u32,
    /// Offset of the entry's local header.
    pub offset: u32,
}

impl CentralRecord<'_> {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put32(out, CENTRAL_SIGNATURE);
        put16(out, self.made_by);
        self.fields.encode(self.name, self.extra, out);
        put16(out, 0); // comment
        put16(out, 0); // disk
        put16(out, 0); // internal attributes
        put32(out, self.external);
        put32(out, self.offset);
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(self.extra);
    }
}

/// The data descriptor after an entry whose CRC and sizes were not known before its data:
/// 64-bit sizes for a ZIP64 entry, else 32-bit.
pub fn data_descriptor(zip64: bool, crc: u32, compressed: u64, size: u64, out: &mut Vec<u8>) {
    put32(out, DESCRIPTOR_SIGNATURE);
    put32(out, crc);
    if zip64 {
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    } else {
        put32(out, compressed as u32);
        put32(out, size as u32);
    }
}

/// The end of central directory record, with 16- and 32-bit fields as they are written (the
/// ZIP64 markers where the ZIP64 records hold the values).
pub fn end_record(entries: u16, cd_size: u32, cd_offset: u32, out: &mut Vec<u8>) {
    put32(out, END_SIGNATURE);
    put16(out, 0); // this disk
    put16(out, 0); // the central directory's disk
    put16(out, entries);
    put16(out, entries);
    put32(out, cd_size);
    put32(out, cd_offset);
    put16(out, 0); // comment
}

/// The ZIP64 end of central directory record and its locator, which come before the classic
/// end record when the entry count or the central directory's size or offset need them.
pub fn zip64_end_records(made_by: u16, entries: u64, cd_offset: u64, cd_size: u64, out: &mut Vec<u8>) {
    let record_at = cd_offset + cd_size;
    put32(out, ZIP64_END_SIGNATURE);
    out.extend_from_slice(&44u64.to_le_bytes());
    put16(out, made_by);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    out.extend_from_slice(&entries.to_le_bytes());
    out.extend_from_slice(&entries.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    put32(out, ZIP64_LOCATOR_SIGNATURE);
    put32(out, 0);
    out.extend_from_slice(&record_at.to_le_bytes());
    put32(out, 1);
}

/// The MS-DOS time of day of Unix seconds (UTC), to two seconds.
pub fn dos_clock(secs: i64) -> u16 {
    let sod = secs.rem_euclid(86_400);
    let (h, m, s) = ((sod / 3600) as u16, ((sod / 60) % 60) as u16, (sod % 60) as u16);
    (h << 11) | (m << 5) | (s / 2)
}

/// The MS-DOS date of Unix seconds (UTC), its year held to 1980 to 2107.
pub fn dos_date(secs: i64) -> u16 {
    let d = Date::of_unix(secs);
    let year = (d.year - 1980).clamp(0, 127) as u16;
    (year << 9) | ((d.month as u16) << 5) | d.day as u16
}

/// MS-DOS time and date (two-second resolution, 1980 to 2107) of a UTC time; a time before
/// 1980 is the first DOS time, 1980-01-01 00:00.
pub fn dos_time(secs: i64) -> (u16, u16) {
    if Date::of_unix(secs).year < 1980 {
        return (0, dos_date(DOS_EPOCH));
    }
    (dos_clock(secs), dos_date(secs))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_time_packs_fields() {
        // 2023-11-14 22:13:20 UTC
        let (t, d) = dos_time(1_700_000_000);
        assert_eq!(t, (22 << 11) | (13 << 5) | 10);
        assert_eq!(d, (43 << 9) | (11 << 5) | 14);
        assert_eq!(dos_time(DOS_EPOCH - 1), (0, (1 << 5) | 1));
        assert_eq!(dos_time(DOS_EPOCH), (0, (1 << 5) | 1));
        // Past 2107 the year stays at 127.
        assert_eq!(dos_date(Date { year: 2200, month: 3, day: 4 }.unix()) >> 9, 127);
    }

    #[test]
    fn records_have_their_fixed_lengths() {
        let mut out = Vec::new();
        let fields = EntryFields { version: 20, flags: 0, method: 0, time: (0, 0), crc: 0, compressed: 0, size: 0 };
        LocalHeader { fields, name: "a", extra: &[1, 2] }.encode(&mut out);
        assert_eq!(out.len(), LOCAL_HEADER_LEN + 3);
        out.clear();
        let central = CentralRecord { made_by: 0, fields, name: "ab", extra: &[], external: 0, offset: 0 };
        central.encode(&mut out);
        assert_eq!(out.len(), CENTRAL_RECORD_LEN + 2);
        out.clear();
        data_descriptor(false, 1, 2, 3, &mut out);
        assert_eq!(out.len(), DESCRIPTOR_LEN);
        out.clear();
        zip64_end_records(0, 1, 2, 3, &mut out);
        end_record(1, 2, 3, &mut out);
        assert_eq!(out.len(), ZIP64_END_RECORDS_LEN + END_RECORD_LEN);
    }
}
