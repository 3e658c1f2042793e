//! Short-lived pairing codes that link an employee to a station for one shift.

use sqlx::Row;

use super::{Store, StoreError};
use crate::secret::{generate_token, Secret};

/// The result of redeeming a pairing code.
#[derive(Debug)]
pub struct Pairing {
    pub station_id: String,
    /// End of the shift unless the employee ends it earlier, in Unix seconds.
    pub shift_expires_at: i64,
    /// The employee's new personal secret; `None` when an existing secret was reused.
    pub new_secret: Option<Secret>,
}

impl Store {
    /// Stores a pairing code (as a hash) for a station until `expires_at`.
    pub async fn create_pairing_code(
        &self,
        station_id: &str,
        code: &Secret,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pairing_codes (code_hash, station_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(code.hash())
        .bind(station_id)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Returns the station of an unused, unexpired pairing code.
    pub async fn pairing_code_station(
        &self,
        code: &Secret,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT station_id FROM pairing_codes
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(code.hash())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }

    /// Redeems a pairing code: marks it used, finds the employee by `existing_secret`
    /// or creates a new one, ends other open shifts at the station and of the
    /// employee, and starts a shift of `shift_s` seconds. Returns `None` when the code
    /// is unknown, used or expired.
    pub async fn redeem_pairing_code(
        &self,
        code: &Secret,
        existing_secret: Option<&Secret>,
        now: i64,
        shift_s: i64,
    ) -> Result<Option<Pairing>, StoreError> {
        let mut transaction = self.pool.begin().await?;

        let station = sqlx::query(
            "UPDATE pairing_codes SET used_at = $1
             WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING station_id",
        )
        .bind(now)
        .bind(code.hash())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(station) = station else {
            return Ok(None);
        };
        let station_id: String = station.try_get(0)?;

        let existing_employee = match existing_secret {
            Some(secret) => sqlx::query("SELECT employee_id FROM employees WHERE secret_hash = $1")
                .bind(secret.hash())
                .fetch_optional(&mut *transaction)
                .await?
                .map(|row| row.try_get::<String, _>(0))
                .transpose()?,
            None => None,
        };
        let (employee_id, new_secret) = match existing_employee {
            Some(employee_id) => (employee_id, None),
            None => {
                let employee_id = generate_token()?.expose().to_owned();
                let secret = generate_token()?;
                sqlx::query(
                    "INSERT INTO employees (employee_id, secret_hash, created_at) VALUES ($1, $2, $3)",
                )
                .bind(&employee_id)
                .bind(secret.hash())
                .bind(now)
                .execute(&mut *transaction)
                .await?;
                (employee_id, Some(secret))
            }
        };

        sqlx::query(
            "UPDATE shifts SET ended_at = $1
             WHERE ended_at IS NULL AND expires_at > $1 AND (station_id = $2 OR employee_id = $3)",
        )
        .bind(now)
        .bind(&station_id)
        .bind(&employee_id)
        .execute(&mut *transaction)
        .await?;

        let shift_expires_at = now + shift_s;
        sqlx::query(
            "INSERT INTO shifts (shift_id, employee_id, station_id, started_at, expires_at, paused)
             VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(generate_token()?.expose())
        .bind(&employee_id)
        .bind(&station_id)
        .bind(now)
        .bind(shift_expires_at)
        .execute(&mut *transaction)
        .await?;

        transaction.commit().await?;
        Ok(Some(Pairing {
            station_id,
            shift_expires_at,
            new_secret,
        }))
    }
}
