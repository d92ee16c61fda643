//! What a node shows Windows tools: its owner as Windows names it, its extended attributes
//! (`user.synthfs.*`, the mark of the web) and the NT security of its folder.

use std::sync::Arc;

use super::{Location, Tree};
use crate::attrs::{FileAttrs, Timestamp};
use crate::ntacl::{self, DirSecurity};
use crate::plan::DirPlan;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsOwner {
    pub name: String,
    pub sid: String,
    pub manager: String,
    pub department: String,
    /// `user`, `group`, `orphan` (an account that no longer resolves), `builtin` or `service`.
    pub kind: &'static str,
}

/// Windows attributes other than archive, where a file has any: `HIDDEN`, `READONLY` or both.
pub const ATTRIBUTES_XATTR: &str = "user.synthfs.attributes";
/// The mark of the web, as Samba and WSL store the `Zone.Identifier` stream.
pub const ZONE_XATTR: &str = "user.Zone.Identifier";
/// The `Zone.Identifier` text Windows writes for a file from the internet.
pub const ZONE_TEXT: &str = "[ZoneTransfer]\r\nZoneId=3\r\n";

/// A node's NT security descriptor in SDDL, where the tree has them (`[acls] windows`).
pub const SDDL_XATTR: &str = "user.synthfs.sddl";
/// The SIDs of [`SDDL_XATTR`]'s DACL as they resolve: `SID<TAB>use<TAB>DOMAIN\name` lines.
pub const SDDL_SIDS_XATTR: &str = "user.synthfs.sddl_sids";

/// Names of the extended attributes every node has, in the order [`Tree::xattrs`] gives them
/// (some nodes have [`SDDL_XATTR`] and [`SDDL_SIDS_XATTR`] after them, and some files
/// [`ATTRIBUTES_XATTR`] and [`ZONE_XATTR`]).
pub const XATTRS: [&str; 5] = [
    "user.synthfs.owner",
    "user.synthfs.department",
    "user.synthfs.sid",
    "user.synthfs.created",
    "user.synthfs.manager",
];

/// What a file's or folder's Windows metadata (owner, DACL, attributes) is made from.
pub(super) struct NodeFacts {
    /// The file's attributes; `None` for a folder.
    pub file: Option<FileAttrs>,
    /// The owner slot (a folder may have none: the built-in administrators own it).
    pub owner: Option<u32>,
    pub created: Timestamp,
    /// The department of the folder (a file's parent).
    pub department: Option<u16>,
    /// The folder whose security applies: the folder itself, or a file's parent.
    pub folder: u64,
}

impl Tree {
    /// A node's owner as Windows tools show it: the account (`DOMAIN\\name`), the department's
    /// group where it owns the file, the bare SID of someone who left, or the built-in
    /// administrators for the top folders; with its SID, its manager and the department (the
    /// folder's, else the owner's own).
    pub fn windows_owner(&self, owner: Option<u32>, department: Option<u16>, group_owner: bool) -> WindowsOwner {
        let accounts = self.model.accounts();
        let user = owner.and_then(|o| accounts.account(o));
        let dept = match department.and_then(|d| self.model.profile.template.departments.get(d as usize)) {
            Some(d) => d.name.clone(),
            None => user.map(|u| u.department.clone()).unwrap_or_default(),
        };
        let (name, sid, manager, kind) = match owner {
            _ if group_owner => {
                let g = accounts.department_group(department);
                (format!("{}\\{}", accounts.domain(), g.name), g.sid.clone(), String::new(), "group")
            }
            Some(o) => {
                let kind = if user.is_some() { "user" } else { "orphan" };
                (accounts.owner_name(o), accounts.sid(o), accounts.manager_name(o), kind)
            }
            None => ("BUILTIN\\Administrators".into(), "S-1-5-32-544".into(), String::new(), "builtin"),
        };
        WindowsOwner { name, sid, manager, department: dept, kind }
    }

    /// The Windows owner of a file owned by the built-in administrators or a service account,
    /// in a folder of `department`.
    pub fn special_windows_owner(&self, special: crate::attrs::SpecialOwner, department: Option<u16>) -> WindowsOwner {
        let dept = department
            .and_then(|d| self.model.profile.template.departments.get(d as usize))
            .map_or_else(String::new, |d| d.name.clone());
        match special {
            crate::attrs::SpecialOwner::Builtin => WindowsOwner {
                name: "BUILTIN\\Administrators".into(),
                sid: "S-1-5-32-544".into(),
                manager: String::new(),
                department: dept,
                kind: "builtin",
            },
            crate::attrs::SpecialOwner::Service(k) => {
                let accounts = self.model.accounts();
                let domain_sid = accounts.domain_sid();
                let name = self.model.profile.attributes.service_accounts.get(k as usize).map_or("svc", String::as_str);
                WindowsOwner {
                    name: format!("{}\\{name}", accounts.domain()),
                    // Service accounts' RIDs sit past the people's and groups'.
                    sid: format!("{domain_sid}-{}", 9000 + u32::from(k)),
                    manager: String::new(),
                    department: dept,
                    kind: "service",
                }
            }
        }
    }

    /// The extended attributes of a node (`user.synthfs.*`): the owner's account, department,
    /// Windows-style SID and the original creation time; the NT security descriptor where the
    /// tree has them; a file's Windows attributes and mark of the web.
    pub fn xattrs(&self, index: u64) -> Option<Vec<(&'static str, String)>> {
        self.xattrs_where(index, |_| true)
    }

    /// [`Tree::xattrs`], computing the NT security descriptor only if `wanted` asks for one of
    /// its names: a `getxattr` of the owner does not format a DACL.
    pub fn xattrs_where(&self, index: u64, wanted: impl Fn(&str) -> bool) -> Option<Vec<(&'static str, String)>> {
        // Linux keeps `user.*` attributes off symbolic links.
        let Some(node) = self.node_facts(&self.locate(index)?) else { return Some(Vec::new()) };
        self.facts_xattrs(node, wanted)
    }

    /// [`Tree::xattrs`] of file `a` in the folder `parent`, both already at hand (a walk that
    /// writes every file): nothing located or computed a second time.
    pub fn file_xattrs(&self, parent: &DirPlan, a: &FileAttrs) -> Vec<(&'static str, String)> {
        let node = NodeFacts {
            owner: Some(a.owner),
            created: a.created,
            department: parent.ctx.department,
            folder: parent.index,
            file: Some(a.clone()),
        };
        self.facts_xattrs(node, |_| true).unwrap_or_default()
    }

    /// The extended attributes made from a node's facts (`None` where its folder's security
    /// cannot be found).
    fn facts_xattrs(&self, node: NodeFacts, wanted: impl Fn(&str) -> bool) -> Option<Vec<(&'static str, String)>> {
        let w = self.node_owner(&node);
        let created = crate::date::format_rfc3339(node.created.secs, node.created.nanos);
        let mut all = vec![
            (XATTRS[0], w.name),
            (XATTRS[1], w.department),
            (XATTRS[2], w.sid.clone()),
            (XATTRS[3], created),
            (XATTRS[4], w.manager),
        ];
        if ntacl::enabled(&self.model) && (wanted(SDDL_XATTR) || wanted(SDDL_SIDS_XATTR)) {
            let (protected, aces) = self.node_dacl(&node)?;
            let r = ntacl::Resolver::new(&self.model);
            all.push((SDDL_XATTR, r.sddl(&w.sid, protected, &aces)));
            all.push((SDDL_SIDS_XATTR, r.lookups(&aces)));
        }
        if let Some(a) = node.file {
            let flags: Vec<&str> = [(a.hidden, "HIDDEN"), (a.readonly, "READONLY")]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
            if !flags.is_empty() {
                all.push((ATTRIBUTES_XATTR, flags.join(",")));
            }
            if a.zone {
                all.push((ZONE_XATTR, ZONE_TEXT.to_string()));
            }
        }
        Some(all)
    }

    /// What a file's or folder's Windows metadata is made from; `None` for a symbolic link.
    pub(super) fn node_facts(&self, location: &Location) -> Option<NodeFacts> {
        Some(match location {
            Location::File { parent, slot } => {
                let a = self.file_attrs_in(parent, *slot);
                NodeFacts {
                    owner: Some(a.owner),
                    created: a.created,
                    department: parent.ctx.department,
                    folder: parent.index,
                    file: Some(a),
                }
            }
            Location::Dir(plan) => {
                let d = self.dir_attrs(plan);
                NodeFacts {
                    owner: d.owner,
                    created: d.created,
                    department: plan.ctx.department,
                    folder: plan.index,
                    file: None,
                }
            }
            Location::Symlink(_) => return None,
        })
    }

    /// A node's Windows owner: the one choice `user.synthfs.sid` and the owner of
    /// [`Tree::security_descriptor`] both come from (a special owner, the department's group,
    /// else the owner slot's account).
    pub(super) fn node_owner(&self, node: &NodeFacts) -> WindowsOwner {
        let file = node.file.as_ref();
        match file.and_then(|a| a.special_owner) {
            Some(special) => self.special_windows_owner(special, node.department),
            None => self.windows_owner(node.owner, node.department, file.is_some_and(|a| a.group_owner)),
        }
    }

    /// A node's DACL: whether it is protected, and its ACEs (a folder's own; a file's are what
    /// its folder passes on to files, inherited, never protected).
    pub(super) fn node_dacl(&self, node: &NodeFacts) -> Option<(bool, Vec<ntacl::Ace>)> {
        let sec = self.dir_security(node.folder)?;
        Some(match node.file {
            Some(_) => (false, ntacl::file_aces(&sec)),
            None => (sec.protected, sec.aces.clone()),
        })
    }

    /// The NT security of folder `index` (`None` if it is not one), from the root's down
    /// through each folder on its path (cached).
    pub fn dir_security(&self, index: u64) -> Option<Arc<DirSecurity>> {
        if let Some(s) = self.securities.get(&index) {
            return Some(s);
        }
        let mut plan = self.root.clone();
        let mut sec = self.securities.get_with(0, || Arc::new(ntacl::root_security()));
        while plan.index != index {
            if index <= plan.index + plan.files {
                return None;
            }
            let k = plan.child_containing(index)?;
            let child = &plan.children[k];
            sec = self.securities.get_with(child.index, || {
                let drift = self.epochs.acl_drift(child.index, self.epochs.now);
                Arc::new(ntacl::child_security(&self.model, &sec, child, drift))
            });
            plan = self.child_plan(&plan, k);
        }
        Some(sec)
    }
}
