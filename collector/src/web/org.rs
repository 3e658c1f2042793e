//! The organisation page and its CSV export, behind HTTP Basic authentication
//! with an organisation viewer's name and password
//! (`smile-collector org-viewer create NAME`).
//!
//! Every figure comes from [`crate::anonymity::publish`]: sums of cells (day of
//! receipt × group × charity cause) with at least k stations, over complete UTC
//! days only. There is no per-station or per-employee figure in any view here.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;

use super::AppState;
use crate::anonymity::{publish, OrgFigures, Totals};
use crate::chart::{bar_chart, Bar};
use crate::clock::{iso_date, DAY_S};
use crate::html::{escape, page};
use crate::i18n::{format_grosz, Lang};
use crate::secret::Secret;

/// Periods offered, in days; the first is the default.
const PERIODS: [i64; 4] = [30, 7, 90, 365];

#[derive(Debug, Deserialize)]
pub(super) struct OrgQuery {
    days: Option<i64>,
    lang: Option<String>,
}

impl OrgQuery {
    fn period_days(&self) -> i64 {
        self.days
            .filter(|days| PERIODS.contains(days))
            .unwrap_or(PERIODS[0])
    }
}

/// Checks `Authorization: Basic` against the organisation viewers. On failure
/// returns the `401` that makes the browser ask for a name and password.
async fn require_viewer(state: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    let challenge = || {
        let mut response = (
            StatusCode::UNAUTHORIZED,
            "sign in with an organisation viewer name and password\n",
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Basic realm=\"smile-sensor organisation\", charset=\"UTF-8\"",
            ),
        );
        response
    };
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let Some((name, password)) = credentials.as_deref().and_then(|text| text.split_once(':'))
    else {
        return Err(challenge());
    };

    match state
        .store()
        .authenticate_org_viewer(name, &Secret::new(password))
        .await
    {
        Ok(true) => Ok(name.to_owned()),
        Ok(false) => {
            tracing::warn!(viewer = name, "rejected organisation viewer credentials");
            Err(challenge())
        }
        Err(error) => {
            tracing::error!(%error, viewer = name, "failed to check organisation viewer credentials");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// Authenticates the viewer and loads the figures of the requested period.
/// Returns the viewer's name, the period in days and the figures, or the error
/// response to send.
async fn authorized_figures(
    state: &AppState,
    headers: &HeaderMap,
    query: &OrgQuery,
) -> Result<(String, i64, OrgFigures), Response> {
    let viewer = require_viewer(state, headers).await?;
    let days = query.period_days();
    let today = state.now().div_euclid(DAY_S);
    match state.store().org_cells(today - days, today).await {
        Ok(cells) => Ok((
            viewer,
            days,
            publish(cells, state.config().org_min_stations),
        )),
        Err(error) => {
            tracing::error!(%error, viewer, days, "failed to load organisation figures");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// Handles `GET /org`.
pub(super) async fn org_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Response {
    let (viewer, days, figures) = match authorized_figures(&state, &headers, &query).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let lang = Lang::negotiate(query.lang.as_deref(), &headers);
    tracing::info!(viewer, days, "served the organisation page");

    let k = state.config().org_min_stations;
    let today = state.now().div_euclid(DAY_S);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{heading}</h1>\n<p>{period}</p>\n<nav>{links}</nav>\n",
        heading = escape(lang.pick("Uśmiechy w organizacji", "Smiles across the organisation")),
        period = escape(&match lang {
            Lang::Pl => format!(
                "Ostatnie {days} pełnych dni: {} – {} (UTC).",
                iso_date(today - days),
                iso_date(today - 1)
            ),
            Lang::En => format!(
                "Last {days} complete days: {} to {} (UTC).",
                iso_date(today - days),
                iso_date(today - 1)
            ),
        }),
        links = period_links(lang, days),
    );

    let _ = write!(
        body,
        "<div class=\"figures\">\n<div><p class=\"figure\">{smiles}</p><p>{smiles_label}</p></div>\n\
         <div><p class=\"figure\">{interactions}</p><p>{interactions_label}</p></div>\n\
         <div><p class=\"figure\">{charity}</p><p>{charity_label}</p></div>\n</div>\n",
        smiles = figures.total.client_smiles,
        smiles_label = escape(lang.pick("uśmiechy klientów", "client smiles")),
        interactions = figures.total.interactions,
        interactions_label = escape(lang.pick("obsłużone wizyty", "customer interactions")),
        charity = escape(&format_grosz(lang, figures.total.charity_grosz)),
        charity_label = escape(lang.pick("na cele charytatywne", "raised for charity")),
    );

    let bars: Vec<Bar> = (today - days..today)
        .map(|day| Bar {
            label: iso_date(day)[5..].to_owned(),
            value: figures
                .by_day
                .get(&day)
                .map_or(0.0, |totals| totals.client_smiles as f64),
        })
        .collect();
    let _ = write!(
        body,
        "<h2>{}</h2>\n{}\n",
        escape(lang.pick("Uśmiechy klientów dziennie", "Client smiles per day")),
        bar_chart(
            lang.pick("Uśmiechy klientów dziennie", "Client smiles per day"),
            &bars
        )
    );

    body.push_str(&totals_table(
        lang,
        lang.pick("Grupy stanowisk", "Station groups"),
        lang.pick("Grupa", "Group"),
        &figures.by_group,
    ));
    body.push_str(&totals_table(
        lang,
        lang.pick("Cele charytatywne", "Charity causes"),
        lang.pick("Cel", "Cause"),
        &figures.by_cause,
    ));

    let _ = write!(
        body,
        "<p class=\"note\">{rule}</p>\n<p><a class=\"button\" href=\"/org/export.csv?days={days}\">{export}</a></p>\n",
        rule = escape(&match lang {
            Lang::Pl => format!(
                "Każda liczba to suma z co najmniej {k} stanowisk w danym dniu, grupie i celu; mniejszych zbiorów ({}) nie pokazujemy ani nie wliczamy do sum. Dni liczone według daty otrzymania raportu.",
                figures.suppressed_cells
            ),
            Lang::En => format!(
                "Every number is a sum over at least {k} stations for a given day, group and cause; smaller sets ({}) are neither shown nor counted in any total. Days are the day a report was received.",
                figures.suppressed_cells
            ),
        }),
        export = escape(lang.pick("Pobierz CSV", "Download CSV")),
    );

    let path = format!("/org?days={days}");
    let mut response = Html(page(
        lang,
        lang.pick("Organizacja", "Organisation"),
        &path,
        None,
        &body,
    ))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn period_links(lang: Lang, current: i64) -> String {
    let mut links = String::new();
    for days in PERIODS {
        let label = match lang {
            Lang::Pl => format!("{days} dni"),
            Lang::En => format!("{days} days"),
        };
        if days == current {
            let _ = write!(links, "<strong>{label}</strong> ");
        } else {
            let _ = write!(
                links,
                "<a href=\"/org?days={days}&amp;lang={}\">{label}</a> ",
                lang.tag()
            );
        }
    }
    links
}

fn totals_table(
    lang: Lang,
    heading: &str,
    key_label: &str,
    rows: &std::collections::BTreeMap<String, Totals>,
) -> String {
    let mut table = format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th class=\"number\">{}</th><th class=\"number\">{}</th><th class=\"number\">{}</th></tr></thead>\n<tbody>\n",
        escape(heading),
        escape(key_label),
        escape(lang.pick("Uśmiechy klientów", "Client smiles")),
        escape(lang.pick("Wizyty", "Interactions")),
        escape(lang.pick("Darowizna", "Donation")),
    );
    if rows.is_empty() {
        let _ = writeln!(
            table,
            "<tr><td colspan=\"4\">{}</td></tr>",
            escape(lang.pick(
                "Brak danych spełniających próg.",
                "No data meets the threshold."
            ))
        );
    }
    for (key, totals) in rows {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td class=\"number\">{}</td><td class=\"number\">{}</td><td class=\"number\">{}</td></tr>",
            escape(key),
            totals.client_smiles,
            totals.interactions,
            escape(&format_grosz(lang, totals.charity_grosz)),
        );
    }
    table.push_str("</tbody>\n</table>\n");
    table
}

/// Handles `GET /org/export.csv`: one row per published cell.
pub(super) async fn org_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Response {
    let (viewer, days, figures) = match authorized_figures(&state, &headers, &query).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    tracing::info!(viewer, days, "exported organisation figures");

    let mut csv = String::from(
        "date,group,charity_cause,stations,interactions,interaction_seconds,client_smiles,client_smile_seconds,charity_grosz\n",
    );
    for cell in &figures.published {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{:.1},{},{:.1},{}",
            iso_date(cell.day),
            csv_field(&cell.group_name),
            csv_field(&cell.charity_cause),
            cell.stations,
            cell.interactions,
            cell.interaction_seconds,
            cell.client_smiles,
            cell.client_smile_seconds,
            cell.charity_grosz,
        );
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"smiles-organisation.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}
