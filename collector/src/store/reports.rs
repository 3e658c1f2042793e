//! Accepted reports and the crediting of employee counts to the linked employee.

use smile_sensor::report::AggregateReport;
use sqlx::Row;

use super::{Store, StoreError};
use crate::clock::DAY_S;
use crate::store::StationAuth;

/// A validated report together with what the collector adds at receipt.
#[derive(Debug, Clone)]
pub struct StoredReport {
    pub report: AggregateReport,
    pub station: StationAuth,
    /// Hash of the report's JSON form without employee counts. It distinguishes a
    /// retry of a report from a different report that reuses its id.
    pub fingerprint: String,
    pub received_at: i64,
}

/// Outcome of storing one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored for the first time. `employee_credited` is true when employee counts
    /// went to a linked employee, and false when they were dropped.
    Stored { employee_credited: bool },
    /// The same report was stored before; nothing changed.
    Duplicate,
    /// A different report with the same id was stored before; nothing changed.
    Conflict,
}

impl Store {
    /// Stores a batch of reports in one transaction and returns one outcome per
    /// report, in order. Nothing is stored if the transaction fails.
    pub async fn ingest_batch(
        &self,
        batch: &[StoredReport],
    ) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(batch.len());

        for stored in batch {
            let report = &stored.report;
            let report_id = report.report_id.to_string();
            let charity_grosz = i64::from(report.client.smiles()) * stored.station.grosz_per_smile;

            // The insert comes first so that SQLite takes its write lock at the start
            // of the transaction, where a busy database is waited for, instead of
            // upgrading a read lock later, which fails at once.
            let inserted = sqlx::query(
                "INSERT INTO reports (report_id, station_id, fingerprint, bucket_start,
                    bucket_minutes, interactions, interaction_seconds, client_smiles,
                    client_smile_seconds, group_name, charity_cause, charity_grosz,
                    received_at, received_day)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (report_id) DO NOTHING",
            )
            .bind(&report_id)
            .bind(report.station_id.as_str())
            .bind(&stored.fingerprint)
            .bind(report.bucket.start_unix_s())
            .bind(i64::from(report.bucket.minutes()))
            .bind(i64::from(report.interactions))
            .bind(report.interaction_seconds.get())
            .bind(i64::from(report.client.smiles()))
            .bind(report.client.smile_seconds().get())
            .bind(&stored.station.group_name)
            .bind(&stored.station.charity_cause)
            .bind(charity_grosz)
            .bind(stored.received_at)
            .bind(stored.received_at.div_euclid(DAY_S))
            .execute(&mut *transaction)
            .await?;

            if inserted.rows_affected() == 0 {
                let earlier: String =
                    sqlx::query("SELECT fingerprint FROM reports WHERE report_id = $1")
                        .bind(&report_id)
                        .fetch_one(&mut *transaction)
                        .await?
                        .try_get(0)?;
                outcomes.push(if earlier == stored.fingerprint {
                    IngestOutcome::Duplicate
                } else {
                    IngestOutcome::Conflict
                });
                continue;
            }

            let employee_credited = match report.employee {
                Some(counts) if counts.smiles() > 0 => {
                    credit_employee(&mut transaction, stored, counts).await?
                }
                _ => false,
            };
            outcomes.push(IngestOutcome::Stored { employee_credited });
        }

        transaction.commit().await?;
        Ok(outcomes)
    }

    /// Counts stored reports.
    pub async fn count_reports(&self) -> Result<i64, StoreError> {
        let count: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM reports")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(count)
    }

    /// Returns the client smiles stored under a report id, or `None` if it is unknown.
    pub async fn client_smiles_of(&self, report_id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT client_smiles FROM reports WHERE report_id = $1")
            .bind(report_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }
}

/// Adds the report's employee counts to the employee whose shift at the station
/// overlaps the bucket and who has not paused, and returns whether one was found.
/// With no such employee the counts are dropped.
async fn credit_employee(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    stored: &StoredReport,
    counts: smile_sensor::report::RoleCounts,
) -> Result<bool, StoreError> {
    let bucket = stored.report.bucket;
    // NOTE: when two shifts overlap one bucket (a hand-over at the desk), the
    // whole bucket goes to the shift that started last.
    let employee = sqlx::query(
        "SELECT employee_id FROM shifts
         WHERE station_id = $1 AND paused = 0 AND started_at < $2
           AND COALESCE(ended_at, expires_at) > $3
         ORDER BY started_at DESC LIMIT 1",
    )
    .bind(stored.report.station_id.as_str())
    .bind(bucket.end_unix_s())
    .bind(bucket.start_unix_s())
    .fetch_optional(&mut **transaction)
    .await?;
    let Some(employee) = employee else {
        return Ok(false);
    };
    let employee_id: String = employee.try_get(0)?;

    sqlx::query(
        "INSERT INTO employee_buckets (employee_id, bucket_start, bucket_minutes, smiles, smile_seconds)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (employee_id, bucket_start, bucket_minutes) DO UPDATE
         SET smiles = employee_buckets.smiles + excluded.smiles,
             smile_seconds = employee_buckets.smile_seconds + excluded.smile_seconds",
    )
    .bind(&employee_id)
    .bind(bucket.start_unix_s())
    .bind(i64::from(bucket.minutes()))
    .bind(i64::from(counts.smiles()))
    .bind(counts.smile_seconds().get())
    .execute(&mut **transaction)
    .await?;
    Ok(true)
}
