//! The organisation page: authentication, k-anonymity and CSV export.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::{report, TestApp, NOON};

const DAY: i64 = 86_400;

async fn viewer(app: &TestApp) -> String {
    let password = app.store.create_org_viewer("board", NOON).await.unwrap();
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("board:{}", password.expose()));
    format!("Basic {encoded}")
}

/// Creates five stations in group "north" (cause "food bank") and four in
/// "south" (cause "shelter"). Each sends one report on the day of `NOON`, and
/// then the clock moves to the next day so that this day is complete.
async fn two_groups(app: &TestApp, north_smiles: u32, south_smiles: u32) {
    for index in 0..5 {
        let id = format!("north-{index}");
        let token = app.station(&id, "north", "food bank").await;
        app.post_report(&token, &report(&id, north_smiles)).await;
    }
    for index in 0..4 {
        let id = format!("south-{index}");
        let token = app.station(&id, "south", "shelter").await;
        app.post_report(&token, &report(&id, south_smiles)).await;
    }
    app.clock.set(NOON + DAY);
}

#[tokio::test]
async fn org_page_requires_a_viewer() {
    let app = TestApp::new().await;
    viewer(&app).await;
    let wrong = base64::engine::general_purpose::STANDARD.encode("board:guess");

    for credential in [None, Some(format!("Basic {wrong}"))] {
        let reply = app.get("/org", credential.as_deref()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{credential:?}");
        assert!(reply.header("www-authenticate").starts_with("Basic"));
    }
    let export = app.get("/org/export.csv", None).await;
    assert_eq!(export.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn group_below_k_is_hidden() {
    let app = TestApp::new().await;
    let credential = viewer(&app).await;
    two_groups(&app, 10, 7).await;

    let page = app.get("/org?lang=en", Some(&credential)).await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<td>north</td><td class=\"number\">50</td>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("south"),
        "the small group must not appear"
    );
    assert!(
        !page.body.contains("shelter"),
        "the small group's cause must not appear"
    );
    // The grand total is north alone, so subtracting north from it reveals nothing.
    assert!(
        page.body.contains("<p class=\"figure\">50</p>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<p class=\"figure\">78</p>"),
        "78 would be north plus south"
    );
    assert!(
        page.body.contains("<p class=\"figure\">15</p>"),
        "interactions of north only"
    );
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains("PLN 0.50"), "50 smiles at 1 grosz");
}

#[tokio::test]
async fn csv_export_contains_only_published_cells() {
    let app = TestApp::new().await;
    let credential = viewer(&app).await;
    two_groups(&app, 10, 7).await;

    let csv = app.get("/org/export.csv", Some(&credential)).await;

    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert_eq!(
        lines[1],
        "2026-12-04,north,food bank,5,15,2062.5,50,46.2,50"
    );
}

#[tokio::test]
async fn group_reaching_k_becomes_visible() {
    let app = TestApp::new().await;
    let credential = viewer(&app).await;
    for index in 0..5 {
        let id = format!("south-{index}");
        let token = app.station(&id, "south", "shelter").await;
        app.post_report(&token, &report(&id, 2)).await;
    }
    app.clock.set(NOON + DAY);

    let page = app.get("/org?lang=en", Some(&credential)).await;

    assert!(
        page.body
            .contains("<td>shelter</td><td class=\"number\">10</td>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn incomplete_day_is_not_shown() {
    let app = TestApp::new().await;
    let credential = viewer(&app).await;
    for index in 0..5 {
        let id = format!("north-{index}");
        let token = app.station(&id, "north", "food bank").await;
        app.post_report(&token, &report(&id, 3)).await;
    }

    let today = app.get("/org/export.csv", Some(&credential)).await;
    app.clock.set(NOON + DAY);
    let tomorrow = app.get("/org/export.csv", Some(&credential)).await;

    assert_eq!(today.body.lines().count(), 1, "{}", today.body);
    assert_eq!(tomorrow.body.lines().count(), 2, "{}", tomorrow.body);
}

#[tokio::test]
async fn k_is_configurable() {
    let app = TestApp::with_config(|config| config.org_min_stations = 4).await;
    let credential = viewer(&app).await;
    two_groups(&app, 10, 7).await;

    let csv = app.get("/org/export.csv", Some(&credential)).await;

    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    assert!(csv.body.contains(",south,shelter,4,"));
}
