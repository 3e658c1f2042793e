//! The HTTP router and the state its handlers share.

mod assets;
mod employee;
mod error;
mod headers;
mod org;
mod origin;
mod pairing;
mod static_files;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use error::ApiError;
pub use headers::CONTENT_SECURITY_POLICY;

use crate::clock::Clock;
use crate::config::Config;
use crate::ingest::IngestQueue;
use crate::secret::Secret;
use crate::store::{StationAuth, Store};

/// Shared state of all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    store: Store,
    clock: Arc<dyn Clock>,
    ingest_queue: IngestQueue,
}

impl AppState {
    /// Builds the state and starts the report writer. The returned task ends after
    /// every clone of the state is dropped and queued reports are stored.
    pub fn new(
        config: Config,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (ingest_queue, writer) = IngestQueue::start(store.clone());
        let state = Self(Arc::new(Inner {
            config,
            store,
            clock,
            ingest_queue,
        }));
        (state, writer)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// Current time, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.0.clock.now_unix_s()
    }

    pub(crate) fn ingest_queue(&self) -> &IngestQueue {
        &self.0.ingest_queue
    }
}

/// Builds the router: the API under `/api/v1`, the employee and organisation
/// pages, the collector's own assets, and `www/` as static files for the rest.
pub fn app(state: AppState) -> Router {
    let station_api = Router::new()
        .route("/api/v1/reports", post(crate::ingest::post_report))
        .route("/api/v1/station/employee-status", get(employee_status))
        .route(
            "/api/v1/station/pairing-codes",
            post(pairing::create_pairing_code),
        )
        .layer(station_api_cors(&state.config().allowed_origins));

    Router::new()
        .merge(station_api)
        .route("/pair", get(pairing::pair_page).post(pairing::pair_submit))
        .route("/pair/qr.svg", get(pairing::pairing_qr))
        .route("/me", get(employee::me_page))
        .route(
            "/api/v1/me",
            get(employee::get_me).delete(employee::delete_me),
        )
        .route("/api/v1/me/chart.svg", get(employee::get_chart))
        .route("/api/v1/me/pause", post(employee::pause))
        .route("/api/v1/me/resume", post(employee::resume))
        .route("/api/v1/me/end-shift", post(employee::end_shift))
        .route("/api/v1/me/export.json", get(employee::export_json))
        .route("/api/v1/me/export.csv", get(employee::export_csv))
        .route("/org", get(org::org_page))
        .route("/org/export.csv", get(org::org_csv))
        .route("/assets/employee.js", get(assets::employee_script))
        .route("/assets/pair.js", get(assets::pair_script))
        .route("/assets/collector.css", get(assets::style_sheet))
        .route("/", get(static_files::index))
        .fallback_service(static_files::www_service(&state.config().www_dir))
        .layer(middleware::from_fn(headers::add_security_headers))
        .with_state(state)
}

/// Lets pages from `allowed_origins` call the station API with a bearer token.
/// No cookies are involved, so credentials mode stays off. With no origins
/// configured no CORS header is sent and browsers allow only same-origin calls.
fn station_api_cors(allowed_origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600))
}

/// Extracts `Authorization: Bearer SECRET`.
pub(crate) fn bearer_secret(headers: &HeaderMap) -> Option<Secret> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !secret.is_empty()).then(|| Secret::new(secret))
}

/// Returns the station whose token the request carries.
pub(crate) async fn authenticate_station(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<StationAuth, ApiError> {
    let Some(token) = bearer_secret(headers) else {
        tracing::warn!("rejected a station request without a bearer token");
        return Err(ApiError::unauthorized(
            "Authorization",
            "missing station token: send the header `Authorization: Bearer TOKEN`",
        ));
    };
    match state.store().authenticate_station(&token).await? {
        Some(station) => Ok(station),
        None => {
            tracing::warn!("rejected an unknown or revoked station token");
            Err(ApiError::unauthorized(
                "Authorization",
                "unknown or revoked station token: issue a new one with `smile-collector station issue-token`",
            ))
        }
    }
}

/// Handles `GET /api/v1/station/employee-status`: whether an opted-in employee
/// with an unpaused shift is linked to the calling station. It returns nothing
/// about who the employee is.
async fn employee_status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let station = authenticate_station(&state, &headers).await?;
    let active = state
        .store()
        .station_has_active_employee(&station.station_id, state.now())
        .await?;
    Ok(Json(serde_json::json!({ "employee_active": active })))
}
