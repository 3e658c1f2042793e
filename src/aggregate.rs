//! Builds the aggregate reports of one station from its smile events and
//! interactions.
//!
//! Each event and interaction is attributed whole to the time bucket in which it
//! ends, so a bucket never contains seconds without a count. A bucket that has already
//! been reported cannot change: anything ending in it later is attributed to the
//! earliest bucket not yet reported instead.

use std::collections::BTreeMap;

use crate::interaction::Interaction;
use crate::report::{
    AggregateReport, ReportError, ReportId, RoleCounts, Seconds, StationId, TimeBucket, SECONDS_MAX,
};
use crate::roles::Role;
use crate::smile_events::SmileEvent;
use crate::time::Timestamp;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct RoleTotals {
    smiles: u32,
    smile_seconds: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct BucketTotals {
    interactions: u32,
    interaction_seconds: f64,
    client: RoleTotals,
    /// `Some` once the employee was opted in during the bucket.
    employee: Option<RoleTotals>,
}

/// Sums of the buckets of one station that have not been reported yet.
#[derive(Clone, Debug)]
pub struct ReportBuilder {
    station_id: StationId,
    bucket_minutes: u32,
    buckets: BTreeMap<TimeBucket, BucketTotals>,
    /// Start of the earliest bucket that may still be reported, in seconds since the
    /// Unix epoch.
    reported_until_s: Option<i64>,
}

impl ReportBuilder {
    /// Creates a builder for buckets of `bucket_minutes`, one of
    /// [`crate::report::BUCKET_MINUTES_ALLOWED`].
    pub fn new(station_id: StationId, bucket_minutes: u32) -> Result<Self, ReportError> {
        TimeBucket::containing(0, bucket_minutes)?;
        Ok(Self {
            station_id,
            bucket_minutes,
            buckets: BTreeMap::new(),
            reported_until_s: None,
        })
    }

    /// Number of buckets holding totals that have not been reported.
    pub fn pending_buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Records that the station was counting at `at`, so its bucket is reported
    /// even with nothing in it, and with employee counts when `employee_counted`.
    pub fn mark_counting(&mut self, at: Timestamp, employee_counted: bool) {
        let totals = self.totals_at(at);
        if employee_counted && totals.employee.is_none() {
            totals.employee = Some(RoleTotals::default());
        }
    }

    /// Adds a smile event to the bucket in which it ends.
    pub fn add_smile(&mut self, event: &SmileEvent) {
        let totals = self.totals_at(event.end);
        let role_totals = match event.role {
            Role::Client => &mut totals.client,
            Role::Employee => totals.employee.get_or_insert_with(RoleTotals::default),
        };
        role_totals.smiles = role_totals.smiles.saturating_add(1);
        role_totals.smile_seconds += event.smile_seconds;
    }

    /// Adds an interaction to the bucket in which it ends.
    pub fn add_interaction(&mut self, interaction: &Interaction) {
        let totals = self.totals_at(interaction.end);
        totals.interactions = totals.interactions.saturating_add(1);
        totals.interaction_seconds += interaction.duration_seconds();
    }

    /// Deletes the employee counts of every bucket not yet reported, as when the
    /// employee opts out.
    pub fn discard_employee_counts(&mut self) {
        for totals in self.buckets.values_mut() {
            totals.employee = None;
        }
    }

    /// Removes and returns the reports of the buckets that end at or before `until`.
    /// `random_bytes` supplies 16 random bytes for each report id.
    pub fn take_until(
        &mut self,
        until: Timestamp,
        mut random_bytes: impl FnMut() -> [u8; 16],
    ) -> Vec<AggregateReport> {
        let until_s = (until.unix_ms() / 1000.0).floor() as i64;
        let mut reports = Vec::new();
        while let Some(entry) = self.buckets.first_entry() {
            if entry.key().end_unix_s() > until_s {
                break;
            }
            let (bucket, totals) = entry.remove_entry();
            self.reported_until_s = Some(bucket.end_unix_s());
            match self.report(bucket, totals, ReportId::from_random_bytes(random_bytes())) {
                Ok(report) => reports.push(report),
                // Unreachable while every count comes with its seconds; logged rather
                // than sent, because the collector would reject it anyway.
                Err(error) => log::error!(
                    "dropped the report of bucket {}: {error}",
                    bucket.start_unix_s()
                ),
            }
        }
        reports
    }

    /// Removes and returns the reports of every bucket, including the current one.
    pub fn take_all(&mut self, random_bytes: impl FnMut() -> [u8; 16]) -> Vec<AggregateReport> {
        let Some(last) = self.buckets.keys().next_back().copied() else {
            return Vec::new();
        };
        let end_ms = last.end_unix_s() as f64 * 1000.0;
        match Timestamp::from_unix_ms(end_ms) {
            Ok(until) => self.take_until(until, random_bytes),
            Err(error) => {
                log::error!("dropped {} unreported buckets: {error}", self.buckets.len());
                self.buckets.clear();
                Vec::new()
            }
        }
    }

    fn totals_at(&mut self, at: Timestamp) -> &mut BucketTotals {
        let at_ms = at.unix_ms().floor() as i64;
        let mut bucket = TimeBucket::containing(at_ms, self.bucket_minutes)
            .expect("bucket_minutes was validated in ReportBuilder::new");
        if let Some(reported_until_s) = self.reported_until_s {
            if bucket.start_unix_s() < reported_until_s {
                log::debug!(
                    "attributing a total from the reported bucket {} to the bucket at {reported_until_s}",
                    bucket.start_unix_s()
                );
                bucket = TimeBucket::containing(reported_until_s * 1000, self.bucket_minutes)
                    .expect("bucket_minutes was validated in ReportBuilder::new");
            }
        }
        self.buckets.entry(bucket).or_default()
    }

    fn report(
        &self,
        bucket: TimeBucket,
        totals: BucketTotals,
        report_id: ReportId,
    ) -> Result<AggregateReport, ReportError> {
        let report = AggregateReport {
            report_id,
            station_id: self.station_id.clone(),
            bucket,
            interactions: totals.interactions,
            interaction_seconds: capped_seconds("interaction_seconds", totals.interaction_seconds)?,
            client: role_counts("client", totals.client)?,
            employee: totals
                .employee
                .map(|employee| role_counts("employee", employee))
                .transpose()?,
        };
        report.validate()?;
        Ok(report)
    }
}

fn role_counts(role: &'static str, totals: RoleTotals) -> Result<RoleCounts, ReportError> {
    let field = if role == "employee" {
        "employee.smile_seconds"
    } else {
        "client.smile_seconds"
    };
    RoleCounts::new(
        role,
        totals.smiles,
        capped_seconds(field, totals.smile_seconds)?,
    )
}

/// Caps a sum at [`SECONDS_MAX`], which only a face in view for days (a poster, say)
/// could exceed, and logs when it does.
fn capped_seconds(field: &'static str, value: f64) -> Result<Seconds, ReportError> {
    if value > SECONDS_MAX {
        log::warn!("{field} {value} exceeds {SECONDS_MAX} s and is reported as {SECONDS_MAX}");
    }
    Seconds::new(field, value.min(SECONDS_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::SmileScore;
    use crate::time::at_ms;

    /// 2026-12-04 12:00:00 UTC, the start of a 15-minute bucket.
    const NOON_MS: f64 = 1_796_385_600_000.0;
    const MINUTE_MS: f64 = 60_000.0;

    fn builder() -> ReportBuilder {
        ReportBuilder::new("desk-01".parse().unwrap(), 15).unwrap()
    }

    fn smile(role: Role, start_ms: f64, end_ms: f64, smile_seconds: f64) -> SmileEvent {
        SmileEvent {
            role,
            start: at_ms(start_ms),
            end: at_ms(end_ms),
            peak: SmileScore::new(0.9).unwrap(),
            smile_seconds,
        }
    }

    fn counter_ids() -> impl FnMut() -> [u8; 16] {
        let mut next = 0u8;
        move || {
            next += 1;
            [next; 16]
        }
    }

    #[test]
    fn event_counts_in_bucket_it_ends_in() {
        let mut builder = builder();
        builder.mark_counting(at_ms(NOON_MS + 14.0 * MINUTE_MS), false);
        builder.add_smile(&smile(
            Role::Client,
            NOON_MS + 14.0 * MINUTE_MS + 58_000.0,
            NOON_MS + 15.0 * MINUTE_MS + 2_000.0,
            3.2,
        ));
        let reports = builder.take_until(at_ms(NOON_MS + 30.0 * MINUTE_MS), counter_ids());

        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].client.smiles(), 0);
        assert_eq!(reports[0].client.smile_seconds().get(), 0.0);
        assert_eq!(reports[1].bucket.start_unix_s(), 1_796_385_600 + 900);
        assert_eq!(reports[1].client.smiles(), 1);
        assert!((reports[1].client.smile_seconds().get() - 3.2).abs() < 1e-9);
    }

    #[test]
    fn open_bucket_is_not_taken() {
        let mut builder = builder();
        builder.add_smile(&smile(Role::Client, NOON_MS, NOON_MS + 1_000.0, 0.8));
        let early = builder.take_until(at_ms(NOON_MS + 14.0 * MINUTE_MS), counter_ids());

        assert!(early.is_empty());
        assert_eq!(builder.pending_buckets(), 1);
    }

    #[test]
    fn employee_counts_appear_only_when_opted_in() {
        let mut builder = builder();
        builder.mark_counting(at_ms(NOON_MS), false);
        builder.mark_counting(at_ms(NOON_MS + 15.0 * MINUTE_MS), true);
        builder.add_smile(&smile(
            Role::Employee,
            NOON_MS + 16.0 * MINUTE_MS,
            NOON_MS + 16.0 * MINUTE_MS + 900.0,
            0.7,
        ));
        let reports = builder.take_all(counter_ids());

        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].employee, None);
        let employee = reports[1].employee.expect("the employee had opted in");
        assert_eq!(employee.smiles(), 1);
    }

    #[test]
    fn opting_out_deletes_unreported_employee_counts() {
        let mut builder = builder();
        builder.mark_counting(at_ms(NOON_MS), true);
        builder.add_smile(&smile(Role::Employee, NOON_MS, NOON_MS + 900.0, 0.7));
        builder.discard_employee_counts();
        let reports = builder.take_all(counter_ids());

        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].employee, None);
    }

    #[test]
    fn interactions_sum_their_durations() {
        let mut builder = builder();
        for (start, end) in [(0.0, 30_000.0), (60_000.0, 150_000.0)] {
            builder.add_interaction(&Interaction {
                start: at_ms(NOON_MS + start),
                end: at_ms(NOON_MS + end),
                smiles: Vec::new(),
            });
        }
        let reports = builder.take_all(counter_ids());

        assert_eq!(reports[0].interactions, 2);
        assert!((reports[0].interaction_seconds.get() - 120.0).abs() < 1e-9);
    }

    #[test]
    fn late_event_moves_to_next_bucket() {
        let mut builder = builder();
        builder.mark_counting(at_ms(NOON_MS), false);
        let first = builder.take_until(at_ms(NOON_MS + 15.0 * MINUTE_MS), counter_ids());
        builder.add_smile(&smile(Role::Client, NOON_MS, NOON_MS + 1_000.0, 0.8));
        let second = builder.take_all(counter_ids());

        assert_eq!(first.len(), 1);
        assert_eq!(first[0].client.smiles(), 0);
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].bucket.start_unix_s(), 1_796_385_600 + 900);
        assert_eq!(second[0].client.smiles(), 1);
    }

    #[test]
    fn reports_have_distinct_ids_and_round_trip() {
        let mut builder = builder();
        builder.mark_counting(at_ms(NOON_MS), false);
        builder.mark_counting(at_ms(NOON_MS + 20.0 * MINUTE_MS), false);
        let reports = builder.take_all(counter_ids());

        assert_ne!(reports[0].report_id, reports[1].report_id);
        let again = AggregateReport::from_json(&reports[0].to_json()).unwrap();
        assert_eq!(again, reports[0]);
    }
}
