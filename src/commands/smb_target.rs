//! The options of an `smb://` target (materialize and verify): the account, where its
//! password comes from (never the command line), and how many connections to make.

use std::path::{Path, PathBuf};

use clap::Args;
use synthfs::smb_client::{CredentialSources, Credentials, SmbUrl};

use super::errors::BadInput;

/// Connections made to an SMB server unless told otherwise: one is one smbd process, and a
/// few keep a small server busy without crowding it.
pub const DEFAULT_CONNECTIONS: usize = 8;

#[derive(Debug, Args)]
pub struct SmbTargetArgs {
    /// The SMB account for an smb:// target (or smb://USER@server/share); its password comes from SYNTHFS_SMB_PASSWORD, --password-file or --credentials-file.
    #[arg(long, value_name = "NAME", help_heading = "SMB target")]
    pub user: Option<String>,
    /// A file whose first line is the SMB account's password.
    #[arg(long, value_name = "FILE", help_heading = "SMB target")]
    pub password_file: Option<PathBuf>,
    /// A credentials file in smbclient's format (username = , password = , domain = lines).
    #[arg(long, value_name = "FILE", help_heading = "SMB target")]
    pub credentials_file: Option<PathBuf>,
    /// Connections to the SMB server [default: 8].
    #[arg(long, value_name = "N", help_heading = "SMB target")]
    pub connections: Option<usize>,
    /// How long to keep making a broken connection again before giving up, in seconds [default: 20].
    #[arg(long, value_name = "SECS", help_heading = "SMB target")]
    pub retry_for: Option<u64>,
}

/// An SMB target, decided.
pub struct SmbTarget {
    pub url: SmbUrl,
    pub creds: Credentials,
    pub connections: usize,
    pub retry_window: std::time::Duration,
}

/// Worker threads of the SMB client: `--threads`, or one per core.
pub fn client_threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
}

impl SmbTargetArgs {
    /// The target `dest` names: `Some` for an smb:// URL (with its account and password),
    /// `None` for a local path (then no SMB option may be given).
    pub fn resolve(&self, dest: &Path) -> Result<Option<SmbTarget>, BadInput> {
        let Some(text) = dest.to_str().filter(|t| SmbUrl::is_smb(t)) else {
            return self.refuse_for_local().map(|()| None);
        };
        let url = SmbUrl::parse(text).map_err(|e| BadInput(e.to_string()))?;
        let sources = CredentialSources {
            user: self.user.clone(),
            url_user: url.user.clone(),
            password_file: self.password_file.clone(),
            credentials_file: self.credentials_file.clone(),
        };
        let creds = sources.resolve().map_err(|e| BadInput(e.to_string()))?;
        let connections = match self.connections {
            Some(0) => return Err(BadInput("--connections must be at least 1".into())),
            Some(n) => n,
            None => DEFAULT_CONNECTIONS,
        };
        let retry_window =
            self.retry_for.map_or(synthfs::smb_client::share::RETRY_WINDOW, std::time::Duration::from_secs);
        Ok(Some(SmbTarget { url, creds, connections, retry_window }))
    }

    fn refuse_for_local(&self) -> Result<(), BadInput> {
        let given = [
            ("--user", self.user.is_some()),
            ("--password-file", self.password_file.is_some()),
            ("--credentials-file", self.credentials_file.is_some()),
            ("--connections", self.connections.is_some()),
            ("--retry-for", self.retry_for.is_some()),
        ];
        match given.iter().find(|(_, g)| *g) {
            Some((flag, _)) => Err(BadInput(format!("{flag} is for smb:// targets; the target here is a local path"))),
            None => Ok(()),
        }
    }
}
