//! Every `synthfs ...` command line in the README and docs/ parses.

use clap::Parser;

use super::Cli;

/// `synthfs ...` command lines in the fenced code blocks of a Markdown file: comments
/// dropped, pipes, redirections and `&&` chains cut at the synthfs part.
fn command_lines(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        // Continued lines (`\` at the end) make one command.
        let line = line.split(" #").next().unwrap_or("");
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        let line = std::mem::take(&mut pending) + line;
        for part in line.split("&&").flat_map(|p| p.split('|')).flat_map(|p| p.split(';')) {
            let mut part = part.split('>').next().unwrap_or("").trim();
            // Leading environment assignments (`LDAP_PW=... synthfs ...`).
            while let Some((_, rest)) = part.split_once(' ').filter(|(w, _)| {
                w.split_once('=')
                    .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            }) {
                part = rest.trim_start();
            }
            if let Some(rest) = part.strip_prefix("synthfs ") {
                out.push(format!("synthfs {rest}"));
            } else if let Some(rest) = part.strip_prefix("cargo run --release -- ") {
                out.push(format!("synthfs {rest}"));
            }
        }
    }
    out
}

/// Splits like a shell for the simple quoting the docs use.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn continued_lines_and_environment_prefixes_are_one_command() {
    let md = "```sh\nPW=x synthfs mount /m \\\n    --identities ldap://h \\\n    --ldap-base dc=x   # note\nls\n```\n";
    assert_eq!(command_lines(md), ["synthfs mount /m      --identities ldap://h      --ldap-base dc=x"]);
}

#[test]
fn every_command_in_the_docs_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut checked = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in command_lines(&text) {
            let args = words(&line);
            if let Err(e) = Cli::try_parse_from(&args) {
                panic!("{}: `{line}` does not parse:\n{e}", f.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} command lines found");
}
