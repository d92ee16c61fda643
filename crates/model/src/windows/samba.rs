//! The xattrs Samba's VFS modules read, by name and value, so that a tree served through
//! Samba shows Windows clients the model's owner, DACL, attributes, creation time and
//! alternate data streams:
//! - `acl_xattr` reads the NT security descriptor from [`NTACL_XATTR`] ([`ntacl_v1`]);
//! - `store dos attributes = yes` reads attributes and creation time from [`DOSATTRIB_XATTR`]
//!   ([`super::dos_attrib::dos_attrib_v5`]);
//! - `streams_xattr` serves stream `file:NAME` from [`stream_xattr_name`]`(NAME)`
//!   ([`stream_xattr_value`]).
//!
//! Formats from Samba's librpc/idl/xattr.idl and source3/modules/vfs_streams_xattr.c.

use super::decode::{DecodeError, u16_at, u32_at};
use super::descriptor::SecurityDescriptor;

/// Where `acl_xattr` keeps a file's NT security descriptor (`XATTR_NTACL_NAME`).
pub const NTACL_XATTR: &str = "security.NTACL";
/// Where Samba keeps DOS attributes and the creation time (`XATTR_DOSATTRIB_NAME_S3`).
pub const DOSATTRIB_XATTR: &str = "user.DOSATTRIB";
/// The prefix of `streams_xattr`'s stream xattrs (`XATTR_DOSSTREAM_PREFIX`, the module's
/// default `streams_xattr:prefix`).
pub const STREAM_XATTR_PREFIX: &str = "user.DosStream.";
/// The xattr of the `Zone.Identifier` stream (the mark of the web).
pub const ZONE_STREAM_XATTR: &str = "user.DosStream.Zone.Identifier:$DATA";

/// The first 8 bytes of an `xattr_NTACL` of version 1: `uint16 version` (1), the
/// `xattr_NTACL_Info` union's `uint16` level (1), then its `[unique] security_descriptor *sd`
/// as NDR writes a non-null unique pointer: the referent id 0x00020000.
pub const NTACL_V1_HEADER: [u8; 8] = [0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00];

/// Whether `name` is one of the xattrs this module makes for Samba ([`NTACL_XATTR`],
/// [`DOSATTRIB_XATTR`], or a stream's, under [`STREAM_XATTR_PREFIX`]): what a filesystem
/// answers from `Tree::samba_xattr` (absent ones with "no such attribute", ENODATA).
pub fn is_samba_xattr(name: &[u8]) -> bool {
    name == NTACL_XATTR.as_bytes()
        || name == DOSATTRIB_XATTR.as_bytes()
        || name.starts_with(STREAM_XATTR_PREFIX.as_bytes())
}

/// The xattr name of stream `stream` (`Zone.Identifier`): `user.DosStream.{stream}:$DATA`
/// (with `streams_xattr:store_stream_type = yes`, the default).
pub fn stream_xattr_name(stream: &str) -> String {
    format!("{STREAM_XATTR_PREFIX}{stream}:$DATA")
}

/// The xattr value of a stream whose bytes are `data`: the bytes and one more byte, 0.
/// (`streams_xattr` stores a byte past the data so that an empty stream has a value; newer
/// Samba reads it as the count of further extents, 0 for a stream in one xattr.)
pub fn stream_xattr_value(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1);
    out.extend_from_slice(data);
    out.push(0);
    out
}

/// Where the four offsets (owner, group, SACL, DACL) sit in a self-relative descriptor.
const OFFSET_FIELDS: [usize; 4] = [4, 8, 12, 16];

/// The `security.NTACL` value of a descriptor: Samba's `xattr_NTACL` of version 1,
/// [`NTACL_V1_HEADER`] then the self-relative descriptor. Version 1 has no hash, so
/// `acl_xattr` serves it as it is (versions 3 and 4 carry a hash of the file's POSIX ACL
/// that Samba checks unless `acl_xattr:ignore system acls = yes`).
///
/// NDR counts the descriptor's relative pointers from the start of the whole blob, not of
/// the descriptor: each non-zero offset is 8 more than in a bare self-relative descriptor
/// (Samba refuses the bare form with a range error).
pub fn ntacl_v1(sd: &SecurityDescriptor) -> Vec<u8> {
    let mut out = Vec::with_capacity(NTACL_V1_HEADER.len() + sd.self_relative_len());
    out.extend_from_slice(&NTACL_V1_HEADER);
    out.extend_from_slice(&sd.to_self_relative());
    shift_offsets(&mut out[NTACL_V1_HEADER.len()..], |o| o.checked_add(HEADER_LEN));
    out
}

/// The header's length, as the offsets count it.
const HEADER_LEN: u32 = NTACL_V1_HEADER.len() as u32;

/// Applies `f` to each non-zero offset of a self-relative descriptor; false where one does
/// not fit (or the descriptor is too short to hold them).
fn shift_offsets(sd: &mut [u8], f: impl Fn(u32) -> Option<u32>) -> bool {
    for at in OFFSET_FIELDS {
        let Some(field) = sd.get_mut(at..at + 4) else { return false };
        let offset = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
        if offset == 0 {
            continue;
        }
        let Some(moved) = f(offset) else { return false };
        field.copy_from_slice(&moved.to_le_bytes());
    }
    true
}

/// Reads a `security.NTACL` value of version 1 (what [`ntacl_v1`] writes); versions 2 to 4,
/// and a null descriptor pointer, are errors.
pub fn parse_ntacl(value: &[u8]) -> Result<SecurityDescriptor, DecodeError> {
    let version = u16_at(value, 0, "xattr_NTACL version")?;
    let level = u16_at(value, 2, "xattr_NTACL_Info level")?;
    if version != 1 || level != version {
        let reason = "only version 1 (a bare descriptor) is supported";
        return Err(DecodeError::Invalid { what: "xattr_NTACL version", offset: 0, value: version.into(), reason });
    }
    let referent = u32_at(value, 4, "descriptor pointer")?;
    if referent == 0 {
        let reason = "a null descriptor pointer";
        return Err(DecodeError::Invalid { what: "descriptor pointer", offset: 4, value: 0, reason });
    }
    let mut sd = value.get(NTACL_V1_HEADER.len()..).unwrap_or_default().to_vec();
    if !shift_offsets(&mut sd, |o| o.checked_sub(HEADER_LEN)) {
        // Too short for its offsets, or one pointing into the header.
        u32_at(value, 8 + 16, "descriptor offsets")?;
        let reason = "an offset points into the xattr_NTACL header";
        return Err(DecodeError::Invalid { what: "descriptor offset", offset: 12, value: 0, reason });
    }
    SecurityDescriptor::from_self_relative(&sd).map_err(|e| match e {
        DecodeError::Truncated { what, offset, need, len } => {
            DecodeError::Truncated { what, offset: offset + 8, need, len: len + 8 }
        }
        DecodeError::Invalid { what, offset, value, reason } => {
            DecodeError::Invalid { what, offset: offset + 8, value, reason }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samba_names() {
        for name in [NTACL_XATTR, DOSATTRIB_XATTR, ZONE_STREAM_XATTR, "user.DosStream.other:$DATA"] {
            assert!(is_samba_xattr(name.as_bytes()), "{name}");
        }
        for name in ["user.synthfs.sid", "security.NTACL2", "user.DosAttrib", "user.Zone.Identifier", ""] {
            assert!(!is_samba_xattr(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn stream_names_and_values() {
        assert_eq!(stream_xattr_name("Zone.Identifier"), ZONE_STREAM_XATTR);
        assert_eq!(stream_xattr_value(b"[ZoneTransfer]\r\n"), b"[ZoneTransfer]\r\n\0");
        assert_eq!(stream_xattr_value(b""), [0]);
    }

    /// What Samba's own NDR writes for this descriptor, from its Python bindings:
    /// `ndr_pack(xattr.NTACL(version=1, info=descriptor.from_sddl(
    /// "O:BAG:SYD:PAI(A;OICI;FA;;;SY)", ...)))`. Samba's SDDL reads `FA` as 0x1ff and writes
    /// ACL revision 4; the descriptor below has the same mask and revision 2, byte 0x3c.
    #[test]
    fn ntacl_golden_as_samba_packs_it() {
        let samba = "0100010000000200010004941c0000002c00000000000000380000000102000000000005200000002002000001010000000000051200000004001c000100000000031400ff010000010100000000000512000000";
        let mut want: Vec<u8> =
            (0..samba.len()).step_by(2).map(|i| u8::from_str_radix(&samba[i..i + 2], 16).unwrap()).collect();
        want[0x38] = 2;
        let mut sd = SecurityDescriptor::from_sddl("O:BAG:SYD:PAI(A;OICI;0x1ff;;;SY)").unwrap();
        sd.dacl_auto_inherited = true;
        assert_eq!(ntacl_v1(&sd), want, "offsets count from the blob's start");
        assert_eq!(parse_ntacl(&want), Ok(sd));
    }

    #[test]
    fn ntacl_blob_frames_the_descriptor() {
        let sd = SecurityDescriptor::from_sddl("O:BAG:SYD:PAI(A;OICI;FA;;;SY)").unwrap();
        let blob = ntacl_v1(&sd);
        assert_eq!(&blob[..8], &[0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00]);
        assert_eq!(blob.len(), 8 + sd.to_self_relative().len());
        assert_eq!(parse_ntacl(&blob), Ok(sd));
        for n in 0..blob.len() {
            assert!(parse_ntacl(&blob[..n]).is_err(), "prefix of {n} bytes");
        }
        let mut v4 = blob.clone();
        v4[0] = 4;
        v4[2] = 4;
        assert!(matches!(parse_ntacl(&v4), Err(DecodeError::Invalid { .. })));
        let mut null = blob;
        null[6] = 0;
        assert!(matches!(parse_ntacl(&null), Err(DecodeError::Invalid { offset: 4, .. })));
    }
}
