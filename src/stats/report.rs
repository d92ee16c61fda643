//! Renders [`Stats`] as a readable table or as one JSON object.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::{Extreme, SIZE_BUCKETS, Stats, Tally};
use crate::model::date::format_datetime;
use crate::model::{FileType, Tree};
use crate::units::{Bytes, Count};

/// Owners listed by name in reports; the rest are summed as `(others)`.
const TOP_OWNERS: usize = 20;

fn size_label(bucket: usize) -> String {
    match bucket {
        0 => "0 B".into(),
        b if b == SIZE_BUCKETS - 1 => format!(">= {}", Bytes(1 << (b - 1))),
        b => format!("< {}", Bytes(1u64 << b)),
    }
}

fn types(stats: &Stats) -> Vec<(FileType, Tally)> {
    let mut v: Vec<(FileType, Tally)> =
        FileType::ALL.iter().map(|t| (*t, stats.by_type[t.ordinal()])).filter(|(_, x)| x.files > 0).collect();
    v.sort_by(|a, b| b.1.files.cmp(&a.1.files).then(a.0.cmp(&b.0)));
    v
}

/// Owners by bytes, largest first: `(account, display name, tally)`. Slots filled by one
/// account are added up; people who left are named by their SID.
fn owners(tree: &Tree, stats: &Stats) -> Vec<(String, String, Tally)> {
    let accounts = &tree.model.accounts;
    let mut by_name: std::collections::BTreeMap<String, (String, Tally)> = std::collections::BTreeMap::new();
    for (slot, t) in stats.by_owner.iter().enumerate().filter(|(_, t)| t.files > 0) {
        let slot = slot as u32;
        let (name, display) = match accounts.account(slot) {
            Some(a) => (a.name.clone(), a.display.clone()),
            None => (accounts.sid(slot), "(account deleted)".to_string()),
        };
        let e = by_name.entry(name).or_insert_with(|| (display, Tally::default()));
        e.1.files += t.files;
        e.1.bytes += t.bytes;
    }
    let mut v: Vec<(String, String, Tally)> = by_name.into_iter().map(|(n, (d, t))| (n, d, t)).collect();
    v.sort_by(|a, b| b.2.bytes.cmp(&a.2.bytes).then_with(|| a.0.cmp(&b.0)));
    v
}

fn extreme_json(tree: &Tree, e: Option<Extreme>, time: bool) -> Value {
    match e {
        None => Value::Null,
        Some(e) => {
            let path = tree.path(e.index).unwrap_or_default();
            if time {
                json!({ "path": path, "index": e.index, "modified": e.value, "modified_utc": format_datetime(e.value) })
            } else {
                json!({ "path": path, "index": e.index, "bytes": e.value })
            }
        }
    }
}

/// Where the owners came from and how many there are.
fn identities_json(tree: &Tree) -> Value {
    let a = &tree.model.accounts;
    json!({
        "source": a.source,
        "domain": a.domain,
        "accounts": a.users.len(),
        "groups": a.groups.len(),
        "departed": a.departed_count(),
    })
}

fn tally_json(t: Tally) -> Value {
    json!({ "files": t.files, "bytes": t.bytes })
}

/// The JSON report: one object, keys stable, integers exact.
pub fn to_json(tree: &Tree, stats: &Stats, digest: Option<&str>) -> Value {
    let p = &tree.model.profile;
    let mut by_type = Map::new();
    for (t, x) in types(stats) {
        by_type.insert(t.label().to_string(), tally_json(x));
    }
    let all_owners = owners(tree, stats);
    let mut by_owner = Map::new();
    for (name, _, x) in all_owners.iter().take(TOP_OWNERS) {
        by_owner.insert(name.clone(), tally_json(*x));
    }
    let rest = all_owners.iter().skip(TOP_OWNERS).fold(Tally::default(), |mut a, (_, _, x)| {
        a.files += x.files;
        a.bytes += x.bytes;
        a
    });
    if rest.files > 0 {
        by_owner.insert("(others)".into(), tally_json(rest));
    }
    let by_depth: Vec<Value> = stats
        .by_depth
        .iter()
        .enumerate()
        .filter(|(_, x)| x.files > 0)
        .map(|(d, x)| json!({ "depth": d, "files": x.files, "bytes": x.bytes }))
        .collect();
    let by_age: Vec<Value> = stats
        .by_age_years
        .iter()
        .enumerate()
        .map(|(y, x)| json!({ "years": y, "files": x.files, "bytes": x.bytes }))
        .collect();
    let by_size: Vec<Value> = stats
        .by_size
        .iter()
        .enumerate()
        .filter(|(_, x)| x.files > 0)
        .map(|(b, x)| {
            let lo = if b == 0 { 0 } else { 1u64 << (b - 1) };
            json!({ "from": lo, "label": size_label(b), "files": x.files, "bytes": x.bytes })
        })
        .collect();
    let mut v = json!({
        "profile": p.name,
        "seed": p.seed,
        "as_of": p.as_of,
        "files": stats.files,
        "dirs": stats.dirs,
        "bytes": stats.bytes,
        "allocated_bytes": stats.allocated,
        "empty_dirs": stats.empty_dirs,
        "max_depth": stats.max_depth,
        "owners": all_owners.len(),
        "identities": identities_json(tree),
        "duplicates": tally_json(stats.duplicates),
        "temp_files": tally_json(stats.temp),
        "folder_junk": tally_json(stats.junk),
        "sparse": { "files": stats.sparse.files, "bytes": stats.sparse.bytes, "allocated_bytes": stats.sparse_allocated },
        "largest": extreme_json(tree, stats.largest, false),
        "oldest": extreme_json(tree, stats.oldest, true),
        "newest": extreme_json(tree, stats.newest, true),
        "by_type": by_type,
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
pub fn to_text(tree: &Tree, stats: &Stats, digest: Option<&str>) -> String {
    let p = &tree.model.profile;
    let mut o = String::new();
    let _ = writeln!(o, "profile {} · seed {} · as of {}", p.name, p.seed, p.as_of);
    let a = &tree.model.accounts;
    let _ = writeln!(
        o,
        "owners from {} · domain {} · {} accounts, {} groups, {} who left",
        a.source,
        a.domain,
        a.users.len(),
        a.groups.len(),
        a.departed_count()
    );
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
    let _ = writeln!(o, "  duplicates  {:>16}   ({})", Count(stats.duplicates.files), Bytes(stats.duplicates.bytes));
    let _ = writeln!(o, "  temp files  {:>16}   folder junk {}", Count(stats.temp.files), Count(stats.junk.files));
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
    let _ = writeln!(o, "\nby type            files        share        bytes");
    for (t, x) in types(stats) {
        let _ = writeln!(
            o,
            "  {:<12} {:>11}   {:>6.1}%   {:>10}   {}",
            t.label(),
            Count(x.files),
            pct(x.files, stats.files),
            Bytes(x.bytes).to_string(),
            bar(x.files, stats.files, 30)
        );
    }
    let all = owners(tree, stats);
    let _ = writeln!(o, "\ntop owners         files        bytes   (of {} owners)", all.len());
    for (name, display, x) in all.iter().take(10) {
        let _ = writeln!(o, "  {:<14} {:>9}   {:>10}   {}", name, Count(x.files), Bytes(x.bytes).to_string(), display);
    }
    let _ = writeln!(o, "\nby depth           files        bytes");
    for (d, x) in stats.by_depth.iter().enumerate().filter(|(_, x)| x.files > 0) {
        let _ = writeln!(
            o,
            "  {:<8} {:>13}   {:>10}   {}",
            d,
            Count(x.files),
            Bytes(x.bytes).to_string(),
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
    let line = |label: &str, e: Option<Extreme>, time: bool| -> String {
        match e {
            None => String::new(),
            Some(e) => {
                let v = if time { format_datetime(e.value) } else { Bytes(e.value as u64).to_string() };
                format!("  {label:<9}{v:>20}   {}\n", tree.path(e.index).unwrap_or_default())
            }
        }
    };
    o.push('\n');
    o.push_str(&line("largest", stats.largest, false));
    o.push_str(&line("oldest", stats.oldest, true));
    o.push_str(&line("newest", stats.newest, true));
    o
}
