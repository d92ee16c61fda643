//! Disk and disc images that open in the tools a user would open them with: a dynamic VHDX
//! ([`vhdx`]), a monolithic sparse VMDK ([`vmdk`]) and an ISO 9660 volume ([`iso`]).
//!
//! A virtual disk is generated with nothing allocated: its tables (BAT, grain directory) say
//! every block is absent, so the guest sees zeros, and those tables are zeros themselves. Only
//! the headers and metadata carry bytes, which is what keeps a disk image cheap to read at any
//! offset and lets it stay sparse: the file's body (after the tables) is the model's random
//! data, space the format does not reference, as a disk image that was compacted leaves it.

pub mod iso;
pub mod vhdx;
pub mod vmdk;

use super::ContentSpec;

const GIB: u64 = 1 << 30;

/// Virtual disk sizes people give their VMs, in GiB (Hyper-V's default is 127 GiB).
const DISK_SIZES_GIB: &[u64] = &[
    1, 2, 4, 8, 16, 20, 32, 40, 50, 60, 64, 80, 100, 120, 127, 128, 160, 200, 250, 256, 300, 400, 500, 512, 750, 1000,
    1024, 1536, 2000, 2048,
];

/// The virtual size of a disk image whose file is `size` bytes: the smallest usual disk size
/// that holds the file (a dynamic disk's file never outgrows its disk by more than its
/// metadata), past 2 TiB the next multiple of 1 TiB, and at most `max` (the format's limit).
pub fn capacity(size: u64, max: u64) -> u64 {
    let listed = DISK_SIZES_GIB.iter().map(|g| g * GIB).find(|&c| c >= size);
    let c = listed.unwrap_or_else(|| size.div_ceil(1024 * GIB).saturating_mul(1024 * GIB));
    c.min(max)
}

/// The first offset at or after `from`, a multiple of `align`, where `len` bytes lie wholly in
/// data in the file's sparse layout and inside the file; `None` when there is none within the
/// first few runs (a layout whose data runs are shorter than `len` or never aligned).
pub fn place_in_data(spec: &ContentSpec, from: u64, align: u64, len: u64) -> Option<u64> {
    let mut at = from.next_multiple_of(align);
    for _ in 0..64 {
        if at.checked_add(len)? > spec.size {
            return None;
        }
        let (data, end) = spec.run_at(at);
        if data && end >= at + len {
            return Some(at);
        }
        let next = if data { end } else { spec.seek_data(end)? };
        at = next.max(at + 1).next_multiple_of(align);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileType;
    use crate::content::SparseLayout;

    #[test]
    fn capacities_are_usual_disk_sizes() {
        assert_eq!(capacity(4 << 20, u64::MAX), GIB);
        assert_eq!(capacity(GIB, u64::MAX), GIB);
        assert_eq!(capacity(GIB + 1, u64::MAX), 2 * GIB);
        assert_eq!(capacity(100 * GIB + 5, u64::MAX), 120 * GIB);
        assert_eq!(capacity(3000 * GIB, u64::MAX), 3072 * GIB);
        assert_eq!(capacity(3000 * GIB, 2048 * GIB), 2048 * GIB);
    }

    #[test]
    fn placing_finds_an_aligned_data_run() {
        let mib = 1u64 << 20;
        let sparse = SparseLayout::new(1 << 30, mib, 255 * mib, mib, 64 << 10);
        let spec = ContentSpec { ftype: FileType::Vhdx, size: 1 << 30, seed: 1, stamp: 0, sparse, attachments: 0 };
        assert_eq!(place_in_data(&spec, 3 * mib, mib, 65 << 10), Some(256 * mib));
        let plain = ContentSpec { sparse: None, ..spec };
        assert_eq!(place_in_data(&plain, 3 * mib, mib, 65 << 10), Some(3 * mib));
        // Data runs never aligned: none.
        let odd = SparseLayout::new(1 << 30, 64 << 10, 256 * mib, 64 << 10, 64 << 10);
        assert_eq!(place_in_data(&ContentSpec { sparse: odd, ..spec }, 3 * mib, mib, 65 << 10), None);
    }
}
