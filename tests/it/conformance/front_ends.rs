//! Each front end as the suite sees it: what it keeps of a node ([`Keeps`]), and the one
//! comparison of what it gave against the model's records ([`differences`]).
//!
//! Where a front end legitimately keeps less (a format without the field, a coarser clock),
//! its description says so with the reason; the comparison itself is the same for all.

use std::collections::BTreeMap;

use super::record::{Kind, Record, Time};

/// How finely a front end keeps a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Res {
    Nanos,
    /// Whole seconds: the model's time with its nanoseconds dropped.
    Seconds,
    /// Not at all (the field is whatever the reader's system put there).
    Lost,
}

/// Which `user.*` extended attributes a front end keeps.
#[derive(Clone, Copy, Debug)]
pub enum Xattrs {
    All,
    /// Only these names (and only where the model has them).
    Only(&'static [&'static str]),
    None,
}

/// What a front end keeps of each node.
#[derive(Clone, Copy, Debug)]
pub struct Keeps {
    pub name: &'static str,
    /// Folders as entries of their own (the manifests list files only).
    pub folders: bool,
    pub size: bool,
    pub mtime: Res,
    pub atime: Res,
    /// The times (seconds since the epoch) the front end can hold; times outside are not
    /// compared.
    pub times_within: (i64, i64),
    pub owners: bool,
    pub mode: bool,
    pub xattrs: Xattrs,
    pub digest: bool,
}

/// The Windows-side attributes `synthfs manifest` has a column for.
pub const MANIFEST_XATTRS: &[&str] = &[
    "user.synthfs.owner",
    "user.synthfs.department",
    "user.synthfs.sid",
    "user.synthfs.created",
    synthfs_model::tree::ATTRIBUTES_XATTR,
    synthfs_model::tree::ZONE_XATTR,
];

/// The mount shows the model itself: every field, times to the nanosecond. (No front end has a
/// creation time of its own on Linux, where FUSE has no `btime` and a copy's is the time it
/// was written: `user.synthfs.created` carries it, among the xattrs.)
pub const MOUNT: Keeps = Keeps {
    name: "the mount",
    folders: true,
    size: true,
    mtime: Res::Nanos,
    atime: Res::Nanos,
    times_within: (i64::MIN, i64::MAX),
    owners: true,
    mode: true,
    xattrs: Xattrs::All,
    digest: true,
};

/// A materialized copy on a local disk keeps what the mount shows; owners only where it may
/// chown (as root).
pub fn materialized(root: bool) -> Keeps {
    Keeps { name: "a materialized copy", owners: root, ..MOUNT }
}

/// A ZIP extracted by Info-ZIP `unzip -X`: times from the extended-timestamp field (0x5455, whole
/// seconds; the DOS time beside it has two-second steps), owners from the Unix field (0x7875,
/// restored with -X where the extractor may chown), modes from the external attributes. The
/// format has no place for extended attributes (the DOS hidden and read-only bits stay in the
/// external attributes, which `unzip` does not turn into xattrs).
///
/// The extended timestamp holds 32-bit seconds, so only 1970-01-01 to 2038-01-19 round-trip:
/// synthfs clamps a later time to 2038-01-19 03:14:07, and of an earlier one it writes the
/// negative value the field's signed definition allows, which `unzip` 6.0 ignores (it takes
/// the DOS date instead, 1980-01-01 at the earliest) and libarchive reads as unsigned (2105).
pub fn zip(root: bool) -> Keeps {
    Keeps {
        name: "an extracted ZIP",
        mtime: Res::Seconds,
        atime: Res::Seconds,
        times_within: (0, i64::from(i32::MAX)),
        owners: root,
        xattrs: Xattrs::None,
        ..MOUNT
    }
}

/// A tar extracted by GNU tar or bsdtar (`--same-owner --numeric-owner --xattrs`): the GNU
/// headers synthfs writes carry whole-second modification times, owner ids and names, and modes;
/// no access times (the extracted files have the time of the extraction) and no PAX records, so
/// no extended attributes.
pub fn tar(name: &'static str, root: bool) -> Keeps {
    Keeps { name, mtime: Res::Seconds, atime: Res::Lost, owners: root, xattrs: Xattrs::None, ..MOUNT }
}

/// `synthfs manifest`: one record a file (no folders), times to the nanosecond, owners, modes,
/// and a column for each Windows-side attribute; no content digest.
pub const MANIFEST: Keeps =
    Keeps { name: "the manifest", folders: false, xattrs: Xattrs::Only(MANIFEST_XATTRS), digest: false, ..MOUNT };

/// An archive's checksum manifest (`OUT.manifest.csv`): path, size and SHA-256 of every file.
pub const CHECKSUMS: Keeps = Keeps {
    name: "the archive's checksum manifest",
    folders: false,
    size: true,
    mtime: Res::Lost,
    atime: Res::Lost,
    times_within: (i64::MIN, i64::MAX),
    owners: false,
    mode: false,
    xattrs: Xattrs::None,
    digest: true,
};

/// Where `found` (one front end's records) differs from `expected` (the model's) in what
/// `keeps` says that front end keeps: a line each, in path order.
pub fn differences(
    expected: &BTreeMap<String, Record>,
    found: &BTreeMap<String, Record>,
    keeps: &Keeps,
) -> Vec<String> {
    let listed = |r: &Record| keeps.folders || r.kind == Kind::File;
    let mut out = Vec::new();
    for (path, want) in expected.iter().filter(|(_, r)| listed(r)) {
        let Some(got) = found.get(path) else {
            out.push(format!("{path}: missing"));
            continue;
        };
        let mut field = |name: &str, want: String, got: String| {
            if want != got {
                out.push(format!("{path}: {name} {want} in the model, {got} found"));
            }
        };
        field("kind", format!("{:?}", want.kind), format!("{:?}", got.kind));
        if keeps.size && want.kind == Kind::File {
            field("size", want.size.to_string(), got.size.to_string());
        }
        for (name, res, w, g) in
            [("mtime", keeps.mtime, want.mtime, got.mtime), ("atime", keeps.atime, want.atime, got.atime)]
        {
            let held = (keeps.times_within.0..=keeps.times_within.1).contains(&w.0);
            if let Some(w) = at_resolution(w, res).filter(|_| held) {
                field(name, show(w), show(g));
            }
        }
        if keeps.owners {
            field("owner", format!("{}:{}", want.uid, want.gid), format!("{}:{}", got.uid, got.gid));
        }
        if keeps.mode {
            field("mode", format!("{:04o}", want.mode), format!("{:04o}", got.mode));
        }
        let kept = |name: &str| match keeps.xattrs {
            Xattrs::All => true,
            Xattrs::Only(names) => names.contains(&name),
            Xattrs::None => false,
        };
        let names: std::collections::BTreeSet<&String> = want.xattrs.keys().chain(got.xattrs.keys()).collect();
        for name in names.into_iter().filter(|n| kept(n)) {
            field(name, show_xattr(want.xattrs.get(name)), show_xattr(got.xattrs.get(name)));
        }
        if keeps.digest && want.kind == Kind::File {
            field("sha256", format!("{:?}", want.sha256), format!("{:?}", got.sha256));
        }
    }
    for path in found.keys().filter(|p| !expected.contains_key(*p)) {
        out.push(format!("{path}: not in the model"));
    }
    out
}

/// The model's time as a front end of resolution `res` keeps it (`None`: not kept).
fn at_resolution((secs, nanos): Time, res: Res) -> Option<Time> {
    match res {
        Res::Nanos => Some((secs, nanos)),
        Res::Seconds => Some((secs, 0)),
        Res::Lost => None,
    }
}

fn show((secs, nanos): Time) -> String {
    format!("{secs}.{nanos:09}")
}

fn show_xattr(value: Option<&Vec<u8>>) -> String {
    value.map_or("(none)".into(), |v| format!("{:?}", String::from_utf8_lossy(v)))
}
