//! A monolithic sparse VMDK (VMware's hosted sparse extent, "Virtual Disk Format 5.0", the
//! sections "Hosted Sparse Extent Header" and "Grain Directories and Grain Tables") with no
//! grain allocated.
//!
//! Sector 0 holds the `SparseExtentHeader`, sectors 1 to 20 the embedded descriptor, then
//! the redundant grain directory and the grain directory. Every directory entry is zero: no
//! grain table is allocated, so every grain reads as zeros, and both directories are zeros
//! themselves (they may lie in the file's holes). Grains would start at `overHead`; the
//! model's body fills the file from there, space no grain table points at.

use super::super::ContentSpec;
use super::super::header::Header;
use super::super::prefix::Prefix;
use super::capacity;
use crate::rng::Rng;

const SECTOR: u64 = 512;
/// Sectors per grain (64 KiB grains, as VMware and qemu make them).
const GRAIN: u64 = 128;
/// Grain table entries per grain table: each table covers 32 MiB.
const GTES_PER_GT: u64 = 512;
const DESCRIPTOR_AT: u64 = 1;
const DESCRIPTOR_SECTORS: u64 = 20;
/// The header and the descriptor: what must be data at the start of a sparse file.
pub const HEAD_LEN: u64 = (DESCRIPTOR_AT + DESCRIPTOR_SECTORS) * SECTOR;
/// The largest sparse extent: grain offsets are 32-bit sector numbers.
const MAX_DISK: u64 = 2 << 40;

/// Where a VMDK's structures lie, in sectors, and its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub capacity_sectors: u64,
    pub descriptor_sectors: u64,
    pub rgd_offset: u64,
    pub gd_offset: u64,
    pub overhead: u64,
}

impl Layout {
    /// The usual layout (a 20-sector descriptor, grains from a whole grain on), or for a file
    /// shorter than that (qemu refuses a file that ends before its grains start) the
    /// directories right after a 2-sector descriptor.
    pub fn of(spec: &ContentSpec) -> Layout {
        let capacity_sectors = capacity(spec.size, MAX_DISK) / SECTOR;
        let tables = capacity_sectors.div_ceil(GRAIN * GTES_PER_GT);
        let gd_sectors = (tables * 4).div_ceil(SECTOR);
        let at = |descriptor_sectors: u64, align: u64| {
            let rgd_offset = DESCRIPTOR_AT + descriptor_sectors;
            let gd_offset = rgd_offset + gd_sectors;
            let overhead = (gd_offset + gd_sectors).next_multiple_of(align);
            Layout { capacity_sectors, descriptor_sectors, rgd_offset, gd_offset, overhead }
        };
        [at(DESCRIPTOR_SECTORS, GRAIN), at(DESCRIPTOR_SECTORS, 1), at(2, 1)]
            .into_iter()
            .find(|l| l.overhead * SECTOR <= spec.size)
            .unwrap_or_else(|| at(2, 1))
    }
}

/// The prefix of a VMDK file: header, descriptor and the two (zero) grain directories.
pub fn prefix(spec: &ContentSpec, rng: &mut Rng) -> Prefix {
    let l = Layout::of(spec);
    let sectors = l.capacity_sectors;
    // The BIOS geometry VMware gives an LSI Logic disk: 255 heads, 63 sectors a track.
    let cylinders = (sectors / (255 * 63)).clamp(1, 65535);
    let desc = format!(
        "# Disk DescriptorFile\nversion=1\nCID={:08x}\nparentCID=ffffffff\ncreateType=\"monolithicSparse\"\n\n\
         # Extent description\nRW {sectors} SPARSE \"disk.vmdk\"\n\n# The Disk Data Base\n#DDB\n\n\
         ddb.virtualHWVersion = \"14\"\nddb.adapterType = \"lsilogic\"\nddb.geometry.cylinders = \"{cylinders}\"\n\
         ddb.geometry.heads = \"255\"\nddb.geometry.sectors = \"63\"\n",
        rng.next_u64() as u32
    );
    let mut h = Header::zeroed(((DESCRIPTOR_AT + l.descriptor_sectors) * SECTOR) as usize);
    // Version 1; flags: the line-ending check is valid (bit 0), a redundant grain directory
    // is kept (bit 1); the number of grain table entries per table.
    h.put(0, b"KDMV").le(4, &[(4, 1), (8, 3), (44, GTES_PER_GT)]);
    h.le(8, &[(12, sectors), (20, GRAIN), (28, DESCRIPTOR_AT), (36, l.descriptor_sectors)]);
    h.le(8, &[(48, l.rgd_offset), (56, l.gd_offset), (64, l.overhead)]);
    // Not shut down uncleanly (72); the line-ending check bytes; no compression (77).
    h.put(73, b"\n \r\n").put((DESCRIPTOR_AT * SECTOR) as usize, desc.as_bytes());
    let mut p = Prefix::zeros(l.overhead * SECTOR, HEAD_LEN);
    p.put(0, h.0);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileType;

    #[test]
    fn directories_cover_the_capacity() {
        let spec =
            ContentSpec { ftype: FileType::Vmdk, size: 100 << 30, seed: 3, stamp: 0, sparse: None, attachments: 0 };
        let l = Layout::of(&spec);
        assert_eq!(l.descriptor_sectors, 20);
        // 100 GiB in 32 MiB tables: 3200 entries, 25 sectors a directory.
        assert_eq!(l.capacity_sectors, (100u64 << 30) / 512);
        assert_eq!((l.rgd_offset, l.gd_offset), (21, 46));
        assert_eq!(l.overhead, 128);
        let p = prefix(&spec, &mut Rng::from_key(1)).to_vec();
        assert_eq!(p.len(), 128 * 512);
        assert_eq!(&p[..4], b"KDMV");
        assert!(p[21 * 512..].iter().all(|&b| b == 0), "the directories are zeros");
        assert!(String::from_utf8_lossy(&p[512..]).contains("RW 209715200 SPARSE"));
    }

    #[test]
    fn short_files_end_after_their_directories() {
        for size in [11_008u64, 12_000, 60_000] {
            let spec = ContentSpec { ftype: FileType::Vmdk, size, seed: 3, stamp: 0, sparse: None, attachments: 0 };
            let l = Layout::of(&spec);
            assert!(l.overhead * SECTOR <= size, "{size}: {l:?}");
            assert!(prefix(&spec, &mut Rng::from_key(1)).to_vec().len() as u64 <= size);
        }
    }
}
