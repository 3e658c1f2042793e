//! The origin phones use to reach the collector, for pairing links and QR codes.

use axum::http::{header, HeaderMap};

use super::AppState;

/// Returns `public_url` from the configuration without a trailing slash, or else
/// `http://` plus the request's `Host` header, or else the listen address.
pub(crate) fn public_origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config().public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
        });
    match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", state.config().listen),
    }
}
