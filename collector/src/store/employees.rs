//! An employee's own data: shifts and credited smile counts. Only the employee's
//! secret opens it; no query here is reachable with any other credential.

use sqlx::Row;

use super::{Store, StoreError};
use crate::secret::Secret;

/// The employee's current link to a station.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShiftState {
    pub station_id: String,
    pub started_at: i64,
    pub expires_at: i64,
    pub paused: bool,
}

/// Employee smiles credited in one bucket.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmployeeBucket {
    pub bucket_start: i64,
    pub bucket_minutes: i64,
    pub smiles: i64,
    pub smile_seconds: f64,
}

/// Everything stored about one employee.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeSummary {
    pub employee_id: String,
    pub created_at: i64,
    pub shift: Option<ShiftState>,
    pub buckets: Vec<EmployeeBucket>,
}

impl EmployeeSummary {
    pub fn smiles(&self) -> i64 {
        self.buckets.iter().map(|bucket| bucket.smiles).sum()
    }

    pub fn smile_seconds(&self) -> f64 {
        self.buckets.iter().map(|bucket| bucket.smile_seconds).sum()
    }
}

impl Store {
    /// Returns the employee a secret belongs to, or `None` for an unknown secret.
    pub async fn employee_by_secret(&self, secret: &Secret) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT employee_id FROM employees WHERE secret_hash = $1")
            .bind(secret.hash())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }

    /// Loads an employee's open shift and all credited buckets, oldest first.
    pub async fn employee_summary(
        &self,
        employee_id: &str,
        now: i64,
    ) -> Result<Option<EmployeeSummary>, StoreError> {
        let Some(employee) = sqlx::query("SELECT created_at FROM employees WHERE employee_id = $1")
            .bind(employee_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };

        let shift = sqlx::query(
            "SELECT station_id, started_at, expires_at, paused FROM shifts
             WHERE employee_id = $1 AND ended_at IS NULL AND expires_at > $2
             ORDER BY started_at DESC LIMIT 1",
        )
        .bind(employee_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| -> Result<ShiftState, sqlx::Error> {
            Ok(ShiftState {
                station_id: row.try_get(0)?,
                started_at: row.try_get(1)?,
                expires_at: row.try_get(2)?,
                paused: row.try_get::<i64, _>(3)? != 0,
            })
        })
        .transpose()?;

        let buckets = sqlx::query(
            "SELECT bucket_start, bucket_minutes, smiles, smile_seconds FROM employee_buckets
             WHERE employee_id = $1 ORDER BY bucket_start, bucket_minutes",
        )
        .bind(employee_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(EmployeeBucket {
                bucket_start: row.try_get(0)?,
                bucket_minutes: row.try_get(1)?,
                smiles: row.try_get(2)?,
                smile_seconds: row.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;

        Ok(Some(EmployeeSummary {
            employee_id: employee_id.to_owned(),
            created_at: employee.try_get(0)?,
            shift,
            buckets,
        }))
    }

    /// Pauses or resumes the employee's open shift; returns whether one was open.
    pub async fn set_shift_paused(
        &self,
        employee_id: &str,
        paused: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE shifts SET paused = $1
             WHERE employee_id = $2 AND ended_at IS NULL AND expires_at > $3",
        )
        .bind(i64::from(paused))
        .bind(employee_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Ends the employee's open shift; returns whether one was open.
    pub async fn end_shift(&self, employee_id: &str, now: i64) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE shifts SET ended_at = $1
             WHERE employee_id = $2 AND ended_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(employee_id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Deletes the employee with every shift and credited bucket.
    pub async fn delete_employee(&self, employee_id: &str) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        for statement in [
            "DELETE FROM employee_buckets WHERE employee_id = $1",
            "DELETE FROM shifts WHERE employee_id = $1",
            "DELETE FROM employees WHERE employee_id = $1",
        ] {
            sqlx::query(statement)
                .bind(employee_id)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Returns whether an employee with an open, unpaused shift is linked to the station.
    pub async fn station_has_active_employee(
        &self,
        station_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT shift_id FROM shifts
             WHERE station_id = $1 AND ended_at IS NULL AND expires_at > $2 AND paused = 0
             LIMIT 1",
        )
        .bind(station_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Counts rows that mention an employee in any table, for checking deletion.
    pub async fn count_employee_rows(&self, employee_id: &str) -> Result<i64, StoreError> {
        let mut total = 0;
        for statement in [
            "SELECT CAST(COUNT(*) AS BIGINT) FROM employee_buckets WHERE employee_id = $1",
            "SELECT CAST(COUNT(*) AS BIGINT) FROM shifts WHERE employee_id = $1",
            "SELECT CAST(COUNT(*) AS BIGINT) FROM employees WHERE employee_id = $1",
        ] {
            let count: i64 = sqlx::query(statement)
                .bind(employee_id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            total += count;
        }
        Ok(total)
    }

    /// Counts credited buckets of all employees, for checking that nothing was stored.
    pub async fn count_employee_buckets(&self) -> Result<i64, StoreError> {
        let count: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM employee_buckets")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(count)
    }
}
