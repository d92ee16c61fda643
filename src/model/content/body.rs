//! File bodies: the bulk of a file between its format's header and trailer.
//!
//! A body is cut into 4 KiB blocks, each generated from a key of `(content seed, block)`, so
//! any byte range is produced without touching the rest of the file. Text bodies fill each
//! block with whole records (lines, CSV rows, PDF text operators) and pad the last record with
//! spaces, so every block ends on a record boundary and the file stays well-formed.

use std::io::Write;

use super::super::date;
use super::super::rng::{Purpose, Rng, key};
use super::super::words;

/// Bytes per body block.
pub const BLOCK: u64 = 4096;

/// What a body is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Incompressible bytes (media, archives, disk images).
    Random,
    /// Lines of prose.
    Prose,
    /// CSV rows of the given schema (see [`csv_header`]).
    Csv(u8),
    /// Timestamped log lines.
    Log,
    /// PDF text-showing operators inside a content stream.
    PdfText,
}

/// The header line of a CSV schema, CRLF-terminated as Excel writes it.
pub fn csv_header(schema: u8) -> &'static str {
    match schema % 3 {
        0 => "Date,Account,Vendor,Description,Amount,Currency\r\n",
        1 => "EmployeeID,Name,Department,Title,StartDate,Notes\r\n",
        _ => "Timestamp,Host,Metric,Value,Unit,Comment\r\n",
    }
}

/// Fills `out` with the body bytes at body offset `off` of a body `len` bytes long.
pub fn fill(body: Body, seed: u64, stamp: i64, len: u64, off: u64, out: &mut [u8]) {
    debug_assert!(off + out.len() as u64 <= len);
    let mut pos = 0usize;
    let mut scratch = [0u8; BLOCK as usize];
    while pos < out.len() {
        let at = off + pos as u64;
        let block = at / BLOCK;
        let block_start = block * BLOCK;
        let block_len = (len - block_start).min(BLOCK) as usize;
        let within = (at - block_start) as usize;
        let take = (block_len - within).min(out.len() - pos);
        if within == 0 && take == block_len {
            fill_block(body, seed, stamp, block, &mut out[pos..pos + take]);
        } else {
            fill_block(body, seed, stamp, block, &mut scratch[..block_len]);
            out[pos..pos + take].copy_from_slice(&scratch[within..within + take]);
        }
        pos += take;
    }
}

/// One whole block.
fn fill_block(body: Body, seed: u64, stamp: i64, block: u64, out: &mut [u8]) {
    let mut rng = Rng::from_key(key(seed, block, Purpose::Content as u64));
    match body {
        Body::Random => {
            let mut chunks = out.chunks_exact_mut(8);
            for c in &mut chunks {
                c.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
            let rest = chunks.into_remainder();
            let last = rng.next_u64().to_le_bytes();
            let n = rest.len();
            rest.copy_from_slice(&last[..n]);
        }
        _ => records(body, &mut rng, stamp, block, out),
    }
}

/// Fills a block with whole records, padding the last one with spaces before its terminator.
fn records(body: Body, rng: &mut Rng, stamp: i64, block: u64, out: &mut [u8]) {
    let n = out.len();
    let mut pos = 0usize;
    let mut last_term = 0usize;
    let mut rec = [0u8; 512];
    let mut line = 0u64;
    loop {
        let mut cur = std::io::Cursor::new(&mut rec[..]);
        let term = write_record(body, rng, stamp, block, line, &mut cur);
        let len = cur.position() as usize;
        if pos + len > n {
            break;
        }
        out[pos..pos + len].copy_from_slice(&rec[..len]);
        pos += len;
        last_term = term;
        line += 1;
    }
    if pos == n {
        return;
    }
    if pos > 0 {
        let mut term = [0u8; 2];
        term[..last_term].copy_from_slice(&out[pos - last_term..pos]);
        out[pos - last_term..n - last_term].fill(b' ');
        out[n - last_term..].copy_from_slice(&term[..last_term]);
    } else {
        out.fill(b'\n');
    }
}

/// Writes one record and returns the length of its terminator.
fn write_record(body: Body, rng: &mut Rng, stamp: i64, block: u64, line: u64, w: &mut impl Write) -> usize {
    // Writes into a 512-byte buffer cannot fail for records this short; a failure would only
    // truncate the record, which the caller's length check handles.
    let _ = match body {
        Body::Random => Ok(()),
        Body::Prose => {
            let _ = sentence(rng, w);
            w.write_all(b"\n")
        }
        Body::PdfText => {
            let y = 760 - (line % 60) * 12;
            let _ = write!(w, "BT /F1 10 Tf 56 {y} Td (");
            let _ = sentence(rng, w);
            w.write_all(b") Tj ET\n")
        }
        Body::Log => {
            let t = stamp + (block as i64) * 900 + (line as i64) * 13;
            let _ = write!(
                w,
                "{}.{:03} {} [{}] ",
                date::format_datetime(t),
                rng.below(1000),
                rng.pick(words::LOG_LEVELS),
                rng.pick(words::LOG_COMPONENTS)
            );
            let _ = sentence(rng, w);
            w.write_all(b"\n")
        }
        Body::Csv(schema) => {
            let t = stamp - (rng.below(365 * 86_400) as i64);
            let d = date::Date::of_unix(t);
            let _ = match schema % 3 {
                0 => write!(
                    w,
                    "{d},{}-{:04},{},{} {},{}.{:02},USD",
                    rng.range(1000, 9999),
                    rng.below(10_000),
                    rng.pick(words::COMPANIES),
                    rng.pick(words::PROSE),
                    rng.pick(words::PROSE),
                    rng.below(50_000),
                    rng.below(100)
                ),
                1 => write!(
                    w,
                    "E{:05},{} {},{},{},{d},{} {}",
                    rng.below(100_000),
                    rng.pick(words::FIRST_NAMES),
                    rng.pick(words::LAST_NAMES),
                    rng.pick(words::topics("default")),
                    rng.pick(words::TITLES),
                    rng.pick(words::PROSE),
                    rng.pick(words::PROSE)
                ),
                _ => write!(
                    w,
                    "{}T{:02}:{:02}:00Z,srv-{:03},{},{}.{},{},{}",
                    d,
                    rng.below(24),
                    rng.below(60),
                    rng.below(200),
                    rng.pick(words::LOG_COMPONENTS),
                    rng.below(1000),
                    rng.below(10),
                    rng.pick(&["ms", "MB", "%", "req/s"]),
                    rng.pick(words::PROSE)
                ),
            };
            return if w.write_all(b"\r\n").is_ok() { 2 } else { 0 };
        }
    };
    1
}

/// Eight to sixteen words, capitalised, ending with a full stop.
pub fn sentence(rng: &mut Rng, w: &mut impl Write) -> std::io::Result<()> {
    let n = rng.range(8, 16);
    for i in 0..n {
        let word = rng.pick(words::PROSE);
        if i == 0 {
            let mut c = word.chars();
            if let Some(first) = c.next() {
                write!(w, "{}{}", first.to_ascii_uppercase(), c.as_str())?;
            }
        } else {
            write!(w, " {word}")?;
        }
    }
    w.write_all(b".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(body: Body, len: u64) -> Vec<u8> {
        let mut v = vec![0u8; len as usize];
        fill(body, 77, 1_600_000_000, len, 0, &mut v);
        v
    }

    #[test]
    fn any_slice_equals_the_whole() {
        for body in [Body::Random, Body::Prose, Body::Csv(0), Body::Csv(1), Body::Csv(2), Body::Log, Body::PdfText] {
            let len = 3 * BLOCK + 123;
            let all = whole(body, len);
            for (off, n) in [(0u64, 1usize), (5, 4090), (4095, 2), (4000, 8000), (len - 10, 10), (8192, 4096)] {
                let mut part = vec![0u8; n];
                fill(body, 77, 1_600_000_000, len, off, &mut part);
                assert_eq!(part, all[off as usize..off as usize + n], "{body:?} at {off}");
            }
        }
    }

    #[test]
    fn text_blocks_end_on_record_boundaries() {
        let all = whole(Body::Csv(0), 2 * BLOCK);
        assert_eq!(&all[BLOCK as usize - 2..BLOCK as usize], b"\r\n");
        let text = String::from_utf8(all).unwrap();
        for row in text.split("\r\n").filter(|r| !r.is_empty()) {
            assert_eq!(row.split(',').count(), 6, "{row:?}");
        }
        let log = whole(Body::Log, BLOCK);
        assert_eq!(log[BLOCK as usize - 1], b'\n');
        assert!(log.starts_with(b"2020-09-13 12:26:40."), "{:?}", String::from_utf8_lossy(&log[..30]));
    }

    #[test]
    fn tiny_final_block_is_blank_lines() {
        let all = whole(Body::Prose, BLOCK + 3);
        assert_eq!(&all[BLOCK as usize..], b"\n\n\n");
    }
}
