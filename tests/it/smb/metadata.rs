//! What a Windows scanner reads over SMB equals the model, node by node: owners, groups and
//! DACLs, attributes, the three times, sizes and Zone.Identifier streams, read with
//! smbprotocol (every node), smbclient (every node: `allinfo`, the streams' bytes and
//! `showacls` descriptors) and smbcacls (a sample: it starts a process per file).

use std::collections::HashMap;

use synthfs_model::Tree;
use synthfs_model::tree::{SDDL_XATTR, ZONE_TEXT};
use synthfs_model::windows::{Ace, SecurityDescriptor, Sid};

use super::{PASSWORD, Served, USER, can_serve, have_smbprotocol, nt_ticks};
use crate::common::{Run, builtin_profile};

/// The tree the tests serve: 2,000 files of the Panzura demo profile, whose folders carry the
/// permission stories, with NT security descriptors.
pub const TREE: [&str; 4] = ["--profile", "panzura-demo", "--files", "2000"];

pub fn nt_tree() -> Tree {
    let mut p = builtin_profile("panzura-demo", 2000);
    p.acls.windows = true;
    Tree::new(p).expect("the tree")
}

/// Every node's index by its path (`""` the root), as the share names it: from the listings,
/// so a tree past epoch 0 has its new files too.
pub fn indices_by_path(tree: &Tree) -> HashMap<String, u64> {
    let mut out = HashMap::from([(String::new(), 0)]);
    let mut stack = vec![(0u64, String::new())];
    while let Some((dir, path)) = stack.pop() {
        let Some(listing) = tree.listing(dir) else { continue };
        for e in &listing.entries {
            let p = if path.is_empty() { e.name.to_string() } else { format!("{path}/{}", e.name) };
            if e.kind == synthfs_model::NodeKind::Dir {
                stack.push((e.index, p.clone()));
            }
            out.insert(p, e.index);
        }
    }
    out
}

/// The SDDL the model gives node `index`, with the group Samba serves inserted after the owner.
pub fn model_sddl(tree: &Tree, index: u64) -> String {
    let all = tree.xattrs(index).expect("a node");
    let sddl = &all.iter().find(|(n, _)| *n == SDDL_XATTR).expect("an SDDL").1;
    let group = format!("G:{}-513", tree.model.accounts().domain_sid());
    let at = sddl.find("D:").expect("a DACL");
    format!("{}{group}{}", &sddl[..at], &sddl[at..])
}

/// A descriptor as smbprotocol reported it, in SDDL.
pub fn walked_sddl(r: &serde_json::Value) -> String {
    let sid = |v: &serde_json::Value| Sid::parse(v.as_str().expect("a SID")).expect("a SID");
    let control = r["control"].as_u64().expect("control") as u16;
    let aces = r["aces"]
        .as_array()
        .expect("aces")
        .iter()
        .map(|a| Ace {
            allow: a[0] == 0,
            flags: a[1].as_u64().expect("flags") as u8,
            mask: a[2].as_u64().expect("mask") as u32,
            sid: sid(&a[3]),
        })
        .collect();
    SecurityDescriptor {
        owner: Some(sid(&r["owner"])),
        group: Some(sid(&r["group"])),
        dacl_protected: control & 0x1000 != 0,
        dacl_auto_inherited: control & 0x0400 != 0,
        dacl: Some(aces),
    }
    .to_sddl()
}

/// The attributes a file of the manifest has on Windows: archive, read-only, hidden, system
/// (hidden folder junk: Thumbs.db, desktop.ini), sparse.
pub fn manifest_attributes(m: &serde_json::Value) -> u64 {
    let on = |k: &str| m[k].as_bool().unwrap_or_else(|| panic!("{k} in {m}"));
    0x20 | u64::from(on("readonly"))
        | u64::from(on("hidden")) << 1
        | u64::from(on("hidden") && m["role"] == "junk") << 2
        | u64::from(on("sparse")) << 9
}

/// The manifest's records by path.
pub fn manifest() -> HashMap<String, serde_json::Value> {
    let out = Run::of(&[&["manifest", "--nt-acls"][..], &TREE].concat()).ok();
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSONL"))
        .map(|v| (v["path"].as_str().expect("a path").trim_start_matches('/').to_string(), v))
        .collect()
}

#[test]
fn every_folder_and_file_reads_as_the_model_through_smbprotocol() {
    if !can_serve() || !have_smbprotocol() {
        return;
    }
    let served = Served::start(
        445,
        &[&TREE[..], &["--listen", "127.0.0.1:445", "--user", USER]].concat(),
        &[("SYNTHFS_SMB_PASSWORD", PASSWORD)],
    );
    let walked = served.walk();
    drop(served);
    let tree = nt_tree();
    let WalkCheck { wrong, files: n_files, dirs: n_dirs, bytes } = check_walk(&walked, &tree, &manifest(), true);
    let stats = Run::of(&[&["stats", "--json", "--nt-acls"][..], &TREE].concat()).json();
    assert!(
        wrong.is_empty(),
        "{} mismatches of {}:\n{}",
        wrong.len(),
        walked.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
    assert_eq!(n_files, stats["files"].as_u64().expect("files"), "files over SMB");
    assert_eq!(n_dirs + 1, stats["dirs"].as_u64().expect("dirs"), "folders over SMB, the root aside");
    assert_eq!(bytes, stats["bytes"].as_u64().expect("bytes"), "bytes over SMB");
}

/// What smbprotocol's walk of a share shows, compared with the model node by node.
pub struct WalkCheck {
    pub wrong: Vec<String>,
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
}

/// Compares every node of `walked` (walk_share.py's records) with the tree and its manifest
/// (`files`): descriptor, attributes, size and the three times; the root's descriptor only
/// with `check_root` (a materialized copy leaves the target folder's own alone).
pub fn check_walk(
    walked: &[serde_json::Value],
    tree: &Tree,
    files: &HashMap<String, serde_json::Value>,
    check_root: bool,
) -> WalkCheck {
    let at = indices_by_path(tree);
    let mut wrong: Vec<String> = Vec::new();
    let (mut n_files, mut n_dirs, mut bytes) = (0u64, 0u64, 0u64);
    for r in walked {
        let path = r["path"].as_str().expect("a path");
        let Some(&index) = at.get(path) else {
            wrong.push(format!("{path}: not in the model"));
            continue;
        };
        let (want_sddl, got_sddl) = (model_sddl(tree, index), walked_sddl(r));
        if want_sddl != got_sddl && (check_root || !path.is_empty()) {
            wrong.push(format!("{path}: descriptor {got_sddl} != model {want_sddl}"));
        }
        if path.is_empty() {
            continue;
        }
        let got = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
        let want: [(&str, u64); 5] = if r["dir"] == true {
            n_dirs += 1;
            let Some(synthfs_model::tree::Location::Dir(plan)) = tree.locate(index) else {
                wrong.push(format!("{path}: a folder over SMB, not in the model"));
                continue;
            };
            let d = tree.dir_attrs(&plan);
            let t = synthfs_model::windows::dos_attrib::nttime;
            [
                ("attributes", 0x10),
                ("size", 0),
                ("created", t(d.created)),
                ("written", t(d.modified)),
                ("accessed", t(d.accessed)),
            ]
        } else {
            n_files += 1;
            bytes += got("size");
            let Some(m) = files.get(path) else {
                wrong.push(format!("{path}: not in the manifest"));
                continue;
            };
            let time = |k: &str| nt_ticks(m[k].as_str().expect("a time"));
            [
                ("attributes", manifest_attributes(m)),
                ("size", m["size"].as_u64().expect("size")),
                ("created", time("created")),
                ("written", time("modified")),
                ("accessed", time("accessed")),
            ]
        };
        for (k, v) in want {
            if got(k) != v {
                wrong.push(format!("{path}: {k} {} != model {v}", got(k)));
            }
        }
    }
    WalkCheck { wrong, files: n_files, dirs: n_dirs, bytes }
}

/// `Mon Mar  4 05:06:07 2019 UTC`, as smbclient prints times, in Unix seconds.
fn smbclient_time(s: &str) -> i64 {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let f: Vec<&str> = s.split_whitespace().collect();
    let month = MONTHS.iter().position(|m| *m == f[1]).unwrap_or_else(|| panic!("{s}")) as u32 + 1;
    let date = synthfs_model::date::Date { year: f[4].parse().expect("year"), month, day: f[2].parse().expect("day") };
    let hms: Vec<i64> = f[3].split(':').map(|x| x.parse().expect("clock")).collect();
    date.unix() + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

#[test]
fn smbclient_and_smbcacls_read_the_models_times_attributes_streams_and_acls() {
    if !can_serve() {
        return;
    }
    let served = Served::start(
        445,
        &[&TREE[..], &["--listen", "127.0.0.1:445", "--user", USER]].concat(),
        &[("SYNTHFS_SMB_PASSWORD", PASSWORD)],
    );
    let tree = nt_tree();
    let files = manifest();
    let mut paths: Vec<&String> = files.keys().collect();
    paths.sort();
    // Every file's allinfo in one session, and each mark of the web.
    let script: String = paths.iter().map(|p| format!("allinfo \"{}\"\n", p.replace('/', "\\"))).collect();
    // From a file: written through a pipe, the script and smbclient's answers would fill
    // both pipes and wait on each other.
    let commands = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(commands.path(), script).expect("write the commands");
    let o = std::process::Command::new("smbclient")
        .args(["//127.0.0.1/share", "-U", &format!("{USER}%{PASSWORD}")])
        .env("TZ", "UTC")
        .stdin(std::fs::File::open(commands.path()).expect("the commands"))
        .output()
        .expect("smbclient runs");
    let text = String::from_utf8_lossy(&o.stdout);
    let infos: Vec<&str> = text.split("altname:").skip(1).collect();
    assert_eq!(infos.len(), paths.len(), "one allinfo per file:\n{}", &text[..text.len().min(2000)]);
    let mut wrong = Vec::new();
    let mut zones = 0;
    for (path, info) in paths.iter().zip(&infos) {
        let m = &files[*path];
        let field = |k: &str| info.lines().find_map(|l| l.strip_prefix(k)).map(str::trim).unwrap_or_default();
        // smbclient prints whole seconds, rounding up past half a second (Samba's
        // convert_timespec_to_time_t).
        let secs = |k: &str| {
            let t = nt_ticks(m[k].as_str().expect("a time"));
            t / 10_000_000 + u64::from(t % 10_000_000 > 5_000_000)
        };
        for (k, want) in
            [("create_time:", secs("created")), ("write_time:", secs("modified")), ("access_time:", secs("accessed"))]
        {
            let got = (smbclient_time(field(k)) + 11_644_473_600) as u64;
            if got != want {
                wrong.push(format!("{path}: {k} {} != model", field(k)));
            }
        }
        let attrs = field("attributes:");
        let hex = attrs.rsplit('(').next().unwrap_or_default().trim_end_matches(')');
        if u64::from_str_radix(hex, 16).ok() != Some(manifest_attributes(m)) {
            wrong.push(format!("{path}: attributes {attrs} != model {:x}", manifest_attributes(m)));
        }
        // allinfo shows the ::$DATA stream's size modulo 2^32 (0 for an 8 GiB disk image);
        // the listing and stat give the whole size, which the smbprotocol test checks.
        let size = field("stream: [::$DATA],").trim_end_matches(" bytes").parse::<u64>().ok();
        if size != m["size"].as_u64().map(|s| s % (1 << 32)) {
            wrong.push(format!("{path}: size {size:?} != model {}", m["size"]));
        }
        let has_zone = info.contains("stream: [:Zone.Identifier:$DATA]");
        if has_zone != (m["zone_identifier"] == true) {
            wrong.push(format!("{path}: Zone.Identifier stream {has_zone} != model"));
        }
        zones += usize::from(has_zone);
    }
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong[..wrong.len().min(20)].join("\n"));
    assert!(zones > 0, "the tree has files from the internet");
    // The stream's bytes, for every file that has one, fetched in one session.
    let zoned: Vec<&&String> = paths.iter().filter(|p| files[**p]["zone_identifier"] == true).collect();
    let got = tempfile::tempdir().expect("a temporary folder");
    let gets: String = zoned
        .iter()
        .enumerate()
        .map(|(k, p)| format!("get \"{}:Zone.Identifier\" z{k}\n", p.replace('/', "\\")))
        .collect();
    let (ok, out) = served.smbclient(&format!("lcd {}; {}", got.path().display(), gets.replace('\n', "; ")));
    assert!(ok, "{out}");
    for (k, path) in zoned.iter().enumerate() {
        let bytes = std::fs::read(got.path().join(format!("z{k}"))).unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&bytes), ZONE_TEXT, "{path}: its Zone.Identifier stream");
    }
    // Samba's own descriptor reader for every folder and file: smbclient's `showacls` listing
    // of each folder, in one session.
    let at = indices_by_path(&tree);
    let shown = showacls_descriptors(&at, &tree);
    let mut wrong = Vec::new();
    for (path, index) in at.iter().filter(|(p, _)| !p.is_empty()) {
        let want = model_sddl(&tree, *index);
        match shown.get(path) {
            Some(got) if *got == want => {}
            got => wrong.push(format!("{path}: showacls {got:?} != model {want}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} descriptors differ:\n{}",
        wrong.len(),
        at.len() - 1,
        wrong[..wrong.len().min(20)].join("\n")
    );
    // smbcacls, the tool admins script, for every 50th folder and file (a process each).
    let mut sample: Vec<(&String, u64)> = at.iter().map(|(p, i)| (p, *i)).filter(|(p, _)| !p.is_empty()).collect();
    sample.sort_by_key(|(_, i)| *i);
    for (path, index) in sample.into_iter().step_by(50) {
        let o = std::process::Command::new("smbcacls")
            .args(["//127.0.0.1/share", &path.replace('/', "\\"), "--sddl", "-U", &format!("{USER}%{PASSWORD}")])
            .output()
            .expect("smbcacls runs");
        let out = String::from_utf8_lossy(&o.stdout);
        let got = SecurityDescriptor::from_sddl(out.trim()).map(|sd| sd.to_sddl());
        assert_eq!(got.as_deref().ok(), Some(model_sddl(&tree, index).as_str()), "{path}: smbcacls said {out}");
    }
}

/// Every node's descriptor (in SDDL) as smbclient prints it with `showacls`, by path: one
/// session that lists each folder of `at` in turn. A listing names entries, not folders, so
/// each folder's entries are the next as many records as it has children.
fn showacls_descriptors(at: &HashMap<String, u64>, tree: &Tree) -> HashMap<String, String> {
    let parent = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let mut children: HashMap<String, usize> = HashMap::new();
    for p in at.keys().filter(|p| !p.is_empty()) {
        *children.entry(parent(p)).or_default() += 1;
    }
    let mut dirs: Vec<&String> = at
        .iter()
        .filter(|(_, i)| matches!(tree.locate(**i), Some(synthfs_model::tree::Location::Dir(_))))
        .map(|(p, _)| p)
        .filter(|p| children.contains_key(p.as_str()))
        .collect();
    dirs.sort();
    let script: String = std::iter::once("showacls\n".to_string())
        .chain(dirs.iter().map(|d| match d.is_empty() {
            true => "ls *\n".to_string(),
            false => format!("ls \"{}\\*\"\n", d.replace('/', "\\")),
        }))
        .collect();
    let commands = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(commands.path(), script).expect("write the commands");
    let o = std::process::Command::new("smbclient")
        .args(["//127.0.0.1/share", "-U", &format!("{USER}%{PASSWORD}")])
        .stdin(std::fs::File::open(commands.path()).expect("the commands"))
        .output()
        .expect("smbclient runs");
    let text = String::from_utf8_lossy(&o.stdout);
    let records: Vec<&str> =
        text.split("FILENAME:").skip(1).filter(|r| !matches!(r.lines().next(), Some(".") | Some(".."))).collect();
    let total: usize = children.values().sum();
    assert_eq!(records.len(), total, "one showacls record per node: {}", &text[..text.len().min(2000)]);
    let mut out = HashMap::new();
    let mut next = records.into_iter();
    for d in dirs {
        for record in next.by_ref().take(children[d.as_str()]) {
            let name = record.lines().next().unwrap_or_default();
            let path = if d.is_empty() { name.to_string() } else { format!("{d}/{name}") };
            out.insert(path, showacls_sddl(record));
        }
    }
    out
}

/// One `showacls` record in SDDL: `type: 0x8404: ...` (the control), each ACE's `type:
/// ACCESS ALLOWED (0) flags: 0x13 ...`, `Permissions: 0x1f01ff: ...` and `SID: ...`, then
/// `Owner SID:` and `Group SID:`.
fn showacls_sddl(record: &str) -> String {
    let hex = |s: &str| u32::from_str_radix(s.trim().trim_start_matches("0x").trim_end_matches(':'), 16).ok();
    let sid = |s: &str| Sid::parse(s.trim()).unwrap_or_else(|_| panic!("a SID: {s:?} in {record}"));
    let (mut control, mut owner, mut group, mut aces) = (0u32, None, None, Vec::new());
    let mut ace: Option<(bool, u8, u32)> = None;
    for line in record.lines().map(str::trim) {
        let word = |prefix: &str| line.strip_prefix(prefix).and_then(|r| r.split_whitespace().next());
        if let Some(t) = line.strip_prefix("type: 0x") {
            control = hex(t.split(':').next().unwrap_or_default()).expect("a control");
        } else if let Some(rest) = line.strip_prefix("type: ") {
            let allow = rest.starts_with("ACCESS ALLOWED");
            let flags = rest.split("flags: ").nth(1).and_then(|f| hex(f.split_whitespace().next()?)).expect("flags");
            ace = Some((allow, flags as u8, 0));
        } else if let Some(mask) = word("Permissions: ") {
            ace = ace.map(|(a, f, _)| (a, f, hex(mask).expect("a mask")));
        } else if let Some(s) = line.strip_prefix("SID: ") {
            let (allow, flags, mask) = ace.take().expect("an ACE before its SID");
            aces.push(Ace { allow, flags, mask, sid: sid(s) });
        } else if let Some(s) = line.strip_prefix("Owner SID:") {
            owner = Some(sid(s));
        } else if let Some(s) = line.strip_prefix("Group SID:") {
            group = Some(sid(s));
        }
    }
    SecurityDescriptor {
        owner,
        group,
        dacl_protected: control & 0x1000 != 0,
        dacl_auto_inherited: control & 0x0400 != 0,
        dacl: Some(aces),
    }
    .to_sddl()
}
