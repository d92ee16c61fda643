//! What a node shows Windows clients through Samba: its file attributes, its NT security
//! descriptor, and the xattrs Samba's VFS modules read them from (`user.DOSATTRIB`,
//! `security.NTACL`, `user.DosStream.*`; see [`crate::windows::samba`]).
//!
//! These agree with the `user.synthfs.*` xattrs of `xattrs.rs` (the same owner, creation time,
//! DACL and mark of the web), in the binary forms Samba stores.

use super::xattrs::{NodeFacts, ZONE_TEXT};
use super::{Location, Tree};
use crate::attrs::{FileAttrs, Role};
use crate::ntacl;
use crate::windows::descriptor::{Ace, CONTAINER_INHERIT_ACE, INHERITED_ACE, OBJECT_INHERIT_ACE, SecurityDescriptor};
use crate::windows::dos_attrib::{
    FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_READONLY,
    FILE_ATTRIBUTE_SPARSE_FILE, FILE_ATTRIBUTE_SYSTEM, dos_attrib_v5,
};
use crate::windows::samba::{DOSATTRIB_XATTR, NTACL_XATTR, ZONE_STREAM_XATTR, ntacl_v1, stream_xattr_value};
use crate::windows::sid::{DOMAIN_USERS_RID, Sid};

impl Tree {
    /// A node's Windows file attributes ([MS-FSCC] 2.6), `None` for a symbolic link or an index
    /// past the tree. A file has:
    /// - `ARCHIVE` always: Windows sets it on every file created or changed, and nothing here
    ///   has been backed up and cleared;
    /// - `READONLY` and `HIDDEN` where its [`FileAttrs`] say so (as `user.synthfs.attributes`);
    /// - `SYSTEM` as well where it is hidden folder junk ([`Role::Junk`]: `Thumbs.db` and
    ///   `desktop.ini` are hidden and system on Windows);
    /// - `SPARSE_FILE` where its content has holes (`content.sparse`).
    ///
    /// A folder has `DIRECTORY` only.
    pub fn windows_attributes(&self, index: u64) -> Option<u32> {
        match self.locate(index)? {
            Location::File { parent, slot } => Some(file_attributes(&self.file_attrs_in(&parent, slot))),
            Location::Dir(_) => Some(FILE_ATTRIBUTE_DIRECTORY),
            Location::Symlink(_) => None,
        }
    }

    /// [`Tree::windows_attributes`] of a file whose [`FileAttrs`] are at hand (no lookup).
    pub fn file_windows_attributes(&self, a: &FileAttrs) -> u32 {
        file_attributes(a)
    }

    /// A node's NT security descriptor, where the tree has them (`[acls] windows`): the owner
    /// of `user.synthfs.sid`, the group Domain Users (`{domain SID}-513`), and the DACL of
    /// `user.synthfs.sddl` (its ACEs, protected flag and `AI`). `None` for a symbolic link,
    /// an index past the tree, or a SID of the identity source that does not parse.
    pub fn security_descriptor(&self, index: u64) -> Option<SecurityDescriptor> {
        if !ntacl::enabled(&self.model) {
            return None;
        }
        self.node_descriptor(&self.node_facts(&self.locate(index)?)?)
    }

    /// The names of [`Tree::samba_xattrs`], without computing their values.
    pub fn samba_xattr_names(&self, index: u64) -> Option<Vec<&'static str>> {
        let zone = match self.locate(index)? {
            Location::File { parent, slot } => self.file_attrs_in(&parent, slot).zone,
            Location::Dir(_) => false,
            Location::Symlink(_) => return Some(Vec::new()),
        };
        let mut names = vec![DOSATTRIB_XATTR];
        if ntacl::enabled(&self.model) {
            names.push(NTACL_XATTR);
        }
        if zone {
            names.push(ZONE_STREAM_XATTR);
        }
        Some(names)
    }

    /// The xattrs Samba reads for a node: `user.DOSATTRIB` for every file and folder (version
    /// 5: [`Tree::windows_attributes`] and the creation time of `user.synthfs.created`);
    /// `security.NTACL` where the tree has NT security descriptors (version 1 of
    /// [`Tree::security_descriptor`]); and for a file from the internet its `Zone.Identifier`
    /// stream, `user.DosStream.Zone.Identifier:$DATA`. A symbolic link has none; an index past
    /// the tree is `None`.
    pub fn samba_xattrs(&self, index: u64) -> Option<Vec<(String, Vec<u8>)>> {
        let Some(node) = self.node_facts(&self.locate(index)?) else { return Some(Vec::new()) };
        let mut all = vec![(DOSATTRIB_XATTR.to_string(), node_dos_attrib(&node))];
        if let Some(sd) = ntacl::enabled(&self.model).then(|| self.node_descriptor(&node)).flatten() {
            all.push((NTACL_XATTR.to_string(), ntacl_v1(&sd)));
        }
        if node.file.as_ref().is_some_and(|a| a.zone) {
            all.push((ZONE_STREAM_XATTR.to_string(), zone_stream()));
        }
        Some(all)
    }

    /// One of [`Tree::samba_xattrs`] by name, computing only that one (Samba asks for
    /// `user.DOSATTRIB` of every file it lists: that formats no DACL). `None` for a name the
    /// node does not have.
    pub fn samba_xattr(&self, index: u64, name: &[u8]) -> Option<Vec<u8>> {
        let ntacl = name == NTACL_XATTR.as_bytes();
        if ntacl && !ntacl::enabled(&self.model) {
            return None;
        }
        if !ntacl && name != DOSATTRIB_XATTR.as_bytes() && name != ZONE_STREAM_XATTR.as_bytes() {
            return None;
        }
        let node = self.node_facts(&self.locate(index)?)?;
        if ntacl {
            self.node_descriptor(&node).map(|sd| ntacl_v1(&sd))
        } else if name == DOSATTRIB_XATTR.as_bytes() {
            Some(node_dos_attrib(&node))
        } else {
            node.file.as_ref().filter(|a| a.zone).map(|_| zone_stream())
        }
    }

    /// The descriptor of a file or folder (see [`Tree::security_descriptor`]).
    fn node_descriptor(&self, node: &NodeFacts) -> Option<SecurityDescriptor> {
        let owner = Sid::parse(&self.node_owner(node).sid).ok()?;
        let group = Sid::parse(self.model.accounts().domain_sid()).ok()?.with_rid(DOMAIN_USERS_RID)?;
        let (protected, aces) = self.node_dacl(node)?;
        let r = ntacl::Resolver::new(&self.model);
        let dacl = aces
            .iter()
            .map(|a| {
                let inherit = if a.inheritable { OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE } else { 0 };
                let flags = inherit | if a.inherited { INHERITED_ACE } else { 0 };
                let sid = Sid::parse(&r.sid(a.principal)).ok()?;
                Some(Ace { allow: a.allow, flags, mask: a.mask, sid })
            })
            .collect::<Option<Vec<Ace>>>()?;
        Some(SecurityDescriptor {
            owner: Some(owner),
            group: Some(group),
            dacl_protected: protected,
            // The model's descriptors are all written `AI` (see `ntacl::Resolver::sddl`).
            dacl_auto_inherited: true,
            dacl: Some(dacl),
        })
    }
}

/// A file's attributes (see [`Tree::windows_attributes`]).
fn file_attributes(a: &FileAttrs) -> u32 {
    let mut attributes = FILE_ATTRIBUTE_ARCHIVE;
    if a.readonly {
        attributes |= FILE_ATTRIBUTE_READONLY;
    }
    if a.hidden {
        attributes |= FILE_ATTRIBUTE_HIDDEN;
        if a.role == Role::Junk {
            attributes |= FILE_ATTRIBUTE_SYSTEM;
        }
    }
    if a.content.sparse.is_some() {
        attributes |= FILE_ATTRIBUTE_SPARSE_FILE;
    }
    attributes
}

/// A file's or folder's `user.DOSATTRIB`.
fn node_dos_attrib(node: &NodeFacts) -> Vec<u8> {
    let attributes = node.file.as_ref().map_or(FILE_ATTRIBUTE_DIRECTORY, file_attributes);
    dos_attrib_v5(attributes, node.created)
}

/// The `Zone.Identifier` stream's xattr value.
fn zone_stream() -> Vec<u8> {
    stream_xattr_value(ZONE_TEXT.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::Profile;
    use crate::date::Date;
    use crate::tree::{ATTRIBUTES_XATTR, SDDL_XATTR, ZONE_XATTR};
    use crate::windows::dos_attrib::{nttime, parse_dos_attrib};
    use crate::windows::samba::{NTACL_V1_HEADER, parse_ntacl};

    fn tree(windows: bool) -> Tree {
        let mut p = Profile::builtin_with_files("panzura-demo", 2000).unwrap();
        p.acls.windows = windows;
        Tree::new(p).unwrap()
    }

    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, as `user.synthfs.created` and the manifest write it.
    fn parse_rfc3339(text: &str) -> crate::Timestamp {
        let day = Date::parse(&text[..10]).unwrap().unix();
        let field = |at: usize, len: usize| text[at..at + len].parse::<i64>().unwrap();
        let secs = day + field(11, 2) * 3600 + field(14, 2) * 60 + field(17, 2);
        crate::Timestamp { secs, nanos: field(20, 9) as u32 }
    }

    /// For every folder and file: the descriptor survives its binary form and reads as the
    /// SDDL of `user.synthfs.sddl` with the group added; the NTACL blob frames it; the
    /// DOSATTRIB holds the attributes and creation time of the `user.synthfs.*` xattrs.
    #[test]
    fn samba_xattrs_agree_with_the_synthfs_xattrs() {
        let t = tree(true);
        let domain_users = format!("G:{}-513", t.model.accounts().domain_sid());
        let mut seen = HashMap::<&str, u64>::new();
        for i in 0..t.node_count() {
            let x: HashMap<&str, String> = t.xattrs(i).unwrap().into_iter().collect();
            let sddl = &x[SDDL_XATTR];
            let d = sddl.find("D:").unwrap();
            let want = format!("{}{domain_users}{}", &sddl[..d], &sddl[d..]);

            let sd = t.security_descriptor(i).unwrap();
            let bytes = sd.to_self_relative();
            let back = SecurityDescriptor::from_self_relative(&bytes).unwrap();
            assert_eq!(back, sd, "node {i}");
            assert_eq!(back.to_sddl(), want, "node {i}");
            assert_eq!(sd.owner.as_ref().map(Sid::to_string).as_deref(), Some(x["user.synthfs.sid"].as_str()));

            let samba = t.samba_xattrs(i).unwrap();
            let names: Vec<&str> = samba.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(t.samba_xattr_names(i).unwrap(), names, "node {i}");
            let value = |name: &str| samba.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            let ntacl = value(NTACL_XATTR).unwrap();
            assert_eq!(ntacl[..8], NTACL_V1_HEADER);
            assert_eq!(ntacl.len(), 8 + bytes.len());
            assert_eq!(parse_ntacl(&ntacl).as_ref(), Ok(&sd));

            let attributes = t.windows_attributes(i).unwrap();
            let created = nttime(parse_rfc3339(&x["user.synthfs.created"]));
            assert_eq!(parse_dos_attrib(&value(DOSATTRIB_XATTR).unwrap()), Some((attributes, Some(created))));
            let flags = x.get(ATTRIBUTES_XATTR).map_or("", String::as_str);
            let file = t.file_attrs(i);
            match &file {
                None => assert_eq!(attributes, FILE_ATTRIBUTE_DIRECTORY),
                Some(a) => {
                    assert_eq!(attributes & FILE_ATTRIBUTE_HIDDEN != 0, flags.contains("HIDDEN"), "node {i}");
                    assert_eq!(attributes & FILE_ATTRIBUTE_READONLY != 0, flags.contains("READONLY"), "node {i}");
                    assert_eq!(attributes & FILE_ATTRIBUTE_SPARSE_FILE != 0, a.content.sparse.is_some());
                    assert_eq!(attributes & FILE_ATTRIBUTE_SYSTEM != 0, a.hidden && a.role == Role::Junk);
                    assert_ne!(attributes & FILE_ATTRIBUTE_ARCHIVE, 0);
                }
            }
            let zone = value(ZONE_STREAM_XATTR);
            assert_eq!(zone.is_some(), x.contains_key(ZONE_XATTR), "node {i}");
            if let Some(z) = &zone {
                assert_eq!(z[..], [ZONE_TEXT.as_bytes(), &[0]].concat()[..]);
            }

            // Each value alone is the same, and other names have none.
            for (name, v) in &samba {
                assert_eq!(t.samba_xattr(i, name.as_bytes()).as_ref(), Some(v), "node {i} {name}");
            }
            if zone.is_none() {
                assert_eq!(t.samba_xattr(i, ZONE_STREAM_XATTR.as_bytes()), None);
            }
            for other in ["user.DOSATTRIBx", "security.NTACL2", "user.synthfs.sid", "user.DosStream.x:$DATA", ""] {
                assert_eq!(t.samba_xattr(i, other.as_bytes()), None, "node {i} {other}");
            }

            let protected = sd.dacl_protected;
            let deny = sd.dacl.iter().flatten().any(|a| !a.allow);
            for (what, on) in [
                ("folders", file.is_none()),
                ("protected", protected),
                ("denies", deny),
                ("zone", zone.is_some()),
                ("hidden", attributes & FILE_ATTRIBUTE_HIDDEN != 0),
                ("read-only", attributes & FILE_ATTRIBUTE_READONLY != 0),
                ("sparse", attributes & FILE_ATTRIBUTE_SPARSE_FILE != 0),
                ("system", attributes & FILE_ATTRIBUTE_SYSTEM != 0),
            ] {
                *seen.entry(what).or_default() += u64::from(on);
            }
        }
        for (what, n) in &seen {
            assert!(*n > 0, "no node is {what}: {seen:?}");
        }
    }

    #[test]
    fn no_descriptors_without_windows_acls() {
        let t = tree(false);
        for i in [0, 1, 2, t.node_count() - 1] {
            assert_eq!(t.security_descriptor(i), None);
            assert_eq!(t.samba_xattr(i, NTACL_XATTR.as_bytes()), None);
            let names = t.samba_xattr_names(i).unwrap();
            assert!(names.contains(&DOSATTRIB_XATTR) && !names.contains(&NTACL_XATTR), "{names:?}");
            assert!(t.samba_xattr(i, DOSATTRIB_XATTR.as_bytes()).is_some());
        }
    }

    #[test]
    fn symbolic_links_and_indices_past_the_tree() {
        let mut p = Profile::builtin_with_files("torture", 2000).unwrap();
        p.acls.windows = true;
        let t = Tree::new(p).unwrap();
        let first_link = t.file_count() + t.dir_count();
        assert!(t.node_count() > first_link, "the torture tree has symbolic links");
        for (i, links) in [(first_link, true), (t.node_count(), false)] {
            assert_eq!(t.windows_attributes(i), None);
            assert_eq!(t.security_descriptor(i), None);
            assert_eq!(t.samba_xattrs(i), links.then(Vec::new));
            assert_eq!(t.samba_xattr_names(i), links.then(Vec::new));
            for name in [DOSATTRIB_XATTR, NTACL_XATTR, ZONE_STREAM_XATTR] {
                assert_eq!(t.samba_xattr(i, name.as_bytes()), None);
            }
        }
    }
}
