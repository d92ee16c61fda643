//! `synthfs archive` on real archives, checked with outside tools (unzip, Python's zipfile and
//! tarfile, GNU tar, bsdtar) and by extracting them and verifying the tree against the model.

mod ediscovery;
mod formats;
mod load_files;
mod refusals;

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{TestEnv, bin, fixture, have, python, stderr, stdout};

fn profile() -> String {
    fixture("materialize.toml").display().to_string()
}

/// The tree options every test here uses: the materialize profile, N files, N/12 folders.
fn tree_args(files: u64) -> Vec<String> {
    let dirs = (files / 12).max(2);
    ["--profile".into(), profile(), "--files".into(), files.to_string(), "--dirs".into(), dirs.to_string()].into()
}

/// Runs `synthfs archive OUT --profile materialize.toml --files N ... --json`.
fn archive(out: &Path, files: u64, extra: &[&str]) -> Output {
    bin()
        .arg("archive")
        .arg(out)
        .args(tree_args(files))
        .arg("--json")
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "archive failed: {} / {}", stdout(o), stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {} / {}", stdout(o), stderr(o)))
}

/// `synthfs verify DIR` for the same tree, content included, times to the second.
fn verify_extracted(dir: &Path, files: u64, extra: &[&str]) {
    let o = bin()
        .arg("verify")
        .arg(dir)
        .args(tree_args(files))
        .args(["--content", "--whole-seconds"])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "extracted tree differs from the model: {} / {}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("OK:"), "{}", stdout(&o));
}

fn have_python() -> bool {
    have(&["python3", "--version"], "python3")
}

/// A fresh directory for a test whose checks need Python; `None` (the reason printed) where
/// there is none.
fn python_env() -> Option<TestEnv> {
    have_python().then(TestEnv::new)
}

fn have_unzip() -> bool {
    have(&["unzip", "-v"], "unzip")
}

/// A fresh directory for a test that reads ZIPs with `unzip` and Python; `None` (the reason
/// printed) where either is missing.
fn unzip_env() -> Option<TestEnv> {
    (have_unzip() && have_python()).then(TestEnv::new)
}

const TESTZIP: &str = r#"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, f"bad entry {bad}"
print(len(z.infolist()))
"#;

/// Reads a DAT independently of synthfs: BOM, þ qualifiers, DC4 separators, CR LF records.
const PARSE_DAT: &str = r#"
import sys, json
raw = open(sys.argv[1], 'rb').read()
if raw.startswith(b'\xef\xbb\xbf'):
    text = raw[3:].decode('utf-8')
elif raw.startswith(b'\xff\xfe'):
    text = raw[2:].decode('utf-16-le')
else:
    text = raw.decode(sys.argv[2] if len(sys.argv) > 2 else 'utf-8')
assert text.endswith('\r\n')
rows = []
for line in text[:-2].split('\r\n'):
    fields = line.split('\x14')
    for f in fields:
        assert f.startswith('\u00fe') and f.endswith('\u00fe') and len(f) >= 2, repr(f)
    rows.append([f[1:-1] for f in fields])
print(json.dumps(rows))
"#;

fn parse_dat(path: &Path, encoding: Option<&str>) -> Vec<Vec<String>> {
    let p = path.display().to_string();
    let mut args = vec![p.as_str()];
    if let Some(e) = encoding {
        args.push(e);
    }
    let (ok, out) = python(PARSE_DAT, &args);
    assert!(ok, "the DAT does not parse: {out}");
    serde_json::from_str(&out).unwrap()
}

/// The names of a ZIP's file entries (not folders), as Python's zipfile reads them.
fn zip_file_names(zip: &Path) -> Vec<String> {
    let (ok, names) = python(
        "import sys, zipfile\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): print(n)",
        &[zip.to_str().unwrap()],
    );
    assert!(ok, "{names}");
    names.lines().filter(|n| !n.ends_with('/')).map(str::to_string).collect()
}

fn extract_zip(zip: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let o = Command::new("unzip").arg("-q").arg(zip).arg("-d").arg(into).output().unwrap();
    assert!(o.status.success(), "unzip: {}", stderr(&o));
}

fn extract_tar(tar: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let o = Command::new("tar").arg("-xf").arg(tar).arg("--numeric-owner").arg("-C").arg(into).output().unwrap();
    assert!(o.status.success(), "tar -x: {}", stderr(&o));
}
