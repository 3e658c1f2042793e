//! Employee opt-in: pairing, crediting, pause, export and deletion.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{report_value, Reply, TestApp, NOON};

/// Pairs an employee with the station through the kiosk API and the consent
/// form, and returns the personal secret shown on the result page.
async fn pair(app: &TestApp, station_token: &str, existing_secret: &str) -> Reply {
    let created = app
        .send(
            "POST",
            "/api/v1/station/pairing-codes",
            Some(&format!("Bearer {station_token}")),
            "",
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let code = created.json()["code"].as_str().unwrap().to_owned();

    let form = format!("code={code}&consent=yes&lang=en&existing_secret={existing_secret}");
    app.request(
        Request::post("/pair")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await
}

fn secret_from(page: &Reply) -> String {
    let start = page
        .body
        .find("data-secret=\"")
        .unwrap_or_else(|| panic!("no secret in page: {}", page.body))
        + "data-secret=\"".len();
    page.body[start..start + 64].to_owned()
}

/// Builds a report for the bucket that starts at `NOON`. The tests pair at
/// `NOON`, so the shift overlaps that bucket.
fn employee_report(station_id: &str, client: u32, employee: u32) -> String {
    let mut value = report_value(station_id, NOON, client);
    value["employee"] =
        serde_json::json!({ "smiles": employee, "smile_seconds": f64::from(employee) });
    value.to_string()
}

async fn employee_active(app: &TestApp, station_token: &str) -> bool {
    let reply = app
        .get(
            "/api/v1/station/employee-status",
            Some(&format!("Bearer {station_token}")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["employee_active"].as_bool().unwrap()
}

#[tokio::test]
async fn paired_employee_sees_own_points() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    assert!(!employee_active(&app, &token).await);

    let page = pair(&app, &token, "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let secret = secret_from(&page);
    assert!(employee_active(&app, &token).await);

    let stored = app
        .post_report(&token, &employee_report("desk-01", 4, 3))
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);

    let me = app
        .get("/api/v1/me", Some(&format!("Bearer {secret}")))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = me.json();
    assert_eq!(me["smiles"], 3);
    assert_eq!(me["points"], 3);
    assert_eq!(me["shift"]["station_id"], "desk-01");
    assert_eq!(me["shift"]["paused"], false);
    assert_eq!(me["days"].as_array().unwrap().last().unwrap()["smiles"], 3);

    let chart = app
        .get("/api/v1/me/chart.svg", Some(&format!("Bearer {secret}")))
        .await;
    assert!(chart.body.starts_with("<svg"), "{}", chart.body);
}

#[tokio::test]
async fn unlinked_employee_counts_are_dropped() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;

    let stored = app
        .post_report(&token, &employee_report("desk-01", 4, 3))
        .await;

    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    assert_eq!(app.store.count_employee_buckets().await.unwrap(), 0);
    let client = app
        .store
        .client_smiles_of(stored.json()["report_id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(client, Some(4));
}

#[tokio::test]
async fn paused_employee_is_not_credited() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let secret = secret_from(&pair(&app, &token, "").await);
    let bearer = format!("Bearer {secret}");

    let paused = app
        .send("POST", "/api/v1/me/pause", Some(&bearer), "")
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    assert_eq!(paused.json()["shift"]["paused"], true);
    assert!(!employee_active(&app, &token).await);
    app.post_report(&token, &employee_report("desk-01", 1, 5))
        .await;

    app.send("POST", "/api/v1/me/resume", Some(&bearer), "")
        .await;
    assert!(employee_active(&app, &token).await);
    app.post_report(&token, &employee_report("desk-01", 1, 2))
        .await;

    let me = app.get("/api/v1/me", Some(&bearer)).await.json();
    assert_eq!(me["smiles"], 2);
}

#[tokio::test]
async fn ended_shift_unlinks_the_employee() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let secret = secret_from(&pair(&app, &token, "").await);
    let bearer = format!("Bearer {secret}");

    let ended = app
        .send("POST", "/api/v1/me/end-shift", Some(&bearer), "")
        .await;
    let again = app
        .send("POST", "/api/v1/me/end-shift", Some(&bearer), "")
        .await;

    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert!(ended.json()["shift"].is_null());
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(!employee_active(&app, &token).await);
}

#[tokio::test]
async fn shift_expires_after_the_configured_hours() {
    let app = TestApp::with_config(|config| config.shift_hours = 2).await;
    let token = app.station("desk-01", "north", "food bank").await;
    pair(&app, &token, "").await;

    app.clock.set(NOON + 2 * 3600 - 1);
    assert!(employee_active(&app, &token).await);
    app.clock.set(NOON + 2 * 3600);
    assert!(!employee_active(&app, &token).await);
}

#[tokio::test]
async fn returning_employee_keeps_one_account() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let secret = secret_from(&pair(&app, &token, "").await);
    app.post_report(&token, &employee_report("desk-01", 1, 2))
        .await;

    let second = pair(&app, &token, &secret).await;
    app.post_report(&token, &employee_report("desk-01", 1, 3))
        .await;

    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert!(
        !second.body.contains("data-secret"),
        "a returning employee gets no new secret"
    );
    let me = app
        .get("/api/v1/me", Some(&format!("Bearer {secret}")))
        .await
        .json();
    assert_eq!(me["smiles"], 5);
}

#[tokio::test]
async fn export_lists_every_credited_bucket() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let secret = secret_from(&pair(&app, &token, "").await);
    let bearer = format!("Bearer {secret}");
    app.post_report(&token, &employee_report("desk-01", 1, 3))
        .await;

    let csv = app.get("/api/v1/me/export.csv", Some(&bearer)).await;
    let json = app.get("/api/v1/me/export.json", Some(&bearer)).await;

    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body,
        format!("bucket_start_unix_s,bucket_minutes,smiles,smile_seconds\n{NOON},15,3,3\n")
    );
    assert!(csv.header("content-disposition").contains("attachment"));
    let buckets = &json.json()["buckets"];
    assert_eq!(buckets.as_array().unwrap().len(), 1);
    assert_eq!(buckets[0]["smiles"], 3);
}

#[tokio::test]
async fn deleted_employee_leaves_no_rows() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let secret = secret_from(&pair(&app, &token, "").await);
    let bearer = format!("Bearer {secret}");
    app.post_report(&token, &employee_report("desk-01", 1, 3))
        .await;
    let employee_id = app
        .store
        .employee_by_secret(&smile_collector::secret::Secret::new(secret.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.count_employee_rows(&employee_id).await.unwrap() >= 3);

    let deleted = app.send("DELETE", "/api/v1/me", Some(&bearer), "").await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store.count_employee_rows(&employee_id).await.unwrap(),
        0
    );
    assert_eq!(app.store.count_employee_buckets().await.unwrap(), 0);
    assert_eq!(
        app.get("/api/v1/me", Some(&bearer)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(!employee_active(&app, &token).await);
}

#[tokio::test]
async fn employee_data_needs_the_employee_secret() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    pair(&app, &token, "").await;

    for credential in [
        None,
        Some(format!("Bearer {token}")),
        Some(format!("Bearer {}", "f".repeat(64))),
    ] {
        let reply = app.get("/api/v1/me", credential.as_deref()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{credential:?}");
    }
}

#[tokio::test]
async fn pairing_code_works_once_and_expires() {
    let app = TestApp::with_config(|config| config.pairing_code_ttl_s = 60).await;
    let token = app.station("desk-01", "north", "food bank").await;
    let bearer = format!("Bearer {token}");
    let created = app
        .send("POST", "/api/v1/station/pairing-codes", Some(&bearer), "")
        .await
        .json();
    let code = created["code"].as_str().unwrap().to_owned();
    assert!(created["pairing_url"]
        .as_str()
        .unwrap()
        .contains("/pair?code="));

    let qr = app.get(created["qr_svg_url"].as_str().unwrap(), None).await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.header("content-type"), "image/svg+xml");
    assert!(qr.body.contains("<svg"));

    let submit = |code: String| {
        Request::post("/pair")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("code={code}&consent=yes")))
            .unwrap()
    };
    assert_eq!(
        app.request(submit(code.clone())).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.request(submit(code)).await.status,
        StatusCode::NOT_FOUND
    );

    let late = app
        .send("POST", "/api/v1/station/pairing-codes", Some(&bearer), "")
        .await
        .json();
    app.clock.set(NOON + 60);
    let late_code = late["code"].as_str().unwrap().to_owned();
    assert_eq!(
        app.request(submit(late_code)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pairing_without_consent_links_nobody() {
    let app = TestApp::new().await;
    let token = app.station("desk-01", "north", "food bank").await;
    let created = app
        .send(
            "POST",
            "/api/v1/station/pairing-codes",
            Some(&format!("Bearer {token}")),
            "",
        )
        .await
        .json();

    let reply = app
        .request(
            Request::post("/pair")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "code={}",
                    created["code"].as_str().unwrap()
                )))
                .unwrap(),
        )
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!employee_active(&app, &token).await);
}

#[tokio::test]
async fn pages_follow_the_preferred_language() {
    let app = TestApp::new().await;
    let polish = app
        .request(
            Request::get("/pair")
                .header("accept-language", "pl-PL,pl;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let english = app
        .request(
            Request::get("/me")
                .header("accept-language", "en-US,en;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;

    assert!(polish.body.contains("<html lang=\"pl\">"));
    assert!(polish.body.contains("Dołączam"));
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Delete everything"));
    assert!(!english.body.contains("<script>"), "no inline script");
    assert!(english.body.contains("src=\"/assets/employee.js\""));
}
