//! Errors of the interview-sessions API in seed 002's shape: `{"error": <stable code>,
//! "details": <for people>}`, and the JSON body extractor whose rejections take it too.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// A seed-002 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SessionError {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) details: String,
    pub(super) retry_after: Option<u32>,
}

impl SessionError {
    pub(super) fn new(status: StatusCode, code: &'static str, details: impl Into<String>) -> Self {
        Self {
            status,
            code,
            details: details.into(),
            retry_after: None,
        }
    }

    /// 400 `invalid_request`, naming the field at fault.
    pub(super) fn invalid(details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", details)
    }

    /// 401 `unauthorized`.
    pub(super) fn unauthorized(details: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", details)
    }

    /// 404 `session_not_found`, for a missing session and another organization's alike.
    pub(super) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "session_not_found",
            "No interview session with this id.",
        )
    }

    /// 500; the cause goes to the log only.
    pub(super) fn internal(cause: impl std::fmt::Display) -> Self {
        crate::api::error::log_internal(&cause);
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error.",
        )
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.code, "details": self.details });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::not_found(),
            StoreError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", detail),
            StoreError::NoCredits => Self::new(
                StatusCode::FORBIDDEN,
                "no_credits",
                "The organization has no interview credits left.",
            ),
            StoreError::Backend(detail) => Self::internal(detail),
        }
    }
}

/// A JSON body as `T`, its errors naming the field (`candidate.resumeData.skills[2]: invalid
/// type: integer, expected a string`).
pub(super) struct SessionJson<T>(pub(super) T);

impl<S, T> FromRequest<S> for SessionJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = SessionError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    SessionError::new(status, "body_too_large", "The request body is too large.")
                } else {
                    SessionError::invalid(rejection.body_text())
                }
            })?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer)
            .map(SessionJson)
            .map_err(|error| {
                let path = error.path().to_string();
                let inner = error.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    SessionError::invalid(format!("The body is not valid JSON: {inner}"))
                } else if path == "." {
                    SessionError::invalid(inner.to_string())
                } else {
                    SessionError::invalid(format!("{path}: {inner}"))
                }
            })
    }
}
