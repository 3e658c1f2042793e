//! Report ingest: `POST /api/v1/reports`.
//!
//! A request carries one [`AggregateReport`] as JSON and the station's token as
//! `Authorization: Bearer TOKEN`. The handler validates it, then hands it to a
//! single writer task that stores waiting reports in one transaction per batch
//! (group commit), so that each fsync acknowledges many reports at once. A report
//! is acknowledged only after its transaction has committed.
//!
//! Responses: `201` with `{"report_id", "status": "stored"}` for a new report.
//! `200` with `"status": "duplicate"` for a retry of a stored report, which is
//! counted once. `409` when the id was stored with a different body. Any other
//! rejection is a `4xx` with an [`ApiError`](crate::web::ApiError) body naming
//! the field.

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use smile_sensor::report::AggregateReport;
use tokio::sync::{mpsc, oneshot};

use crate::secret::hash_hex;
use crate::store::{IngestOutcome, Store, StoredReport};
use crate::web::{authenticate_station, ApiError, AppState};

/// Largest accepted request body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Most reports stored in one transaction.
const MAX_BATCH: usize = 512;

/// Reports waiting for the writer before new requests wait for room.
const QUEUE_CAPACITY: usize = 8192;

struct Job {
    report: StoredReport,
    reply: oneshot::Sender<Option<IngestOutcome>>,
}

/// Sending side of the writer task's queue.
#[derive(Clone, Debug)]
pub struct IngestQueue(mpsc::Sender<Job>);

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("report_id", &self.report.report.report_id)
            .finish()
    }
}

impl IngestQueue {
    /// Starts the writer task. It ends once every clone of the queue is dropped and
    /// the reports already queued are stored.
    pub fn start(store: Store) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let writer = tokio::spawn(run_writer(store, receiver));
        (Self(sender), writer)
    }

    /// Queues a report and waits until it is stored. `None` means storing failed
    /// (the error is logged by the writer).
    async fn store(&self, report: StoredReport) -> Option<IngestOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.0.send(Job { report, reply }).await.ok()?;
        outcome.await.ok().flatten()
    }
}

async fn run_writer(store: Store, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let (reports, replies): (Vec<_>, Vec<_>) =
            jobs.drain(..).map(|job| (job.report, job.reply)).unzip();

        match store.ingest_batch(&reports).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Some(outcome));
                }
            }
            Err(error) => {
                let report_ids: Vec<String> = reports
                    .iter()
                    .map(|stored| stored.report.report_id.to_string())
                    .collect();
                tracing::error!(%error, ?report_ids, "failed to store a batch of reports");
                for reply in replies {
                    let _ = reply.send(None);
                }
            }
        }
    }
    tracing::info!("report writer stopped");
}

/// Handles `POST /api/v1/reports`.
pub async fn post_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let station = authenticate_station(&state, &headers).await?;

    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        tracing::warn!(station_id = %station.station_id, "rejected a report body over the size limit");
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {MAX_BODY_BYTES} bytes: send one report per request"),
        )
        .with_field("body")
    })?;

    let report = parse_report(&bytes).inspect_err(|error| {
        tracing::warn!(station_id = %station.station_id, field = ?error.field(), message = %error.message(), "rejected an invalid report");
    })?;
    let report_id = report.report_id.to_string();

    if report.station_id.as_str() != station.station_id {
        tracing::warn!(station_id = %station.station_id, %report_id, report_station_id = report.station_id.as_str(), "rejected a report for another station");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "station_mismatch",
            format!(
                "station_id {:?} does not match the token, which belongs to station {:?}",
                report.station_id.as_str(),
                station.station_id
            ),
        )
        .with_field("station_id"));
    }

    let now = state.now();
    let skew = state.config().max_clock_skew_s;
    if report.bucket.start_unix_s() > now + skew {
        tracing::warn!(station_id = %station.station_id, %report_id, bucket_start = report.bucket.start_unix_s(), now, "rejected a report from the future");
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bucket_in_future",
            format!(
                "invalid bucket_start {}: it is more than {skew} s after the collector's clock ({now}); check the station's clock",
                report.bucket.start_unix_s()
            ),
        )
        .with_field("bucket_start"));
    }

    let mut without_employee = report.clone();
    without_employee.employee = None;
    let stored = StoredReport {
        fingerprint: hash_hex(without_employee.to_json().as_bytes()),
        report,
        station,
        received_at: now,
    };
    let station_id = stored.station.station_id.clone();

    let outcome = state
        .ingest_queue()
        .store(stored)
        .await
        .ok_or_else(|| ApiError::internal(format!("storing report {report_id} failed")))?;

    match outcome {
        IngestOutcome::Stored { employee_credited } => {
            tracing::debug!(%station_id, %report_id, employee_credited, "stored a report");
            Ok((
                StatusCode::CREATED,
                Json(serde_json::json!({ "report_id": report_id, "status": "stored" })),
            )
                .into_response())
        }
        IngestOutcome::Duplicate => {
            tracing::info!(%station_id, %report_id, "acknowledged a repeated report");
            Ok((
                StatusCode::OK,
                Json(serde_json::json!({ "report_id": report_id, "status": "duplicate" })),
            )
                .into_response())
        }
        IngestOutcome::Conflict => {
            tracing::warn!(%station_id, %report_id, "rejected a different report under a stored id");
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "report_id_conflict",
                format!("report_id {report_id} was already stored with different counts: give each report a new random id"),
            )
            .with_field("report_id"))
        }
    }
}

/// Parses and validates a report, naming the offending field on failure.
pub fn parse_report(bytes: &[u8]) -> Result<AggregateReport, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let report: AggregateReport =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return invalid_json(&inner, &path);
            }
            let message = inner.to_string();
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_report",
                message.clone(),
            )
            .with_field(rejected_field(&path, &message))
        })?;
    deserializer
        .end()
        .map_err(|error| invalid_json(&error, "."))?;
    Ok(report)
}

/// Builds the `400` for a JSON syntax error, such as a number too large for a
/// double. `path` is where the parser stopped, and `.` names the whole body.
fn invalid_json(error: &serde_json::Error, path: &str) -> ApiError {
    let field = if path == "." || path.is_empty() {
        "body"
    } else {
        path
    };
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("the body is not valid JSON: {error}"),
    )
    .with_field(field)
}

/// Names the field a serde or report validation error is about. `path` is the
/// dotted location the deserializer had reached (`.` for the top level).
fn rejected_field(path: &str, message: &str) -> String {
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    for prefix in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some(name) = rest.split('`').next() {
                // The path already ends with an unknown field's name, but not
                // with a missing one's.
                let path_names_it = path == name || path.ends_with(&format!(".{name}"));
                return if path_names_it {
                    path.to_owned()
                } else {
                    join(name)
                };
            }
        }
    }
    // Report validation errors start with "invalid FIELD VALUE" or
    // "unsupported schema_version".
    for prefix in ["invalid ", "unsupported "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.split(' ').next().unwrap_or_default();
            let is_field_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'_' || byte == b'.');
            if is_field_name {
                return name.to_owned();
            }
        }
    }
    if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_field_reads_serde_and_report_errors() {
        assert_eq!(
            rejected_field("client.peak", "unknown field `peak`, expected one of"),
            "client.peak"
        );
        assert_eq!(
            rejected_field("peak", "unknown field `peak`, expected one of"),
            "peak"
        );
        assert_eq!(
            rejected_field(".", "missing field `report_id` at line 1"),
            "report_id"
        );
        assert_eq!(
            rejected_field(".", "invalid bucket_start 12: a 15-minute"),
            "bucket_start"
        );
        assert_eq!(
            rejected_field(".", "invalid client.smile_seconds -1: expected"),
            "client.smile_seconds"
        );
        assert_eq!(
            rejected_field(".", "unsupported schema_version 2: this build"),
            "schema_version"
        );
        assert_eq!(
            rejected_field("client.smiles", "invalid value: integer `-1`, expected u32"),
            "client.smiles"
        );
    }
}
