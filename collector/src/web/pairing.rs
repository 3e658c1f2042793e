//! Employee opt-in by pairing, and the endpoints of the flow.
//!
//! 1. The kiosk calls `POST /api/v1/station/pairing-codes` with its station
//!    token and shows the returned code and the QR code at `qr_svg_url`. A code
//!    is valid once, for `pairing_code_ttl_s` seconds.
//! 2. The employee opens `/pair?code=CODE` on a phone (by the QR code or by
//!    typing the code), reads what is counted and who can see it, and confirms.
//! 3. The collector creates the employee with a new random secret (stored only
//!    as a hash) and links them to the station for one shift (`shift_hours`, or
//!    until they end it). The reply shows the personal link `/me#secret=SECRET`.
//!    The secret sits in the URL fragment, which browsers never send to a server.
//!    The page also keeps it in the phone's local storage, so that the next
//!    pairing links the same employee instead of creating a new one.
//! 4. The kiosk polls `GET /api/v1/station/employee-status`, which returns only
//!    whether an opted-in employee with an unpaused shift is linked, and scores
//!    the employee role only then. Employee counts of reports received while no
//!    such employee is linked are dropped, never stored.
//!
//! Pairing ends any other open shift at the same station (a hand-over) and any
//! other open shift of the same employee.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Deserialize;

use super::origin::public_origin;
use super::{authenticate_station, ApiError, AppState};
use crate::html::{escape, page};
use crate::i18n::Lang;
use crate::secret::{display_pairing_code, generate_pairing_code, normalize_pairing_code, Secret};

#[derive(Debug, Deserialize)]
pub(super) struct PairQuery {
    code: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PairForm {
    code: String,
    consent: Option<String>,
    existing_secret: Option<String>,
    lang: Option<String>,
}

/// Handles `POST /api/v1/station/pairing-codes`.
pub(super) async fn create_pairing_code(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let station = authenticate_station(&state, &headers).await?;
    let code = generate_pairing_code().map_err(ApiError::internal)?;
    let expires_at = state.now() + state.config().pairing_code_ttl_s;
    state
        .store()
        .create_pairing_code(&station.station_id, &code, expires_at)
        .await?;
    tracing::info!(station_id = %station.station_id, expires_at, "issued a pairing code");

    let origin = public_origin(&state, &headers);
    let body = serde_json::json!({
        "code": display_pairing_code(&code),
        "pairing_url": format!("{origin}/pair?code={}", code.expose()),
        "qr_svg_url": format!("/pair/qr.svg?code={}", code.expose()),
        "expires_at": expires_at,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Handles `GET /pair/qr.svg?code=CODE`: the pairing link as a QR code, for a
/// code that is still valid.
pub(super) async fn pairing_qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PairQuery>,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "pairing_code_not_found",
            "unknown, used or expired pairing code: request a new one at the kiosk",
        )
        .with_field("code")
    };
    let code = query
        .code
        .as_deref()
        .and_then(normalize_pairing_code)
        .ok_or_else(not_found)?;
    if state
        .store()
        .pairing_code_station(&code, state.now())
        .await?
        .is_none()
    {
        return Err(not_found());
    }

    let url = format!(
        "{}/pair?code={}",
        public_origin(&state, &headers),
        code.expose()
    );
    let qr = QrCode::new(url.as_bytes()).map_err(ApiError::internal)?;
    let image = qr
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        image,
    )
        .into_response())
}

/// Handles `GET /pair`: the consent page.
pub(super) async fn pair_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PairQuery>,
) -> Html<String> {
    let lang = Lang::negotiate(query.lang.as_deref(), &headers);
    let code = query
        .code
        .as_deref()
        .and_then(normalize_pairing_code)
        .map(|code| display_pairing_code(&code))
        .unwrap_or_default();
    let hours = state.config().shift_hours;
    let points = state.config().employee_points_per_smile;

    let body = format!(
        "<h1>{heading}</h1>\n<p>{intro}</p>\n<ul>\n<li>{counted}</li>\n<li>{private}</li>\n<li>{control}</li>\n<li>{never}</li>\n</ul>\n\
         <form method=\"post\" action=\"/pair\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{lang_tag}\">\n\
         <input type=\"hidden\" name=\"existing_secret\" id=\"existing-secret\" value=\"\">\n\
         <p><label>{code_label}<br><input name=\"code\" value=\"{code}\" required autocomplete=\"off\" autocapitalize=\"characters\" class=\"code\" size=\"10\"></label></p>\n\
         <p><label><input type=\"checkbox\" name=\"consent\" value=\"yes\" required> {consent}</label></p>\n\
         <p id=\"returning\" class=\"note\" hidden>{returning}</p>\n\
         <p><button type=\"submit\">{submit}</button></p>\n</form>\n",
        heading = lang.pick("Dołącz do liczenia uśmiechów", "Join smile counting"),
        intro = lang.pick(
            "Przy tym stanowisku czujnik liczy uśmiechy. Jeśli dołączysz, Twoje uśmiechy będą liczone osobno, a punkty zobaczysz tylko Ty.",
            "A sensor at this desk counts smiles. If you join, your smiles are counted separately and only you see your points."
        ),
        counted = escape(&match lang {
            Lang::Pl => format!("Liczymy tylko liczbę uśmiechów w odstępach kilkuminutowych; za każdy dostajesz {points} pkt. Żaden obraz nie opuszcza kiosku."),
            Lang::En => format!("Only the number of smiles in intervals of several minutes is counted; each earns you {points} point(s). No image leaves the kiosk."),
        }),
        private = lang.pick(
            "Twoje wyniki otwiera tylko Twój osobisty link. Pracodawca ich nie widzi; widzi tylko sumy z co najmniej kilku stanowisk.",
            "Only your personal link opens your results. Your employer cannot see them and sees only sums over several desks."
        ),
        control = escape(&match lang {
            Lang::Pl => format!("Połączenie trwa do końca zmiany (najwyżej {hours} h). W każdej chwili możesz je wstrzymać, zakończyć, pobrać dane albo usunąć wszystko."),
            Lang::En => format!("The link lasts until you end your shift (at most {hours} h). You can pause it, end it, download your data or delete everything at any time."),
        }),
        never = lang.pick(
            "Uśmiech to wyraz twarzy; nie oceniamy nastroju ani osoby.",
            "A smile is a facial expression; nothing here rates a person."
        ),
        lang_tag = lang.tag(),
        code_label = lang.pick("Kod z kiosku", "Code shown by the kiosk"),
        code = escape(&code),
        consent = lang.pick(
            "Zgadzam się na liczenie moich uśmiechów przy tym stanowisku w czasie tej zmiany.",
            "I agree that my smiles at this desk are counted during this shift."
        ),
        returning = lang.pick(
            "Ten telefon ma już Twój osobisty link: punkty trafią na to samo konto.",
            "This phone already holds your personal link: points go to the same account."
        ),
        submit = lang.pick("Dołączam", "Join"),
    );
    Html(page(
        lang,
        lang.pick("Dołącz", "Join"),
        "/pair",
        Some("/assets/pair.js"),
        &body,
    ))
}

/// Handles `POST /pair`: redeems the code and shows the personal link once.
pub(super) async fn pair_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PairForm>,
) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let failure = |status: StatusCode, message: &str| {
        let body = format!(
            "<h1>{}</h1>\n<p>{}</p>\n<p><a class=\"button\" href=\"/pair?lang={}\">{}</a></p>\n",
            lang.pick("Nie udało się dołączyć", "Joining failed"),
            escape(message),
            lang.tag(),
            lang.pick("Spróbuj ponownie", "Try again"),
        );
        (
            status,
            Html(page(lang, lang.pick("Błąd", "Error"), "/pair", None, &body)),
        )
            .into_response()
    };

    if form.consent.as_deref() != Some("yes") {
        return failure(
            StatusCode::BAD_REQUEST,
            lang.pick(
                "Bez zgody nie liczymy Twoich uśmiechów.",
                "Without your consent your smiles are not counted.",
            ),
        );
    }
    let Some(code) = normalize_pairing_code(&form.code) else {
        tracing::warn!("rejected a malformed pairing code");
        return failure(
            StatusCode::BAD_REQUEST,
            lang.pick(
                "Kod ma 8 znaków, np. ABCD-EFGH.",
                "The code has 8 characters, such as ABCD-EFGH.",
            ),
        );
    };
    let existing = form
        .existing_secret
        .filter(|secret| !secret.is_empty())
        .map(Secret::new);
    let shift_s = i64::from(state.config().shift_hours) * 3600;

    let pairing = match state
        .store()
        .redeem_pairing_code(&code, existing.as_ref(), state.now(), shift_s)
        .await
    {
        Ok(Some(pairing)) => pairing,
        Ok(None) => {
            tracing::warn!("rejected an unknown, used or expired pairing code");
            return failure(
                StatusCode::NOT_FOUND,
                lang.pick(
                    "Ten kod jest nieważny, wykorzystany albo wygasł. Poproś kiosk o nowy.",
                    "This code is invalid, used or expired. Ask the kiosk for a new one.",
                ),
            );
        }
        Err(error) => {
            tracing::error!(%error, "failed to redeem a pairing code");
            return failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                lang.pick(
                    "Błąd serwera. Spróbuj za chwilę.",
                    "Server error. Please try again shortly.",
                ),
            );
        }
    };
    tracing::info!(station_id = %pairing.station_id, new_employee = pairing.new_secret.is_some(), "linked an employee to a station");

    let origin = public_origin(&state, &headers);
    let link_section = match &pairing.new_secret {
        Some(secret) => {
            let link = format!("{origin}/me?lang={}#secret={}", lang.tag(), secret.expose());
            format!(
                "<p>{keep}</p>\n<p class=\"secret-link\" id=\"personal-link\" data-secret=\"{secret}\"><a href=\"{link}\">{link}</a></p>\n",
                keep = lang.pick(
                    "To Twój osobisty link. Zapisz go w zakładkach: tylko on otwiera Twoje wyniki i nie da się go odtworzyć.",
                    "This is your personal link. Bookmark it: only it opens your results, and it cannot be recovered."
                ),
                secret = escape(secret.expose()),
                link = escape(&link),
            )
        }
        None => format!(
            "<p><a class=\"button\" href=\"/me?lang={}\">{}</a></p>\n",
            lang.tag(),
            lang.pick("Moje wyniki", "My results")
        ),
    };
    let body = format!(
        "<h1>{heading}</h1>\n<p>{linked}</p>\n{link_section}",
        heading = lang.pick("Dołączono", "You have joined"),
        linked = escape(&match lang {
            Lang::Pl => format!(
                "Stanowisko {} liczy teraz Twoje uśmiechy do końca zmiany.",
                pairing.station_id
            ),
            Lang::En => format!(
                "Desk {} now counts your smiles until the end of your shift.",
                pairing.station_id
            ),
        }),
    );
    let mut response = Html(page(
        lang,
        lang.pick("Dołączono", "Joined"),
        "/me",
        Some("/assets/pair.js"),
        &body,
    ))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
