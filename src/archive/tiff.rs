//! Page images as productions deliver them: one multi-page TIFF per document, bilevel at
//! 200 dpi on US Letter, PackBits-compressed (TIFF 6.0 baseline, which every viewer and review
//! platform reads). A page shows lines of greeked text (bars where words would be) and carries
//! its Bates number stamped at the bottom right; documents kept native (spreadsheets, media,
//! archives) get one slip sheet saying so.

use synthfs_model::FileType;
use synthfs_model::rng::{Rng, key};

/// Resolution, dots per inch.
pub const DPI: u32 = 200;
/// Page width and height in pixels (8.5 x 11 inches).
pub const WIDTH: u32 = 1700;
pub const HEIGHT: u32 = 2200;
const ROW_BYTES: usize = WIDTH.div_ceil(8) as usize;
const MARGIN: u32 = 200;
const LINE_PITCH: u32 = 44;
const BAR: u32 = 6;
/// About what a page of text takes (for batching: the image is made by a worker).
pub const PAGE_BYTES: u64 = 25_000;
/// Most pages a document is imaged as.
pub const MAX_PAGES: u32 = 200;

/// How many pages a document is imaged as: text by its length, a photo as one page, and a
/// document kept native (spreadsheets, media, archives, binaries) as one slip sheet.
pub fn page_count(ftype: FileType, size: u64) -> u32 {
    let per_page: u64 = match ftype {
        FileType::Txt | FileType::Log | FileType::Text => 3_000,
        FileType::Eml => 6_000,
        FileType::Docx => 12_000,
        FileType::Pdf => 40_000,
        FileType::Pptx => 150_000,
        _ => return 1,
    };
    size.div_ceil(per_page).clamp(1, u64::from(MAX_PAGES)) as u32
}

/// Whether a type is produced natively with a slip sheet in place of page images.
pub fn slip_sheet(ftype: FileType) -> bool {
    !matches!(
        ftype,
        FileType::Txt
            | FileType::Log
            | FileType::Text
            | FileType::Eml
            | FileType::Docx
            | FileType::Pdf
            | FileType::Pptx
            | FileType::Jpg
            | FileType::Png
    )
}

/// A horizontal black run on a page: rows `y0..y1`, columns `x0..x1`.
#[derive(Clone, Copy)]
struct Bar {
    y0: u32,
    y1: u32,
    x0: u32,
    x1: u32,
}

/// A multi-page TIFF: one page per stamp (the pages' Bates numbers or control numbers), the
/// page text drawn from `seed`. With `slip`, the one page says the document is produced natively.
pub fn document(seed: u64, stamps: &[String], slip: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(stamps.len() * 24_000 + 16);
    out.extend_from_slice(b"II*\0");
    // Offset of the first directory, patched once it is written.
    let mut link_at = out.len();
    out.extend_from_slice(&0u32.to_le_bytes());
    let total = stamps.len() as u16;
    for (p, stamp) in stamps.iter().enumerate() {
        let mut bars = if slip { slip_bars() } else { text_bars(seed, p as u64) };
        stamp_bars(stamp, &mut bars);
        let strip_at = out.len() as u32;
        encode_page(&bars, &mut out);
        let strip_len = out.len() as u32 - strip_at;
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd_at = out.len() as u32;
        out[link_at..link_at + 4].copy_from_slice(&ifd_at.to_le_bytes());
        link_at = ifd(&mut out, strip_at, strip_len, p as u16, total);
    }
    out
}

/// Writes a page's image file directory; returns where its next-directory link is.
fn ifd(out: &mut Vec<u8>, strip_at: u32, strip_len: u32, page: u16, pages: u16) -> usize {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let entries = 14u32;
    let ifd_at = out.len() as u32;
    // The resolution values follow the directory.
    let res_at = ifd_at + 2 + entries * 12 + 4;
    let page_value = u32::from(page) | (u32::from(pages) << 16);
    let tags: [(u16, u16, u32); 14] = [
        (254, LONG, 2), // NewSubfileType: a page of a multi-page document
        (256, LONG, WIDTH),
        (257, LONG, HEIGHT),
        (258, SHORT, 1),     // BitsPerSample
        (259, SHORT, 32773), // Compression: PackBits
        (262, SHORT, 0),     // Photometric: WhiteIsZero
        (273, LONG, strip_at),
        (277, SHORT, 1), // SamplesPerPixel
        (278, LONG, HEIGHT),
        (279, LONG, strip_len),
        (282, RATIONAL, res_at),
        (283, RATIONAL, res_at + 8),
        (296, SHORT, 2), // ResolutionUnit: inch
        (297, SHORT, page_value),
    ];
    out.extend_from_slice(&(entries as u16).to_le_bytes());
    for (tag, kind, value) in tags {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        let count: u32 = if tag == 297 { 2 } else { 1 };
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    let link = out.len();
    out.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..2 {
        out.extend_from_slice(&DPI.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    link
}

/// The bars of a page of text: a heading on the first page, then paragraphs of lines of words.
fn text_bars(seed: u64, page: u64) -> Vec<Bar> {
    let mut rng = Rng::from_key(key(seed, page, 0x7469_6666));
    let mut bars = Vec::new();
    let mut y = MARGIN;
    if page == 0 {
        let w = rng.range(500, 1000) as u32;
        bars.push(Bar { y0: y, y1: y + 14, x0: MARGIN, x1: MARGIN + w });
        y += 2 * LINE_PITCH;
    }
    let bottom = HEIGHT - MARGIN - LINE_PITCH;
    let right = WIDTH - MARGIN;
    let mut paragraph_left = rng.range(3, 9);
    while y < bottom {
        let last = paragraph_left == 1;
        let end = if last { MARGIN + rng.range(200, 1100) as u32 } else { right };
        let mut x = MARGIN + if paragraph_left > 0 && rng.chance(0.1) { 60 } else { 0 };
        while x < end {
            let w = (rng.range(20, 140) as u32).min(end - x);
            if w >= 12 {
                bars.push(Bar { y0: y, y1: y + BAR, x0: x, x1: x + w });
            }
            x += w + 16;
        }
        y += LINE_PITCH;
        paragraph_left -= 1;
        if paragraph_left == 0 {
            y += LINE_PITCH;
            paragraph_left = rng.range(3, 9);
        }
    }
    bars
}

/// The slip sheet's words, in the stamp font, centred.
fn slip_bars() -> Vec<Bar> {
    let mut bars = Vec::new();
    for (i, line) in ["DOCUMENT PRODUCED", "IN NATIVE FORMAT"].iter().enumerate() {
        let width = line.len() as u32 * GLYPH_STEP * 2;
        let x = (WIDTH - width) / 2;
        text(line, x, 900 + i as u32 * 120, 8, &mut bars);
    }
    bars
}

/// Pixels per font dot in the Bates stamp, and the advance per character.
const STAMP_SCALE: u32 = 4;
const GLYPH_STEP: u32 = 6 * STAMP_SCALE;

/// The Bates stamp at the bottom right.
fn stamp_bars(stamp: &str, bars: &mut Vec<Bar>) {
    let width = stamp.chars().count() as u32 * GLYPH_STEP;
    let x = WIDTH.saturating_sub(MARGIN / 2 + width);
    text(stamp, x, HEIGHT - MARGIN / 2 - 7 * STAMP_SCALE, STAMP_SCALE, bars);
}

/// Draws `s` in the 5x7 font with dots of `scale` pixels from (x, y).
fn text(s: &str, x: u32, y: u32, scale: u32, bars: &mut Vec<Bar>) {
    for (i, c) in s.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let gx = x + i as u32 * 6 * scale;
        for (r, bits) in rows.iter().enumerate() {
            let mut col = 0;
            while col < 5 {
                if bits & (0x10 >> col) == 0 {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < 5 && bits & (0x10 >> col) != 0 {
                    col += 1;
                }
                let y0 = y + r as u32 * scale;
                bars.push(Bar { y0, y1: y0 + scale, x0: gx + start * scale, x1: gx + col * scale });
            }
        }
    }
}

/// A character's 5x7 dots, one row per byte, high bit (0x10) on the left (from
/// `font5x7.txt`; lower-case letters as upper-case).
fn glyph(c: char) -> Option<[u8; 7]> {
    const FONT: &str = include_str!("font5x7.txt");
    let c = c.to_ascii_uppercase();
    let hex = FONT.lines().filter(|l| !l.starts_with('#')).find_map(|l| l.strip_prefix(c)?.strip_prefix(' '))?;
    let mut rows = [0u8; 7];
    for (k, row) in rows.iter_mut().enumerate() {
        *row = u8::from_str_radix(hex.get(2 * k..2 * k + 2)?, 16).ok()?;
    }
    Some(rows)
}

/// Encodes the page row by row (each row packed on its own, as TIFF's PackBits requires): bars
/// sorted by their first row and kept in an active list, blank rows from one packed copy.
fn encode_page(bars: &[Bar], out: &mut Vec<u8>) {
    let mut sorted: Vec<&Bar> = bars.iter().collect();
    sorted.sort_by_key(|b| b.y0);
    let mut blank = Vec::new();
    packbits(&[0u8; ROW_BYTES], &mut blank);
    let mut row = [0u8; ROW_BYTES];
    let mut live: Vec<&Bar> = Vec::new();
    let mut next = 0;
    for y in 0..HEIGHT {
        live.retain(|b| b.y1 > y);
        while next < sorted.len() && sorted[next].y0 <= y {
            if sorted[next].y1 > y {
                live.push(sorted[next]);
            }
            next += 1;
        }
        if live.is_empty() {
            out.extend_from_slice(&blank);
            continue;
        }
        row.fill(0);
        for b in &live {
            fill_bits(&mut row, b.x0, b.x1.min(WIDTH));
        }
        packbits(&row, out);
    }
}

/// Sets bits `x0..x1` of a row (high bit first).
fn fill_bits(row: &mut [u8], x0: u32, x1: u32) {
    let mut x = x0;
    while x < x1 {
        if x % 8 == 0 && x + 8 <= x1 {
            row[(x / 8) as usize] = 0xFF;
            x += 8;
        } else {
            row[(x / 8) as usize] |= 0x80 >> (x % 8);
            x += 1;
        }
    }
}

/// PackBits: runs of 2 or more equal bytes as (1 - n, byte), the rest as (n - 1, bytes...).
fn packbits(data: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < data.len() {
        let mut run = 1;
        while i + run < data.len() && run < 128 && data[i + run] == data[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((1i16 - run as i16) as i8 as u8);
            out.push(data[i]);
            i += run;
            continue;
        }
        let start = i;
        i += 1;
        while i < data.len() && i - start < 128 && !(i + 1 < data.len() && data[i] == data[i + 1]) {
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&data[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpack(mut data: &[u8], want: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < want {
            let n = data[0] as i8;
            if n >= 0 {
                let k = n as usize + 1;
                out.extend_from_slice(&data[1..1 + k]);
                data = &data[1 + k..];
            } else if n != -128 {
                out.extend(std::iter::repeat_n(data[1], (1 - n as i16) as usize));
                data = &data[2..];
            } else {
                data = &data[1..];
            }
        }
        out
    }

    #[test]
    fn every_label_character_has_a_glyph() {
        assert_eq!(glyph('0'), Some([0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E]));
        assert_eq!(glyph('z'), glyph('Z'));
        assert_eq!(glyph('.'), Some([0, 0, 0, 0, 0, 0x0C, 0x0C]));
        for c in ('0'..='9').chain('A'..='Z').chain(['-', '_', '.']) {
            let dots = glyph(c).unwrap_or_else(|| panic!("no glyph for {c:?}"));
            assert!(dots.iter().all(|row| *row < 0x20) && dots.iter().any(|row| *row != 0), "{c:?}: {dots:?}");
        }
        assert_eq!(glyph('#'), None);
    }

    #[test]
    fn packbits_round_trips() {
        let cases: Vec<Vec<u8>> = vec![
            vec![0; 213],
            vec![0xFF; 300],
            (0..213u32).map(|i| (i * 7 % 5) as u8).collect(),
            vec![1, 2, 2, 3, 3, 3, 4, 5, 6, 6],
            vec![9],
        ];
        for c in cases {
            let mut out = Vec::new();
            packbits(&c, &mut out);
            assert_eq!(unpack(&out, c.len()), c);
        }
    }

    #[test]
    fn pages_encode_as_the_bars_draw_them() {
        let mut bars = text_bars(3, 0);
        stamp_bars("ABC0001", &mut bars);
        let mut out = Vec::new();
        encode_page(&bars, &mut out);
        let pixels = unpack(&out, ROW_BYTES * HEIGHT as usize);
        for y in [0u32, 200, 203, 206, 244, 1000, 2069, 2100] {
            for x in (0..WIDTH).step_by(3) {
                let set = pixels[y as usize * ROW_BYTES + (x / 8) as usize] & (0x80 >> (x % 8)) != 0;
                let want = bars.iter().any(|b| b.y0 <= y && y < b.y1 && b.x0 <= x && x < b.x1);
                assert_eq!(set, want, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn pages_follow_length_and_native_types_get_a_slip_sheet() {
        assert_eq!(page_count(FileType::Pdf, 180 << 10), 5);
        assert_eq!(page_count(FileType::Txt, 10), 1);
        assert_eq!(page_count(FileType::Docx, 1 << 30), MAX_PAGES);
        assert_eq!(page_count(FileType::Xlsx, 1 << 30), 1);
        assert!(slip_sheet(FileType::Xlsx) && !slip_sheet(FileType::Pdf));
    }

    #[test]
    fn a_document_has_one_directory_per_page() {
        let stamps: Vec<String> = (1..=3).map(|n| format!("ABC{n:06}")).collect();
        let tif = document(5, &stamps, false);
        assert_eq!(&tif[..4], b"II*\0");
        let u32_at = |o: usize| u32::from_le_bytes([tif[o], tif[o + 1], tif[o + 2], tif[o + 3]]) as usize;
        let mut at = u32_at(4);
        let mut pages = 0;
        while at != 0 {
            let n = u16::from_le_bytes([tif[at], tif[at + 1]]) as usize;
            assert_eq!(n, 14);
            pages += 1;
            at = u32_at(at + 2 + n * 12);
        }
        assert_eq!(pages, 3);
        assert!(tif.len() < 3 * 40_000, "{} bytes", tif.len());
        assert_ne!(document(5, &stamps, false), document(6, &stamps, false));
    }
}
