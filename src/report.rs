//! The aggregate report: the only data that ever leaves the device.
//!
//! A report covers one station and one coarse time bucket and carries counts only.
//! Its types cannot hold a timestamp finer than the bucket, a per-frame score, a
//! coordinate, an image or anything per face: every field is listed below, and
//! deserialisation rejects any other. The JSON form is documented by
//! `schema/aggregate-report.v1.schema.json`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Version of the JSON form written by this crate and the only one it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Bucket lengths a report may use, in minutes. Each divides an hour, so buckets
/// of one length line up across stations; none is finer than five minutes.
pub const BUCKET_MINUTES_ALLOWED: [u32; 6] = [5, 10, 15, 20, 30, 60];

/// Bucket length used unless a station is configured otherwise, in minutes.
pub const DEFAULT_BUCKET_MINUTES: u32 = 15;

/// Maximum length of a station id, in bytes.
pub const STATION_ID_MAX_LEN: usize = 64;

/// Upper bound for any seconds field. A report covers at most an hour, and even a
/// desk with many faces in view cannot accumulate more than this in one bucket.
pub const SECONDS_MAX: f64 = 1_000_000.0;

/// Reasons a report or one of its parts is invalid. Each message names the field
/// and the accepted values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error(
        "unsupported schema_version {found}: this build reads and writes version {SCHEMA_VERSION}"
    )]
    UnsupportedSchemaVersion { found: u32 },

    #[error("invalid report_id {value:?}: expected a random (version 4) UUID such as \"3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b\"")]
    InvalidReportId { value: String },

    #[error(
        "invalid station_id {value:?}: expected 1 to {STATION_ID_MAX_LEN} characters from a-z, 0-9, '-' and '_'"
    )]
    InvalidStationId { value: String },

    #[error("invalid bucket_minutes {value}: expected one of {BUCKET_MINUTES_ALLOWED:?}")]
    InvalidBucketMinutes { value: u32 },

    #[error(
        "invalid bucket_start {start}: a {minutes}-minute bucket must start at a multiple of {} seconds since the Unix epoch",
        u64::from(*minutes) * 60
    )]
    MisalignedBucket { start: i64, minutes: u32 },

    #[error(
        "invalid {field} {value}: expected a finite number of seconds from 0 to {SECONDS_MAX}"
    )]
    InvalidSeconds { field: &'static str, value: f64 },

    #[error("invalid {field} {seconds}: it must be 0 when the matching count is 0")]
    SecondsWithoutCount { field: &'static str, seconds: f64 },
}

/// Random identifier of one report, so that a retried delivery is recognised and
/// counted once. Formatted as a version 4 UUID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportId([u8; 16]);

impl ReportId {
    /// Builds an id from 16 random bytes, setting the UUID version and variant bits.
    ///
    /// The caller supplies the randomness (the browser's `crypto.getRandomValues`, the
    /// operating system natively), so this crate never reads a random source itself.
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl FromStr for ReportId {
    type Err = ReportError;

    /// Parses the hyphenated lowercase or uppercase form of a version 4 UUID.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || ReportError::InvalidReportId {
            value: value.chars().take(64).collect(),
        };
        let text = value.as_bytes();
        if text.len() != 36 {
            return Err(invalid());
        }

        let mut bytes = [0u8; 16];
        let mut nibbles = 0usize;
        for (position, &character) in text.iter().enumerate() {
            if matches!(position, 8 | 13 | 18 | 23) {
                if character != b'-' {
                    return Err(invalid());
                }
                continue;
            }
            let nibble = (character as char).to_digit(16).ok_or_else(invalid)? as u8;
            bytes[nibbles / 2] |= if nibbles % 2 == 0 {
                nibble << 4
            } else {
                nibble
            };
            nibbles += 1;
        }

        let is_version_4 = bytes[6] >> 4 == 4 && bytes[8] >> 6 == 0b10;
        if !is_version_4 {
            return Err(invalid());
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportId({self})")
    }
}

/// Name of a service desk, chosen by the administrator when the station is created.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct StationId(String);

impl StationId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for StationId {
    type Err = ReportError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let valid_length = (1..=STATION_ID_MAX_LEN).contains(&value.len());
        let valid_characters = value.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_'
        });
        if valid_length && valid_characters {
            Ok(Self(value.to_owned()))
        } else {
            Err(ReportError::InvalidStationId {
                value: value.chars().take(STATION_ID_MAX_LEN + 8).collect(),
            })
        }
    }
}

impl fmt::Display for StationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A coarse time span that a report covers, aligned to a multiple of its length
/// since the Unix epoch (so 15-minute buckets start at :00, :15, :30 and :45 UTC).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TimeBucket {
    start_unix_s: i64,
    minutes: u32,
}

impl TimeBucket {
    /// Validates a bucket given by its start, in seconds since the Unix epoch, and its
    /// length in minutes (one of [`BUCKET_MINUTES_ALLOWED`]).
    pub fn new(start_unix_s: i64, minutes: u32) -> Result<Self, ReportError> {
        if !BUCKET_MINUTES_ALLOWED.contains(&minutes) {
            return Err(ReportError::InvalidBucketMinutes { value: minutes });
        }
        if start_unix_s.rem_euclid(i64::from(minutes) * 60) != 0 {
            return Err(ReportError::MisalignedBucket {
                start: start_unix_s,
                minutes,
            });
        }
        Ok(Self {
            start_unix_s,
            minutes,
        })
    }

    /// Returns the bucket of length `minutes` that contains the instant `unix_ms`,
    /// given in milliseconds since the Unix epoch.
    pub fn containing(unix_ms: i64, minutes: u32) -> Result<Self, ReportError> {
        if !BUCKET_MINUTES_ALLOWED.contains(&minutes) {
            return Err(ReportError::InvalidBucketMinutes { value: minutes });
        }
        let length_s = i64::from(minutes) * 60;
        let start_unix_s = unix_ms.div_euclid(1000).div_euclid(length_s) * length_s;
        Ok(Self {
            start_unix_s,
            minutes,
        })
    }

    /// Start of the bucket, in seconds since the Unix epoch (inclusive).
    pub fn start_unix_s(&self) -> i64 {
        self.start_unix_s
    }

    /// End of the bucket, in seconds since the Unix epoch (exclusive).
    pub fn end_unix_s(&self) -> i64 {
        self.start_unix_s + self.length_s()
    }

    pub fn minutes(&self) -> u32 {
        self.minutes
    }

    /// Length of the bucket, in seconds.
    pub fn length_s(&self) -> i64 {
        i64::from(self.minutes) * 60
    }

    /// Returns the bucket that follows this one, of the same length.
    pub fn next(&self) -> Self {
        Self {
            start_unix_s: self.end_unix_s(),
            minutes: self.minutes,
        }
    }
}

/// A non-negative, finite duration in seconds, at most [`SECONDS_MAX`].
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, Default)]
pub struct Seconds(f64);

impl Seconds {
    pub const ZERO: Seconds = Seconds(0.0);

    /// Validates `value`; `field` names it in the error.
    pub fn new(field: &'static str, value: f64) -> Result<Self, ReportError> {
        if value.is_finite() && (0.0..=SECONDS_MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ReportError::InvalidSeconds { field, value })
        }
    }

    pub fn get(&self) -> f64 {
        self.0
    }
}

/// Smile counts of one role (client or employee) in one bucket.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct RoleCounts {
    smiles: u32,
    smile_seconds: Seconds,
}

impl RoleCounts {
    /// Validates a count of smile events and their summed integral of the smile score
    /// over time ("smile-seconds"); `role` names the field in the error.
    pub fn new(
        role: &'static str,
        smiles: u32,
        smile_seconds: Seconds,
    ) -> Result<Self, ReportError> {
        if smiles == 0 && smile_seconds.get() != 0.0 {
            return Err(ReportError::SecondsWithoutCount {
                field: role_seconds_field(role),
                seconds: smile_seconds.get(),
            });
        }
        Ok(Self {
            smiles,
            smile_seconds,
        })
    }

    /// Number of smile events that ended in the bucket.
    pub fn smiles(&self) -> u32 {
        self.smiles
    }

    /// Integral of the smile score over the duration of those events, in seconds.
    pub fn smile_seconds(&self) -> Seconds {
        self.smile_seconds
    }
}

fn role_seconds_field(role: &'static str) -> &'static str {
    match role {
        "employee" => "employee.smile_seconds",
        _ => "client.smile_seconds",
    }
}

/// Counts and totals of one station for one bucket, and nothing else.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "WireReport", into = "WireReport")]
pub struct AggregateReport {
    pub report_id: ReportId,
    pub station_id: StationId,
    pub bucket: TimeBucket,
    /// Customer interactions that ended in the bucket.
    pub interactions: u32,
    /// Summed duration of those interactions.
    pub interaction_seconds: Seconds,
    pub client: RoleCounts,
    /// Present only while the employee at the desk has opted in.
    pub employee: Option<RoleCounts>,
}

impl AggregateReport {
    /// Checks the rule that spans fields: seconds without a count cannot happen,
    /// because an interaction or event is attributed whole to the bucket it ends in.
    pub fn validate(&self) -> Result<(), ReportError> {
        if self.interactions == 0 && self.interaction_seconds.get() != 0.0 {
            return Err(ReportError::SecondsWithoutCount {
                field: "interaction_seconds",
                seconds: self.interaction_seconds.get(),
            });
        }
        Ok(())
    }

    /// Parses and validates the JSON form.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Serialises to the JSON form described by the schema.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .expect("a report contains only numbers and strings, so it always serialises")
    }
}

/// The JSON form, field for field. Kept private so that the only way to a report
/// from outside is through validation.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireReport {
    schema_version: u32,
    report_id: String,
    station_id: String,
    bucket_start: i64,
    bucket_minutes: u32,
    interactions: u32,
    interaction_seconds: f64,
    client: WireRoleCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    employee: Option<WireRoleCounts>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRoleCounts {
    smiles: u32,
    smile_seconds: f64,
}

impl WireRoleCounts {
    fn validate(self, role: &'static str) -> Result<RoleCounts, ReportError> {
        let smile_seconds = Seconds::new(role_seconds_field(role), self.smile_seconds)?;
        RoleCounts::new(role, self.smiles, smile_seconds)
    }
}

impl From<RoleCounts> for WireRoleCounts {
    fn from(counts: RoleCounts) -> Self {
        Self {
            smiles: counts.smiles,
            smile_seconds: counts.smile_seconds.get(),
        }
    }
}

impl TryFrom<WireReport> for AggregateReport {
    type Error = ReportError;

    fn try_from(wire: WireReport) -> Result<Self, Self::Error> {
        if wire.schema_version != SCHEMA_VERSION {
            return Err(ReportError::UnsupportedSchemaVersion {
                found: wire.schema_version,
            });
        }
        let report = Self {
            report_id: wire.report_id.parse()?,
            station_id: wire.station_id.parse()?,
            bucket: TimeBucket::new(wire.bucket_start, wire.bucket_minutes)?,
            interactions: wire.interactions,
            interaction_seconds: Seconds::new("interaction_seconds", wire.interaction_seconds)?,
            client: wire.client.validate("client")?,
            employee: wire
                .employee
                .map(|counts| counts.validate("employee"))
                .transpose()?,
        };
        report.validate()?;
        Ok(report)
    }
}

impl From<AggregateReport> for WireReport {
    fn from(report: AggregateReport) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            report_id: report.report_id.to_string(),
            station_id: report.station_id.0,
            bucket_start: report.bucket.start_unix_s,
            bucket_minutes: report.bucket.minutes,
            interactions: report.interactions,
            interaction_seconds: report.interaction_seconds.get(),
            client: report.client.into(),
            employee: report.employee.map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{
        "schema_version": 1,
        "report_id": "3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b",
        "station_id": "desk-01",
        "bucket_start": 1796380200,
        "bucket_minutes": 15,
        "interactions": 3,
        "interaction_seconds": 412.5,
        "client": { "smiles": 4, "smile_seconds": 9.25 },
        "employee": { "smiles": 2, "smile_seconds": 3.5 }
    }"#;

    fn with(field: &str, value: serde_json::Value) -> String {
        let mut document: serde_json::Value = serde_json::from_str(VALID).unwrap();
        let mut target = &mut document;
        let mut parts = field.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                target[part] = value.clone();
            } else {
                target = &mut target[part];
            }
        }
        document.to_string()
    }

    fn rejection(json: &str) -> String {
        AggregateReport::from_json(json)
            .expect_err("the report must be rejected")
            .to_string()
    }

    #[test]
    fn valid_report_round_trips_unchanged() {
        let report = AggregateReport::from_json(VALID).unwrap();
        let again = AggregateReport::from_json(&report.to_json()).unwrap();

        assert_eq!(report, again);
        assert_eq!(report.station_id.as_str(), "desk-01");
        assert_eq!(report.bucket.start_unix_s(), 1_796_380_200);
        assert_eq!(report.client.smiles(), 4);
        assert_eq!(report.employee.unwrap().smile_seconds().get(), 3.5);
    }

    #[test]
    fn employee_counts_are_optional() {
        let mut document: serde_json::Value = serde_json::from_str(VALID).unwrap();
        document.as_object_mut().unwrap().remove("employee");
        let report = AggregateReport::from_json(&document.to_string()).unwrap();

        assert_eq!(report.employee, None);
        assert!(!report.to_json().contains("employee"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let message = rejection(&with("face_boxes", serde_json::json!([[1, 2, 3, 4]])));
        assert!(message.contains("unknown field `face_boxes`"), "{message}");

        let message = rejection(&with("client.peak_score", serde_json::json!(0.9)));
        assert!(message.contains("unknown field `peak_score`"), "{message}");
    }

    #[test]
    fn negative_counts_are_rejected() {
        let message = rejection(&with("client.smiles", serde_json::json!(-1)));
        assert!(message.contains("invalid value: integer `-1`"), "{message}");
    }

    #[test]
    fn negative_or_huge_seconds_are_rejected() {
        let message = rejection(&with("interaction_seconds", serde_json::json!(-0.5)));
        assert!(
            message.contains("invalid interaction_seconds -0.5"),
            "{message}"
        );

        let message = rejection(&with("employee.smile_seconds", serde_json::json!(1e12)));
        assert!(
            message.contains("invalid employee.smile_seconds"),
            "{message}"
        );
    }

    #[test]
    fn non_finite_seconds_are_rejected() {
        assert!(Seconds::new("interaction_seconds", f64::NAN).is_err());
        assert!(Seconds::new("interaction_seconds", f64::INFINITY).is_err());
        // JSON has no literal for infinity; an overflowing number is a parse error.
        assert!(AggregateReport::from_json(&VALID.replace("412.5", "1e400")).is_err());
    }

    #[test]
    fn misaligned_bucket_is_rejected() {
        let message = rejection(&with("bucket_start", serde_json::json!(1_796_380_260i64)));
        assert!(
            message.contains("invalid bucket_start 1796380260"),
            "{message}"
        );
        assert!(message.contains("multiple of 900 seconds"), "{message}");
    }

    #[test]
    fn bucket_finer_than_five_minutes_is_rejected() {
        let message = rejection(&with("bucket_minutes", serde_json::json!(1)));
        assert!(message.contains("invalid bucket_minutes 1"), "{message}");
    }

    #[test]
    fn other_schema_versions_are_rejected() {
        let message = rejection(&with("schema_version", serde_json::json!(2)));
        assert!(
            message.contains("unsupported schema_version 2"),
            "{message}"
        );
    }

    #[test]
    fn seconds_without_a_count_are_rejected() {
        let message = rejection(&with("client.smiles", serde_json::json!(0)));
        assert!(message.contains("client.smile_seconds"), "{message}");

        let message = rejection(&with("interactions", serde_json::json!(0)));
        assert!(message.contains("interaction_seconds"), "{message}");
    }

    #[test]
    fn station_id_accepts_only_the_documented_alphabet() {
        assert!("desk-01".parse::<StationId>().is_ok());
        assert!("a".repeat(STATION_ID_MAX_LEN).parse::<StationId>().is_ok());

        for invalid in [
            "",
            "Desk-01",
            "desk 01",
            "desk/01",
            &"a".repeat(STATION_ID_MAX_LEN + 1),
        ] {
            assert!(
                invalid.parse::<StationId>().is_err(),
                "{invalid:?} must be rejected"
            );
        }
    }

    #[test]
    fn report_id_from_random_bytes_is_a_version_4_uuid() {
        let id = ReportId::from_random_bytes([0xff; 16]);
        let text = id.to_string();

        assert_eq!(text, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(text.parse::<ReportId>().unwrap(), id);
    }

    #[test]
    fn report_id_rejects_other_forms() {
        for invalid in [
            "",
            "3f2b8c1e9a4d4e2fb1c75d6e7f809a1b",
            "3f2b8c1e-9a4d-1e2f-b1c7-5d6e7f809a1b",
            "3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1g",
            "3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1bb",
        ] {
            assert!(
                invalid.parse::<ReportId>().is_err(),
                "{invalid:?} must be rejected"
            );
        }
    }

    #[test]
    fn bucket_containing_an_instant_is_aligned() {
        let bucket = TimeBucket::containing(1_796_380_200_000 + 14 * 60_000 + 59_999, 15).unwrap();
        assert_eq!(bucket.start_unix_s(), 1_796_380_200);
        assert_eq!(bucket.end_unix_s(), 1_796_380_200 + 900);
        assert_eq!(bucket.next().start_unix_s(), bucket.end_unix_s());

        let before_epoch = TimeBucket::containing(-1, 5).unwrap();
        assert_eq!(before_epoch.start_unix_s(), -300);
    }

    #[test]
    fn schema_file_lists_exactly_the_wire_fields() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schema/aggregate-report.v1.schema.json"))
                .unwrap();
        let report: serde_json::Value = serde_json::from_str(VALID).unwrap();

        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&schema["properties"]), keys(&report));
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert_eq!(
            keys(&schema["$defs"]["roleCounts"]["properties"]),
            keys(&report["client"])
        );
        assert_eq!(
            schema["properties"]["schema_version"]["const"],
            serde_json::json!(SCHEMA_VERSION)
        );
        assert_eq!(
            schema["properties"]["bucket_minutes"]["enum"],
            serde_json::json!(BUCKET_MINUTES_ALLOWED)
        );
    }
}
