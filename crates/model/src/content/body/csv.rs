//! CSV bodies: three schemas (a ledger, a staff list, host metrics), each a list of named
//! columns, so a file's header row and its rows come from the same place.

use super::Rec;
use crate::rng::Rng;
use crate::words;

/// What a column holds.
#[derive(Clone, Copy)]
enum Column {
    /// The row's day, `2024-03-01`.
    Day,
    /// The row's day and a minute of it, `2024-03-01T14:05:00Z`.
    Minute,
    /// An account number, `4821-0042`.
    Account,
    /// One word of each list, a space between them (`John Smith`).
    Words(&'static [&'static [&'static str]]),
    /// A prefix and a number below the bound, zero-padded to the width (`E04217`, `srv-042`).
    Code(&'static str, u64, usize),
    /// A number below the bound, a point and this many digits (`1234.56`).
    Decimal(u64, u32),
    /// The same text in every row.
    Text(&'static str),
}

use Column::{Account, Code, Day, Decimal, Minute, Text, Words};

/// Defines [`csv_header`] and [`row`] from one table: each schema's columns, as `"Name":
/// Column`. A macro rather than a loop over a table, so every row is straight-line code for its
/// columns: text bodies are generated at gigabytes a second, and a loop over the columns (a
/// record no longer kept in registers, a jump per column) made CSV a quarter slower.
macro_rules! schemas {
    ($($schema:pat => [$first_name:literal: $first:expr $(, $name:literal: $column:expr)* $(,)?]),+ $(,)?) => {
        /// The header row of a CSV schema, CRLF-terminated as Excel writes it.
        pub fn csv_header(schema: u8) -> &'static str {
            match schema % 3 {
                $($schema => concat!($first_name $(, ",", $name)*, "\r\n"),)+
            }
        }

        /// One row of a schema, without its line end; `t` is its day.
        #[inline(always)]
        pub(super) fn row(w: &mut Rec, rng: &mut Rng, t: i64, schema: u8) {
            match schema % 3 {
                $($schema => {
                    value(w, rng, t, $first);
                    $(
                        w.byte(b',');
                        value(w, rng, t, $column);
                    )*
                })+
            }
        }
    };
}

schemas! {
    0 => [
        "Date": Day,
        "Account": Account,
        "Vendor": Words(&[words::COMPANIES]),
        "Description": Words(&[words::PROSE, words::PROSE]),
        "Amount": Decimal(50_000, 2),
        "Currency": Text("USD"),
    ],
    1 => [
        "EmployeeID": Code("E", 100_000, 5),
        "Name": Words(&[words::FIRST_NAMES, words::LAST_NAMES]),
        "Department": Words(&[words::DEFAULT_TOPICS]),
        "Title": Words(&[words::TITLES]),
        "StartDate": Day,
        "Notes": Words(&[words::PROSE, words::PROSE]),
    ],
    _ => [
        "Timestamp": Minute,
        "Host": Code("srv-", 200, 3),
        "Metric": Words(&[words::LOG_COMPONENTS]),
        "Value": Decimal(1000, 1),
        "Unit": Words(&[&["ms", "MB", "%", "req/s"]]),
        "Comment": Words(&[words::PROSE]),
    ],
}

/// One column's value in a row whose day is `t`.
#[inline(always)]
fn value(w: &mut Rec, rng: &mut Rng, t: i64, column: Column) {
    match column {
        Day => w.date(t),
        Minute => {
            w.date(t);
            w.byte(b'T');
            w.num(rng.below(24), 2);
            w.byte(b':');
            w.num(rng.below(60), 2);
            w.lit(b":00Z");
        }
        Account => {
            w.num(rng.range(1000, 9999), 4);
            w.byte(b'-');
            w.num(rng.below(10_000), 4);
        }
        Words(lists) => {
            for (k, list) in lists.iter().enumerate() {
                if k > 0 {
                    w.byte(b' ');
                }
                w.push(rng.word(list).as_bytes());
            }
        }
        Code(prefix, below, width) => {
            literal(w, prefix);
            w.num(rng.below(below), width);
        }
        Decimal(below, places) => {
            w.num(rng.below(below), 1);
            w.byte(b'.');
            w.num(rng.below(10u64.pow(places)), places as usize);
        }
        Text(text) => literal(w, text),
    }
}

/// Text of the table: byte by byte, which the compiler turns into stores of the known bytes (a
/// [`Rec::push`] is a call).
#[inline(always)]
fn literal(w: &mut Rec, text: &str) {
    for &b in text.as_bytes() {
        w.byte(b);
    }
}
