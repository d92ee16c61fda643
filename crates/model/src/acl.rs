//! Access tiers as POSIX ACLs. Every department has three domain-local groups in the AGDLP
//! style (read, modify, full control), and its folders and files grant them on top of the
//! owner's rights: `group:dl-finance-read:r--`, `...-modify:rw-`, `...-full:rw-` on files (with
//! `x` on folders, which also carry them as default ACLs for what is created inside). POSIX has
//! no "change permissions" right, so modify and full control differ only in name and gid.
//!
//! The ACL is encoded as Linux stores it in `system.posix_acl_access` and
//! `system.posix_acl_default` (version 2, entries sorted by tag then id), so the mount serves
//! it and materialize sets it byte for byte, and `getfacl` reads it on both.

use super::plan::DirContext;
use super::{Model, profile};

/// The tiers, with their rights on files and on folders (rwx bits).
pub const TIERS: [(&str, u16, u16); 3] = [("read", 0o4, 0o5), ("modify", 0o6, 0o7), ("full", 0o6, 0o7)];

/// Tags of `posix_acl_xattr_entry`.
const USER_OBJ: u16 = 0x01;
const GROUP_OBJ: u16 = 0x04;
const GROUP: u16 = 0x08;
const MASK: u16 = 0x10;
const OTHER: u16 = 0x20;
const UNDEFINED_ID: u32 = u32::MAX;
const VERSION: u32 = 2;

/// The `[acls]` settings that apply to a node in this context, if any.
fn tiers_for<'a>(m: &'a Model, ctx: &DirContext) -> Option<(&'a profile::Acls, u16)> {
    let acls = &m.profile.acls;
    let d = ctx.department_area()?;
    acls.tiers.then_some((acls, d))
}

/// The group id of tier `tier` (0 read, 1 modify, 2 full) of department `d`.
pub fn tier_gid(acls: &profile::Acls, d: u16, tier: usize) -> u32 {
    acls.gid_start + 3 * u32::from(d) + tier as u32
}

/// The group name of a tier: `dl-finance-modify`.
pub fn tier_name(department: &str, tier: usize) -> String {
    let slug: String =
        department.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("dl-{slug}-{}", TIERS[tier].0)
}

/// The mode a node has once its ACL is set: the group bits are the ACL's mask (the union of
/// the named groups' rights, less write on a read-only file), as `chmod` and `stat` show it.
pub fn mode_with_tiers(m: &Model, ctx: &DirContext, mode: u32, is_dir: bool) -> u32 {
    if tiers_for(m, ctx).is_none() {
        return mode;
    }
    (mode & !0o070) | (u32::from(mask(mode, is_dir)) << 3)
}

fn mask(mode: u32, is_dir: bool) -> u16 {
    let widest = TIERS.iter().map(|t| if is_dir { t.2 } else { t.1 }).fold(0, |a, b| a | b);
    // A read-only file stays read-only for every tier.
    if !is_dir && mode & 0o200 == 0 { widest & !0o2 } else { widest }
}

/// A node's ACLs: the access ACL, and for folders the default one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAcl {
    pub access: Vec<u8>,
    pub default: Option<Vec<u8>>,
}

/// The ACLs of a node whose mode (as [`mode_with_tiers`] gave it) and original group rights
/// are known; `None` outside departments or when tiers are off.
pub fn node_acl(m: &Model, ctx: &DirContext, mode: u32, group_bits: u16, is_dir: bool) -> Option<NodeAcl> {
    let (acls, d) = tiers_for(m, ctx)?;
    let entries = |is_dir: bool| {
        let mut e = vec![(USER_OBJ, ((mode >> 6) & 7) as u16, UNDEFINED_ID), (GROUP_OBJ, group_bits, UNDEFINED_ID)];
        for (t, tier) in TIERS.iter().enumerate() {
            let rights = if is_dir { tier.2 } else { tier.1 } & mask(mode, is_dir);
            e.push((GROUP, rights, tier_gid(acls, d, t)));
        }
        e.push((MASK, mask(mode, is_dir), UNDEFINED_ID));
        e.push((OTHER, (mode & 7) as u16, UNDEFINED_ID));
        encode(&e)
    };
    Some(NodeAcl { access: entries(is_dir), default: is_dir.then(|| entries(true)) })
}

/// The xattr bytes of ACL entries `(tag, perm, id)`, sorted as the kernel keeps them.
fn encode(entries: &[(u16, u16, u32)]) -> Vec<u8> {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|&(tag, _, id)| (tag, id));
    let mut out = Vec::with_capacity(4 + 8 * sorted.len());
    out.extend_from_slice(&VERSION.to_le_bytes());
    for (tag, perm, id) in sorted {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&perm.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
    }
    out
}

/// The entries of ACL xattr bytes, `(tag, perm, id)`: for checks and tests.
pub fn decode(bytes: &[u8]) -> Option<Vec<(u16, u16, u32)>> {
    let (head, rest) = bytes.split_at_checked(4)?;
    if u32::from_le_bytes(head.try_into().ok()?) != VERSION || rest.len() % 8 != 0 {
        return None;
    }
    rest.chunks_exact(8)
        .map(|c| {
            Some((
                u16::from_le_bytes(c[0..2].try_into().ok()?),
                u16::from_le_bytes(c[2..4].try_into().ok()?),
                u32::from_le_bytes(c[4..8].try_into().ok()?),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_sorted() {
        let e = [(OTHER, 4, UNDEFINED_ID), (USER_OBJ, 6, UNDEFINED_ID), (GROUP, 6, 30_001), (GROUP, 4, 30_000)];
        let bytes = encode(&e);
        assert_eq!(bytes.len(), 4 + 8 * 4);
        let back = decode(&bytes).unwrap();
        assert_eq!(back[0].0, USER_OBJ);
        assert_eq!(back[1], (GROUP, 4, 30_000));
        assert_eq!(back[3].0, OTHER);
        assert!(decode(&bytes[..7]).is_none());
    }

    #[test]
    fn names_and_masks() {
        assert_eq!(tier_name("Human Resources", 1), "dl-human-resources-modify");
        assert_eq!(mask(0o644, false), 0o6);
        assert_eq!(mask(0o444, false), 0o4);
        assert_eq!(mask(0o755, true), 0o7);
    }
}
