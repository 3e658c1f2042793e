//! The same flows on PostgreSQL, run when `SMILE_TEST_POSTGRES_URL` is set
//! (see `scripts/with-postgres.sh`). Each test works in its own schema.

mod common;

use axum::http::StatusCode;
use common::{postgres_url, report, report_value, TestApp, NOON};

async fn postgres_app() -> Option<TestApp> {
    let url = postgres_url().await?;
    Some(TestApp::with_config(|config| config.database_url = url).await)
}

#[tokio::test]
async fn postgres_stores_report_once() {
    let Some(app) = postgres_app().await else {
        return;
    };
    let token = app.station("desk-01", "north", "food bank").await;
    let mut value = report_value("desk-01", NOON - 900, 4);

    let first = app.post_report(&token, &value.to_string()).await;
    let retry = app.post_report(&token, &value.to_string()).await;
    value["client"]["smiles"] = 5.into();
    let conflict = app.post_report(&token, &value.to_string()).await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert_eq!(app.store.count_reports().await.unwrap(), 1);
}

#[tokio::test]
async fn postgres_revoked_token_is_rejected() {
    let Some(app) = postgres_app().await else {
        return;
    };
    let token = app.station("desk-01", "north", "food bank").await;

    app.store.revoke_tokens("desk-01", NOON).await.unwrap();
    let reply = app.post_report(&token, &report("desk-01", 1)).await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn postgres_employee_is_credited_exported_and_deleted() {
    let Some(app) = postgres_app().await else {
        return;
    };
    let token = app.station("desk-01", "north", "food bank").await;
    let code = smile_collector::secret::generate_pairing_code().unwrap();
    app.store
        .create_pairing_code("desk-01", &code, NOON + 600)
        .await
        .unwrap();
    let pairing = app
        .store
        .redeem_pairing_code(&code, None, NOON, 3600)
        .await
        .unwrap()
        .expect("the fresh code is redeemed");
    let secret = pairing.new_secret.expect("a new employee gets a secret");
    let bearer = format!("Bearer {}", secret.expose());
    let mut value = report_value("desk-01", NOON, 2);
    value["employee"] = serde_json::json!({ "smiles": 3, "smile_seconds": 3.0 });
    app.post_report(&token, &value.to_string()).await;

    let me = app.get("/api/v1/me", Some(&bearer)).await.json();
    let csv = app.get("/api/v1/me/export.csv", Some(&bearer)).await;
    let deleted = app.send("DELETE", "/api/v1/me", Some(&bearer), "").await;

    assert_eq!(me["points"], 3);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.store.count_employee_buckets().await.unwrap(), 0);
}

#[tokio::test]
async fn postgres_org_cells_count_distinct_stations() {
    let Some(app) = postgres_app().await else {
        return;
    };
    for index in 0..3 {
        let id = format!("desk-{index}");
        let token = app.station(&id, "north", "food bank").await;
        app.post_report(&token, &report(&id, 2)).await;
        app.post_report(&token, &report(&id, 1)).await;
    }

    let day = NOON.div_euclid(86_400);
    let cells = app.store.org_cells(day, day + 1).await.unwrap();

    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0].stations, 3);
    assert_eq!(cells[0].client_smiles, 9);
    assert_eq!(cells[0].charity_grosz, 9);
}
