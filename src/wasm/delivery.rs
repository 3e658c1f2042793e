//! Delivery of one queued report to the collector with `fetch`.
//!
//! This is the only request the sensor makes with data in it: a `POST` of the
//! report JSON to `{collectorUrl}/api/v1/reports` with the station token as a
//! bearer token. No cookies or referrer go with it.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, ReferrerPolicy, Request, RequestCredentials, RequestInit, Response};

/// Path of the collector endpoint that receives reports.
pub const REPORTS_PATH: &str = "/api/v1/reports";

/// Result of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The collector stored the report, or had stored it before (a retry).
    Accepted,
    /// The collector will never accept this body (4xx other than 401, 403, 408 and
    /// 429, such as 409 for an id stored with other counts): keep it for inspection
    /// and stop sending it.
    Rejected { status: u16 },
    /// The station token was not accepted (401 or 403): retry later, because an
    /// administrator may restore the token.
    Unauthorized { status: u16 },
    /// The network or the collector failed (offline, 5xx, 408, 429): retry later.
    Retry { reason: String },
}

/// Classifies an HTTP status. The collector returns 200 for a repeated delivery of
/// a stored report, and 409 only when the id was stored with a different body,
/// which a retry of the same bytes cannot cause.
pub fn classify_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Accepted,
        401 | 403 => Outcome::Unauthorized { status },
        408 | 429 => Outcome::Retry {
            reason: format!("HTTP {status}"),
        },
        400..=499 => Outcome::Rejected { status },
        _ => Outcome::Retry {
            reason: format!("HTTP {status}"),
        },
    }
}

/// Sends `body` to the collector at `collector_url` and classifies the response.
pub async fn send_report(collector_url: &str, station_token: &str, body: &str) -> Outcome {
    match try_send(collector_url, station_token, body).await {
        Ok(status) => classify_status(status),
        Err(error) => Outcome::Retry {
            reason: describe(&error),
        },
    }
}

async fn try_send(collector_url: &str, station_token: &str, body: &str) -> Result<u16, JsValue> {
    let headers = Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    headers.set("Authorization", &format!("Bearer {station_token}"))?;

    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);

    let url = format!("{collector_url}{REPORTS_PATH}");
    let request = Request::new_with_str_and_init(&url, &init)?;
    let fetch = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))?
        .dyn_into::<js_sys::Function>()?;
    let response = JsFuture::from(js_sys::Promise::from(
        fetch.call1(&js_sys::global(), &request)?,
    ))
    .await?;
    let response: Response = response.dyn_into()?;
    Ok(response.status())
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "network error".to_owned())
}
