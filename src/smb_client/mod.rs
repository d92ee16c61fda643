//! The SMB client adapter: a share on an SMB2/3 server reached from user space (the `smb2`
//! crate, pure Rust), as `materialize` and `verify` use it for `smb://` targets. It knows
//! URLs, credentials, connections and requests; what to write and what to compare is the
//! front ends' business.

pub mod credentials;
pub mod in_flight;
pub mod listing;
pub mod share;
pub mod url;
pub mod wire;

use std::time::Duration;

use smb2::types::status::NtStatus;

pub use credentials::{CredentialSources, Credentials, CredentialsError, PASSWORD_ENV};
pub use share::Share;
pub use url::{SmbUrl, SmbUrlError};

/// The runtime the client's connections run on, with `threads` workers.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()
}

/// A path on a share as a report shows it: `/` separators, not `\`.
pub fn shown(path: &str) -> String {
    path.replace('\\', "/")
}

/// What can go wrong talking to an SMB server.
#[derive(Debug, thiserror::Error)]
pub enum SmbError {
    #[error("cannot connect to {server} as {user}: {why}")]
    Connect { server: String, user: String, why: String },
    #[error("{server} has no share {share} the account may use: {why}")]
    NoShare { server: String, share: String, why: String },
    #[error("{what}: {status}")]
    Status { what: &'static str, status: NtStatus },
    #[error(transparent)]
    Transport(Box<smb2::Error>),
    #[error("lost the connection to {server} and could not make it again within {waited:?} ({last})")]
    Lost { server: String, waited: Duration, last: String },
}

/// STATUS_QUOTA_EXCEEDED: a quota, as full as a full disk for the writer.
const STATUS_QUOTA_EXCEEDED: NtStatus = NtStatus(0xC000_0044);

impl SmbError {
    pub fn transport(e: smb2::Error) -> SmbError {
        SmbError::Transport(Box::new(e))
    }

    fn connect(server: &str, user: &str, e: smb2::Error) -> SmbError {
        let why = match e.status() {
            Some(NtStatus::LOGON_FAILURE) => {
                "the server refused the account or its password (STATUS_LOGON_FAILURE)".into()
            }
            _ => e.to_string(),
        };
        SmbError::Connect { server: server.into(), user: user.into(), why }
    }

    fn share(server: &str, share: &str, e: smb2::Error) -> SmbError {
        SmbError::NoShare { server: server.into(), share: share.into(), why: e.to_string() }
    }

    /// The status the server answered, if it answered.
    pub fn status(&self) -> Option<NtStatus> {
        match self {
            SmbError::Status { status, .. } => Some(*status),
            SmbError::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The share is full (or the account's quota is).
    pub fn is_disk_full(&self) -> bool {
        matches!(self.status(), Some(s) if s == NtStatus::DISK_FULL || s == STATUS_QUOTA_EXCEEDED)
    }

    pub fn is_access_denied(&self) -> bool {
        self.status() == Some(NtStatus::ACCESS_DENIED)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self.status(), Some(s) if s == NtStatus::OBJECT_NAME_NOT_FOUND || s == NtStatus::OBJECT_PATH_NOT_FOUND)
    }

    /// Errors after which no other request of the run can succeed: the connection cannot be
    /// made again, or the account or share is refused.
    pub fn is_fatal(&self) -> bool {
        matches!(self, SmbError::Connect { .. } | SmbError::NoShare { .. } | SmbError::Lost { .. })
            || self.is_disk_full()
    }
}
