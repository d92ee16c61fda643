//! Civil dates and Unix times, without time zones (the model works in UTC).
//!
//! Small and exact (Howard Hinnant's days-from-civil algorithms, and Neri and Schneider's for
//! the hot day-to-date direction), so the model needs no date crate and every machine
//! computes the same seconds.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The decimal digits of 0 to 99, two by two: dates and times written in place.
pub const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// [`Date::from_days`]'s shift: days since 0000-03-01 (719,468 days before 1970) plus 82
/// eras of 400 years, so that the count is positive; below 2^30 no step overflows 32 bits.
const SHORT_WAY_SHIFT: i64 = 719_468 + 146_097 * 82;

/// A calendar date (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let d = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a day number (days since 1970-01-01): multiplications and shifts on 32
    /// bits (Neri and Schneider, "Euclidean affine functions and their application to
    /// calendar algorithms", 2022) from -32800-03-01 to about year 2,907,000, the eras of
    /// [`Date::from_days_long`] outside. Text bodies write a date per CSV row and log line,
    /// where the divisions of the long way were a third of the time.
    pub fn from_days(z: i64) -> Date {
        let n = z.checked_add(SHORT_WAY_SHIFT).and_then(|n| u32::try_from(n).ok()).filter(|&n| n < 1 << 30);
        let Some(n) = n else {
            return Date::from_days_long(z);
        };
        let n1 = 4 * n + 3;
        let century = n1 / 146_097;
        let n2 = 4 * (n1 % 146_097 / 4) + 3;
        let p2 = 2_939_745 * u64::from(n2);
        let year_of_century = (p2 >> 32) as u32;
        let day_of_year = (p2 as u32) / 2_939_745 / 4;
        let n3 = 2_141 * day_of_year + 197_913;
        let (month, day) = (n3 >> 16, (n3 & 0xffff) / 2_141 + 1);
        let january_or_february = day_of_year >= 306;
        let year = (100 * century + year_of_century) as i64 - 400 * 82 + i64::from(january_or_february);
        Date { year: year as i32, month: if january_or_february { month - 12 } else { month }, day }
    }

    /// [`Date::from_days`] by eras of 400 years (Howard Hinnant's `civil_from_days`), for any
    /// day number.
    pub fn from_days_long(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Unix seconds at the start of this day.
    pub fn unix(self) -> i64 {
        self.days() * DAY
    }

    /// The date that contains Unix second `t`.
    pub fn of_unix(t: i64) -> Date {
        Date::from_days(t.div_euclid(DAY))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Unix seconds at the start of January 1st of `year`.
pub fn year_start(year: i32) -> i64 {
    Date { year, month: 1, day: 1 }.unix()
}

/// Formats Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_datetime(t: i64) -> String {
    let mut s = String::with_capacity(19);
    crate::decimal::push_datetime(&mut s, t, ' ');
    s
}

/// RFC 3339 UTC with nanoseconds: `2024-07-01T09:12:45.123456789Z`.
pub fn format_rfc3339(t: i64, nanos: u32) -> String {
    let mut s = String::with_capacity(30);
    crate::decimal::push_rfc3339(&mut s, t, nanos);
    s
}

/// RFC 2822 form for mail headers: `Tue, 04 Apr 2023 09:12:45 +0000`.
pub fn format_rfc2822(t: i64) -> String {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let d = Date::of_unix(t);
    let s = t.rem_euclid(DAY);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
        WD[t.div_euclid(DAY).rem_euclid(7) as usize],
        d.day,
        MON[d.month as usize - 1],
        d.year,
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_way_agrees_with_the_long_way() {
        const SHIFT: i64 = SHORT_WAY_SHIFT;
        // Every day of years 1600 to 2800 (three whole eras: the short way repeats itself every
        // 400 years, so with no overflow this covers its range), the ends of that range, day
        // numbers whose shift would overflow, and strides through and beyond the range.
        let every = Date { year: 1600, month: 1, day: 1 }.days()..Date { year: 2800, month: 1, day: 1 }.days();
        let edges = [
            -SHIFT - 5,
            -SHIFT - 1,
            -SHIFT,
            -SHIFT + 1,
            (1 << 30) - SHIFT - 1,
            (1 << 30) - SHIFT,
            i64::from(i32::MAX),
            i64::MAX - 1_000_000,
            i64::MIN + 1_000_000,
        ];
        let strided = (-SHIFT - 1_000_000..(1 << 30)).step_by(9_973);
        for z in every.chain(edges).chain(strided) {
            assert_eq!(Date::from_days(z), Date::from_days_long(z), "day {z}");
        }
    }

    #[test]
    fn round_trips() {
        for z in [-800_000i64, -1, 0, 1, 10_957, 19_000, 20_000, 2_932_896] {
            assert_eq!(Date::from_days(z).days(), z);
        }
        assert_eq!(Date::parse("1970-01-01").map(Date::days), Some(0));
        assert_eq!(Date::parse("2000-03-01").map(Date::days), Some(11_017));
        assert_eq!(Date::parse("2026-02-29"), None);
        assert_eq!(Date::parse("2024-02-29").map(|d| d.to_string()), Some("2024-02-29".into()));
        assert_eq!(Date::parse("junk"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(format_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(format_datetime(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_rfc2822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
    }
}
