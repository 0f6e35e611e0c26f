//! One error type for the HTTP API, rendered as OpenAI renders errors:
//! `{"error": {"type", "code", "message", "param"}}` with a stable `code`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// An API error with its HTTP status and stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error class: `invalid_request_error`, `authentication_error`, `server_error`, …
    pub kind: &'static str,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    /// The offending parameter, if one.
    pub param: Option<String>,
    /// Seconds to wait before retrying (503).
    pub retry_after: Option<u32>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            code,
            message: message.into(),
            param: None,
            retry_after: None,
        }
    }

    /// 400 with `code`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            message,
        )
    }

    /// 401 with `code`.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            code,
            message,
        )
    }

    /// 403 with `code`.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "invalid_request_error",
            code,
            message,
        )
    }

    /// 404 with `code`.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            code,
            message,
        )
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "body_too_large",
            format!("The request body is larger than {limit} bytes."),
        )
    }

    /// 415 with the content types accepted.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request_error",
            "unsupported_content_type",
            format!("Expected Content-Type {expected}."),
        )
    }

    /// 503 with Retry-After.
    pub fn unavailable(code: &'static str, message: impl Into<String>, retry_after: u32) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                code,
                message,
            )
        }
    }

    /// 502: the realtime model could not be used.
    pub fn bad_gateway(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "server_error", code, message)
    }

    /// 500; the detail goes to the log, not to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        log_internal(&detail);
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "internal_error",
            "The server had an error while processing your request.",
        )
    }

    /// Names the offending parameter.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }
}

/// Logs the detail of a 500 (every wire format's): it never reaches the client.
pub(crate) fn log_internal(detail: &dyn std::fmt::Display) {
    tracing::error!(%detail, "internal error");
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::not_found("not_found", "Not found."),
            StoreError::Conflict(_) => Self::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "conflict",
                "It already exists.",
            ),
            StoreError::NoCredits => Self::forbidden(
                "no_credits",
                "The organization has no interview credits available.",
            ),
            StoreError::Backend(_) => Self::internal(error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": {
            "type": self.kind,
            "code": self.code,
            "message": self.message,
            "param": self.param,
        }});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A 503 with stable `code` in the error shape of the API `route` belongs to: `{"detail",
/// "code"}` on the interview API, `{"error", "code"}` on the partner facade, `{"error":
/// code, "details"}` on the sessions facade, else the realtime API's `{"error": {…}}`; with
/// `Retry-After`.
pub(crate) fn unavailable_for(
    route: &str,
    code: &'static str,
    message: &str,
    retry_after: u32,
) -> Response {
    let body = if route.starts_with("/api/v1/") {
        json!({ "detail": message, "code": code })
    } else if route.starts_with("/v1/partners/") {
        json!({ "error": message, "code": code })
    } else if route.starts_with("/api/tezhire/") {
        json!({ "error": code, "details": message })
    } else {
        return ApiError::unavailable(code, message, retry_after).into_response();
    };
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}
