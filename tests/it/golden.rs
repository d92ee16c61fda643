//! Determinism as a contract: the tree fingerprints in `tests/golden/fingerprints.txt`, recorded
//! before the architecture refactor, recomputed through the real binary. A difference means the
//! trees users get for a profile and seed have changed.

use crate::common::{Run, golden, sha256_hex};

/// One line of the record: `KIND PROFILE SEED N VALUE` (SEED is `default` or `--seed S`).
struct Fingerprint {
    line: String,
    kind: String,
    /// The tree options: `-p PROFILE [--seed S] --files N`.
    tree: Vec<String>,
    value: String,
}

/// The recorded fingerprints of `kinds`: those above the `# slow` line, or all of them with
/// `SYNTHFS_GOLDEN_SLOW=1`.
fn fingerprints(kinds: &[&str]) -> Vec<Fingerprint> {
    let text = std::fs::read_to_string(golden("fingerprints.txt")).expect("tests/golden/fingerprints.txt");
    let all = std::env::var_os("SYNTHFS_GOLDEN_SLOW").is_some();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("# slow") && !all {
            break;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with('#') || f.is_empty() || !kinds.contains(&f[0]) {
            continue;
        }
        let (seed, rest): (&[&str], &[&str]) = match f[2] {
            "default" => (&[], &f[3..]),
            "--seed" => (&f[2..4], &f[4..]),
            other => panic!("{line}: seed {other}"),
        };
        let [files, value] = rest else { panic!("{line}: KIND PROFILE SEED N VALUE expected") };
        let tree = [&["-p", f[1]][..], seed, &["--files", files]].concat().into_iter().map(String::from).collect();
        out.push(Fingerprint { line: line.to_string(), kind: f[0].to_string(), tree, value: value.to_string() });
    }
    assert!(!out.is_empty(), "no {kinds:?} lines in fingerprints.txt");
    out
}

/// What the binary gives now for a fingerprint's line.
fn recompute(fp: &Fingerprint) -> String {
    let tree: Vec<&str> = fp.tree.iter().map(String::as_str).collect();
    let run = |command: &[&str]| Run::of(&[command, &tree[..]].concat());
    match fp.kind.as_str() {
        "manifest" => {
            let o = run(&["manifest"]);
            o.ok();
            sha256_hex(&o.output.stdout)
        }
        "statsjson" => {
            // As `grep -v elapsed` leaves it: every other line, each with its newline.
            let kept: String = run(&["stats", "--json"])
                .ok()
                .lines()
                .filter(|l| !l.contains("elapsed"))
                .map(|l| format!("{l}\n"))
                .collect();
            sha256_hex(kept.as_bytes())
        }
        "digest" => {
            let v = run(&["stats", "--digest", "--json", "-t", "1"]).json();
            v["digest"].as_str().expect("a digest").to_string()
        }
        other => panic!("unknown kind {other}"),
    }
}

/// Recomputes every line of `kinds`; fails with every line that moved.
fn check(kinds: &[&str]) {
    let moved: Vec<String> = fingerprints(kinds)
        .iter()
        .filter_map(|fp| {
            let now = recompute(fp);
            (now != fp.value).then(|| format!("{}\n  now {now}", fp.line))
        })
        .collect();
    assert!(moved.is_empty(), "trees changed from the recorded fingerprints:\n{}", moved.join("\n"));
}

/// The manifest (every file's record) and `stats --json` of each built-in profile, two seeds,
/// 10,000 and 100,000 files.
#[test]
fn manifests_and_stats_are_the_recorded_ones() {
    check(&["manifest", "statsjson"]);
}

/// The content digests (every byte of every file) the suite can afford: the torture trees',
/// about 15 s in a debug build.
#[test]
fn content_digests_are_the_recorded_ones() {
    check(&["digest"]);
}
