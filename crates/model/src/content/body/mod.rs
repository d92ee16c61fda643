//! File bodies: the bulk of a file between its format's header and trailer.
//!
//! A body is cut into 4 KiB blocks, each generated from a key of `(content seed, block)`, so
//! any byte range is produced without touching the rest of the file. Text bodies fill each
//! block with whole records (lines, CSV rows, PDF text operators) and pad the last record with
//! spaces, so every block ends on a record boundary and the file stays well-formed.

use super::super::date;
use super::super::rng::{Purpose, Rng, key};
use super::super::words;

mod csv;
pub use csv::csv_header;

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

/// Fills `out` with the body bytes at body offset `off` of a body `len` bytes long.
pub fn fill(body: Body, seed: u64, stamp: i64, len: u64, off: u64, out: &mut [u8]) {
    debug_assert!(off + out.len() as u64 <= len);
    let mut pos = 0usize;
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
            // Only partial blocks (at most the first and the last) need the scratch block.
            let mut scratch = [0u8; BLOCK as usize];
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
/// While a whole record's room is left, records are written in place; only the last few go
/// through a scratch record, to see whether they fit.
fn records(body: Body, rng: &mut Rng, stamp: i64, block: u64, out: &mut [u8]) {
    let n = out.len();
    let mut pos = 0usize;
    let mut last_term = 0usize;
    let mut line = 0u64;
    while n - pos >= REC_MAX {
        let (len, term) = write_record(body, rng, stamp, block, line, &mut out[pos..pos + REC_MAX]);
        last_term = term;
        pos += len;
        line += 1;
    }
    let mut scratch = [0u8; REC_MAX];
    let (cut_len, cut_term) = loop {
        let (len, term) = write_record(body, rng, stamp, block, line, &mut scratch);
        if pos + len > n {
            break (len, term);
        }
        out[pos..pos + len].copy_from_slice(&scratch[..len]);
        pos += len;
        last_term = term;
        line += 1;
    };
    if pos == n {
        return;
    }
    if pos > 0 {
        let mut term = [0u8; 2];
        term[..last_term].copy_from_slice(&out[pos - last_term..pos]);
        out[pos - last_term..n - last_term].fill(b' ');
        out[n - last_term..].copy_from_slice(&term[..last_term]);
    } else if body == Body::PdfText {
        // A cut text operator would break the content stream; line breaks are whitespace.
        out.fill(b'\n');
    } else {
        // Not one whole record fits (a small file, or a short last block): the first one,
        // cut short and ended with its terminator, so a 40-byte note still reads as words.
        let term = cut_term.min(n);
        let keep = n - term;
        out[..keep].copy_from_slice(&scratch[..keep]);
        out[keep..].copy_from_slice(&scratch[cut_len - term..cut_len]);
    }
}

/// The longest record: longer ones are cut (none comes near).
pub const REC_MAX: usize = 512;

/// A record being built in a buffer of up to [`REC_MAX`] bytes: plain byte pushes, no
/// formatting machinery (text bodies are generated at gigabytes a second, so this is the hot
/// path: fixed-size moves where the length is known, no call to `memcpy` per token).
pub struct Rec<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Rec<'a> {
    /// An empty record over `buf` (its bytes are overwritten).
    pub fn new(buf: &'a mut [u8]) -> Rec<'a> {
        Rec { buf, len: 0 }
    }

    /// Any bytes: a word of up to 16 bytes is two overlapping fixed-size moves, or under four
    /// bytes three single ones (a variable `copy_from_slice` is a call to `memmove`, which for
    /// CSV rows of short words was the largest single cost), anything else or a record cut
    /// short the plain copy.
    #[inline]
    fn push(&mut self, b: &[u8]) {
        let (at, n) = (self.len, b.len());
        if at + 16 <= self.buf.len() {
            let dst = &mut self.buf[at..at + 16];
            match n {
                8..=16 => {
                    dst[..8].copy_from_slice(&b[..8]);
                    dst[n - 8..n].copy_from_slice(&b[n - 8..]);
                }
                4..=7 => {
                    dst[..4].copy_from_slice(&b[..4]);
                    dst[n - 4..n].copy_from_slice(&b[n - 4..]);
                }
                1..=3 => {
                    dst[0] = b[0];
                    dst[n / 2] = b[n / 2];
                    dst[n - 1] = b[n - 1];
                }
                _ => return self.aside(|r| r.push_slow(b)),
            }
            self.len += n;
            return;
        }
        self.aside(|r| r.push_slow(b));
    }

    /// Runs `f` (a cut-short path, or a call that is not inlined such as [`sentence`]) on a
    /// second record over the same place, so this one never has its address taken: a record
    /// built in a function then stays in registers there (its length not stored and reloaded
    /// around every byte).
    #[inline(always)]
    fn aside(&mut self, f: impl FnOnce(&mut Rec)) {
        let mut r = Rec { buf: &mut *self.buf, len: self.len };
        f(&mut r);
        self.len = r.len;
    }

    fn push_slow(&mut self, b: &[u8]) {
        let end = (self.len + b.len()).min(self.buf.len());
        let take = end - self.len;
        self.buf[self.len..end].copy_from_slice(&b[..take]);
        self.len = end;
    }

    /// A literal: its length is known, so the copy is a few moves.
    #[inline]
    fn lit<const N: usize>(&mut self, b: &[u8; N]) {
        if self.len + N <= self.buf.len() {
            self.buf[self.len..self.len + N].copy_from_slice(b);
            self.len += N;
        } else {
            self.push(b);
        }
    }

    /// A padded entry ([`Spaced`], [`pdf_line_start`]): `N` bytes copied at once where they
    /// fit, its length (the last byte) kept.
    #[inline]
    fn padded<const N: usize>(&mut self, e: &[u8; N]) {
        let n = usize::from(e[N - 1]);
        debug_assert!(n < N, "a padded entry keeps its length in its last byte");
        if self.len + N <= self.buf.len() {
            self.buf[self.len..self.len + N].copy_from_slice(e);
            self.len += n;
        } else {
            self.push(&e[..n]);
        }
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    /// A decimal number, zero-padded to `width` digits, written in place.
    #[inline]
    fn num(&mut self, v: u64, width: usize) {
        let digits = v.checked_ilog10().map_or(1, |l| l as usize + 1);
        let w = digits.max(width.min(20));
        if self.len + w > self.buf.len() {
            return self.aside(|r| r.num_cut(v, width));
        }
        let field = &mut self.buf[self.len..self.len + w];
        let mut v = v;
        for d in field.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += w;
    }

    /// [`Rec::num`] where the record is cut short: as many leading digits as fit.
    #[cold]
    fn num_cut(&mut self, v: u64, width: usize) {
        let (d, i) = crate::decimal::digits(v);
        let start = i.min(20 - width.min(20));
        self.push(&d[start..]);
    }

    /// `YYYY-MM-DD`: two-digit pairs from a table where the whole date fits.
    #[inline]
    fn date(&mut self, t: i64) {
        let d = date::Date::of_unix(t);
        if let (Ok(y @ 0..=9999), Some(field)) = (usize::try_from(d.year), self.buf.get_mut(self.len..self.len + 10)) {
            field[0..2].copy_from_slice(&date::DIGIT_PAIRS[y / 100]);
            field[2..4].copy_from_slice(&date::DIGIT_PAIRS[y % 100]);
            field[4] = b'-';
            field[5..7].copy_from_slice(&date::DIGIT_PAIRS[d.month as usize % 100]);
            field[7] = b'-';
            field[8..10].copy_from_slice(&date::DIGIT_PAIRS[d.day as usize % 100]);
            self.len += 10;
            return;
        }
        self.aside(|r| r.date_cut(d));
    }

    /// [`Rec::date`] the long way: a record cut short, or a year outside 0..=9999.
    #[cold]
    fn date_cut(&mut self, d: date::Date) {
        self.num(d.year.max(0) as u64, 4);
        self.byte(b'-');
        self.num(u64::from(d.month), 2);
        self.byte(b'-');
        self.num(u64::from(d.day), 2);
    }

    /// `HH:MM:SS`: two-digit pairs from the table where it fits.
    #[inline]
    fn time(&mut self, t: i64) {
        let s = t.rem_euclid(86_400) as usize;
        let Some(field) = self.buf.get_mut(self.len..self.len + 8) else {
            return self.aside(|r| r.time_cut(s as u64));
        };
        field[0..2].copy_from_slice(&date::DIGIT_PAIRS[s / 3600]);
        field[2] = b':';
        field[3..5].copy_from_slice(&date::DIGIT_PAIRS[s / 60 % 60]);
        field[5] = b':';
        field[6..8].copy_from_slice(&date::DIGIT_PAIRS[s % 60]);
        self.len += 8;
    }

    /// [`Rec::time`] where the record is cut short (`s`: seconds into the day).
    #[cold]
    fn time_cut(&mut self, s: u64) {
        self.num(s / 3600, 2);
        self.byte(b':');
        self.num((s / 60) % 60, 2);
        self.byte(b':');
        self.num(s % 60, 2);
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Writes one record at the start of `buf`; returns its length and its terminator's.
fn write_record(body: Body, rng: &mut Rng, stamp: i64, block: u64, line: u64, buf: &mut [u8]) -> (usize, usize) {
    let mut rec = Rec::new(buf);
    let w = &mut rec;
    match body {
        Body::Random => {}
        Body::Prose => {
            w.aside(|r| sentence(rng, r));
            w.byte(b'\n');
        }
        Body::PdfText => {
            w.padded(&pdf_line_start()[(line % PDF_LINES) as usize]);
            w.aside(|r| sentence(rng, r));
            w.lit(b") Tj ET\n");
        }
        Body::Log => {
            let t = stamp + (block as i64) * 900 + (line as i64) * 13;
            w.date(t);
            w.byte(b' ');
            w.time(t);
            w.byte(b'.');
            w.num(rng.below(1000), 3);
            w.byte(b' ');
            w.push(rng.word(words::LOG_LEVELS).as_bytes());
            w.lit(b" [");
            w.push(rng.word(words::LOG_COMPONENTS).as_bytes());
            w.lit(b"] ");
            w.aside(|r| sentence(rng, r));
            w.byte(b'\n');
        }
        Body::Csv(schema) => {
            let t = stamp - (rng.below(365 * 86_400) as i64);
            csv::row(w, rng, t, schema);
            w.lit(b"\r\n");
            return (rec.len, 2);
        }
    }
    (rec.len, 1)
}

/// Eight to sixteen words, capitalised, ending with a full stop.
pub fn sentence(rng: &mut Rng, w: &mut Rec) {
    let n = rng.range(8, 16) as usize;
    // Each word is one 16-byte move that advances at most 15 bytes: where the longest such
    // sentence fits, the words go in through locals (the length and the generator in
    // registers, not reloaded from the record after every store), else through the checked
    // pushes. The draws are the same either way: `rng.word(words::PROSE)` for each word.
    if w.len + 15 * n < w.buf.len() {
        let mut r = rng.clone();
        let (buf, mut len) = (&mut *w.buf, w.len);
        let mut put = |e: &Spaced| {
            buf[len..len + 16].copy_from_slice(e);
            len += usize::from(e[15]);
        };
        put(&capital_prose()[prose_index(&mut r)]);
        let spaced = spaced_prose();
        for _ in 1..n {
            put(&spaced[prose_index(&mut r)]);
        }
        buf[len] = b'.';
        (w.len, *rng) = (len + 1, r);
        return;
    }
    w.padded(&capital_prose()[prose_index(rng)]);
    let spaced = spaced_prose();
    for _ in 1..n {
        w.padded(&spaced[prose_index(rng)]);
    }
    w.byte(b'.');
}

/// The draw of `rng.word(words::PROSE)`, as an index.
#[inline]
fn prose_index(rng: &mut Rng) -> usize {
    rng.below(words::PROSE.len() as u64) as usize
}

/// Text lines per PDF page: each block's lines step down the page from y = 760 by 12 points.
const PDF_LINES: u64 = 60;

/// The start of each PDF text line, `BT /F1 10 Tf 56 <y> Td (`, padded to 32 bytes (the
/// last holds the length): one fixed-size move per line.
fn pdf_line_start() -> &'static [[u8; 32]; PDF_LINES as usize] {
    static TABLE: std::sync::OnceLock<[[u8; 32]; PDF_LINES as usize]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|line| pad(format!("BT /F1 10 Tf 56 {} Td (", 760 - line * 12).as_bytes(), b""))
    })
}

/// A word with a space before it, padded to 16 bytes (the last byte holds its length), so
/// a sentence copies each word in one fixed-size move: text bodies spend most of their time
/// here.
type Spaced = [u8; 16];

/// The same words capitalised, without the space: a sentence's first word.
fn capital_prose() -> &'static [Spaced] {
    static TABLE: std::sync::OnceLock<Vec<Spaced>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        words::PROSE
            .iter()
            .map(|word| {
                let mut e = pad(b"", word.as_bytes());
                e[0] = e[0].to_ascii_uppercase();
                e
            })
            .collect()
    })
}

/// `head` then `tail` in `N` bytes, the length in the last (at most `N - 1` bytes are
/// kept): the entries [`Rec::padded`] copies.
fn pad<const N: usize>(head: &[u8], tail: &[u8]) -> [u8; N] {
    let mut e = [0u8; N];
    let mut n = 0;
    for &b in head.iter().chain(tail).take(N - 1) {
        e[n] = b;
        n += 1;
    }
    e[N - 1] = n as u8;
    e
}

fn spaced_prose() -> &'static [Spaced] {
    static TABLE: std::sync::OnceLock<Vec<Spaced>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| words::PROSE.iter().map(|word| pad(b" ", word.as_bytes())).collect())
}

#[cfg(test)]
mod tests;
