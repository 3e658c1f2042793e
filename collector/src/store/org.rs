//! The only query behind the organisation page: sums per day of receipt, group
//! and charity cause, each with the number of distinct stations behind it.

use sqlx::Row;

use super::{Store, StoreError};

/// Sums over the reports received on one UTC day from the stations of one group
/// that fund one cause. Never shown as such unless `stations` reaches k.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgCell {
    /// Day of receipt, in days since 1970-01-01 UTC.
    pub day: i64,
    pub group_name: String,
    pub charity_cause: String,
    /// Distinct stations with at least one report in the cell.
    pub stations: i64,
    pub interactions: i64,
    pub interaction_seconds: f64,
    pub client_smiles: i64,
    pub client_smile_seconds: f64,
    pub charity_grosz: i64,
}

impl Store {
    /// Returns the cells for days of receipt in `first_day..end_day`.
    pub async fn org_cells(
        &self,
        first_day: i64,
        end_day: i64,
    ) -> Result<Vec<OrgCell>, StoreError> {
        let rows = sqlx::query(
            "SELECT received_day, group_name, charity_cause,
                    CAST(COUNT(DISTINCT station_id) AS BIGINT),
                    CAST(SUM(interactions) AS BIGINT),
                    SUM(interaction_seconds),
                    CAST(SUM(client_smiles) AS BIGINT),
                    SUM(client_smile_seconds),
                    CAST(SUM(charity_grosz) AS BIGINT)
             FROM reports
             WHERE received_day >= $1 AND received_day < $2
             GROUP BY received_day, group_name, charity_cause
             ORDER BY received_day, group_name, charity_cause",
        )
        .bind(first_day)
        .bind(end_day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OrgCell {
                    day: row.try_get(0)?,
                    group_name: row.try_get(1)?,
                    charity_cause: row.try_get(2)?,
                    stations: row.try_get(3)?,
                    interactions: row.try_get(4)?,
                    interaction_seconds: row.try_get(5)?,
                    client_smiles: row.try_get(6)?,
                    client_smile_seconds: row.try_get(7)?,
                    charity_grosz: row.try_get(8)?,
                })
            })
            .collect()
    }
}
