//! ZIP records (APPNOTE 6.3): local headers built by the workers, the central directory and
//! end records built by the one writer. ZIP64 fields appear only where a value needs them.
//!
//! Every entry carries the extended timestamp (0x5455, modified and accessed) and the Info-ZIP
//! Unix owner (0x7875) extra fields, and its Unix mode in the external attributes, so `unzip`
//! and Python's `zipfile` restore times, modes and (`unzip -X`) owners.

use super::EntryMeta;

pub const STORE: u16 = 0;
pub const DEFLATE: u16 = 8;

/// Sizes at or past this need ZIP64 fields (0xFFFFFFFF itself is the "see ZIP64" marker).
const MAX32: u64 = 0xFFFF_FFFF;
/// Entries past this need the ZIP64 end records.
const MAX_ENTRIES16: u64 = 0xFFFF;
/// Unix, APPNOTE 4.5.
const MADE_BY: u16 = (3 << 8) | 45;
/// Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

/// How an entry's data is framed.
#[derive(Clone, Copy, Debug)]
pub struct Framing {
    pub method: u16,
    /// Sizes and CRC are known before the data (else they follow it in a data descriptor).
    pub known: Option<Known>,
    /// Whether the sizes may reach 4 GiB (decided from the uncompressed size up front).
    pub zip64: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
}

/// What the central directory needs of an entry once it is written.
#[derive(Clone, Debug)]
pub struct CentralEntry {
    pub name: Box<str>,
    pub meta: EntryMeta,
    pub method: u16,
    pub descriptor: bool,
    pub zip64: bool,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub offset: u64,
    /// A symbolic link: its data is the target (Info-ZIP and Python read the Unix mode).
    pub symlink: bool,
}

/// Whether an entry of this uncompressed size is framed as ZIP64. Deflate can grow random data
/// by a few bytes per 64 KiB block, so the threshold leaves room.
pub fn needs_zip64(size: u64) -> bool {
    size >= MAX32 - (MAX32 >> 10)
}

/// The local file header of an entry.
pub fn local_header(name: &str, meta: &EntryMeta, f: &Framing, out: &mut Vec<u8>) {
    let (crc, csize, usize_) = match f.known {
        Some(k) => (k.crc, k.compressed, k.size),
        None => (0, 0, 0),
    };
    let flags = FLAG_UTF8 | if f.known.is_none() { FLAG_DESCRIPTOR } else { 0 };
    let (time, date) = dos_time(meta.modified);
    let mut extra = Vec::with_capacity(48);
    if f.zip64 {
        extra.extend_from_slice(&0x0001u16.to_le_bytes());
        extra.extend_from_slice(&16u16.to_le_bytes());
        extra.extend_from_slice(&usize_.to_le_bytes());
        extra.extend_from_slice(&csize.to_le_bytes());
    }
    times_extra(meta, true, &mut extra);
    owner_extra(meta, &mut extra);
    put32(out, 0x0403_4b50);
    put16(out, if f.zip64 { 45 } else { 20 });
    put16(out, flags);
    put16(out, f.method);
    put16(out, time);
    put16(out, date);
    put32(out, crc);
    put32(out, if f.zip64 { MAX32 as u32 } else { csize as u32 });
    put32(out, if f.zip64 { MAX32 as u32 } else { usize_ as u32 });
    put16(out, name.len() as u16);
    put16(out, extra.len() as u16);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&extra);
}

/// The data descriptor that follows an entry whose sizes were not known up front.
pub fn descriptor(zip64: bool, crc: u32, compressed: u64, size: u64, out: &mut Vec<u8>) {
    put32(out, 0x0807_4b50);
    put32(out, crc);
    if zip64 {
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    } else {
        put32(out, compressed as u32);
        put32(out, size as u32);
    }
}

/// One central directory record.
pub fn central_header(e: &CentralEntry, out: &mut Vec<u8>) {
    let big_size = e.zip64 || e.size >= MAX32 || e.compressed >= MAX32;
    let big_offset = e.offset >= MAX32;
    let mut extra = Vec::with_capacity(48);
    if big_size || big_offset {
        extra.extend_from_slice(&0x0001u16.to_le_bytes());
        let len = if big_size { 16 } else { 0 } + if big_offset { 8 } else { 0 };
        extra.extend_from_slice(&(len as u16).to_le_bytes());
        if big_size {
            extra.extend_from_slice(&e.size.to_le_bytes());
            extra.extend_from_slice(&e.compressed.to_le_bytes());
        }
        if big_offset {
            extra.extend_from_slice(&e.offset.to_le_bytes());
        }
    }
    times_extra(&e.meta, false, &mut extra);
    owner_extra(&e.meta, &mut extra);
    let (time, date) = dos_time(e.meta.modified);
    // DOS attributes in the low byte: read-only (no write bit), hidden, directory.
    let dos =
        u32::from(e.meta.mode & 0o222 == 0) | (u32::from(e.meta.hidden) << 1) | if e.meta.is_dir { 0x10 } else { 0 };
    let kind = if e.symlink {
        0o120000
    } else if e.meta.is_dir {
        0o040000
    } else {
        0o100000
    };
    put32(out, 0x0201_4b50);
    put16(out, MADE_BY);
    put16(out, if big_size || big_offset { 45 } else { 20 });
    put16(out, FLAG_UTF8 | if e.descriptor { FLAG_DESCRIPTOR } else { 0 });
    put16(out, e.method);
    put16(out, time);
    put16(out, date);
    put32(out, e.crc);
    put32(out, if big_size { MAX32 as u32 } else { e.compressed as u32 });
    put32(out, if big_size { MAX32 as u32 } else { e.size as u32 });
    put16(out, e.name.len() as u16);
    put16(out, extra.len() as u16);
    put16(out, 0); // comment
    put16(out, 0); // disk
    put16(out, 0); // internal attributes
    put32(out, ((kind | e.meta.mode) << 16) | dos);
    put32(out, if big_offset { MAX32 as u32 } else { e.offset as u32 });
    out.extend_from_slice(e.name.as_bytes());
    out.extend_from_slice(&extra);
}

/// The end records: ZIP64 ones when the count or offsets need them, then the classic one.
pub fn end_records(entries: u64, cd_offset: u64, cd_size: u64, out: &mut Vec<u8>) {
    let zip64 = entries >= MAX_ENTRIES16 || cd_offset >= MAX32 || cd_size >= MAX32;
    if zip64 {
        let record_at = cd_offset + cd_size;
        put32(out, 0x0606_4b50);
        out.extend_from_slice(&44u64.to_le_bytes());
        put16(out, MADE_BY);
        put16(out, 45);
        put32(out, 0);
        put32(out, 0);
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        put32(out, 0x0706_4b50);
        put32(out, 0);
        out.extend_from_slice(&record_at.to_le_bytes());
        put32(out, 1);
    }
    let n16 = if zip64 { 0xFFFF } else { entries as u16 };
    put32(out, 0x0605_4b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, n16);
    put16(out, n16);
    put32(out, if zip64 { MAX32 as u32 } else { cd_size as u32 });
    put32(out, if zip64 { MAX32 as u32 } else { cd_offset as u32 });
    put16(out, 0);
}

/// Bytes of the local header for a name (what `local_header` writes), for size planning.
pub fn local_header_len(name: &str, zip64: bool) -> u64 {
    30 + name.len() as u64 + if zip64 { 20 } else { 0 } + 13 + 15
}

/// Bytes of the central record for an entry, for size planning.
pub fn central_header_len(name: &str, zip64_size: bool, zip64_offset: bool) -> u64 {
    let z = if zip64_size || zip64_offset {
        4 + if zip64_size { 16 } else { 0 } + if zip64_offset { 8 } else { 0 }
    } else {
        0
    };
    46 + name.len() as u64 + z + 9 + 15
}

/// Bytes of the end records for an archive, for size planning.
pub fn end_records_len(entries: u64, cd_offset: u64, cd_size: u64) -> u64 {
    let zip64 = entries >= MAX_ENTRIES16 || cd_offset >= MAX32 || cd_size >= MAX32;
    22 + if zip64 { 56 + 20 } else { 0 }
}

/// Extended timestamp: modified and accessed in the local header, modified only in the central.
fn times_extra(meta: &EntryMeta, local: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(&0x5455u16.to_le_bytes());
    out.extend_from_slice(&(if local { 9u16 } else { 5u16 }).to_le_bytes());
    out.push(0b011);
    out.extend_from_slice(&clamp32(meta.modified).to_le_bytes());
    if local {
        out.extend_from_slice(&clamp32(meta.accessed).to_le_bytes());
    }
}

/// Info-ZIP "ux" extra: the Unix uid and gid.
fn owner_extra(meta: &EntryMeta, out: &mut Vec<u8>) {
    out.extend_from_slice(&0x7875u16.to_le_bytes());
    out.extend_from_slice(&11u16.to_le_bytes());
    out.push(1);
    out.push(4);
    out.extend_from_slice(&meta.uid.to_le_bytes());
    out.push(4);
    out.extend_from_slice(&meta.gid.to_le_bytes());
}

fn clamp32(secs: i64) -> i32 {
    secs.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// MS-DOS time and date (two-second resolution, 1980 to 2107) of a UTC time.
fn dos_time(secs: i64) -> (u16, u16) {
    let d = synthfs_model::date::Date::of_unix(secs);
    if d.year < 1980 {
        return (0, (1 << 5) | 1);
    }
    let year = (d.year - 1980).min(127) as u16;
    let sod = secs.rem_euclid(86_400);
    let (h, m, s) = ((sod / 3600) as u16, ((sod / 60) % 60) as u16, (sod % 60) as u16);
    ((h << 11) | (m << 5) | (s / 2), (year << 9) | ((d.month as u16) << 5) | d.day as u16)
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

    fn meta() -> EntryMeta {
        crate::archive::sample_meta(false)
    }

    #[test]
    fn header_lengths_match_what_is_written() {
        for zip64 in [false, true] {
            let mut out = Vec::new();
            let k = Known { crc: 1, compressed: 2, size: 3 };
            local_header("a/b.txt", &meta(), &Framing { method: STORE, known: Some(k), zip64 }, &mut out);
            assert_eq!(out.len() as u64, local_header_len("a/b.txt", zip64));
        }
        for (big, off) in [(false, false), (true, false), (false, true), (true, true)] {
            let e = CentralEntry {
                name: "x".into(),
                meta: meta(),
                method: STORE,
                descriptor: false,
                zip64: big,
                crc: 0,
                compressed: 0,
                size: 0,
                offset: if off { 5 << 32 } else { 7 },
                symlink: off,
            };
            let mut out = Vec::new();
            central_header(&e, &mut out);
            assert_eq!(out.len() as u64, central_header_len("x", big, off));
        }
        let mut out = Vec::new();
        end_records(70_000, 10, 20, &mut out);
        assert_eq!(out.len() as u64, end_records_len(70_000, 10, 20));
    }

    #[test]
    fn dos_time_packs_fields() {
        // 2023-11-14 22:13:20 UTC
        let (t, d) = dos_time(1_700_000_000);
        assert_eq!(t, (22 << 11) | (13 << 5) | 10);
        assert_eq!(d, (43 << 9) | (11 << 5) | 14);
    }
}
