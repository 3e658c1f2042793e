//! Static files from `www/`, with a placeholder home page when `www/index.html`
//! does not exist yet.

use std::path::Path;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::ServeDir;

use super::AppState;

/// Serves files under `www_dir`; a missing file is a 404.
///
/// A client that accepts gzip gets `FILE.gz` instead of `FILE` where the build wrote
/// one, as it does for the wasm module, its JavaScript and the models, with
/// `Content-Encoding: gzip` and the content type of `FILE`.
pub(super) fn www_service(www_dir: &Path) -> ServeDir {
    ServeDir::new(www_dir)
        .append_index_html_on_directories(true)
        .precompressed_gzip()
}

/// Serves `www/index.html`, or a short bilingual placeholder when it is missing.
pub(super) async fn index(State(state): State<AppState>) -> Response {
    let path = state.config().www_dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(page) => Html(page).into_response(),
        Err(error) => {
            tracing::debug!(path = %path.display(), %error, "serving the placeholder home page");
            Html(PLACEHOLDER).into_response()
        }
    }
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smile-sensor</title>
<link rel="stylesheet" href="/assets/collector.css">
</head>
<body>
<main>
<h1>smile-sensor</h1>
<p>Kolektor działa. Strona kiosku: <a href="/kiosk.html">/kiosk.html</a>, strona organizacji: <a href="/org">/org</a>.</p>
<p lang="en">The collector is running. Kiosk page: <a href="/kiosk.html">/kiosk.html</a>, organisation page: <a href="/org">/org</a>.</p>
</main>
</body>
</html>
"#;
