//! Numbers and dates appended to text without `core::fmt`. A small Office file's XML holds
//! dozens (row numbers, amounts, relationship ids, a PDF's offsets, dates), and going through
//! the formatting machinery for each cost more than the rest of making the file; every file
//! written or served also carries its creation time as text. These write the same characters
//! as `{}`, `{:0N}`, [`date::format_datetime`] and [`date::format_rfc3339`].

use crate::date::{self, Date};

/// The decimal digits of `v`, right-aligned in 20 bytes with `'0'` before them, and where
/// they start: `v`'s digits are `[start..]`, zero-padded to `w` digits `[20 - w..]` (for a
/// record cut short, `Rec::num_cut`; whole numbers go through `itoa`).
pub fn digits(mut v: u64) -> ([u8; 20], usize) {
    let mut d = [b'0'; 20];
    let mut start = d.len();
    loop {
        start -= 1;
        d[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    (d, start)
}

/// `v` in decimal, zero-padded to at least `width` digits: what `{v:0width$}` writes.
pub fn push_padded(s: &mut String, v: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(v);
    for _ in digits.len()..width {
        s.push('0');
    }
    s.push_str(digits);
}

/// `v` in decimal: what `{v}` writes.
pub fn push(s: &mut String, v: u64) {
    push_padded(s, v, 1);
}

/// A year as `{:04}` writes it.
pub fn push_year(s: &mut String, year: i32) {
    match u64::try_from(year) {
        Ok(year) => push_padded(s, year, 4),
        // Before year 0 (no file has such a time): the formatter's sign and padding.
        Err(_) => s.push_str(&format!("{year:04}")),
    }
}

/// A date as `YYYY-MM-DD`, what [`Date`]'s `Display` writes.
pub fn push_date(s: &mut String, d: Date) {
    push_year(s, d.year);
    s.push('-');
    push_padded(s, u64::from(d.month), 2);
    s.push('-');
    push_padded(s, u64::from(d.day), 2);
}

/// Unix seconds `t` (UTC) as `YYYY-MM-DD` `sep` `HH:MM:SS`: [`date::format_datetime`] with
/// `sep` for its space.
pub fn push_datetime(s: &mut String, t: i64, sep: char) {
    push_date(s, Date::of_unix(t));
    s.push(sep);
    let secs = t.rem_euclid(date::DAY) as u64;
    push_padded(s, secs / 3600, 2);
    s.push(':');
    push_padded(s, (secs / 60) % 60, 2);
    s.push(':');
    push_padded(s, secs % 60, 2);
}

/// Unix seconds `t` and `nanos` (UTC) as RFC 3339 with nanoseconds:
/// `2024-07-01T09:12:45.123456789Z`.
pub fn push_rfc3339(s: &mut String, t: i64, nanos: u32) {
    push_datetime(s, t, 'T');
    s.push('.');
    push_padded(s, u64::from(nanos), 9);
    s.push('Z');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_are_what_the_formatter_writes(v in any::<u64>(), width in 0usize..24) {
            let mut s = String::from("x");
            push_padded(&mut s, v, width);
            prop_assert_eq!(s, format!("x{v:0width$}"));
            let mut s = String::new();
            push(&mut s, v);
            prop_assert_eq!(s, v.to_string());
        }

        #[test]
        fn times_are_what_the_formatter_writes(t in -70_000_000_000i64..70_000_000_000) {
            // Against the formatter (what `format_datetime` wrote before it used these).
            let (d, day) = (Date::of_unix(t), t.rem_euclid(date::DAY));
            let mut s = String::new();
            push_datetime(&mut s, t, ' ');
            prop_assert_eq!(&s, &format!("{d} {:02}:{:02}:{:02}", day / 3600, (day / 60) % 60, day % 60));
            let nanos = (t.rem_euclid(1_000_000_000)) as u32;
            let mut s = String::new();
            push_rfc3339(&mut s, t, nanos);
            let expected = format!("{d}T{:02}:{:02}:{:02}.{nanos:09}Z", day / 3600, (day / 60) % 60, day % 60);
            prop_assert_eq!(s, expected);
            let mut s = String::new();
            push_date(&mut s, d);
            prop_assert_eq!(s, d.to_string());
            let mut s = String::new();
            push_year(&mut s, d.year);
            prop_assert_eq!(s, format!("{:04}", d.year));
        }
    }

    #[test]
    fn small_numbers() {
        let mut s = String::new();
        for (v, w) in [(0, 1), (0, 2), (7, 2), (12, 2), (123, 2), (0, 10), (4096, 10)] {
            push_padded(&mut s, v, w);
            s.push('|');
        }
        assert_eq!(s, "0|00|07|12|123|0000000000|0000004096|");
    }
}
