//! Security identifiers ([MS-DTYP] 2.4.2): the text form `S-1-5-21-a-b-c-rid` (2.4.2.1), the
//! SDDL aliases of well-known SIDs (`SY`, `BA`, ...; [MS-DTYP] 2.5.1.1) and the binary form
//! of security descriptors and Samba's xattrs (2.4.2.2).

use std::fmt;

use super::decode::{DecodeError, bytes_at, u8_at, u32_at};

/// The only SID revision there is ([MS-DTYP] 2.4.2.2 `Revision`).
pub const SID_REVISION: u8 = 1;
/// Most sub-authorities a SID may have ([MS-DTYP] 2.4.2.2: `SubAuthorityCount` is at most 15).
pub const MAX_SUB_AUTHORITIES: usize = 15;
/// The largest identifier authority: it is 6 bytes wide.
pub const MAX_AUTHORITY: u64 = (1 << 48) - 1;
/// The relative id of a domain's Domain Users group, the primary group of its accounts
/// ([MS-DTYP] 2.4.2.4 `DOMAIN_USERS`).
pub const DOMAIN_USERS_RID: u32 = 513;

/// A security identifier: the 48-bit identifier authority (5 for NT AUTHORITY, 1 for the
/// world) and up to 15 sub-authorities, the last of which is the relative id (RID) of an
/// account in its domain. The revision is always 1.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    authority: u64,
    sub_authorities: Vec<u32>,
}

/// Why text is not a SID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a SID: {reason}")]
pub struct SidParseError {
    pub text: String,
    pub reason: &'static str,
}

/// The SDDL aliases this module reads and writes: alias, identifier authority and
/// sub-authorities ([MS-DTYP] 2.4.2.4 well-known SIDs, 2.5.1.1 SID strings; the same codes
/// as Samba's libcli/security/sddl.c). Aliases of domain-relative SIDs (`DA`, `DU`, ...) are
/// left out: they need a domain to resolve.
const ALIASES: [(&str, u64, &[u32]); 28] = [
    ("WD", 1, &[0]),       // Everyone
    ("CO", 3, &[0]),       // CREATOR OWNER
    ("CG", 3, &[1]),       // CREATOR GROUP
    ("OW", 3, &[4]),       // OWNER RIGHTS
    ("NU", 5, &[2]),       // NETWORK
    ("IU", 5, &[4]),       // INTERACTIVE
    ("SU", 5, &[6]),       // SERVICE
    ("AN", 5, &[7]),       // ANONYMOUS LOGON
    ("ED", 5, &[9]),       // ENTERPRISE DOMAIN CONTROLLERS
    ("PS", 5, &[10]),      // SELF
    ("AU", 5, &[11]),      // Authenticated Users
    ("RC", 5, &[12]),      // RESTRICTED
    ("SY", 5, &[18]),      // LOCAL SYSTEM
    ("LS", 5, &[19]),      // LOCAL SERVICE
    ("NS", 5, &[20]),      // NETWORK SERVICE
    ("WR", 5, &[33]),      // WRITE RESTRICTED
    ("BA", 5, &[32, 544]), // BUILTIN\Administrators
    ("BU", 5, &[32, 545]), // BUILTIN\Users
    ("BG", 5, &[32, 546]), // BUILTIN\Guests
    ("PU", 5, &[32, 547]), // BUILTIN\Power Users
    ("AO", 5, &[32, 548]), // BUILTIN\Account Operators
    ("SO", 5, &[32, 549]), // BUILTIN\Server Operators
    ("PO", 5, &[32, 550]), // BUILTIN\Print Operators
    ("BO", 5, &[32, 551]), // BUILTIN\Backup Operators
    ("RE", 5, &[32, 552]), // BUILTIN\Replicator
    ("RU", 5, &[32, 554]), // BUILTIN\Pre-Windows 2000 Compatible Access
    ("RD", 5, &[32, 555]), // BUILTIN\Remote Desktop Users
    ("NO", 5, &[32, 556]), // BUILTIN\Network Configuration Operators
];

impl Sid {
    /// The SID with this authority and these sub-authorities; `None` if the authority is wider
    /// than 48 bits or there are more than 15 sub-authorities.
    pub fn new(authority: u64, sub_authorities: &[u32]) -> Option<Sid> {
        (authority <= MAX_AUTHORITY && sub_authorities.len() <= MAX_SUB_AUTHORITIES)
            .then(|| Sid { authority, sub_authorities: sub_authorities.to_vec() })
    }

    /// Parses `S-1-<authority>-<sub-authority>...` (the authority in decimal, or in hex after
    /// `0x`, as Windows writes authorities of 2^32 and more) or an SDDL alias such as `BA`.
    pub fn parse(text: &str) -> Result<Sid, SidParseError> {
        let fail = |reason| SidParseError { text: text.to_string(), reason };
        if let Some(sid) = Sid::from_alias(text) {
            return Ok(sid);
        }
        let Some(rest) = text.strip_prefix("S-").or_else(|| text.strip_prefix("s-")) else {
            return Err(fail(if text.len() == 2 {
                "not a known SDDL alias (domain-relative aliases such as DU need a domain)"
            } else {
                "expected S-1-<authority>-<sub-authority>... or an SDDL alias such as BA"
            }));
        };
        let mut parts = rest.split('-');
        if parts.next() != Some("1") {
            return Err(fail("the revision must be 1"));
        }
        let authority = match parts.next() {
            Some(hex) if hex.starts_with("0x") || hex.starts_with("0X") => {
                let digits = &hex[2..];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(fail("the identifier authority is not a hex number"));
                }
                u64::from_str_radix(digits, 16).map_err(|_| fail("the identifier authority is wider than 48 bits"))?
            }
            Some(dec) => decimal(dec).ok_or_else(|| fail("the identifier authority is not a decimal number"))?,
            None => return Err(fail("the identifier authority is missing")),
        };
        if authority > MAX_AUTHORITY {
            return Err(fail("the identifier authority is wider than 48 bits"));
        }
        let mut subs = Vec::new();
        for part in parts {
            let sub = decimal(part).and_then(|n| u32::try_from(n).ok());
            subs.push(sub.ok_or_else(|| fail("a sub-authority is not a number from 0 to 4294967295"))?);
        }
        Sid::new(authority, &subs).ok_or_else(|| fail("a SID has at most 15 sub-authorities"))
    }

    /// The well-known SID an SDDL alias (`SY`, `BA`, `WD`, ...) names.
    pub fn from_alias(alias: &str) -> Option<Sid> {
        let (_, authority, subs) = ALIASES.iter().find(|(a, _, _)| *a == alias)?;
        Sid::new(*authority, subs)
    }

    /// The SDDL alias of this SID, if it is one of the well-known ones this module knows.
    pub fn alias(&self) -> Option<&'static str> {
        ALIASES.iter().find(|(_, auth, subs)| *auth == self.authority && *subs == self.sub_authorities).map(|a| a.0)
    }

    /// The 48-bit identifier authority.
    pub fn authority(&self) -> u64 {
        self.authority
    }

    pub fn sub_authorities(&self) -> &[u32] {
        &self.sub_authorities
    }

    /// The relative id: the last sub-authority.
    pub fn rid(&self) -> Option<u32> {
        self.sub_authorities.last().copied()
    }

    /// The SID of account `rid` in this domain (`{self}-{rid}`); `None` if this SID has 15
    /// sub-authorities already.
    pub fn with_rid(&self, rid: u32) -> Option<Sid> {
        let mut subs = self.sub_authorities.clone();
        subs.push(rid);
        Sid::new(self.authority, &subs)
    }

    /// The size of the binary form: 8 bytes and 4 per sub-authority.
    pub fn binary_len(&self) -> usize {
        8 + 4 * self.sub_authorities.len()
    }

    /// Appends the binary form ([MS-DTYP] 2.4.2.2): `Revision` (1), `SubAuthorityCount`, the
    /// 6-byte `IdentifierAuthority` big-endian, then each sub-authority as a little-endian u32.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.push(SID_REVISION);
        out.push(self.sub_authorities.len() as u8);
        out.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for sub in &self.sub_authorities {
            out.extend_from_slice(&sub.to_le_bytes());
        }
    }

    /// The binary form as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.binary_len());
        self.write_to(&mut out);
        out
    }

    /// Reads a SID in binary form from the start of `input`: the SID and how many bytes it took.
    pub fn read(input: &[u8]) -> Result<(Sid, usize), DecodeError> {
        Sid::read_at(input, 0)
    }

    /// Reads a SID in binary form at `offset`: the SID and the offset just past it.
    pub(crate) fn read_at(input: &[u8], offset: usize) -> Result<(Sid, usize), DecodeError> {
        let revision = u8_at(input, offset, "SID revision")?;
        if revision != SID_REVISION {
            let reason = "a SID's revision must be 1";
            return Err(DecodeError::Invalid { what: "SID revision", offset, value: revision.into(), reason });
        }
        let count = u8_at(input, offset + 1, "SID sub-authority count")?;
        if usize::from(count) > MAX_SUB_AUTHORITIES {
            let reason = "a SID has at most 15 sub-authorities";
            let what = "SID sub-authority count";
            return Err(DecodeError::Invalid { what, offset: offset + 1, value: count.into(), reason });
        }
        let auth = bytes_at(input, offset + 2, 6, "SID identifier authority")?;
        let authority = auth.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut subs = Vec::with_capacity(count.into());
        let mut at = offset + 8;
        for _ in 0..count {
            subs.push(u32_at(input, at, "SID sub-authority")?);
            at += 4;
        }
        Ok((Sid { authority, sub_authorities: subs }, at))
    }
}

/// A decimal number of digits only (no sign, no spaces).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Sid {
    /// `S-1-<authority>-<sub-authority>...`, the authority in hex (`0x` and 12 digits) when it
    /// is 2^32 or more ([MS-DTYP] 2.4.2.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.authority >> 32 == 0 {
            write!(f, "S-1-{}", self.authority)?;
        } else {
            write!(f, "S-1-0x{:012X}", self.authority)?;
        }
        for sub in &self.sub_authorities {
            write!(f, "-{sub}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Sid {
    type Err = SidParseError;
    fn from_str(s: &str) -> Result<Sid, SidParseError> {
        Sid::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_administrators_binary_golden() {
        let ba = Sid::parse("S-1-5-32-544").unwrap();
        let golden = [0x01, 0x02, 0, 0, 0, 0, 0, 0x05, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0];
        assert_eq!(ba.to_bytes(), golden);
        assert_eq!(Sid::read(&golden), Ok((ba.clone(), 16)));
        assert_eq!(Sid::parse("BA"), Ok(ba.clone()));
        assert_eq!(ba.alias(), Some("BA"));
        assert_eq!(ba.to_string(), "S-1-5-32-544");
    }

    #[test]
    fn domain_sid_round_trips() {
        let text = "S-1-5-21-3623811015-3361044348-30300820-1013";
        let sid = Sid::parse(text).unwrap();
        assert_eq!(sid.to_string(), text);
        assert_eq!(sid.alias(), None);
        assert_eq!(sid.rid(), Some(1013));
        let bytes = sid.to_bytes();
        assert_eq!(bytes.len(), sid.binary_len());
        assert_eq!(&bytes[..8], &[1, 5, 0, 0, 0, 0, 0, 5]);
        assert_eq!(&bytes[8..12], &21u32.to_le_bytes());
        // Trailing bytes are left for the caller.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[9, 9]);
        assert_eq!(Sid::read(&longer), Ok((sid.clone(), bytes.len())));
        let domain = Sid::parse("S-1-5-21-3623811015-3361044348-30300820").unwrap();
        assert_eq!(domain.with_rid(1013), Some(sid));
    }

    #[test]
    fn aliases_map_both_ways() {
        for (alias, sid) in [
            ("SY", "S-1-5-18"),
            ("BA", "S-1-5-32-544"),
            ("BU", "S-1-5-32-545"),
            ("AU", "S-1-5-11"),
            ("WD", "S-1-1-0"),
            ("CO", "S-1-3-0"),
            ("CG", "S-1-3-1"),
            ("NS", "S-1-5-20"),
            ("LS", "S-1-5-19"),
            ("AN", "S-1-5-7"),
            ("IU", "S-1-5-4"),
            ("NU", "S-1-5-2"),
            ("BG", "S-1-5-32-546"),
            ("BO", "S-1-5-32-551"),
            ("OW", "S-1-3-4"),
            ("PS", "S-1-5-10"),
        ] {
            assert_eq!(Sid::parse(alias).unwrap().to_string(), sid);
            assert_eq!(Sid::parse(sid).unwrap().alias(), Some(alias));
        }
    }

    #[test]
    fn large_authorities_are_hex() {
        let sid = Sid::parse("S-1-0x123456789ABC-7").unwrap();
        assert_eq!(sid.authority(), 0x1234_5678_9abc);
        assert_eq!(sid.to_string(), "S-1-0x123456789ABC-7");
        assert_eq!(&sid.to_bytes()[2..8], &[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]);
        assert_eq!(Sid::parse("S-1-4294967295").unwrap().to_string(), "S-1-4294967295");
    }

    #[test]
    fn bad_text_is_refused() {
        for bad in [
            "",
            "DU",
            "S-",
            "S-1",
            "S-2-5-18",
            "S-1-x-1",
            "S-1-5-",
            "S-1-5--1",
            "S-1-5-+1",
            "S-1-5-4294967296",
            "S-1-281474976710656",
            "S-1-0x",
            "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
            "X-1-5",
        ] {
            assert!(Sid::parse(bad).is_err(), "{bad}");
        }
        let e = Sid::parse("DU").unwrap_err();
        assert!(e.to_string().contains("domain"), "{e}");
    }

    #[test]
    fn bad_binary_is_refused_without_panics() {
        let good = Sid::parse("S-1-5-21-1-2-3-500").unwrap().to_bytes();
        for n in 0..good.len() {
            assert!(matches!(Sid::read(&good[..n]), Err(DecodeError::Truncated { .. })), "prefix {n}");
        }
        let mut bad = good.clone();
        bad[0] = 2;
        assert!(matches!(Sid::read(&bad), Err(DecodeError::Invalid { .. })));
        bad[0] = 1;
        bad[1] = 16;
        assert!(matches!(Sid::read(&bad), Err(DecodeError::Invalid { .. })));
    }
}
