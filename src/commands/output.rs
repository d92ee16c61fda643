//! What every command prints the same way: `--json` output.

use std::io::{self, Write};

/// Prints one value as pretty JSON on stdout, for `--json`. Errors come back as the
/// [`io::Error`] serde_json met, so a closed pipe is recognised as one.
pub fn print_json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)
}
