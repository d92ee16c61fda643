//! The accounts that own files (`[identities]`): how many, their ids, the domain and where
//! they come from.

use serde::{Deserialize, Serialize};

use super::defaults;

/// The accounts (`[identities]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identities {
    #[serde(default = "defaults::users")]
    pub users: u32,
    #[serde(default = "defaults::uid_start")]
    pub uid_start: u32,
    #[serde(default = "defaults::gid_start")]
    pub gid_start: u32,
    #[serde(default = "defaults::domain")]
    pub domain: String,
    /// Where the accounts come from: `synthetic`, `system`, `FILE.csv`, `ldap://HOST[:PORT]`
    /// or `ldaps://...`. Only owners change with it, never names, sizes or bytes.
    #[serde(default = "defaults::source")]
    pub source: String,
    /// People who left: files they owned keep ids that resolve to no account.
    #[serde(default = "defaults::departed")]
    pub departed: u32,
    /// Share of files owned by people who left.
    #[serde(default = "defaults::departed_share")]
    pub departed_share: f64,
    /// Share of a home folder's files owned by its user (the rest: colleagues).
    #[serde(default = "defaults::home_share")]
    pub home_share: f64,
    /// `system`: only accounts with a uid in this range (`1000-60000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_range: Option<String>,
    /// `system`: only members of this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// LDAP: the search base (`dc=corp,dc=example,dc=com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_base: Option<String>,
    /// LDAP: the DN to bind as; anonymous when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_dn: Option<String>,
    /// LDAP: the environment variable holding the bind password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_password_env: Option<String>,
    /// LDAP: a file holding the bind password (first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_password_file: Option<String>,
    /// A mount re-reads the source every this many seconds (0: never); the kernel then keeps
    /// attributes that long.
    #[serde(default)]
    pub refresh: u64,
}

impl Default for Identities {
    fn default() -> Self {
        Identities {
            users: defaults::users(),
            uid_start: defaults::uid_start(),
            gid_start: defaults::gid_start(),
            domain: defaults::domain(),
            source: defaults::source(),
            departed: defaults::departed(),
            departed_share: defaults::departed_share(),
            home_share: defaults::home_share(),
            uid_range: None,
            group: None,
            ldap_base: None,
            ldap_bind_dn: None,
            ldap_password_env: None,
            ldap_password_file: None,
            refresh: 0,
        }
    }
}
