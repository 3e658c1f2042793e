//! Helpers shared by the integration tests: an app on a temporary SQLite file
//! with a clock the test sets, report builders, and a small HTTP/1.1 client for
//! tests against a real server.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use smile_collector::clock::ManualClock;
use smile_collector::store::Store;
use smile_collector::{app, AppState, Config};
use tower::ServiceExt;

/// 2026-12-04 12:00:00 UTC, a moment inside an aligned 15-minute bucket.
pub const NOON: i64 = 1_796_385_600;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub directory: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// Builds the app on a temporary SQLite file, or on a fresh PostgreSQL schema
    /// when `SMILE_TEST_POSTGRES_URL` is set, so the same tests cover both.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let database_url = match std::env::var("SMILE_TEST_POSTGRES_URL") {
            Ok(base) => fresh_schema_url(&base).await,
            Err(_) => format!(
                "sqlite://{}",
                directory.path().join("collector.sqlite3").display()
            ),
        };
        let mut config = Config {
            database_url,
            www_dir: directory.path().join("www"),
            ..Config::default()
        };
        adjust(&mut config);
        let store = Store::open(&config.database_url)
            .await
            .expect("the store opens");
        let clock = Arc::new(ManualClock::new(NOON));
        let (state, _writer) = AppState::new(config, store.clone(), clock.clone());
        Self {
            router: app(state.clone()),
            store,
            clock,
            state,
            directory,
        }
    }

    /// Creates a station and returns its token.
    pub async fn station(&self, station_id: &str, group: &str, cause: &str) -> String {
        self.store
            .create_station(station_id, group, cause, 1, NOON)
            .await
            .expect("the station is created")
            .expose()
            .to_owned()
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("the body is readable")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, authorization: Option<&str>) -> Reply {
        let mut builder = Request::get(path);
        if let Some(value) = authorization {
            builder = builder.header("authorization", value);
        }
        self.request(builder.body(Body::empty()).unwrap()).await
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(value) = authorization {
            builder = builder.header("authorization", value);
        }
        self.request(
            builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await
    }

    pub async fn post_report(&self, token: &str, report: &str) -> Reply {
        self.send(
            "POST",
            "/api/v1/reports",
            Some(&format!("Bearer {token}")),
            report,
        )
        .await
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// Returns a random version 4 UUID.
pub fn report_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random bytes");
    smile_sensor::report::ReportId::from_random_bytes(bytes).to_string()
}

/// Builds a valid report as a JSON value, for the 15-minute bucket at `bucket_start`.
pub fn report_value(station_id: &str, bucket_start: i64, client_smiles: u32) -> serde_json::Value {
    serde_json::json!({
        "schema_version": 1,
        "report_id": report_id(),
        "station_id": station_id,
        "bucket_start": bucket_start,
        "bucket_minutes": 15,
        "interactions": 3,
        "interaction_seconds": 412.5,
        "client": { "smiles": client_smiles, "smile_seconds": if client_smiles == 0 { 0.0 } else { 9.25 } },
    })
}

pub fn report(station_id: &str, client_smiles: u32) -> String {
    report_value(station_id, NOON - 900, client_smiles).to_string()
}

/// Sends one HTTP/1.1 request to a real server and returns the status and body.
pub fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;

    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("malformed response: {text:?}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Returns a URL for a fresh, empty schema in the PostgreSQL database named by
/// `SMILE_TEST_POSTGRES_URL`, or `None` (after printing why) when it is not set.
pub async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("SMILE_TEST_POSTGRES_URL") else {
        println!("skipped: SMILE_TEST_POSTGRES_URL not set");
        return None;
    };
    Some(fresh_schema_url(&base).await)
}

/// Creates a schema with a random name in the database at `base` and returns a
/// URL whose connections use it, so that tests running at once never meet.
async fn fresh_schema_url(base: &str) -> String {
    use sqlx::{Connection, Executor};

    let schema = format!("test_{}", &report_id().replace('-', "")[..16]);
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(base)
        .await
        .expect("SMILE_TEST_POSTGRES_URL accepts connections");
    connection
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("the test schema is created");
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}
