//! Schema migrations, applied in order at start and recorded in `schema_migrations`.

use sqlx::{AnyPool, Executor, Row};

/// Each migration is a list of statements; the index plus one is its version.
const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE stations (
        station_id TEXT PRIMARY KEY,
        group_name TEXT NOT NULL,
        charity_cause TEXT NOT NULL,
        grosz_per_smile BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE TABLE station_tokens (
        token_hash TEXT PRIMARY KEY,
        station_id TEXT NOT NULL REFERENCES stations (station_id),
        issued_at BIGINT NOT NULL,
        revoked_at BIGINT
    )",
    "CREATE INDEX station_tokens_by_station ON station_tokens (station_id)",
    // One row per accepted report. Group, cause and donation are copied from the
    // station at receipt so that later changes do not rewrite history. Employee
    // counts are never stored here.
    "CREATE TABLE reports (
        report_id TEXT PRIMARY KEY,
        station_id TEXT NOT NULL REFERENCES stations (station_id),
        fingerprint TEXT NOT NULL,
        bucket_start BIGINT NOT NULL,
        bucket_minutes BIGINT NOT NULL,
        interactions BIGINT NOT NULL,
        interaction_seconds DOUBLE PRECISION NOT NULL,
        client_smiles BIGINT NOT NULL,
        client_smile_seconds DOUBLE PRECISION NOT NULL,
        group_name TEXT NOT NULL,
        charity_cause TEXT NOT NULL,
        charity_grosz BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        received_day BIGINT NOT NULL
    )",
    "CREATE INDEX reports_by_received_day ON reports (received_day)",
    "CREATE TABLE employees (
        employee_id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL
    )",
    "CREATE TABLE shifts (
        shift_id TEXT PRIMARY KEY,
        employee_id TEXT NOT NULL REFERENCES employees (employee_id) ON DELETE CASCADE,
        station_id TEXT NOT NULL REFERENCES stations (station_id),
        started_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        ended_at BIGINT,
        paused BIGINT NOT NULL
    )",
    "CREATE INDEX shifts_by_station ON shifts (station_id, started_at)",
    "CREATE INDEX shifts_by_employee ON shifts (employee_id)",
    "CREATE TABLE employee_buckets (
        employee_id TEXT NOT NULL REFERENCES employees (employee_id) ON DELETE CASCADE,
        bucket_start BIGINT NOT NULL,
        bucket_minutes BIGINT NOT NULL,
        smiles BIGINT NOT NULL,
        smile_seconds DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (employee_id, bucket_start, bucket_minutes)
    )",
    "CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        station_id TEXT NOT NULL REFERENCES stations (station_id),
        expires_at BIGINT NOT NULL,
        used_at BIGINT
    )",
    "CREATE TABLE org_viewers (
        name TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
]];

/// Creates the migration table if needed and applies the migrations not yet recorded.
///
/// NOTE: two processes starting at the same moment on a new database can both
/// try the first migration; the second then fails on the existing tables and
/// succeeds when restarted. No lock serialises them.
pub(super) async fn apply(pool: &AnyPool) -> Result<(), sqlx::Error> {
    pool.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            applied_at BIGINT NOT NULL
        )",
    )
    .await?;

    let applied: i64 =
        sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
            .fetch_one(pool)
            .await?
            .try_get(0)?;

    for (index, statements) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= applied {
            continue;
        }
        let mut transaction = pool.begin().await?;
        for statement in *statements {
            transaction.execute(*statement).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(crate::clock::Clock::now_unix_s(&crate::clock::SystemClock))
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}
