//! Renders [`Stats`] as a readable table or as one JSON object.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use std::collections::HashMap;

use super::{Extreme, FilesAndBytes, PER_DIR_CAP, SIZE_BUCKETS, Stats};
use synthfs_model::date::format_datetime;
use synthfs_model::{FileType, Tree};

/// What a report describes: the model's tree, or a real directory that was walked.
pub enum Subject<'a> {
    Model(&'a Tree),
    Dir {
        root: &'a str,
        /// The date ages are measured from (`YYYY-MM-DD`).
        as_of: &'a str,
        /// Account names of uids, as the host resolves them.
        names: &'a HashMap<u32, String>,
    },
}

impl Subject<'_> {
    /// A file singled out, by path.
    fn path(&self, e: &Extreme) -> String {
        match self {
            Subject::Model(tree) => tree.path(e.index).unwrap_or_default(),
            Subject::Dir { .. } => e.path.as_deref().unwrap_or_default().to_string(),
        }
    }

    /// An owner key's (account, display name).
    fn owner(&self, key: u32) -> (String, String) {
        match self {
            Subject::Model(tree) => {
                let accounts = tree.model.accounts();
                match accounts.account(key) {
                    Some(a) => (a.name.clone(), a.display.clone()),
                    None => (accounts.sid(key), "(account deleted)".to_string()),
                }
            }
            Subject::Dir { names, .. } => match names.get(&key) {
                Some(n) => (n.clone(), format!("uid {key}")),
                None => (key.to_string(), "(no account)".to_string()),
            },
        }
    }
}
use synthfs_model::units::{Bytes, Count};

/// Owners listed by name in reports; the rest are summed as `(others)`.
const TOP_OWNERS: usize = 20;
/// Extensions listed in the JSON; the rest are summed as `(others)`.
const TOP_EXTENSIONS: usize = 30;

fn size_label(bucket: usize) -> String {
    match bucket {
        0 => "0 B".into(),
        b if b == SIZE_BUCKETS - 1 => format!(">= {}", Bytes(1 << (b - 1))),
        b => format!("< {}", Bytes(1u64 << b)),
    }
}

/// Types by files, most first.
fn types(stats: &Stats) -> Vec<(&'static str, FilesAndBytes)> {
    let mut v: Vec<(FileType, FilesAndBytes)> =
        FileType::ALL.iter().map(|t| (*t, stats.by_type[t.ordinal()])).filter(|(_, x)| x.files > 0).collect();
    v.sort_by(|a, b| b.1.files.cmp(&a.1.files).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(t, x)| (t.label(), x)).collect()
}

/// Extensions by files, most first (ties by name).
pub fn extensions(stats: &Stats) -> Vec<(&str, FilesAndBytes)> {
    let mut v: Vec<(&str, FilesAndBytes)> = stats.by_ext.iter().map(|(k, t)| (&**k, *t)).collect();
    v.sort_by(|a, b| b.1.files.cmp(&a.1.files).then(a.0.cmp(b.0)));
    v
}

/// A per-directory histogram in power-of-two ranges: (from, to, directories).
fn per_dir_ranges(counts: &[u64]) -> Vec<(usize, usize, u64)> {
    let mut out = Vec::new();
    let (mut from, mut to) = (0usize, 0usize);
    while from < counts.len() {
        let n: u64 = counts[from..=to.min(counts.len() - 1)].iter().sum();
        if n > 0 {
            out.push((from, if to >= PER_DIR_CAP { usize::MAX } else { to }, n));
        }
        from = to + 1;
        to = (from * 2).saturating_sub(1).max(from);
    }
    out
}

fn per_dir_json(counts: &[u64], mean: Option<f64>) -> Value {
    let histogram: Vec<Value> = per_dir_ranges(counts)
        .into_iter()
        .map(|(from, to, dirs)| {
            let to = if to == usize::MAX { Value::Null } else { json!(to) };
            json!({ "from": from, "to": to, "dirs": dirs })
        })
        .collect();
    let total: u64 = counts.iter().sum();
    let sum: u64 = counts.iter().enumerate().map(|(k, n)| k as u64 * n).sum();
    let mean = mean.unwrap_or(if total == 0 { 0.0 } else { sum as f64 / total as f64 });
    json!({ "mean": round3(mean), "histogram": histogram })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Owners by bytes, largest first: `(account, display name, tally)`. Keys named alike
/// (model slots filled by one account) are added up; people who left are named by their SID.
fn owners(subject: &Subject, stats: &Stats) -> Vec<(String, String, FilesAndBytes)> {
    let mut by_name: std::collections::BTreeMap<String, (String, FilesAndBytes)> = std::collections::BTreeMap::new();
    for (key, t) in stats.by_owner.iter().filter(|(_, t)| t.files > 0) {
        let (name, display) = subject.owner(*key);
        let e = by_name.entry(name).or_insert_with(|| (display, FilesAndBytes::default()));
        e.1.files += t.files;
        e.1.bytes += t.bytes;
    }
    let mut v: Vec<(String, String, FilesAndBytes)> = by_name.into_iter().map(|(n, (d, t))| (n, d, t)).collect();
    v.sort_by(|a, b| b.2.bytes.cmp(&a.2.bytes).then_with(|| a.0.cmp(&b.0)));
    v
}

fn extreme_json(subject: &Subject, e: &Option<Extreme>, time: bool) -> Value {
    match e {
        None => Value::Null,
        Some(e) => {
            let path = subject.path(e);
            let index = match subject {
                Subject::Model(_) => json!(e.index),
                Subject::Dir { .. } => Value::Null,
            };
            if time {
                json!({ "path": path, "index": index, "modified": e.value, "modified_utc": format_datetime(e.value) })
            } else {
                json!({ "path": path, "index": index, "bytes": e.value })
            }
        }
    }
}

/// Where the owners came from and how many there are.
fn identities_json(subject: &Subject) -> Value {
    match subject {
        Subject::Model(tree) => {
            let a = tree.model.accounts();
            json!({
                "source": a.source,
                "domain": a.domain,
                "accounts": a.users.len(),
                "groups": a.groups.len(),
                "departed": a.departed_count(),
            })
        }
        Subject::Dir { names, .. } => {
            json!({ "source": "host", "domain": Value::Null, "accounts": names.len(), "groups": Value::Null, "departed": Value::Null })
        }
    }
}

/// The slots of a per-slot count (by depth, by size bucket) that hold files, as JSON.
fn slots_json(slots: &[FilesAndBytes], slot: impl Fn(usize, FilesAndBytes) -> Value) -> Vec<Value> {
    slots.iter().enumerate().filter(|(_, x)| x.files > 0).map(|(i, x)| slot(i, *x)).collect()
}

fn files_and_bytes_json(t: FilesAndBytes) -> Value {
    json!({ "files": t.files, "bytes": t.bytes })
}

/// The JSON report: one object, keys stable, integers exact.
pub fn to_json(subject: &Subject, stats: &Stats, digest: Option<&str>) -> Value {
    let mut by_type = Map::new();
    for (t, x) in types(stats) {
        by_type.insert(t.to_string(), files_and_bytes_json(x));
    }
    let mut by_ext = Map::new();
    let exts = extensions(stats);
    for (e, x) in exts.iter().take(TOP_EXTENSIONS) {
        by_ext.insert(e.to_string(), files_and_bytes_json(*x));
    }
    let rest = exts.iter().skip(TOP_EXTENSIONS).fold(FilesAndBytes::default(), |mut a, (_, x)| {
        a.files += x.files;
        a.bytes += x.bytes;
        a
    });
    if rest.files > 0 {
        by_ext.insert("(others)".into(), files_and_bytes_json(rest));
    }
    let all_owners = owners(subject, stats);
    let mut by_owner = Map::new();
    for (name, _, x) in all_owners.iter().take(TOP_OWNERS) {
        by_owner.insert(name.clone(), files_and_bytes_json(*x));
    }
    let rest = all_owners.iter().skip(TOP_OWNERS).fold(FilesAndBytes::default(), |mut a, (_, _, x)| {
        a.files += x.files;
        a.bytes += x.bytes;
        a
    });
    if rest.files > 0 {
        by_owner.insert("(others)".into(), files_and_bytes_json(rest));
    }
    let log2_means = super::mean_log2_by_depth(stats, 1);
    let by_depth = slots_json(&stats.by_depth, |d, x| {
        let mean = log2_means.get(d).copied().flatten().map(|m| (m * 1000.0).round() / 1000.0);
        json!({ "depth": d, "files": x.files, "bytes": x.bytes, "mean_log2_size": mean })
    });
    let by_age: Vec<Value> = stats
        .by_age_years
        .iter()
        .enumerate()
        .map(|(y, x)| json!({ "years": y, "files": x.files, "bytes": x.bytes }))
        .collect();
    let by_size = slots_json(&stats.by_size, |b, x| {
        let lo = if b == 0 { 0 } else { 1u64 << (b - 1) };
        json!({ "from": lo, "label": size_label(b), "files": x.files, "bytes": x.bytes })
    });
    let (profile, seed, as_of, root) = match subject {
        Subject::Model(tree) => {
            let p = &tree.model.profile;
            (json!(p.name), json!(p.seed), json!(p.as_of), Value::Null)
        }
        Subject::Dir { root, as_of, .. } => (Value::Null, Value::Null, json!(as_of), json!(root)),
    };
    let duplicates = if stats.duplicates_known { files_and_bytes_json(stats.duplicates) } else { Value::Null };
    let mut v = json!({
        "profile": profile,
        "seed": seed,
        "as_of": as_of,
        "root": root,
        "files": stats.files,
        "dirs": stats.dirs,
        "bytes": stats.bytes,
        "allocated_bytes": stats.allocated,
        "empty_dirs": stats.empty_dirs,
        "max_depth": stats.max_depth,
        "owners": all_owners.len(),
        "identities": identities_json(subject),
        "mean_depth": round3(stats.mean_depth()),
        "files_per_dir": per_dir_json(&stats.files_per_dir, Some(stats.mean_files_per_dir())),
        "subdirs_per_dir": per_dir_json(&stats.subdirs_per_dir, None),
        "duplicates": duplicates,
        "attributes": {
            "readonly": stats.attributes.readonly,
            "hidden": stats.attributes.hidden,
            "zone_identifier": stats.attributes.zone,
            "group_owner": stats.attributes.group_owner,
        },
        "hostile": stats.hostile.iter().map(|(k, n)| (k.key().to_string(), json!(n))).collect::<serde_json::Map<String, Value>>(),
        "temp_files": files_and_bytes_json(stats.temp),
        "folder_junk": files_and_bytes_json(stats.junk),
        "sparse": { "files": stats.sparse.files, "bytes": stats.sparse.bytes, "allocated_bytes": stats.sparse_allocated },
        "largest": extreme_json(subject, &stats.largest, false),
        "oldest": extreme_json(subject, &stats.oldest, true),
        "newest": extreme_json(subject, &stats.newest, true),
        "by_type": by_type,
        "by_ext": by_ext,
        "by_owner": by_owner,
        "by_depth": by_depth,
        "by_age_years": by_age,
        "by_size": by_size,
    });
    if let Some(d) = digest {
        v["digest"] = json!(d);
    }
    v
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}

fn bar(part: u64, whole: u64, width: usize) -> String {
    let n = if whole == 0 { 0 } else { ((part as f64 / whole as f64) * width as f64).round() as usize };
    "#".repeat(n.min(width))
}

/// The readable report.
pub fn to_text(subject: &Subject, stats: &Stats, digest: Option<&str>) -> String {
    let mut o = String::new();
    match subject {
        Subject::Model(tree) => {
            let p = &tree.model.profile;
            let _ = writeln!(o, "profile {} · seed {} · as of {}", p.name, p.seed, p.as_of);
            let a = tree.model.accounts();
            let _ = writeln!(
                o,
                "owners from {} · domain {} · {} accounts, {} groups, {} who left",
                a.source,
                a.domain,
                a.users.len(),
                a.groups.len(),
                a.departed_count()
            );
        }
        Subject::Dir { root, as_of, .. } => {
            let _ = writeln!(o, "directory {root} · ages as of {as_of}");
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "  files       {:>16}", Count(stats.files));
    let _ = writeln!(
        o,
        "  folders     {:>16}   ({} empty, deepest {})",
        Count(stats.dirs),
        Count(stats.empty_dirs),
        stats.max_depth
    );
    let _ = writeln!(o, "  apparent    {:>16}   ({} bytes)", Bytes(stats.bytes).to_string(), Count(stats.bytes));
    let _ =
        writeln!(o, "  on disk     {:>16}   ({} bytes)", Bytes(stats.allocated).to_string(), Count(stats.allocated));
    if stats.duplicates_known {
        let _ = writeln!(
            o,
            "  duplicates  {:>16}   ({}): copies of other documents (a content scan also finds identical folder junk)",
            Count(stats.duplicates.files),
            Bytes(stats.duplicates.bytes)
        );
    }
    let _ = writeln!(o, "  temp files  {:>16}   folder junk {}", Count(stats.temp.files), Count(stats.junk.files));
    let at = &stats.attributes;
    let share = |n: u64| pct(n, stats.files);
    let group = at.group_owner.map_or_else(String::new, |g| format!(", group-owned {} ({:.1}%)", Count(g), share(g)));
    let _ = writeln!(
        o,
        "  read-only   {:>16}   ({:.1}%); hidden {} ({:.1}%), Zone.Identifier {} ({:.1}%){group}",
        Count(at.readonly),
        share(at.readonly),
        Count(at.hidden),
        share(at.hidden),
        Count(at.zone),
        share(at.zone)
    );
    if !stats.hostile.is_empty() {
        let kinds: Vec<String> = stats.hostile.iter().map(|(k, n)| format!("{} {}", k.key(), Count(*n))).collect();
        let _ = writeln!(o, "  hostile     {:>16}   {}", Count(stats.hostile.len() as u64), kinds.join(", "));
    }
    let _ = writeln!(
        o,
        "  sparse      {:>16}   ({} apparent, {} on disk)",
        Count(stats.sparse.files),
        Bytes(stats.sparse.bytes),
        Bytes(stats.sparse_allocated)
    );
    if let Some(d) = digest {
        let _ = writeln!(o, "  digest      {d}");
    }
    let _ = writeln!(
        o,
        "  per folder  {:>16}   files on average; mean file depth {:.2}",
        format!("{:.2}", stats.mean_files_per_dir()),
        stats.mean_depth()
    );
    let _ = writeln!(o, "\nby type            files        share        bytes");
    for (t, x) in types(stats) {
        let _ = writeln!(
            o,
            "  {:<12} {:>11}   {:>6.1}%   {:>10}   {}",
            t,
            Count(x.files),
            pct(x.files, stats.files),
            Bytes(x.bytes).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let _ = writeln!(o, "\ntop extensions     files        share        bytes");
    for (e, x) in extensions(stats).into_iter().take(12) {
        let label = if e.is_empty() { "(none)" } else { e };
        let _ = writeln!(
            o,
            "  {:<12} {:>11}   {:>6.1}%   {:>10}   {}",
            label,
            Count(x.files),
            pct(x.files, stats.files),
            Bytes(x.bytes).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let all = owners(subject, stats);
    let _ = writeln!(o, "\ntop owners         files        bytes   (of {} owners)", all.len());
    for (name, display, x) in all.iter().take(10) {
        let _ = writeln!(o, "  {:<14} {:>9}   {:>10}   {}", name, Count(x.files), Bytes(x.bytes).to_string(), display);
    }
    let _ = writeln!(o, "\nby depth           files        bytes     typical");
    let log2_means = super::mean_log2_by_depth(stats, 1);
    for (d, x) in stats.by_depth.iter().enumerate().filter(|(_, x)| x.files > 0) {
        // The geometric mean of the non-empty files' sizes.
        let typical = log2_means.get(d).copied().flatten().map_or(0, |m| libm::exp2(m).round() as u64);
        let _ = writeln!(
            o,
            "  {:<8} {:>13}   {:>10}  {:>10}   {}",
            d,
            Count(x.files),
            Bytes(x.bytes).to_string(),
            Bytes(typical).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let _ = writeln!(o, "\nby age (modified)  files        bytes");
    for (y, x) in stats.by_age_years.iter().enumerate() {
        let _ = writeln!(
            o,
            "  {:<8} {:>13}   {:>10}   {}",
            format!("{y}-{}y", y + 1),
            Count(x.files),
            Bytes(x.bytes).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let _ = writeln!(o, "\nby size            files        bytes");
    for (b, x) in stats.by_size.iter().enumerate().filter(|(_, x)| x.files > 0) {
        let _ = writeln!(
            o,
            "  {:<12} {:>9}   {:>10}   {}",
            size_label(b),
            Count(x.files),
            Bytes(x.bytes).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let line = |label: &str, e: &Option<Extreme>, time: bool| -> String {
        match e {
            None => String::new(),
            Some(e) => {
                let v = if time { format_datetime(e.value) } else { Bytes(e.value as u64).to_string() };
                format!("  {label:<9}{v:>20}   {}\n", subject.path(e))
            }
        }
    };
    o.push('\n');
    o.push_str(&line("largest", &stats.largest, false));
    o.push_str(&line("oldest", &stats.oldest, true));
    o.push_str(&line("newest", &stats.newest, true));
    o
}
