//! Router tests through `oneshot`: ingest, validation, tokens, static files and headers.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{report, report_value, TestApp, NOON};

#[tokio::test]
async fn retried_report_is_stored_once() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let body = report("desk-01", 4);

    let first = app.post_report(&token, &body).await;
    let retry = app.post_report(&token, &body).await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["status"], "stored");
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.json()["status"], "duplicate");
    assert_eq!(app.store.count_reports().await.unwrap(), 1);
}

#[tokio::test]
async fn reused_report_id_is_a_conflict() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let mut value = report_value("desk-01", NOON - 900, 4);
    app.post_report(&token, &value.to_string()).await;
    value["client"]["smiles"] = 5.into();

    let reply = app.post_report(&token, &value.to_string()).await;

    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["error"]["field"], "report_id");
    let stored = app
        .store
        .client_smiles_of(value["report_id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(stored, Some(4));
}

#[tokio::test]
async fn bad_reports_are_rejected_by_field() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let valid = report_value("desk-01", NOON - 900, 4);

    let edit = |path: &[&str], value: serde_json::Value| {
        let mut document = valid.clone();
        let mut target = &mut document;
        for part in &path[..path.len() - 1] {
            target = &mut target[*part];
        }
        target[path[path.len() - 1]] = value;
        document.to_string()
    };
    let without = |field: &str| {
        let mut document = valid.clone();
        document.as_object_mut().unwrap().remove(field);
        document.to_string()
    };
    let oversized = {
        let mut document = valid.clone();
        document["padding"] = "x".repeat(17 * 1024).into();
        document.to_string()
    };

    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "unknown field",
            edit(&["face_boxes"], serde_json::json!([1, 2])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "face_boxes",
        ),
        (
            "unknown nested field",
            edit(&["client", "peak_score"], 0.9.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client.peak_score",
        ),
        (
            "negative count",
            edit(&["client", "smiles"], (-1).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client.smiles",
        ),
        (
            "fractional count",
            edit(&["interactions"], 1.5.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "interactions",
        ),
        (
            "negative seconds",
            edit(&["interaction_seconds"], (-0.5).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "interaction_seconds",
        ),
        (
            "huge seconds",
            edit(&["client", "smile_seconds"], 1e12.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client.smile_seconds",
        ),
        (
            "non-finite seconds",
            valid.to_string().replace("412.5", "1e400"),
            StatusCode::BAD_REQUEST,
            "interaction_seconds",
        ),
        (
            "misaligned bucket",
            edit(&["bucket_start"], (NOON - 899).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bucket_start",
        ),
        (
            "bucket too fine",
            edit(&["bucket_minutes"], 1.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bucket_minutes",
        ),
        (
            "future bucket",
            edit(&["bucket_start"], (NOON + 3600).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bucket_start",
        ),
        (
            "other schema version",
            edit(&["schema_version"], 2.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema_version",
        ),
        (
            "malformed report id",
            edit(&["report_id"], "42".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_id",
        ),
        (
            "missing field",
            without("interactions"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "interactions",
        ),
        (
            "other station",
            edit(&["station_id"], "desk-02".into()),
            StatusCode::FORBIDDEN,
            "station_id",
        ),
        (
            "not JSON",
            "smiles: 4".to_owned(),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        (
            "trailing data",
            format!("{valid} {{}}"),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        (
            "oversized body",
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
    ];

    for (case, body, status, field) in cases {
        let reply = app.post_report(&token, &body).await;
        assert_eq!(reply.status, status, "{case}: {}", reply.body);
        let error = &reply.json()["error"];
        assert_eq!(error["field"], field, "{case}: {}", reply.body);
        assert!(error["code"].is_string(), "{case}: {}", reply.body);
        assert!(
            !error["message"].as_str().unwrap_or("").is_empty(),
            "{case}"
        );
    }
    assert_eq!(app.store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn bucket_within_clock_skew_is_accepted() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    // The bucket that starts 15 minutes after noon is within the default 300 s skew
    // once the collector's clock reads 12:11.
    app.clock.set(NOON + 660);
    let body = report_value("desk-01", NOON + 900, 1).to_string();

    let reply = app.post_report(&token, &body).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn missing_or_unknown_token_is_unauthorized() {
    let app = TestApp::new().await;
    app.station("desk-01", "north", "food bank").await;
    let body = report("desk-01", 1);

    let missing = app.send("POST", "/api/v1/reports", None, &body).await;
    let unknown = app.post_report(&"0".repeat(64), &body).await;

    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.json()["error"]["field"], "Authorization");
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn revoked_token_is_rejected_and_new_token_works() {
    let app = TestApp::new().await;
    let old = app.station("desk-01", "north", "food bank").await;

    let revoked = app.store.revoke_tokens("desk-01", NOON).await.unwrap();
    let new = app.store.issue_token("desk-01", NOON).await.unwrap();

    assert_eq!(revoked, 1);
    let rejected = app.post_report(&old, &report("desk-01", 1)).await;
    assert_eq!(
        rejected.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        rejected.body
    );
    let accepted = app.post_report(new.expose(), &report("desk-01", 1)).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(app.store.count_reports().await.unwrap(), 1);
}

#[tokio::test]
async fn static_files_have_exact_headers() {
    let app = TestApp::new().await;
    let www = app.directory.path().join("www");
    std::fs::create_dir_all(www.join("pkg")).unwrap();
    std::fs::write(
        www.join("kiosk.html"),
        "<!doctype html><title>kiosk</title>",
    )
    .unwrap();
    std::fs::write(www.join("kiosk.js"), "export {};").unwrap();
    std::fs::write(www.join("worker.mjs"), "export {};").unwrap();
    std::fs::write(www.join("pkg/smile_sensor_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();

    let expected = [
        ("/kiosk.html", "text/html"),
        ("/kiosk.js", "text/javascript; charset=utf-8"),
        ("/worker.mjs", "text/javascript; charset=utf-8"),
        ("/pkg/smile_sensor_bg.wasm", "application/wasm"),
    ];
    for (path, content_type) in expected {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            reply.header("content-type").starts_with(content_type),
            "{path}: {}",
            reply.header("content-type")
        );
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(reply.header("referrer-policy"), "no-referrer", "{path}");
        assert!(
            reply.header("permissions-policy").contains("camera=(self)"),
            "{path}"
        );
        let policy = reply.header("content-security-policy");
        assert!(policy.contains("default-src 'self'"), "{path}");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{path}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{path}");
    }
    assert_eq!(
        app.get("/missing.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/../Cargo.toml", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn gzip_copy_is_served_when_accepted() {
    let app = TestApp::new().await;
    let pkg = app.directory.path().join("www/pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("smile_sensor_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(pkg.join("smile_sensor_bg.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("smile_sensor.js"), "export {};").unwrap();

    let request = |path: &str| {
        Request::get(path)
            .header("accept-encoding", "gzip, deflate, br")
            .body(Body::empty())
            .unwrap()
    };
    let compressed = app.request(request("/pkg/smile_sensor_bg.wasm")).await;
    assert_eq!(compressed.status, StatusCode::OK);
    assert_eq!(compressed.header("content-encoding"), "gzip");
    assert_eq!(compressed.header("content-type"), "application/wasm");
    assert_eq!(compressed.body, "gzip bytes");

    let plain = app.get("/pkg/smile_sensor_bg.wasm", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.body.as_bytes(), b"\0asm\x01\0\0\0");

    let without_copy = app.request(request("/pkg/smile_sensor.js")).await;
    assert_eq!(without_copy.status, StatusCode::OK);
    assert_eq!(without_copy.header("content-encoding"), "");
    assert_eq!(without_copy.body, "export {};");
}

#[tokio::test]
async fn home_page_falls_back_to_placeholder() {
    let app = TestApp::new().await;

    let placeholder = app.get("/", None).await;
    std::fs::create_dir_all(app.directory.path().join("www")).unwrap();
    std::fs::write(
        app.directory.path().join("www/index.html"),
        "<p>real home</p>",
    )
    .unwrap();
    let real = app.get("/", None).await;

    assert_eq!(placeholder.status, StatusCode::OK);
    assert!(placeholder.body.contains("/kiosk.html"));
    assert_eq!(real.body, "<p>real home</p>");
    let style = app.get("/assets/collector.css", None).await;
    assert!(style.header("content-type").starts_with("text/css"));
}

#[tokio::test]
async fn allowed_origin_may_call_station_api() {
    let app = TestApp::with_config(|config| {
        config.allowed_origins = vec!["https://intranet.example".to_owned()];
    })
    .await;
    let preflight = |origin: &'static str| {
        axum::http::Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/reports")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .body(axum::body::Body::empty())
            .unwrap()
    };

    let allowed = app.request(preflight("https://intranet.example")).await;
    let other = app.request(preflight("https://elsewhere.example")).await;

    assert_eq!(
        allowed.header("access-control-allow-origin"),
        "https://intranet.example"
    );
    assert!(allowed
        .header("access-control-allow-headers")
        .contains("authorization"));
    assert_eq!(other.header("access-control-allow-origin"), "");
}
