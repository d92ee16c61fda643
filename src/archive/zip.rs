//! ZIP records (APPNOTE 6.3): local headers built by the workers, the central directory and
//! end records built by the one writer. ZIP64 fields appear only where a value needs them.
//!
//! Every entry carries the extended timestamp (0x5455, modified and accessed) and the Info-ZIP
//! Unix owner (0x7875) extra fields, and its Unix mode in the external attributes, so `unzip`
//! and Python's `zipfile` restore times, modes and (`unzip -X`) owners.
//!
//! This file decides the fields (ZIP64 or not, flags, extra fields, attributes); the records'
//! bytes are written by [`synthfs_model::zip_records`], as are the model's own containers'.

use synthfs_model::zip_records::{
    self, CENTRAL_RECORD_LEN, CentralRecord, END_RECORD_LEN, EntryFields, FLAG_DESCRIPTOR, FLAG_UTF8, LOCAL_HEADER_LEN,
    LocalHeader, ZIP64_END_RECORDS_LEN, dos_time,
};

use super::EntryMeta;

pub const STORE: u16 = 0;
pub const DEFLATE: u16 = 8;

/// Sizes at or past this need ZIP64 fields (0xFFFFFFFF itself is the "see ZIP64" marker).
const MAX32: u64 = 0xFFFF_FFFF;
/// Entries past this need the ZIP64 end records.
const MAX_ENTRIES16: u64 = 0xFFFF;
/// Unix, APPNOTE 4.5.
const MADE_BY: u16 = (3 << 8) | 45;

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
    let mut extra = Vec::with_capacity(48);
    if f.zip64 {
        extra.extend_from_slice(&0x0001u16.to_le_bytes());
        extra.extend_from_slice(&16u16.to_le_bytes());
        extra.extend_from_slice(&usize_.to_le_bytes());
        extra.extend_from_slice(&csize.to_le_bytes());
    }
    times_extra(meta, true, &mut extra);
    owner_extra(meta, &mut extra);
    let fields = EntryFields {
        version: if f.zip64 { 45 } else { 20 },
        flags,
        method: f.method,
        time: dos_time(meta.modified),
        crc,
        compressed: if f.zip64 { MAX32 as u32 } else { csize as u32 },
        size: if f.zip64 { MAX32 as u32 } else { usize_ as u32 },
    };
    let header = LocalHeader { fields, name, extra: &extra };
    header.encode(out);
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
    let fields = EntryFields {
        version: if big_size || big_offset { 45 } else { 20 },
        flags: FLAG_UTF8 | if e.descriptor { FLAG_DESCRIPTOR } else { 0 },
        method: e.method,
        time: dos_time(e.meta.modified),
        crc: e.crc,
        compressed: if big_size { MAX32 as u32 } else { e.compressed as u32 },
        size: if big_size { MAX32 as u32 } else { e.size as u32 },
    };
    let record = CentralRecord {
        made_by: MADE_BY,
        fields,
        name: &e.name,
        extra: &extra,
        external: ((kind | e.meta.mode) << 16) | dos,
        offset: if big_offset { MAX32 as u32 } else { e.offset as u32 },
    };
    record.encode(out);
}

/// The end records: ZIP64 ones when the count or offsets need them, then the classic one.
pub fn end_records(entries: u64, cd_offset: u64, cd_size: u64, out: &mut Vec<u8>) {
    let zip64 = needs_zip64_end(entries, cd_offset, cd_size);
    if zip64 {
        zip_records::zip64_end_records(MADE_BY, entries, cd_offset, cd_size, out);
    }
    let n16 = if zip64 { 0xFFFF } else { entries as u16 };
    let (size32, offset32) = if zip64 { (MAX32 as u32, MAX32 as u32) } else { (cd_size as u32, cd_offset as u32) };
    zip_records::end_record(n16, size32, offset32, out);
}

/// Whether the entry count or the central directory's size or offset need the ZIP64 end records.
fn needs_zip64_end(entries: u64, cd_offset: u64, cd_size: u64) -> bool {
    entries >= MAX_ENTRIES16 || cd_offset >= MAX32 || cd_size >= MAX32
}

/// Bytes of the local header for a name (what `local_header` writes), for size planning.
pub fn local_header_len(name: &str, zip64: bool) -> u64 {
    LOCAL_HEADER_LEN as u64 + name.len() as u64 + if zip64 { 20 } else { 0 } + 13 + 15
}

/// Bytes of the central record for an entry, for size planning.
pub fn central_header_len(name: &str, zip64_size: bool, zip64_offset: bool) -> u64 {
    let z = if zip64_size || zip64_offset {
        4 + if zip64_size { 16 } else { 0 } + if zip64_offset { 8 } else { 0 }
    } else {
        0
    };
    CENTRAL_RECORD_LEN as u64 + name.len() as u64 + z + 9 + 15
}

/// Bytes of the end records for an archive, for size planning.
pub fn end_records_len(entries: u64, cd_offset: u64, cd_size: u64) -> u64 {
    let zip64 = if needs_zip64_end(entries, cd_offset, cd_size) { ZIP64_END_RECORDS_LEN } else { 0 };
    (END_RECORD_LEN + zip64) as u64
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
}
