//! The collector's own style sheet and scripts, compiled into the binary so the
//! employee and organisation pages work whatever `www/` contains.

use axum::http::header;
use axum::response::IntoResponse;

pub(super) async fn style_sheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/collector.css"),
    )
}

pub(super) async fn employee_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/employee.js"),
    )
}

pub(super) async fn pair_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/pair.js"),
    )
}
