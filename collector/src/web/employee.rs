//! The employee's own page and API. Every endpoint here requires the employee's
//! secret as `Authorization: Bearer SECRET`; no other credential opens them, and
//! no administration command reads them.
//!
//! - `GET /me`: the page; `/assets/employee.js` reads the secret from the URL
//!   fragment (or local storage) and calls the API below.
//! - `GET /api/v1/me`: points, smile totals, daily smiles and the open shift.
//! - `GET /api/v1/me/chart.svg`: daily smiles of the last 14 days as SVG.
//! - `POST /api/v1/me/pause`, `POST /api/v1/me/resume`, `POST /api/v1/me/end-shift`.
//! - `GET /api/v1/me/export.json`, `GET /api/v1/me/export.csv`: everything stored.
//! - `DELETE /api/v1/me`: deletes the employee, shifts and counts; `204` on success.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{bearer_secret, ApiError, AppState};
use crate::chart::{bar_chart, Bar};
use crate::clock::{iso_date, DAY_S};
use crate::html::{escape, page};
use crate::i18n::Lang;
use crate::store::EmployeeSummary;

/// Days shown in the employee's chart and daily list.
const CHART_DAYS: i64 = 14;

#[derive(Debug, Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

async fn authenticate_employee(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let unauthorized = || {
        ApiError::unauthorized(
            "Authorization",
            "missing or unknown personal link: open the link you received when you joined",
        )
    };
    let secret = bearer_secret(headers).ok_or_else(unauthorized)?;
    match state.store().employee_by_secret(&secret).await? {
        Some(employee_id) => Ok(employee_id),
        None => {
            tracing::warn!("rejected an unknown employee secret");
            Err(unauthorized())
        }
    }
}

async fn load_summary(state: &AppState, headers: &HeaderMap) -> Result<EmployeeSummary, ApiError> {
    let employee_id = authenticate_employee(state, headers).await?;
    state
        .store()
        .employee_summary(&employee_id, state.now())
        .await?
        .ok_or_else(|| ApiError::unauthorized("Authorization", "this personal link was deleted"))
}

/// Sums smiles per UTC day of the bucket start, for the last [`CHART_DAYS`] days.
fn daily_smiles(summary: &EmployeeSummary, now: i64) -> BTreeMap<i64, i64> {
    let today = now.div_euclid(DAY_S);
    let mut days: BTreeMap<i64, i64> = (today - CHART_DAYS + 1..=today)
        .map(|day| (day, 0))
        .collect();
    for bucket in &summary.buckets {
        if let Some(smiles) = days.get_mut(&bucket.bucket_start.div_euclid(DAY_S)) {
            *smiles += bucket.smiles;
        }
    }
    days
}

/// Handles `GET /api/v1/me`.
pub(super) async fn get_me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let summary = load_summary(&state, &headers).await?;
    let points_per_smile = i64::from(state.config().employee_points_per_smile);
    let days: Vec<_> = daily_smiles(&summary, state.now())
        .into_iter()
        .map(|(day, smiles)| serde_json::json!({ "date": iso_date(day), "smiles": smiles }))
        .collect();
    Ok(Json(serde_json::json!({
        "points": summary.smiles() * points_per_smile,
        "points_per_smile": points_per_smile,
        "smiles": summary.smiles(),
        "smile_seconds": summary.smile_seconds(),
        "shift": summary.shift,
        "days": days,
    })))
}

/// Handles `GET /api/v1/me/chart.svg`.
pub(super) async fn get_chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::negotiate(query.lang.as_deref(), &headers);
    let summary = load_summary(&state, &headers).await?;
    let bars: Vec<Bar> = daily_smiles(&summary, state.now())
        .into_iter()
        .map(|(day, smiles)| Bar {
            label: iso_date(day)[5..].to_owned(),
            value: smiles as f64,
        })
        .collect();
    let svg = bar_chart(
        lang.pick("Twoje uśmiechy dziennie", "Your smiles per day"),
        &bars,
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

async fn change_shift(
    state: &AppState,
    headers: &HeaderMap,
    action: ShiftAction,
) -> Result<Json<serde_json::Value>, ApiError> {
    let employee_id = authenticate_employee(state, headers).await?;
    let now = state.now();
    let changed = match action {
        ShiftAction::Pause => {
            state
                .store()
                .set_shift_paused(&employee_id, true, now)
                .await?
        }
        ShiftAction::Resume => {
            state
                .store()
                .set_shift_paused(&employee_id, false, now)
                .await?
        }
        ShiftAction::End => state.store().end_shift(&employee_id, now).await?,
    };
    if !changed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_open_shift",
            "no open shift: join a desk again with a code from its kiosk",
        ));
    }
    tracing::info!(?action, "an employee changed their shift");
    let summary = state.store().employee_summary(&employee_id, now).await?;
    Ok(Json(
        serde_json::json!({ "shift": summary.and_then(|summary| summary.shift) }),
    ))
}

#[derive(Debug, Clone, Copy)]
enum ShiftAction {
    Pause,
    Resume,
    End,
}

pub(super) async fn pause(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_shift(&state, &headers, ShiftAction::Pause).await
}

pub(super) async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_shift(&state, &headers, ShiftAction::Resume).await
}

pub(super) async fn end_shift(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_shift(&state, &headers, ShiftAction::End).await
}

/// Handles `GET /api/v1/me/export.json`: every stored bucket and the open shift.
pub(super) async fn export_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let summary = load_summary(&state, &headers).await?;
    let body = serde_json::json!({
        "created_at": summary.created_at,
        "points_per_smile": state.config().employee_points_per_smile,
        "shift": summary.shift,
        "buckets": summary.buckets,
    });
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"my-smiles.json\"",
        )],
        Json(body),
    )
        .into_response())
}

/// Handles `GET /api/v1/me/export.csv`: one row per stored bucket.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let summary = load_summary(&state, &headers).await?;
    let mut csv = String::from("bucket_start_unix_s,bucket_minutes,smiles,smile_seconds\n");
    for bucket in &summary.buckets {
        let _ = writeln!(
            csv,
            "{},{},{},{}",
            bucket.bucket_start, bucket.bucket_minutes, bucket.smiles, bucket.smile_seconds
        );
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"my-smiles.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// Handles `DELETE /api/v1/me`.
pub(super) async fn delete_me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let employee_id = authenticate_employee(&state, &headers).await?;
    state.store().delete_employee(&employee_id).await?;
    tracing::info!("an employee deleted their data");
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `GET /me`: the page frame; numbers arrive from the API.
pub(super) async fn me_page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Html<String> {
    let lang = Lang::negotiate(query.lang.as_deref(), &headers);
    let text = |polish: &str, english: &str| escape(lang.pick(polish, english));
    let body = format!(
        "<h1>{heading}</h1>\n\
         <div id=\"employee\" data-lang=\"{lang_tag}\" \
         data-msg-no-link=\"{no_link}\" data-msg-error=\"{error}\" data-msg-deleted=\"{deleted}\" \
         data-msg-confirm-delete=\"{confirm_delete}\" data-msg-paused=\"{paused}\" data-msg-active=\"{active}\" \
         data-msg-no-shift=\"{no_shift}\" data-msg-until=\"{until}\">\n\
         <p id=\"status\" role=\"status\"></p>\n\
         <section id=\"results\" hidden>\n\
         <div class=\"figures\">\n\
         <div><p class=\"figure\" id=\"points\">0</p><p>{points}</p></div>\n\
         <div><p class=\"figure\" id=\"smiles\">0</p><p>{smiles}</p></div>\n\
         <div><p class=\"figure\" id=\"smile-seconds\">0</p><p>{smile_seconds}</p></div>\n\
         </div>\n\
         <h2>{shift_heading}</h2>\n<p id=\"shift\"></p>\n\
         <p><button id=\"pause\" type=\"button\" class=\"secondary\">{pause}</button>\
         <button id=\"resume\" type=\"button\" class=\"secondary\">{resume}</button>\
         <button id=\"end-shift\" type=\"button\" class=\"secondary\">{end_shift}</button></p>\n\
         <h2>{chart_heading}</h2>\n<div id=\"chart\"></div>\n\
         <h2>{data_heading}</h2>\n\
         <p><button id=\"export-csv\" type=\"button\" class=\"secondary\">CSV</button>\
         <button id=\"export-json\" type=\"button\" class=\"secondary\">JSON</button>\
         <button id=\"delete\" type=\"button\" class=\"danger\">{delete}</button></p>\n\
         <p class=\"note\">{privacy}</p>\n\
         </section>\n</div>\n",
        heading = text("Moje uśmiechy", "My smiles"),
        lang_tag = lang.tag(),
        no_link = text(
            "Brak osobistego linku. Otwórz link otrzymany przy dołączaniu albo dołącz ponownie kodem z kiosku.",
            "No personal link. Open the link you received when you joined, or join again with a code from the kiosk."
        ),
        error = text("Nie udało się wczytać danych. Spróbuj ponownie.", "Loading failed. Please try again."),
        deleted = text("Wszystkie Twoje dane zostały usunięte.", "All your data has been deleted."),
        confirm_delete = text(
            "Usunąć wszystkie Twoje dane? Tego nie można cofnąć.",
            "Delete all your data? This cannot be undone."
        ),
        paused = text("wstrzymane", "paused"),
        active = text("liczenie włączone", "counting"),
        no_shift = text("Brak otwartej zmiany.", "No open shift."),
        until = text("do", "until"),
        points = text("punkty", "points"),
        smiles = text("uśmiechy", "smiles"),
        smile_seconds = text("sekundy uśmiechu", "smile-seconds"),
        shift_heading = text("Zmiana", "Shift"),
        pause = text("Wstrzymaj", "Pause"),
        resume = text("Wznów", "Resume"),
        end_shift = text("Zakończ zmianę", "End shift"),
        chart_heading = text("Ostatnie 14 dni", "Last 14 days"),
        data_heading = text("Moje dane", "My data"),
        delete = text("Usuń wszystko", "Delete everything"),
        privacy = text(
            "Te wyniki widzisz tylko Ty, przez swój osobisty link. Pracodawca widzi wyłącznie sumy z co najmniej kilku stanowisk.",
            "Only you see these results, through your personal link. Your employer sees only sums over several desks."
        ),
    );
    let mut response = Html(page(
        lang,
        lang.pick("Moje uśmiechy", "My smiles"),
        "/me",
        Some("/assets/employee.js"),
        &body,
    ));
    response.0.shrink_to_fit();
    response
}
