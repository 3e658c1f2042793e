//! Wall-clock time, injected so that tests can move it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds in one UTC day.
pub const DAY_S: i64 = 86_400;

/// Source of the current time, in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now_unix_s(&self) -> i64;
}

/// The operating system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_s(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            Err(before_epoch) => -i64::try_from(before_epoch.duration().as_secs()).unwrap_or(0),
        }
    }
}

/// A clock that stays where it is set, for tests.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(unix_s: i64) -> Self {
        Self(AtomicI64::new(unix_s))
    }

    pub fn set(&self, unix_s: i64) {
        self.0.store(unix_s, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_s(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Converts a day number (days since 1970-01-01, UTC) to its calendar date
/// `(year, month 1..=12, day 1..=31)`, by Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a day number as an ISO 8601 date, `YYYY-MM-DD`.
pub fn iso_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_date_matches_known_days() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(59), "1970-03-01");
        assert_eq!(iso_date(11_016), "2000-02-29");
        assert_eq!(iso_date(20_791), "2026-12-04");
        assert_eq!(iso_date(-1), "1969-12-31");
    }

    #[test]
    fn manual_clock_returns_what_was_set() {
        let clock = ManualClock::new(10);
        clock.set(1_796_380_200);
        assert_eq!(clock.now_unix_s(), 1_796_380_200);
    }
}
