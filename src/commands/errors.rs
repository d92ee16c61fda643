//! The binary's errors: which are the user's to fix (exit code 2), which mean the work did not
//! fully succeed (exit code 1), and the hints and exit codes `main` reports them with.

use std::io;

use crate::exit_codes::ExitCode;

/// An error caused by the user's input (exit code 2), as opposed to a failure of the work.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The work ran but did not fully succeed (exit code 1), after its report was printed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Incomplete(pub String);

/// Library errors that are sometimes the user's to fix (a bad mount point, an existing output)
/// and sometimes a failure of the work.
pub trait MaybeBadInput: std::error::Error + Send + Sync + 'static {
    fn is_bad_input(&self) -> bool;
}

/// The library errors that are [`MaybeBadInput`]: each answers with its own `is_bad_input`.
macro_rules! maybe_bad_input {
    ($($(#[$only:meta])* $error:ty),+ $(,)?) => {
        $(
            $(#[$only])*
            impl MaybeBadInput for $error {
                fn is_bad_input(&self) -> bool {
                    <$error>::is_bad_input(self)
                }
            }
        )+
    };
}

maybe_bad_input! {
    #[cfg(target_os = "linux")]
    synthfs_fuse::MountError,
    synthfs::materialize::MaterializeError,
    synthfs::materialize::onto_smb::SmbMaterializeError,
    synthfs::identity::IdentityError,
    #[cfg(unix)]
    synthfs::serve::SmbdError,
    synthfs::archive::ArchiveError,
}

/// Turns a library error into the binary's: [`BadInput`] (exit code 2) when the user can fix
/// it, the error itself (exit code 1) otherwise.
pub fn lift<E: MaybeBadInput>(e: E) -> anyhow::Error {
    if e.is_bad_input() { BadInput(e.to_string()).into() } else { e.into() }
}

/// The exit code an error ends the program with.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if e.downcast_ref::<BadInput>().is_some() {
        ExitCode::BadInput
    } else if matches!(
        e.downcast_ref::<synthfs::archive::ArchiveError>(),
        Some(synthfs::archive::ArchiveError::Interrupted)
    ) {
        ExitCode::Interrupted
    } else {
        ExitCode::Failure
    }
}

/// What to do about the OS errors users cause most.
pub fn hint(e: &anyhow::Error) -> Option<&'static str> {
    match io_error_kind(e)? {
        io::ErrorKind::PermissionDenied => {
            Some("check the destination's owner and mode, or run as a user who may write there")
        }
        io::ErrorKind::StorageFull => Some("free space there or choose a bigger target"),
        io::ErrorKind::ReadOnlyFilesystem => Some("choose a writable target or remount it read-write"),
        _ => None,
    }
}

/// `synthfs stats | head` closes the pipe early: that is not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| kind_of(c) == Some(io::ErrorKind::BrokenPipe))
}

/// The kind of the first I/O error in the chain.
fn io_error_kind(e: &anyhow::Error) -> Option<io::ErrorKind> {
    e.chain().find_map(kind_of)
}

/// The I/O error kind of one error, also when JSON output wrapped it.
fn kind_of(e: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        return Some(io.kind());
    }
    e.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_found_inside_a_json_error() {
        let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::from(json)));
        let wrapped = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("cannot write");
        assert!(is_broken_pipe(&wrapped));
        assert!(!is_broken_pipe(&anyhow::anyhow!("no pipe here")));
    }

    #[test]
    fn exit_codes_follow_the_error() {
        assert_eq!(exit_code(&BadInput("x".into()).into()), ExitCode::BadInput);
        assert_eq!(exit_code(&Incomplete("x".into()).into()), ExitCode::Failure);
        let e = anyhow::Error::from(io::Error::from(io::ErrorKind::ReadOnlyFilesystem));
        assert_eq!(exit_code(&e), ExitCode::Failure);
        assert!(hint(&e).is_some_and(|h| h.contains("read-write")));
    }
}
