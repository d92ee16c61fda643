//! Windows attributes, owners and access control (`[attributes]`, `[acls]`).

use serde::{Deserialize, Serialize};

use super::validate::check_folder_name;
use super::{ProfileError, defaults, invalid};

/// Windows file attributes and owners (`[attributes]`), as Windows scanners see them.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attributes {
    /// Share of original documents made read-only (no write bits; `R`).
    #[serde(default = "defaults::readonly_share")]
    pub readonly_share: f64,
    /// Share of files marked hidden (`H`), besides folder junk and Office locks (always hidden).
    #[serde(default)]
    pub hidden_share: f64,
    /// Share of files carrying a `Zone.Identifier` (downloaded from the internet, ZoneId=3).
    #[serde(default)]
    pub zone_share: f64,
    /// Share of department files whose Windows owner is the department's group.
    #[serde(default)]
    pub group_owner_share: f64,
    /// Share of files whose Windows owner is `BUILTIN\Administrators` (any folder).
    #[serde(default)]
    pub builtin_owner_share: f64,
    /// Share of files whose Windows owner is one of `service_accounts` (any folder).
    #[serde(default)]
    pub service_owner_share: f64,
    /// Service accounts' names in the domain (`DOMAIN\name`, a SID of their own).
    #[serde(default = "defaults::service_accounts")]
    pub service_accounts: Vec<String>,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            readonly_share: defaults::readonly_share(),
            hidden_share: 0.0,
            zone_share: 0.0,
            group_owner_share: 0.0,
            builtin_owner_share: 0.0,
            service_owner_share: 0.0,
            service_accounts: defaults::service_accounts(),
        }
    }
}

impl Attributes {
    pub fn is_default(&self) -> bool {
        *self == Attributes::default()
    }
}

/// Access control (`[acls]`): access tiers as POSIX ACLs (see [`crate::acl`]) and NT security
/// descriptors with their anti-patterns (see [`crate::ntacl`]).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acls {
    /// Grant each department's read, modify and full-control groups on its folders and files.
    #[serde(default)]
    pub tiers: bool,
    /// The first tier group's gid: department d's tiers are gid_start + 3d, + 1, + 2.
    #[serde(default = "defaults::acl_gid_start")]
    pub gid_start: u32,
    /// Serve each folder's and file's NT security descriptor (`user.synthfs.sddl`, with the
    /// accounts its SIDs resolve to in `user.synthfs.sddl_sids`).
    #[serde(default)]
    pub windows: bool,
    /// Folders whose inheritance is broken (`Temp`, or `IT/Credentials` for a folder below
    /// another): their ACEs are the inherited ones made explicit, less the read tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<String>,
    /// Folders where Everyone may modify, with a Deny for `deny_group` (as `protected`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<String>,
    /// The group denied on `open` folders.
    #[serde(default = "defaults::deny_group")]
    pub deny_group: String,
    /// Share of the folders below a department's (or project's) own that carry a direct grant
    /// (someone set permissions there): another department's read tier, unless drawn below.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grant_share: f64,
    /// Share of direct grants naming the department's global group, where AGDLP wants only
    /// domain-local groups on ACLs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub global_group_share: f64,
    /// Share of direct grants naming one person.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub user_grant_share: f64,
    /// Share of those grants that name someone who left: a SID no account resolves.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub departed_grant_share: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for Acls {
    fn default() -> Self {
        Acls {
            tiers: false,
            gid_start: defaults::acl_gid_start(),
            windows: false,
            protected: Vec::new(),
            open: Vec::new(),
            deny_group: defaults::deny_group(),
            grant_share: 0.0,
            global_group_share: 0.0,
            user_grant_share: 0.0,
            departed_grant_share: 0.0,
        }
    }
}

impl Acls {
    pub fn is_default(&self) -> bool {
        *self == Acls::default()
    }

    pub(super) fn check(&self) -> Result<(), ProfileError> {
        for (key, names) in [("protected", &self.protected), ("open", &self.open)] {
            for (i, name) in names.iter().enumerate() {
                let parts: Vec<&str> = name.split('/').collect();
                if parts.len() > 2 {
                    return Err(invalid(format!("acls.{key}[{i}]"), "is a folder name or `Parent/Folder`"));
                }
                for part in parts {
                    check_folder_name(&format!("acls.{key}[{i}]"), part)?;
                }
            }
        }
        check_folder_name("acls.deny_group", &self.deny_group)?;
        if self.global_group_share + self.user_grant_share > 1.0 + 1e-9 {
            return Err(invalid("acls.user_grant_share", "global_group_share + user_grant_share must be at most 1"));
        }
        for (key, v) in [
            ("grant_share", self.grant_share),
            ("global_group_share", self.global_group_share),
            ("user_grant_share", self.user_grant_share),
            ("departed_grant_share", self.departed_grant_share),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(invalid(format!("acls.{key}"), "must be between 0 and 1"));
            }
        }
        Ok(())
    }
}
