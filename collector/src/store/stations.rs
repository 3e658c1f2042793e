//! Stations, their bearer tokens, and organisation viewers.

use sqlx::Row;

use super::{Store, StoreError};
use crate::secret::{generate_token, Secret};

/// A service desk as the administrator configured it.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    pub station_id: String,
    /// Branch or region; organisation figures are sums over stations of one group.
    pub group_name: String,
    pub charity_cause: String,
    /// Donation per client smile, in grosz.
    pub grosz_per_smile: i64,
    /// Number of tokens issued and not revoked.
    pub active_tokens: i64,
}

/// The station a valid token belongs to, with the charity settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct StationAuth {
    pub station_id: String,
    pub group_name: String,
    pub charity_cause: String,
    pub grosz_per_smile: i64,
}

/// A person allowed to read the organisation page.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgViewer {
    pub name: String,
    pub created_at: i64,
}

impl Store {
    /// Creates a station and returns its first token, which is stored only as a hash.
    pub async fn create_station(
        &self,
        station_id: &str,
        group_name: &str,
        charity_cause: &str,
        grosz_per_smile: i64,
        now: i64,
    ) -> Result<Secret, StoreError> {
        let created = self
            .ensure_station(station_id, group_name, charity_cause, grosz_per_smile, now)
            .await?;
        if !created {
            return Err(StoreError::StationExists {
                station_id: station_id.to_owned(),
            });
        }
        self.issue_token(station_id, now).await
    }

    /// Creates the station unless it exists, leaving an existing one unchanged.
    /// Returns whether it was created.
    pub async fn ensure_station(
        &self,
        station_id: &str,
        group_name: &str,
        charity_cause: &str,
        grosz_per_smile: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO stations (station_id, group_name, charity_cause, grosz_per_smile, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (station_id) DO NOTHING",
        )
        .bind(station_id)
        .bind(group_name)
        .bind(charity_cause)
        .bind(grosz_per_smile)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() > 0)
    }

    /// Lists all stations, ordered by id.
    pub async fn list_stations(&self) -> Result<Vec<Station>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.station_id, s.group_name, s.charity_cause, s.grosz_per_smile,
                    CAST(COUNT(t.token_hash) AS BIGINT)
             FROM stations s
             LEFT JOIN station_tokens t ON t.station_id = s.station_id AND t.revoked_at IS NULL
             GROUP BY s.station_id, s.group_name, s.charity_cause, s.grosz_per_smile
             ORDER BY s.station_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Station {
                    station_id: row.try_get(0)?,
                    group_name: row.try_get(1)?,
                    charity_cause: row.try_get(2)?,
                    grosz_per_smile: row.try_get(3)?,
                    active_tokens: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// Sets the charity cause and donation per client smile of a station. Reports
    /// already received keep the settings they arrived under.
    pub async fn set_charity(
        &self,
        station_id: &str,
        charity_cause: &str,
        grosz_per_smile: i64,
    ) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE stations SET charity_cause = $1, grosz_per_smile = $2 WHERE station_id = $3",
        )
        .bind(charity_cause)
        .bind(grosz_per_smile)
        .bind(station_id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::StationNotFound {
                station_id: station_id.to_owned(),
            });
        }
        Ok(())
    }

    /// Issues an additional token for a station; earlier tokens stay valid until revoked.
    pub async fn issue_token(&self, station_id: &str, now: i64) -> Result<Secret, StoreError> {
        let token = generate_token()?;
        let inserted = sqlx::query(
            "INSERT INTO station_tokens (token_hash, station_id, issued_at)
             SELECT $1, station_id, $2 FROM stations WHERE station_id = $3",
        )
        .bind(token.hash())
        .bind(now)
        .bind(station_id)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::StationNotFound {
                station_id: station_id.to_owned(),
            });
        }
        Ok(token)
    }

    /// Revokes every token of a station and returns how many were active.
    pub async fn revoke_tokens(&self, station_id: &str, now: i64) -> Result<u64, StoreError> {
        let station_exists = sqlx::query("SELECT station_id FROM stations WHERE station_id = $1")
            .bind(station_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if !station_exists {
            return Err(StoreError::StationNotFound {
                station_id: station_id.to_owned(),
            });
        }
        let revoked = sqlx::query(
            "UPDATE station_tokens SET revoked_at = $1 WHERE station_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(station_id)
        .execute(&self.pool)
        .await?;
        Ok(revoked.rows_affected())
    }

    /// Returns the station a token belongs to, or `None` for an unknown or revoked token.
    pub async fn authenticate_station(
        &self,
        token: &Secret,
    ) -> Result<Option<StationAuth>, StoreError> {
        let row = sqlx::query(
            "SELECT s.station_id, s.group_name, s.charity_cause, s.grosz_per_smile
             FROM station_tokens t JOIN stations s ON s.station_id = t.station_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token.hash())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(StationAuth {
            station_id: row.try_get(0)?,
            group_name: row.try_get(1)?,
            charity_cause: row.try_get(2)?,
            grosz_per_smile: row.try_get(3)?,
        }))
    }

    /// Creates (or replaces the password of) an organisation viewer and returns the password.
    pub async fn create_org_viewer(&self, name: &str, now: i64) -> Result<Secret, StoreError> {
        let password = generate_token()?;
        sqlx::query(
            "INSERT INTO org_viewers (name, token_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash,
                                              created_at = excluded.created_at",
        )
        .bind(name)
        .bind(password.hash())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(password)
    }

    /// Removes an organisation viewer.
    pub async fn revoke_org_viewer(&self, name: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM org_viewers WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::ViewerNotFound {
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    pub async fn list_org_viewers(&self) -> Result<Vec<OrgViewer>, StoreError> {
        let rows = sqlx::query("SELECT name, created_at FROM org_viewers ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(OrgViewer {
                    name: row.try_get(0)?,
                    created_at: row.try_get(1)?,
                })
            })
            .collect()
    }

    /// Checks an organisation viewer's name and password.
    pub async fn authenticate_org_viewer(
        &self,
        name: &str,
        password: &Secret,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT name FROM org_viewers WHERE name = $1 AND token_hash = $2")
            .bind(name)
            .bind(password.hash())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}
