//! A dynamic VHDX ([MS-VHDX] v1.0, Hyper-V's virtual hard disk) with no block allocated.
//!
//! The file, in [MS-VHDX] §2's order:
//! - the header section, 1 MiB: the file type identifier (§2.1.1, "vhdxfile" and a creator),
//!   two headers (§2.2.2, at 64 KiB and 128 KiB, each with its CRC-32C over 4 KiB) and two
//!   copies of the region table (§2.2.3, at 192 KiB and 256 KiB, CRC-32C over 64 KiB) naming
//!   the BAT and the metadata region;
//! - the log, 1 MiB at 1 MiB: all zeros, and the headers' log GUID is zero, so there is
//!   nothing to replay (§2.3);
//! - the BAT at 2 MiB (§2.5): every entry is `PAYLOAD_BLOCK_NOT_PRESENT` (zero), so the BAT is
//!   zeros and the whole virtual disk reads as zeros;
//! - the metadata region (§2.6), 1 MiB: its table and the five required items (file
//!   parameters, virtual disk size, logical and physical sector size, page 83 data). In a
//!   sparse file it goes to the first 1 MiB-aligned place that is data (the headers fit in the
//!   layout's head; the log and the BAT are zeros and may lie in holes).
//!
//! The rest of the file is the model's body: space no BAT entry points at.

use super::super::ContentSpec;
use super::super::header::Header;
use super::super::prefix::Prefix;
use super::{capacity, place_in_data};
use crate::rng::Rng;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
/// The block size Hyper-V gives dynamic disks (§2.6.2.1).
const BLOCK_SIZE: u64 = 32 * MIB;
const LOGICAL_SECTOR: u64 = 512;
const PHYSICAL_SECTOR: u64 = 4096;
/// The largest virtual disk [MS-VHDX] allows (§2.6.2.2).
const MAX_DISK: u64 = 64 << 40;
/// The header section's structures: everything up to the end of the second region table.
pub const HEADERS_LEN: u64 = 320 * KIB;
const LOG_OFFSET: u64 = MIB;
const LOG_LEN: u64 = MIB;
const BAT_OFFSET: u64 = 2 * MIB;
/// Where the metadata items start in their region (§2.6.1.2: at least 64 KiB in).
const ITEMS_AT: u64 = 64 * KIB;
/// The metadata region's bytes that are not zero: the table, and the items after it.
const METADATA_USED: u64 = ITEMS_AT + ITEMS_LEN;
const ITEMS_LEN: u64 = 8 + 8 + 4 + 4 + 16;

/// GUIDs as [MS-VHDX] writes them: the first three fields little-endian.
const fn guid(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> [u8; 16] {
    let (a, b, c) = (d1.to_le_bytes(), d2.to_le_bytes(), d3.to_le_bytes());
    [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]]
}

// Region GUIDs (§2.2.3.2) and metadata item GUIDs (§2.6.2).
const BAT_REGION: [u8; 16] = guid(0x2DC2_7766, 0xF623, 0x4200, [0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08]);
const METADATA_REGION: [u8; 16] = guid(0x8B7C_A206, 0x4790, 0x4B9A, [0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E]);
const FILE_PARAMETERS: [u8; 16] = guid(0xCAA1_6737, 0xFA36, 0x4D43, [0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B]);
const VIRTUAL_DISK_SIZE: [u8; 16] = guid(0x2FA5_4224, 0xCD1B, 0x4876, [0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8]);
const LOGICAL_SECTOR_SIZE: [u8; 16] =
    guid(0x8141_BF1D, 0xA96F, 0x4709, [0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F]);
const PHYSICAL_SECTOR_SIZE: [u8; 16] =
    guid(0xCDA3_48C7, 0x445D, 0x4471, [0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56]);
const PAGE_83_DATA: [u8; 16] = guid(0xBECA_12AB, 0xB2E6, 0x4523, [0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46]);

/// Where a VHDX's regions lie and how big its disk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub virtual_size: u64,
    pub bat_len: u64,
    pub metadata_offset: u64,
}

impl Layout {
    /// The layout for a file: the virtual size from the file's size ([`capacity`]), the BAT
    /// after the log, the metadata where the sparse layout has data for it.
    pub fn of(spec: &ContentSpec) -> Layout {
        let virtual_size = capacity(spec.size, MAX_DISK);
        let bat_len = (bat_entries(virtual_size) * 8).next_multiple_of(MIB);
        let after_bat = BAT_OFFSET + bat_len;
        // A file whose data runs hold no aligned room keeps the plain place (it will not
        // open: only profiles with odd sparse extents make one).
        let metadata_offset = place_in_data(spec, after_bat, MIB, METADATA_USED).unwrap_or(after_bat);
        Layout { virtual_size, bat_len, metadata_offset }
    }
}

/// BAT entries for a disk: one per payload block, and one sector-bitmap entry after each
/// chunk of them (§2.5: the chunk ratio is 2^23 sectors over the block size).
fn bat_entries(virtual_size: u64) -> u64 {
    let chunk_ratio = (1u64 << 23) * LOGICAL_SECTOR / BLOCK_SIZE;
    let blocks = virtual_size.div_ceil(BLOCK_SIZE);
    blocks + blocks.saturating_sub(1) / chunk_ratio
}

/// The CRC-32C of `bytes` followed by zeros up to `len` (at most 64 KiB), as a checksum field
/// holds it.
fn crc_padded(bytes: &[u8], len: usize) -> u32 {
    static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
    crc32c::crc32c_append(crc32c::crc32c(bytes), &ZEROS[..len - bytes.len()])
}

/// Sets the little-endian CRC-32C at offset 4 of a structure `len` bytes long whose
/// non-zero bytes are `h` (the checksum is computed with its own field zero).
fn seal(h: &mut Header, len: usize) {
    let crc = crc_padded(&h.0, len);
    h.le(4, &[(4, u64::from(crc))]);
}

/// A random GUID (version 4) in its on-disk byte order.
fn random_guid(rng: &mut Rng) -> [u8; 16] {
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    g[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    g[7] = (g[7] & 0x0F) | 0x40;
    g[8] = (g[8] & 0x3F) | 0x80;
    g
}

/// The prefix of a VHDX file: the header section, the log, the BAT and the metadata region.
pub fn prefix(spec: &ContentSpec, rng: &mut Rng) -> Prefix {
    let l = Layout::of(spec);
    let mut p = Prefix::zeros(l.metadata_offset + MIB, HEADERS_LEN);
    let mut ident = Header::zeroed(8 + 2 * 30);
    ident.put(0, b"vhdxfile").utf16(8, "Microsoft Windows 10.0.19045.0".encode_utf16());
    p.put(0, ident.0);
    // Two headers with the same GUIDs: the second is the current one (higher sequence number).
    let (file_write, data_write) = (random_guid(rng), random_guid(rng));
    for (seq, at) in [(1u64, 64 * KIB), (2, 128 * KIB)] {
        let mut h = Header::zeroed(80);
        h.put(0, b"head").le(8, &[(8, seq), (72, LOG_OFFSET)]).put(16, &file_write).put(32, &data_write);
        // Log GUID (48) zero: no log to replay; log version 0, version 1, the log's length.
        h.le(2, &[(66, 1)]).le(4, &[(68, LOG_LEN)]);
        seal(&mut h, 4096);
        p.put(at, h.0);
    }
    for at in [192 * KIB, 256 * KIB] {
        p.put(at, region_table(&l));
    }
    let mut meta = Header::zeroed(32 + 5 * 32);
    meta.put(0, b"metadata").le(2, &[(10, 5)]);
    // Each entry: item GUID, offset in the region, length, flags (IsVirtualDisk 2, IsRequired 4).
    let items: [([u8; 16], u64, u64); 5] = [
        (FILE_PARAMETERS, 8, 4),
        (VIRTUAL_DISK_SIZE, 8, 6),
        (LOGICAL_SECTOR_SIZE, 4, 6),
        (PHYSICAL_SECTOR_SIZE, 4, 6),
        (PAGE_83_DATA, 16, 6),
    ];
    let mut item_at = ITEMS_AT;
    for (k, (id, len, flags)) in items.into_iter().enumerate() {
        let e = 32 + 32 * k;
        meta.put(e, &id).le(4, &[(e + 16, item_at), (e + 20, len), (e + 24, flags)]);
        item_at += len;
    }
    p.put(l.metadata_offset, meta.0);
    let mut values = Header::zeroed(ITEMS_LEN as usize);
    // File parameters: the block size; neither "leave blocks allocated" (dynamic) nor a parent.
    values.le(4, &[(0, BLOCK_SIZE)]).le(8, &[(8, l.virtual_size)]);
    values.le(4, &[(16, LOGICAL_SECTOR), (20, PHYSICAL_SECTOR)]).put(24, &random_guid(rng));
    p.put(l.metadata_offset + ITEMS_AT, values.0);
    p
}

/// A region table (§2.2.3): the BAT and the metadata region, both required.
fn region_table(l: &Layout) -> Vec<u8> {
    let mut h = Header::zeroed(16 + 2 * 32);
    h.put(0, b"regi").le(4, &[(8, 2)]);
    for (k, (id, offset, len)) in
        [(BAT_REGION, BAT_OFFSET, l.bat_len), (METADATA_REGION, l.metadata_offset, MIB)].into_iter().enumerate()
    {
        let e = 16 + 32 * k;
        h.put(e, &id).le(8, &[(e + 16, offset)]).le(4, &[(e + 24, len), (e + 28, 1)]);
    }
    seal(&mut h, 64 * KIB as usize);
    h.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileType;
    use crate::content::SparseLayout;

    #[test]
    fn crc32c_matches_the_standard_check_values() {
        // RFC 3720 B.4 and the CRC catalogue's check value for "123456789".
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c::crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        // Padding by combining equals hashing the zeros.
        let mut v = b"regi".to_vec();
        assert_eq!(crc_padded(&v, 65536), {
            v.resize(65536, 0);
            crc32c::crc32c(&v)
        });
    }

    #[test]
    fn guids_are_in_their_on_disk_order() {
        assert_eq!(
            BAT_REGION,
            [0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08]
        );
    }

    #[test]
    fn bat_covers_the_disk() {
        // 127 GiB in 32 MiB blocks: 4064 blocks and 31 sector-bitmap entries.
        assert_eq!(bat_entries(127 << 30), 4064 + 31);
        assert_eq!(bat_entries(1 << 30), 32);
    }

    #[test]
    fn headers_and_tables_check_out() {
        let spec =
            ContentSpec { ftype: FileType::Vhdx, size: 5 << 20, seed: 9, stamp: 0, sparse: None, attachments: 0 };
        let p = prefix(&spec, &mut Rng::from_key(1)).to_vec();
        let check = |at: usize, len: usize| {
            let mut s = p[at..at + len].to_vec();
            let want = u32::from_le_bytes(s[4..8].try_into().unwrap());
            s[4..8].fill(0);
            assert_eq!(crc32c::crc32c(&s), want, "checksum at {at}");
        };
        check(64 << 10, 4096);
        check(128 << 10, 4096);
        check(192 << 10, 65536);
        check(256 << 10, 65536);
        assert_eq!(&p[..8], b"vhdxfile");
        assert_eq!(&p[3 << 20..(3 << 20) + 8], b"metadata");
        assert_eq!(p.len() as u64, 4 << 20);
    }

    #[test]
    fn metadata_lands_in_data_when_sparse() {
        let mib = 1u64 << 20;
        let size = 5u64 << 30;
        let sparse = SparseLayout::new(size, mib, 255 * mib, mib, 64 << 10);
        let spec = ContentSpec { ftype: FileType::Vhdx, size, seed: 9, stamp: 0, sparse, attachments: 0 };
        let l = Layout::of(&spec);
        assert_eq!(l.metadata_offset, 256 * mib);
        assert_eq!(l.virtual_size, 8 << 30);
        assert!(spec.run_at(l.metadata_offset).0);
    }
}
