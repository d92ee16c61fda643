//! Unit tests of file bodies: slices against the whole, record boundaries, and the fast paths
//! of records against the plain ones.

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
fn short_pushes_match_the_plain_copy() {
    let src: Vec<u8> = (b'a'..=b'z').chain(b'A'..=b'Z').collect();
    for n in 0..=40 {
        for room in [0, 1, 5, 15, 16, 17, 40, 64] {
            let (mut fast, mut slow) = ([0u8; 64], [0u8; 64]);
            let (mut a, mut b) = (Rec::new(&mut fast[..room]), Rec::new(&mut slow[..room]));
            a.lit(b"x");
            b.push_slow(b"x");
            a.push(&src[..n]);
            b.push_slow(&src[..n]);
            assert_eq!(a.as_bytes(), b.as_bytes(), "{n} bytes into {room}");
        }
    }
}

#[test]
fn dates_from_the_table_match_the_long_way() {
    let mut t = -62_135_596_800i64; // 0001-01-01
    while t < 253_402_300_800 + 400 * 86_400 {
        let d = date::Date::of_unix(t);
        for room in [9, 10, 11, 32] {
            let (mut fast, mut slow) = ([0u8; 32], [0u8; 32]);
            let mut a = Rec::new(&mut fast[..room]);
            a.date(t);
            let mut b = Rec::new(&mut slow[..room]);
            b.date_cut(d);
            assert_eq!(a.as_bytes(), b.as_bytes(), "{t} in {room}");
        }
        if (1970..=2100).contains(&d.year) {
            let mut buf = [0u8; 16];
            let mut a = Rec::new(&mut buf);
            a.date(t);
            assert_eq!(a.as_bytes(), d.to_string().as_bytes());
        }
        t += 86_400 * 7 + 3_601;
    }
}

#[test]
fn times_from_the_table_match_the_long_way() {
    for t in (-86_400i64 * 2..86_400 * 2).step_by(7) {
        for room in [0, 7, 8, 9, 16] {
            let (mut fast, mut slow) = ([0u8; 16], [0u8; 16]);
            let mut a = Rec::new(&mut fast[..room]);
            a.time(t);
            let mut b = Rec::new(&mut slow[..room]);
            b.time_cut(t.rem_euclid(86_400) as u64);
            assert_eq!(a.as_bytes(), b.as_bytes(), "{t} in {room}");
        }
    }
    let mut buf = [0u8; 8];
    let mut r = Rec::new(&mut buf);
    r.time(86_400 * 3 + 23 * 3600 + 59 * 60 + 7);
    assert_eq!(r.as_bytes(), b"23:59:07");
}

#[test]
fn numbers_in_place_match_the_cut_path() {
    for v in [0u64, 7, 10, 99, 760, 12_345, 999_999, u64::MAX] {
        for width in [0usize, 1, 2, 3, 4, 5, 12, 20, 25] {
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let mut fast = Rec::new(&mut a);
            fast.num(v, width);
            let mut cut = Rec::new(&mut b);
            cut.num_cut(v, width);
            assert_eq!(fast.as_bytes(), cut.as_bytes(), "{v} to {width} digits");
            let text = format!("{v:0width$}", width = width.min(20));
            assert_eq!(fast.as_bytes(), text.as_bytes());
        }
    }
    // A record cut short keeps the leading digits that fit.
    let mut small = [0u8; 3];
    let mut r = Rec::new(&mut small);
    r.num(12_345, 1);
    assert_eq!(r.as_bytes(), b"123");
}

#[test]
fn pdf_line_starts_are_the_text_operators_they_stand_for() {
    for line in 0..PDF_LINES {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let mut table = Rec::new(&mut a);
        table.padded(&pdf_line_start()[line as usize]);
        let mut parts = Rec::new(&mut b);
        parts.lit(b"BT /F1 10 Tf 56 ");
        parts.num(760 - line * 12, 1);
        parts.lit(b" Td (");
        assert_eq!(table.as_bytes(), parts.as_bytes(), "line {line}");
    }
    assert_eq!(&pdf_line_start()[59][..23], b"BT /F1 10 Tf 56 52 Td (");
}

#[test]
fn sentences_through_either_path_agree() {
    for seed in 0..200u64 {
        let mut big = [0u8; REC_MAX];
        let mut r = Rng::from_key(seed);
        let mut fast = Rec::new(&mut big);
        sentence(&mut r, &mut fast);
        let want = fast.as_bytes().to_vec();
        let after = r.next_u64();
        // At the fast path's edge (it needs 15 bytes a word and one more) and in rooms too
        // small for it: the checked pushes give the same words, cut where the room ends,
        // and leave the generator where the fast path did.
        let words = Rng::from_key(seed).range(8, 16) as usize;
        for room in [15 * words + 1, 15 * words, want.len() + 1, want.len(), want.len() - 3, 5] {
            let mut small = [0u8; REC_MAX];
            let mut r = Rng::from_key(seed);
            let mut slow = Rec::new(&mut small[..room]);
            sentence(&mut r, &mut slow);
            assert_eq!(slow.as_bytes(), &want[..room.min(want.len())], "seed {seed}, room {room}");
            assert_eq!(r.next_u64(), after);
        }
    }
}

#[test]
fn first_words_are_capitalised_and_the_rest_spaced() {
    let (cap, spaced) = (capital_prose(), spaced_prose());
    for (k, word) in words::PROSE.iter().enumerate() {
        let n = cap[k][15] as usize;
        let mut want = word.as_bytes().to_vec();
        want[0] = want[0].to_ascii_uppercase();
        assert_eq!(&cap[k][..n], &want[..]);
        assert_eq!(&spaced[k][..spaced[k][15] as usize], format!(" {word}").as_bytes());
    }
}

#[test]
fn short_texts_are_a_record_cut_short_not_blank_lines() {
    // A final block shorter than a record: the start of its first sentence, then the line end.
    let all = whole(Body::Prose, BLOCK + 12);
    let tail = &all[BLOCK as usize..];
    assert!(
        tail[0].is_ascii_uppercase() && tail[..11].iter().all(|b| b.is_ascii_alphabetic() || *b == b' '),
        "{tail:?}"
    );
    assert_eq!(tail[11], b'\n');
    // Small files of text, logs and CSV rows read as such, and two seeds give two texts.
    for body in [Body::Prose, Body::Log, Body::Csv(0)] {
        for len in [1u64, 2, 40, 97] {
            let (a, b) = (fill_of(body, 1, len), fill_of(body, 2, len));
            assert!(a.ends_with(b"\n"), "{body:?} {len}: {a:?}");
            if len >= 40 {
                assert_ne!(a, b, "{body:?} {len}: two seeds, one text");
                assert!(a.iter().filter(|&&c| c == b'\n').count() == 1, "{body:?} {len}: {a:?}");
            }
        }
    }
    // A PDF's text operators are never cut: whitespace instead.
    assert!(fill_of(Body::PdfText, 1, 20).iter().all(|&b| b == b'\n'));
}

fn fill_of(body: Body, seed: u64, len: u64) -> Vec<u8> {
    let mut out = vec![0u8; len as usize];
    fill(body, seed, 0, len, 0, &mut out);
    out
}
