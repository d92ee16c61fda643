//! The command line as users meet it: exit codes, one-line errors, profiles, stats output.

use crate::common::{self, Run, run, small_profile_path, stderr, stdout};

fn assert_bad_input(args: &[&str], needle: &str) {
    let o = Run::of(args);
    let err = o.fails(2, needle);
    assert!(err.starts_with("synthfs: error: "), "{err}");
    assert!(o.output.stdout.is_empty());
}

#[test]
fn unknown_profile_key_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let text = std::fs::read_to_string(small_profile_path())
        .unwrap()
        .replace("max_age_years = 6", "max_age_years = 6\ncolour = \"blue\"");
    std::fs::write(&path, text).unwrap();
    assert_bad_input(&["stats", "--profile", path.to_str().unwrap()], "colour");
    assert_bad_input(&["stats", "--profile", path.to_str().unwrap()], "line 9");
}

#[test]
fn invalid_profile_value_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let text = std::fs::read_to_string(small_profile_path()).unwrap().replace("rate = 1.0", "rate = 2.5");
    std::fs::write(&path, text).unwrap();
    assert_bad_input(&["stats", "--profile", path.to_str().unwrap()], "sparse.rate");
}

#[test]
fn zero_files_is_refused() {
    assert_bad_input(&["stats", "--files", "0"], "--files");
}

#[test]
fn missing_profile_file_is_refused() {
    assert_bad_input(&["stats", "--profile", "/no/such/profile.toml"], "/no/such/profile.toml");
}

#[test]
fn bad_count_is_a_usage_error() {
    let o = run(&["stats", "--files", "lots"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("lots"));
}

#[test]
fn profile_list_and_show() {
    let o = run(&["profile", "list"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("enterprise "));
    let o = run(&["profile", "show", "enterprise"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("[sizes]") && text.contains("mu = 9.48"));
    // What `show` prints is a profile `stats` accepts, with the same tree.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.toml");
    std::fs::write(&path, &text).unwrap();
    let a = run(&["stats", "--json", "--files", "3000"]);
    let b = run(&["stats", "--json", "--files", "3000", "--profile", path.to_str().unwrap()]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(stdout(&a), stdout(&b));
    // A file is printed with its defaults filled in, and reads back.
    let o = run(&["profile", "show", &small_profile_path()]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("max_depth = 24"));
}

#[test]
fn stats_json_has_exact_integer_totals() {
    let v = Run::of(&["stats", "--json", "--profile", &small_profile_path()]).json();
    assert_eq!(v["files"].as_u64(), Some(2000));
    assert_eq!(v["dirs"].as_u64(), Some(150));
    let bytes = v["bytes"].as_u64().unwrap();
    let alloc = v["allocated_bytes"].as_u64().unwrap();
    assert!(bytes > 0 && alloc > 0);
    assert!(v["sparse"]["files"].as_u64().unwrap() > 0);
    let by_type: u64 = v["by_type"].as_object().unwrap().values().map(|t| t["files"].as_u64().unwrap()).sum();
    assert_eq!(by_type, 2000);
    let by_type_bytes: u64 = v["by_type"].as_object().unwrap().values().map(|t| t["bytes"].as_u64().unwrap()).sum();
    assert_eq!(by_type_bytes, bytes);
    let by_depth: u64 = v["by_depth"].as_array().unwrap().iter().map(|t| t["files"].as_u64().unwrap()).sum();
    assert_eq!(by_depth, 2000);
}

#[test]
fn stats_text_is_a_readable_table() {
    let o = run(&["stats", "--profile", &small_profile_path()]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in ["files", "2,000", "folders", "by type", "top owners", "by age", "by size", "largest"] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn stats_are_identical_across_threads_and_runs_and_differ_by_seed() {
    let p = small_profile_path();
    let one = run(&["stats", "--json", "--digest", "--threads", "1", "--profile", &p]);
    let all = run(&["stats", "--json", "--digest", "--profile", &p]);
    let again = run(&["stats", "--json", "--digest", "--threads", "3", "--profile", &p]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(stdout(&one), stdout(&all));
    assert_eq!(stdout(&one), stdout(&again));
    let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(v["digest"].as_str().map(str::len), Some(64));
    let other = run(&["stats", "--json", "--digest", "--seed", "8", "--profile", &p]);
    let w: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_ne!(v["digest"], w["digest"]);
    assert_eq!(w["files"], v["files"]);
}

#[test]
fn broken_pipe_exits_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = common::bin()
        .args(["stats", "--profile", &small_profile_path()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// Every command and sub-command, as `synthfs --help` lists them.
fn commands() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let top = stdout(&run(&["--help"]));
    let names: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 9, "{names:?}");
    for n in names {
        if n == "profile" {
            out.push(vec![n.clone(), "list".into()]);
            out.push(vec![n.clone(), "show".into()]);
        } else if n == "serve" {
            out.push(vec![n.clone()]);
            out.push(vec![n.clone(), "smb".into()]);
        } else {
            out.push(vec![n]);
        }
    }
    out
}

#[test]
fn every_command_help_teaches_with_examples() {
    for cmd in commands() {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let o = run(&args);
        assert!(o.status.success(), "{args:?}");
        let help = stdout(&o);
        assert!(help.contains("Example"), "{args:?} --help has no examples:\n{help}");
        let example_lines = help.lines().filter(|l| l.trim_start().starts_with("synthfs ")).count();
        assert!(example_lines >= 1, "{args:?}: no example command line");
        assert!(help.lines().next().is_some_and(|l| l.len() > 10), "{args:?}: a one-line purpose first");
        if help.contains("--files") {
            assert!(help.contains("Tree:"), "{args:?}: tree options are grouped");
        }
    }
    let v = stdout(&run(&["--version"]));
    assert!(v.starts_with("synthfs ") && v.contains('('), "version with the commit: {v}");
}

#[test]
fn completions_and_man_pages_generate() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef synthfs"), ("fish", "complete -c synthfs")] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let text = stdout(&o);
        assert!(text.contains(marker), "{shell}: no {marker:?}");
        assert!(text.contains("materialize") && text.contains("target-size"), "{shell}: commands and options");
    }
    let o = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("c.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let (st, _, err) = common::sh(&format!("bash -n '{}'", script.display()));
    assert!(st.success(), "bash cannot parse the completion script: {err}");
    let o = run(&["man"]);
    assert!(o.status.success() && stdout(&o).contains(".TH synthfs 1"));
    let o = run(&["man", "archive"]);
    assert!(o.status.success() && stdout(&o).contains(".TH synthfs-archive 1") && stdout(&o).contains("target"));
    assert_bad_input(&["man", "nope"], "the commands are");
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(stderr(&o).contains("tcsh") && stderr(&o).contains("bash"), "{}", stderr(&o));
}
