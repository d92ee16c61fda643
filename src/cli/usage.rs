//! Usage errors (a mistyped command, a missing argument, a bad value) in the program's own
//! style: one `synthfs: error: ...` line, clap's tip kept at its end.

use clap::error::ErrorKind;

/// Whether clap's error is a mistake in the command line, as opposed to help or version
/// output (which clap prints itself, exit code 0) or the help shown for a bare `synthfs`.
pub fn is_usage_error(e: &clap::Error) -> bool {
    !matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

/// clap's message on one line, without the usage: its continuation lines joined on, the
/// possible values and tips after `;` ("unrecognized subcommand 'stat'; did you mean 'stats'?").
pub fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let mut message = lines.next().unwrap_or_default().trim_start_matches("error: ").trim_end().to_string();
    let mut listed = Vec::new();
    let mut notes = Vec::new();
    for line in lines.map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if let Some(tip) = line.strip_prefix("tip: ") {
            notes.push(reword_tip(tip));
        } else if let Some(values) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            notes.push(values.to_string());
        } else if !line.is_empty() {
            listed.push(line);
        }
    }
    if !listed.is_empty() {
        let sep = if message.ends_with(':') { " " } else { ": " };
        message = format!("{message}{sep}{}", listed.join(", "));
    }
    std::iter::once(message).chain(notes).collect::<Vec<_>>().join("; ")
}

/// "a similar subcommand exists: 'stats'" as "did you mean 'stats'?"; other tips as they are.
fn reword_tip(tip: &str) -> String {
    match tip.rsplit_once(": ") {
        Some((what, names)) if what.contains("similar") => format!("did you mean {names}?"),
        _ => tip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn error(args: &[&str]) -> clap::Error {
        match Cli::try_parse_from(args) {
            Ok(cli) => panic!("{args:?} parsed: {cli:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_mistyped_command_gets_a_suggestion() {
        let e = error(&["synthfs", "stat"]);
        assert!(is_usage_error(&e));
        assert_eq!(one_line(&e), "unrecognized subcommand 'stat'; did you mean 'stats'?");
        assert_eq!(
            one_line(&error(&["synthfs", "stats", "--fils", "3"])),
            "unexpected argument '--fils' found; did you mean '--files'?"
        );
    }

    #[test]
    fn lists_and_possible_values_stay_on_the_line() {
        assert_eq!(
            one_line(&error(&["synthfs", "materialize"])),
            "the following required arguments were not provided: <DEST>"
        );
        let line = one_line(&error(&["synthfs", "completions", "tcsh"]));
        assert!(line.starts_with("invalid value 'tcsh' for '<SHELL>'; possible values: bash, "), "{line}");
        let line = one_line(&error(&["synthfs", "stats", "--date-preset", "chaos"]));
        assert!(line.contains("recent-skew") && line.contains("legacy-mess"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn help_and_version_are_not_usage_errors() {
        for args in [&["synthfs", "--help"][..], &["synthfs", "--version"], &["synthfs", "stats", "-h"], &["synthfs"]] {
            assert!(!is_usage_error(&error(args)), "{args:?}");
        }
    }
}
