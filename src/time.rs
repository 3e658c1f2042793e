//! The single time axis of a session: milliseconds since the Unix epoch.
//!
//! The caller supplies every instant. The browser passes `performance.timeOrigin`
//! plus the frame's time, the replay tool passes a start time plus the frame's
//! presentation time. Nothing in the core reads a clock.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

/// Largest accepted timestamp, in milliseconds since the Unix epoch: 2^53, the
/// largest value up to which `f64` represents every whole millisecond.
pub const TIMESTAMP_MAX_MS: f64 = 9_007_199_254_740_992.0;

/// An instant in milliseconds since the Unix epoch, finite and from 0 to
/// [`TIMESTAMP_MAX_MS`]. Fractions of a millisecond are kept.
#[derive(Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct Timestamp(f64);

/// A timestamp outside the accepted range.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "invalid timestamp {value} ms: expected a finite number of milliseconds since the Unix epoch from 0 to {TIMESTAMP_MAX_MS}"
)]
pub struct TimestampError {
    pub value: f64,
}

impl Timestamp {
    /// Validates an instant given in milliseconds since the Unix epoch.
    pub fn from_unix_ms(value: f64) -> Result<Self, TimestampError> {
        if value.is_finite() && (0.0..=TIMESTAMP_MAX_MS).contains(&value) {
            Ok(Self(value))
        } else {
            Err(TimestampError { value })
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> f64 {
        self.0
    }

    /// Milliseconds from `earlier` to `self`; negative when `earlier` is later.
    pub fn millis_since(self, earlier: Timestamp) -> f64 {
        self.0 - earlier.0
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

// Total because the constructor admits finite values only.
impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({} ms)", self.0)
    }
}

#[cfg(test)]
pub(crate) fn at_ms(value: f64) -> Timestamp {
    Timestamp::from_unix_ms(value).expect("test timestamps are in range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_rejects_non_finite_and_negative_values() {
        for invalid in [f64::NAN, f64::INFINITY, -1.0, TIMESTAMP_MAX_MS * 2.0] {
            assert!(
                Timestamp::from_unix_ms(invalid).is_err(),
                "{invalid} must be rejected"
            );
        }
        assert!(Timestamp::from_unix_ms(0.0).is_ok());
        assert!(Timestamp::from_unix_ms(TIMESTAMP_MAX_MS).is_ok());
    }

    #[test]
    fn error_names_the_value() {
        let message = Timestamp::from_unix_ms(-5.0).unwrap_err().to_string();
        assert!(message.contains("invalid timestamp -5 ms"), "{message}");
    }
}
