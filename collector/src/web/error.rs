//! The JSON error body of every API endpoint:
//! `{"error": {"code": "invalid_report", "message": "...", "field": "client.smiles"}}`.
//! `code` is stable for programs, `message` is English for developers, and
//! `field` (present when one input is at fault) names it by its dotted JSON path,
//! or `body` or a header name.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::store::StoreError;

/// Error response of an API endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names the input at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Logs an internal failure with `context` and returns a generic `500` that
    /// does not reveal it.
    pub fn internal(context: impl std::fmt::Display) -> Self {
        tracing::error!(%context, "request failed inside the collector");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the collector failed to handle the request; retry later",
        )
    }

    pub fn unauthorized(field: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message).with_field(field)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
            }
        });
        (self.status, Json(body)).into_response()
    }
}
