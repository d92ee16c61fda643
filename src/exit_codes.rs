//! Exit codes: one enum, not scattered integers.

/// How the program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// The work failed (I/O, a mount that could not be made).
    Failure = 1,
    /// The input was wrong: options, profile, destination (as clap uses 2 for usage errors).
    BadInput = 2,
    /// Stopped by Ctrl-C or SIGTERM after cleaning up (128 + SIGINT, as shells report it).
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}
