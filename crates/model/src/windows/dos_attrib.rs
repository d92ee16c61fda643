//! File attributes ([MS-FSCC] 2.6), NT times ([MS-DTYP] 2.3.3 `FILETIME`) and the value of
//! Samba's `user.DOSATTRIB` xattr, which holds both (`store dos attributes = yes`).
//!
//! The xattr is Samba's NDR encoding of `xattr_DOSATTRIB` (librpc/idl/xattr.idl, pushed by
//! hand in librpc/ndr/ndr_xattr.c): an ASCII string `attrib_hex` with its NUL (empty for the
//! versions Samba writes today), `uint16 version`, then the `xattr_DosInfo` union: its
//! `uint16` level (the version again) and the version's struct, 4-byte aligned. Version 5,
//! what Samba 4.9 and later write, is `valid_flags`, `attrib` and `create_time`.

use super::decode;
use crate::attrs::Timestamp;

/// File attributes ([MS-FSCC] 2.6), as Windows tools show them (`R`, `H`, `S`, `A`, ...).
pub const FILE_ATTRIBUTE_READONLY: u32 = 0x0000_0001;
pub const FILE_ATTRIBUTE_HIDDEN: u32 = 0x0000_0002;
pub const FILE_ATTRIBUTE_SYSTEM: u32 = 0x0000_0004;
pub const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x0000_0010;
pub const FILE_ATTRIBUTE_ARCHIVE: u32 = 0x0000_0020;
pub const FILE_ATTRIBUTE_SPARSE_FILE: u32 = 0x0000_0200;

/// `xattr_DosInfoValidFlags`: the `attrib` field is set.
pub const XATTR_DOSINFO_ATTRIB: u32 = 0x01;
/// `xattr_DosInfoValidFlags`: the `create_time` field is set.
pub const XATTR_DOSINFO_CREATE_TIME: u32 = 0x10;

/// The NT time of the Unix epoch: 100 ns ticks from 1601-01-01 to 1970-01-01.
pub const NTTIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;
/// Seconds from 1601-01-01 to 1970-01-01.
const SECS_1601_TO_1970: i64 = 11_644_473_600;

/// A time as Windows keeps it ([MS-DTYP] 2.3.3): 100 ns ticks since 1601-01-01 UTC, the
/// nanoseconds truncated to 100 ns. Times before 1601 are 0 (which Samba reads as "no time");
/// times past year 60056 saturate.
pub fn nttime(t: Timestamp) -> u64 {
    let ticks = (i128::from(t.secs) + i128::from(SECS_1601_TO_1970)) * 10_000_000 + i128::from(t.nanos / 100);
    ticks.clamp(0, i128::from(u64::MAX)) as u64
}

/// The `user.DOSATTRIB` value Samba writes, version 5: attributes and creation time (24 bytes).
pub fn dos_attrib_v5(attributes: u32, created: Timestamp) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    out.push(0); // attrib_hex: "" and its NUL
    out.push(0); // pad to 2 for the version
    out.extend_from_slice(&5u16.to_le_bytes()); // version
    out.extend_from_slice(&5u16.to_le_bytes()); // xattr_DosInfo's level
    out.extend_from_slice(&[0, 0]); // pad to 4 for xattr_DosInfo5
    out.extend_from_slice(&(XATTR_DOSINFO_ATTRIB | XATTR_DOSINFO_CREATE_TIME).to_le_bytes()); // valid_flags
    out.extend_from_slice(&attributes.to_le_bytes()); // attrib
    out.extend_from_slice(&nttime(created).to_le_bytes()); // create_time
    out
}

/// Reads a `user.DOSATTRIB` value as Samba does (`parse_dos_attribute_blob`): the attributes
/// and the creation time where the value has one (an NT time of 0 is none, as to Samba).
/// Versions 1 to 5 of the NDR form, and the legacy text (`0x22`, with or without its NUL),
/// which carries attributes only. `None` if it is neither.
pub fn parse_dos_attrib(value: &[u8]) -> Option<(u32, Option<u64>)> {
    let text_end = value.iter().position(|b| *b == 0).map_or(value.len(), |nul| nul + 1);
    if text_end >= value.len() {
        let text = std::str::from_utf8(value.get(..text_end)?).ok()?.trim_end_matches('\0');
        let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
        let digits = hex.find(|c: char| !c.is_ascii_hexdigit()).map_or(hex, |end| &hex[..end]);
        return u32::from_str_radix(digits, 16).ok().map(|attrib| (attrib, None));
    }
    let at = text_end.next_multiple_of(2);
    let u16_at = |at: usize| decode::u16_at(value, at, "DOSATTRIB").ok();
    let u32_at = |at: usize| decode::u32_at(value, at, "DOSATTRIB").ok();
    let u64_at = |at: usize| decode::u64_at(value, at, "DOSATTRIB").ok();
    let version = u16_at(at)?;
    if u16_at(at + 2)? != version {
        return None;
    }
    let info = (at + 4).next_multiple_of(4);
    let time = |t: u64| (t != 0).then_some(t);
    let timed = |valid: u32, t: u64| time(t).filter(|_| valid & XATTR_DOSINFO_CREATE_TIME != 0);
    match version {
        // attrib, ea_size, size, alloc_size, create_time, change_time
        1 => Some((u32_at(info)?, time(u64_at(info + 24)?))),
        // flags, attrib, ...: no create time Samba reads
        2 => Some((u32_at(info + 4)?, None)),
        // valid_flags, attrib, ea_size, size, alloc_size, create_time, change_time
        3 => Some((u32_at(info + 4)?, timed(u32_at(info)?, u64_at(info + 28)?))),
        // valid_flags, attrib, itime, create_time
        4 => Some((u32_at(info + 4)?, timed(u32_at(info)?, u64_at(info + 16)?))),
        // valid_flags, attrib, create_time
        5 => Some((u32_at(info + 4)?, timed(u32_at(info)?, u64_at(info + 8)?))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2019-03-04T05:06:07Z.
    const CREATED: Timestamp = Timestamp { secs: 1_551_675_967, nanos: 0 };

    #[test]
    fn dos_attrib_golden() {
        let golden = [
            0x00, 0x00, 0x05, 0x00, 0x05, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x00, 0x80, 0x89,
            0x70, 0xf9, 0x47, 0xd2, 0xd4, 0x01,
        ];
        let attributes = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE;
        assert_eq!(attributes, 0x23);
        assert_eq!(dos_attrib_v5(attributes, CREATED), golden);
        assert_eq!(parse_dos_attrib(&golden), Some((0x23, Some(nttime(CREATED)))));
    }

    #[test]
    fn nttime_counts_from_1601() {
        assert_eq!(nttime(Timestamp { secs: 0, nanos: 0 }), NTTIME_UNIX_EPOCH);
        assert_eq!(nttime(Timestamp { secs: 0, nanos: 0 }), 116_444_736_000_000_000);
        assert_eq!(nttime(CREATED), 0x01d4_d247_f970_8980);
        // Nanoseconds truncate to 100 ns.
        assert_eq!(nttime(Timestamp { secs: 1, nanos: 199 }), NTTIME_UNIX_EPOCH + 10_000_001);
        // 1969-12-31T23:59:59.5Z.
        assert_eq!(nttime(Timestamp { secs: -1, nanos: 500_000_000 }), NTTIME_UNIX_EPOCH - 5_000_000);
        // 1601-01-01T00:00:00Z, and before it.
        assert_eq!(nttime(Timestamp { secs: -SECS_1601_TO_1970, nanos: 100 }), 1);
        assert_eq!(nttime(Timestamp { secs: -SECS_1601_TO_1970 - 1, nanos: 0 }), 0);
        assert_eq!(nttime(Timestamp { secs: i64::MIN, nanos: 0 }), 0);
        assert_eq!(nttime(Timestamp { secs: i64::MAX, nanos: 999_999_999 }), u64::MAX);
    }

    #[test]
    fn older_versions_and_text_parse() {
        assert_eq!(parse_dos_attrib(b"0x22"), Some((0x22, None)));
        assert_eq!(parse_dos_attrib(b"0x22\0"), Some((0x22, None)));
        assert_eq!(parse_dos_attrib(b"0x"), None);
        assert_eq!(parse_dos_attrib(b"22"), None);
        // Version 4: valid_flags, attrib, itime, create_time (after "0x20" and its NUL).
        let mut v4 = b"0x20\0\0".to_vec();
        v4.extend_from_slice(&[4, 0, 4, 0, 0, 0]);
        v4.extend_from_slice(&0x11u32.to_le_bytes());
        v4.extend_from_slice(&0x20u32.to_le_bytes());
        v4.extend_from_slice(&7u64.to_le_bytes());
        v4.extend_from_slice(&9u64.to_le_bytes());
        assert_eq!(parse_dos_attrib(&v4), Some((0x20, Some(9))));
        // Without XATTR_DOSINFO_CREATE_TIME the time is not read.
        let mut v5 = dos_attrib_v5(0x10, CREATED);
        v5[8] = 0x01;
        assert_eq!(parse_dos_attrib(&v5), Some((0x10, None)));
        // The level must repeat the version.
        let mut mismatch = dos_attrib_v5(0x10, CREATED);
        mismatch[4] = 4;
        assert_eq!(parse_dos_attrib(&mismatch), None);
    }

    #[test]
    fn truncated_values_are_none_not_panics() {
        let golden = dos_attrib_v5(0x23, CREATED);
        for n in 1..golden.len() {
            assert_eq!(parse_dos_attrib(&golden[..n]), None, "prefix of {n} bytes");
        }
        assert_eq!(parse_dos_attrib(&[]), None);
    }
}
