//! GNU tar records: 512-byte headers, `././@LongLink` names and link targets past 100 bytes
//! (types `L` and `K`), symbolic (`2`) and hard (`1`) link entries, old-GNU sparse
//! entries (a sparse map in the header and extension blocks, only the data runs stored), base-256
//! numbers where octal does not fit, and the end-of-archive blocks padded to a 10 KiB record.

use super::EntryMeta;

pub const BLOCK: u64 = 512;
/// GNU tar's default record: 20 blocks.
pub const RECORD: u64 = 20 * BLOCK;
/// Sparse map entries in the header itself, and in each extension block.
const MAP_IN_HEADER: usize = 4;
const MAP_PER_EXTENSION: usize = 21;

/// Headers of one entry: a long-name entry when needed, the header, sparse extension blocks.
/// `runs` is the sparse map (offset, length) of a sparse file, `None` for a regular one.
pub fn headers(path: &str, meta: &EntryMeta, size: u64, runs: Option<&[(u64, u64)]>, out: &mut Vec<u8>) {
    entry(path, meta, size, runs, None, out);
}

/// The kind of a link entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// A symbolic link: the target as it reads.
    Symbolic,
    /// Another name of a file stored earlier: the target is that entry's path.
    Hard,
}

/// Headers of a link entry (no data follows).
pub fn link_headers(path: &str, meta: &EntryMeta, link: Link, target: &str, out: &mut Vec<u8>) {
    entry(path, meta, 0, None, Some((link, target)), out);
}

/// A GNU long-name (`L`) or long-link (`K`) entry carrying `text`.
fn long_entry(kind: u8, text: &str, out: &mut Vec<u8>) {
    let mut h = [0u8; 512];
    put_str(&mut h[0..100], "././@LongLink");
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    number(&mut h[124..136], text.len() as u64 + 1);
    octal(&mut h[136..148], 0);
    h[156] = kind;
    common(&mut h, "root", "root");
    out.extend_from_slice(&h);
    let start = out.len();
    out.extend_from_slice(text.as_bytes());
    out.push(0);
    pad_to_block(out, start);
}

fn entry(
    path: &str,
    meta: &EntryMeta,
    size: u64,
    runs: Option<&[(u64, u64)]>,
    link: Option<(Link, &str)>,
    out: &mut Vec<u8>,
) {
    let name = if meta.is_dir { format!("{path}/") } else { path.to_string() };
    if let Some((_, target)) = link.filter(|(_, t)| t.len() > 100) {
        long_entry(b'K', target, out);
    }
    if name.len() > 100 {
        long_entry(b'L', &name, out);
    }
    let mut h = [0u8; 512];
    put_bytes(&mut h[0..100], &name.as_bytes()[..name.len().min(100)]);
    octal(&mut h[100..108], u64::from(meta.mode));
    number(&mut h[108..116], u64::from(meta.uid));
    number(&mut h[116..124], u64::from(meta.gid));
    number(&mut h[124..136], runs.map(|r| r.iter().map(|x| x.1).sum()).unwrap_or(size));
    time(&mut h[136..148], meta.modified);
    h[156] = if let Some((kind, target)) = link {
        put_bytes(&mut h[157..257], &target.as_bytes()[..target.len().min(100)]);
        if kind == Link::Symbolic { b'2' } else { b'1' }
    } else if meta.is_dir {
        b'5'
    } else if runs.is_some() {
        b'S'
    } else {
        b'0'
    };
    // Offsets 345.. are the old-GNU atime/ctime but the ustar path prefix: GNU tar leaves them
    // empty outside incremental dumps, and so do we (readers that honour the prefix would
    // otherwise prepend the time to every name).
    let map = runs.map(|r| sparse_map(r, size)).unwrap_or_default();
    if runs.is_some() {
        for (i, (off, len)) in map.iter().take(MAP_IN_HEADER).enumerate() {
            let at = 386 + i * 24;
            number(&mut h[at..at + 12], *off);
            number(&mut h[at + 12..at + 24], *len);
        }
        h[482] = u8::from(map.len() > MAP_IN_HEADER);
        number(&mut h[483..495], size);
    }
    common(&mut h, &meta.user, &meta.group);
    out.extend_from_slice(&h);
    if map.len() > MAP_IN_HEADER {
        let rest = &map[MAP_IN_HEADER..];
        let chunks: Vec<&[(u64, u64)]> = rest.chunks(MAP_PER_EXTENSION).collect();
        for (k, chunk) in chunks.iter().enumerate() {
            let mut e = [0u8; 512];
            for (i, (off, len)) in chunk.iter().enumerate() {
                let at = i * 24;
                number(&mut e[at..at + 12], *off);
                number(&mut e[at + 12..at + 24], *len);
            }
            e[504] = u8::from(k + 1 < chunks.len());
            out.extend_from_slice(&e);
        }
    }
}

/// The sparse map GNU tar writes: the data runs, and a zero-length run at the end when the file
/// ends in a hole (so readers know the real size).
fn sparse_map(runs: &[(u64, u64)], size: u64) -> Vec<(u64, u64)> {
    let mut map: Vec<(u64, u64)> = runs.to_vec();
    if map.last().is_none_or(|(o, l)| o + l < size) {
        map.push((size, 0));
    }
    map
}

/// Bytes of an entry's headers (what `headers` writes), for size planning.
pub fn headers_len(path: &str, is_dir: bool, runs: Option<&[(u64, u64)]>, size: u64) -> u64 {
    let name_len = path.len() + usize::from(is_dir);
    let long = long_len(name_len);
    let ext = runs
        .map(|r| sparse_map(r, size).len())
        .filter(|&n| n > MAP_IN_HEADER)
        .map_or(0, |n| ((n - MAP_IN_HEADER).div_ceil(MAP_PER_EXTENSION)) as u64 * BLOCK);
    long + BLOCK + ext
}

/// Bytes of a link entry's headers (what `link_headers` writes).
pub fn link_headers_len(path: &str, target: &str) -> u64 {
    long_len(path.len()) + long_len(target.len()) + BLOCK
}

/// Bytes of the long-name entry a name or target of `len` bytes needs (none up to 100).
fn long_len(len: usize) -> u64 {
    if len > 100 { BLOCK + (len as u64 + 1).next_multiple_of(BLOCK) } else { 0 }
}

/// Zero bytes after `len` bytes of data, to the next block.
pub fn padding(len: u64) -> usize {
    (len.next_multiple_of(BLOCK) - len) as usize
}

/// The end of the archive: two zero blocks, then zeros to a whole record.
pub fn end_len(written: u64) -> u64 {
    (written + 2 * BLOCK).next_multiple_of(RECORD) - written
}

fn pad_to_block(out: &mut Vec<u8>, start: usize) {
    let len = (out.len() - start) as u64;
    out.resize(out.len() + padding(len), 0);
}

/// Magic, user and group names, and the checksum (computed last).
fn common(h: &mut [u8; 512], user: &str, group: &str) {
    h[257..263].copy_from_slice(b"ustar ");
    h[263..265].copy_from_slice(b" \0");
    put_str(&mut h[265..297], user);
    put_str(&mut h[297..329], group);
    h[148..156].fill(b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    let digits = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(digits.as_bytes());
}

fn put_str(field: &mut [u8], s: &str) {
    put_bytes(field, s.as_bytes());
}

fn put_bytes(field: &mut [u8], b: &[u8]) {
    let n = b.len().min(field.len());
    field[..n].copy_from_slice(&b[..n]);
}

/// Zero-padded octal with a NUL terminator.
fn octal(field: &mut [u8], v: u64) {
    let width = field.len() - 1;
    let s = format!("{v:0width$o}");
    field[..width].copy_from_slice(&s.as_bytes()[s.len() - width..]);
    field[width] = 0;
}

/// Octal when it fits, else GNU base-256: the first byte 0x80, the value big-endian in the rest.
fn number(field: &mut [u8], v: u64) {
    let width = field.len() - 1;
    if v < 1u64 << (3 * width as u32) {
        octal(field, v);
    } else {
        field.fill(0);
        let bytes = v.to_be_bytes();
        let n = field.len();
        let k = (n - 1).min(8);
        field[n - k..].copy_from_slice(&bytes[8 - k..]);
        field[0] = 0x80;
    }
}

/// A time: octal seconds, base-256 (two's complement) before 1970.
fn time(field: &mut [u8], secs: i64) {
    if secs >= 0 {
        number(field, secs as u64);
    } else {
        field.fill(0xff);
        let n = field.len();
        field[n - 8..].copy_from_slice(&secs.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(is_dir: bool) -> EntryMeta {
        crate::archive::sample_meta(is_dir)
    }

    #[test]
    fn checksum_and_fields() {
        let mut out = Vec::new();
        headers("Finance/report.pdf", &meta(false), 1234, None, &mut out);
        assert_eq!(out.len(), 512);
        let mut h = out.clone();
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(&out[148..155], format!("{sum:06o}\0").as_bytes());
        assert_eq!(&out[124..136], b"00000002322\0");
        assert_eq!(out[156], b'0');
        assert_eq!(&out[265..269], b"jdoe");
    }

    #[test]
    fn header_lengths_match_what_is_written() {
        let long = "d/".repeat(80) + "file.txt";
        let runs: Vec<(u64, u64)> = (0..30).map(|i| (i << 28, 1 << 20)).collect();
        for (path, dir, runs, size) in [
            ("short", false, None, 10u64),
            (long.as_str(), false, None, 10),
            (long.as_str(), true, None, 0),
            ("sparse.vhdx", false, Some(&runs[..]), 30 << 28),
            ("sparse4.vhdx", false, Some(&runs[..4]), 4 << 28),
            ("sparse3.vhdx", false, Some(&runs[..3]), 3 << 28),
        ] {
            let mut out = Vec::new();
            headers(path, &meta(dir), size, runs, &mut out);
            assert_eq!(out.len() as u64, headers_len(path, dir, runs, size), "{path}");
        }
        for (path, target) in [("a", "b"), (long.as_str(), "b"), ("a", long.as_str()), (long.as_str(), long.as_str())] {
            let mut out = Vec::new();
            link_headers(path, &meta(false), Link::Symbolic, target, &mut out);
            assert_eq!(out.len() as u64, link_headers_len(path, target), "{path} -> {target}");
        }
    }

    #[test]
    fn link_entries_carry_their_kind_and_target() {
        let mut out = Vec::new();
        link_headers("links/to-x", &meta(false), Link::Symbolic, "x.txt", &mut out);
        assert_eq!((out.len(), out[156]), (512, b'2'));
        assert_eq!(&out[157..163], b"x.txt\0");
        assert_eq!(&out[124..136], b"00000000000\0", "no data");
        out.clear();
        let target = "t/".repeat(70);
        link_headers("b", &meta(false), Link::Hard, &target, &mut out);
        assert_eq!((out[156], out.len()), (b'K', 3 * 512), "a long target goes first, as GNU tar writes it");
        assert_eq!(&out[1024 + 156..1024 + 157], b"1");
    }

    #[test]
    fn big_numbers_use_base_256() {
        let mut f = [0u8; 12];
        number(&mut f, 100 << 30);
        assert_eq!(f[0], 0x80);
        assert_eq!(u64::from_be_bytes(f[4..].try_into().unwrap()), 100 << 30);
        number(&mut f, 0o777);
        assert_eq!(&f, b"00000000777\0");
        // An 8-byte uid field past 2^21 (AD-style ids): the marker survives.
        let mut u = [0u8; 8];
        number(&mut u, 1_500_000_000);
        assert_eq!(u[0], 0x80);
        assert_eq!(u64::from_be_bytes([0, u[1], u[2], u[3], u[4], u[5], u[6], u[7]]), 1_500_000_000);
    }
}
