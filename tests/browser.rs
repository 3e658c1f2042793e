//! Browser tests of the wasm glue, run in headless Chromium by
//! `wasm-pack test --headless --chrome`: the options object, the report queue in
//! IndexedDB, delivery failures and the frame path from a canvas.
#![cfg(target_arch = "wasm32")]

use smile_sensor::roles::{CameraId, RoleConfig};
use smile_sensor::wasm::{
    classify_status, retry_delay_ms, Outcome, QueuedReport, ReportQueue, SensorConfig, SmileSensor,
    RETRY_BASE_MS, RETRY_MAX_MS,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test options are valid JSON")
}

const MINIMAL: &str = r#"{"collectorUrl": "http://127.0.0.1:8080/", "stationId": "desk-01", "stationToken": "t0ken"}"#;

/// Returns the message of the error `new SmileSensor(options)` throws.
fn rejection(json: &str) -> String {
    let error = match SmileSensor::new(options(json)) {
        Ok(_) => panic!("options {json} must be rejected"),
        Err(error) => JsValue::from(error),
    };
    error
        .dyn_into::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_default()
}

fn with(field: &str, value: &str) -> String {
    format!(
        r#"{{"collectorUrl": "http://127.0.0.1:8080", "stationId": "desk-01", "stationToken": "t0ken", "{field}": {value}}}"#
    )
}

#[wasm_bindgen_test]
fn minimal_options_get_documented_defaults() {
    let config = SensorConfig::from_js(options(MINIMAL)).expect("minimal options are valid");

    assert_eq!(config.collector_url, "http://127.0.0.1:8080");
    assert_eq!(config.bucket_minutes, 15);
    assert_eq!(config.max_frames_per_second, 10.0);
    assert_eq!(config.smile_threshold, 0.85);
    assert_eq!(config.models_url, "models/");
    assert_eq!(config.worker_url, "sensor-worker.js");
    assert_eq!(config.cameras.len(), 1);
    assert_eq!(
        config.session_config().roles,
        RoleConfig::ByCamera {
            client_camera: Some(CameraId(0)),
            employee_camera: None,
        }
    );
}

#[wasm_bindgen_test]
fn sensor_is_created_idle_without_a_camera() {
    let sensor = SmileSensor::new(options(MINIMAL)).expect("minimal options are valid");

    assert_eq!(sensor.state(), "idle");
    assert!(!sensor.camera_active());
}

#[wasm_bindgen_test]
fn invalid_fields_are_rejected_by_name_and_range() {
    let cases = [
        (
            "collectorUrl",
            r#""ftp://collector""#,
            "expected an absolute http:// or https:// URL",
        ),
        ("stationToken", r#""has space""#, "invalid stationToken"),
        (
            "bucketMinutes",
            "7",
            "expected one of [5, 10, 15, 20, 30, 60]",
        ),
        ("maxFramesPerSecond", "0", "expected a number from 1 to 30"),
        (
            "smileThreshold",
            "1.5",
            "expected a smile score from 0.25 to 0.95",
        ),
        ("language", r#""de""#, "unknown variant `de`"),
        ("frameRate", "5", "unknown field `frameRate`"),
        ("modelsUrl", r#""a b/""#, "invalid modelsUrl"),
    ];
    for (field, value, expected) in cases {
        let message = rejection(&with(field, value));
        assert!(message.contains(expected), "{field}: {message}");
    }

    let message = rejection(&MINIMAL.replace("desk-01", "Desk 01"));
    assert!(
        message.contains("invalid stationId \"Desk 01\""),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn camera_roles_must_be_distinct_and_include_the_client() {
    let message = rejection(&with(
        "cameras",
        r#"[{"role": "client"}, {"role": "client"}]"#,
    ));
    assert!(
        message.contains("role \"client\" appears twice"),
        "{message}"
    );

    let message = rejection(&with("cameras", r#"[{"role": "employee"}]"#));
    assert!(message.contains("a client camera is required"), "{message}");

    let message = rejection(&with("cameras", "[]"));
    assert!(message.contains("got 0 entries"), "{message}");

    let message = rejection(&with("cameras", r#"[{"role": "client", "device": "x"}]"#));
    assert!(message.contains("unknown field `device`"), "{message}");
}

#[wasm_bindgen_test]
fn two_cameras_map_to_camera_roles() {
    let json = with(
        "cameras",
        r#"[{"role": "employee", "deviceId": "cam-b"}, {"role": "client", "deviceId": "cam-a"}]"#,
    );
    let config = SensorConfig::from_js(options(&json)).expect("two cameras are valid");

    assert_eq!(
        config.session_config().roles,
        RoleConfig::ByCamera {
            client_camera: Some(CameraId(1)),
            employee_camera: Some(CameraId(0)),
        }
    );
}

#[wasm_bindgen_test]
fn zones_are_validated_with_option_names() {
    let overlapping = with(
        "zones",
        r#"{"client": [{"x": 0, "y": 0, "width": 0.6, "height": 1}], "employee": [{"x": 0.5, "y": 0, "width": 0.5, "height": 1}]}"#,
    );
    let message = rejection(&overlapping);
    assert!(message.contains("zones.employee[0]"), "{message}");
    assert!(
        message.contains("does not overlap zones.client[0]"),
        "{message}"
    );

    let outside = with(
        "zones",
        r#"{"client": [{"x": 0.5, "y": 0, "width": 0.7, "height": 1}]}"#,
    );
    let message = rejection(&outside);
    assert!(
        message.contains("invalid zones.client[0].width 0.7"),
        "{message}"
    );

    let two_cameras = r#"{"collectorUrl": "http://127.0.0.1", "stationId": "d", "stationToken": "t", "cameras": [{"role": "client"}, {"role": "employee"}], "zones": {"client": [{"x": 0, "y": 0, "width": 1, "height": 1}]}}"#;
    let message = rejection(two_cameras);
    assert!(message.contains("but 2 cameras are given"), "{message}");
}

#[wasm_bindgen_test]
fn smile_threshold_sets_both_session_thresholds() {
    let config = SensorConfig::from_js(options(&with("smileThreshold", "0.7"))).unwrap();
    let session = config.session_config();

    assert_eq!(session.smile.enter_threshold, 0.7);
    assert!((session.smile.exit_threshold - 0.5).abs() < 1e-6);
    assert!(session.validate().is_ok());
}

#[wasm_bindgen_test]
fn retry_delay_grows_exponentially_within_jitter_bounds() {
    assert_eq!(retry_delay_ms(1, 0.0), RETRY_BASE_MS / 2.0);
    assert_eq!(retry_delay_ms(1, 1.0), RETRY_BASE_MS);
    assert_eq!(retry_delay_ms(2, 1.0), RETRY_BASE_MS * 2.0);
    assert_eq!(retry_delay_ms(4, 1.0), RETRY_BASE_MS * 8.0);
    assert_eq!(retry_delay_ms(40, 1.0), RETRY_MAX_MS);
    assert_eq!(retry_delay_ms(u32::MAX, 0.0), RETRY_MAX_MS / 2.0);
    assert_eq!(retry_delay_ms(1, f64::NAN), RETRY_BASE_MS * 0.75);
}

#[wasm_bindgen_test]
fn http_statuses_are_classified_for_retry() {
    assert_eq!(classify_status(201), Outcome::Accepted);
    assert_eq!(classify_status(200), Outcome::Accepted);
    assert_eq!(classify_status(409), Outcome::Rejected { status: 409 });
    assert_eq!(classify_status(422), Outcome::Rejected { status: 422 });
    assert_eq!(classify_status(400), Outcome::Rejected { status: 400 });
    assert_eq!(classify_status(401), Outcome::Unauthorized { status: 401 });
    assert!(matches!(classify_status(429), Outcome::Retry { .. }));
    assert!(matches!(classify_status(503), Outcome::Retry { .. }));
}

#[wasm_bindgen_test]
async fn unreachable_collector_means_retry() {
    // Nothing listens on the discard port of the loopback address.
    let outcome =
        smile_sensor::wasm::send_report("http://127.0.0.1:9", "t0ken", r#"{"schema_version":1}"#)
            .await;

    assert!(matches!(outcome, Outcome::Retry { .. }), "{outcome:?}");
}

fn report(id: &str) -> QueuedReport {
    QueuedReport::new(id.to_owned(), format!(r#"{{"report_id":"{id}"}}"#), 1_000.0)
}

fn unique_database(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn queue_keeps_reports_until_removed() {
    let queue = ReportQueue::open(&unique_database("queue-keeps"))
        .await
        .unwrap();
    let first = report("3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b");
    let second = report("8c1e3f2b-9a4d-4e2f-b1c7-5d6e7f809a1b");

    queue.put(&first).await.unwrap();
    queue.put(&second).await.unwrap();
    let stored = queue.all().await.unwrap();
    assert_eq!(stored, vec![first.clone(), second.clone()]);

    queue.remove(&first.report_id).await.unwrap();
    assert_eq!(queue.all().await.unwrap(), vec![second]);
}

#[wasm_bindgen_test]
async fn queue_survives_reopening() {
    let name = unique_database("queue-reopen");
    let queued = report("3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b");
    let queue = ReportQueue::open(&name).await.unwrap();
    queue.put(&queued).await.unwrap();
    queue.close();

    let reopened = ReportQueue::open(&name).await.unwrap();
    assert_eq!(reopened.all().await.unwrap(), vec![queued]);
}

#[wasm_bindgen_test]
async fn putting_the_same_id_replaces_the_report() {
    let queue = ReportQueue::open(&unique_database("queue-replace"))
        .await
        .unwrap();
    let mut queued = report("3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b");
    queue.put(&queued).await.unwrap();

    queued.record_failure(5_000.0, 1.0);
    queue.put(&queued).await.unwrap();
    let stored = queue.all().await.unwrap();

    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].attempts, 1);
    assert_eq!(stored[0].next_attempt_ms, 5_000.0 + RETRY_BASE_MS);
    assert!(!stored[0].is_due(5_000.0));
    assert!(stored[0].is_due(5_000.0 + RETRY_BASE_MS));
    assert_eq!(stored[0].body, queued.body);
}

#[wasm_bindgen_test]
async fn removing_a_missing_report_is_not_an_error() {
    let queue = ReportQueue::open(&unique_database("queue-missing"))
        .await
        .unwrap();

    assert!(queue
        .remove("3f2b8c1e-9a4d-4e2f-b1c7-5d6e7f809a1b")
        .await
        .is_ok());
    assert!(queue.all().await.unwrap().is_empty());
}
