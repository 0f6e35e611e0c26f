//! Errors of the interview API (`/api/v1/…`), in the seed's shape, `{"detail": "…"}`, with a
//! stable `code` beside it for programs (`invalid_request`, `not_found`, `no_credits`, …).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// An interview-API error: status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub detail: String,
    /// The stable code; by default the status's (see [`code_of`]).
    pub code: &'static str,
}

/// The stable code of an interview-API error with `status`.
pub(crate) fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "body_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_body",
        429 => "rate_limited",
        503 => "unavailable",
        500..=599 => "internal_error",
        _ => "error",
    }
}

impl DetailError {
    /// An error with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            code: code_of(status),
        }
    }

    /// The same error with a code of its own.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        super::error::log_internal(&cause);
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for DetailError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({ "detail": self.detail, "code": self.code })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<StoreError> for DetailError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::not_found("Not found"),
            StoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "Already exists"),
            StoreError::NoCredits => {
                Self::forbidden("Organization has no interview credits available")
                    .with_code("no_credits")
            }
            StoreError::Backend(_) => Self::internal(error),
        }
    }
}

/// A JSON body for the interview API: rejections become `{"detail"}` errors (400, 413, 415).
pub(crate) struct DetailJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for DetailJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = DetailError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(DetailError::new(rejection.status(), rejection.body_text())),
        }
    }
}
