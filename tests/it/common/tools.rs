//! What a test needs from the machine: root, /dev/fuse, outside tools, Python.
//!
//! A missing component skips the checks that need it, with the reason printed, except where
//! the environment says it must be there: `SYNTHFS_REQUIRE_TOOLS` (CI, where `.ci/run` installs
//! the tools) and `SYNTHFS_REQUIRE_FUSE` turn a skip into a failure.

use std::process::Command;

/// Whether the tests run as root.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Whether an outside tool is present. Missing tools skip a check with a printed reason,
/// except in CI (`SYNTHFS_REQUIRE_TOOLS=1`), where `.ci/run` installs them and a missing one
/// is a failure.
pub fn have_tool(check: &mut Command, what: &str) -> bool {
    let ok = check.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("SYNTHFS_REQUIRE_TOOLS").is_none(),
            "{what} is required (SYNTHFS_REQUIRE_TOOLS is set)"
        );
        eprintln!("skipping checks that need {what}: not installed");
    }
    ok
}

/// [`have_tool`] for a program that answers `argv` (`["unzip", "-v"]`) when it is installed.
pub fn have(argv: &[&str], what: &str) -> bool {
    have_tool(Command::new(argv[0]).args(&argv[1..]), what)
}

/// [`have_tool`] for Python modules (`"pypdf, PIL"`): whether `python3` imports them.
pub fn have_python_modules(modules: &str, what: &str) -> bool {
    have_tool(Command::new("python3").args(["-c", &format!("import {modules}")]), what)
}

/// Whether FUSE mounts can be made here; prints why not when they cannot.
pub fn fuse_available() -> bool {
    if std::path::Path::new("/dev/fuse").exists() {
        return true;
    }
    assert!(std::env::var_os("SYNTHFS_REQUIRE_FUSE").is_none(), "/dev/fuse is required (SYNTHFS_REQUIRE_FUSE is set)");
    eprintln!("skipping: /dev/fuse is missing on this machine, so no FUSE mount can be made");
    false
}

/// Runs a Python script with `args`: (whether it succeeded, its stdout and stderr).
pub fn python(script: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs");
    (o.status.success(), format!("{}{}", super::stdout(&o), super::stderr(&o)))
}

/// Runs a Python script that must succeed, and returns its stdout (its stderr is in the
/// failure's message).
pub fn python_ok(script: &str, args: &[&str]) -> String {
    let o = Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs");
    assert!(o.status.success(), "python3: {}{}", super::stdout(&o), super::stderr(&o));
    super::stdout(&o)
}

/// [`python_ok`] with `input` on the script's stdin.
pub fn python_ok_with_input(script: &str, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().expect("stdin").write_all(input).expect("write to python3");
    let o = child.wait_with_output().expect("python3 ends");
    assert!(o.status.success(), "python3: {}{}", super::stdout(&o), super::stderr(&o));
    super::stdout(&o)
}
