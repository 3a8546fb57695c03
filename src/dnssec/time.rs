//! Times in DNSSEC: seconds since 1970 (`u64`) everywhere inside, written as BIND's
//! `YYYYMMDDHHMMSS` (UTC) in key files and as 32-bit serial numbers in RRSIG records (RFC 4034
//! §3.1.5). Reading the clock happens in one place, [`now`], which only callers at the edge
//! (the command line, the daemon) use; everything else takes the time as a parameter.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::logging::civil_from_days;

/// Seconds since 1970-01-01 UTC.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYYMMDDHHMMSS` in UTC, as in BIND's key files and RRSIG presentation form.
pub fn format_timestamp(time: u64) -> String {
    let (date, (hour, minute, second)) = split(time);
    format!(
        "{:04}{:02}{:02}{hour:02}{minute:02}{second:02}",
        date.0, date.1, date.2
    )
}

/// Reads `YYYYMMDDHHMMSS` (UTC). Fields out of range (month 13, 25 o'clock, 31 February) are
/// rejected; years before 1970 too.
pub fn parse_timestamp(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let field = |from: usize, to: usize| -> u64 {
        bytes[from..to]
            .iter()
            .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'))
    };
    let (year, month, day) = (field(0, 4), field(4, 6), field(6, 8));
    let (hour, minute, second) = (field(8, 10), field(10, 12), field(12, 14));
    if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `2026-12-05T15:04:23Z`, for listings.
pub fn format_iso(time: u64) -> String {
    let ((year, month, day), (hour, minute, second)) = split(time);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// The readable form BIND writes after a time in `.key` comments: `Sat Dec  5 15:04:23 2026`
/// (here always in UTC).
pub fn format_readable(time: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let ((year, month, day), (hour, minute, second)) = split(time);
    let weekday = DAYS[(time / 86_400 % 7) as usize];
    let month = MONTHS[month as usize - 1];
    format!("{weekday} {month} {day:>2} {hour:02}:{minute:02}:{second:02} {year}")
}

/// The time as an RRSIG field: seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5).
pub fn to_serial(time: u64) -> u32 {
    time as u32
}

/// An RRSIG time field read back as the time nearest to `now` that it can stand for (serial
/// number arithmetic, RFC 1982, as RFC 4034 §3.1.5 asks).
pub fn from_serial(serial: u32, now: u64) -> u64 {
    let offset = serial.wrapping_sub(now as u32) as i32;
    now.saturating_add_signed(i64::from(offset))
}

fn split(time: u64) -> ((i64, u32, u32), (u64, u64, u64)) {
    let (days, rest) = (time / 86_400, time % 86_400);
    (
        civil_from_days(days as i64),
        (rest / 3600, rest % 3600 / 60, rest % 60),
    )
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date from 1970 on (the inverse of `civil_from_days`).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    const BEFORE: [u64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let years = year - 1970;
    // Leap days in the years before `year`, from 1970 on.
    let leaps = |y: u64| y / 4 - y / 100 + y / 400;
    let leap_days = leaps(year - 1) - leaps(1969);
    let this_year = u64::from(month > 2 && is_leap(year));
    years * 365 + leap_days + BEFORE[month as usize - 1] + this_year + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_timestamp(0), "19700101000000");
        assert_eq!(parse_timestamp("19700101000000"), Some(0));
        // From a key file dnssec-keygen wrote (and `date -u -d @...`).
        assert_eq!(parse_timestamp("20261205150423"), Some(1_796_483_063));
        assert_eq!(format_timestamp(1_796_483_063), "20261205150423");
        assert_eq!(format_readable(1_796_483_063), "Sat Dec  5 15:04:23 2026");
        assert_eq!(format_iso(1_796_483_063), "2026-12-05T15:04:23Z");
        for time in [951_782_400u64, 4_102_444_799, 1_709_164_800, 86_399] {
            assert_eq!(parse_timestamp(&format_timestamp(time)), Some(time));
        }
        assert_eq!(parse_timestamp("20240229120000"), Some(1_709_208_000));
    }

    #[test]
    fn bad_timestamps_are_refused() {
        for text in [
            "2026120515042",
            "202612051504231",
            "20261305150423",
            "20261200150423",
            "20230229000000",
            "20261205240000",
            "19691231235959",
            "2026120515042x",
            "+0261205150423",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    #[test]
    fn serial_times_resolve_near_now() {
        let now = 1_796_483_063u64;
        assert_eq!(from_serial(to_serial(now + 100), now), now + 100);
        assert_eq!(from_serial(to_serial(now - 100), now), now - 100);
        // Past 2106 the field wraps; it still reads as the nearby time.
        let later = (1u64 << 32) + 1000;
        assert_eq!(from_serial(to_serial(later + 5), later), later + 5);
        assert_eq!(from_serial(to_serial(later - 2000), later), later - 2000);
    }
}
