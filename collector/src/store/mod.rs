//! Storage on SQLite (the embedded default) or PostgreSQL, chosen by the
//! connection URL, through sqlx's `Any` driver so that both run the same SQL.
//!
//! The SQL sticks to what both engines accept: `BIGINT`, `DOUBLE PRECISION` and
//! `TEXT` columns, `$N` placeholders, `ON CONFLICT` and `RETURNING`. Sums of
//! integer columns are cast back to `BIGINT` because PostgreSQL widens them to
//! `NUMERIC`, which the `Any` driver cannot decode.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`, so a committed transaction
//! has reached the disk before the collector acknowledges it.

mod employees;
mod migrations;
mod org;
mod pairing;
mod reports;
mod stations;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor, Row};

pub use employees::{EmployeeBucket, EmployeeSummary, ShiftState};
pub use org::OrgCell;
pub use reports::{IngestOutcome, StoredReport};
pub use stations::{OrgViewer, Station, StationAuth};

/// Failure of a storage operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "invalid database URL {url:?}: expected sqlite://PATH or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedUrl { url: String },

    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    #[error("station {station_id:?} not found: create it with `smile-collector station create`")]
    StationNotFound { station_id: String },

    #[error("station {station_id:?} already exists")]
    StationExists { station_id: String },

    #[error("organisation viewer {name:?} not found")]
    ViewerNotFound { name: String },

    #[error(transparent)]
    Random(#[from] crate::secret::RandomError),
}

/// Database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connection pool plus the queries of the collector.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url`, creating a SQLite file if missing, and applies the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();

        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let with_mode = if rest.contains("mode=") {
                url.to_owned()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, with_mode)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnsupportedUrl {
                url: url.to_owned(),
            });
        };

        let options: AnyConnectOptions = url.parse()?;
        let options = options.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            connection.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;

        let store = Self { pool, backend };
        migrations::apply(&store.pool).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns SQLite's `journal_mode` and `synchronous` settings on a pooled
    /// connection (`synchronous` 2 is FULL), or `None` on PostgreSQL.
    pub async fn sqlite_durability(&self) -> Result<Option<(String, i64)>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mut connection = self.pool.acquire().await?;
        let journal_mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *connection)
            .await?
            .try_get(0)?;
        let synchronous: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *connection)
            .await?
            .try_get(0)?;
        Ok(Some((journal_mode, synchronous)))
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
