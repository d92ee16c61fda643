//! Human forms of sizes and counts: `2.5M` files, `10GiB`, and printing them back.

use std::fmt;

/// A size or count that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {what} (examples: {examples})")]
pub struct ParseError {
    pub input: String,
    pub what: &'static str,
    pub examples: &'static str,
}

fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == ',')).unwrap_or(s.len());
    let digits: String = s[..end].chars().filter(|c| *c != '_' && *c != ',').collect();
    if digits.is_empty() {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    Some((value, s[end..].trim()))
}

/// Reads a byte size: `4096`, `512K`, `1.5MiB`, `10GB`, `2T`. Binary and decimal suffixes are
/// both understood (`KB` = 1000, `KiB` = `K` = 1024).
pub fn parse_size(s: &str) -> Result<u64, ParseError> {
    let err = || ParseError { input: s.to_string(), what: "size", examples: "4096, 64KiB, 1.5MB, 10GiB" };
    let (value, unit) = split_number(s).ok_or_else(err)?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024f64.powi(2),
        "mb" => 1e6,
        "g" | "gib" => 1024f64.powi(3),
        "gb" => 1e9,
        "t" | "tib" => 1024f64.powi(4),
        "tb" => 1e12,
        "p" | "pib" => 1024f64.powi(5),
        "pb" => 1e15,
        _ => return Err(err()),
    };
    let bytes = value * mult;
    if !bytes.is_finite() || bytes >= 1.8e19 || (unit.is_empty() && value.fract() != 0.0) {
        return Err(err());
    }
    Ok(bytes.round() as u64)
}

/// Reads a count: `1000`, `1,000,000`, `2.5M`, `10k`, `1G` (= 10^9).
pub fn parse_count(s: &str) -> Result<u64, ParseError> {
    let err = || ParseError { input: s.to_string(), what: "count", examples: "1000, 250k, 2.5M, 1G" };
    let (value, unit) = split_number(s).ok_or_else(err)?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" | "b" => 1e9,
        "t" => 1e12,
        _ => return Err(err()),
    };
    let n = value * mult;
    if !n.is_finite() || n >= 1.8e19 || n.fract() != 0.0 {
        return Err(err());
    }
    Ok(n as u64)
}

/// A byte count printed with a binary unit: `1.5 GiB`, `512 B`.
#[derive(Clone, Copy, Debug)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        let mut v = self.0 as f64 / 1024.0;
        let mut i = 0;
        while v >= 1024.0 && i + 1 < UNITS.len() {
            v /= 1024.0;
            i += 1;
        }
        if v >= 100.0 { write!(f, "{v:.0} {}", UNITS[i]) } else { write!(f, "{v:.1} {}", UNITS[i]) }
    }
}

/// An integer printed with thousands separators: `1,234,567`.
#[derive(Clone, Copy, Debug)]
pub struct Count(pub u64);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        f.pad(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts() {
        type Parse = fn(&str) -> Result<u64, ParseError>;
        let cases: [(Parse, &str, Option<u64>); 14] = [
            (parse_size, "4096", Some(4096)),
            (parse_size, "64KiB", Some(65536)),
            (parse_size, "64k", Some(65536)),
            (parse_size, "1.5MB", Some(1_500_000)),
            (parse_size, "10 GiB", Some(10 << 30)),
            (parse_size, "ten", None),
            (parse_size, "1.5", None),
            (parse_size, "5 parsecs", None),
            (parse_count, "1,000,000", Some(1_000_000)),
            (parse_count, "2.5M", Some(2_500_000)),
            (parse_count, "10k", Some(10_000)),
            (parse_count, "1G", Some(1_000_000_000)),
            (parse_count, "1.5", None),
            (parse_count, "", None),
        ];
        for (parse, input, want) in cases {
            assert_eq!(parse(input).ok(), want, "{input:?}");
        }
    }

    #[test]
    fn display() {
        assert_eq!(Bytes(512).to_string(), "512 B");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
        assert_eq!(Bytes(300 << 30).to_string(), "300 GiB");
        assert_eq!(Count(1234567).to_string(), "1,234,567");
        assert_eq!(Count(12).to_string(), "12");
        assert_eq!(format!("{:>6}", Count(1000)), " 1,000");
    }
}
