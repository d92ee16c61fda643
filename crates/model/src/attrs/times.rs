//! The times of files and folders: created, modified and accessed, inside the context's
//! window, shaped by the date preset, the hot data, the file classes and office hours.

use super::Timestamp;
use crate::Model;
use crate::date;
use crate::plan::DirContext;
use crate::rng::Rng;

/// The times a context allows: `(oldest, newest)` in Unix seconds.
pub fn time_window(m: &Model, ctx: &DirContext) -> (i64, i64) {
    let (mut lo, mut hi) = m.range;
    if let Some(y) = ctx.year {
        let (from, to) = ctx.months.unwrap_or((1, 12));
        let start = date::Date { year: y, month: u32::from(from), day: 1 }.unix();
        let end = if to == 12 {
            date::year_start(y + 1)
        } else {
            date::Date { year: y, month: u32::from(to) + 1, day: 1 }.unix()
        } - 1;
        lo = lo.max(start);
        hi = hi.min(end);
        if lo > hi {
            lo = hi;
        }
    }
    (lo, hi)
}

/// Created <= modified <= accessed, modified inside the context's window, skewed to recent.
pub(super) fn draw_times(m: &Model, ctx: &DirContext, rng: &mut Rng) -> [Timestamp; 3] {
    let (lo, hi) = time_window(m, ctx);
    let drawn = match hot_window(m, lo, hi) {
        Some(from) if rng.chance(m.profile.dates.hot_share) => {
            Drawn { secs: from + (rng.unit() * (hi - from) as f64) as i64, stamped: false, copied: None }
        }
        _ => draw_modified(m, lo, hi, rng),
    };
    let modified = if drawn.stamped { drawn.secs } else { office_hours(drawn.secs, lo, hi, rng) };
    let created = if let Some(copied) = drawn.copied {
        // Copied at a migration: the copy's creation time is the migration's, after the
        // modification time it kept (as Windows copies keep them).
        copied + rng.exponential(3.0 * 3_600.0) as i64
    } else if rng.chance(0.3) {
        modified
    } else {
        office_hours((modified - rng.exponential(40.0 * 86_400.0) as i64).max(lo), lo, hi, rng)
    };
    let accessed = (modified + rng.exponential(90.0 * 86_400.0) as i64).min(m.range.1).max(modified);
    let mut ns = || rng.below(1_000_000_000) as u32;
    let c = Timestamp { secs: created, nanos: ns() };
    let mut md = Timestamp { secs: modified, nanos: ns() };
    let mut a = Timestamp { secs: accessed, nanos: ns() };
    if md < c && drawn.copied.is_none() {
        md = c;
    }
    if a < md {
        a = md;
    }
    // A copy is read no earlier than it was made.
    if drawn.copied.is_some() && a < c {
        a = c;
    }
    [c, md, a]
}

/// Where hot data goes in a window (`[dates] hot_share`, `hot_days`): its last `hot_days`,
/// when the window reaches the range's end; `None` without hot data.
fn hot_window(m: &Model, lo: i64, hi: i64) -> Option<i64> {
    let d = &m.profile.dates;
    (d.hot_share > 0.0 && hi == m.range.1).then(|| (hi - i64::from(d.hot_days) * date::DAY).max(lo))
}

/// Times of a file whose class is drawn first (`[classes]`): the class's rule holds for them
/// (see [`crate::classes`]); a second shared by two times shares its nanoseconds too.
pub(super) fn class_times(
    m: &Model,
    ctx: &DirContext,
    t: &crate::classes::ClassTables,
    rng: &mut Rng,
) -> [Timestamp; 3] {
    let class = t.pick(ctx.classes, rng);
    let mut shift = |secs, lo, hi, rng: &mut Rng| office_hours(secs, lo, hi, rng);
    let [c, md, a] = crate::classes::draw_times(class, time_window(m, ctx), m.range.1, rng, &mut shift);
    let nanos = rng.below(1_000_000_000) as u32;
    let mut other = || rng.below(1_000_000_000) as u32;
    let at = |secs: i64, n: u32| Timestamp { secs, nanos: if secs == md { nanos } else { n } };
    let (cn, an) = (other(), other());
    // Accessed no earlier than modified: the same second takes the same nanoseconds.
    [
        at(c, cn).min(Timestamp { secs: md, nanos }),
        Timestamp { secs: md, nanos },
        at(a, an).max(Timestamp { secs: md, nanos }),
    ]
}

/// A modification time as the date preset draws it.
struct Drawn {
    secs: i64,
    /// Set by a migration job, at night: not moved into office hours.
    stamped: bool,
    /// Copied from an old system at this time (legacy-mess): created then, after `secs`.
    copied: Option<i64>,
}

/// The modification time within `[lo, hi]` (the tree's range, or a year folder's part of it),
/// shaped by the profile's date preset.
fn draw_modified(m: &Model, lo: i64, hi: i64, rng: &mut Rng) -> Drawn {
    use crate::profile::DatePreset;
    let span = (hi - lo) as f64;
    let at = |x: f64| lo + (span * x.clamp(0.0, 1.0)) as i64;
    let plain = |secs| Drawn { secs, stamped: false, copied: None };
    let u = rng.unit();
    let dates = &m.profile.dates;
    match dates.preset {
        // The age is span * u^1.5 (sqrt is exact everywhere and cheap).
        DatePreset::Aging => plain(hi - (span * u * u.sqrt()) as i64),
        DatePreset::Uniform => plain(at(u)),
        DatePreset::RecentSkew => {
            let bias = dates.recent_bias;
            if u < bias { plain(at(0.8 + 0.2 * u / bias)) } else { plain(at(0.8 * (u - bias) / (1.0 - bias))) }
        }
        DatePreset::YearSpread => {
            let (first, last) = (date::Date::of_unix(lo).year, date::Date::of_unix(hi).year);
            let year = first + ((u * f64::from(last - first + 1)) as i32).min(last - first);
            let start = date::year_start(year).max(lo);
            let end = (date::year_start(year + 1) - 1).min(hi);
            plain(start + (rng.unit() * (end - start) as f64) as i64)
        }
        DatePreset::LegacyMess => {
            let migration = legacy_migration(m);
            let v = rng.unit();
            if (lo..=hi).contains(&migration) && u < 0.15 {
                return Drawn { secs: migration, stamped: true, copied: None };
            }
            // Of the rest, 50 in 85 were modified before the migration (where the window
            // reaches back that far) and came over in it.
            if lo < migration && v < 50.0 / 85.0 {
                let secs = lo + (rng.unit() * (migration.min(hi) - lo) as f64) as i64;
                return Drawn { secs, stamped: false, copied: Some(migration.max(secs)) };
            }
            let from = migration.clamp(lo, hi);
            plain(from + (rng.unit() * (hi - from) as f64) as i64)
        }
    }
}

/// The migration night of the legacy-mess preset: 40% into the tree's range, 02:13 UTC.
pub fn legacy_migration(m: &Model) -> i64 {
    let (lo, hi) = m.range;
    let day = (lo + (hi - lo) * 2 / 5).div_euclid(date::DAY);
    day * date::DAY + 2 * 3_600 + 13 * 60
}

/// Where people work: most times moved to a weekday (weekends back to the Friday before) and
/// into working hours, 08:00 to 18:00 (UTC: the model has no time zones); the rest are left
/// as drawn (late nights, weekends, scheduled jobs). Stays within `[lo, hi]`.
fn office_hours(secs: i64, lo: i64, hi: i64, rng: &mut Rng) -> i64 {
    const DAY: i64 = 86_400;
    if !rng.chance(0.85) {
        return secs;
    }
    let mut day = secs.div_euclid(DAY);
    // 1970-01-01 was a Thursday: Monday is 0.
    let weekday = (day + 3).rem_euclid(7);
    if weekday >= 5 {
        day -= weekday - 4;
    }
    let hour_secs = 8 * 3_600 + rng.below(10 * 3_600) as i64;
    (day * DAY + hour_secs).clamp(lo, hi)
}
