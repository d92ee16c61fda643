//! Who connects to an SMB server: the account from `--user`, the URL or a credentials file,
//! and its password from `SYNTHFS_SMB_PASSWORD`, a password file, or a credentials file in
//! smbclient's format (`username = `, `password = `, `domain = ` lines, as `smbclient -A`
//! reads). Never from the command line, and never shown: [`Credentials`]' `Debug` hides it.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that holds the SMB account's password (the one `serve smb` reads).
pub const PASSWORD_ENV: &str = "SYNTHFS_SMB_PASSWORD";

/// An account and its password.
#[derive(Clone, Default)]
pub struct Credentials {
    pub user: String,
    pub password: String,
    pub domain: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("domain", &self.domain).finish_non_exhaustive()
    }
}

/// Where the account and password may come from, in the order they are taken.
#[derive(Clone, Debug, Default)]
pub struct CredentialSources {
    /// `--user` (wins over the URL's `user@`).
    pub user: Option<String>,
    /// The URL's `user@` (`DOMAIN;user` or `DOMAIN\user` carry a domain).
    pub url_user: Option<String>,
    /// `--password-file`: its first line is the password.
    pub password_file: Option<PathBuf>,
    /// `--credentials-file`: smbclient's format.
    pub credentials_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("no SMB account named: give --user NAME, smb://NAME@server/share, or a --credentials-file")]
    NoUser,
    #[error(
        "the SMB account {0} needs a password: set {PASSWORD_ENV}, or give --password-file FILE or --credentials-file FILE"
    )]
    NoPassword(String),
}

impl CredentialSources {
    /// The account and password, from the first source that has each.
    pub fn resolve(&self) -> Result<Credentials, CredentialsError> {
        self.resolve_with(std::env::var(PASSWORD_ENV).ok())
    }

    fn resolve_with(&self, env_password: Option<String>) -> Result<Credentials, CredentialsError> {
        let file = match &self.credentials_file {
            Some(p) => Some(parse_credentials_file(&read(p)?)),
            None => None,
        };
        let named = self
            .user
            .clone()
            .or_else(|| self.url_user.clone())
            .or_else(|| file.as_ref().and_then(|f| f.user.clone()))
            .ok_or(CredentialsError::NoUser)?;
        let (domain, user) = split_domain(&named);
        let domain = domain.or_else(|| file.as_ref().and_then(|f| f.domain.clone())).unwrap_or_default();
        let password = match &self.password_file {
            Some(p) => Some(read(p)?.lines().next().unwrap_or_default().to_string()),
            None => env_password.or_else(|| file.as_ref().and_then(|f| f.password.clone())),
        };
        let password = password.ok_or_else(|| CredentialsError::NoPassword(user.clone()))?;
        Ok(Credentials { user, password, domain })
    }
}

fn read(path: &Path) -> Result<String, CredentialsError> {
    std::fs::read_to_string(path).map_err(|e| CredentialsError::Read(path.into(), e))
}

/// `DOMAIN;user` (URL form) or `DOMAIN\user` into the domain and the user.
fn split_domain(named: &str) -> (Option<String>, String) {
    match named.split_once([';', '\\']) {
        Some((d, u)) => (Some(d.to_string()), u.to_string()),
        None => (None, named.to_string()),
    }
}

#[derive(Default)]
struct CredentialsFile {
    user: Option<String>,
    password: Option<String>,
    domain: Option<String>,
}

/// smbclient's `-A` file: `key = value` lines; `#` comments.
fn parse_credentials_file(text: &str) -> CredentialsFile {
    let mut f = CredentialsFile::default();
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim().to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "username" | "user" => f.user = Some(value),
            "password" => f.password = Some(value),
            "domain" | "workgroup" => f.domain = Some(value),
            _ => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_each_part_from_the_first_source_that_has_it() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        std::fs::write(&creds, "# smbclient -A\nusername = filer\npassword =  s3cret x\ndomain = CORP\n").unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "from-file\nignored\n").unwrap();
        let mut s = CredentialSources { credentials_file: Some(creds), ..Default::default() };
        let c = s.resolve_with(None).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str(), c.domain.as_str()), ("filer", "s3cret x", "CORP"));
        assert_eq!(s.resolve_with(Some("env".into())).unwrap().password, "env", "the environment wins over the file");
        s.url_user = Some("LAB;bob".into());
        let c = s.resolve_with(None).unwrap();
        assert_eq!((c.user.as_str(), c.domain.as_str()), ("bob", "LAB"));
        s.user = Some("carol".into());
        s.password_file = Some(pw);
        let c = s.resolve_with(Some("env".into())).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str(), c.domain.as_str()), ("carol", "from-file", "CORP"));
        assert!(!format!("{c:?}").contains("from-file"), "Debug hides the password");
    }

    #[test]
    fn says_what_is_missing() {
        let none = CredentialSources::default();
        assert!(matches!(none.resolve_with(Some("pw".into())), Err(CredentialsError::NoUser)));
        let user = CredentialSources { user: Some("bob".into()), ..Default::default() };
        let e = user.resolve_with(None).unwrap_err();
        assert!(e.to_string().contains(PASSWORD_ENV), "{e}");
    }
}
