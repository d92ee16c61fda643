//! The SDDL text form of a [`SecurityDescriptor`] ([MS-DTYP] 2.5.1): `O:<owner>G:<group>
//! D:<flags>(ace)(ace)...`, each ACE `(type;flags;rights;object;inherited object;SID)`.
//!
//! [`SecurityDescriptor::to_sddl`] writes exactly what the model serves as
//! `user.synthfs.sddl` (see `crate::ntacl::Resolver::sddl`); [`SecurityDescriptor::from_sddl`]
//! reads that and the common hand-written forms.

use std::fmt::Write;

use super::descriptor::{Ace, SecurityDescriptor};
use super::sid::{Sid, SidParseError};

/// Full control: the one mask [`SecurityDescriptor::to_sddl`] writes by name.
pub const FILE_ALL_ACCESS: u32 = 0x001f_01ff;

/// Access rights by their SDDL names ([MS-DTYP] 2.5.1.1, `ace_rights`): the file rights, the
/// generic rights, the standard rights, and the directory-service rights that Samba's and
/// Windows' SDDL writers use for masks made of them alone (a file mask without `SYNCHRONIZE`,
/// such as 0x1f01ff less 0x100000, comes out as `CCDCLCSWRPWPDTLOCRSDRCWDWO`).
const RIGHTS: [(&str, u32); 21] = [
    ("FA", FILE_ALL_ACCESS),
    ("FR", 0x0012_0089),
    ("FW", 0x0012_0116),
    ("FX", 0x0012_00a9),
    ("GA", 0x1000_0000),
    ("GX", 0x2000_0000),
    ("GW", 0x4000_0000),
    ("GR", 0x8000_0000),
    ("SD", 0x0001_0000),
    ("RC", 0x0002_0000),
    ("WD", 0x0004_0000),
    ("WO", 0x0008_0000),
    ("CC", 0x0000_0001),
    ("DC", 0x0000_0002),
    ("LC", 0x0000_0004),
    ("SW", 0x0000_0008),
    ("RP", 0x0000_0010),
    ("WP", 0x0000_0020),
    ("DT", 0x0000_0040),
    ("LO", 0x0000_0080),
    ("CR", 0x0000_0100),
];

/// ACE flags by their SDDL names, in the order SDDL writes them ([MS-DTYP] 2.5.1.1).
const ACE_FLAGS: [(&str, u8); 5] = [("OI", 0x01), ("CI", 0x02), ("NP", 0x04), ("IO", 0x08), ("ID", 0x10)];

/// Why text is not an SDDL security descriptor this module reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SddlError {
    #[error("expected `O:`, `G:` or `D:` at byte {at} of the SDDL, found `{found}`")]
    Unexpected { at: usize, found: String },
    #[error("`{0}:` appears more than once")]
    Repeated(char),
    #[error("SACLs (`S:`) are not supported")]
    Sacl,
    #[error("the {part}: {source}")]
    Sid { part: &'static str, source: SidParseError },
    #[error("bad DACL flags `{0}` (expected P, AI, AR, or NO_ACCESS_CONTROL without ACEs)")]
    DaclFlags(String),
    #[error("ACE `{ace}`: {reason}")]
    Ace { ace: String, reason: String },
}

impl SecurityDescriptor {
    /// Reads SDDL: `O:`, `G:` and `D:` parts in any order, each at most once. The DACL's flags
    /// are `P` (protected), `AI` (auto-inherited), `AR` (accepted and dropped: it asks for
    /// inheritance when a descriptor is set and is not kept here) and `NO_ACCESS_CONTROL` (no
    /// DACL). ACEs are `A` or `D`, with flags `OI`, `CI`, `NP`, `IO`, `ID`, rights as `0x` hex
    /// (`0x` hex, octal after `0`, decimal) or names (`FA`, `FR`, `FW`, `FX`, `GA`, `GR`, `GW`, `GX`, `SD`, `RC`, `WD`, `WO`, and
    /// the directory-service rights `CC` ... `CR`, concatenated to add them up), empty object
    /// GUIDs, and a SID or alias.
    pub fn from_sddl(text: &str) -> Result<SecurityDescriptor, SddlError> {
        let mut sd = SecurityDescriptor {
            owner: None,
            group: None,
            dacl_protected: false,
            dacl_auto_inherited: false,
            dacl: None,
        };
        let mut seen = [false; 3];
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            let b = rest.as_bytes();
            let part = match (b.first(), b.get(1)) {
                (Some(&p @ (b'O' | b'G' | b'D' | b'S')), Some(b':')) => p,
                _ => return Err(SddlError::Unexpected { at, found: rest.chars().take(16).collect() }),
            };
            let value = &rest[2..2 + part_len(&rest[2..])];
            let slot = match part {
                b'O' => 0,
                b'G' => 1,
                b'D' => 2,
                _ => return Err(SddlError::Sacl),
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(SddlError::Repeated(char::from(part)));
            }
            match part {
                b'O' => sd.owner = Some(Sid::parse(value).map_err(|source| SddlError::Sid { part: "owner", source })?),
                b'G' => sd.group = Some(Sid::parse(value).map_err(|source| SddlError::Sid { part: "group", source })?),
                _ => (sd.dacl_protected, sd.dacl_auto_inherited, sd.dacl) = parse_dacl(value)?,
            }
            at += 2 + value.len();
        }
        Ok(sd)
    }

    /// The descriptor in SDDL, in the form the model writes `user.synthfs.sddl`: `O:<owner>`
    /// and `G:<group>` where present, as full SIDs (`O:S-1-5-32-544`, not `O:BA`); then
    /// `D:`, `P` if protected, `AI` if auto-inherited, and each ACE as
    /// `(A|D;<flags>;<rights>;;;<SID>)`: flags in the order `OI CI NP IO ID` (flag bits with
    /// no SDDL name are left out), rights `FA` for full control else `0x` and lowercase hex,
    /// the SID as its alias where it has one (`SY`, `BA`, `WD`, ...). No DACL: no `D:` part.
    pub fn to_sddl(&self) -> String {
        let mut out = String::with_capacity(64 + self.dacl.as_ref().map_or(0, |d| d.len() * 48));
        if let Some(owner) = &self.owner {
            let _ = write!(out, "O:{owner}");
        }
        if let Some(group) = &self.group {
            let _ = write!(out, "G:{group}");
        }
        let Some(aces) = &self.dacl else { return out };
        out.push_str("D:");
        if self.dacl_protected {
            out.push('P');
        }
        if self.dacl_auto_inherited {
            out.push_str("AI");
        }
        for ace in aces {
            out.push('(');
            out.push(if ace.allow { 'A' } else { 'D' });
            out.push(';');
            for (name, bit) in ACE_FLAGS {
                if ace.flags & bit != 0 {
                    out.push_str(name);
                }
            }
            let _ = match ace.mask {
                FILE_ALL_ACCESS => write!(out, ";FA;;;"),
                mask => write!(out, ";0x{mask:x};;;"),
            };
            let _ = match ace.sid.alias() {
                Some(alias) => write!(out, "{alias})"),
                None => write!(out, "{})", ace.sid),
            };
        }
        out
    }
}

/// The length of a part's value: up to the next `O:`, `G:`, `D:` or `S:` outside parentheses.
fn part_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    for (i, c) in b.iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'O' | b'G' | b'D' | b'S' if depth == 0 && b.get(i + 1) == Some(&b':') => return i,
            _ => {}
        }
    }
    b.len()
}

/// A `D:` part's value: (protected, auto-inherited, the ACEs or `None` for no DACL).
fn parse_dacl(value: &str) -> Result<(bool, bool, Option<Vec<Ace>>), SddlError> {
    let (flags, mut rest) = value.split_at(value.find('(').unwrap_or(value.len()));
    let (mut protected, mut auto_inherited, mut null) = (false, false, false);
    let mut f = flags;
    while !f.is_empty() {
        f = if let Some(r) = f.strip_prefix("NO_ACCESS_CONTROL") {
            null = true;
            r
        } else if let Some(r) = f.strip_prefix("AI") {
            auto_inherited = true;
            r
        } else if let Some(r) = f.strip_prefix("AR") {
            r
        } else if let Some(r) = f.strip_prefix('P') {
            protected = true;
            r
        } else {
            return Err(SddlError::DaclFlags(flags.to_string()));
        };
    }
    let mut aces = Vec::new();
    while !rest.is_empty() {
        let bad = |reason: &str| SddlError::Ace { ace: rest.to_string(), reason: reason.to_string() };
        let Some(inner) = rest.strip_prefix('(') else { return Err(bad("expected `(` to open an ACE")) };
        let Some(close) = inner.find(')') else { return Err(bad("no `)` closes the ACE")) };
        aces.push(parse_ace(&inner[..close])?);
        rest = &inner[close + 1..];
    }
    if null && !aces.is_empty() {
        return Err(SddlError::DaclFlags(flags.to_string()));
    }
    Ok((protected, auto_inherited, (!null).then_some(aces)))
}

/// One ACE's text between its parentheses.
fn parse_ace(text: &str) -> Result<Ace, SddlError> {
    let bad = |reason: String| SddlError::Ace { ace: format!("({text})"), reason };
    let fields: Vec<&str> = text.split(';').collect();
    let [kind, flags, rights, object, inherited_object, sid] = fields[..] else {
        return Err(bad(format!(
            "{} fields, expected 6: type;flags;rights;object GUID;inherited object GUID;SID",
            fields.len()
        )));
    };
    let allow = match kind {
        "A" => true,
        "D" => false,
        other => return Err(bad(format!("type `{other}` is neither A (allow) nor D (deny)"))),
    };
    let flags = named_bits(flags, &ACE_FLAGS).ok_or_else(|| bad(format!("unknown flags `{flags}`")))?;
    let mask = parse_rights(rights).ok_or_else(|| bad(format!("unknown rights `{rights}`")))?;
    if !object.is_empty() || !inherited_object.is_empty() {
        return Err(bad("object ACEs (with GUIDs) are not supported".into()));
    }
    let sid = Sid::parse(sid).map_err(|e| bad(e.to_string()))?;
    Ok(Ace { allow, flags, mask, sid })
}

/// Rights as a number (`0x` hex, octal after a `0`, or decimal, as Windows and Samba read
/// them) or concatenated two-letter names.
fn parse_rights(text: &str) -> Option<u32> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if text.len() > 1 && text.starts_with('0') => (&text[1..], 8),
        None if text.starts_with(|c: char| c.is_ascii_digit()) => (text, 10),
        None if text.is_empty() => return None,
        None => return named_bits(text, &RIGHTS),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// The OR of concatenated two-letter names from `table`; `None` if one is unknown.
fn named_bits<T: Copy + Default + std::ops::BitOr<Output = T>>(text: &str, table: &[(&str, T)]) -> Option<T> {
    let mut acc = T::default();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, bit) = table.iter().find(|(name, _)| rest.starts_with(name))?;
        acc = acc | *bit;
        rest = &rest[name.len()..];
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_form_round_trips() {
        for text in [
            "O:S-1-5-32-544D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x1200a9;;;AU)",
            "O:S-1-5-21-1-2-3-1105G:S-1-5-21-1-2-3-513D:AI(A;ID;FA;;;SY)(A;ID;0x1301bf;;;S-1-5-21-1-2-3-4001)",
            "O:S-1-5-18D:PAI(D;OICI;0x1301bf;;;S-1-5-21-1-2-3-3800)(A;OICI;0x1301bf;;;WD)(A;OICIID;FA;;;BA)",
            "O:S-1-5-18G:S-1-5-18D:",
            "O:S-1-5-18",
            "",
        ] {
            let sd = SecurityDescriptor::from_sddl(text).unwrap();
            assert_eq!(sd.to_sddl(), text);
        }
    }

    #[test]
    fn reads_aliases_names_and_flags() {
        let sd =
            SecurityDescriptor::from_sddl("O:BAG:SYD:PAIAR(A;OICINPIO;FRFW;;;BU)(D;;GAGR;;;AN)(A;;0XFF;;;NS)").unwrap();
        assert_eq!(sd.owner, Sid::parse("S-1-5-32-544").ok());
        assert_eq!(sd.group, Sid::parse("S-1-5-18").ok());
        assert!(sd.dacl_protected && sd.dacl_auto_inherited);
        let dacl = sd.dacl.clone().unwrap();
        assert_eq!((dacl[0].allow, dacl[0].flags, dacl[0].mask), (true, 0x0f, 0x0012_0089 | 0x0012_0116));
        assert_eq!((dacl[1].allow, dacl[1].mask), (false, 0x9000_0000));
        assert_eq!(dacl[2].mask, 0xff);
        assert_eq!(
            sd.to_sddl(),
            "O:S-1-5-32-544G:S-1-5-18D:PAI(A;OICINPIO;0x12019f;;;BU)(D;;0x90000000;;;AN)(A;;0xff;;;NS)"
        );
        // The order of the parts does not matter.
        let swapped =
            SecurityDescriptor::from_sddl("D:PAIAR(A;OICINPIO;FRFW;;;BU)(D;;GAGR;;;AN)(A;;0XFF;;;NS)G:SYO:BA");
        assert_eq!(swapped, Ok(sd));
        let null = SecurityDescriptor::from_sddl("O:SYD:NO_ACCESS_CONTROL").unwrap();
        assert_eq!(null.dacl, None);
        for (rights, mask) in [
            ("FA", 0x1f01ff),
            ("FR", 0x120089),
            ("FW", 0x120116),
            ("FX", 0x1200a9),
            ("CCDCLCSWRPWPDTLOCRSDRCWDWO", 0x0f01ff),
            ("1179817", 0x1200a9),
            ("04400251", 0x1200a9),
            ("0", 0),
        ] {
            let sd = SecurityDescriptor::from_sddl(&format!("D:(A;;{rights};;;WD)")).unwrap();
            assert_eq!(sd.dacl.unwrap()[0].mask, mask, "{rights}");
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let err = |text: &str| SecurityDescriptor::from_sddl(text).unwrap_err();
        assert!(matches!(err("X:BA"), SddlError::Unexpected { at: 0, .. }));
        assert!(matches!(err("O:BAO:SY"), SddlError::Repeated('O')));
        assert!(matches!(err("O:BAS:NO_ACCESS_CONTROL"), SddlError::Sacl));
        assert!(matches!(err("O:DU"), SddlError::Sid { part: "owner", .. }));
        assert!(matches!(err("G:S-1-x"), SddlError::Sid { part: "group", .. }));
        assert!(matches!(err("D:PX(A;;FA;;;SY)"), SddlError::DaclFlags(_)));
        assert!(matches!(err("D:NO_ACCESS_CONTROL(A;;FA;;;SY)"), SddlError::DaclFlags(_)));
        for (bad, says) in [
            ("D:(X;;FA;;;SY)", "neither A"),
            ("D:(A;XX;FA;;;SY)", "flags"),
            ("D:(A;;ZZ;;;SY)", "rights"),
            ("D:(A;;0x;;;SY)", "rights"),
            ("D:(A;;0x100000000;;;SY)", "rights"),
            ("D:(A;;08;;;SY)", "rights"),
            ("D:(A;;12a;;;SY)", "rights"),
            ("D:(A;;;;;SY)", "rights"),
            ("D:(A;;FA;;;)", "not a SID"),
            ("D:(A;;FA;;;SY;x)", "7 fields"),
            ("D:(A;;FA;guid;;SY)", "object ACEs"),
            ("D:(A;;FA;;;SY", "no `)`"),
            ("D:(A;;FA;;;SY)x", "expected `(`"),
        ] {
            let e = err(bad);
            assert!(matches!(e, SddlError::Ace { .. }), "{bad}: {e:?}");
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
        // Non-ASCII input is an error, not a panic on a char boundary.
        assert!(SecurityDescriptor::from_sddl("O:ééG:SY").is_err());
        assert!(SecurityDescriptor::from_sddl("é").is_err());
    }
}
