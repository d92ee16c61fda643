//! An ISO 9660 volume (ECMA-119, 2nd edition) holding one small file, `README.TXT`.
//!
//! Sectors of 2048 bytes: 0 to 15 the system area (zeros), 16 the primary volume descriptor
//! (§8.4), 17 the set terminator (§8.3), 18 and 19 the type L and type M path tables (§9.4),
//! 20 the root directory (§9.1: its `.` and `..` records and the file's), 21 the file's data.
//! The volume's size is the file's, in whole sectors; the sectors after the file's are the
//! model's body, space no directory record points at.

use super::super::ContentSpec;
use super::super::header::{Header, pad};
use crate::date::Date;

const SECTOR: usize = 2048;
const PVD: usize = 16;
const TERMINATOR: usize = 17;
const PATH_L: usize = 18;
const PATH_M: usize = 19;
const ROOT: usize = 20;
const README: usize = 21;
/// The sectors the header uses: what must be data at the start of a sparse file.
pub const HEAD_LEN: u64 = ((README + 1) * SECTOR) as u64;
/// A path table of the root alone (§9.4): 8 bytes, the name (0x00) and a pad byte.
const PATH_TABLE_LEN: u64 = 10;

/// The volume's header, through the README's sector.
pub fn header(spec: &ContentSpec) -> Vec<u8> {
    let label = format!("SYNTHFS_{:08X}", spec.seed as u32);
    let readme = format!(
        "{label}\r\n\r\nArchived installation media. Copy the contents to a local folder before running setup.\r\n"
    );
    let when = recording_time(spec.stamp);
    let mut h = Header::zeroed(HEAD_LEN as usize);
    let pvd = PVD * SECTOR;
    // Type 1 (primary), the standard identifier, version 1; the system and volume identifiers.
    h.put(pvd, b"\x01CD001\x01").put(pvd + 8, &pad(b"LINUX", 32)).put(pvd + 40, &pad(label.as_bytes(), 32));
    // The volume space size in sectors; the volume set size, the volume's sequence number in
    // it and the logical block size; the path table's size and where its copies are.
    h.both(4, &[(pvd + 80, u64::from((spec.size / SECTOR as u64) as u32)), (pvd + 132, PATH_TABLE_LEN)]);
    h.both(2, &[(pvd + 120, 1), (pvd + 124, 1), (pvd + 128, SECTOR as u64)]);
    h.le(4, &[(pvd + 140, PATH_L as u64)]).put(pvd + 148, &(PATH_M as u32).to_be_bytes());
    h.put(pvd + 156, &record(ROOT, SECTOR, true, &[0], &when));
    // Volume set, publisher, preparer and application identifiers; copyright, abstract and
    // bibliographic file identifiers: spaces (none).
    h.put(pvd + 190, &pad(label.as_bytes(), 128)).put(pvd + 318, &[b' '; 128]).put(pvd + 446, &[b' '; 128]);
    h.put(pvd + 574, &pad(b"SYNTHFS", 128)).put(pvd + 702, &[b' '; 37 * 3]);
    // Creation and modification dates; no expiration or effective date (§8.4.26.1: digits
    // zero and offset zero); the file structure version.
    let long = long_date(spec.stamp);
    h.put(pvd + 813, &long).put(pvd + 830, &long);
    h.put(pvd + 847, b"0000000000000000\0").put(pvd + 864, b"0000000000000000\0").put(pvd + 881, &[1]);
    h.put(TERMINATOR * SECTOR, b"\xFFCD001\x01");
    // Path tables: the root, its extent, its parent (itself, number 1), its name 0x00.
    h.put(PATH_L * SECTOR, &[1, 0]).le(4, &[(PATH_L * SECTOR + 2, ROOT as u64)]).le(2, &[(PATH_L * SECTOR + 6, 1)]);
    h.put(PATH_M * SECTOR, &[1, 0]).put(PATH_M * SECTOR + 2, &(ROOT as u32).to_be_bytes());
    h.put(PATH_M * SECTOR + 6, &1u16.to_be_bytes());
    let mut dir = record(ROOT, SECTOR, true, &[0], &when);
    dir.extend(record(ROOT, SECTOR, true, &[1], &when));
    dir.extend(record(README, readme.len(), false, b"README.TXT;1", &when));
    h.put(ROOT * SECTOR, &dir).put(README * SECTOR, readme.as_bytes());
    h.0
}

/// A directory record (§9.1): its extent and length, the recording time, whether it is a
/// folder, and its identifier (0x00 for `.`, 0x01 for `..`), padded to an even length.
fn record(extent: usize, len: usize, dir: bool, name: &[u8], when: &[u8; 7]) -> Vec<u8> {
    let size = 33 + name.len() + (1 - name.len() % 2);
    let mut h = Header::zeroed(size);
    h.put(0, &[size as u8, 0]).both(4, &[(2, extent as u64), (10, len as u64)]).put(18, when);
    h.put(25, &[if dir { 2 } else { 0 }]).both(2, &[(28, 1)]).put(32, &[name.len() as u8]).put(33, name);
    h.0
}

/// A directory record's time (§9.1.5): years since 1900, month, day, hour, minute, second,
/// and the offset from UTC in 15-minute steps (0: UTC).
fn recording_time(stamp: i64) -> [u8; 7] {
    let d = Date::of_unix(stamp);
    let s = stamp.rem_euclid(86_400);
    let years = (d.year - 1900).clamp(0, 255) as u8;
    [years, d.month as u8, d.day as u8, (s / 3600) as u8, (s / 60 % 60) as u8, (s % 60) as u8, 0]
}

/// A volume descriptor's date (§8.4.26.1): `YYYYMMDDHHMMSScc` in digits and the UTC offset.
fn long_date(stamp: i64) -> [u8; 17] {
    let d = Date::of_unix(stamp);
    let s = stamp.rem_euclid(86_400);
    let text = format!("{:04}{:02}{:02}{:02}{:02}{:02}00", d.year, d.month, d.day, s / 3600, s / 60 % 60, s % 60);
    let mut out = [0u8; 17];
    out[..16].copy_from_slice(&text.as_bytes()[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileType;

    #[test]
    fn root_and_path_tables_point_at_each_other() {
        let spec = ContentSpec {
            ftype: FileType::Iso,
            size: 1 << 20,
            seed: 5,
            stamp: 1_650_000_000,
            sparse: None,
            attachments: 0,
        };
        let h = header(&spec);
        let pvd = &h[PVD * SECTOR..];
        assert_eq!(&pvd[1..6], b"CD001");
        // Volume size 512 sectors, both byte orders.
        assert_eq!(&pvd[80..88], &[0, 2, 0, 0, 0, 0, 2, 0]);
        // The root record: 34 bytes, extent 20, a folder.
        assert_eq!((pvd[156], pvd[158], pvd[156 + 25]), (34, 20, 2));
        assert_eq!(&pvd[813..827], b"20220415052000");
        let root = &h[ROOT * SECTOR..];
        assert_eq!((root[0], root[34], root[68]), (34, 34, 46));
        assert_eq!(&root[68 + 33..68 + 45], b"README.TXT;1");
        assert!(h[README * SECTOR..].starts_with(b"SYNTHFS_00000005\r\n"));
    }
}
