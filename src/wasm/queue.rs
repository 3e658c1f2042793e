//! The report queue: every report is written to IndexedDB before it is sent, and
//! removed only after the collector has accepted it.
//!
//! A reload, a crash or a network outage therefore loses no report that reached the
//! queue. A report keeps its id and its exact body across retries, so the collector
//! recognises a repeated delivery and counts it once.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbObjectStoreParameters, IdbTransactionMode};

use super::idb;

/// Name of the IndexedDB database used when the page does not choose one.
pub const DEFAULT_DATABASE: &str = "smile-sensor";

const STORE: &str = "reports";
const SCHEMA_VERSION: u32 = 1;

/// First retry delay after a failed delivery, in milliseconds.
pub const RETRY_BASE_MS: f64 = 2_000.0;

/// Longest retry delay, in milliseconds. A collector that is down for hours is
/// asked again at least this often.
pub const RETRY_MAX_MS: f64 = 10.0 * 60_000.0;

/// Why the queue failed. IndexedDB errors carry the browser's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueueError {
    #[error("IndexedDB is not available in this context (private mode or storage disabled)")]
    Unavailable,

    #[error("IndexedDB {operation} failed: {message}")]
    Storage {
        operation: &'static str,
        message: String,
    },

    #[error("a queued report is malformed: {0}")]
    Malformed(String),
}

impl QueueError {
    fn storage(operation: &'static str, error: JsValue) -> Self {
        let message = error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| {
                error
                    .dyn_ref::<web_sys::DomException>()
                    .map(|error| error.message())
            })
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        Self::Storage { operation, message }
    }
}

/// A report waiting for delivery, as stored in IndexedDB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedReport {
    /// The report's own `report_id`, also the IndexedDB key.
    pub report_id: String,
    /// The report JSON exactly as it is sent, byte for byte on every retry.
    pub body: String,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// Earliest time of the next attempt, in milliseconds since the Unix epoch.
    pub next_attempt_ms: f64,
    /// When the report was queued, in milliseconds since the Unix epoch.
    pub queued_ms: f64,
    /// Set when the collector rejected the report as invalid: it is kept for
    /// inspection and never sent again.
    #[serde(default)]
    pub rejected: bool,
}

impl QueuedReport {
    /// A report due for delivery at once.
    pub fn new(report_id: String, body: String, now_ms: f64) -> Self {
        Self {
            report_id,
            body,
            attempts: 0,
            next_attempt_ms: now_ms,
            queued_ms: now_ms,
            rejected: false,
        }
    }

    /// Records a failed attempt at `now_ms` and schedules the next one.
    /// `random_unit` is a uniform random number in [0, 1) for the jitter.
    pub fn record_failure(&mut self, now_ms: f64, random_unit: f64) {
        self.attempts = self.attempts.saturating_add(1);
        self.next_attempt_ms = now_ms + retry_delay_ms(self.attempts, random_unit);
    }

    pub fn is_due(&self, now_ms: f64) -> bool {
        !self.rejected && self.next_attempt_ms <= now_ms
    }
}

/// Delay before retry number `attempts` (1 for the first retry), in milliseconds:
/// exponential backoff from [`RETRY_BASE_MS`] capped at [`RETRY_MAX_MS`], with
/// "equal jitter" (a random point in the upper half of the delay) so that stations
/// that lost the collector together do not all retry at the same instant.
pub fn retry_delay_ms(attempts: u32, random_unit: f64) -> f64 {
    let exponent = attempts.saturating_sub(1).min(30);
    let delay = (RETRY_BASE_MS * 2f64.powi(exponent as i32)).min(RETRY_MAX_MS);
    let unit = if random_unit.is_finite() {
        random_unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    delay / 2.0 + delay / 2.0 * unit
}

/// The IndexedDB store of reports waiting for delivery.
pub struct ReportQueue {
    database: IdbDatabase,
}

impl ReportQueue {
    /// Opens (and on first use creates) the queue in the database `name`.
    pub async fn open(name: &str) -> Result<Self, QueueError> {
        let factory = indexed_db()?;
        let request = factory
            .open_with_u32(name, SCHEMA_VERSION)
            .map_err(|error| QueueError::storage("open", error))?;
        let database = idb::open_with_upgrade(&request, |request, _event| {
            let Ok(result) = request.result() else {
                return;
            };
            let database: IdbDatabase = result.unchecked_into();
            if !database.object_store_names().contains(STORE) {
                let parameters = IdbObjectStoreParameters::new();
                parameters.set_key_path(&JsValue::from_str("reportId"));
                if let Err(error) =
                    database.create_object_store_with_optional_parameters(STORE, &parameters)
                {
                    log::error!("cannot create the {STORE} object store: {error:?}");
                }
            }
        })
        .await
        .map_err(|error| QueueError::storage("open", error))?;
        Ok(Self {
            database: database.unchecked_into(),
        })
    }

    /// Stores `report`, replacing a stored report with the same id, and returns once
    /// the write has committed.
    pub async fn put(&self, report: &QueuedReport) -> Result<(), QueueError> {
        let value = serde_wasm_bindgen::to_value(report)
            .map_err(|error| QueueError::Malformed(error.to_string()))?;
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite, "put")?;
        store
            .put(&value)
            .map_err(|error| QueueError::storage("put", error))?;
        idb::committed(&transaction)
            .await
            .map_err(|error| QueueError::storage("put", error))
    }

    /// Removes the report `report_id`; removing a missing report is not an error.
    pub async fn remove(&self, report_id: &str) -> Result<(), QueueError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite, "delete")?;
        store
            .delete(&JsValue::from_str(report_id))
            .map_err(|error| QueueError::storage("delete", error))?;
        idb::committed(&transaction)
            .await
            .map_err(|error| QueueError::storage("delete", error))
    }

    /// Returns every stored report, in report id order. A stored value that does
    /// not parse is logged and skipped, so one bad record cannot block the rest.
    pub async fn all(&self) -> Result<Vec<QueuedReport>, QueueError> {
        let (_transaction, store) = self.store(IdbTransactionMode::Readonly, "read")?;
        let request = store
            .get_all()
            .map_err(|error| QueueError::storage("read", error))?;
        let values = idb::settle(&request)
            .await
            .map_err(|error| QueueError::storage("read", error))?;
        let values: js_sys::Array = values
            .dyn_into()
            .map_err(|_| QueueError::Malformed("getAll did not return an array".into()))?;
        let mut reports = Vec::with_capacity(values.length() as usize);
        for value in values.iter() {
            match serde_wasm_bindgen::from_value::<QueuedReport>(value) {
                Ok(report) => reports.push(report),
                Err(error) => log::warn!("skipping a malformed queued report: {error}"),
            }
        }
        Ok(reports)
    }

    /// Closes the database connection; the stored reports stay.
    pub fn close(&self) {
        self.database.close();
    }

    fn store(
        &self,
        mode: IdbTransactionMode,
        operation: &'static str,
    ) -> Result<(web_sys::IdbTransaction, IdbObjectStore), QueueError> {
        let transaction = self
            .database
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|error| QueueError::storage(operation, error))?;
        let store = transaction
            .object_store(STORE)
            .map_err(|error| QueueError::storage(operation, error))?;
        Ok((transaction, store))
    }
}

/// Returns the IndexedDB factory of the window or worker this code runs in.
fn indexed_db() -> Result<web_sys::IdbFactory, QueueError> {
    let global = js_sys::global();
    let factory = js_sys::Reflect::get(&global, &JsValue::from_str("indexedDB"))
        .map_err(|_| QueueError::Unavailable)?;
    factory.dyn_into().map_err(|_| QueueError::Unavailable)
}
