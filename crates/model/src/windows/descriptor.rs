//! NT security descriptors: owner, group and DACL ([MS-DTYP] 2.4.6), and their self-relative
//! binary form, the one Windows returns for `GetSecurityInfo` and Samba stores (inside its
//! `security.NTACL` blob, see [`super::samba`]). The SDDL text form is in [`super::sddl`].
//!
//! Only what file shares carry is modelled: access-allowed and access-denied ACEs
//! ([MS-DTYP] 2.4.4.2, 2.4.4.4) in a DACL. SACLs and object or callback ACEs are not.

use super::decode::{DecodeError, u8_at, u16_at, u32_at};
use super::sid::Sid;

/// ACE flags ([MS-DTYP] 2.4.4.1 `AceFlags`): passed on to files (`OI`).
pub const OBJECT_INHERIT_ACE: u8 = 0x01;
/// Passed on to sub-folders (`CI`).
pub const CONTAINER_INHERIT_ACE: u8 = 0x02;
/// Passed on one level only (`NP`).
pub const NO_PROPAGATE_INHERIT_ACE: u8 = 0x04;
/// Applies to children only, not to the object itself (`IO`).
pub const INHERIT_ONLY_ACE: u8 = 0x08;
/// Inherited from the parent (`ID`).
pub const INHERITED_ACE: u8 = 0x10;

/// ACE types ([MS-DTYP] 2.4.4.1 `AceType`).
pub const ACCESS_ALLOWED_ACE_TYPE: u8 = 0x00;
pub const ACCESS_DENIED_ACE_TYPE: u8 = 0x01;

/// Security descriptor control bits ([MS-DTYP] 2.4.6 `Control`).
pub const SE_DACL_PRESENT: u16 = 0x0004;
pub const SE_DACL_AUTO_INHERITED: u16 = 0x0400;
pub const SE_DACL_PROTECTED: u16 = 0x1000;
pub const SE_SELF_RELATIVE: u16 = 0x8000;

/// The security descriptor revision ([MS-DTYP] 2.4.6 `Revision`).
pub const SD_REVISION: u8 = 1;
/// The ACL revision of ACLs of plain allow and deny ACEs ([MS-DTYP] 2.4.5 `ACL_REVISION`).
pub const ACL_REVISION: u8 = 2;
/// The ACL revision of ACLs that may hold object ACEs (`ACL_REVISION_DS`): read, never written.
pub const ACL_REVISION_DS: u8 = 4;

/// The fixed part of a self-relative descriptor: revision, Sbz1, control and four offsets.
const HEADER_LEN: usize = 20;
/// An ACL header: revision, Sbz1, AclSize, AceCount, Sbz2 ([MS-DTYP] 2.4.5).
const ACL_HEADER_LEN: usize = 8;
/// An ACE's header and mask before its SID.
const ACE_FIXED_LEN: usize = 8;

/// One access control entry: allow or deny `mask` to `sid`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ace {
    /// `true`: `ACCESS_ALLOWED_ACE` (`A` in SDDL); `false`: `ACCESS_DENIED_ACE` (`D`).
    pub allow: bool,
    /// Inheritance flags: [`OBJECT_INHERIT_ACE`] (0x1), [`CONTAINER_INHERIT_ACE`] (0x2),
    /// [`NO_PROPAGATE_INHERIT_ACE`] (0x4), [`INHERIT_ONLY_ACE`] (0x8), [`INHERITED_ACE`] (0x10).
    pub flags: u8,
    /// The access mask ([MS-DTYP] 2.4.3), e.g. `0x1f01ff` for full control.
    pub mask: u32,
    /// Who the entry is for.
    pub sid: Sid,
}

impl Ace {
    /// The size of the binary ACE: header, mask and SID.
    pub fn binary_len(&self) -> usize {
        ACE_FIXED_LEN + self.sid.binary_len()
    }
}

/// A security descriptor as file shares carry it: owner, group and DACL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecurityDescriptor {
    pub owner: Option<Sid>,
    pub group: Option<Sid>,
    /// Inheritance is broken here (`SE_DACL_PROTECTED`, `P` in SDDL).
    pub dacl_protected: bool,
    /// The DACL was made by automatic inheritance (`SE_DACL_AUTO_INHERITED`, `AI` in SDDL).
    pub dacl_auto_inherited: bool,
    /// `None`: no DACL (everyone may do anything); `Some(empty)`: nobody may do anything.
    pub dacl: Option<Vec<Ace>>,
}

impl SecurityDescriptor {
    /// The `Control` field: `SE_SELF_RELATIVE`, and `SE_DACL_PRESENT`, `SE_DACL_AUTO_INHERITED`
    /// and `SE_DACL_PROTECTED` as they apply.
    pub fn control(&self) -> u16 {
        let mut control = SE_SELF_RELATIVE;
        if self.dacl.is_some() {
            control |= SE_DACL_PRESENT;
        }
        if self.dacl_auto_inherited {
            control |= SE_DACL_AUTO_INHERITED;
        }
        if self.dacl_protected {
            control |= SE_DACL_PROTECTED;
        }
        control
    }

    /// The self-relative form ([MS-DTYP] 2.4.6): revision 1, Sbz1 0, [`control`](Self::control),
    /// the offsets of owner, group, SACL (always 0) and DACL from the descriptor's start (0 for
    /// an absent part), then the parts in the order Samba's NDR writes them: owner, group,
    /// DACL. The DACL is an ACL of revision 2: `AclRevision`, `Sbz1`, `AclSize`, `AceCount`,
    /// `Sbz2`, then each ACE as type (0 allow, 1 deny), flags, size, mask and SID. An ACL
    /// holds at most 65,535 bytes: ACEs past that are left out (no file share has so many).
    pub fn to_self_relative(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.self_relative_len());
        out.push(SD_REVISION);
        out.push(0);
        out.extend_from_slice(&self.control().to_le_bytes());
        out.resize(HEADER_LEN, 0);
        let offset_at = |out: &mut Vec<u8>, field: usize| {
            let here = out.len() as u32;
            out[field..field + 4].copy_from_slice(&here.to_le_bytes());
        };
        if let Some(owner) = &self.owner {
            offset_at(&mut out, 4);
            owner.write_to(&mut out);
        }
        if let Some(group) = &self.group {
            offset_at(&mut out, 8);
            group.write_to(&mut out);
        }
        if let Some(aces) = &self.dacl {
            offset_at(&mut out, 16);
            let fitting = fitting_aces(aces);
            let size: usize = ACL_HEADER_LEN + fitting.iter().map(Ace::binary_len).sum::<usize>();
            out.push(ACL_REVISION);
            out.push(0);
            out.extend_from_slice(&(size as u16).to_le_bytes());
            out.extend_from_slice(&(fitting.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            for ace in fitting {
                out.push(if ace.allow { ACCESS_ALLOWED_ACE_TYPE } else { ACCESS_DENIED_ACE_TYPE });
                out.push(ace.flags);
                out.extend_from_slice(&(ace.binary_len() as u16).to_le_bytes());
                out.extend_from_slice(&ace.mask.to_le_bytes());
                ace.sid.write_to(&mut out);
            }
        }
        out
    }

    /// The length of [`to_self_relative`](Self::to_self_relative)'s bytes.
    pub fn self_relative_len(&self) -> usize {
        let sid_len = |s: &Option<Sid>| s.as_ref().map_or(0, Sid::binary_len);
        let dacl = self
            .dacl
            .as_ref()
            .map_or(0, |aces| ACL_HEADER_LEN + fitting_aces(aces).iter().map(Ace::binary_len).sum::<usize>());
        HEADER_LEN + sid_len(&self.owner) + sid_len(&self.group) + dacl
    }

    /// Decodes a self-relative descriptor. Every offset and size is checked against the input;
    /// bad input is an error, never a panic. Lenient where Samba is: the `SE_SELF_RELATIVE`
    /// bit is not required (Samba adds it on reading), a SACL is skipped, a DACL may have
    /// revision 2 or 4. ACEs other than access-allowed and access-denied are refused.
    pub fn from_self_relative(input: &[u8]) -> Result<SecurityDescriptor, DecodeError> {
        let revision = u8_at(input, 0, "descriptor revision")?;
        if revision != SD_REVISION {
            let reason = "a security descriptor's revision must be 1";
            return Err(DecodeError::Invalid {
                what: "descriptor revision",
                offset: 0,
                value: revision.into(),
                reason,
            });
        }
        let control = u16_at(input, 2, "descriptor control")?;
        let offset = |at: usize, what| u32_at(input, at, what).map(|o| o as usize);
        let (owner_at, group_at) = (offset(4, "owner offset")?, offset(8, "group offset")?);
        let dacl_at = offset(16, "DACL offset")?;
        let sid = |at: usize| -> Result<Option<Sid>, DecodeError> {
            if at == 0 { Ok(None) } else { Sid::read_at(input, at).map(|(s, _)| Some(s)) }
        };
        let dacl = if control & SE_DACL_PRESENT != 0 && dacl_at != 0 { Some(read_acl(input, dacl_at)?) } else { None };
        Ok(SecurityDescriptor {
            owner: sid(owner_at)?,
            group: sid(group_at)?,
            dacl_protected: control & SE_DACL_PROTECTED != 0,
            dacl_auto_inherited: control & SE_DACL_AUTO_INHERITED != 0,
            dacl,
        })
    }
}

/// The first ACEs of `aces` whose ACL fits in 65,535 bytes.
fn fitting_aces(aces: &[Ace]) -> &[Ace] {
    let mut size = ACL_HEADER_LEN;
    let n = aces
        .iter()
        .take_while(|a| {
            size += a.binary_len();
            size <= usize::from(u16::MAX)
        })
        .count();
    &aces[..n]
}

/// Reads the ACL at `at`: its header, then `AceCount` ACEs, each within the ACL's `AclSize`.
fn read_acl(input: &[u8], at: usize) -> Result<Vec<Ace>, DecodeError> {
    let revision = u8_at(input, at, "ACL revision")?;
    if revision != ACL_REVISION && revision != ACL_REVISION_DS {
        let reason = "an ACL's revision must be 2 or 4";
        return Err(DecodeError::Invalid { what: "ACL revision", offset: at, value: revision.into(), reason });
    }
    let size = usize::from(u16_at(input, at + 2, "ACL size")?);
    let count = u16_at(input, at + 4, "ACE count")?;
    let end = at + size;
    if size < ACL_HEADER_LEN || end > input.len() {
        let reason = "the ACL must hold its 8-byte header and lie within the descriptor";
        return Err(DecodeError::Invalid { what: "ACL size", offset: at + 2, value: size as u64, reason });
    }
    // Each ACE is read from the ACL's bytes only: nothing past `AclSize` is touched.
    let acl = &input[..end];
    let mut aces = Vec::with_capacity(usize::from(count).min(size / ACE_FIXED_LEN));
    let mut pos = at + ACL_HEADER_LEN;
    for _ in 0..count {
        let kind = u8_at(acl, pos, "ACE type")?;
        let flags = u8_at(acl, pos + 1, "ACE flags")?;
        let ace_size = usize::from(u16_at(acl, pos + 2, "ACE size")?);
        let allow = match kind {
            ACCESS_ALLOWED_ACE_TYPE => true,
            ACCESS_DENIED_ACE_TYPE => false,
            _ => {
                let reason = "only access-allowed (0) and access-denied (1) ACEs are supported";
                return Err(DecodeError::Invalid { what: "ACE type", offset: pos, value: kind.into(), reason });
            }
        };
        let ace_end = pos + ace_size;
        if ace_size < ACE_FIXED_LEN || ace_end > end {
            let reason = "an ACE must hold its header, mask and SID and lie within its ACL";
            return Err(DecodeError::Invalid { what: "ACE size", offset: pos + 2, value: ace_size as u64, reason });
        }
        let mask = u32_at(acl, pos + 4, "ACE mask")?;
        let (sid, sid_end) = Sid::read_at(&acl[..ace_end], pos + ACE_FIXED_LEN)?;
        debug_assert!(sid_end <= ace_end);
        aces.push(Ace { allow, flags, mask, sid });
        pos = ace_end;
    }
    Ok(aces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(s: &str) -> Sid {
        Sid::parse(s).unwrap()
    }

    /// `O:BAG:SYD:PAI(A;OICI;FA;;;SY)`, laid out by hand from [MS-DTYP] 2.4.6, 2.4.5, 2.4.4.2.
    #[rustfmt::skip]
    const GOLDEN: [u8; 76] = [
        // SECURITY_DESCRIPTOR header
        0x01,                   // Revision 1
        0x00,                   // Sbz1
        0x04, 0x94,             // Control 0x9404: SELF_RELATIVE | DACL_PROTECTED | DACL_AUTO_INHERITED | DACL_PRESENT
        0x14, 0x00, 0x00, 0x00, // OffsetOwner 20
        0x24, 0x00, 0x00, 0x00, // OffsetGroup 36 (20 + 16)
        0x00, 0x00, 0x00, 0x00, // OffsetSacl 0: none
        0x30, 0x00, 0x00, 0x00, // OffsetDacl 48 (36 + 12)
        // owner: BA, S-1-5-32-544
        0x01, 0x02,                         // revision 1, 2 sub-authorities
        0x00, 0x00, 0x00, 0x00, 0x00, 0x05, // authority 5, big-endian
        0x20, 0x00, 0x00, 0x00,             // 32
        0x20, 0x02, 0x00, 0x00,             // 544
        // group: SY, S-1-5-18
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00,
        // DACL: ACL header
        0x02,       // AclRevision 2
        0x00,       // Sbz1
        0x1c, 0x00, // AclSize 28: 8 + one ACE of 20
        0x01, 0x00, // AceCount 1
        0x00, 0x00, // Sbz2
        // ACCESS_ALLOWED_ACE
        0x00,                   // AceType 0: allow
        0x03,                   // AceFlags OBJECT_INHERIT | CONTAINER_INHERIT
        0x14, 0x00,             // AceSize 20: 4 + 4 + 12
        0xff, 0x01, 0x1f, 0x00, // Mask 0x1f01ff: full control
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00, // SY
    ];

    fn golden_descriptor() -> SecurityDescriptor {
        SecurityDescriptor {
            owner: Some(sid("BA")),
            group: Some(sid("SY")),
            dacl_protected: true,
            dacl_auto_inherited: true,
            dacl: Some(vec![Ace { allow: true, flags: 0x03, mask: 0x001f_01ff, sid: sid("SY") }]),
        }
    }

    #[test]
    fn self_relative_golden() {
        let sd = golden_descriptor();
        assert_eq!(sd.to_self_relative(), GOLDEN);
        assert_eq!(sd.self_relative_len(), GOLDEN.len());
        assert_eq!(SecurityDescriptor::from_self_relative(&GOLDEN), Ok(sd.clone()));
        assert_eq!(SecurityDescriptor::from_sddl("O:BAG:SYD:PAI(A;OICI;FA;;;SY)").unwrap().to_self_relative(), GOLDEN);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for n in 0..GOLDEN.len() {
            assert!(SecurityDescriptor::from_self_relative(&GOLDEN[..n]).is_err(), "prefix of {n} bytes");
        }
    }

    #[test]
    fn corrupt_fields_are_errors_not_panics() {
        let bad = |at: usize, value: u8| {
            let mut b = GOLDEN;
            b[at] = value;
            SecurityDescriptor::from_self_relative(&b)
        };
        // The descriptor's header, then its DACL: the ACL header, an ACE's header and its SID.
        let header: [(usize, u8, &str); 3] = [
            (0, 2, "descriptor revision"),
            (4, 0xff, "owner offset past the end"),
            (7, 0xff, "owner offset far past the end"),
        ];
        let dacl: [(usize, u8, &str); 9] = [
            (48, 3, "ACL revision"),
            (50, 0xff, "ACL size past the end"),
            (50, 4, "ACL size below its header"),
            (52, 2, "more ACEs than the ACL holds"),
            (56, 5, "an object ACE"),
            (58, 0x15, "ACE size past its ACL"),
            (58, 0, "ACE size zero"),
            (58, 0x10, "ACE size cutting its SID"),
            (65, 16, "SID with 16 sub-authorities"),
        ];
        let corruptions = header.into_iter().chain(dacl);
        for (at, value, what) in corruptions {
            assert!(bad(at, value).is_err(), "{what}");
        }
        // Every byte set to every value: never a panic.
        for at in 0..GOLDEN.len() {
            for value in [0u8, 1, 0x7f, 0x80, 0xff] {
                let _ = bad(at, value);
            }
        }
    }

    #[test]
    fn absent_parts_have_zero_offsets() {
        let sd = SecurityDescriptor {
            owner: None,
            group: None,
            dacl_protected: false,
            dacl_auto_inherited: false,
            dacl: None,
        };
        let bytes = sd.to_self_relative();
        assert_eq!(bytes, [1, 0, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(SecurityDescriptor::from_self_relative(&bytes), Ok(sd));
        // An empty DACL is present, and denies everything.
        let empty = SecurityDescriptor { dacl: Some(Vec::new()), ..golden_descriptor() };
        let bytes = empty.to_self_relative();
        assert_eq!(&bytes[bytes.len() - 8..], &[2, 0, 8, 0, 0, 0, 0, 0]);
        assert_eq!(SecurityDescriptor::from_self_relative(&bytes), Ok(empty));
    }

    #[test]
    fn deny_aces_and_flags_round_trip() {
        let dacl = vec![
            Ace { allow: false, flags: 0x03, mask: 0x0013_01bf, sid: sid("S-1-5-21-1-2-3-3800") },
            Ace { allow: true, flags: 0x1b, mask: 0x1000_0000, sid: sid("CO") },
            Ace { allow: true, flags: INHERITED_ACE, mask: 0x0012_00a9, sid: sid("AU") },
        ];
        let sd = SecurityDescriptor { dacl: Some(dacl), dacl_protected: false, ..golden_descriptor() };
        let bytes = sd.to_self_relative();
        assert_eq!(u16::from_le_bytes([bytes[2], bytes[3]]), 0x8404);
        assert_eq!(bytes.len(), sd.self_relative_len());
        assert_eq!(SecurityDescriptor::from_self_relative(&bytes), Ok(sd));
    }

    #[test]
    fn oversized_dacls_are_cut_to_fit() {
        let ace = Ace { allow: true, flags: 0, mask: 1, sid: sid("S-1-5-21-1-2-3-4") };
        let sd = SecurityDescriptor { dacl: Some(vec![ace; 3000]), ..golden_descriptor() };
        let bytes = sd.to_self_relative();
        assert_eq!(bytes.len(), sd.self_relative_len());
        let back = SecurityDescriptor::from_self_relative(&bytes).unwrap();
        let n = back.dacl.map_or(0, |d| d.len());
        assert_eq!(n, (65_535 - 8) / 36, "ACEs of 36 bytes");
    }
}
