//! Identity sources: where the accounts that own the tree's files come from.
//!
//! `synthetic` (the default) needs nothing; the others are read once, before anything is
//! mounted or written, into a [`Roster`] that the model resolves its owner slots against
//! (see [`synthfs_model::accounts`]):
//! - `system`: the host's accounts through NSS (`getent`), so an AD-joined host (SSSD,
//!   winbind) gives its directory's users;
//! - `FILE.csv`: an Active Directory export (`Get-ADUser ... | Export-Csv`);
//! - `ldap://HOST[:PORT]`, `ldaps://...`: the directory itself, read with paged searches.

mod csv;
mod ldap;
mod system;

use std::path::PathBuf;
use std::sync::Arc;

use synthfs_model::accounts::Roster;
use synthfs_model::profile::Identities;

/// A parsed `identities.source` / `--identities`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Synthetic,
    System,
    Csv(PathBuf),
    Ldap(String),
}

impl Source {
    pub fn parse(s: &str) -> Result<Source, IdentityError> {
        let lower = s.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "synthetic" => Source::Synthetic,
            "system" => Source::System,
            _ if lower.starts_with("ldap://") || lower.starts_with("ldaps://") => Source::Ldap(s.to_string()),
            _ if lower.ends_with(".csv") => Source::Csv(PathBuf::from(s)),
            _ => return Err(IdentityError::BadSource(s.to_string())),
        })
    }
}

/// Why identities could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "unknown identity source `{0}`: use synthetic, system, FILE.csv, ldap://HOST[:PORT] or ldaps://HOST[:PORT]"
    )]
    BadSource(String),
    #[error("{0}")]
    Setting(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}, line {line}: {message}")]
    Csv { path: String, line: usize, message: String },
    #[error(
        "{path} has no column {missing} (export with: Get-ADUser -Filter * -Properties Department,Title | Export-Csv)"
    )]
    CsvColumns { path: String, missing: String },
    #[error("cannot list the host's accounts: {0}")]
    System(String),
    #[error("cannot reach LDAP server {url}: {message}")]
    LdapConnect { url: String, message: String },
    #[error("LDAP bind as {dn} refused by {url}: {message}")]
    LdapBind { url: String, dn: String, message: String },
    #[error("LDAP search of {base} on {url} failed: {message}")]
    LdapSearch { url: String, base: String, message: String },
}

impl IdentityError {
    /// Whether the user can fix it (a typo, a wrong password, a bad file) rather than a
    /// failure while reading a source that was set up right.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, IdentityError::System(_) | IdentityError::LdapSearch { .. })
    }
}

/// Reads the accounts the profile's `[identities]` names; `None` for synthetic ones.
pub fn load(ids: &Identities) -> Result<Option<Arc<Roster>>, IdentityError> {
    let roster = match Source::parse(&ids.source)? {
        Source::Synthetic => return Ok(None),
        Source::System => system::load(&system::Filter::from_settings(ids)?)?,
        Source::Csv(path) => csv::load(&path)?,
        Source::Ldap(url) => ldap::load(&ldap::Settings::from_profile(&url, ids)?)?,
    };
    tracing::info!(
        source = %roster.source,
        people = roster.people.len(),
        groups = roster.groups.len(),
        "identities loaded"
    );
    Ok(Some(Arc::new(roster)))
}

/// Checks that settings which only one source reads are not given to another.
pub fn check_settings(ids: &Identities) -> Result<(), IdentityError> {
    let source = Source::parse(&ids.source)?;
    let ldap_only = [
        ("--ldap-base", ids.ldap_base.is_some()),
        ("--ldap-bind-dn", ids.ldap_bind_dn.is_some()),
        ("--ldap-password-env", ids.ldap_password_env.is_some()),
        ("--ldap-password-file", ids.ldap_password_file.is_some()),
    ];
    let system_only = [("--uid-range", ids.uid_range.is_some()), ("--group", ids.group.is_some())];
    let misplaced = |set: &[(&str, bool)], wanted: &str| -> Result<(), IdentityError> {
        match set.iter().find(|(_, given)| *given) {
            Some((flag, _)) => {
                Err(IdentityError::Setting(format!("{flag} applies to --identities {wanted}, not `{}`", ids.source)))
            }
            None => Ok(()),
        }
    };
    if !matches!(source, Source::Ldap(_)) {
        misplaced(&ldap_only, "ldap://...")?;
    }
    if source != Source::System {
        misplaced(&system_only, "system")?;
    }
    if source == Source::Synthetic && ids.refresh > 0 {
        return Err(IdentityError::Setting(
            "--identities-refresh applies to a source that can change (system, FILE.csv, ldap://...), not `synthetic`"
                .into(),
        ));
    }
    Ok(())
}

/// The first RDN's value of a DN when it is a CN (`CN=Smith\, John,OU=Staff` -> `Smith, John`).
pub fn dn_cn(dn: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = dn.trim().chars();
    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
    if !key.trim().eq_ignore_ascii_case("cn") {
        return None;
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.extend(chars.next()),
            ',' => break,
            c => value.push(c),
        }
    }
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn common_names_of_dns() {
        assert_eq!(super::dn_cn("CN=Smith\\, John,OU=Staff,DC=corp").as_deref(), Some("Smith, John"));
        assert_eq!(super::dn_cn("cn=alice,ou=People").as_deref(), Some("alice"));
        assert_eq!(super::dn_cn("uid=alice,ou=People"), None);
        assert_eq!(super::dn_cn(""), None);
    }

    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!(Source::parse("synthetic").unwrap(), Source::Synthetic);
        assert_eq!(Source::parse("SYSTEM").unwrap(), Source::System);
        assert_eq!(Source::parse("ad/users.CSV").unwrap(), Source::Csv("ad/users.CSV".into()));
        assert_eq!(Source::parse("ldaps://dc1:636").unwrap(), Source::Ldap("ldaps://dc1:636".into()));
        let e = Source::parse("users.txt").unwrap_err().to_string();
        assert!(e.contains("unknown identity source `users.txt`"), "{e}");
    }

    #[test]
    fn settings_of_another_source_are_refused() {
        let mut ids = Identities { source: "system".into(), ..Identities::default() };
        ids.ldap_base = Some("dc=x".into());
        let e = check_settings(&ids).unwrap_err().to_string();
        assert_eq!(e, "--ldap-base applies to --identities ldap://..., not `system`");
        ids.ldap_base = None;
        ids.uid_range = Some("1000-2000".into());
        assert!(check_settings(&ids).is_ok());
        ids.source = "synthetic".into();
        assert!(check_settings(&ids).unwrap_err().to_string().starts_with("--uid-range applies"));
    }
}
